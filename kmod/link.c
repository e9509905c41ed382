// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the reliable link to a peer, its life and state machine.
 *
 * A handshake (HELLO) tells each side the other's epoch, the incarnation
 * of its end of the link, and where each stands in the other's sequence
 * space. Sequenced packets (message fragments and route records) are
 * numbered per link and kept on the sender's txq until the receiver
 * acknowledges them (link_tx.c): cumulatively, plus a bitmap of what
 * arrived beyond a gap (link_rx.c). Loss is repaired from the bitmap at
 * once and by a timer derived from the measured round-trip time
 * (link_timer.c). Small messages share packets (bundle.c). The sequence
 * space outlives the link going down: what was stored is sent again when
 * it comes back, and the receiver drops what it has already seen. The
 * link tells peer.c when it comes up and goes down.
 *
 * Every function of the link files runs with peer->lock held, except
 * where it says. Packets to send are collected on a collab_xmit list
 * under the lock and handed to the bearer after it is dropped.
 */

#include "bearer.h"
#include "deliver.h"
#include "link.h"
#include "receipt.h"

/* Everything not acknowledged goes again, from the oldest. */
static void rewind(struct collab_peer *peer)
{
	struct sk_buff *skb;

	peer->snd_sent = peer->snd_una;
	peer->send_head = skb_peek(&peer->txq);
	peer->small_in_flight = 0;
	peer->held = false;
	peer->rtt_timing = false;
	skb_queue_walk(&peer->txq, skb) {
		collab_tx_cb(skb)->sacked = false;
		collab_tx_cb(skb)->flags &= ~COLLAB_TXF_SMALL;
	}
}

static void link_up(struct collab_peer *peer, struct collab_xmit *x)
{
	WRITE_ONCE(peer->state, COLLAB_PEER_UP);
	peer->link_ups++;
	peer->last_rx = jiffies;
	peer->cwnd = COLLAB_CWND_INIT;
	peer->cwnd_acc = 0;
	/* The full route sync, then what waited in the store. */
	collab_peer_link_up(peer);
	rewind(peer);
	collab_link_push(peer, x);
	mod_timer(&peer->keepalive, jiffies +
		  msecs_to_jiffies(collab_link_tolerance_ms(peer) / 4));
}

void collab_link_down(struct collab_peer *peer)
{
	if (peer->state != COLLAB_PEER_UP)
		return;
	WRITE_ONCE(peer->state, COLLAB_PEER_DOWN);
	peer->down_since = jiffies;
	collab_peer_link_down(peer);
	del_timer(&peer->rtx_timer);
	peer->rtx_due = false;
	rewind(peer);
	if (!peer->dead)
		mod_timer(&peer->keepalive, jiffies + msecs_to_jiffies(HELLO_MS));
}

static void hello_rcv(struct collab_peer *peer, const struct collab_link_hdr *h,
		      const struct collab_wire_hello *hello,
		      struct collab_xmit *x)
{
	u32 src_epoch = ntohl(h->src_epoch);

	/* A cookie from a node with no link to us yet: now it has ours. */
	if (!src_epoch) {
		collab_link_send_hello(peer, x);
		return;
	}
	if (src_epoch != peer->remote_epoch) {
		/* A new incarnation: what we knew of its side is void. */
		collab_link_down(peer);
		peer->remote_epoch = src_epoch;
		collab_link_rx_reset(peer, hello->snd_una);
		collab_receipts_forget(peer);
	} else {
		collab_link_rx_skip_to(peer, hello->snd_una);
	}
	if (ntohl(h->dst_epoch) != peer->epoch) {
		collab_link_send_hello(peer, x);
		return;
	}
	/* It knows us: what it has of ours is acknowledged. */
	collab_link_ack_rcv(peer, hello->rcv_nxt, 0, true, false, x);
	if (peer->state != COLLAB_PEER_UP)
		link_up(peer, x);
	if (!(h->flags & COLLAB_LF_UP))
		collab_link_send_hello(peer, x);
}

