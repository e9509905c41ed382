/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: what travels between nodes, and the parsers that every byte
 * from a peer goes through before anything else reads it. Multi-byte
 * fields are big-endian. The parsers see a buffer and a length, nothing
 * of the kernel: the host fuzz targets (kmod/fuzz) build wire.c as it is.
 */
#ifndef _COLLAB_WIRE_H
#define _COLLAB_WIRE_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/string.h>
#include <linux/types.h>
#endif

#include "uapi/linux/collab.h"

#define COLLAB_WIRE_VERSION	1

/*
 * The message header. Every message, local or bound for another node,
 * starts with one; it carries all the routing metadata, so nothing in the
 * module ever looks at the payload.
 */
enum collab_frame_type {
	COLLAB_FRAME_DATA = 1,
};

/*
 * Frame flags. A message for a node that is not the sender's peer is
 * kept by its source node until the final node answers it (kept.c): the
 * final node sends a receipt for it whether its sender asked for one or
 * not, takes the kept messages of a source in order and once, and says
 * by @kept_prev which one came before it.
 */
#define COLLAB_FF_CONFIRM	0x01	/* the sender wants receipts */
#define COLLAB_FF_KEPT		0x02	/* kept by its source until answered */
#define COLLAB_FF_KNOWN		(COLLAB_FF_CONFIRM | COLLAB_FF_KEPT)

struct collab_frame {
	u8 version;
	u8 type;		/* enum collab_frame_type */
	u8 dst_kind;		/* enum collab_addr_kind */
	u8 hops;
	u8 flags;		/* COLLAB_FF_* */
	u8 reserved[3];
	__be32 len;		/* payload bytes after the header */
	/*
	 * COLLAB_FF_KEPT: msgid less that of the kept message its source
	 * sent to the same node before it, not yet answered; 0: none.
	 */
	__be32 kept_prev;
	__be64 msgid;		/* unique per source node, and rising */
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
	COLLAB_LINK_INIT,	/* key handshake, first message (crypto.h) */
	COLLAB_LINK_RESP,	/* key handshake, the answer */
	COLLAB_LINK_REACH,	/* sequenced: reachability records */
	COLLAB_LINK_DISTANT,	/* sequenced: instances of distant nodes */
	__COLLAB_LINK_MAX,
};

/* Link header flags. */
#define COLLAB_LF_FIRST		0x01	/* first fragment of a message */
#define COLLAB_LF_LAST		0x02	/* last fragment of a message */
#define COLLAB_LF_UP		0x04	/* HELLO: the sender's link is up */
#define COLLAB_LF_BUNDLE	0x08	/* several whole messages, see below */
#define COLLAB_LF_ACK_NOW	0x10	/* the sender waits for this one's ACK */
#define COLLAB_LF_HELD		0x20	/* packet ack is here, waiting */
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
	u8 key_id;		/* 0: clear text; else the keys that sealed it */
	__be32 src_epoch;	/* sender's incarnation of this link */
	__be32 dst_epoch;	/* the receiver's, as the sender knows it */
	__be32 seq;		/* sequenced packets: this one's number */
	__be32 ack;		/* next sequence number expected from the peer */
	__be32 sack;		/* bit n: ack + 1 + n has arrived */
	__be64 nonce;		/* sealed: the AEAD nonce, a counter */
	struct collab_guid src_node;
	struct collab_guid dst_node;	/* all-zero in beacons */
};

static_assert(sizeof(struct collab_link_hdr) == 64);

/*
 * A sealed packet (key_id not 0): the header in clear, authenticated; what
 * follows it encrypted (ChaCha20-Poly1305, the nonce from the header), and
 * this tag at the end.
 */
#define COLLAB_TAG_LEN		16

/*
 * HELLO and BEACON bodies. A HELLO carries the sender's cookie for the
 * receiver and echoes the receiver's, once it has one (cookie.c): only a
 * HELLO whose echo proves that its source receives at its address makes
 * or changes anything on the receiving side. With keys, only a sealed
 * HELLO changes the link.
 */
struct collab_hello {
	__be32 snd_una;		/* oldest sequence number the sender holds */
	__be32 rcv_nxt;		/* next one it expects from the receiver */
	__be32 tolerance_ms;	/* how long it waits before the link is down */
	__be32 reserved;
	__be64 cookie;		/* the sender's, for the receiver; 0: none */
	__be64 echo;		/* the receiver's, as the sender has it */
	char name[COLLAB_NODE_NAME_MAX];
	u8 public_key[COLLAB_KEY_LEN];	/* the sender's; all-zero: none */
};

