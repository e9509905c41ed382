/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: per-network-namespace state, counters and limits shared by every
 * file of the module.
 */
#ifndef _COLLAB_H
#define _COLLAB_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/ratelimit_types.h>
#include <linux/rhashtable-types.h>
#include <linux/seqlock.h>
#include <linux/siphash.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "uapi/linux/collab.h"
#include "wire.h"

/*
 * A receiver's default SO_RCVBUF: room for a few dozen of the largest
 * messages, so that a sender of large messages is not woken for each one.
 */
#define COLLAB_RCVBUF_DEFAULT	(2 << 20)

/* Link defaults and limits, settable with "collabctl node set". */
#define COLLAB_TOLERANCE_MS	1500
#define COLLAB_TOLERANCE_MIN_MS	100
#define COLLAB_TOLERANCE_MAX_MS	60000
#define COLLAB_LIFETIME_MS	120000
#define COLLAB_LIFETIME_MAX_MS	(24 * 3600 * 1000)
#define COLLAB_STORE_MSGS	4096
#define COLLAB_STORE_MSGS_MAX	65536
/* Bytes a peer's store may hold, whatever the message count. */
#define COLLAB_STORE_BYTES	(32 << 20)
/* Bytes the stores of all peers of a namespace may hold together. */
#define COLLAB_STORE_NET_BYTES	(128 << 20)
/*
 * Memory that what peers tell of their instances and sessions may take:
 * per peer, and for all peers of a namespace.
 */
#define COLLAB_ROUTE_PEER_BYTES		SZ_1M
#define COLLAB_ROUTE_NET_BYTES		SZ_16M
#define COLLAB_ROUTE_BYTES_MIN		4096
#define COLLAB_ROUTE_BYTES_MAX		SZ_1G
/*
 * Memory (truesize) that packets from peers waiting out of order may
 * take: per peer, and for all peers of a namespace.
 */
#define COLLAB_RX_PEER_BYTES		SZ_8M
#define COLLAB_RX_NET_BYTES		SZ_64M
#define COLLAB_RX_BYTES_MIN		SZ_64K
#define COLLAB_RX_BYTES_MAX		SZ_1G
/*
 * Memory (truesize) that messages from peers may take past a receiver's
 * SO_RCVBUF, so that a receiver that reads slowly (or never) holds its
 * own messages rather than the link: per receiver, and for all receivers
 * of a namespace.
 */
#define COLLAB_HOLD_SOCK_BYTES		SZ_4M
#define COLLAB_HOLD_NET_BYTES		SZ_64M
#define COLLAB_HOLD_BYTES_MAX		SZ_1G
#define COLLAB_PEERS_MAX	256
#define COLLAB_RINSTANCES_MAX	16384	/* per peer */
#define COLLAB_BEARERS_MAX	8
#define COLLAB_STATICS_MAX	64
/* Application types reserved for a user or a group. */
#define COLLAB_RESERVED_MAX	1024
/* Sockets that hear events by COLLAB_CMD_EVENTS_LISTEN: in all, per user. */
#define COLLAB_LISTENERS_MAX	256
#define COLLAB_LISTENERS_USER_MAX	16

/* Handshake messages taken per second and namespace. */
#define COLLAB_HS_RATE		256
/*
 * The initiator of a link starts a new handshake after this long, or once
 * its keys sealed or opened rekey_packets.
 */
#define COLLAB_REKEY_SECS	120

/*
 * The counts (U32) and counters (U64) of collab_stats.h, apart: a line
 * COLLAB_STAT(NAME, name, type) becomes COLLAB_OBJ_<type>(NAME, name) or
 * COLLAB_CTR_<type>(NAME, name), one of which is empty.
 */
#define COLLAB_OBJ_U32(name, str)	COLLAB_OBJ_##name,
#define COLLAB_OBJ_U64(name, str)
#define COLLAB_CTR_U32(name, str)
#define COLLAB_CTR_U64(name, str)	COLLAB_STAT_##name,

