// SPDX-License-Identifier: GPL-2.0
/*
 * collab: activation. An administrator (collabd) registers application
 * types as activatable. A message for such a type that no instance takes,
 * from this node or from a peer, then waits rather than being refused: in
 * a request of its type (and session, for a type with one instance per
 * session), bounded in bytes and in time. The first message of a request
 * sends COLLAB_CMD_APP_ACTIVATE to the "activation" group; collabd starts
 * an instance, which binds the type (and joins the session) and gets the
 * waiting messages in order, before any newer one. When none comes in
 * time, the messages are refused: receipts tell their senders why.
 *
 * Order: while a request waits, a message for its type and session joins
 * it even if it found a receiver, and an instance is published (bound, or
 * joined to a session) under act_lock in the same stretch that hands it
 * the request's messages. A sender that found the instance therefore
 * either sees a request waiting (act_requests, read after the lookup) and
 * takes act_lock, behind the hand-over, or comes after it.
 *
 * Locking: act_lock (BH off) guards the requests and the types' settings;
 * it nests inside peer->lock (messages from a peer) and collab_net.lock
 * (bind and join), and the socket queue's lock nests inside it. Receipts
 * go out after it is dropped. The list of types is read under RCU and
 * changed under both collab_net.lock and act_lock.
 */
#include <linux/rculist.h>
#include <linux/slab.h>

#include "activation.h"
#include "deliver.h"
#include "frame.h"
#include "netlink.h"
#include "peer.h"
#include "reach.h"
#include "receipt.h"
#include "sock.h"

/* What a request's memory costs beside its messages. */
#define REQ_COST	sizeof(struct collab_act_req)

/* What a receipt for a message that waited must say, taken under act_lock. */
struct act_receipt {
	struct collab_guid node;
	struct collab_guid src_id;
	u64 msgid;
	bool kept;			/* its source keeps it until answered */
};

static void act_timer_fire(struct timer_list *timer);

void collab_act_init(struct collab_net *cn)
{
	spin_lock_init(&cn->act_lock);
	INIT_LIST_HEAD(&cn->act_types);
	atomic_set(&cn->act_requests, 0);
	cn->act_net_bytes = COLLAB_ACT_NET_BYTES;
	timer_setup(&cn->act_timer, act_timer_fire, 0);
}

/* Under RCU, act_lock or collab_net.lock. */
struct collab_act_type *collab_act_type_find(struct collab_net *cn,
					     const char *app)
{
	struct collab_act_type *t;

	list_for_each_entry_rcu(t, &cn->act_types, node,
				lockdep_is_held(&cn->act_lock) ||
				lockdep_is_held(&cn->lock))
		if (!memcmp(t->app, app, COLLAB_APP_MAX))
			return t;
	return NULL;
}

/* Whether @app is activatable with one instance for every session. */
bool collab_act_shared(struct collab_net *cn, const char *app)
{
	struct collab_act_type *t;
	bool shared;

	rcu_read_lock();
	t = collab_act_type_find(cn, app);
	shared = t && READ_ONCE(t->policy) == COLLAB_APP_SHARED;
	rcu_read_unlock();
	return shared;
}

/* The session a message of type @t waits in: all-zero for any. */
static void req_key(const struct collab_act_type *t,
		    const struct collab_frame *f, struct collab_guid *key)
{
	if (t->policy == COLLAB_APP_PER_SESSION)
		*key = f->session;
	else
		memset(key, 0, sizeof(*key));
}

static struct collab_act_req *req_find(struct collab_act_type *t,
				       const struct collab_guid *key)
{
	struct collab_act_req *r;

	list_for_each_entry(r, &t->requests, node)
		if (collab_guid_equal(&r->session, key))
			return r;
	return NULL;
}

static unsigned long req_deadline(const struct collab_act_type *t,
				  const struct collab_act_req *r)
{
	return r->created + msecs_to_jiffies(t->timeout_ms);
}

/* Whether @t, and the namespace, have room for @bytes more. */
static bool act_room(struct collab_net *cn, const struct collab_act_type *t,
		     unsigned int bytes)
{
	return t->held_bytes + bytes <= t->hold_bytes &&
	       cn->act_bytes + bytes <= READ_ONCE(cn->act_net_bytes);
}

