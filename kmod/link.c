// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the reliable link to a peer.
 *
 * A handshake (HELLO) tells each side the other's epoch, the incarnation
 * of its end of the link, and where each stands in the other's sequence
 * space. Sequenced packets (message fragments and route records) are
 * numbered per link and kept on the sender's txq until the receiver
 * acknowledges them: cumulatively, plus a bitmap of what arrived beyond a
 * gap. Loss is repaired from the bitmap at once and by a timer derived
 * from the measured round-trip time (one packet timed per round trip);
 * the send window halves on loss and grows again by one packet per
 * window. Small messages share packets: those sent while the window is
 * full, or while a few small packets wait for their acknowledgment, join
 * the last packet not yet sent. The sequence space outlives the
 * link going down: what was stored is sent again when it comes back, and
 * the receiver drops what it has already seen.
 *
 * Every function here runs with peer->lock held, except where it says.
 * Packets to send are collected on a collab_xmit list under the lock and
 * handed to the bearer after it is dropped.
 */
#include <linux/ip.h>
#include <linux/ktime.h>
#include <linux/rculist.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <asm/unaligned.h>

#include "bearer.h"
#include "cookie.h"
#include "deliver.h"
#include "netlink.h"
#include "pages.h"
#include "peer.h"
#include "receipt.h"
#include "route.h"
#include "table.h"

#define RTO_INIT_US	200000
/* Not below the scheduling stalls of a busy virtual machine. */
#define RTO_MIN_US	40000
#define RTO_MAX_US	2000000
#define HELLO_MS	250	/* handshake retries while the link is down */
#define ACK_DELAY_MS	8

struct collab_xmit {
	struct sk_buff_head q;
	union collab_sockaddr to;
};

static void xmit_init(struct collab_peer *peer, struct collab_xmit *x)
{
	__skb_queue_head_init(&x->q);
	x->to = peer->addr;
}

/*
 * A packet with room for every header in front and for @len bytes, in
 * page fragments rather than kmalloc() memory, which is zeroed each time.
 */
static struct sk_buff *piece_alloc(unsigned int len)
{
	struct sk_buff *skb = collab_pages_skb(COLLAB_HEADROOM + len);

	if (!skb)
		skb = alloc_skb(COLLAB_HEADROOM + len, GFP_ATOMIC);
	if (skb)
		skb_reserve(skb, COLLAB_HEADROOM);
	return skb;
}

/*
 * The payload of each IP fragment of a datagram to @peer, or 0 where
 * datagrams are not laid out in pieces: over IPv6, where handing them to
 * ip6_fragment()'s fast path lost datagrams (hosts.sh ipv6_fragments).
 */
static unsigned int frag_space(struct collab_peer *peer)
{
	u32 mtu = READ_ONCE(peer->path_mtu) ?: 1500;

	if (peer->addr.sa.sa_family == AF_INET6)
		return 0;
	return (max_t(u32, mtu, 576) - sizeof(struct iphdr)) & ~7U;
}

/* Drops peer->lock, sends what was collected, turns BH back on. */
static void unlock_flush(struct collab_peer *peer, struct collab_xmit *x)
	__releases(&peer->lock)
{
	struct collab_bearer *b;
	u32 mtu = 0, own = 0;
	struct sk_buff *skb;

	spin_unlock(&peer->lock);
	if (skb_queue_empty(&x->q))
		goto out;
	rcu_read_lock();
	b = rcu_dereference(peer->bearer);
	while ((skb = __skb_dequeue(&x->q))) {
		if (!b || peer->dead)
			kfree_skb(skb);
		else
			collab_bearer_xmit(b, skb, &x->to, &peer->dst_cache,
					   &mtu);
	}
	if (b)
		own = b->mtu;
	rcu_read_unlock();
	if (mtu && mtu != READ_ONCE(peer->path_mtu)) {
		WRITE_ONCE(peer->path_mtu, mtu);
		/* How senders lay out large messages (alloc_pieces()). */
		WRITE_ONCE(peer->cn->frag_space, frag_space(peer));
	}
	/* A bearer's own MTU wins; IP fragments what the path cannot carry. */
	if (own)
		mtu = own;
	if (mtu && mtu != READ_ONCE(peer->mtu))
		WRITE_ONCE(peer->mtu, mtu);
out:
	local_bh_enable();
}

static u32 tolerance_ms(struct collab_peer *peer)
{
	return READ_ONCE(peer->cn->tolerance_ms);
}

/* Bit n: packet rcv_nxt + 1 + n waits in the out-of-order queue. */
static u32 sack_bits(struct collab_peer *peer)
{
	struct sk_buff *skb;
	u32 bits = 0, d;

	skb_queue_walk(&peer->ooo, skb) {
		/* In order, but held back by a message short of memory. */
		if (collab_tx_cb(skb)->seq == peer->rcv_nxt)
			continue;
		d = collab_tx_cb(skb)->seq - peer->rcv_nxt - 1;
		if (d >= COLLAB_SACK_BITS)
			break;
		bits |= 1U << d;
	}
	return bits;
}

/*
 * Whether packet rcv_nxt is here, held back while memory is short for a
 * message before it: the peer need not send it again.
 */
static bool rx_held(struct collab_peer *peer)
{
	struct sk_buff *skb = skb_peek(&peer->ooo);

	return skb && !skb_queue_empty(&peer->backlog) &&
	       collab_tx_cb(skb)->seq == peer->rcv_nxt;
}

/* Put a link header on @skb, which has the headroom for it. */
static struct sk_buff *push_hdr(struct collab_peer *peer, struct sk_buff *skb,
				u8 type, u8 flags, u32 seq)
{
	struct collab_link_hdr *h;

	h = skb_push(skb, sizeof(*h));
	memset(h, 0, sizeof(*h));
	h->version = COLLAB_WIRE_VERSION;
	h->type = type;
	h->flags = flags | (rx_held(peer) ? COLLAB_LF_HELD : 0);
	h->src_epoch = htonl(peer->epoch);
	h->dst_epoch = htonl(peer->remote_epoch);
	h->seq = htonl(seq);
	h->ack = htonl(peer->rcv_nxt);
	h->sack = htonl(sack_bits(peer));
	collab_node_id(peer->cn, &h->src_node);
	h->dst_node = peer->id;
	peer->ack_pending = 0;
	peer->last_tx = jiffies;
	peer->tx_packets++;
	return skb;
}

/*
 * What goes out for a packet laid out in fragments: a head of its own,
 * whose shared info GSO may change, over the stored pieces themselves
 * (see the bearer's ufo4()).
 */
static struct sk_buff *pieces_share(struct sk_buff *data)
{
	struct sk_buff *skb, *p;

	skb = piece_alloc(skb_headlen(data));
	if (!skb)
		return NULL;
	skb_put_data(skb, data->data, skb_headlen(data));
	skb_shinfo(skb)->frag_list = skb_shinfo(data)->frag_list;
	skb_walk_frags(data, p) {
		skb_get(p);
		skb->len += p->len;
		skb->data_len += p->len;
		skb->truesize += p->truesize;
	}
	return skb;
}

/* A packet for the wire: a header in front of @data (NULL: none). */
static struct sk_buff *build(struct collab_peer *peer, struct sk_buff *data,
			     u8 type, u8 flags, u32 seq)
{
	struct sk_buff *skb;

	if (data && skb_has_frag_list(data) && !skb_shinfo(data)->nr_frags) {
		skb = pieces_share(data);
	} else if (data) {
		/*
		 * The stored packet stays as it is. Its clone writes the
		 * headers into the headroom, copied only while an earlier
		 * transmission still holds it.
		 */
		skb = skb_clone(data, GFP_ATOMIC);
		if (skb && skb_cow_head(skb, COLLAB_HEADROOM)) {
			kfree_skb(skb);
			skb = NULL;
		}
	} else {
		skb = collab_link_alloc(0, GFP_ATOMIC);
	}
	if (!skb)
		return NULL;
	return push_hdr(peer, skb, type, flags, seq);
}

