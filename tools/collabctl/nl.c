// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl: the generic netlink socket of the "collab" family.
 *
 * Requests ask for an acknowledgment and for extended acks, so a refused
 * request comes back with the kernel's own explanation, which is printed
 * with the error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "collabctl.h"
#include "nl.h"

#define CNL_EVENT_RCVBUF	(1 << 20)

int cnl_open(struct cnl *nl)
{
	int one = 1, fd, ret;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		ctl_nomem();
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		ctl_error("cannot open a generic netlink socket: %s",
			  nl_geterror(ret));
		goto err_free;
	}
	/* Optional: kernels without them just give bare error numbers. */
	fd = nl_socket_get_fd(nl->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Peek at each message's size: a reply may exceed a page. */
	nl_socket_enable_msg_peek(nl->sk);

	ret = genl_ctrl_resolve(nl->sk, COLLAB_GENL_NAME);
	if (ret == -NLE_OBJ_NOTFOUND) {
		ctl_error("generic netlink family '%s' not found: is the module loaded? (modprobe collab)",
			  COLLAB_GENL_NAME);
		goto err_free;
	}
	if (ret < 0) {
		ctl_error("cannot resolve generic netlink family '%s': %s",
			  COLLAB_GENL_NAME, nl_geterror(ret));
		goto err_free;
	}
	nl->family = ret;
	return CTL_OK;

err_free:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return CTL_FAIL;
}

void cnl_close(struct cnl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *cnl_msg(const struct cnl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family,
				 0, flags, cmd, COLLAB_GENL_VERSION))
		ctl_nomem();
	return msg;
}

/*
 * The extended ack attributes of NLH start OFF bytes into its payload.
 * Keep the kernel's message in nl->detail, or print it as a warning when
 * the request succeeded.
 */
static void read_ext_ack(struct cnl *nl, const struct nlmsghdr *nlh,
			 size_t off, bool warn)
{
	static const struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
	};
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const char *text;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off > (size_t)nlmsg_datalen(nlh))
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(nlh) + off),
		      nlmsg_datalen(nlh) - (int)off, policy) < 0 ||
	    !tb[NLMSGERR_ATTR_MSG])
		return;
	text = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
	if (warn)
		ctl_warn("%s", text);
	else
		snprintf(nl->detail, sizeof(nl->detail), "%s", text);
}

/* Where the attributes start in an NLMSG_ERROR message. */
static size_t ext_ack_offset(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	return off;
}

struct req {
	struct cnl *nl;
	cnl_fn fn;
	void *arg;
	int err;
	bool done;
};

static int req_valid(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	if (r->fn)
		r->err = r->fn(msg, r->arg);
	if (!r->err)
		return NL_OK;
	r->done = true;
	return NL_STOP;
}

static int req_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (void *)((char *)e - NLMSG_HDRLEN);
	struct req *r = arg;

	(void)who;
	r->err = e->error;
	read_ext_ack(r->nl, nlh, ext_ack_offset(nlh), false);
	r->done = true;
	return NL_STOP;
}

static int req_ack(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req *r = arg;

	read_ext_ack(r->nl, nlh, ext_ack_offset(nlh), true);
	r->done = true;
	return NL_STOP;
}

/* The end of a dump, which carries the dump's error, if any. */
static int req_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req *r = arg;
	int err;

	if (nlmsg_datalen(nlh) >= (int)sizeof(err)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0 && !r->err) {
			r->err = err;
			read_ext_ack(r->nl, nlh, sizeof(err), false);
		}
	}
	r->done = true;
	return NL_STOP;
}

static struct nl_cb *req_cb(struct req *r)
{
	struct nl_cb *cb;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		ctl_nomem();
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, req_valid, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, req_ack, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, req_finish, r);
	nl_cb_err(cb, NL_CB_CUSTOM, req_error, r);
	return cb;
}

