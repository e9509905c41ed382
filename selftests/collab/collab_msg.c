// SPDX-License-Identifier: GPL-2.0
/*
 * collab_msg: send and receive checked message streams from shell tests.
 *
 *   collab_msg recv -a APP [-i GUID] [-s SESSION]... [-c] [-n COUNT]
 *                   [-w SECONDS] [-l MS] [-p HOPS] [-H READYFILE] [-I MS]
 *                   [-R BYTES] [-S MS] [-o]
 *   collab_msg send -a APP -k guid|app|session|broadcast [-d ID] [-N NODE]
 *                   [-A DESTAPP] [-s SESSION] [-n COUNT] [-z SIZE[-MAX]] [-T TAG]
 *                   [-C 0|ERRNO-NAME|any] [-w SECONDS] [-D [-P]] [-I MS] [-F]
 *
 * recv binds an instance (GUID given or random; -c sets COLLAB_ACCEPT_NEW),
 * joins the sessions, writes its GUID to READYFILE, then reads COUNT
 * messages within SECONDS (default 120: a debug kernel beside another VM
 * is slow). Every message carries its sender's tag and a sequence
 * number, and its bytes follow from both: a
 * message that is corrupt, a copy of one already read, or out of order
 * for its sender (-o: in any order, each of the first COUNT of its
 * sender once) fails the run, as does any message in the MS (default 0)
 * after the last, or (-p) one that crossed another number of links than
 * HOPS; -I pauses MS after each message read; -S waits MS once the first
 * message is there before it reads any, so that what follows finds the
 * queue full whatever the pace of the kernel; -R sets SO_RCVBUF. It prints
 * "received N from S senders".
 *
 * send binds an instance of APP and sends COUNT messages (default 1) of
 * SIZE bytes (default 64, at least 16; with MAX, sizes from SIZE to MAX
 * that vary from one message to the next) to the destination; a blocking send
 * waits for room (-D: does not wait; -P: after EAGAIN, waits in poll() up
 * to SECONDS for POLLOUT and tries again, and prints "again N", the
 * number of EAGAINs; -I: pauses MS between two messages). It prints
 * "sent N". With -C it sets COLLAB_CONFIRM and
 * then waits (SECONDS) for one receipt per message, each for a message it
 * sent and with the status given (0: delivered, or an errno name such as
 * ETIMEDOUT; "any": whichever); it prints "receipts N", and with "any"
 * "refused N", the receipts whose status was not 0. With -F every other message is sent
 * from a file mapped afresh, none of it in the process's page tables, so
 * that the kernel's copy of it faults, and every 100th is preceded by a
 * send from where nothing may be read, which must fail with EFAULT and
 * send nothing.
 *
 * Exit status: 0 when all went as asked, 1 otherwise, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collab_test.h"

#define SESSIONS_MAX	8
#define SENDERS_MAX	64
#define MAGIC		0xc011ab00u

struct hdr {
	uint32_t magic;
	uint32_t seq;
	uint64_t tag;
};

struct opts {
	const char *app, *dest_app, *ready;
	struct collab_guid id, dest, node, sessions[SESSIONS_MAX];
	bool has_id, has_dest, has_node, accept_new, confirm, dontwait, poll;
	bool faults, any_order;
	int want_status, want_hops;
	int nr_sessions, kind;
	long count, size, size_max, wait_s, linger_ms, interval_ms, rcvbuf;
	long start_ms;
	uint64_t tag;
};

static void usage(void)
{
	fputs("usage: collab_msg recv -a APP [-i GUID] [-s SESSION]... [-c] [-n COUNT] [-w SECONDS] [-l MS] [-p HOPS] [-H READYFILE] [-I MS] [-R BYTES] [-S MS] [-o]\n"
	      "       collab_msg send -a APP -k guid|app|session|broadcast [-d ID] [-N NODE] [-A DESTAPP] [-s SESSION] [-n COUNT] [-z SIZE[-MAX]] [-T TAG] [-C 0|ERRNO|any] [-w SECONDS] [-D [-P]] [-I MS] [-F]\n",
	      stderr);
	exit(2);
}

static long parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, "collab_msg: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int parse_kind(const char *s)
{
	static const char *const names[] = {
		[COLLAB_ADDR_GUID] = "guid", [COLLAB_ADDR_APP] = "app",
		[COLLAB_ADDR_SESSION] = "session",
		[COLLAB_ADDR_BROADCAST] = "broadcast",
	};
	int k;

	for (k = COLLAB_ADDR_GUID; k < __COLLAB_ADDR_MAX; k++)
		if (!strcmp(s, names[k]))
			return k;
	fprintf(stderr, "collab_msg: bad kind '%s'\n", s);
	exit(2);
}

static int parse_errno(const char *s)
{
	int e;

	if (!strcmp(s, "0"))
		return 0;
	if (!strcmp(s, "any"))
		return -1;
	for (e = 1; e < 200; e++)
		if (strerrorname_np(e) && !strcmp(s, strerrorname_np(e)))
			return e;
	fprintf(stderr, "collab_msg: bad errno name '%s'\n", s);
	exit(2);
}

/* -z SIZE or SIZE-MAX. */
static void parse_size(const char *s, struct opts *o)
{
	const char *dash = strchr(s, '-');
	char min[32];

	if (!dash) {
		o->size = parse_num(s, sizeof(struct hdr), COLLAB_MSG_MAX);
		o->size_max = o->size;
		return;
	}
	if ((size_t)(dash - s) >= sizeof(min))
		usage();
	memcpy(min, s, dash - s);
	min[dash - s] = '\0';
	o->size = parse_num(min, sizeof(struct hdr), COLLAB_MSG_MAX);
	o->size_max = parse_num(dash + 1, o->size, COLLAB_MSG_MAX);
}

