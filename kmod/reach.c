// SPDX-License-Identifier: GPL-2.0
/*
 * collab: reachability of nodes beyond the peers.
 *
 * Each node tells its peers, in REACH records on the reliable link, every
 * node it reaches: the node's id and name, the node's sequence number
 * that the route carries, and its cost in links (0 for itself). A node
 * keeps what each peer offers (collab_radv) and selects, per node, the
 * cheapest offer that is feasible; it tells its peers of that route, or
 * that it has none (COLLAB_METRIC_INF).
 *
 * Loops. As in Babel (RFC 8966, 3.5), each node remembers per node the
 * best (seqno, metric) it ever told its peers: its feasibility distance.
 * An offer is feasible when its seqno is newer, or the same with a
 * smaller metric. A node therefore only ever selects a peer that is
 * strictly closer to the destination than it was itself when it last
 * spoke, so the next hops form no cycle at any moment, whatever the
 * order in which updates arrive. A node whose routes all became
 * unfeasible asks, in a REQUEST that travels at most COLLAB_HOPS_MAX
 * links, for a newer seqno; the destination answers by increasing its
 * own, which makes every offer of the new number feasible again.
 *
 * Links are reliable and ordered, so an update is sent once, when the
 * route changes, and never again while the link stays up: there are no
 * periodic updates. When a link comes up, the whole table goes to the
 * peer, with a DUMP that asks for the peer's (which may have seen no
 * link go down, as when only this side timed out); when it goes down,
 * every offer of that peer is withdrawn here.
 * Changes are batched: a work item sends, per run, one set of records to
 * every peer. A node that does not relay (COLLAB_A_RELAY off) offers
 * only itself.
 *
 * Trees. The next hops towards a node make a tree rooted at it; turned
 * round, it is the tree along which the node's sessions and broadcasts
 * reach every other node once (relay.c). Each UPDATE says whether its
 * receiver is the sender's next hop to the node (PARENT), and whether
 * other nodes reach the node through the sender (KIDS), so that a node
 * knows its children in every tree and whether a child has any below
 * it. A child that changes parent is kept as one for PARTED_GRACE more,
 * and one whose link goes down for DOWN_GRACE (what this node passes
 * waits in the link's store), so that what its new parent passed on
 * before it heard of the change still reaches it; the copies it then
 * gets twice it drops by source node and msgid (collab_reach_seen()).
 *
 * Records come in softirq, under peer->lock; reach_lock nests inside it
 * and is never held while a peer's lock is taken.
 */
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "distant.h"
#include "reach.h"
#include "route.h"

/* Between two requests for the same node and seqno, at least. */
#define REQ_INTERVAL	HZ
/* How long a node that nobody offers is remembered, with its distance. */
#define RNODE_LINGER	(180 * HZ)
/* How long a child that changed parent still gets what this node passes. */
#define PARTED_GRACE	(2 * HZ)
/* And one whose link went down. */
#define DOWN_GRACE	(10 * HZ)
/* Message ids of a node, back from its newest, that duplicates are told by. */
#define SEEN_IDS	8192

struct collab_seen {
	u64 top;			/* the newest id */
	DECLARE_BITMAP(ids, SEEN_IDS);	/* by id % SEEN_IDS */
};

static const struct rhashtable_params rnode_params = {
	.key_len = sizeof(struct collab_guid),
	.key_offset = offsetof(struct collab_rnode, id),
	.head_offset = offsetof(struct collab_rnode, node),
	.automatic_shrinking = true,
};

static bool seqno_after(u32 a, u32 b)
{
	return (s32)(a - b) > 0;
}

int collab_reach_init(struct collab_net *cn)
{
	int err;

	spin_lock_init(&cn->reach_lock);
	INIT_LIST_HEAD(&cn->all_rnodes);
	INIT_LIST_HEAD(&cn->reach_dirty);
	INIT_WORK(&cn->reach_work, collab_reach_work);
	cn->relay = 1;
	/*
	 * A node that starts again starts from a seqno past any it had: its
	 * peers may remember the last.
	 */
	cn->reach_seqno = (u32)(ktime_get_real_seconds() << 4);
	err = collab_distant_init(cn);
	if (err)
		return err;
	err = rhashtable_init(&cn->rnodes, &rnode_params);
	if (err)
		collab_distant_destroy(cn);
	return err;
}

static void kick(struct collab_net *cn)
{
	cn->reach_kick = true;
}

static void mark_dirty(struct collab_net *cn, struct collab_rnode *rn)
{
	if (!rn->dirty) {
		rn->dirty = true;
		list_add_tail(&rn->dirty_node, &cn->reach_dirty);
	}
	kick(cn);
}

