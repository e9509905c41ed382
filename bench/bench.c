// SPDX-License-Identifier: GPL-2.0
/*
 * collab benchmark: AF_COLLAB SOCK_RDM beside TIPC SOCK_RDM, AF_UNIX
 * SOCK_SEQPACKET, UDP and TCP, on one node or between two hosts; and
 * collab and TIPC once more in the network namespace of -k, whose nodes
 * have keys (collab-key, tipc-key), so that sealed and clear links take
 * turns in one run; and collab from this node to receivers on two others,
 * a peer (collab-peer, in the namespace of -P) and a node beyond a relay
 * (collab-relay, -R), addressed by GUID and node, so that a relayed and a
 * direct path take turns in one run.
 *
 *   bench [OPTIONS] lat    [ROUNDS]   64-byte ping-pong round trips
 *   bench [OPTIONS] tput   SIZE       one-way stream to one receiver
 *   bench [OPTIONS] fanout RECEIVERS  64-byte messages to a group
 *   bench [OPTIONS] serve  [PORT]     the receivers of 'bench -c HOST' runs
 *   bench -c HOST quit                end the 'bench serve' on HOST
 *
 * Every transport of a run is set up at once and measured in short blocks
 * taken in turn (collab, TIPC, AF_UNIX, ...), so that whatever else the
 * machine does touches all of them alike. The sender runs on CPU 0, every
 * receiver on CPU 1.
 *
 * With -c HOST the receivers are not threads of this process but of
 * 'bench serve' on HOST (another VM, another network namespace): a TCP
 * control connection to it sets them up, reads their counters at the start
 * and the end of each block, and ends the run; 'bench serve' then waits
 * for the next run, until 'quit'.
 *
 * Throughput is what the receivers counted while the sender was sending;
 * between blocks the receivers drain their queues, uncounted, and whatever
 * never arrives is reported as lost. Prints one line of key=value per
 * transport; a transport that fails prints "KIND TRANSPORT FAIL" and the
 * reason on stderr, and the exit status is 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/collab.h>
#include <linux/tipc.h>

#include "collab.h"

#define RX_MAX		16
#define BUF_SIZE	65536		/* receive buffer: any message fits */
#define STREAM_BUF	(4 * BUF_SIZE)	/* TCP: several messages per read */
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
#define UDP_PING_MS	200		/* UDP: a reply missing this long is lost */
#define UDP_PING_TRIES	20		/* ... and sent again, this many times */
#define CTL_PORT	7117		/* bench serve listens here */
#define CONNECT_SECS	180		/* -c: the server may still be booting */
#define READY_SECS	20		/* -c: until the receivers are known */
#define SERVE_IDLE_S	300		/* bench serve: no client this long: exit */
#define CTL_TIMEOUT_S	120		/* a control reply missing this long */

enum transport {
	T_COLLAB, T_TIPC, T_UNIX, T_UDP, T_TCP, T_COLLAB_KEY, T_TIPC_KEY,
	T_COLLAB_PEER, T_COLLAB_RELAY,
	NR_TRANSPORTS
};

static const char *const transport_names[NR_TRANSPORTS] = {
	"collab", "tipc", "unix", "udp", "tcp", "collab-key", "tipc-key",
	"collab-peer", "collab-relay"
};

/* The keyed transports are collab and TIPC, in the namespace of -k. */
static bool keyed(enum transport t)
{
	return t == T_COLLAB_KEY || t == T_TIPC_KEY;
}

/* collab again, its receivers on another node: -P's, or -R's. */
static bool other_node(enum transport t)
{
	return t == T_COLLAB_PEER || t == T_COLLAB_RELAY;
}

/*
 * GUID kinds (and TIPC types) of its own for each transport that shares
 * collab's or TIPC's code: the sockets of several live in one namespace.
 */
static uint32_t kind_base(enum transport t)
{
	switch (t) {
	case T_COLLAB_KEY:
	case T_TIPC_KEY:
		return 4;
	case T_COLLAB_PEER:
		return 8;
	case T_COLLAB_RELAY:
		return 12;
	default:
		return 0;
	}
}

union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_collab scl;
	struct sockaddr_tipc tipc;
	struct sockaddr_storage ss;
};

/*
 * Where one send goes: a socket, and an address unless it is connected.
 * On a TCP stream each message has a 4-byte length (network order) in
 * front of it.
 */
struct dest {
	int fd;
	bool stream;
	union addr to;
	socklen_t tolen;
};

/* The sockets of one transport. */
struct setup {
	int n;				/* receivers */
	int rx[RX_MAX];			/* receiving sockets (TCP: listening) */
	uint16_t port[RX_MAX];		/* UDP, TCP: receiver i's port */
	struct dest uni[RX_MAX];	/* sender to receiver i; replies come
					 * back to uni[0].fd */
	struct dest group;		/* one send to all (fd -1: none) */
	int tx;				/* the sender's own socket, or -1 */
	struct collab_guid node;	/* collab-peer, collab-relay: the
					 * receivers' node, which the sender
					 * names (else zero: any) */
};