static_assert(sizeof(struct collab_hello) == 128);

/*
 * The key handshake (handshake.c): INIT from the node whose id is the
 * lower, RESP back, both in clear; key_id names the keys they make.
 */
struct collab_hs_init {
	u8 key_id;
	u8 reserved[7];
	u8 ephemeral[COLLAB_KEY_LEN];
	u8 sealed_static[COLLAB_KEY_LEN + COLLAB_TAG_LEN];
	u8 sealed_time[sizeof(__be64) + COLLAB_TAG_LEN];
};

static_assert(sizeof(struct collab_hs_init) == 112);

struct collab_hs_resp {
	u8 key_id;
	u8 reserved[7];
	u8 ephemeral[COLLAB_KEY_LEN];
	u8 sealed_empty[COLLAB_TAG_LEN];
};

static_assert(sizeof(struct collab_hs_resp) == 56);

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

/*
 * Reachability records (reach.c): a distance vector with sequence
 * numbers. UPDATE: the sender reaches @node at @metric links (or no
 * longer: COLLAB_METRIC_INF) with the node's sequence number @seqno;
 * @name is the node's. REQUEST: the sender lost its route to @node and
 * asks for one of @seqno or newer; @metric is the hops the request may
 * still travel. DUMP: the sender's link came up, and it asks for the
 * whole table (its own id in @node, all else 0): the receiver may have
 * seen no link go down.
 *
 * An UPDATE also says where the receiver stands in @node's tree, which
 * the node's sessions and broadcasts follow (relay.c): PARENT, the
 * receiver is the sender's next hop to @node; KIDS, other nodes reach
 * @node through the sender.
 */
enum collab_reach_op {
	COLLAB_REACH_UPDATE = 1,
	COLLAB_REACH_REQUEST,
	COLLAB_REACH_DUMP,
};

#define COLLAB_REACH_F_PARENT	0x01
#define COLLAB_REACH_F_KIDS	0x02
#define COLLAB_REACH_F_KNOWN	(COLLAB_REACH_F_PARENT | COLLAB_REACH_F_KIDS)

struct collab_reach_rec {
	u8 op;			/* enum collab_reach_op */
	u8 flags;		/* COLLAB_REACH_F_*, UPDATE only */
	__be16 metric;
	__be32 seqno;
	struct collab_guid node;
	char name[COLLAB_NODE_NAME_MAX];
};

static_assert(sizeof(struct collab_reach_rec) == 88);

/*
 * Instances of a node beyond the peers (distant.c): the instances that
 * @origin has, and the sessions they joined, as the sender knows them,
 * which tells them to each child in @origin's tree. RESET: the whole
 * table of @origin follows, up to END (neither carries @id or @app);
 * ADD: @origin has instance @id, of type @app; JOIN: some instance of
 * @origin's is a member of session @id (@app all zero), one record per
 * session however many of its instances joined it.
 */
enum collab_distant_op {
	COLLAB_DISTANT_RESET = 1,
	COLLAB_DISTANT_ADD,
	COLLAB_DISTANT_END,
	COLLAB_DISTANT_JOIN,
};

struct collab_distant_rec {
	u8 op;			/* enum collab_distant_op */
	u8 reserved[7];
	struct collab_guid origin;
	struct collab_guid id;
	char app[COLLAB_APP_MAX];
};

static_assert(sizeof(struct collab_distant_rec) == 72);

/*
 * A receipt, from the node a message reached (or the relay that refused
 * it) back to its source, through the relays it crossed.
 */
struct collab_receipt_rec {
	__be64 msgid;
	struct collab_guid src_id;	/* the sending instance */
	__be32 status;			/* 0 or a positive errno */
	__be32 flags;			/* COLLAB_RF_* */
	struct collab_guid node;	/* where it was delivered or refused */
	struct collab_guid src_node;	/* the sending node, the receipt's end */
};

static_assert(sizeof(struct collab_receipt_rec) == 64);

/* Receipt flags. */
#define COLLAB_RF_KEPT		0x01	/* answers a COLLAB_FF_KEPT message */
#define COLLAB_RF_KNOWN		COLLAB_RF_KEPT

