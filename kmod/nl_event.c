// SPDX-License-Identifier: GPL-2.0
/*
 * collab: who hears the events of a namespace.
 *
 * The "events" multicast group is for administrators: netlink in this
 * kernel cannot leave a member of a group out of one message, and an
 * instance event tells who runs what. Anyone else sends
 * COLLAB_CMD_EVENTS_LISTEN and hears, by unicast, the events it may see:
 * peers coming and going, and what happens to the instances its user
 * owns. A listener holds its socket, which its portid finds until it is
 * closed (SOCK_DEAD); the netlink notifier removes it then.
 */
#include <linux/notifier.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "netlink.h"

struct collab_listener {
	struct list_head node;		/* collab_net.listeners, RCU */
	struct sock *sk;		/* held, until the entry goes */
	u32 portid;
	kuid_t uid;			/* the owner of the socket */
	bool admin;			/* it hears everything */
	struct rcu_head rcu;
};

void collab_nl_listeners_init(struct collab_net *cn)
{
	spin_lock_init(&cn->listen_lock);
	INIT_LIST_HEAD(&cn->listeners);
}

static void listener_free(struct rcu_head *head)
{
	struct collab_listener *l = container_of(head, struct collab_listener,
						 rcu);

	sock_put(l->sk);
	kfree(l);
}

/* Every socket holds its namespace: only module unload finds one here. */
void collab_nl_listeners_destroy(struct collab_net *cn)
{
	struct collab_listener *l, *tmp;

	list_for_each_entry_safe(l, tmp, &cn->listeners, node) {
		list_del_rcu(&l->node);
		call_rcu(&l->rcu, listener_free);
	}
	cn->nr_listeners = 0;
}

int collab_nl_events_listen(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct sock *sk = NETLINK_CB(skb).sk;
	struct collab_listener *l, *new;
	unsigned int mine = 0;
	int err = 0;

	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	new->sk = sk;
	new->portid = info->snd_portid;
	new->uid = sk->sk_uid;
	new->admin = netlink_ns_capable(skb, cn->net->user_ns, CAP_NET_ADMIN);

	spin_lock(&cn->listen_lock);
	list_for_each_entry(l, &cn->listeners, node) {
		/* Once is enough. */
		if (l->sk == sk)
			goto out_free;
		mine += !l->admin && uid_eq(l->uid, new->uid);
	}
	if (cn->nr_listeners >= COLLAB_LISTENERS_MAX ||
	    (!new->admin && mine >= COLLAB_LISTENERS_USER_MAX)) {
		err = -ENOSPC;
		goto out_free;
	}
	sock_hold(sk);
	list_add_tail_rcu(&new->node, &cn->listeners);
	cn->nr_listeners++;
	spin_unlock(&cn->listen_lock);
	return 0;

out_free:
	spin_unlock(&cn->listen_lock);
	kfree(new);
	if (err)
		NL_SET_ERR_MSG(info->extack,
			       "too many listeners: "
			       __stringify(COLLAB_LISTENERS_USER_MAX)
			       " a user, "
			       __stringify(COLLAB_LISTENERS_MAX) " in all");
	return err;
}

/*
 * A generic netlink socket closed: if it listened, it is dead by now, and
 * another socket may have its portid already.
 */
static int listener_release(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;
	struct collab_listener *l, *tmp;
	struct collab_net *cn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	cn = collab_net(n->net);
	spin_lock(&cn->listen_lock);
	list_for_each_entry_safe(l, tmp, &cn->listeners, node) {
		if (l->portid != n->portid || !sock_flag(l->sk, SOCK_DEAD))
			continue;
		list_del_rcu(&l->node);
		cn->nr_listeners--;
		call_rcu(&l->rcu, listener_free);
	}
	spin_unlock(&cn->listen_lock);
	return NOTIFY_DONE;
}

static struct notifier_block listener_notifier = {
	.notifier_call = listener_release,
};

int __init collab_nl_listeners_register(void)
{
	return netlink_register_notifier(&listener_notifier);
}

void collab_nl_listeners_unregister(void)
{
	netlink_unregister_notifier(&listener_notifier);
}

bool collab_nl_has_listeners(struct collab_net *cn)
{
	return genl_has_listeners(&collab_genl_family, cn->net,
				  COLLAB_NLGRP_EVENTS) ||
	       !list_empty(&cn->listeners);
}

static bool hears(const struct collab_listener *l, enum collab_nl_scope scope,
		  kuid_t owner)
{
	switch (scope) {
	case COLLAB_NL_ALL:
		return true;
	case COLLAB_NL_OWNER:
		return l->admin || uid_eq(l->uid, owner);
	default:
		return l->admin;
	}
}

/*
 * Send @msg, an event, to the "events" group and to each listener that
 * may hear it (@scope; with COLLAB_NL_OWNER, an event about an instance
 * of @owner). Consumes @msg. Any context: @gfp says which.
 */
void collab_nl_notify(struct collab_net *cn, struct sk_buff *msg,
		      enum collab_nl_scope scope, kuid_t owner, gfp_t gfp)
{
	struct collab_listener *l;
	struct sk_buff *copy;
	int err;

	rcu_read_lock();
	list_for_each_entry_rcu(l, &cn->listeners, node) {
		/* Closed: its portid may be another socket's already. */
		if (!hears(l, scope, owner) || sock_flag(l->sk, SOCK_DEAD))
			continue;
		copy = skb_clone(msg, GFP_ATOMIC);
		/* A listener that is full hears ENOBUFS, as a member would. */
		err = copy ? genlmsg_unicast(cn->net, copy, l->portid) :
		      -ENOMEM;
		/* -ECONNREFUSED: it went away meanwhile. */
		if (err && err != -ECONNREFUSED)
			collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
	}
	rcu_read_unlock();

	if (!genl_has_listeners(&collab_genl_family, cn->net,
				COLLAB_NLGRP_EVENTS)) {
		nlmsg_free(msg);
		return;
	}
	err = genlmsg_multicast_netns(&collab_genl_family, cn->net, msg, 0,
				      COLLAB_NLGRP_EVENTS, gfp);
	/* -ESRCH: the last member went away meanwhile. */
	if (err && err != -ESRCH)
		collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
}
