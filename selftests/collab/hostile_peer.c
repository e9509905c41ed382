// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_peer: a fake collab node that links with a real one and then
 * feeds it, inside that link, every kind of packet, well formed or not.
 *
 *   hostile_peer -c ADDR[:PORT] [-t SECONDS] [-s SEED] [-w SECONDS]
 *                [-g COUNT [-d GUID] [-A APP] [-S SESSION] [-T TAG]]
 *                [-E COUNT -e GUID] [-k] [-v]
 *
 * It links with the node at ADDR (UDP port 6118 by default) over the real
 * handshake: a beacon; the node's HELLO with a cookie; HELLOs that echo
 * it, with an epoch of its own, until the node's HELLO says the link is up
 * (COLLAB_LF_UP, both epochs known). Then, for SECONDS (default 10), it
 * sends, with this link's node ids and epochs so that they pass the outer
 * checks, packets chosen from a random seed (-s; printed first, so that a
 * run can be replayed: the same choices, but for where the timed ones
 * fall among them): whole messages and runs of fragments of random
 * lengths and flags, bundles of entries of all three codes (lengths off by
 * one, empty entries, codes that do not exist), ROUTE records (valid and
 * not; ADD of many instances, JOIN and LEAVE of random sessions), DISTANT
 * records for nodes that the node does not reach through this one, the
 * node itself and this one among them (whole tables, RESET, ADDs, END;
 * records of unknown ops, without an origin, ADDs without an instance or
 * a type, RESETs and ENDs with one; packets empty or of lengths that hold
 * no whole number of records), RECEIPTs for messages the node never sent,
 * ACKs and PROBEs with wild ack and sack values, HELLOs with other epochs
 * and cookies (and, now and then, a new epoch of its own, or a jump of its
 * sequence numbers), sequence numbers in and out of the window,
 * duplicates, packets ahead of the stream and batches sent in shuffled
 * order, truncations at every length, bit flips, random bytes, bad link
 * headers and wrong ids or epochs. It sends no REACH record that the node
 * would take (a mutation that comes out as one is not sent), so that the
 * node reaches no node through it. It answers the node's PROBEs and
 * acknowledges its packets, and sends its packets again when the node's
 * acknowledgments stall. -w bounds a handshake and a wait for
 * acknowledgments (default 10 s); -v prints each packet on stderr.
 *
 * With -g it also sends COUNT messages in collab_msg's format (tag -T,
 * numbered from 0: "collab_msg recv -a APP -c [-s SESSION] -n COUNT" on
 * the node checks them) to instance GUID (-d), to application type APP
 * (-A, default hpgood) on the node, to its session (-S) or to every APP:
 * whole, in fragments, and in bundles, among the rest.
 *
 * With -E it also sends, spread over the run, COUNT bundles of empty
 * messages to instance GUID (-e) on the node: each as large as a bundle
 * may be, one frame header and then two-byte entries, some 7,000
 * messages from 14,000 bytes.
 *
 * The stream of sequence numbers stays in order: the program keeps a model
 * of the node's receive side (the next number it expects, what waits
 * ahead of it, the message being put together) and judges every packet
 * with the module's own parsers (kmod/wire.c, built in), so it knows which
 * of them the node must drop and count, which message reaches which
 * receiver, and never lets a bad one reach a real receiver. A mutation
 * whose fate it cannot tell is not sent.
 *
 * A jump of its numbers (a HELLO whose oldest number is ahead of what the
 * node read) lands, the first time and then half of the time, on a number
 * the node holds: the node should then read that packet. When its answer
 * says it did not, the program prints so, counts it in "held_unread N",
 * and starts its side of the link over (a new epoch) so that the run goes
 * on at its pace; with -k it goes on as it is.
 *
 * Output: "seed N", "node ID" (this fake node, for "collabctl peer del"),
 * then at the end "sent KIND N" for each kind of packet, "packets N",
 * "expect drop_X N" for each drop counter the node must have moved by at
 * least N, "malformed_sent N" (the packets and records that kmod/wire.c
 * rejects), "certain_drops N" (their sum), "good_sent N", "receipts ...",
 * "held_unread N", "empty_sent N" (the messages of -E), and "sync ok" once the node acknowledged every packet
 * of the stream ("sync lost ..." if not).
 *
 * Exit status: 0; 1 when a handshake with the node could not be completed;
 * 2 on bad usage or when the model finds itself wrong (a bug here).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../kmod/wire.h"

#define HDR		sizeof(struct collab_link_hdr)
#define FRAME		sizeof(struct collab_frame)
#define BODY		sizeof(struct collab_hello)
#define REC		sizeof(struct collab_route_rec)
#define RREC		sizeof(struct collab_reach_rec)
#define DREC		sizeof(struct collab_distant_rec)
/* COLLAB_WINDOW (kmod/peer.h): packets the node keeps ahead of the stream. */
#define WINDOW		256
/* How far ahead of the stream packets go; and what may be unacknowledged. */
#define AHEAD		32
#define FLIGHT		(WINDOW - AHEAD)
#define RING		1024
/*
 * Link payload of a fragment, at most: each is one IP packet, so that the
 * node's memory for a message (COLLAB_REASM_TRUESIZE) is never what ends
 * it; a message in one packet is at most WHOLE_MAX.
 */
#define FRAG_MAX	1400
#define WHOLE_MAX	8000
#define PKT_MAX		20000
/* Seconds without an acknowledgment before packets go again. */
#define RTX_S		0.2
#define MAGIC		0xc011ab00u	/* collab_msg's messages */

enum kind {
	K_GOOD, K_GOOD_FRAG, K_GOOD_BUNDLE, K_MSG, K_FIRST, K_MIDDLE, K_LAST,
	K_BUNDLE, K_ROUTE, K_RECEIPT, K_ACK, K_PROBE, K_HELLO, K_BEACON,
	K_EPOCH, K_SKIP, K_DUP, K_WINDOW, K_AHEAD, K_TRUNC, K_FLIP, K_RANDOM,
	K_OUTER, K_FOREIGN, K_FILLER, K_RETRANSMIT, K_REPLY, K_SYNC, K_EMPTY,
	K_DISTANT, K_MAX
};

static const char *const kind_names[K_MAX] = {
	[K_GOOD] = "good_whole", [K_GOOD_FRAG] = "good_fragment",
	[K_GOOD_BUNDLE] = "good_bundle", [K_MSG] = "msg_single",
	[K_FIRST] = "msg_first", [K_MIDDLE] = "msg_middle",
	[K_LAST] = "msg_last", [K_BUNDLE] = "bundle", [K_ROUTE] = "route",
	[K_RECEIPT] = "receipt", [K_ACK] = "ack", [K_PROBE] = "probe",
	[K_HELLO] = "hello", [K_BEACON] = "beacon",
	[K_EPOCH] = "hello_new_epoch", [K_SKIP] = "hello_skip_ahead",
	[K_DUP] = "duplicate", [K_WINDOW] = "out_of_window",
	[K_AHEAD] = "ahead_of_stream", [K_TRUNC] = "truncated",
	[K_FLIP] = "bit_flipped", [K_RANDOM] = "random_bytes",
	[K_OUTER] = "bad_link_header", [K_FOREIGN] = "wrong_id_or_epoch",
	[K_FILLER] = "filler", [K_RETRANSMIT] = "retransmit",
	[K_REPLY] = "ack_reply", [K_SYNC] = "route_sync",
	[K_EMPTY] = "empty_bundle", [K_DISTANT] = "distant",
};

/* The node's drop counters (/proc/net/collab) that packets must move. */
enum drop {
	D_MALFORMED, D_VERSION, D_NOT_OURS, D_NO_LINK, D_DUPLICATE, D_WINDOW,
	D_RECEIPT, D_NO_ROUTE, D_NO_SOURCE, D_AUTH, D_DISTANT_STRAY, D_MAX
};

static const char *const drop_names[D_MAX] = {
	[D_MALFORMED] = "drop_malformed", [D_VERSION] = "drop_version",
	[D_NOT_OURS] = "drop_not_ours", [D_NO_LINK] = "drop_no_link",
	[D_DUPLICATE] = "drop_duplicate", [D_WINDOW] = "drop_window",
	[D_RECEIPT] = "drop_receipt", [D_NO_ROUTE] = "drop_no_route",
	[D_NO_SOURCE] = "drop_no_source", [D_AUTH] = "drop_auth",
	[D_DISTANT_STRAY] = "drop_distant_stray",
};

struct pkt {
	size_t len;
	_Alignas(8) u8 b[PKT_MAX];
};

/* A sequence number of the stream that was sent: its first copy. */
struct slot {
	u32 seq;
	u32 len;
	u8 *b;
};

/* The link, and the model of the node's receive side. */
static struct {
	int fd;
	struct sockaddr_in to;
	struct collab_guid self, node;
	bool node_known, up, rcv_init;
	u32 epoch, node_epoch;
	u64 cookie;		/* ours, for the node */
	u64 echo, echo_prev;	/* the node's, for us */
	u32 rcv_nxt;		/* next number expected from the node */
	u32 hello_ack;		/* what the node's last HELLO acknowledged */
	/*
	 * Every number before cursor was sent, the first copy of those from
	 * acked on is kept, and the node acknowledged up to acked: the number
	 * it waits for is in [acked, cursor], cursor when it has read
	 * everything. Numbers beyond cursor may have been sent ahead.
	 */
	u32 acked, cursor;
	double progress_at, rtx_at, probe_at;
	bool ack_due;
	bool stop;		/* the node stopped acknowledging */
	/*
	 * The node read the END of our route sync (announce()): from then
	 * on it takes messages from the instance we announced only, until a
	 * new epoch or a jump of ours makes it wait for our next END.
	 */
	bool routes_known;
	unsigned long node_resets, ahead_of_model;
	struct slot slots[RING];
} L;

/* The message the node is putting together from fragments, in the model. */
static struct {
	bool busy;
	struct collab_wire_reasm r;
	size_t len;
	u8 *data;
} R;

/* The well-formed messages for the receiver on the node (-g). */
static struct {
	long count, placed, delivered, receipts_ok, receipts_bad;
	struct collab_guid dst, session, src_id;
	bool has_dst, has_session;
	char app[COLLAB_APP_MAX];
	u64 tag, msgid_base;
} G;

/* The bundles of empty messages (-E), for an instance that never reads. */
static struct {
	long count, placed, msgs;
	struct collab_guid dst;
	bool has_dst;
} E;

/* Packets held back, to be sent in shuffled order. */
static struct {
	bool on;
	int n;
	struct {
		u8 *b;
		size_t len;
	} q[256];
} D;

