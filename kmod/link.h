/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: what the link's files (link.c, link_tx.c, link_rx.c,
 * link_timer.c, bundle.c, receipt.c) share, and no other file includes.
 */
#ifndef _COLLAB_LINK_H
#define _COLLAB_LINK_H

#include "peer.h"

#define RTO_INIT_US	200000
/* Not below the scheduling stalls of a busy virtual machine. */
#define RTO_MIN_US	40000
#define RTO_MAX_US	2000000
#define HELLO_MS	250	/* handshake retries while the link is down */
#define ACK_DELAY_MS	8

/* Packets to send, collected under the lock and sent once it is dropped. */
struct collab_xmit {
	struct sk_buff_head q;
	union collab_sockaddr to;
};

/* link_tx.c */
void collab_link_xmit_init(struct collab_peer *peer, struct collab_xmit *x);
struct sk_buff *collab_link_piece_alloc(unsigned int len);
unsigned int collab_link_frag_space(struct collab_peer *peer);
void collab_link_unlock_flush(struct collab_peer *peer, struct collab_xmit *x)
	__releases(&peer->lock);
void collab_link_send_ctl(struct collab_peer *peer, u8 type,
			  struct collab_xmit *x);
void collab_link_send_hello(struct collab_peer *peer, struct collab_xmit *x);
void collab_link_send_data(struct collab_peer *peer, struct sk_buff *skb,
			   struct collab_xmit *x);
void collab_link_push(struct collab_peer *peer, struct collab_xmit *x);
unsigned int collab_link_msgs_in(struct sk_buff *skb);
void collab_link_unstore(struct collab_peer *peer, struct sk_buff *skb);
void collab_link_store_room(struct collab_peer *peer, long before);
void collab_link_store(struct collab_peer *peer, struct sk_buff_head *pkts,
		       unsigned int msgs);

/* link_rx.c */
u32 collab_link_sack_bits(struct collab_peer *peer);
bool collab_link_rx_held(struct collab_peer *peer);
void collab_link_ooo_purge(struct collab_peer *peer);
void collab_link_rx_reset(struct collab_peer *peer, u32 start);
void collab_link_rx_skip_to(struct collab_peer *peer, u32 start);
bool collab_link_backlog_run(struct collab_peer *peer);
void collab_link_reasm_expire(struct collab_peer *peer);
void collab_link_drain_ooo(struct collab_peer *peer);
void collab_link_data_rcv(struct collab_peer *peer, struct sk_buff *skb,
			  const struct collab_link_hdr *h,
			  struct collab_xmit *x);

/* link_timer.c */
void collab_link_rtx_fire(struct timer_list *t);
void collab_link_ack_fire(struct timer_list *t);
u32 collab_link_tolerance_ms(struct collab_peer *peer);
u32 collab_link_in_flight(const struct collab_peer *peer);
void collab_link_arm_rtx(struct collab_peer *peer);
void collab_link_ack_rcv(struct collab_peer *peer, u32 ack, u32 sack,
			 bool hello, bool held, struct collab_xmit *x);

/* bundle.c */
bool collab_bundlable(struct sk_buff *skb);
unsigned int collab_bundle_max(struct collab_peer *peer);
void collab_bundle_split(struct collab_peer *peer, struct sk_buff *skb);
bool collab_bundle_take(struct collab_peer *peer, struct sk_buff *skb);

#endif /* _COLLAB_LINK_H */
