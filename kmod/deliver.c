// SPDX-License-Identifier: GPL-2.0
/*
 * collab: local delivery. The receivers of a message are resolved from its
 * header under RCU and held; the sender then waits until each of them has
 * room (or fails with nothing delivered), and queues the message to all of
 * them: one copy from user space, clones per receiver. Receivers are
 * charged for what sits in their queue; a receiver's queue may pass
 * SO_RCVBUF by at most one message per concurrent sender.
 */
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "collab.h"
#include "deliver.h"
#include "frame.h"
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
static int targets_reserve(struct collab_targets *t, unsigned int count)
{
	if (count <= t->max)
		return 0;
	t->sk = kmalloc_array(count, sizeof(*t->sk), GFP_KERNEL);
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
	return -ECONNREFUSED;
}

static int collect(struct collab_net *cn, const struct collab_frame *f,
		   const struct collab_sock *sender, struct collab_targets *t)
{
	struct collab_sock *cs;
	int err = 0;

	if (f->dst_kind == COLLAB_ADDR_SESSION ||
	    f->dst_kind == COLLAB_ADDR_BROADCAST) {
		err = targets_reserve(t, fanout_bound(cn, f));
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

/* Wakes the pollers of a sender that found a receiver full. */
static int cong_wake(struct wait_queue_entry *wait, unsigned int mode,
		     int sync, void *key)
{
	struct collab_sock *cs = container_of(wait, struct collab_sock,
					      cong_wait);
	struct sock *sk = &cs->sk;
	struct socket_wq *wq;

	/* cs->cong is stable while this entry is on its queue. */
	if (!has_room(&cs->cong->sk))
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

/* Under lock_sock(): forget the receiver this socket found full. */
void collab_cong_clear(struct collab_sock *cs)
{
	struct collab_sock *r = cs->cong;

	if (!r)
		return;
	/* Harmless when cong_wake() took the entry off already. */
	remove_wait_queue(&r->room_wait, &cs->cong_wait);
	WRITE_ONCE(cs->congested, false);
	cs->cong = NULL;
	sock_put(&r->sk);
}

/* Under lock_sock(): poll reports no EPOLLOUT until @r has room. */
static void cong_set(struct collab_sock *cs, struct collab_sock *r)
{
	collab_cong_clear(cs);
	sock_hold(&r->sk);
	cs->cong = r;
	WRITE_ONCE(cs->congested, true);
	add_wait_queue(&r->room_wait, &cs->cong_wait);
	/*
	 * Room may have come before the entry was on the queue; pairs with
	 * the barrier in collab_room_freed().
	 */
	smp_mb();
	if (has_room(&r->sk))
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

/* Under lock_sock(sender), which is dropped while waiting. */
static int wait_room(struct collab_sock *sender, struct sock *rsk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct collab_sock *r = collab_sk(rsk);
	int err = 0;

	if (has_room(rsk))
		return 0;
	if (!*timeo) {
		cong_set(sender, r);
		return -EAGAIN;
	}

	add_wait_queue(&r->room_wait, &wait);
	/* Pairs with the barrier in collab_room_freed(). */
	smp_mb();
	while (!has_room(rsk)) {
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
	remove_wait_queue(&r->room_wait, &wait);
	/* Timed out: poll shows no EPOLLOUT until @r has room. */
	if (err == -EAGAIN)
		cong_set(sender, r);
	return err;
}

/* Queue one copy; a receiver that closed meanwhile drops it, counted. */
static void queue_rcv(struct collab_net *cn, struct sock *rsk,
		      struct sk_buff *skb)
{
	struct sk_buff_head *q = &rsk->sk_receive_queue;

	spin_lock_bh(&q->lock);
	if (sock_flag(rsk, SOCK_DEAD)) {
		spin_unlock_bh(&q->lock);
		collab_stat_inc(cn, COLLAB_STAT_DROP_CLOSED);
		kfree_skb(skb);
		return;
	}
	skb_set_owner_r(skb, rsk);
	__skb_queue_tail(q, skb);
	spin_unlock_bh(&q->lock);
	collab_stat_inc(cn, COLLAB_STAT_TX_COPIES);
	rsk->sk_data_ready(rsk);
}

/*
 * Deliver @skb (frame header and payload, owned by the sender) to every
 * local receiver its header names. All or nothing: either every receiver
 * gets a copy, or none does and an error comes back. Consumes @skb on
 * success only.
 */
int collab_deliver_local(struct collab_sock *sender, struct sk_buff *skb,
			 long *timeo)
{
	struct collab_net *cn = collab_net(sock_net(&sender->sk));
	const struct collab_frame *f = collab_frame(skb);
	struct sk_buff_head copies;
	struct collab_targets t;
	struct sk_buff *copy;
	unsigned int i;
	int err;

	targets_init(&t);
	err = collect(cn, f, sender, &t);
	if (err)
		goto out;

	for (i = 0; i < t.n; i++) {
		err = wait_room(sender, t.sk[i], timeo);
		if (err == -EAGAIN)
			collab_stat_inc(cn, COLLAB_STAT_TX_FULL);
		if (err)
			goto out;
	}

	/* Every clone first, so that a failed allocation delivers nothing. */
	__skb_queue_head_init(&copies);
	for (i = 1; i < t.n; i++) {
		copy = skb_clone(skb, GFP_KERNEL);
		if (!copy) {
			__skb_queue_purge(&copies);
			err = -ENOBUFS;
			goto out;
		}
		__skb_queue_tail(&copies, copy);
	}
	if (t.n) {
		skb_orphan(skb);
		queue_rcv(cn, t.sk[0], skb);
	} else {
		consume_skb(skb);
	}
	for (i = 1; i < t.n; i++)
		queue_rcv(cn, t.sk[i], __skb_dequeue(&copies));

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
