// SPDX-License-Identifier: GPL-2.0
/*
 * The UAPI header stands alone in strict C11 and its layout is what both the
 * kernel and user space were built against: no hidden padding, fixed sizes.
 */
#include <linux/collab.h>	/* first: it must need no other header */

#include <stddef.h>
#include <sys/socket.h>

#include "kselftest_harness.h"

TEST(guid_layout)
{
	EXPECT_EQ(16, sizeof(struct collab_guid));
	EXPECT_EQ(1, _Alignof(struct collab_guid));
}

TEST(sockaddr_layout)
{
	EXPECT_EQ(0, offsetof(struct sockaddr_collab, scl_family));
	EXPECT_EQ(2, offsetof(struct sockaddr_collab, scl_kind));
	EXPECT_EQ(3, offsetof(struct sockaddr_collab, scl_flags));
	EXPECT_EQ(4, offsetof(struct sockaddr_collab, scl_reserved));
	EXPECT_EQ(8, offsetof(struct sockaddr_collab, scl_node));
	EXPECT_EQ(24, offsetof(struct sockaddr_collab, scl_id));
	EXPECT_EQ(40, offsetof(struct sockaddr_collab, scl_app));
	EXPECT_EQ(72, sizeof(struct sockaddr_collab));
	EXPECT_GE(sizeof(struct sockaddr_storage), sizeof(struct sockaddr_collab));
}

TEST(constants)
{
	EXPECT_EQ(COLLAB_FAMILY_DEFAULT, AF_COLLAB);
	EXPECT_EQ(AF_COLLAB, PF_COLLAB);
	EXPECT_EQ(32, COLLAB_APP_MAX);
	EXPECT_EQ(1, COLLAB_ADDR_GUID);
	EXPECT_EQ(4, COLLAB_ADDR_BROADCAST);
	/* The family must be a slot with no implementation in Linux. */
	EXPECT_LT(AF_COLLAB, AF_MAX);
}

TEST_HARNESS_MAIN
