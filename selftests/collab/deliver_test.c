// SPDX-License-Identifier: GPL-2.0
/*
 * Local delivery on one node: every address kind, connect(), what recvmsg()
 * reports, sessions kept apart, order, sizes, full receivers and poll.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <time.h>

#include "collab_test.h"
#include "kselftest_harness.h"

FIXTURE(node) {
	char buf[COLLAB_MSG_MAX + 1];
};

FIXTURE_SETUP(node)
{
	ASSERT_EQ(0, enter_netns());
}

FIXTURE_TEARDOWN(node)
{
}

TEST_F(node, guid)
{
	struct sockaddr_collab to;
	struct collab_guid gb;
	struct received r;
	int a, b;

	a = bound_socket("chat", NULL);
	b = bound_socket("chat", NULL);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	gb = guid_of_fd(b);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &gb);

	ASSERT_EQ(5, send_to(a, &to, NULL, "hello", 5, 0));
	ASSERT_EQ(5, recv_from(b, self->buf, sizeof(self->buf), 0, &r));
	EXPECT_EQ(0, memcmp(self->buf, "hello", 5));

	/* The source: node, instance GUID and application type of a. */
	struct collab_guid ga = guid_of_fd(a);

	EXPECT_EQ(sizeof(struct sockaddr_collab), r.srclen);
	EXPECT_EQ(collab_family(), r.src.scl_family);
	EXPECT_EQ(COLLAB_ADDR_GUID, r.src.scl_kind);
	EXPECT_EQ(0, memcmp(&ga, &r.src.scl_id, sizeof(ga)));
	EXPECT_STREQ("chat", r.src.scl_app);

	/* The metadata. */
	ASSERT_TRUE(r.has_meta);
	EXPECT_EQ(COLLAB_ADDR_GUID, r.meta.cm_dest_kind);
	EXPECT_EQ(0, r.meta.cm_hops);
	EXPECT_TRUE(r.meta.cm_flags & COLLAB_META_LOCAL);
	EXPECT_EQ(getuid(), r.meta.cm_uid);
	EXPECT_EQ(getpid(), r.meta.cm_pid);
	EXPECT_NE(0, r.meta.cm_msgid);

	/* The source address as it came is where a reply goes. */
	ASSERT_EQ(5, send_to(b, &r.src, NULL, "reply", 5, 0));
	ASSERT_EQ(5, recv(a, self->buf, sizeof(self->buf), MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(self->buf, "reply", 5));

	/* Without a control buffer: no metadata and no MSG_CTRUNC. */
	struct iovec iov = { .iov_base = self->buf, .iov_len = 16 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	ASSERT_EQ(5, send_to(a, &to, NULL, "plain", 5, 0));
	ASSERT_EQ(5, recvmsg(b, &m, MSG_DONTWAIT));
	EXPECT_EQ(0, m.msg_flags);
	close(a);
	close(b);
}

TEST_F(node, unknown_guid)
{
	struct collab_guid g = guid_of(99);
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_GUID, NULL, &g);
	int a = bound_socket("chat", NULL);

	ASSERT_LE(0, a);
	EXPECT_EQ(-1, send_to(a, &to, NULL, "x", 1, 0));
	EXPECT_EQ(EHOSTUNREACH, errno);
	EXPECT_EQ(1, collab_stat("tx_no_route"));
	close(a);
}

/* recv with MSG_DONTWAIT: the length, or -1 with errno. */
static ssize_t try_recv(int fd, void *buf, size_t len)
{
	return recv(fd, buf, len, MSG_DONTWAIT);
}

