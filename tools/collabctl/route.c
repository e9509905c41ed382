// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl route: the nodes this node has heard of through its peers,
 * direct peers among them, and the best route to each: the peer it goes
 * through, its cost in links, the node's sequence number it carries, how
 * long ago it last changed, how many peers offer one, how many
 * instances the node has and how many sessions they joined. A node whose every route was withdrawn stays
 * listed, unreachable, until the kernel forgets it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

static const struct nla_policy route_policy[COLLAB_ROUTE_A_MAX + 1] = {
	[COLLAB_ROUTE_A_NODE_ID] = CNL_POLICY_GUID,
	[COLLAB_ROUTE_A_NODE_NAME] = { .type = NLA_STRING,
				       .maxlen = COLLAB_NODE_NAME_MAX },
	[COLLAB_ROUTE_A_VIA] = CNL_POLICY_GUID,
	[COLLAB_ROUTE_A_METRIC] = { .type = NLA_U32 },
	[COLLAB_ROUTE_A_SEQNO] = { .type = NLA_U32 },
	[COLLAB_ROUTE_A_AGE_MS] = { .type = NLA_U32 },
	[COLLAB_ROUTE_A_OFFERS] = { .type = NLA_U32 },
	[COLLAB_ROUTE_A_INSTANCES] = { .type = NLA_U32 },
	[COLLAB_ROUTE_A_SESSIONS] = { .type = NLA_U32 },
};

/*
 * Text: a heading, then one line per node, in columns; a value the
 * kernel did not give is "-". The widths fit a GUID, "unreachable" and a
 * u32; a longer name or age pushes the rest of its line right.
 */
#define ROUTE_ID_WIDTH		"32"
#define ROUTE_NAME_WIDTH	"16"
#define ROUTE_COST_WIDTH	"11"
#define ROUTE_SEQNO_WIDTH	"10"
#define ROUTE_AGE_WIDTH		"8"
#define ROUTE_OFFERS_WIDTH	"6"
#define ROUTE_INSTANCES_WIDTH	"9"
#define ROUTE_SESSIONS_WIDTH	"8"

static void print_heading(void)
{
	out_text("%-" ROUTE_ID_WIDTH "s  %-" ROUTE_NAME_WIDTH "s  %-"
		 ROUTE_ID_WIDTH "s  %" ROUTE_COST_WIDTH "s  %"
		 ROUTE_SEQNO_WIDTH "s  %" ROUTE_AGE_WIDTH "s  %"
		 ROUTE_OFFERS_WIDTH "s  %" ROUTE_INSTANCES_WIDTH "s  %"
		 ROUTE_SESSIONS_WIDTH "s\n", "node", "name", "via", "cost",
		 "seqno", "age", "offers", "instances", "sessions");
}

/* A u32 column, as FMT ("  %Ns") prints it, or "-" when absent. */
static void print_u32(const struct nlattr *attr, const char *key,
		      const char *fmt)
{
	if (attr)
		out_u64(key, fmt, nla_get_u32(attr));
	else
		out_text(fmt, "-");
}

/*
 * The links to cross, or "unreachable" for COLLAB_METRIC_INF: a number
 * or that string, in JSON as in text.
 */
static void print_cost(const struct nlattr *attr)
{
	const char *fmt = "  %" ROUTE_COST_WIDTH "s";
	uint32_t metric;

	if (!attr) {
		out_text(fmt, "-");
		return;
	}
	metric = nla_get_u32(attr);
	if (metric < COLLAB_METRIC_INF)
		out_u64("cost", fmt, metric);
	else
		out_str("cost", fmt, "unreachable");
}

/* Milliseconds as is in JSON, seconds with one decimal in text. */
static void print_age(const struct nlattr *attr)
{
	const char *fmt = "  %" ROUTE_AGE_WIDTH "s";
	char buf[16];
	uint32_t ms;

	if (!attr) {
		out_text(fmt, "-");
		return;
	}
	ms = nla_get_u32(attr);
	out_u64("age_ms", NULL, ms);
	snprintf(buf, sizeof(buf), "%u.%us", ms / 1000, ms % 1000 / 100);
	out_text(fmt, buf);
}

static int route_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[COLLAB_ROUTE_A_MAX + 1];
	unsigned int *shown = arg;
	const char *name = "";

	if (!cnl_parse_object(msg, COLLAB_A_ROUTE, tb, COLLAB_ROUTE_A_MAX,
			      route_policy) ||
	    !tb[COLLAB_ROUTE_A_NODE_ID])
		return -EBADMSG;

	if (!(*shown)++)
		print_heading();
	out_obj_start(NULL);
	out_guid("id", "%-" ROUTE_ID_WIDTH "s",
		 nla_data(tb[COLLAB_ROUTE_A_NODE_ID]));
	if (tb[COLLAB_ROUTE_A_NODE_NAME])
		name = nla_get_string(tb[COLLAB_ROUTE_A_NODE_NAME]);
	out_str("name", *name ? "  %-" ROUTE_NAME_WIDTH "s" : NULL, name);
	if (!*name)
		out_text("  %-" ROUTE_NAME_WIDTH "s", "-");
	/* No next hop: every route to the node was withdrawn. */
	if (tb[COLLAB_ROUTE_A_VIA])
		out_guid("via", "  %-" ROUTE_ID_WIDTH "s",
			 nla_data(tb[COLLAB_ROUTE_A_VIA]));
	else
		out_text("  %-" ROUTE_ID_WIDTH "s", "-");
	print_cost(tb[COLLAB_ROUTE_A_METRIC]);
	print_u32(tb[COLLAB_ROUTE_A_SEQNO], "seqno",
		  "  %" ROUTE_SEQNO_WIDTH "s");
	print_age(tb[COLLAB_ROUTE_A_AGE_MS]);
	print_u32(tb[COLLAB_ROUTE_A_OFFERS], "offers",
		  "  %" ROUTE_OFFERS_WIDTH "s");
	print_u32(tb[COLLAB_ROUTE_A_INSTANCES], "instances",
		  "  %" ROUTE_INSTANCES_WIDTH "s");
	print_u32(tb[COLLAB_ROUTE_A_SESSIONS], "sessions",
		  "  %" ROUTE_SESSIONS_WIDTH "s");
	out_text("\n");
	out_obj_end();
	return 0;
}

static int route_show(int argc, char **argv)
{
	unsigned int shown = 0;
	struct cnl nl;
	int err;

	if (parse_no_args("route show", argc, argv))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	out_array_start(NULL);
	err = cnl_run(&nl, cnl_msg(&nl, COLLAB_CMD_ROUTE_GET, NLM_F_DUMP),
		      route_print, &shown, "route show", NULL);
	out_array_end();
	return out_finish(err);
}

const struct cmd route_cmds[] = {
	{ "show", route_show, "",
	  "print the nodes known through peers, and the peer, cost, seqno and age of the best route to each" },
	{ .name = NULL }
};