static void send_ctl(struct collab_peer *peer, u8 type, struct collab_xmit *x)
{
	struct sk_buff *skb = build(peer, NULL, type, 0, 0);

	if (skb)
		__skb_queue_tail(&x->q, skb);
}

static void send_hello(struct collab_peer *peer, struct collab_xmit *x)
{
	struct collab_hello *hello;
	struct sk_buff *skb;
	u8 flags;

	skb = collab_hello_build(peer->cn, COLLAB_LINK_HELLO, COLLAB_HEADROOM);
	if (!skb)
		return;
	hello = (struct collab_hello *)skb->data;
	hello->snd_una = htonl(peer->snd_una);
	hello->rcv_nxt = htonl(peer->rcv_nxt);
	hello->cookie = cpu_to_be64(collab_cookie(peer->cn, &peer->addr,
						  &peer->id));
	hello->echo = cpu_to_be64(peer->echo);
	flags = peer->state == COLLAB_PEER_UP ? COLLAB_LF_UP : 0;
	__skb_queue_tail(&x->q, push_hdr(peer, skb, COLLAB_LINK_HELLO, flags, 0));
}

/*
 * Whether the receiver should acknowledge this packet at once rather than
 * with the next COLLAB_ACK_EVERY: a packet sent again or during a loss
 * episode, those after which the small ones wait, and, in a window too
 * small for the receiver's own pace, the one a quarter of a window beyond
 * the last asked for or acknowledged. (Not the one timed: a request's
 * acknowledgment rides on its answer, and answers keep snd_una close.)
 */
static bool ack_wanted(struct collab_peer *peer, struct collab_tx_cb *cb)
{
	u32 every = clamp_t(u32, min_t(u32, peer->cwnd, COLLAB_WINDOW) / 4, 1,
			    COLLAB_ACK_EVERY);
	u32 since = collab_seq_after(peer->snd_una, peer->ack_asked) ?
		    peer->snd_una : peer->ack_asked;
	bool waits = cb->tries > 1 || peer->in_recovery ||
		     ((cb->flags & COLLAB_TXF_SMALL) &&
		      peer->small_in_flight >= COLLAB_SMALL_MAX) ||
		     (s32)(cb->seq - since) >= (s32)every;

	if (waits && collab_seq_after(cb->seq, peer->ack_asked))
		peer->ack_asked = cb->seq;
	return waits;
}

static void send_data(struct collab_peer *peer, struct sk_buff *skb,
		      struct collab_xmit *x)
{
	struct collab_tx_cb *cb = collab_tx_cb(skb);
	u8 flags = cb->flags & COLLAB_LF_KNOWN;
	struct sk_buff *pkt;

	cb->tries++;
	cb->sent_at = jiffies;
	/* Karn: a packet sent again times nothing. */
	if (cb->tries > 1 && peer->rtt_timing && cb->seq == peer->rtt_seq) {
		peer->rtt_timing = false;
	} else if (cb->tries == 1 && !peer->rtt_timing) {
		peer->rtt_timing = true;
		peer->rtt_seq = cb->seq;
		peer->rtt_ns = local_clock();
	}
	if (ack_wanted(peer, cb))
		flags |= COLLAB_LF_ACK_NOW;
	pkt = build(peer, skb, cb->type, flags, cb->seq);
	if (pkt)
		__skb_queue_tail(&x->q, pkt);
}

static u32 in_flight(const struct collab_peer *peer)
{
	return peer->snd_sent - peer->snd_una;
}

/* Retransmit at @at, whether or not a deadline is set (see peer.h). */
static void rtx_deadline(struct collab_peer *peer, unsigned long at)
{
	peer->rtx_at = at;
	peer->rtx_due = true;
	if (!timer_pending(&peer->rtx_timer) ||
	    time_after(peer->rtx_timer.expires, at))
		mod_timer(&peer->rtx_timer, at);
}

static unsigned long rto_from_now(const struct collab_peer *peer)
{
	return jiffies + usecs_to_jiffies(peer->rto_us) + 1;
}

/* A deadline for what is in flight, unless one is set. */
static void arm_rtx(struct collab_peer *peer)
{
	if (!peer->dead && in_flight(peer) && !peer->rtx_due)
		rtx_deadline(peer, rto_from_now(peer));
}

/* Whole messages (one, or a bundle) whose senders want no receipts. */
static bool bundlable(struct sk_buff *skb)
{
	struct collab_tx_cb *cb = collab_tx_cb(skb);
	u8 whole = COLLAB_LF_FIRST | COLLAB_LF_LAST;

	return cb->type == COLLAB_LINK_MSG &&
	       (cb->flags & (whole | COLLAB_TXF_CONFIRM)) == whole;
}

/*
 * The largest bundle: COLLAB_BUNDLE_MAX whatever the MTU, since one IP
 * fragment lost loses the datagram, and every message a bundle carries.
 */
static unsigned int bundle_max(struct collab_peer *peer)
{
	/* Each message's length, in the low bits of its __be16. */
	BUILD_BUG_ON(COLLAB_BUNDLE_MAX > COLLAB_BE_LEN_MASK);
	return min_t(unsigned int, collab_link_mss(peer), COLLAB_BUNDLE_MAX);
}

/* A packet that more messages could still join. */
static bool small(struct sk_buff *skb, unsigned int mss)
{
	return bundlable(skb) && skb->len < mss / 2;
}

/*
 * Send new packets while the window has room. With COLLAB_SMALL_MAX
 * small packets unacknowledged, the last one waits for their
 * acknowledgments, and the messages sent meanwhile join it (Nagle's rule,
 * for a few packets rather than one): a stream of small messages fills
 * packets, while a lone request goes at once. Under loss nothing waits:
 * the packets behind a lost one are what reports it.
 */
static void push(struct collab_peer *peer, struct collab_xmit *x)
{
	unsigned int mss = bundle_max(peer);
	struct sk_buff *skb;

	if (peer->state != COLLAB_PEER_UP)
		return;
	while ((skb = peer->send_head) &&
	       in_flight(peer) < min_t(u32, peer->cwnd, COLLAB_WINDOW)) {
		if (small(skb, mss)) {
			/* Not in a loss episode: then every packet counts. */
			if (peer->small_in_flight >= COLLAB_SMALL_MAX &&
			    !peer->in_recovery &&
			    skb_queue_is_last(&peer->txq, skb))
				break;
			collab_tx_cb(skb)->flags |= COLLAB_TXF_SMALL;
			peer->small_in_flight++;
		}
		send_data(peer, skb, x);
		peer->snd_sent++;
		peer->send_head = skb_queue_is_last(&peer->txq, skb) ? NULL :
				  skb->next;
	}
	arm_rtx(peer);
}

/* The timed packet is acknowledged: a round-trip sample. */
static void rtt_sample(struct collab_peer *peer)
{
	s64 ns = local_clock() - peer->rtt_ns;
	u32 r = clamp_t(s64, div_s64(ns, NSEC_PER_USEC), 0, RTO_MAX_US);
	u32 delta;

	peer->rtt_timing = false;

	if (!peer->srtt_us) {
		peer->srtt_us = r;
		peer->rttvar_us = r / 2;
	} else {
		delta = peer->srtt_us > r ? peer->srtt_us - r : r - peer->srtt_us;
		peer->rttvar_us = (3 * peer->rttvar_us + delta) / 4;
		peer->srtt_us = (7 * peer->srtt_us + r) / 8;
	}
	peer->rto_us = clamp_t(u32, peer->srtt_us + 4 * peer->rttvar_us,
			       RTO_MIN_US, RTO_MAX_US);
}

/* The messages a stored packet completes: a bundle's, the last fragment's. */
static unsigned int msgs_in(struct sk_buff *skb)
{
	struct collab_tx_cb *cb = collab_tx_cb(skb);

	if (cb->type != COLLAB_LINK_MSG)
		return 1;
	if (cb->flags & COLLAB_LF_BUNDLE)
		return cb->nr_msgs;
	return cb->flags & COLLAB_LF_LAST ? 1 : 0;
}

