/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: which nodes this node reaches, through which of its peers and
 * at what cost. A distance vector with the nodes' sequence numbers and
 * Babel's feasibility condition (RFC 8966), carried on the reliable link
 * (reach.c).
 */
#ifndef _COLLAB_REACH_H
#define _COLLAB_REACH_H

#include "peer.h"

/* Nodes a namespace knows of, at most; and each peer may offer. */
#define COLLAB_RNODES_MAX	1024

/* A route to a node that one peer offers. */
struct collab_radv {
	struct list_head node;		/* collab_rnode.advs */
	struct list_head peer_node;	/* collab_peer.radvs */
	struct collab_rnode *rn;
	struct collab_peer *peer;
	u32 seqno;
	u16 metric;			/* the peer's: links from it */
	u8 flags;			/* COLLAB_REACH_F_* it sent */
	/*
	 * jiffies until which the peer is still taken for a child after it
	 * stopped being one, or 0. An offer whose metric is
	 * COLLAB_METRIC_INF is no offer: only such a child, whose link
	 * went down, and not counted in nr_advs.
	 */
	unsigned long child_until;
	bool dinst_due;			/* a child: it gets the node's table */
	unsigned long dinst_at;		/* jiffies: the last it got; 0: none */
};

struct collab_seen;

/*
 * A node other than this one, and the best feasible route to it. Under
 * collab_net.reach_lock; readers find it under RCU and read via with
 * rcu_dereference(), the rest with READ_ONCE().
 */
struct collab_rnode {
	struct rhash_head node;		/* collab_net.rnodes */
	struct list_head all_node;	/* collab_net.all_rnodes */
	struct list_head dirty_node;	/* collab_net.reach_dirty */
	struct collab_guid id;		/* the key */
	u64 seq;			/* creation order, for dumps */
	char name[COLLAB_NODE_NAME_MAX];
	struct collab_peer __rcu *via;	/* NULL: unreachable */
	struct collab_peer __rcu *last;	/* the last via, while there is none */
	u32 seqno;			/* of the route selected */
	u16 metric;			/* its cost; COLLAB_METRIC_INF: none */
	/* Feasibility distance: the best (seqno, metric) told to peers. */
	u32 fd_seqno;
	u16 fd_metric;			/* COLLAB_METRIC_INF: none yet */
	/* A request for a newer seqno to send, and the last one sent. */
	bool req_pending;
	u8 req_hops;
	u32 req_seqno;
	unsigned long req_at;
	bool dirty;			/* to tell peers */
	bool kids_told;			/* COLLAB_REACH_F_KIDS, as last told */
	unsigned long changed;		/* jiffies: the route last changed */
	unsigned int nr_advs;
	struct list_head advs;		/* collab_radv.node */
	struct collab_seen *seen;	/* its sessions' and broadcasts' ids */
	/* Its instances and sessions, as its tree tells them (distant.c). */
	struct list_head dinsts;	/* collab_dinst.rn_node */
	unsigned int nr_dinsts;
	struct list_head dmembers;	/* collab_dmember.rn_node */
	unsigned int nr_dmembers;
	bool dinst_reset;		/* a table comes: RESET, not yet END */
	bool dinst_have;		/* a whole table came */
	bool dinst_send;		/* some child is due to get it */
	struct rcu_head rcu;
};

int collab_reach_init(struct collab_net *cn);
void collab_reach_destroy(struct collab_net *cn);
void collab_reach_rcv(struct collab_peer *peer, struct sk_buff *skb);
void collab_reach_peer_up(struct collab_peer *peer);
void collab_reach_peer_down(struct collab_peer *peer);
void collab_reach_peer_gone(struct collab_peer *peer);
void collab_reach_self_changed(struct collab_net *cn);
void collab_reach_expire(struct collab_net *cn);
void collab_reach_work(struct work_struct *work);
struct collab_peer *collab_next_hop(struct collab_net *cn,
				    const struct collab_guid *node);
struct collab_rnode *collab_rnode_find(struct collab_net *cn,
				       const struct collab_guid *id);
struct collab_peer *collab_rnode_via(struct collab_net *cn,
				     const struct collab_rnode *rn);

struct collab_frame;
struct collab_rtargets;
int collab_reach_fanout(struct collab_net *cn, const struct collab_frame *f,
			const struct collab_peer *from,
			struct collab_rtargets *t);
bool collab_reach_seen(struct collab_net *cn, const struct collab_guid *node,
		       u64 msgid);
int collab_reach_kept(struct collab_net *cn, const struct collab_guid *node,
		      u64 msgid, u64 prev);

/* What a dump shows of a node. */
struct collab_reach_info {
	struct collab_guid id;
	struct collab_guid via;		/* all-zero: unreachable */
	char name[COLLAB_NODE_NAME_MAX];
	u32 seqno;
	u16 metric;
	u32 age_ms;
	u32 offers;
	u32 instances;			/* a peer's own, or its tree's */
	u32 sessions;			/* that they joined */
	u64 seq;
};

int collab_reach_info(struct collab_net *cn, u64 after,
		      struct collab_reach_info *out);

#endif /* _COLLAB_REACH_H */