static unsigned long sent[K_MAX], expect[D_MAX];
static unsigned long packets, bytes, skipped, rx_packets, receipts_other;
static unsigned long trunc_next, tx_errors, skips_held, held_unread;
static u64 junk_msgid = 1, rng;
static double run_s = 10, wait_s = 10, t0;
static bool verbose, keep_going;
static struct collab_guid known_ids[64];
static unsigned int nr_known, known_next;
static const char *const junk_apps[] = {
	/* Never an application on the node: each starts with 'w'. */
	"wjunk", "wq", "whiteboard-x", "w\x7f\x80\xff",
	"wwwwwwwwwwwwwwwwwwwwwwwwwwwwwww",
};

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("hostile_peer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* The model disagrees with itself: a bug in this program. */
#define BUG(...)	die("internal error: " __VA_ARGS__)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* splitmix64 */
static u64 rnd(void)
{
	u64 z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* One number drawn whatever @n, so that a replay draws the same ones. */
static u32 below(u32 n)
{
	u64 r = rnd();

	return n ? r % n : 0;
}

static bool chance(u32 percent)
{
	return below(100) < percent;
}

static u32 between(u32 lo, u32 hi)
{
	return lo + below(hi - lo + 1);
}

static void rnd_bytes(void *p, size_t n)
{
	u8 *b = p;
	u64 v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(i % 8))
			v = rnd();
		b[i] = v;
		v >>= 8;
	}
}

static struct collab_guid rnd_guid(void)
{
	struct collab_guid g;

	rnd_bytes(&g, sizeof(g));
	g.b[0] |= 1;
	return g;
}

static bool seq_before(u32 a, u32 b)
{
	return (int32_t)(a - b) < 0;
}

static void set_app(char *dst, const char *s)
{
	size_t n = strlen(s);

	memset(dst, 0, COLLAB_APP_MAX);
	memcpy(dst, s, n < COLLAB_APP_MAX - 1 ? n : COLLAB_APP_MAX - 1);
}

static void print_guid(const char *what, const struct collab_guid *g)
{
	int i;

	printf("%s ", what);
	for (i = 0; i < 16; i++)
		printf("%02x", g->b[i]);
	putchar('\n');
}

/* ---- the node's receive side, in the model ------------------------------ */

enum target { T_NONE, T_NO_ROUTE, T_GOOD, T_UNSAFE };

/* Where the node delivers a well-formed message with header @f. */
static enum target target(const struct collab_frame *f)
{
	bool app = G.app[0] && !strncmp(f->dst_app, G.app, COLLAB_APP_MAX);

	/* -e: its messages are its receiver's, whatever becomes of them. */
	if (E.has_dst && f->dst_kind == COLLAB_ADDR_GUID &&
	    collab_guid_equal(&f->dst_id, &E.dst))
		return T_NONE;
	switch (f->dst_kind) {
	case COLLAB_ADDR_GUID:
		return G.has_dst && collab_guid_equal(&f->dst_id, &G.dst) ?
		       T_GOOD : T_NO_ROUTE;
	case COLLAB_ADDR_APP:
		return app ? T_GOOD : T_NO_ROUTE;
	case COLLAB_ADDR_SESSION:
		return G.has_session &&
		       collab_guid_equal(&f->dst_id, &G.session) ? T_GOOD : T_NONE;
	default:
		/* To every instance of the node: its real receivers too. */
		if (!f->dst_app[0])
			return T_UNSAFE;
		return app ? T_GOOD : T_NONE;
	}
}

/* collab_msg's payload: a header, then bytes that follow from it. */
static void fill(u8 *buf, size_t size, u64 tag, u32 seq)
{
	struct {
		uint32_t magic, seq;
		uint64_t tag;
	} h = { MAGIC, seq, tag };
	size_t i;

	memcpy(buf, &h, sizeof(h));
	for (i = sizeof(h); i < size; i++)
		buf[i] = (u8)(seq * 7 + i);
}

/* The next good message, and nothing else, reaches the receiver. */
static void good_arrives(const u8 *m, size_t len)
{
	static u8 want[COLLAB_MSG_MAX];
	const struct collab_frame *f = (const void *)m;
	size_t size = len - FRAME;

	if (!collab_guid_equal(&f->src_id, &G.src_id))
		BUG("a message that is not one of ours would reach the receiver");
	if (G.delivered >= G.placed || size < 16 || size > sizeof(want))
		BUG("message %ld would reach the receiver out of turn",
		    G.delivered);
	fill(want, size, G.tag, G.delivered);
	if (memcmp(m + FRAME, want, size))
		BUG("message %ld would reach the receiver corrupt", G.delivered);
	G.delivered++;
}

/* A whole message (header and payload, @len bytes) taken off the link. */
static void sim_msg(const u8 *m, size_t len)
{
	const struct collab_frame *f = (const void *)m;

	switch (collab_wire_frame(m, len, len, &L.self, &L.node)) {
	case COLLAB_WIRE_OK:
		break;
	case COLLAB_WIRE_NOT_OURS:
		expect[D_NOT_OURS]++;
		return;
	default:
		expect[D_MALFORMED]++;
		return;
	}
	/* Once our sync ended, only the instance we announced may send. */
	if (L.routes_known && !collab_guid_equal(&f->src_id, &G.src_id)) {
		expect[D_NO_SOURCE]++;
		return;
	}
	switch (target(f)) {
	case T_GOOD:
		good_arrives(m, len);
		break;
	case T_NO_ROUTE:
		expect[D_NO_ROUTE]++;
		break;
	case T_UNSAFE:
		BUG("a message to every instance of the node");
	case T_NONE:
		break;
	}
}

static void sim_bundle(const u8 *body, size_t len)
{
	static _Alignas(8) u8 msg[FRAME + COLLAB_BE_LEN_MASK];
	u8 peek[COLLAB_ENTRY_PEEK];
	struct collab_wire_bundle b;
	u32 payload;
	size_t n;
	int plen;

	if (collab_wire_bundle_init(&b, len)) {
		expect[D_MALFORMED]++;
		return;
	}
	while (b.off < b.len) {
		n = b.len - b.off < sizeof(peek) ? b.len - b.off : sizeof(peek);
		memcpy(peek, body + b.off, n);
		plen = collab_wire_bundle_next(&b, peek, n, &payload);
		if (plen < 0) {
			expect[D_MALFORMED]++;
			return;
		}
		memcpy(msg, &b.f, FRAME);
		memcpy(msg + FRAME, body + payload, plen);
		sim_msg(msg, FRAME + plen);
	}
}

static void sim_frag(u8 flags, const u8 *body, size_t len)
{
	struct collab_wire_reasm r = {};

	/* Truesize: see FRAG_MAX. */
	switch (collab_wire_frag(R.busy ? &R.r : &r, R.busy, flags, len, 1)) {
	case COLLAB_FRAG_WHOLE:
		sim_msg(body, len);
		break;
	case COLLAB_FRAG_START:
		R.busy = true;
		R.r = r;
		memcpy(R.data, body, len);
		R.len = len;
		break;
	case COLLAB_FRAG_MORE:
	case COLLAB_FRAG_DONE:
		memcpy(R.data + R.len, body, len);
		R.len += len;
		if (!(flags & COLLAB_LF_LAST))
			break;
		R.busy = false;
		sim_msg(R.data, R.len);
		break;
	default:
		R.busy = false;
		expect[D_MALFORMED]++;
	}
}

/* A sequenced packet, when the node reads it in order. */
static void sim_slot(const u8 *pkt, size_t len)
{
	const struct collab_link_hdr *h = (const void *)pkt;
	const u8 *body = pkt + HDR;
	u8 whole = COLLAB_LF_FIRST | COLLAB_LF_LAST | COLLAB_LF_BUNDLE;
	struct collab_wire_receipt rc;
	size_t blen = len - HDR;
	int i, n;

	switch (h->type) {
	case COLLAB_LINK_ROUTE:
		n = collab_wire_route(blen);
		if (n < 0) {
			expect[D_MALFORMED]++;
			return;
		}
		for (i = 0; i < n; i++) {
			if (!collab_wire_route_rec(body + i * REC, REC))
				expect[D_MALFORMED]++;
			else if (body[i * REC] == COLLAB_ROUTE_END)
				L.routes_known = true;
		}
		return;
	case COLLAB_LINK_RECEIPT:
		/* The node sent us nothing that asked for one. */
		expect[collab_wire_receipt(body, blen, &rc) ? D_MALFORMED :
		       D_RECEIPT]++;
		return;
	case COLLAB_LINK_REACH:
		/* Mutations only: see reach_takes(). */
		n = collab_wire_reach(blen);
		if (n < 0) {
			expect[D_MALFORMED]++;
			return;
		}
		for (i = 0; i < n; i++) {
			if (collab_wire_reach_rec(body + i * RREC, RREC))
				BUG("a REACH record the node takes");
			expect[D_MALFORMED]++;
		}
		return;
	case COLLAB_LINK_DISTANT:
		/*
		 * The node reaches no node through us: whatever a
		 * well-formed record says, we are not its next hop there.
		 */
		n = collab_wire_distant(blen);
		if (n < 0) {
			expect[D_MALFORMED]++;
			return;
		}
		for (i = 0; i < n; i++)
			expect[collab_wire_distant_rec(body + i * DREC, DREC) ?
			       D_DISTANT_STRAY : D_MALFORMED]++;
		return;
	}
	if ((h->flags & whole) == whole)
		sim_bundle(body, blen);
	else
		sim_frag(h->flags, body, blen);
}

static struct slot *slot_of(u32 seq)
{
	return &L.slots[seq % RING];
}

static bool slot_used(u32 seq)
{
	struct slot *s = slot_of(seq);

	return s->b && s->seq == seq;
}

static void slot_free(u32 seq)
{
	struct slot *s = slot_of(seq);

	if (s->b && s->seq == seq) {
		free(s->b);
		s->b = NULL;
	}
}

static void slot_fill(u32 seq, const u8 *b, size_t len)
{
	struct slot *s = slot_of(seq);

	if (s->b)
		BUG("slot %u still holds %u", seq, s->seq);
	s->b = malloc(len ? len : 1);
	if (!s->b)
		die("out of memory");
	memcpy(s->b, b, len);
	s->len = len;
	s->seq = seq;
}

static void slots_clear(void)
{
	int i;

	for (i = 0; i < RING; i++) {
		free(L.slots[i].b);
		L.slots[i].b = NULL;
	}
}

/* The node reads what is now in order. */
static void advance(void)
{
	struct slot *s;

	if (L.acked == L.cursor)
		L.progress_at = now();
	while ((s = slot_of(L.cursor))->b && s->seq == L.cursor) {
		sim_slot(s->b, s->len);
		L.cursor++;
	}
}

/* The node expects @ack next. */
static void ack_update(u32 ack)
{
	if (!seq_before(L.acked, ack))
		return;
	if (seq_before(L.cursor, ack)) {
		/* It read what was never sent: the model is wrong. */
		L.ahead_of_model++;
		return;
	}
	while (L.acked != ack)
		slot_free(L.acked++);
	L.progress_at = now();
}