static void act_charge(struct collab_net *cn, struct collab_act_type *t,
		       long bytes, int msgs)
{
	t->held_bytes += bytes;
	t->held_msgs += msgs;
	cn->act_bytes += bytes;
	collab_obj_add(cn, COLLAB_OBJ_ACT_WAITING, msgs);
}

/* A new request for the message with header @f, charged to @t. */
static struct collab_act_req *req_new(struct collab_net *cn,
				      struct collab_act_type *t,
				      const struct collab_frame *f)
{
	struct collab_act_req *r;

	if (!act_room(cn, t, REQ_COST))
		return ERR_PTR(-ENOBUFS);
	r = kzalloc(sizeof(*r), GFP_ATOMIC);
	if (!r)
		return ERR_PTR(-ENOBUFS);
	r->id = ++cn->act_last_id;
	req_key(t, f, &r->session);
	r->src_node = f->src_node;
	r->src_id = f->src_id;
	r->created = jiffies;
	__skb_queue_head_init(&r->msgs);
	list_add_tail(&r->node, &t->requests);
	act_charge(cn, t, REQ_COST, 0);
	atomic_inc(&cn->act_requests);
	return r;
}

/*
 * Take the request, with @n messages, off its type, with what it was
 * charged. What was done with its messages before is seen by a sender
 * that then finds no request waiting (collab_act_waiting()).
 */
static void req_detach(struct collab_net *cn, struct collab_act_type *t,
		       struct collab_act_req *r, unsigned int n)
{
	list_del(&r->node);
	act_charge(cn, t, -(long)(r->bytes + REQ_COST), -(int)n);
	/* Pairs with collab_act_waiting(). */
	smp_mb__before_atomic();
	atomic_dec(&cn->act_requests);
}

/* Add @skb to @r; -ENOBUFS when @t or the namespace has no room. */
static int req_add(struct collab_net *cn, struct collab_act_type *t,
		   struct collab_act_req *r, struct sk_buff *skb)
{
	if (!act_room(cn, t, skb->truesize))
		return -ENOBUFS;
	skb_orphan(skb);
	__skb_queue_tail(&r->msgs, skb);
	r->bytes += skb->truesize;
	/* A kept message is answered, asked or not. */
	if (collab_frame(skb)->flags & (COLLAB_FF_CONFIRM | COLLAB_FF_KEPT))
		r->confirms++;
	act_charge(cn, t, skb->truesize, 1);
	collab_stat_inc(cn, COLLAB_STAT_ACT_HELD);
	return 0;
}

static void event_fill(struct collab_act_event *ev,
		       const struct collab_act_type *t,
		       const struct collab_act_req *r)
{
	memcpy(ev->app, t->app, COLLAB_APP_MAX);
	ev->policy = t->policy;
	ev->session = r->session;
	ev->src_node = r->src_node;
	ev->src_id = r->src_id;
	ev->id = r->id;
}

/*
 * A message (@skb, its header first) for an application type of this
 * node that no instance took. 0: it waits for an activation (consumed);
 * -ENOENT: the type is not activatable; -EAGAIN: an instance takes it
 * now (@taken, under act_lock, says so), deliver it again; -ENOBUFS: no
 * room for it to wait.
 */
int collab_act_hold(struct collab_net *cn, struct sk_buff *skb,
		    bool (*taken)(struct collab_net *cn,
				  const struct collab_frame *f))
{
	const struct collab_frame *f = collab_frame(skb);
	struct collab_act_req *r = NULL;
	struct collab_act_type *t;
	struct collab_guid key;
	struct collab_act_event ev;
	bool fresh = false;
	int err;

	spin_lock_bh(&cn->act_lock);
	t = collab_act_type_find(cn, f->dst_app);
	err = -ENOENT;
	if (!t)
		goto out;
	err = -EAGAIN;
	if (taken(cn, f))
		goto out;
	req_key(t, f, &key);
	r = req_find(t, &key);
	if (!r) {
		r = req_new(cn, t, f);
		err = PTR_ERR_OR_ZERO(r);
		if (err)
			goto out;
		fresh = true;
	}
	err = req_add(cn, t, r, skb);
	if (fresh && err) {
		req_detach(cn, t, r, skb_queue_len(&r->msgs));
		kfree(r);
		fresh = false;
	} else if (fresh) {
		t->activations++;
		collab_stat_inc(cn, COLLAB_STAT_ACTIVATIONS);
		timer_reduce(&cn->act_timer, req_deadline(t, r));
		event_fill(&ev, t, r);
	}
out:
	if (err == -ENOBUFS)
		collab_stat_inc(cn, COLLAB_STAT_DROP_ACT_FULL);
	spin_unlock_bh(&cn->act_lock);
	if (fresh)
		collab_nl_activate_event(cn, &ev);
	return err;
}

