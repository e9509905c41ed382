/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: bearers, the UDP sockets that carry a node's traffic to its
 * peers, and discovery over them.
 */
#ifndef _COLLAB_BEARER_H
#define _COLLAB_BEARER_H

#include <linux/list.h>
#include <linux/net.h>

#include "peer.h"

struct collab_bearer {
	struct list_head node;		/* collab_net.bearers, RCU */
	struct collab_net *cn;
	u32 id;
	struct socket *sock;
	struct socket *gsock;		/* hears the group, or NULL */
	union collab_sockaddr local;	/* preferred source; its port is ours */
	union collab_sockaddr group;	/* discovery; sa_family 0: none */
	int ifindex;
	u32 mtu;			/* 0: the route's */
	atomic64_t tx_packets;
	atomic64_t rx_packets;
	atomic64_t tx_errors;
	struct rcu_head rcu;
};

/* A static peer: an address to send beacons to until it answers. */
struct collab_static {
	struct list_head node;		/* collab_net.statics, RCU */
	union collab_sockaddr addr;
	struct rcu_head rcu;
};

struct collab_bearer_cfg {
	union collab_sockaddr local;
	union collab_sockaddr group;
	int ifindex;
	u32 mtu;
};

int collab_bearer_add(struct collab_net *cn, const struct collab_bearer_cfg *cfg,
		      u32 *id);
int collab_bearer_del(struct collab_net *cn, u32 id);
void collab_bearers_destroy(struct collab_net *cn);
struct collab_bearer *collab_bearer_for(struct collab_net *cn,
					sa_family_t family);
int collab_bearer_xmit(struct collab_bearer *b, struct sk_buff *skb,
		       struct sk_buff_head *q, const union collab_sockaddr *to,
		       struct dst_cache *cache, u32 *mtu);
bool collab_sockaddr_equal(const union collab_sockaddr *a,
			   const union collab_sockaddr *b);

/* discovery.c */
void collab_discovery_init(struct collab_net *cn);
void collab_discovery_kick(struct collab_net *cn);
void collab_discovery_stop(struct collab_net *cn);
int collab_static_add(struct collab_net *cn, const union collab_sockaddr *addr);
bool collab_static_del(struct collab_net *cn, const union collab_sockaddr *addr);
bool collab_static_match(struct collab_net *cn,
			 const union collab_sockaddr *addr);
void collab_statics_destroy(struct collab_net *cn);
struct sk_buff *collab_hello_build(struct collab_net *cn, u8 type,
				   unsigned int headroom);

#endif /* _COLLAB_BEARER_H */
