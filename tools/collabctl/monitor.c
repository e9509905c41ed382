// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl monitor: print the notifications of the "events" group, or
 * of the "activation" group, one line each, as they come, until SIGINT
 * or SIGTERM. The groups are an administrator's: anyone else hears, by
 * COLLAB_CMD_EVENTS_LISTEN, the events it may see.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

static const struct nla_policy top_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_INSTANCE] = { .type = NLA_NESTED },
	[COLLAB_A_SESSION] = { .type = NLA_NESTED },
	[COLLAB_A_PEER] = { .type = NLA_NESTED },
	[COLLAB_A_APP] = { .type = NLA_NESTED },
};

static const struct nla_policy instance_policy[COLLAB_INSTANCE_A_MAX + 1] = {
	[COLLAB_INSTANCE_A_ID] = CNL_POLICY_GUID,
	[COLLAB_INSTANCE_A_APP] = { .type = NLA_STRING,
				    .maxlen = COLLAB_APP_MAX },
	[COLLAB_INSTANCE_A_PID] = { .type = NLA_U32 },
	[COLLAB_INSTANCE_A_UID] = { .type = NLA_U32 },
};

static const struct nla_policy session_policy[COLLAB_SESSION_A_MAX + 1] = {
	[COLLAB_SESSION_A_ID] = CNL_POLICY_GUID,
	[COLLAB_SESSION_A_MEMBER] = { .type = NLA_NESTED },
};

