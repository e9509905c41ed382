// SPDX-License-Identifier: GPL-2.0
/*
 * collab: local delivery. The receivers of a message are resolved from its
 * header under RCU and held; the sender then waits until each of them has
 * room (or fails with nothing delivered), and queues the message to all of
 * them: one copy from user space, clones per receiver. Receivers are
 * charged for what sits in their queue; a receiver's queue may pass
 * SO_RCVBUF by at most one message per concurrent sender. Messages from
 * peers do not wait: a receiver with no room holds them past its buffer,
 * within a budget, so that it stalls no one else's messages.
 */
#include <linux/cred.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "activation.h"
#include "collab.h"
#include "deliver.h"
#include "frame.h"
#include "kept.h"
#include "pages.h"
#include "peer.h"
#include "route.h"
#include "table.h"

/* Receivers of one message; small sets live on the stack. */
struct collab_targets {
	unsigned int n;
	unsigned int max;
	struct sock **sk;
	struct sock *inline_sk[8];
};

static void targets_init(struct collab_targets *t)
{
	t->n = 0;
	t->max = ARRAY_SIZE(t->inline_sk);
	t->sk = t->inline_sk;
}

/* Room for @count receivers; called outside RCU, before collecting. */
static int targets_reserve(struct collab_targets *t, unsigned int count,
			   gfp_t gfp)
{
	if (count <= t->max)
		return 0;
	t->sk = kmalloc_array(count, sizeof(*t->sk), gfp);
	if (!t->sk) {
		t->sk = t->inline_sk;
		return -ENOMEM;
	}
	t->max = count;
	return 0;
}

/* Under RCU: hold @cs as a receiver unless it is the sender or closing. */
static void targets_add(struct collab_targets *t, struct collab_sock *cs,
			const struct collab_sock *sender)
{
	struct sock *sk = &cs->sk;

	if (cs == sender || t->n == t->max || sock_flag(sk, SOCK_DEAD))
		return;
	if (refcount_inc_not_zero(&sk->sk_refcnt))
		t->sk[t->n++] = sk;
}

static void targets_release(struct collab_targets *t)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		sock_put(t->sk[i]);
	if (t->sk != t->inline_sk)
		kfree(t->sk);
}

/* How many receivers a fan-out may find, read before collecting them. */
static unsigned int fanout_bound(struct collab_net *cn,
				 const struct collab_frame *f)
{
	struct collab_session *session;
	struct collab_app *app;
	unsigned int count = 0;

	rcu_read_lock();
	if (f->dst_kind == COLLAB_ADDR_SESSION) {
		session = collab_find_session(cn, &f->dst_id);
		if (session)
			count = READ_ONCE(session->count);
	} else if (f->dst_app[0]) {
		app = collab_find_app(cn, f->dst_app);
		if (app)
			count = READ_ONCE(app->count);
	} else {
		count = atomic_read(&cn->objects[COLLAB_OBJ_INSTANCES]);
	}
	rcu_read_unlock();
	/* Members that join meanwhile may or may not get this message. */
	return count;
}

static void collect_fanout(struct collab_net *cn, const struct collab_frame *f,
			   const struct collab_sock *sender,
			   struct collab_targets *t)
{
	struct collab_session *session;
	struct collab_member *m;
	struct collab_sock *cs;
	struct collab_app *app;

	if (f->dst_kind == COLLAB_ADDR_SESSION) {
		session = collab_find_session(cn, &f->dst_id);
		if (!session)
			return;
		list_for_each_entry_rcu(m, &session->members, session_node)
			targets_add(t, m->cs, sender);
	} else if (f->dst_app[0]) {
		app = collab_find_app(cn, f->dst_app);
		if (!app)
			return;
		list_for_each_entry_rcu(cs, &app->members, app_node)
			targets_add(t, cs, sender);
	} else {
		list_for_each_entry_rcu(cs, &cn->all_instances, all_node)
			targets_add(t, cs, sender);
	}
}

/*
 * An instance of the message's application type: one that joined the
 * message's session, else one that accepts new sessions.
 */
static int collect_app(struct collab_net *cn, const struct collab_frame *f,
		       const struct collab_sock *sender,
		       struct collab_targets *t)
{
	struct collab_session *session;
	struct collab_member *m;
	struct collab_sock *cs;
	struct collab_app *app;

	app = collab_find_app(cn, f->dst_app);
	if (!app)
		return -EHOSTUNREACH;