struct rx_thread {
	pthread_t th;
	enum transport t;
	int fd;				/* TCP: the accepted connection */
	bool pong;			/* reply to every message */
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
	uint64_t seq;			/* of the last ping */
	unsigned long lost;		/* pings sent again (UDP) */
	/* -c: the receivers' figures, as 'bench serve' last reported them */
	unsigned long rcount;
	long rcsw;
	int rerr;
};

static struct tp tps[NR_TRANSPORTS];
static int rx_cpu;
static int rcvbuf;			/* -r: SO_RCVBUFFORCE of receivers */
static int key_ns = -1;			/* -k: the keyed transports' netns */
static int peer_ns = -1;		/* -P: collab-peer's receivers' */
static int relay_ns = -1;		/* -R: collab-relay's receivers' */
static int home_ns = -1;		/* ... and this process's own */
static _Atomic int rx_ready;
static _Atomic int quit;

/* Names and GUIDs of the receivers: their process and the run. */
static uint32_t rx_pid, run_no;

/* -c HOST: the receivers are there, behind the control connection. */
static bool remote;
static struct in_addr host;		/* the receivers' (loopback by default) */
static int ctl_port = CTL_PORT;
static FILE *ctl_in, *ctl_out;
static bool remote_ended;

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

static void nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("setsockopt(TCP_NODELAY)");
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

/*
 * The namespace where the receivers (@rx) or the sender of @t are made,
 * or -1 for this process's own: -k's for both sides of a keyed transport,
 * -P's and -R's for the receivers of collab-peer and collab-relay.
 */
static int netns_of(enum transport t, bool rx)
{
	if (keyed(t))
		return key_ns;
	if (rx && t == T_COLLAB_PEER)
		return peer_ns;
	if (rx && t == T_COLLAB_RELAY)
		return relay_ns;
	return -1;
}

/*
 * Sockets made in another namespace stay there; the thread comes back to
 * its own after.
 */
static void ns_enter(enum transport t, bool rx)
{
	int ns = netns_of(t, rx);

	if (ns >= 0 && setns(ns, CLONE_NEWNET))
		die("setns(NETNS)");
}

static void ns_leave(enum transport t, bool rx)
{
	if (netns_of(t, rx) >= 0 && setns(home_ns, CLONE_NEWNET))
		die("setns(back)");
}

/* A GUID unique to process @pid, this run, role @kind, index @idx. */
static struct collab_guid guid_make(uint32_t pid, uint32_t kind, uint32_t idx)
{
	uint16_t run = run_no;
	struct collab_guid g;

	memset(&g, 0, sizeof(g));
	g.b[0] = 0xbe;
	g.b[1] = 0x4c;
	memcpy(g.b + 2, &run, sizeof(run));
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

/* The node of the namespace where the bound socket @fd was made. */
static struct collab_guid collab_node(int fd)
{
	struct sockaddr_collab a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		die("getsockname(AF_COLLAB)");
	return a.scl_node;
}

/* To @id, on @node (NULL: wherever it is). */
static void collab_dest(struct dest *d, int fd, int kind,
			const struct collab_guid *node,
			const struct collab_guid *id)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->to.scl.scl_family = family();
	d->to.scl.scl_kind = kind;
	if (node)
		d->to.scl.scl_node = *node;
	d->to.scl.scl_id = *id;
	d->tolen = sizeof(d->to.scl);
}

/* TIPC service types below 64 are reserved; a few types per process. */
static uint32_t tipc_type(uint32_t kind)
{
	return 0x20000000u + (rx_pid << 3) + kind;
}

/* Receiver i's service instance: a new name in every run. */
static uint32_t tipc_inst(int i)
{
	return run_no * RX_MAX + i;
}

static int tipc_socket(void)
{
	int fd = socket(AF_TIPC, SOCK_RDM, 0);

	if (fd < 0)
		die("socket(AF_TIPC, SOCK_RDM) (is the tipc module loaded?)");
	return fd;
}

static int tipc_bound(uint32_t type, uint32_t lower, uint32_t upper)
{
	struct sockaddr_tipc a;
	int fd = tipc_socket();

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

/* A UDP or TCP socket on every address, on a port the kernel picks. */
static int inet_bound(int type, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		die("socket(AF_INET)");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		die("bind(AF_INET)");
	if (type == SOCK_STREAM && listen(fd, RX_MAX))
		die("listen");
	*port = ntohs(a.sin_port);
	return fd;
}

static int inet_connected(int type, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr = host,
				 .sin_port = htons(port) };
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		die("socket(AF_INET)");
	if (type == SOCK_STREAM)
		nodelay(fd);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect(AF_INET)");
	return fd;
}

static void setup_init(struct setup *s, int n)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->group.fd = -1;
	s->tx = -1;
	for (i = 0; i < RX_MAX; i++) {
		s->rx[i] = -1;
		s->uni[i].fd = -1;
	}
}

