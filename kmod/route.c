// SPDX-License-Identifier: GPL-2.0
/*
 * collab: routing state between nodes.
 *
 * Outgoing: every change to the local tables (an instance bound or gone, a
 * session joined or left) becomes a route record, sequenced on the link to
 * every peer that has had its full sync; when a link comes up, a work item
 * sends RESET and the whole table. Records ride the reliable link, so they
 * arrive once and in order.
 *
 * Incoming: records are applied in softirq, in link order, under
 * collab_net.rlock; senders read the result under RCU. What a peer told us
 * lasts until a new sync replaces it or the peer is removed: a peer that
 * is down for a while keeps its instances, so that messages to them are
 * stored for it rather than refused. A sync replaces without a gap: RESET
 * marks what the peer told us stale, the records that follow restate what
 * still holds, and END sweeps the rest; a sender meanwhile finds every
 * instance that lives on.
 */
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "distant.h"
#include "frame.h"
#include "netlink.h"
#include "reach.h"
#include "route.h"
#include "table.h"

/* Unsent route records a store may hold at its tail before a full sync. */
#define ROUTE_TAIL_MIN	(64U << 10)

static const struct rhashtable_params rinst_params = {
	.key_len = sizeof(struct collab_guid),
	.key_offset = offsetof(struct collab_rinst, id),
	.head_offset = offsetof(struct collab_rinst, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params rsession_params = {
	.key_len = sizeof(struct collab_guid),
	.key_offset = offsetof(struct collab_rset, key),
	.head_offset = offsetof(struct collab_rset, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params rapp_params = {
	.key_len = COLLAB_APP_MAX,
	.key_offset = offsetof(struct collab_rset, key),
	.head_offset = offsetof(struct collab_rset, node),
	.automatic_shrinking = true,
};

int collab_route_init(struct collab_net *cn)
{
	int err;

	spin_lock_init(&cn->rlock);
	err = rhashtable_init(&cn->rinstances, &rinst_params);
	if (err)
		return err;
	err = rhashtable_init(&cn->rsessions, &rsession_params);
	if (err)
		goto err_destroy_rinstances;
	err = rhashtable_init(&cn->rapps, &rapp_params);
	if (err)
		goto err_destroy_rsessions;
	return 0;

err_destroy_rsessions:
	rhashtable_destroy(&cn->rsessions);
err_destroy_rinstances:
	rhashtable_destroy(&cn->rinstances);
	return err;
}

/* Every peer is gone by now, and with it every entry. */
void collab_route_destroy(struct collab_net *cn)
{
	rhashtable_destroy(&cn->rapps);
	rhashtable_destroy(&cn->rsessions);
	rhashtable_destroy(&cn->rinstances);
}

/* ---- incoming: what peers tell us, under rlock -------------------------- */

/*
 * What an instance or a membership costs its peer: the entry, its
 * reference in a set, and the set (shared by peers, charged to each).
 */
#define RINST_COST	(sizeof(struct collab_rinst) + \
			 sizeof(struct collab_rref) + sizeof(struct collab_rset))
#define RMEMBER_COST	(sizeof(struct collab_rmember) + \
			 sizeof(struct collab_rref) + sizeof(struct collab_rset))

/* -ENOSPC when @peer, or all peers, would pass their budget. */
static int charge(struct collab_net *cn, struct collab_peer *peer,
		  unsigned long bytes)
{
	if (peer->route_bytes + bytes > READ_ONCE(cn->route_peer_bytes) ||
	    cn->route_bytes + bytes > READ_ONCE(cn->route_net_bytes))
		return -ENOSPC;
	peer->route_bytes += bytes;
	WRITE_ONCE(cn->route_bytes, cn->route_bytes + bytes);
	return 0;
}

static void uncharge(struct collab_net *cn, struct collab_peer *peer,
		     unsigned long bytes)
{
	peer->route_bytes -= bytes;
	WRITE_ONCE(cn->route_bytes, cn->route_bytes - bytes);
}

/* 1: @peer is in the set now, and was not; 0: it was; -ENOMEM. */
static int rset_add(struct rhashtable *ht, const struct rhashtable_params p,
		    const void *key, struct collab_peer *peer)
{
	struct collab_rset *set;
	struct collab_rref *ref;

	set = rhashtable_lookup_fast(ht, key, p);
	if (!set) {
		set = kzalloc(sizeof(*set), GFP_ATOMIC);
		if (!set)
			return -ENOMEM;
		memcpy(set->key, key, p.key_len);
		INIT_LIST_HEAD(&set->refs);
		if (rhashtable_insert_fast(ht, &set->node, p)) {
			kfree(set);
			return -ENOMEM;
		}
	}
	list_for_each_entry(ref, &set->refs, node) {
		if (ref->peer == peer) {
			ref->count++;
			return 0;
		}
	}
	ref = kzalloc(sizeof(*ref), GFP_ATOMIC);
	if (!ref) {
		if (list_empty(&set->refs)) {
			rhashtable_remove_fast(ht, &set->node, p);
			kfree_rcu(set, rcu);
		}
		return -ENOMEM;
	}
	ref->peer = peer;
	ref->count = 1;
	list_add_tail_rcu(&ref->node, &set->refs);
	return 1;
}

/* Whether @peer is no longer in the set. */
static bool rset_del(struct rhashtable *ht, const struct rhashtable_params p,
		     const void *key, struct collab_peer *peer)
{
	struct collab_rset *set;
	struct collab_rref *ref;
	bool gone = false;

	set = rhashtable_lookup_fast(ht, key, p);
	if (!set)
		return false;
	list_for_each_entry(ref, &set->refs, node) {
		if (ref->peer != peer)
			continue;
		if (--ref->count)
			return false;
		list_del_rcu(&ref->node);
		kfree_rcu(ref, rcu);
		gone = true;
		break;
	}
	if (list_empty(&set->refs)) {
		rhashtable_remove_fast(ht, &set->node, p);
		kfree_rcu(set, rcu);
	}
	return gone;
}

static struct collab_rmember *rmember_find(struct collab_rinst *ri,
					   const struct collab_guid *sid)
{
	struct collab_rmember *m;

	list_for_each_entry(m, &ri->sessions, node)
		if (collab_guid_equal(&m->session, sid))
			return m;
	return NULL;
}

static void rmember_del(struct collab_net *cn, struct collab_rinst *ri,
			struct collab_rmember *m)
{
	struct collab_peer *peer = ri->peer;

	if (rset_del(&cn->rsessions, rsession_params, &m->session, peer))
		WRITE_ONCE(peer->nr_rsessions, peer->nr_rsessions - 1);
	list_del(&m->node);
	ri->nr_sessions--;
	uncharge(cn, ri->peer, RMEMBER_COST);
	kfree(m);
}

static void rinst_del(struct collab_net *cn, struct collab_rinst *ri)
{
	struct collab_rmember *m, *tmp;

	list_for_each_entry_safe(m, tmp, &ri->sessions, node)
		rmember_del(cn, ri, m);
	rset_del(&cn->rapps, rapp_params, ri->app, ri->peer);
	rhashtable_remove_fast(&cn->rinstances, &ri->node, rinst_params);
	list_del(&ri->peer_node);
	WRITE_ONCE(ri->peer->nr_rinstances, ri->peer->nr_rinstances - 1);
	collab_obj_add(cn, COLLAB_OBJ_REMOTE_INSTANCES, -1);
	uncharge(cn, ri->peer, RINST_COST);
	kfree_rcu(ri, rcu);
}

static void peer_reset(struct collab_net *cn, struct collab_peer *peer)
{
	struct collab_rinst *ri, *tmp;

	list_for_each_entry_safe(ri, tmp, &peer->rinstances, peer_node)
		rinst_del(cn, ri);
}

/* RESET: all the peer told us is stale until restated. */
static void peer_mark(struct collab_peer *peer)
{
	struct collab_rmember *m;
	struct collab_rinst *ri;

	list_for_each_entry(ri, &peer->rinstances, peer_node) {
		ri->stale = true;
		list_for_each_entry(m, &ri->sessions, node)
			m->stale = true;
	}
}

/* END: what the sync did not restate goes. */
static void peer_sweep(struct collab_net *cn, struct collab_peer *peer)
{
	struct collab_rmember *m, *mtmp;
	struct collab_rinst *ri, *tmp;

	list_for_each_entry_safe(ri, tmp, &peer->rinstances, peer_node) {
		if (ri->stale) {
			rinst_del(cn, ri);
			continue;
		}
		list_for_each_entry_safe(m, mtmp, &ri->sessions, node)
			if (m->stale)
				rmember_del(cn, ri, m);
	}
}

/*
 * Instance r->id of @peer. A GUID that another peer announced, or that is
 * bound here, is refused (-EEXIST): the first owner keeps it.
 */
static int rinst_add(struct collab_net *cn, struct collab_peer *peer,
		     const struct collab_route_rec *r)
{
	struct collab_rinst *ri;
	bool taken;

	ri = rhashtable_lookup_fast(&cn->rinstances, &r->id, rinst_params);
	if (ri && ri->peer != peer)
		return -EEXIST;
	rcu_read_lock();
	taken = collab_find_instance(cn, &r->id);
	rcu_read_unlock();
	if (taken)
		return -EEXIST;
	if (ri) {
		if (!memcmp(ri->app, r->app, COLLAB_APP_MAX)) {
			ri->stale = false;
			return 0;
		}
		/* Its GUID was reused for another type: the latest wins. */
		rinst_del(cn, ri);
	}
	if (peer->nr_rinstances >= COLLAB_RINSTANCES_MAX ||
	    charge(cn, peer, RINST_COST))
		return -ENOSPC;
	ri = kzalloc(sizeof(*ri), GFP_ATOMIC);
	if (!ri)
		goto err_uncharge;
	ri->id = r->id;
	memcpy(ri->app, r->app, COLLAB_APP_MAX);
	ri->peer = peer;
	INIT_LIST_HEAD(&ri->sessions);
	if (rset_add(&cn->rapps, rapp_params, ri->app, peer) < 0)
		goto err_free;
	if (rhashtable_insert_fast(&cn->rinstances, &ri->node, rinst_params))
		goto err_del_app;
	list_add_tail(&ri->peer_node, &peer->rinstances);
	WRITE_ONCE(peer->nr_rinstances, peer->nr_rinstances + 1);
	collab_obj_add(cn, COLLAB_OBJ_REMOTE_INSTANCES, 1);
	return 0;

err_del_app:
	rset_del(&cn->rapps, rapp_params, ri->app, peer);
err_free:
	kfree(ri);
err_uncharge:
	uncharge(cn, peer, RINST_COST);
	return -ENOMEM;
}

static int rjoin(struct collab_net *cn, struct collab_rinst *ri,
		 const struct collab_guid *sid)
{
	struct collab_rmember *m;
	int ret;

	m = rmember_find(ri, sid);
	if (m) {
		m->stale = false;
		return 0;
	}
	if (ri->nr_sessions >= COLLAB_SESSIONS_MAX ||
	    charge(cn, ri->peer, RMEMBER_COST))
		return -ENOSPC;
	m = kzalloc(sizeof(*m), GFP_ATOMIC);
	if (!m)
		goto err_uncharge;
	m->session = *sid;
	ret = rset_add(&cn->rsessions, rsession_params, sid, ri->peer);
	if (ret < 0) {
		kfree(m);
		goto err_uncharge;
	}
	if (ret)
		WRITE_ONCE(ri->peer->nr_rsessions, ri->peer->nr_rsessions + 1);
	list_add_tail(&m->node, &ri->sessions);
	ri->nr_sessions++;
	return 0;

err_uncharge:
	uncharge(cn, ri->peer, RMEMBER_COST);
	return -ENOMEM;
}

/*
 * One record; a bad or unaffordable one is counted and skipped, one about
 * an instance the peer does not have here (withdrawn meanwhile) ignored.
 */
static int apply(struct collab_net *cn, struct collab_peer *peer,
		 const struct collab_route_rec *r)
{
	struct collab_rmember *m;
	struct collab_rinst *ri;

	if (!collab_wire_route_rec(r, sizeof(*r)))
		return -EINVAL;
	if (r->op == COLLAB_ROUTE_RESET) {
		peer_mark(peer);
		return 0;
	}
	if (r->op == COLLAB_ROUTE_END) {
		peer_sweep(cn, peer);
		WRITE_ONCE(peer->routes_known, true);
		return 0;
	}
	if (r->op == COLLAB_ROUTE_ADD)
		return rinst_add(cn, peer, r);

	ri = rhashtable_lookup_fast(&cn->rinstances, &r->id, rinst_params);
	if (!ri || ri->peer != peer)
		return 0;
	switch (r->op) {
	case COLLAB_ROUTE_DEL:
		rinst_del(cn, ri);
		break;
	case COLLAB_ROUTE_JOIN:
		return rjoin(cn, ri, &r->session);
	case COLLAB_ROUTE_LEAVE:
		m = rmember_find(ri, &r->session);
		if (m)
			rmember_del(cn, ri, m);
		break;
	}
	return 0;
}

/*
 * The counter of a route record, or a record of a distant node's table
 * (distant.c), refused with @err.
 */
enum collab_stat collab_rec_drop_stat(int err)
{
	switch (err) {
	case -EEXIST:
		return COLLAB_STAT_DROP_GUID_TAKEN;
	case -EINVAL:
		return COLLAB_STAT_DROP_MALFORMED;
	case -ESRCH:
		return COLLAB_STAT_DROP_DISTANT_STRAY;
	case -ENOSPC:
		return COLLAB_STAT_DROP_PEER_LIMIT;
	default:
		return COLLAB_STAT_DROP_NOMEM;
	}
}

/* A ROUTE packet, in link order; consumes @skb. Under peer->lock. */
void collab_route_rcv(struct collab_peer *peer, struct sk_buff *skb)
{
	int i, n = collab_wire_route(skb->len);
	struct collab_net *cn = peer->cn;
	const struct collab_route_rec *r;
	bool changed = false;
	int err;

	r = collab_link_recs(cn, skb, n);
	if (!r)
		goto out;
	spin_lock(&cn->rlock);
	for (i = 0; i < n; i++) {
		changed |= r[i].op != COLLAB_ROUTE_RESET;
		err = apply(cn, peer, &r[i]);
		if (!err)
			continue;
		collab_stat_inc(cn, collab_rec_drop_stat(err));
		if (err == -EEXIST)
			collab_nl_conflict_event(peer, &r[i].id, r[i].app);
	}
	spin_unlock(&cn->rlock);
	/* Nodes beyond this one hear of its instances through it. */
	if (changed && READ_ONCE(peer->routes_known))
		collab_distant_peer_changed(cn, &peer->id);
out:
	consume_skb(skb);
}

/*
 * Under RCU or collab_net.rlock: the peer that announced instance @id, or
 * NULL.
 */
struct collab_peer *collab_route_owner(struct collab_net *cn,
				       const struct collab_guid *id)
{
	struct collab_rinst *ri;

	ri = rhashtable_lookup(&cn->rinstances, id, rinst_params);
	return ri ? ri->peer : NULL;
}

static int join_cmp(const void *a, const void *b)
{
	const struct collab_distant_rec *x = a, *y = b;

	return memcmp(&x->id, &y->id, sizeof(x->id));
}

/* @r[0..@n), JOIN records of one node, sorted and each session once. */
static unsigned int joins_unique(struct collab_distant_rec *r, unsigned int n)
{
	unsigned int i, k = 0;

	sort(r, n, sizeof(*r), join_cmp, NULL);
	for (i = 0; i < n; i++)
		if (!k || !collab_guid_equal(&r[k - 1].id, &r[i].id))
			r[k++] = r[i];
	return k;
}

/*
 * The instances of @peer, as ADD records of a distant node's table
 * (distant.c), and the sessions they joined, as JOIN records, into @r:
 * how many; -ENODATA while the peer has not told all it has; -ENOSPC
 * when @max is short of @need.
 */
int collab_route_table(struct collab_net *cn, struct collab_peer *peer,
		       struct collab_distant_rec *r, unsigned int max,
		       unsigned int *need)
{
	unsigned int n = 0, joins = 0, count;
	struct collab_rmember *m;
	struct collab_rinst *ri;

	spin_lock_bh(&cn->rlock);
	if (!READ_ONCE(peer->routes_known)) {
		spin_unlock_bh(&cn->rlock);
		return -ENODATA;
	}
	count = peer->nr_rinstances;
	list_for_each_entry(ri, &peer->rinstances, peer_node)
		count += ri->nr_sessions;
	if (count > max) {
		spin_unlock_bh(&cn->rlock);
		*need = count;
		return -ENOSPC;
	}
	list_for_each_entry(ri, &peer->rinstances, peer_node)
		collab_distant_rec_set(&r[n++], COLLAB_DISTANT_ADD, &peer->id,
				       &ri->id, ri->app);
	list_for_each_entry(ri, &peer->rinstances, peer_node)
		list_for_each_entry(m, &ri->sessions, node)
			collab_distant_rec_set(&r[n + joins++],
					       COLLAB_DISTANT_JOIN, &peer->id,
					       &m->session, NULL);
	spin_unlock_bh(&cn->rlock);
	return n + joins_unique(r + n, joins);
}

/* The peer is off the table: withdraw all it told us. */
void collab_route_peer_gone(struct collab_net *cn, struct collab_peer *peer)
{
	spin_lock_bh(&cn->rlock);
	peer_reset(cn, peer);
	spin_unlock_bh(&cn->rlock);
}

/* ---- outgoing: what we tell peers --------------------------------------- */

/* Route records packed into link packets. */
struct rec_batch {
	struct sk_buff_head q;
	struct sk_buff *cur;
	unsigned int room;	/* bytes of records per packet */
	gfp_t gfp;
};

static void batch_init(struct rec_batch *b, unsigned int mss, gfp_t gfp)
{
	__skb_queue_head_init(&b->q);
	b->cur = NULL;
	b->room = max_t(unsigned int, mss / sizeof(struct collab_route_rec), 1) *
		  sizeof(struct collab_route_rec);
	b->gfp = gfp;
}

static int batch_add(struct rec_batch *b, u8 op, const struct collab_guid *id,
		     const struct collab_guid *sid, const char *app)
{
	struct collab_route_rec *r;

	if (!b->cur || b->cur->len + sizeof(*r) > b->room) {
		b->cur = collab_link_alloc(b->room, b->gfp);
		if (!b->cur)
			return -ENOMEM;
		collab_tx_cb(b->cur)->type = COLLAB_LINK_ROUTE;
		collab_tx_cb(b->cur)->flags = 0;
		__skb_queue_tail(&b->q, b->cur);
	}
	r = skb_put_zero(b->cur, sizeof(*r));
	r->op = op;
	if (id)
		r->id = *id;
	if (sid)
		r->session = *sid;
	if (app)
		memcpy(r->app, app, COLLAB_APP_MAX);
	return 0;
}

/*
 * RESET, every instance and membership of this node, END: in @peer's
 * store, behind what waits there, or with @restate in place of the
 * unsent records at its tail, which it restates. The sync that follows a
 * link coming up only goes behind: replacing there lost an instance of
 * the peer's view now and then (hosts.sh resync, 2 runs in 10).
 */
static int sync_full(struct collab_net *cn, struct collab_peer *peer,
		     bool restate)
{
	struct collab_member *m;
	struct collab_sock *cs;
	struct rec_batch b;
	struct sk_buff *skb;
	int err;

	lockdep_assert_held(&cn->lock);
	batch_init(&b, collab_link_mss(peer), GFP_KERNEL);
	err = batch_add(&b, COLLAB_ROUTE_RESET, NULL, NULL, NULL);
	list_for_each_entry(cs, &cn->all_instances, all_node) {
		if (err)
			break;
		err = batch_add(&b, COLLAB_ROUTE_ADD, &cs->id, NULL, cs->app);
		list_for_each_entry(m, &cs->memberships, sock_node) {
			if (err)
				break;
			err = batch_add(&b, COLLAB_ROUTE_JOIN, &cs->id,
					&m->session->id, NULL);
		}
	}
	if (!err)
		err = batch_add(&b, COLLAB_ROUTE_END, NULL, NULL, NULL);
	if (err) {
		__skb_queue_purge(&b.q);
		collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
		return err;
	}
	peer->sync_bytes = 0;
	skb_queue_walk(&b.q, skb)
		peer->sync_bytes += skb->len;
	return restate ? collab_link_restate(peer, &b.q) :
	       collab_link_enqueue(peer, &b.q, 0);
}

void collab_route_work(struct work_struct *work)
{
	struct collab_peer *peer = container_of(work, struct collab_peer, work);
	struct collab_net *cn = peer->cn;
	unsigned int gen;
	bool up;

	mutex_lock(&cn->lock);
	spin_lock_bh(&peer->lock);
	gen = peer->link_gen;
	up = peer->state == COLLAB_PEER_UP && !peer->dead;
	spin_unlock_bh(&peer->lock);
	if (up && gen != peer->synced_gen && !sync_full(cn, peer, false)) {
		peer->synced_gen = gen;
		peer->routes_synced = true;
	}
	mutex_unlock(&cn->lock);
}

/*
 * A change to the local tables, for every peer that had its full sync
 * (the others get it in theirs), its link up or not: in the store, it
 * goes before any message of the instance it tells of, as the peer
 * takes a message only from an instance it was told of. Records that
 * wait unsent at the tail of a store are bounded: past twice what a full
 * sync takes (and ROUTE_TAIL_MIN), a full sync replaces them, so a peer
 * that is down while instances come and go costs no more than its
 * table. Under collab_net.lock.
 */
void collab_route_announce(struct collab_net *cn, u8 op,
			   const struct collab_sock *cs,
			   const struct collab_guid *session)
{
	struct collab_route_rec r = { .op = op, .id = cs->id };
	struct collab_peer *peer;
	unsigned int limit;

	lockdep_assert_held(&cn->lock);
	if (session)
		r.session = *session;
	memcpy(r.app, cs->app, COLLAB_APP_MAX);
	cn->announce_gen++;
again:
	rcu_read_lock();
	list_for_each_entry_rcu(peer, &cn->all_peers, all_node) {
		if (!peer->routes_synced || peer->announced == cn->announce_gen)
			continue;
		peer->announced = cn->announce_gen;
		limit = max_t(unsigned int, ROUTE_TAIL_MIN,
			      2 * peer->sync_bytes);
		if (collab_link_route_rec(peer, &r, sizeof(r), limit) >= 0 ||
		    !refcount_inc_not_zero(&peer->ref))
			continue;
		rcu_read_unlock();
		/* The table includes this change already. */
		sync_full(cn, peer, true);
		collab_peer_put(peer);
		goto again;
	}
	rcu_read_unlock();
}

/* ---- the peers a message goes to ---------------------------------------- */

void collab_rtargets_add(struct collab_rtargets *t, struct collab_peer *peer)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->peer[i] == peer)
			return;
	if (t->n < t->max && refcount_inc_not_zero(&peer->ref))
		t->peer[t->n++] = peer;
}

