// SPDX-License-Identifier: GPL-2.0
/*
 * bind(), getsockname(), connect() and hostile arguments: short and long
 * addresses, wrong family or kind, bad application types, non-zero
 * reserved fields, bad option lengths, bad pointers, huge messages.
 */
#include <limits.h>
#include <sys/mman.h>

#include "collab_test.h"
#include "kselftest_harness.h"

FIXTURE(sock) {
	int fd;
	struct sockaddr_collab a;
};

FIXTURE_SETUP(sock)
{
	ASSERT_EQ(0, enter_netns());
	self->fd = collab_socket();
	ASSERT_LE(0, self->fd);
	self->a = addr_of(COLLAB_ADDR_APP, "chat", NULL);
}

FIXTURE_TEARDOWN(sock)
{
	close(self->fd);
}

static int do_bind(int fd, const struct sockaddr_collab *a, socklen_t len)
{
	return bind(fd, (const struct sockaddr *)a, len);
}

TEST_F(sock, bind_random_guid)
{
	struct sockaddr_collab got = {};
	socklen_t len = sizeof(got);
	struct collab_guid zero = {};

	ASSERT_EQ(0, do_bind(self->fd, &self->a, sizeof(self->a)));
	ASSERT_EQ(0, getsockname(self->fd, (struct sockaddr *)&got, &len));
	EXPECT_EQ(sizeof(got), len);
	EXPECT_EQ(collab_family(), got.scl_family);
	EXPECT_EQ(COLLAB_ADDR_APP, got.scl_kind);
	EXPECT_STREQ("chat", got.scl_app);
	EXPECT_NE(0, memcmp(&zero, &got.scl_id, sizeof(zero)));
	/* This node's id, as /proc/net/collab shows it. */
	EXPECT_NE(0, memcmp(&zero, &got.scl_node, sizeof(zero)));
	EXPECT_EQ(1, collab_stat("instances"));
	EXPECT_EQ(1, collab_stat("apps"));
}

TEST_F(sock, bind_explicit_guid)
{
	struct collab_guid g = guid_of(42);
	struct sockaddr_collab got = {};
	socklen_t len = sizeof(got);
	int other;

	self->a.scl_id = g;
	ASSERT_EQ(0, do_bind(self->fd, &self->a, sizeof(self->a)));
	ASSERT_EQ(0, getsockname(self->fd, (struct sockaddr *)&got, &len));
	EXPECT_EQ(0, memcmp(&g, &got.scl_id, sizeof(g)));

	/* The same GUID again, even for another type, is taken. */
	other = collab_socket();
	ASSERT_LE(0, other);
	self->a.scl_app[0] = 'x';
	EXPECT_EQ(-1, do_bind(other, &self->a, sizeof(self->a)));
	EXPECT_EQ(EADDRINUSE, errno);

	/* Free again once its owner has closed. */
	close(self->fd);
	self->fd = other;
	EXPECT_EQ(0, do_bind(other, &self->a, sizeof(self->a)));
}

/* What getsockname() returns binds again, elsewhere. */
TEST_F(sock, bind_own_node)
{
	struct sockaddr_collab got = {};
	socklen_t len = sizeof(got);
	int other = collab_socket();

	ASSERT_LE(0, other);
	ASSERT_EQ(0, do_bind(self->fd, &self->a, sizeof(self->a)));
	ASSERT_EQ(0, getsockname(self->fd, (struct sockaddr *)&got, &len));
	got.scl_id.b[0] ^= 1;
	EXPECT_EQ(0, do_bind(other, &got, sizeof(got)));
	close(other);
}

TEST_F(sock, bind_twice)
{
	ASSERT_EQ(0, do_bind(self->fd, &self->a, sizeof(self->a)));
	EXPECT_EQ(-1, do_bind(self->fd, &self->a, sizeof(self->a)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, collab_stat("instances"));
}

TEST_F(sock, unbound_getsockname)
{
	struct sockaddr_collab got;
	socklen_t len = sizeof(got);

	memset(&got, 0xff, sizeof(got));
	ASSERT_EQ(0, getsockname(self->fd, (struct sockaddr *)&got, &len));
	EXPECT_EQ(collab_family(), got.scl_family);
	EXPECT_EQ(COLLAB_ADDR_UNSPEC, got.scl_kind);
}

TEST_F(sock, unbound_send)
{
	struct collab_guid g = guid_of(1);
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_GUID, NULL, &g);

	EXPECT_EQ(-1, send_to(self->fd, &to, NULL, "x", 1, 0));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, join(self->fd, &g));
	EXPECT_EQ(ENOTCONN, errno);
}