/*
 * The receiving side of @n receivers. collab: instances that joined one
 * session for fan-out. TIPC: receivers bound to service instances, one
 * each. AF_UNIX: a socketpair per receiver (this makes the sender's end
 * too). UDP: a socket each; TCP: a listening socket each, accepted by the
 * receiver's thread.
 */
static void rx_setup(struct setup *s, enum transport t, int n)
{
	uint32_t k = kind_base(t);	/* GUID and service kinds of its own */
	struct collab_guid id, sid;
	int i, sv[2];

	setup_init(s, n);
	ns_enter(t, true);
	switch (t) {
	case T_COLLAB:
	case T_COLLAB_KEY:
	case T_COLLAB_PEER:
	case T_COLLAB_RELAY:
		sid = guid_make(rx_pid, 3 + k, 0);
		for (i = 0; i < n; i++) {
			id = guid_make(rx_pid, 1 + k, i);
			s->rx[i] = collab_bound("bench-rx", &id);
			if (setsockopt(s->rx[i], SOL_COLLAB, COLLAB_JOIN, &sid,
				       sizeof(sid)))
				die("setsockopt(COLLAB_JOIN)");
		}
		/* On another node, the sender names it. */
		if (other_node(t))
			s->node = collab_node(s->rx[0]);
		break;
	case T_TIPC:
	case T_TIPC_KEY:
		for (i = 0; i < n; i++)
			s->rx[i] = tipc_bound(tipc_type(1 + k), tipc_inst(i),
					      tipc_inst(i));
		break;
	case T_UNIX:
		for (i = 0; i < n; i++) {
			if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
				die("socketpair(AF_UNIX, SOCK_SEQPACKET)");
			s->rx[i] = sv[1];
			s->uni[i].fd = sv[0];
		}
		break;
	case T_UDP:
	case T_TCP:
		for (i = 0; i < n; i++)
			s->rx[i] = inet_bound(t == T_UDP ? SOCK_DGRAM : SOCK_STREAM,
					      &s->port[i]);
		break;
	case NR_TRANSPORTS:
		break;
	}
	ns_leave(t, true);
}

/*
 * The sending side, to the receivers of rx_pid and run_no (collab, TIPC),
 * or s->port[] on host (UDP, TCP). collab: the sender is an instance too,
 * and sends to each receiver's GUID (and node, s->node, when another node
 * is named) or to their session. TIPC: sends to the service names, or
 * multicast to the range of them.
 */
static void tx_setup(struct setup *s, enum transport t)
{
	uint32_t k = kind_base(t);
	struct collab_guid id;
	int i;

	ns_enter(t, false);
	switch (t) {
	case T_COLLAB:
	case T_COLLAB_KEY:
	case T_COLLAB_PEER:
	case T_COLLAB_RELAY:
		id = guid_make(getpid(), 2 + k, 0);
		s->tx = collab_bound("bench-tx", &id);
		id = guid_make(rx_pid, 3 + k, 0);
		collab_dest(&s->group, s->tx, COLLAB_ADDR_SESSION, NULL, &id);
		for (i = 0; i < s->n; i++) {
			id = guid_make(rx_pid, 1 + k, i);
			collab_dest(&s->uni[i], s->tx, COLLAB_ADDR_GUID,
				    &s->node, &id);
		}
		break;
	case T_TIPC:
	case T_TIPC_KEY:
		s->tx = tipc_socket();
		tipc_dest(&s->group, s->tx, TIPC_ADDR_MCAST, tipc_type(1 + k),
			  tipc_inst(0), tipc_inst(s->n - 1));
		for (i = 0; i < s->n; i++)
			tipc_dest(&s->uni[i], s->tx, TIPC_ADDR_NAME,
				  tipc_type(1 + k), tipc_inst(i), tipc_inst(i));
		break;
	case T_UNIX:
		break;
	case T_UDP:
	case T_TCP:
		for (i = 0; i < s->n; i++) {
			s->uni[i].fd = inet_connected(t == T_UDP ? SOCK_DGRAM :
						      SOCK_STREAM, s->port[i]);
			s->uni[i].stream = t == T_TCP;
		}
		break;
	case NR_TRANSPORTS:
		break;
	}
	ns_leave(t, false);

	/* A blocked sender gives up instead of hanging the run. */
	for (i = 0; i < s->n; i++) {
		set_timeout(s->uni[i].fd, SO_SNDTIMEO, SEND_TIMEOUT_S * 1000);
		set_timeout(s->uni[i].fd, SO_RCVTIMEO, t == T_UDP ? UDP_PING_MS :
			    LAT_TIMEOUT_S * 1000);
	}
}

/* Send @len bytes, or a length and @len bytes on a stream. */
static int send_to(int fd, bool stream, const void *buf, size_t len,
		   const struct sockaddr *to, socklen_t tolen)
{
	uint32_t hdr = htonl(len);
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)buf, .iov_len = len },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t want = sizeof(hdr) + len;
	ssize_t r;

	if (!stream) {
		do {
			r = sendto(fd, buf, len, MSG_NOSIGNAL, to, tolen);
		} while (r < 0 && errno == EINTR);
		if (r == (ssize_t)len)
			return 0;
		if (r >= 0)
			errno = EMSGSIZE;
		return -1;
	}
	/* A stream takes part of it when a timeout strikes: the rest, then. */
	while (want) {
		r = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		want -= r;
		while (m.msg_iovlen && (size_t)r >= m.msg_iov->iov_len) {
			r -= m.msg_iov->iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen) {
			m.msg_iov->iov_base = (char *)m.msg_iov->iov_base + r;
			m.msg_iov->iov_len -= r;
		}
	}
	return 0;
}