	if (!collab_guid_is_zero(&f->session)) {
		session = collab_find_session(cn, &f->session);
		if (session) {
			list_for_each_entry_rcu(m, &session->members, session_node) {
				/* cs->app is set once, before the socket is found. */
				if (memcmp(m->cs->app, f->dst_app, COLLAB_APP_MAX))
					continue;
				targets_add(t, m->cs, sender);
				if (t->n)
					return 0;
			}
		}
	}
	list_for_each_entry_rcu(cs, &app->members, app_node) {
		if (!READ_ONCE(cs->accept_new))
			continue;
		targets_add(t, cs, sender);
		if (t->n)
			return 0;
	}
	/* An activatable type's one shared instance takes every session. */
	if (collab_act_shared(cn, f->dst_app)) {
		list_for_each_entry_rcu(cs, &app->members, app_node) {
			targets_add(t, cs, sender);
			if (t->n)
				return 0;
		}
	}
	return -ECONNREFUSED;
}

/* Whether an instance here takes the message with header @f (by type). */
static bool app_taken(struct collab_net *cn, const struct collab_frame *f)
{
	struct collab_targets t;
	bool taken;

	targets_init(&t);
	rcu_read_lock();
	taken = !collect_app(cn, f, NULL, &t);
	rcu_read_unlock();
	targets_release(&t);
	return taken;
}

/*
 * Activation (activation.c), for a message to an application type of
 * this node that found no receiver (@err) or found one: it may wait for
 * an instance, or join the messages that wait before it. 0 when it does
 * (@skb consumed); -EAGAIN when an instance came meanwhile (deliver it
 * again); 1 when it goes on as it is; else @err or -ENOBUFS.
 */
static int activation(struct collab_net *cn, struct sk_buff *skb, int err)
{
	int ret;

	if (err == -EHOSTUNREACH || err == -ECONNREFUSED) {
		ret = collab_act_hold(cn, skb, app_taken);
		return ret == -ENOENT ? err : ret;
	}
	if (err || !collab_act_waiting(cn))
		return err ?: 1;
	ret = collab_act_follow(cn, skb);
	return ret == -ENOENT ? 1 : ret;
}

static bool for_local_app(struct collab_net *cn, const struct collab_frame *f)
{
	return f->dst_kind == COLLAB_ADDR_APP &&
	       collab_node_is_local(cn, &f->dst_node);
}

static int collect(struct collab_net *cn, const struct collab_frame *f,
		   const struct collab_sock *sender, struct collab_targets *t,
		   gfp_t gfp)
{
	struct collab_sock *cs;
	int err = 0;

	if (collab_frame_fans_out(f)) {
		err = targets_reserve(t, fanout_bound(cn, f), gfp);
		if (err)
			return err;
	}

	rcu_read_lock();
	switch (f->dst_kind) {
	case COLLAB_ADDR_GUID:
		cs = collab_find_instance(cn, &f->dst_id);
		if (cs)
			targets_add(t, cs, NULL);
		if (!t->n)
			err = -EHOSTUNREACH;
		break;
	case COLLAB_ADDR_APP:
		err = collect_app(cn, f, sender, t);
		break;
	default:
		collect_fanout(cn, f, sender, t);
		break;
	}
	rcu_read_unlock();
	return err;
}

static bool has_room(const struct sock *sk)
{
	return atomic_read(&sk->sk_rmem_alloc) < READ_ONCE(sk->sk_rcvbuf) ||
	       sock_flag(sk, SOCK_DEAD);
}

/* Whether what the sender found full has room again. */
static bool cong_gone(const struct collab_sock *cs)
{
	if (cs->cong)
		return has_room(&cs->cong->sk);
	return collab_link_has_room(cs->cong_peer) &&
	       (!cs->cong_kept ||
		collab_kept_has_room(collab_net(sock_net(&cs->sk)),
				     &cs->cong_node));
}

/* Wakes the pollers of a sender that found a receiver or a store full. */
static int cong_wake(struct wait_queue_entry *wait, unsigned int mode,
		     int sync, void *key)
{
	struct collab_sock *cs = container_of(wait, struct collab_sock,
					      cong_wait);
	struct sock *sk = &cs->sk;
	struct socket_wq *wq;

	/* cs->cong and cs->cong_peer are stable while the entry is queued. */
	if (!cong_gone(cs))
		return 0;
	list_del_init(&wait->entry);
	WRITE_ONCE(cs->congested, false);

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	rcu_read_unlock();
	return 0;
}

void collab_cong_init(struct collab_sock *cs)
{
	init_waitqueue_func_entry(&cs->cong_wait, cong_wake);
}