/*
 * A message for an application type of this node that found a receiver
 * while requests wait (collab_act_waiting()): if one waits for its type
 * and session, the message joins it, to keep the order. 0 when it does
 * (consumed), -ENOENT when it may go on, -ENOBUFS when there is no room.
 */
int collab_act_follow(struct collab_net *cn, struct sk_buff *skb)
{
	const struct collab_frame *f = collab_frame(skb);
	struct collab_act_req *r = NULL;
	struct collab_act_type *t;
	struct collab_guid key;
	int err = -ENOENT;

	spin_lock_bh(&cn->act_lock);
	t = collab_act_type_find(cn, f->dst_app);
	if (t) {
		req_key(t, f, &key);
		r = req_find(t, &key);
	}
	if (r) {
		err = req_add(cn, t, r, skb);
		if (err)
			collab_stat_inc(cn, COLLAB_STAT_DROP_ACT_FULL);
	}
	spin_unlock_bh(&cn->act_lock);
	return err;
}

/* ---- receipts for messages that waited ---------------------------------- */

/*
 * Note in @r what receipts its messages ask for, before they go: their
 * count stays in r->confirms. Under act_lock.
 */
static void receipts_take(struct collab_net *cn, struct collab_act_req *r)
{
	const struct collab_frame *f;
	struct act_receipt *rc;
	struct sk_buff *skb;
	unsigned int n = 0;

	if (!r->confirms)
		return;
	rc = kmalloc_array(r->confirms, sizeof(*rc), GFP_ATOMIC);
	if (!rc) {
		collab_stat_add(cn, COLLAB_STAT_RECEIPTS_LOST, r->confirms);
		r->confirms = 0;
		return;
	}
	skb_queue_walk(&r->msgs, skb) {
		f = collab_frame(skb);
		if (!(f->flags & (COLLAB_FF_CONFIRM | COLLAB_FF_KEPT)) ||
		    n == r->confirms)
			continue;
		rc[n].kept = f->flags & COLLAB_FF_KEPT;
		rc[n].node = f->src_node;
		rc[n].src_id = f->src_id;
		rc[n++].msgid = collab_frame_msgid(f);
	}
	r->confirms = n;
	r->receipts = rc;
}

/*
 * Tell the senders of @r's messages what became of them (@status: 0 or a
 * positive errno); frees @r.
 */
static void receipts_send(struct collab_net *cn, struct collab_act_req *r,
			  int status)
{
	struct collab_receipt_rec rec = {};
	struct act_receipt *rc = r->receipts;
	struct collab_peer *peer;
	unsigned int i;

	for (i = 0; i < r->confirms && rc; i++) {
		if (collab_node_is_local(cn, &rc[i].node)) {
			collab_receipt(cn, &rc[i].src_id, rc[i].msgid, status,
				       &rc[i].node);
			continue;
		}
		/* Its node, if a peer, else the way back to it. */
		peer = collab_peer_find(cn, &rc[i].node) ?:
		       collab_next_hop(cn, &rc[i].node);
		if (!peer) {
			collab_stat_inc(cn, COLLAB_STAT_RECEIPTS_LOST);
			continue;
		}
		rec.msgid = cpu_to_be64(rc[i].msgid);
		rec.flags = rc[i].kept ? htonl(COLLAB_RF_KEPT) : 0;
		rec.src_id = rc[i].src_id;
		collab_node_id(cn, &rec.node);
		rec.src_node = rc[i].node;
		collab_link_receipt(peer, &rec, -status);
		collab_peer_put(peer);
	}
	kfree(rc);
	kfree(r);
}

