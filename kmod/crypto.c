// SPDX-License-Identifier: GPL-2.0
/*
 * collab: node keys, the keys trusted, and what a peer's keys allow.
 *
 * A node with a key has the id its public key gives it
 * (collab_key_node_id()): a node that announces a key and another id is
 * refused, so that no node, trusted or not, can take another's id.
 *
 * A keyed node admits a candidate that proved its address only if it
 * trusts the key the candidate announces (or a cluster key is set, which
 * the handshake then proves it holds too), or, with no key announced, if
 * its plaintext policy allows. The node with the lower id starts the
 * handshakes (handshake.c); their keys are used by seal.c. Keys live only
 * here, and are wiped when replaced and when the namespace goes.
 */
#include <crypto/algapi.h>
#include <crypto/blake2s.h>
#include <crypto/curve25519.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "crypto.h"
#include "link.h"

static const u8 zero_key[COLLAB_KEY_LEN];

static bool key_is_zero(const u8 *key)
{
	return !crypto_memneq(key, zero_key, COLLAB_KEY_LEN);
}

static const char id_label[] = COLLAB_NODE_ID_LABEL;

/*
 * The node id that public key @key gives its node: the first 16 bytes
 * of BLAKE2s-256 of COLLAB_NODE_ID_LABEL and the key.
 */
void collab_key_node_id(const u8 *key, struct collab_guid *id)
{
	u8 hash[BLAKE2S_HASH_SIZE];
	struct blake2s_state s;

	BUILD_BUG_ON(sizeof(*id) > sizeof(hash));
	blake2s_init(&s, BLAKE2S_HASH_SIZE);
	blake2s_update(&s, id_label, sizeof(id_label) - 1);
	blake2s_update(&s, key, COLLAB_KEY_LEN);
	blake2s_final(&s, hash);
	memcpy(id->b, hash, sizeof(id->b));
}

/* Whether @id is the one that @key (not all-zero) gives. */
static bool key_gives(const u8 *key, const struct collab_guid *id)
{
	struct collab_guid want;

	collab_key_node_id(key, &want);
	return !crypto_memneq(&want, id, sizeof(want));
}

/*
 * The public key of private key @key, clamped; false when it has none
 * (a key of low order).
 */
bool collab_key_public(const u8 *key, u8 *pub)
{
	u8 priv[COLLAB_KEY_LEN];
	bool ok;

	memcpy(priv, key, COLLAB_KEY_LEN);
	curve25519_clamp_secret(priv);
	ok = curve25519_generate_public(pub, priv);
	memzero_explicit(priv, sizeof(priv));
	return ok;
}

int collab_crypto_net_init(struct collab_net *cn)
{
	cn->cands = kcalloc(COLLAB_CANDIDATES, sizeof(*cn->cands), GFP_KERNEL);
	if (!cn->cands)
		return -ENOMEM;
	spin_lock_init(&cn->cand_lock);
	INIT_LIST_HEAD(&cn->trusted);
	cn->plaintext = COLLAB_PLAINTEXT_REFUSE;
	ratelimit_state_init(&cn->hs_rs, HZ, COLLAB_HS_RATE);
	ratelimit_set_flags(&cn->hs_rs, RATELIMIT_MSG_ON_RELEASE);
	return 0;
}

static void node_keys_free(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct collab_node_keys, rcu));
}

/* When the namespace goes, after its peers. */
void collab_crypto_net_exit(struct collab_net *cn)
{
	struct collab_node_keys *k = rcu_replace_pointer(cn->keys, NULL, true);
	struct collab_trust *t, *tmp;

	if (k)
		call_rcu(&k->rcu, node_keys_free);
	kfree(cn->cands);
	list_for_each_entry_safe(t, tmp, &cn->trusted, node) {
		list_del_rcu(&t->node);
		kfree_rcu(t, rcu);
	}
}

