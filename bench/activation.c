// SPDX-License-Identifier: GPL-2.0
/*
 * activation: the first message to an application that does not run yet,
 * and round trips of calls, over collab and over D-Bus.
 *
 * Activation, one sample: the sender takes the time, sends one message
 * carrying it and waits until the started instance has written its
 * figures to RESULTS. The instance, started by collabd (collab) or by the
 * bus (D-Bus), receives the message, appends a line to RESULTS and exits:
 * the ms from the send to the delivery, to the instance's main(), and to
 * when it was ready for the message (bound to its type, or owning its
 * bus name).
 *
 *   activation send -a APP [-N NODE] -r RESULTS [-w SECS]
 *	one record {t0} to an instance of APP on NODE (default this node)
 *   activation recv -a APP -r RESULTS
 *	what collabd starts: binds APP, receives one message, records it
 *   activation dbus-send -b ADDRESS -n NAME -r RESULTS [-w SECS]
 *	one method call Start(t0), no reply expected, to NAME, which the bus
 *	starts; then waits until NAME has no owner any more
 *   activation dbus-recv -b ADDRESS -n NAME -r RESULTS
 *	what the bus starts: owns NAME, takes one Start call, records it
 *
 * Round trips, one call in flight at a time, with a 64-byte argument that
 * the server sends back:
 *
 *   activation call-serve -a APP [-H READYFILE] [-p CPU]
 *	collab_serve() with the operation "echo", on an instance of APP
 *	that accepts new sessions (calls to a type belong to none)
 *   activation call -A APP [-N NODE] [-c ROUNDS] [-T SECS] [-p CPU]
 *	collab_call() "echo" of an instance of APP on NODE
 *   activation dbus-serve -b ADDRESS -n NAME [-H READYFILE] [-p CPU]
 *	an sd-bus object with the method Echo(ay) -> ay
 *   activation dbus-call -b ADDRESS -n NAME [-c ROUNDS] [-T SECS] [-p CPU]
 *	sd_bus_call() of Echo
 *
 * The callers print one line, "call TRANSPORT rounds=N secs=S calls_s=R
 * p50_us=... p99_us=... p999_us=...", after 500 round trips to warm up;
 * ROUNDS defaults to 20000, SECS (a limit after which fewer rounds count)
 * to 120. A server writes READYFILE once it can be called, and runs until
 * SIGTERM. Exit status: 0, 1 on a failure (said on stderr), 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "collab.h"

#define ARG_SIZE	64		/* bytes of a call's argument */
#define ROUNDS		20000
#define WARMUP		500		/* round trips before the measured ones */
#define CALL_TIMEOUT_MS	5000		/* a reply missing this long fails */
#define READY_SECS	20		/* a server becomes callable within */
#define CALL_SECS	120		/* a call run stops after, by default */
#define WAIT_SECS	60		/* a sample's figure arrives within */
#define RECV_SECS	30		/* a started instance gets its message within */
#define POLL_NS		10000000	/* 10 ms between looks at what is awaited */

#define DBUS_PATH	"/org/collab/Bench"
#define DBUS_IFACE	"org.collab.Bench"

/* The argument of every call, which the server sends back. */
static uint8_t payload[ARG_SIZE];

struct opts {
	const char *app;		/* -a, -A */
	struct collab_id node;		/* -N */
	const char *results;		/* -r */
	const char *ready;		/* -H */
	const char *address;		/* -b */
	const char *name;		/* -n */
	long rounds;			/* -c */
	int cpu;			/* -p, or -1 */
	int wait_secs;			/* -w */
	int limit_secs;			/* -T */
};

static volatile sig_atomic_t stop;
static int64_t t_main;			/* when main() began */

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_alarm(int sig)
{
	static const char msg[] = "activation: watchdog: the run did not end\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void fail(const char *what, int err)
{
	fprintf(stderr, "activation: %s: %s\n", what, strerror(err));
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fail("sched_setaffinity", errno);
}

static void pause_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000,
			       .tv_nsec = ns % 1000000000 };

	nanosleep(&ts, NULL);
}

