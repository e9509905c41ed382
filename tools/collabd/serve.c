// SPDX-License-Identifier: GPL-2.0
/*
 * collabd: the node's transaction server. collabd binds the application
 * type "collabd" and answers the calls (collab_call(3)) that reach it
 * from this node or another: "status" (this node and its supervisor),
 * "apps" (the types of its files: what runs, what waits) and "start APP"
 * (an instance of a type, for no request). An operation that --allow
 * does not name is answered EPERM; one collabd does not have, EOPNOTSUPP.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <collab.h>

#include "collabd.h"

#ifndef COLLAB_VERSION
#define COLLAB_VERSION "unknown"
#endif

/* Fields of one type in an "apps" reply. */
#define APP_FIELDS	5
/* Types in one reply: 5 fields each stay well under a message's 64 KiB. */
#define APPS_MAX	256

enum {
	OP_STATUS = 1 << 0,
	OP_APPS = 1 << 1,
	OP_START = 1 << 2,
};

static const struct {
	const char *name;
	unsigned int bit;
} op_names[] = {
	{ "status", OP_STATUS },
	{ "apps", OP_APPS },
	{ "start", OP_START },
};

static struct collab *server;
static unsigned int allowed = OP_STATUS | OP_APPS;
static time_t started;

/* "status,apps", "all" or "none": the operations answered. */
int server_allow(const char *list)
{
	unsigned int bits = 0, i;
	const char *p = list;
	size_t n;

	if (!strcmp(list, "all")) {
		allowed = OP_STATUS | OP_APPS | OP_START;
		return 0;
	}
	if (!strcmp(list, "none")) {
		allowed = 0;
		return 0;
	}
	while (*p) {
		n = strcspn(p, ",");
		for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
			if (strlen(op_names[i].name) == n &&
			    !strncmp(op_names[i].name, p, n))
				break;
		if (i == sizeof(op_names) / sizeof(op_names[0]))
			return -EINVAL;
		bits |= op_names[i].bit;
		p += n + (p[n] == ',');
	}
	allowed = bits;
	return 0;
}

static const char *caller(const struct collab_msg *call, char buf[33])
{
	return collab_id_to_hex(&call->source.node, buf);
}

/* Whether @op may run; if not, the caller is told so. */
static bool may(struct collab *h, const struct collab_msg *call,
		unsigned int bit)
{
	char text[96], node[33];

	if (allowed & bit)
		return true;
	snprintf(text, sizeof(text),
		 "%s is not allowed on this node (collabd --allow)",
		 call->call.op);
	logmsg("call %s from %s: not allowed", call->call.op,
	       caller(call, node));
	collab_reply(h, call, EPERM, text, NULL);
	return false;
}

static struct collab_field str_field(const char *key, const char *s)
{
	return (struct collab_field){ .key = key, .type = COLLAB_VAL_STRING,
				      .s = s };
}

static struct collab_field int_field(const char *key, int64_t i)
{
	return (struct collab_field){ .key = key, .type = COLLAB_VAL_INT,
				      .i = i };
}

static int op_status(void *arg, struct collab *h, const struct collab_msg *call)
{
	const struct collab_source *self = collab_self(h);
	unsigned int types = 0, running = 0, waiting = 0;
	struct collab_field f[7];
	struct collab_record r = { .fields = f };
	const struct app *a;
	char node[33];

	(void)arg;
	if (!may(h, call, OP_STATUS))
		return 0;
	for (a = app_list(); a; a = a->next) {
		types++;
		running += a->running;
		waiting += app_waiting(a);
	}
	f[r.nfields++] = str_field("node", collab_id_to_hex(&self->node, node));
	f[r.nfields++] = str_field("host", self->host);
	f[r.nfields++] = str_field("version", COLLAB_VERSION);
	f[r.nfields++] = int_field("uptime_s", time(NULL) - started);
	f[r.nfields++] = int_field("types", types);
	f[r.nfields++] = int_field("running", running);
	f[r.nfields++] = int_field("waiting", waiting);
	return collab_reply(h, call, 0, NULL, &r) ? EIO : 0;
}

