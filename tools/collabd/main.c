// SPDX-License-Identifier: GPL-2.0
/*
 * collabd: the node's supervisor (collabd(8)).
 *
 * It reads the application files (collab.app(5)), registers each type
 * as activatable, and listens on the "activation" group: for each request
 * it starts the application's command, as its user, with the request in
 * its environment, unless an instance for it runs already; at the
 * application's limit of instances the request waits for one to end,
 * within its timeout. It reaps what it started, restarts it as its file says
 * (backing off from 1 s to 60 s), reloads the files on SIGHUP and stops
 * on SIGTERM or SIGINT, leaving what it started running. Requests that
 * came while it was away are in the kernel's dump: it starts them then.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "collabd.h"

#ifndef COLLAB_VERSION
#define COLLAB_VERSION "unknown"
#endif

#ifndef COLLAB_APPS_DIR
#define COLLAB_APPS_DIR "/usr/share/collab/apps"
#endif

#define DIRS_MAX	8
#define BACKOFF_MIN_S	1
#define BACKOFF_MAX_S	60

/* An instance collabd started, or will: alive, or waiting to start. */
struct child {
	struct app *app;
	pid_t pid;			/* 0: waiting to start (again) */
	bool queued;			/* for a slot under the limit */
	struct request req;
	time_t started;
	time_t restart_at;
	unsigned int backoff;
	struct child *next;
};

static struct app *apps;
static struct child *children;
static char *dirs[DIRS_MAX];
static int ndirs;

void logmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("collabd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void guid_hex(const struct collab_guid *g, char out[33])
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", g->b[i]);
}

static bool guid_zero(const struct collab_guid *g)
{
	static const struct collab_guid zero;

	return !memcmp(g, &zero, sizeof(zero));
}

/* ${COLLAB_...} in @word replaced from the environment; malloc'd. */
static char *expand(const char *word)
{
	size_t len = 0, cap = strlen(word) + 1;
	char *out = malloc(cap), name[64], *v, *more;
	const char *p = word, *end;

	if (!out)
		return NULL;
	while (*p) {
		end = !strncmp(p, "${", 2) ? strchr(p, '}') : NULL;
		if (end && (size_t)(end - p - 2) < sizeof(name)) {
			memcpy(name, p + 2, end - p - 2);
			name[end - p - 2] = '\0';
			v = getenv(name);
			v = v ? v : "";
			p = end + 1;
		} else {
			name[0] = *p++;
			name[1] = '\0';
			v = name;
		}
		if (len + strlen(v) + 1 > cap) {
			cap = 2 * (len + strlen(v) + 1);
			more = realloc(out, cap);
			if (!more) {
				free(out);
				return NULL;
			}
			out = more;
		}
		strcpy(out + len, v);
		len += strlen(v);
	}
	out[len] = '\0';
	return out;
}

/* In the child: the request's environment, the user, then exec. */
static void exec_child(const struct app *a, const struct request *r)
{
	char buf[33], id[24], *argv[65];
	struct passwd *pw = NULL;
	struct group *gr;
	int i;

	setenv("COLLAB_APP", a->name, 1);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)r->id);
	setenv("COLLAB_REQUEST", id, 1);
	guid_hex(&r->session, buf);
	setenv("COLLAB_SESSION", guid_zero(&r->session) ? "" : buf, 1);
	guid_hex(&r->src_node, buf);
	setenv("COLLAB_SRC_NODE", buf, 1);
	guid_hex(&r->src_id, buf);
	setenv("COLLAB_SRC_ID", buf, 1);
	if (a->user[0]) {
		pw = getpwnam(a->user);
		if (!pw) {
			logmsg("%s: no user %s", a->path, a->user);
			_exit(126);
		}
		gr = a->group[0] ? getgrnam(a->group) : NULL;
		if ((a->group[0] && !gr) ||
		    initgroups(pw->pw_name, gr ? gr->gr_gid : pw->pw_gid) ||
		    setgid(gr ? gr->gr_gid : pw->pw_gid) || setuid(pw->pw_uid)) {
			logmsg("%s: cannot become %s: %s", a->path, a->user,
			       strerror(errno));
			_exit(126);
		}
	}
	for (i = 0; a->argv[i]; i++) {
		argv[i] = expand(a->argv[i]);
		if (!argv[i]) {
			logmsg("%s: out of memory for its command", a->path);
			_exit(126);
		}
	}
	argv[i] = NULL;
	/* collabd's own descriptors are not the instance's. */
	close_range(3, ~0U, 0);
	execv(argv[0], argv);
	logmsg("%s: exec %s: %s", a->path, argv[0], strerror(errno));
	_exit(127);
}

