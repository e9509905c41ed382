// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl: administer the collab module over generic netlink.
 *
 * collabctl [OPTIONS] OBJECT [COMMAND [ARGS]]: main() reads the options,
 * finds the object in the table below and the command in the object's
 * table, and exits with the command's status. With -b FILE, batch.c runs
 * the command lines of FILE one after the other, in one process.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collabctl.h"
#include "out.h"

#ifndef COLLAB_VERSION
#define COLLAB_VERSION "unknown"
#endif

struct object {
	const char *name;
	const struct cmd *cmds;
	const char *help;
};

static const struct object objects[] = {
	{ "node", node_cmds,
	  "this node: id, name, address family number, link settings" },
	{ "bearer", bearer_cmds,
	  "UDP sockets that carry traffic to peers; discovery groups" },
	{ "peer", peer_cmds,
	  "other nodes: address, link state, round-trip time, counters" },
	{ "route", route_cmds,
	  "nodes known through peers: next-hop peer, cost, seqno, age" },
	{ "instance", instance_cmds,
	  "bound sockets: GUID, application, owner, queue, counters" },
	{ "session", session_cmds,
	  "sessions that have members on this node" },
	{ "app", app_cmds,
	  "activatable and reserved application types, and the messages that wait" },
	{ "call", call_cmds,
	  "operations of a node's collabd: status, apps, start" },
	{ "stats", stats_cmds,
	  "object counts and message counters" },
	{ "monitor", monitor_cmds,
	  "print instance, session and peer events as they happen" },
	{ "trust", trust_cmds,
	  "the public keys of the nodes this node links with" },
	{ .name = NULL }
};

/* Keys, made on this host: no module needed. */
static const struct object key_objects[] = {
	{ "genkey", genkey_cmds, "print a new private key" },
	{ "genpsk", genpsk_cmds, "print a new cluster key" },
	{ "pubkey", pubkey_cmds,
	  "print the public key of the private key on standard input" },
	{ "nodeid", nodeid_cmds,
	  "print the node id of the public key on standard input" },
	{ .name = NULL }
};

/* The batch line being run, named in messages. */
static struct {
	const char *file;
	unsigned long line;
} where;

void ctl_where(const char *file, unsigned long line)
{
	where.file = file;
	where.line = line;
}

bool ctl_stdin_taken(void)
{
	return where.file && !strcmp(where.file, "-");
}

static void print_prefix(void)
{
	fputs("collabctl: ", stderr);
	if (where.file)
		fprintf(stderr, "batch %s line %lu: ", where.file, where.line);
}

int ctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	print_prefix();
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, ": see 'collabctl %s help'\n", cmd);
	else
		fputs(": see 'collabctl --help'\n", stderr);
	return CTL_USAGE;
}

int ctl_error(const char *fmt, ...)
{
	va_list ap;

	print_prefix();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_FAIL;
}

void ctl_warn(const char *fmt, ...)
{
	va_list ap;

	print_prefix();
	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ctl_nomem(void)
{
	print_prefix();
	fputs("out of memory\n", stderr);
	exit(CTL_FAIL);
}

int ctl_flush(void)
{
	if (fflush(stdout) || ferror(stdout))
		return ctl_error("cannot write the output: %s",
				 strerror(errno));
	return CTL_OK;
}

static void usage(void)
{
	const struct object *o;

	printf("Usage: collabctl [OPTIONS] OBJECT [COMMAND [ARGS]]\n"
	       "       collabctl [OPTIONS] -b FILE\n"
	       "       collabctl OBJECT help\n"
	       "\n"
	       "Show and change the state of the collab module in this\n"
	       "network namespace. Without a command, an object is shown.\n"
	       "\n"
	       "Objects:\n");
	for (o = objects; o->name; o++)
		printf("  %-10s %s\n", o->name, o->help);
	printf("\n"
	       "Keys (made on this host; no module needed):\n");
	for (o = key_objects; o->name; o++)
		printf("  %-10s %s\n", o->name, o->help);
	printf("\n"
	       "Options:\n"
	       "  -j, --json         print JSON\n"
	       "  -p, --pretty       print indented JSON (implies -j)\n"
	       "  -n, --netns NAME   work in network namespace NAME\n"
	       "                     (/run/netns/NAME, or a path with a slash)\n"
	       "  -b, --batch FILE   run the commands of FILE, one a line\n"
	       "                     (OBJECT [COMMAND [ARGS]]; -: standard\n"
	       "                     input); stop at the first that fails\n"
	       "  -f, --force        with -b: go on after a command fails\n"
	       "  -h, --help         print this help\n"
	       "  -V, --version      print the version\n"
	       "\n"
	       "A GUID is 32 hex digits, plain or with dashes as 8-4-4-4-12;\n"
	       "a key is 44 characters of base64, as genkey prints them.\n"
	       "See collabctl(8).\n");
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "--help");
}

