// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl app: activatable and reserved application types. A message
 * for an activatable type that no instance takes waits, and an activator
 * (collabd) starts one; a reserved type is bound only by its user, the
 * members of its group and administrators. "app" shows the types with
 * the requests that wait and their owners, registers and withdraws them,
 * reports a request the activator could not start, and reserves types.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

const struct nla_policy cnl_app_policy[COLLAB_APP_A_MAX + 1] = {
	[COLLAB_APP_A_NAME] = { .type = NLA_STRING, .maxlen = COLLAB_APP_MAX },
	[COLLAB_APP_A_POLICY] = { .type = NLA_U8 },
	[COLLAB_APP_A_TIMEOUT_MS] = { .type = NLA_U32 },
	[COLLAB_APP_A_HOLD_BYTES] = { .type = NLA_U32 },
	[COLLAB_APP_A_HELD_MSGS] = { .type = NLA_U32 },
	[COLLAB_APP_A_HELD_BYTES] = { .type = NLA_U32 },
	[COLLAB_APP_A_ACTIVATIONS] = { .type = NLA_U64 },
	[COLLAB_APP_A_DELIVERED] = { .type = NLA_U64 },
	[COLLAB_APP_A_DROPPED] = { .type = NLA_U64 },
	[COLLAB_APP_A_REQUEST] = { .type = NLA_NESTED },
	[COLLAB_APP_A_RESERVE_UID] = { .type = NLA_U32 },
	[COLLAB_APP_A_RESERVE_GID] = { .type = NLA_U32 },
};

const struct nla_policy cnl_req_policy[COLLAB_REQ_A_MAX + 1] = {
	[COLLAB_REQ_A_ID] = { .type = NLA_U64 },
	[COLLAB_REQ_A_SESSION] = CNL_POLICY_GUID,
	[COLLAB_REQ_A_SRC_NODE] = CNL_POLICY_GUID,
	[COLLAB_REQ_A_SRC_ID] = CNL_POLICY_GUID,
	[COLLAB_REQ_A_AGE_MS] = { .type = NLA_U32 },
	[COLLAB_REQ_A_HELD_MSGS] = { .type = NLA_U32 },
};

static const char *const policy_names[] = {
	[COLLAB_APP_SHARED] = "shared",
	[COLLAB_APP_PER_SESSION] = "per-session",
};

static const struct out_attr setting_attrs[] = {
	OUT_NUM(COLLAB_APP_A_TIMEOUT_MS, "timeout_ms", "timeout %s ms"),
	OUT_NUM(COLLAB_APP_A_HOLD_BYTES, "hold_bytes", "hold %s bytes"),
	OUT_END
};

static const struct out_attr held_attrs[] = {
	OUT_NUM(COLLAB_APP_A_HELD_MSGS, "held_msgs", "%s messages"),
	OUT_NUM(COLLAB_APP_A_HELD_BYTES, "held_bytes", "%s bytes"),
	OUT_END
};

static const struct out_attr count_attrs[] = {
	OUT_NUM(COLLAB_APP_A_ACTIVATIONS, "activations", "%s activations"),
	OUT_NUM(COLLAB_APP_A_DELIVERED, "delivered", "%s delivered"),
	OUT_NUM(COLLAB_APP_A_DROPPED, "dropped", "%s dropped"),
	OUT_END
};

static const struct out_attr req_attrs[] = {
	OUT_NUM(COLLAB_REQ_A_HELD_MSGS, "held_msgs", "%s messages"),
	OUT_NUM(COLLAB_REQ_A_AGE_MS, "age_ms", "for %s ms"),
	OUT_END
};

/* "  request ID: session S, from NODE instance GUID, N messages, for N ms" */
static int print_request(struct nlattr *nest)
{
	struct nlattr *tb[COLLAB_REQ_A_MAX + 1];
	const struct collab_guid *session;

	if (cnl_parse_nested(nest, tb, COLLAB_REQ_A_MAX, cnl_req_policy) ||
	    !tb[COLLAB_REQ_A_ID])
		return -EBADMSG;
	out_obj_start(NULL);
	out_u64("id", "  request %s:", nla_get_u64(tb[COLLAB_REQ_A_ID]));
	if (tb[COLLAB_REQ_A_SESSION]) {
		session = nla_data(tb[COLLAB_REQ_A_SESSION]);
		if (guid_is_zero(session))
			out_text(" any session,");
		else
			out_guid("session", " session %s,", session);
	}
	if (tb[COLLAB_REQ_A_SRC_NODE])
		out_guid("src_node", " from %s",
			 nla_data(tb[COLLAB_REQ_A_SRC_NODE]));
	if (tb[COLLAB_REQ_A_SRC_ID])
		out_guid("src_id", " instance %s,",
			 nla_data(tb[COLLAB_REQ_A_SRC_ID]));
	out_attr_line(tb, " ", req_attrs);
	out_obj_end();
	return 0;
}