/* ---- results -------------------------------------------------------------- */

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_size;
}

/*
 * One line appended in one write(), so that lines never interleave: the
 * times from the send (@t0) to the delivery (@t1), to main() of the
 * started program, and to when it was ready for its message (@t_bound:
 * bound to its type, or owning its bus name), in ms.
 */
static void record(const char *path, int64_t t0, int64_t t_bound, int64_t t1)
{
	char line[96];
	int fd, len;

	len = snprintf(line, sizeof(line), "%.3f %.3f %.3f\n", (t1 - t0) / 1e6,
		       (t_main - t0) / 1e6, (t_bound - t0) / 1e6);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		fail(path, errno);
	if (write(fd, line, len) != len)
		fail(path, errno);
	close(fd);
}

/* Until RESULTS grew past @size: the started instance recorded its figure. */
static void wait_recorded(const char *path, off_t size, int secs)
{
	int64_t end = now_ns() + (int64_t)secs * 1000000000;

	while (file_size(path) <= size) {
		if (now_ns() > end) {
			fprintf(stderr, "activation: no figure in %s after %d s\n",
				path, secs);
			exit(1);
		}
		pause_ns(POLL_NS);
	}
}

/* ---- collab activation ------------------------------------------------------ */

static struct collab *open_or_die(const char *app, unsigned int flags)
{
	const struct collab_opts opts = { .flags = flags };
	struct collab *h = collab_open(app, &opts);

	if (!h) {
		fprintf(stderr, "activation: collab_open %s: %s\n", app,
			collab_strerror(-errno));
		exit(1);
	}
	return h;
}

static int collab_send_sample(const struct opts *o)
{
	struct collab_field t0 = { .key = "t0", .type = COLLAB_VAL_INT };
	struct collab_msg msg = {
		.type = COLLAB_TYPE_RECORD,
		.record = { .nfields = 1, .fields = &t0 },
	};
	struct collab_dest dest;
	struct collab *h;
	off_t size;
	int err;

	if (collab_dest_app(&dest, o->app, &o->node))
		fail("destination", EINVAL);
	h = open_or_die("act-sender", 0);
	size = file_size(o->results);
	t0.i = now_ns();
	err = collab_send(h, &dest, &msg);
	if (err) {
		fprintf(stderr, "activation: collab_send: %s\n",
			collab_strerror(err));
		return 1;
	}
	wait_recorded(o->results, size, o->wait_secs);
	collab_close(h);
	return 0;
}

static int collab_recv_sample(const struct opts *o)
{
	struct collab_msg *msg = NULL;
	const struct collab_field *f;
	int64_t t_bound, t1;
	struct collab *h;
	int err;

	/* The type's one shared instance: every message for it comes here. */
	h = open_or_die(o->app, 0);
	t_bound = now_ns();
	err = collab_recv(h, &msg, RECV_SECS * 1000);
	t1 = now_ns();
	if (err) {
		fprintf(stderr, "activation: collab_recv: %s\n",
			collab_strerror(err));
		return 1;
	}
	f = msg->record.fields;
	if (strcmp(msg->type, COLLAB_TYPE_RECORD) || msg->record.nfields != 1 ||
	    strcmp(f->key, "t0") || f->type != COLLAB_VAL_INT) {
		fprintf(stderr, "activation: not the sample's message\n");
		return 1;
	}
	record(o->results, f->i, t_bound, t1);
	collab_msg_free(msg);
	collab_close(h);
	return 0;
}

/* ---- D-Bus: the bus and its names --------------------------------------------- */

static sd_bus *bus_open(const char *address)
{
	sd_bus *bus;
	int err;

	err = sd_bus_new(&bus);
	if (err < 0)
		fail("sd_bus_new", -err);
	err = sd_bus_set_address(bus, address);
	if (err < 0)
		fail("sd_bus_set_address", -err);
	err = sd_bus_set_bus_client(bus, 1);
	if (err < 0)
		fail("sd_bus_set_bus_client", -err);
	err = sd_bus_start(bus);
	if (err < 0)
		fail("sd_bus_start", -err);
	return bus;
}

