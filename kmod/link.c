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
#include "relay.h"

/* Everything not acknowledged goes again, from the oldest. */
static void rewind(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct sk_buff *skb;

	l->snd_sent = l->snd_una;
	l->send_head = skb_peek(&l->txq);
	l->small_in_flight = 0;
	l->held = false;
	l->rtt_timing = false;
	skb_queue_walk(&l->txq, skb) {
		collab_tx_cb(skb)->sacked = false;
		collab_tx_cb(skb)->flags &= ~COLLAB_TXF_SMALL;
	}
}

static void link_up(struct collab_peer *peer, struct collab_xmit *x)
{
	struct collab_link *l = peer->link;

	l->last_rx = jiffies;
	l->cwnd = COLLAB_CWND_INIT;
	l->cwnd_acc = 0;
	/* The full route sync, then what waited in the store. */
	collab_peer_link_up(peer);
	rewind(peer);
	collab_link_push(peer, x);
	mod_timer(&l->keepalive, jiffies +
		  msecs_to_jiffies(collab_link_tolerance_ms(peer) / 4));
}

void collab_link_down(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;

	if (peer->state != COLLAB_PEER_UP)
		return;
	collab_peer_link_down(peer);
	del_timer(&l->rtx_timer);
	l->rtx_due = false;
	rewind(peer);
	if (!peer->dead)
		mod_timer(&l->keepalive, jiffies + msecs_to_jiffies(HELLO_MS));
}

static void hello_rcv(struct collab_peer *peer, const struct collab_link_hdr *h,
		      const struct collab_wire_hello *hello,
		      struct collab_xmit *x)
{
	struct collab_link *l = peer->link;
	u32 src_epoch = ntohl(h->src_epoch);

	/* A cookie from a node with no link to us yet: now it has ours. */
	if (!src_epoch) {
		collab_link_send_hello(peer, x);
		return;
	}
	if (src_epoch != l->remote_epoch) {
		/* A new incarnation: what we knew of its side is void. */
		collab_link_down(peer);
		l->remote_epoch = src_epoch;
		collab_link_rx_reset(peer, hello->snd_una);
		collab_receipts_forget(peer);
		collab_peer_routes_unknown(peer);
	} else {
		collab_link_rx_skip_to(peer, hello->snd_una);
	}
	if (ntohl(h->dst_epoch) != l->epoch) {
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
	struct collab_link *l = peer->link;
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
	/* In clear, the key it announces; sealed, the one it proved. */
	if (!h->key_id && !collab_crypto_peer_key(peer, hello->public_key)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_UNTRUSTED);
		goto out;
	}
	l->rx_packets++;
	if (hello->cookie)
		l->echo = hello->cookie;
	BUILD_BUG_ON(sizeof(peer->name) != sizeof(hello->name));
	memcpy(peer->name, hello->name, sizeof(peer->name));
	if (collab_crypto_hello(peer, ntohl(h->src_epoch), h->key_id, &x))
		hello_rcv(peer, h, hello, &x);
out:
	collab_link_unlock_flush(peer, &x);
	consume_skb(skb);
}

/*
 * A handshake message from the peer's address, its body checked and
 * linear; consumes @skb. In softirq.
 */
void collab_link_hs_rcv(struct collab_peer *peer, struct sk_buff *skb,
			const union collab_sockaddr *from)
{
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (peer->dead || !collab_sockaddr_equal(&peer->addr, from)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NO_LINK);
		kfree_skb(skb);
	} else {
		collab_hs_rcv(peer, skb, &x);
	}
	collab_link_unlock_flush(peer, &x);
}