static int read_seq_ok(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/*
 * cnl_request(); with ANY_SEQ, messages of any sequence number (the
 * kernel's notifications) go to FN as well, until the reply ends.
 */
static int request(struct cnl *nl, struct nl_msg *msg, cnl_fn fn, void *arg,
		   bool any_seq)
{
	struct req r = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	nl->detail[0] = '\0';
	ret = nl_send_auto(nl->sk, msg);
	/* The buffer goes back to malloc(), which does not clear it. */
	if (nl->secret)
		explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nl->secret = false;
	nlmsg_free(msg);
	if (ret < 0) {
		snprintf(nl->detail, sizeof(nl->detail), "%s",
			 nl_geterror(ret));
		return -EIO;
	}

	cb = req_cb(&r);
	if (any_seq)
		nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, read_seq_ok, NULL);
	while (!r.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !r.done) {
			snprintf(nl->detail, sizeof(nl->detail), "%s",
				 nl_geterror(ret));
			r.err = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	return r.err;
}

int cnl_request(struct cnl *nl, struct nl_msg *msg, cnl_fn fn, void *arg)
{
	return request(nl, msg, fn, arg, false);
}

int cnl_fail(const struct cnl *nl, int err, const char *what)
{
	const char *hint = "";

	switch (-err) {
	case EPERM:
	case EACCES:
		hint = " (needs CAP_NET_ADMIN: run as root)";
		break;
	case EOPNOTSUPP:
		hint = " (the module is older than collabctl: update it)";
		break;
	case EBADMSG:
		hint = " (malformed message from the kernel)";
		break;
	}
	if (nl->detail[0])
		return ctl_error("%s: %s: %s%s", what, strerror(-err),
				 nl->detail, hint);
	return ctl_error("%s: %s%s", what, strerror(-err), hint);
}

int cnl_run(struct cnl *nl, struct nl_msg *msg, cnl_fn fn, void *arg,
	    const char *what, const char *noent)
{
	int err;

	err = cnl_request(nl, msg, fn, arg);
	if (err == -ENOENT && noent)
		err = ctl_error("%s: %s", what, noent);
	else if (err)
		err = cnl_fail(nl, err, what);
	cnl_close(nl);
	return err;
}

void cnl_put(struct nl_msg *msg, int type, size_t len, const void *data)
{
	if (nla_put(msg, type, (int)len, data))
		ctl_nomem();
}

void cnl_put_u32(struct nl_msg *msg, int type, uint32_t val)
{
	cnl_put(msg, type, sizeof(val), &val);
}

void cnl_put_sockaddr(struct nl_msg *msg, int type,
		      const union sockaddr_inet *sa)
{
	cnl_put(msg, type, sockaddr_len(sa), sa);
}

struct nlattr *cnl_nest_start(struct nl_msg *msg, int type)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, type | NLA_F_NESTED);
	if (!nest)
		ctl_nomem();
	return nest;
}

void cnl_put_nested(struct nl_msg *msg, int nest, int type, size_t len,
		    const void *data)
{
	struct nlattr *start = cnl_nest_start(msg, nest);

	cnl_put(msg, type, len, data);
	nla_nest_end(msg, start);
}

/*
 * Room for bursts of notifications (such as a program closing many
 * sockets); the kernel caps it at net.core.rmem_max.
 */
static int event_buffer(struct cnl *nl)
{
	int ret;

	ret = nl_socket_set_buffer_size(nl->sk, CNL_EVENT_RCVBUF, 0);
	if (ret < 0)
		return ctl_error("netlink socket: %s", nl_geterror(ret));
	return CTL_OK;
}

static int event_nonblocking(struct cnl *nl)
{
	int ret;

	ret = nl_socket_set_nonblocking(nl->sk);
	if (ret < 0)
		return ctl_error("netlink socket: %s", nl_geterror(ret));
	return CTL_OK;
}