static int send_msg(const struct dest *d, const void *buf, size_t len)
{
	return send_to(d->fd, d->stream, buf, len,
		       d->tolen ? &d->to.sa : NULL, d->tolen);
}

/*
 * A reply of @want bytes to the sender: its payload is at *@msg. On a
 * stream, one read of the length and the payload.
 */
static ssize_t recv_reply(const struct dest *d, char *buf, size_t want,
			  const char **msg)
{
	uint32_t len;
	ssize_t r;

	do {
		r = d->stream ? recv(d->fd, buf, sizeof(len) + want, MSG_WAITALL) :
				recv(d->fd, buf, BUF_SIZE, 0);
	} while (r < 0 && errno == EINTR);
	*msg = buf;
	if (!d->stream || r < 0)
		return r;
	if (r != (ssize_t)(sizeof(len) + want)) {
		errno = r ? EBADMSG : ECONNRESET;
		return -1;
	}
	memcpy(&len, buf, sizeof(len));
	if (ntohl(len) != want) {
		errno = EBADMSG;
		return -1;
	}
	*msg = buf + sizeof(len);
	return want;
}

/* ---- receivers ---------------------------------------------------------- */

/* Messages: count each, and send it back where it came from for ping-pong. */
static void rx_dgram(struct rx_thread *r, char *buf)
{
	unsigned long n = 0;
	union addr from;
	socklen_t fromlen;
	ssize_t len;

	while (!atomic_load_explicit(&quit, memory_order_relaxed)) {
		fromlen = sizeof(from);
		do {
			len = recvfrom(r->fd, buf, BUF_SIZE, 0, &from.sa, &fromlen);
		} while (len < 0 && errno == EINTR);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			r->err = errno;
			break;
		}
		/* A socketpair has no address to send to. */
		if (r->pong && send_to(r->fd, false, buf, len,
				       r->t == T_UNIX ? NULL : &from.sa,
				       r->t == T_UNIX ? 0 : fromlen)) {
			r->err = errno;
			break;
		}
		atomic_store_explicit(&r->count, ++n, memory_order_relaxed);
	}
}

/* A stream of length-prefixed messages: as many per read as have come. */
static void rx_stream(struct rx_thread *r, char *buf)
{
	size_t have = 0, off;
	unsigned long n = 0;
	uint32_t len;
	ssize_t got;

	while (!atomic_load_explicit(&quit, memory_order_relaxed)) {
		got = recv(r->fd, buf + have, STREAM_BUF - have, 0);
		if (got == 0)
			break;		/* the sender is gone */
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				continue;
			r->err = errno;
			break;
		}
		have += got;
		for (off = 0; have - off >= sizeof(len); off += sizeof(len) + len) {
			memcpy(&len, buf + off, sizeof(len));
			len = ntohl(len);
			if (len > BUF_SIZE) {
				r->err = EBADMSG;
				return;
			}
			if (have - off < sizeof(len) + len)
				break;
			if (r->pong && send_to(r->fd, true, buf + off + sizeof(len),
					       len, NULL, 0)) {
				r->err = errno;
				return;
			}
			atomic_store_explicit(&r->count, ++n,
					      memory_order_relaxed);
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
}

/* TCP: the sender's connection, in place of the listening socket. */
static int rx_accept(struct rx_thread *r)
{
	int fd;

	while (!atomic_load_explicit(&quit, memory_order_relaxed)) {
		fd = accept(r->fd, NULL, NULL);
		if (fd >= 0) {
			close(r->fd);
			r->fd = fd;
			nodelay(fd);
			set_timeout(fd, SO_RCVTIMEO, RX_TICK_MS);
			set_timeout(fd, SO_SNDTIMEO, SEND_TIMEOUT_S * 1000);
			return 0;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			r->err = errno;
			return -1;
		}
	}
	return -1;
}

/* Count what arrives (and answer it, for ping-pong) until told to quit. */
static void *rx_main(void *arg)
{
	struct rx_thread *r = arg;
	char *buf = malloc(STREAM_BUF);

	if (!buf)
		die("malloc");
	pin(rx_cpu);
	atomic_fetch_add(&rx_ready, 1);
	if (r->t == T_TCP) {
		if (!rx_accept(r))
			rx_stream(r, buf);
	} else {
		rx_dgram(r, buf);
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
			p->rx[i].t = p->t;
			p->rx[i].fd = p->s.rx[i];
			p->rx[i].pong = pong;
			set_timeout(p->rx[i].fd, SO_RCVTIMEO, RX_TICK_MS);
			set_timeout(p->rx[i].fd, SO_SNDTIMEO, SEND_TIMEOUT_S * 1000);
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

static unsigned long rx_count(struct tp *p)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < p->s.n; i++)
		sum += atomic_load_explicit(&p->rx[i].count,
					    memory_order_relaxed);
	return sum;
}

static int rx_err(struct tp *p)
{
	int i;

	for (i = 0; i < p->s.n; i++)
		if (p->rx[i].err)
			return p->rx[i].err;
	return 0;
}

static long rx_csw(struct tp *p)
{
	long sum = 0;
	int i;

	for (i = 0; i < p->s.n; i++)
		sum += p->rx[i].csw;
	return sum;
}

/* ---- the control connection to 'bench serve' ---------------------------- */

static void ctl_send(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(ctl_out, fmt, ap);
	va_end(ap);
	if (fflush(ctl_out))
		die("control connection: write");
}

static void ctl_recv(char *line, size_t size, const char *want)
{
	if (!fgets(line, size, ctl_in)) {
		fprintf(stderr, "bench: control connection: %s\n",
			ferror(ctl_in) ? strerror(errno) : "closed");
		exit(1);
	}
	if (strncmp(line, want, strlen(want))) {
		fprintf(stderr, "bench: control connection: wanted '%s', got '%s'\n",
			want, line);
		exit(1);
	}
}

static void ctl_open(int fd)
{
	ctl_in = fdopen(fd, "r");
	ctl_out = fdopen(dup(fd), "w");
	if (!ctl_in || !ctl_out)
		die("fdopen");
}

static void ctl_close(void)
{
	fclose(ctl_in);
	fclose(ctl_out);
	ctl_in = ctl_out = NULL;
}

/* -c: connect to 'bench serve', which may not be up yet. */
static void ctl_connect(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr = host,
				 .sin_port = htons(ctl_port) };
	double until = now() + CONNECT_SECS;
	int fd;

	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket(AF_INET)");
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		if (now() > until)
			die("connect to bench serve");
		close(fd);
		usleep(200000);
	}
	nodelay(fd);
	set_timeout(fd, SO_RCVTIMEO, CTL_TIMEOUT_S * 1000);
	ctl_open(fd);
}