static struct collab_rnode *rnode_new(struct collab_net *cn,
				      const struct collab_guid *id)
{
	struct collab_rnode *rn;

	if (cn->nr_rnodes >= COLLAB_RNODES_MAX)
		return NULL;
	rn = kzalloc(sizeof(*rn), GFP_ATOMIC);
	if (!rn)
		return NULL;
	rn->id = *id;
	rn->metric = COLLAB_METRIC_INF;
	rn->fd_metric = COLLAB_METRIC_INF;
	rn->changed = jiffies;
	rn->seq = ++cn->rnode_seq;
	INIT_LIST_HEAD(&rn->advs);
	INIT_LIST_HEAD(&rn->dinsts);
	INIT_LIST_HEAD(&rn->dmembers);
	if (rhashtable_insert_fast(&cn->rnodes, &rn->node, rnode_params)) {
		kfree(rn);
		return NULL;
	}
	list_add_tail(&rn->all_node, &cn->all_rnodes);
	cn->nr_rnodes++;
	collab_obj_add(cn, COLLAB_OBJ_NODES, 1);
	return rn;
}

static void rnode_free(struct collab_net *cn, struct collab_rnode *rn)
{
	rhashtable_remove_fast(&cn->rnodes, &rn->node, rnode_params);
	list_del(&rn->all_node);
	if (rn->dirty)
		list_del(&rn->dirty_node);
	cn->nr_rnodes--;
	collab_obj_add(cn, COLLAB_OBJ_NODES, -1);
	collab_distant_forget(cn, rn);
	kfree(rn->seen);
	kfree_rcu(rn, rcu);
}

static struct collab_peer *via_of(struct collab_net *cn,
				  const struct collab_rnode *rn)
{
	return rcu_dereference_protected(rn->via,
					 lockdep_is_held(&cn->reach_lock));
}

/* Under reach_lock: the node @id, or NULL. */
struct collab_rnode *collab_rnode_find(struct collab_net *cn,
				       const struct collab_guid *id)
{
	lockdep_assert_held(&cn->reach_lock);
	return rhashtable_lookup_fast(&cn->rnodes, id, rnode_params);
}

/* Under reach_lock: the next hop to @rn, or NULL; not held. */
struct collab_peer *collab_rnode_via(struct collab_net *cn,
				     const struct collab_rnode *rn)
{
	return via_of(cn, rn);
}

static bool feasible(const struct collab_rnode *rn,
		     const struct collab_radv *adv)
{
	if (adv->metric == COLLAB_METRIC_INF)
		return false;
	if (rn->fd_metric == COLLAB_METRIC_INF)
		return true;
	return seqno_after(adv->seqno, rn->fd_seqno) ||
	       (adv->seqno == rn->fd_seqno && adv->metric < rn->fd_metric);
}

/* The cheapest feasible offer of a peer whose link is up, or NULL. */
static struct collab_radv *best_offer(struct collab_rnode *rn,
				      struct collab_peer *cur)
{
	struct collab_radv *adv, *best = NULL;

	list_for_each_entry(adv, &rn->advs, node) {
		if (READ_ONCE(adv->peer->state) != COLLAB_PEER_UP ||
		    !feasible(rn, adv))
			continue;
		if (!best || adv->metric < best->metric ||
		    (adv->metric == best->metric && adv->peer == cur))
			best = adv;
	}
	return best;
}

/* Ask the peers for a newer seqno of @rn, unless just asked. */
static void request(struct collab_net *cn, struct collab_rnode *rn, u32 seqno,
		    u8 hops)
{
	if (rn->req_seqno == seqno &&
	    time_before(jiffies, rn->req_at + REQ_INTERVAL))
		return;
	rn->req_seqno = seqno;
	rn->req_at = jiffies;
	rn->req_hops = hops;
	rn->req_pending = true;
	mark_dirty(cn, rn);
}

/* Select the best route to @rn again; tell the peers if it changed. */
static void reselect(struct collab_net *cn, struct collab_rnode *rn)
{
	struct collab_peer *cur = via_of(cn, rn);
	struct collab_radv *best = best_offer(rn, cur);
	struct collab_peer *via = best ? best->peer : NULL;
	u16 metric = best ? best->metric + 1 : COLLAB_METRIC_INF;
	u32 seqno = best ? best->seqno : rn->seqno;

	if (via != cur) {
		rcu_assign_pointer(rn->via, via);
		if (via)
			rcu_assign_pointer(rn->last, via);
		/* A peer again: its route records tell what it has. */
		if (via && collab_guid_equal(&via->id, &rn->id))
			collab_distant_forget(cn, rn);
		rn->changed = jiffies;
		collab_stat_inc(cn, COLLAB_STAT_ROUTE_CHANGES);
		/* The old next hop and the new hear where they stand. */
		mark_dirty(cn, rn);
		if (!cur || !via)
			collab_obj_add(cn, COLLAB_OBJ_NODES_REACHABLE,
				       via ? 1 : -1);
	}
	if (metric != rn->metric || seqno != rn->seqno) {
		WRITE_ONCE(rn->metric, metric);
		WRITE_ONCE(rn->seqno, seqno);
		mark_dirty(cn, rn);
	}
	if (metric != COLLAB_METRIC_INF &&
	    (rn->fd_metric == COLLAB_METRIC_INF ||
	     seqno_after(seqno, rn->fd_seqno) ||
	     (seqno == rn->fd_seqno && metric < rn->fd_metric))) {
		rn->fd_seqno = seqno;
		rn->fd_metric = metric;
	}
	/* Offered, but not feasibly: starved until the node says more. */
	if (!via && rn->nr_advs)
		request(cn, rn, rn->fd_seqno + 1, COLLAB_HOPS_MAX);
}

