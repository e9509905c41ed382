// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl session: the sessions that have members on this node.
 *
 * The kernel splits a session with many members over consecutive messages
 * with the same session id; they are shown as one session.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

static const struct nla_policy session_policy[COLLAB_SESSION_A_MAX + 1] = {
	[COLLAB_SESSION_A_ID] = CNL_POLICY_GUID,
	[COLLAB_SESSION_A_MEMBER_COUNT] = { .type = NLA_U32 },
	[COLLAB_SESSION_A_MEMBER] = { .type = NLA_NESTED },
};

static const struct nla_policy member_policy[COLLAB_INSTANCE_A_MAX + 1] = {
	[COLLAB_INSTANCE_A_ID] = CNL_POLICY_GUID,
	[COLLAB_INSTANCE_A_APP] = { .type = NLA_STRING,
				    .maxlen = COLLAB_APP_MAX },
};

/* The session being printed, still open for members of its next message. */
struct session_walk {
	struct collab_guid id;
	bool open;
	unsigned int shown;
};

static void session_open(struct session_walk *w, const struct collab_guid *id,
			 struct nlattr *count)
{
	uint32_t n;

	if (w->shown++)
		out_text("\n");
	out_obj_start(NULL);
	out_guid("id", "session %s", id);
	if (count) {
		n = nla_get_u32(count);
		out_u64("member_count", n == 1 ? ": %s member" : ": %s members",
			n);
	}
	out_text("\n");
	out_array_start("members");
	w->id = *id;
	w->open = true;
}

static void session_close(struct session_walk *w)
{
	if (!w->open)
		return;
	out_array_end();
	out_obj_end();
	w->open = false;
}

static int print_member(struct nlattr *nest)
{
	struct nlattr *tb[COLLAB_INSTANCE_A_MAX + 1];

	if (cnl_parse_nested(nest, tb, COLLAB_INSTANCE_A_MAX, member_policy) ||
	    !tb[COLLAB_INSTANCE_A_ID])
		return -EBADMSG;
	out_obj_start(NULL);
	out_guid("id", "  instance %s", nla_data(tb[COLLAB_INSTANCE_A_ID]));
	if (tb[COLLAB_INSTANCE_A_APP])
		out_str("app", " app %s",
			nla_get_string(tb[COLLAB_INSTANCE_A_APP]));
	out_text("\n");
	out_obj_end();
	return 0;
}

static int session_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[COLLAB_SESSION_A_MAX + 1], *nest, *a;
	struct session_walk *w = arg;
	const struct collab_guid *id;
	int rem, err;

	nest = cnl_parse_object(msg, COLLAB_A_SESSION, tb, COLLAB_SESSION_A_MAX,
				session_policy);
	if (!nest || !tb[COLLAB_SESSION_A_ID])
		return -EBADMSG;
	id = nla_data(tb[COLLAB_SESSION_A_ID]);
	if (!w->open || memcmp(&w->id, id, sizeof(*id))) {
		session_close(w);
		session_open(w, id, tb[COLLAB_SESSION_A_MEMBER_COUNT]);
	}
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != COLLAB_SESSION_A_MEMBER)
			continue;
		err = print_member(a);
		if (err)
			return err;
	}
	return 0;
}

/* A dump of every session, or of session ID only. */
static struct nl_msg *session_request(const struct cnl *nl,
				      const struct collab_guid *id)
{
	struct nl_msg *msg;

	msg = cnl_msg(nl, COLLAB_CMD_SESSION_GET, NLM_F_DUMP);
	if (id)
		cnl_put_nested(msg, COLLAB_A_SESSION, COLLAB_SESSION_A_ID,
			       sizeof(*id), id);
	return msg;
}

static int session_show(int argc, char **argv)
{
	struct session_walk w = { .open = false };
	char buf[GUID_STR_LEN];
	struct collab_guid id;
	const char *id_arg;
	struct cnl nl;
	int err;

	err = parse_id_args("session show", argc, argv, &id, &id_arg);
	if (err)
		return err;
	if (cnl_open(&nl))
		return CTL_FAIL;
	out_array_start(NULL);
	err = cnl_run(&nl, session_request(&nl, id_arg ? &id : NULL),
		      session_print, &w, "session show", NULL);
	session_close(&w);
	out_array_end();
	if (!err && id_arg && !w.shown) {
		guid_str(&id, buf);
		err = ctl_error("session show: no session %s on this node",
				buf);
	}
	return out_finish(err);
}

const struct cmd session_cmds[] = {
	{ "show", session_show, "[id GUID]",
	  "print the sessions with members on this node, or session GUID" },
	{ .name = NULL }
};
