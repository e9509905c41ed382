// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl call: an operation of a node's collabd, its transaction
 * server (collabd(8)), through libcollab's collab_call(). The arguments
 * are KEY=VALUE strings; the reply's fields are printed in order, one
 * "KEY VALUE" line each (JSON: a "result" array of key/value objects).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <collab.h>

#include "collabctl.h"
#include "out.h"
#include "parse.h"

#define CALL_ARGS_MAX	64
#define CALL_TIMEOUT_MS	5000

static void print_field(const struct collab_field *f)
{
	char fmt[COLLAB_KEY_MAX + 8];
	size_t i;

	out_obj_start(NULL);
	out_str("key", NULL, f->key);
	snprintf(fmt, sizeof(fmt), "%s %%s\n", f->key);
	switch (f->type) {
	case COLLAB_VAL_STRING:
		out_str("value", fmt, f->s);
		break;
	case COLLAB_VAL_INT:
		out_i64("value", fmt, f->i);
		break;
	case COLLAB_VAL_DOUBLE:
		out_double("value", fmt, f->d);
		break;
	case COLLAB_VAL_BOOL:
		out_bool("value", fmt, f->b);
		break;
	case COLLAB_VAL_BYTES: {
		const unsigned char *b = f->bytes.data;
		char *hex = malloc(2 * f->bytes.len + 1);

		if (!hex)
			ctl_nomem();
		for (i = 0; i < f->bytes.len; i++)
			sprintf(hex + 2 * i, "%02x", b[i]);
		hex[2 * f->bytes.len] = '\0';
		out_str("value", fmt, hex);
		free(hex);
		break;
	}
	}
	out_obj_end();
}

static int parse_call_args(int argc, char **argv, struct collab_field *f,
			   size_t *n, int *timeout_ms)
{
	uint64_t ms;
	char *eq;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "timeout") && i + 1 < argc) {
			if (parse_u64(argv[++i], 3600 * 1000, &ms) || !ms)
				return ctl_usage_error("call",
						       "timeout '%s': milliseconds, 1 to 3600000",
						       argv[i]);
			*timeout_ms = (int)ms;
			continue;
		}
		eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i])
			return ctl_usage_error("call",
					       "argument '%s': KEY=VALUE, or timeout MS",
					       argv[i]);
		if (*n == CALL_ARGS_MAX)
			return ctl_usage_error("call", "at most %d arguments",
					       CALL_ARGS_MAX);
		*eq = '\0';
		f[(*n)++] = (struct collab_field){ .key = argv[i],
						   .type = COLLAB_VAL_STRING,
						   .s = eq + 1 };
	}
	return CTL_OK;
}

static int call_fail(const char *op, const char *node, int err,
		     const struct collab_msg *reply)
{
	const char *why = reply && reply->reply.error && *reply->reply.error ?
			  reply->reply.error : NULL;

	switch (err) {
	case -ECONNREFUSED:
	case -EHOSTUNREACH:
		return ctl_error("call %s on %s: %s (is collabd running there? see collabd(8))",
				 op, node, collab_strerror(err));
	case -ETIMEDOUT:
		return ctl_error("call %s on %s: no reply in time (the node may be down: see 'collabctl peer')",
				 op, node);
	default:
		return ctl_error("call %s on %s: %s%s%s", op, node,
				 collab_strerror(err), why ? ": " : "",
				 why ? why : "");
	}
}

/* collabctl call NODE OP [KEY=VALUE]... [timeout MS] */
static int call_run(int argc, char **argv)
{
	struct collab_field args[CALL_ARGS_MAX];
	struct collab_msg *reply = NULL;
	int timeout_ms = CALL_TIMEOUT_MS, err, rc;
	struct collab_record rec = { .fields = args };
	struct collab_id node = { { 0 } };
	struct collab_dest dest;
	struct collab *h;
	size_t i;

	if (argc < 2)
		return ctl_usage_error("call", "needs NODE and OP");
	if (strcmp(argv[0], "local") &&
	    collab_id_from_hex(&node, argv[0]))
		return ctl_usage_error("call",
				       "node '%s': a node id (32 hex digits) or 'local'",
				       argv[0]);
	rc = parse_call_args(argc - 2, argv + 2, args, &rec.nfields,
			     &timeout_ms);
	if (rc)
		return rc;
	if (collab_dest_app(&dest, "collabd", &node))
		return ctl_usage_error("call", "node '%s'", argv[0]);

	h = collab_open("collabctl", NULL);
	if (!h)
		return ctl_error("call: cannot open an AF_COLLAB socket: %s (modprobe collab)",
				 collab_strerror(-errno));
	err = collab_call(h, &dest, argv[1], &rec, timeout_ms, &reply);
	if (err) {
		rc = call_fail(argv[1], argv[0], err, reply);
		goto out;
	}
	out_obj_start(NULL);
	out_array_start("result");
	for (i = 0; i < reply->reply.result.nfields; i++)
		print_field(&reply->reply.result.fields[i]);
	out_array_end();
	out_obj_end();
	out_finish(0);
	rc = CTL_OK;
out:
	collab_msg_free(reply);
	collab_close(h);
	return rc;
}

const struct cmd call_cmds[] = {
	{ "run", call_run, "NODE OP [KEY=VALUE]... [timeout MS]",
	  "call OP of NODE's collabd ('local': this node's) and print its reply" },
	{ .name = NULL }
};