static struct collab_radv *offer_find(struct collab_rnode *rn,
				      struct collab_peer *peer)
{
	struct collab_radv *adv;

	list_for_each_entry(adv, &rn->advs, node)
		if (adv->peer == peer)
			return adv;
	return NULL;
}

static bool is_child(const struct collab_radv *adv)
{
	return (adv->flags & COLLAB_REACH_F_PARENT) ||
	       (adv->child_until && time_before(jiffies, adv->child_until));
}

/* Whether some peer reaches @rn through this node, or did just now. */
static bool has_kids(const struct collab_rnode *rn)
{
	const struct collab_radv *adv;

	list_for_each_entry(adv, &rn->advs, node)
		if (is_child(adv))
			return true;
	return false;
}

/* What this node tells its peers of @rn: whether it has children there. */
static bool kids_to_tell(struct collab_net *cn, const struct collab_rnode *rn)
{
	return READ_ONCE(cn->relay) && rn->metric != COLLAB_METRIC_INF &&
	       has_kids(rn);
}

/* The parent of this node towards @rn hears if that changed. */
static void kids_check(struct collab_net *cn, struct collab_rnode *rn)
{
	if (kids_to_tell(cn, rn) != rn->kids_told)
		mark_dirty(cn, rn);
}

static void offer_del(struct collab_radv *adv)
{
	list_del(&adv->node);
	list_del(&adv->peer_node);
	if (adv->metric != COLLAB_METRIC_INF)
		adv->rn->nr_advs--;
	adv->peer->nr_radvs--;
	kfree(adv);
}

static struct collab_radv *offer_new(struct collab_rnode *rn,
				     struct collab_peer *peer)
{
	struct collab_radv *adv;

	if (peer->nr_radvs >= COLLAB_RNODES_MAX)
		return NULL;
	adv = kzalloc(sizeof(*adv), GFP_ATOMIC);
	if (!adv)
		return NULL;
	adv->rn = rn;
	adv->peer = peer;
	list_add_tail(&adv->node, &rn->advs);
	list_add_tail(&adv->peer_node, &peer->radvs);
	rn->nr_advs++;
	peer->nr_radvs++;
	return adv;
}

/* This node's seqno goes to @seqno, if that is newer. */
static void self_bump(struct collab_net *cn, u32 seqno)
{
	if (seqno_after(seqno, cn->reach_seqno)) {
		cn->reach_seqno = seqno;
		cn->reach_self_dirty = true;
		kick(cn);
	}
}

/* UPDATE from @peer; -ENOSPC when no entry could be made for it. */
static int update(struct collab_net *cn, struct collab_peer *peer,
		  const struct collab_reach_rec *r, const struct collab_guid *self)
{
	u16 metric = be16_to_cpu(r->metric);
	u32 seqno = be32_to_cpu(r->seqno);
	struct collab_rnode *rn;
	struct collab_radv *adv;

	/* A peer remembers a seqno of ours from before we started again. */
	if (collab_guid_equal(&r->node, self)) {
		WRITE_ONCE(peer->reach_kids,
			   metric != COLLAB_METRIC_INF &&
			   (r->flags & COLLAB_REACH_F_KIDS));
		if (seqno_after(seqno, cn->reach_seqno))
			self_bump(cn, seqno + 1);
		return 0;
	}
	rn = rhashtable_lookup_fast(&cn->rnodes, &r->node, rnode_params);
	if (!rn && metric == COLLAB_METRIC_INF)
		return 0;
	if (!rn)
		rn = rnode_new(cn, &r->node);
	if (!rn)
		return -ENOSPC;
	adv = offer_find(rn, peer);
	if (metric == COLLAB_METRIC_INF) {
		if (adv)
			offer_del(adv);
		reselect(cn, rn);
		goto out;
	}
	if (!adv)
		adv = offer_new(rn, peer);
	if (!adv)
		return -ENOSPC;
	if (adv->metric == COLLAB_METRIC_INF)
		rn->nr_advs++;		/* a child whose link was down */
	if ((adv->flags & ~r->flags) & COLLAB_REACH_F_PARENT)
		adv->child_until = jiffies + PARTED_GRACE;
	/* A new child gets the node's instances (distant.c). */
	if ((r->flags & ~adv->flags) & COLLAB_REACH_F_PARENT) {
		adv->dinst_due = true;
		rn->dinst_send = true;
		collab_distant_kick(cn);
	}
	adv->flags = r->flags;
	adv->seqno = seqno;
	adv->metric = metric;
	reselect(cn, rn);
	/* The name of a node is what its route says; the peers hear it. */
	if (via_of(cn, rn) == peer &&
	    memcmp(rn->name, r->name, COLLAB_NODE_NAME_MAX)) {
		memcpy(rn->name, r->name, COLLAB_NODE_NAME_MAX);
		mark_dirty(cn, rn);
	}
out:
	kids_check(cn, rn);
	return 0;
}