static const struct nla_policy peer_policy[COLLAB_PEER_A_MAX + 1] = {
	[COLLAB_PEER_A_NODE_ID] = CNL_POLICY_GUID,
	[COLLAB_PEER_A_NODE_NAME] = { .type = NLA_STRING,
				      .maxlen = COLLAB_NODE_NAME_MAX },
	[COLLAB_PEER_A_ADDR] = { .type = NLA_UNSPEC },
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int event_instance(struct nlattr **top, const char *event)
{
	struct nlattr *tb[COLLAB_INSTANCE_A_MAX + 1];

	if (!top[COLLAB_A_INSTANCE] ||
	    cnl_parse_nested(top[COLLAB_A_INSTANCE], tb, COLLAB_INSTANCE_A_MAX,
			     instance_policy) ||
	    !tb[COLLAB_INSTANCE_A_ID])
		return -EBADMSG;
	out_obj_start(NULL);
	out_str("event", "%s", event);
	out_guid("id", " %s", nla_data(tb[COLLAB_INSTANCE_A_ID]));
	if (tb[COLLAB_INSTANCE_A_APP])
		out_str("app", ": app %s",
			nla_get_string(tb[COLLAB_INSTANCE_A_APP]));
	if (tb[COLLAB_INSTANCE_A_PID])
		out_u64("pid", " pid %s",
			nla_get_u32(tb[COLLAB_INSTANCE_A_PID]));
	if (tb[COLLAB_INSTANCE_A_UID])
		out_u64("uid", " uid %s",
			nla_get_u32(tb[COLLAB_INSTANCE_A_UID]));
	out_text("\n");
	out_obj_end();
	out_end();
	return 0;
}

/* One line for a session event, with member MEMBER if not NULL. */
static int event_member(const char *event, struct nlattr *sid,
			struct nlattr *member)
{
	struct nlattr *tb[COLLAB_INSTANCE_A_MAX + 1];

	if (member && (cnl_parse_nested(member, tb, COLLAB_INSTANCE_A_MAX,
					instance_policy) ||
		       !tb[COLLAB_INSTANCE_A_ID]))
		return -EBADMSG;
	out_obj_start(NULL);
	out_str("event", "%s", event);
	out_guid("id", " %s", nla_data(sid));
	if (member) {
		out_obj_start("member");
		out_guid("id", ": instance %s",
			 nla_data(tb[COLLAB_INSTANCE_A_ID]));
		if (tb[COLLAB_INSTANCE_A_APP])
			out_str("app", " app %s",
				nla_get_string(tb[COLLAB_INSTANCE_A_APP]));
		out_obj_end();
	}
	out_text("\n");
	out_obj_end();
	out_end();
	return 0;
}

/* One line per member the event names (the kernel names one). */
static int event_session(struct nlattr **top, const char *event)
{
	struct nlattr *tb[COLLAB_SESSION_A_MAX + 1], *a;
	int rem, err, n = 0;

	if (!top[COLLAB_A_SESSION] ||
	    cnl_parse_nested(top[COLLAB_A_SESSION], tb, COLLAB_SESSION_A_MAX,
			     session_policy) ||
	    !tb[COLLAB_SESSION_A_ID])
		return -EBADMSG;
	nla_for_each_nested(a, top[COLLAB_A_SESSION], rem) {
		if (nla_type(a) != COLLAB_SESSION_A_MEMBER)
			continue;
		err = event_member(event, tb[COLLAB_SESSION_A_ID], a);
		if (err)
			return err;
		n++;
	}
	if (!n)
		return event_member(event, tb[COLLAB_SESSION_A_ID], NULL);
	return 0;
}

/* "peer_up GUID: name NAME address ADDR:PORT" */
static int event_peer(struct nlattr **top, const char *event)
{
	struct nlattr *tb[COLLAB_PEER_A_MAX + 1];
	union sockaddr_inet sa;
	const char *name;

	if (!top[COLLAB_A_PEER] ||
	    cnl_parse_nested(top[COLLAB_A_PEER], tb, COLLAB_PEER_A_MAX,
			     peer_policy) ||
	    !tb[COLLAB_PEER_A_NODE_ID] ||
	    (tb[COLLAB_PEER_A_ADDR] && cnl_sockaddr(tb[COLLAB_PEER_A_ADDR], &sa)))
		return -EBADMSG;
	out_obj_start(NULL);
	out_str("event", "%s", event);
	out_guid("id", " %s", nla_data(tb[COLLAB_PEER_A_NODE_ID]));
	if (tb[COLLAB_PEER_A_NODE_NAME] || tb[COLLAB_PEER_A_ADDR])
		out_text(":");
	if (tb[COLLAB_PEER_A_NODE_NAME]) {
		name = nla_get_string(tb[COLLAB_PEER_A_NODE_NAME]);
		out_str("name", *name ? " name %s" : NULL, name);
	}
	if (tb[COLLAB_PEER_A_ADDR])
		out_sockaddr("address", " address %s", tb[COLLAB_PEER_A_ADDR]);
	out_text("\n");
	out_obj_end();
	out_end();
	return 0;
}

/*
 * "app_activate APP: request ID session S from NODE instance GUID"; the
 * session is all-zero for any.
 */
static int event_activate(struct nlattr **top, const char *event)
{
	struct nlattr *tb[COLLAB_APP_A_MAX + 1], *rq[COLLAB_REQ_A_MAX + 1];

	if (!top[COLLAB_A_APP] ||
	    cnl_parse_nested(top[COLLAB_A_APP], tb, COLLAB_APP_A_MAX,
			     cnl_app_policy) ||
	    !tb[COLLAB_APP_A_NAME] || !tb[COLLAB_APP_A_REQUEST] ||
	    cnl_parse_nested(tb[COLLAB_APP_A_REQUEST], rq, COLLAB_REQ_A_MAX,
			     cnl_req_policy) ||
	    !rq[COLLAB_REQ_A_ID] || !rq[COLLAB_REQ_A_SESSION] ||
	    !rq[COLLAB_REQ_A_SRC_NODE] || !rq[COLLAB_REQ_A_SRC_ID])
		return -EBADMSG;
	out_obj_start(NULL);
	out_str("event", "%s", event);
	out_str("app", " %s:", nla_get_string(tb[COLLAB_APP_A_NAME]));
	out_u64("request", " request %s", nla_get_u64(rq[COLLAB_REQ_A_ID]));
	out_guid("session", " session %s", nla_data(rq[COLLAB_REQ_A_SESSION]));
	out_guid("src_node", " from %s", nla_data(rq[COLLAB_REQ_A_SRC_NODE]));
	out_guid("src_id", " instance %s", nla_data(rq[COLLAB_REQ_A_SRC_ID]));
	out_text("\n");
	out_obj_end();
	out_end();
	return 0;
}

/* "instance_conflict GUID: app APP claimed by peer NODE" */
static int event_conflict(struct nlattr **top, const char *event)
{
	struct nlattr *inst[COLLAB_INSTANCE_A_MAX + 1];
	struct nlattr *peer[COLLAB_PEER_A_MAX + 1];

	if (!top[COLLAB_A_INSTANCE] || !top[COLLAB_A_PEER] ||
	    cnl_parse_nested(top[COLLAB_A_INSTANCE], inst,
			     COLLAB_INSTANCE_A_MAX, instance_policy) ||
	    cnl_parse_nested(top[COLLAB_A_PEER], peer, COLLAB_PEER_A_MAX,
			     peer_policy) ||
	    !inst[COLLAB_INSTANCE_A_ID] || !inst[COLLAB_INSTANCE_A_APP] ||
	    !peer[COLLAB_PEER_A_NODE_ID])
		return -EBADMSG;
	out_obj_start(NULL);
	out_str("event", "%s", event);
	out_guid("id", " %s", nla_data(inst[COLLAB_INSTANCE_A_ID]));
	out_str("app", ": app %s", nla_get_string(inst[COLLAB_INSTANCE_A_APP]));
	out_guid("peer", " claimed by peer %s",
		 nla_data(peer[COLLAB_PEER_A_NODE_ID]));
	out_text("\n");
	out_obj_end();
	out_end();
	return 0;
}

static int event_print(uint8_t cmd, struct nlattr **top, const char *event)
{
	switch (cmd) {
	case COLLAB_CMD_INSTANCE_CONFLICT:
		return event_conflict(top, event);
	case COLLAB_CMD_INSTANCE_NEW:
	case COLLAB_CMD_INSTANCE_DEL:
		return event_instance(top, event);
	case COLLAB_CMD_PEER_UP:
	case COLLAB_CMD_PEER_DOWN:
		return event_peer(top, event);
	case COLLAB_CMD_APP_ACTIVATE:
		return event_activate(top, event);
	}
	return event_session(top, event);
}

static const char *const event_names[COLLAB_CMD_MAX + 1] = {
	[COLLAB_CMD_INSTANCE_NEW] = "instance_new",
	[COLLAB_CMD_INSTANCE_DEL] = "instance_del",
	[COLLAB_CMD_SESSION_JOIN] = "session_join",
	[COLLAB_CMD_SESSION_LEAVE] = "session_leave",
	[COLLAB_CMD_PEER_UP] = "peer_up",
	[COLLAB_CMD_PEER_DOWN] = "peer_down",
	[COLLAB_CMD_INSTANCE_CONFLICT] = "instance_conflict",
	[COLLAB_CMD_APP_ACTIVATE] = "app_activate",
};

/* Notifications of kinds this collabctl does not know are left out. */
static int monitor_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *top[COLLAB_A_MAX + 1];
	uint8_t cmd = cnl_cmd(msg);
	const char *event;
	int err;

	(void)arg;
	event = cmd <= COLLAB_CMD_MAX ? event_names[cmd] : NULL;
	if (!event)
		return NL_OK;
	err = cnl_parse(msg, top, COLLAB_A_MAX, top_policy);
	if (!err)
		err = event_print(cmd, top, event);
	if (err) {
		out_discard();
		ctl_error("monitor: malformed %s notification left out", event);
	}
	return NL_OK;
}