/* One packet off the store: its message is delivered, or given up. */
static void unstore(struct collab_peer *peer, struct sk_buff *skb)
{
	unsigned int msgs = msgs_in(skb);

	if (collab_tx_cb(skb)->flags & COLLAB_TXF_SMALL)
		peer->small_in_flight--;
	peer->stored_bytes -= skb->len;
	atomic_long_sub(skb->len, &peer->cn->stored_bytes);
	peer->stored_msgs -= msgs;
	collab_obj_add(peer->cn, COLLAB_OBJ_STORED, -msgs);
	if (peer->send_head == skb)
		peer->send_head = skb_queue_is_last(&peer->txq, skb) ? NULL :
				  skb->next;
	__skb_unlink(skb, &peer->txq);
	consume_skb(skb);
	peer->snd_una++;
	if (collab_seq_before(peer->snd_sent, peer->snd_una))
		peer->snd_sent = peer->snd_una;
}

static void window_grow(struct collab_peer *peer, u32 acked)
{
	peer->cwnd_acc += acked;
	if (peer->cwnd_acc >= peer->cwnd) {
		peer->cwnd_acc = 0;
		if (peer->cwnd < COLLAB_WINDOW)
			peer->cwnd++;
	}
}

/*
 * Halve the window, once per loss episode: until what was in flight when
 * the loss was seen is acknowledged.
 */
static void window_cut(struct collab_peer *peer)
{
	if (peer->in_recovery &&
	    collab_seq_before(peer->snd_una, peer->recover_seq))
		return;
	peer->in_recovery = true;
	peer->recover_seq = peer->snd_sent;
	peer->cwnd = max_t(u32, peer->cwnd / 2, COLLAB_CWND_MIN);
	peer->cwnd_acc = 0;
}

static void rto_reset(struct collab_peer *peer)
{
	if (peer->srtt_us)
		peer->rto_us = clamp_t(u32, peer->srtt_us + 4 * peer->rttvar_us,
				       RTO_MIN_US, RTO_MAX_US);
}

/*
 * Repair the gaps below the highest packet the receiver has. Bit n of
 * @sack is packet snd_una + 1 + n: the caller checked that the ACK's
 * cumulative number is snd_una.
 */
static void sack_rcv(struct collab_peer *peer, u32 sack, struct collab_xmit *x)
{
	/* Not what went less than a round trip ago. */
	unsigned long wait = usecs_to_jiffies(peer->srtt_us + peer->srtt_us / 4 +
					      RTO_MIN_US / 4);
	u32 top = peer->snd_una + 1 + fls(sack);
	struct collab_tx_cb *cb;
	struct sk_buff *skb;
	bool lost = false;

	skb_queue_walk(&peer->txq, skb) {
		cb = collab_tx_cb(skb);
		if (!collab_seq_before(cb->seq, top) ||
		    !collab_seq_before(cb->seq, peer->snd_sent))
			break;
		if (cb->seq != peer->snd_una &&
		    (sack & (1U << (cb->seq - peer->snd_una - 1))))
			cb->sacked = true;
		if (cb->sacked || time_before(jiffies, cb->sent_at + wait))
			continue;
		send_data(peer, skb, x);
		peer->retransmits++;
		collab_stat_inc(peer->cn, COLLAB_STAT_RETRANSMITS);
		lost = true;
	}
	if (lost)
		window_cut(peer);
}

/*
 * Stored packets went: wake the senders waiting for room for this peer,
 * and, when the namespace's store had been full (@before: its bytes
 * then), those waiting for any peer.
 */
static void store_room(struct collab_peer *peer, long before)
{
	struct collab_net *cn = peer->cn;
	struct collab_peer *p;

	if (before < COLLAB_STORE_NET_BYTES ||
	    atomic_long_read(&cn->stored_bytes) >= COLLAB_STORE_NET_BYTES) {
		if (wq_has_sleeper(&peer->store_wait))
			wake_up_interruptible_poll(&peer->store_wait, EPOLLOUT);
		return;
	}
	rcu_read_lock();
	list_for_each_entry_rcu(p, &cn->all_peers, all_node)
		if (wq_has_sleeper(&p->store_wait))
			wake_up_interruptible_poll(&p->store_wait, EPOLLOUT);
	rcu_read_unlock();
}

/*
 * The peer has our oldest packet but no room for it yet: neither it nor
 * the time it takes is a loss. The timer waits on while the peer says so,
 * and then only asks (see rtx_fire()).
 */
static void held_rcv(struct collab_peer *peer)
{
	collab_tx_cb(skb_peek(&peer->txq))->sacked = true;
	rtx_deadline(peer, rto_from_now(peer));
}

/*
 * @ack: the next sequence number the peer expects. In a handshake it may
 * be anything stored (the link went down before its ACK came).
 */
static void ack_rcv(struct collab_peer *peer, u32 ack, u32 sack, bool hello,
		    bool held, struct collab_xmit *x)
{
	long before = atomic_long_read(&peer->cn->stored_bytes);
	struct collab_tx_cb *cb;
	struct sk_buff *skb;
	u32 acked = 0;

	/* Nothing beyond what was sent can be acknowledged. */
	if (collab_seq_after(ack, hello ? peer->snd_nxt : peer->snd_sent))
		return;
	while (collab_seq_before(peer->snd_una, ack) &&
	       (skb = skb_peek(&peer->txq))) {
		cb = collab_tx_cb(skb);
		if (peer->rtt_timing && cb->seq == peer->rtt_seq)
			rtt_sample(peer);
		/* The peer has the message now, and owes its receipt. */
		if (cb->type == COLLAB_LINK_MSG &&
		    (cb->flags & COLLAB_TXF_CONFIRM))
			collab_receipt_owed(peer, cb->msgid, &cb->src_id);
		unstore(peer, skb);
		acked++;
	}
	if (acked) {
		if (peer->in_recovery &&
		    !collab_seq_before(peer->snd_una, peer->recover_seq))
			peer->in_recovery = false;
		if (!peer->in_recovery)
			window_grow(peer, acked);
		/* Progress: the timer backs off no more, and starts over. */
		rto_reset(peer);
		peer->rtx_due = false;
		store_room(peer, before);
	}
	peer->held = held && ack == peer->snd_una && in_flight(peer);
	if (peer->held)
		held_rcv(peer);
	/* A late ACK (reordered, duplicated) says nothing of what is new. */
	if (sack && ack == peer->snd_una)
		sack_rcv(peer, sack, x);
	push(peer, x);
}

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
	peer->link_gen++;
	peer->last_rx = jiffies;
	peer->cwnd = COLLAB_CWND_INIT;
	peer->cwnd_acc = 0;
	collab_obj_add(peer->cn, COLLAB_OBJ_PEERS_UP, 1);
	collab_nl_peer_event(peer, COLLAB_CMD_PEER_UP);
	/* The full route sync, then what waited in the store. */
	schedule_work(&peer->work);
	rewind(peer);
	push(peer, x);
	mod_timer(&peer->keepalive, jiffies +
		  msecs_to_jiffies(tolerance_ms(peer) / 4));
}

void collab_link_down(struct collab_peer *peer)
{
	if (peer->state != COLLAB_PEER_UP)
		return;
	WRITE_ONCE(peer->state, COLLAB_PEER_DOWN);
	peer->down_since = jiffies;
	collab_obj_add(peer->cn, COLLAB_OBJ_PEERS_UP, -1);
	collab_nl_peer_event(peer, COLLAB_CMD_PEER_DOWN);
	del_timer(&peer->rtx_timer);
	peer->rtx_due = false;
	rewind(peer);
	if (!peer->dead)
		mod_timer(&peer->keepalive, jiffies + msecs_to_jiffies(HELLO_MS));
}