/* Any packet but BEACON and HELLO; consumes @skb. In softirq. */
void collab_link_rcv(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_link *l = peer->link;
	const struct collab_link_hdr *h = (const void *)skb->data;
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (!collab_crypto_sealed_ok(peer, h->key_id)) {
		kfree_skb(skb);
		goto out;
	}
	if (peer->dead || peer->state != COLLAB_PEER_UP ||
	    ntohl(h->src_epoch) != l->remote_epoch ||
	    ntohl(h->dst_epoch) != l->epoch) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NO_LINK);
		/* The other side thinks the link is up: start over. */
		if (!peer->dead && peer->state != COLLAB_PEER_UP)
			collab_link_send_hello(peer, &x);
		kfree_skb(skb);
		goto out;
	}
	l->last_rx = jiffies;
	l->rx_packets++;
	collab_link_ack_rcv(peer, ntohl(h->ack), ntohl(h->sack), false,
			    h->flags & COLLAB_LF_HELD, &x);
	switch (h->type) {
	case COLLAB_LINK_MSG:
	case COLLAB_LINK_ROUTE:
	case COLLAB_LINK_REACH:
	case COLLAB_LINK_DISTANT:
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
	collab_relay_flush(peer);
}

/* While the link is down, messages older than their lifetime go. */
static void expire(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	unsigned long life = msecs_to_jiffies(READ_ONCE(peer->cn->lifetime_ms));
	long before = atomic_long_read(&peer->cn->stored_bytes);
	struct collab_tx_cb *cb;
	struct sk_buff *skb;
	bool mid = false;

	while ((skb = skb_peek(&l->txq))) {
		cb = collab_tx_cb(skb);
		/* A message goes whole: its first fragment decides. */
		if (!mid && time_before(jiffies, cb->stored_at + life))
			break;
		mid = cb->type == COLLAB_LINK_MSG &&
		      !(cb->flags & COLLAB_LF_LAST);
		if (!mid && cb->type == COLLAB_LINK_MSG) {
			l->expired += collab_link_msgs_in(skb);
			collab_stat_add(peer->cn, COLLAB_STAT_DROP_EXPIRED,
					collab_link_msgs_in(skb));
			/* A kept one goes again from its source. */
			if ((cb->flags & COLLAB_TXF_CONFIRM) && !cb->kept)
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
	struct collab_link *l = from_timer(l, t, keepalive);
	struct collab_peer *peer = l->peer;
	unsigned long tol = msecs_to_jiffies(collab_link_tolerance_ms(peer));
	unsigned long next = msecs_to_jiffies(HELLO_MS);
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (peer->dead)
		goto out;
	if (peer->state == COLLAB_PEER_UP) {
		next = max(tol / 4, 1UL);
		if (time_after(jiffies, l->last_rx + tol))
			collab_link_down(peer);
		else if (time_after_eq(jiffies, l->last_tx + tol / 4))
			collab_link_send_ctl(peer, COLLAB_LINK_PROBE, &x);
	}
	if (peer->state != COLLAB_PEER_UP) {
		if (rcu_access_pointer(peer->bearer))
			collab_link_send_hello(peer, &x);
		expire(peer);
	}
	/* A handshake while down, a rekey when the keys are old. */
	if (rcu_access_pointer(peer->bearer))
		collab_crypto_kick(peer, &x);
	collab_link_reasm_expire(peer);
	mod_timer(&l->keepalive, jiffies + next);
out:
	collab_link_unlock_flush(peer, &x);
}

/* The link of a new peer, down; it starts with collab_link_start(). */
int collab_link_init(struct collab_peer *peer, gfp_t gfp)
{
	struct collab_link *l = kzalloc(sizeof(*l), gfp);

	if (!l)
		return -ENOMEM;
	l->peer = peer;
	l->epoch = get_random_u32() | 1;
	skb_queue_head_init(&l->txq);
	skb_queue_head_init(&l->ooo);
	skb_queue_head_init(&l->backlog);
	skb_queue_head_init(&l->relay);
	l->cwnd = COLLAB_CWND_INIT;
	l->rto_us = RTO_INIT_US;
	l->snd_una = 1;
	l->snd_sent = 1;
	l->snd_nxt = 1;
	timer_setup(&l->rtx_timer, collab_link_rtx_fire, 0);
	timer_setup(&l->ack_timer, collab_link_ack_fire, 0);
	timer_setup(&l->keepalive, keepalive_fire, 0);
	peer->link = l;
	return 0;
}

/* When the peer goes, after collab_link_destroy() if it ever started. */
void collab_link_free(struct collab_peer *peer)
{
	kfree(peer->link);
}

/* Under peer->lock. */
void collab_link_info(struct collab_peer *peer, struct collab_link_info *i)
{
	const struct collab_link *l = peer->link;

	i->srtt_us = l->srtt_us;
	i->rto_us = l->rto_us;
	i->cwnd = l->cwnd;
	i->stored_msgs = l->stored_msgs;
	i->stored_bytes = l->stored_bytes;
	i->in_flight = l->snd_sent - l->snd_una;
	i->tx_msgs = l->tx_msgs;
	i->rx_msgs = l->rx_msgs;
	i->tx_packets = l->tx_packets;
	i->rx_packets = l->rx_packets;
	i->retransmits = l->retransmits;
	i->duplicates = l->duplicates;
	i->expired = l->expired;
}

/* Messages stored for the peer, under peer->lock. */
unsigned int collab_link_stored(struct collab_peer *peer)
{
	return peer->link->stored_msgs;
}

/*
 * Once the peer is in the table: the handshake starts at once, unless it
 * was removed meanwhile (collab_link_destroy() stopped its timers).
 */
void collab_link_start(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;

	spin_lock_bh(&peer->lock);
	if (!peer->dead)
		mod_timer(&l->keepalive, jiffies);
	spin_unlock_bh(&peer->lock);
}

/* The peer goes with messages stored for it: counted, and receipts. */
static void forget_stored(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct collab_tx_cb *cb;
	struct sk_buff *skb;

	skb_queue_walk(&l->txq, skb) {
		cb = collab_tx_cb(skb);
		if (cb->type != COLLAB_LINK_MSG || !collab_link_msgs_in(skb))
			continue;
		collab_stat_add(peer->cn, COLLAB_STAT_DROP_PEER_GONE,
				collab_link_msgs_in(skb));
		if ((cb->flags & COLLAB_TXF_CONFIRM) && !cb->kept)
			collab_receipt(peer->cn, &cb->src_id, cb->msgid,
				       EHOSTUNREACH, &peer->id);
	}
}

/* Once peer->dead is set: no timer arms again. */
void collab_link_destroy(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	unsigned int stored;
	long before;

	del_timer_sync(&l->keepalive);
	del_timer_sync(&l->rtx_timer);
	del_timer_sync(&l->ack_timer);

	spin_lock_bh(&peer->lock);
	if (peer->state == COLLAB_PEER_UP)
		collab_peer_link_down(peer);
	stored = l->stored_msgs;
	forget_stored(peer);
	before = atomic_long_read(&peer->cn->stored_bytes);
	atomic_long_sub(l->stored_bytes, &peer->cn->stored_bytes);
	collab_link_store_room(peer, before);
	l->stored_msgs = 0;
	l->stored_bytes = 0;
	l->send_head = NULL;
	__skb_queue_purge(&l->txq);
	/* Taken on the link, not delivered: the peer stored them no more. */
	collab_stat_add(peer->cn, COLLAB_STAT_DROP_PEER_GONE,
			skb_queue_len(&l->backlog) + !!l->reasm +
			skb_queue_len(&l->relay) + collab_bundle_drop(peer));
	__skb_queue_purge(&l->relay);
	collab_link_rx_reset(peer, l->rcv_nxt);
	__skb_queue_purge(&l->backlog);
	collab_receipts_forget(peer);
	spin_unlock_bh(&peer->lock);
	collab_obj_add(peer->cn, COLLAB_OBJ_STORED, -stored);
}
