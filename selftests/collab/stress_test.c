// SPDX-License-Identifier: GPL-2.0
/*
 * Churn on one node: threads send to sessions, GUIDs, application types
 * and by broadcast while others drain, join and leave sessions, and open
 * and close sockets under them; blocking senders wait for room at a slow
 * receiver that closes while they wait. Afterwards every object of the
 * node must be gone and the counters must add up.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/time.h>
#include <time.h>

#include "collab_test.h"
#include "kselftest_harness.h"

/* Long enough to hit races, short enough for a KASAN kernel under TCG. */
#define CHURN_MS	8000

/* The blocking senders' SO_SNDTIMEO: short, so that timeouts happen too. */
#define BLOCK_TIMEOUT_US	50000

/* A blocking send slower than this is a wait that went wrong. */
#define BLOCK_MAX_MS	5000

enum {
	N_SHARED = 6,		/* long-lived instances of "stress" */
	N_SESSIONS = 4,		/* the slow receiver joins session 0 */
	N_SENDERS = 3,		/* threads of each kind */
	N_RECEIVERS = 2,
	N_JOINERS = 2,
	N_CHURN = 2,
	N_SLOW = 1,
	N_BLOCKING = 2,
	N_WORKERS = N_SENDERS + N_RECEIVERS + N_JOINERS + N_CHURN + N_SLOW +
		    N_BLOCKING,
	MSG_BUF = 4096,		/* more than the largest message */
	SLOW_RCVBUF = 4096,	/* a few messages fill the slow receiver */
	MAX_REPORTS = 10,	/* failures printed; the rest only counted */
};

/* GUIDs of instances: shared ones are 1..N_SHARED, the rest from here. */
#define FIRST_DYNAMIC_ID	0x100000ULL
#define FIRST_SESSION_ID	0x5e5510000ULL
#define UNKNOWN_ID		0xdeadULL

struct stress {
	atomic_bool stop;
	atomic_int failures;
	atomic_uint_fast64_t next_id;	/* GUIDs never used twice */
	/* The current instance of each churner and of the slow receiver. */
	atomic_uint_fast64_t churn_id[N_CHURN];
	atomic_uint_fast64_t slow_id;
	int shared[N_SHARED];
};

struct worker {
	struct stress *st;
	const char *name;
	int index;		/* among the workers of its kind */
	pthread_t thread;
	uint64_t rng;

	/* What it did, summed up after the run. */
	long rounds;
	long sent, received, eagain, unreach, refused;
	long timeouts, woken, max_wait_ms;	/* blocking sends */

	unsigned char buf[MSG_BUF];
};

static uint64_t rnd(struct worker *w)
{
	/* xorshift64: cheap, per thread, and no locking inside libc. */
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

static bool stopped(const struct worker *w)
{
	return atomic_load_explicit(&w->st->stop, memory_order_relaxed);
}

/* The test of every worker's loop, which also counts its rounds. */
static bool running(struct worker *w)
{
	w->rounds++;
	return !stopped(w);
}

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
			       .tv_nsec = us % 1000000 * 1000 };

	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Threads cannot use the harness's ASSERTs, which end the test from under
 * the other threads: they count failures, and the test checks the count.
 */
static void fail(struct worker *w, const char *what, int err)
{
	char buf[64];

	if (atomic_fetch_add(&w->st->failures, 1) >= MAX_REPORTS)
		return;
	fprintf(stderr, "# %s %d: %s: %s\n", w->name, w->index, what,
		err ? strerror_r(err, buf, sizeof(buf)) : "bad result");
}

static struct collab_guid session_id(unsigned int k)
{
	return guid_of(FIRST_SESSION_ID + k);
}

static uint64_t new_id(struct stress *st)
{
	return atomic_fetch_add(&st->next_id, 1);
}

/* Sizes on both sides of the module's linear/paged split (2048 bytes). */
static size_t pick_size(struct worker *w)
{
	static const size_t sizes[] = { 1, 64, 700, 3000 };

	return sizes[rnd(w) % ARRAY_SIZE(sizes)];
}

