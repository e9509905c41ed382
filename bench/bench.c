// SPDX-License-Identifier: GPL-2.0
/*
 * collab benchmark: AF_COLLAB SOCK_RDM beside TIPC SOCK_RDM and AF_UNIX
 * SOCK_SEQPACKET on one node.
 *
 *   bench [OPTIONS] lat    [ROUNDS]   64-byte ping-pong round trips
 *   bench [OPTIONS] tput   SIZE       one-way stream to one receiver
 *   bench [OPTIONS] fanout RECEIVERS  64-byte messages to a group
 *
 * Every transport of a run is set up at once and measured in short blocks
 * taken in turn (collab, TIPC, AF_UNIX, collab, ...), so that whatever else
 * the machine does touches all of them alike. The sender runs on CPU 0,
 * every receiver on CPU 1.
 *
 * Throughput is what the receivers counted while the sender was sending;
 * between blocks the receivers drain their queues, uncounted, and whatever
 * never arrives is reported as lost. Prints one line of key=value per
 * transport; a transport that fails prints "KIND TRANSPORT FAIL" and the
 * reason on stderr, and the exit status is 1.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/collab.h>
#include <linux/tipc.h>

#include "collab.h"

#define NR_TRANSPORTS	3
#define RX_MAX		16
#define BUF_SIZE	65536		/* receive buffer: any message fits */
#define SIZE_MAX_MSG	(60 * 1024)
#define SMALL_SIZE	64		/* latency and fan-out messages */
#define LAT_BLOCK	500		/* round trips per block */
#define LAT_WARMUP	500		/* round trips before the first block */
#define WARMUP_SECS	0.2		/* streaming before the first block */
#define RX_TICK_MS	500		/* idle receivers look at quit this often */
#define DRAIN_IDLE	0.3		/* no progress this long: the rest is lost */
#define DRAIN_MAX	5.0		/* a drain never takes longer */
#define SEND_TIMEOUT_S	5		/* a send blocked this long fails */
#define LAT_TIMEOUT_S	2		/* a reply missing this long fails */

enum transport { T_COLLAB, T_TIPC, T_UNIX };

static const char *const transport_names[] = { "collab", "tipc", "unix" };

union addr {
	struct sockaddr sa;
	struct sockaddr_collab scl;
	struct sockaddr_tipc tipc;
};

/* Where one send goes: a socket, and an address unless it is connected. */
struct dest {
	int fd;
	union addr to;
	socklen_t tolen;
};

/* The sockets of one transport. */
struct setup {
	int n;				/* receivers */
	int rx[RX_MAX];			/* receiving sockets */
	struct dest uni[RX_MAX];	/* sender to receiver i */
	struct dest group;		/* one send to all (fd -1: none) */
	int tx;				/* where replies to the sender arrive */
	struct dest back;		/* receiver 0 to the sender */
};

struct rx_thread {
	pthread_t th;
	int fd;
	const struct dest *back;	/* ping-pong: reply here */
	int err;			/* errno that stopped it, or 0 */
	long csw;			/* its voluntary context switches */
	_Atomic unsigned long count;	/* written by the thread only */
	char pad[64];			/* one cache line per counter */
};

/* One transport in this run. */
struct tp {
	enum transport t;
	bool on;			/* selected, and not failed yet */
	bool failed;
	struct setup s;
	struct rx_thread rx[RX_MAX];
	unsigned long sent;		/* messages sent (each to every receiver) */
	unsigned long counted;		/* copies received inside blocks */
	double secs;			/* time inside blocks */
	long tx_csw;			/* the sender's context switches in blocks */
	uint64_t *rtt;			/* round trips, ns */
	long nrtt;
};

static struct tp tps[NR_TRANSPORTS];
static int rx_cpu;
static int rcvbuf;			/* -r: SO_RCVBUFFORCE of receivers */
static _Atomic int rx_ready;
static _Atomic int quit;

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_alarm(int sig)
{
	static const char msg[] = "bench: watchdog: the measurement did not end\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/* Voluntary context switches of the calling thread so far. */
static long thread_csw(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return ru.ru_nvcsw;
}

static void set_timeout(int fd, int opt, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)))
		die("setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)");
}

