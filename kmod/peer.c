// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the peer table. A peer is created by the first HELLO from a
 * node that has proven, with a cookie, that it receives at its address
 * (in softirq); beacons and unproven HELLOs make nothing (cookie.c). It
 * lives until an administrator removes it, the namespace goes, or, if
 * its link never comes up, a few tolerances later. Removal unlinks it,
 * stops its timers and work, withdraws what it told us, and frees it
 * after RCU once the last reference is gone.
 */
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "bearer.h"
#include "cookie.h"
#include "netlink.h"
#include "peer.h"
#include "reach.h"
#include "route.h"

static const struct rhashtable_params peer_params = {
	.key_len = sizeof(struct collab_guid),
	.key_offset = offsetof(struct collab_peer, id),
	.head_offset = offsetof(struct collab_peer, node),
	.automatic_shrinking = true,
};

int collab_peers_init(struct collab_net *cn)
{
	int err;

	spin_lock_init(&cn->peers_lock);
	INIT_LIST_HEAD(&cn->all_peers);
	err = rhashtable_init(&cn->peers, &peer_params);
	if (err)
		return err;
	err = collab_route_init(cn);
	if (err)
		goto err_destroy_peers;
	err = collab_reach_init(cn);
	if (err)
		goto err_destroy_route;
	return 0;

err_destroy_route:
	collab_route_destroy(cn);
err_destroy_peers:
	rhashtable_destroy(&cn->peers);
	return err;
}

/* A reference to the peer with node id @id, or NULL. */
struct collab_peer *collab_peer_find(struct collab_net *cn,
				     const struct collab_guid *id)
{
	struct collab_peer *peer;

	rcu_read_lock();
	peer = rhashtable_lookup(&cn->peers, id, peer_params);
	if (peer && !refcount_inc_not_zero(&peer->ref))
		peer = NULL;
	rcu_read_unlock();
	return peer;
}

static void peer_free(struct rcu_head *rcu)
{
	struct collab_peer *peer = container_of(rcu, struct collab_peer, rcu);

	collab_link_free(peer);
	collab_crypto_peer_free(peer);
	kfree(peer);
}

void collab_peer_put(struct collab_peer *peer)
{
	if (refcount_dec_and_test(&peer->ref))
		call_rcu(&peer->rcu, peer_free);
}

static struct collab_peer *peer_alloc(struct collab_net *cn,
				      const struct collab_guid *id)
{
	struct collab_peer *peer;

	peer = kzalloc(sizeof(*peer), GFP_ATOMIC);
	if (!peer)
		return NULL;
	if (dst_cache_init(&peer->dst_cache, GFP_ATOMIC)) {
		kfree(peer);
		return NULL;
	}
	peer->cn = cn;
	peer->id = *id;
	/* One reference for the table, one for the caller. */
	refcount_set(&peer->ref, 2);
	spin_lock_init(&peer->lock);
	peer->state = COLLAB_PEER_DOWN;
	peer->down_since = jiffies;
	peer->created = jiffies;
	init_waitqueue_head(&peer->store_wait);
	INIT_LIST_HEAD(&peer->rinstances);
	INIT_LIST_HEAD(&peer->radvs);
	INIT_WORK(&peer->work, collab_route_work);
	if (collab_link_init(peer, GFP_ATOMIC)) {
		dst_cache_destroy(&peer->dst_cache);
		kfree(peer);
		return NULL;
	}
	return peer;
}

static void peer_set_path(struct collab_peer *peer, struct collab_bearer *b,
			  const union collab_sockaddr *from)
{
	/* A live link keeps its path; one that is down takes the newest. */
	if (peer->state == COLLAB_PEER_UP && rcu_access_pointer(peer->bearer))
		return;
	if (rcu_access_pointer(peer->bearer) == b &&
	    collab_sockaddr_equal(&peer->addr, from))
		return;
	rcu_assign_pointer(peer->bearer, b);
	peer->addr = *from;
	dst_cache_reset(&peer->dst_cache);
}

/*
 * In softirq: the peer @id that a packet from @from on @b came from,
 * created if new (up to COLLAB_PEERS_MAX); a reference, or NULL.
 */