TEST_F(node, app_prefers_session_member)
{
	struct collab_guid sid = guid_of(7);
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_APP, "board", NULL);
	int a, member, acceptor, other_type;

	a = bound_socket("chat", NULL);
	member = bound_socket("board", NULL);
	acceptor = bound_socket("board", NULL);
	other_type = bound_socket("chat", NULL);
	ASSERT_LE(0, a);
	ASSERT_LE(0, member);
	ASSERT_LE(0, acceptor);
	ASSERT_LE(0, other_type);
	ASSERT_EQ(0, join(member, &sid));
	ASSERT_EQ(0, join(other_type, &sid));
	ASSERT_EQ(0, set_int(acceptor, COLLAB_ACCEPT_NEW, 1));

	/* In the session: its member of that type. */
	ASSERT_EQ(2, send_to(a, &to, &sid, "in", 2, 0));
	EXPECT_EQ(2, try_recv(member, self->buf, sizeof(self->buf)));
	EXPECT_EQ(-1, try_recv(acceptor, self->buf, sizeof(self->buf)));
	EXPECT_EQ(-1, try_recv(other_type, self->buf, sizeof(self->buf)));

	/* Another session, or none: the instance that accepts new ones. */
	struct collab_guid sid2 = guid_of(8);

	ASSERT_EQ(3, send_to(a, &to, &sid2, "new", 3, 0));
	EXPECT_EQ(3, try_recv(acceptor, self->buf, sizeof(self->buf)));
	ASSERT_EQ(4, send_to(a, &to, NULL, "none", 4, 0));
	EXPECT_EQ(4, try_recv(acceptor, self->buf, sizeof(self->buf)));
	EXPECT_EQ(-1, try_recv(member, self->buf, sizeof(self->buf)));

	/* Nobody accepts: refused; no instance of the type: unreachable. */
	ASSERT_EQ(0, set_int(acceptor, COLLAB_ACCEPT_NEW, 0));
	EXPECT_EQ(-1, send_to(a, &to, &sid2, "x", 1, 0));
	EXPECT_EQ(ECONNREFUSED, errno);
	to = addr_of(COLLAB_ADDR_APP, "nobody", NULL);
	EXPECT_EQ(-1, send_to(a, &to, NULL, "x", 1, 0));
	EXPECT_EQ(EHOSTUNREACH, errno);
	EXPECT_EQ(1, collab_stat("tx_refused"));
	EXPECT_EQ(1, collab_stat("tx_no_route"));
	close(a);
	close(member);
	close(acceptor);
	close(other_type);
}

TEST_F(node, accept_new_option)
{
	socklen_t len = sizeof(int);
	int fd = bound_socket("chat", NULL), val = -1;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_COLLAB, COLLAB_ACCEPT_NEW, &val, &len));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, set_int(fd, COLLAB_ACCEPT_NEW, 5));
	ASSERT_EQ(0, getsockopt(fd, SOL_COLLAB, COLLAB_ACCEPT_NEW, &val, &len));
	EXPECT_EQ(1, val);
	EXPECT_EQ(sizeof(int), len);
	close(fd);
}

/* Two pairs of instances in two sessions never see each other's data. */
TEST_F(node, sessions_apart)
{
	struct collab_guid s1 = guid_of(1), s2 = guid_of(2);
	struct sockaddr_collab to1 = addr_of(COLLAB_ADDR_SESSION, NULL, &s1);
	struct sockaddr_collab to2 = addr_of(COLLAB_ADDR_SESSION, NULL, &s2);
	struct received r;
	int fd[4], i;

	for (i = 0; i < 4; i++) {
		fd[i] = bound_socket("chat", NULL);
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, join(fd[i], i < 2 ? &s1 : &s2));
	}
	ASSERT_EQ(3, send_to(fd[0], &to1, NULL, "one", 3, 0));
	ASSERT_EQ(3, send_to(fd[2], &to2, NULL, "two", 3, 0));

	ASSERT_EQ(3, recv_from(fd[1], self->buf, sizeof(self->buf), MSG_DONTWAIT, &r));
	EXPECT_EQ(0, memcmp(self->buf, "one", 3));
	EXPECT_EQ(0, memcmp(&s1, &r.meta.cm_session, sizeof(s1)));
	EXPECT_EQ(COLLAB_ADDR_SESSION, r.meta.cm_dest_kind);
	ASSERT_EQ(3, recv_from(fd[3], self->buf, sizeof(self->buf), MSG_DONTWAIT, &r));
	EXPECT_EQ(0, memcmp(self->buf, "two", 3));
	EXPECT_EQ(0, memcmp(&s2, &r.meta.cm_session, sizeof(s2)));

	/* Senders get no copy of their own; nobody got a second one. */
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-1, try_recv(fd[i], self->buf, sizeof(self->buf)));
	EXPECT_EQ(2, collab_stat("tx_copies"));
	for (i = 0; i < 4; i++)
		close(fd[i]);
}

