// SPDX-License-Identifier: GPL-2.0
/*
 * collab_sock: open AF_COLLAB sockets from shell tests.
 *
 *   collab_sock [-f FAMILY] [-t TYPE] [-p PROTO] [-n COUNT] [-c CHURN]
 *               [-a APP [-i GUID] [-s SESSION]...] [-H READYFILE]
 *
 * Opens COUNT sockets (default 1) and exits 0, or prints the errno name of
 * the first failure and exits 1. With -a each socket binds as an instance
 * of APP, with GUID (32 hex digits; for several sockets, the last byte
 * counts up) or a random one, and joins every -s SESSION. With -H it writes
 * READYFILE, one line per bound instance with its GUID, once the sockets are
 * ready, and holds them until SIGTERM or SIGINT. With -c it first opens,
 * binds (with -a) and closes CHURN sockets, one after another.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/collab.h>

#include "collab.h"
#include "collab_test.h"

#define SESSIONS_MAX 8

/* Bind @fd as an instance of @app and join @n sessions; 0 or an errno. */
static int bind_join(int fd, const char *app, const struct collab_guid *id,
		     const struct collab_guid *sessions, int n)
{
	struct sockaddr_collab a = { .scl_family = collab_family(),
				     .scl_kind = COLLAB_ADDR_APP };
	int i;

	strncpy(a.scl_app, app, sizeof(a.scl_app) - 1);
	if (id)
		a.scl_id = *id;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		return errno;
	for (i = 0; i < n; i++)
		if (setsockopt(fd, SOL_COLLAB, COLLAB_JOIN, &sessions[i],
			       sizeof(sessions[i])))
			return errno;
	return 0;
}

static void print_guid(FILE *f, int fd)
{
	struct sockaddr_collab a = {};
	socklen_t len = sizeof(a);
	int i;

	getsockname(fd, (struct sockaddr *)&a, &len);
	for (i = 0; i < 16; i++)
		fprintf(f, "%02x", a.scl_id.b[i]);
	fputc('\n', f);
}

static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "collab_sock: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	int family = -1, type = SOCK_RDM, proto = 0, opt, err, nsess = 0;
	struct collab_guid sessions[SESSIONS_MAX], id, *idp = NULL;
	const char *ready = NULL, *app = NULL;
	char tmp[4096];
	static int fds[10000];
	long count = 1, churn = 0, i;
	sigset_t set;
	FILE *f;

	while ((opt = getopt(argc, argv, "f:t:p:n:c:a:i:s:H:")) != -1) {
		switch (opt) {
		case 'f': family = number(optarg, 0, 255); break;
		case 't': type = number(optarg, 0, 255); break;
		case 'p': proto = number(optarg, -1, 255); break;
		case 'n': count = number(optarg, 1, 10000); break;
		case 'c': churn = number(optarg, 0, 10000000); break;
		case 'a': app = optarg; break;
		case 'i': id = guid_arg("collab_sock", optarg); idp = &id; break;
		case 's':
			if (nsess == SESSIONS_MAX)
				return 2;
			sessions[nsess++] = guid_arg("collab_sock", optarg);
			break;
		case 'H': ready = optarg; break;
		default:
			fprintf(stderr, "usage: collab_sock [-f FAMILY] [-t TYPE] [-p PROTO] [-n COUNT] [-c CHURN] [-a APP [-i GUID] [-s SESSION]...] [-H READYFILE]\n");
			return 2;
		}
	}
	if (family < 0)
		family = collab_family();

	for (i = 0; i < churn; i++) {
		fds[0] = socket(family, type, proto);
		err = fds[0] < 0 ? errno : 0;
		if (!err && app)
			err = bind_join(fds[0], app, NULL, sessions, nsess);
		if (err) {
			printf("%s\n", strerrorname_np(err));
			return 1;
		}
		close(fds[0]);
	}
	for (i = 0; i < count; i++) {
		fds[i] = socket(family, type, proto);
		err = fds[i] < 0 ? errno : 0;
		if (!err && app) {
			err = bind_join(fds[i], app, idp, sessions, nsess);
			if (idp)
				id.b[15]++;
		}
		if (err) {
			printf("%s\n", strerrorname_np(err));
			return 1;
		}
	}
	if (!ready)
		return 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* Written whole, then renamed: a reader never sees half of it. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
	f = fopen(tmp, "w");
	if (!f)
		return 1;
	for (i = 0; app && i < count; i++)
		print_guid(f, fds[i]);
	if (fclose(f) || rename(tmp, ready))
		return 1;
	sigwait(&set, &opt);
	return 0;
}
