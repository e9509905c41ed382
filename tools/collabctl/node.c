// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl node: the node's id, name and address family number, and the
 * settings of its links to peers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

static const struct nla_policy node_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_NODE_ID] = CNL_POLICY_GUID,
	[COLLAB_A_NODE_NAME] = { .type = NLA_STRING,
				 .maxlen = COLLAB_NODE_NAME_MAX },
	[COLLAB_A_FAMILY] = { .type = NLA_U32 },
	[COLLAB_A_TOLERANCE_MS] = { .type = NLA_U32 },
	[COLLAB_A_STORE_LIFETIME_MS] = { .type = NLA_U32 },
	[COLLAB_A_STORE_MAX_MSGS] = { .type = NLA_U32 },
	[COLLAB_A_ROUTE_PEER_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_ROUTE_NET_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_RX_PEER_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_RX_NET_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_HOLD_SOCK_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_HOLD_NET_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_ACT_NET_BYTES] = { .type = NLA_U32 },
};

/*
 * The link settings, each a u32: "node set" takes them by these keywords,
 * "node show" prints them on one line, when the kernel has them.
 */
#define NODE_SETTINGS	10

static const char *const setting_args[NODE_SETTINGS] = {
	"tolerance", "lifetime", "store", "routes", "routes-all", "rx",
	"rx-all", "hold", "hold-all", "activation-all",
};

static const struct out_attr setting_attrs[NODE_SETTINGS + 1] = {
	OUT_NUM(COLLAB_A_TOLERANCE_MS, "tolerance_ms", "tolerance %s ms"),
	OUT_NUM(COLLAB_A_STORE_LIFETIME_MS, "store_lifetime_ms",
		"lifetime %s ms"),
	OUT_NUM(COLLAB_A_STORE_MAX_MSGS, "store_max_msgs", "store %s messages"),
	OUT_NUM(COLLAB_A_ROUTE_PEER_BYTES, "route_peer_bytes",
		"routes %s bytes per peer"),
	OUT_NUM(COLLAB_A_ROUTE_NET_BYTES, "route_net_bytes", "%s in all"),
	OUT_NUM(COLLAB_A_RX_PEER_BYTES, "rx_peer_bytes",
		"rx %s bytes per peer"),
	OUT_NUM(COLLAB_A_RX_NET_BYTES, "rx_net_bytes", "%s in all"),
	OUT_NUM(COLLAB_A_HOLD_SOCK_BYTES, "hold_sock_bytes",
		"hold %s bytes per receiver"),
	OUT_NUM(COLLAB_A_HOLD_NET_BYTES, "hold_net_bytes", "%s in all"),
	OUT_NUM(COLLAB_A_ACT_NET_BYTES, "act_net_bytes",
		"activation %s bytes in all"),
	OUT_END
};

/* What "node set" changes: what it was given. */
struct node_set {
	const char *id_arg;
	const char *name;
	struct collab_guid id;
	bool has[NODE_SETTINGS];
	uint32_t val[NODE_SETTINGS];
};

static int node_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[COLLAB_A_MAX + 1];
	const char *name;

	(void)arg;
	if (cnl_parse(msg, tb, COLLAB_A_MAX, node_policy) ||
	    !tb[COLLAB_A_NODE_ID])
		return -EBADMSG;

	out_obj_start(NULL);
	out_guid("id", "node %s\n", nla_data(tb[COLLAB_A_NODE_ID]));
	if (tb[COLLAB_A_NODE_NAME]) {
		name = nla_get_string(tb[COLLAB_A_NODE_NAME]);
		out_str("name", *name ? "  name %s\n" : NULL, name);
	}
	if (tb[COLLAB_A_FAMILY])
		out_u64("family", "  family %s\n",
			nla_get_u32(tb[COLLAB_A_FAMILY]));
	out_attr_line(tb, "  ", setting_attrs);
	out_obj_end();
	return 0;
}

static int node_show(int argc, char **argv)
{
	struct cnl nl;

	if (parse_no_args("node show", argc, argv))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	return out_finish(cnl_run(&nl, cnl_msg(&nl, COLLAB_CMD_NODE_GET, 0),
				  node_print, NULL, "node show", NULL));
}

static int node_set_id(struct node_set *set)
{
	int ret;

	ret = parse_guid_arg("node set", "id", set->id_arg, &set->id);
	if (ret)
		return ret;
	if (guid_is_zero(&set->id))
		return ctl_usage_error("node set",
				       "the node id cannot be zero");
	return CTL_OK;
}

static int node_set_settings(const struct arg *args, struct node_set *set)
{
	uint64_t v;
	int i, ret;

	for (i = 0; i < NODE_SETTINGS; i++) {
		if (!args[i].val)
			continue;
		ret = parse_u64_arg("node set", args[i].name, args[i].val,
				    UINT32_MAX, &v);
		if (ret)
			return ret;
		set->has[i] = true;
		set->val[i] = (uint32_t)v;
	}
	return CTL_OK;
}

static int node_set_args(int argc, char **argv, struct node_set *set)
{
	struct arg args[3 + NODE_SETTINGS] = {
		{ .name = "id" }, { .name = "name" },
	};
	int i, ret;

	for (i = 0; i < NODE_SETTINGS; i++)
		args[2 + i].name = setting_args[i];
	ret = parse_args("node set", argc, argv, args);
	if (ret)
		return ret;
	if (!argc)
		return ctl_usage_error("node set",
				       "give at least one of id, name, tolerance, lifetime, store, routes, routes-all, rx, rx-all, hold, hold-all, activation-all");
	set->id_arg = args[0].val;
	set->name = args[1].val;
	if (set->id_arg) {
		ret = node_set_id(set);
		if (ret)
			return ret;
	}
	if (set->name && strlen(set->name) >= COLLAB_NODE_NAME_MAX)
		return ctl_usage_error("node set",
				       "name '%s' is longer than %d characters",
				       set->name, COLLAB_NODE_NAME_MAX - 1);
	return node_set_settings(args + 2, set);
}

static int node_set(int argc, char **argv)
{
	struct node_set set = { .id_arg = NULL };
	struct nl_msg *msg;
	struct cnl nl;
	int i, err;

	err = node_set_args(argc, argv, &set);
	if (err)
		return err;
	if (cnl_open(&nl))
		return CTL_FAIL;
	msg = cnl_msg(&nl, COLLAB_CMD_NODE_SET, 0);
	if (set.id_arg)
		cnl_put(msg, COLLAB_A_NODE_ID, sizeof(set.id), &set.id);
	if (set.name)
		cnl_put(msg, COLLAB_A_NODE_NAME, strlen(set.name) + 1,
			set.name);
	for (i = 0; i < NODE_SETTINGS; i++)
		if (set.has[i])
			cnl_put_u32(msg, setting_attrs[i].type, set.val[i]);
	return cnl_run(&nl, msg, NULL, NULL, "node set", NULL);
}

const struct cmd node_cmds[] = {
	{ "show", node_show, "",
	  "print the node's id, name, address family number and link settings" },
	{ "set", node_set,
	  "[id GUID] [name NAME] [tolerance MS] [lifetime MS] [store N] [routes BYTES] [routes-all BYTES] [rx BYTES] [rx-all BYTES] [hold BYTES] [hold-all BYTES] [activation-all BYTES]",
	  "change the node's id, name or link settings; needs CAP_NET_ADMIN" },
	{ .name = NULL }
};