/* A transport stops being measured; the others go on. */
static void tp_fail(struct tp *p, const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s: %s\n", transport_names[p->t], what,
		strerror(err));
	p->on = false;
	p->failed = true;
}

/* ---- addresses and sockets of each transport ---------------------------- */

/* A GUID unique to this process: role @kind, index @idx. */
static struct collab_guid guid_make(uint32_t kind, uint32_t idx)
{
	uint32_t pid = (uint32_t)getpid();
	struct collab_guid g;

	memset(&g, 0, sizeof(g));
	g.b[0] = 0xbe;
	g.b[1] = 0x4c;
	memcpy(g.b + 4, &pid, sizeof(pid));
	memcpy(g.b + 8, &kind, sizeof(kind));
	memcpy(g.b + 12, &idx, sizeof(idx));
	return g;
}

static int family(void)
{
	int fam = collab_family();

	if (fam <= 0) {
		fprintf(stderr, "bench: cannot read the AF_COLLAB number from %s\n",
			COLLAB_FAMILY_SYSFS);
		exit(1);
	}
	return fam;
}

static int collab_bound(const char *app, const struct collab_guid *id)
{
	struct sockaddr_collab a;
	int fd = socket(family(), SOCK_RDM, 0);

	if (fd < 0)
		die("socket(AF_COLLAB, SOCK_RDM)");
	memset(&a, 0, sizeof(a));
	a.scl_family = family();
	a.scl_kind = COLLAB_ADDR_APP;
	strncpy(a.scl_app, app, sizeof(a.scl_app) - 1);
	a.scl_id = *id;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind(AF_COLLAB)");
	return fd;
}

static void collab_dest(struct dest *d, int fd, int kind,
			const struct collab_guid *id)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->to.scl.scl_family = family();
	d->to.scl.scl_kind = kind;
	d->to.scl.scl_id = *id;
	d->tolen = sizeof(d->to.scl);
}

/* TIPC service types below 64 are reserved; a few types per process. */
static uint32_t tipc_type(uint32_t kind)
{
	return 0x20000000u + ((uint32_t)getpid() << 3) + kind;
}

static int tipc_bound(uint32_t type, uint32_t lower, uint32_t upper)
{
	struct sockaddr_tipc a;
	int fd = socket(AF_TIPC, SOCK_RDM, 0);

	if (fd < 0)
		die("socket(AF_TIPC, SOCK_RDM) (is the tipc module loaded?)");
	memset(&a, 0, sizeof(a));
	a.family = AF_TIPC;
	a.addrtype = TIPC_ADDR_NAMESEQ;
	a.scope = TIPC_CLUSTER_SCOPE;
	a.addr.nameseq.type = type;
	a.addr.nameseq.lower = lower;
	a.addr.nameseq.upper = upper;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind(AF_TIPC)");
	return fd;
}

static void tipc_dest(struct dest *d, int fd, int addrtype, uint32_t type,
		      uint32_t lower, uint32_t upper)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->to.tipc.family = AF_TIPC;
	d->to.tipc.addrtype = addrtype;
	if (addrtype == TIPC_ADDR_MCAST) {
		d->to.tipc.addr.nameseq.type = type;
		d->to.tipc.addr.nameseq.lower = lower;
		d->to.tipc.addr.nameseq.upper = upper;
	} else {
		d->to.tipc.addr.name.name.type = type;
		d->to.tipc.addr.name.name.instance = lower;
		d->to.tipc.addr.name.domain = 0;
	}
	d->tolen = sizeof(d->to.tipc);
}

/*
 * @n receivers. collab: instances, sent to by GUID, that joined one
 * session for fan-out. TIPC: receivers bound to service instances 0..n-1,
 * sent to by name, multicast to the range for fan-out. AF_UNIX: a
 * socketpair per receiver and no group.
 */
