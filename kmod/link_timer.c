// SPDX-License-Identifier: GPL-2.0
/*
 * collab: round trips, the send window and the link's timers. One packet
 * is timed per round trip; the retransmission timeout follows the
 * smoothed round-trip time; the window halves on loss and grows again by
 * one packet per window. Acknowledgments (cumulative, and a bitmap of
 * what came beyond a gap) free the store and repair loss at once.
 */
#include <linux/sched/clock.h>

#include "link.h"
#include "receipt.h"
#include "relay.h"

u32 collab_link_tolerance_ms(struct collab_peer *peer)
{
	return READ_ONCE(peer->cn->tolerance_ms);
}

u32 collab_link_in_flight(const struct collab_peer *peer)
{
	struct collab_link *l = peer->link;

	return l->snd_sent - l->snd_una;
}

/* Retransmit at @at, whether or not a deadline is set (see link.h). */
static void rtx_deadline(struct collab_peer *peer, unsigned long at)
{
	struct collab_link *l = peer->link;

	l->rtx_at = at;
	l->rtx_due = true;
	if (!timer_pending(&l->rtx_timer) ||
	    time_after(l->rtx_timer.expires, at))
		mod_timer(&l->rtx_timer, at);
}

static unsigned long rto_from_now(const struct collab_peer *peer)
{
	struct collab_link *l = peer->link;

	return jiffies + usecs_to_jiffies(l->rto_us) + 1;
}

/* A deadline for what is in flight, unless one is set. */
void collab_link_arm_rtx(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;

	if (!peer->dead && collab_link_in_flight(peer) && !l->rtx_due)
		rtx_deadline(peer, rto_from_now(peer));
}

/* The timed packet is acknowledged: a round-trip sample. */
static void rtt_sample(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	s64 ns = local_clock() - l->rtt_ns;
	u32 r = clamp_t(s64, div_s64(ns, NSEC_PER_USEC), 0, RTO_MAX_US);
	u32 delta;

	l->rtt_timing = false;

	if (!l->srtt_us) {
		l->srtt_us = r;
		l->rttvar_us = r / 2;
	} else {
		delta = l->srtt_us > r ? l->srtt_us - r : r - l->srtt_us;
		l->rttvar_us = (3 * l->rttvar_us + delta) / 4;
		l->srtt_us = (7 * l->srtt_us + r) / 8;
	}
	l->rto_us = clamp_t(u32, l->srtt_us + 4 * l->rttvar_us,
			    RTO_MIN_US, RTO_MAX_US);
}

static void window_grow(struct collab_peer *peer, u32 acked)
{
	struct collab_link *l = peer->link;

	l->cwnd_acc += acked;
	if (l->cwnd_acc >= l->cwnd) {
		l->cwnd_acc = 0;
		if (l->cwnd < COLLAB_WINDOW)
			l->cwnd++;
	}
}

/*
 * Halve the window, once per loss episode: until what was in flight when
 * the loss was seen is acknowledged.
 */
static void window_cut(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;

	if (l->in_recovery &&
	    collab_seq_before(l->snd_una, l->recover_seq))
		return;
	l->in_recovery = true;
	l->recover_seq = l->snd_sent;
	l->cwnd = max_t(u32, l->cwnd / 2, COLLAB_CWND_MIN);
	l->cwnd_acc = 0;
}

static void rto_reset(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;

	if (l->srtt_us)
		l->rto_us = clamp_t(u32, l->srtt_us + 4 * l->rttvar_us,
				    RTO_MIN_US, RTO_MAX_US);
}

/*
 * Repair the gaps below the highest packet the receiver has. Bit n of
 * @sack is packet snd_una + 1 + n: the caller checked that the ACK's
 * cumulative number is snd_una.
 */
static void sack_rcv(struct collab_peer *peer, u32 sack, struct collab_xmit *x)
{
	struct collab_link *l = peer->link;

	/* Not what went less than a round trip ago. */
	unsigned long wait = usecs_to_jiffies(l->srtt_us + l->srtt_us / 4 +
					      RTO_MIN_US / 4);
	u32 top = l->snd_una + 1 + fls(sack);
	struct collab_tx_cb *cb;
	struct sk_buff *skb;
	bool lost = false;

	skb_queue_walk(&l->txq, skb) {
		cb = collab_tx_cb(skb);
		if (!collab_seq_before(cb->seq, top) ||
		    !collab_seq_before(cb->seq, l->snd_sent))
			break;
		if (cb->seq != l->snd_una &&
		    (sack & (1U << (cb->seq - l->snd_una - 1))))
			cb->sacked = true;
		if (cb->sacked || time_before(jiffies, cb->sent_at + wait))
			continue;
		collab_link_send_data(peer, skb, x);
		l->retransmits++;
		collab_stat_inc(peer->cn, COLLAB_STAT_RETRANSMITS);
		lost = true;
	}
	if (lost)
		window_cut(peer);
}

/*
 * The peer has our oldest packet but no room for it yet: neither it nor
 * the time it takes is a loss. The timer waits on while the peer says so,
 * and then only asks (see collab_link_rtx_fire()).
 */
