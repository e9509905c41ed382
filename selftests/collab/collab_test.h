/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the collab C selftests: addresses, bound sockets,
 * sending and receiving with metadata, and /proc/net/collab counters.
 */
#ifndef COLLAB_TEST_H
#define COLLAB_TEST_H

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/collab.h>

#include "collab.h"

static inline struct collab_guid guid_of(uint64_t n)
{
	struct collab_guid g = {};

	memcpy(g.b + 8, &n, sizeof(n));
	g.b[0] = 0xc0;
	return g;
}

/* 32 hex digits into a GUID; a tool's usage error (exit 2) otherwise. */
static inline struct collab_guid guid_arg(const char *tool, const char *s)
{
	struct collab_guid g;
	unsigned int i, byte;

	if (strlen(s) != 32)
		goto bad;
	for (i = 0; i < 16; i++) {
		if (sscanf(s + 2 * i, "%2x", &byte) != 1)
			goto bad;
		g.b[i] = byte;
	}
	return g;
bad:
	fprintf(stderr, "%s: bad GUID '%s'\n", tool, s);
	exit(2);
}

static inline struct sockaddr_collab addr_of(int kind, const char *app,
					     const struct collab_guid *id)
{
	struct sockaddr_collab a = {};

	a.scl_family = collab_family();
	a.scl_kind = kind;
	if (app)
		strncpy(a.scl_app, app, sizeof(a.scl_app) - 1);
	if (id)
		a.scl_id = *id;
	return a;
}

static inline int collab_socket(void)
{
	return socket(collab_family(), SOCK_RDM, 0);
}

/* A socket bound as an instance of @app (@id NULL: a random GUID). */
static inline int bound_socket(const char *app, const struct collab_guid *id)
{
	struct sockaddr_collab a = addr_of(COLLAB_ADDR_APP, app, id);
	int fd = collab_socket();

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline struct collab_guid guid_of_fd(int fd)
{
	struct sockaddr_collab a = {};
	socklen_t len = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &len);
	return a.scl_id;
}

static inline int join(int fd, const struct collab_guid *sid)
{
	return setsockopt(fd, SOL_COLLAB, COLLAB_JOIN, sid, sizeof(*sid));
}

static inline int set_int(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_COLLAB, opt, &val, sizeof(val));
}

/* sendmsg() of @len bytes to @dest, with a session cmsg unless NULL. */
static inline ssize_t send_to(int fd, const struct sockaddr_collab *dest,
			      const struct collab_guid *session,
			      const void *buf, size_t len, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct collab_guid))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = {
		.msg_name = (void *)dest,
		.msg_namelen = dest ? sizeof(*dest) : 0,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *c;

	if (session) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_COLLAB;
		c->cmsg_type = COLLAB_CMSG_SESSION;
		c->cmsg_len = CMSG_LEN(sizeof(*session));
		memcpy(CMSG_DATA(c), session, sizeof(*session));
	}
	return sendmsg(fd, &m, flags);
}

struct received {
	ssize_t len;
	int flags;
	struct sockaddr_collab src;
	socklen_t srclen;
	struct collab_meta meta;
	int has_meta;
};

/* recvmsg() into @buf, with the source address and COLLAB_CMSG_META. */
static inline ssize_t recv_from(int fd, void *buf, size_t len, int flags,
				struct received *r)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct collab_meta))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m = {
		.msg_name = &r->src,
		.msg_namelen = sizeof(r->src),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;

	memset(r, 0, sizeof(*r));
	r->len = recvmsg(fd, &m, flags);
	r->flags = m.msg_flags;
	r->srclen = m.msg_namelen;
	for (c = CMSG_FIRSTHDR(&m); r->len >= 0 && c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_COLLAB &&
		    c->cmsg_type == COLLAB_CMSG_META) {
			memcpy(&r->meta, CMSG_DATA(c), sizeof(r->meta));
			r->has_meta = 1;
		}
	}
	return r->len;
}

/* A value from /proc/net/collab of the caller's namespace, or -1. */
static inline long long collab_stat(const char *name)
{
	char line[128], key[64];
	long long val, found = -1;
	FILE *f = fopen("/proc/net/collab", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", key, &val) == 2 &&
		    !strcmp(key, name))
			found = val;
	fclose(f);
	return found;
}

/* Load the module (the first socket does it) and enter a fresh netns. */
static inline int enter_netns(void)
{
	int fd = collab_socket();

	if (fd < 0)
		return -1;
	close(fd);
	return unshare(CLONE_NEWNET);
}

#endif /* COLLAB_TEST_H */
