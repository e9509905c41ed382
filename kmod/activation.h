/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: activation. A message for an application type that no instance
 * takes waits, if the type is activatable, until an activator (collabd)
 * has started one; see activation.c.
 */
#ifndef _COLLAB_ACTIVATION_H
#define _COLLAB_ACTIVATION_H

#include <linux/skbuff.h>
#include <net/netlink.h>

#include "collab.h"

struct act_receipt;
struct collab_frame;
struct collab_sock;
struct genl_info;
struct netlink_callback;

/* Memory (truesize) that waiting messages may take, per type and in all. */
#define COLLAB_ACT_TYPE_BYTES		SZ_1M
#define COLLAB_ACT_NET_BYTES		SZ_16M
#define COLLAB_ACT_BYTES_MAX		SZ_1G
#define COLLAB_ACT_TYPES_MAX		256

/* An activatable application type. */
struct collab_act_type {
	struct list_head node;		/* collab_net.act_types, RCU */
	char app[COLLAB_APP_MAX];	/* NUL-padded */
	u64 seq;			/* creation order, for dumps */
	/* Under collab_net.act_lock; READ_ONCE for RCU readers. */
	u8 policy;			/* enum collab_app_policy */
	u32 timeout_ms;
	u32 hold_bytes;
	struct list_head requests;	/* collab_act_req.node */
	u32 held_msgs;
	u32 held_bytes;
	u64 activations, delivered, dropped;
	struct rcu_head rcu;
};

/*
 * Messages for one type (and, with the per-session policy, one session)
 * waiting for an instance, in order. Under collab_net.act_lock.
 */
struct collab_act_req {
	struct list_head node;		/* collab_act_type.requests */
	u64 id;
	struct collab_guid session;	/* all-zero: any, or none */
	struct collab_guid src_node;	/* the first message's source */
	struct collab_guid src_id;
	unsigned long created;		/* jiffies */
	struct sk_buff_head msgs;
	u32 bytes;			/* their truesize */
	u32 confirms;			/* of them, to answer with a receipt */
	/* Once handed over or refused: what their senders are told. */
	struct act_receipt *receipts;
};

/* What the activator hears of a new request. */
struct collab_act_event {
	char app[COLLAB_APP_MAX];
	u8 policy;
	struct collab_guid session, src_node, src_id;
	u64 id;
};

void collab_act_init(struct collab_net *cn);
void collab_act_destroy(struct collab_net *cn);

bool collab_act_shared(struct collab_net *cn, const char *app);
int collab_act_hold(struct collab_net *cn, struct sk_buff *skb,
		    bool (*taken)(struct collab_net *cn,
				  const struct collab_frame *f));
int collab_act_follow(struct collab_net *cn, struct sk_buff *skb);

/*
 * Whether messages wait for an activation anywhere in @cn: if not, the
 * receiver a message found is the one that takes it, and what waited for
 * it is in its queue. Read after the lookup that found it.
 */
static inline bool collab_act_waiting(struct collab_net *cn)
{
	/* The lookup's loads before this one: pairs with req_detach(). */
	smp_rmb();
	return atomic_read_acquire(&cn->act_requests);
}

void collab_act_lock(struct collab_net *cn) __acquires(&cn->act_lock);
void collab_act_unlock_bound(struct collab_net *cn, struct collab_sock *cs,
			     const struct collab_guid *session)
	__releases(&cn->act_lock);

struct collab_act_type *collab_act_type_find(struct collab_net *cn,
					     const char *app);
int collab_act_type_set(struct collab_net *cn, const char *app, int policy,
			u32 timeout_ms, u32 hold_bytes);
int collab_act_type_del(struct collab_net *cn, const char *app);
int collab_act_fail(struct collab_net *cn, const char *app, u64 id, int err);

/* nl_app.c */
extern const struct nla_policy collab_nl_app_policy[];
extern const struct nla_policy collab_nl_reserve_policy[];
extern const struct nla_policy collab_nl_unreserve_policy[];
int collab_nl_app_add(struct sk_buff *skb, struct genl_info *info);
int collab_nl_app_del(struct sk_buff *skb, struct genl_info *info);
int collab_nl_app_fail(struct sk_buff *skb, struct genl_info *info);
int collab_nl_app_get(struct sk_buff *skb, struct genl_info *info);
int collab_nl_app_dump(struct sk_buff *skb, struct netlink_callback *cb);
int collab_nl_app_reserve(struct sk_buff *skb, struct genl_info *info);
int collab_nl_app_unreserve(struct sk_buff *skb, struct genl_info *info);
void collab_nl_activate_event(struct collab_net *cn,
			      const struct collab_act_event *ev);

#endif /* _COLLAB_ACTIVATION_H */