/*
 * The out-of-order queue holds at most rx_peer_bytes of a peer's packets
 * (by truesize), and those of all peers at most rx_net_bytes; the packet
 * the link waits for (rcv_nxt) is always taken, so that the queue drains.
 */
static bool ooo_room(struct collab_peer *peer, const struct sk_buff *skb)
{
	struct collab_net *cn = peer->cn;

	return peer->ooo_bytes + skb->truesize <=
			READ_ONCE(cn->rx_peer_bytes) &&
	       atomic_long_read(&cn->ooo_bytes) + skb->truesize <=
			READ_ONCE(cn->rx_net_bytes);
}

static void ooo_charge(struct collab_peer *peer, long truesize)
{
	peer->ooo_bytes += truesize;
	atomic_long_add(truesize, &peer->cn->ooo_bytes);
}

static void ooo_unlink(struct collab_peer *peer, struct sk_buff *skb)
{
	__skb_unlink(skb, &peer->ooo);
	ooo_charge(peer, -(long)skb->truesize);
}

static void ooo_purge(struct collab_peer *peer)
{
	struct sk_buff *skb;

	while ((skb = skb_peek(&peer->ooo))) {
		ooo_unlink(peer, skb);
		kfree_skb(skb);
	}
}

/* Drop the receive state of an old incarnation of the peer. */
static void rx_reset(struct collab_peer *peer, u32 start)
{
	ooo_purge(peer);
	kfree_skb(peer->reasm);
	peer->reasm = NULL;
	peer->rcv_nxt = start;
}

/* The peer expired what it held for us before @start: skip it. */
static void rx_skip_to(struct collab_peer *peer, u32 start)
{
	struct sk_buff *skb;

	if (!collab_seq_after(start, peer->rcv_nxt))
		return;
	peer->rcv_nxt = start;
	kfree_skb(peer->reasm);
	peer->reasm = NULL;
	while ((skb = skb_peek(&peer->ooo)) &&
	       collab_seq_before(collab_tx_cb(skb)->seq, start)) {
		ooo_unlink(peer, skb);
		kfree_skb(skb);
	}
}

static void hello_rcv(struct collab_peer *peer, const struct collab_link_hdr *h,
		      const struct collab_wire_hello *hello,
		      struct collab_xmit *x)
{
	u32 src_epoch = ntohl(h->src_epoch);

	/* A cookie from a node with no link to us yet: now it has ours. */
	if (!src_epoch) {
		send_hello(peer, x);
		return;
	}
	if (src_epoch != peer->remote_epoch) {
		/* A new incarnation: what we knew of its side is void. */
		collab_link_down(peer);
		peer->remote_epoch = src_epoch;
		rx_reset(peer, hello->snd_una);
		collab_receipts_forget(peer);
	} else {
		rx_skip_to(peer, hello->snd_una);
	}
	if (ntohl(h->dst_epoch) != peer->epoch) {
		send_hello(peer, x);
		return;
	}
	/* It knows us: what it has of ours is acknowledged. */
	ack_rcv(peer, hello->rcv_nxt, 0, true, false, x);
	if (peer->state != COLLAB_PEER_UP)
		link_up(peer, x);
	if (!(h->flags & COLLAB_LF_UP))
		send_hello(peer, x);
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
	xmit_init(peer, &x);
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
	unlock_flush(peer, &x);
	consume_skb(skb);
}

/* Append sequenced packets to the store; push() sends them. */
static void store(struct collab_peer *peer, struct sk_buff_head *pkts,
		  unsigned int msgs)
{
	struct collab_tx_cb *cb;
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(pkts))) {
		/* Its transmissions write their headers in front of it. */
		if (!skb_cloned(skb))
			__skb_header_release(skb);
		cb = collab_tx_cb(skb);
		cb->seq = peer->snd_nxt++;
		cb->stored_at = jiffies;
		cb->tries = 0;
		cb->sacked = false;
		peer->stored_bytes += skb->len;
		atomic_long_add(skb->len, &peer->cn->stored_bytes);
		__skb_queue_tail(&peer->txq, skb);
		if (!peer->send_head)
			peer->send_head = skb;
	}
	peer->stored_msgs += msgs;
	collab_obj_add(peer->cn, COLLAB_OBJ_STORED, msgs);
}

/* Tell the peer what became of its message: @err 0 or a negative errno. */
static void store_receipt(struct collab_peer *peer,
			  const struct collab_receipt_rec *r, int err)
{
	struct collab_receipt_rec *rec;
	struct sk_buff_head one;
	struct sk_buff *skb;

	/* A peer that never acknowledges does not fill our memory. */
	skb = peer->stored_msgs < 2 * READ_ONCE(peer->cn->store_max_msgs) ?
	      collab_link_alloc(sizeof(*rec), GFP_ATOMIC) : NULL;
	if (!skb) {
		collab_stat_inc(peer->cn, COLLAB_STAT_RECEIPTS_LOST);
		return;
	}
	rec = skb_put(skb, sizeof(*rec));
	*rec = *r;
	rec->status = htonl(-err);
	collab_tx_cb(skb)->type = COLLAB_LINK_RECEIPT;
	collab_tx_cb(skb)->flags = 0;
	__skb_queue_head_init(&one);
	__skb_queue_tail(&one, skb);
	store(peer, &one, 1);
}

/* A receipt for a message of ours; consumes @skb. */
static void receipt_rcv(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_wire_receipt r;

	if (!pskb_may_pull(skb, min_t(unsigned int, skb->len,
				      sizeof(struct collab_receipt_rec))) ||
	    collab_wire_receipt(skb->data, skb->len, &r)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_MALFORMED);
		goto out;
	}
	if (!collab_receipt_answers(peer, r.msgid, &r.src_id)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_RECEIPT);
		goto out;
	}
	collab_receipt(peer->cn, &r.src_id, r.msgid, r.status, &peer->id);
out:
	consume_skb(skb);
}

/* ---- receiving messages ------------------------------------------------- */

/*
 * Whether the message's source instance may be the peer's: not one that
 * another peer announced, nor one bound here.
 */
static bool msg_source_ok(struct collab_peer *peer,
			  const struct collab_frame *f)
{
	struct collab_peer *owner;
	bool local;

	rcu_read_lock();
	owner = collab_route_owner(peer->cn, &f->src_id);
	local = collab_find_instance(peer->cn, &f->src_id);
	rcu_read_unlock();
	return (!owner || owner == peer) && !local;
}

/* The counter of the drop of a message from @peer, or -1 if it may go on. */
static int msg_drop(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_guid self;

	collab_node_id(peer->cn, &self);
	switch (collab_wire_frame(skb->data, skb_headlen(skb), skb->len,
				  &peer->id, &self)) {
	case COLLAB_WIRE_OK:
		break;
	case COLLAB_WIRE_NOT_OURS:
		return COLLAB_STAT_DROP_NOT_OURS;
	default:
		return COLLAB_STAT_DROP_MALFORMED;
	}
	if (!msg_source_ok(peer, collab_frame(skb)))
		return COLLAB_STAT_DROP_GUID_TAKEN;
	return -1;
}

/*
 * Hand a whole message to its receivers here. False when memory is
 * short: the caller keeps it, and the link waits.
 */
static bool msg_deliver(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_receipt_rec r = {};
	struct collab_net *cn = peer->cn;
	const struct collab_frame *f;
	int err, drop;
	bool confirm;

	drop = msg_drop(peer, skb);
	if (drop >= 0) {
		collab_stat_inc(cn, drop);
		kfree_skb(skb);
		return true;
	}
	f = collab_frame(skb);
	confirm = f->flags & COLLAB_FF_CONFIRM;
	r.msgid = f->msgid;
	r.src_id = f->src_id;
	memset(collab_cb(skb), 0, sizeof(struct collab_skb_cb));
	err = collab_deliver_rx(cn, skb);
	if (err == -ENOMEM)
		return false;
	if (confirm)
		store_receipt(peer, &r, err);
	/* A receiver that had no room at all is counted as such. */
	if (err && err != -ENOBUFS)
		collab_stat_inc(cn, COLLAB_STAT_DROP_NO_ROUTE);
	if (!err) {
		peer->rx_msgs++;
		collab_stat_inc(cn, COLLAB_STAT_RX_REMOTE);
	}
	return true;
}