struct collab_peer *collab_peer_lookup_create(struct collab_net *cn,
					      const struct collab_guid *id,
					      struct collab_bearer *b,
					      const union collab_sockaddr *from)
{
	struct collab_peer *peer, *old;

	peer = collab_peer_find(cn, id);
	if (peer)
		goto found;
	if (atomic_read(&cn->objects[COLLAB_OBJ_PEERS]) >= COLLAB_PEERS_MAX) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_PEER_LIMIT);
		return NULL;
	}
	peer = peer_alloc(cn, id);
	if (!peer) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_NOMEM);
		return NULL;
	}

	spin_lock_bh(&cn->peers_lock);
	old = rhashtable_lookup_get_insert_fast(&cn->peers, &peer->node,
						peer_params);
	if (old) {
		/*
		 * Lost a race with another CPU, or no memory for the table.
		 * Never started, the link has no timer, work or packet to
		 * stop (and, in softirq, could not wait for them).
		 */
		spin_unlock_bh(&cn->peers_lock);
		dst_cache_destroy(&peer->dst_cache);
		collab_link_free(peer);
		kfree(peer);
		if (IS_ERR(old))
			return NULL;
		peer = collab_peer_find(cn, id);
		if (!peer)
			return NULL;
		goto found;
	}
	/* all_peers is in creation order: dumps resume by it. */
	peer->seq = ++cn->peer_seq;
	list_add_tail_rcu(&peer->all_node, &cn->all_peers);
	collab_obj_add(cn, COLLAB_OBJ_PEERS, 1);
	spin_unlock_bh(&cn->peers_lock);
	collab_link_start(peer);

found:
	spin_lock_bh(&peer->lock);
	if (!peer->dead) {
		peer_set_path(peer, b, from);
		if (collab_static_match(cn, from))
			peer->flags |= COLLAB_PEER_STATIC;
	}
	spin_unlock_bh(&peer->lock);
	return peer;
}

/* Whether a beacon from @from is only the up peer @id saying it is there. */
static bool beacon_known(struct collab_net *cn, const struct collab_guid *id,
			 const union collab_sockaddr *from)
{
	struct collab_peer *peer = collab_peer_find(cn, id);
	bool known;

	if (!peer)
		return false;
	spin_lock_bh(&peer->lock);
	known = peer->state == COLLAB_PEER_UP &&
		collab_sockaddr_equal(&peer->addr, from);
	spin_unlock_bh(&peer->lock);
	collab_peer_put(peer);
	return known;
}

/*
 * In softirq: a BEACON or HELLO from @from on @b; consumes @skb. Only a
 * HELLO that echoes this node's cookie for its source reaches a peer,
 * made if new; anything else is answered with a cookie and leaves no
 * trace, but a beacon of a peer whose link is up there.
 */
void collab_peer_hello(struct collab_net *cn, struct collab_bearer *b,
		       const union collab_sockaddr *from, struct sk_buff *skb)
{
	const struct collab_link_hdr *h = (const void *)skb->data;
	struct collab_wire_hello hello;
	struct collab_peer *peer;
	int err;

	/* check_hdr() pulled the body in. */
	if (collab_wire_hello(h + 1, skb_headlen(skb) - sizeof(*h), &hello)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_MALFORMED);
		kfree_skb(skb);
		return;
	}
	if (h->type != COLLAB_LINK_HELLO ||
	    !collab_cookie_valid(cn, from, &h->src_node, hello.echo)) {
		if (h->type != COLLAB_LINK_BEACON ||
		    !beacon_known(cn, &h->src_node, from))
			collab_cookie_reply(cn, b, from, h, &hello);
		consume_skb(skb);
		return;
	}
	err = collab_crypto_admit(cn, &h->src_node, hello.public_key);
	if (err) {
		if (err == -EACCES)
			collab_crypto_candidate(cn, &h->src_node, from,
						sizeof(*from), hello.name,
						hello.public_key);
		kfree_skb(skb);
		return;
	}
	peer = collab_peer_lookup_create(cn, &h->src_node, b, from);
	if (!peer) {
		kfree_skb(skb);
		return;
	}
	collab_link_hello_rcv(peer, skb, from, &hello);
	collab_peer_put(peer);
}

/*
 * The link to @peer came up, under peer->lock: the peer is up, the event
 * goes out, and the full route sync follows (in process context; what
 * waited in the store goes after it).
 */
void collab_peer_link_up(struct collab_peer *peer)
{
	WRITE_ONCE(peer->state, COLLAB_PEER_UP);
	peer->link_ups++;
	peer->link_gen++;
	collab_obj_add(peer->cn, COLLAB_OBJ_PEERS_UP, 1);
	collab_nl_peer_event(peer, COLLAB_CMD_PEER_UP);
	schedule_work(&peer->work);
	collab_reach_peer_up(peer);
}

/*
 * What the peer told of its instances is to be restated, under
 * peer->lock: it is a new incarnation, or it expired records stored for
 * us. Until its next sync ends, its messages are taken from any instance
 * that is not another's.
 */
void collab_peer_routes_unknown(struct collab_peer *peer)
{
	WRITE_ONCE(peer->routes_known, false);
}

/* And it went down, under peer->lock. */
void collab_peer_link_down(struct collab_peer *peer)
{
	WRITE_ONCE(peer->state, COLLAB_PEER_DOWN);
	peer->down_since = jiffies;
	collab_obj_add(peer->cn, COLLAB_OBJ_PEERS_UP, -1);
	collab_nl_peer_event(peer, COLLAB_CMD_PEER_DOWN);
	collab_reach_peer_down(peer);
}