static int op_apps(void *arg, struct collab *h, const struct collab_msg *call)
{
	static struct collab_field f[APPS_MAX * APP_FIELDS];
	struct collab_record r = { .fields = f };
	const struct app *a;
	int n = 0;

	(void)arg;
	if (!may(h, call, OP_APPS))
		return 0;
	for (a = app_list(); a && n < APPS_MAX; a = a->next, n++) {
		f[r.nfields++] = str_field("name", a->name);
		f[r.nfields++] = str_field("policy",
					   a->policy == COLLAB_APP_SHARED ?
					   "shared" : "per-session");
		f[r.nfields++] = int_field("running", a->running);
		f[r.nfields++] = int_field("limit", a->instances);
		f[r.nfields++] = int_field("waiting", app_waiting(a));
	}
	return collab_reply(h, call, 0, NULL, &r) ? EIO : 0;
}

/* The call's string argument @key, or NULL. */
static const char *arg_str(const struct collab_msg *call, const char *key)
{
	const struct collab_record *r = &call->call.args;
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].key, key) &&
		    r->fields[i].type == COLLAB_VAL_STRING)
			return r->fields[i].s;
	return NULL;
}

static int op_start(void *arg, struct collab *h, const struct collab_msg *call)
{
	const char *name = arg_str(call, "app");
	char text[96], node[33];
	struct collab_field f;
	struct collab_record r = { .nfields = 1, .fields = &f };
	struct app *a;
	pid_t pid;

	(void)arg;
	if (!may(h, call, OP_START))
		return 0;
	if (!name)
		return collab_reply(h, call, EINVAL, "start needs app=NAME",
				    NULL) ? EIO : 0;
	a = config_find(app_list(), name);
	if (!a) {
		snprintf(text, sizeof(text),
			 "no application file describes %.32s", name);
		return collab_reply(h, call, ENOENT, text, NULL) ? EIO : 0;
	}
	pid = app_start(a);
	if (pid < 0) {
		snprintf(text, sizeof(text), "%u instances of %s run, the limit",
			 a->instances, a->name);
		return collab_reply(h, call, -pid,
				    pid == -EAGAIN ? text : NULL, NULL) ?
		       EIO : 0;
	}
	logmsg("started %s (pid %d) for a call from %s", a->name, (int)pid,
	       caller(call, node));
	f = int_field("pid", pid);
	return collab_reply(h, call, 0, NULL, &r) ? EIO : 0;
}

static const struct collab_op ops[] = {
	{ .name = "status", .fn = op_status },
	{ .name = "apps", .fn = op_apps },
	{ .name = "start", .fn = op_start },
	{ .name = NULL },
};

/* Bind "collabd": the descriptor to poll, or -errno. */
int server_open(void)
{
	/* Calls carry no session: the server takes them as new ones. */
	static const struct collab_opts opts = {
		.flags = COLLAB_OPEN_ACCEPT_NEW,
	};

	started = time(NULL);
	server = collab_open("collabd", &opts);
	if (!server) {
		logmsg("no transaction server: binding \"collabd\": %s",
		       collab_strerror(-errno));
		return -errno;
	}
	return collab_fd(server);
}

/* Answer the calls that wait; other messages are not for collabd. */
void server_run(void)
{
	static struct collab_msg *msg;
	char node[33];
	int err;

	while ((err = collab_serve(server, ops, 0, &msg)) >= 0)
		if (err == 1)
			logmsg("a %s message from %s, not a call: dropped",
			       msg->type, caller(msg, node));
	if (err != -ETIMEDOUT && err != -EBADMSG)
		logmsg("transaction server: %s", collab_strerror(err));
}

void server_close(void)
{
	collab_close(server);
	server = NULL;
}
