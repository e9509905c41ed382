// SPDX-License-Identifier: GPL-2.0
/*
 * collab: module init and exit, parameters, per-netns state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>

#include "activation.h"
#include "bearer.h"
#include "collab.h"
#include "cookie.h"
#include "debug.h"
#include "kept.h"
#include "netlink.h"
#include "pages.h"
#include "peer.h"
#include "proc.h"
#include "socket.h"
#include "table.h"

int collab_family = COLLAB_FAMILY_DEFAULT;
module_param_named(family, collab_family, int, 0444);
MODULE_PARM_DESC(family, "address family number of AF_COLLAB (default "
		 __stringify(COLLAB_FAMILY_DEFAULT) ")");

unsigned int collab_net_id __read_mostly;

static int __net_init collab_net_init(struct net *net)
{
	struct collab_net *cn = collab_net(net);
	int err;

	cn->net = net;
	mutex_init(&cn->lock);
	seqcount_mutex_init(&cn->node_seq, &cn->lock);
	/* Each namespace is a node with an id of its own. */
	get_random_bytes(&cn->node_id, sizeof(cn->node_id));
	/*
	 * Message ids grow across restarts too, for the nodes that tell
	 * copies by them (reach.c): less than one message a nanosecond.
	 */
	atomic64_set(&cn->next_msgid, ktime_get_real_ns());

	cn->tolerance_ms = COLLAB_TOLERANCE_MS;
	cn->lifetime_ms = COLLAB_LIFETIME_MS;
	cn->store_max_msgs = COLLAB_STORE_MSGS;
	cn->route_peer_bytes = COLLAB_ROUTE_PEER_BYTES;
	cn->route_net_bytes = COLLAB_ROUTE_NET_BYTES;
	cn->rx_peer_bytes = COLLAB_RX_PEER_BYTES;
	cn->rx_net_bytes = COLLAB_RX_NET_BYTES;
	cn->hold_sock_bytes = COLLAB_HOLD_SOCK_BYTES;
	cn->hold_net_bytes = COLLAB_HOLD_NET_BYTES;
	cn->rekey_packets = COLLAB_REKEY_PACKETS_MAX;
	collab_act_init(cn);
	collab_nl_listeners_init(cn);
	collab_discovery_init(cn);
	collab_cookie_init(cn);
	err = collab_crypto_net_init(cn);
	if (err)
		return err;

	cn->stats = alloc_percpu(struct collab_stats);
	if (!cn->stats) {
		err = -ENOMEM;
		goto err_crypto;
	}
	err = collab_table_init(cn);
	if (err)
		goto err_free_stats;
	err = collab_kept_init(cn);
	if (err)
		goto err_destroy_table;
	err = collab_peers_init(cn);
	if (err)
		goto err_destroy_kept;
	err = collab_proc_init(net);
	if (err)
		goto err_destroy_peers;
	return 0;

err_destroy_peers:
	collab_peers_destroy(cn);
err_destroy_kept:
	collab_kept_destroy(cn);
err_destroy_table:
	collab_table_destroy(cn);
err_free_stats:
	free_percpu(cn->stats);
err_crypto:
	collab_crypto_net_exit(cn);
	return err;
}

/*
 * Sockets hold their namespace, so none is left; bearers and peers do
 * not, and go here: first what receives, then what sends.
 */
static void __net_exit collab_net_exit(struct net *net)
{
	struct collab_net *cn = collab_net(net);

	collab_proc_exit(net);
	collab_bearers_destroy(cn);
	collab_discovery_stop(cn);
	collab_kept_stop(cn);
	collab_peers_destroy(cn);
	collab_kept_destroy(cn);
	collab_statics_destroy(cn);
	collab_act_destroy(cn);
	collab_table_destroy(cn);
	collab_nl_listeners_destroy(cn);
	/* Every peer is gone, and with it every packet it had here. */
	WARN_ON_ONCE(atomic_long_read(&cn->ooo_bytes));
	WARN_ON_ONCE(atomic_long_read(&cn->reasm_bytes));
	WARN_ON_ONCE(atomic_long_read(&cn->held_bytes));
	collab_cookie_exit(cn);
	collab_crypto_net_exit(cn);
	free_percpu(cn->stats);
}

u64 collab_stat_read(struct collab_net *cn, enum collab_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(cn->stats, cpu)->v[s];
	return sum;
}

static struct pernet_operations collab_net_ops = {
	.init = collab_net_init,
	.exit = collab_net_exit,
	.id = &collab_net_id,
	.size = sizeof(struct collab_net),
};

static int __init collab_init(void)
{
	int err;

	if (collab_family <= AF_UNSPEC || collab_family >= NPROTO) {
		pr_err("family=%d is out of range: pick an unused number from 1 to %d\n",
		       collab_family, NPROTO - 1);
		return -EINVAL;
	}

	/*
	 * A device subsystem, so that a namespace going away drops our
	 * bearers and the routes our peers cache before its devices go.
	 */
	err = register_pernet_device(&collab_net_ops);
	if (err)
		return err;

	err = collab_debug_init();
	if (err)
		goto err_unregister_pernet;

	err = collab_netlink_init();
	if (err)
		goto err_debug_exit;

	err = collab_socket_init();
	if (err)
		goto err_netlink_exit;

	pr_info("address family %d\n", collab_family);
	return 0;

err_netlink_exit:
	collab_netlink_exit();
err_debug_exit:
	collab_debug_exit();
err_unregister_pernet:
	unregister_pernet_device(&collab_net_ops);
	/* Peers freed with call_rcu() (peer.c) run this module's code. */
	rcu_barrier();
	collab_pages_exit();
	return err;
}

static void __exit collab_exit(void)
{
	collab_socket_exit();
	collab_netlink_exit();
	collab_debug_exit();
	unregister_pernet_device(&collab_net_ops);
	/* Peers freed with call_rcu() (peer.c) run this module's code. */
	rcu_barrier();
	collab_pages_exit();
}

module_init(collab_init);
module_exit(collab_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("collab: messaging between collaborative applications");
MODULE_AUTHOR("The collab authors");
MODULE_ALIAS_NETPROTO(COLLAB_FAMILY_DEFAULT);
MODULE_ALIAS_GENL_FAMILY(COLLAB_GENL_NAME);