/* Drop the messages of @r, detached, counted in @stat. Under act_lock. */
static void req_drop(struct collab_net *cn, struct collab_act_type *t,
		     struct collab_act_req *r, enum collab_stat stat)
{
	unsigned int n = skb_queue_len(&r->msgs);

	receipts_take(cn, r);
	t->dropped += n;
	collab_stat_add(cn, stat, n);
	__skb_queue_purge(&r->msgs);
}

/* ---- an instance comes: the hand-over ----------------------------------- */

void collab_act_lock(struct collab_net *cn) __acquires(&cn->act_lock)
{
	spin_lock_bh(&cn->act_lock);
}

/*
 * Whether request @r of @t goes to @cs, which was just bound (@session
 * NULL) or joined @session.
 */
static bool req_for(const struct collab_act_type *t,
		    const struct collab_act_req *r,
		    const struct collab_guid *session)
{
	if (!session)
		return t->policy == COLLAB_APP_SHARED ||
		       collab_guid_is_zero(&r->session);
	return t->policy == COLLAB_APP_PER_SESSION &&
	       collab_guid_equal(&r->session, session);
}

/*
 * @cs was published as an instance of its type (@session NULL) or as a
 * member of @session, under act_lock: it takes the messages that waited
 * for it, in order, before any newer one can reach it. Drops act_lock.
 */
void collab_act_unlock_bound(struct collab_net *cn, struct collab_sock *cs,
			     const struct collab_guid *session)
	__releases(&cn->act_lock)
{
	struct collab_act_req *r, *tmp;
	struct collab_act_type *t;
	struct sk_buff *skb;
	LIST_HEAD(done);
	unsigned int n;

	t = atomic_read(&cn->act_requests) ?
	    collab_act_type_find(cn, cs->app) : NULL;
	if (t) {
		list_for_each_entry_safe(r, tmp, &t->requests, node) {
			if (!req_for(t, r, session))
				continue;
			receipts_take(cn, r);
			n = skb_queue_len(&r->msgs);
			t->delivered += n;
			collab_stat_add(cn, COLLAB_STAT_ACT_DELIVERED, n);
			while ((skb = __skb_dequeue(&r->msgs)))
				collab_deliver_waited(cn, cs, skb);
			/* Only once they are in place: see req_detach(). */
			req_detach(cn, t, r, n);
			list_add_tail(&r->node, &done);
		}
	}
	spin_unlock_bh(&cn->act_lock);
	list_for_each_entry_safe(r, tmp, &done, node)
		receipts_send(cn, r, 0);
}

/* ---- time, failure, and the types themselves ------------------------------ */

/* Requests that waited past their type's timeout are refused. */
static void act_timer_fire(struct timer_list *timer)
{
	struct collab_net *cn = from_timer(cn, timer, act_timer);
	unsigned long now = jiffies, next = now + MAX_JIFFY_OFFSET;
	struct collab_act_req *r, *tmp;
	struct collab_act_type *t;
	bool pending = false;
	LIST_HEAD(done);

	spin_lock_bh(&cn->act_lock);
	list_for_each_entry(t, &cn->act_types, node) {
		list_for_each_entry_safe(r, tmp, &t->requests, node) {
			if (time_before(now, req_deadline(t, r))) {
				if (!pending ||
				    time_before(req_deadline(t, r), next))
					next = req_deadline(t, r);
				pending = true;
				continue;
			}
			req_detach(cn, t, r, skb_queue_len(&r->msgs));
			req_drop(cn, t, r, COLLAB_STAT_DROP_ACT_TIMEOUT);
			list_add_tail(&r->node, &done);
		}
	}
	if (pending)
		timer_reduce(&cn->act_timer, next);
	spin_unlock_bh(&cn->act_lock);
	list_for_each_entry_safe(r, tmp, &done, node)
		receipts_send(cn, r, ETIMEDOUT);
}