static void setup(struct setup *s, enum transport t, int n)
{
	struct collab_guid id, sid;
	int i, sv[2];

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->group.fd = -1;

	switch (t) {
	case T_COLLAB:
		id = guid_make(2, 0);
		s->tx = collab_bound("bench-tx", &id);
		collab_dest(&s->back, -1, COLLAB_ADDR_GUID, &id);
		sid = guid_make(3, 0);
		collab_dest(&s->group, s->tx, COLLAB_ADDR_SESSION, &sid);
		for (i = 0; i < n; i++) {
			id = guid_make(1, i);
			s->rx[i] = collab_bound("bench-rx", &id);
			collab_dest(&s->uni[i], s->tx, COLLAB_ADDR_GUID, &id);
			if (setsockopt(s->rx[i], SOL_COLLAB, COLLAB_JOIN, &sid,
				       sizeof(sid)))
				die("setsockopt(COLLAB_JOIN)");
		}
		break;
	case T_TIPC:
		s->tx = tipc_bound(tipc_type(2), 0, 0);
		tipc_dest(&s->back, -1, TIPC_ADDR_NAME, tipc_type(2), 0, 0);
		tipc_dest(&s->group, s->tx, TIPC_ADDR_MCAST, tipc_type(1), 0,
			  n - 1);
		for (i = 0; i < n; i++) {
			s->rx[i] = tipc_bound(tipc_type(1), i, i);
			tipc_dest(&s->uni[i], s->tx, TIPC_ADDR_NAME,
				  tipc_type(1), i, i);
		}
		break;
	case T_UNIX:
		for (i = 0; i < n; i++) {
			if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
				die("socketpair(AF_UNIX, SOCK_SEQPACKET)");
			s->rx[i] = sv[1];
			s->uni[i].fd = sv[0];
		}
		s->tx = s->uni[0].fd;
		break;
	}
	s->back.fd = s->rx[0];

	/* A blocked sender gives up instead of hanging the run. */
	for (i = 0; i < n; i++)
		set_timeout(s->uni[i].fd, SO_SNDTIMEO, SEND_TIMEOUT_S * 1000);
	set_timeout(s->tx, SO_SNDTIMEO, SEND_TIMEOUT_S * 1000);
	set_timeout(s->back.fd, SO_SNDTIMEO, SEND_TIMEOUT_S * 1000);
	set_timeout(s->tx, SO_RCVTIMEO, LAT_TIMEOUT_S * 1000);
}

static int send_msg(const struct dest *d, const void *buf, size_t len)
{
	ssize_t r;

	do {
		r = sendto(d->fd, buf, len, 0, d->tolen ? &d->to.sa : NULL,
			   d->tolen);
	} while (r < 0 && errno == EINTR);
	if (r == (ssize_t)len)
		return 0;
	if (r >= 0)
		errno = EMSGSIZE;
	return -1;
}

static ssize_t recv_msg(int fd, void *buf)
{
	ssize_t r;

	do {
		r = recv(fd, buf, BUF_SIZE, 0);
	} while (r < 0 && errno == EINTR);
	return r;
}

/* ---- receivers ---------------------------------------------------------- */

/* Count what arrives (and answer it, for ping-pong) until told to quit. */
static void *rx_main(void *arg)
{
	struct rx_thread *r = arg;
	unsigned long n = 0;
	char *buf = malloc(BUF_SIZE);
	ssize_t len;

	if (!buf)
		die("malloc");
	pin(rx_cpu);
	atomic_fetch_add(&rx_ready, 1);
	while (!atomic_load_explicit(&quit, memory_order_relaxed)) {
		len = recv_msg(r->fd, buf);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			r->err = errno;
			break;
		}
		if (r->back && send_msg(r->back, buf, len)) {
			r->err = errno;
			break;
		}
		atomic_store_explicit(&r->count, ++n, memory_order_relaxed);
	}
	r->csw = thread_csw();
	free(buf);
	return NULL;
}