/* Under lock_sock(): forget what this socket found full. */
void collab_cong_clear(struct collab_sock *cs)
{
	struct collab_peer *peer = cs->cong_peer;
	struct collab_sock *r = cs->cong;

	/* Harmless when cong_wake() took the entry off already. */
	if (r) {
		remove_wait_queue(&r->room_wait, &cs->cong_wait);
		sock_put(&r->sk);
	} else if (peer) {
		remove_wait_queue(&peer->store_wait, &cs->cong_wait);
		collab_peer_put(peer);
	} else {
		return;
	}
	WRITE_ONCE(cs->congested, false);
	cs->cong = NULL;
	cs->cong_peer = NULL;
	cs->cong_kept = false;
}

/*
 * Under lock_sock(): poll reports no EPOLLOUT until what was full (@r or
 * the store for @peer, whose reference the caller holds) has room.
 */
static void cong_set(struct collab_sock *cs, struct collab_sock *r,
		     struct collab_peer *peer)
{
	collab_cong_clear(cs);
	if (r) {
		sock_hold(&r->sk);
		cs->cong = r;
		add_wait_queue(&r->room_wait, &cs->cong_wait);
	} else {
		refcount_inc(&peer->ref);
		cs->cong_peer = peer;
		add_wait_queue(&peer->store_wait, &cs->cong_wait);
	}
	WRITE_ONCE(cs->congested, true);
	/*
	 * Room may have come before the entry was on the queue; pairs with
	 * the barrier in collab_room_freed() and with the link's wake-up.
	 */
	smp_mb();
	if (cong_gone(cs))
		collab_cong_clear(cs);
}

/* Called by a receiver whenever it has taken a message off its queue. */
void collab_room_freed(struct collab_sock *cs)
{
	/*
	 * Order the room just freed before the waitqueue_active() test;
	 * pairs with the barriers in wait_room() and cong_set().
	 */
	smp_mb();
	/* See above: a sender that queued itself sees the room or is woken. */
	if (waitqueue_active(&cs->room_wait))
		wake_up_interruptible_poll(&cs->room_wait, EPOLLOUT);
}

/*
 * Wait on @wq until @ready(@arg); under lock_sock(sender), which is
 * dropped while waiting. -EAGAIN when *timeo runs out.
 */
static int wait_for(struct collab_sock *sender, wait_queue_head_t *wq,
		    bool (*ready)(void *arg), void *arg, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	if (ready(arg))
		return 0;
	if (!*timeo)
		return -EAGAIN;

	add_wait_queue(wq, &wait);
	/* Pairs with the barrier of the waker (collab_room_freed()). */
	smp_mb();
	while (!ready(arg)) {
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		if (!*timeo) {
			err = -EAGAIN;
			break;
		}
		release_sock(&sender->sk);
		*timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, *timeo);
		lock_sock(&sender->sk);
	}
	remove_wait_queue(wq, &wait);
	return err;
}

static bool sock_has_room(void *sk)
{
	return has_room(sk);
}

static int wait_room(struct collab_sock *sender, struct sock *rsk, long *timeo)
{
	struct collab_sock *r = collab_sk(rsk);
	int err;

	err = wait_for(sender, &r->room_wait, sock_has_room, rsk, timeo);
	/* Timed out: poll shows no EPOLLOUT until @r has room. */
	if (err == -EAGAIN)
		cong_set(sender, r, NULL);
	return err;
}

/* What wait_store() waits for. */
struct store_wait {
	struct collab_net *cn;
	struct collab_peer *peer;
	const struct collab_guid *node;
};

static bool store_has_room(void *arg)
{
	const struct store_wait *w = arg;

	return READ_ONCE(w->peer->dead) ||
	       (collab_link_has_room(w->peer) &&
		(!w->node || collab_kept_has_room(w->cn, w->node)));
}

/*
 * Room in the store for @peer, and, for a message to keep for @node
 * (kept.c), room to keep it; -EHOSTUNREACH if the peer went meanwhile.
 */
static int wait_store(struct collab_net *cn, struct collab_sock *sender,
		      struct collab_peer *peer, const struct collab_guid *node,
		      long *timeo)
{
	struct store_wait w = { .cn = cn, .peer = peer, .node = node };
	int err;

	err = wait_for(sender, &peer->store_wait, store_has_room, &w, timeo);
	/* Timed out: poll shows no EPOLLOUT until the store has room. */
	if (err == -EAGAIN) {
		collab_stat_inc(cn, COLLAB_STAT_STORE_FULL);
		cong_set(sender, NULL, peer);
		if (node) {
			sender->cong_kept = true;
			sender->cong_node = *node;
		}
	}
	if (!err && READ_ONCE(peer->dead))
		err = -EHOSTUNREACH;
	return err;
}

