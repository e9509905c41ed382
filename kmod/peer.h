/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: peers (the other nodes this node talks to) and the reliable link
 * to each of them.
 *
 * A peer lives in collab_net.peers (by node id) and on collab_net.all_peers
 * from the first packet heard from it (or "peer add") until it is removed.
 * Readers find it under RCU; whoever keeps it beyond an RCU section holds a
 * reference. Everything about its link is under peer->lock, taken with
 * bottom halves off: packets arrive in softirq, timers fire there, senders
 * come from process context.
 */
#ifndef _COLLAB_PEER_H
#define _COLLAB_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/skbuff.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/dst_cache.h>

#include "collab.h"
#include "crypto.h"
#include "frame.h"

struct collab_bearer;
struct collab_frame;
struct collab_link;

union collab_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/*
 * A peer that has not come up this many tolerances after it was made
 * goes (unless it is static, or holds messages): the cookie proved an
 * address, not a node that links.
 */
#define COLLAB_PEER_NEW_TOLERANCES	4

/* Link limits, in packets. */
enum {
	COLLAB_CWND_INIT = 16,
	COLLAB_CWND_MIN = 4,
	COLLAB_WINDOW = 256,	/* most packets in flight, and kept out of order */
	COLLAB_SACK_BITS = 32,
	/* Most packets in flight that a message could still have joined. */
	COLLAB_SMALL_MAX = 2,
};

/*
 * Bytes in order a receiver takes before it must acknowledge, and the
 * most a sender lets go before asking: acknowledgments scale with bytes,
 * so a large message costs about one, whatever the packets it takes.
 */
#define COLLAB_ACK_BYTES	(64U << 10)

struct collab_peer {
	struct rhash_head node;		/* collab_net.peers */
	struct list_head all_node;	/* collab_net.all_peers, RCU */
	struct collab_net *cn;
	struct collab_guid id;
	u64 seq;			/* creation number, from peer_seq */
	refcount_t ref;
	struct rcu_head rcu;

	spinlock_t lock;		/* all that follows, with BH off */
	bool dead;			/* removed: timers stay off */
	u8 state;			/* enum collab_peer_state */
	u32 flags;			/* COLLAB_PEER_* */
	char name[COLLAB_NODE_NAME_MAX];
	struct collab_bearer __rcu *bearer;	/* NULL when its bearer went */
	union collab_sockaddr addr;
	struct dst_cache dst_cache;
	u32 mtu;			/* largest datagram, IP header included */
	u32 path_mtu;			/* the route's, which IP fragments to */
	unsigned long down_since;	/* jiffies */
	unsigned long created;		/* jiffies */
	unsigned int link_ups;
	wait_queue_head_t store_wait;	/* senders waiting for room in txq */
	struct collab_link *link;	/* link.h: the link's own state */
	struct collab_peer_keys keys;	/* crypto.h */

	struct work_struct work;	/* route sync, in process context */
	unsigned int link_gen;		/* bumped when the link comes up */

	/* Under collab_net.lock. */
	unsigned int synced_gen;	/* link_gen of the last full route sync */
	bool routes_synced;
	unsigned int sync_bytes;	/* what the last full sync took */
	unsigned long announced;	/* collab_net.announce_gen it had */

	/* What the peer told us of its instances, under collab_net.rlock. */
	struct list_head rinstances;	/* collab_rinst.peer_node */
	unsigned int nr_rinstances;	/* READ_ONCE for readers */
	unsigned int nr_rsessions;	/* sessions they joined; READ_ONCE */
	unsigned long route_bytes;	/* the memory they take */
	/*
	 * This incarnation of the peer restated all it has (its END came):
	 * from then on, a message from an instance it did not announce is
	 * forged. READ_ONCE for readers.
	 */
	bool routes_known;

	/* The nodes it offers routes to, under collab_net.reach_lock. */
	struct list_head radvs;		/* collab_radv.peer_node */
	unsigned int nr_radvs;
	bool reach_full;		/* it is owed the whole table */
	bool reach_ask;			/* it is to be asked for its own */
	/* Nodes beyond it reach this one through it (COLLAB_REACH_F_KIDS). */
	bool reach_kids;
};

/*
 * In collab_tx_cb.flags only: sent while small enough for a bundle (and
 * counted in small_in_flight until acknowledged); the sender of the
 * message wants receipts.
 */
#define COLLAB_TXF_SMALL	0x40
#define COLLAB_TXF_CONFIRM	0x80

