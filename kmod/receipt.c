// SPDX-License-Identifier: GPL-2.0
/*
 * collab: receipts between nodes: those this node sends a peer for its
 * messages, and those a peer owes this node.
 *
 * A receipt for a peer's message goes into the store, in link order like
 * any sequenced packet, bounded with the store.
 *
 * When a peer acknowledges the last packet of a message whose sender
 * asked for receipts (COLLAB_CONFIRM), the peer has the message and owes
 * a receipt for it: its msgid and sending instance go on a ring of the
 * peer's, in link order. A receipt from the peer is taken only if it
 * answers an entry there, once; anything else is forged, dropped and
 * counted (drop_receipt). The peer delivers in link order and sends most
 * receipts in the same order, so a receipt mostly answers the oldest
 * entry; a message that waited there for an activation is answered
 * later, and one whose receipt the peer could not send never is. A
 * session or broadcast message is answered by the peer and by every
 * node below it in the message's tree (relay.c), each once, so its entry
 * stays. The ring is bounded: past COLLAB_OWED_MAX entries the oldest
 * goes, and its receipt, if it ever comes, is refused.
 *
 * Under peer->lock.
 */
#include <linux/slab.h>

#include "deliver.h"
#include "kept.h"
#include "link.h"
#include "receipt.h"
#include "relay.h"

/* Entries a peer may owe. */
#define COLLAB_OWED_MAX		1024

struct collab_owed_entry {
	u64 msgid;
	struct collab_guid src_id;
	bool paid;
	bool multi;			/* answered by every node that got it */
};

struct collab_owed {
	unsigned int head;		/* the oldest */
	unsigned int len;
	struct collab_owed_entry e[COLLAB_OWED_MAX];
};

static struct collab_owed_entry *entry(struct collab_owed *o, unsigned int i)
{
	return &o->e[(o->head + i) % COLLAB_OWED_MAX];
}

/* @peer acknowledged message @msgid of @src_id, which wants a receipt. */
void collab_receipt_owed(struct collab_peer *peer, u64 msgid,
			 const struct collab_guid *src_id, bool multi)
{
	struct collab_link *l = peer->link;
	struct collab_owed *o = l->owed;
	struct collab_owed_entry *e;

	if (!o) {
		o = kzalloc(sizeof(*o), GFP_ATOMIC);
		if (!o) {
			collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NOMEM);
			return;
		}
		l->owed = o;
	}
	if (o->len == COLLAB_OWED_MAX) {
		o->head = (o->head + 1) % COLLAB_OWED_MAX;
		o->len--;
	}
	e = entry(o, o->len++);
	e->msgid = msgid;
	e->src_id = *src_id;
	e->paid = false;
	e->multi = multi;
}

/*
 * Whether a receipt from @peer for message @msgid of @src_id answers a
 * message it owes one for, and has not paid; the entry is paid then.
 */
bool collab_receipt_answers(struct collab_peer *peer, u64 msgid,
			    const struct collab_guid *src_id)
{
	struct collab_link *l = peer->link;
	struct collab_owed *o = l->owed;
	struct collab_owed_entry *e;
	unsigned int i;

	if (!o)
		return false;
	for (i = 0; i < o->len; i++) {
		e = entry(o, i);
		if (e->paid || e->msgid != msgid ||
		    !collab_guid_equal(&e->src_id, src_id))
			continue;
		/* The nodes below the peer answer through it, as it does. */
		if (e->multi)
			return true;
		e->paid = true;
		/* The oldest entries, paid, make room. */
		while (o->len && entry(o, 0)->paid) {
			o->head = (o->head + 1) % COLLAB_OWED_MAX;
			o->len--;
		}
		return true;
	}
	return false;
}

/* The peer starts over (a new incarnation), or goes: nothing is owed. */
void collab_receipts_forget(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;

	kfree(l->owed);
	l->owed = NULL;
}

/* Tell the peer what became of its message: @err 0 or a negative errno. */
void collab_receipt_store(struct collab_peer *peer,
			  const struct collab_receipt_rec *r, int err)
{
	struct collab_link *l = peer->link;
	struct collab_receipt_rec *rec;
	struct sk_buff_head one;
	struct sk_buff *skb;

	/* A peer that never acknowledges does not fill our memory. */
	skb = l->stored_msgs < 2 * READ_ONCE(peer->cn->store_max_msgs) ?
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
	collab_link_store(peer, &one, 1);
}

/*
 * As collab_receipt_store(), from outside the link: for a message that
 * waited here for an activation. Any context but under peer->lock.
 */
void collab_link_receipt(struct collab_peer *peer,
			 const struct collab_receipt_rec *r, int err)
{
	struct collab_xmit x;

	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	if (!peer->dead) {
		collab_receipt_store(peer, r, err);
		collab_link_push(peer, &x);
	}
	collab_link_unlock_flush(peer, &x);
}

/*
 * A receipt for a message of ours, or for one this node relayed, which
 * goes on towards its source (relay.c); consumes @skb.
 */
void collab_receipt_rcv(struct collab_peer *peer, struct sk_buff *skb)
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
	if (!collab_node_is_local(peer->cn, &r.src_node)) {
		collab_relay_receipt(peer, skb);
		return;
	}
	if (r.flags & COLLAB_RF_KEPT)
		collab_kept_receipt(peer, &r);
	else
		collab_receipt(peer->cn, &r.src_id, r.msgid, r.status, &r.node);
out:
	consume_skb(skb);
}