/*
 * REQUEST from @peer: the node answers with a newer seqno; a node whose
 * route is recent enough tells it again; another passes the request on.
 */
static void request_rcv(struct collab_net *cn, struct collab_peer *peer,
			const struct collab_reach_rec *r,
			const struct collab_guid *self)
{
	u32 seqno = be32_to_cpu(r->seqno);
	u16 hops = be16_to_cpu(r->metric);
	struct collab_rnode *rn;

	if (collab_guid_equal(&r->node, self)) {
		self_bump(cn, seqno);
		return;
	}
	rn = rhashtable_lookup_fast(&cn->rnodes, &r->node, rnode_params);
	if (!rn)
		return;
	if (rn->metric != COLLAB_METRIC_INF && !seqno_after(seqno, rn->seqno))
		mark_dirty(cn, rn);
	else if (hops > 1)
		request(cn, rn, seqno, hops - 1);
}

/* A REACH packet, in link order; consumes @skb. Under peer->lock. */
void collab_reach_rcv(struct collab_peer *peer, struct sk_buff *skb)
{
	int i, n = collab_wire_reach(skb->len);
	struct collab_net *cn = peer->cn;
	const struct collab_reach_rec *r;
	struct collab_guid self;
	bool run, tables;

	r = collab_link_recs(cn, skb, n);
	if (!r)
		goto out;
	collab_node_id(cn, &self);
	spin_lock(&cn->reach_lock);
	for (i = 0; i < n; i++) {
		if (!collab_wire_reach_rec(&r[i], sizeof(r[i]))) {
			collab_stat_inc(cn, COLLAB_STAT_DROP_MALFORMED);
			continue;
		}
		if (r[i].op == COLLAB_REACH_REQUEST) {
			collab_stat_inc(cn, COLLAB_STAT_REACH_REQUESTS);
			request_rcv(cn, peer, &r[i], &self);
			continue;
		}
		if (r[i].op == COLLAB_REACH_DUMP) {
			peer->reach_full = true;
			kick(cn);
			continue;
		}
		collab_stat_inc(cn, COLLAB_STAT_REACH_UPDATES);
		if (update(cn, peer, &r[i], &self))
			collab_stat_inc(cn, COLLAB_STAT_DROP_PEER_LIMIT);
	}
	run = cn->reach_kick;
	tables = cn->dinst_kick;
	spin_unlock(&cn->reach_lock);
	if (run)
		schedule_work(&cn->reach_work);
	if (tables)
		schedule_work(&cn->distant_work);
out:
	consume_skb(skb);
}

/*
 * The link to @peer came up: it gets the whole table, and is asked for
 * its own, since it may have seen no link go down while this node
 * withdrew what it offered. Under peer->lock.
 */
void collab_reach_peer_up(struct collab_peer *peer)
{
	struct collab_net *cn = peer->cn;

	spin_lock(&cn->reach_lock);
	peer->reach_full = true;
	peer->reach_ask = true;
	kick(cn);
	spin_unlock(&cn->reach_lock);
	schedule_work(&cn->reach_work);
}

/*
 * Every route @peer offered is withdrawn. With @linger, where it was a
 * child, it stays one for DOWN_GRACE, no longer an offer.
 */
static void withdraw(struct collab_net *cn, struct collab_peer *peer,
		     bool linger)
{
	struct collab_radv *adv, *tmp;
	struct collab_rnode *rn;

	WRITE_ONCE(peer->reach_kids, false);
	list_for_each_entry_safe(adv, tmp, &peer->radvs, peer_node) {
		rn = adv->rn;
		if (linger && is_child(adv) &&
		    adv->metric != COLLAB_METRIC_INF) {
			adv->metric = COLLAB_METRIC_INF;
			adv->flags = 0;
			adv->child_until = jiffies + DOWN_GRACE;
			rn->nr_advs--;
		} else if (!linger || adv->metric != COLLAB_METRIC_INF) {
			offer_del(adv);
		}
		reselect(cn, rn);
		kids_check(cn, rn);
	}
}

