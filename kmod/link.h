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

struct collab_owed;

/* The link to a peer, under peer->lock: only the link's files see it. */
struct collab_link {
	struct collab_peer *peer;
	u32 epoch;			/* our incarnation of this link */
	u32 remote_epoch;		/* the peer's, 0 until known */
	unsigned long last_rx;		/* jiffies */
	unsigned long last_tx;
	u64 echo;			/* the peer's last cookie, to echo */

	/* Sending: every packet of [snd_una, snd_nxt) sits on txq in order. */
	struct sk_buff_head txq;
	struct sk_buff *send_head;	/* first packet never sent, or NULL */
	u32 snd_una;			/* oldest not acknowledged */
	u32 snd_sent;			/* next to send for the first time */
	u32 snd_nxt;			/* next number to give a packet */
	unsigned int stored_msgs;
	unsigned int stored_bytes;
	u32 cwnd;
	u32 cwnd_acc;
	u32 srtt_us;
	u32 rttvar_us;
	u32 rto_us;
	u32 recover_seq;		/* a loss episode ends when this is acked */
	bool in_recovery;
	u32 small_in_flight;		/* of them, COLLAB_TXF_SMALL */
	u32 ack_asked;			/* the last packet sent with ACK_NOW */
	bool held;			/* the peer holds snd_una: no room yet */
	struct collab_owed *owed;	/* receipts it owes us (receipt.c) */
	/*
	 * One packet per round trip is timed: rtt_seq, sent at rtt_ns, by
	 * local_clock(), which reads no clocksource device (in a VM whose
	 * clocksource is an HPET, each such read traps to the emulator).
	 */
	bool rtt_timing;
	u32 rtt_seq;
	u64 rtt_ns;

	/* Receiving. */
	u32 rcv_nxt;
	struct sk_buff_head ooo;	/* beyond rcv_nxt, by sequence number */
	long ooo_bytes;			/* their truesize */
	struct sk_buff *reasm;		/* a message whose fragments arrive */
	/* A whole message waiting for memory, then a bundle being split. */
	struct sk_buff_head backlog;
	/* Messages for other nodes, to store for their next hops. */
	struct sk_buff_head relay;
	bool relay_busy;		/* one CPU stores them, in order */
	/*
	 * The message that passed its checks already (went on along its
	 * tree, or was taken as a kept message) and waits for memory to be
	 * delivered here: its source and msgid.
	 */
	bool taken;
	u64 taken_msgid;
	struct collab_guid taken_src;
	struct sk_buff *bundle;
	struct collab_wire_bundle split;
	unsigned int ack_pending;	/* bytes received, not acknowledged */

	/*
	 * Retransmission: due at rtx_at while rtx_due. The timer is moved
	 * only when it would fire after that, never stopped by an ACK: one
	 * that fires early finds the deadline later and waits on, so a
	 * stream of packets and their ACKs costs no timer operations.
	 */
	struct timer_list rtx_timer;
	unsigned long rtx_at;
	bool rtx_due;
	struct timer_list ack_timer;	/* delayed acknowledgment, backlog retry */
	struct timer_list keepalive;	/* handshake, probes, supervision */

	/* Counters. */
	u64 tx_msgs, rx_msgs, tx_packets, rx_packets;
	u64 retransmits, duplicates, expired;
};

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
void collab_link_rx_reset(struct collab_peer *peer, u32 start);
void collab_link_rx_skip_to(struct collab_peer *peer, u32 start);
bool collab_link_rx_waits(struct collab_peer *peer);
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
void collab_bundle_start(struct collab_peer *peer, struct sk_buff *skb);
struct sk_buff *collab_bundle_next(struct collab_peer *peer);
unsigned int collab_bundle_drop(struct collab_peer *peer);
bool collab_bundle_take(struct collab_peer *peer, struct sk_buff *skb);

#endif /* _COLLAB_LINK_H */