/* A payload the receiver can check without knowing who sent it. */
static void fill_payload(unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(len + i);
}

static bool payload_ok(const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != (unsigned char)(len + i))
			return false;
	return true;
}

/* Under churn a send may find a full queue or nobody; nothing else. */
static void count_send(struct worker *w, ssize_t ret)
{
	if (ret >= 0) {
		w->sent++;
		return;
	}
	switch (errno) {
	case EAGAIN:
		w->eagain++;
		break;
	case EHOSTUNREACH:
		w->unreach++;
		break;
	case ECONNREFUSED:
		w->refused++;
		break;
	default:
		fail(w, "send", errno);
	}
}

/* One message off @fd without waiting: 1, or 0 when it has none. */
static int recv_one(struct worker *w, int fd)
{
	struct received r;
	ssize_t n;

	n = recv_from(fd, w->buf, sizeof(w->buf), MSG_DONTWAIT, &r);
	if (n < 0) {
		if (errno != EAGAIN)
			fail(w, "recv", errno);
		return 0;
	}
	w->received++;
	if (!r.has_meta || (r.flags & MSG_TRUNC) || !n ||
	    !payload_ok(w->buf, n))
		fail(w, "received message", 0);
	return 1;
}

/* Take at most @max messages, so that one busy socket starves nobody. */
static void drain(struct worker *w, int fd, int max)
{
	while (max-- > 0 && recv_one(w, fd))
		;
}

/* GUID destinations: shared, churning, slow or unknown instances. */
static struct collab_guid pick_guid(struct worker *w)
{
	struct stress *st = w->st;

	switch (rnd(w) % 5) {
	case 0:
	case 1:
		return guid_of(1 + rnd(w) % N_SHARED);
	case 2:
		return guid_of(atomic_load(&st->churn_id[rnd(w) % N_CHURN]));
	case 3:
		return guid_of(atomic_load(&st->slow_id));
	default:
		return guid_of(UNKNOWN_ID);
	}
}

/*
 * A destination of every kind. @session gets the session an APP message
 * belongs to, or stays NULL.
 */
static struct sockaddr_collab pick_dest(struct worker *w,
					struct collab_guid *sid,
					struct collab_guid **session)
{
	struct collab_guid id;

	*session = NULL;
	switch (rnd(w) % 6) {
	case 0:
		*sid = session_id(rnd(w) % N_SESSIONS);
		return addr_of(COLLAB_ADDR_SESSION, NULL, sid);
	case 1:
		id = pick_guid(w);
		return addr_of(COLLAB_ADDR_GUID, NULL, &id);
	case 2:
		return addr_of(COLLAB_ADDR_BROADCAST, "stress", NULL);
	case 3:
		/* Every instance, the slow one and the senders included. */
		return addr_of(COLLAB_ADDR_BROADCAST, "", NULL);
	case 4:
		/* A joined member of the session, or one accepting new ones. */
		*sid = session_id(rnd(w) % N_SESSIONS);
		*session = sid;
		return addr_of(COLLAB_ADDR_APP, "stress", NULL);
	default:
		return addr_of(COLLAB_ADDR_APP,
			       rnd(w) & 1 ? "stress" : "nobody", NULL);
	}
}

static void *sender(void *arg)
{
	struct worker *w = arg;
	struct sockaddr_collab dest;
	struct collab_guid sid, *session;
	size_t len;
	int fd;

	/* Bound, so that broadcasts to every instance reach it too. */
	fd = bound_socket("stress-tx", NULL);
	if (fd < 0) {
		fail(w, "socket", errno);
		return NULL;
	}
	while (running(w)) {
		dest = pick_dest(w, &sid, &session);
		len = pick_size(w);
		fill_payload(w->buf, len);
		count_send(w, send_to(fd, &dest, session, w->buf, len,
				      MSG_DONTWAIT));
		if (rnd(w) % 8 == 0)
			drain(w, fd, 16);
	}
	close(fd);
	return NULL;
}