static bool has_owner(sd_bus *bus, const char *name)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int err, owned = 0;

	err = sd_bus_call_method(bus, "org.freedesktop.DBus",
				 "/org/freedesktop/DBus", "org.freedesktop.DBus",
				 "NameHasOwner", &error, &reply, "s", name);
	if (err >= 0)
		err = sd_bus_message_read(reply, "b", &owned);
	if (err < 0) {
		fprintf(stderr, "activation: NameHasOwner: %s\n",
			error.message ? error.message : strerror(-err));
		exit(1);
	}
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	return owned;
}

/* Until @name has no owner: the instance that owned it is gone. */
static void wait_unowned(sd_bus *bus, const char *name, int secs)
{
	int64_t end = now_ns() + (int64_t)secs * 1000000000;

	while (has_owner(bus, name)) {
		if (now_ns() > end) {
			fprintf(stderr, "activation: %s still owned after %d s\n",
				name, secs);
			exit(1);
		}
		pause_ns(POLL_NS);
	}
}

static void request_name(sd_bus *bus, const char *name)
{
	int err = sd_bus_request_name(bus, name, 0);

	if (err < 0)
		fail("sd_bus_request_name", -err);
}

/* Process what the bus brought until @done, or fail after @secs. */
static void bus_run(sd_bus *bus, const bool *done, int secs)
{
	int64_t end = secs > 0 ? now_ns() + (int64_t)secs * 1000000000 : 0;
	int err;

	while (!*done && !stop) {
		err = sd_bus_process(bus, NULL);
		if (err < 0)
			fail("sd_bus_process", -err);
		if (err > 0)
			continue;
		if (end && now_ns() > end) {
			fprintf(stderr, "activation: nothing came in %d s\n", secs);
			exit(1);
		}
		err = sd_bus_wait(bus, 500000);
		if (err < 0 && err != -EINTR)
			fail("sd_bus_wait", -err);
	}
}

/* ---- D-Bus activation ---------------------------------------------------------- */

static int dbus_send_sample(const struct opts *o)
{
	sd_bus_message *m = NULL;
	sd_bus *bus;
	off_t size;
	int err;

	bus = bus_open(o->address);
	/* The previous instance is gone: this call starts a new one. */
	wait_unowned(bus, o->name, o->wait_secs);
	err = sd_bus_message_new_method_call(bus, &m, o->name, DBUS_PATH,
					     DBUS_IFACE, "Start");
	if (err < 0)
		fail("sd_bus_message_new_method_call", -err);
	err = sd_bus_message_set_expect_reply(m, 0);
	if (err < 0)
		fail("sd_bus_message_set_expect_reply", -err);
	size = file_size(o->results);
	err = sd_bus_message_append(m, "t", (uint64_t)now_ns());
	if (err >= 0)
		err = sd_bus_send(bus, m, NULL);
	if (err >= 0)
		err = sd_bus_flush(bus);
	if (err < 0)
		fail("sending Start", -err);
	sd_bus_message_unref(m);
	wait_recorded(o->results, size, o->wait_secs);
	wait_unowned(bus, o->name, o->wait_secs);
	sd_bus_flush_close_unref(bus);
	return 0;
}

struct dbus_sample {
	const char *results;
	int64_t t_bound;
	bool done;
};

static int method_start(sd_bus_message *m, void *arg, sd_bus_error *error)
{
	struct dbus_sample *s = arg;
	int64_t t1 = now_ns();
	uint64_t t0;
	int err;

	(void)error;
	err = sd_bus_message_read(m, "t", &t0);
	if (err < 0)
		return err;
	record(s->results, (int64_t)t0, s->t_bound, t1);
	s->done = true;
	return 1;
}

