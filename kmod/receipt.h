/* SPDX-License-Identifier: GPL-2.0 */
/* collab: the receipts a peer owes this node. */
#ifndef _COLLAB_RECEIPT_H
#define _COLLAB_RECEIPT_H

#include "collab.h"

struct collab_peer;

void collab_receipt_owed(struct collab_peer *peer, u64 msgid,
			 const struct collab_guid *src_id);
bool collab_receipt_answers(struct collab_peer *peer, u64 msgid,
			    const struct collab_guid *src_id);
void collab_receipts_forget(struct collab_peer *peer);

#endif /* _COLLAB_RECEIPT_H */
