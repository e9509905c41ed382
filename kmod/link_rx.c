// SPDX-License-Identifier: GPL-2.0
/*
 * collab: receiving on a link. Sequenced packets are taken in order;
 * those that come early wait out of order within a byte budget.
 * Fragments are put together into messages, bundles split, and whole
 * messages delivered from the backlog, in order.
 */

#include "deliver.h"
#include "distant.h"
#include "link.h"
#include "reach.h"
#include "receipt.h"
#include "relay.h"
#include "route.h"
#include "table.h"

/* Bit n: packet rcv_nxt + 1 + n waits in the out-of-order queue. */
u32 collab_link_sack_bits(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct sk_buff *skb;
	u32 bits = 0, d;

	skb_queue_walk(&l->ooo, skb) {
		/* In order, but held back by a message short of memory. */
		if (collab_tx_cb(skb)->seq == l->rcv_nxt)
			continue;
		d = collab_tx_cb(skb)->seq - l->rcv_nxt - 1;
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
bool collab_link_rx_held(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct sk_buff *skb = skb_peek(&l->ooo);

	return skb && collab_link_rx_waits(peer) &&
	       collab_tx_cb(skb)->seq == l->rcv_nxt;
}

/*
 * The out-of-order queue holds at most rx_peer_bytes of a peer's packets
 * (by truesize), and those of all peers at most rx_net_bytes; the packet
 * the link waits for (rcv_nxt) is always taken, so that the queue drains.
 */
static bool ooo_room(struct collab_peer *peer, const struct sk_buff *skb)
{
	struct collab_link *l = peer->link;
	struct collab_net *cn = peer->cn;

	return l->ooo_bytes + skb->truesize <=
			READ_ONCE(cn->rx_peer_bytes) &&
	       atomic_long_read(&cn->ooo_bytes) + skb->truesize <=
			READ_ONCE(cn->rx_net_bytes);
}

/*
 * The bytes of the message whose first fragment @skb is, as its header
 * says (0 when it cannot say: the fragment is then malformed).
 */
static u32 reasm_size(struct sk_buff *skb)
{
	__be32 len, *p;

	p = skb_header_pointer(skb, offsetof(struct collab_frame, len),
			       sizeof(len), &len);
	return p ? sizeof(struct collab_frame) +
		   min_t(u32, be32_to_cpup(p), COLLAB_MSG_MAX) : 0;
}

/*
 * Whether @skb, in order, may start a message put together from
 * fragments: the messages under way, at the size their first fragments
 * declare, stay within the namespace's rx budget. Once started, a message
 * takes the rest of its fragments (at most COLLAB_REASM_TRUESIZE), so
 * that it always ends; what waits out of order does not count here, as
 * it may wait for this very packet. With none under way, any may start.
 */
static bool reasm_room(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_link *l = peer->link;
	struct collab_net *cn = peer->cn;
	u8 flags = collab_tx_cb(skb)->flags;
	long under_way;

	if (collab_tx_cb(skb)->type != COLLAB_LINK_MSG || l->reasm ||
	    (flags & (COLLAB_LF_LAST | COLLAB_LF_BUNDLE)) ||
	    !(flags & COLLAB_LF_FIRST))
		return true;
	under_way = atomic_long_read(&cn->reasm_bytes);
	return !under_way ||
	       under_way + reasm_size(skb) <= READ_ONCE(cn->rx_net_bytes);
}

static void ooo_charge(struct collab_peer *peer, long truesize)
{
	struct collab_link *l = peer->link;

	l->ooo_bytes += truesize;
	atomic_long_add(truesize, &peer->cn->ooo_bytes);
}

static void ooo_unlink(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_link *l = peer->link;

	__skb_unlink(skb, &l->ooo);
	ooo_charge(peer, -(long)skb->truesize);
}

static void ooo_purge(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct sk_buff *skb;

	while ((skb = skb_peek(&l->ooo))) {
		ooo_unlink(peer, skb);
		kfree_skb(skb);
	}
}

/*
 * The counter of a message whose source instance is not the peer's, or
 * -1: not one that another peer announced, nor one bound here, and once
 * the peer has told all it has, one it announced (its announcements come
 * in the link's order, before its messages).
 */
static int msg_source_drop(struct collab_peer *peer,
			   const struct collab_frame *f)
{
	bool relayed = !collab_guid_equal(&f->src_node, &peer->id);
	struct collab_peer *owner, *via;
	struct collab_guid node;
	bool local, far;

	rcu_read_lock();
	owner = collab_route_owner(peer->cn, &f->src_id);
	local = collab_find_instance(peer->cn, &f->src_id);
	far = collab_distant_owner(peer->cn, &f->src_id, &node);
	rcu_read_unlock();
	if (local || (owner && !collab_guid_equal(&owner->id, &f->src_node)) ||
	    (far && !collab_guid_equal(&node, &f->src_node)))
		return COLLAB_STAT_DROP_GUID_TAKEN;
	if (relayed) {
		/* From a node this one knows a way to. */
		via = collab_next_hop(peer->cn, &f->src_node);
		if (!via)
			return COLLAB_STAT_DROP_NO_SOURCE;
		collab_peer_put(via);
		return -1;
	}
	if (!owner && READ_ONCE(peer->routes_known))
		return COLLAB_STAT_DROP_NO_SOURCE;
	return -1;
}

/*
 * The counter of the drop of a message from @peer, or -1 if it may go
 * on: to receivers here, or (@relay) to another node.
 */
static int msg_drop(struct collab_peer *peer, struct sk_buff *skb,
		    bool *relay)
{
	struct collab_guid self;

	collab_node_id(peer->cn, &self);
	switch (collab_wire_frame(skb->data, skb_headlen(skb), skb->len,
				  &peer->id, &self)) {
	case COLLAB_WIRE_OK:
		*relay = false;
		break;
	case COLLAB_WIRE_NOT_OURS:
		*relay = true;
		break;
	default:
		return COLLAB_STAT_DROP_MALFORMED;
	}
	return msg_source_drop(peer, collab_frame(skb));
}

/*
 * Whether the message @f passed its checks already, and waits for memory
 * to be delivered here: went on along its tree, or was taken as a kept
 * message; the link remembers the one that does.
 */
static bool msg_taken(struct collab_link *l, const struct collab_frame *f)
{
	return l->taken && l->taken_msgid == collab_frame_msgid(f) &&
	       collab_guid_equal(&l->taken_src, &f->src_node);
}

static void msg_take(struct collab_link *l, const struct collab_frame *f)
{
	l->taken = true;
	l->taken_msgid = collab_frame_msgid(f);
	l->taken_src = f->src_node;
}

/*
 * A session or broadcast message goes on along its source's tree first
 * (relay.c), once. -EAGAIN: it waits; -EALREADY: a duplicate.
 */
static int msg_fanout(struct collab_peer *peer, struct sk_buff *skb,
		      bool *passed)
{
	const struct collab_frame *f = collab_frame(skb);
	struct collab_link *l = peer->link;
	int err;

	*passed = false;
	if (msg_taken(l, f)) {
		*passed = true;
		return 0;
	}
	err = collab_relay_fanout(peer, skb, passed);
	if (!err)
		msg_take(l, f);
	return err;
}

/*
 * A message its source keeps until answered (kept.c) is taken once, and
 * after the one sent before it: -EALREADY for a copy of one taken,
 * -EAGAIN for one whose predecessor did not come, -ENOMEM when it cannot
 * tell.
 */
static int msg_kept(struct collab_peer *peer, const struct collab_frame *f)
{
	s32 d = (s32)be32_to_cpu(f->kept_prev);
	u64 msgid = collab_frame_msgid(f);
	int err;

	if (msg_taken(peer->link, f))
		return 0;
	err = collab_reach_kept(peer->cn, &f->src_node, msgid,
				d ? msgid - d : 0);
	if (!err)
		msg_take(peer->link, f);
	return err;
}

/* Its source hears again of a kept message that came again. */
static void kept_again(struct collab_peer *peer, const struct collab_frame *f)
{
	struct collab_receipt_rec r = {
		.msgid = f->msgid,
		.src_id = f->src_id,
		.flags = htonl(COLLAB_RF_KEPT),
		.src_node = f->src_node,
	};

	collab_node_id(peer->cn, &r.node);
	collab_receipt_store(peer, &r, 0);
}

/*
 * Whether the kept message @skb is done with: a copy, answered again, or
 * dropped and counted; false when it is to be delivered.
 */
static bool msg_kept_drop(struct collab_peer *peer, struct sk_buff *skb)
{
	const struct collab_frame *f = collab_frame(skb);
	int err = msg_kept(peer, f);

	if (!err)
		return false;
	if (err == -EALREADY) {
		kept_again(peer, f);
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_KEPT_DUPLICATE);
	} else {
		collab_stat_inc(peer->cn, err == -EAGAIN ?
				COLLAB_STAT_DROP_KEPT_GAP :
				COLLAB_STAT_DROP_NOMEM);
	}
	kfree_skb(skb);
	return true;
}

/*
 * Hand a whole message to its receivers here. False when memory is
 * short: the caller keeps it, and the link waits.
 */
static bool msg_deliver(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_link *l = peer->link;
	struct collab_receipt_rec r = {};
	struct collab_net *cn = peer->cn;
	bool confirm, relay, passed = false;
	const struct collab_frame *f;
	int err, drop;

	drop = msg_drop(peer, skb, &relay);
	if (drop >= 0) {
		collab_stat_inc(cn, drop);
		kfree_skb(skb);
		return true;
	}
	if (relay)
		return collab_relay_rx(peer, skb);
	f = collab_frame(skb);
	if ((f->flags & COLLAB_FF_KEPT) && msg_kept_drop(peer, skb))
		return true;
	if (collab_frame_fans_out(f)) {
		err = msg_fanout(peer, skb, &passed);
		if (err == -EAGAIN)
			return false;
		if (err == -EALREADY) {
			collab_stat_inc(cn, COLLAB_STAT_DROP_TREE_DUPLICATE);
			kfree_skb(skb);
			return true;
		}
	}
	/* A kept message is answered, asked or not. */
	confirm = f->flags & (COLLAB_FF_CONFIRM | COLLAB_FF_KEPT);
	if (f->flags & COLLAB_FF_KEPT)
		r.flags = htonl(COLLAB_RF_KEPT);
	r.msgid = f->msgid;
	r.src_id = f->src_id;
	collab_node_id(cn, &r.node);
	r.src_node = f->src_node;
	memset(collab_cb(skb), 0, sizeof(struct collab_skb_cb));
	err = collab_deliver_rx(cn, skb);
	if (err == -ENOMEM)
		return false;
	l->taken = false;
	/* Nobody here takes it: it only passed, or, if not, was dropped. */
	if (err == -ENOENT) {
		if (!passed)
			collab_stat_inc(cn, COLLAB_STAT_DROP_NO_ROUTE);
		return true;
	}
	/* It waits for an activation, which sends its receipt. */
	if (err == -EINPROGRESS) {
		l->rx_msgs++;
		return true;
	}
	if (confirm)
		collab_receipt_store(peer, &r, err);
	/* A receiver that had no room at all is counted as such. */
	if (err && err != -ENOBUFS)
		collab_stat_inc(cn, COLLAB_STAT_DROP_NO_ROUTE);
	if (!err) {
		l->rx_msgs++;
		collab_stat_inc(cn, COLLAB_STAT_RX_REMOTE);
	}
	return true;
}

/*
 * Messages delivered in one go at most: a bundle of two-byte entries
 * holds some 7,000, which would take a CPU for long; one of 64-byte
 * messages holds about 200.
 */
#define COLLAB_RX_BUDGET	512

/*
 * Deliver the backlog in order; false if its head waits for memory, or
 * the budget is spent, in which case the link goes on at the next jiffy.
 * Any packet from the peer, such as its probes while it sees us hold,
 * goes on as well.
 */
bool collab_link_backlog_run(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	unsigned int budget = COLLAB_RX_BUDGET;
	struct sk_buff *skb;

	for (;;) {
		skb = __skb_dequeue(&l->backlog);
		if (!skb && l->bundle && !budget--)
			goto later;
		skb = skb ?: collab_bundle_next(peer);
		if (!skb)
			return true;
		if (!msg_deliver(peer, skb)) {
			__skb_queue_head(&l->backlog, skb);
			goto later;
		}
	}
later:
	mod_timer(&l->ack_timer, jiffies + 1);
	return false;
}

/* Whether messages taken off the link wait for memory or their turn. */
bool collab_link_rx_waits(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;

	return !skb_queue_empty(&l->backlog) || l->bundle;
}

/*
 * What the first fragment of a message being put together keeps in its
 * cb: the last skb on its frag_list, which only reasm_add() appends to
 * (a datagram that IP reassembled comes with a frag_list of its own,
 * whose members' prev pointers mean nothing), when it began, the size
 * it declares, and what collab_wire_frag() counts.
 */
struct reasm_cb {
	struct sk_buff *tail;
	unsigned long started;		/* jiffies */
	u32 size;			/* in reasm_bytes, as declared */
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
	struct collab_link *l = peer->link;
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
	rc->size = reasm_size(skb);
	rc->r = *r;
	l->reasm = skb;
	atomic_long_add(rc->size, &peer->cn->reasm_bytes);
}

/* The message under way is whole, or goes: its size leaves the budget. */
static struct sk_buff *reasm_end(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct sk_buff *head = l->reasm;

	if (head)
		atomic_long_sub(reasm_cb(head)->size, &peer->cn->reasm_bytes);
	l->reasm = NULL;
	return head;
}

static void reasm_drop(struct collab_peer *peer)
{
	kfree_skb(reasm_end(peer));
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
	struct collab_link *l = peer->link;
	struct sk_buff *head = l->reasm;
	struct collab_wire_reasm r = {};

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
	case COLLAB_FRAG_MORE:
		reasm_append(head, skb);
		return NULL;
	case COLLAB_FRAG_DONE:
		reasm_append(head, skb);
		return reasm_end(peer);
	default:
		reasm_drop(peer);
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
void collab_link_reasm_expire(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	unsigned long ms = max(READ_ONCE(peer->cn->lifetime_ms),
			       2 * collab_link_tolerance_ms(peer));

	if (!l->reasm ||
	    time_before(jiffies, reasm_cb(l->reasm)->started +
			msecs_to_jiffies(ms)))
		return;
	reasm_drop(peer);
	collab_stat_inc(peer->cn, COLLAB_STAT_DROP_REASM);
}

/* Drop the receive state of an old incarnation of the peer. */
void collab_link_rx_reset(struct collab_peer *peer, u32 start)
{
	struct collab_link *l = peer->link;

	ooo_purge(peer);
	reasm_drop(peer);
	l->rcv_nxt = start;
}

/*
 * The peer expired what it held for us before @start: skip it, and take
 * what waited out of order from there on.
 */
void collab_link_rx_skip_to(struct collab_peer *peer, u32 start)
{
	struct collab_link *l = peer->link;
	struct sk_buff *skb;

	if (!collab_seq_after(start, l->rcv_nxt))
		return;
	/* Route records may have gone with the rest. */
	collab_peer_routes_unknown(peer);
	l->rcv_nxt = start;
	reasm_drop(peer);
	while ((skb = skb_peek(&l->ooo)) &&
	       collab_seq_before(collab_tx_cb(skb)->seq, start)) {
		ooo_unlink(peer, skb);
		kfree_skb(skb);
	}
	collab_link_drain_ooo(peer);
}

/*
 * The records of a sequenced packet that holds @n of them (as a wire
 * parser counts them; -1: malformed), in one piece; NULL, and counted,
 * when there are none to read.
 */
const void *collab_link_recs(struct collab_net *cn, struct sk_buff *skb,
			     int n)
{
	if (n < 0) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_MALFORMED);
		return NULL;
	}
	if (skb_linearize(skb)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_NOMEM);
		return NULL;
	}
	return skb->data;
}