/* Refuse every request of @t with @err; drops act_lock. */
static void type_refuse_unlock(struct collab_net *cn, struct collab_act_type *t)
	__releases(&cn->act_lock)
{
	struct collab_act_req *r, *tmp;
	LIST_HEAD(done);

	list_for_each_entry_safe(r, tmp, &t->requests, node) {
		req_detach(cn, t, r, skb_queue_len(&r->msgs));
		req_drop(cn, t, r, COLLAB_STAT_DROP_ACT_FAILED);
		list_add_tail(&r->node, &done);
	}
	spin_unlock_bh(&cn->act_lock);
	list_for_each_entry_safe(r, tmp, &done, node)
		receipts_send(cn, r, ECONNREFUSED);
}

/*
 * Register @app (NUL-padded) as activatable, or change its settings:
 * @policy, @timeout_ms and @hold_bytes, each unless negative or 0. Under
 * collab_net.lock.
 */
int collab_act_type_set(struct collab_net *cn, const char *app, int policy,
			u32 timeout_ms, u32 hold_bytes)
{
	struct collab_act_type *t, *fresh = NULL;

	lockdep_assert_held(&cn->lock);
	if (!collab_act_type_find(cn, app)) {
		if (cn->nr_act_types >= COLLAB_ACT_TYPES_MAX)
			return -ENOSPC;
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh)
			return -ENOMEM;
		memcpy(fresh->app, app, COLLAB_APP_MAX);
		fresh->seq = ++cn->seq;
		fresh->timeout_ms = COLLAB_APP_TIMEOUT_MS;
		fresh->hold_bytes = COLLAB_ACT_TYPE_BYTES;
		INIT_LIST_HEAD(&fresh->requests);
	}
	spin_lock_bh(&cn->act_lock);
	if (fresh) {
		list_add_tail_rcu(&fresh->node, &cn->act_types);
		cn->nr_act_types++;
	}
	t = fresh ?: collab_act_type_find(cn, app);
	/* A new policy applies to requests to come. */
	if (policy >= 0)
		WRITE_ONCE(t->policy, policy);
	if (timeout_ms)
		t->timeout_ms = timeout_ms;
	if (hold_bytes)
		t->hold_bytes = hold_bytes;
	spin_unlock_bh(&cn->act_lock);
	return 0;
}

/* Withdraw @app: its waiting messages are refused. Under collab_net.lock. */
int collab_act_type_del(struct collab_net *cn, const char *app)
{
	struct collab_act_type *t;

	lockdep_assert_held(&cn->lock);
	spin_lock_bh(&cn->act_lock);
	t = collab_act_type_find(cn, app);
	if (!t) {
		spin_unlock_bh(&cn->act_lock);
		return -ENOENT;
	}
	list_del_rcu(&t->node);
	cn->nr_act_types--;
	type_refuse_unlock(cn, t);
	kfree_rcu(t, rcu);
	return 0;
}

/*
 * The activator could not start request @id of @app: refuse its messages
 * with @err, a positive errno.
 */
int collab_act_fail(struct collab_net *cn, const char *app, u64 id, int err)
{
	struct collab_act_type *t;
	struct collab_act_req *r;

	spin_lock_bh(&cn->act_lock);
	t = collab_act_type_find(cn, app);
	if (t)
		list_for_each_entry(r, &t->requests, node)
			if (r->id == id)
				goto found;
	spin_unlock_bh(&cn->act_lock);
	return -ENOENT;

found:
	req_detach(cn, t, r, skb_queue_len(&r->msgs));
	req_drop(cn, t, r, COLLAB_STAT_DROP_ACT_FAILED);
	spin_unlock_bh(&cn->act_lock);
	receipts_send(cn, r, err);
	return 0;
}

/*
 * The namespace goes: no socket and no peer is left to tell. Under
 * collab_net.lock, or with no one else left.
 */
void collab_act_destroy(struct collab_net *cn)
{
	struct collab_act_type *t, *tmp;

	timer_shutdown_sync(&cn->act_timer);
	list_for_each_entry_safe(t, tmp, &cn->act_types, node) {
		spin_lock_bh(&cn->act_lock);
		list_del_rcu(&t->node);
		cn->nr_act_types--;
		type_refuse_unlock(cn, t);
		kfree_rcu(t, rcu);
	}
}