/* A copy held past its receiver's buffer leaves the namespace's budget. */
static void held_rfree(struct sk_buff *skb)
{
	struct collab_net *cn = collab_net(sock_net(skb->sk));

	atomic_long_sub(skb->truesize, &cn->held_bytes);
	sock_rfree(skb);
}

/*
 * Queue one copy; a receiver that closed meanwhile drops it, counted. One
 * from a peer (@remote) that finds the buffer full is held past it.
 */
static void queue_rcv(struct collab_net *cn, struct sock *rsk,
		      struct sk_buff *skb, bool remote)
{
	struct sk_buff_head *q = &rsk->sk_receive_queue;
	bool held;

	spin_lock_bh(&q->lock);
	if (sock_flag(rsk, SOCK_DEAD)) {
		spin_unlock_bh(&q->lock);
		collab_stat_inc(cn, COLLAB_STAT_DROP_CLOSED);
		kfree_skb(skb);
		return;
	}
	held = remote && !has_room(rsk);
	skb_set_owner_r(skb, rsk);
	if (held) {
		skb->destructor = held_rfree;
		atomic_long_add(skb->truesize, &cn->held_bytes);
		collab_stat_inc(cn, COLLAB_STAT_RX_HELD);
	}
	__skb_queue_tail(q, skb);
	spin_unlock_bh(&q->lock);
	collab_stat_inc(cn, COLLAB_STAT_TX_COPIES);
	rsk->sk_data_ready(rsk);
}

/* Queue @skb to every receiver of @t: clones first, so all or none. */
static int queue_all(struct collab_net *cn, struct collab_targets *t,
		     struct sk_buff *skb, gfp_t gfp, bool remote)
{
	struct sk_buff_head copies;
	struct sk_buff *copy;
	unsigned int i;

	__skb_queue_head_init(&copies);
	for (i = 1; i < t->n; i++) {
		copy = skb_clone(skb, gfp);
		if (!copy) {
			__skb_queue_purge(&copies);
			return -ENOBUFS;
		}
		__skb_queue_tail(&copies, copy);
	}
	if (!t->n) {
		consume_skb(skb);
		return 0;
	}
	skb_orphan(skb);
	queue_rcv(cn, t->sk[0], skb, remote);
	for (i = 1; i < t->n; i++)
		queue_rcv(cn, t->sk[i], __skb_dequeue(&copies), remote);
	return 0;
}

/*
 * A message that waited for an activation, to the instance that came for
 * it, under act_lock: past its buffer if need be, as a peer's message.
 */
void collab_deliver_waited(struct collab_net *cn, struct collab_sock *cs,
			   struct sk_buff *skb)
{
	queue_rcv(cn, &cs->sk, skb, true);
}

/*
 * Tell instance @src_id of this node, if it asked for receipts, what
 * became of its message @msgid on @node (@status: 0 or an errno). Any
 * context.
 */
void collab_receipt(struct collab_net *cn, const struct collab_guid *src_id,
		    u64 msgid, int status, const struct collab_guid *node)
{
	struct collab_receipt *r;
	struct collab_sock *cs;
	struct sk_buff *skb;
	struct sock *sk;

	rcu_read_lock();
	cs = collab_find_instance(cn, src_id);
	if (!cs || !READ_ONCE(cs->confirm) ||
	    !refcount_inc_not_zero(&cs->sk.sk_refcnt)) {
		rcu_read_unlock();
		collab_stat_inc(cn, COLLAB_STAT_RECEIPTS_LOST);
		return;
	}
	rcu_read_unlock();
	sk = &cs->sk;

	skb = alloc_skb(sizeof(*r), GFP_ATOMIC);
	if (!skb)
		goto lost;
	r = skb_put_zero(skb, sizeof(*r));
	r->cr_msgid = msgid;
	r->cr_status = status;
	r->cr_node = *node;
	if (sock_flag(sk, SOCK_DEAD) || sock_queue_err_skb(sk, skb)) {
		kfree_skb(skb);
		goto lost;
	}
	collab_stat_inc(cn, COLLAB_STAT_RECEIPTS);
	sock_put(sk);
	return;

lost:
	collab_stat_inc(cn, COLLAB_STAT_RECEIPTS_LOST);
	sock_put(sk);
}

/* What the last (or only) packet of a message says of it. */
static void fragment_last(const struct collab_frame *f, struct sk_buff *skb)
{
	struct collab_tx_cb *cb = collab_tx_cb(skb);

	/* The last fragment knows whom to tell if the message expires. */
	cb->flags |= COLLAB_LF_LAST;
	if (f->flags & (COLLAB_FF_CONFIRM | COLLAB_FF_KEPT)) {
		cb->flags |= COLLAB_TXF_CONFIRM;
		cb->multi = collab_frame_fans_out(f);
		cb->kept = !!(f->flags & COLLAB_FF_KEPT);
		cb->msgid = collab_frame_msgid(f);
		cb->src_id = f->src_id;
	}
}