static struct collab_node_keys *node_keys(struct collab_net *cn)
{
	return rcu_dereference_protected(cn->keys, lockdep_is_held(&cn->lock));
}

/* Every link goes down and forgets its keys: the node's have changed. */
static void reset_peers(struct collab_net *cn, const u8 *only)
{
	struct collab_peer *peer;

	rcu_read_lock();
	list_for_each_entry_rcu(peer, &cn->all_peers, all_node) {
		spin_lock_bh(&peer->lock);
		if (!only || !crypto_memneq(peer->keys.remote, only,
					    COLLAB_KEY_LEN)) {
			collab_crypto_peer_reset(peer);
			if (!peer->dead)
				collab_link_down(peer);
		}
		spin_unlock_bh(&peer->lock);
	}
	rcu_read_unlock();
}

/*
 * Set the node's private key (@psk false) or its cluster key; all-zero
 * removes it. Under collab_net.lock.
 */
int collab_crypto_set_key(struct collab_net *cn, const u8 *key, bool psk)
{
	struct collab_node_keys *old = node_keys(cn), *k;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	if (old)
		memcpy(k, old, offsetof(struct collab_node_keys, rcu));
	if (psk) {
		memcpy(k->psk, key, COLLAB_KEY_LEN);
		k->has_psk = !key_is_zero(key);
	} else if (key_is_zero(key)) {
		memzero_explicit(k->private_key, COLLAB_KEY_LEN);
		memzero_explicit(k->public_key, COLLAB_KEY_LEN);
		k->has_key = false;
	} else {
		memcpy(k->private_key, key, COLLAB_KEY_LEN);
		curve25519_clamp_secret(k->private_key);
		if (!curve25519_generate_public(k->public_key,
						k->private_key)) {
			kfree_sensitive(k);
			return -EINVAL;
		}
		k->has_key = true;
	}
	rcu_assign_pointer(cn->keys, k);
	WRITE_ONCE(cn->key_gen, cn->key_gen + 1);
	if (old)
		call_rcu(&old->rcu, node_keys_free);
	reset_peers(cn, NULL);
	return 0;
}

bool collab_crypto_public_key(struct collab_net *cn, u8 *key)
{
	struct collab_node_keys *k;
	bool has;

	rcu_read_lock();
	k = rcu_dereference(cn->keys);
	has = k && k->has_key;
	if (has)
		memcpy(key, k->public_key, COLLAB_KEY_LEN);
	rcu_read_unlock();
	return has;
}

/* Whether the node has a cluster key (@psk) or a key of its own. */
static bool node_has(struct collab_net *cn, bool psk)
{
	struct collab_node_keys *k;
	bool has;

	rcu_read_lock();
	k = rcu_dereference(cn->keys);
	has = k && (psk ? k->has_psk : k->has_key);
	rcu_read_unlock();
	return has;
}

bool collab_crypto_has_psk(struct collab_net *cn)
{
	return node_has(cn, true);
}

bool collab_crypto_keyed(struct collab_net *cn)
{
	return node_has(cn, false);
}

static struct collab_trust *trust_find(struct collab_net *cn, const u8 *key)
{
	struct collab_trust *t;

	list_for_each_entry_rcu(t, &cn->trusted, node,
				lockdep_is_held(&cn->lock))
		if (!crypto_memneq(t->public_key, key, COLLAB_KEY_LEN))
			return t;
	return NULL;
}

/* Whether @key is one this node links with. Under RCU or the lock. */
bool collab_trusted(struct collab_net *cn, const u8 *key)
{
	bool found;

	rcu_read_lock();
	found = trust_find(cn, key);
	rcu_read_unlock();
	return found;
}

/* The candidates with @key are candidates no more. */
static void candidates_forget(struct collab_net *cn, const u8 *key)
{
	unsigned int i;

	spin_lock_bh(&cn->cand_lock);
	for (i = 0; i < COLLAB_CANDIDATES; i++)
		if (!crypto_memneq(cn->cands[i].public_key, key,
				   COLLAB_KEY_LEN))
			memset(&cn->cands[i], 0, sizeof(cn->cands[i]));
	spin_unlock_bh(&cn->cand_lock);
}