/* "count" is every transport's receivers' count and error, in order. */
static void remote_counts(void)
{
	char line[512], *pos;
	int i, used;

	ctl_send("count\n");
	ctl_recv(line, sizeof(line), "count ");
	pos = line + strlen("count ");
	for (i = 0; i < NR_TRANSPORTS; i++) {
		if (sscanf(pos, "%lu %d%n", &tps[i].rcount, &tps[i].rerr,
			   &used) != 2) {
			fprintf(stderr, "bench: bad counts: %s", line);
			exit(1);
		}
		pos += used;
	}
}

/* What the receivers of @p counted so far. */
static unsigned long rx_sum(struct tp *p)
{
	if (!remote)
		return rx_count(p);
	if (!remote_ended)
		remote_counts();
	return p->rcount;
}

/* A receiver that stopped on an error fails its transport. */
static bool rx_failed(struct tp *p)
{
	int err = remote ? p->rerr : rx_err(p);

	if (err)
		tp_fail(p, "receiver", err);
	return err;
}

/*
 * The first message to a receiver on another host (-c) or node
 * (collab-peer, collab-relay) waits until that host's instance (collab)
 * or name (TIPC), or the route to that node, is known here.
 */
static void probe(struct tp *p, size_t size)
{
	double until = now() + READY_SECS;
	char *buf = calloc(1, size);	/* ping number 0: its reply is skipped */

	if (!buf)
		die("calloc");
	while (send_msg(&p->s.uni[0], buf, size)) {
		if ((errno != EHOSTUNREACH && errno != ECONNREFUSED &&
		     errno != ENOENT) || now() > until) {
			tp_fail(p, "first send", errno);
			break;
		}
		usleep(20000);
	}
	if (p->on)
		p->sent++;
	free(buf);
}

/*
 * Set up every transport for @n receivers: here, or in 'bench serve' on
 * the host, then the senders here.
 */
static void run_start(int n, bool pong, size_t size)
{
	char line[256], list[128] = "";
	unsigned int udp, tcp;
	struct tp *p;

	if (!remote) {
		rx_pid = getpid();
		for (p = tps; p < tps + NR_TRANSPORTS; p++) {
			if (!p->on)
				continue;
			rx_setup(&p->s, p->t, n);
			tx_setup(&p->s, p->t);
		}
		rx_start(pong);
		for (p = tps; p < tps + NR_TRANSPORTS; p++)
			if (p->on && other_node(p->t))
				probe(p, size);
		return;
	}
	for (p = tps; p < tps + NR_TRANSPORTS; p++) {
		if (!p->on)
			continue;
		if (*list)
			strcat(list, ",");
		strcat(list, transport_names[p->t]);
	}
	ctl_connect();
	ctl_send("setup %d %d %d %s\n", n, pong, rcvbuf, list);
	ctl_recv(line, sizeof(line), "ready ");
	if (sscanf(line, "ready %u %u %u %u", &rx_pid, &run_no, &udp, &tcp) != 4) {
		fprintf(stderr, "bench: bad reply: %s", line);
		exit(1);
	}
	for (p = tps; p < tps + NR_TRANSPORTS; p++) {
		if (!p->on)
			continue;
		setup_init(&p->s, n);
		p->s.port[0] = p->t == T_UDP ? udp : tcp;
		tx_setup(&p->s, p->t);
		probe(p, size);
	}
}

