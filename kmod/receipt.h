/* SPDX-License-Identifier: GPL-2.0 */
/* collab: receipts between nodes. */
#ifndef _COLLAB_RECEIPT_H
#define _COLLAB_RECEIPT_H

#include "collab.h"

struct collab_peer;
struct collab_receipt_rec;
struct sk_buff;

void collab_receipt_owed(struct collab_peer *peer, u64 msgid,
			 const struct collab_guid *src_id, bool multi);
bool collab_receipt_answers(struct collab_peer *peer, u64 msgid,
			    const struct collab_guid *src_id);
void collab_receipts_forget(struct collab_peer *peer);
void collab_receipt_store(struct collab_peer *peer,
			  const struct collab_receipt_rec *r, int err);
void collab_receipt_rcv(struct collab_peer *peer, struct sk_buff *skb);
void collab_link_receipt(struct collab_peer *peer,
			 const struct collab_receipt_rec *r, int err);

#endif /* _COLLAB_RECEIPT_H */