/* Each variant spoils one part of a bind() address. */
FIXTURE(bad_bind) {
	int fd;
};

FIXTURE_VARIANT(bad_bind) {
	int len_delta;
	int family_delta;
	int kind;
	int flags;
	int reserved;
	int node;
	const char *app;
	int unterminated;
	int err;
};

FIXTURE_VARIANT_ADD(bad_bind, short_len) {
	.len_delta = -1, .kind = COLLAB_ADDR_APP, .app = "chat", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, tiny_len) {
	.len_delta = -(int)sizeof(struct sockaddr_collab) + 2,
	.kind = COLLAB_ADDR_APP, .app = "chat", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, wrong_family) {
	.family_delta = 1, .kind = COLLAB_ADDR_APP, .app = "chat",
	.err = EAFNOSUPPORT,
};

FIXTURE_VARIANT_ADD(bad_bind, kind_guid) {
	.kind = COLLAB_ADDR_GUID, .app = "chat", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, kind_unknown) {
	.kind = 200, .app = "chat", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, flags) {
	.kind = COLLAB_ADDR_APP, .flags = 1, .app = "chat", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, reserved) {
	.kind = COLLAB_ADDR_APP, .reserved = 1, .app = "chat", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, node) {
	.kind = COLLAB_ADDR_APP, .node = 1, .app = "chat", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, empty_app) {
	.kind = COLLAB_ADDR_APP, .app = "", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, control_char) {
	.kind = COLLAB_ADDR_APP, .app = "ch\tat", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, high_byte) {
	.kind = COLLAB_ADDR_APP, .app = "ch\xc3\xa4t", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, unterminated) {
	.kind = COLLAB_ADDR_APP, .unterminated = 1, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad_bind, longest_app) {
	.kind = COLLAB_ADDR_APP, .app = "abcdefghijklmnopqrstuvwxyz01234",
	.err = 0,
};

/* Longer than the structure (up to sockaddr_storage) is fine. */
FIXTURE_VARIANT_ADD(bad_bind, long_len) {
	.len_delta = 16, .kind = COLLAB_ADDR_APP, .app = "chat", .err = 0,
};

