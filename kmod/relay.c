// SPDX-License-Identifier: GPL-2.0
/*
 * collab: messages that pass through this node on their way to another.
 *
 * A message from a peer whose header names another node (an instance or
 * an application type there) goes on to the next hop towards that node
 * (reach.c), unless this node does not relay, the message has crossed
 * COLLAB_HOPS_MAX links already, or the next hop is the peer it came
 * from: each is dropped and counted. The message crosses the link it came
 * on in order and whole, and is stored for the next hop like a message
 * of this node: what the next link loses, it sends again.
 *
 * It is taken under the lock of the peer it came from (collab_relay_rx())
 * and stored for the next hop once that lock is dropped
 * (collab_relay_flush()): a node never holds two peers' locks. While the
 * next hop's store is full, the message waits on the link it came on,
 * which then stops acknowledging: the sender slows down, nothing is lost.
 *
 * Receipts go back the same way: the final node sends its receipt to the
 * peer the message came from, which takes it only if it answers a message
 * it stored for that peer (receipt.c), as its source does, and passes it
 * on towards the source node. A relay that refuses a message whose sender
 * wants receipts tells it so (EHOSTUNREACH, or ELOOP past the hop limit).
 * A message its source keeps until the final node answers (kept.c) is
 * refused likewise, but for want of a route: the source sends it again
 * once it has one, the same way or another.
 *
 * A session or broadcast message goes along its source node's tree
 * (reach.c): from the source to the peers that want it or have children
 * in the tree, and from each node that gets it on to its own children
 * that do, a copy each; so it crosses each link of the tree once, and
 * reaches each node once. While the tree changes, a node may get a copy
 * by both its old and its new parent: the second is dropped and counted
 * (drop_tree_duplicate). Each node that delivers it sends its own receipt,
 * which its parent passes on like the message's, as long as it remembers
 * the message it stored for that child (receipt.c).
 */
#include "deliver.h"
#include "link.h"
#include "reach.h"
#include "receipt.h"
#include "relay.h"
#include "route.h"

/* What a message or receipt on collab_link.relay carries in skb->cb. */
struct relay_cb {
	struct collab_guid to;		/* the peer it goes to; zero: next hop */
	bool receipt;
};

static struct relay_cb *relay_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct relay_cb) > sizeof(skb->cb));
	return (struct relay_cb *)skb->cb;
}

/* Under from->lock: tell the source of @f that this node refused it. */
static void refused(struct collab_peer *from, const struct collab_frame *f,
		    int err)
{
	struct collab_receipt_rec r = {
		.msgid = f->msgid,
		.src_id = f->src_id,
		.src_node = f->src_node,
	};

	if (f->flags & COLLAB_FF_KEPT)
		r.flags = htonl(COLLAB_RF_KEPT);

	collab_node_id(from->cn, &r.node);
	collab_receipt_store(from, &r, err);
}

/*
 * Under from->lock: whether the message @skb from @from, for another
 * node, is done with (stored to go on after the unlock, or dropped and
 * counted); false when it must wait for room towards its next hop, or
 * for memory, in which case it is still the caller's.
 */
bool collab_relay_rx(struct collab_peer *from, struct sk_buff *skb)
{
	struct collab_net *cn = from->cn;
	struct collab_frame *f = collab_frame(skb);
	struct collab_peer *via = NULL;
	int drop = -1;

	if (!READ_ONCE(cn->relay))
		drop = COLLAB_STAT_DROP_NO_RELAY;
	else if (f->hops + 1 >= COLLAB_HOPS_MAX)
		drop = COLLAB_STAT_DROP_HOP_LIMIT;
	else
		via = collab_next_hop(cn, &f->dst_node);
	if (drop < 0 && (!via || via == from))
		drop = COLLAB_STAT_DROP_NO_ROUTE;
	if (drop < 0 && !collab_link_has_room(via)) {
		collab_peer_put(via);
		return false;
	}
	if (via)
		collab_peer_put(via);
	if (drop >= 0) {
		collab_stat_inc(cn, drop);
		/* One its source keeps goes again, once there is a way. */
		if ((f->flags & COLLAB_FF_KEPT) ?
		    drop != COLLAB_STAT_DROP_NO_ROUTE :
		    (f->flags & COLLAB_FF_CONFIRM))
			refused(from, f, drop == COLLAB_STAT_DROP_HOP_LIMIT ?
				-ELOOP : -EHOSTUNREACH);
		kfree_skb(skb);
		return true;
	}
	if (skb_ensure_writable(skb, sizeof(*f)))
		return false;
	collab_frame(skb)->hops++;
	skb_scrub_packet(skb, true);
	memset(relay_cb(skb), 0, sizeof(struct relay_cb));
	__skb_queue_tail(&from->link->relay, skb);
	return true;
}

/* Copies of @skb for the peers of @t, each its own hop further. */
static int fanout_copies(struct sk_buff *skb, const struct collab_rtargets *t,
			 struct sk_buff_head *copies)
{
	struct sk_buff *c;
	unsigned int i;

	__skb_queue_head_init(copies);
	for (i = 0; i < t->n; i++) {
		c = pskb_copy(skb, GFP_ATOMIC);
		if (!c) {
			__skb_queue_purge(copies);
			return -ENOMEM;
		}
		collab_frame(c)->hops++;
		skb_scrub_packet(c, true);
		memset(relay_cb(c), 0, sizeof(struct relay_cb));
		relay_cb(c)->to = t->peer[i]->id;
		__skb_queue_tail(copies, c);
	}
	return 0;
}

