// SPDX-License-Identifier: GPL-2.0
/*
 * collab: /proc/net/collab, the node id, live objects and counters of a
 * namespace as "name value" lines, for scripts and tests.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "proc.h"

static const char *const obj_names[__COLLAB_OBJ_MAX] = {
	[COLLAB_OBJ_SOCKETS] = "sockets",
	[COLLAB_OBJ_INSTANCES] = "instances",
	[COLLAB_OBJ_APPS] = "apps",
	[COLLAB_OBJ_SESSIONS] = "sessions",
	[COLLAB_OBJ_MEMBERSHIPS] = "memberships",
	[COLLAB_OBJ_PEERS] = "peers",
	[COLLAB_OBJ_PEERS_UP] = "peers_up",
	[COLLAB_OBJ_REMOTE_INSTANCES] = "remote_instances",
	[COLLAB_OBJ_STORED] = "stored",
};

static const char *const stat_names[__COLLAB_STAT_MAX] = {
	[COLLAB_STAT_TX_MSGS] = "tx_msgs",
	[COLLAB_STAT_TX_COPIES] = "tx_copies",
	[COLLAB_STAT_RX_MSGS] = "rx_msgs",
	[COLLAB_STAT_TX_NO_ROUTE] = "tx_no_route",
	[COLLAB_STAT_TX_REFUSED] = "tx_refused",
	[COLLAB_STAT_TX_FULL] = "tx_full",
	[COLLAB_STAT_DROP_CLOSED] = "drop_closed",
	[COLLAB_STAT_EVENTS_LOST] = "events_lost",
	[COLLAB_STAT_TX_REMOTE] = "tx_remote",
	[COLLAB_STAT_RX_REMOTE] = "rx_remote",
	[COLLAB_STAT_TX_PACKETS] = "tx_packets",
	[COLLAB_STAT_RX_PACKETS] = "rx_packets",
	[COLLAB_STAT_RETRANSMITS] = "retransmits",
	[COLLAB_STAT_STORE_FULL] = "store_full",
	[COLLAB_STAT_DROP_MALFORMED] = "drop_malformed",
	[COLLAB_STAT_DROP_VERSION] = "drop_version",
	[COLLAB_STAT_DROP_NOT_OURS] = "drop_not_ours",
	[COLLAB_STAT_DROP_NO_LINK] = "drop_no_link",
	[COLLAB_STAT_DROP_DUPLICATE] = "drop_duplicate",
	[COLLAB_STAT_DROP_WINDOW] = "drop_window",
	[COLLAB_STAT_RX_HELD] = "rx_held",
	[COLLAB_STAT_DROP_HOLD_FULL] = "drop_hold_full",
	[COLLAB_STAT_DROP_NO_ROUTE] = "drop_no_route",
	[COLLAB_STAT_DROP_PEER_LIMIT] = "drop_peer_limit",
	[COLLAB_STAT_DROP_EXPIRED] = "drop_expired",
	[COLLAB_STAT_DROP_NOMEM] = "drop_nomem",
	[COLLAB_STAT_RECEIPTS] = "receipts",
	[COLLAB_STAT_RECEIPTS_LOST] = "receipts_lost",
	[COLLAB_STAT_DROP_PEER_GONE] = "drop_peer_gone",
	[COLLAB_STAT_DROP_REASM] = "drop_reasm",
	[COLLAB_STAT_COOKIES_SENT] = "cookies_sent",
	[COLLAB_STAT_DROP_RATELIMIT] = "drop_ratelimit",
	[COLLAB_STAT_PEERS_EXPIRED] = "peers_expired",
	[COLLAB_STAT_DROP_GUID_TAKEN] = "drop_guid_taken",
	[COLLAB_STAT_DROP_RECEIPT] = "drop_receipt",
	[COLLAB_STAT_DROP_RX_FULL] = "drop_rx_full",
};

static int collab_proc_show(struct seq_file *seq, void *v)
{
	struct collab_net *cn = collab_net(seq_file_single_net(seq));
	struct collab_guid node;
	int i;

	collab_node_id(cn, &node);
	seq_printf(seq, "node %*phN\n", (int)sizeof(node), node.b);
	for (i = 0; i < __COLLAB_OBJ_MAX; i++)
		seq_printf(seq, "%s %d\n", obj_names[i],
			   atomic_read(&cn->objects[i]));
	/* What peers told of their instances takes this much memory. */
	seq_printf(seq, "route_bytes %lu\n", READ_ONCE(cn->route_bytes));
	/* And packets from peers waiting out of order, this much. */
	seq_printf(seq, "ooo_bytes %ld\n", atomic_long_read(&cn->ooo_bytes));
	seq_printf(seq, "held_bytes %ld\n", atomic_long_read(&cn->held_bytes));
	for (i = 0; i < __COLLAB_STAT_MAX; i++)
		seq_printf(seq, "%s %llu\n", stat_names[i],
			   collab_stat_read(cn, i));
	return 0;
}

int collab_proc_init(struct net *net)
{
	if (!proc_create_net_single("collab", 0444, net->proc_net,
				    collab_proc_show, NULL))
		return -ENOMEM;
	return 0;
}

void collab_proc_exit(struct net *net)
{
	remove_proc_entry("collab", net->proc_net);
}
