/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: the message header. Every message, local or bound for another
 * node, starts with one; it carries all the routing metadata, so nothing in
 * the module ever looks at the payload. Multi-byte fields are big-endian.
 */
#ifndef _COLLAB_FRAME_H
#define _COLLAB_FRAME_H

#include <linux/build_bug.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/udp.h>

#include "uapi/linux/collab.h"

#define COLLAB_WIRE_VERSION	1

enum collab_frame_type {
	COLLAB_FRAME_DATA = 1,
};

/* Frame flags. */
#define COLLAB_FF_CONFIRM	0x01	/* the sender wants receipts */
#define COLLAB_FF_KNOWN		COLLAB_FF_CONFIRM

struct collab_frame {
	u8 version;
	u8 type;		/* enum collab_frame_type */
	u8 dst_kind;		/* enum collab_addr_kind */
	u8 hops;
	u8 flags;		/* COLLAB_FF_* */
	u8 reserved[3];
	__be32 len;		/* payload bytes after the header */
	__be32 reserved2;
	__be64 msgid;		/* unique per source node */
	struct collab_guid src_node;
	struct collab_guid src_id;
	struct collab_guid dst_node;
	struct collab_guid dst_id;
	struct collab_guid session;
	char src_app[COLLAB_APP_MAX];
	char dst_app[COLLAB_APP_MAX];
};

static_assert(sizeof(struct collab_frame) == 168);

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

/*
 * Between nodes, every UDP datagram starts with a link header. Sequenced
 * packets (messages and route updates) are numbered per link and kept by
 * the sender until acknowledged; the others are not.
 */
enum collab_link_type {
	COLLAB_LINK_BEACON = 1,	/* "I am here": discovery, multicast or static */
	COLLAB_LINK_HELLO,	/* handshake: epochs and where each side is */
	COLLAB_LINK_PROBE,	/* supervision of an idle link; asks an ACK */
	COLLAB_LINK_ACK,	/* acknowledgment only */
	COLLAB_LINK_MSG,	/* sequenced: a message, or a fragment of one */
	COLLAB_LINK_ROUTE,	/* sequenced: route records */
	COLLAB_LINK_RECEIPT,	/* sequenced: what became of a message */
	__COLLAB_LINK_MAX,
};

/* Link header flags. */
#define COLLAB_LF_FIRST		0x01	/* first fragment of a message */
#define COLLAB_LF_LAST		0x02	/* last fragment of a message */
#define COLLAB_LF_UP		0x04	/* HELLO: the sender's link is up */
#define COLLAB_LF_BUNDLE	0x08	/* several whole messages, see below */
#define COLLAB_LF_ACK_NOW	0x10	/* the sender waits for this one's ACK */
#define COLLAB_LF_HELD		0x20	/* packet ack is here, waiting for room */
#define COLLAB_LF_KNOWN		(COLLAB_LF_FIRST | COLLAB_LF_LAST | \
				 COLLAB_LF_UP | COLLAB_LF_BUNDLE | \
				 COLLAB_LF_ACK_NOW | COLLAB_LF_HELD)

/*
 * A bundle (COLLAB_LINK_MSG with FIRST, LAST and BUNDLE): small messages
 * that waited for the window, packed into one packet. Each starts with a
 * __be16 whose low 14 bits count the bytes that follow it, and whose top
 * bits say what they are:
 *  - none: a frame header and its payload;
 *  - COLLAB_BE_SAME: a __be64 msgid and the payload; the frame header is
 *    the previous message's but for msgid and len;
 *  - COLLAB_BE_SAME | COLLAB_BE_NEXT: the payload only; the msgid is the
 *    previous message's plus one.
 * So a stream from one instance to one address costs two bytes a message
 * beside its payload. The first message of a bundle has its header.
 */
#define COLLAB_BUNDLE_LEN	sizeof(__be16)
#define COLLAB_BE_SAME		0x8000
#define COLLAB_BE_NEXT		0x4000
#define COLLAB_BE_LEN_MASK	0x3fff

struct collab_link_hdr {
	u8 version;		/* COLLAB_WIRE_VERSION */
	u8 type;		/* enum collab_link_type */
	u8 flags;		/* COLLAB_LF_* */
	u8 key_id;		/* 0: clear text; else the key (and a trailer) */
	__be32 src_epoch;	/* sender's incarnation of this link */
	__be32 dst_epoch;	/* the receiver's, as the sender knows it */
	__be32 seq;		/* sequenced packets: this one's number */
	__be32 ack;		/* next sequence number expected from the peer */
	__be32 sack;		/* bit n: ack + 1 + n has arrived */
	__be64 nonce;		/* with a key: the AEAD nonce counter */
	struct collab_guid src_node;
	struct collab_guid dst_node;	/* all-zero in beacons */
};

static_assert(sizeof(struct collab_link_hdr) == 64);

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

/*
 * HELLO and BEACON bodies. A HELLO carries the sender's cookie for the
 * receiver and echoes the receiver's, once it has one (cookie.c): only a
 * HELLO whose echo proves that its source receives at its address makes
 * or changes anything on the receiving side.
 */
struct collab_hello {
	__be32 snd_una;		/* oldest sequence number the sender holds */
	__be32 rcv_nxt;		/* next one it expects from the receiver */
	__be32 tolerance_ms;	/* how long it waits before the link is down */
	__be32 reserved;
	__be64 cookie;		/* the sender's, for the receiver; 0: none */
	__be64 echo;		/* the receiver's, as the sender has it */
	char name[COLLAB_NODE_NAME_MAX];
};

static_assert(sizeof(struct collab_hello) == 96);

/* Route records: what a node tells its peers about its instances. */
enum collab_route_op {
	COLLAB_ROUTE_RESET = 1,	/* a full table follows, up to END */
	COLLAB_ROUTE_ADD,	/* instance id of type app exists */
	COLLAB_ROUTE_DEL,	/* instance id is gone (and left its sessions) */
	COLLAB_ROUTE_JOIN,	/* instance id joined session */
	COLLAB_ROUTE_LEAVE,	/* instance id left session */
	COLLAB_ROUTE_END,	/* what the table did not restate is gone */
};

struct collab_route_rec {
	u8 op;			/* enum collab_route_op */
	u8 reserved[7];
	struct collab_guid id;
	struct collab_guid session;
	char app[COLLAB_APP_MAX];
};

static_assert(sizeof(struct collab_route_rec) == 72);

/* A receipt, from the node a message reached back to its source. */
struct collab_receipt_rec {
	__be64 msgid;
	struct collab_guid src_id;	/* the sending instance */
	__be32 status;			/* 0 or a positive errno */
	__be32 reserved;
};

static_assert(sizeof(struct collab_receipt_rec) == 32);

#endif /* _COLLAB_FRAME_H */