static void rtargets_add_set(struct collab_rtargets *t, struct collab_rset *set)
{
	struct collab_rref *ref;

	if (!set)
		return;
	list_for_each_entry_rcu(ref, &set->refs, node)
		collab_rtargets_add(t, ref->peer);
}

static void rtargets_add_node(struct collab_net *cn, struct collab_rtargets *t,
			      const struct collab_guid *node)
{
	struct collab_peer *peer;

	if (collab_node_is_local(cn, node))
		return;
	/* A node that is no peer is reached through one. */
	peer = collab_next_hop(cn, node);
	if (peer) {
		collab_rtargets_add(t, peer);
		collab_peer_put(peer);
	}
}

static bool rset_has(struct collab_rset *set, const struct collab_peer *peer)
{
	struct collab_rref *ref;

	if (set)
		list_for_each_entry_rcu(ref, &set->refs, node)
			if (ref->peer == peer)
				return true;
	return false;
}

/*
 * Under RCU: the peers with members of a session message's session, or
 * with instances of a broadcast's type; NULL for a broadcast to all.
 */
static struct collab_rset *fanout_set(struct collab_net *cn,
				      const struct collab_frame *f)
{
	if (f->dst_kind == COLLAB_ADDR_SESSION)
		return rhashtable_lookup(&cn->rsessions, &f->dst_id,
					 rsession_params);
	if (f->dst_app[0])
		return rhashtable_lookup(&cn->rapps, f->dst_app, rapp_params);
	return NULL;
}

