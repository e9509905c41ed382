// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the parsers of what peers send. Each takes the bytes it is
 * given as hostile: it reads nothing past @len, trusts no length field
 * before checking it against @len and the limits, and says what it found
 * wrong (the caller counts the drop). Nothing here touches an skb, a lock
 * or the clock, so the host fuzz targets in kmod/fuzz build this file as
 * it is.
 */
#ifdef __KERNEL__
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <asm/byteorder.h>
#endif

#include "wire.h"

/*
 * A link header: the packet's first @len bytes, all of it or at least
 * COLLAB_LINK_PEEK. @self is this node's id.
 */
int collab_wire_link_hdr(const void *buf, size_t len,
			 const struct collab_guid *self)
{
	const struct collab_link_hdr *h = buf;

	if (len < sizeof(*h))
		return COLLAB_WIRE_MALFORMED;
	if (h->version != COLLAB_WIRE_VERSION)
		return COLLAB_WIRE_BAD_VERSION;
	if (!h->type || h->type >= __COLLAB_LINK_MAX ||
	    (h->flags & ~COLLAB_LF_KNOWN) ||
	    collab_guid_is_zero(&h->src_node))
		return COLLAB_WIRE_MALFORMED;
	/* Beacons and the handshake go in clear; a seal has its tag. */
	if (h->key_id &&
	    (h->type == COLLAB_LINK_BEACON || h->type == COLLAB_LINK_INIT ||
	     h->type == COLLAB_LINK_RESP || len < sizeof(*h) + COLLAB_TAG_LEN))
		return COLLAB_WIRE_MALFORMED;
	/* Our own beacon, looped back by a bridge or multicast. */
	if (collab_guid_equal(&h->src_node, self))
		return COLLAB_WIRE_NOT_OURS;
	if (h->type == COLLAB_LINK_BEACON ? !collab_guid_is_zero(&h->dst_node) :
	    !collab_guid_equal(&h->dst_node, self))
		return COLLAB_WIRE_NOT_OURS;
	if ((h->type == COLLAB_LINK_BEACON || h->type == COLLAB_LINK_HELLO) &&
	    len < COLLAB_LINK_PEEK)
		return COLLAB_WIRE_MALFORMED;
	return COLLAB_WIRE_OK;
}

/* A HELLO or BEACON body, @len bytes from its start. */
int collab_wire_hello(const void *buf, size_t len,
		      struct collab_wire_hello *out)
{
	const struct collab_hello *hello = buf;

	if (len < sizeof(*hello))
		return COLLAB_WIRE_MALFORMED;
	out->snd_una = be32_to_cpu(hello->snd_una);
	out->rcv_nxt = be32_to_cpu(hello->rcv_nxt);
	out->cookie = be64_to_cpu(hello->cookie);
	out->echo = be64_to_cpu(hello->echo);
	/* Shown as it came, escaped by whoever prints it; cut at the end. */
	memcpy(out->name, hello->name, sizeof(out->name));
	out->name[sizeof(out->name) - 1] = '\0';
	memcpy(out->public_key, hello->public_key, sizeof(out->public_key));
	return COLLAB_WIRE_OK;
}

/* A handshake message of @type, @len bytes after its link header. */
int collab_wire_hs(u8 type, size_t len)
{
	if (type == COLLAB_LINK_INIT)
		return len == sizeof(struct collab_hs_init) ?
		       COLLAB_WIRE_OK : COLLAB_WIRE_MALFORMED;
	if (type == COLLAB_LINK_RESP)
		return len == sizeof(struct collab_hs_resp) ?
		       COLLAB_WIRE_OK : COLLAB_WIRE_MALFORMED;
	return COLLAB_WIRE_MALFORMED;
}

/*
 * A message header, of a message of @msg_len bytes in all that @peer
 * sent: its first @len bytes.
 */