/*
 * One message of a type: its settings and counters, then its requests.
 * A type with many requests spans several messages: later ones add
 * requests to the type printed first.
 */
struct app_show {
	unsigned int shown;
	char last[COLLAB_APP_MAX];
	bool in_requests;
};

/*
 * "  reserved for user NAME (UID)", or group; the name when this host
 * knows the id. JSON has the id alone.
 */
static void print_owner(struct nlattr **tb)
{
	const struct group *gr = NULL;
	const struct passwd *pw = NULL;
	const char *name = NULL;
	uint32_t id;

	if (tb[COLLAB_APP_A_RESERVE_UID]) {
		id = nla_get_u32(tb[COLLAB_APP_A_RESERVE_UID]);
		pw = getpwuid(id);
		name = pw ? pw->pw_name : NULL;
		out_text("  reserved for user ");
	} else if (tb[COLLAB_APP_A_RESERVE_GID]) {
		id = nla_get_u32(tb[COLLAB_APP_A_RESERVE_GID]);
		gr = getgrgid(id);
		name = gr ? gr->gr_name : NULL;
		out_text("  reserved for group ");
	} else {
		return;
	}
	if (name)
		out_text("%s (", name);
	out_u64(tb[COLLAB_APP_A_RESERVE_UID] ? "reserve_uid" : "reserve_gid",
		"%s", id);
	out_text(name ? ")\n" : "\n");
}

static void print_type(struct nlattr **tb)
{
	uint8_t policy;

	out_str("name", "app %s", nla_get_string(tb[COLLAB_APP_A_NAME]));
	if (tb[COLLAB_APP_A_POLICY]) {
		policy = nla_get_u8(tb[COLLAB_APP_A_POLICY]);
		out_str("policy", ": %s",
			policy <= COLLAB_APP_PER_SESSION ?
			policy_names[policy] : "unknown");
	}
	out_text("\n");
	print_owner(tb);
	out_attr_line(tb, "  ", setting_attrs);
	out_attr_line(tb, "  waiting: ", held_attrs);
	out_attr_line(tb, "  ", count_attrs);
}

static int app_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[COLLAB_APP_A_MAX + 1], *nest, *a;
	struct app_show *show = arg;
	const char *name;
	int rem, err = 0;

	nest = cnl_parse_object(msg, COLLAB_A_APP, tb, COLLAB_APP_A_MAX,
				cnl_app_policy);
	if (!nest || !tb[COLLAB_APP_A_NAME])
		return -EBADMSG;
	name = nla_get_string(tb[COLLAB_APP_A_NAME]);
	if (!show->shown || strncmp(name, show->last, COLLAB_APP_MAX)) {
		if (show->in_requests)
			out_array_end();
		if (show->shown++) {
			out_obj_end();
			out_text("\n");
		}
		out_obj_start(NULL);
		print_type(tb);
		snprintf(show->last, sizeof(show->last), "%s", name);
		out_array_start("requests");
		show->in_requests = true;
	}
	nla_for_each_nested(a, nest, rem)
		if (nla_type(a) == COLLAB_APP_A_REQUEST && !err)
			err = print_request(a);
	return err;
}

static void app_show_end(struct app_show *show)
{
	if (show->in_requests)
		out_array_end();
	if (show->shown)
		out_obj_end();
}

/* A request of CMD whose COLLAB_A_APP nest names type NAME. */
static struct nl_msg *app_request(const struct cnl *nl, uint8_t cmd,
				  int flags, const char *name,
				  struct nlattr **nest)
{
	struct nl_msg *msg = cnl_msg(nl, cmd, flags);

	*nest = cnl_nest_start(msg, COLLAB_A_APP);
	cnl_put(msg, COLLAB_APP_A_NAME, strlen(name) + 1, name);
	return msg;
}