static void start(struct child *c)
{
	sigset_t none;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		logmsg("%s: fork: %s", c->app->name, strerror(errno));
		c->restart_at = time(NULL) + c->backoff;
		return;
	}
	if (!pid) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		exec_child(c->app, &c->req);
	}
	c->pid = pid;
	c->queued = false;
	c->started = time(NULL);
	c->app->running++;
	logmsg("started %s (pid %d) for request %llu%s", c->app->name, pid,
	       (unsigned long long)c->req.id,
	       guid_zero(&c->req.session) ? "" : " of a session");
}

static struct child **tail_of(struct child **pp)
{
	while (*pp)
		pp = &(*pp)->next;
	return pp;
}

/* Whether an instance for @r's session runs, or will soon. */
static bool serving(const struct app *a, const struct request *r)
{
	struct child *c;

	for (c = children; c; c = c->next)
		if (c->app == a && (a->policy == COLLAB_APP_SHARED ||
				    !memcmp(&c->req.session, &r->session,
					    sizeof(r->session))))
			return true;
	return false;
}

/* Instances of @a that run or wait to start again: not those queued. */
static unsigned int active(const struct app *a)
{
	const struct child *c;
	unsigned int n = 0;

	for (c = children; c; c = c->next)
		n += c->app == a && !c->queued;
	return n;
}

static void on_request(const char *name, const struct request *r)
{
	struct app *a = config_find(apps, name);
	struct child *c;

	if (!a) {
		logmsg("request %llu for %s, which no application file describes: refused",
		       (unsigned long long)r->id, name);
		kernel_fail(name, r->id, ECONNREFUSED);
		return;
	}
	if (serving(a, r))
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		kernel_fail(name, r->id, ENOMEM);
		return;
	}
	c->app = a;
	c->req = *r;
	c->backoff = BACKOFF_MIN_S;
	/* Oldest first: the list's tail. */
	c->next = NULL;
	*tail_of(&children) = c;
	if (active(a) > a->instances) {
		c->queued = true;
		c->started = time(NULL);
		logmsg("request %llu for %s waits: %u instances run, the limit",
		       (unsigned long long)r->id, name, a->instances);
		return;
	}
	start(c);
}

static void forget(struct child *c)
{
	struct child **pp;

	for (pp = &children; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	free(c);
}

struct app *app_list(void)
{
	return apps;
}

/* Requests of @a that wait for a slot under its limit. */
unsigned int app_waiting(const struct app *a)
{
	const struct child *c;
	unsigned int n = 0;

	for (c = children; c; c = c->next)
		n += c->app == a && c->queued;
	return n;
}

/*
 * An instance of @a for no request (a remote "start"): its pid, or
 * -EAGAIN at the file's limit, -ENOMEM when it could not be made.
 */
pid_t app_start(struct app *a)
{
	struct child *c;

	if (active(a) >= a->instances)
		return -EAGAIN;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->app = a;
	c->backoff = BACKOFF_MIN_S;
	*tail_of(&children) = c;
	start(c);
	if (!c->pid) {
		/* fork() failed (and said why in the log): out of resources. */
		forget(c);
		return -ENOMEM;
	}
	return c->pid;
}

static void child_gone(struct child *c, int status)
{
	bool failed = !WIFEXITED(status) || WEXITSTATUS(status);

	c->app->running--;
	if (WIFSIGNALED(status))
		logmsg("%s (pid %d) was killed by signal %d", c->app->name,
		       c->pid, WTERMSIG(status));
	else
		logmsg("%s (pid %d) exited with status %d", c->app->name,
		       c->pid, WEXITSTATUS(status));
	c->pid = 0;
	/* Queued requests wait for this: restarts() starts them. */
	if (c->app->restart == RESTART_ALWAYS ||
	    (c->app->restart == RESTART_ON_FAILURE && failed)) {
		/* A run of a minute starts the back-off over. */
		if (time(NULL) - c->started >= BACKOFF_MAX_S)
			c->backoff = BACKOFF_MIN_S;
		c->restart_at = time(NULL) + c->backoff;
		logmsg("%s restarts in %u s", c->app->name, c->backoff);
		c->backoff = c->backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S :
			     c->backoff * 2;
		return;
	}
	forget(c);
}

static void reap(void)
{
	struct child *c;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (c = children; c && c->pid != pid; c = c->next)
			;
		if (c)
			child_gone(c, status);
	}
}

