/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the collab selftests: the tests build requests
 * byte by byte, so that they can also build the malformed ones.
 */
#ifndef COLLAB_NL_H
#define COLLAB_NL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/collab.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define NL_BUF 65536

struct nl {
	int fd;
	uint16_t family;	/* generic netlink id of "collab" */
	uint32_t events;	/* multicast group id of "events" */
	uint32_t activation;	/* ... of "activation" */
	uint32_t seq;
	char ext_msg[256];	/* extack text of the last error */
};

/* A request under construction. */
struct nl_req {
	union {
		char buf[8192];
		struct nlmsghdr align;
	};
	struct nlattr *nest[4];
	int depth;
};

static inline struct nlmsghdr *nl_hdr(struct nl_req *r)
{
	return (struct nlmsghdr *)r->buf;
}

static inline void nl_req_init(struct nl_req *r, uint16_t type, int flags,
			       uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	nl_hdr(r)->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	nl_hdr(r)->nlmsg_type = type;
	nl_hdr(r)->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = NLMSG_DATA(nl_hdr(r));
	g->cmd = cmd;
	g->version = 1;
}

static inline struct nlattr *nl_put(struct nl_req *r, uint16_t type,
				    const void *data, size_t len)
{
	struct nlattr *a = (void *)(r->buf + NLMSG_ALIGN(nl_hdr(r)->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	nl_hdr(r)->nlmsg_len = NLMSG_ALIGN(nl_hdr(r)->nlmsg_len) +
			       NLA_ALIGN(a->nla_len);
	return a;
}

static inline void nl_put_str(struct nl_req *r, uint16_t type, const char *s)
{
	nl_put(r, type, s, strlen(s) + 1);
}

static inline void nl_nest(struct nl_req *r, uint16_t type)
{
	r->nest[r->depth++] = nl_put(r, type | NLA_F_NESTED, NULL, 0);
}

static inline void nl_nest_end(struct nl_req *r)
{
	struct nlattr *a = r->nest[--r->depth];

	a->nla_len = r->buf + nl_hdr(r)->nlmsg_len - (char *)a;
}

/* Send a raw message of @len bytes. */
static inline int nl_send_raw(struct nl *nl, const void *buf, size_t len)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	return sendto(nl->fd, buf, len, 0, (struct sockaddr *)&to,
		      sizeof(to)) == (ssize_t)len ? 0 : -errno;
}

static inline int nl_send(struct nl *nl, struct nl_req *r)
{
	nl_hdr(r)->nlmsg_seq = ++nl->seq;
	return nl_send_raw(nl, r->buf, nl_hdr(r)->nlmsg_len);
}

/* Keep the extack message of an error, if there is one. */
static inline void nl_ext_msg(struct nl *nl, struct nlmsghdr *h)
{
	struct nlmsgerr *e = NLMSG_DATA(h);
	struct nlattr *a;
	size_t off, rem;

	nl->ext_msg[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	for (; off + NLA_HDRLEN <= h->nlmsg_len; off += NLA_ALIGN(a->nla_len)) {
		a = (struct nlattr *)((char *)h + off);
		if (a->nla_len < NLA_HDRLEN)
			return;
		rem = a->nla_len - NLA_HDRLEN;
		if (a->nla_type == NLMSGERR_ATTR_MSG && rem) {
			if (rem > sizeof(nl->ext_msg))
				rem = sizeof(nl->ext_msg);
			memcpy(nl->ext_msg, (char *)a + NLA_HDRLEN, rem);
			nl->ext_msg[rem - 1] = '\0';
		}
	}
}

typedef int (*nl_cb)(struct nlmsghdr *h, void *arg);

/*
 * Receive until the ACK, the error or the end of a dump; call @cb for each
 * data message. Returns 0, a negative errno from the kernel, or -EPROTO.
 * *@parts (if not NULL) counts the recv() calls of a dump.
 */
static inline int nl_recv(struct nl *nl, nl_cb cb, void *arg, int *parts)
{
	static char buf[NL_BUF] __attribute__((aligned(4)));
	struct nlmsghdr *h;
	ssize_t n;
	int err;

	for (;;) {
		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		if (parts)
			(*parts)++;
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				nl_ext_msg(nl, h);
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb) {
				err = cb(h, arg);
				if (err)
					return err;
			}
		}
	}
}

