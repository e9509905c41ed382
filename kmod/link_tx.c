// SPDX-License-Identifier: GPL-2.0
/*
 * collab: sending on a link, and the store. Every sequenced packet sits
 * on the peer's txq from the moment it is numbered until the peer
 * acknowledges it; push() sends what the window allows, oldest first.
 * Packets are built with room for every header, and messages larger than
 * a packet are laid out as the link packets that carry them (or, on a
 * bearer with an MTU above the route's, as IP fragments) ready to go.
 */
#include <linux/ip.h>
#include <linux/rculist.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>

#include "bearer.h"
#include "cookie.h"
#include "link.h"
#include "pages.h"

void collab_link_xmit_init(struct collab_peer *peer, struct collab_xmit *x)
{
	__skb_queue_head_init(&x->q);
	x->to = peer->addr;
}

/*
 * A packet with room for every header in front and for @len bytes, in
 * page fragments rather than kmalloc() memory, which is zeroed each time.
 */
struct sk_buff *collab_link_piece_alloc(unsigned int len)
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
unsigned int collab_link_frag_space(struct collab_peer *peer)
{
	u32 mtu = READ_ONCE(peer->path_mtu) ?: 1500;

	if (peer->addr.sa.sa_family == AF_INET6)
		return 0;
	return (max_t(u32, mtu, 576) - sizeof(struct iphdr)) & ~7U;
}

/*
 * How senders lay out large messages (alloc_msg()): in link packets where
 * each fits the route, so that the link sends them with no copy; else, on
 * a bearer whose own MTU is larger, in IP fragments (frag_space).
 */
static void link_space(struct collab_peer *peer, u32 own)
{
	unsigned int space = 0;

	if (!own || own <= READ_ONCE(peer->path_mtu))
		space = collab_link_mss(peer);
	if (space != READ_ONCE(peer->cn->link_space))
		WRITE_ONCE(peer->cn->link_space, space);
}

/* Drops peer->lock, sends what was collected, turns BH back on. */
void collab_link_unlock_flush(struct collab_peer *peer, struct collab_xmit *x)
	__releases(&peer->lock)
{
	struct collab_bearer *b;
	u32 mtu = 0, own = 0;
	struct sk_buff_head out;
	struct sk_buff *skb;

	spin_unlock(&peer->lock);
	if (skb_queue_empty(&x->q))
		goto out;
	rcu_read_lock();
	b = rcu_dereference(peer->bearer);
	if (!b || peer->dead) {
		__skb_queue_purge(&x->q);
		goto unlock;
	}
	__skb_queue_head_init(&out);
	while ((skb = __skb_dequeue(&x->q))) {
		skb = collab_crypto_seal(peer, skb);
		if (skb)
			__skb_queue_tail(&out, skb);
	}
	/* Each call sends one datagram, or a batch of those at the head. */
	while ((skb = __skb_dequeue(&out)))
		collab_bearer_xmit(b, skb, &out, &x->to, &peer->dst_cache,
				   &mtu);
	own = b->mtu;
unlock:
	rcu_read_unlock();
	if (mtu && mtu != READ_ONCE(peer->path_mtu)) {
		WRITE_ONCE(peer->path_mtu, mtu);
		/* How senders lay out large messages (alloc_pieces()). */
		WRITE_ONCE(peer->cn->frag_space, collab_link_frag_space(peer));
	}
	/* A bearer's own MTU wins; IP fragments what the path cannot carry. */
	if (own)
		mtu = own;
	if (mtu && mtu != READ_ONCE(peer->mtu))
		WRITE_ONCE(peer->mtu, mtu);
	if (mtu)
		link_space(peer, own);
out:
	local_bh_enable();
}