/* Per-netns counters; every message not delivered is counted by reason. */
enum collab_stat {
#define COLLAB_STAT(name, str, type)	COLLAB_CTR_##type(name, str)
#include "uapi/linux/collab_stats.h"
#undef COLLAB_STAT
	__COLLAB_STAT_MAX,
};

struct collab_stats {
	u64 v[__COLLAB_STAT_MAX];
};

/* Live objects of a namespace; all return to zero when it is idle. */
enum collab_obj {
#define COLLAB_STAT(name, str, type)	COLLAB_OBJ_##type(name, str)
#include "uapi/linux/collab_stats.h"
#undef COLLAB_STAT
	__COLLAB_OBJ_MAX,
};

/*
 * Everything the module knows lives in one of these per network namespace:
 * each namespace is a separate collab node.
 */
struct collab_kept;

struct collab_net {
	struct net *net;

	/* Writers of the tables and of the node; readers use RCU. */
	struct mutex lock;
	/* The node: read node_id through collab_node_id(). */
	seqcount_mutex_t node_seq;
	struct collab_guid node_id;
	char node_name[COLLAB_NODE_NAME_MAX];	/* under lock */

	/* Creation order of instances, sessions and memberships. */
	u64 seq;				/* under lock */
	unsigned long announce_gen;		/* route changes told, under lock */
	struct rhashtable instances;	/* instance GUID -> collab_sock */
	struct rhashtable apps;		/* application type -> collab_app */
	struct rhashtable sessions;	/* session GUID -> collab_session */
	struct list_head all_instances;	/* collab_sock.all_node, RCU */
	struct list_head all_sessions;	/* collab_session.all_node */
	/* Application types reserved for a user or a group (table.c). */
	struct rhashtable reserved;	/* type -> collab_reservation */
	struct list_head all_reserved;	/* collab_reservation.all_node */
	unsigned int nr_reserved;

	/* Sockets that hear events by unicast (nl_event.c). */
	spinlock_t listen_lock;
	struct list_head listeners;	/* collab_listener.node, RCU */
	unsigned int nr_listeners;	/* under listen_lock */

	/* Between nodes: bearers and static peers (under lock). */
	struct list_head bearers;	/* collab_bearer.node, RCU */
	struct list_head statics;	/* collab_static.node */
	u32 next_bearer_id;
	struct delayed_work discovery;

	/* Peers: writers hold peers_lock (BH off), readers use RCU. */
	spinlock_t peers_lock;
	struct rhashtable peers;	/* node id -> collab_peer */
	struct list_head all_peers;	/* collab_peer.all_node, RCU */
	u64 peer_seq;			/* creation order, under peers_lock */

	/* Cookies for sources not proven yet (cookie.c). */
	siphash_key_t cookie_key;
	struct ratelimit_state cookie_rs;

	/* Keys (crypto.h): the node's, and those it trusts, under lock. */
	struct collab_node_keys __rcu *keys;
	unsigned int key_gen;		/* bumped when they change */
	struct list_head trusted;	/* collab_trust.node, RCU */
	unsigned int nr_trusted;
	u8 plaintext;			/* enum collab_plaintext, READ_ONCE */
	struct ratelimit_state hs_rs;	/* handshake messages taken */
	spinlock_t cand_lock;		/* BH off: cands, nr_cands */
	struct collab_candidate *cands;	/* COLLAB_CANDIDATES of them */

	/* What peers told us of their instances (BH off); RCU lookups. */
	spinlock_t rlock;
	struct rhashtable rinstances;	/* instance GUID -> collab_rinst */
	struct rhashtable rsessions;	/* session -> peers with members */
	struct rhashtable rapps;	/* application type -> peers with one */
	unsigned long route_bytes;	/* what they take, under rlock */

