/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: messages and link packets as the module holds them in skbs;
 * their wire formats are in wire.h.
 */
#ifndef _COLLAB_FRAME_H
#define _COLLAB_FRAME_H

#include <linux/build_bug.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/udp.h>

#include "wire.h"

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

/* A session or broadcast message: it may go to many nodes (relay.c). */
static inline bool collab_frame_fans_out(const struct collab_frame *f)
{
	return f->dst_kind == COLLAB_ADDR_SESSION ||
	       f->dst_kind == COLLAB_ADDR_BROADCAST;
}

/*
 * Room for every header in front of a link packet's payload; a message is
 * built with it, so that one that fits a packet goes out as it is.
 */
#define COLLAB_HEADROOM	(LL_MAX_HEADER + sizeof(struct ipv6hdr) + \
			 sizeof(struct udphdr) + sizeof(struct collab_link_hdr))

/*
 * What the first IP fragment of a datagram carries in front of the link
 * payload. Bundles and large messages are laid out as IP fragments them:
 * a head with what follows these headers in the first fragment, then one
 * skb per fragment in the frag_list, which IP sends as they are.
 */
#define COLLAB_FRAG0_HDRS	(sizeof(struct udphdr) + \
				 sizeof(struct collab_link_hdr))

#endif /* _COLLAB_FRAME_H */