/*
 * Trust @key, or rename it (@name not NULL). Under collab_net.lock.
 * 1: it is new; 0: it was trusted already.
 */
int collab_trust_add(struct collab_net *cn, const u8 *key, const char *name)
{
	struct collab_trust *t;

	if (key_is_zero(key))
		return -EINVAL;
	t = trust_find(cn, key);
	if (t) {
		/* Dumps read it under cn->lock too. */
		if (name)
			strscpy(t->name, name, sizeof(t->name));
		return 0;
	}
	if (cn->nr_trusted >= COLLAB_TRUST_MAX)
		return -ENOSPC;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	memcpy(t->public_key, key, COLLAB_KEY_LEN);
	strscpy(t->name, name ?: "", sizeof(t->name));
	t->seq = ++cn->seq;
	list_add_tail_rcu(&t->node, &cn->trusted);
	cn->nr_trusted++;
	candidates_forget(cn, key);
	return 1;
}

/* Forget @key; the links it authenticated go down. Under the lock. */
int collab_trust_del(struct collab_net *cn, const u8 *key)
{
	struct collab_trust *t = trust_find(cn, key);

	if (!t)
		return -ENOENT;
	list_del_rcu(&t->node);
	cn->nr_trusted--;
	kfree_rcu(t, rcu);
	reset_peers(cn, key);
	return 0;
}

/*
 * In softirq: whether a proven source @id that announced @key (all-zero:
 * none) may become a peer. Counted when not.
 */
int collab_crypto_admit(struct collab_net *cn, const struct collab_guid *id,
			const u8 *key)
{
	struct collab_node_keys *k;
	int err = 0;

	if (!key_is_zero(key) && !key_gives(key, id)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_FORGED_ID);
		return -EPERM;
	}
	rcu_read_lock();
	k = rcu_dereference(cn->keys);
	if (!k || !k->has_key)
		goto out;
	if (key_is_zero(key)) {
		if (READ_ONCE(cn->plaintext) != COLLAB_PLAINTEXT_ALLOW) {
			collab_stat_inc(cn, COLLAB_STAT_DROP_PLAINTEXT);
			err = -EPERM;
		}
	} else if (!k->has_psk && !trust_find(cn, key)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_UNTRUSTED);
		err = -EACCES;
	}
out:
	rcu_read_unlock();
	return err;
}

/*
 * In softirq: a proven source @id at @addr, named @name, announced @key,
 * which this node does not trust. The last COLLAB_CANDIDATES such keys
 * are kept for "collabctl trust" to show; a new one takes the place of
 * the one seen longest ago.
 */
void collab_crypto_candidate(struct collab_net *cn, const struct collab_guid *id,
			     const void *addr, size_t addr_len,
			     const char *name, const u8 *key)
{
	struct collab_candidate *c, *free = NULL, *oldest = NULL;
	unsigned int i;

	spin_lock_bh(&cn->cand_lock);
	for (i = 0; i < COLLAB_CANDIDATES; i++) {
		c = &cn->cands[i];
		if (!c->refused) {
			free = free ?: c;
			continue;
		}
		if (!crypto_memneq(c->public_key, key, COLLAB_KEY_LEN) &&
		    collab_guid_equal(&c->id, id))
			goto found;
		if (!oldest || time_before(c->seen, oldest->seen))
			oldest = c;
	}
	c = free ?: oldest;
	memset(c, 0, sizeof(*c));
	memcpy(c->public_key, key, COLLAB_KEY_LEN);
	c->id = *id;
found:
	memcpy(&c->addr, addr, min(addr_len, sizeof(c->addr)));
	strscpy(c->name, name, sizeof(c->name));
	c->seen = jiffies;
	c->refused++;
	spin_unlock_bh(&cn->cand_lock);
}