/* Put a link header on @skb, which has the headroom for it. */
static struct sk_buff *push_hdr(struct collab_peer *peer, struct sk_buff *skb,
				u8 type, u8 flags, u32 seq)
{
	struct collab_link *l = peer->link;
	struct collab_link_hdr *h;

	h = skb_push(skb, sizeof(*h));
	memset(h, 0, sizeof(*h));
	h->version = COLLAB_WIRE_VERSION;
	h->type = type;
	h->flags = flags | (collab_link_rx_held(peer) ? COLLAB_LF_HELD : 0);
	h->src_epoch = htonl(l->epoch);
	h->dst_epoch = htonl(l->remote_epoch);
	h->seq = htonl(seq);
	h->ack = htonl(l->rcv_nxt);
	h->sack = htonl(collab_link_sack_bits(peer));
	collab_node_id(peer->cn, &h->src_node);
	h->dst_node = peer->id;
	l->ack_pending = 0;
	l->last_tx = jiffies;
	l->tx_packets++;
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

	skb = collab_link_piece_alloc(skb_headlen(data));
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

void collab_link_send_ctl(struct collab_peer *peer, u8 type,
			  struct collab_xmit *x)
{
	struct sk_buff *skb = build(peer, NULL, type, 0, 0);

	if (skb)
		__skb_queue_tail(&x->q, skb);
}

void collab_link_send_hello(struct collab_peer *peer, struct collab_xmit *x)
{
	struct collab_link *l = peer->link;
	struct collab_hello *hello;
	struct sk_buff *skb;
	u8 flags;

	skb = collab_hello_build(peer->cn, COLLAB_LINK_HELLO, COLLAB_HEADROOM);
	if (!skb)
		return;
	hello = (struct collab_hello *)skb->data;
	hello->snd_una = htonl(l->snd_una);
	hello->rcv_nxt = htonl(l->rcv_nxt);
	hello->cookie = cpu_to_be64(collab_cookie(peer->cn, &peer->addr,
						  &peer->id));
	hello->echo = cpu_to_be64(l->echo);
	flags = peer->state == COLLAB_PEER_UP ? COLLAB_LF_UP : 0;
	__skb_queue_tail(&x->q, push_hdr(peer, skb, COLLAB_LINK_HELLO, flags, 0));
}

/*
 * Whether the receiver should acknowledge this packet at once rather than
 * after the next COLLAB_ACK_BYTES: a packet sent again or during a loss
 * episode, those after which the small ones wait, and the one a quarter
 * of a window, or COLLAB_ACK_BYTES of full packets, beyond the last asked
 * for or acknowledged. (Not the one timed: a request's acknowledgment
 * rides on its answer, and answers keep snd_una close.)
 */
static bool ack_wanted(struct collab_peer *peer, struct collab_tx_cb *cb)
{
	struct collab_link *l = peer->link;
	u32 full = COLLAB_ACK_BYTES / max(collab_bundle_max(peer), 1U);
	u32 every = clamp_t(u32, min_t(u32, l->cwnd, COLLAB_WINDOW) / 4, 1,
			    max(full, 1U));
	u32 since = collab_seq_after(l->snd_una, l->ack_asked) ?
		    l->snd_una : l->ack_asked;
	bool waits = cb->tries > 1 || l->in_recovery ||
		     ((cb->flags & COLLAB_TXF_SMALL) &&
		      l->small_in_flight >= COLLAB_SMALL_MAX) ||
		     (s32)(cb->seq - since) >= (s32)every;

	if (waits && collab_seq_after(cb->seq, l->ack_asked))
		l->ack_asked = cb->seq;
	return waits;
}

void collab_link_send_data(struct collab_peer *peer, struct sk_buff *skb,
			   struct collab_xmit *x)
{
	struct collab_link *l = peer->link;
	struct collab_tx_cb *cb = collab_tx_cb(skb);
	u8 flags = cb->flags & COLLAB_LF_KNOWN;
	struct sk_buff *pkt;

	cb->tries++;
	cb->sent_at = jiffies;
	/* Karn: a packet sent again times nothing. */
	if (cb->tries > 1 && l->rtt_timing && cb->seq == l->rtt_seq) {
		l->rtt_timing = false;
	} else if (cb->tries == 1 && !l->rtt_timing) {
		l->rtt_timing = true;
		l->rtt_seq = cb->seq;
		l->rtt_ns = local_clock();
	}
	if (ack_wanted(peer, cb))
		flags |= COLLAB_LF_ACK_NOW;
	pkt = build(peer, skb, cb->type, flags, cb->seq);
	if (pkt)
		__skb_queue_tail(&x->q, pkt);
}

/* A packet that more messages could still join. */
static bool small(struct sk_buff *skb, unsigned int mss)
{
	return collab_bundlable(skb) && skb->len < mss / 2;
}

/*
 * Send new packets while the window has room. With COLLAB_SMALL_MAX
 * small packets unacknowledged, the last one waits for their
 * acknowledgments, and the messages sent meanwhile join it (Nagle's rule,
 * for a few packets rather than one): a stream of small messages fills
 * packets, while a lone request goes at once. Under loss nothing waits:
 * the packets behind a lost one are what reports it.
 */
void collab_link_push(struct collab_peer *peer, struct collab_xmit *x)
{
	struct collab_link *l = peer->link;
	unsigned int mss = collab_bundle_max(peer);
	struct sk_buff *skb;
	u32 window;

	if (peer->state != COLLAB_PEER_UP)
		return;
	window = min_t(u32, l->cwnd, COLLAB_WINDOW);
	while ((skb = l->send_head) && collab_link_in_flight(peer) < window) {
		if (small(skb, mss)) {
			/* Not in a loss episode: then every packet counts. */
			if (l->small_in_flight >= COLLAB_SMALL_MAX &&
			    !l->in_recovery &&
			    skb_queue_is_last(&l->txq, skb))
				break;
			collab_tx_cb(skb)->flags |= COLLAB_TXF_SMALL;
			l->small_in_flight++;
		}
		collab_link_send_data(peer, skb, x);
		l->snd_sent++;
		l->send_head = skb_queue_is_last(&l->txq, skb) ? NULL :
				  skb->next;
	}
	collab_link_arm_rtx(peer);
}

/* The messages a stored packet completes: a bundle's, the last fragment's. */
unsigned int collab_link_msgs_in(struct sk_buff *skb)
{
	struct collab_tx_cb *cb = collab_tx_cb(skb);

	/* Route records are no messages; they count in bytes only. */
	if (cb->type == COLLAB_LINK_ROUTE || cb->type == COLLAB_LINK_REACH ||
	    cb->type == COLLAB_LINK_DISTANT)
		return 0;
	if (cb->type != COLLAB_LINK_MSG)
		return 1;
	if (cb->flags & COLLAB_LF_BUNDLE)
		return cb->nr_msgs;
	return cb->flags & COLLAB_LF_LAST ? 1 : 0;
}

/* One packet off the store: its message is delivered, or given up. */
void collab_link_unstore(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_link *l = peer->link;
	unsigned int msgs = collab_link_msgs_in(skb);

	if (collab_tx_cb(skb)->flags & COLLAB_TXF_SMALL)
		l->small_in_flight--;
	l->stored_bytes -= skb->len;
	atomic_long_sub(skb->len, &peer->cn->stored_bytes);
	l->stored_msgs -= msgs;
	collab_obj_add(peer->cn, COLLAB_OBJ_STORED, -msgs);
	if (l->send_head == skb)
		l->send_head = skb_queue_is_last(&l->txq, skb) ? NULL :
				  skb->next;
	__skb_unlink(skb, &l->txq);
	consume_skb(skb);
	l->snd_una++;
	if (collab_seq_before(l->snd_sent, l->snd_una))
		l->snd_sent = l->snd_una;
}

/*
 * Stored packets went: wake the senders waiting for room for this peer,
 * and, when the namespace's store had been full (@before: its bytes
 * then), those waiting for any peer.
 */
void collab_link_store_room(struct collab_peer *peer, long before)
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

/* Append sequenced packets to the store; collab_link_push() sends them. */
void collab_link_store(struct collab_peer *peer, struct sk_buff_head *pkts,
		       unsigned int msgs)
{
	struct collab_link *l = peer->link;
	struct collab_tx_cb *cb;
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(pkts))) {
		/* Its transmissions write their headers in front of it. */
		if (!skb_cloned(skb))
			__skb_header_release(skb);
		cb = collab_tx_cb(skb);
		cb->seq = l->snd_nxt++;
		cb->stored_at = jiffies;
		cb->tries = 0;
		cb->sacked = false;
		l->stored_bytes += skb->len;
		atomic_long_add(skb->len, &peer->cn->stored_bytes);
		__skb_queue_tail(&l->txq, skb);
		if (!l->send_head)
			l->send_head = skb;
	}
	l->stored_msgs += msgs;
	collab_obj_add(peer->cn, COLLAB_OBJ_STORED, msgs);
}