static inline int nl_call(struct nl *nl, struct nl_req *r, nl_cb cb, void *arg)
{
	int err = nl_send(nl, r);

	return err ?: nl_recv(nl, cb, arg, NULL);
}

/* Walk the attributes in [start, start + len). */
#define nla_for_each(a, start, len)					  \
	for (a = (struct nlattr *)(start);				  \
	     (char *)a + NLA_HDRLEN <= (char *)(start) + (len) &&	  \
	     a->nla_len >= NLA_HDRLEN &&				  \
	     (char *)a + a->nla_len <= (char *)(start) + (len);		  \
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

#define nla_type_of(a)	((a)->nla_type & NLA_TYPE_MASK)
#define nla_data_of(a)	((void *)((char *)(a) + NLA_HDRLEN))
#define nla_len_of(a)	((a)->nla_len - NLA_HDRLEN)

static inline struct nlattr *nla_find(const void *start, size_t len, int type)
{
	struct nlattr *a;

	nla_for_each(a, start, len)
		if (nla_type_of(a) == type)
			return a;
	return NULL;
}

/* The attribute @type inside nest @n, or NULL. */
static inline struct nlattr *nla_in(const struct nlattr *n, int type)
{
	return n ? nla_find(nla_data_of(n), nla_len_of(n), type) : NULL;
}

/* The top-level attribute @type of a generic netlink message. */
static inline struct nlattr *genl_attr(struct nlmsghdr *h, int type)
{
	return nla_find((char *)NLMSG_DATA(h) + GENL_HDRLEN,
			h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), type);
}

static inline uint32_t nla_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, nla_data_of(a), sizeof(v));
	return v;
}

static inline uint64_t nla_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, nla_data_of(a), sizeof(v));
	return v;
}

static int nl_family_cb(struct nlmsghdr *h, void *arg)
{
	struct nlattr *grps, *g, *name, *id;
	struct nl *nl = arg;

	id = genl_attr(h, CTRL_ATTR_FAMILY_ID);
	if (id)
		nl->family = *(uint16_t *)nla_data_of(id);
	grps = genl_attr(h, CTRL_ATTR_MCAST_GROUPS);
	if (!grps)
		return 0;
	nla_for_each(g, nla_data_of(grps), nla_len_of(grps)) {
		name = nla_in(g, CTRL_ATTR_MCAST_GRP_NAME);
		id = nla_in(g, CTRL_ATTR_MCAST_GRP_ID);
		if (!name || !id)
			continue;
		if (!strcmp(nla_data_of(name), COLLAB_GENL_MCGRP_EVENTS))
			nl->events = nla_u32(id);
		if (!strcmp(nla_data_of(name), COLLAB_GENL_MCGRP_ACTIVATION))
			nl->activation = nla_u32(id);
	}
	return 0;
}

/* Open a generic netlink socket with extended ACKs and find "collab". */
static inline int nl_open(struct nl *nl)
{
	struct nl_req r;
	int one = 1, err;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	nl_req_init(&r, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	nl_put_str(&r, CTRL_ATTR_FAMILY_NAME, COLLAB_GENL_NAME);
	err = nl_call(nl, &r, nl_family_cb, nl);
	if (!err && !nl->family)
		err = -ENOENT;
	if (err) {
		close(nl->fd);
		nl->fd = -1;
	}
	return err;
}

static inline void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

/* A request for the collab family. */
static inline void nl_req(struct nl *nl, struct nl_req *r, int flags,
			  uint8_t cmd)
{
	nl_req_init(r, nl->family, flags, cmd);
}

#endif /* COLLAB_NL_H */