/* Limits of what a peer may send. */
enum {
	/* Bytes of link payload in a bundle, at most. */
	COLLAB_BUNDLE_MAX = 14000,
	/*
	 * Fragments of one message, at most: the largest message over the
	 * smallest bearer MTU takes 136.
	 */
	COLLAB_REASM_FRAGS = 160,
	/* Memory (truesize) of one message being put together, at most. */
	COLLAB_REASM_TRUESIZE = 1 << 20,
};

/* What a parser found wrong with its input, if anything. */
enum collab_wire_err {
	COLLAB_WIRE_OK,
	COLLAB_WIRE_MALFORMED,
	COLLAB_WIRE_BAD_VERSION,	/* another version of the protocol */
	COLLAB_WIRE_NOT_OURS,	/* addressed to another node, or from us */
};

/*
 * The bytes of a packet that collab_wire_link_hdr() sees, when the
 * packet has them: the header, and the body of a HELLO or BEACON.
 */
#define COLLAB_LINK_PEEK	(sizeof(struct collab_link_hdr) + \
				 sizeof(struct collab_hello))

int collab_wire_link_hdr(const void *buf, size_t len,
			 const struct collab_guid *self);

/* A HELLO or BEACON body, in host order. */
struct collab_wire_hello {
	u32 snd_una;
	u32 rcv_nxt;
	u64 cookie;
	u64 echo;
	char name[COLLAB_NODE_NAME_MAX];	/* NUL-terminated */
	u8 public_key[COLLAB_KEY_LEN];
};

int collab_wire_hello(const void *buf, size_t len,
		      struct collab_wire_hello *out);

int collab_wire_hs(u8 type, size_t len);

int collab_wire_frame(const void *buf, size_t len, size_t msg_len,
		      const struct collab_guid *peer,
		      const struct collab_guid *self);

/*
 * Reading a bundle: the header of the entry just read (whole, with its
 * msgid and len), where the next one starts, and the bundle's length.
 */
struct collab_wire_bundle {
	struct collab_frame f;
	u32 off;
	u32 len;
};

/* The bytes of an entry that collab_wire_bundle_next() sees, at most. */
#define COLLAB_ENTRY_PEEK	(COLLAB_BUNDLE_LEN + sizeof(struct collab_frame))

int collab_wire_bundle_init(struct collab_wire_bundle *b, size_t len);
int collab_wire_bundle_next(struct collab_wire_bundle *b, const void *buf,
			    size_t len, u32 *payload);

/* A message being put together from fragments. */
struct collab_wire_reasm {
	u32 frags;
	u32 len;
	u32 truesize;
};

/* What to do with a fragment. */
enum collab_wire_frag {
	COLLAB_FRAG_WHOLE,	/* a message in one piece */
	COLLAB_FRAG_START,	/* the first of several */
	COLLAB_FRAG_MORE,	/* one more of them */
	COLLAB_FRAG_DONE,	/* the last: the message is whole */
	COLLAB_FRAG_BAD,	/* malformed: drop it and what came before */
};

enum collab_wire_frag collab_wire_frag(struct collab_wire_reasm *r,
				       bool busy, u8 flags, size_t len,
				       size_t truesize);

int collab_wire_route(size_t len);
bool collab_wire_route_rec(const void *buf, size_t len);
int collab_wire_reach(size_t len);
bool collab_wire_reach_rec(const void *buf, size_t len);
int collab_wire_distant(size_t len);
bool collab_wire_distant_rec(const void *buf, size_t len);

/* A receipt, in host order. */
struct collab_wire_receipt {
	u64 msgid;
	struct collab_guid src_id;
	u32 status;		/* 0 or a positive errno */
	u32 flags;		/* COLLAB_RF_* */
	struct collab_guid node;
	struct collab_guid src_node;
};

int collab_wire_receipt(const void *buf, size_t len,
			struct collab_wire_receipt *out);

static inline bool collab_guid_is_zero(const struct collab_guid *g)
{
	static const struct collab_guid zero;

	return !memcmp(g, &zero, sizeof(*g));
}

static inline bool collab_guid_equal(const struct collab_guid *a,
				     const struct collab_guid *b)
{
	return !memcmp(a, b, sizeof(*a));
}

#endif /* _COLLAB_WIRE_H */