/* One sequenced packet, in order; false if the link must wait. */
static bool seq_rcv(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_link *l = peer->link;
	u8 type = collab_tx_cb(skb)->type, flags = collab_tx_cb(skb)->flags;
	struct sk_buff *msg;

	l->rcv_nxt++;
	if (type == COLLAB_LINK_ROUTE) {
		collab_route_rcv(peer, skb);
		return true;
	}
	if (type == COLLAB_LINK_REACH) {
		collab_reach_rcv(peer, skb);
		return true;
	}
	if (type == COLLAB_LINK_DISTANT) {
		collab_distant_rcv(peer, skb);
		return true;
	}
	if (type == COLLAB_LINK_RECEIPT) {
		collab_receipt_rcv(peer, skb);
		return true;
	}
	if ((flags & COLLAB_LF_BUNDLE) && (flags & COLLAB_LF_FIRST) &&
	    (flags & COLLAB_LF_LAST)) {
		collab_bundle_start(peer, skb);
		return collab_link_backlog_run(peer);
	}
	msg = reasm_add(peer, skb, flags);
	if (msg)
		__skb_queue_tail(&l->backlog, msg);
	return collab_link_backlog_run(peer);
}

/* Everything that is now in order, unless a message waits for room. */
void collab_link_drain_ooo(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct sk_buff *skb;

	while (!collab_link_rx_waits(peer) &&
	       (skb = skb_peek(&l->ooo)) &&
	       collab_tx_cb(skb)->seq == l->rcv_nxt) {
		ooo_unlink(peer, skb);
		seq_rcv(peer, skb);
	}
}