TEST_F(node, session_fanout)
{
	enum { N = 16 };
	struct collab_guid sid = guid_of(3);
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_SESSION, NULL, &sid);
	int fd[N], i, outsider;

	for (i = 0; i < N; i++) {
		fd[i] = bound_socket(i % 2 ? "chat" : "board", NULL);
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, join(fd[i], &sid));
	}
	outsider = bound_socket("chat", NULL);
	ASSERT_LE(0, outsider);
	EXPECT_EQ(1, collab_stat("sessions"));
	EXPECT_EQ(N, collab_stat("memberships"));

	/* A sender outside the session reaches every member once. */
	ASSERT_EQ(4, send_to(outsider, &to, NULL, "fan!", 4, 0));
	for (i = 0; i < N; i++) {
		EXPECT_EQ(4, try_recv(fd[i], self->buf, sizeof(self->buf)));
		EXPECT_EQ(-1, try_recv(fd[i], self->buf, sizeof(self->buf)));
	}
	EXPECT_EQ(N, collab_stat("tx_copies"));
	EXPECT_EQ(1, collab_stat("tx_msgs"));

	/* An empty session is no error: nobody to deliver to. */
	struct collab_guid empty = guid_of(4);

	to = addr_of(COLLAB_ADDR_SESSION, NULL, &empty);
	EXPECT_EQ(1, send_to(outsider, &to, NULL, "x", 1, 0));
	for (i = 0; i < N; i++)
		close(fd[i]);
	close(outsider);
	EXPECT_EQ(0, collab_stat("sessions"));
	EXPECT_EQ(0, collab_stat("memberships"));
}

