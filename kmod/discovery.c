// SPDX-License-Identifier: GPL-2.0
/*
 * collab: discovery. Once a second, each bearer with a discovery group
 * sends a beacon there, and a beacon goes to each static peer that has no
 * link up; a node that hears a beacon from one it has no link with
 * answers with a cookie (cookie.c), which starts the handshake (link.c).
 * Peers whose link never came up are let go here too.
 */
#include <linux/rculist.h>
#include <linux/slab.h>

#include "bearer.h"
#include "frame.h"
#include "peer.h"
#include "reach.h"

#define BEACON_MS	1000

/* Node name, consistent with what a concurrent "node set" writes. */
static void node_name(struct collab_net *cn, char *name)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&cn->node_seq);
		memcpy(name, cn->node_name, COLLAB_NODE_NAME_MAX);
	} while (read_seqcount_retry(&cn->node_seq, seq));
	name[COLLAB_NODE_NAME_MAX - 1] = '\0';
}

/*
 * A HELLO or BEACON body (no link header yet) with @headroom in front:
 * the caller fills in what it knows of the link.
 */
struct sk_buff *collab_hello_build(struct collab_net *cn, u8 type,
				   unsigned int headroom)
{
	struct collab_hello *hello;
	struct sk_buff *skb;

	skb = alloc_skb(headroom + sizeof(*hello), GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, headroom);
	hello = skb_put_zero(skb, sizeof(*hello));
	hello->tolerance_ms = htonl(READ_ONCE(cn->tolerance_ms));
	node_name(cn, hello->name);
	collab_crypto_public_key(cn, hello->public_key);
	return skb;
}

static struct sk_buff *beacon_build(struct collab_net *cn)
{
	struct collab_link_hdr *h;
	struct sk_buff *skb;

	skb = collab_hello_build(cn, COLLAB_LINK_BEACON, COLLAB_HEADROOM);
	if (!skb)
		return NULL;
	h = skb_push(skb, sizeof(*h));
	memset(h, 0, sizeof(*h));
	h->version = COLLAB_WIRE_VERSION;
	h->type = COLLAB_LINK_BEACON;
	collab_node_id(cn, &h->src_node);
	return skb;
}

static void beacon_send(struct collab_net *cn, struct collab_bearer *b,
			const union collab_sockaddr *to)
{
	struct sk_buff *skb = beacon_build(cn);

	if (skb)
		collab_bearer_xmit(b, skb, NULL, to, NULL, NULL);
}

/* Under RCU: whether a peer at @addr has its link up. */
static bool static_is_up(struct collab_net *cn,
			 const union collab_sockaddr *addr)
{
	struct collab_peer *peer;

	list_for_each_entry_rcu(peer, &cn->all_peers, all_node)
		if (READ_ONCE(peer->state) == COLLAB_PEER_UP &&
		    collab_sockaddr_equal(&peer->addr, addr))
			return true;
	return false;
}

static void discovery_work(struct work_struct *work)
{
	struct collab_net *cn = container_of(to_delayed_work(work),
					     struct collab_net, discovery);
	struct collab_static *st;
	struct collab_bearer *b;

	local_bh_disable();
	rcu_read_lock();
	list_for_each_entry_rcu(b, &cn->bearers, node)
		if (b->group.sa.sa_family)
			beacon_send(cn, b, &b->group);
	list_for_each_entry_rcu(st, &cn->statics, node) {
		b = collab_bearer_for(cn, st->addr.sa.sa_family);
		if (b && !static_is_up(cn, &st->addr))
			beacon_send(cn, b, &st->addr);
	}
	rcu_read_unlock();
	local_bh_enable();
	collab_peers_expire(cn);
	collab_reach_expire(cn);

	if (!list_empty(&cn->bearers))
		schedule_delayed_work(&cn->discovery,
				      msecs_to_jiffies(BEACON_MS));
}

void collab_discovery_init(struct collab_net *cn)
{
	INIT_LIST_HEAD(&cn->bearers);
	INIT_LIST_HEAD(&cn->statics);
	INIT_DELAYED_WORK(&cn->discovery, discovery_work);
}

/* Beacons now: a bearer or a static peer was added. */
void collab_discovery_kick(struct collab_net *cn)
{
	mod_delayed_work(system_wq, &cn->discovery, 0);
}

/* Once every bearer is gone. */
void collab_discovery_stop(struct collab_net *cn)
{
	cancel_delayed_work_sync(&cn->discovery);
}

/* Under collab_net.lock. */
int collab_static_add(struct collab_net *cn, const union collab_sockaddr *addr)
{
	struct collab_static *st;
	unsigned int n = 0;

	lockdep_assert_held(&cn->lock);
	list_for_each_entry(st, &cn->statics, node) {
		if (collab_sockaddr_equal(&st->addr, addr))
			return -EEXIST;
		n++;
	}
	if (n >= COLLAB_STATICS_MAX)
		return -ENOSPC;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->addr = *addr;
	list_add_tail_rcu(&st->node, &cn->statics);
	collab_discovery_kick(cn);
	return 0;
}

/* Forget the static peer at @addr; whether there was one. */
bool collab_static_del(struct collab_net *cn, const union collab_sockaddr *addr)
{
	struct collab_static *st;
	bool found = false;

	mutex_lock(&cn->lock);
	list_for_each_entry(st, &cn->statics, node) {
		if (collab_sockaddr_equal(&st->addr, addr)) {
			list_del_rcu(&st->node);
			kfree_rcu(st, rcu);
			found = true;
			break;
		}
	}
	mutex_unlock(&cn->lock);
	return found;
}

/* Under RCU: whether @addr is a static peer's. */
bool collab_static_match(struct collab_net *cn,
			 const union collab_sockaddr *addr)
{
	struct collab_static *st;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(st, &cn->statics, node) {
		if (collab_sockaddr_equal(&st->addr, addr)) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

void collab_statics_destroy(struct collab_net *cn)
{
	struct collab_static *st, *tmp;

	list_for_each_entry_safe(st, tmp, &cn->statics, node) {
		list_del(&st->node);
		kfree(st);
	}
}