static void *receiver(void *arg)
{
	struct worker *w = arg;
	int i;

	/* Every receiver drains every shared socket: they race for them. */
	while (running(w))
		for (i = 0; i < N_SHARED; i++)
			drain(w, w->st->shared[(i + w->index) % N_SHARED], 32);
	return NULL;
}

static int leave(int fd, const struct collab_guid *sid)
{
	return setsockopt(fd, SOL_COLLAB, COLLAB_LEAVE, sid, sizeof(*sid));
}

/* Joins and leaves of shared sockets, racing each other and the sends. */
static void *joiner(void *arg)
{
	struct worker *w = arg;
	struct collab_guid sid;
	int fd;

	while (running(w)) {
		fd = w->st->shared[rnd(w) % N_SHARED];
		sid = session_id(rnd(w) % N_SESSIONS);
		/* Another joiner may have been first either way. */
		if (join(fd, &sid) && errno != EADDRINUSE)
			fail(w, "join", errno);
		fd = w->st->shared[rnd(w) % N_SHARED];
		sid = session_id(rnd(w) % N_SESSIONS);
		if (leave(fd, &sid) && errno != EADDRNOTAVAIL)
			fail(w, "leave", errno);
	}
	return NULL;
}

/* One short-lived instance: bound, in sessions, closed with mail queued. */
static void churn_once(struct worker *w)
{
	struct stress *st = w->st;
	uint64_t id = new_id(st);
	struct collab_guid gid = guid_of(id), sid;
	int fd, k;

	fd = bound_socket("stress", &gid);
	if (fd < 0) {
		fail(w, "bind", errno);
		return;
	}
	for (k = 0; k < N_SESSIONS; k++) {
		sid = session_id(k);
		if (rnd(w) & 1 && join(fd, &sid))
			fail(w, "join", errno);
	}
	if (set_int(fd, COLLAB_ACCEPT_NEW, rnd(w) & 1))
		fail(w, "COLLAB_ACCEPT_NEW", errno);
	atomic_store(&st->churn_id[w->index], id);
	sleep_us(rnd(w) % 2000);
	drain(w, fd, rnd(w) % 4);
	if (close(fd))
		fail(w, "close", errno);
}

static void *churner(void *arg)
{
	struct worker *w = arg;
	int fd;

	while (running(w)) {
		churn_once(w);
		/* Sockets that never bind go as well. */
		fd = collab_socket();
		if (fd < 0)
			fail(w, "socket", errno);
		else
			close(fd);
	}
	return NULL;
}

/*
 * A small queue read slowly, then left full (past the senders' timeout
 * every other round) and closed under waiters.
 */