/* ---- sending ------------------------------------------------------------ */

static void xmit(const u8 *b, size_t len)
{
	if (sendto(L.fd, b, len, 0, (const struct sockaddr *)&L.to,
		   sizeof(L.to)) < 0)
		tx_errors++;
	packets++;
	bytes += len;
}

static void out(const u8 *b, size_t len, enum kind k)
{
	sent[k]++;
	if (verbose)
		fprintf(stderr, "%.3f %s len %zu seq %u cursor %u\n",
			now() - t0, kind_names[k], len,
			len >= HDR ? ntohl(((const struct collab_link_hdr *)b)->seq) : 0,
			L.cursor);
	if (!D.on) {
		xmit(b, len);
		return;
	}
	if (D.n == (int)(sizeof(D.q) / sizeof(D.q[0])))
		BUG("too many packets held back");
	D.q[D.n].b = malloc(len ? len : 1);
	if (!D.q[D.n].b)
		die("out of memory");
	memcpy(D.q[D.n].b, b, len);
	D.q[D.n++].len = len;
}

/* A link header, this link's, at the start of @p. */
static void link_hdr(struct pkt *p, u8 type, u8 flags, u32 seq)
{
	struct collab_link_hdr h = {
		.version = COLLAB_WIRE_VERSION,
		.type = type,
		.flags = flags,
		.src_epoch = cpu_to_be32(L.epoch),
		.dst_epoch = cpu_to_be32(L.node_epoch),
		.seq = cpu_to_be32(seq),
		.ack = cpu_to_be32(L.rcv_nxt),
		.src_node = L.self,
		.dst_node = L.node,
	};

	memcpy(p->b, &h, sizeof(h));
	p->len = HDR;
}

static struct collab_link_hdr *hdr_of(struct pkt *p)
{
	return (struct collab_link_hdr *)p->b;
}

static void send_ctl(u8 type, enum kind k)
{
	struct pkt p;

	link_hdr(&p, type, 0, 0);
	xmit(p.b, p.len);
	sent[k]++;
	if (type == COLLAB_LINK_PROBE)
		L.probe_at = now();
}

static bool wait_acked(u32 span);

/*
 * Whether the node would take one of a REACH packet's records: routes
 * through us, a request or a dump. We send none, but a mutation of
 * another packet may come out as one; it is not sent, so that the node
 * never reaches a node through us (see junk_distant()).
 */
static bool reach_takes(const u8 *body, size_t len)
{
	int i, n = collab_wire_reach(len);

	for (i = 0; i < n; i++)
		if (collab_wire_reach_rec(body + i * RREC, RREC))
			return true;
	return false;
}

/*
 * Send @p, a packet of kind @k, after judging what the node does with
 * it; false (and nothing sent) when that cannot be told for sure.
 */
static bool emit(const struct pkt *p, enum kind k)
{
	const struct collab_link_hdr *h = (const void *)p->b;
	struct collab_wire_hello hello;
	u32 seq, d, span;
	int err;

	if (L.stop)
		return false;
	err = collab_wire_link_hdr(p->b, p->len, &L.node);
	if (err) {
		expect[err == COLLAB_WIRE_BAD_VERSION ? D_VERSION :
		       err == COLLAB_WIRE_NOT_OURS ? D_NOT_OURS :
		       D_MALFORMED]++;
		goto send;
	}
	if (h->type == COLLAB_LINK_BEACON || h->type == COLLAB_LINK_HELLO) {
		/* A cookie comes back, or nothing; never a new link. */
		collab_wire_hello(p->b + HDR, p->len - HDR, &hello);
		if (h->type == COLLAB_LINK_HELLO &&
		    collab_guid_equal(&h->src_node, &L.self) && hello.echo &&
		    (hello.echo == L.echo || hello.echo == L.echo_prev)) {
			skipped++;
			return false;
		}
		goto send;
	}
	/*
	 * Sealed: this link has no keys to open it with. A handshake
	 * message: the node, with no key, takes none (as which drop it
	 * counts, the rate of them decides).
	 */
	if (h->key_id) {
		expect[collab_guid_equal(&h->src_node, &L.self) ? D_AUTH :
		       D_NO_LINK]++;
		goto send;
	}
	if (h->type == COLLAB_LINK_INIT || h->type == COLLAB_LINK_RESP)
		goto send;
	if (!collab_guid_equal(&h->src_node, &L.self) ||
	    ntohl(h->src_epoch) != L.epoch ||
	    ntohl(h->dst_epoch) != L.node_epoch) {
		expect[D_NO_LINK]++;
		goto send;
	}
	if (h->type == COLLAB_LINK_ACK || h->type == COLLAB_LINK_PROBE)
		goto send;
	if (h->type == COLLAB_LINK_REACH &&
	    reach_takes(p->b + HDR, p->len - HDR)) {
		skipped++;
		return false;
	}

	seq = ntohl(h->seq);
	/* Room in the window for the stream, unless packets are held. */
	if (seq == L.cursor && !D.on && L.cursor - L.acked >= FLIGHT &&
	    !wait_acked(FLIGHT - AHEAD))
		return false;
	d = seq - L.acked;
	span = L.cursor - L.acked;
	/* Half the number space away: duplicate or beyond, as it stands. */
	if (d - ((1U << 31) - 1024) < 2048) {
		skipped++;
		return false;
	}
	if (d >= span + WINDOW) {
		expect[(int32_t)d < 0 ? D_DUPLICATE : D_WINDOW]++;
		goto send;
	}
	if (d < span || slot_used(seq)) {
		expect[D_DUPLICATE]++;
		goto send;
	}
	if (d >= WINDOW) {
		/* Kept or beyond the window, as the node's stream stands. */
		skipped++;
		return false;
	}
	slot_fill(seq, p->b, p->len);
	if (seq == L.cursor)
		advance();
send:
	out(p->b, p->len, k);
	return true;
}

/* Send what was held back, in shuffled order, with @dups copies. */
static void release(int dups)
{
	int i, j, n = D.n;

	D.on = false;
	for (i = 0; i < dups && n; i++) {
		j = below(n);
		xmit(D.q[j].b, D.q[j].len);
		/* Whichever copy comes second. */
		if (D.q[j].len >= HDR)
			expect[D_DUPLICATE]++;
		sent[K_DUP]++;
	}
	for (i = n - 1; i > 0; i--) {
		j = below(i + 1);
		if (i != j) {
			u8 *b = D.q[i].b;
			size_t len = D.q[i].len;

			D.q[i] = D.q[j];
			D.q[j].b = b;
			D.q[j].len = len;
		}
	}
	for (i = 0; i < n; i++) {
		xmit(D.q[i].b, D.q[i].len);
		free(D.q[i].b);
	}
	D.n = 0;
}

/* ---- receiving ---------------------------------------------------------- */

static void receipt_rcv(const u8 *body, size_t len)
{
	struct collab_wire_receipt r;
	u64 i;

	if (collab_wire_receipt(body, len, &r))
		return;
	i = r.msgid - G.msgid_base;
	if (collab_guid_equal(&r.src_id, &G.src_id) && r.msgid >= G.msgid_base &&
	    i < (u64)G.placed) {
		if (r.status)
			G.receipts_bad++;
		else
			G.receipts_ok++;
	} else {
		receipts_other++;
	}
}

static void hello_rcv(const struct collab_link_hdr *h,
		      const struct collab_wire_hello *hello)
{
	u32 src_epoch = ntohl(h->src_epoch);

	if (hello->cookie && hello->cookie != L.echo) {
		L.echo_prev = L.echo;
		L.echo = hello->cookie;
	}
	if (!L.node_known) {
		L.node = h->src_node;
		L.node_known = true;
	}
	/* A cookie from the node, with no link on its side. */
	if (!src_epoch || ntohl(h->dst_epoch) != L.epoch)
		return;
	if (L.node_epoch && src_epoch != L.node_epoch && L.up)
		L.node_resets++;
	L.node_epoch = src_epoch;
	if (!L.rcv_init || seq_before(L.rcv_nxt, hello->snd_una)) {
		L.rcv_nxt = hello->snd_una;
		L.rcv_init = true;
	}
	L.hello_ack = ntohl(h->ack);
	ack_update(L.hello_ack);
	if (h->flags & COLLAB_LF_UP)
		L.up = true;
}

static void node_rcv(const u8 *b, size_t len)
{
	const struct collab_link_hdr *h = (const void *)b;
	struct collab_wire_hello hello;
	u32 seq;

	rx_packets++;
	if (collab_wire_link_hdr(b, len, &L.self) ||
	    (L.node_known && !collab_guid_equal(&h->src_node, &L.node)))
		return;
	if (h->type == COLLAB_LINK_HELLO) {
		collab_wire_hello(b + HDR, len - HDR, &hello);
		hello_rcv(h, &hello);
		return;
	}
	if (h->type == COLLAB_LINK_BEACON || !L.node_epoch ||
	    ntohl(h->src_epoch) != L.node_epoch || ntohl(h->dst_epoch) != L.epoch)
		return;
	ack_update(ntohl(h->ack));
	switch (h->type) {
	case COLLAB_LINK_PROBE:
		L.ack_due = true;
		break;
	case COLLAB_LINK_MSG:
	case COLLAB_LINK_ROUTE:
	case COLLAB_LINK_RECEIPT:
	case COLLAB_LINK_REACH:
	case COLLAB_LINK_DISTANT:
		/* What the node sends us need not be taken in order. */
		seq = ntohl(h->seq);
		if (!seq_before(seq, L.rcv_nxt)) {
			if (h->type == COLLAB_LINK_RECEIPT)
				receipt_rcv(b + HDR, len - HDR);
			L.rcv_nxt = seq + 1;
		}
		L.ack_due = true;
		break;
	}
}