/* The link to @peer went down, under peer->lock. */
void collab_reach_peer_down(struct collab_peer *peer)
{
	struct collab_net *cn = peer->cn;
	bool run;

	spin_lock(&cn->reach_lock);
	withdraw(cn, peer, true);
	run = cn->reach_kick;
	spin_unlock(&cn->reach_lock);
	if (run)
		schedule_work(&cn->reach_work);
}

/* @peer is off the table and dead: nothing points to it any more. */
void collab_reach_peer_gone(struct collab_peer *peer)
{
	struct collab_net *cn = peer->cn;

	struct collab_rnode *rn;

	spin_lock_bh(&cn->reach_lock);
	withdraw(cn, peer, false);
	list_for_each_entry(rn, &cn->all_rnodes, all_node)
		if (rcu_access_pointer(rn->last) == peer)
			RCU_INIT_POINTER(rn->last, NULL);
	spin_unlock_bh(&cn->reach_lock);
	schedule_work(&cn->reach_work);
}

/* This node's name or relaying changed: the peers hear it. */
void collab_reach_self_changed(struct collab_net *cn)
{
	struct collab_rnode *rn;

	spin_lock_bh(&cn->reach_lock);
	cn->reach_self_dirty = true;
	list_for_each_entry(rn, &cn->all_rnodes, all_node)
		mark_dirty(cn, rn);
	spin_unlock_bh(&cn->reach_lock);
	schedule_work(&cn->reach_work);
}

/* Children of @rn past their grace are children no more. */
static void prune(struct collab_net *cn, struct collab_rnode *rn)
{
	struct collab_radv *adv, *tmp;

	list_for_each_entry_safe(adv, tmp, &rn->advs, node)
		if (adv->metric == COLLAB_METRIC_INF && !is_child(adv))
			offer_del(adv);
	kids_check(cn, rn);
}

/*
 * Once a second, in process context: children past their grace go;
 * tables of instances that had to wait go now (distant.c); a node still
 * starved asks again (its request, or the answer, may have
 * crossed a link that went down); nodes that nobody has offered for
 * RNODE_LINGER go; what a run short of memory could not tell is tried
 * again.
 */
void collab_reach_expire(struct collab_net *cn)
{
	struct collab_rnode *rn, *tmp;
	bool run, tables;

	spin_lock_bh(&cn->reach_lock);
	list_for_each_entry_safe(rn, tmp, &cn->all_rnodes, all_node) {
		prune(cn, rn);
		/* A table that had to wait (distant.c). */
		if (rn->dinst_send)
			collab_distant_kick(cn);
		if (rcu_access_pointer(rn->via))
			continue;
		if (rn->nr_advs)
			request(cn, rn, rn->fd_seqno + 1, COLLAB_HOPS_MAX);
		else if (list_empty(&rn->advs) &&
			 time_after(jiffies, rn->changed + RNODE_LINGER))
			rnode_free(cn, rn);
	}
	run = cn->reach_kick;
	tables = cn->dinst_kick;
	spin_unlock_bh(&cn->reach_lock);
	if (run)
		schedule_work(&cn->reach_work);
	if (tables)
		schedule_work(&cn->distant_work);
}

/*
 * The peer a message for @node goes to, held, or NULL: the peer itself
 * if its link is up; else the best route's next hop; else the peer, to
 * be stored for while its link is down; else the last next hop there
 * was, to be stored for until a route is found again.
 */
struct collab_peer *collab_next_hop(struct collab_net *cn,
				    const struct collab_guid *node)
{
	struct collab_peer *peer = collab_peer_find(cn, node), *via = NULL;
	struct collab_rnode *rn;

	if (peer && READ_ONCE(peer->state) == COLLAB_PEER_UP)
		return peer;
	rcu_read_lock();
	rn = rhashtable_lookup(&cn->rnodes, node, rnode_params);
	if (rn)
		via = rcu_dereference(rn->via);
	if (rn && !via && !peer)
		via = rcu_dereference(rn->last);
	if (via && !refcount_inc_not_zero(&via->ref))
		via = NULL;
	rcu_read_unlock();
	if (!via)
		return peer;
	if (peer)
		collab_peer_put(peer);
	return via;
}

/*
 * In softirq, under RCU: the peers that a session or broadcast message
 * @f from @from goes on to, into @t (collab_rtargets_release() it). They
 * are this node's children in the tree of the message's source node that
 * want the message (route records say so) or have children of their own
 * there. -ENOMEM when @t could not hold them.
 */