static int rx_start(int pong)
{
	struct tp *p;
	int i, total = 0;
	double until;

	for (p = tps; p < tps + NR_TRANSPORTS; p++) {
		if (!p->on)
			continue;
		for (i = 0; i < p->s.n; i++) {
			p->rx[i].fd = p->s.rx[i];
			p->rx[i].back = pong ? &p->s.back : NULL;
			set_timeout(p->rx[i].fd, SO_RCVTIMEO, RX_TICK_MS);
			if (rcvbuf && setsockopt(p->rx[i].fd, SOL_SOCKET,
						 SO_RCVBUFFORCE, &rcvbuf,
						 sizeof(rcvbuf)))
				die("setsockopt(SO_RCVBUFFORCE)");
			errno = pthread_create(&p->rx[i].th, NULL, rx_main,
					       &p->rx[i]);
			if (errno)
				die("pthread_create");
			total++;
		}
	}
	until = now() + 10;
	while (atomic_load(&rx_ready) < total) {
		if (now() > until) {
			fprintf(stderr, "bench: receivers did not start\n");
			exit(1);
		}
		usleep(1000);
	}
	return total;
}

static void rx_stop(void)
{
	struct tp *p;
	int i;

	atomic_store(&quit, 1);
	for (p = tps; p < tps + NR_TRANSPORTS; p++) {
		if (!p->on && !p->failed)
			continue;
		for (i = 0; i < p->s.n; i++)
			pthread_join(p->rx[i].th, NULL);
	}
}

static unsigned long rx_sum(struct tp *p)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < p->s.n; i++)
		sum += atomic_load_explicit(&p->rx[i].count,
					    memory_order_relaxed);
	return sum;
}

/* A receiver that stopped on an error fails its transport. */
static bool rx_failed(struct tp *p)
{
	int i;

	for (i = 0; i < p->s.n; i++) {
		if (p->rx[i].err) {
			tp_fail(p, "receiver", p->rx[i].err);
			return true;
		}
	}
	return false;
}

/* ---- latency ------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* @count round trips of a 64-byte message; kept in p->rtt unless warm-up. */
static void ping(struct tp *p, long count, bool keep)
{
	char buf[BUF_SIZE], msg[SMALL_SIZE];
	uint64_t t0;
	ssize_t len;
	long i;

	memset(msg, 0x5a, sizeof(msg));
	for (i = 0; i < count && p->on; i++) {
		t0 = now_ns();
		if (send_msg(&p->s.uni[0], msg, sizeof(msg))) {
			tp_fail(p, "ping: send", errno);
			break;
		}
		len = recv_msg(p->s.tx, buf);
		if (len != sizeof(msg)) {
			tp_fail(p, "ping: no reply", len < 0 ? errno : EBADMSG);
			break;
		}
		if (keep)
			p->rtt[p->nrtt++] = now_ns() - t0;
	}
	if (p->on)
		rx_failed(p);
}

static void lat(long rounds, double limit)
{
	double end = now() + limit;
	long i, done = 0, block;
	uint64_t sum;
	struct tp *p;

	for (p = tps; p < tps + NR_TRANSPORTS; p++) {
		if (!p->on)
			continue;
		setup(&p->s, p->t, 1);
		p->rtt = calloc(rounds, sizeof(*p->rtt));
		if (!p->rtt)
			die("calloc");
	}
	rx_start(1);
	for (p = tps; p < tps + NR_TRANSPORTS; p++)
		ping(p, LAT_WARMUP, false);
	/* Blocks in turn, until every round is done or time is up. */
	do {
		block = rounds - done < LAT_BLOCK ? rounds - done : LAT_BLOCK;
		for (p = tps; p < tps + NR_TRANSPORTS; p++)
			ping(p, block, true);
		done += block;
	} while (done < rounds && now() < end);
	rx_stop();

	for (p = tps; p < tps + NR_TRANSPORTS; p++) {
		if (p->failed) {
			printf("lat %s FAIL\n", transport_names[p->t]);
			continue;
		}
		if (!p->on)
			continue;
		for (sum = 0, i = 0; i < p->nrtt; i++)
			sum += p->rtt[i];
		qsort(p->rtt, p->nrtt, sizeof(*p->rtt), cmp_u64);
		printf("lat %s p50_us=%.2f p99_us=%.2f mean_us=%.2f min_us=%.2f rounds=%ld\n",
		       transport_names[p->t], p->rtt[p->nrtt / 2] / 1e3,
		       p->rtt[p->nrtt * 99 / 100] / 1e3,
		       sum / 1e3 / p->nrtt, p->rtt[0] / 1e3, p->nrtt);
	}
	for (p = tps; p < tps + NR_TRANSPORTS; p++)
		free(p->rtt);
}

