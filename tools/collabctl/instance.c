// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl instance: the bound sockets of this node, with their owner,
 * sessions, receive queue and counters.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

static const struct nla_policy instance_policy[COLLAB_INSTANCE_A_MAX + 1] = {
	[COLLAB_INSTANCE_A_ID] = CNL_POLICY_GUID,
	[COLLAB_INSTANCE_A_APP] = { .type = NLA_STRING,
				    .maxlen = COLLAB_APP_MAX },
	[COLLAB_INSTANCE_A_PID] = { .type = NLA_U32 },
	[COLLAB_INSTANCE_A_UID] = { .type = NLA_U32 },
	[COLLAB_INSTANCE_A_ACCEPT_NEW] = { .type = NLA_U8 },
	[COLLAB_INSTANCE_A_SESSIONS] = { .type = NLA_NESTED },
	[COLLAB_INSTANCE_A_RQ_MSGS] = { .type = NLA_U32 },
	[COLLAB_INSTANCE_A_RQ_BYTES] = { .type = NLA_U32 },
	[COLLAB_INSTANCE_A_RCVBUF] = { .type = NLA_U32 },
	[COLLAB_INSTANCE_A_TX_MSGS] = { .type = NLA_U64 },
	[COLLAB_INSTANCE_A_TX_BYTES] = { .type = NLA_U64 },
	[COLLAB_INSTANCE_A_TX_ERRORS] = { .type = NLA_U64 },
	[COLLAB_INSTANCE_A_RX_MSGS] = { .type = NLA_U64 },
	[COLLAB_INSTANCE_A_RX_BYTES] = { .type = NLA_U64 },
};

/* The end of the heading line "instance GUID: app APP", then one line each. */
static const struct out_attr owner_attrs[] = {
	OUT_NUM(COLLAB_INSTANCE_A_PID, "pid", " pid %s"),
	OUT_NUM(COLLAB_INSTANCE_A_UID, "uid", " uid %s"),
	OUT_END
};

static const struct out_attr queue_attrs[] = {
	OUT_NUM(COLLAB_INSTANCE_A_RQ_MSGS, "rq_msgs", "%s messages"),
	OUT_NUM(COLLAB_INSTANCE_A_RQ_BYTES, "rq_bytes", "%s bytes"),
	OUT_NUM(COLLAB_INSTANCE_A_RCVBUF, "rcvbuf", "limit %s bytes"),
	OUT_END
};

static const struct out_attr tx_attrs[] = {
	OUT_NUM(COLLAB_INSTANCE_A_TX_MSGS, "tx_msgs", "%s messages"),
	OUT_NUM(COLLAB_INSTANCE_A_TX_BYTES, "tx_bytes", "%s bytes"),
	OUT_NUM(COLLAB_INSTANCE_A_TX_ERRORS, "tx_errors", "%s errors"),
	OUT_END
};

static const struct out_attr rx_attrs[] = {
	OUT_NUM(COLLAB_INSTANCE_A_RX_MSGS, "rx_msgs", "%s messages"),
	OUT_NUM(COLLAB_INSTANCE_A_RX_BYTES, "rx_bytes", "%s bytes"),
	OUT_END
};

/* Which instances to show: all, or those matching every filter given. */
struct instance_filter {
	const char *app;
	bool by_pid;
	uint32_t pid;
	unsigned int shown;
};

static int print_sessions(struct nlattr *nest)
{
	struct nlattr *a;
	int rem, n = 0;

	out_array_start("sessions");
	if (nest) {
		nla_for_each_nested(a, nest, rem) {
			if (nla_type(a) != COLLAB_SESSION_A_ID)
				continue;
			if (nla_len(a) != sizeof(struct collab_guid))
				return -EBADMSG;
			out_text(n++ ? " " : "  sessions: ");
			out_guid(NULL, "%s", nla_data(a));
		}
	}
	if (n)
		out_text("\n");
	out_array_end();
	return 0;
}