/* Read what the node sent, waiting up to @ms for the first of it. */
static void poll_node(int ms)
{
	static _Alignas(8) u8 buf[65536];
	struct pollfd pfd = { .fd = L.fd, .events = POLLIN };
	ssize_t n;

	if (ms && poll(&pfd, 1, ms) <= 0)
		return;
	while ((n = recv(L.fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0)
		node_rcv(buf, n);
	if (L.ack_due && L.up && !D.on) {
		L.ack_due = false;
		send_ctl(COLLAB_LINK_ACK, K_REPLY);
	}
}

/* Acknowledgments stalled: send again the oldest packets not acknowledged. */
static void retransmit(void)
{
	double t = now();
	u32 seq;

	if (L.acked == L.cursor || t - L.progress_at < RTX_S ||
	    t - L.rtx_at < RTX_S)
		return;
	L.rtx_at = t;
	for (seq = L.acked; seq != L.cursor && seq - L.acked < 8; seq++) {
		if (!slot_used(seq))
			BUG("slot %u was not kept", seq);
		xmit(slot_of(seq)->b, slot_of(seq)->len);
		sent[K_RETRANSMIT]++;
	}
}

/*
 * Until at most @span numbers of the stream are unacknowledged; false,
 * and the run stops, when the node acknowledges nothing for wait_s.
 */
static bool wait_acked(u32 span)
{
	u32 last = L.acked;
	double since = now(), t;

	while (!L.stop && L.cursor - L.acked > span) {
		t = now();
		if (L.acked != last) {
			last = L.acked;
			since = t;
		}
		if (t - since > wait_s || L.ahead_of_model) {
			L.stop = true;
			break;
		}
		if (t - L.probe_at > 0.02)
			send_ctl(COLLAB_LINK_PROBE, K_PROBE);
		retransmit();
		poll_node(10);
	}
	return !L.stop;
}

/* ---- handshakes --------------------------------------------------------- */

static void hello_pkt(struct pkt *p, u8 type, u8 flags, u32 src_epoch,
		      u32 dst_epoch, u64 echo, u32 snd_una)
{
	struct collab_hello body = {
		.snd_una = cpu_to_be32(snd_una),
		.rcv_nxt = cpu_to_be32(L.rcv_nxt),
		.tolerance_ms = cpu_to_be32(1500),
		.cookie = cpu_to_be64(L.cookie),
		.echo = cpu_to_be64(echo),
	};
	struct collab_link_hdr *h;

	link_hdr(p, type, flags, 0);
	h = hdr_of(p);
	h->src_epoch = cpu_to_be32(src_epoch);
	h->dst_epoch = cpu_to_be32(dst_epoch);
	if (type == COLLAB_LINK_BEACON)
		memset(&h->dst_node, 0, sizeof(h->dst_node));
	snprintf(body.name, sizeof(body.name), "hostile-peer");
	memcpy(p->b + HDR, &body, BODY);
	p->len = HDR + BODY;
}

/*
 * Bring the link up with epoch @epoch, the stream starting at @start:
 * the node then forgets what it had of an older epoch of ours.
 */
static bool handshake(u32 epoch, u32 start)
{
	double end = now() + wait_s, next = 0;
	u64 echo = 0;
	u32 node_epoch = 0;
	struct pkt p;

	L.epoch = epoch;
	L.up = false;
	L.routes_known = false;
	slots_clear();
	L.acked = L.cursor = start;
	R.busy = false;
	while (!L.up) {
		if (now() > end)
			return false;
		/* Each step at once, and again every 250 ms. */
		if (now() >= next || echo != L.echo || node_epoch != L.node_epoch) {
			echo = L.echo;
			node_epoch = L.node_epoch;
			if (!echo)
				hello_pkt(&p, COLLAB_LINK_BEACON, 0, 0, 0, 0, 0);
			else
				hello_pkt(&p, COLLAB_LINK_HELLO, 0, epoch,
					  node_epoch, echo, start);
			xmit(p.b, p.len);
			sent[echo ? K_HELLO : K_BEACON]++;
			next = now() + 0.25;
		}
		poll_node(20);
	}
	L.progress_at = now();
	return true;
}

/* ---- junk --------------------------------------------------------------- */

static size_t junk_len(void)
{
	switch (below(10)) {
	case 0:
		return 0;
	case 1:
		return between(1, 16);
	case 2:
		return between(FRAG_MAX, WHOLE_MAX);
	default:
		return between(1, FRAG_MAX - FRAME - 64);
	}
}

static void junk_payload(u8 *p, size_t n)
{
	if (chance(50))
		rnd_bytes(p, n);
	else
		memset(p, below(256), n);
}

/* A frame header no receiver on the node has, often made wrong. */
static void junk_frame(void *where, size_t payload, bool bad)
{
	struct collab_frame f = {
		.version = COLLAB_WIRE_VERSION,
		.type = COLLAB_FRAME_DATA,
		.dst_kind = between(COLLAB_ADDR_GUID, COLLAB_ADDR_BROADCAST),
		.hops = below(4),
		.flags = chance(25) ? COLLAB_FF_CONFIRM : 0,
		.len = cpu_to_be32(payload),
		.msgid = cpu_to_be64(junk_msgid++),
		.src_node = L.self,
	};

	f.src_id = rnd_guid();
	f.dst_id = rnd_guid();
	if (f.dst_kind == COLLAB_ADDR_APP || chance(50))
		f.dst_node = L.node;
	/* Kept by its source, after a message that may never have come. */
	if (chance(15)) {
		f.flags |= COLLAB_FF_KEPT;
		f.kept_prev = chance(50) ? 0 : cpu_to_be32(between(1, 1000));
	}
	if (chance(50))
		f.session = rnd_guid();
	set_app(f.src_app, "hostile");
	set_app(f.dst_app, junk_apps[below(5)]);
	if (bad) {
		switch (below(11)) {
		case 0:
			f.version ^= between(1, 255);
			break;
		case 1:
			f.type ^= between(1, 255);
			break;
		case 2:
			f.flags |= 4 << below(6);
			break;
		case 3:
			f.dst_kind = chance(50) ? 0 : between(5, 255);
			break;
		case 4:
			f.len = cpu_to_be32(payload + (chance(50) ? 1 : -1));
			break;
		case 5:
			memset(f.src_app, 'x', COLLAB_APP_MAX);
			break;
		case 6:
			memset(f.dst_app, 'w', COLLAB_APP_MAX);
			break;
		case 7:
			f.src_node = rnd_guid();
			break;
		case 8:
			/* Well formed, for another node. */
			f.dst_node = rnd_guid();
			break;
		case 9:
			f.len = cpu_to_be32(rnd());
			break;
		default:
			f.dst_kind = COLLAB_ADDR_APP;
			memset(&f.dst_node, 0, sizeof(f.dst_node));
		}
	}
	memcpy(where, &f, FRAME);
}

static u8 junk_flags(void)
{
	static const u8 extra[] = { 0, 0, 0, COLLAB_LF_ACK_NOW,
				    COLLAB_LF_HELD, COLLAB_LF_UP };

	return extra[below(sizeof(extra))];
}

/* A whole message, at @seq. */
static void junk_msg(struct pkt *p, u32 seq)
{
	size_t n = junk_len();

	link_hdr(p, COLLAB_LINK_MSG,
		 COLLAB_LF_FIRST | COLLAB_LF_LAST | junk_flags(), seq);
	if (chance(5)) {
		/* Shorter than a frame header. */
		n = below(FRAME);
		rnd_bytes(p->b + HDR, n);
		p->len += n;
		return;
	}
	junk_frame(p->b + HDR, n, chance(40));
	junk_payload(p->b + HDR + FRAME, n);
	p->len += FRAME + n;
}

/* One fragment, at @seq: FIRST, a middle one or LAST. */
static enum kind junk_fragment(struct pkt *p, u32 seq)
{
	enum kind k = K_FIRST + below(3);
	size_t n;

	if (k == K_FIRST) {
		n = between(0, FRAG_MAX - FRAME);
		link_hdr(p, COLLAB_LINK_MSG, COLLAB_LF_FIRST | junk_flags(), seq);
		junk_frame(p->b + HDR, n + between(0, 3000), chance(30));
		junk_payload(p->b + HDR + FRAME, n);
		p->len += FRAME + n;
		return k;
	}
	n = chance(10) ? 0 : between(1, FRAG_MAX);
	link_hdr(p, COLLAB_LINK_MSG,
		 (k == K_LAST ? COLLAB_LF_LAST : 0) |
		 (chance(5) ? COLLAB_LF_BUNDLE : 0) | junk_flags(), seq);
	junk_payload(p->b + HDR, n);
	p->len += n;
	return k;
}

/* One entry of a bundle at @b + *@off; @first: the bundle's first. */
static void bundle_entry(u8 *b, size_t *off, bool first)
{
	u16 code = 0, n;
	size_t pl;

	switch (below(first ? 4 : 10)) {
	case 0:
	case 1:
	case 2:
		/* A message with its header, most of them well formed. */
		pl = junk_len() % 1000;
		junk_frame(b + *off + 2, pl, chance(20));
		junk_payload(b + *off + 2 + FRAME, pl);
		n = FRAME + pl;
		break;
	case 3:
		/* Not even a header. */
		n = below(FRAME);
		rnd_bytes(b + *off + 2, n);
		break;
	case 4:
	case 5:
		code = COLLAB_BE_SAME;
		n = chance(10) ? below(8) : 8 + below(600);
		rnd_bytes(b + *off + 2, n);
		break;
	case 6:
	case 7:
		code = COLLAB_BE_SAME | COLLAB_BE_NEXT;
		n = chance(20) ? 0 : below(600);
		junk_payload(b + *off + 2, n);
		break;
	case 8:
		/* The code that does not exist. */
		code = COLLAB_BE_NEXT;
		n = below(300);
		rnd_bytes(b + *off + 2, n);
		break;
	default:
		/* Empty. */
		code = below(4) << 14;
		n = 0;
	}
	b[*off] = (code | n) >> 8;
	b[*off + 1] = (u8)(code | n);
	*off += 2 + n;
}

/* Lengths off by one: the last entry says one byte more or less. */
static void off_by_one(u8 *b, size_t last, size_t *end)
{
	u16 w = b[last] << 8 | b[last + 1];

	if (chance(50)) {
		w = (w & ~COLLAB_BE_LEN_MASK) | ((w + 1) & COLLAB_BE_LEN_MASK);
	} else if (w & COLLAB_BE_LEN_MASK) {
		w--;
		/* A byte that the next entry starts with. */
		(*end)++;
		b[*end - 1] = rnd();
	}
	b[last] = w >> 8;
	b[last + 1] = (u8)w;
}

static void junk_bundle(struct pkt *p, u32 seq)
{
	u8 *b = p->b + HDR;
	size_t off = 0, last = 0;
	int i, n = between(1, 12);

	link_hdr(p, COLLAB_LINK_MSG, COLLAB_LF_FIRST | COLLAB_LF_LAST |
		 COLLAB_LF_BUNDLE | junk_flags(), seq);
	if (chance(3)) {
		/* Larger than any sender's bundle. */
		n = COLLAB_BUNDLE_MAX + between(1, 200);
		memset(b, 0, n);
		p->len += n;
		return;
	}
	for (i = 0; i < n && off < 6000; i++) {
		last = off;
		bundle_entry(b, &off, i == 0);
	}
	if (chance(15))
		off_by_one(b, last, &off);
	if (chance(5))
		/* A byte too few for the next entry's length. */
		b[off++] = rnd();
	if (chance(3))
		off = 0;
	p->len += off;
}

static void junk_route(struct pkt *p, u32 seq)
{
	struct collab_route_rec r;
	size_t n = chance(10) ? between(50, 190) : between(1, 19), i;
	bool many = chance(30);

	link_hdr(p, COLLAB_LINK_ROUTE, junk_flags(), seq);
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.id = nr_known && chance(50) ? known_ids[below(nr_known)] :
		       rnd_guid();
		if (chance(50))
			r.session = rnd_guid();
		set_app(r.app, junk_apps[below(5)]);
		if (chance(5))
			rnd_bytes(r.reserved, sizeof(r.reserved));
		switch (many ? 0 : below(12)) {
		case 0:
		case 1:
		case 2:
			r.op = COLLAB_ROUTE_ADD;
			r.id = rnd_guid();
			known_ids[known_next++ % 64] = r.id;
			if (nr_known < 64)
				nr_known++;
			break;
		case 3:
			/* ADD without an id, an app, or its NUL. */
			r.op = COLLAB_ROUTE_ADD;
			if (chance(33))
				memset(&r.id, 0, sizeof(r.id));
			else if (chance(50))
				memset(r.app, 0, sizeof(r.app));
			else
				memset(r.app, 'w', sizeof(r.app));
			break;
		case 4:
		case 5:
			r.op = COLLAB_ROUTE_JOIN;
			if (chance(10))
				memset(&r.session, 0, sizeof(r.session));
			else
				r.session = rnd_guid();
			break;
		case 6:
			r.op = COLLAB_ROUTE_LEAVE;
			break;
		case 7:
			r.op = COLLAB_ROUTE_DEL;
			break;
		case 8:
			/* END is announce()'s alone: see no_end(). */
			r.op = COLLAB_ROUTE_RESET;
			break;
		default:
			r.op = chance(50) ? below(256) : COLLAB_ROUTE_END + 1;
			if (r.op == COLLAB_ROUTE_END)
				r.op++;
		}
		memcpy(p->b + HDR + i * REC, &r, REC);
	}
	p->len += n * REC;
	if (chance(8))
		p->len -= between(1, REC - 1);
	else if (chance(4))
		p->len += between(1, REC - 1);
	else if (chance(2))
		p->len = HDR;
}

static void junk_receipt(struct pkt *p, u32 seq)
{
	static const u32 status[] = { 0, 113 /* EHOSTUNREACH */, 110, 4095,
				      4096, 0xffffffff };
	struct collab_receipt_rec r = {
		.msgid = cpu_to_be64(chance(50) ? rnd() : junk_msgid - below(50)),
		.status = cpu_to_be32(status[below(6)]),
	};
	static const size_t lens[] = { 0, 8, 31, 33, 64 };

	r.src_id = chance(20) ? G.src_id : rnd_guid();
	if (chance(10))
		r.flags = rnd();
	link_hdr(p, COLLAB_LINK_RECEIPT, junk_flags(), seq);
	memcpy(p->b + HDR, &r, sizeof(r));
	p->len += sizeof(r);
	if (chance(15)) {
		p->len = HDR + lens[below(5)];
		rnd_bytes(p->b + HDR + sizeof(r), 64 - sizeof(r));
	}
}

/*
 * The node of a DISTANT record. We send no REACH records, so the node
 * reaches none through us, and it drops every well-formed record as
 * stray (drop_distant_stray): for a node it does not know, for itself,
 * for us (a peer tells its own instances in route records), for the
 * instances we announced, and for nodes we told of before.
 */
static struct collab_guid distant_origin(void)
{
	static struct collab_guid told[8];
	static unsigned int nr_told;
	struct collab_guid g;

	switch (below(6)) {
	case 0:
		return L.node;
	case 1:
		return L.self;
	case 2:
		if (nr_known)
			return known_ids[below(nr_known)];
		break;
	case 3:
		if (nr_told)
			return told[below(nr_told < 8 ? nr_told : 8)];
		break;
	}
	g = rnd_guid();
	told[nr_told++ % 8] = g;
	return g;
}

/* The instance of an ADD: a new one, or one the node knows already. */
static struct collab_guid distant_id(void)
{
	switch (below(5)) {
	case 0:
		if (nr_known)
			return known_ids[below(nr_known)];
		break;
	case 1:
		return G.src_id;
	case 2:
		/* Bound on the node. */
		if (G.has_dst)
			return G.dst;
		break;
	}
	return rnd_guid();
}

/* A well-formed DISTANT record, @op of @origin. */
static void distant_rec(struct collab_distant_rec *r, u8 op,
			const struct collab_guid *origin)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->origin = *origin;
	if (op == COLLAB_DISTANT_ADD) {
		r->id = distant_id();
		set_app(r->app, chance(20) ? G.app : junk_apps[below(5)]);
	}
	/* Not read. */
	if (chance(5))
		rnd_bytes(r->reserved, sizeof(r->reserved));
}