FIXTURE_SETUP(bad_bind)
{
	ASSERT_EQ(0, enter_netns());
	self->fd = collab_socket();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(bad_bind)
{
	close(self->fd);
}

TEST_F(bad_bind, bind)
{
	struct {
		struct sockaddr_collab a;
		char tail[16];
	} buf = {};
	struct sockaddr_collab *a = &buf.a;
	int ret;

	a->scl_family = collab_family() + variant->family_delta;
	a->scl_kind = variant->kind;
	a->scl_flags = variant->flags;
	a->scl_reserved = variant->reserved;
	a->scl_node.b[15] = variant->node;
	if (variant->unterminated)
		memset(a->scl_app, 'a', sizeof(a->scl_app));
	else
		strcpy(a->scl_app, variant->app);

	ret = bind(self->fd, (struct sockaddr *)a,
		   sizeof(*a) + variant->len_delta);
	if (!variant->err) {
		EXPECT_EQ(0, ret);
		return;
	}
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(variant->err, errno);
	EXPECT_EQ(0, collab_stat("instances"));
}

FIXTURE(hostile) {
	int fd;
	struct collab_guid peer;
};

FIXTURE_SETUP(hostile)
{
	int other;

	ASSERT_EQ(0, enter_netns());
	self->fd = bound_socket("chat", NULL);
	ASSERT_LE(0, self->fd);
	other = bound_socket("chat", NULL);
	ASSERT_LE(0, other);
	self->peer = guid_of_fd(other);
	/* Left open: the destination of the sends below. */
}

FIXTURE_TEARDOWN(hostile)
{
	close(self->fd);
}

TEST_F(hostile, bad_destinations)
{
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_GUID, NULL, &self->peer);
	struct collab_guid zero = {};

	to.scl_family++;
	EXPECT_EQ(-1, sendto(self->fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	to.scl_family--;

	EXPECT_EQ(-1, sendto(self->fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to) - 1));
	EXPECT_EQ(EINVAL, errno);

	to.scl_reserved = 7;
	EXPECT_EQ(-1, sendto(self->fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EINVAL, errno);
	to.scl_reserved = 0;

	to.scl_kind = 0;
	EXPECT_EQ(-1, sendto(self->fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EINVAL, errno);

	to = addr_of(COLLAB_ADDR_GUID, NULL, &zero);
	EXPECT_EQ(-1, sendto(self->fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EINVAL, errno);

	to = addr_of(COLLAB_ADDR_SESSION, NULL, &zero);
	EXPECT_EQ(-1, sendto(self->fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EINVAL, errno);

	to = addr_of(COLLAB_ADDR_APP, NULL, NULL);
	memset(to.scl_app, 'z', sizeof(to.scl_app));
	EXPECT_EQ(-1, sendto(self->fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EINVAL, errno);

	/* Another node: not reachable without a bearer. */
	to = addr_of(COLLAB_ADDR_GUID, NULL, &self->peer);
	to.scl_node = guid_of(7);
	EXPECT_EQ(-1, sendto(self->fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EHOSTUNREACH, errno);

	/* No destination and not connected. */
	EXPECT_EQ(-1, send(self->fd, "x", 1, 0));
	EXPECT_EQ(EDESTADDRREQ, errno);
	EXPECT_EQ(0, collab_stat("tx_msgs"));
}

TEST_F(hostile, bad_cmsg)
{
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_GUID, NULL, &self->peer);
	union {
		char buf[CMSG_SPACE(sizeof(struct collab_guid) + 8)];
		struct cmsghdr align;
	} ctl = {};
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = {
		.msg_name = &to, .msg_namelen = sizeof(to),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	/* Wrong length. */
	c->cmsg_level = SOL_COLLAB;
	c->cmsg_type = COLLAB_CMSG_SESSION;
	c->cmsg_len = CMSG_LEN(sizeof(struct collab_guid) + 8);
	EXPECT_EQ(-1, sendmsg(self->fd, &m, 0));
	EXPECT_EQ(EINVAL, errno);

	/* Unknown type, and another level. */
	c->cmsg_len = CMSG_LEN(sizeof(struct collab_guid));
	c->cmsg_type = 99;
	EXPECT_EQ(-1, sendmsg(self->fd, &m, 0));
	EXPECT_EQ(EINVAL, errno);
	c->cmsg_type = COLLAB_CMSG_SESSION;
	c->cmsg_level = SOL_SOCKET;
	EXPECT_EQ(-1, sendmsg(self->fd, &m, 0));
	EXPECT_EQ(EINVAL, errno);

	/* A control length that overruns the buffer. */
	c->cmsg_level = SOL_COLLAB;
	c->cmsg_len = sizeof(ctl.buf) + 64;
	EXPECT_EQ(-1, sendmsg(self->fd, &m, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(hostile, sizes)
{
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_GUID, NULL, &self->peer);
	size_t big = COLLAB_MSG_MAX + 1;
	char *buf = calloc(1, big);

	ASSERT_NE(NULL, buf);
	EXPECT_EQ(COLLAB_MSG_MAX, sendto(self->fd, buf, COLLAB_MSG_MAX, 0,
				       (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(-1, sendto(self->fd, buf, big, 0, (struct sockaddr *)&to,
			     sizeof(to)));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(0, sendto(self->fd, buf, 0, 0, (struct sockaddr *)&to,
			    sizeof(to)));
	free(buf);
}

TEST_F(hostile, huge_iovec)
{
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_GUID, NULL, &self->peer);
	struct iovec iov[2] = {
		{ .iov_base = "x", .iov_len = 1 },
		{ .iov_base = "y", .iov_len = SSIZE_MAX },
	};
	struct msghdr m = {
		.msg_name = &to, .msg_namelen = sizeof(to),
		.msg_iov = iov, .msg_iovlen = 2,
	};

	/* The iovec check itself refuses a range past the address space. */
	EXPECT_EQ(-1, sendmsg(self->fd, &m, 0));
	EXPECT_TRUE(errno == EMSGSIZE || errno == EINVAL || errno == EFAULT);
	iov[1].iov_len = 1 << 30;
	EXPECT_EQ(-1, sendmsg(self->fd, &m, 0));
	EXPECT_EQ(EMSGSIZE, errno);
}

TEST_F(hostile, bad_pointers)
{
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_GUID, NULL, &self->peer);
	void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct collab_guid sid = guid_of(5);
	socklen_t len = sizeof(int);

	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-1, sendto(self->fd, unmapped, 16, 0, (struct sockaddr *)&to,
			     sizeof(to)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, sendto(self->fd, "x", 1, 0, unmapped, sizeof(to)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, bind(self->fd, unmapped, sizeof(to)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_COLLAB, COLLAB_JOIN, unmapped,
				 sizeof(sid)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, getsockopt(self->fd, SOL_COLLAB, COLLAB_ACCEPT_NEW,
				 unmapped, &len));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, getsockopt(self->fd, SOL_COLLAB, COLLAB_ACCEPT_NEW,
				 &sid, unmapped));
	EXPECT_EQ(EFAULT, errno);
	munmap(unmapped, 4096);
}

TEST_F(hostile, bad_options)
{
	struct collab_guid sid = guid_of(5), zero = {};
	char big[64] = {};
	socklen_t len;
	int val = 1;

	EXPECT_EQ(-1, setsockopt(self->fd, SOL_COLLAB, COLLAB_JOIN, &sid, sizeof(sid) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_COLLAB, COLLAB_JOIN, big, sizeof(big)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_COLLAB, COLLAB_JOIN, &zero, sizeof(zero)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_COLLAB, COLLAB_ACCEPT_NEW, &val, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_COLLAB, 999, &val, sizeof(val)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_COLLAB, COLLAB_SESSIONS, &val, sizeof(val)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_COLLAB, -1, &val, sizeof(val)));
	EXPECT_EQ(ENOPROTOOPT, errno);

	len = 2;
	EXPECT_EQ(-1, getsockopt(self->fd, SOL_COLLAB, COLLAB_ACCEPT_NEW, &val, &len));
	EXPECT_EQ(EINVAL, errno);
	len = (socklen_t)-1;
	EXPECT_EQ(-1, getsockopt(self->fd, SOL_COLLAB, COLLAB_ACCEPT_NEW, &val, &len));
	EXPECT_EQ(EINVAL, errno);
	len = sizeof(val);
	EXPECT_EQ(-1, getsockopt(self->fd, SOL_COLLAB, COLLAB_JOIN, &val, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(0, collab_stat("memberships"));
}

TEST_F(hostile, bad_flags)
{
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_GUID, NULL, &self->peer);
	char buf[8];

	EXPECT_EQ(-1, sendto(self->fd, "x", 1, MSG_OOB, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, recv(self->fd, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* The error queue holds receipts (COLLAB_CONFIRM): none yet. */
	EXPECT_EQ(-1, recv(self->fd, buf, sizeof(buf), MSG_ERRQUEUE));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(hostile, connect)
{
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_GUID, NULL, &self->peer);
	struct sockaddr_collab got = {};
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	socklen_t len = sizeof(got);

	EXPECT_EQ(-1, getpeername(self->fd, (struct sockaddr *)&got, &len));
	EXPECT_EQ(ENOTCONN, errno);
	to.scl_flags = 1;
	EXPECT_EQ(-1, connect(self->fd, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EINVAL, errno);
	to.scl_flags = 0;
	ASSERT_EQ(0, connect(self->fd, (struct sockaddr *)&to, sizeof(to)));
	len = sizeof(got);
	ASSERT_EQ(0, getpeername(self->fd, (struct sockaddr *)&got, &len));
	EXPECT_EQ(0, memcmp(&to, &got, sizeof(to)));
	EXPECT_EQ(1, send(self->fd, "x", 1, 0));
	ASSERT_EQ(0, connect(self->fd, &unspec, sizeof(unspec)));
	EXPECT_EQ(-1, send(self->fd, "x", 1, 0));
	EXPECT_EQ(EDESTADDRREQ, errno);
}

TEST_HARNESS_MAIN