/* ---- throughput and fan-out --------------------------------------------- */

/*
 * Send for @secs: to receiver 0 alone (@fanout false), or to every
 * receiver with one send to the group (collab, TIPC) or one send per
 * receiver (AF_UNIX). Counts what the receivers got meanwhile.
 */
static void block(struct tp *p, const char *buf, size_t size, double secs,
		  bool fanout, bool count)
{
	unsigned long c0 = rx_sum(p);
	int i, calls = 0, every, err = 0;
	long csw = thread_csw();
	double t0 = now(), t1 = t0;

	/* Look at the clock about every 16 system calls. */
	every = fanout && p->s.group.fd < 0 ? (16 + p->s.n - 1) / p->s.n : 16;
	for (;;) {
		if (!fanout) {
			err = send_msg(&p->s.uni[0], buf, size);
		} else if (p->s.group.fd >= 0) {
			err = send_msg(&p->s.group, buf, size);
		} else {
			for (i = 0; i < p->s.n && !err; i++)
				err = send_msg(&p->s.uni[i], buf, size);
		}
		if (err) {
			tp_fail(p, "send", errno);
			return;
		}
		p->sent++;
		if (++calls < every)
			continue;
		calls = 0;
		t1 = now();
		if (t1 >= t0 + secs)
			break;
	}
	if (count) {
		p->counted += rx_sum(p) - c0;
		p->secs += t1 - t0;
		p->tx_csw += thread_csw() - csw;
	}
}

/* Wait until the receivers have everything, or nothing comes any more. */
static void drain(struct tp *p)
{
	unsigned long want = p->sent * p->s.n, got, last = rx_sum(p);
	double t = now(), start = t, moved = t;

	while ((got = rx_sum(p)) < want) {
		if (rx_failed(p))
			return;
		t = now();
		if (got != last) {
			last = got;
			moved = t;
		}
		if (t - moved > DRAIN_IDLE || t - start > DRAIN_MAX)
			return;
		usleep(2000);
	}
}

static void stream(int n, size_t size, double secs, int blocks, bool fanout)
{
	unsigned long got, want;
	double tx_csw, rx_csw;
	struct tp *p;
	char *buf;
	int b, i;

	buf = malloc(size);
	if (!buf)
		die("malloc");
	memset(buf, 0x5a, size);
	for (p = tps; p < tps + NR_TRANSPORTS; p++)
		if (p->on)
			setup(&p->s, p->t, n);
	rx_start(0);

	for (p = tps; p < tps + NR_TRANSPORTS; p++) {
		if (!p->on)
			continue;
		block(p, buf, size, WARMUP_SECS, fanout, false);
		drain(p);
	}
	for (b = 0; b < blocks; b++) {
		for (p = tps; p < tps + NR_TRANSPORTS; p++) {
			if (!p->on)
				continue;
			block(p, buf, size, secs / blocks, fanout, true);
			if (p->on)
				drain(p);
		}
	}
	rx_stop();

	for (p = tps; p < tps + NR_TRANSPORTS; p++) {
		if (p->failed) {
			printf("%s %s FAIL\n", fanout ? "fanout" : "tput",
			       transport_names[p->t]);
			continue;
		}
		if (!p->on)
			continue;
		got = rx_sum(p);
		want = p->sent * n;
		/*
		 * Sleeps per message: the sender's inside blocks, per send
		 * call; the receivers' over the whole run, per copy.
		 */
		tx_csw = (double)p->tx_csw / (p->sent ? p->sent : 1);
		for (rx_csw = 0, i = 0; i < n; i++)
			rx_csw += p->rx[i].csw;
		rx_csw /= got ? got : 1;
		if (fanout)
			printf("fanout %s receivers=%d copies_s=%.0f msg_s=%.0f sent=%lu copies=%lu lost=%lu secs=%.3f tx_sleeps=%.3f rx_sleeps=%.3f\n",
			       transport_names[p->t], n, p->counted / p->secs,
			       p->counted / p->secs / n, p->sent, got,
			       want > got ? want - got : 0, p->secs, tx_csw,
			       rx_csw);
		else
			printf("tput %s size=%zu msg_s=%.0f mb_s=%.2f sent=%lu recv=%lu lost=%lu secs=%.3f tx_sleeps=%.3f rx_sleeps=%.3f\n",
			       transport_names[p->t], size,
			       p->counted / p->secs,
			       p->counted / p->secs * size / 1e6, p->sent, got,
			       want > got ? want - got : 0, p->secs, tx_csw,
			       rx_csw);
	}
	free(buf);
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: bench [OPTIONS] lat [ROUNDS]    64-byte round trips (default 20000)\n"
		"       bench [OPTIONS] tput SIZE       one-way, SIZE bytes (up to %d)\n"
		"       bench [OPTIONS] fanout N        64-byte messages to N receivers (up to %d)\n"
		"options:\n"
		"  -t LIST    transports, comma-separated: collab,tipc,unix (default: all)\n"
		"  -s SECS    tput/fanout: seconds measured per transport (default 2)\n"
		"  -b BLOCKS  tput/fanout: blocks they are cut into (default 8)\n"
		"  -T SECS    lat: stop after this long, with fewer rounds (default 60)\n"
		"  -r BYTES   SO_RCVBUFFORCE on every receiver (default: each transport's own)\n"
		"environment: COLLAB_BENCH_RX_CPU=N puts the receivers on CPU N (default 1)\n",
		SIZE_MAX_MSG, RX_MAX);
	exit(2);
}