/*
 * A message that fits one packet and has room for the headers is that
 * packet: no copy. It leaves its sender's accounting for the store's. (A
 * frag_list is of pieces laid out for the link or for IP, under a head
 * with no pages.)
 */
static bool fits(struct sk_buff *msg, unsigned int mss)
{
	return msg->len <= mss && !skb_cloned(msg) &&
	       (!skb_has_frag_list(msg) || !skb_shinfo(msg)->nr_frags) &&
	       skb_headroom(msg) >= COLLAB_HEADROOM;
}

/*
 * Whether @msg is laid out as link packets of @mss bytes (alloc_msg()): a
 * head of that many with room for the headers, then pieces of as many but
 * the last, each with that room.
 */
static bool in_link_pieces(struct sk_buff *msg, unsigned int mss)
{
	struct sk_buff *p;

	if (skb_headlen(msg) != mss || skb_shinfo(msg)->nr_frags ||
	    !skb_has_frag_list(msg) || skb_cloned(msg) ||
	    skb_headroom(msg) < COLLAB_HEADROOM)
		return false;
	skb_walk_frags(msg, p) {
		if (p->len > mss || (p->len < mss && p->next) ||
		    skb_shinfo(p)->nr_frags || skb_has_frag_list(p) ||
		    skb_shared(p) || skb_headroom(p) < COLLAB_HEADROOM)
			return false;
	}
	return true;
}

/* Such a message, taken apart into its packets: nothing is copied. */
static void take_pieces(struct sk_buff *msg, struct sk_buff_head *out)
{
	struct sk_buff *p = skb_shinfo(msg)->frag_list, *next;

	skb_orphan(msg);
	skb_shinfo(msg)->frag_list = NULL;
	msg->len = skb_headlen(msg);
	msg->data_len = 0;
	/* Its transmissions write their headers in front of it. */
	__skb_header_release(msg);
	collab_tx_cb(msg)->type = COLLAB_LINK_MSG;
	collab_tx_cb(msg)->flags = COLLAB_LF_FIRST;
	__skb_queue_tail(out, msg);
	for (; p; p = next) {
		next = p->next;
		p->next = NULL;
		msg->truesize -= p->truesize;
		collab_tx_cb(p)->type = COLLAB_LINK_MSG;
		collab_tx_cb(p)->flags = 0;
		__skb_queue_tail(out, p);
	}
}

/*
 * The message in link packets of at most @mss bytes each. With @own the
 * caller gives @msg up, and it may become the only packet, or the first
 * of those it is laid out in.
 */
static int fragment(struct sk_buff *msg, unsigned int mss, bool own,
		    gfp_t gfp, struct sk_buff_head *out)
{
	const struct collab_frame *f = collab_frame(msg);
	struct collab_tx_cb *cb;
	unsigned int off, n;
	struct sk_buff *skb;

	__skb_queue_head_init(out);
	if (own && fits(msg, mss)) {
		skb_orphan(msg);
		collab_tx_cb(msg)->type = COLLAB_LINK_MSG;
		collab_tx_cb(msg)->flags = COLLAB_LF_FIRST;
		fragment_last(f, msg);
		__skb_queue_tail(out, msg);
		return 0;
	}
	if (own && in_link_pieces(msg, mss)) {
		take_pieces(msg, out);
		fragment_last(f, skb_peek_tail(out));
		return 0;
	}
	for (off = 0; off < msg->len; off += n) {
		n = min(mss, msg->len - off);
		skb = collab_link_alloc(n, gfp);
		if (!skb) {
			__skb_queue_purge(out);
			return -ENOBUFS;
		}
		skb_copy_bits(msg, off, skb_put(skb, n), n);
		cb = collab_tx_cb(skb);
		cb->type = COLLAB_LINK_MSG;
		cb->flags = off ? 0 : COLLAB_LF_FIRST;
		__skb_queue_tail(out, skb);
	}
	fragment_last(f, skb);
	if (own)
		consume_skb(msg);
	return 0;
}

/*
 * The link packets of at most @mss bytes that a message (frame header and
 * payload, which the call consumes on success) takes, for a relay.
 */
int collab_msg_packets(struct sk_buff *msg, unsigned int mss, gfp_t gfp,
		       struct sk_buff_head *out)
{
	return fragment(msg, mss, true, gfp, out);
}

