/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: the generic netlink family, and the events the tables send on it.
 */
#ifndef _COLLAB_NETLINK_H
#define _COLLAB_NETLINK_H

#include "collab.h"

struct collab_member;
struct collab_sock;

int collab_netlink_init(void);
void collab_netlink_exit(void);

void collab_nl_instance_event(struct collab_net *cn, struct collab_sock *cs,
			      u8 cmd);
void collab_nl_member_event(struct collab_net *cn, struct collab_member *m,
			    u8 cmd);

#endif /* _COLLAB_NETLINK_H */