static bool instance_match(struct nlattr **tb, const struct instance_filter *f)
{
	if (f->app && strcmp(f->app, nla_get_string(tb[COLLAB_INSTANCE_A_APP])))
		return false;
	if (f->by_pid && (!tb[COLLAB_INSTANCE_A_PID] ||
			  nla_get_u32(tb[COLLAB_INSTANCE_A_PID]) != f->pid))
		return false;
	return true;
}

static int instance_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[COLLAB_INSTANCE_A_MAX + 1];
	struct instance_filter *f = arg;
	int err;

	if (!cnl_parse_object(msg, COLLAB_A_INSTANCE, tb, COLLAB_INSTANCE_A_MAX,
			      instance_policy) ||
	    !tb[COLLAB_INSTANCE_A_ID] || !tb[COLLAB_INSTANCE_A_APP])
		return -EBADMSG;
	if (!instance_match(tb, f))
		return 0;

	if (f->shown++)
		out_text("\n");
	out_obj_start(NULL);
	out_guid("id", "instance %s", nla_data(tb[COLLAB_INSTANCE_A_ID]));
	out_str("app", ": app %s", nla_get_string(tb[COLLAB_INSTANCE_A_APP]));
	out_attrs(tb, owner_attrs);
	out_text("\n");
	if (tb[COLLAB_INSTANCE_A_ACCEPT_NEW])
		out_bool("accept_new", "  accepts new sessions: %s\n",
			 nla_get_u8(tb[COLLAB_INSTANCE_A_ACCEPT_NEW]));
	err = print_sessions(tb[COLLAB_INSTANCE_A_SESSIONS]);
	out_attr_line(tb, "  queue: ", queue_attrs);
	out_attr_line(tb, "  sent: ", tx_attrs);
	out_attr_line(tb, "  read: ", rx_attrs);
	out_obj_end();
	return err;
}

/* A do request for instance ID, or a dump of all when ID is NULL. */
static struct nl_msg *instance_request(const struct cnl *nl,
				       const struct collab_guid *id)
{
	struct nl_msg *msg;

	if (!id)
		return cnl_msg(nl, COLLAB_CMD_INSTANCE_GET, NLM_F_DUMP);
	msg = cnl_msg(nl, COLLAB_CMD_INSTANCE_GET, 0);
	cnl_put_nested(msg, COLLAB_A_INSTANCE, COLLAB_INSTANCE_A_ID,
		       sizeof(*id), id);
	return msg;
}

static int instance_args(int argc, char **argv, struct collab_guid *id,
			 const char **id_arg, struct instance_filter *f)
{
	struct arg args[] = {
		{ .name = "id" }, { .name = "app" }, { .name = "pid" },
		{ .name = NULL },
	};
	uint64_t pid;
	int ret;

	ret = parse_args("instance show", argc, argv, args);
	if (ret)
		return ret;
	*id_arg = args[0].val;
	f->app = args[1].val;
	if (*id_arg) {
		ret = parse_guid_arg("instance show", "id", *id_arg, id);
		if (ret)
			return ret;
	}
	if (args[2].val) {
		ret = parse_u64_arg("instance show", "pid", args[2].val,
				    UINT32_MAX, &pid);
		if (ret)
			return ret;
		f->by_pid = true;
		f->pid = (uint32_t)pid;
	}
	return CTL_OK;
}

static int instance_show(int argc, char **argv)
{
	struct instance_filter f = { .app = NULL };
	char buf[GUID_STR_LEN], noent[64];
	struct collab_guid id;
	const char *id_arg;
	struct cnl nl;
	int err;

	err = instance_args(argc, argv, &id, &id_arg, &f);
	if (err)
		return err;
	if (cnl_open(&nl))
		return CTL_FAIL;
	if (id_arg) {
		guid_str(&id, buf);
		snprintf(noent, sizeof(noent), "no instance %s on this node",
			 buf);
	}
	out_array_start(NULL);
	err = cnl_run(&nl, instance_request(&nl, id_arg ? &id : NULL),
		      instance_print, &f, "instance show",
		      id_arg ? noent : NULL);
	out_array_end();
	return out_finish(err);
}

const struct cmd instance_cmds[] = {
	{ "show", instance_show, "[id GUID] [app APP] [pid PID]",
	  "print this node's instances (bound sockets), or those that match" },
	{ .name = NULL }
};
