// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the instances of nodes beyond the peers, and their sessions.
 *
 * A peer tells this node its own instances, and the sessions they
 * joined, in route records (route.c).
 * A node further away tells them to its peers the same way, and each of
 * them passes them on down the node's tree (reach.c): to each peer whose
 * next hop to the node it is (its children there). What passes on is
 * always a node's whole table, RESET, an ADD per instance, a JOIN per
 * session that any of them joined, END, in DISTANT records on the
 * reliable link:
 *  - to all children, when the table changed here (route records of the
 *    node itself, or a whole table from this node's own parent);
 *  - to a child that just became one.
 * A node takes a table only from its next hop to the table's node, so
 * what it has is what its parent had, and, down the tree, what the node
 * itself told its peers; a table that comes from elsewhere (a parent
 * that was, and has not heard yet) is dropped and counted. Tables in
 * flight coalesce: one work item sends what is due when it runs, so a
 * node whose instances come and go fast costs its tree one table per
 * run, not one per change. While a new table comes (after RESET), the
 * old one still answers lookups.
 *
 * A GUID sent to without a node goes to the node that has it
 * (deliver.c); the node a GUID belongs to is also how a relayed message
 * from it is checked (link_rx.c), and a GUID that a distant node has
 * cannot be bound here. What a node's table takes is bounded as a
 * peer's route table is: route_peer_bytes per node, route_net_bytes for
 * all distant nodes together, COLLAB_RINSTANCES_MAX instances and as
 * many sessions per node.
 *
 * Tables are applied in softirq under collab_net.reach_lock, in link
 * order; lookups take RCU.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "distant.h"
#include "frame.h"
#include "link.h"
#include "reach.h"
#include "route.h"
#include "table.h"

/* A child gets a node's table this often at most. */
#define TABLE_GAP	(HZ / 2)

static const struct rhashtable_params dinst_params = {
	.key_len = sizeof(struct collab_guid),
	.key_offset = offsetof(struct collab_dinst, id),
	.head_offset = offsetof(struct collab_dinst, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params dsession_params = {
	.key_len = sizeof(struct collab_guid),
	.key_offset = offsetof(struct collab_dsession, id),
	.head_offset = offsetof(struct collab_dsession, node),
	.automatic_shrinking = true,
};

/* What one entry of a node's table costs. */
#define DINST_COST	sizeof(struct collab_dinst)
#define DMEMBER_COST	(sizeof(struct collab_dmember) + \
			 sizeof(struct collab_dsession))

int collab_distant_init(struct collab_net *cn)
{
	int err;

	INIT_WORK(&cn->distant_work, collab_distant_work);
	err = rhashtable_init(&cn->dinstances, &dinst_params);
	if (err)
		return err;
	err = rhashtable_init(&cn->dsessions, &dsession_params);
	if (err)
		rhashtable_destroy(&cn->dinstances);
	return err;
}

/* Every node is forgotten by now, and with it every instance. */
void collab_distant_destroy(struct collab_net *cn)
{
	cancel_work_sync(&cn->distant_work);
	rhashtable_destroy(&cn->dsessions);
	rhashtable_destroy(&cn->dinstances);
}

void collab_distant_kick(struct collab_net *cn)
{
	cn->dinst_kick = true;
}

/* ---- incoming: a node's table from its parent, under reach_lock ------- */

static void dinst_del(struct collab_net *cn, struct collab_rnode *rn,
		      struct collab_dinst *d)
{
	rhashtable_remove_fast(&cn->dinstances, &d->node, dinst_params);
	list_del(&d->rn_node);
	rn->nr_dinsts--;
	collab_obj_add(cn, COLLAB_OBJ_DISTANT_INSTANCES, -1);
	kfree_rcu(d, rcu);
}

static void dmember_del(struct collab_net *cn, struct collab_rnode *rn,
			struct collab_dmember *m)
{
	struct collab_dsession *ds = m->ds;

	list_del_rcu(&m->ds_node);
	list_del(&m->rn_node);
	rn->nr_dmembers--;
	collab_obj_add(cn, COLLAB_OBJ_DISTANT_MEMBERSHIPS, -1);
	kfree_rcu(m, rcu);
	if (list_empty(&ds->members)) {
		rhashtable_remove_fast(&cn->dsessions, &ds->node,
				       dsession_params);
		kfree_rcu(ds, rcu);
	}
}

void collab_distant_forget(struct collab_net *cn, struct collab_rnode *rn)
{
	struct collab_dmember *m, *mtmp;
	struct collab_dinst *d, *tmp;

	list_for_each_entry_safe(d, tmp, &rn->dinsts, rn_node)
		dinst_del(cn, rn, d);
	list_for_each_entry_safe(m, mtmp, &rn->dmembers, rn_node)
		dmember_del(cn, rn, m);
	rn->dinst_reset = false;
	rn->dinst_have = false;
}

/*
 * Whether @id may be an instance of @rn's: bound here, or an instance of
 * a peer other than that node, it may not; nor one another distant node
 * has (the first keeps it).
 */
static bool dinst_free(struct collab_net *cn, const struct collab_rnode *rn,
		       const struct collab_guid *id)
{
	struct collab_peer *owner;
	bool ok;

	rcu_read_lock();
	owner = collab_route_owner(cn, id);
	ok = !collab_find_instance(cn, id) &&
	     (!owner || collab_guid_equal(&owner->id, &rn->id));
	rcu_read_unlock();
	return ok;
}

/* The memory that @rn's table, or every distant node's, takes. */
static unsigned long node_bytes(const struct collab_rnode *rn)
{
	return rn->nr_dinsts * DINST_COST + rn->nr_dmembers * DMEMBER_COST;
}

static unsigned long net_bytes(struct collab_net *cn)
{
	return atomic_read(&cn->objects[COLLAB_OBJ_DISTANT_INSTANCES]) *
	       DINST_COST +
	       atomic_read(&cn->objects[COLLAB_OBJ_DISTANT_MEMBERSHIPS]) *
	       DMEMBER_COST;
}

/* Whether @bytes more for @rn stay within the bounds. */
static bool affordable(struct collab_net *cn, const struct collab_rnode *rn,
		       unsigned long bytes)
{
	return node_bytes(rn) + bytes <= READ_ONCE(cn->route_peer_bytes) &&
	       net_bytes(cn) + bytes <= READ_ONCE(cn->route_net_bytes);
}

static int dinst_add(struct collab_net *cn, struct collab_rnode *rn,
		     const struct collab_distant_rec *r)
{
	struct collab_dinst *d;

	d = rhashtable_lookup_fast(&cn->dinstances, &r->id, dinst_params);
	if (d && !collab_guid_equal(&d->owner, &rn->id))
		return -EEXIST;
	if (!dinst_free(cn, rn, &r->id))
		return -EEXIST;
	if (d) {
		memcpy(d->app, r->app, COLLAB_APP_MAX);
		d->stale = false;
		return 0;
	}
	if (rn->nr_dinsts >= COLLAB_RINSTANCES_MAX ||
	    !affordable(cn, rn, DINST_COST))
		return -ENOSPC;
	d = kzalloc(sizeof(*d), GFP_ATOMIC);
	if (!d)
		return -ENOMEM;
	d->id = r->id;
	d->owner = rn->id;
	memcpy(d->app, r->app, COLLAB_APP_MAX);
	if (rhashtable_insert_fast(&cn->dinstances, &d->node, dinst_params)) {
		kfree(d);
		return -ENOMEM;
	}
	list_add_tail(&d->rn_node, &rn->dinsts);
	rn->nr_dinsts++;
	collab_obj_add(cn, COLLAB_OBJ_DISTANT_INSTANCES, 1);
	return 0;
}

/* Under reach_lock: @rn's entry in session @ds, or NULL. */
static struct collab_dmember *dmember_find(struct collab_dsession *ds,
					   const struct collab_rnode *rn)
{
	struct collab_dmember *m;

	list_for_each_entry(m, &ds->members, ds_node)
		if (collab_guid_equal(&m->node, &rn->id))
			return m;
	return NULL;
}

static int dmember_add(struct collab_net *cn, struct collab_rnode *rn,
		       const struct collab_guid *sid)
{
	struct collab_dsession *ds;
	struct collab_dmember *m;

	ds = rhashtable_lookup_fast(&cn->dsessions, sid, dsession_params);
	m = ds ? dmember_find(ds, rn) : NULL;
	if (m) {
		m->stale = false;
		return 0;
	}
	if (rn->nr_dmembers >= COLLAB_RINSTANCES_MAX ||
	    !affordable(cn, rn, DMEMBER_COST))
		return -ENOSPC;
	m = kzalloc(sizeof(*m), GFP_ATOMIC);
	if (!m)
		return -ENOMEM;
	if (!ds) {
		ds = kzalloc(sizeof(*ds), GFP_ATOMIC);
		if (!ds)
			goto err_free;
		ds->id = *sid;
		INIT_LIST_HEAD(&ds->members);
		if (rhashtable_insert_fast(&cn->dsessions, &ds->node,
					   dsession_params)) {
			kfree(ds);
			goto err_free;
		}
	}
	m->ds = ds;
	m->node = rn->id;
	list_add_tail_rcu(&m->ds_node, &ds->members);
	list_add_tail(&m->rn_node, &rn->dmembers);
	rn->nr_dmembers++;
	collab_obj_add(cn, COLLAB_OBJ_DISTANT_MEMBERSHIPS, 1);
	return 0;

err_free:
	kfree(m);
	return -ENOMEM;
}

/* Every child of @rn here gets its table again. */
static void due_all(struct collab_net *cn, struct collab_rnode *rn)
{
	struct collab_radv *adv;

	list_for_each_entry(adv, &rn->advs, node) {
		if (adv->flags & COLLAB_REACH_F_PARENT) {
			adv->dinst_due = true;
			rn->dinst_send = true;
			collab_distant_kick(cn);
		}
	}
}

/*
 * One record from @peer. -ESRCH: @peer is not this node's next hop to
 * the record's node, or the record is out of place.
 */
static int apply(struct collab_net *cn, struct collab_peer *peer,
		 const struct collab_distant_rec *r)
{
	struct collab_dinst *d, *tmp;
	struct collab_dmember *m, *mtmp;
	struct collab_rnode *rn;

	rn = collab_rnode_find(cn, &r->origin);
	if (!rn || collab_rnode_via(cn, rn) != peer ||
	    collab_guid_equal(&r->origin, &peer->id))
		return -ESRCH;
	switch (r->op) {
	case COLLAB_DISTANT_RESET:
		list_for_each_entry(d, &rn->dinsts, rn_node)
			d->stale = true;
		list_for_each_entry(m, &rn->dmembers, rn_node)
			m->stale = true;
		rn->dinst_reset = true;
		return 0;
	case COLLAB_DISTANT_ADD:
		return rn->dinst_reset ? dinst_add(cn, rn, r) : -ESRCH;
	case COLLAB_DISTANT_JOIN:
		return rn->dinst_reset ? dmember_add(cn, rn, &r->id) : -ESRCH;
	default:
		if (!rn->dinst_reset)
			return -ESRCH;
		list_for_each_entry_safe(d, tmp, &rn->dinsts, rn_node)
			if (d->stale)
				dinst_del(cn, rn, d);
		list_for_each_entry_safe(m, mtmp, &rn->dmembers, rn_node)
			if (m->stale)
				dmember_del(cn, rn, m);
		rn->dinst_reset = false;
		rn->dinst_have = true;
		due_all(cn, rn);
		return 0;
	}
}

/* A DISTANT packet, in link order; consumes @skb. Under peer->lock. */
void collab_distant_rcv(struct collab_peer *peer, struct sk_buff *skb)
{
	int i, err, n = collab_wire_distant(skb->len);
	struct collab_net *cn = peer->cn;
	const struct collab_distant_rec *r;
	bool run;

	r = collab_link_recs(cn, skb, n);
	if (!r)
		goto out;
	spin_lock(&cn->reach_lock);
	for (i = 0; i < n; i++) {
		err = collab_wire_distant_rec(&r[i], sizeof(r[i])) ?
		      apply(cn, peer, &r[i]) : -EINVAL;
		if (err)
			collab_stat_inc(cn, collab_rec_drop_stat(err));
	}
	run = cn->dinst_kick;
	spin_unlock(&cn->reach_lock);
	if (run)
		schedule_work(&cn->distant_work);
out:
	consume_skb(skb);
}

/*
 * The route records of peer @node changed its table: the children of
 * @node here get it. In softirq or process context.
 */
void collab_distant_peer_changed(struct collab_net *cn,
				 const struct collab_guid *node)
{
	struct collab_rnode *rn;
	bool run = false;

	spin_lock_bh(&cn->reach_lock);
	rn = collab_rnode_find(cn, node);
	if (rn) {
		due_all(cn, rn);
		run = cn->dinst_kick;
	}
	spin_unlock_bh(&cn->reach_lock);
	if (run)
		schedule_work(&cn->distant_work);
}

/* Under RCU: whether a distant node has @id, and which (@owner). */
bool collab_distant_owner(struct collab_net *cn, const struct collab_guid *id,
			  struct collab_guid *owner)
{
	struct collab_dinst *d;

	d = rhashtable_lookup(&cn->dinstances, id, dinst_params);
	if (d)
		*owner = d->owner;
	return d;
}

/* ---- outgoing: a node's table to its children -------------------------- */

/* One node's table, and the children it goes to. */
struct dist_job {
	u64 after;			/* the last node picked, by seq */
	struct collab_guid origin;
	struct collab_peer *src;	/* the node, a peer: its route table */
	struct collab_peer **kids;
	unsigned int nr_kids, max_kids;
	struct collab_distant_rec *r;
	unsigned int n, max;
};

/*
 * Record @op of @origin's table into @r: instance or session @id and
 * type @app, where the op has them (NULL: none).
 */
void collab_distant_rec_set(struct collab_distant_rec *r, u8 op,
			    const struct collab_guid *origin,
			    const struct collab_guid *id, const char *app)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->origin = *origin;
	if (id)
		r->id = *id;
	if (app)
		memcpy(r->app, app, COLLAB_APP_MAX);
}

/* Whether @adv is a child of its node here that is due to get its table. */
static bool due(const struct collab_radv *adv)
{
	return adv->dinst_due && (adv->flags & COLLAB_REACH_F_PARENT);
}

/*
 * Whether it gets it now: a child gets a node's table once per
 * TABLE_GAP at most (one that flips in and out of being a child costs
 * no more), and the next waits for collab_reach_expire().
 */
static bool due_now(const struct collab_radv *adv)
{
	return due(adv) &&
	       (!adv->dinst_at || time_after(jiffies, adv->dinst_at + TABLE_GAP));
}

/* Under reach_lock: @rn's children that are due now, each held. */
static void pick_kids(struct collab_rnode *rn, struct dist_job *j)
{
	struct collab_radv *adv;
	bool later = false;

	j->nr_kids = 0;
	list_for_each_entry(adv, &rn->advs, node) {
		if (due_now(adv) && refcount_inc_not_zero(&adv->peer->ref)) {
			j->kids[j->nr_kids++] = adv->peer;
			adv->dinst_at = jiffies ?: 1;
		} else if (due(adv)) {
			later = true;
			continue;
		}
		adv->dinst_due = false;
	}
	rn->dinst_send = later;
}

/*
 * Under reach_lock: the peer that @rn is, whose route table is @rn's,
 * if it is the next hop to @rn; or NULL.
 */
static struct collab_peer *table_peer(struct collab_net *cn,
				      const struct collab_rnode *rn)
{
	struct collab_peer *via = collab_rnode_via(cn, rn);

	return via && collab_guid_equal(&via->id, &rn->id) ? via : NULL;
}

/*
 * Under reach_lock: the next node after @j->after with a table due, its
 * children and either its table (RESET, ADDs, JOINs, END) or the peer whose
 * route table it is. A node whose table has not come here yet has
 * nothing to tell: its children get it when it comes. -ENOENT: no more
 * nodes; -EAGAIN: @j needs room for @j->max_kids children and @j->max
 * records, then try again.
 */
static int pick(struct collab_net *cn, struct dist_job *j)
{
	struct collab_rnode *rn = NULL, *it;
	struct collab_radv *adv;
	unsigned int kids = 0, recs;
	struct collab_dmember *m;
	struct collab_peer *via;
	struct collab_dinst *d;

	list_for_each_entry(it, &cn->all_rnodes, all_node) {
		if (it->seq <= j->after || !it->dinst_send)
			continue;
		if (!it->dinst_have && !table_peer(cn, it)) {
			it->dinst_send = false;
			continue;
		}
		rn = it;
		break;
	}
	if (!rn)
		return -ENOENT;
	list_for_each_entry(adv, &rn->advs, node)
		kids += due_now(adv);
	via = table_peer(cn, rn);
	recs = rn->nr_dinsts + rn->nr_dmembers + 2;
	if (kids > j->max_kids || (!via && recs > j->max)) {
		j->max_kids = max(kids, j->max_kids);
		j->max = max(recs, j->max);
		return -EAGAIN;
	}
	j->after = rn->seq;
	j->origin = rn->id;
	j->src = via && refcount_inc_not_zero(&via->ref) ? via : NULL;
	pick_kids(rn, j);
	j->n = 0;
	if (via)
		return 0;
	collab_distant_rec_set(&j->r[j->n++], COLLAB_DISTANT_RESET, &rn->id,
			       NULL, NULL);
	list_for_each_entry(d, &rn->dinsts, rn_node)
		collab_distant_rec_set(&j->r[j->n++], COLLAB_DISTANT_ADD,
				       &rn->id, &d->id, d->app);
	list_for_each_entry(m, &rn->dmembers, rn_node)
		collab_distant_rec_set(&j->r[j->n++], COLLAB_DISTANT_JOIN,
				       &rn->id, &m->ds->id, NULL);
	collab_distant_rec_set(&j->r[j->n++], COLLAB_DISTANT_END, &rn->id,
			       NULL, NULL);
	return 0;
}

/* Room in @j for what pick() asked; -ENOMEM. */
static int job_grow(struct dist_job *j)
{
	struct collab_peer **kids;
	struct collab_distant_rec *r;

	kids = krealloc_array(j->kids, max(j->max_kids, 1U), sizeof(*kids),
			      GFP_KERNEL);
	if (!kids)
		return -ENOMEM;
	j->kids = kids;
	r = kvmalloc_array(j->max, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	kvfree(j->r);
	j->r = r;
	return 0;
}

/* The route table of peer @j->src, as its node's table, into @j. */
static int fill_from_peer(struct collab_net *cn, struct dist_job *j)
{
	unsigned int need;
	int err;

	for (;;) {
		err = collab_route_table(cn, j->src, j->r + 1, j->max - 2,
					 &need);
		if (err != -ENOSPC)
			break;
		j->max = need + 2;
		err = job_grow(j);
		if (err)
			return err;
	}
	if (err < 0)
		return err;
	collab_distant_rec_set(&j->r[0], COLLAB_DISTANT_RESET, &j->origin,
			       NULL, NULL);
	j->n = err + 1;
	collab_distant_rec_set(&j->r[j->n++], COLLAB_DISTANT_END,
			       &j->origin, NULL, NULL);
	return 0;
}

/*
 * @peer, a child of @j's node, got no table after all: with @again, it
 * is due again, at a later run (collab_reach_expire() starts one within
 * a second); without, it has none to get yet (the node's own route
 * table is not all here), and gets it as soon as there is one.
 */
static void not_sent(struct collab_net *cn, const struct dist_job *j,
		     const struct collab_peer *peer, bool again)
{
	struct collab_radv *adv;
	struct collab_rnode *rn;

	spin_lock_bh(&cn->reach_lock);
	rn = collab_rnode_find(cn, &j->origin);
	if (rn) {
		list_for_each_entry(adv, &rn->advs, node) {
			if (adv->peer != peer ||
			    !(adv->flags & COLLAB_REACH_F_PARENT))
				continue;
			if (!again) {
				adv->dinst_at = 0;
				continue;
			}
			adv->dinst_due = true;
			rn->dinst_send = true;
		}
	}
	spin_unlock_bh(&cn->reach_lock);
}

/*
 * Whether the link to @peer holds more than a table's worth unsent or
 * unacknowledged: a table for it then waits, and the newest goes once
 * the link drains, so that a slow child costs no more than that.
 */
static bool backed_up(struct collab_net *cn, struct collab_peer *peer)
{
	return READ_ONCE(peer->link->stored_bytes) >
	       READ_ONCE(cn->route_peer_bytes);
}

/*
 * @j's table to its children, unless it could not be had (@err: a peer
 * whose table is not all here yet tells it at its END); those short of
 * memory, or backed up, are due again.
 */
static void send_all(struct collab_net *cn, struct dist_job *j, int err)
{
	struct collab_peer *kid;
	unsigned int i;
	int ret;

	for (i = 0; i < j->nr_kids; i++) {
		kid = j->kids[i];
		if (!err && backed_up(cn, kid))
			ret = -EBUSY;
		else
			ret = err ?: collab_link_enqueue_recs(kid,
					COLLAB_LINK_DISTANT, j->r, j->n,
					sizeof(*j->r));
		if (ret == -ENOMEM)
			collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
		if (ret && ret != -EHOSTUNREACH)
			not_sent(cn, j, kid, ret != -ENODATA);
		collab_peer_put(kid);
	}
}

/* Every table that is due, to the children it is due to. */
void collab_distant_work(struct work_struct *work)
{
	struct collab_net *cn = container_of(work, struct collab_net,
					     distant_work);
	struct dist_job j = { .max = 64, .max_kids = 4 };
	int err;

	if (job_grow(&j))
		goto out;
	for (;;) {
		spin_lock_bh(&cn->reach_lock);
		cn->dinst_kick = false;
		err = pick(cn, &j);
		spin_unlock_bh(&cn->reach_lock);
		if (err == -EAGAIN) {
			if (job_grow(&j))
				break;
			continue;
		}
		if (err)
			break;
		/* No records and no peer to take them from: a peer that went. */
		err = !j.nr_kids ? -ENODATA : j.src ? fill_from_peer(cn, &j) :
		      j.n ? 0 : -ENODATA;
		if (j.src)
			collab_peer_put(j.src);
		send_all(cn, &j, err);
	}
out:
	kfree(j.kids);
	kvfree(j.r);
}
