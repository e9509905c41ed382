// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl node: the node's id, name and address family number.
 */
#include <errno.h>
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
	out_obj_end();
	return 0;
}

static int node_show(int argc, char **argv)
{
	struct cnl nl;
	int err;

	if (argc > 0)
		return ctl_usage_error("node show", "unknown argument '%s'",
				       argv[0]);
	if (cnl_open(&nl))
		return CTL_FAIL;
	err = cnl_request(&nl, cnl_msg(&nl, COLLAB_CMD_NODE_GET, 0),
			  node_print, NULL);
	if (err) {
		out_discard();
		err = cnl_fail(&nl, err, "node show");
	} else {
		out_end();
	}
	cnl_close(&nl);
	return err;
}

static int node_set_args(int argc, char **argv, struct collab_guid *id,
			 const char **id_arg, const char **name)
{
	struct arg args[] = {
		{ .name = "id" }, { .name = "name" }, { .name = NULL },
	};
	int ret;

	ret = parse_args("node set", argc, argv, args);
	if (ret)
		return ret;
	*id_arg = args[0].val;
	*name = args[1].val;
	if (!*id_arg && !*name)
		return ctl_usage_error("node set",
				       "give an id, a name or both");
	if (*id_arg) {
		ret = parse_guid_arg("node set", "id", *id_arg, id);
		if (ret)
			return ret;
		if (guid_is_zero(id))
			return ctl_usage_error("node set",
					       "the node id cannot be zero");
	}
	if (*name && strlen(*name) >= COLLAB_NODE_NAME_MAX)
		return ctl_usage_error("node set",
				       "name '%s' is longer than %d characters",
				       *name, COLLAB_NODE_NAME_MAX - 1);
	return CTL_OK;
}

static int node_set(int argc, char **argv)
{
	const char *id_arg, *name;
	struct collab_guid id;
	struct nl_msg *msg;
	struct cnl nl;
	int err;

	err = node_set_args(argc, argv, &id, &id_arg, &name);
	if (err)
		return err;
	if (cnl_open(&nl))
		return CTL_FAIL;
	msg = cnl_msg(&nl, COLLAB_CMD_NODE_SET, 0);
	if ((id_arg && nla_put(msg, COLLAB_A_NODE_ID, sizeof(id), &id)) ||
	    (name && nla_put_string(msg, COLLAB_A_NODE_NAME, name)))
		ctl_nomem();
	err = cnl_request(&nl, msg, NULL, NULL);
	if (err)
		err = cnl_fail(&nl, err, "node set");
	cnl_close(&nl);
	return err;
}

const struct cmd node_cmds[] = {
	{ "show", node_show, "",
	  "print the node's id, name and address family number" },
	{ "set", node_set, "[id GUID] [name NAME]",
	  "change the node's id or name, or both; needs CAP_NET_ADMIN" },
	{ .name = NULL }
};
