// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer targets for the wire parsers (kmod/wire.c, built from that
 * very file with kernel.h for the kernel's types): one per parser,
 * chosen when it is built with -DWIRE_<name> (link, frame, bundle, frag,
 * route, reach, distant, receipt). Each feeds its input to the parser the way the module
 * does and checks what the module relies on afterwards; a broken promise
 * aborts. 'make fuzz' runs them; the host tests replay their corpora
 * (kmod/fuzz/corpus/<name>).
 */
#include <stdlib.h>

#include "../wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* Not every target needs these. */
#define unused		__attribute__((unused))

static const struct collab_guid self unused = { { 0x5e, 0x1f } };
static const struct collab_guid peer unused = { { 0x9e, 0xe4 } };

static unused size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

#if defined(WIRE_link)
/*
 * What check_hdr() and collab_peer_hello() see of a datagram, and the
 * checks of a sealed packet and a handshake message that follow.
 */
static void one(const uint8_t *data, size_t size)
{
	const struct collab_link_hdr *h = (const void *)data;
	size_t len = min_size(size, COLLAB_LINK_PEEK);
	struct collab_wire_hello hello;

	if (collab_wire_link_hdr(data, len, &self) != COLLAB_WIRE_OK)
		return;
	CHECK(len >= sizeof(*h) && h->type && h->type < __COLLAB_LINK_MAX);
	if (h->key_id) {
		CHECK(len >= sizeof(*h) + COLLAB_TAG_LEN);
		CHECK(h->type != COLLAB_LINK_BEACON &&
		      h->type != COLLAB_LINK_INIT &&
		      h->type != COLLAB_LINK_RESP);
		return;
	}
	if (h->type == COLLAB_LINK_INIT || h->type == COLLAB_LINK_RESP) {
		if (collab_wire_hs(h->type, size - sizeof(*h)) ==
		    COLLAB_WIRE_OK)
			CHECK(size - sizeof(*h) ==
			      (h->type == COLLAB_LINK_INIT ?
			       sizeof(struct collab_hs_init) :
			       sizeof(struct collab_hs_resp)));
		return;
	}
	if (h->type != COLLAB_LINK_HELLO && h->type != COLLAB_LINK_BEACON)
		return;
	CHECK(collab_wire_hello(h + 1, len - sizeof(*h), &hello) ==
	      COLLAB_WIRE_OK);
	CHECK(strlen(hello.name) < sizeof(hello.name));
}
#elif defined(WIRE_frame)
/* A whole message, as msg_drop() sees it. */
static void one(const uint8_t *data, size_t size)
{
	const struct collab_frame *f = (const void *)data;

	if (collab_wire_frame(data, size, size, &peer, &self) ==
	    COLLAB_WIRE_MALFORMED)
		return;
	CHECK(size >= sizeof(*f) && size - sizeof(*f) <= COLLAB_MSG_MAX);
	CHECK(be32_to_cpu(f->len) == size - sizeof(*f));
	CHECK(f->hops < COLLAB_HOPS_MAX);
	CHECK(collab_guid_equal(&f->src_node, &peer) ||
	      (f->hops && !collab_guid_equal(&f->src_node, &self) &&
	       !collab_guid_is_zero(&f->src_node)));
	CHECK(memchr(f->src_app, 0, COLLAB_APP_MAX) &&
	      memchr(f->dst_app, 0, COLLAB_APP_MAX));
	/* Only a message for one node is kept, and names what it follows. */
	CHECK((f->flags & COLLAB_FF_KEPT) ?
	      (f->dst_kind == COLLAB_ADDR_APP ||
	       f->dst_kind == COLLAB_ADDR_GUID) &&
	      !collab_guid_is_zero(&f->dst_node) : !f->kept_prev);
}
#elif defined(WIRE_bundle)
/* A bundle, entry by entry, as bundle_split() reads it. */
static void one(const uint8_t *data, size_t size)
{
	struct collab_wire_bundle b;
	unsigned int entries = 0;
	u32 payload, last;
	int len;

	if (collab_wire_bundle_init(&b, size))
		return;
	while (b.off < b.len) {
		last = b.off;
		len = collab_wire_bundle_next(&b, data + b.off,
					      min_size(b.len - b.off,
						       COLLAB_ENTRY_PEEK),
					      &payload);
		if (len < 0)
			return;
		CHECK(b.off > last && b.off <= size);
		CHECK(payload >= last + COLLAB_BUNDLE_LEN);
		CHECK((size_t)payload + len == b.off);
		/* A full header keeps its own, for collab_wire_frame(). */
		if (data[last] & 0xc0)
			CHECK(be32_to_cpu(b.f.len) == (u32)len);
		CHECK(++entries <= size / COLLAB_BUNDLE_LEN);
	}
}
#elif defined(WIRE_frag)
/*
 * A run of fragments, three bytes each: link flags and a length (the
 * memory each takes is a page more), as reasm_add() meets them.
 */
