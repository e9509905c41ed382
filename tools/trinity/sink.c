// SPDX-License-Identifier: GPL-2.0
/*
 * collab-fuzz-sink: instances for trinity's sends to reach (tools/trinity/run).
 *
 *   collab-fuzz-sink -g GUID -n COUNT -a APP[,APP...] [-s SESSION]... [-H READYFILE]
 *
 * Binds COUNT sockets, socket i as an instance of the i-th application type
 * (round robin) with GUID plus i in its last byte; each joins every SESSION,
 * every other one sets COLLAB_ACCEPT_NEW and every third COLLAB_CONFIRM.
 * Then it reads and drops whatever comes, receipts included, except on
 * every fourth socket, which it never reads: its queue fills and stays
 * full. Writes READYFILE (a GUID a line) once bound; runs until a signal.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/collab.h>

#define SOCKS_MAX	64
#define SESSIONS_MAX	8

static int parse_guid(const char *s, struct collab_guid *g)
{
	unsigned int i, byte;

	if (strlen(s) != 32)
		return -1;
	for (i = 0; i < 16; i++) {
		if (sscanf(s + 2 * i, "%2x", &byte) != 1)
			return -1;
		g->b[i] = byte;
	}
	return 0;
}

static int live_family(void)
{
	FILE *f = fopen(COLLAB_FAMILY_SYSFS, "r");
	int fam = COLLAB_FAMILY_DEFAULT;

	if (f) {
		if (fscanf(f, "%d", &fam) != 1)
			fam = COLLAB_FAMILY_DEFAULT;
		fclose(f);
	}
	return fam;
}

static void usage(void)
{
	fputs("usage: collab-fuzz-sink -g GUID -n COUNT -a APP[,APP...] [-s SESSION]... [-H READYFILE]\n",
	      stderr);
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "collab-fuzz-sink: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	struct collab_guid base = {}, sessions[SESSIONS_MAX];
	struct pollfd pfd[SOCKS_MAX];
	char *apps = NULL, *app[SOCKS_MAX], *tok;
	const char *ready = NULL;
	int nr_sessions = 0, nr_apps = 0, count = 0, one = 1, i, j, opt;
	static char buf[COLLAB_MSG_MAX];
	FILE *f;

	while ((opt = getopt(argc, argv, "g:n:a:s:H:")) != -1) {
		switch (opt) {
		case 'g':
			if (parse_guid(optarg, &base))
				usage();
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'a':
			apps = optarg;
			break;
		case 's':
			if (nr_sessions == SESSIONS_MAX ||
			    parse_guid(optarg, &sessions[nr_sessions++]))
				usage();
			break;
		case 'H':
			ready = optarg;
			break;
		default:
			usage();
		}
	}
	if (count < 1 || count > SOCKS_MAX || !apps || optind != argc)
		usage();
	for (tok = strtok(apps, ","); tok && nr_apps < SOCKS_MAX; tok = strtok(NULL, ","))
		app[nr_apps++] = tok;
	if (!nr_apps)
		usage();

	for (i = 0; i < count; i++) {
		struct sockaddr_collab a = { .scl_family = live_family(),
					     .scl_kind = COLLAB_ADDR_APP };
		int fd = socket(a.scl_family, SOCK_RDM | SOCK_NONBLOCK, 0);

		if (fd < 0)
			die("socket");
		a.scl_id = base;
		a.scl_id.b[15] += i;
		snprintf(a.scl_app, sizeof(a.scl_app), "%s", app[i % nr_apps]);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
			die("bind");
		for (j = 0; j < nr_sessions; j++)
			if (setsockopt(fd, SOL_COLLAB, COLLAB_JOIN, &sessions[j],
				       sizeof(sessions[j])))
				die("COLLAB_JOIN");
		if (i % 2 == 0 &&
		    setsockopt(fd, SOL_COLLAB, COLLAB_ACCEPT_NEW, &one, sizeof(one)))
			die("COLLAB_ACCEPT_NEW");
		if (i % 3 == 0 &&
		    setsockopt(fd, SOL_COLLAB, COLLAB_CONFIRM, &one, sizeof(one)))
			die("COLLAB_CONFIRM");
		pfd[i].fd = i % 4 == 3 ? -1 : fd;
		pfd[i].events = POLLIN;
	}
	if (ready) {
		f = fopen(ready, "w");
		if (!f)
			die(ready);
		for (i = 0; i < count; i++) {
			for (j = 0; j < 16; j++)
				fprintf(f, "%02x", (unsigned char)(base.b[j] + (j == 15 ? i : 0)));
			fputc('\n', f);
		}
		if (fclose(f))
			die(ready);
	}

	for (;;) {
		if (poll(pfd, count, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = 0; i < count; i++) {
			if (!pfd[i].revents)
				continue;
			while (recv(pfd[i].fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
				;
			while (recv(pfd[i].fd, buf, sizeof(buf),
				    MSG_DONTWAIT | MSG_ERRQUEUE) >= 0)
				;
		}
	}
}