int collab_reach_fanout(struct collab_net *cn, const struct collab_frame *f,
			const struct collab_peer *from,
			struct collab_rtargets *t)
{
	unsigned int count = 0;
	struct collab_rnode *rn;
	struct collab_radv *adv;
	int err = 0;

	collab_rtargets_reserve(t, 0, GFP_ATOMIC);
	spin_lock(&cn->reach_lock);
	rn = rhashtable_lookup(&cn->rnodes, &f->src_node, rnode_params);
	if (!rn)
		goto out;
	list_for_each_entry(adv, &rn->advs, node)
		count += adv->peer != from && is_child(adv);
	err = collab_rtargets_reserve(t, count, GFP_ATOMIC);
	if (err)
		goto out;
	list_for_each_entry(adv, &rn->advs, node) {
		if (adv->peer == from || !is_child(adv))
			continue;
		if ((adv->flags & COLLAB_REACH_F_KIDS) ||
		    collab_route_wants(cn, f, adv->peer))
			collab_rtargets_add(t, adv->peer);
	}
out:
	spin_unlock(&cn->reach_lock);
	return err;
}

/* Whether @id is in @s; it is from now on. */
static bool seen_test_set(struct collab_seen *s, u64 id)
{
	unsigned int from, to;

	if (id <= s->top) {
		/* Older than the window: taken, a copy or not. */
		if (s->top - id >= SEEN_IDS)
			return false;
		return __test_and_set_bit(id % SEEN_IDS, s->ids);
	}
	if (id - s->top >= SEEN_IDS) {
		bitmap_zero(s->ids, SEEN_IDS);
	} else {
		/* The ids the window moves past are forgotten. */
		from = (s->top + 1) % SEEN_IDS;
		to = id % SEEN_IDS;
		if (from <= to) {
			bitmap_clear(s->ids, from, to - from + 1);
		} else {
			bitmap_clear(s->ids, from, SEEN_IDS - from);
			bitmap_clear(s->ids, 0, to + 1);
		}
	}
	s->top = id;
	__set_bit(id % SEEN_IDS, s->ids);
	return false;
}

/*
 * Under reach_lock: the ids of @node's messages this node remembers,
 * made on first use; NULL for a node it does not know, or no memory.
 */
static struct collab_seen *node_seen(struct collab_net *cn,
				     const struct collab_guid *node)
{
	struct collab_rnode *rn;

	rn = rhashtable_lookup_fast(&cn->rnodes, node, rnode_params);
	if (rn && !rn->seen)
		rn->seen = kzalloc(sizeof(*rn->seen), GFP_ATOMIC);
	return rn ? rn->seen : NULL;
}

/*
 * In softirq: whether the session or broadcast message @msgid of @node
 * came already, by another way while the tree changed. A node this one
 * does not know, or no memory to remember it by, gives no.
 */
bool collab_reach_seen(struct collab_net *cn, const struct collab_guid *node,
		       u64 msgid)
{
	struct collab_seen *s;
	bool seen = false;

	spin_lock(&cn->reach_lock);
	s = node_seen(cn, node);
	if (s)
		seen = seen_test_set(s, msgid);
	spin_unlock(&cn->reach_lock);
	return seen;
}

/* Whether @id is within the window of @s, and in it. */
static bool seen_marked(const struct collab_seen *s, u64 id)
{
	return id <= s->top && s->top - id < SEEN_IDS &&
	       test_bit(id % SEEN_IDS, s->ids);
}

/* Whether @id is in @s, one older than the window counting as in. */
static bool seen_taken(const struct collab_seen *s, u64 id)
{
	return (id <= s->top && s->top - id >= SEEN_IDS) ||
	       seen_marked(s, id);
}

/*
 * In softirq: whether this node takes the kept message @msgid of @node
 * (kept.c), sent after message @prev (0: after none it has to wait for).
 * 0: it does, and remembers it. -EALREADY: it took it already. -EAGAIN:
 * it has not taken @prev. -ENOMEM: it cannot tell (nothing to remember
 * ids by, or no route back to @node).
 */
int collab_reach_kept(struct collab_net *cn, const struct collab_guid *node,
		      u64 msgid, u64 prev)
{
	struct collab_seen *s;
	int err = -ENOMEM;

	spin_lock(&cn->reach_lock);
	s = node_seen(cn, node);
	if (!s)
		goto out;
	err = -EALREADY;
	if (seen_marked(s, msgid))
		goto out;
	err = -EAGAIN;
	if (prev && !seen_taken(s, prev))
		goto out;
	seen_test_set(s, msgid);
	err = 0;
out:
	spin_unlock(&cn->reach_lock);
	return err;
}

/* The node created after @after (creation order), for dumps. */
int collab_reach_info(struct collab_net *cn, u64 after,
		      struct collab_reach_info *out)
{
	struct collab_rnode *rn, *found = NULL;
	struct collab_peer *via;