int cnl_subscribe(struct cnl *nl, const char *group, bool quiet)
{
	int ret;

	ret = genl_ctrl_resolve_grp(nl->sk, COLLAB_GENL_NAME, group);
	if (ret < 0)
		return ctl_error("multicast group '%s' of family '%s': %s (is the module older than collabctl?)",
				 group, COLLAB_GENL_NAME, nl_geterror(ret));
	ret = nl_socket_add_membership(nl->sk, ret);
	if (ret == -NLE_PERM && quiet)
		return -EPERM;
	if (ret < 0)
		return ctl_error("cannot join multicast group '%s': %s%s",
				 group, nl_geterror(ret),
				 ret == -NLE_PERM ?
				 " (needs CAP_NET_ADMIN: run as root)" : "");
	if (event_buffer(nl) || event_nonblocking(nl))
		return CTL_FAIL;
	return CTL_OK;
}

int cnl_listen(struct cnl *nl, cnl_fn fn, void *arg, const char *what)
{
	int err;

	if (event_buffer(nl))
		return CTL_FAIL;
	err = request(nl, cnl_msg(nl, COLLAB_CMD_EVENTS_LISTEN, 0), fn, arg,
		      true);
	if (err)
		return cnl_fail(nl, err, what);
	return event_nonblocking(nl);
}

int cnl_fd(const struct cnl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

int cnl_read(struct cnl *nl, cnl_fn fn, void *arg)
{
	struct nl_cb *cb;
	int ret;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		ctl_nomem();
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
	/* Notifications carry no sequence numbers to check. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, read_seq_ok, NULL);
	ret = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	if (ret >= 0)
		return 0;
	/* libnl reports the socket's ENOBUFS as NLE_NOMEM. */
	if (ret == -NLE_NOMEM)
		return -ENOBUFS;
	snprintf(nl->detail, sizeof(nl->detail), "%s", nl_geterror(ret));
	return -EIO;
}

int cnl_parse(struct nl_msg *msg, struct nlattr **tb, int max,
	      const struct nla_policy *policy)
{
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, max, policy) < 0)
		return -EBADMSG;
	return 0;
}

int cnl_parse_nested(struct nlattr *nest, struct nlattr **tb, int max,
		     const struct nla_policy *policy)
{
	if (nla_parse_nested(tb, max, nest, policy) < 0)
		return -EBADMSG;
	return 0;
}

struct nlattr *cnl_parse_object(struct nl_msg *msg, int nest,
				struct nlattr **tb, int max,
				const struct nla_policy *policy)
{
	struct nla_policy top_policy[COLLAB_A_MAX + 1] = {
		[COLLAB_A_UNSPEC] = { .type = NLA_UNSPEC },
	};
	struct nlattr *top[COLLAB_A_MAX + 1];

	top_policy[nest].type = NLA_NESTED;
	if (cnl_parse(msg, top, COLLAB_A_MAX, top_policy) || !top[nest] ||
	    cnl_parse_nested(top[nest], tb, max, policy))
		return NULL;
	return top[nest];
}

uint8_t cnl_cmd(struct nl_msg *msg)
{
	return genlmsg_hdr(nlmsg_hdr(msg))->cmd;
}

uint64_t cnl_uint(const struct nlattr *attr)
{
	switch (nla_len(attr)) {
	case 1:
		return nla_get_u8(attr);
	case 2:
		return nla_get_u16(attr);
	case 4:
		return nla_get_u32(attr);
	case 8:
		return nla_get_u64(attr);
	}
	return 0;
}

int cnl_sockaddr(const struct nlattr *attr, union sockaddr_inet *sa)
{
	size_t len = (size_t)nla_len(attr);
	sa_family_t family;

	if (len < sizeof(family) || len > sizeof(*sa))
		return -EBADMSG;
	memset(sa, 0, sizeof(*sa));
	memcpy(sa, nla_data(attr), len);
	family = sa->sa.sa_family;
	if ((family == AF_INET && len == sizeof(sa->in)) ||
	    (family == AF_INET6 && len == sizeof(sa->in6)))
		return 0;
	return -EBADMSG;
}