static void cmd_usage(const struct object *o, const struct cmd *c)
{
	bool dflt = c == o->cmds;

	if (!*c->name) {
		printf("collabctl [OPTIONS] %s%s%s", o->name, *c->args ? " " : "",
		       c->args);
		return;
	}
	printf("collabctl [OPTIONS] %s %s%s%s%s%s", o->name, dflt ? "[" : "",
	       c->name, dflt ? "]" : "", *c->args ? " " : "", c->args);
}

static void cmd_help(const struct object *o, const struct cmd *c)
{
	printf("Usage: ");
	cmd_usage(o, c);
	printf("\n\n%c%s.\n", toupper((unsigned char)c->help[0]), c->help + 1);
}

static void object_help(const struct object *o)
{
	const struct cmd *c;

	if (!*o->cmds->name) {
		cmd_help(o, o->cmds);
		return;
	}
	for (c = o->cmds; c->name; c++) {
		fputs(c == o->cmds ? "Usage: " : "       ", stdout);
		cmd_usage(o, c);
		putchar('\n');
	}
	printf("\nCommands:\n");
	for (c = o->cmds; c->name; c++)
		printf("  %-9s %s\n", c->name, c->help);
}

static const struct cmd *find_cmd(const struct cmd *cmds, const char *name)
{
	for (; cmds->name; cmds++)
		if (!strcmp(cmds->name, name))
			return cmds;
	return NULL;
}

/*
 * A first argument that names no command goes to the default command when
 * that takes arguments, so "instance app chat" means "instance show app
 * chat".
 */
static int run_object(const struct object *o, int argc, char **argv)
{
	const struct cmd *c = o->cmds, *named;

	if (argc > 0 && is_help(argv[0])) {
		object_help(o);
		return CTL_OK;
	}
	if (argc > 0) {
		named = find_cmd(o->cmds, argv[0]);
		if (named) {
			c = named;
			argc--;
			argv++;
		} else if (!*c->name) {
			return ctl_usage_error(o->name, "unknown argument '%s'",
					       argv[0]);
		} else if (!*c->args) {
			return ctl_usage_error(o->name, "unknown command '%s'",
					       argv[0]);
		}
	}
	if (argc > 0 && is_help(argv[0])) {
		cmd_help(o, c);
		return CTL_OK;
	}
	return c->fn(argc, argv);
}

static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctl_error("network namespace '%s': %s: %s (see 'ip netns list')",
				 name, path, strerror(errno));
	err = setns(fd, CLONE_NEWNET);
	if (err)
		err = errno;
	close(fd);
	if (err == EPERM)
		return ctl_error("cannot enter network namespace '%s': %s (needs CAP_SYS_ADMIN: run as root)",
				 name, strerror(err));
	if (err)
		return ctl_error("cannot enter network namespace '%s': %s",
				 name, strerror(err));
	return CTL_OK;
}

#define SHORT_OPTIONS "+:jpn:b:fhV"