/* Whether a sender may store another message for @peer (lockless). */
bool collab_link_has_room(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct collab_net *cn = peer->cn;

	return READ_ONCE(peer->dead) ||
	       (READ_ONCE(l->stored_msgs) < READ_ONCE(cn->store_max_msgs) &&
		READ_ONCE(l->stored_bytes) < COLLAB_STORE_BYTES &&
		atomic_long_read(&cn->stored_bytes) < COLLAB_STORE_NET_BYTES);
}

/*
 * Route records (route.c) go at the tail of the store, packed into its
 * last packet while that was never sent. The unsent records at the tail
 * come after every message stored: a full sync stored behind them would
 * restate all they say, and takes their place (collab_link_restate()).
 */
static bool route_unsent(struct sk_buff *skb)
{
	const struct collab_tx_cb *cb = collab_tx_cb(skb);

	return cb->type == COLLAB_LINK_ROUTE && !cb->tries;
}

/* Bytes of unsent route records at the tail, counted up to past @limit. */
static unsigned int route_tail_bytes(struct collab_link *l, unsigned int limit)
{
	unsigned int bytes = 0;
	struct sk_buff *skb;

	skb_queue_reverse_walk(&l->txq, skb) {
		if (!route_unsent(skb) || bytes > limit)
			break;
		bytes += skb->len;
	}
	return bytes;
}