/* Stop the receivers; -c: their last counts, and 'bench serve' lets go. */
static void run_end(void)
{
	char line[512], *pos;
	int i, used;

	if (!remote) {
		rx_stop();
		for (i = 0; i < NR_TRANSPORTS; i++) {
			tps[i].rcount = rx_count(&tps[i]);
			tps[i].rcsw = rx_csw(&tps[i]);
		}
		return;
	}
	ctl_send("end\n");
	ctl_recv(line, sizeof(line), "end ");
	pos = line + strlen("end ");
	for (i = 0; i < NR_TRANSPORTS; i++) {
		if (sscanf(pos, "%lu %ld %d%n", &tps[i].rcount, &tps[i].rcsw,
			   &tps[i].rerr, &used) != 3) {
			fprintf(stderr, "bench: bad reply: %s", line);
			exit(1);
		}
		pos += used;
	}
	remote_ended = true;
	ctl_close();
}

/* ---- latency ------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * @count round trips of a 64-byte message; kept in p->rtt unless warm-up.
 * Each carries its number, so that a late reply to one that UDP lost, and
 * that was sent again, is skipped.
 */
static void ping(struct tp *p, long count, bool keep)
{
	char buf[BUF_SIZE], msg[SMALL_SIZE];
	const struct dest *d = &p->s.uni[0];
	const char *reply;
	uint64_t t0, got;
	int tries;
	ssize_t len;
	long i;

	memset(msg, 0x5a, sizeof(msg));
	for (i = 0; i < count && p->on; i++) {
		p->seq++;
		memcpy(msg, &p->seq, sizeof(p->seq));
		tries = 0;
again:
		t0 = now_ns();
		if (send_msg(d, msg, sizeof(msg))) {
			tp_fail(p, "ping: send", errno);
			break;
		}
		for (;;) {
			len = recv_reply(d, buf, sizeof(msg), &reply);
			if (len < 0 && p->t == T_UDP && ++tries < UDP_PING_TRIES &&
			    (errno == EAGAIN || errno == EWOULDBLOCK)) {
				p->lost++;
				goto again;
			}
			if (len != sizeof(msg)) {
				tp_fail(p, "ping: no reply",
					len < 0 ? errno : EBADMSG);
				break;
			}
			memcpy(&got, reply, sizeof(got));
			if (got == p->seq)
				break;
		}
		if (!p->on)
			break;
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
		p->rtt = calloc(rounds, sizeof(*p->rtt));
		if (!p->rtt)
			die("calloc");
	}
	run_start(1, true, SMALL_SIZE);
	for (p = tps; p < tps + NR_TRANSPORTS; p++)
		ping(p, LAT_WARMUP, false);
	/* Blocks in turn, until every round is done or time is up. */
	do {
		block = rounds - done < LAT_BLOCK ? rounds - done : LAT_BLOCK;
		for (p = tps; p < tps + NR_TRANSPORTS; p++)
			ping(p, block, true);
		done += block;
	} while (done < rounds && now() < end);
	run_end();
	for (p = tps; p < tps + NR_TRANSPORTS; p++)
		if (p->on)
			rx_failed(p);

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
		printf("lat %s p50_us=%.2f p90_us=%.2f p99_us=%.2f p999_us=%.2f max_us=%.2f mean_us=%.2f min_us=%.2f rounds=%ld lost=%lu\n",
		       transport_names[p->t], p->rtt[p->nrtt / 2] / 1e3,
		       p->rtt[p->nrtt * 9 / 10] / 1e3,
		       p->rtt[p->nrtt * 99 / 100] / 1e3,
		       p->rtt[p->nrtt * 999 / 1000] / 1e3,
		       p->rtt[p->nrtt - 1] / 1e3,
		       sum / 1e3 / p->nrtt, p->rtt[0] / 1e3, p->nrtt, p->lost);
	}
	for (p = tps; p < tps + NR_TRANSPORTS; p++)
		free(p->rtt);
}

/* ---- throughput and fan-out --------------------------------------------- */