static void slow_once(struct worker *w)
{
	struct stress *st = w->st;
	int rcvbuf = SLOW_RCVBUF, i, fd;
	uint64_t id = new_id(st);
	struct collab_guid gid = guid_of(id), sid = session_id(0);

	fd = bound_socket("slow", &gid);
	if (fd < 0) {
		fail(w, "bind", errno);
		return;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		fail(w, "SO_RCVBUF", errno);
	if (join(fd, &sid))
		fail(w, "join", errno);
	atomic_store(&st->slow_id, id);
	/* Each message read wakes a blocked sender. */
	for (i = 0; i < 10 && !stopped(w); i++) {
		sleep_us(2000);
		recv_one(w, fd);
	}
	/*
	 * Every other round the queue stays full past the senders' timeout,
	 * so their waits time out; otherwise it closes while they wait.
	 */
	if (w->rounds & 1)
		sleep_us(BLOCK_TIMEOUT_US * 2);
	else
		sleep_us(BLOCK_TIMEOUT_US / 4);
	if (close(fd))
		fail(w, "close", errno);
}

static void *slow_receiver(void *arg)
{
	struct worker *w = arg;

	while (running(w))
		slow_once(w);
	return NULL;
}

/* The slow receiver, alone or in its session. */
static struct sockaddr_collab slow_dest(struct worker *w)
{
	struct collab_guid id;

	if (rnd(w) & 1) {
		id = guid_of(atomic_load(&w->st->slow_id));
		return addr_of(COLLAB_ADDR_GUID, NULL, &id);
	}
	id = session_id(0);
	return addr_of(COLLAB_ADDR_SESSION, NULL, &id);
}

/* One blocking send, and how it waited for room. */
static void block_once(struct worker *w, int fd)
{
	struct sockaddr_collab dest = slow_dest(w);
	size_t len = 1000;
	long t0, ms;
	ssize_t ret;

	fill_payload(w->buf, len);
	t0 = now_ms();
	ret = send_to(fd, &dest, NULL, w->buf, len, 0);
	ms = now_ms() - t0;
	/* Only a wait for room ends in EAGAIN with SO_SNDTIMEO set. */
	if (ret < 0 && errno == EAGAIN)
		w->timeouts++;
	/* Took a while and went through: room came, or the receiver closed. */
	if (ret >= 0 && ms > 1)
		w->woken++;
	if (ms > w->max_wait_ms)
		w->max_wait_ms = ms;
	count_send(w, ret);
}

static void *blocking_sender(void *arg)
{
	struct timeval tv = { .tv_usec = BLOCK_TIMEOUT_US };
	struct worker *w = arg;
	int fd;

	fd = bound_socket("stress-block", NULL);
	if (fd < 0) {
		fail(w, "socket", errno);
		return NULL;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		fail(w, "SO_SNDTIMEO", errno);
	while (running(w)) {
		block_once(w, fd);
		/* Broadcasts to every instance fill this socket too. */
		drain(w, fd, 16);
	}
	close(fd);
	return NULL;
}

static const struct {
	const char *name;
	void *(*fn)(void *worker);
	int count;
} kinds[] = {
	{ "sender", sender, N_SENDERS },
	{ "receiver", receiver, N_RECEIVERS },
	{ "joiner", joiner, N_JOINERS },
	{ "churner", churner, N_CHURN },
	{ "slow receiver", slow_receiver, N_SLOW },
	{ "blocking sender", blocking_sender, N_BLOCKING },
};

/* The instances everyone sends to; GUIDs 1..N_SHARED. */
static int open_shared(struct stress *st)
{
	struct collab_guid id;
	int i;

	for (i = 0; i < N_SHARED; i++) {
		id = guid_of(1 + i);
		st->shared[i] = bound_socket("stress", &id);
		if (st->shared[i] < 0)
			return -1;
	}
	return 0;
}

static void close_shared(struct stress *st)
{
	int i;

	for (i = 0; i < N_SHARED; i++)
		if (st->shared[i] >= 0)
			close(st->shared[i]);
}

static void stop_workers(struct stress *st, struct worker *w, int started)
{
	int i;

	atomic_store(&st->stop, true);
	for (i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
}

/* Every worker, or none: on a failure the started ones are stopped. */
static int start_workers(struct stress *st, struct worker *w)
{
	size_t k;
	int i, n = 0;

	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		for (i = 0; i < kinds[k].count; i++, n++) {
			w[n].st = st;
			w[n].name = kinds[k].name;
			w[n].index = i;
			w[n].rng = 0x9e3779b97f4a7c15ULL * (n + 1);
			if (pthread_create(&w[n].thread, NULL, kinds[k].fn,
					   &w[n])) {
				stop_workers(st, w, n);
				return -1;
			}
		}
	}
	return n;
}

struct totals {
	long sent, received, eagain, unreach, refused;
	long timeouts, woken, max_wait_ms;
};

static struct totals sum(const struct worker *w, int n)
{
	struct totals t = {};
	int i;

	for (i = 0; i < n; i++) {
		t.sent += w[i].sent;
		t.received += w[i].received;
		t.eagain += w[i].eagain;
		t.unreach += w[i].unreach;
		t.refused += w[i].refused;
		t.timeouts += w[i].timeouts;
		t.woken += w[i].woken;
		if (w[i].max_wait_ms > t.max_wait_ms)
			t.max_wait_ms = w[i].max_wait_ms;
	}
	return t;
}

/* Open AF_COLLAB sockets of this namespace, from /proc/net/protocols. */
static int proto_sockets(void)
{
	char line[256], name[32];
	int size, sockets, found = -1;
	FILE *f;

	f = fopen("/proc/net/protocols", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %d %d", name, &size, &sockets) == 3 &&
		    !strcmp(name, "COLLAB"))
			found = sockets;
	fclose(f);
	return found;
}

static void log_counters(struct __test_metadata *_metadata,
			 const struct worker *w, const struct totals *t)
{
	static const char *const names[] = {
		"sockets", "instances", "apps", "sessions", "memberships",
		"tx_msgs", "tx_copies", "rx_msgs", "tx_no_route",
		"tx_refused", "tx_full", "drop_closed",
	};
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		TH_LOG("%s %lld", names[i], collab_stat(names[i]));
	for (k = 0; k < N_WORKERS; k++)
		TH_LOG("%s %d: %ld rounds", w[k].name, w[k].index, w[k].rounds);
	TH_LOG("threads: sent %ld received %ld eagain %ld unreach %ld refused %ld",
	       t->sent, t->received, t->eagain, t->unreach, t->refused);
	TH_LOG("blocking sends: %ld timed out, %ld woken, longest %ld ms",
	       t->timeouts, t->woken, t->max_wait_ms);
}

/* Everything closed: no object of the node may be left. */
static void check_idle(struct __test_metadata *_metadata)
{
	EXPECT_EQ(0, collab_stat("sockets"));
	EXPECT_EQ(0, collab_stat("instances"));
	EXPECT_EQ(0, collab_stat("apps"));
	EXPECT_EQ(0, collab_stat("sessions"));
	EXPECT_EQ(0, collab_stat("memberships"));
	EXPECT_EQ(0, proto_sockets());
}

/*
 * The node's counters against what the threads saw. Every copy queued is
 * either read or dropped when its socket closed; drop_closed also counts
 * copies for sockets that were closing, so it only bounds from above.
 * tx_full counts waits for room only, not a full send buffer.
 */
static void check_counters(struct __test_metadata *_metadata,
			   const struct totals *t)
{
	long long copies = collab_stat("tx_copies");
	long long rx = collab_stat("rx_msgs");

	EXPECT_LT(0, copies);
	EXPECT_LT(0, rx);
	EXPECT_EQ(t->sent, collab_stat("tx_msgs"));
	EXPECT_EQ(t->received, rx);
	EXPECT_EQ(t->unreach, collab_stat("tx_no_route"));
	EXPECT_EQ(t->refused, collab_stat("tx_refused"));
	EXPECT_GE(t->eagain, collab_stat("tx_full"));
	EXPECT_LE(rx, copies);
	EXPECT_GE(rx + collab_stat("drop_closed"), copies);
	/* The wait for room ran, and every wait ended in time. */
	EXPECT_LT(0, t->timeouts);
	EXPECT_GT(BLOCK_MAX_MS, t->max_wait_ms);
}

FIXTURE(stress) {
	struct stress st;
	struct worker w[N_WORKERS];
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, enter_netns());
	atomic_init(&self->st.next_id, FIRST_DYNAMIC_ID);
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, churn, 50)
{
	struct stress *st = &self->st;
	struct totals t;
	int n;

	ASSERT_EQ(0, open_shared(st));
	n = start_workers(st, self->w);
	ASSERT_EQ(N_WORKERS, n);
	sleep_us(CHURN_MS * 1000L);
	stop_workers(st, self->w, n);
	close_shared(st);

	t = sum(self->w, n);
	log_counters(_metadata, self->w, &t);
	EXPECT_EQ(0, atomic_load(&st->failures));
	check_idle(_metadata);
	check_counters(_metadata, &t);
}

TEST_HARNESS_MAIN