/* As collab_msg_packets(), into packets of their own: @msg stays as is. */
int collab_msg_copy_packets(struct sk_buff *msg, unsigned int mss, gfp_t gfp,
			    struct sk_buff_head *out)
{
	return fragment(msg, mss, false, gfp, out);
}

/* The packets of one message for @peer; counted if the peer went meanwhile. */
static void store_one(struct collab_net *cn, struct collab_peer *peer,
		      struct sk_buff_head *pkts)
{
	if (collab_link_enqueue(peer, pkts, 1))
		collab_stat_inc(cn, COLLAB_STAT_DROP_PEER_GONE);
	else
		collab_stat_inc(cn, COLLAB_STAT_TX_REMOTE);
}

/*
 * Store the message for every peer of @rt: its packets for the last peer,
 * private copies of their heads for the others (the link writes its
 * headers in front of each). With @own, consumes @msg on success.
 */
static int store_remote(struct collab_net *cn, struct collab_rtargets *rt,
			struct sk_buff *msg, bool own)
{
	unsigned int i, mss = UINT_MAX;
	bool take = own && rt->n == 1;
	struct sk_buff_head frags, q;
	struct sk_buff *skb, *c;
	int err;

	for (i = 0; i < rt->n; i++)
		mss = min(mss, collab_link_mss(rt->peer[i]));
	err = fragment(msg, mss, take, GFP_KERNEL, &frags);
	if (err)
		return err;
	for (i = 0; i + 1 < rt->n; i++) {
		__skb_queue_head_init(&q);
		skb_queue_walk(&frags, skb) {
			c = pskb_copy(skb, GFP_KERNEL);
			if (!c) {
				__skb_queue_purge(&q);
				__skb_queue_purge(&frags);
				return -ENOBUFS;
			}
			__skb_queue_tail(&q, c);
		}
		store_one(cn, rt->peer[i], &q);
	}
	store_one(cn, rt->peer[i], &frags);
	if (own && !take)
		consume_skb(msg);
	return 0;
}

/*
 * Whether the message is for instances of this node too: an APP or GUID
 * address that names another node is for that node only.
 */
static bool wants_local(struct collab_net *cn, const struct collab_frame *f)
{
	return (f->dst_kind != COLLAB_ADDR_APP &&
		f->dst_kind != COLLAB_ADDR_GUID) ||
	       collab_node_is_local(cn, &f->dst_node);
}

/* Receivers here and peers there; the error if there is no one. */
static int resolve(struct collab_net *cn, const struct collab_frame *f,
		   const struct collab_sock *sender, struct collab_targets *t,
		   struct collab_rtargets *rt)
{
	int err = 0, rerr;

	if (wants_local(cn, f))
		err = collect(cn, f, sender, t, GFP_KERNEL);
	else
		err = -EHOSTUNREACH;
	/* A GUID found here, or an APP of this node, goes nowhere else. */
	if ((f->dst_kind == COLLAB_ADDR_GUID && t->n) ||
	    (f->dst_kind == COLLAB_ADDR_APP && wants_local(cn, f)))
		return err;
	if (err && err != -EHOSTUNREACH)
		return err;
	rerr = collab_route_collect(cn, f, rt, GFP_KERNEL);
	if (rerr)
		return rerr;
	return rt->n ? 0 : err;
}

/* The node a message for one node goes to, as place() names it. */
static const struct collab_guid *dst_node(const struct collab_frame *f,
					  const struct collab_rtargets *rt)
{
	return f->dst_kind == COLLAB_ADDR_GUID && rt->owner ?
	       &rt->node : &f->dst_node;
}

/*
 * Whether the message goes to one node beyond this one's peers, or
 * follows others that did: its source keeps it until answered (kept.c).
 */
static bool to_keep(struct collab_net *cn, const struct collab_frame *f,
		    const struct collab_targets *t,
		    const struct collab_rtargets *rt)
{
	return !t->n && rt->n == 1 &&
	       collab_kept_wanted(cn, f->dst_kind, dst_node(f, rt),
				  rt->peer[0]);
}