/*
 * A queued request whose messages the kernel gave up on (its timeout
 * passed) needs no instance any more.
 */
static time_t expires(const struct child *c)
{
	uint32_t ms = c->app->timeout_ms ?: COLLAB_APP_TIMEOUT_MS;

	return c->started + ms / 1000 + 2;
}

static bool expired(const struct child *c, time_t now)
{
	return now >= expires(c);
}

/*
 * Start what is due: instances to start again, and queued requests, oldest
 * first, while their application is under its limit. The milliseconds
 * until the next restart, or -1.
 */
static int restarts(void)
{
	time_t now = time(NULL), next = 0;
	struct child *c, *n;

	for (c = children; c; c = n) {
		n = c->next;
		if (c->pid)
			continue;
		if (c->queued && expired(c, now)) {
			logmsg("request %llu for %s timed out waiting",
			       (unsigned long long)c->req.id, c->app->name);
			forget(c);
		} else if (c->queued) {
			if (active(c->app) < c->app->instances)
				start(c);
			else if (!next || expires(c) < next)
				next = expires(c);
		} else if (c->restart_at <= now) {
			start(c);
		} else if (!next || c->restart_at < next) {
			next = c->restart_at;
		}
	}
	return next ? (int)(next - now) * 1000 : -1;
}

/* Register every type of the files; withdraw those of @old that went. */
static void register_all(struct app *old)
{
	struct app *a;
	int err;

	for (a = apps; a; a = a->next) {
		err = kernel_register(a);
		if (err)
			logmsg("%s: registering %s: %s", a->path, a->name,
			       strerror(-err));
	}
	for (a = old; a; a = a->next)
		if (!config_find(apps, a->name) && !kernel_unregister(a->name))
			logmsg("%s withdrawn: its file is gone", a->name);
}

static void reload(void)
{
	struct app *old = apps, *a;
	struct child *c;
	int errors = 0;

	apps = config_load(dirs, ndirs, &errors);
	/* Instances started from the old files keep running. */
	for (c = children; c; c = c->next) {
		a = config_find(apps, c->app->name);
		if (!a) {
			logmsg("%s (pid %d) runs on, its file gone",
			       c->app->name, c->pid);
			continue;
		}
		a->running += c->pid != 0;
		c->app = a;
	}
	register_all(old);
	/* Those no file describes now are not started again. */
	for (c = children; c; c = c->next)
		if (!config_find(apps, c->app->name))
			c->app->restart = RESTART_NO;
	logmsg("reloaded: %d errors", errors);
}

static bool refers(const struct app *list, const struct app *a)
{
	for (; list; list = list->next)
		if (list == a)
			return true;
	return false;
}

/* After a reload: free the old files unless an instance still uses one. */
static void retire(struct app *old)
{
	struct child *c;

	for (c = children; c; c = c->next)
		if (refers(old, c->app))
			return;
	config_free(old);
}