int collab_wire_frame(const void *buf, size_t len, size_t msg_len,
		      const struct collab_guid *peer,
		      const struct collab_guid *self)
{
	const struct collab_frame *f = buf;

	if (len < sizeof(*f) || msg_len < sizeof(*f) ||
	    msg_len > sizeof(*f) + COLLAB_MSG_MAX)
		return COLLAB_WIRE_MALFORMED;
	if (f->version != COLLAB_WIRE_VERSION ||
	    f->type != COLLAB_FRAME_DATA || (f->flags & ~COLLAB_FF_KNOWN) ||
	    f->dst_kind <= COLLAB_ADDR_UNSPEC ||
	    f->dst_kind >= __COLLAB_ADDR_MAX ||
	    be32_to_cpu(f->len) != msg_len - sizeof(*f) ||
	    f->src_app[COLLAB_APP_MAX - 1] || f->dst_app[COLLAB_APP_MAX - 1] ||
	    f->hops >= COLLAB_HOPS_MAX)
		return COLLAB_WIRE_MALFORMED;
	/* Only a message for one node is kept for it; kept_prev says so. */
	if ((f->flags & COLLAB_FF_KEPT) ?
	    (f->dst_kind != COLLAB_ADDR_APP && f->dst_kind != COLLAB_ADDR_GUID) ||
	    collab_guid_is_zero(&f->dst_node) : !!f->kept_prev)
		return COLLAB_WIRE_MALFORMED;
	/*
	 * From the peer itself, or from another node through relays: then
	 * it crossed one at least, and comes neither from nowhere nor from
	 * this node.
	 */
	if (!collab_guid_equal(&f->src_node, peer) &&
	    (!f->hops || collab_guid_is_zero(&f->src_node) ||
	     collab_guid_equal(&f->src_node, self)))
		return COLLAB_WIRE_MALFORMED;
	/* One for an application type names this node; others may not. */
	if (collab_guid_equal(&f->dst_node, self))
		return COLLAB_WIRE_OK;
	if (f->dst_kind == COLLAB_ADDR_APP || !collab_guid_is_zero(&f->dst_node))
		return COLLAB_WIRE_NOT_OURS;
	return COLLAB_WIRE_OK;
}

/* Start reading a bundle of @len bytes: none larger than senders make. */
int collab_wire_bundle_init(struct collab_wire_bundle *b, size_t len)
{
	memset(b, 0, sizeof(*b));
	if (!len || len > COLLAB_BUNDLE_MAX)
		return COLLAB_WIRE_MALFORMED;
	b->len = len;
	return COLLAB_WIRE_OK;
}

/*
 * The bundle's next entry, from @buf: @len bytes of the bundle from
 * b->off, all that is left or at least COLLAB_ENTRY_PEEK. On success
 * b->f is the entry's whole header, *@payload the offset of its payload
 * in the bundle, and b->off moves past it; the payload's length is
 * returned. A negative value: malformed.
 */
int collab_wire_bundle_next(struct collab_wire_bundle *b, const void *buf,
			    size_t len, u32 *payload)
{
	const u8 *p = buf;
	unsigned int n, code, hdr;
	bool first = !b->off;
	__be16 word;

	if (b->off >= b->len || len < COLLAB_BUNDLE_LEN ||
	    len > b->len - b->off)
		return -1;
	memcpy(&word, p, sizeof(word));
	n = be16_to_cpu(word) & COLLAB_BE_LEN_MASK;
	code = be16_to_cpu(word) & ~COLLAB_BE_LEN_MASK;
	if (n > b->len - b->off - COLLAB_BUNDLE_LEN)
		return -1;
	switch (code) {
	case 0:
		hdr = sizeof(b->f);
		if (n < hdr || len < COLLAB_BUNDLE_LEN + hdr)
			return -1;
		memcpy(&b->f, p + COLLAB_BUNDLE_LEN, hdr);
		break;
	case COLLAB_BE_SAME:
		hdr = sizeof(b->f.msgid);
		if (first || n < hdr || len < COLLAB_BUNDLE_LEN + hdr)
			return -1;
		memcpy(&b->f.msgid, p + COLLAB_BUNDLE_LEN, hdr);
		break;
	case COLLAB_BE_SAME | COLLAB_BE_NEXT:
		hdr = 0;
		if (first)
			return -1;
		b->f.msgid = cpu_to_be64(be64_to_cpu(b->f.msgid) + 1);
		break;
	default:
		return -1;
	}
	/* A full header keeps its own length, for collab_wire_frame(). */
	if (code)
		b->f.len = cpu_to_be32(n - hdr);
	*payload = b->off + COLLAB_BUNDLE_LEN + hdr;
	b->off += COLLAB_BUNDLE_LEN + n;
	return n - hdr;
}

/*
 * A fragment of @len bytes (@truesize in memory) with link flags @flags,
 * while a message is being put together (@busy, its state in @r) or not.
 * A first fragment while another message is under way, a follow-on one
 * that is empty or with nothing to follow, or one too many in bytes,
 * count or memory is malformed, and so is what came before it.
 */
enum collab_wire_frag collab_wire_frag(struct collab_wire_reasm *r,
				       bool busy, u8 flags, size_t len,
				       size_t truesize)
{
	if (flags & COLLAB_LF_FIRST) {
		if (busy || len < sizeof(struct collab_frame) ||
		    len > sizeof(struct collab_frame) + COLLAB_MSG_MAX)
			return COLLAB_FRAG_BAD;
		if (flags & COLLAB_LF_LAST)
			return COLLAB_FRAG_WHOLE;
		r->frags = 1;
		r->len = len;
		r->truesize = truesize;
		return COLLAB_FRAG_START;
	}
	if (!busy || !len ||
	    len > sizeof(struct collab_frame) + COLLAB_MSG_MAX - r->len ||
	    r->frags >= COLLAB_REASM_FRAGS ||
	    truesize > COLLAB_REASM_TRUESIZE - r->truesize)
		return COLLAB_FRAG_BAD;
	r->frags++;
	r->len += len;
	r->truesize += truesize;
	return flags & COLLAB_LF_LAST ? COLLAB_FRAG_DONE : COLLAB_FRAG_MORE;
}