static long arg_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage();
	return v;
}

static void select_transports(char *list)
{
	char *tok, *save = NULL;
	int i;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_TRANSPORTS; i++)
			if (!strcmp(tok, transport_names[i]))
				break;
		if (i == NR_TRANSPORTS)
			usage();
		tps[i].on = true;
	}
}

int main(int argc, char **argv)
{
	long secs = 2, blocks = 8, limit = 60, a;
	bool any = false;
	const char *cpu;
	int i, c;

	for (i = 0; i < NR_TRANSPORTS; i++)
		tps[i].t = i;
	while ((c = getopt(argc, argv, "t:s:b:T:r:h")) != -1) {
		switch (c) {
		case 't':
			select_transports(optarg);
			any = true;
			break;
		case 's':
			secs = arg_num(optarg, 1, 300);
			break;
		case 'b':
			blocks = arg_num(optarg, 1, 1000);
			break;
		case 'T':
			limit = arg_num(optarg, 1, 3600);
			break;
		case 'r':
			rcvbuf = arg_num(optarg, 1, 1 << 30);
			break;
		default:
			usage();
		}
	}
	if (!any)
		for (i = 0; i < NR_TRANSPORTS; i++)
			tps[i].on = true;
	if (optind >= argc || argc - optind > 2)
		usage();

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rx_cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	cpu = getenv("COLLAB_BENCH_RX_CPU");
	if (cpu)
		rx_cpu = atoi(cpu);
	pin(0);

	if (!strcmp(argv[optind], "lat")) {
		a = argc - optind > 1 ? arg_num(argv[optind + 1], 1, 10000000) : 20000;
		/* Warm-up, the last block begun, and reply timeouts. */
		alarm(limit + 60);
		lat(a, limit);
	} else if (argc - optind != 2) {
		usage();
	} else {
		/* Bounded by the send timeout and the drains of every block. */
		alarm(NR_TRANSPORTS * (blocks + 1) *
		      (secs / blocks + 1 + SEND_TIMEOUT_S + DRAIN_MAX) + 30);
		if (!strcmp(argv[optind], "tput")) {
			a = arg_num(argv[optind + 1], 1, SIZE_MAX_MSG);
			stream(1, a, secs, blocks, false);
		} else if (!strcmp(argv[optind], "fanout")) {
			a = arg_num(argv[optind + 1], 1, RX_MAX);
			stream(a, SMALL_SIZE, secs, blocks, true);
		} else {
			usage();
		}
	}
	for (i = 0; i < NR_TRANSPORTS; i++)
		if (tps[i].failed)
			return 1;
	return 0;
}