/* A DISTANT record, made wrong in one way, or odd but well formed. */
static void distant_bad(struct collab_distant_rec *r,
			const struct collab_guid *origin)
{
	static const u8 ops[] = { 0, COLLAB_DISTANT_END + 1, 255 };
	u8 op = chance(50) ? COLLAB_DISTANT_RESET : COLLAB_DISTANT_END;

	switch (below(9)) {
	case 0:
		distant_rec(r, COLLAB_DISTANT_ADD, origin);
		memset(&r->id, 0, sizeof(r->id));
		break;
	case 1:
		/* No type; what follows its first byte is not read. */
		distant_rec(r, COLLAB_DISTANT_ADD, origin);
		r->app[0] = '\0';
		if (chance(50))
			memset(r->app, 0, sizeof(r->app));
		break;
	case 2:
		distant_rec(r, COLLAB_DISTANT_ADD, origin);
		memset(r->app, 'w', sizeof(r->app));
		break;
	case 3:
		distant_rec(r, between(COLLAB_DISTANT_RESET, COLLAB_DISTANT_END),
			    origin);
		memset(&r->origin, 0, sizeof(r->origin));
		break;
	case 4:
		distant_rec(r, COLLAB_DISTANT_ADD, origin);
		r->op = chance(70) ? ops[below(3)] : below(256);
		break;
	case 5:
		distant_rec(r, op, origin);
		r->id = distant_id();
		break;
	case 6:
		distant_rec(r, op, origin);
		set_app(r->app, junk_apps[below(5)]);
		if (chance(50))
			memset(&r->id, 0, sizeof(r->id));
		break;
	case 7:
		/* Well formed: a RESET or END reads only the first byte. */
		distant_rec(r, op, origin);
		r->app[between(1, COLLAB_APP_MAX - 1)] = 'w';
		break;
	default:
		distant_rec(r, op, origin);
		rnd_bytes(r, sizeof(*r));
	}
}

/*
 * Tables of distant nodes' instances, as a parent passes them on: RESET,
 * ADDs, END, for one node, now and then with a bad record; or records of
 * every sort, for many. Lengths that are no number of records, or none.
 */
static void junk_distant(struct pkt *p, u32 seq)
{
	struct collab_guid origin = distant_origin();
	bool table = chance(40);
	struct collab_distant_rec r;
	size_t n, i;

	link_hdr(p, COLLAB_LINK_DISTANT, junk_flags(), seq);
	if (table)
		n = chance(10) ? between(20, 190) : between(2, 20);
	else
		n = chance(10) ? between(20, 190) : between(1, 19);
	for (i = 0; i < n; i++) {
		if (!table && chance(30))
			origin = distant_origin();
		if (table && chance(3))
			distant_bad(&r, &origin);
		else if (table)
			distant_rec(&r, !i ? COLLAB_DISTANT_RESET :
				    i == n - 1 ? COLLAB_DISTANT_END :
				    COLLAB_DISTANT_ADD, &origin);
		else if (chance(50))
			distant_rec(&r, between(COLLAB_DISTANT_RESET,
						COLLAB_DISTANT_END), &origin);
		else
			distant_bad(&r, &origin);
		memcpy(p->b + HDR + i * DREC, &r, DREC);
	}
	p->len += n * DREC;
	if (chance(8)) {
		p->len -= between(1, DREC - 1);
	} else if (chance(4)) {
		i = between(1, DREC - 1);
		rnd_bytes(p->b + p->len, i);
		p->len += i;
	} else if (chance(3)) {
		p->len = HDR;
	}
}

/* ACK or PROBE: acknowledgments of every sort. */
static enum kind junk_ctl(struct pkt *p)
{
	bool probe = chance(30);
	struct collab_link_hdr *h;
	size_t n;

	link_hdr(p, probe ? COLLAB_LINK_PROBE : COLLAB_LINK_ACK,
		 below(COLLAB_LF_KNOWN + 1) & COLLAB_LF_KNOWN, rnd());
	h = hdr_of(p);
	switch (below(5)) {
	case 0:
		break;
	case 1:
		h->ack = cpu_to_be32(rnd());
		break;
	case 2:
		h->ack = cpu_to_be32(L.rcv_nxt + below(1000));
		break;
	case 3:
		h->ack = cpu_to_be32(L.rcv_nxt - below(1000));
		break;
	default:
		h->ack = cpu_to_be32(L.rcv_nxt + (1U << 31));
	}
	switch (below(4)) {
	case 0:
		break;
	case 1:
		h->sack = cpu_to_be32(rnd());
		break;
	case 2:
		h->sack = cpu_to_be32(1U << below(32));
		break;
	default:
		h->sack = cpu_to_be32(0xffffffff);
	}
	if (chance(20)) {
		n = below(200);
		rnd_bytes(p->b + HDR, n);
		p->len += n;
	}
	return probe ? K_PROBE : K_ACK;
}

/* A sequenced packet of any kind at @seq; its kind. */
static enum kind junk_seq(struct pkt *p, u32 seq)
{
	switch (below(11)) {
	case 0:
	case 1:
	case 2:
		junk_msg(p, seq);
		return K_MSG;
	case 3:
	case 4:
		return junk_fragment(p, seq);
	case 5:
	case 6:
		junk_bundle(p, seq);
		return K_BUNDLE;
	case 7:
	case 8:
		junk_route(p, seq);
		return K_ROUTE;
	case 9:
		junk_receipt(p, seq);
		return K_RECEIPT;
	default:
		junk_distant(p, seq);
		return K_DISTANT;
	}
}

/* HELLOs and beacons that prove nothing: a cookie comes back, or nothing. */
static enum kind junk_hello(struct pkt *p)
{
	struct collab_link_hdr *h;
	u64 echo = rnd();

	if (chance(25)) {
		hello_pkt(p, COLLAB_LINK_BEACON, 0, rnd(), 0, echo, rnd());
		if (chance(50))
			hdr_of(p)->src_node = rnd_guid();
		return K_BEACON;
	}
	hello_pkt(p, COLLAB_LINK_HELLO, below(COLLAB_LF_KNOWN + 1) &
		  COLLAB_LF_KNOWN, chance(50) ? L.epoch : rnd(),
		  chance(50) ? L.node_epoch : rnd(), chance(20) ? 0 : echo, rnd());
	h = hdr_of(p);
	if (chance(30))
		h->src_node = rnd_guid();
	if (chance(10)) {
		/* More than a HELLO's body. */
		rnd_bytes(p->b + p->len, 100);
		p->len += below(100);
	}
	return K_HELLO;
}