static void one(const uint8_t *data, size_t size)
{
	struct collab_wire_reasm r = {};
	bool busy = false;
	size_t i;

	for (i = 0; i + 3 <= size; i += 3) {
		size_t len = (size_t)data[i + 1] << 8 | data[i + 2];

		/* Up to the largest datagram, in steps of 8 bytes. */
		len = len * 8 % 65536;
		switch (collab_wire_frag(&r, busy, data[i], len, len + 4096)) {
		case COLLAB_FRAG_START:
			CHECK(!busy);
			busy = true;
			break;
		case COLLAB_FRAG_MORE:
			CHECK(busy);
			break;
		case COLLAB_FRAG_WHOLE:
			CHECK(!busy && len >= sizeof(struct collab_frame));
			break;
		case COLLAB_FRAG_DONE:
		case COLLAB_FRAG_BAD:
			busy = false;
			break;
		}
		if (busy)
			CHECK(r.frags <= COLLAB_REASM_FRAGS &&
			      r.len <= sizeof(struct collab_frame) +
				       COLLAB_MSG_MAX &&
			      r.truesize <= COLLAB_REASM_TRUESIZE);
	}
}
#elif defined(WIRE_route)
/* A ROUTE packet's records, as collab_route_rcv() takes them. */
static void one(const uint8_t *data, size_t size)
{
	const struct collab_route_rec *r = (const void *)data;
	int i, n = collab_wire_route(size);

	CHECK(n <= (int)(size / sizeof(*r)));
	for (i = 0; i < n; i++) {
		if (!collab_wire_route_rec(&r[i], sizeof(*r)))
			continue;
		if (r[i].op == COLLAB_ROUTE_ADD)
			CHECK(r[i].app[0] && strlen(r[i].app) < COLLAB_APP_MAX);
	}
}
#elif defined(WIRE_reach)
/* A REACH packet's records, as collab_reach_rcv() takes them. */
static void one(const uint8_t *data, size_t size)
{
	const struct collab_reach_rec *r = (const void *)data;
	int i, n = collab_wire_reach(size);
	uint16_t metric;

	CHECK(n <= (int)(size / sizeof(*r)));
	for (i = 0; i < n; i++) {
		if (!collab_wire_reach_rec(&r[i], sizeof(*r)))
			continue;
		metric = be16_to_cpu(r[i].metric);
		CHECK(strlen(r[i].name) < COLLAB_NODE_NAME_MAX);
		CHECK(metric <= COLLAB_HOPS_MAX || metric == COLLAB_METRIC_INF);
		CHECK(!(r[i].flags & ~COLLAB_REACH_F_KNOWN));
		if (r[i].op == COLLAB_REACH_REQUEST)
			CHECK(metric && metric <= COLLAB_HOPS_MAX && !r[i].flags);
	}
}
#elif defined(WIRE_distant)
/* A DISTANT packet's records, as collab_distant_rcv() takes them. */
static void one(const uint8_t *data, size_t size)
{
	const struct collab_distant_rec *r = (const void *)data;
	int i, n = collab_wire_distant(size);

	CHECK(n <= (int)(size / sizeof(*r)));
	for (i = 0; i < n; i++) {
		if (!collab_wire_distant_rec(&r[i], sizeof(*r)))
			continue;
		CHECK(!collab_guid_is_zero(&r[i].origin));
		if (r[i].op == COLLAB_DISTANT_ADD)
			CHECK(!collab_guid_is_zero(&r[i].id) && r[i].app[0] &&
			      strlen(r[i].app) < COLLAB_APP_MAX);
		else if (r[i].op == COLLAB_DISTANT_JOIN)
			CHECK(!collab_guid_is_zero(&r[i].id) &&
			      !memchr_inv(r[i].app, 0, COLLAB_APP_MAX));
		else
			CHECK(r[i].op == COLLAB_DISTANT_RESET ||
			      r[i].op == COLLAB_DISTANT_END);
	}
}
#elif defined(WIRE_receipt)
/* A RECEIPT packet, as receipt_rcv() takes it. */
static void one(const uint8_t *data, size_t size)
{
	struct collab_wire_receipt r;

	if (collab_wire_receipt(data, size, &r) != COLLAB_WIRE_OK)
		return;
	CHECK(size == sizeof(struct collab_receipt_rec));
	CHECK(r.status <= MAX_ERRNO);
	CHECK(!(r.flags & ~COLLAB_RF_KNOWN));
	CHECK(!collab_guid_is_zero(&r.node) && !collab_guid_is_zero(&r.src_node));
}
#else
#error "build with -DWIRE_<parser>: link, frame, bundle, frag, route, reach, distant, receipt"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of its own size, so that ASan sees any read past it. */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	one(copy, size);
	free(copy);
	return 0;
}