	spin_lock_bh(&cn->reach_lock);
	list_for_each_entry(rn, &cn->all_rnodes, all_node) {
		if (rn->seq > after) {
			found = rn;
			break;
		}
	}
	if (found) {
		via = via_of(cn, found);
		memset(out, 0, sizeof(*out));
		out->id = found->id;
		if (via)
			out->via = via->id;
		memcpy(out->name, found->name, COLLAB_NODE_NAME_MAX);
		out->seqno = found->seqno;
		out->metric = found->metric;
		out->age_ms = jiffies_to_msecs(jiffies - found->changed);
		out->offers = found->nr_advs;
		out->instances = found->nr_dinsts;
		out->sessions = found->nr_dmembers;
		if (via && collab_guid_equal(&via->id, &found->id)) {
			out->instances = READ_ONCE(via->nr_rinstances);
			out->sessions = READ_ONCE(via->nr_rsessions);
		}
		out->seq = found->seq;
	}
	spin_unlock_bh(&cn->reach_lock);
	return found ? 0 : -ENOENT;
}

/* ---- outgoing: what we tell peers -------------------------------------- */

/*
 * Records to tell, the same for every peer but for the PARENT flag: the
 * next hop of each, which is compared with the peer told and never
 * followed (the peers told are held while it is looked at).
 */
struct reach_batch {
	struct collab_reach_rec *r;
	const struct collab_peer **via;
	unsigned int n;
	unsigned int max;
};

static struct collab_reach_rec *batch_add(struct reach_batch *b, u8 op,
					  const struct collab_guid *id,
					  u32 seqno, u16 metric,
					  const char *name)
{
	struct collab_reach_rec *r = &b->r[b->n];

	b->via[b->n++] = NULL;
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->metric = cpu_to_be16(metric);
	r->seqno = cpu_to_be32(seqno);
	r->node = *id;
	if (name)
		strscpy(r->name, name, sizeof(r->name));
	return r;
}

/* What this node offers for @rn: nothing beyond itself unless it relays. */
static void batch_offer(struct collab_net *cn, struct reach_batch *b,
			struct collab_rnode *rn)
{
	bool relay = READ_ONCE(cn->relay);
	struct collab_reach_rec *r;

	r = batch_add(b, COLLAB_REACH_UPDATE, &rn->id, rn->seqno,
		      relay ? rn->metric : COLLAB_METRIC_INF, rn->name);
	rn->kids_told = kids_to_tell(cn, rn);
	if (rn->kids_told)
		r->flags |= COLLAB_REACH_F_KIDS;
	if (relay && rn->metric != COLLAB_METRIC_INF)
		b->via[b->n - 1] = via_of(cn, rn);
}

/*
 * Under reach_lock: the records of what changed since the last run (and
 * the requests to send), which are then told; or, with @full, the whole
 * table, for a peer whose link just came up. -EAGAIN when @b has no room
 * for a record of every node and a request each: nodes came meanwhile.
 */
static int collect(struct collab_net *cn, bool full, const char *name,
		   struct reach_batch *b)
{
	struct collab_rnode *rn, *tmp;
	struct collab_guid self;

	if (2 * cn->nr_rnodes + 1 > b->max)
		return -EAGAIN;
	b->n = 0;
	collab_node_id(cn, &self);
	if (full || cn->reach_self_dirty)
		batch_add(b, COLLAB_REACH_UPDATE, &self, cn->reach_seqno, 0,
			  name);
	if (full) {
		list_for_each_entry(rn, &cn->all_rnodes, all_node)
			if (rn->metric != COLLAB_METRIC_INF)
				batch_offer(cn, b, rn);
		return 0;
	}
	cn->reach_kick = false;
	cn->reach_self_dirty = false;
	list_for_each_entry_safe(rn, tmp, &cn->reach_dirty, dirty_node) {
		batch_offer(cn, b, rn);
		if (rn->req_pending)
			batch_add(b, COLLAB_REACH_REQUEST, &rn->id,
				  rn->req_seqno, rn->req_hops, NULL);
		rn->req_pending = false;
		rn->dirty = false;
		list_del(&rn->dirty_node);
	}
	return 0;
}

/*
 * collect(), into room made beforehand outside reach_lock, in process
 * context; the caller frees b->r with kvfree().
 */
static int collect_into(struct collab_net *cn, bool full, const char *name,
			struct reach_batch *b)
{
	int err;

	do {
		b->max = 2 * READ_ONCE(cn->nr_rnodes) + 1;
		b->r = kvmalloc_array(b->max, sizeof(*b->r) + sizeof(*b->via),
				      GFP_KERNEL);
		if (!b->r)
			return -ENOMEM;
		b->via = (const struct collab_peer **)(b->r + b->max);
		spin_lock_bh(&cn->reach_lock);
		err = collect(cn, full, name, b);
		spin_unlock_bh(&cn->reach_lock);
		if (err) {
			kvfree(b->r);
			b->r = NULL;
		}
	} while (err == -EAGAIN);
	return err;
}