/*
 * HELLOs that prove their source and change nothing: the node answers
 * with one of its own, and a fresh cookie. The stream does not move: the
 * oldest number they name is one the node has.
 */
static void hello_quiet(void)
{
	struct pkt p;
	u32 dst = chance(70) ? L.node_epoch : (u32)rnd();
	u32 src = chance(90) ? L.epoch : 0;

	hello_pkt(&p, COLLAB_LINK_HELLO, chance(30) ? COLLAB_LF_UP : 0, src,
		  dst, L.echo, L.acked - below(3));
	if (chance(20))
		((struct collab_hello *)(p.b + HDR))->rcv_nxt = cpu_to_be32(rnd());
	out(p.b, p.len, K_HELLO);
}

/* Bad link headers: every check of collab_wire_link_hdr(). */
static void junk_outer(struct pkt *p)
{
	struct collab_link_hdr *h;

	if (chance(30)) {
		junk_hello(p);
		if (chance(50)) {
			p->len = below(HDR + BODY);
			return;
		}
	} else {
		junk_seq(p, L.cursor + below(4));
	}
	h = hdr_of(p);
	switch (below(11)) {
	case 0:
		h->version = chance(50) ? 0 : between(2, 255);
		break;
	case 1:
		h->type = chance(50) ? 0 : between(__COLLAB_LINK_MAX, 255);
		break;
	case 2:
		h->flags |= 0x40 << below(2);
		break;
	case 3:
		h->key_id = between(1, 255);
		break;
	case 4:
		memset(&h->src_node, 0, sizeof(h->src_node));
		break;
	case 5:
		h->src_node = L.node;
		break;
	case 6:
		h->dst_node = rnd_guid();
		break;
	case 7:
		memset(&h->dst_node, 0, sizeof(h->dst_node));
		if (h->type == COLLAB_LINK_BEACON)
			h->dst_node = L.node;
		break;
	case 8:
		h->type = COLLAB_LINK_BEACON;
		h->dst_node = L.node;
		break;
	case 9:
		p->len = below(HDR);
		break;
	default:
		h->type = COLLAB_LINK_HELLO + below(2) - 1;
		if (p->len >= HDR + BODY)
			p->len = HDR + below(BODY);
	}
}

/* Right header, wrong ids or epochs. */
static void junk_foreign(struct pkt *p)
{
	struct collab_link_hdr *h;

	if (chance(30))
		junk_ctl(p);
	else
		junk_seq(p, L.cursor);
	h = hdr_of(p);
	switch (below(4)) {
	case 0:
		h->src_node = rnd_guid();
		break;
	case 1:
		h->src_epoch = cpu_to_be32(L.epoch ^ between(1, 0xffffffff));
		break;
	case 2:
		h->dst_epoch = cpu_to_be32(L.node_epoch ^ between(1, 0xffffffff));
		break;
	default:
		h->src_epoch = 0;
		h->dst_epoch = 0;
	}
}

/* A packet of any kind at the stream's place, to mutate. */
static enum kind junk_any(struct pkt *p)
{
	switch (below(8)) {
	case 0:
		return junk_ctl(p);
	case 1:
		return junk_hello(p);
	default:
		return junk_seq(p, L.cursor);
	}
}

/*
 * Our route sync, as a node sends one when its link comes up: RESET, the
 * instance our good messages come from, END. Once the node has read it,
 * it takes messages from that instance only.
 */
static void announce(void)
{
	struct collab_route_rec r[3] = {
		{ .op = COLLAB_ROUTE_RESET },
		{ .op = COLLAB_ROUTE_ADD, .id = G.src_id },
		{ .op = COLLAB_ROUTE_END },
	};
	struct pkt p;

	set_app(r[1].app, "hostile");
	link_hdr(&p, COLLAB_LINK_ROUTE, 0, L.cursor);
	memcpy(p.b + HDR, r, sizeof(r));
	p.len += sizeof(r);
	if (!emit(&p, K_SYNC) && !L.stop)
		BUG("our route sync was not sent");
}

/* A ROUTE that changes nothing: one instance leaves a session it is not in. */
static void filler(void)
{
	struct collab_route_rec r = { .op = COLLAB_ROUTE_LEAVE };
	struct pkt p;

	r.id = rnd_guid();
	r.session = rnd_guid();
	link_hdr(&p, COLLAB_LINK_ROUTE, 0, L.cursor);
	memcpy(p.b + HDR, &r, REC);
	p.len += REC;
	if (!emit(&p, K_FILLER) && !L.stop)
		BUG("a filler was not sent");
}

/* An empty fragment: whatever was being put together goes, as malformed. */
static void terminator(void)
{
	struct pkt p;

	link_hdr(&p, COLLAB_LINK_MSG, 0, L.cursor);
	if (!emit(&p, K_MIDDLE) && !L.stop)
		BUG("a terminator was not sent");
}

/*
 * The next @k numbers of the stream free, and no message being put
 * together: what a message of ours in @k packets needs.
 */
static void clear_for(u32 k)
{
	u32 i;
	bool clear;

	while (!L.stop) {
		clear = !R.busy;
		for (i = 0; i < k && clear; i++)
			clear = !slot_used(L.cursor + i);
		if (clear)
			return;
		if (R.busy)
			terminator();
		else
			filler();
	}
}

/* ---- good messages ------------------------------------------------------ */

static u8 good_kind(void)
{
	u8 kinds[4], n = 0;

	if (G.has_dst)
		kinds[n++] = COLLAB_ADDR_GUID;
	kinds[n++] = COLLAB_ADDR_APP;
	kinds[n++] = COLLAB_ADDR_BROADCAST;
	if (G.has_session)
		kinds[n++] = COLLAB_ADDR_SESSION;
	return kinds[below(n)];
}

static void good_frame(struct collab_frame *f, u8 kind, u8 flags)
{
	memset(f, 0, FRAME);
	f->version = COLLAB_WIRE_VERSION;
	f->type = COLLAB_FRAME_DATA;
	f->dst_kind = kind;
	f->flags = flags;
	f->src_node = L.self;
	f->src_id = G.src_id;
	set_app(f->src_app, "hostile");
	switch (kind) {
	case COLLAB_ADDR_GUID:
		f->dst_id = G.dst;
		if (chance(50))
			f->dst_node = L.node;
		break;
	case COLLAB_ADDR_APP:
		f->dst_node = L.node;
		set_app(f->dst_app, G.app);
		if (G.has_session && chance(50))
			f->session = G.session;
		break;
	case COLLAB_ADDR_SESSION:
		f->dst_id = G.session;
		f->session = G.session;
		break;
	default:
		set_app(f->dst_app, G.app);
	}
}

/* Message G.placed, header @f, into @m; its length. */
static size_t good_build(u8 *m, struct collab_frame *f, size_t size)
{
	f->len = cpu_to_be32(size);
	f->msgid = cpu_to_be64(G.msgid_base + G.placed);
	memcpy(m, f, FRAME);
	fill(m + FRAME, size, G.tag, G.placed);
	G.placed++;
	return FRAME + size;
}

static size_t good_size(void)
{
	switch (below(20)) {
	case 0:
		return between(WHOLE_MAX, COLLAB_MSG_MAX);
	case 1:
	case 2:
		return between(FRAG_MAX, WHOLE_MAX - FRAME);
	default:
		return between(16, 1000);
	}
}

/* After a message of ours went: the model has it at its receiver. */
static void good_check(void)
{
	if (!L.stop && G.delivered != G.placed)
		BUG("message %ld would not reach the receiver", G.delivered);
}

static void good_whole(size_t size)
{
	struct collab_frame f;
	struct pkt p;

	clear_for(1);
	link_hdr(&p, COLLAB_LINK_MSG, COLLAB_LF_FIRST | COLLAB_LF_LAST |
		 junk_flags(), L.cursor);
	good_frame(&f, good_kind(), chance(50) ? COLLAB_FF_CONFIRM : 0);
	p.len += good_build(p.b + HDR, &f, size);
	emit(&p, K_GOOD);
	good_check();
}

static void good_fragments(size_t size)
{
	static u8 m[FRAME + COLLAB_MSG_MAX];
	u32 frags = 0, k;
	size_t len, off = 0, n, left;
	struct collab_frame f;
	struct pkt p;

	good_frame(&f, good_kind(), chance(50) ? COLLAB_FF_CONFIRM : 0);
	len = good_build(m, &f, size);
	/* At most COLLAB_REASM_FRAGS: each at least what that leaves. */
	k = (len + FRAG_MAX - 1) / FRAG_MAX;
	if (k < 2)
		k = 2;
	k = between(k, k * 3 < COLLAB_REASM_FRAGS ? k * 3 : COLLAB_REASM_FRAGS);
	clear_for(k);
	while (off < len && !L.stop) {
		left = len - off;
		n = (left + (k - frags) - 1) / (k - frags);
		if (n < FRAG_MAX)
			n = between(n, n * 2 < FRAG_MAX ? n * 2 : FRAG_MAX);
		if (!off && n < FRAME)
			n = FRAME;
		if (n > left || frags == k - 1)
			n = left;
		link_hdr(&p, COLLAB_LINK_MSG,
			 (off ? 0 : COLLAB_LF_FIRST) |
			 (off + n == len ? COLLAB_LF_LAST : 0) |
			 (chance(10) ? COLLAB_LF_ACK_NOW : 0), L.cursor);
		memcpy(p.b + HDR, m + off, n);
		p.len += n;
		if (slot_used(L.cursor))
			BUG("fragment %u of a message of ours on a used slot",
			    frags);
		emit(&p, K_GOOD_FRAG);
		off += n;
		frags++;
	}
	good_check();
}

/*
 * Messages of ours in one bundle, behind a junk entry or not, and ahead
 * of junk entries (a bad one ends the bundle, but after ours).
 */