TEST_F(node, session_cmsg_conflict)
{
	struct collab_guid s1 = guid_of(1), s2 = guid_of(2);
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_SESSION, NULL, &s1);
	int fd = bound_socket("chat", NULL);

	ASSERT_LE(0, fd);
	EXPECT_EQ(1, send_to(fd, &to, &s1, "x", 1, 0));
	EXPECT_EQ(-1, send_to(fd, &to, &s2, "x", 1, 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(node, broadcast)
{
	struct sockaddr_collab to = addr_of(COLLAB_ADDR_BROADCAST, "chat", NULL);
	int c1, c2, b1, sender;

	c1 = bound_socket("chat", NULL);
	c2 = bound_socket("chat", NULL);
	b1 = bound_socket("board", NULL);
	sender = bound_socket("chat", NULL);
	ASSERT_LE(0, c1);
	ASSERT_LE(0, c2);
	ASSERT_LE(0, b1);
	ASSERT_LE(0, sender);

	ASSERT_EQ(2, send_to(sender, &to, NULL, "hi", 2, 0));
	EXPECT_EQ(2, try_recv(c1, self->buf, sizeof(self->buf)));
	EXPECT_EQ(2, try_recv(c2, self->buf, sizeof(self->buf)));
	EXPECT_EQ(-1, try_recv(b1, self->buf, sizeof(self->buf)));
	EXPECT_EQ(-1, try_recv(sender, self->buf, sizeof(self->buf)));

	/* An empty type: every instance but the sender. */
	to = addr_of(COLLAB_ADDR_BROADCAST, "", NULL);
	ASSERT_EQ(3, send_to(sender, &to, NULL, "all", 3, 0));
	EXPECT_EQ(3, try_recv(c1, self->buf, sizeof(self->buf)));
	EXPECT_EQ(3, try_recv(c2, self->buf, sizeof(self->buf)));
	EXPECT_EQ(3, try_recv(b1, self->buf, sizeof(self->buf)));
	EXPECT_EQ(-1, try_recv(sender, self->buf, sizeof(self->buf)));
	close(c1);
	close(c2);
	close(b1);
	close(sender);
}

TEST_F(node, connect_default_destination)
{
	struct collab_guid gb;
	struct sockaddr_collab to;
	int a = bound_socket("chat", NULL), b = bound_socket("chat", NULL);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	gb = guid_of_fd(b);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &gb);
	ASSERT_EQ(0, connect(a, (struct sockaddr *)&to, sizeof(to)));
	ASSERT_EQ(3, write(a, "abc", 3));
	EXPECT_EQ(3, try_recv(b, self->buf, sizeof(self->buf)));
	close(a);
	close(b);
}

TEST_F(node, recv_flags)
{
	struct collab_guid gb;
	struct sockaddr_collab to;
	struct received r;
	struct timeval tv = { .tv_usec = 100000 };
	struct timespec t0, t1;
	int a = bound_socket("chat", NULL), b = bound_socket("chat", NULL);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	gb = guid_of_fd(b);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &gb);

	/* Nothing queued. */
	EXPECT_EQ(-1, try_recv(b, self->buf, sizeof(self->buf)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-1, recv(b, self->buf, sizeof(self->buf), 0));
	EXPECT_EQ(EAGAIN, errno);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_LE(90, (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);

	ASSERT_EQ(10, send_to(a, &to, NULL, "0123456789", 10, 0));
	/* Peek leaves it queued. */
	EXPECT_EQ(10, recv_from(b, self->buf, sizeof(self->buf), MSG_PEEK, &r));
	/* Truncated: the rest is gone; MSG_TRUNC returns the real length. */
	EXPECT_EQ(10, recv_from(b, self->buf, 4, MSG_TRUNC, &r));
	EXPECT_TRUE(r.flags & MSG_TRUNC);
	EXPECT_EQ(0, memcmp(self->buf, "0123", 4));
	EXPECT_EQ(-1, try_recv(b, self->buf, sizeof(self->buf)));

	ASSERT_EQ(10, send_to(a, &to, NULL, "0123456789", 10, 0));
	EXPECT_EQ(4, recv_from(b, self->buf, 4, 0, &r));
	EXPECT_TRUE(r.flags & MSG_TRUNC);
	close(a);
	close(b);
}

TEST_F(node, sizes_and_order)
{
	enum { N = 200 };
	struct collab_guid gb;
	struct sockaddr_collab to;
	struct received r;
	uint32_t i, seq;
	int a = bound_socket("chat", NULL), b = bound_socket("chat", NULL);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	gb = guid_of_fd(b);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &gb);

	/* The largest message arrives intact; so does an empty one. */
	for (i = 0; i < COLLAB_MSG_MAX; i++)
		self->buf[i] = (char)(i * 7 + i / 251);
	ASSERT_EQ(COLLAB_MSG_MAX, send_to(a, &to, NULL, self->buf, COLLAB_MSG_MAX, 0));
	ASSERT_EQ(0, send_to(a, &to, NULL, NULL, 0, 0));
	memset(self->buf, 0, sizeof(self->buf));
	ASSERT_EQ(COLLAB_MSG_MAX, recv_from(b, self->buf, sizeof(self->buf), 0, &r));
	for (i = 0; i < COLLAB_MSG_MAX; i++)
		if (self->buf[i] != (char)(i * 7 + i / 251))
			break;
	EXPECT_EQ(COLLAB_MSG_MAX, i);
	EXPECT_EQ(0, recv_from(b, self->buf, sizeof(self->buf), 0, &r));
	EXPECT_FALSE(r.flags & MSG_TRUNC);

	/* Many messages keep their order and have rising message ids. */
	uint64_t last_id = 0;

	for (i = 0; i < N; i++)
		ASSERT_EQ(4, send_to(a, &to, NULL, &i, 4, 0));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(4, recv_from(b, &seq, 4, 0, &r));
		EXPECT_EQ(i, seq);
		EXPECT_LT(last_id, r.meta.cm_msgid);
		last_id = r.meta.cm_msgid;
	}
	close(a);
	close(b);
}