static void keypair_free(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct collab_keypair, rcu));
}

static void keypair_put(struct collab_keypair *kp)
{
	if (kp)
		call_rcu(&kp->rcu, keypair_free);
}

/* Forget the link's keys and any handshake under way; under peer->lock. */
void collab_crypto_peer_reset(struct collab_peer *peer)
{
	struct collab_peer_keys *pk = &peer->keys;

	keypair_put(rcu_replace_pointer(pk->cur, NULL,
					lockdep_is_held(&peer->lock)));
	keypair_put(rcu_replace_pointer(pk->prev, NULL,
					lockdep_is_held(&peer->lock)));
	keypair_put(rcu_replace_pointer(pk->next, NULL,
					lockdep_is_held(&peer->lock)));
	pk->hs_sent = false;
	memzero_explicit(pk->ephemeral, sizeof(pk->ephemeral));
	memzero_explicit(pk->ck, sizeof(pk->ck));
	memzero_explicit(pk->hash, sizeof(pk->hash));
}

/* When the peer goes: nothing reads its keys any more. */
void collab_crypto_peer_free(struct collab_peer *peer)
{
	struct collab_peer_keys *pk = &peer->keys;

	kfree_sensitive(rcu_dereference_protected(pk->cur, true));
	kfree_sensitive(rcu_dereference_protected(pk->prev, true));
	kfree_sensitive(rcu_dereference_protected(pk->next, true));
	memzero_explicit(pk, sizeof(*pk));
}

/* @kp, if not NULL, becomes the link's keys; under peer->lock. */
static void keypair_use(struct collab_peer *peer, struct collab_keypair *kp)
{
	struct collab_peer_keys *pk = &peer->keys;
	struct collab_keypair *old;

	old = rcu_replace_pointer(pk->cur, kp, lockdep_is_held(&peer->lock));
	/* The keys before stay, for what was sealed with them on the way. */
	keypair_put(rcu_replace_pointer(pk->prev, old,
					lockdep_is_held(&peer->lock)));
}

/*
 * Install @kp, under peer->lock: in use at once when @confirmed (the
 * initiator's side), else next, until the initiator uses it.
 */
void collab_keypair_install(struct collab_peer *peer, struct collab_keypair *kp,
			    bool confirmed)
{
	struct collab_peer_keys *pk = &peer->keys;

	if (confirmed)
		keypair_use(peer, kp);
	else
		keypair_put(rcu_replace_pointer(pk->next, kp,
						lockdep_is_held(&peer->lock)));
	pk->handshake_time = ktime_get_real_seconds();
	pk->handshakes++;
	collab_stat_inc(peer->cn, COLLAB_STAT_HANDSHAKES);
}

/*
 * A HELLO from the peer announced @key, under peer->lock: a peer keeps
 * the key it announced first until its keys are forgotten. False: not
 * the key this peer has.
 */
bool collab_crypto_peer_key(struct collab_peer *peer, const u8 *key)
{
	struct collab_peer_keys *pk = &peer->keys;

	if (!crypto_memneq(pk->remote, key, COLLAB_KEY_LEN))
		return true;
	if (rcu_access_pointer(pk->cur) || pk->hs_sent)
		return false;
	/* Not the key of its id (collab_crypto_admit() counts them). */
	if (!key_is_zero(key) && !key_gives(key, &peer->id))
		return false;
	memcpy(pk->remote, key, COLLAB_KEY_LEN);
	pk->has_dh = false;
	return true;
}

/* The peer links sealed: both sides have keys. Under peer->lock. */
static bool peer_keyed(struct collab_peer *peer)
{
	return !key_is_zero(peer->keys.remote) &&
	       collab_crypto_keyed(peer->cn);
}