/*
 * Deliver the backlog in order; false if its head waits for memory, in
 * which case the link tries again at the next jiffy. Any packet from the
 * peer, such as its probes while it sees us hold, tries as well.
 */
static bool backlog_run(struct collab_peer *peer)
{
	struct sk_buff *skb;

	while ((skb = skb_peek(&peer->backlog))) {
		__skb_unlink(skb, &peer->backlog);
		if (!msg_deliver(peer, skb)) {
			__skb_queue_head(&peer->backlog, skb);
			mod_timer(&peer->ack_timer, jiffies + 1);
			return false;
		}
	}
	return true;
}

/* The messages of a bundle, each in an skb of its own, onto the backlog. */
static void bundle_split(struct collab_peer *peer, struct sk_buff *skb)
{
	u8 buf[COLLAB_ENTRY_PEEK];
	struct collab_wire_bundle b;
	struct sk_buff *msg;
	u32 payload;
	int len;

	if (collab_wire_bundle_init(&b, skb->len))
		goto bad;
	while (b.off < b.len) {
		len = min_t(u32, b.len - b.off, sizeof(buf));
		if (skb_copy_bits(skb, b.off, buf, len))
			goto bad;
		len = collab_wire_bundle_next(&b, buf, len, &payload);
		if (len < 0)
			goto bad;
		/* Page fragments: unlike kmalloc(), not zeroed each time. */
		msg = collab_pages_skb(sizeof(b.f) + len) ?:
		      alloc_skb(sizeof(b.f) + len, GFP_ATOMIC);
		if (!msg) {
			collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NOMEM);
			break;
		}
		skb_put_data(msg, &b.f, sizeof(b.f));
		skb_copy_bits(skb, payload, skb_put(msg, len), len);
		__skb_queue_tail(&peer->backlog, msg);
	}
	consume_skb(skb);
	return;
bad:
	collab_stat_inc(peer->cn, COLLAB_STAT_DROP_MALFORMED);
	kfree_skb(skb);
}

/*
 * What the first fragment of a message being put together keeps in its
 * cb: the last skb on its frag_list, which only reasm_add() appends to
 * (a datagram that IP reassembled comes with a frag_list of its own,
 * whose members' prev pointers mean nothing), when it began, and what
 * collab_wire_frag() counts.
 */
struct reasm_cb {
	struct sk_buff *tail;
	unsigned long started;		/* jiffies */
	struct collab_wire_reasm r;
};

static struct reasm_cb *reasm_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct reasm_cb) > sizeof(skb->cb));
	return (struct reasm_cb *)skb->cb;
}

/* The first fragment of a message that more will follow. */
static void reasm_start(struct collab_peer *peer, struct sk_buff *skb,
			const struct collab_wire_reasm *r)
{
	struct reasm_cb *rc;
	struct sk_buff *p;

	/* Its frag_list grows: that must be ours alone. */
	if (skb_unclone(skb, GFP_ATOMIC)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NOMEM);
		kfree_skb(skb);
		return;
	}
	rc = reasm_cb(skb);
	rc->tail = NULL;
	skb_walk_frags(skb, p)
		rc->tail = p;
	rc->started = jiffies;
	rc->r = *r;
	peer->reasm = skb;
}

static void reasm_append(struct sk_buff *head, struct sk_buff *skb)
{
	struct reasm_cb *rc = reasm_cb(head);

	skb->next = NULL;
	if (rc->tail)
		rc->tail->next = skb;
	else
		skb_shinfo(head)->frag_list = skb;
	rc->tail = skb;
	head->len += skb->len;
	head->data_len += skb->len;
	head->truesize += skb->truesize;
}

/*
 * Add a fragment to the message being put together: the message once it
 * is whole, else NULL. A run of fragments that breaks the rules goes,
 * whole, as malformed.
 */
static struct sk_buff *reasm_add(struct collab_peer *peer, struct sk_buff *skb,
				 u8 flags)
{
	struct sk_buff *head = peer->reasm;
	struct collab_wire_reasm r = {};
	struct sk_buff *msg = NULL;

	switch (collab_wire_frag(head ? &reasm_cb(head)->r : &r, head, flags,
				 skb->len, skb->truesize)) {
	case COLLAB_FRAG_WHOLE:
		if (!pskb_may_pull(skb, sizeof(struct collab_frame)))
			goto nomem;
		return skb;
	case COLLAB_FRAG_START:
		if (!pskb_may_pull(skb, sizeof(struct collab_frame)))
			goto nomem;
		reasm_start(peer, skb, &r);
		return NULL;
	case COLLAB_FRAG_DONE:
		msg = head;
		peer->reasm = NULL;
		fallthrough;
	case COLLAB_FRAG_MORE:
		reasm_append(head, skb);
		return msg;
	default:
		kfree_skb(peer->reasm);
		peer->reasm = NULL;
		kfree_skb(skb);
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_MALFORMED);
		return NULL;
	}

nomem:
	kfree_skb(skb);
	collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NOMEM);
	return NULL;
}

/*
 * A message whose fragments stopped coming goes once it is older than
 * the lifetime of a stored message (the sender would have dropped it
 * too), and never sooner than twice the tolerance.
 */
static void reasm_expire(struct collab_peer *peer)
{
	unsigned long ms = max(READ_ONCE(peer->cn->lifetime_ms),
			       2 * tolerance_ms(peer));

	if (!peer->reasm ||
	    time_before(jiffies, reasm_cb(peer->reasm)->started +
				 msecs_to_jiffies(ms)))
		return;
	kfree_skb(peer->reasm);
	peer->reasm = NULL;
	collab_stat_inc(peer->cn, COLLAB_STAT_DROP_REASM);
}

/* One sequenced packet, in order; false if the link must wait. */
static bool seq_rcv(struct collab_peer *peer, struct sk_buff *skb)
{
	u8 type = collab_tx_cb(skb)->type, flags = collab_tx_cb(skb)->flags;
	struct sk_buff *msg;

	peer->rcv_nxt++;
	if (type == COLLAB_LINK_ROUTE) {
		collab_route_rcv(peer, skb);
		return true;
	}
	if (type == COLLAB_LINK_RECEIPT) {
		receipt_rcv(peer, skb);
		return true;
	}
	if ((flags & COLLAB_LF_BUNDLE) && (flags & COLLAB_LF_FIRST) &&
	    (flags & COLLAB_LF_LAST)) {
		bundle_split(peer, skb);
		return backlog_run(peer);
	}
	msg = reasm_add(peer, skb, flags);
	if (msg)
		__skb_queue_tail(&peer->backlog, msg);
	return backlog_run(peer);
}

/* Everything that is now in order, unless a message waits for room. */
static void drain_ooo(struct collab_peer *peer)
{
	struct sk_buff *skb;

	while (skb_queue_empty(&peer->backlog) &&
	       (skb = skb_peek(&peer->ooo)) &&
	       collab_tx_cb(skb)->seq == peer->rcv_nxt) {
		ooo_unlink(peer, skb);
		seq_rcv(peer, skb);
	}
}

/* Keep a packet that came early, in sequence order; false if a copy. */
static bool ooo_insert(struct collab_peer *peer, struct sk_buff *skb, u32 seq)
{
	struct sk_buff *pos;

	skb_queue_reverse_walk(&peer->ooo, pos) {
		u32 s = collab_tx_cb(pos)->seq;

		if (s == seq)
			return false;
		if (collab_seq_before(s, seq)) {
			__skb_queue_after(&peer->ooo, pos, skb);
			ooo_charge(peer, skb->truesize);
			return true;
		}
	}
	__skb_queue_head(&peer->ooo, skb);
	ooo_charge(peer, skb->truesize);
	return true;
}