struct drain_arg {
	int fd;
	int count;
	int delay_ms;
};

static void *drain(void *p)
{
	struct drain_arg *d = p;
	char buf[2048];

	usleep(d->delay_ms * 1000);
	while (d->count > 0 && recv(d->fd, buf, sizeof(buf), 0) >= 0)
		d->count--;
	return NULL;
}

/* A full receiver: EAGAIN without waiting, a wait with, nothing lost. */
TEST_F(node, full_receiver)
{
	int a = bound_socket("chat", NULL), b = bound_socket("chat", NULL);
	int rcvbuf = 4096, sent = 0, i;
	struct drain_arg d;
	struct collab_guid gb;
	struct sockaddr_collab to;
	struct pollfd pfd;
	pthread_t thr;
	char msg[1000] = {};

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, setsockopt(b, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)));
	gb = guid_of_fd(b);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &gb);

	while (send_to(a, &to, NULL, msg, sizeof(msg), MSG_DONTWAIT) == sizeof(msg))
		ASSERT_GT(1000, ++sent);
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LT(0, sent);
	EXPECT_EQ(1, collab_stat("tx_full"));

	/* Not writable until the receiver makes room. */
	pfd = (struct pollfd){ .fd = a, .events = POLLOUT };
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	d = (struct drain_arg){ .fd = b, .count = 1, .delay_ms = 100 };
	ASSERT_EQ(0, pthread_create(&thr, NULL, drain, &d));
	EXPECT_EQ(1, poll(&pfd, 1, 5000));
	EXPECT_TRUE(pfd.revents & POLLOUT);
	pthread_join(thr, NULL);
	sent--;

	/* A blocking sender waits for the slow receiver; all arrive. */
	d = (struct drain_arg){ .fd = b, .count = sent + 50, .delay_ms = 50 };
	ASSERT_EQ(0, pthread_create(&thr, NULL, drain, &d));
	for (i = 0; i < 50; i++)
		ASSERT_EQ(sizeof(msg), send_to(a, &to, NULL, msg, sizeof(msg), 0));
	pthread_join(thr, NULL);
	EXPECT_EQ(0, d.count);
	EXPECT_EQ(0, collab_stat("drop_closed"));
	close(a);
	close(b);
}

TEST_F(node, send_timeout)
{
	int a = bound_socket("chat", NULL), b = bound_socket("chat", NULL);
	struct timeval tv = { .tv_usec = 100000 };
	int rcvbuf = 4096;
	struct collab_guid gb;
	struct sockaddr_collab to;
	char msg[1000] = {};

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, setsockopt(b, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)));
	ASSERT_EQ(0, setsockopt(a, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	gb = guid_of_fd(b);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &gb);
	while (send_to(a, &to, NULL, msg, sizeof(msg), 0) == sizeof(msg))
		;
	EXPECT_EQ(EAGAIN, errno);
	close(a);
	close(b);
}