bool collab_crypto_encrypted(struct collab_peer *peer)
{
	return rcu_access_pointer(peer->keys.cur);
}

/*
 * Whether a packet with key_id @key_id may act on the link, under
 * peer->lock: a sealed one always (it was opened), one in clear only on
 * a link in clear, where this node's policy allows.
 */
bool collab_crypto_sealed_ok(struct collab_peer *peer, u8 key_id)
{
	struct collab_net *cn = peer->cn;

	if (key_id)
		return true;
	if (!peer_keyed(peer) &&
	    (!collab_crypto_keyed(cn) ||
	     READ_ONCE(cn->plaintext) == COLLAB_PLAINTEXT_ALLOW))
		return true;
	collab_stat_inc(cn, COLLAB_STAT_DROP_PLAINTEXT);
	return false;
}

/* Whether this node starts the handshakes with @peer: the lower id does. */
static bool initiator(struct collab_peer *peer)
{
	struct collab_guid self;

	collab_node_id(peer->cn, &self);
	return memcmp(&self, &peer->id, sizeof(self)) < 0;
}

/*
 * Under peer->lock, on the link's timer and when a HELLO comes: the
 * initiator of a keyed link without keys starts a handshake, again after
 * HELLO_MS without an answer, and a new one (a rekey) once its keys are
 * COLLAB_REKEY_SECS old.
 */
void collab_crypto_kick(struct collab_peer *peer, struct collab_xmit *x)
{
	struct collab_peer_keys *pk = &peer->keys;
	struct collab_keypair *kp;
	struct sk_buff *skb;

	if (!peer_keyed(peer) || !initiator(peer) ||
	    (!collab_crypto_has_psk(peer->cn) &&
	     !collab_trusted(peer->cn, pk->remote)))
		return;
	if (pk->hs_sent &&
	    time_before(jiffies, pk->hs_at + msecs_to_jiffies(HELLO_MS)))
		return;
	kp = rcu_dereference_protected(pk->cur, lockdep_is_held(&peer->lock));
	if (kp && time_before(jiffies, kp->created + COLLAB_REKEY_SECS * HZ) &&
	    max_t(u64, atomic64_read(&kp->send_nonce), READ_ONCE(kp->replay_top)) <
	    READ_ONCE(peer->cn->rekey_packets))
		return;
	skb = collab_hs_init(peer);
	if (skb)
		__skb_queue_tail(&x->q, skb);
}

/*
 * A HELLO in clear from a keyed peer, under peer->lock: it proved its
 * address, nothing more, so it changes no link state. One from a node
 * with no link to us (@src_epoch 0) says that the keys we have are gone
 * on its side. False: the HELLO stops here.
 */
bool collab_crypto_hello(struct collab_peer *peer, u32 src_epoch, u8 key_id,
			 struct collab_xmit *x)
{
	if (!peer_keyed(peer) || key_id)
		return collab_crypto_sealed_ok(peer, key_id);
	if (!src_epoch && rcu_access_pointer(peer->keys.cur)) {
		collab_crypto_peer_reset(peer);
		collab_link_down(peer);
	}
	if (!src_epoch)
		collab_link_send_hello(peer, x);
	collab_crypto_kick(peer, x);
	return false;
}

/*
 * A packet sealed with the keys @key_id opened: if they are the next ones,
 * the initiator has them, and they are used from now on.
 */
void collab_crypto_confirm(struct collab_peer *peer, u8 key_id)
{
	struct collab_peer_keys *pk = &peer->keys;
	struct collab_keypair *kp;

	if (!rcu_access_pointer(pk->next))
		return;
	spin_lock_bh(&peer->lock);
	kp = rcu_dereference_protected(pk->next, lockdep_is_held(&peer->lock));
	if (kp && kp->id == key_id) {
		RCU_INIT_POINTER(pk->next, NULL);
		keypair_use(peer, kp);
	}
	spin_unlock_bh(&peer->lock);
}
