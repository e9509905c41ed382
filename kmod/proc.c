// SPDX-License-Identifier: GPL-2.0
/*
 * collab: /proc/net/collab, the node id, live objects and counters of a
 * namespace as "name value" lines, for scripts and tests.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "proc.h"

#define OBJ_NAME_U32(name, str) \
	[COLLAB_OBJ_##name] = #str,
#define OBJ_NAME_U64(name, str)
#define STAT_NAME_U32(name, str)
#define STAT_NAME_U64(name, str) \
	[COLLAB_STAT_##name] = #str,

static const char *const obj_names[__COLLAB_OBJ_MAX] = {
#define COLLAB_STAT(name, str, type)	OBJ_NAME_##type(name, str)
#include "uapi/linux/collab_stats.h"
#undef COLLAB_STAT
};

static const char *const stat_names[__COLLAB_STAT_MAX] = {
#define COLLAB_STAT(name, str, type)	STAT_NAME_##type(name, str)
#include "uapi/linux/collab_stats.h"
#undef COLLAB_STAT
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
	seq_printf(seq, "reasm_bytes %ld\n",
		   atomic_long_read(&cn->reasm_bytes));
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