TEST_F(node, epoll)
{
	int a = bound_socket("chat", NULL), b = bound_socket("chat", NULL);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct collab_guid gb;
	struct sockaddr_collab to;
	int ep = epoll_create1(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, ep);
	gb = guid_of_fd(b);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &gb);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, b, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(1, send_to(a, &to, NULL, "x", 1, 0));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 1000));
	EXPECT_TRUE(out.events & EPOLLIN);
	EXPECT_EQ(1, try_recv(b, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	close(ep);
	close(a);
	close(b);
}

TEST_F(node, session_options)
{
	struct collab_guid ids[COLLAB_SESSIONS_MAX + 1], got[COLLAB_SESSIONS_MAX];
	socklen_t len;
	int fd = bound_socket("chat", NULL), i;

	ASSERT_LE(0, fd);
	for (i = 0; i <= COLLAB_SESSIONS_MAX; i++)
		ids[i] = guid_of(100 + i);
	for (i = 0; i < COLLAB_SESSIONS_MAX; i++)
		ASSERT_EQ(0, join(fd, &ids[i]));
	EXPECT_EQ(-1, join(fd, &ids[COLLAB_SESSIONS_MAX]));
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(-1, join(fd, &ids[0]));
	EXPECT_EQ(EADDRINUSE, errno);

	len = sizeof(got);
	ASSERT_EQ(0, getsockopt(fd, SOL_COLLAB, COLLAB_SESSIONS, got, &len));
	EXPECT_EQ(sizeof(got), len);
	EXPECT_EQ(0, memcmp(ids, got, sizeof(got)));
	len = sizeof(got[0]);
	EXPECT_EQ(-1, getsockopt(fd, SOL_COLLAB, COLLAB_SESSIONS, got, &len));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(sizeof(got), len);

	ASSERT_EQ(0, setsockopt(fd, SOL_COLLAB, COLLAB_LEAVE, &ids[5], sizeof(ids[5])));
	EXPECT_EQ(-1, setsockopt(fd, SOL_COLLAB, COLLAB_LEAVE, &ids[5], sizeof(ids[5])));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	EXPECT_EQ(COLLAB_SESSIONS_MAX - 1, collab_stat("memberships"));
	close(fd);
	EXPECT_EQ(0, collab_stat("memberships"));
	EXPECT_EQ(0, collab_stat("sessions"));
}

/* Messages left unread by a socket that closes are dropped and counted. */
TEST_F(node, close_with_queue)
{
	int a = bound_socket("chat", NULL), b = bound_socket("chat", NULL);
	struct collab_guid gb;
	struct sockaddr_collab to;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	gb = guid_of_fd(b);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &gb);
	ASSERT_EQ(1, send_to(a, &to, NULL, "x", 1, 0));
	ASSERT_EQ(1, send_to(a, &to, NULL, "y", 1, 0));
	close(b);
	EXPECT_EQ(2, collab_stat("drop_closed"));
	EXPECT_EQ(-1, send_to(a, &to, NULL, "z", 1, 0));
	EXPECT_EQ(EHOSTUNREACH, errno);
	close(a);
	EXPECT_EQ(0, collab_stat("instances"));
	EXPECT_EQ(0, collab_stat("sockets"));
}

/*
 * Receipts on the error queue: MSG_PEEK returns the first and leaves it
 * there, a plain read takes it, and the queue is then empty.
 */
TEST_F(node, receipt_peek)
{
	struct collab_receipt r1 = {}, r2 = {}, r3 = {};
	struct sockaddr_collab to;
	struct collab_guid gb;
	socklen_t len = sizeof(__u64);
	__u64 id;
	int a, b;

	a = bound_socket("chat", NULL);
	b = bound_socket("chat", NULL);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, set_int(a, COLLAB_CONFIRM, 1));
	gb = guid_of_fd(b);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &gb);
	ASSERT_EQ(5, send_to(a, &to, NULL, "hello", 5, 0));
	ASSERT_EQ(0, getsockopt(a, SOL_COLLAB, COLLAB_LAST_MSGID, &id, &len));

	ASSERT_EQ(sizeof(r1), recv(a, &r1, sizeof(r1),
				   MSG_ERRQUEUE | MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(id, r1.cr_msgid);
	EXPECT_EQ(0, r1.cr_status);
	ASSERT_EQ(sizeof(r2), recv(a, &r2, sizeof(r2),
				   MSG_ERRQUEUE | MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(&r1, &r2, sizeof(r1)));
	/* Poll still sees it. */
	struct pollfd p = { .fd = a, .events = POLLIN };

	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLERR);
	ASSERT_EQ(sizeof(r3), recv(a, &r3, sizeof(r3),
				   MSG_ERRQUEUE | MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(&r1, &r3, sizeof(r1)));
	EXPECT_EQ(-1, recv(a, &r3, sizeof(r3), MSG_ERRQUEUE | MSG_PEEK |
			   MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(5, recv(b, self->buf, sizeof(self->buf), MSG_DONTWAIT));
	close(a);
	close(b);
}

TEST_HARNESS_MAIN