static int dbus_recv_sample(const struct opts *o)
{
	static const sd_bus_vtable vtable[] = {
		SD_BUS_VTABLE_START(0),
		SD_BUS_METHOD("Start", "t", "", method_start,
			      SD_BUS_VTABLE_UNPRIVILEGED |
			      SD_BUS_VTABLE_METHOD_NO_REPLY),
		SD_BUS_VTABLE_END
	};
	struct dbus_sample s = { .results = o->results };
	sd_bus *bus;
	int err;

	bus = bus_open(o->address);
	err = sd_bus_add_object_vtable(bus, NULL, DBUS_PATH, DBUS_IFACE,
				       vtable, &s);
	if (err < 0)
		fail("sd_bus_add_object_vtable", -err);
	request_name(bus, o->name);
	s.t_bound = now_ns();
	bus_run(bus, &s.done, RECV_SECS);
	sd_bus_flush_close_unref(bus);
	return s.done ? 0 : 1;
}

/* ---- round trips ------------------------------------------------------------- */

static void write_ready(const char *path)
{
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "w");
	if (!f || fputs("ready\n", f) == EOF || fclose(f))
		fail(path, errno);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Round trip @n of the sorted @rtt at fraction @q, in us. */
static double quantile_us(const int64_t *rtt, long n, double q)
{
	long i = (long)(n * q);

	return rtt[i < n ? i : n - 1] / 1e3;
}

static void print_rounds(const char *transport, int64_t *rtt, long n,
			 int64_t ns)
{
	qsort(rtt, n, sizeof(*rtt), cmp64);
	printf("call %s rounds=%ld secs=%.2f calls_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f\n",
	       transport, n, ns / 1e9, n / (ns / 1e9), quantile_us(rtt, n, 0.5),
	       quantile_us(rtt, n, 0.99), quantile_us(rtt, n, 0.999));
}

/*
 * The caller of one transport: @call makes one round trip and returns 0,
 * or a negative errno. The first call is tried again until the server
 * answers (it may still be starting), then WARMUP round trips, then the
 * measured ones until @o->rounds or the time limit.
 */
static int measure(const char *transport, const struct opts *o,
		   int (*call)(void *arg), void *arg)
{
	int64_t ready_end = now_ns() + (int64_t)READY_SECS * 1000000000;
	int64_t start, end, t0, *rtt;
	long i, n;
	int err;

	while ((err = call(arg)) < 0) {
		if (now_ns() > ready_end) {
			fprintf(stderr, "activation: %s: no answer in %d s: %s\n",
				transport, READY_SECS, strerror(-err));
			return 1;
		}
		pause_ns(10 * POLL_NS);
	}
	for (i = 0; i < WARMUP; i++) {
		err = call(arg);
		if (err < 0)
			goto failed;
	}
	rtt = calloc(o->rounds, sizeof(*rtt));
	if (!rtt)
		fail("calloc", ENOMEM);
	start = now_ns();
	end = start + (int64_t)o->limit_secs * 1000000000;
	for (n = 0; n < o->rounds; n++) {
		t0 = now_ns();
		err = call(arg);
		if (err < 0)
			goto failed;
		rtt[n] = now_ns() - t0;
		if (rtt[n] + t0 > end) {
			n++;
			break;
		}
	}
	print_rounds(transport, rtt, n, now_ns() - start);
	free(rtt);
	return 0;
failed:
	fprintf(stderr, "activation: %s: call: %s\n", transport, strerror(-err));
	return 1;
}

/* collab */

static int op_echo(void *arg, struct collab *h, const struct collab_msg *call)
{
	(void)arg;
	return collab_reply(h, call, 0, NULL, &call->call.args) ? EIO : 0;
}