/*
 * Send for @secs: to receiver 0 alone (@fanout false), or to every
 * receiver with one send to the group (collab, TIPC) or one send per
 * receiver (the others). Counts what the receivers got meanwhile.
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
	double tx_sleeps, rx_sleeps;
	struct tp *p;
	char *buf;
	int b;

	buf = malloc(size);
	if (!buf)
		die("malloc");
	memset(buf, 0x5a, size);
	run_start(n, false, size);

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
	run_end();
	for (p = tps; p < tps + NR_TRANSPORTS; p++)
		if (p->on)
			rx_failed(p);

	for (p = tps; p < tps + NR_TRANSPORTS; p++) {
		if (p->failed) {
			printf("%s %s FAIL\n", fanout ? "fanout" : "tput",
			       transport_names[p->t]);
			continue;
		}
		if (!p->on)
			continue;
		got = p->rcount;
		want = p->sent * n;
		/*
		 * Sleeps per message: the sender's inside blocks, per send
		 * call; the receivers' over the whole run, per copy.
		 */
		tx_sleeps = (double)p->tx_csw / (p->sent ? p->sent : 1);
		rx_sleeps = (double)p->rcsw / (got ? got : 1);
		if (fanout)
			printf("fanout %s receivers=%d copies_s=%.0f msg_s=%.0f sent=%lu copies=%lu lost=%lu secs=%.3f tx_sleeps=%.3f rx_sleeps=%.3f\n",
			       transport_names[p->t], n, p->counted / p->secs,
			       p->counted / p->secs / n, p->sent, got,
			       want > got ? want - got : 0, p->secs, tx_sleeps,
			       rx_sleeps);
		else
			printf("tput %s size=%zu msg_s=%.0f mb_s=%.2f sent=%lu recv=%lu lost=%lu secs=%.3f tx_sleeps=%.3f rx_sleeps=%.3f\n",
			       transport_names[p->t], size,
			       p->counted / p->secs,
			       p->counted / p->secs * size / 1e6, p->sent, got,
			       want > got ? want - got : 0, p->secs, tx_sleeps,
			       rx_sleeps);
	}
	free(buf);
}

/* ---- bench serve -------------------------------------------------------- */

static void select_transports(char *list);

static void serve_teardown(void)
{
	struct tp *p;
	int i;

	for (p = tps; p < tps + NR_TRANSPORTS; p++) {
		for (i = 0; i < p->s.n; i++) {
			/* TCP: rx[i].fd is the accepted one by now. */
			if (p->rx[i].fd >= 0)
				close(p->rx[i].fd);
			if (p->s.uni[i].fd >= 0)
				close(p->s.uni[i].fd);
		}
		memset(p, 0, sizeof(*p));
		p->t = p - tps;
	}
	atomic_store(&quit, 0);
	atomic_store(&rx_ready, 0);
}

/* One client: "setup", "count"s, "end", as often as it likes; or "quit". */
static bool serve_client(int fd)
{
	char line[256], list[128];
	bool running = false, done = false;
	int n, pong;
	struct tp *p;

	ctl_open(fd);
	while (!done && fgets(line, sizeof(line), ctl_in)) {
		if (!strcmp(line, "quit\n")) {
			done = true;
		} else if (!running && sscanf(line, "setup %d %d %d %127s", &n,
					      &pong, &rcvbuf, list) == 4 &&
			   n >= 1 && n <= RX_MAX) {
			run_no++;
			select_transports(list);
			for (p = tps; p < tps + NR_TRANSPORTS; p++)
				if (p->on)
					rx_setup(&p->s, p->t, n);
			rx_start(pong);
			running = true;
			ctl_send("ready %u %u %u %u\n", rx_pid, run_no,
				 tps[T_UDP].s.port[0], tps[T_TCP].s.port[0]);
		} else if (running && !strcmp(line, "count\n")) {
			fprintf(ctl_out, "count");
			for (p = tps; p < tps + NR_TRANSPORTS; p++)
				fprintf(ctl_out, " %lu %d", rx_count(p), rx_err(p));
			ctl_send("\n");
		} else if (running && !strcmp(line, "end\n")) {
			rx_stop();
			fprintf(ctl_out, "end");
			for (p = tps; p < tps + NR_TRANSPORTS; p++)
				fprintf(ctl_out, " %lu %ld %d", rx_count(p),
					rx_csw(p), rx_err(p));
			ctl_send("\n");
			serve_teardown();
			running = false;
		} else {
			fprintf(stderr, "bench serve: unexpected: %s", line);
			break;
		}
	}
	if (running) {
		rx_stop();
		serve_teardown();
	}
	ctl_close();
	return done;
}

