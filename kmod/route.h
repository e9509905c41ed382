/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: routing state between nodes. Each node tells its peers which
 * instances it has and which sessions they joined (route records on the
 * link); this node keeps what its peers told it, and finds the peers a
 * message must go to.
 */
#ifndef _COLLAB_ROUTE_H
#define _COLLAB_ROUTE_H

#include "peer.h"
#include "sock.h"

struct collab_frame;
struct collab_member;

/* An instance on a peer. */
struct collab_rinst {
	struct rhash_head node;		/* collab_net.rinstances */
	struct collab_guid id;		/* the key */
	char app[COLLAB_APP_MAX];
	struct collab_peer *peer;
	struct list_head peer_node;	/* collab_peer.rinstances */
	struct list_head sessions;	/* collab_rmember.node */
	unsigned int nr_sessions;
	bool stale;			/* not restated since RESET */
	struct rcu_head rcu;
};

struct collab_rmember {
	struct list_head node;
	struct collab_guid session;
	bool stale;			/* not restated since RESET */
};

/* The peers that have members of a session, or instances of a type. */
struct collab_rset {
	struct rhash_head node;
	char key[COLLAB_APP_MAX];	/* a session id, or a type name */
	struct list_head refs;		/* collab_rref.node, RCU */
	struct rcu_head rcu;
};

struct collab_rref {
	struct list_head node;
	struct collab_peer *peer;
	unsigned int count;
	struct rcu_head rcu;
};

/* The peers one message goes to. */
struct collab_rtargets {
	unsigned int n;
	unsigned int max;
	bool owner;			/* a GUID's node is known: @node */
	struct collab_guid node;
	struct collab_peer **peer;
	struct collab_peer *inline_peer[4];
};

int collab_route_init(struct collab_net *cn);
void collab_route_destroy(struct collab_net *cn);
void collab_route_peer_gone(struct collab_net *cn, struct collab_peer *peer);
void collab_route_rcv(struct collab_peer *peer, struct sk_buff *skb);
struct collab_peer *collab_route_owner(struct collab_net *cn,
				       const struct collab_guid *id);
void collab_route_work(struct work_struct *work);
enum collab_stat collab_rec_drop_stat(int err);
struct collab_distant_rec;
int collab_route_table(struct collab_net *cn, struct collab_peer *peer,
		       struct collab_distant_rec *r, unsigned int max,
		       unsigned int *need);

/* Local changes, under collab_net.lock. */
void collab_route_announce(struct collab_net *cn, u8 op,
			   const struct collab_sock *cs,
			   const struct collab_guid *session);

int collab_route_collect(struct collab_net *cn, const struct collab_frame *f,
			 struct collab_rtargets *t, gfp_t gfp);
int collab_rtargets_reserve(struct collab_rtargets *t, unsigned int count,
			    gfp_t gfp);
void collab_rtargets_add(struct collab_rtargets *t, struct collab_peer *peer);
bool collab_route_wants(struct collab_net *cn, const struct collab_frame *f,
			const struct collab_peer *peer);
void collab_rtargets_release(struct collab_rtargets *t);

#endif /* _COLLAB_ROUTE_H */