/*
 * The size of message @n: with a range, a step of 61 bytes from one to
 * the next, wrapping, so that a run of them ends at every offset of the
 * packets that they share.
 */
static long msg_size(const struct opts *o, long n)
{
	return o->size + n * 61 % (o->size_max - o->size + 1);
}

static void parse(int argc, char **argv, struct opts *o)
{
	int c;

	o->count = 1;
	o->size = 64;
	o->size_max = 64;
	o->wait_s = 120;
	o->want_hops = -1;
	o->tag = (uint64_t)getpid() << 16 ^ (uint64_t)time(NULL);
	while ((c = getopt(argc, argv, "a:i:s:cn:w:l:p:H:k:d:N:A:z:T:C:DPI:FR:S:o")) != -1) {
		switch (c) {
		case 'a': o->app = optarg; break;
		case 'i': o->id = guid_arg("collab_msg", optarg); o->has_id = true; break;
		case 's':
			if (o->nr_sessions == SESSIONS_MAX)
				usage();
			o->sessions[o->nr_sessions++] = guid_arg("collab_msg", optarg);
			break;
		case 'c': o->accept_new = true; break;
		case 'n': o->count = parse_num(optarg, 0, 100000000); break;
		case 'w': o->wait_s = parse_num(optarg, 1, 3600); break;
		case 'l': o->linger_ms = parse_num(optarg, 0, 60000); break;
		case 'p': o->want_hops = parse_num(optarg, 0, 255); break;
		case 'H': o->ready = optarg; break;
		case 'k': o->kind = parse_kind(optarg); break;
		case 'd': o->dest = guid_arg("collab_msg", optarg); o->has_dest = true; break;
		case 'N': o->node = guid_arg("collab_msg", optarg); o->has_node = true; break;
		case 'A': o->dest_app = optarg; break;
		case 'z': parse_size(optarg, o); break;
		case 'T': o->tag = parse_num(optarg, 0, LONG_MAX); break;
		case 'C': o->confirm = true; o->want_status = parse_errno(optarg); break;
		case 'D': o->dontwait = true; break;
		case 'P': o->poll = true; break;
		case 'I': o->interval_ms = parse_num(optarg, 0, 60000); break;
		case 'F': o->faults = true; break;
		case 'R': o->rcvbuf = parse_num(optarg, 1, INT_MAX / 2); break;
		case 'S': o->start_ms = parse_num(optarg, 0, 3600000); break;
		case 'o': o->any_order = true; break;
		default: usage();
		}
	}
	if (!o->app)
		usage();
}

