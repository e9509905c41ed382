/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: messages for distant nodes, kept by their source until the
 * final node answers them (kept.c).
 */
#ifndef _COLLAB_KEPT_H
#define _COLLAB_KEPT_H

#include "peer.h"

struct collab_frame;
struct collab_wire_receipt;

int collab_kept_init(struct collab_net *cn);
void collab_kept_stop(struct collab_net *cn);
void collab_kept_destroy(struct collab_net *cn);
bool collab_kept_wanted(struct collab_net *cn, u8 kind,
			const struct collab_guid *node,
			const struct collab_peer *via);
bool collab_kept_has_room(struct collab_net *cn,
			  const struct collab_guid *node);
int collab_kept_send(struct collab_net *cn, struct sk_buff *msg);
void collab_kept_receipt(struct collab_peer *peer,
			 const struct collab_wire_receipt *r);

#endif /* _COLLAB_KEPT_H */