static int collab_serve_calls(const struct opts *o)
{
	static const struct collab_op ops[] = {
		{ .name = "echo", .fn = op_echo },
		{ .name = NULL },
	};
	struct collab_msg *msg = NULL;
	struct collab *h;
	int err;

	pin(o->cpu);
	/* Calls to the type come here: they belong to no session. */
	h = open_or_die(o->app, COLLAB_OPEN_ACCEPT_NEW);
	write_ready(o->ready);
	while (!stop) {
		err = collab_serve(h, ops, 500, &msg);
		if (err < 0 && err != -ETIMEDOUT && err != -EINTR &&
		    err != -EBADMSG) {
			fprintf(stderr, "activation: collab_serve: %s\n",
				collab_strerror(err));
			return 1;
		}
	}
	collab_msg_free(msg);
	collab_close(h);
	return 0;
}

struct collab_caller {
	struct collab *h;
	struct collab_dest dest;
	struct collab_record args;
	struct collab_msg *reply;
};

static int collab_call_once(void *arg)
{
	struct collab_caller *c = arg;
	const struct collab_record *r;
	int err;

	err = collab_call(c->h, &c->dest, "echo", &c->args, CALL_TIMEOUT_MS,
			  &c->reply);
	if (err)
		return err;
	r = &c->reply->reply.result;
	if (r->nfields != 1 || r->fields[0].type != COLLAB_VAL_BYTES ||
	    r->fields[0].bytes.len != ARG_SIZE)
		return -EBADMSG;
	return 0;
}

static int collab_calls(const struct opts *o)
{
	struct collab_field field = {
		.key = "data", .type = COLLAB_VAL_BYTES,
		.bytes = { .data = payload, .len = sizeof(payload) },
	};
	struct collab_caller c = { .args = { .nfields = 1, .fields = &field } };
	int rc;

	pin(o->cpu);
	if (collab_dest_app(&c.dest, o->app, &o->node))
		fail("destination", EINVAL);
	c.h = open_or_die("act-caller", 0);
	rc = measure("collab", o, collab_call_once, &c);
	collab_msg_free(c.reply);
	collab_close(c.h);
	return rc;
}

/* D-Bus */

static int method_echo(sd_bus_message *m, void *arg, sd_bus_error *error)
{
	sd_bus_message *reply = NULL;
	const void *p;
	size_t len;
	int err;

	(void)arg;
	(void)error;
	err = sd_bus_message_read_array(m, 'y', &p, &len);
	if (err < 0)
		return err;
	err = sd_bus_message_new_method_return(m, &reply);
	if (err < 0)
		return err;
	err = sd_bus_message_append_array(reply, 'y', p, len);
	if (err >= 0)
		err = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return err < 0 ? err : 1;
}

static int dbus_serve_calls(const struct opts *o)
{
	static const sd_bus_vtable vtable[] = {
		SD_BUS_VTABLE_START(0),
		SD_BUS_METHOD("Echo", "ay", "ay", method_echo,
			      SD_BUS_VTABLE_UNPRIVILEGED),
		SD_BUS_VTABLE_END
	};
	bool never = false;
	sd_bus *bus;
	int err;

	pin(o->cpu);
	bus = bus_open(o->address);
	err = sd_bus_add_object_vtable(bus, NULL, DBUS_PATH, DBUS_IFACE,
				       vtable, NULL);
	if (err < 0)
		fail("sd_bus_add_object_vtable", -err);
	request_name(bus, o->name);
	write_ready(o->ready);
	bus_run(bus, &never, 0);
	sd_bus_flush_close_unref(bus);
	return 0;
}

struct dbus_caller {
	sd_bus *bus;
	const char *name;
};

static int dbus_call_once(void *arg)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	struct dbus_caller *c = arg;
	const void *p;
	size_t len;
	int err;

	err = sd_bus_message_new_method_call(c->bus, &m, c->name, DBUS_PATH,
					     DBUS_IFACE, "Echo");
	if (err >= 0)
		err = sd_bus_message_set_auto_start(m, 0);
	if (err >= 0)
		err = sd_bus_message_append_array(m, 'y', payload,
						  sizeof(payload));
	if (err >= 0)
		err = sd_bus_call(c->bus, m, CALL_TIMEOUT_MS * 1000ull, &error,
				  &reply);
	if (err >= 0)
		err = sd_bus_message_read_array(reply, 'y', &p, &len);
	if (err >= 0 && len != ARG_SIZE)
		err = -EBADMSG;
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	return err < 0 ? err : 0;
}