/* Receivers for clients, one after the other, until one says "quit". */
static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, c, one = 1;

	signal(SIGALRM, SIG_DFL);
	pin(rx_cpu);
	rx_pid = getpid();
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket(AF_INET)");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4))
		die("bench serve: listen");
	set_timeout(fd, SO_RCVTIMEO, SERVE_IDLE_S * 1000);
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			die("bench serve: accept (no client came)");
		}
		nodelay(c);
		if (serve_client(c))
			return 0;
	}
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: bench [OPTIONS] lat [ROUNDS]    64-byte round trips (default 20000)\n"
		"       bench [OPTIONS] tput SIZE       one-way, SIZE bytes (up to %d)\n"
		"       bench [OPTIONS] fanout N        64-byte messages to N receivers (up to %d)\n"
		"       bench [OPTIONS] serve [PORT]    receivers for 'bench -c' (port %d)\n"
		"       bench -c HOST[:PORT] quit       end the 'bench serve' on HOST\n"
		"options:\n"
		"  -t LIST    transports, comma-separated: collab,tipc,unix,udp,tcp,\n"
		"             collab-key,tipc-key,collab-peer,collab-relay (default:\n"
		"             collab,tipc,unix; with -c: collab,tipc,udp,tcp)\n"
		"  -k NETNS   collab-key and tipc-key: their sockets are made in the\n"
		"             network namespace at NETNS (/run/netns/NAME), where the\n"
		"             nodes have keys; without -k, in this one\n"
		"  -P NETNS   collab-peer: its receivers are made in the network\n"
		"             namespace at NETNS, a peer node, and sent to by GUID and node\n"
		"  -R NETNS   collab-relay: the same, NETNS a node beyond a relay\n"
		"  -c HOST    the receivers are those of 'bench serve' on HOST (IPv4)\n"
		"  -s SECS    tput/fanout: seconds measured per transport (default 2)\n"
		"  -b BLOCKS  tput/fanout: blocks they are cut into (default 8)\n"
		"  -T SECS    lat: stop after this long, with fewer rounds (default 60)\n"
		"  -r BYTES   SO_RCVBUFFORCE on every receiver (default: each transport's own)\n"
		"environment: COLLAB_BENCH_RX_CPU=N puts the receivers on CPU N (default 1)\n",
		SIZE_MAX_MSG, RX_MAX, CTL_PORT);
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

/* A namespace to make sockets in; and this one, to come back to. */
static int open_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (home_ns < 0)
		home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || home_ns < 0)
		die(path);
	return fd;
}

static void parse_host(char *arg)
{
	char *colon = strchr(arg, ':');

	if (colon) {
		*colon = '\0';
		ctl_port = arg_num(colon + 1, 1, 65535);
	}
	if (inet_pton(AF_INET, arg, &host) != 1)
		usage();
	remote = true;
}

int main(int argc, char **argv)
{
	char defaults[] = "collab,tipc,unix", remote_defaults[] = "collab,tipc,udp,tcp";
	long secs = 2, blocks = 8, limit = 60, a;
	bool any = false, probing;
	const char *cpu, *cmd;
	int i, c;

	for (i = 0; i < NR_TRANSPORTS; i++)
		tps[i].t = i;
	host.s_addr = htonl(INADDR_LOOPBACK);
	while ((c = getopt(argc, argv, "t:c:s:b:T:r:k:P:R:h")) != -1) {
		switch (c) {
		case 't':
			select_transports(optarg);
			any = true;
			break;
		case 'c':
			parse_host(optarg);
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
		case 'k':
			key_ns = open_netns(optarg);
			break;
		case 'P':
			peer_ns = open_netns(optarg);
			break;
		case 'R':
			relay_ns = open_netns(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || argc - optind > 2)
		usage();
	cmd = argv[optind];

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rx_cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	cpu = getenv("COLLAB_BENCH_RX_CPU");
	if (cpu)
		rx_cpu = atoi(cpu);

	if (!strcmp(cmd, "serve")) {
		if (remote)
			usage();
		return serve(argc - optind > 1 ?
			     arg_num(argv[optind + 1], 1, 65535) : CTL_PORT);
	}
	if (!strcmp(cmd, "quit")) {
		if (!remote || argc - optind != 1)
			usage();
		ctl_connect();
		ctl_send("quit\n");
		ctl_close();
		return 0;
	}
	if (!any)
		select_transports(remote ? remote_defaults : defaults);
	if (remote && tps[T_UNIX].on) {
		fprintf(stderr, "bench: AF_UNIX does not go to another host\n");
		usage();
	}
	if ((tps[T_COLLAB_PEER].on && (remote || peer_ns < 0)) ||
	    (tps[T_COLLAB_RELAY].on && (remote || relay_ns < 0))) {
		fprintf(stderr, "bench: collab-peer needs -P, collab-relay -R; not with -c\n");
		usage();
	}
	probing = remote || tps[T_COLLAB_PEER].on || tps[T_COLLAB_RELAY].on;
	pin(0);

	if (!strcmp(cmd, "lat")) {
		a = argc - optind > 1 ? arg_num(argv[optind + 1], 1, 10000000) : 20000;
		/* Warm-up, the last block begun, and reply timeouts. */
		alarm(limit + 60 + (remote ? CONNECT_SECS : 0) +
		      (probing ? READY_SECS * 2 : 0));
		lat(a, limit);
	} else if (argc - optind != 2) {
		usage();
	} else {
		/* Bounded by the send timeout and the drains of every block. */
		alarm(NR_TRANSPORTS * (blocks + 1) *
		      (secs / blocks + 1 + SEND_TIMEOUT_S + DRAIN_MAX) + 30 +
		      (remote ? CONNECT_SECS : 0) +
		      (probing ? READY_SECS * 2 : 0));
		if (!strcmp(cmd, "tput")) {
			a = arg_num(argv[optind + 1], 1, SIZE_MAX_MSG);
			stream(1, a, secs, blocks, false);
		} else if (!strcmp(cmd, "fanout") && !remote) {
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
