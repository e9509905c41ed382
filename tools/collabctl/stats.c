// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl stats: the object counts and message counters of this node,
 * the same names and values as /proc/net/collab.
 */
#include <errno.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

static const struct nla_policy top_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_STATS] = { .type = NLA_NESTED },
};

/* Counters this collabctl does not know are left out. */
static const char *const stat_names[COLLAB_STATS_A_MAX + 1] = {
#define COLLAB_STAT(name, str, type) \
	[COLLAB_STATS_A_##name] = #str,
#include <linux/collab_stats.h>
#undef COLLAB_STAT
};

static int stats_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *top[COLLAB_A_MAX + 1], *a;
	const char *name;
	int rem, type;

	(void)arg;
	if (cnl_parse(msg, top, COLLAB_A_MAX, top_policy) ||
	    !top[COLLAB_A_STATS])
		return -EBADMSG;
	out_obj_start(NULL);
	nla_for_each_nested(a, top[COLLAB_A_STATS], rem) {
		type = nla_type(a);
		if (type > COLLAB_STATS_A_MAX || !stat_names[type])
			continue;
		if (nla_len(a) != sizeof(uint32_t) &&
		    nla_len(a) != sizeof(uint64_t))
			return -EBADMSG;
		name = stat_names[type];
		out_text("%s ", name);
		out_u64(name, "%s\n", cnl_uint(a));
	}
	out_obj_end();
	return 0;
}

static int stats_show(int argc, char **argv)
{
	struct cnl nl;

	if (parse_no_args("stats show", argc, argv))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	return out_finish(cnl_run(&nl, cnl_msg(&nl, COLLAB_CMD_STATS_GET, 0),
				  stats_print, NULL, "stats show", NULL));
}

const struct cmd stats_cmds[] = {
	{ "show", stats_show, "",
	  "print the object counts and message counters of this node" },
	{ .name = NULL }
};