static int check_name(const char *cmd, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < len; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			break;
	if (!len || len >= COLLAB_APP_MAX || i < len)
		return ctl_usage_error(cmd,
				       "application type '%s': give 1 to %d printable characters",
				       name, COLLAB_APP_MAX - 1);
	return CTL_OK;
}

static int app_show(int argc, char **argv)
{
	struct app_show show = { .shown = 0 };
	struct nlattr *nest;
	struct nl_msg *msg;
	char noent[COLLAB_APP_MAX + 48];
	struct cnl nl;
	int err;

	if (argc > 1)
		return ctl_usage_error("app show", "give one application type at most");
	if (argc && check_name("app show", argv[0]))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	if (argc) {
		msg = app_request(&nl, COLLAB_CMD_APP_GET, 0, argv[0], &nest);
		nla_nest_end(msg, nest);
		snprintf(noent, sizeof(noent),
			 "%s is neither activatable nor reserved", argv[0]);
	} else {
		msg = cnl_msg(&nl, COLLAB_CMD_APP_GET, NLM_F_DUMP);
	}
	out_array_start(NULL);
	err = cnl_run(&nl, msg, app_print, &show, "app show",
		      argc ? noent : NULL);
	app_show_end(&show);
	out_array_end();
	return out_finish(err);
}

static int parse_policy(const char *s, uint8_t *policy)
{
	size_t i;

	for (i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++)
		if (!strcmp(s, policy_names[i])) {
			*policy = i;
			return CTL_OK;
		}
	return ctl_usage_error("app add",
			       "policy '%s': give shared or per-session", s);
}

static int app_add(int argc, char **argv)
{
	struct arg args[] = {
		{ .name = "policy" }, { .name = "timeout" }, { .name = "hold" },
		{ .name = NULL },
	};
	uint64_t timeout = 0, hold = 0;
	struct nlattr *nest;
	struct nl_msg *msg;
	uint8_t policy = 0;
	struct cnl nl;

	if (argc < 1)
		return ctl_usage_error("app add", "which application type?");
	if (check_name("app add", argv[0]) ||
	    parse_args("app add", argc - 1, argv + 1, args) ||
	    (args[0].val && parse_policy(args[0].val, &policy)) ||
	    (args[1].val && parse_u64_arg("app add", "timeout", args[1].val,
					  COLLAB_APP_TIMEOUT_MAX_MS, &timeout)) ||
	    (args[2].val && parse_u64_arg("app add", "hold", args[2].val,
					  UINT32_MAX, &hold)))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	msg = app_request(&nl, COLLAB_CMD_APP_ADD, 0, argv[0], &nest);
	if (args[0].val)
		cnl_put(msg, COLLAB_APP_A_POLICY, sizeof(policy), &policy);
	if (args[1].val)
		cnl_put_u32(msg, COLLAB_APP_A_TIMEOUT_MS, timeout);
	if (args[2].val)
		cnl_put_u32(msg, COLLAB_APP_A_HOLD_BYTES, hold);
	nla_nest_end(msg, nest);
	return cnl_run(&nl, msg, NULL, NULL, "app add", NULL);
}

static int app_del(int argc, char **argv)
{
	char noent[COLLAB_APP_MAX + 40];
	struct nlattr *nest;
	struct nl_msg *msg;
	struct cnl nl;

	if (parse_one_arg("app del", "application type", argc, argv) ||
	    check_name("app del", argv[0]))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	msg = app_request(&nl, COLLAB_CMD_APP_DEL, 0, argv[0], &nest);
	nla_nest_end(msg, nest);
	snprintf(noent, sizeof(noent), "%s is not activatable", argv[0]);
	return cnl_run(&nl, msg, NULL, NULL, "app del", noent);
}

static int app_fail(int argc, char **argv)
{
	struct arg args[] = { { .name = "errno" }, { .name = NULL } };
	struct nlattr *nest, *req;
	uint64_t id, err_no = 0;
	struct nl_msg *msg;
	struct cnl nl;

	if (argc < 2)
		return ctl_usage_error("app fail",
				       "give the application type and the request id");
	if (check_name("app fail", argv[0]) ||
	    parse_u64_arg("app fail", "request", argv[1], UINT64_MAX, &id) ||
	    parse_args("app fail", argc - 2, argv + 2, args) ||
	    (args[0].val && parse_u64_arg("app fail", "errno", args[0].val,
					  4095, &err_no)))
		return CTL_USAGE;
	if (args[0].val && !err_no)
		return ctl_usage_error("app fail", "errno must be 1 to 4095");
	if (cnl_open(&nl))
		return CTL_FAIL;
	msg = app_request(&nl, COLLAB_CMD_APP_FAIL, 0, argv[0], &nest);
	req = cnl_nest_start(msg, COLLAB_APP_A_REQUEST);
	cnl_put(msg, COLLAB_REQ_A_ID, sizeof(id), &id);
	if (err_no)
		cnl_put_u32(msg, COLLAB_REQ_A_ERRNO, err_no);
	nla_nest_end(msg, req);
	nla_nest_end(msg, nest);
	return cnl_run(&nl, msg, NULL, NULL, "app fail",
		       "no such request: an instance came, or it timed out");
}

