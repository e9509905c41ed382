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
	[COLLAB_STATS_A_SOCKETS] = "sockets",
	[COLLAB_STATS_A_INSTANCES] = "instances",
	[COLLAB_STATS_A_APPS] = "apps",
	[COLLAB_STATS_A_SESSIONS] = "sessions",
	[COLLAB_STATS_A_MEMBERSHIPS] = "memberships",
	[COLLAB_STATS_A_TX_MSGS] = "tx_msgs",
	[COLLAB_STATS_A_TX_COPIES] = "tx_copies",
	[COLLAB_STATS_A_RX_MSGS] = "rx_msgs",
	[COLLAB_STATS_A_TX_NO_ROUTE] = "tx_no_route",
	[COLLAB_STATS_A_TX_REFUSED] = "tx_refused",
	[COLLAB_STATS_A_TX_FULL] = "tx_full",
	[COLLAB_STATS_A_DROP_CLOSED] = "drop_closed",
	[COLLAB_STATS_A_EVENTS_LOST] = "events_lost",
	[COLLAB_STATS_A_PEERS] = "peers",
	[COLLAB_STATS_A_PEERS_UP] = "peers_up",
	[COLLAB_STATS_A_REMOTE_INSTANCES] = "remote_instances",
	[COLLAB_STATS_A_STORED] = "stored",
	[COLLAB_STATS_A_TX_REMOTE] = "tx_remote",
	[COLLAB_STATS_A_RX_REMOTE] = "rx_remote",
	[COLLAB_STATS_A_TX_PACKETS] = "tx_packets",
	[COLLAB_STATS_A_RX_PACKETS] = "rx_packets",
	[COLLAB_STATS_A_RETRANSMITS] = "retransmits",
	[COLLAB_STATS_A_STORE_FULL] = "store_full",
	[COLLAB_STATS_A_DROP_MALFORMED] = "drop_malformed",
	[COLLAB_STATS_A_DROP_VERSION] = "drop_version",
	[COLLAB_STATS_A_DROP_NOT_OURS] = "drop_not_ours",
	[COLLAB_STATS_A_DROP_NO_LINK] = "drop_no_link",
	[COLLAB_STATS_A_DROP_DUPLICATE] = "drop_duplicate",
	[COLLAB_STATS_A_DROP_WINDOW] = "drop_window",
	[COLLAB_STATS_A_RX_HELD] = "rx_held",
	[COLLAB_STATS_A_DROP_HOLD_FULL] = "drop_hold_full",
	[COLLAB_STATS_A_DROP_NO_ROUTE] = "drop_no_route",
	[COLLAB_STATS_A_DROP_PEER_LIMIT] = "drop_peer_limit",
	[COLLAB_STATS_A_DROP_EXPIRED] = "drop_expired",
	[COLLAB_STATS_A_DROP_NOMEM] = "drop_nomem",
	[COLLAB_STATS_A_RECEIPTS] = "receipts",
	[COLLAB_STATS_A_RECEIPTS_LOST] = "receipts_lost",
	[COLLAB_STATS_A_DROP_PEER_GONE] = "drop_peer_gone",
	[COLLAB_STATS_A_DROP_REASM] = "drop_reasm",
	[COLLAB_STATS_A_COOKIES_SENT] = "cookies_sent",
	[COLLAB_STATS_A_DROP_RATELIMIT] = "drop_ratelimit",
	[COLLAB_STATS_A_PEERS_EXPIRED] = "peers_expired",
	[COLLAB_STATS_A_DROP_GUID_TAKEN] = "drop_guid_taken",
	[COLLAB_STATS_A_DROP_RECEIPT] = "drop_receipt",
	[COLLAB_STATS_A_DROP_RX_FULL] = "drop_rx_full",
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