/*
 * How long a lone packet's acknowledgment waits for a packet going back
 * to ride on: long enough for a reply (a request and its answer then take
 * two packets, not four), far below the sender's shortest timeout.
 */
static unsigned long ack_delay(void)
{
	return max(msecs_to_jiffies(ACK_DELAY_MS), 2UL);
}

static void ack_now_or_later(struct collab_peer *peer, bool now,
			     struct collab_xmit *x)
{
	peer->ack_pending++;
	if (now || peer->ack_pending >= COLLAB_ACK_EVERY ||
	    !skb_queue_empty(&peer->ooo))
		send_ctl(peer, COLLAB_LINK_ACK, x);
	else if (!timer_pending(&peer->ack_timer))
		mod_timer(&peer->ack_timer, jiffies + ack_delay());
}

static void data_rcv(struct collab_peer *peer, struct sk_buff *skb,
		     const struct collab_link_hdr *h, struct collab_xmit *x)
{
	bool ask = h->flags & COLLAB_LF_ACK_NOW;
	struct collab_tx_cb *cb = collab_tx_cb(skb);
	u32 seq = ntohl(h->seq);

	cb->seq = seq;
	cb->type = h->type;
	cb->flags = h->flags;
	__skb_pull(skb, sizeof(*h));

	if (collab_seq_before(seq, peer->rcv_nxt)) {
		peer->duplicates++;
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_DUPLICATE);
		kfree_skb(skb);
		ack_now_or_later(peer, true, x);
		return;
	}
	if (!collab_seq_before(seq, peer->rcv_nxt + COLLAB_WINDOW)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_WINDOW);
		kfree_skb(skb);
		return;
	}
	if (seq != peer->rcv_nxt || !skb_queue_empty(&peer->backlog)) {
		if (seq != peer->rcv_nxt && !ooo_room(peer, skb)) {
			collab_stat_inc(peer->cn, COLLAB_STAT_DROP_RX_FULL);
			kfree_skb(skb);
			return;
		}
		if (!ooo_insert(peer, skb, seq)) {
			peer->duplicates++;
			collab_stat_inc(peer->cn, COLLAB_STAT_DROP_DUPLICATE);
			kfree_skb(skb);
		}
		ack_now_or_later(peer, true, x);
		return;
	}
	seq_rcv(peer, skb);
	drain_ooo(peer);
	ack_now_or_later(peer, ask, x);
	/* Receipts the messages gave rise to. */
	push(peer, x);
}

/* Any packet but BEACON and HELLO; consumes @skb. In softirq. */
void collab_link_rcv(struct collab_peer *peer, struct sk_buff *skb)
{
	const struct collab_link_hdr *h = (const void *)skb->data;
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	xmit_init(peer, &x);
	if (peer->dead || peer->state != COLLAB_PEER_UP ||
	    ntohl(h->src_epoch) != peer->remote_epoch ||
	    ntohl(h->dst_epoch) != peer->epoch) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NO_LINK);
		/* The other side thinks the link is up: start over. */
		if (!peer->dead && peer->state != COLLAB_PEER_UP)
			send_hello(peer, &x);
		kfree_skb(skb);
		goto out;
	}
	peer->last_rx = jiffies;
	peer->rx_packets++;
	ack_rcv(peer, ntohl(h->ack), ntohl(h->sack), false,
		h->flags & COLLAB_LF_HELD, &x);
	switch (h->type) {
	case COLLAB_LINK_MSG:
	case COLLAB_LINK_ROUTE:
	case COLLAB_LINK_RECEIPT:
		data_rcv(peer, skb, h, &x);
		break;
	case COLLAB_LINK_PROBE:
		send_ctl(peer, COLLAB_LINK_ACK, &x);
		fallthrough;
	default:
		consume_skb(skb);
	}
out:
	unlock_flush(peer, &x);
}

/* ---- timers ------------------------------------------------------------- */

static void rtx_fire(struct timer_list *t)
{
	struct collab_peer *peer = from_timer(peer, t, rtx_timer);
	struct sk_buff *skb;
	struct collab_xmit x;
	u32 n = 0;

	spin_lock_bh(&peer->lock);
	xmit_init(peer, &x);
	if (peer->dead || peer->state != COLLAB_PEER_UP || !in_flight(peer)) {
		peer->rtx_due = false;
		goto out;
	}
	/* Early: an ACK moved the deadline since the timer was set. */
	if (peer->rtx_due && time_before(jiffies, peer->rtx_at)) {
		mod_timer(&peer->rtx_timer, peer->rtx_at);
		goto out;
	}
	peer->rtx_due = false;
	peer->rto_us = min_t(u32, peer->rto_us * 2, RTO_MAX_US);
	/*
	 * The peer still waits for room for the oldest: ask again, as a
	 * zero window is probed, rather than send what it may well have.
	 */
	if (peer->held) {
		send_ctl(peer, COLLAB_LINK_PROBE, &x);
		rtx_deadline(peer, rto_from_now(peer));
		goto out;
	}
	/* Back off, and send again what the receiver has not reported. */
	peer->in_recovery = false;
	window_cut(peer);
	skb_queue_walk(&peer->txq, skb) {
		if (!collab_seq_before(collab_tx_cb(skb)->seq, peer->snd_sent) ||
		    n >= peer->cwnd)
			break;
		if (collab_tx_cb(skb)->sacked)
			continue;
		send_data(peer, skb, &x);
		peer->retransmits++;
		collab_stat_inc(peer->cn, COLLAB_STAT_RETRANSMITS);
		n++;
	}
	arm_rtx(peer);
out:
	unlock_flush(peer, &x);
}

/* A delayed acknowledgment, and another try for a message short of memory. */
static void rx_retry(struct collab_peer *peer)
{
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	xmit_init(peer, &x);
	if (peer->dead)
		goto out;
	if (!skb_queue_empty(&peer->backlog)) {
		if (!backlog_run(peer))
			goto out;
		drain_ooo(peer);
		send_ctl(peer, COLLAB_LINK_ACK, &x);
		push(peer, &x);
	}
	if (peer->ack_pending && peer->state == COLLAB_PEER_UP)
		send_ctl(peer, COLLAB_LINK_ACK, &x);
out:
	unlock_flush(peer, &x);
}

static void ack_fire(struct timer_list *t)
{
	struct collab_peer *peer = from_timer(peer, t, ack_timer);

	rx_retry(peer);
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
			peer->expired += msgs_in(skb);
			collab_stat_add(peer->cn, COLLAB_STAT_DROP_EXPIRED,
					msgs_in(skb));
			if (cb->flags & COLLAB_TXF_CONFIRM)
				collab_receipt(peer->cn, &cb->src_id, cb->msgid,
					       ETIMEDOUT, &peer->id);
		}
		unstore(peer, skb);
	}
	rewind(peer);
	store_room(peer, before);
}

/* The handshake while down; probes and supervision while up. */
static void keepalive_fire(struct timer_list *t)
{
	struct collab_peer *peer = from_timer(peer, t, keepalive);
	unsigned long tol = msecs_to_jiffies(tolerance_ms(peer));
	unsigned long next = msecs_to_jiffies(HELLO_MS);
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	xmit_init(peer, &x);
	if (peer->dead)
		goto out;
	if (peer->state == COLLAB_PEER_UP) {
		next = max(tol / 4, 1UL);
		if (time_after(jiffies, peer->last_rx + tol))
			collab_link_down(peer);
		else if (time_after_eq(jiffies, peer->last_tx + tol / 4))
			send_ctl(peer, COLLAB_LINK_PROBE, &x);
	}
	if (peer->state != COLLAB_PEER_UP) {
		if (rcu_access_pointer(peer->bearer))
			send_hello(peer, &x);
		expire(peer);
	}
	reasm_expire(peer);
	mod_timer(&peer->keepalive, jiffies + next);
out:
	unlock_flush(peer, &x);
}

/* ---- sending ------------------------------------------------------------ */

