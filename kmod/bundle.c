// SPDX-License-Identifier: GPL-2.0
/*
 * collab: bundles, several small whole messages in one link packet. The
 * writer packs messages that wait for the window into the last packet
 * not yet sent; the reader splits a bundle from a peer into messages.
 * The format is in wire.h (COLLAB_BE_*).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <asm/unaligned.h>

#include "link.h"
#include "pages.h"

/* Whole messages (one, or a bundle) whose senders want no receipts. */
bool collab_bundlable(struct sk_buff *skb)
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
unsigned int collab_bundle_max(struct collab_peer *peer)
{
	/* Each message's length, in the low bits of its __be16. */
	BUILD_BUG_ON(COLLAB_BUNDLE_MAX > COLLAB_BE_LEN_MASK);
	return min_t(unsigned int, collab_link_mss(peer), COLLAB_BUNDLE_MAX);
}

/*
 * A bundle from the peer is split one message at a time, as each is
 * delivered: a bundle of two-byte entries holds some 7,000 empty
 * messages, each an skb of a few hundred bytes once split, and split at
 * once they would all wait in memory whenever the first did.
 */
void collab_bundle_start(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_link *l = peer->link;

	if (collab_wire_bundle_init(&l->split, skb->len)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_MALFORMED);
		kfree_skb(skb);
		return;
	}
	l->bundle = skb;
}

/* The next entry of the bundle being split: its payload's length, or -1. */
static int bundle_entry(struct sk_buff *skb, struct collab_wire_bundle *b,
			u32 *payload)
{
	u8 buf[COLLAB_ENTRY_PEEK];
	u32 len = min_t(u32, b->len - b->off, sizeof(buf));

	if (skb_copy_bits(skb, b->off, buf, len))
		return -1;
	return collab_wire_bundle_next(b, buf, len, payload);
}

static void bundle_end(struct collab_link *l)
{
	consume_skb(l->bundle);
	l->bundle = NULL;
}

/*
 * The next message of the bundle being split, in an skb of its own; NULL
 * when there is none: the bundle is done, malformed from there on, or
 * memory is short (its other messages are dropped and counted).
 */
struct sk_buff *collab_bundle_next(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	struct sk_buff *msg;
	u32 payload;
	int len;

	if (!l->bundle)
		return NULL;
	if (l->split.off >= l->split.len) {
		bundle_end(l);
		return NULL;
	}
	len = bundle_entry(l->bundle, &l->split, &payload);
	if (len < 0) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_MALFORMED);
		bundle_end(l);
		return NULL;
	}
	/* Page fragments: unlike kmalloc(), not zeroed each time. */
	msg = collab_pages_skb(sizeof(l->split.f) + len) ?:
	      alloc_skb(sizeof(l->split.f) + len, GFP_ATOMIC);
	if (!msg) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NOMEM);
		bundle_end(l);
		return NULL;
	}
	skb_put_data(msg, &l->split.f, sizeof(l->split.f));
	skb_copy_bits(l->bundle, payload, skb_put(msg, len), len);
	return msg;
}

/* The link goes: the messages left in the bundle being split, dropped. */
unsigned int collab_bundle_drop(struct collab_peer *peer)
{
	struct collab_link *l = peer->link;
	unsigned int n = 0;
	u32 payload;

	if (!l->bundle)
		return 0;
	while (l->split.off < l->split.len &&
	       bundle_entry(l->bundle, &l->split, &payload) >= 0)
		n++;
	bundle_end(l);
	return n;
}

/* Whether two frame headers agree in all but msgid and len. */
static bool frame_same(const struct collab_frame *a,
		       const struct collab_frame *b)
{
	return !memcmp(a, b, offsetof(struct collab_frame, len)) &&
	       a->kept_prev == b->kept_prev &&
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
		p = collab_link_piece_alloc(cap);
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
	struct collab_link *l = peer->link;

	unsigned int piece = collab_link_frag_space(peer) ?:
			     collab_bundle_max(peer) + COLLAB_FRAG0_HDRS;
	struct collab_tx_cb *cb;
	struct bundle_msg m;
	struct sk_buff *b;

	b = collab_link_piece_alloc(min(piece - COLLAB_FRAG0_HDRS,
					collab_bundle_max(peer)));
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
	l->stored_bytes += b->len - tail->len;
	atomic_long_add(b->len - tail->len, &peer->cn->stored_bytes);
	if (l->send_head == tail)
		l->send_head = b;
	__skb_queue_after(&l->txq, tail, b);
	__skb_unlink(tail, &l->txq);
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
	struct collab_link *l = peer->link;
	struct sk_buff *tail = skb_peek_tail(&l->txq);
	unsigned int mss = collab_bundle_max(peer), len;
	u16 code;

	if (!tail || !l->send_head || collab_tx_cb(tail)->tries ||
	    !collab_bundlable(tail) || COLLAB_BUNDLE_LEN + m->len > mss / 2)
		return false;
	code = bundle_code(tail, m);
	len = entry_len(m, code);
	if (!bundle_open(peer, tail, len, mss))
		return false;
	if (!(collab_tx_cb(tail)->flags & COLLAB_LF_BUNDLE))
		tail = bundle_new(peer, tail);
	if (!tail || !bundle_put(tail, m, code))
		return false;
	l->stored_bytes += len;
	atomic_long_add(len, &peer->cn->stored_bytes);
	l->stored_msgs++;
	collab_obj_add(peer->cn, COLLAB_OBJ_STORED, 1);
	return true;
}

/* A stored packet of one message into a bundle; true if it went (freed). */
bool collab_bundle_take(struct collab_peer *peer, struct sk_buff *skb)
{
	struct bundle_msg m;

	if (!collab_bundlable(skb))
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
	struct collab_link *l = peer->link;

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
	if ((f->flags & COLLAB_FF_CONFIRM) || !data_race(l->send_head))
		return false;
	saved = *from;
	spin_lock_bh(&peer->lock);
	collab_link_xmit_init(peer, &x);
	pagefault_disable();
	done = !peer->dead && bundle_join(peer, &m);
	pagefault_enable();
	if (done) {
		l->tx_msgs++;
		collab_link_push(peer, &x);
	}
	collab_link_unlock_flush(peer, &x);
	if (!done)
		*from = saved;
	return done;
}