/* Keep a packet that came early, in sequence order; false if a copy. */
static bool ooo_insert(struct collab_peer *peer, struct sk_buff *skb, u32 seq)
{
	struct collab_link *l = peer->link;
	struct sk_buff *pos;

	skb_queue_reverse_walk(&l->ooo, pos) {
		u32 s = collab_tx_cb(pos)->seq;

		if (s == seq)
			return false;
		if (collab_seq_before(s, seq)) {
			__skb_queue_after(&l->ooo, pos, skb);
			ooo_charge(peer, skb->truesize);
			return true;
		}
	}
	__skb_queue_head(&l->ooo, skb);
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

/* @len: the bytes of the packet that came in, which count at least one. */
static void ack_now_or_later(struct collab_peer *peer, unsigned int len,
			     bool now, struct collab_xmit *x)
{
	struct collab_link *l = peer->link;

	l->ack_pending += max(len, 1U);
	if (now || l->ack_pending >= COLLAB_ACK_BYTES ||
	    !skb_queue_empty(&l->ooo))
		collab_link_send_ctl(peer, COLLAB_LINK_ACK, x);
	else if (!timer_pending(&l->ack_timer))
		mod_timer(&l->ack_timer, jiffies + ack_delay());
}

void collab_link_data_rcv(struct collab_peer *peer, struct sk_buff *skb,
			  const struct collab_link_hdr *h,
			  struct collab_xmit *x)
{
	struct collab_link *l = peer->link;
	bool ask = h->flags & COLLAB_LF_ACK_NOW;
	struct collab_tx_cb *cb = collab_tx_cb(skb);
	unsigned int len = skb->len;
	u32 seq = ntohl(h->seq);

	cb->seq = seq;
	cb->type = h->type;
	cb->flags = h->flags;
	__skb_pull(skb, sizeof(*h));

	if (collab_seq_before(seq, l->rcv_nxt)) {
		l->duplicates++;
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_DUPLICATE);
		kfree_skb(skb);
		ack_now_or_later(peer, len, true, x);
		return;
	}
	if (!collab_seq_before(seq, l->rcv_nxt + COLLAB_WINDOW)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_WINDOW);
		kfree_skb(skb);
		return;
	}
	if (seq != l->rcv_nxt || collab_link_rx_waits(peer)) {
		if (seq != l->rcv_nxt && !ooo_room(peer, skb)) {
			collab_stat_inc(peer->cn, COLLAB_STAT_DROP_RX_FULL);
			kfree_skb(skb);
			return;
		}
		if (!ooo_insert(peer, skb, seq)) {
			l->duplicates++;
			collab_stat_inc(peer->cn, COLLAB_STAT_DROP_DUPLICATE);
			kfree_skb(skb);
		}
		ack_now_or_later(peer, len, true, x);
		return;
	}
	/* The peer sends it again: it is not acknowledged. */
	if (!reasm_room(peer, skb)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_RX_FULL);
		kfree_skb(skb);
		return;
	}
	seq_rcv(peer, skb);
	collab_link_drain_ooo(peer);
	ack_now_or_later(peer, len, ask, x);
	/* Receipts the messages gave rise to. */
	collab_link_push(peer, x);
}
