/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: per-network-namespace state and limits shared by every file of
 * the module.
 */
#ifndef _COLLAB_H
#define _COLLAB_H

#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "uapi/linux/collab.h"

/*
 * Everything the module knows lives in one of these per network namespace:
 * each namespace is a separate collab node.
 */
struct collab_net {
	struct net *net;
};

extern unsigned int collab_net_id;
extern int collab_family;

static inline struct collab_net *collab_net(const struct net *net)
{
	return net_generic(net, collab_net_id);
}

#endif /* _COLLAB_H */