static void good_bundle(long count)
{
	u8 *b;
	struct collab_frame f, last;
	size_t off = 0, size, at;
	bool first = true, same;
	struct pkt p;
	u16 code, n;
	long i;

	link_hdr(&p, COLLAB_LINK_MSG, COLLAB_LF_FIRST | COLLAB_LF_LAST |
		 COLLAB_LF_BUNDLE | junk_flags(), L.cursor);
	b = p.b + HDR;
	if (chance(30)) {
		bundle_entry(b, &off, true);
		/* An entry that ended the bundle: ours go in another. */
		if (b[0] & 0xc0 || ((b[0] << 8 | b[1]) & COLLAB_BE_LEN_MASK) < FRAME)
			off = 0;
	}
	good_frame(&f, good_kind(), chance(30) ? COLLAB_FF_CONFIRM : 0);
	for (i = 0; i < count && off < 11500; i++) {
		size = between(16, 600);
		/* Another header: the entry must have its own. */
		same = !first && !chance(20);
		if (!same)
			good_frame(&f, good_kind(), f.flags);
		at = off + 2;
		/* Header and payload, as a message of its own. */
		good_build(b + at, &f, size);
		memcpy(&last, b + at, FRAME);
		code = 0;
		n = FRAME + size;
		if (same && chance(80)) {
			code = chance(70) ? COLLAB_BE_SAME | COLLAB_BE_NEXT :
			       COLLAB_BE_SAME;
			if (code & COLLAB_BE_NEXT) {
				memmove(b + at, b + at + FRAME, size);
				n = size;
			} else {
				memmove(b + at + 8, b + at + FRAME, size);
				memcpy(b + at, &last.msgid, 8);
				n = 8 + size;
			}
		}
		b[off] = (code | n) >> 8;
		b[off + 1] = (u8)(code | n);
		off += 2 + n;
		first = false;
	}
	/* A code that stands for "the header before": not with ours. */
	if (chance(30)) {
		size_t last_entry = off;

		bundle_entry(b, &off, true);
		if (chance(20))
			off_by_one(b, last_entry, &off);
	}
	p.len += off;
	emit(&p, K_GOOD_BUNDLE);
	good_check();
}

/* -E: a bundle of as many empty messages as it may hold. */
static void empty_bundle(void)
{
	struct collab_frame f = {
		.version = COLLAB_WIRE_VERSION,
		.type = COLLAB_FRAME_DATA,
		.dst_kind = COLLAB_ADDR_GUID,
		.dst_id = E.dst,
		.dst_node = L.node,
		.src_node = L.self,
		.src_id = G.src_id,
	};
	u16 next = COLLAB_BE_SAME | COLLAB_BE_NEXT;
	struct pkt p;
	size_t off;
	u8 *b;
	long n;

	link_hdr(&p, COLLAB_LINK_MSG, COLLAB_LF_FIRST | COLLAB_LF_LAST |
		 COLLAB_LF_BUNDLE, L.cursor);
	b = p.b + HDR;
	set_app(f.src_app, "hostile");
	f.msgid = cpu_to_be64(junk_msgid);
	b[0] = FRAME >> 8;
	b[1] = (u8)FRAME;
	memcpy(b + 2, &f, FRAME);
	off = 2 + FRAME;
	for (n = 1; off + 2 <= COLLAB_BUNDLE_MAX; n++, off += 2) {
		b[off] = next >> 8;
		b[off + 1] = (u8)next;
	}
	p.len += off;
	if (!emit(&p, K_EMPTY))
		return;
	junk_msgid += n;
	E.placed++;
	E.msgs += n;
}

static void place_good(void)
{
	size_t size = good_size();
	long left = G.count - G.placed;

	if (chance(25) && left > 1) {
		good_bundle(between(2, left < 20 ? left : 20));
		return;
	}
	if (FRAME + size > WHOLE_MAX || chance(15))
		good_fragments(size);
	else
		good_whole(size);
}

/* ---- the run ------------------------------------------------------------ */

/* In order, so that the node reads it now. */
static void step_seq(void)
{
	struct pkt p;
	enum kind k = junk_seq(&p, L.cursor);

	emit(&p, k);
}

/* A run of fragments, now and then broken in every way there is. */
static void step_run(void)
{
	u32 n = chance(2) ? COLLAB_REASM_FRAGS + 1 : between(1, 20), i;
	size_t len, total;
	bool too_long = chance(2);
	struct pkt p;
	u8 flags;

	if (too_long)
		n = 60;
	/* Half of the runs start while another is under way. */
	if (chance(50))
		clear_for(0);
	if (!chance(10)) {
		len = FRAME + between(0, FRAG_MAX - FRAME);
		total = len + (u64)n * (too_long ? FRAG_MAX : 700);
		link_hdr(&p, COLLAB_LINK_MSG, COLLAB_LF_FIRST | junk_flags(),
			 L.cursor);
		junk_frame(p.b + HDR, total - FRAME, chance(30));
		junk_payload(p.b + HDR + FRAME, len - FRAME);
		p.len += len;
		emit(&p, K_FIRST);
	}
	for (i = 0; i < n && !L.stop; i++) {
		flags = i == n - 1 && !chance(10) ? COLLAB_LF_LAST : 0;
		if (chance(3))
			flags |= COLLAB_LF_FIRST;
		len = too_long ? FRAG_MAX : n > 100 ? 1 :
		      chance(5) ? 0 : between(1, FRAG_MAX);
		link_hdr(&p, COLLAB_LINK_MSG, flags | junk_flags(), L.cursor);
		junk_payload(p.b + HDR, len);
		p.len += len;
		emit(&p, flags & COLLAB_LF_FIRST ? K_FIRST :
		     flags & COLLAB_LF_LAST ? K_LAST : K_MIDDLE);
	}
}

/*
 * Instances by the thousand, and sessions by the hundred for a few of
 * them: past the node's budget for what a peer tells it (drop_peer_limit).
 */
static void step_flood(void)
{
	struct collab_route_rec r = { .op = COLLAB_ROUTE_ADD };
	u32 i, j, n = between(20, 40);
	struct pkt p;

	for (i = 0; i < n && !L.stop; i++) {
		link_hdr(&p, COLLAB_LINK_ROUTE, 0, L.cursor);
		for (j = 0; j < 190; j++) {
			if (i % 8 == 7) {
				/* One instance, 190 sessions. */
				r.op = COLLAB_ROUTE_JOIN;
				r.id = known_ids[(known_next - 1) % 64];
				r.session = rnd_guid();
			} else {
				r.op = COLLAB_ROUTE_ADD;
				r.id = rnd_guid();
				set_app(r.app, junk_apps[below(5)]);
				known_ids[known_next++ % 64] = r.id;
				if (nr_known < 64)
					nr_known++;
			}
			memcpy(p.b + HDR + j * REC, &r, REC);
		}
		p.len += 190 * REC;
		emit(&p, K_ROUTE);
	}
}

/* Sequenced, at numbers the node has read or holds, or beyond its window. */
static void step_dup(void)
{
	struct pkt p;
	enum kind k = junk_seq(&p, L.cursor);
	u32 seq = L.acked + below(L.cursor - L.acked);

	if (chance(40) && L.acked != L.cursor) {
		/* A copy of what went. */
		memcpy(p.b, slot_of(seq)->b, slot_of(seq)->len);
		p.len = slot_of(seq)->len;
		emit(&p, K_DUP);
		return;
	}
	switch (below(3)) {
	case 0:
		seq = L.acked - between(1, 2000);
		break;
	case 1:
		seq = L.cursor + WINDOW + below(chance(50) ? 100 : 1U << 30);
		k = K_WINDOW;
		break;
	default:
		seq = rnd();
		k = K_WINDOW;
	}
	hdr_of(&p)->seq = cpu_to_be32(seq);
	emit(&p, k == K_WINDOW ? K_WINDOW : K_DUP);
}

/* Ahead of the stream: the node keeps it until the gap fills. */
static void step_ahead(void)
{
	struct pkt p;

	junk_seq(&p, L.cursor + between(1, AHEAD));
	emit(&p, K_AHEAD);
}

/* Several packets, ours among them, sent in shuffled order, some twice. */
static void step_batch(void)
{
	u32 k = between(2, 16), i;

	/* The node's window holds it all: nothing waits once held back. */
	if (!wait_acked(2 * AHEAD))
		return;
	D.on = true;
	for (i = 0; i < k && !L.stop && L.cursor - L.acked < 4 * AHEAD; i++) {
		if (G.placed < G.count && chance(30)) {
			if (chance(50) && G.count - G.placed > 1)
				good_bundle(between(2, G.count - G.placed < 10 ?
						       G.count - G.placed : 10));
			else
				good_whole(between(16, 2000));
		} else {
			step_seq();
		}
	}
	release(chance(30) ? between(1, 3) : 0);
}

static void step_trunc(void)
{
	struct pkt p;

	junk_any(&p);
	if (p.len)
		p.len = trunc_next++ % p.len;
	emit(&p, K_TRUNC);
}

/*
 * A route record that ENDs a sync is announce()'s alone: one in junk
 * would sweep the instance that our good messages come from, whose
 * fate the model then could not tell apart from a lost message.
 */
static void no_end(struct pkt *p)
{
	const struct collab_link_hdr *h = (const void *)p->b;
	size_t off;

	if (p->len < HDR || h->type != COLLAB_LINK_ROUTE)
		return;
	for (off = HDR; off < p->len; off += REC)
		if (p->b[off] == COLLAB_ROUTE_END)
			p->b[off]++;
}

static void step_flip(void)
{
	struct pkt p;
	u32 i, n = between(1, 3), bit;

	junk_any(&p);
	for (i = 0; i < n && p.len; i++) {
		/* Most in the link header, where each field is a check. */
		bit = chance(50) ? below(HDR * 8) : below(p.len * 8);
		if (bit < p.len * 8)
			p.b[bit / 8] ^= 1 << (bit % 8);
	}
	no_end(&p);
	emit(&p, K_FLIP);
}

static void step_random(void)
{
	size_t len = chance(20) ? below(HDR) : HDR + below(1500);
	struct pkt p;

	rnd_bytes(p.b, len);
	if (len >= HDR && chance(30)) {
		/* Random behind this link's header, but for type and flags. */
		link_hdr(&p, below(__COLLAB_LINK_MAX + 1), rnd(), rnd());
		rnd_bytes(p.b + HDR, len - HDR);
	}
	p.len = len;
	emit(&p, K_RANDOM);
}

/* The stream in sync: the node has read every packet sent. */
static bool sync_link(void)
{
	return wait_acked(0);
}

/* A new epoch of ours: the node starts our side of the link over. */
static void step_epoch(void)
{
	static const u32 starts[] = { 0, 0xffffff00, 0x7fffff80, 1 };
	u32 start = chance(50) ? (u32)rnd() : starts[below(4)] + below(64);

	if (!sync_link())
		return;
	sent[K_EPOCH]++;
	if (!handshake((L.epoch + between(1, 1000)) | 1, start)) {
		printf("no new link within %.0f s, epoch %08x\n", wait_s,
		       L.epoch);
		exit(1);
	}
	announce();
}

/*
 * A HELLO whose oldest number is ahead of what the node read: it skips to
 * it, dropping what it held before it and the message it was putting
 * together. Half of the time, onto a number that it holds.
 */
