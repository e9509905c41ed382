/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: the message header. Every message, local or bound for another
 * node, starts with one; it carries all the routing metadata, so nothing in
 * the module ever looks at the payload. Multi-byte fields are big-endian.
 */
#ifndef _COLLAB_FRAME_H
#define _COLLAB_FRAME_H

#include <linux/build_bug.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#include "uapi/linux/collab.h"

#define COLLAB_WIRE_VERSION	1

enum collab_frame_type {
	COLLAB_FRAME_DATA = 1,
};

struct collab_frame {
	u8 version;
	u8 type;		/* enum collab_frame_type */
	u8 dst_kind;		/* enum collab_addr_kind */
	u8 hops;
	__be32 len;		/* payload bytes after the header */
	__be64 msgid;		/* unique per source node */
	struct collab_guid src_node;
	struct collab_guid src_id;
	struct collab_guid dst_node;
	struct collab_guid dst_id;
	struct collab_guid session;
	char src_app[COLLAB_APP_MAX];
	char dst_app[COLLAB_APP_MAX];
};

static_assert(sizeof(struct collab_frame) == 160);

/*
 * What only the local node knows about a message, kept in skb->cb: the
 * sending process, for COLLAB_CMSG_META.
 */
struct collab_skb_cb {
	u32 uid;
	u32 pid;
	bool local;
};

static inline struct collab_skb_cb *collab_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct collab_skb_cb) > sizeof(skb->cb));
	return (struct collab_skb_cb *)skb->cb;
}

static inline struct collab_frame *collab_frame(const struct sk_buff *skb)
{
	return (struct collab_frame *)skb->data;
}

static inline u32 collab_frame_len(const struct collab_frame *f)
{
	return be32_to_cpu(f->len);
}

static inline u64 collab_frame_msgid(const struct collab_frame *f)
{
	return be64_to_cpu(f->msgid);
}

#endif /* _COLLAB_FRAME_H */
