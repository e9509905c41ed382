/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: the generic netlink family, and the events the tables send on it.
 */
#ifndef _COLLAB_NETLINK_H
#define _COLLAB_NETLINK_H

#include <net/netlink.h>

#include "collab.h"

struct collab_member;
struct collab_sock;

struct collab_peer;
struct genl_info;
struct netlink_callback;
struct nla_policy;

enum collab_nlgrp {
	COLLAB_NLGRP_EVENTS,
	COLLAB_NLGRP_ACTIVATION,
};

/* Who may hear an event: every listener, its instance's owner, admins. */
enum collab_nl_scope {
	COLLAB_NL_ALL,
	COLLAB_NL_OWNER,
	COLLAB_NL_ADMIN,
};

extern struct genl_family collab_genl_family;

int collab_netlink_init(void);
void collab_netlink_exit(void);

/* nl_event.c: the "events" group, and who hears events by unicast. */
int collab_nl_listeners_register(void);
void collab_nl_listeners_unregister(void);
void collab_nl_listeners_init(struct collab_net *cn);
void collab_nl_listeners_destroy(struct collab_net *cn);
int collab_nl_events_listen(struct sk_buff *skb, struct genl_info *info);
bool collab_nl_has_listeners(struct collab_net *cn);
void collab_nl_notify(struct collab_net *cn, struct sk_buff *msg,
		      enum collab_nl_scope scope, kuid_t owner, gfp_t gfp);

void collab_nl_instance_event(struct collab_net *cn, struct collab_sock *cs,
			      u8 cmd);
void collab_nl_member_event(struct collab_net *cn, struct collab_member *m,
			    u8 cmd);

/* nl_link.c: bearers and peers. */
extern const struct nla_policy collab_nl_bearer_policy[];
extern const struct nla_policy collab_nl_peer_policy[];
extern const struct nla_policy collab_nl_trust_policy[];
int collab_nl_bearer_add(struct sk_buff *skb, struct genl_info *info);
int collab_nl_bearer_del(struct sk_buff *skb, struct genl_info *info);
int collab_nl_bearer_dump(struct sk_buff *skb, struct netlink_callback *cb);
int collab_nl_peer_add(struct sk_buff *skb, struct genl_info *info);
int collab_nl_peer_del(struct sk_buff *skb, struct genl_info *info);
int collab_nl_peer_get(struct sk_buff *skb, struct genl_info *info);
int collab_nl_peer_dump(struct sk_buff *skb, struct netlink_callback *cb);
int collab_nl_route_dump(struct sk_buff *skb, struct netlink_callback *cb);
void collab_nl_peer_event(struct collab_peer *peer, u8 cmd);
void collab_nl_conflict_event(struct collab_peer *peer,
			      const struct collab_guid *id, const char *app);

#endif /* _COLLAB_NETLINK_H */