static void step_skip(void)
{
	u32 k = between(1, AHEAD), i, start;
	double end;
	struct pkt p;

	if (!sync_link())
		return;
	if (!sent[K_SKIP] || chance(50)) {
		/* Onto a number the node holds: one sent ahead, or sent now. */
		for (i = 1; i <= AHEAD && !slot_used(L.cursor + i); i++)
			;
		if (i > AHEAD) {
			junk_seq(&p, L.cursor + k);
			emit(&p, K_AHEAD);
			i = k;
		}
		k = i;
	}
	start = L.cursor + k;
	if (slot_used(start))
		skips_held++;
	hello_pkt(&p, COLLAB_LINK_HELLO, 0, L.epoch, L.node_epoch, L.echo,
		  start);
	/* What the node drops, unread. */
	for (i = L.cursor; i != start; i++)
		slot_free(i);
	L.acked = L.cursor = start;
	R.busy = false;
	/* Records may have gone with what it skipped: it waits for an END. */
	L.routes_known = false;
	advance();
	L.hello_ack = start - 1;
	out(p.b, p.len, K_SKIP);
	if (!slot_used(start))
		return;
	/*
	 * What the node held at start is in order now: its answer (to a
	 * HELLO without COLLAB_LF_UP) should say it read it, and what
	 * followed it.
	 */
	end = now() + wait_s;
	while (L.hello_ack - start > L.cursor - start && now() < end)
		poll_node(10);
	if (L.hello_ack == L.cursor)
		return;
	held_unread++;
	printf("skip ahead to %u, a number the node held: it then waits for %u, not %u\n",
	       start, L.hello_ack, L.cursor);
	/* It would wait on each packet sent ahead: start over. */
	if (!keep_going)
		step_epoch();
}

static void step(void)
{
	struct pkt p;
	u32 r = below(1000);
	enum kind k;

	if (r < 180) {
		step_seq();
	} else if (r < 260) {
		step_run();
	} else if (r < 320) {
		k = junk_ctl(&p);
		emit(&p, k);
	} else if (r < 360) {
		if (chance(70)) {
			k = junk_hello(&p);
			emit(&p, k);
		} else {
			hello_quiet();
		}
	} else if (r < 440) {
		step_dup();
	} else if (r < 500) {
		step_ahead();
	} else if (r < 540) {
		step_batch();
	} else if (r < 640) {
		step_trunc();
	} else if (r < 760) {
		step_flip();
	} else if (r < 800) {
		step_random();
	} else if (r < 880) {
		junk_outer(&p);
		emit(&p, K_OUTER);
	} else if (r < 920) {
		junk_foreign(&p);
		emit(&p, K_FOREIGN);
	} else if (r < 960) {
		junk_route(&p, L.cursor);
		emit(&p, K_ROUTE);
	} else {
		junk_distant(&p, L.cursor);
		emit(&p, K_DISTANT);
	}
}

static void run(void)
{
	double end = t0 + run_s, t, next_hello = t0 + 1, next_epoch;
	double skip_next, flood = t0 + run_s / 2;
	long due;

	next_epoch = t0 + run_s / 3 + below(1000) / 1000.0;
	skip_next = t0 + run_s / 4;
	while (!L.stop && (t = now()) < end) {
		poll_node(0);
		retransmit();
		/* Ours, spread over the run. */
		due = G.count * ((t - t0) / run_s);
		if (G.placed < G.count && G.placed <= due) {
			place_good();
			continue;
		}
		if (E.placed < E.count &&
		    E.placed <= (long)(E.count * ((t - t0) / run_s))) {
			empty_bundle();
			continue;
		}
		if (t > next_hello) {
			/* Fresh cookies, from the node's answer. */
			hello_quiet();
			next_hello = t + 1;
			continue;
		}
		if (t > next_epoch) {
			step_epoch();
			next_epoch = now() + run_s / 3;
			continue;
		}
		if (t > skip_next) {
			step_skip();
			skip_next = now() + run_s / 4;
			continue;
		}
		if (t > flood) {
			step_flood();
			flood = end;
			continue;
		}
		step();
	}
	while (!L.stop && G.placed < G.count)
		place_good();
	while (!L.stop && E.placed < E.count)
		empty_bundle();
}

/*
 * Instances in COLLAB_SESSIONS_MAX sessions each, to the end of the
 * node's budget for what a peer tells it (route_peer_bytes, 1 MiB by
 * default: some 7,000 memberships), with no END to sweep them: a table
 * the node must free when this peer goes.
 */
static void fill_table(void)
{
	struct collab_route_rec r = {};
	u32 i, n = 0, per = COLLAB_SESSIONS_MAX + 1;
	struct pkt p;

	link_hdr(&p, COLLAB_LINK_ROUTE, 0, L.cursor);
	for (i = 0; i < 128 * per && !L.stop; i++) {
		if (i % per == 0) {
			r.op = COLLAB_ROUTE_ADD;
			r.id = rnd_guid();
			set_app(r.app, junk_apps[below(5)]);
		} else {
			r.op = COLLAB_ROUTE_JOIN;
			r.session = rnd_guid();
		}
		memcpy(p.b + HDR + n++ * REC, &r, REC);
		if (n == 190 || i == 128 * per - 1) {
			p.len += n * REC;
			emit(&p, K_ROUTE);
			link_hdr(&p, COLLAB_LINK_ROUTE, 0, L.cursor);
			n = 0;
		}
	}
}

/*
 * A full table for the node, then what waits ahead of the stream goes
 * in; then the node has read it all.
 */
static bool finish(void)
{
	u32 i;
	bool ahead = true;

	fill_table();
	while (!L.stop && ahead) {
		ahead = false;
		for (i = 1; i < WINDOW && !ahead; i++)
			ahead = slot_used(L.cursor + i);
		if (ahead)
			filler();
	}
	if (R.busy)
		terminator();
	return sync_link();
}

static void report(bool synced)
{
	double secs = now() - t0;
	unsigned long malformed, certain = 0;
	int i;

	for (i = 0; i < K_MAX; i++)
		if (sent[i])
			printf("sent %s %lu\n", kind_names[i], sent[i]);
	printf("packets %lu (%lu bytes) in %.1f s: %.0f/s\n", packets, bytes,
	       secs, packets / (secs > 0 ? secs : 1));
	printf("skipped %lu mutations whose fate depends on timing\n", skipped);
	printf("skips ahead %lu, onto a number the node held %lu\n",
	       sent[K_SKIP], skips_held);
	printf("held_unread %lu\n", held_unread);
	if (E.count)
		printf("empty_sent %ld\n", E.msgs);
	printf("received %lu packets from the node\n", rx_packets);
	if (G.count)
		printf("good_sent %ld\nreceipts %ld ok, %ld refused, %lu others\n",
		       G.placed, G.receipts_ok, G.receipts_bad, receipts_other);
	for (i = 0; i < D_MAX; i++) {
		printf("expect %s %lu\n", drop_names[i], expect[i]);
		certain += expect[i];
	}
	malformed = expect[D_MALFORMED] + expect[D_VERSION] +
		    expect[D_NOT_OURS];
	printf("malformed_sent %lu\n", malformed);
	printf("certain_drops %lu\n", certain);
	if (tx_errors)
		printf("send errors %lu\n", tx_errors);
	if (L.node_resets)
		printf("the node started its side of the link over %lu times\n",
		       L.node_resets);
	if (synced)
		printf("sync ok\n");
	else
		printf("sync lost: the node acknowledged up to %u of %u%s\n",
		       L.acked, L.cursor, L.ahead_of_model ?
		       ", and numbers never sent" : "");
}

static void usage(void)
{
	fputs("usage: hostile_peer -c ADDR[:PORT] [-t SECONDS] [-s SEED] [-w SECONDS]\n"
	      "                    [-g COUNT [-d GUID] [-A APP] [-S SESSION] [-T TAG]]\n"
	      "                    [-E COUNT -e GUID] [-k] [-v]\n",
	      stderr);
	exit(2);
}

static double num(const char *s, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (*end || end == s || !(v >= 0 && v <= max))
		usage();
	return v;
}

static struct collab_guid guid(const char *s)
{
	struct collab_guid g;
	unsigned int i, byte;

	if (strlen(s) != 32)
		usage();
	for (i = 0; i < 16; i++) {
		if (sscanf(s + 2 * i, "%2x", &byte) != 1)
			usage();
		g.b[i] = byte;
	}
	return g;
}

static void parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (n >= sizeof(host))
		usage();
	memcpy(host, s, n);
	host[n] = '\0';
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(colon ? num(colon + 1, 65535) : COLLAB_UDP_PORT);
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		usage();
}

int main(int argc, char **argv)
{
	struct timespec ts;
	u64 seed = 0;
	bool has_seed = false, synced;
	double t;
	int c, buf = 4 << 20;

	setvbuf(stdout, NULL, _IOLBF, 0);
	set_app(G.app, "hpgood");
	L.to.sin_family = 0;
	while ((c = getopt(argc, argv, "c:t:s:w:g:d:A:S:T:E:e:kv")) != -1) {
		switch (c) {
		case 'c': parse_addr(optarg, &L.to); break;
		case 't': run_s = num(optarg, 3600); break;
		case 's': seed = strtoull(optarg, NULL, 0); has_seed = true; break;
		case 'w': wait_s = num(optarg, 3600); break;
		case 'g': G.count = num(optarg, 1000000); break;
		case 'd': G.dst = guid(optarg); G.has_dst = true; break;
		case 'A': set_app(G.app, optarg); break;
		case 'S': G.session = guid(optarg); G.has_session = true; break;
		case 'T': G.tag = strtoull(optarg, NULL, 0); break;
		case 'E': E.count = num(optarg, 1000000); break;
		case 'e': E.dst = guid(optarg); E.has_dst = true; break;
		case 'k': keep_going = true; break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (optind != argc || !L.to.sin_family || (E.count && !E.has_dst))
		usage();
	if (!has_seed) {
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (u64)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec ^
		       (u64)getpid() << 32;
	}
	printf("seed %llu\n", (unsigned long long)seed);
	rng = seed;
	L.self = rnd_guid();
	L.cookie = rnd() | 1;
	G.src_id = rnd_guid();
	G.msgid_base = (u64)1 << 48;
	if (!G.tag)
		G.tag = 0x4057000000000000ULL | (seed & 0xffffffff);
	R.data = malloc(FRAME + COLLAB_MSG_MAX);
	if (!R.data)
		die("out of memory");
	print_guid("node", &L.self);

	L.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (L.fd < 0 ||
	    setsockopt(L.fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) ||
	    setsockopt(L.fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)))
		die("socket: %s", strerror(errno));

	t = now();
	if (!handshake(rnd() | 1, chance(50) ? (u32)rnd() : 0xfffffff0)) {
		printf("no link with %s:%u within %.0f s: %s\n",
		       inet_ntoa(L.to.sin_addr), ntohs(L.to.sin_port), wait_s,
		       !L.echo ? "no cookie came back" :
		       !L.node_epoch ? "no HELLO came back for our epoch" :
		       "the node's HELLO never said its link is up");
		return 1;
	}
	print_guid("linked with", &L.node);
	printf("handshake %.2f s, epochs %08x (ours) %08x, stream from %u\n",
	       now() - t, L.epoch, L.node_epoch, L.cursor);
	announce();

	t0 = now();
	run();
	synced = finish() && !L.ahead_of_model;
	report(synced);
	return 0;
}