/*
 * Store route record @rec (@len bytes) for @peer. -ENOSPC when the
 * unsent records at the tail of its store already pass @limit bytes, and
 * -ENOMEM: the caller then restates the whole table instead. In process
 * context.
 */
int collab_link_route_rec(struct collab_peer *peer, const void *rec,
			  unsigned int len, unsigned int limit)
{
	unsigned int mss = collab_link_mss(peer);
	struct collab_link *l = peer->link;
	struct sk_buff *tail, *skb;
	struct sk_buff_head one;
	struct collab_xmit x;
	int err = 0;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (peer->dead) {
		err = -EHOSTUNREACH;
		goto out;
	}
	if (route_tail_bytes(l, limit) > limit) {
		err = -ENOSPC;
		goto out;
	}
	tail = skb_peek_tail(&l->txq);
	if (tail && route_unsent(tail) && !skb_cloned(tail) &&
	    tail->len + len <= mss && skb_tailroom(tail) >= len) {
		skb_put_data(tail, rec, len);
		l->stored_bytes += len;
		atomic_long_add(len, &peer->cn->stored_bytes);
		goto out;
	}
	skb = collab_link_alloc(max(mss, len), GFP_ATOMIC);
	if (!skb) {
		err = -ENOMEM;
		goto out;
	}
	skb_put_data(skb, rec, len);
	collab_tx_cb(skb)->type = COLLAB_LINK_ROUTE;
	collab_tx_cb(skb)->flags = 0;
	__skb_queue_head_init(&one);
	__skb_queue_tail(&one, skb);
	collab_link_store(peer, &one, 0);
	collab_link_push(peer, &x);
out:
	collab_link_unlock_flush(peer, &x);
	return err;
}

/* An skb for @len bytes of link payload, with room for every header. */
struct sk_buff *collab_link_alloc(unsigned int len, gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(COLLAB_HEADROOM + len, gfp);

	if (skb)
		skb_reserve(skb, COLLAB_HEADROOM);
	return skb;
}

