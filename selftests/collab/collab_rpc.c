// SPDX-License-Identifier: GPL-2.0
/*
 * collab_rpc: both ends of libcollab's calls, for the selftests.
 *
 *   collab_rpc serve -a APP [-H READYFILE] [-n CALLS]
 *	answers "echo" (its arguments back), "sleep ms=N" (says "sleeping N
 *	ms", replies after N ms) and "fail errno=N" (fails with N); other operations get
 *	EOPNOTSUPP from collab_serve(). Ends after CALLS calls, or on
 *	SIGTERM. READYFILE gets the instance's GUID once it is bound.
 *
 *   collab_rpc call -A APP [-N NODE | -G GUID] -o OP [-t MS] [-c COUNT]
 *		[KEY=VALUE]...
 *	calls OP of an instance of APP (on NODE, default this node; or the
 *	instance GUID) COUNT times. Prints "ok" and the result's fields
 *	("KEY=VALUE" each), or "error NAME: TEXT" with the errno's name;
 *	with -c, the round trips per second and their p50/p99 in us.
 *
 * Exit status: 0 when every call succeeded, 1 otherwise, 2 on bad usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <collab.h>

#define ARGS_MAX 32

static const char *errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ ETIMEDOUT, "ETIMEDOUT" }, { ECONNRESET, "ECONNRESET" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EPERM, "EPERM" },
		{ ENOENT, "ENOENT" }, { EAGAIN, "EAGAIN" },
		{ ECONNREFUSED, "ECONNREFUSED" },
		{ EHOSTUNREACH, "EHOSTUNREACH" }, { ENOBUFS, "ENOBUFS" },
		{ EINVAL, "EINVAL" }, { ERANGE, "ERANGE" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return "E?";
}

static void usage(void)
{
	fputs("usage: collab_rpc serve -a APP [-H READYFILE] [-n CALLS]\n"
	      "       collab_rpc call -A APP [-N NODE | -G GUID] -o OP [-t MS] [-c COUNT] [KEY=VALUE]...\n",
	      stderr);
	exit(2);
}

static int64_t arg_int(const struct collab_msg *call, const char *key)
{
	const struct collab_record *r = &call->call.args;
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].key, key) &&
		    r->fields[i].type == COLLAB_VAL_STRING)
			return strtoll(r->fields[i].s, NULL, 10);
	return 0;
}

static int op_echo(void *arg, struct collab *h, const struct collab_msg *call)
{
	(void)arg;
	return collab_reply(h, call, 0, NULL, &call->call.args) ? EIO : 0;
}

static int op_sleep(void *arg, struct collab *h, const struct collab_msg *call)
{
	int64_t ms = arg_int(call, "ms");
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = ms % 1000 * 1000000 };

	(void)arg;
	/* The test that kills a server mid-call waits for this line. */
	printf("sleeping %lld ms\n", (long long)ms);
	fflush(stdout);
	nanosleep(&ts, NULL);
	return collab_reply(h, call, 0, NULL, NULL) ? EIO : 0;
}

static int op_fail(void *arg, struct collab *h, const struct collab_msg *call)
{
	(void)arg;
	(void)h;
	return (int)arg_int(call, "errno") ?: EINVAL;
}