/*
 * Under from->lock: a session or broadcast message from @from, which goes
 * on to this node's children in the tree of its source, a copy each,
 * stored for them once the lock is dropped. 0 when it is new: the caller
 * delivers it here, and *@passed says whether it went on. -EALREADY when
 * it came already, by another way. -EAGAIN when the store of a child is
 * full, or memory short: it waits on the link it came on, and nothing of
 * it was done.
 */
int collab_relay_fanout(struct collab_peer *from, struct sk_buff *skb,
			bool *passed)
{
	const struct collab_frame *f = collab_frame(skb);
	struct collab_net *cn = from->cn;
	struct sk_buff_head copies;
	struct collab_rtargets t;
	unsigned int i;
	int err;

	*passed = false;
	collab_rtargets_reserve(&t, 0, GFP_ATOMIC);
	if (READ_ONCE(cn->relay)) {
		rcu_read_lock();
		err = collab_reach_fanout(cn, f, from, &t);
		rcu_read_unlock();
		if (err) {
			collab_rtargets_release(&t);
			return -EAGAIN;
		}
	}
	err = -EAGAIN;
	for (i = 0; i < t.n; i++)
		if (!collab_link_has_room(t.peer[i]))
			goto out;
	if (t.n && f->hops + 1 >= COLLAB_HOPS_MAX) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_HOP_LIMIT);
		while (t.n)
			collab_peer_put(t.peer[--t.n]);
	}
	if (fanout_copies(skb, &t, &copies))
		goto out;
	if (collab_reach_seen(cn, &f->src_node, collab_frame_msgid(f))) {
		__skb_queue_purge(&copies);
		err = -EALREADY;
		goto out;
	}
	*passed = t.n;
	skb_queue_splice_tail_init(&copies, &from->link->relay);
	err = 0;
out:
	collab_rtargets_release(&t);
	return err;
}

/*
 * Under from->lock: a receipt that answers a message this node relayed
 * to @from, to pass on towards the message's source node.
 */
void collab_relay_receipt(struct collab_peer *from, struct sk_buff *skb)
{
	memset(relay_cb(skb), 0, sizeof(struct relay_cb));
	relay_cb(skb)->receipt = true;
	__skb_queue_tail(&from->link->relay, skb);
}

/* A receipt, in a link packet of its own, stored for @via; consumes @skb. */
static int receipt_to(struct collab_peer *via, struct sk_buff *skb)
{
	struct sk_buff_head one;
	struct sk_buff *pkt;

	pkt = collab_link_alloc(sizeof(struct collab_receipt_rec), GFP_ATOMIC);
	if (!pkt) {
		kfree_skb(skb);
		return -ENOMEM;
	}
	skb_copy_bits(skb, 0, skb_put(pkt, sizeof(struct collab_receipt_rec)),
		      sizeof(struct collab_receipt_rec));
	collab_tx_cb(pkt)->type = COLLAB_LINK_RECEIPT;
	collab_tx_cb(pkt)->flags = 0;
	__skb_queue_head_init(&one);
	__skb_queue_tail(&one, pkt);
	consume_skb(skb);
	return collab_link_enqueue(via, &one, 1);
}

/* One message or receipt taken from @from, stored for its next hop. */
static void relay_one(struct collab_peer *from, struct sk_buff *skb)
{
	const struct collab_receipt_rec *r = (const void *)skb->data;
	const struct relay_cb *cb = relay_cb(skb);
	struct collab_net *cn = from->cn;
	bool receipt = cb->receipt;
	struct collab_peer *via;
	struct sk_buff_head pkts;

	if (!collab_guid_is_zero(&cb->to))
		via = collab_peer_find(cn, &cb->to);
	else
		via = collab_next_hop(cn, receipt ? &r->src_node :
				      &collab_frame(skb)->dst_node);
	if (!via || via == from) {
		collab_stat_inc(cn, receipt ? COLLAB_STAT_RECEIPTS_LOST :
				COLLAB_STAT_DROP_NO_ROUTE);
		kfree_skb(skb);
		goto out;
	}
	if (receipt) {
		if (receipt_to(via, skb))
			collab_stat_inc(cn, COLLAB_STAT_RECEIPTS_LOST);
		goto out;
	}
	if (collab_msg_packets(skb, collab_link_mss(via), GFP_ATOMIC, &pkts)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_NOMEM);
		kfree_skb(skb);
		goto out;
	}
	if (collab_link_enqueue(via, &pkts, 1))
		collab_stat_inc(cn, COLLAB_STAT_DROP_PEER_GONE);
	else
		collab_stat_inc(cn, COLLAB_STAT_RELAYED);
out:
	if (via)
		collab_peer_put(via);
}

/*
 * What collab_relay_rx() took from @from, on to the next hops; not under
 * any peer's lock. Bottom halves off. The link's packets are taken on
 * any CPU, so one CPU at a time stores what it took, in the order it
 * came: another that finds it at work leaves its own to it.
 */
void collab_relay_flush(struct collab_peer *from)
{
	struct collab_link *l = from->link;
	struct sk_buff_head q;
	struct sk_buff *skb;

	if (skb_queue_empty_lockless(&l->relay))
		return;
	__skb_queue_head_init(&q);
	spin_lock(&from->lock);
	if (l->relay_busy)
		goto out;
	l->relay_busy = true;
	while (!skb_queue_empty(&l->relay)) {
		skb_queue_splice_init(&l->relay, &q);
		spin_unlock(&from->lock);
		while ((skb = __skb_dequeue(&q)))
			relay_one(from, skb);
		spin_lock(&from->lock);
	}
	l->relay_busy = false;
out:
	spin_unlock(&from->lock);
}
