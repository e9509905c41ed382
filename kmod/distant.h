/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: the instances of nodes beyond the peers, and the sessions they
 * joined, as each node's tree tells them (distant.c).
 */
#ifndef _COLLAB_DISTANT_H
#define _COLLAB_DISTANT_H

#include "peer.h"

struct collab_distant_rec;
struct collab_rnode;

/* An instance of a node that is not a peer. */
struct collab_dinst {
	struct rhash_head node;		/* collab_net.dinstances */
	struct collab_guid id;		/* the key */
	struct collab_guid owner;	/* its node */
	char app[COLLAB_APP_MAX];
	struct list_head rn_node;	/* collab_rnode.dinsts */
	bool stale;			/* not restated since RESET */
	struct rcu_head rcu;
};

/* The nodes beyond the peers that have members of a session. */
struct collab_dsession {
	struct rhash_head node;		/* collab_net.dsessions */
	struct collab_guid id;		/* the key */
	struct list_head members;	/* collab_dmember.ds_node, RCU */
	struct rcu_head rcu;
};

/* One such node. */
struct collab_dmember {
	struct list_head ds_node;	/* collab_dsession.members, RCU */
	struct list_head rn_node;	/* collab_rnode.dmembers */
	struct collab_dsession *ds;
	struct collab_guid node;
	bool stale;			/* not restated since RESET */
	struct rcu_head rcu;
};

int collab_distant_init(struct collab_net *cn);
void collab_distant_destroy(struct collab_net *cn);
void collab_distant_rcv(struct collab_peer *peer, struct sk_buff *skb);
bool collab_distant_owner(struct collab_net *cn, const struct collab_guid *id,
			  struct collab_guid *owner);
void collab_distant_peer_changed(struct collab_net *cn,
				 const struct collab_guid *node);
void collab_distant_work(struct work_struct *work);
void collab_distant_rec_set(struct collab_distant_rec *r, u8 op,
			    const struct collab_guid *origin,
			    const struct collab_guid *id, const char *app);

/* Under collab_net.reach_lock. */
void collab_distant_forget(struct collab_net *cn, struct collab_rnode *rn);
void collab_distant_kick(struct collab_net *cn);

#endif /* _COLLAB_DISTANT_H */