static void held_rcv(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;

	collab_tx_cb(skb_peek(&l->txq))->sacked = true;
	rtx_deadline(peer, rto_from_now(peer));
}

/*
 * @ack: the next sequence number the peer expects. In a handshake it may
 * be anything stored (the link went down before its ACK came).
 */
void collab_link_ack_rcv(struct collab_peer *peer, u32 ack, u32 sack,
			 bool hello, bool held, struct collab_xmit *x)
{
	struct collab_link *l = peer->link;
	long before = atomic_long_read(&peer->cn->stored_bytes);
	struct collab_tx_cb *cb;
	struct sk_buff *skb;
	u32 acked = 0;

	/* Nothing beyond what was sent can be acknowledged. */
	if (collab_seq_after(ack, hello ? l->snd_nxt : l->snd_sent))
		return;
	while (collab_seq_before(l->snd_una, ack) &&
	       (skb = skb_peek(&l->txq))) {
		cb = collab_tx_cb(skb);
		if (l->rtt_timing && cb->seq == l->rtt_seq)
			rtt_sample(peer);
		/* The peer has the message now, and owes its receipt. */
		if (cb->type == COLLAB_LINK_MSG &&
		    (cb->flags & COLLAB_TXF_CONFIRM))
			collab_receipt_owed(peer, cb->msgid, &cb->src_id,
					    cb->multi);
		collab_link_unstore(peer, skb);
		acked++;
	}
	if (acked) {
		if (l->in_recovery &&
		    !collab_seq_before(l->snd_una, l->recover_seq))
			l->in_recovery = false;
		if (!l->in_recovery)
			window_grow(peer, acked);
		/* Progress: the timer backs off no more, and starts over. */
		rto_reset(peer);
		l->rtx_due = false;
		collab_link_store_room(peer, before);
	}
	l->held = held && ack == l->snd_una &&
		     collab_link_in_flight(peer);
	if (l->held)
		held_rcv(peer);
	/* A late ACK (reordered, duplicated) says nothing of what is new. */
	if (sack && ack == l->snd_una)
		sack_rcv(peer, sack, x);
	collab_link_push(peer, x);
}

void collab_link_rtx_fire(struct timer_list *t)
{
	struct collab_link *l = from_timer(l, t, rtx_timer);
	struct collab_peer *peer = l->peer;
	struct sk_buff *skb;
	struct collab_xmit x;
	u32 n = 0;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (peer->dead || peer->state != COLLAB_PEER_UP ||
	    !collab_link_in_flight(peer)) {
		l->rtx_due = false;
		goto idle;
	}
	/* Early: an ACK moved the deadline since the timer was set. */
	if (l->rtx_due && time_before(jiffies, l->rtx_at)) {
		mod_timer(&l->rtx_timer, l->rtx_at);
		goto idle;
	}
	l->rtx_due = false;
	collab_stat_inc(peer->cn, COLLAB_STAT_RTX_TIMEOUTS);
	l->rto_us = min_t(u32, l->rto_us * 2, RTO_MAX_US);
	/*
	 * The peer still waits for room for the oldest: ask again, as a
	 * zero window is probed, rather than send what it may well have.
	 */
	if (l->held) {
		collab_link_send_ctl(peer, COLLAB_LINK_PROBE, &x);
		rtx_deadline(peer, rto_from_now(peer));
		goto out;
	}
	/* Back off, and send again what the receiver has not reported. */
	l->in_recovery = false;
	window_cut(peer);
	skb_queue_walk(&l->txq, skb) {
		if (!collab_seq_before(collab_tx_cb(skb)->seq, l->snd_sent) ||
		    n >= l->cwnd)
			break;
		if (collab_tx_cb(skb)->sacked)
			continue;
		collab_link_send_data(peer, skb, &x);
		l->retransmits++;
		collab_stat_inc(peer->cn, COLLAB_STAT_RETRANSMITS);
		n++;
	}
	collab_link_arm_rtx(peer);
	goto out;
idle:
	collab_stat_inc(peer->cn, COLLAB_STAT_TIMER_IDLE_RTX);
out:
	collab_link_unlock_flush(peer, &x);
}

/* A delayed acknowledgment, and another try for a message short of memory. */
static void rx_retry(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (peer->dead)
		goto out;
	if (collab_link_rx_waits(peer)) {
		if (!collab_link_backlog_run(peer))
			goto out;
		collab_link_drain_ooo(peer);
		collab_link_send_ctl(peer, COLLAB_LINK_ACK, &x);
		collab_link_push(peer, &x);
	} else if (!l->ack_pending) {
		/* What it waited for rode on a packet that went out. */
		collab_stat_inc(peer->cn, COLLAB_STAT_TIMER_IDLE_ACK);
	}
	if (l->ack_pending && peer->state == COLLAB_PEER_UP)
		collab_link_send_ctl(peer, COLLAB_LINK_ACK, &x);
out:
	collab_link_unlock_flush(peer, &x);
	collab_relay_flush(peer);
}

void collab_link_ack_fire(struct timer_list *t)
{
	struct collab_link *l = from_timer(l, t, ack_timer);

	rx_retry(l->peer);
}