/* Whether a sender may store another message for @peer (lockless). */
bool collab_link_has_room(struct collab_peer *peer)
{
	struct collab_net *cn = peer->cn;

	return READ_ONCE(peer->dead) ||
	       (READ_ONCE(peer->stored_msgs) < READ_ONCE(cn->store_max_msgs) &&
		READ_ONCE(peer->stored_bytes) < COLLAB_STORE_BYTES &&
		atomic_long_read(&cn->stored_bytes) < COLLAB_STORE_NET_BYTES);
}

/* An skb for @len bytes of link payload, with room for every header. */
struct sk_buff *collab_link_alloc(unsigned int len, gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(COLLAB_HEADROOM + len, gfp);

	if (skb)
		skb_reserve(skb, COLLAB_HEADROOM);
	return skb;
}

/* Payload bytes of one link packet to @peer. */
unsigned int collab_link_mss(struct collab_peer *peer)
{
	u32 mtu = READ_ONCE(peer->mtu) ?: 1500;
	unsigned int ip = peer->addr.sa.sa_family == AF_INET6 ?
			  sizeof(struct ipv6hdr) : sizeof(struct iphdr);

	mtu = max_t(u32, mtu, 576);
	return mtu - ip - sizeof(struct udphdr) - sizeof(struct collab_link_hdr);
}

/* Whether two frame headers agree in all but msgid and len. */
static bool frame_same(const struct collab_frame *a,
		       const struct collab_frame *b)
{
	return !memcmp(a, b, offsetof(struct collab_frame, len)) &&
	       a->reserved2 == b->reserved2 &&
	       !memcmp(&a->src_node, &b->src_node,
		       sizeof(*a) - offsetof(struct collab_frame, src_node));
}

/*
 * A whole message for a bundle: a stored packet (@skb, its header in the
 * head), or a header and a payload still in user memory (@from).
 */
struct bundle_msg {
	const struct collab_frame *f;
	const struct sk_buff *skb;
	struct iov_iter *from;
	unsigned int len;		/* header and payload */
};

static void bundle_msg_skb(struct bundle_msg *m, const struct sk_buff *skb)
{
	m->f = skb_headlen(skb) >= sizeof(*m->f) ? collab_frame(skb) : NULL;
	m->skb = skb;
	m->from = NULL;
	m->len = skb->len;
}

/*
 * How @m would follow the last message of @tail in a bundle: 0 (with
 * its header), COLLAB_BE_SAME, or COLLAB_BE_SAME | COLLAB_BE_NEXT.
 */
static u16 bundle_code(struct sk_buff *tail, const struct bundle_msg *m)
{
	const struct collab_frame *f = m->f, *last;
	struct collab_tx_cb *cb = collab_tx_cb(tail);
	struct collab_frame buf;
	u64 last_msgid;

	if (!f)
		return 0;
	if (cb->flags & COLLAB_LF_BUNDLE) {
		last = skb_header_pointer(tail, cb->last, sizeof(buf), &buf);
		last_msgid = cb->last_msgid;
	} else {
		last = skb_header_pointer(tail, 0, sizeof(buf), &buf);
		last_msgid = last ? collab_frame_msgid(last) : 0;
	}
	if (!last || !frame_same(f, last))
		return 0;
	if (collab_frame_msgid(f) == last_msgid + 1)
		return COLLAB_BE_SAME | COLLAB_BE_NEXT;
	return COLLAB_BE_SAME;
}

/* The bytes that @m takes in a bundle, its __be16 included. */
static unsigned int entry_len(const struct bundle_msg *m, u16 code)
{
	unsigned int len = COLLAB_BUNDLE_LEN + m->len;

	if (!(code & COLLAB_BE_SAME))
		return len;
	len -= sizeof(struct collab_frame);
	return code & COLLAB_BE_NEXT ? len : len + sizeof(__be64);
}

/* A stored packet that @len more bytes may join: unsent and whole. */
static bool bundle_open(struct collab_peer *peer, struct sk_buff *tail,
			unsigned int len, unsigned int mss)
{
	struct collab_tx_cb *cb = collab_tx_cb(tail);

	if (cb->flags & COLLAB_LF_BUNDLE)
		return tail->len + len <= mss;
	return COLLAB_BUNDLE_LEN + tail->len <= mss / 2 &&
	       COLLAB_BUNDLE_LEN + tail->len + len <= mss;
}

/*
 * Up to *@len bytes more at the end of bundle @b: where to write them, and
 * in *@len how many fit there. NULL if there is no memory. The bundle is
 * laid out as IP fragments it (COLLAB_FRAG0_HDRS), so that IP sends its
 * pieces as they are, where from pages a device that cannot gather would
 * need every byte copied into each fragment.
 */
static void *bundle_space(struct sk_buff *b, unsigned int *len)
{
	struct collab_tx_cb *cb = collab_tx_cb(b);
	unsigned int cap = cb->piece - COLLAB_FRAG0_HDRS;
	struct sk_buff *tail = b, *p;

	if (cb->tail) {
		tail = cb->tail;
		cap = cb->piece;
	}
	if (tail->len >= cap) {
		cap = cb->piece;
		p = piece_alloc(cap);
		if (!p)
			return NULL;
		/* Its transmissions write their headers in front of it. */
		__skb_header_release(p);
		if (cb->tail)
			cb->tail->next = p;
		else
			skb_shinfo(b)->frag_list = p;
		cb->tail = p;
		b->truesize += p->truesize;
		tail = p;
	}
	cap = min(cap, tail->len + skb_tailroom(tail));
	*len = min(*len, cap - tail->len);
	if (tail != b) {
		b->len += *len;
		b->data_len += *len;
	}
	return skb_put(tail, *len);
}

/*
 * Cut bundle @b back to its first @len bytes, which it had before a write
 * that failed: the pieces past them go, the last one left is the tail.
 */
static void bundle_trim(struct sk_buff *b, unsigned int len)
{
	struct collab_tx_cb *cb = collab_tx_cb(b);
	unsigned int off = skb_headlen(b);
	struct sk_buff *p, *next, *tail = NULL;

	if (len <= off) {
		next = skb_shinfo(b)->frag_list;
		skb_shinfo(b)->frag_list = NULL;
		b->data_len = 0;
		b->len = off;
		__skb_trim(b, len);
	} else {
		skb_walk_frags(b, p) {
			if (off + p->len >= len) {
				__skb_trim(p, len - off);
				tail = p;
				break;
			}
			off += p->len;
		}
		next = tail->next;
		tail->next = NULL;
		b->data_len -= b->len - len;
		b->len = len;
	}
	cb->tail = tail;
	for (p = next; p; p = next) {
		next = p->next;
		b->truesize -= p->truesize;
		kfree_skb(p);
	}
}

/*
 * Append @len bytes to bundle @b: from @buf, from @src at @off, or else
 * from user memory at @from (with page faults off: false if short).
 */
static bool bundle_write(struct sk_buff *b, const void *buf,
			 const struct sk_buff *src, struct iov_iter *from,
			 unsigned int off, unsigned int len)
{
	unsigned int n;
	void *p;

	while (len) {
		n = len;
		p = bundle_space(b, &n);
		if (!p)
			return false;
		if (buf)
			memcpy(p, buf + off, n);
		else if (src)
			skb_copy_bits(src, off, p, n);
		else if (copy_from_iter(p, n, from) != n)
			return false;
		off += n;
		len -= n;
	}
	return true;
}

/* The message itself, from its header on (@same: from its payload on). */
static bool bundle_write_msg(struct sk_buff *b, const struct bundle_msg *m,
			     bool same)
{
	unsigned int hdr = sizeof(struct collab_frame), off = same ? hdr : 0;

	if (m->skb)
		return bundle_write(b, NULL, m->skb, NULL, off, m->len - off);
	return (same || bundle_write(b, m->f, NULL, NULL, 0, hdr)) &&
	       bundle_write(b, NULL, NULL, m->from, 0, m->len - hdr);
}