static int dbus_calls(const struct opts *o)
{
	struct dbus_caller c = { .name = o->name };
	int rc;

	pin(o->cpu);
	c.bus = bus_open(o->address);
	rc = measure("dbus", o, dbus_call_once, &c);
	sd_bus_flush_close_unref(c.bus);
	return rc;
}

/* ---- main ---------------------------------------------------------------------- */

static void usage(void)
{
	fputs("usage: activation send -a APP [-N NODE] -r RESULTS [-w SECS]\n"
	      "       activation recv -a APP -r RESULTS\n"
	      "       activation dbus-send -b ADDRESS -n NAME -r RESULTS [-w SECS]\n"
	      "       activation dbus-recv -b ADDRESS -n NAME -r RESULTS\n"
	      "       activation call-serve -a APP [-H READYFILE] [-p CPU]\n"
	      "       activation call -A APP [-N NODE] [-c ROUNDS] [-T SECS] [-p CPU]\n"
	      "       activation dbus-serve -b ADDRESS -n NAME [-H READYFILE] [-p CPU]\n"
	      "       activation dbus-call -b ADDRESS -n NAME [-c ROUNDS] [-T SECS] [-p CPU]\n",
	      stderr);
	exit(2);
}

static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.rounds = ROUNDS, .cpu = -1, .wait_secs = WAIT_SECS,
		.limit_secs = CALL_SECS,
	};
	struct sigaction sa = { .sa_handler = on_term };
	const char *mode;
	int c;

	t_main = now_ns();
	if (argc < 2)
		usage();
	memset(payload, 0xa5, sizeof(payload));
	mode = argv[1];
	argv++;
	argc--;
	while ((c = getopt(argc, argv, "a:A:N:r:H:b:n:c:p:w:T:")) != -1) {
		switch (c) {
		case 'a':
		case 'A':
			o.app = optarg;
			break;
		case 'N':
			if (collab_id_from_hex(&o.node, optarg))
				usage();
			break;
		case 'r':
			o.results = optarg;
			break;
		case 'H':
			o.ready = optarg;
			break;
		case 'b':
			o.address = optarg;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'c':
			o.rounds = number(optarg, 1, 100000000);
			break;
		case 'p':
			o.cpu = number(optarg, 0, CPU_SETSIZE - 1);
			break;
		case 'w':
			o.wait_secs = number(optarg, 1, 3600);
			break;
		case 'T':
			o.limit_secs = number(optarg, 1, 86400);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	/* Every mode ends on its own; this is the last resort. */
	if (strcmp(mode, "call-serve") && strcmp(mode, "dbus-serve"))
		alarm(o.limit_secs + 2 * WAIT_SECS + READY_SECS);

	if (!strcmp(mode, "send") && o.app && o.results)
		return collab_send_sample(&o);
	if (!strcmp(mode, "recv") && o.app && o.results)
		return collab_recv_sample(&o);
	if (!strcmp(mode, "dbus-send") && o.address && o.name && o.results)
		return dbus_send_sample(&o);
	if (!strcmp(mode, "dbus-recv") && o.address && o.name && o.results)
		return dbus_recv_sample(&o);
	if (!strcmp(mode, "call-serve") && o.app)
		return collab_serve_calls(&o);
	if (!strcmp(mode, "call") && o.app)
		return collab_calls(&o);
	if (!strcmp(mode, "dbus-serve") && o.address && o.name)
		return dbus_serve_calls(&o);
	if (!strcmp(mode, "dbus-call") && o.address && o.name)
		return dbus_calls(&o);
	usage();
	return 2;
}
