/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: messages that pass through this node on their way to another
 * (relay.c).
 */
#ifndef _COLLAB_RELAY_H
#define _COLLAB_RELAY_H

#include "peer.h"

bool collab_relay_rx(struct collab_peer *from, struct sk_buff *skb);
int collab_relay_fanout(struct collab_peer *from, struct sk_buff *skb,
			bool *passed);
void collab_relay_receipt(struct collab_peer *from, struct sk_buff *skb);
void collab_relay_flush(struct collab_peer *from);

#endif /* _COLLAB_RELAY_H */