/*
 * Payload bytes of one link packet to @peer, so that the datagram fits
 * the MTU: sealed, where the link is or the node's links will be, with
 * the room for its tag.
 */
unsigned int collab_link_mss(struct collab_peer *peer)
{
	u32 mtu = READ_ONCE(peer->mtu) ?: 1500;
	unsigned int ip = peer->addr.sa.sa_family == AF_INET6 ?
			  sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	unsigned int tag = 0;

	if (collab_crypto_encrypted(peer) || collab_crypto_keyed(peer->cn))
		tag = COLLAB_TAG_LEN;
	mtu = max_t(u32, mtu, 576);
	return mtu - ip - sizeof(struct udphdr) - sizeof(struct collab_link_hdr) -
	       tag;
}

/* Drop the unsent route records at the tail: no number of theirs went out. */
static void drop_route_tail(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct sk_buff *skb;

	while ((skb = skb_peek_tail(&l->txq)) && route_unsent(skb)) {
		if (l->send_head == skb)
			l->send_head = NULL;
		__skb_unlink(skb, &l->txq);
		l->snd_nxt--;
		l->stored_bytes -= skb->len;
		atomic_long_sub(skb->len, &peer->cn->stored_bytes);
		consume_skb(skb);
	}
}

static int enqueue(struct collab_peer *peer, struct sk_buff_head *pkts,
		   unsigned int msgs, bool restate)
{
	struct collab_link *l = peer->link;
	struct collab_xmit x;
	struct sk_buff *skb;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (peer->dead) {
		__skb_queue_purge(pkts);
		collab_link_unlock_flush(peer, &x);
		return -EHOSTUNREACH;
	}
	if (restate)
		drop_route_tail(peer);
	skb = skb_peek(pkts);
	if (skb && collab_tx_cb(skb)->type == COLLAB_LINK_MSG) {
		l->tx_msgs += msgs;
		if (skb_queue_len(pkts) == 1) {
			__skb_unlink(skb, pkts);
			if (!collab_bundle_take(peer, skb))
				__skb_queue_tail(pkts, skb);
		}
	}
	if (!skb_queue_empty(pkts))
		collab_link_store(peer, pkts, msgs);
	collab_link_push(peer, &x);
	collab_link_unlock_flush(peer, &x);
	return 0;
}

/*
 * Store the packets of @msgs messages for @peer and send what the window
 * allows. In process context; -EHOSTUNREACH when the peer went
 * meanwhile. Consumes @pkts.
 */
int collab_link_enqueue(struct collab_peer *peer, struct sk_buff_head *pkts,
			unsigned int msgs)
{
	return enqueue(peer, pkts, msgs, false);
}

/*
 * @n records of @size bytes each at @recs, as many to a packet of @type
 * as fit, stored for @peer: as collab_link_enqueue(), or -ENOMEM.
 */
int collab_link_enqueue_recs(struct collab_peer *peer, u8 type,
			     const void *recs, unsigned int n, size_t size)
{
	unsigned int per = max_t(unsigned int, 1, collab_link_mss(peer) / size);
	struct sk_buff_head q;
	struct sk_buff *skb;
	unsigned int i, k;

	__skb_queue_head_init(&q);
	for (i = 0; i < n; i += k) {
		k = min(per, n - i);
		skb = collab_link_alloc(k * size, GFP_KERNEL);
		if (!skb) {
			__skb_queue_purge(&q);
			return -ENOMEM;
		}
		skb_put_data(skb, recs + i * size, k * size);
		collab_tx_cb(skb)->type = type;
		collab_tx_cb(skb)->flags = 0;
		__skb_queue_tail(&q, skb);
	}
	return skb_queue_empty(&q) ? 0 : collab_link_enqueue(peer, &q, 0);
}

/*
 * Store the full route sync @pkts for @peer in place of the unsent route
 * records at the tail of its store, which it restates. As
 * collab_link_enqueue().
 */
int collab_link_restate(struct collab_peer *peer, struct sk_buff_head *pkts)
{
	return enqueue(peer, pkts, 0, true);
}