/*
 * A HELLO from @from, which proved that it receives there
 * (collab_peer_hello(), which parsed its body into @hello); consumes
 * @skb. In softirq. A link that is up lives on its own path: a HELLO
 * from elsewhere neither moves it nor starts it over.
 */
void collab_link_hello_rcv(struct collab_peer *peer, struct sk_buff *skb,
			   const union collab_sockaddr *from,
			   const struct collab_wire_hello *hello)
{
	const struct collab_link_hdr *h = (const void *)skb->data;
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (peer->dead)
		goto out;
	if (peer->state == COLLAB_PEER_UP &&
	    !collab_sockaddr_equal(&peer->addr, from)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NO_LINK);
		goto out;
	}
	peer->rx_packets++;
	if (hello->cookie)
		peer->echo = hello->cookie;
	BUILD_BUG_ON(sizeof(peer->name) != sizeof(hello->name));
	memcpy(peer->name, hello->name, sizeof(peer->name));
	hello_rcv(peer, h, hello, &x);
out:
	collab_link_unlock_flush(peer, &x);
	consume_skb(skb);
}

/* Any packet but BEACON and HELLO; consumes @skb. In softirq. */
void collab_link_rcv(struct collab_peer *peer, struct sk_buff *skb)
{
	const struct collab_link_hdr *h = (const void *)skb->data;
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (peer->dead || peer->state != COLLAB_PEER_UP ||
	    ntohl(h->src_epoch) != peer->remote_epoch ||
	    ntohl(h->dst_epoch) != peer->epoch) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NO_LINK);
		/* The other side thinks the link is up: start over. */
		if (!peer->dead && peer->state != COLLAB_PEER_UP)
			collab_link_send_hello(peer, &x);
		kfree_skb(skb);
		goto out;
	}
	peer->last_rx = jiffies;
	peer->rx_packets++;
	collab_link_ack_rcv(peer, ntohl(h->ack), ntohl(h->sack), false,
			    h->flags & COLLAB_LF_HELD, &x);
	switch (h->type) {
	case COLLAB_LINK_MSG:
	case COLLAB_LINK_ROUTE:
	case COLLAB_LINK_RECEIPT:
		collab_link_data_rcv(peer, skb, h, &x);
		break;
	case COLLAB_LINK_PROBE:
		collab_link_send_ctl(peer, COLLAB_LINK_ACK, &x);
		fallthrough;
	default:
		consume_skb(skb);
	}
out:
	collab_link_unlock_flush(peer, &x);
}

/* While the link is down, messages older than their lifetime go. */
static void expire(struct collab_peer *peer)
{
	unsigned long life = msecs_to_jiffies(READ_ONCE(peer->cn->lifetime_ms));
	long before = atomic_long_read(&peer->cn->stored_bytes);
	struct collab_tx_cb *cb;
	struct sk_buff *skb;
	bool mid = false;

	while ((skb = skb_peek(&peer->txq))) {
		cb = collab_tx_cb(skb);
		/* A message goes whole: its first fragment decides. */
		if (!mid && time_before(jiffies, cb->stored_at + life))
			break;
		mid = cb->type == COLLAB_LINK_MSG &&
		      !(cb->flags & COLLAB_LF_LAST);
		if (!mid && cb->type == COLLAB_LINK_MSG) {
			peer->expired += collab_link_msgs_in(skb);
			collab_stat_add(peer->cn, COLLAB_STAT_DROP_EXPIRED,
					collab_link_msgs_in(skb));
			if (cb->flags & COLLAB_TXF_CONFIRM)
				collab_receipt(peer->cn, &cb->src_id, cb->msgid,
					       ETIMEDOUT, &peer->id);
		}
		collab_link_unstore(peer, skb);
	}
	rewind(peer);
	collab_link_store_room(peer, before);
}