/* The number of route records in a ROUTE packet of @len bytes, or -1. */
int collab_wire_route(size_t len)
{
	if (!len || len % sizeof(struct collab_route_rec))
		return -1;
	return len / sizeof(struct collab_route_rec);
}

/* Whether a route record is well formed, whatever the table holds. */
bool collab_wire_route_rec(const void *buf, size_t len)
{
	const struct collab_route_rec *r = buf;

	if (len < sizeof(*r))
		return false;
	switch (r->op) {
	case COLLAB_ROUTE_RESET:
	case COLLAB_ROUTE_END:
	case COLLAB_ROUTE_DEL:
	case COLLAB_ROUTE_LEAVE:
		return true;
	case COLLAB_ROUTE_ADD:
		return !collab_guid_is_zero(&r->id) && r->app[0] &&
		       !r->app[COLLAB_APP_MAX - 1];
	case COLLAB_ROUTE_JOIN:
		return !collab_guid_is_zero(&r->session);
	default:
		return false;
	}
}

/* How many records a REACH packet of @len bytes holds, or -1. */
int collab_wire_reach(size_t len)
{
	if (!len || len % sizeof(struct collab_reach_rec))
		return -1;
	return len / sizeof(struct collab_reach_rec);
}

/*
 * Whether a reachability record is well formed: a known op, a node, a
 * metric in range (a request's at most COLLAB_HOPS_MAX), a name that
 * ends in NUL.
 */
bool collab_wire_reach_rec(const void *buf, size_t len)
{
	const struct collab_reach_rec *r = buf;
	u16 metric;

	if (len < sizeof(*r) || (r->flags & ~COLLAB_REACH_F_KNOWN) ||
	    (r->flags && r->op != COLLAB_REACH_UPDATE) ||
	    collab_guid_is_zero(&r->node) ||
	    r->name[COLLAB_NODE_NAME_MAX - 1])
		return false;
	metric = be16_to_cpu(r->metric);
	switch (r->op) {
	case COLLAB_REACH_UPDATE:
		return metric <= COLLAB_HOPS_MAX || metric == COLLAB_METRIC_INF;
	case COLLAB_REACH_REQUEST:
		return metric && metric <= COLLAB_HOPS_MAX;
	case COLLAB_REACH_DUMP:
		return !metric && !r->seqno;
	default:
		return false;
	}
}

/* How many records a DISTANT packet of @len bytes holds, or -1. */
int collab_wire_distant(size_t len)
{
	if (!len || len % sizeof(struct collab_distant_rec))
		return -1;
	return len / sizeof(struct collab_distant_rec);
}

/*
 * Whether a record of a distant node's instances is well formed: a known
 * op, a node, for ADD an instance and a type that ends in NUL, for JOIN
 * a session and no type.
 */
bool collab_wire_distant_rec(const void *buf, size_t len)
{
	const struct collab_distant_rec *r = buf;

	if (len < sizeof(*r) || collab_guid_is_zero(&r->origin))
		return false;
	switch (r->op) {
	case COLLAB_DISTANT_RESET:
	case COLLAB_DISTANT_END:
		return collab_guid_is_zero(&r->id) && !r->app[0];
	case COLLAB_DISTANT_ADD:
		return !collab_guid_is_zero(&r->id) && r->app[0] &&
		       !r->app[COLLAB_APP_MAX - 1];
	case COLLAB_DISTANT_JOIN:
		return !collab_guid_is_zero(&r->id) &&
		       !memchr_inv(r->app, 0, COLLAB_APP_MAX);
	default:
		return false;
	}
}

/* A RECEIPT packet's body, @len bytes. */
int collab_wire_receipt(const void *buf, size_t len,
			struct collab_wire_receipt *out)
{
	const struct collab_receipt_rec *r = buf;

	if (len != sizeof(*r))
		return COLLAB_WIRE_MALFORMED;
	out->msgid = be64_to_cpu(r->msgid);
	out->src_id = r->src_id;
	out->status = be32_to_cpu(r->status);
	out->flags = be32_to_cpu(r->flags);
	out->node = r->node;
	out->src_node = r->src_node;
	if (out->status > MAX_ERRNO || (out->flags & ~COLLAB_RF_KNOWN) ||
	    collab_guid_is_zero(&r->node) ||
	    collab_guid_is_zero(&r->src_node))
		return COLLAB_WIRE_MALFORMED;
	return COLLAB_WIRE_OK;
}