/* In process context, once @peer is off the table. */
static void peer_kill(struct collab_net *cn, struct collab_peer *peer)
{
	spin_lock_bh(&peer->lock);
	peer->dead = true;
	RCU_INIT_POINTER(peer->bearer, NULL);
	spin_unlock_bh(&peer->lock);
	/* Senders waiting for room see it dead. */
	wake_up_interruptible_all(&peer->store_wait);

	collab_link_destroy(peer);
	cancel_work_sync(&peer->work);
	collab_route_peer_gone(cn, peer);
	collab_reach_peer_gone(peer);
	/* Nothing transmits through the route cache any more. */
	synchronize_net();
	dst_cache_destroy(&peer->dst_cache);
	collab_peer_put(peer);
}

static void peer_unlink(struct collab_net *cn, struct collab_peer *peer)
{
	lockdep_assert_held(&cn->peers_lock);
	rhashtable_remove_fast(&cn->peers, &peer->node, peer_params);
	list_del_rcu(&peer->all_node);
	collab_obj_add(cn, COLLAB_OBJ_PEERS, -1);
}

int collab_peer_remove(struct collab_net *cn, const struct collab_guid *id)
{
	struct collab_peer *peer;

	spin_lock_bh(&cn->peers_lock);
	peer = rhashtable_lookup_fast(&cn->peers, id, peer_params);
	if (!peer) {
		spin_unlock_bh(&cn->peers_lock);
		return -ENOENT;
	}
	peer_unlink(cn, peer);
	spin_unlock_bh(&cn->peers_lock);

	collab_static_del(cn, &peer->addr);
	peer_kill(cn, peer);
	return 0;
}

/* The static peer at @sa, and every peer heard from there. */
int collab_peer_remove_addr(struct collab_net *cn,
			    const union collab_sockaddr *sa)
{
	bool found = collab_static_del(cn, sa);
	struct collab_peer *peer, *victim;

	for (;;) {
		victim = NULL;
		spin_lock_bh(&cn->peers_lock);
		list_for_each_entry(peer, &cn->all_peers, all_node) {
			if (collab_sockaddr_equal(&peer->addr, sa)) {
				victim = peer;
				peer_unlink(cn, peer);
				break;
			}
		}
		spin_unlock_bh(&cn->peers_lock);
		if (!victim)
			break;
		peer_kill(cn, victim);
		found = true;
	}
	return found ? 0 : -ENOENT;
}

void collab_peers_destroy(struct collab_net *cn)
{
	struct collab_peer *peer;

	for (;;) {
		spin_lock_bh(&cn->peers_lock);
		peer = list_first_entry_or_null(&cn->all_peers,
						struct collab_peer, all_node);
		if (peer)
			peer_unlink(cn, peer);
		spin_unlock_bh(&cn->peers_lock);
		if (!peer)
			break;
		peer_kill(cn, peer);
	}
	collab_reach_destroy(cn);
	collab_route_destroy(cn);
	rhashtable_destroy(&cn->peers);
}

/*
 * In process context: the peers whose link never came up within
 * COLLAB_PEER_NEW_TOLERANCES tolerances of their making go, a few at a
 * time; static ones, and those holding messages, stay.
 */
void collab_peers_expire(struct collab_net *cn)
{
	unsigned long age = COLLAB_PEER_NEW_TOLERANCES *
			    msecs_to_jiffies(READ_ONCE(cn->tolerance_ms));
	struct collab_guid ids[8];
	struct collab_peer *peer;
	unsigned int n = 0, i;

	rcu_read_lock();
	list_for_each_entry_rcu(peer, &cn->all_peers, all_node) {
		spin_lock_bh(&peer->lock);
		if (!peer->link_ups && !(peer->flags & COLLAB_PEER_STATIC) &&
		    !collab_link_stored(peer) &&
		    time_after(jiffies, peer->created + age))
			ids[n++] = peer->id;
		spin_unlock_bh(&peer->lock);
		if (n == ARRAY_SIZE(ids))
			break;
	}
	rcu_read_unlock();
	for (i = 0; i < n; i++)
		if (!collab_peer_remove(cn, &ids[i]))
			collab_stat_inc(cn, COLLAB_STAT_PEERS_EXPIRED);
}

/* A bearer goes: the links over it go down until another path is heard. */
void collab_peers_bearer_gone(struct collab_net *cn, struct collab_bearer *b)
{
	struct collab_peer *peer;

	rcu_read_lock();
	list_for_each_entry_rcu(peer, &cn->all_peers, all_node) {
		spin_lock_bh(&peer->lock);
		if (rcu_access_pointer(peer->bearer) == b) {
			RCU_INIT_POINTER(peer->bearer, NULL);
			collab_link_down(peer);
		}
		spin_unlock_bh(&peer->lock);
	}
	rcu_read_unlock();
	synchronize_net();
}