/*
 * getopt_long() reports an unknown short option in optopt, an unknown long
 * one as 0, and a known long option given a value it does not take as
 * that option's letter.
 */
static int bad_option(char **argv)
{
	if (optopt && strchr("jpfhV", optopt))
		return ctl_usage_error(NULL, "option '%s' takes no value",
				       argv[optind - 1]);
	if (optopt)
		return ctl_usage_error(NULL, "unknown option '-%c'", optopt);
	return ctl_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
}

static const struct option long_options[] = {
	{ "json",	no_argument,		NULL, 'j' },
	{ "pretty",	no_argument,		NULL, 'p' },
	{ "netns",	required_argument,	NULL, 'n' },
	{ "batch",	required_argument,	NULL, 'b' },
	{ "force",	no_argument,		NULL, 'f' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ .name = NULL }
};

struct opts {
	bool json;
	bool pretty;
	bool force;
	const char *netns;
	const char *batch;
};

/* Read the options into O: -1 to go on, else the status to exit with. */
static int parse_options(int argc, char **argv, struct opts *o)
{
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, SHORT_OPTIONS, long_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			o->json = true;
			break;
		case 'p':
			o->json = true;
			o->pretty = true;
			break;
		case 'n':
			o->netns = optarg;
			break;
		case 'b':
			o->batch = optarg;
			break;
		case 'f':
			o->force = true;
			break;
		case 'h':
			usage();
			return CTL_OK;
		case 'V':
			printf("collabctl %s\n", COLLAB_VERSION);
			return CTL_OK;
		case ':':
			return ctl_usage_error(NULL,
					       "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return bad_option(argv);
		}
	}
	return -1;
}

/* The object NAME names, or NULL after saying there is none. */
static const struct object *find_object(const char *name)
{
	const struct object *o;

	for (o = objects; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	for (o = key_objects; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	ctl_usage_error(NULL, "unknown object '%s'", name);
	return NULL;
}

/*
 * The arguments after the options: an object, into *OBJ, or none with
 * -b. Return -1 to go on, else the status to exit with.
 */
static int parse_object(int argc, char **argv, const struct opts *o,
			const struct object **obj)
{
	if (o->batch && argc > 0)
		return ctl_usage_error(NULL,
				       "-b takes its commands from the file: give no object ('%s') after it",
				       argv[0]);
	if (o->batch)
		return -1;
	if (o->force)
		return ctl_usage_error(NULL, "-f goes with -b only");
	if (!argc)
		return ctl_usage_error(NULL, "no object given");
	if (is_help(argv[0])) {
		usage();
		return CTL_OK;
	}
	*obj = find_object(argv[0]);
	return *obj ? -1 : CTL_USAGE;
}

int ctl_run(int argc, char **argv)
{
	const struct object *o;

	if (is_help(argv[0])) {
		usage();
		return CTL_OK;
	}
	if (argv[0][0] == '-')
		return ctl_usage_error(NULL,
				       "options such as '%s' go on the command line, before -b",
				       argv[0]);
	o = find_object(argv[0]);
	if (!o)
		return CTL_USAGE;
	/* A batch would never get past it. */
	if (o->cmds == monitor_cmds)
		return ctl_usage_error(NULL,
				       "%s runs until it is stopped: it cannot be part of a batch",
				       o->name);
	return run_object(o, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	struct opts o = { .netns = NULL };
	const struct object *obj = NULL;
	int ret;

	ret = parse_options(argc, argv, &o);
	if (ret < 0)
		ret = parse_object(argc - optind, argv + optind, &o, &obj);
	if (ret >= 0)
		return ret;
	if (o.netns && enter_netns(o.netns))
		return CTL_FAIL;

	out_setup(o.json, o.pretty);
	if (o.batch)
		return ctl_batch(o.batch, o.force);
	ret = run_object(obj, argc - optind - 1, argv + optind + 1);
	return ctl_flush() ? CTL_FAIL : ret;
}