/*
 * Under RCU: whether @peer has instances that the session or broadcast
 * message @f is for.
 */
bool collab_route_wants(struct collab_net *cn, const struct collab_frame *f,
			const struct collab_peer *peer)
{
	if (f->dst_kind == COLLAB_ADDR_SESSION || f->dst_app[0])
		return rset_has(fanout_set(cn, f), peer);
	return READ_ONCE(peer->nr_rinstances);
}

/* The peers through which other nodes reach this one: see relay.c. */
static void rtargets_add_kids(struct collab_net *cn, struct collab_rtargets *t)
{
	struct collab_peer *peer;

	list_for_each_entry_rcu(peer, &cn->all_peers, all_node)
		if (READ_ONCE(peer->reach_kids))
			collab_rtargets_add(t, peer);
}

static void collect_rcu(struct collab_net *cn, const struct collab_frame *f,
			struct collab_rtargets *t)
{
	struct collab_peer *peer;
	struct collab_rinst *ri;

	switch (f->dst_kind) {
	case COLLAB_ADDR_GUID:
		ri = rhashtable_lookup(&cn->rinstances, &f->dst_id, rinst_params);
		if (ri) {
			t->owner = true;
			t->node = ri->peer->id;
			collab_rtargets_add(t, ri->peer);
		} else if (collab_distant_owner(cn, &f->dst_id, &t->node)) {
			/* A node beyond the peers has it (distant.c). */
			t->owner = true;
			rtargets_add_node(cn, t, &t->node);
		} else {
			rtargets_add_node(cn, t, &f->dst_node);
		}
		break;
	case COLLAB_ADDR_APP:
		rtargets_add_node(cn, t, &f->dst_node);
		break;
	case COLLAB_ADDR_SESSION:
	case COLLAB_ADDR_BROADCAST:
		if (f->dst_kind == COLLAB_ADDR_SESSION || f->dst_app[0])
			rtargets_add_set(t, fanout_set(cn, f));
		else
			list_for_each_entry_rcu(peer, &cn->all_peers, all_node)
				if (READ_ONCE(peer->nr_rinstances))
					collab_rtargets_add(t, peer);
		rtargets_add_kids(cn, t);
		break;
	}
}