/* The handshake while down; probes and supervision while up. */
static void keepalive_fire(struct timer_list *t)
{
	struct collab_peer *peer = from_timer(peer, t, keepalive);
	unsigned long tol = msecs_to_jiffies(collab_link_tolerance_ms(peer));
	unsigned long next = msecs_to_jiffies(HELLO_MS);
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (peer->dead)
		goto out;
	if (peer->state == COLLAB_PEER_UP) {
		next = max(tol / 4, 1UL);
		if (time_after(jiffies, peer->last_rx + tol))
			collab_link_down(peer);
		else if (time_after_eq(jiffies, peer->last_tx + tol / 4))
			collab_link_send_ctl(peer, COLLAB_LINK_PROBE, &x);
	}
	if (peer->state != COLLAB_PEER_UP) {
		if (rcu_access_pointer(peer->bearer))
			collab_link_send_hello(peer, &x);
		expire(peer);
	}
	collab_link_reasm_expire(peer);
	mod_timer(&peer->keepalive, jiffies + next);
out:
	collab_link_unlock_flush(peer, &x);
}

void collab_link_init(struct collab_peer *peer)
{
	skb_queue_head_init(&peer->txq);
	skb_queue_head_init(&peer->ooo);
	skb_queue_head_init(&peer->backlog);
	init_waitqueue_head(&peer->store_wait);
	peer->cwnd = COLLAB_CWND_INIT;
	peer->rto_us = RTO_INIT_US;
	peer->snd_una = 1;
	peer->snd_sent = 1;
	peer->snd_nxt = 1;
	timer_setup(&peer->rtx_timer, collab_link_rtx_fire, 0);
	timer_setup(&peer->ack_timer, collab_link_ack_fire, 0);
	timer_setup(&peer->keepalive, keepalive_fire, 0);
}

/*
 * Once the peer is in the table: the handshake starts at once, unless it
 * was removed meanwhile (collab_link_destroy() stopped its timers).
 */
void collab_link_start(struct collab_peer *peer)
{
	spin_lock_bh(&peer->lock);
	if (!peer->dead)
		mod_timer(&peer->keepalive, jiffies);
	spin_unlock_bh(&peer->lock);
}

/* The peer goes with messages stored for it: counted, and receipts. */
static void forget_stored(struct collab_peer *peer)
{
	struct collab_tx_cb *cb;
	struct sk_buff *skb;

	skb_queue_walk(&peer->txq, skb) {
		cb = collab_tx_cb(skb);
		if (cb->type != COLLAB_LINK_MSG || !collab_link_msgs_in(skb))
			continue;
		collab_stat_add(peer->cn, COLLAB_STAT_DROP_PEER_GONE,
				collab_link_msgs_in(skb));
		if (cb->flags & COLLAB_TXF_CONFIRM)
			collab_receipt(peer->cn, &cb->src_id, cb->msgid,
				       EHOSTUNREACH, &peer->id);
	}
}

/* Once peer->dead is set: no timer arms again. */
void collab_link_destroy(struct collab_peer *peer)
{
	unsigned int stored;
	long before;

	del_timer_sync(&peer->keepalive);
	del_timer_sync(&peer->rtx_timer);
	del_timer_sync(&peer->ack_timer);

	spin_lock_bh(&peer->lock);
	if (peer->state == COLLAB_PEER_UP) {
		WRITE_ONCE(peer->state, COLLAB_PEER_DOWN);
		collab_peer_link_down(peer);
	}
	stored = peer->stored_msgs;
	forget_stored(peer);
	before = atomic_long_read(&peer->cn->stored_bytes);
	atomic_long_sub(peer->stored_bytes, &peer->cn->stored_bytes);
	collab_link_store_room(peer, before);
	peer->stored_msgs = 0;
	peer->stored_bytes = 0;
	peer->send_head = NULL;
	__skb_queue_purge(&peer->txq);
	collab_link_ooo_purge(peer);
	/* Taken on the link, not delivered: the peer stored them no more. */
	collab_stat_add(peer->cn, COLLAB_STAT_DROP_PEER_GONE,
			skb_queue_len(&peer->backlog) + !!peer->reasm);
	kfree_skb(peer->reasm);
	peer->reasm = NULL;
	__skb_queue_purge(&peer->backlog);
	collab_receipts_forget(peer);
	spin_unlock_bh(&peer->lock);
	collab_obj_add(peer->cn, COLLAB_OBJ_STORED, -stored);
}
