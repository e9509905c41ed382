/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: delivery of a message to the sockets of this node that it is
 * addressed to, with fan-out for sessions and broadcast.
 */
#ifndef _COLLAB_DELIVER_H
#define _COLLAB_DELIVER_H

#include <linux/skbuff.h>

#include "sock.h"

struct collab_frame;
struct collab_net;

int collab_deliver(struct collab_sock *sender, struct sk_buff *skb,
		   long *timeo);
int collab_deliver_small(struct collab_sock *sender,
			 const struct collab_frame *f, struct iov_iter *from,
			 long *timeo);
void collab_cb_set_sender(struct sk_buff *skb);
int collab_deliver_rx(struct collab_net *cn, struct sk_buff *skb);
int collab_msg_packets(struct sk_buff *msg, unsigned int mss, gfp_t gfp,
		       struct sk_buff_head *out);
int collab_msg_copy_packets(struct sk_buff *msg, unsigned int mss, gfp_t gfp,
			    struct sk_buff_head *out);
void collab_receipt(struct collab_net *cn, const struct collab_guid *src_id,
		    u64 msgid, int status, const struct collab_guid *node);
void collab_room_freed(struct collab_sock *cs);
void collab_cong_clear(struct collab_sock *cs);
void collab_cong_init(struct collab_sock *cs);
void collab_deliver_purge(struct collab_sock *cs);
void collab_deliver_waited(struct collab_net *cn, struct collab_sock *cs,
			   struct sk_buff *skb);

#endif /* _COLLAB_DELIVER_H */