static int serve(const char *app, const char *ready, long calls)
{
	static const struct collab_op ops[] = {
		{ .name = "echo", .fn = op_echo },
		{ .name = "sleep", .fn = op_sleep },
		{ .name = "fail", .fn = op_fail },
		{ .name = NULL },
	};
	static const struct collab_opts opts = {
		.flags = COLLAB_OPEN_ACCEPT_NEW,
	};
	struct collab_msg *msg = NULL;
	struct collab *h = collab_open(app, &opts);
	char hex[33];
	FILE *f;
	int err;

	if (!h) {
		fprintf(stderr, "collab_rpc: open %s: %s\n", app,
			collab_strerror(-errno));
		return 1;
	}
	if (ready) {
		f = fopen(ready, "w");
		if (!f)
			return 1;
		fprintf(f, "%s\n", collab_id_to_hex(&collab_self(h)->instance, hex));
		fclose(f);
	}
	while (calls < 0 || calls > 0) {
		err = collab_serve(h, ops, -1, &msg);
		if (err < 0 && err != -EBADMSG && err != -EINTR) {
			fprintf(stderr, "collab_rpc: serve: %s\n",
				collab_strerror(err));
			break;
		}
		if (err == 0 && calls > 0)
			calls--;
	}
	collab_msg_free(msg);
	collab_close(h);
	return calls ? 1 : 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void print_result(const struct collab_msg *reply)
{
	const struct collab_record *r = &reply->reply.result;
	size_t i;

	printf("ok");
	for (i = 0; i < r->nfields; i++) {
		if (r->fields[i].type == COLLAB_VAL_STRING)
			printf(" %s=%s", r->fields[i].key, r->fields[i].s);
		else if (r->fields[i].type == COLLAB_VAL_INT)
			printf(" %s=%lld", r->fields[i].key,
			       (long long)r->fields[i].i);
	}
	printf("\n");
}

static int call(int argc, char **argv, const struct collab_dest *dest,
		const char *op, int timeout_ms, long count)
{
	struct collab_field args[ARGS_MAX];
	struct collab_record rec = { .fields = args };
	struct collab_msg *reply = NULL;
	int64_t *rtt = NULL, t0, start;
	struct collab *h;
	char *eq;
	long i;
	int err = 0;

	for (i = 0; i < argc && i < ARGS_MAX; i++) {
		eq = strchr(argv[i], '=');
		if (!eq)
			usage();
		*eq = '\0';
		args[rec.nfields++] = (struct collab_field){
			.key = argv[i], .type = COLLAB_VAL_STRING, .s = eq + 1 };
	}
	h = collab_open("rpc-client", NULL);
	if (!h) {
		fprintf(stderr, "collab_rpc: open: %s\n", collab_strerror(-errno));
		return 1;
	}
	rtt = calloc(count, sizeof(*rtt));
	if (!rtt)
		return 1;
	start = now_ns();
	for (i = 0; i < count && !err; i++) {
		t0 = now_ns();
		err = collab_call(h, dest, op, &rec, timeout_ms, &reply);
		rtt[i] = now_ns() - t0;
	}
	if (err) {
		printf("error %s: %s%s%s\n", errno_name(-err),
		       collab_strerror(err),
		       reply && reply->reply.error ? ": " : "",
		       reply && reply->reply.error ? reply->reply.error : "");
	} else if (count > 1) {
		double secs = (now_ns() - start) / 1e9;

		qsort(rtt, count, sizeof(*rtt), cmp64);
		printf("calls %ld per_s %.0f p50_us %.1f p99_us %.1f\n", count,
		       count / secs, rtt[count / 2] / 1e3,
		       rtt[count * 99 / 100] / 1e3);
	} else {
		print_result(reply);
	}
	free(rtt);
	collab_msg_free(reply);
	collab_close(h);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *app = NULL, *ready = NULL, *op = NULL, *mode;
	struct collab_id node = { { 0 } }, guid = { { 0 } };
	int c, timeout_ms = 5000;
	struct collab_dest dest;
	long n = -1;

	if (argc < 2)
		usage();
	mode = argv[1];
	argv++;
	argc--;
	while ((c = getopt(argc, argv, "a:A:H:n:N:G:o:t:c:")) != -1) {
		switch (c) {
		case 'a': case 'A': app = optarg; break;
		case 'H': ready = optarg; break;
		case 'n': case 'c': n = atol(optarg); break;
		case 'N':
			if (collab_id_from_hex(&node, optarg))
				usage();
			break;
		case 'G':
			if (collab_id_from_hex(&guid, optarg))
				usage();
			break;
		case 'o': op = optarg; break;
		case 't': timeout_ms = atoi(optarg); break;
		default: usage();
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "serve") && app)
		return serve(app, ready, n);
	if (strcmp(mode, "call") || !op || (!app && collab_id_is_zero(&guid)))
		usage();
	if (!collab_id_is_zero(&guid) ? collab_dest_guid(&dest, &node, &guid) :
	    collab_dest_app(&dest, app, &node))
		usage();
	return call(argc - optind, argv + optind, &dest, op, timeout_ms,
		    n < 1 ? 1 : n);
}