static void usage(FILE *f)
{
	fputs("usage: collabd [-d DIR]... [-a OPS] [--check] [-h] [-V]\n"
	      "  -d DIR    read application files (*.app) from DIR; default\n"
	      "            /etc/collab/apps.d, then " COLLAB_APPS_DIR "\n"
	      "  -a OPS    the calls answered from other instances and nodes:\n"
	      "            a list of status,apps,start, or all, or none\n"
	      "            (default status,apps)\n"
	      "  --check   check the files, print every error (FILE:LINE) and exit\n"
	      "  -h        this help; -V the version\n"
	      "See collabd(8) and collab.app(5).\n", f);
}

/*
 * Under systemd with WatchdogSec=, a "WATCHDOG=1" at least every half
 * period; elsewhere sd_notify() does nothing. The milliseconds until the
 * next ping is due, or -1 without a watchdog.
 */
static int watchdog(void)
{
	static uint64_t period_us, last_us;
	struct timespec ts;
	uint64_t now_us;

	if (!period_us && sd_watchdog_enabled(0, &period_us) <= 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_us = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (now_us - last_us >= period_us / 2) {
		sd_notify(0, "WATCHDOG=1");
		last_us = now_us;
	}
	return (int)((last_us + period_us / 2 - now_us) / 1000) + 1;
}

/* The sooner of two poll() timeouts, where -1 is never. */
static int sooner(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static int loop(int sfd, int server_fd)
{
	struct pollfd p[3] = {
		{ .fd = sfd, .events = POLLIN },
		{ .fd = kernel_event_fd(), .events = POLLIN },
		{ .fd = server_fd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	struct app *old;

	for (;;) {
		if (poll(p, 3, sooner(restarts(), watchdog())) < 0 &&
		    errno != EINTR) {
			logmsg("poll: %s", strerror(errno));
			return 1;
		}
		if ((p[1].revents & POLLIN) && kernel_read_events(on_request))
			logmsg("reading activation requests failed");
		if (p[2].revents & POLLIN)
			server_run();
		if (!(p[0].revents & POLLIN) ||
		    read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap();
			/*
			 * A request that came while the instance for its
			 * session was ending found it serving: what still
			 * waits is in the kernel's dump.
			 */
			if (kernel_pending(on_request))
				logmsg("reading the requests that wait failed");
			break;
		case SIGHUP:
			sd_notify(0, "RELOADING=1");
			old = apps;
			reload();
			retire(old);
			sd_notify(0, "READY=1");
			break;
		default:
			sd_notify(0, "STOPPING=1");
			logmsg("stopping on signal %u; instances run on",
			       si.ssi_signo);
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "allow", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool check = false;
	int c, sfd, errors = 0, rc;
	struct app *old;
	sigset_t set;

	while ((c = getopt_long(argc, argv, "d:a:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (server_allow(optarg)) {
				fprintf(stderr, "collabd: -a %s: a list of status, apps and start, or all, or none\n",
					optarg);
				return 2;
			}
			break;
		case 'd':
			if (ndirs == DIRS_MAX) {
				fprintf(stderr, "collabd: at most %d directories\n",
					DIRS_MAX);
				return 2;
			}
			dirs[ndirs++] = optarg;
			break;
		case 'c':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("collabd %s\n", COLLAB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!ndirs) {
		dirs[ndirs++] = "/etc/collab/apps.d";
		dirs[ndirs++] = COLLAB_APPS_DIR;
	}
	apps = config_load(dirs, ndirs, &errors);
	if (check) {
		for (old = apps; old; old = old->next)
			printf("%s: %s, %s\n", old->path, old->name,
			       old->policy == COLLAB_APP_SHARED ? "shared" :
			       "per-session");
		return errors ? 1 : 0;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0 || kernel_open()) {
		logmsg("cannot start: %s", sfd < 0 ? strerror(errno) :
		       "no way to the kernel");
		return 1;
	}
	register_all(NULL);
	for (c = 0, old = apps; old; old = old->next)
		c++;
	logmsg("%d application types from %d directories, %d errors", c,
	       ndirs, errors);
	/* What waited while no collabd ran. */
	if (kernel_pending(on_request))
		logmsg("reading the requests that wait failed");
	rc = server_open();
	sd_notifyf(0, "READY=1\nSTATUS=%d application types", c);
	rc = loop(sfd, rc);
	server_close();
	kernel_close();
	return rc;
}
