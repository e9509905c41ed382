/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: the AF_COLLAB socket and what the other files need of it.
 */
#ifndef _COLLAB_SOCK_H
#define _COLLAB_SOCK_H

#include <linux/rhashtable-types.h>
#include <linux/wait.h>
#include <net/sock.h>

#include "uapi/linux/collab.h"

struct collab_peer;

/*
 * Payload bytes of a message that may go into a bundle without an skb of
 * its own (collab_deliver_small()).
 */
#define COLLAB_SMALL_MSG	2048

struct collab_app;

struct collab_sock {
	struct sock sk;

	/* Set once by bind() under collab_net.lock, read locklessly after. */
	struct collab_guid id;
	char app[COLLAB_APP_MAX];
	bool bound;

	bool accept_new;		/* READ_ONCE/WRITE_ONCE */
	bool confirm;			/* COLLAB_CONFIRM, READ_ONCE */
	u64 last_msgid;			/* under lock_sock() */

	/* What collabctl shows of the instance. */
	atomic64_t tx_msgs;
	atomic64_t tx_bytes;
	atomic64_t tx_errors;
	atomic64_t rx_msgs;
	atomic64_t rx_bytes;

	/* Under collab_net.lock. */
	u64 seq;			/* creation order, for dumps */
	struct pid *pid;		/* the process that bound it */
	struct rhash_head node;		/* collab_net.instances */
	struct list_head all_node;	/* collab_net.all_instances, RCU */
	struct list_head app_node;	/* collab_app.members, RCU */
	struct collab_app *app_entry;
	struct list_head memberships;	/* collab_member.sock_node */
	unsigned int nr_sessions;

	/* Under lock_sock(). */
	struct sockaddr_collab peer;	/* connect()ed default destination */
	bool connected;

	/* Senders waiting for room in this socket's receive queue. */
	wait_queue_head_t room_wait;

	/*
	 * What this socket last found full, holding a reference: a receiver
	 * (cong) or the store for a peer (cong_peer), with, if cong_kept,
	 * what is kept for node cong_node (kept.c); and our entry on its
	 * room_wait or store_wait, which wakes our pollers for EPOLLOUT.
	 * Under lock_sock(); congested is read locklessly by poll.
	 */
	struct collab_sock *cong;
	struct collab_peer *cong_peer;
	bool cong_kept;
	struct collab_guid cong_node;
	struct wait_queue_entry cong_wait;
	bool congested;
};

static inline struct collab_sock *collab_sk(const struct sock *sk)
{
	return container_of(sk, struct collab_sock, sk);
}

int collab_check_app(const char *app, bool empty_ok, char *out);

#endif /* _COLLAB_SOCK_H */