/*
 * The id of user (or group) S, a name or else a number, into *ID; the
 * name wins, as for chown(1). (uid_t)-1 is no id.
 */
static int parse_owner(const char *kind, const char *s, bool group,
		       uint32_t *id)
{
	const struct passwd *pw;
	const struct group *gr;
	uint64_t v;

	if (group) {
		gr = getgrnam(s);
		if (gr) {
			*id = gr->gr_gid;
			return CTL_OK;
		}
	} else {
		pw = getpwnam(s);
		if (pw) {
			*id = pw->pw_uid;
			return CTL_OK;
		}
	}
	if (!parse_u64(s, UINT32_MAX - 1, &v)) {
		*id = (uint32_t)v;
		return CTL_OK;
	}
	return ctl_usage_error("app reserve",
			       "no such %s '%s': give a name or a number", kind,
			       s);
}

static int app_reserve(int argc, char **argv)
{
	struct arg args[] = {
		{ .name = "user" }, { .name = "group" }, { .name = NULL },
	};
	struct nlattr *nest;
	struct nl_msg *msg;
	uint32_t id = 0;
	struct cnl nl;
	bool group;

	if (argc < 1)
		return ctl_usage_error("app reserve", "which application type?");
	if (check_name("app reserve", argv[0]) ||
	    parse_args("app reserve", argc - 1, argv + 1, args))
		return CTL_USAGE;
	if (!args[0].val == !args[1].val)
		return ctl_usage_error("app reserve",
				       "give 'user USER' or 'group GROUP', one of them");
	group = args[1].val != NULL;
	if (parse_owner(group ? "group" : "user",
			group ? args[1].val : args[0].val, group, &id))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	msg = app_request(&nl, COLLAB_CMD_APP_RESERVE, 0, argv[0], &nest);
	cnl_put_u32(msg, group ? COLLAB_APP_A_RESERVE_GID :
		    COLLAB_APP_A_RESERVE_UID, id);
	nla_nest_end(msg, nest);
	return cnl_run(&nl, msg, NULL, NULL, "app reserve", NULL);
}

static int app_unreserve(int argc, char **argv)
{
	char noent[COLLAB_APP_MAX + 40];
	struct nlattr *nest;
	struct nl_msg *msg;
	struct cnl nl;

	if (parse_one_arg("app unreserve", "application type", argc, argv) ||
	    check_name("app unreserve", argv[0]))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	msg = app_request(&nl, COLLAB_CMD_APP_UNRESERVE, 0, argv[0], &nest);
	nla_nest_end(msg, nest);
	snprintf(noent, sizeof(noent), "%s is not reserved", argv[0]);
	return cnl_run(&nl, msg, NULL, NULL, "app unreserve", noent);
}

const struct cmd app_cmds[] = {
	{ "show", app_show, "[APP]",
	  "print the activatable and reserved application types, the requests that wait and the owners" },
	{ "add", app_add,
	  "APP [policy shared|per-session] [timeout MS] [hold BYTES]",
	  "make APP activatable, or change its settings; needs CAP_NET_ADMIN" },
	{ "del", app_del, "APP",
	  "withdraw APP; the messages that wait for it are refused; needs CAP_NET_ADMIN" },
	{ "fail", app_fail, "APP REQUEST [errno N]",
	  "refuse what waits for REQUEST now (ECONNREFUSED, or errno N); needs CAP_NET_ADMIN" },
	{ "reserve", app_reserve, "APP user USER|group GROUP",
	  "let only USER, or members of GROUP, and administrators bind APP; needs CAP_NET_ADMIN" },
	{ "unreserve", app_unreserve, "APP",
	  "let anyone bind APP again; needs CAP_NET_ADMIN" },
	{ .name = NULL }
};
