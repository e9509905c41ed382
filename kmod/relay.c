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
 */
#include "deliver.h"
#include "link.h"
#include "reach.h"
#include "relay.h"

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
		kfree_skb(skb);
		return true;
	}
	if (skb_ensure_writable(skb, sizeof(*f)))
		return false;
	collab_frame(skb)->hops++;
	skb_scrub_packet(skb, true);
	__skb_queue_tail(&from->link->relay, skb);
	return true;
}

/* One message taken from @from, stored for its next hop. */
static void relay_one(struct collab_peer *from, struct sk_buff *skb)
{
	struct collab_net *cn = from->cn;
	struct collab_peer *via;
	struct sk_buff_head pkts;

	via = collab_next_hop(cn, &collab_frame(skb)->dst_node);
	if (!via || via == from) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_NO_ROUTE);
		kfree_skb(skb);
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
 * any peer's lock. Bottom halves off.
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
	skb_queue_splice_init(&l->relay, &q);
	spin_unlock(&from->lock);
	while ((skb = __skb_dequeue(&q)))
		relay_one(from, skb);
}
