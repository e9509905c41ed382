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
	EXPECT_EQ(COLLAB_ADDR_APP, r.src.scl_kind);
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

TEST_HARNESS_MAIN