static int monitor_loop(struct cnl *nl, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = cnl_fd(nl), .events = POLLIN };
	int err;

	while (!stop) {
		if (ppoll(&pfd, 1, NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			return ctl_error("monitor: poll: %s", strerror(errno));
		}
		err = cnl_read(nl, monitor_event, NULL);
		if (err == -ENOBUFS)
			ctl_error("monitor: events were lost: the socket's receive buffer overflowed");
		else if (err)
			return cnl_fail(nl, err, "monitor");
	}
	return CTL_OK;
}

/*
 * Print the events of GROUP; with LISTEN, when the group is only for an
 * administrator, those of its events the caller may see.
 */
static int monitor_group(const char *cmd, const char *group, bool listen,
			 int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	struct cnl nl;
	int ret;

	if (parse_no_args(cmd, argc, argv))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	/* One event per line, even with -p. */
	out_setup(out_json(), false);
	ret = cnl_subscribe(&nl, group, listen);
	if (ret == -EPERM)
		ret = cnl_listen(&nl, monitor_event, NULL, cmd);
	if (ret)
		goto out_close;

	/* Signals only interrupt the wait: none is missed or half-handled. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = monitor_loop(&nl, &orig);
	sigprocmask(SIG_SETMASK, &orig, NULL);

out_close:
	cnl_close(&nl);
	return ret;
}

static int monitor_events(int argc, char **argv)
{
	return monitor_group("monitor events", COLLAB_GENL_MCGRP_EVENTS, true,
			     argc, argv);
}

static int monitor_activation(int argc, char **argv)
{
	return monitor_group("monitor activation",
			     COLLAB_GENL_MCGRP_ACTIVATION, false, argc, argv);
}

const struct cmd monitor_cmds[] = {
	{ "events", monitor_events, "",
	  "print instance, session, peer and conflict events as they happen, one a line; without CAP_NET_ADMIN, peer events and those of your own instances" },
	{ "activation", monitor_activation, "",
	  "print requests to start an instance of an activatable type; needs CAP_NET_ADMIN" },
	{ .name = NULL }
};