/* What a stored packet carries in skb->cb. */
struct collab_tx_cb {
	unsigned long sent_at;		/* last transmission, jiffies */
	unsigned long stored_at;	/* jiffies */
	u32 seq;
	u8 type;			/* sequenced: COLLAB_LINK_MSG, ... */
	u8 flags;			/* COLLAB_LF_FIRST, _LAST, COLLAB_TXF_* */
	u8 tries;			/* transmissions so far */
	u8 sacked:1;
	u8 multi:1;			/* of a session or broadcast message */
	u8 kept:1;			/* kept by its source (kept.c) */
	union {
		/*
		 * Last fragment of a message with COLLAB_TXF_CONFIRM: one
		 * whose sender wants receipts, or a kept one, which the
		 * final node answers in any case.
		 */
		struct {
			u64 msgid;
			struct collab_guid src_id;
		};
		/*
		 * COLLAB_LF_BUNDLE, at most COLLAB_BUNDLE_MAX bytes: its
		 * last piece, which only the bundle writer sets (NULL while
		 * the head has room); how many messages; where the last
		 * frame header starts, and that message's msgid; the bytes
		 * of each IP fragment.
		 */
		struct {
			struct sk_buff *tail;
			u64 last_msgid;
			u16 nr_msgs;
			u16 last;
			u16 piece;
		};
	};
};

static inline struct collab_tx_cb *collab_tx_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct collab_tx_cb) > sizeof(skb->cb));
	return (struct collab_tx_cb *)skb->cb;
}

/* Serial number arithmetic on link sequence numbers. */
static inline bool collab_seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

static inline bool collab_seq_after(u32 a, u32 b)
{
	return collab_seq_before(b, a);
}

int collab_peers_init(struct collab_net *cn);
void collab_peers_destroy(struct collab_net *cn);

struct collab_peer *collab_peer_find(struct collab_net *cn,
				     const struct collab_guid *id);
struct collab_peer *collab_peer_lookup_create(struct collab_net *cn,
					      const struct collab_guid *id,
					      struct collab_bearer *b,
					      const union collab_sockaddr *from);
void collab_peer_put(struct collab_peer *peer);
int collab_peer_remove(struct collab_net *cn, const struct collab_guid *id);
int collab_peer_remove_addr(struct collab_net *cn,
			    const union collab_sockaddr *sa);
void collab_peers_bearer_gone(struct collab_net *cn, struct collab_bearer *b);
void collab_peer_hello(struct collab_net *cn, struct collab_bearer *b,
		       const union collab_sockaddr *from, struct sk_buff *skb);
void collab_peers_expire(struct collab_net *cn);
void collab_peer_link_up(struct collab_peer *peer);
void collab_peer_link_down(struct collab_peer *peer);
void collab_peer_routes_unknown(struct collab_peer *peer);

/* What collabctl shows of a link. */
struct collab_link_info {
	u32 srtt_us, rto_us, cwnd;
	u32 stored_msgs, stored_bytes, in_flight;
	u64 tx_msgs, rx_msgs, tx_packets, rx_packets;
	u64 retransmits, duplicates, expired;
};

/* link.c */
int collab_link_init(struct collab_peer *peer, gfp_t gfp);
void collab_link_free(struct collab_peer *peer);
void collab_link_info(struct collab_peer *peer, struct collab_link_info *i);
unsigned int collab_link_stored(struct collab_peer *peer);
void collab_link_start(struct collab_peer *peer);
void collab_link_destroy(struct collab_peer *peer);
void collab_link_rcv(struct collab_peer *peer, struct sk_buff *skb);
void collab_link_hs_rcv(struct collab_peer *peer, struct sk_buff *skb,
			const union collab_sockaddr *from);
void collab_link_hello_rcv(struct collab_peer *peer, struct sk_buff *skb,
			   const union collab_sockaddr *from,
			   const struct collab_wire_hello *hello);
void collab_link_down(struct collab_peer *peer);
bool collab_link_has_room(struct collab_peer *peer);
int collab_link_enqueue(struct collab_peer *peer, struct sk_buff_head *pkts,
			unsigned int msgs);
const void *collab_link_recs(struct collab_net *cn, struct sk_buff *skb,
			     int n);
int collab_link_enqueue_recs(struct collab_peer *peer, u8 type,
			     const void *recs, unsigned int n, size_t size);
struct sk_buff *collab_link_alloc(unsigned int len, gfp_t gfp);
int collab_link_route_rec(struct collab_peer *peer, const void *rec,
			  unsigned int len, unsigned int limit);
int collab_link_restate(struct collab_peer *peer, struct sk_buff_head *pkts);
bool collab_link_bundle(struct collab_peer *peer, const struct collab_frame *f,
			struct iov_iter *from);
unsigned int collab_link_mss(struct collab_peer *peer);

#endif /* _COLLAB_PEER_H */