/* The records of @b, in packets on @peer's link. */
static int send(struct collab_peer *peer, const struct reach_batch *b)
{
	unsigned int i;

	/* @peer learns which nodes it is this node's next hop to. */
	for (i = 0; i < b->n; i++) {
		b->r[i].flags &= ~COLLAB_REACH_F_PARENT;
		if (b->via[i] == peer)
			b->r[i].flags |= COLLAB_REACH_F_PARENT;
	}
	return collab_link_enqueue_recs(peer, COLLAB_LINK_REACH, b->r, b->n,
					sizeof(*b->r));
}

/* The peers whose link is up, each held; how many, or -ENOMEM. */
static int up_peers(struct collab_net *cn, struct collab_peer ***out)
{
	unsigned int max = atomic_read(&cn->objects[COLLAB_OBJ_PEERS]), n = 0;
	struct collab_peer *peer, **v;

	v = kmalloc_array(max ?: 1, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	rcu_read_lock();
	list_for_each_entry_rcu(peer, &cn->all_peers, all_node) {
		if (n == max)
			break;
		if (READ_ONCE(peer->state) == COLLAB_PEER_UP &&
		    refcount_inc_not_zero(&peer->ref))
			v[n++] = peer;
	}
	rcu_read_unlock();
	*out = v;
	return n;
}

/* A DUMP to @peer: it is asked for its whole table. */
static int ask(struct collab_net *cn, struct collab_peer *peer)
{
	struct collab_reach_rec r;
	const struct collab_peer *via = NULL;
	struct reach_batch b = { .r = &r, .via = &via, .max = 1 };
	struct collab_guid self;

	collab_node_id(cn, &self);
	batch_add(&b, COLLAB_REACH_DUMP, &self, 0, 0, NULL);
	return send(peer, &b);
}

/* To one peer: what changed, and all of it if its link just came up. */
static void tell(struct collab_net *cn, struct collab_peer *peer,
		 const struct reach_batch *delta, const char *name)
{
	struct reach_batch all = {};
	bool full, asks;
	int err;

	spin_lock_bh(&cn->reach_lock);
	full = peer->reach_full;
	asks = peer->reach_ask;
	peer->reach_full = false;
	peer->reach_ask = false;
	spin_unlock_bh(&cn->reach_lock);
	err = asks ? ask(cn, peer) : 0;
	if (!err && full)
		err = collect_into(cn, true, name, &all);
	if (!err && delta->n)
		err = send(peer, delta);
	if (!err && full)
		err = send(peer, &all);
	kvfree(all.r);
	if (err && err != -EHOSTUNREACH) {
		/* It gets the whole table at a run to come. */
		spin_lock_bh(&cn->reach_lock);
		peer->reach_full = true;
		peer->reach_ask |= asks;
		kick(cn);
		spin_unlock_bh(&cn->reach_lock);
		collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
	}
}

/* Tell every peer what changed, in one batch per peer. */
void collab_reach_work(struct work_struct *work)
{
	struct collab_net *cn = container_of(work, struct collab_net,
					     reach_work);
	char name[COLLAB_NODE_NAME_MAX];
	struct reach_batch delta = {};
	struct collab_peer **peers;
	int i, n, err;

	mutex_lock(&cn->lock);
	memcpy(name, cn->node_name, sizeof(name));
	mutex_unlock(&cn->lock);

	/*
	 * Short of memory, what is not told stays to tell (reach_kick, or
	 * the peer's reach_full, stays set): collab_reach_expire() runs this
	 * again within a second. Whatever changes meanwhile schedules it.
	 */
	n = up_peers(cn, &peers);
	if (n < 0) {
		collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
		return;
	}
	err = collect_into(cn, false, name, &delta);
	if (err)
		collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
	for (i = 0; i < n; i++) {
		if (!err)
			tell(cn, peers[i], &delta, name);
		collab_peer_put(peers[i]);
	}
	kfree(peers);
	kvfree(delta.r);
}

/* Every peer is gone: so is every offer. */
void collab_reach_destroy(struct collab_net *cn)
{
	struct collab_rnode *rn, *tmp;

	cancel_work_sync(&cn->reach_work);
	cancel_work_sync(&cn->distant_work);
	list_for_each_entry_safe(rn, tmp, &cn->all_rnodes, all_node) {
		WARN_ON_ONCE(rn->nr_advs);
		rnode_free(cn, rn);
	}
	rhashtable_destroy(&cn->rnodes);
	collab_distant_destroy(cn);
}