	/*
	 * Nodes beyond the peers (reach.c), under reach_lock (BH off, inside
	 * any peer's lock); RCU lookups.
	 */
	spinlock_t reach_lock;
	struct rhashtable rnodes;	/* node id -> collab_rnode */
	struct list_head all_rnodes;	/* collab_rnode.all_node, by seq */
	struct list_head reach_dirty;	/* collab_rnode.dirty_node */
	unsigned int nr_rnodes;
	u64 rnode_seq;
	u32 reach_seqno;		/* this node's */
	bool reach_self_dirty;
	bool reach_kick;		/* reach_work has records to send */
	u8 relay;			/* forwards for others, READ_ONCE */
	struct work_struct reach_work;
	/* Their instances (distant.c), under reach_lock; RCU lookups. */
	struct rhashtable dinstances;	/* instance GUID -> collab_dinst */
	struct rhashtable dsessions;	/* session -> collab_dsession */
	bool dinst_kick;		/* distant_work has tables to send */
	struct work_struct distant_work;

	/* Messages waiting for an activation (activation.c). */
	spinlock_t act_lock;		/* BH off */
	struct list_head act_types;	/* collab_act_type.node, RCU */
	unsigned int nr_act_types;	/* under lock and act_lock */
	atomic_t act_requests;		/* requests waiting */
	long act_bytes;			/* their memory, under act_lock */
	u64 act_last_id;		/* under act_lock */
	struct timer_list act_timer;	/* the next request to time out */

	atomic_long_t stored_bytes;	/* in the stores of all peers */
	atomic_long_t ooo_bytes;	/* out of order, from all peers */
	atomic_long_t reasm_bytes;	/* fragments of messages under way */
	atomic_long_t held_bytes;	/* past their receivers' buffers */

	/* Link settings, READ_ONCE. */
	u32 tolerance_ms;
	u32 lifetime_ms;
	u32 store_max_msgs;
	u32 route_peer_bytes;
	u32 route_net_bytes;
	u32 rx_peer_bytes;
	u32 rx_net_bytes;
	u32 hold_sock_bytes;
	u32 hold_net_bytes;
	u32 act_net_bytes;
	u32 rekey_packets;
	/* The payload of an IP fragment on the last route a link used. */
	u32 frag_space;
	/* That of a link packet on it, where datagrams fit the route; or 0. */
	u32 link_space;

	atomic64_t next_msgid;
	/* Messages kept for distant nodes until answered (kept.c). */
	struct collab_kept *kept;
	/* Per CPU, so that senders and receivers share no cache line. */
	struct collab_stats __percpu *stats;
	atomic_t objects[__COLLAB_OBJ_MAX];
};

extern unsigned int collab_net_id;
extern int collab_family;

static inline struct collab_net *collab_net(const struct net *net)
{
	return net_generic(net, collab_net_id);
}

static inline void collab_stat_inc(struct collab_net *cn, enum collab_stat s)
{
	this_cpu_inc(cn->stats->v[s]);
}

static inline void collab_stat_add(struct collab_net *cn, enum collab_stat s,
				   u64 n)
{
	this_cpu_add(cn->stats->v[s], n);
}

u64 collab_stat_read(struct collab_net *cn, enum collab_stat s);

static inline void collab_obj_add(struct collab_net *cn, enum collab_obj o,
				  int delta)
{
	atomic_add(delta, &cn->objects[o]);
}

/* A consistent copy of the node id, which an administrator may change. */
static inline void collab_node_id(struct collab_net *cn, struct collab_guid *id)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&cn->node_seq);
		*id = cn->node_id;
	} while (read_seqcount_retry(&cn->node_seq, seq));
}

/* Whether @node names this node: its id, or all-zero for "here". */
static inline bool collab_node_is_local(struct collab_net *cn,
					const struct collab_guid *node)
{
	struct collab_guid self;

	if (collab_guid_is_zero(node))
		return true;
	collab_node_id(cn, &self);
	return collab_guid_equal(node, &self);
}

#endif /* _COLLAB_H */