/*
 * Room in @t for @count peers, with none in it yet; release with
 * collab_rtargets_release().
 */
int collab_rtargets_reserve(struct collab_rtargets *t, unsigned int count,
			    gfp_t gfp)
{
	t->n = 0;
	t->owner = false;
	t->max = ARRAY_SIZE(t->inline_peer);
	t->peer = t->inline_peer;
	if (count > t->max) {
		t->peer = kmalloc_array(count, sizeof(*t->peer), gfp);
		if (!t->peer) {
			t->peer = t->inline_peer;
			return -ENOMEM;
		}
		t->max = count;
	}
	return 0;
}

/* The peers @f goes to, each held; release with collab_rtargets_release. */
int collab_route_collect(struct collab_net *cn, const struct collab_frame *f,
			 struct collab_rtargets *t, gfp_t gfp)
{
	unsigned int count = atomic_read(&cn->objects[COLLAB_OBJ_PEERS]);
	int err = collab_rtargets_reserve(t, count, gfp);

	if (err)
		return err;
	rcu_read_lock();
	collect_rcu(cn, f, t);
	rcu_read_unlock();
	return 0;
}

void collab_rtargets_release(struct collab_rtargets *t)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		collab_peer_put(t->peer[i]);
	if (t->peer != t->inline_peer)
		kfree(t->peer);
}
