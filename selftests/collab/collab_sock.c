// SPDX-License-Identifier: GPL-2.0
/*
 * collab_sock: open AF_COLLAB sockets from shell tests.
 *
 *   collab_sock [-f FAMILY] [-t TYPE] [-p PROTO] [-n COUNT] [-H READYFILE]
 *
 * Opens COUNT sockets (default 1) and exits 0, or prints the errno name of
 * the first failure and exits 1. With -H it writes READYFILE once the
 * sockets are open and holds them until SIGTERM or SIGINT.
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
	int family = -1, type = SOCK_RDM, proto = 0, opt;
	const char *ready = NULL;
	long count = 1, i;
	sigset_t set;
	FILE *f;

	while ((opt = getopt(argc, argv, "f:t:p:n:H:")) != -1) {
		switch (opt) {
		case 'f': family = number(optarg, 0, 255); break;
		case 't': type = number(optarg, 0, 255); break;
		case 'p': proto = number(optarg, -1, 255); break;
		case 'n': count = number(optarg, 1, 1000); break;
		case 'H': ready = optarg; break;
		default:
			fprintf(stderr, "usage: collab_sock [-f FAMILY] [-t TYPE] [-p PROTO] [-n COUNT] [-H READYFILE]\n");
			return 2;
		}
	}
	if (family < 0)
		family = collab_family();

	for (i = 0; i < count; i++) {
		if (socket(family, type, proto) < 0) {
			printf("%s\n", strerrorname_np(errno));
			return 1;
		}
	}
	if (!ready)
		return 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	f = fopen(ready, "w");
	if (!f || fclose(f))
		return 1;
	sigwait(&set, &opt);
	return 0;
}