/* Until every receiver here has room, and the store for every peer. */
static int wait_all(struct collab_net *cn, struct collab_sock *sender,
		    struct collab_targets *t, struct collab_rtargets *rt,
		    long *timeo)
{
	unsigned int i;
	int err;

	for (i = 0; i < t->n; i++) {
		err = wait_room(sender, t->sk[i], timeo);
		if (err == -EAGAIN)
			collab_stat_inc(cn, COLLAB_STAT_TX_FULL);
		if (err)
			return err;
	}
	for (i = 0; i < rt->n; i++) {
		err = wait_store(cn, sender, rt->peer[i], NULL, timeo);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Queued here and stored for peers, once all have room, or kept (@keep);
 * consumes @skb.
 */
static int place(struct collab_net *cn, struct collab_sock *sender,
		 struct collab_targets *t, struct collab_rtargets *rt,
		 struct sk_buff *skb, bool keep)
{
	const struct collab_frame *f = collab_frame(skb);
	bool confirm = t->n && (f->flags & COLLAB_FF_CONFIRM);
	u64 msgid = collab_frame_msgid(f);
	struct collab_guid self;
	int err;

	if (rt->n) {
		/* A GUID goes to the node that has it, whichever was named. */
		if (f->dst_kind == COLLAB_ADDR_GUID && rt->owner)
			collab_frame(skb)->dst_node = rt->node;
		if (keep)
			return collab_kept_send(cn, skb);
		/* For peers only: the store takes the message itself. */
		err = store_remote(cn, rt, skb, !t->n);
		if (err || !t->n)
			return err;
	}
	err = queue_all(cn, t, skb, GFP_KERNEL, false);
	if (!err && confirm) {
		collab_node_id(cn, &self);
		collab_receipt(cn, &sender->id, msgid, 0, &self);
	}
	return err;
}

/*
 * Deliver @skb (frame header and payload, owned by the sender) to every
 * receiver its header names: queued to those of this node, stored for the
 * peers that have the others. All or nothing: either every receiver gets
 * a copy, or none does and an error comes back. Consumes @skb on success
 * only.
 */
int collab_deliver(struct collab_sock *sender, struct sk_buff *skb,
		   long *timeo)
{
	struct collab_net *cn = collab_net(sock_net(&sender->sk));
	struct collab_rtargets rt = { .peer = rt.inline_peer };
	bool act = for_local_app(cn, collab_frame(skb));
	struct collab_targets t;
	int err, tries = 0;
	bool keep = false;

again:
	targets_init(&t);
	err = resolve(cn, collab_frame(skb), sender, &t, &rt);
	if (act) {
		err = activation(cn, skb, err);
		if (err == -EAGAIN && ++tries < 3) {
			targets_release(&t);
			goto again;
		}
		if (err <= 0)
			goto out;
		err = 0;
	}
	if (!err)
		err = wait_all(cn, sender, &t, &rt, timeo);
	if (!err)
		keep = to_keep(cn, collab_frame(skb), &t, &rt);
	if (!err && keep)
		err = wait_store(cn, sender, rt.peer[0],
				 dst_node(collab_frame(skb), &rt), timeo);
	if (!err)
		err = place(cn, sender, &t, &rt, skb, keep);
out:
	collab_rtargets_release(&rt);
	targets_release(&t);
	return err;
}

/* What COLLAB_CMSG_META tells a receiver here of a message's sender. */
void collab_cb_set_sender(struct sk_buff *skb)
{
	struct collab_skb_cb *cb = collab_cb(skb);

	cb->uid = from_kuid_munged(&init_user_ns, current_uid());
	cb->pid = task_tgid_nr(current);
	cb->local = true;
}

/* A small message in an skb of its own, for place(). */
static struct sk_buff *small_skb(const struct collab_frame *f,
				 struct iov_iter *from, int *err)
{
	unsigned int len = sizeof(*f) + collab_frame_len(f);
	struct sk_buff *skb;

	skb = collab_pages_skb(COLLAB_HEADROOM + len);
	if (!skb)
		skb = alloc_skb(COLLAB_HEADROOM + len, GFP_KERNEL);
	*err = -ENOBUFS;
	if (!skb)
		return NULL;
	skb_reserve(skb, COLLAB_HEADROOM);
	memcpy(skb_put(skb, sizeof(*f)), f, sizeof(*f));
	if (!copy_from_iter_full(skb_put(skb, len - sizeof(*f)),
				 len - sizeof(*f), from)) {
		kfree_skb(skb);
		*err = -EFAULT;
		return NULL;
	}
	return skb;
}

/*
 * As collab_deliver(), for a message of at most COLLAB_SMALL_MSG bytes
 * (header @f, payload still at @from): once every receiver has room, its
 * payload is copied straight into the bundle that waits for the window to
 * its peer, or else into an skb of its own. A stream of small messages
 * then costs one copy and no skb per message.
 */
int collab_deliver_small(struct collab_sock *sender,
			 const struct collab_frame *f, struct iov_iter *from,
			 long *timeo)
{
	struct collab_net *cn = collab_net(sock_net(&sender->sk));
	struct collab_rtargets rt = { .peer = rt.inline_peer };
	struct collab_targets t;
	struct sk_buff *skb;
	bool keep;
	int err;

	targets_init(&t);
	err = resolve(cn, f, sender, &t, &rt);
	/* A message that may wait for an activation takes the long way. */
	if (for_local_app(cn, f) &&
	    (err == -EHOSTUNREACH || err == -ECONNREFUSED ||
	     (!err && collab_act_waiting(cn)))) {
		skb = small_skb(f, from, &err);
		if (skb) {
			collab_cb_set_sender(skb);
			err = collab_deliver(sender, skb, timeo);
		}
		if (err)
			kfree_skb(skb);
		goto out;
	}
	if (!err)
		err = wait_all(cn, sender, &t, &rt, timeo);
	if (err)
		goto out;
	keep = to_keep(cn, f, &t, &rt);
	if (keep)
		err = wait_store(cn, sender, rt.peer[0], dst_node(f, &rt),
				 timeo);
	if (err)
		goto out;
	if (!keep && !t.n && rt.n == 1 &&
	    collab_link_bundle(rt.peer[0], f, from)) {
		collab_stat_inc(cn, COLLAB_STAT_TX_REMOTE);
		goto out;
	}
	skb = small_skb(f, from, &err);
	/* Only receivers here read it: the link's state takes cb for peers. */
	if (skb && t.n)
		collab_cb_set_sender(skb);
	if (skb)
		err = place(cn, sender, &t, &rt, skb, keep);
	if (err)
		kfree_skb(skb);
out:
	collab_rtargets_release(&rt);
	targets_release(&t);
	return err;
}

/*
 * Whether @sk takes a copy of @truesize from a peer: within its buffer,
 * or held past it, within what one receiver and all of the namespace's
 * may hold.
 */
static bool rx_room(struct collab_net *cn, struct sock *sk,
		    unsigned int truesize)
{
	long over = (long)atomic_read(&sk->sk_rmem_alloc) + truesize -
		    READ_ONCE(sk->sk_rcvbuf);

	return has_room(sk) ||
	       (over <= (long)READ_ONCE(cn->hold_sock_bytes) &&
		atomic_long_read(&cn->held_bytes) + truesize <=
			READ_ONCE(cn->hold_net_bytes));
}

/*
 * A message from a peer, for receivers of this node; in softirq. It waits
 * for no receiver: one with no room at all loses its copy (counted), and
 * the result is -ENOBUFS. -EINPROGRESS when it waits for an activation
 * (its receipt comes later); -ENOENT when it is for a session or a
 * broadcast that nobody here takes. -ENOMEM when it must wait for
 * memory, in which case @skb is still the caller's; any other result
 * consumes it.
 */
int collab_deliver_rx(struct collab_net *cn, struct sk_buff *skb)
{
	const struct collab_frame *f = collab_frame(skb);
	struct collab_targets t;
	unsigned int i, n = 0;
	int err, full = 0, tries = 0;

again:
	targets_init(&t);
	err = collect(cn, f, NULL, &t, GFP_ATOMIC);
	if (f->dst_kind == COLLAB_ADDR_APP) {
		err = activation(cn, skb, err);
		if (err == -EAGAIN && ++tries < 3) {
			targets_release(&t);
			goto again;
		}
		if (!err) {
			err = -EINPROGRESS;
			goto out;
		}
		if (err > 0)
			err = 0;
	}
	/* A session or broadcast message that nobody here takes. */
	if (!err && !t.n && collab_frame_fans_out(f))
		err = -ENOENT;
	if (err) {
		kfree_skb(skb);
		goto out;
	}
	for (i = 0; i < t.n; i++) {
		if (rx_room(cn, t.sk[i], skb->truesize)) {
			t.sk[n++] = t.sk[i];
			continue;
		}
		collab_stat_inc(cn, COLLAB_STAT_DROP_HOLD_FULL);
		sock_put(t.sk[i]);
		full = -ENOBUFS;
	}
	t.n = n;
	err = queue_all(cn, &t, skb, GFP_ATOMIC, true);
	if (err == -ENOBUFS)
		err = -ENOMEM;
	else
		err = full;
out:
	targets_release(&t);
	return err;
}

/* When a socket closes: what is still queued to it is dropped, counted. */
void collab_deliver_purge(struct collab_sock *cs)
{
	struct collab_net *cn = collab_net(sock_net(&cs->sk));
	struct sk_buff_head *q = &cs->sk.sk_receive_queue;
	struct sk_buff *skb;

	spin_lock_bh(&q->lock);
	sock_set_flag(&cs->sk, SOCK_DEAD);
	while ((skb = __skb_dequeue(q))) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_CLOSED);
		kfree_skb(skb);
	}
	spin_unlock_bh(&q->lock);
	/* Senders waiting for room see the socket dead. */
	wake_up_interruptible_all(&cs->room_wait);
}
