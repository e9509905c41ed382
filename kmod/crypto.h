/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: node keys, the keys trusted, and the sealing of link packets.
 *
 * A node may have a Curve25519 key pair, and a cluster key. A keyed node
 * links only with peers whose public key it trusts, or with any keyed
 * peer when a cluster key is set (the handshake then proves that the peer
 * holds it too); with peers that have no key only if its plaintext policy
 * allows. The handshake (handshake.c) gives each link a pair of
 * ChaCha20-Poly1305 keys, one per direction; every link packet after it
 * is sealed (crypto.c).
 */
#ifndef _COLLAB_CRYPTO_H
#define _COLLAB_CRYPTO_H

#include <linux/rcupdate.h>
#include <linux/in6.h>
#include <linux/spinlock.h>

#include "collab.h"

struct collab_peer;
struct collab_xmit;
struct sk_buff;
struct netlink_callback;
struct genl_info;
struct netlink_ext_ack;
struct nlattr;

/* The node's keys, replaced whole under collab_net.lock; RCU readers. */
struct collab_node_keys {
	u8 private_key[COLLAB_KEY_LEN];
	u8 public_key[COLLAB_KEY_LEN];
	u8 psk[COLLAB_KEY_LEN];		/* all-zero: no cluster key */
	bool has_key;
	bool has_psk;
	struct rcu_head rcu;
};

/* A public key this node links with (collab_net.trusted, RCU). */
struct collab_trust {
	struct list_head node;
	u8 public_key[COLLAB_KEY_LEN];
	char name[COLLAB_NODE_NAME_MAX];
	atomic64_t handshakes;
	u64 seq;			/* creation order, for dumps */
	struct rcu_head rcu;
};

#define COLLAB_TRUST_MAX	1024

/* Candidates with a key not trusted, the last few (collab_net.cands). */
#define COLLAB_CANDIDATES	16

struct collab_candidate {
	u8 public_key[COLLAB_KEY_LEN];
	struct collab_guid id;
	struct sockaddr_in6 addr;	/* or a sockaddr_in */
	char name[COLLAB_NODE_NAME_MAX];
	unsigned long seen;		/* jiffies */
	u64 refused;
};

/*
 * Keys of one link, one per direction, from one handshake. Readers use
 * RCU; it is freed (and wiped) after a grace period.
 */
#define COLLAB_REPLAY_WORDS	32	/* a window of 2048 - 64 counters */

struct collab_keypair {
	u8 send[COLLAB_KEY_LEN];
	u8 recv[COLLAB_KEY_LEN];
	u8 id;				/* key_id in the headers it seals */
	unsigned long created;		/* jiffies */
	atomic64_t send_nonce;
	spinlock_t replay_lock;		/* the window: */
	u64 replay_top;			/* highest nonce taken, plus one */
	unsigned long replay[COLLAB_REPLAY_WORDS];
	struct rcu_head rcu;
};

/* A peer's side of all this, under peer->lock unless it says. */
struct collab_peer_keys {
	u8 remote[COLLAB_KEY_LEN];	/* its node key; all-zero: none */
	u8 static_dh[COLLAB_KEY_LEN];	/* DH(ours, its), for key_gen */
	unsigned int dh_gen;		/* collab_net.key_gen it was for */
	bool has_dh;
	u64 last_time;			/* of the last INIT taken from it */
	/* Handshake under way, on the initiator's side. */
	bool hs_sent;
	u8 hs_id;
	unsigned long hs_at;		/* jiffies */
	u8 ephemeral[COLLAB_KEY_LEN];
	u8 ck[COLLAB_KEY_LEN];
	u8 hash[COLLAB_KEY_LEN];
	u8 next_id;
	/*
	 * The keys in use, those before them, and on the responder's side
	 * those of a handshake it answered, which it takes into use once a
	 * packet sealed with them shows that the initiator has them too.
	 * RCU readers.
	 */
	struct collab_keypair __rcu *cur;
	struct collab_keypair __rcu *prev;
	struct collab_keypair __rcu *next;
	u64 handshake_time;		/* seconds since the epoch */
	u32 handshakes;
};

int collab_crypto_net_init(struct collab_net *cn);
void collab_crypto_net_exit(struct collab_net *cn);

/* Configuration, in process context with collab_net.lock held. */
int collab_crypto_set_key(struct collab_net *cn, const u8 *key, bool psk);
int collab_trust_add(struct collab_net *cn, const u8 *key, const char *name);
int collab_trust_del(struct collab_net *cn, const u8 *key);
bool collab_crypto_public_key(struct collab_net *cn, u8 *key);
bool collab_crypto_has_psk(struct collab_net *cn);
bool collab_crypto_keyed(struct collab_net *cn);
bool collab_trusted(struct collab_net *cn, const u8 *key);

/* Peers. */
void collab_crypto_peer_free(struct collab_peer *peer);
int collab_crypto_admit(struct collab_net *cn, const struct collab_guid *id,
			const u8 *key);
void collab_key_node_id(const u8 *key, struct collab_guid *id);
bool collab_key_public(const u8 *key, u8 *pub);
void collab_crypto_candidate(struct collab_net *cn, const struct collab_guid *id,
			     const void *addr, size_t addr_len,
			     const char *name, const u8 *key);
bool collab_crypto_peer_key(struct collab_peer *peer, const u8 *key);
bool collab_crypto_hello(struct collab_peer *peer, u32 src_epoch, u8 key_id,
			 struct collab_xmit *x);
bool collab_crypto_sealed_ok(struct collab_peer *peer, u8 key_id);
void collab_crypto_kick(struct collab_peer *peer, struct collab_xmit *x);
void collab_crypto_peer_reset(struct collab_peer *peer);
bool collab_crypto_encrypted(struct collab_peer *peer);

/* The packets. */
struct sk_buff *collab_crypto_seal(struct collab_peer *peer,
				   struct sk_buff *skb);
int collab_crypto_open(struct collab_peer *peer, struct sk_buff *skb);
void collab_crypto_confirm(struct collab_peer *peer, u8 key_id);

/* handshake.c, under peer->lock. */
struct sk_buff *collab_hs_init(struct collab_peer *peer);
void collab_hs_rcv(struct collab_peer *peer, struct sk_buff *skb,
		   struct collab_xmit *x);
void collab_keypair_install(struct collab_peer *peer,
			    struct collab_keypair *kp, bool confirmed);

/* nl_key.c */
int collab_nl_trust_add(struct sk_buff *skb, struct genl_info *info);
int collab_nl_trust_del(struct sk_buff *skb, struct genl_info *info);
int collab_nl_trust_dump(struct sk_buff *skb, struct netlink_callback *cb);
int collab_nl_node_key_id(struct collab_net *cn, struct nlattr **a,
			  struct collab_guid *id, struct netlink_ext_ack *extack);
int collab_nl_node_keys_set(struct collab_net *cn, struct nlattr **a,
			    struct netlink_ext_ack *extack);
int collab_nl_node_keys_put(struct sk_buff *skb, struct collab_net *cn);

#endif /* _COLLAB_CRYPTO_H */