static void fill(unsigned char *buf, long size, uint64_t tag, uint32_t seq)
{
	struct hdr h = { .magic = MAGIC, .seq = seq, .tag = tag };
	long i;

	memcpy(buf, &h, sizeof(h));
	for (i = sizeof(h); i < size; i++)
		buf[i] = (unsigned char)(seq * 7 + i);
}

static int open_instance(const struct opts *o)
{
	int fd, i;

	fd = bound_socket(o->app, o->has_id ? &o->id : NULL);
	if (fd < 0) {
		fprintf(stderr, "collab_msg: bind %s: %s (%s)\n", o->app,
			strerror(errno), strerrorname_np(errno));
		exit(1);
	}
	for (i = 0; i < o->nr_sessions; i++) {
		if (join(fd, &o->sessions[i])) {
			fprintf(stderr, "collab_msg: join: %s\n", strerror(errno));
			exit(1);
		}
	}
	if (o->rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){ o->rcvbuf },
				    sizeof(int))) {
		fprintf(stderr, "collab_msg: SO_RCVBUF: %s\n", strerror(errno));
		exit(1);
	}
	if (o->accept_new && set_int(fd, COLLAB_ACCEPT_NEW, 1)) {
		fprintf(stderr, "collab_msg: COLLAB_ACCEPT_NEW: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

/* One receipt per message in @ids, each with the status wanted. */
static int receipts(const struct opts *o, int fd, uint64_t *ids, long n)
{
	time_t end = time(NULL) + o->wait_s;
	struct pollfd p = { .fd = fd, .events = 0 };
	struct collab_receipt r;
	long got = 0, refused = 0, i;

	while (got < n && time(NULL) < end) {
		if (poll(&p, 1, 200) <= 0 || !(p.revents & POLLERR))
			continue;
		if (recv(fd, &r, sizeof(r), MSG_ERRQUEUE | MSG_DONTWAIT) !=
		    sizeof(r))
			continue;
		for (i = 0; i < n && ids[i] != r.cr_msgid; i++)
			;
		if (i == n || (o->want_status >= 0 &&
				r.cr_status != o->want_status)) {
			fprintf(stderr, "collab_msg: receipt for %llu: status %d (%s)\n",
				(unsigned long long)r.cr_msgid, r.cr_status,
				r.cr_status ? strerrorname_np(r.cr_status) : "0");
			return 1;
		}
		ids[i] = 0;
		got++;
		refused += r.cr_status != 0;
	}
	printf("receipts %ld\n", got);
	if (o->want_status < 0)
		printf("refused %ld\n", refused);
	return got == n ? 0 : 1;
}

/* POLLOUT on @fd within @secs seconds. */
static bool wait_writable(int fd, long secs)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (poll(&p, 1, secs * 1000) == 1 && (p.revents & POLLOUT))
		return true;
	fprintf(stderr, "collab_msg: no POLLOUT within %ld s\n", secs);
	return false;
}

static void pause_ms(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/*
 * -F: a file that every other message is written to and mapped from
 * afresh, so that nothing of it is in the process's page tables when the
 * kernel copies it, and as many bytes that no access may touch.
 */
struct faults {
	int fd;
	void *none;
};

static int faults_open(long size, struct faults *fl)
{
	FILE *f = tmpfile();

	fl->none = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (!f || fl->none == MAP_FAILED)
		return -1;
	fl->fd = dup(fileno(f));
	fclose(f);
	return fl->fd < 0 ? -1 : 0;
}

/*
 * -F: message @n, which @msg holds: every 100th after a send from where
 * nothing may be read (it must fail with EFAULT), every other one from
 * the file. NULL (and why, printed) on error.
 */
static const unsigned char *faulting(int fd,
				     const struct sockaddr_collab *dest,
				     const struct collab_guid *session,
				     const struct faults *fl,
				     const unsigned char *msg, long size,
				     long n)
{
	void *p;

	if (n % 100 == 0 &&
	    (send_to(fd, dest, session, fl->none, size, 0) != -1 ||
	     errno != EFAULT)) {
		fprintf(stderr, "collab_msg: send %ld from where nothing may be read: %s\n",
			n, errno == EFAULT ? "sent" : strerror(errno));
		return NULL;
	}
	if (n % 2)
		return msg;
	if (pwrite(fl->fd, msg, size, 0) != size) {
		perror("collab_msg: -F: pwrite");
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fl->fd, 0);
	if (p == MAP_FAILED) {
		perror("collab_msg: -F: mmap");
		return NULL;
	}
	return p;
}

/* Message @n, waiting for room as the options say; false on error. */
static bool send_one(const struct opts *o, int fd,
		     const struct sockaddr_collab *dest,
		     const struct collab_guid *session,
		     const unsigned char *buf, long size, long n, long *again)
{
	while (send_to(fd, dest, session, buf, size,
		       o->dontwait ? MSG_DONTWAIT : 0) != size) {
		if (o->poll && errno == EAGAIN && wait_writable(fd, o->wait_s)) {
			(*again)++;
			continue;
		}
		fprintf(stderr, "collab_msg: send %ld: %s (%s)\n", n,
			strerror(errno), strerrorname_np(errno));
		return false;
	}
	return true;
}

static int do_send(const struct opts *o)
{
	struct sockaddr_collab dest = addr_of(o->kind, o->dest_app,
					      o->has_dest ? &o->dest : NULL);
	const struct collab_guid *session = NULL;
	unsigned char *plain = malloc(o->size_max);
	uint64_t *ids = calloc(o->count + 1, sizeof(*ids));
	socklen_t len = sizeof(*ids);
	struct faults fl = { .fd = -1 };
	const unsigned char *buf;
	long n, size, again = 0;
	bool ok = true;
	int fd, rc = 1;

	if (!plain || !ids || !o->kind)
		usage();
	if (o->faults && faults_open(o->size_max, &fl)) {
		perror("collab_msg: -F");
		return 1;
	}
	if (o->has_node)
		dest.scl_node = o->node;
	if (o->kind != COLLAB_ADDR_SESSION && o->nr_sessions)
		session = &o->sessions[0];
	fd = open_instance(o);
	if (o->confirm && set_int(fd, COLLAB_CONFIRM, 1))
		goto out;
	for (n = 0; n < o->count && ok; n++) {
		if (n && o->interval_ms)
			pause_ms(o->interval_ms);
		size = msg_size(o, n);
		fill(plain, size, o->tag, n);
		buf = o->faults ?
		      faulting(fd, &dest, session, &fl, plain, size, n) :
		      plain;
		if (!buf)
			goto out;
		ok = send_one(o, fd, &dest, session, buf, size, n, &again);
		if (buf != plain)
			munmap((void *)buf, size);
		if (ok && getsockopt(fd, SOL_COLLAB, COLLAB_LAST_MSGID,
				     &ids[n], &len)) {
			perror("collab_msg: COLLAB_LAST_MSGID");
			goto out;
		}
	}
	if (!ok)
		goto out;
	printf("sent %ld\n", n);
	if (o->poll)
		printf("again %ld\n", again);
	rc = o->confirm ? receipts(o, fd, ids, n) : 0;
out:
	free(ids);
	free(plain);
	if (fl.fd >= 0)
		close(fl.fd);
	close(fd);
	return rc;
}

struct sender {
	uint64_t tag;
	uint32_t next;
	unsigned char *seen;		/* -o: a bit per message */
};

/* -o: a message of its sender not read before, within the count. */
static bool check_any_order(const struct opts *o, struct sender *s,
			    const struct hdr *h)
{
	if (!s->seen)
		s->seen = calloc(o->count / 8 + 1, 1);
	if (!s->seen || h->seq >= o->count) {
		fprintf(stderr, "collab_msg: sender %llx: message %u past %ld\n",
			(unsigned long long)h->tag, h->seq, o->count);
		return false;
	}
	if (s->seen[h->seq / 8] & (1u << (h->seq % 8))) {
		fprintf(stderr, "collab_msg: sender %llx: %u again\n",
			(unsigned long long)h->tag, h->seq);
		return false;
	}
	s->seen[h->seq / 8] |= 1u << (h->seq % 8);
	return true;
}

/* The next message of its sender, intact; false (and why) otherwise. */
static bool check(const struct opts *o, const unsigned char *buf,
		  ssize_t len, struct sender *s, int *nr_senders)
{
	static unsigned char want[COLLAB_MSG_MAX];
	struct hdr h;
	int i;

	if (len < (ssize_t)sizeof(h)) {
		fprintf(stderr, "collab_msg: short message (%zd bytes)\n", len);
		return false;
	}
	memcpy(&h, buf, sizeof(h));
	fill(want, len, h.tag, h.seq);
	if (h.magic != MAGIC || memcmp(buf, want, len)) {
		fprintf(stderr, "collab_msg: corrupt message (%zd bytes)\n", len);
		return false;
	}
	for (i = 0; i < *nr_senders && s[i].tag != h.tag; i++)
		;
	if (i == *nr_senders) {
		if (i == SENDERS_MAX)
			return false;
		s[i].tag = h.tag;
		s[i].next = 0;
		s[i].seen = NULL;
		(*nr_senders)++;
	}
	if (o->any_order)
		return check_any_order(o, &s[i], &h);
	if (h.seq != s[i].next) {
		fprintf(stderr, "collab_msg: sender %llx: got %u, expected %u\n",
			(unsigned long long)h.tag, h.seq, s[i].next);
		return false;
	}
	s[i].next++;
	return true;
}

static void write_ready(const struct opts *o, int fd)
{
	struct collab_guid g = guid_of_fd(fd);
	FILE *f;
	int i;

	if (!o->ready)
		return;
	f = fopen(o->ready, "we");
	if (!f)
		exit(1);
	for (i = 0; i < 16; i++)
		fprintf(f, "%02x", g.b[i]);
	fputc('\n', f);
	fclose(f);
}

static int do_recv(const struct opts *o)
{
	static unsigned char buf[COLLAB_MSG_MAX];
	static struct sender senders[SENDERS_MAX];
	time_t end = time(NULL) + o->wait_s;
	int fd, nr_senders = 0;
	bool waited = false;
	struct pollfd p;
	struct received r;
	long n = 0;

	fd = open_instance(o);
	write_ready(o, fd);
	p.fd = fd;
	p.events = POLLIN;
	while (n < o->count && time(NULL) < end) {
		if (poll(&p, 1, 200) <= 0)
			continue;
		if (!waited && o->start_ms) {
			waited = true;
			pause_ms(o->start_ms);
			end += (o->start_ms + 999) / 1000;
		}
		if (recv_from(fd, buf, sizeof(buf), MSG_DONTWAIT, &r) < 0)
			continue;
		if (!check(o, buf, r.len, senders, &nr_senders))
			return 1;
		if (o->want_hops >= 0 && (!r.has_meta ||
					  r.meta.cm_hops != o->want_hops)) {
			fprintf(stderr, "collab_msg: %d hops, expected %d\n",
				r.meta.cm_hops, o->want_hops);
			return 1;
		}
		n++;
		if (o->interval_ms)
			pause_ms(o->interval_ms);
	}
	printf("received %ld from %d senders\n", n, nr_senders);
	if (n == o->count && o->linger_ms && poll(&p, 1, o->linger_ms) > 0) {
		fputs("collab_msg: a message more than expected\n", stderr);
		return 1;
	}
	close(fd);
	return n == o->count ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct opts o = {};
	const char *cmd;

	if (argc < 2)
		usage();
	cmd = argv[1];
	parse(argc - 1, argv + 1, &o);
	if (!strcmp(cmd, "send"))
		return do_send(&o);
	if (!strcmp(cmd, "recv"))
		return do_recv(&o);
	usage();
	return 2;
}