/* Append @m to bundle @b as @code says. */
static bool bundle_put(struct sk_buff *b, const struct bundle_msg *m,
		       u16 code)
{
	unsigned int old = b->len, pre = COLLAB_BUNDLE_LEN;
	struct collab_tx_cb *cb = collab_tx_cb(b);
	u8 head[COLLAB_BUNDLE_LEN + sizeof(__be64)];
	u64 msgid;

	/* A message without a whole header in its head has none to share. */
	if (!m->f) {
		if (code)
			return false;
		msgid = 0;
	} else {
		msgid = collab_frame_msgid(m->f);
	}
	put_unaligned_be16(code | (entry_len(m, code) - COLLAB_BUNDLE_LEN),
			   head);
	if ((code & COLLAB_BE_SAME) && !(code & COLLAB_BE_NEXT)) {
		put_unaligned_be64(msgid, head + pre);
		pre += sizeof(__be64);
	}
	if (!bundle_write(b, head, NULL, NULL, 0, pre) ||
	    !bundle_write_msg(b, m, code & COLLAB_BE_SAME)) {
		bundle_trim(b, old);
		return false;
	}
	if (!(code & COLLAB_BE_SAME))
		cb->last = old + COLLAB_BUNDLE_LEN;
	cb->last_msgid = msgid;
	cb->nr_msgs++;
	return true;
}

/* The last stored packet, a message of its own, as a bundle of one. */
static struct sk_buff *bundle_new(struct collab_peer *peer,
				  struct sk_buff *tail)
{
	unsigned int piece = frag_space(peer) ?:
			     bundle_max(peer) + COLLAB_FRAG0_HDRS;
	struct collab_tx_cb *cb;
	struct bundle_msg m;
	struct sk_buff *b;

	b = piece_alloc(min(piece - COLLAB_FRAG0_HDRS, bundle_max(peer)));
	if (!b)
		return NULL;
	__skb_header_release(b);
	cb = collab_tx_cb(b);
	*cb = *collab_tx_cb(tail);
	cb->flags |= COLLAB_LF_BUNDLE;
	cb->tail = NULL;
	cb->nr_msgs = 0;
	cb->piece = piece;
	bundle_msg_skb(&m, tail);
	if (!bundle_put(b, &m, 0)) {
		kfree_skb(b);
		return NULL;
	}
	peer->stored_bytes += b->len - tail->len;
	atomic_long_add(b->len - tail->len, &peer->cn->stored_bytes);
	if (peer->send_head == tail)
		peer->send_head = b;
	__skb_queue_after(&peer->txq, tail, b);
	__skb_unlink(tail, &peer->txq);
	consume_skb(tail);
	return b;
}

/*
 * While packets wait for the window, a small whole message joins the last
 * of them rather than taking a packet (and a round of acknowledgments) of
 * its own. Never one sent before, though a link that went down sends it
 * again: the peer may have it, and would take it again as a copy. True if
 * @m went into a bundle.
 */
static bool bundle_join(struct collab_peer *peer, const struct bundle_msg *m)
{
	struct sk_buff *tail = skb_peek_tail(&peer->txq);
	unsigned int mss = bundle_max(peer), len;
	u16 code;

	if (!tail || !peer->send_head || collab_tx_cb(tail)->tries ||
	    !bundlable(tail) || COLLAB_BUNDLE_LEN + m->len > mss / 2)
		return false;
	code = bundle_code(tail, m);
	len = entry_len(m, code);
	if (!bundle_open(peer, tail, len, mss))
		return false;
	if (!(collab_tx_cb(tail)->flags & COLLAB_LF_BUNDLE))
		tail = bundle_new(peer, tail);
	if (!tail || !bundle_put(tail, m, code))
		return false;
	peer->stored_bytes += len;
	atomic_long_add(len, &peer->cn->stored_bytes);
	peer->stored_msgs++;
	collab_obj_add(peer->cn, COLLAB_OBJ_STORED, 1);
	return true;
}

/* A stored packet of one message into a bundle; true if it went (freed). */
static bool bundle(struct collab_peer *peer, struct sk_buff *skb)
{
	struct bundle_msg m;

	if (!bundlable(skb))
		return false;
	bundle_msg_skb(&m, skb);
	if (!bundle_join(peer, &m))
		return false;
	consume_skb(skb);
	return true;
}

/*
 * A small message (header @f, then @f->len bytes at @from) for @peer,
 * copied from user memory straight into the bundle that waits for the
 * window: no packet of its own is ever built, and no copy made on the
 * way. The copy runs under the lock with page faults off. False if there
 * is no bundle it may join, if the peer went, or if the payload is not
 * at hand without a fault: @from is then as it was, and the caller
 * stores the message as a packet. In process context.
 */
bool collab_link_bundle(struct collab_peer *peer, const struct collab_frame *f,
			struct iov_iter *from)
{
	struct bundle_msg m = {
		.f = f,
		.from = from,
		.len = sizeof(*f) + collab_frame_len(f),
	};
	struct iov_iter saved;
	struct collab_xmit x;
	bool done;

	/*
	 * Unlocked, a hint: with nothing unsent there is no bundle to join
	 * (bundle_join() checks again under the lock), and a lone message
	 * takes the lock only once, to be stored.
	 */
	if ((f->flags & COLLAB_FF_CONFIRM) || !data_race(peer->send_head))
		return false;
	saved = *from;
	spin_lock_bh(&peer->lock);
	xmit_init(peer, &x);
	pagefault_disable();
	done = !peer->dead && bundle_join(peer, &m);
	pagefault_enable();
	if (done) {
		peer->tx_msgs++;
		push(peer, &x);
	}
	unlock_flush(peer, &x);
	if (!done)
		*from = saved;
	return done;
}

/*
 * Store the packets of @msgs messages (or route records) for @peer and
 * send what the window allows. In process context; -EHOSTUNREACH when the
 * peer went meanwhile. Consumes @pkts.
 */
int collab_link_enqueue(struct collab_peer *peer, struct sk_buff_head *pkts,
			unsigned int msgs)
{
	struct collab_xmit x;
	struct sk_buff *skb;

	spin_lock_bh(&peer->lock);
	xmit_init(peer, &x);
	if (peer->dead) {
		__skb_queue_purge(pkts);
		unlock_flush(peer, &x);
		return -EHOSTUNREACH;
	}
	if (skb_peek(pkts) && collab_tx_cb(skb_peek(pkts))->type == COLLAB_LINK_MSG)
		peer->tx_msgs += msgs;
	skb = skb_peek(pkts);
	if (skb_queue_len(pkts) == 1 && collab_tx_cb(skb)->type == COLLAB_LINK_MSG) {
		__skb_unlink(skb, pkts);
		if (!bundle(peer, skb))
			__skb_queue_tail(pkts, skb);
	}
	if (!skb_queue_empty(pkts))
		store(peer, pkts, msgs);
	push(peer, &x);
	unlock_flush(peer, &x);
	return 0;
}

/* ---- life --------------------------------------------------------------- */

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
	timer_setup(&peer->rtx_timer, rtx_fire, 0);
	timer_setup(&peer->ack_timer, ack_fire, 0);
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
		if (cb->type != COLLAB_LINK_MSG || !msgs_in(skb))
			continue;
		collab_stat_add(peer->cn, COLLAB_STAT_DROP_PEER_GONE,
				msgs_in(skb));
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
		collab_obj_add(peer->cn, COLLAB_OBJ_PEERS_UP, -1);
		collab_nl_peer_event(peer, COLLAB_CMD_PEER_DOWN);
	}
	stored = peer->stored_msgs;
	forget_stored(peer);
	before = atomic_long_read(&peer->cn->stored_bytes);
	atomic_long_sub(peer->stored_bytes, &peer->cn->stored_bytes);
	store_room(peer, before);
	peer->stored_msgs = 0;
	peer->stored_bytes = 0;
	peer->send_head = NULL;
	__skb_queue_purge(&peer->txq);
	ooo_purge(peer);
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
