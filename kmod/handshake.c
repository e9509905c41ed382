// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the key handshake of a link, Noise_IKpsk1_25519_ChaChaPoly_BLAKE2s
 * on the kernel's own primitives:
 *
 *   INIT  ->  e, es, s, ss, psk, {time}
 *   RESP  <-  e, ee, se, {}
 *
 * The node with the lower id starts it (collab_crypto_kick()); it knows
 * the other's static key from its HELLO. Both node ids and the key id are
 * the prologue, so the keys are bound to this pair of nodes. The cluster
 * key (all-zero when none is set) is mixed in before the time is sealed:
 * an INIT that opens proves its sender holds the static key it claims and
 * the cluster key. The time, later than the last taken from the peer,
 * makes a replayed INIT worthless. One round trip gives both sides a key
 * per direction; ephemeral keys give forward secrecy.
 *
 * A handshake message is taken only from a peer, which proved its address
 * with a cookie first (cookie.c), and only so many per second and
 * namespace: the responder makes nothing before the INIT opens.
 */
#include <crypto/algapi.h>
#include <crypto/blake2s.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/curve25519.h>
#include <linux/ratelimit.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "crypto.h"
#include "link.h"

static const char protocol[] = "Noise_IKpsk1_25519_ChaChaPoly_BLAKE2s";
static const char prologue[] = "collab link 1";

/* The state of a handshake on one side: chaining key, hash, key. */
struct noise {
	u8 ck[BLAKE2S_HASH_SIZE];
	u8 h[BLAKE2S_HASH_SIZE];
	u8 k[CHACHA20POLY1305_KEY_SIZE];
};

static void noise_wipe(struct noise *n)
{
	memzero_explicit(n, sizeof(*n));
}

/* HMAC-BLAKE2s of @in under a key of one hash's length. */
static void hmac(u8 *out, const u8 *key, const u8 *in, size_t len)
{
	u8 pad[BLAKE2S_BLOCK_SIZE] = {}, inner[BLAKE2S_HASH_SIZE];
	struct blake2s_state s;
	int i;

	memcpy(pad, key, BLAKE2S_HASH_SIZE);
	for (i = 0; i < BLAKE2S_BLOCK_SIZE; i++)
		pad[i] ^= 0x36;
	blake2s_init(&s, BLAKE2S_HASH_SIZE);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, in, len);
	blake2s_final(&s, inner);
	for (i = 0; i < BLAKE2S_BLOCK_SIZE; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	blake2s_init(&s, BLAKE2S_HASH_SIZE);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, inner, sizeof(inner));
	blake2s_final(&s, out);
	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(inner, sizeof(inner));
}

/* HKDF over BLAKE2s: up to three outputs from @ck and @in. */
static void kdf(u8 *a, u8 *b, u8 *c, const u8 *ck, const u8 *in, size_t len)
{
	u8 prk[BLAKE2S_HASH_SIZE], t[BLAKE2S_HASH_SIZE + 1];

	hmac(prk, ck, in, len);
	t[0] = 1;
	hmac(t, prk, t, 1);
	memcpy(a, t, BLAKE2S_HASH_SIZE);
	if (b) {
		t[BLAKE2S_HASH_SIZE] = 2;
		hmac(t, prk, t, sizeof(t));
		memcpy(b, t, BLAKE2S_HASH_SIZE);
	}
	if (c) {
		t[BLAKE2S_HASH_SIZE] = 3;
		hmac(t, prk, t, sizeof(t));
		memcpy(c, t, BLAKE2S_HASH_SIZE);
	}
	memzero_explicit(prk, sizeof(prk));
	memzero_explicit(t, sizeof(t));
}

static void mix_hash(struct noise *n, const void *in, size_t len)
{
	struct blake2s_state s;

	blake2s_init(&s, BLAKE2S_HASH_SIZE);
	blake2s_update(&s, n->h, sizeof(n->h));
	blake2s_update(&s, in, len);
	blake2s_final(&s, n->h);
}

/* An ephemeral key: into the hash and, with a pre-shared key, the chain. */
static void mix_ephemeral(struct noise *n, const u8 *pub)
{
	kdf(n->ck, NULL, NULL, n->ck, pub, COLLAB_KEY_LEN);
	mix_hash(n, pub, COLLAB_KEY_LEN);
}

static bool mix_dh(struct noise *n, const u8 *private, const u8 *public)
{
	u8 dh[CURVE25519_KEY_SIZE];
	bool ok = curve25519(dh, private, public);

	if (ok)
		kdf(n->ck, n->k, NULL, n->ck, dh, sizeof(dh));
	memzero_explicit(dh, sizeof(dh));
	return ok;
}

static void mix_psk(struct noise *n, const u8 *psk)
{
	u8 t[BLAKE2S_HASH_SIZE];

	kdf(n->ck, t, n->k, n->ck, psk, COLLAB_KEY_LEN);
	mix_hash(n, t, sizeof(t));
	memzero_explicit(t, sizeof(t));
}

static void seal_hash(struct noise *n, u8 *dst, const u8 *src, size_t len)
{
	chacha20poly1305_encrypt(dst, src, len, n->h, sizeof(n->h), 0, n->k);
	mix_hash(n, dst, len + COLLAB_TAG_LEN);
}

static bool open_hash(struct noise *n, u8 *dst, const u8 *src, size_t len)
{
	if (!chacha20poly1305_decrypt(dst, src, len, n->h, sizeof(n->h), 0,
				      n->k))
		return false;
	mix_hash(n, src, len);
	return true;
}

/* The start both sides share: protocol, prologue, responder's key. */
static void noise_start(struct noise *n, const struct collab_guid *ini,
			const struct collab_guid *resp, u8 key_id,
			const u8 *resp_static)
{
	blake2s(n->ck, protocol, NULL, sizeof(n->ck), sizeof(protocol) - 1, 0);
	memcpy(n->h, n->ck, sizeof(n->h));
	mix_hash(n, prologue, sizeof(prologue) - 1);
	mix_hash(n, ini, sizeof(*ini));
	mix_hash(n, resp, sizeof(*resp));
	mix_hash(n, &key_id, 1);
	mix_hash(n, resp_static, COLLAB_KEY_LEN);
}

/* DH of the two static keys, computed once per node key and peer key. */
static const u8 *static_dh(struct collab_peer *peer,
			   const struct collab_node_keys *nk)
{
	struct collab_peer_keys *pk = &peer->keys;
	unsigned int gen = READ_ONCE(peer->cn->key_gen);

	if (!pk->has_dh || pk->dh_gen != gen) {
		pk->has_dh = curve25519(pk->static_dh, nk->private_key,
					pk->remote);
		pk->dh_gen = gen;
	}
	return pk->has_dh ? pk->static_dh : NULL;
}

/* A handshake message of @type, with room for @len bytes of body. */
static struct sk_buff *hs_alloc(struct collab_peer *peer, u8 type, size_t len)
{
	struct collab_link_hdr *h;
	struct sk_buff *skb;

	skb = alloc_skb(COLLAB_HEADROOM + len, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, COLLAB_HEADROOM - sizeof(*h));
	h = skb_put_zero(skb, sizeof(*h));
	h->version = COLLAB_WIRE_VERSION;
	h->type = type;
	collab_node_id(peer->cn, &h->src_node);
	h->dst_node = peer->id;
	skb_put_zero(skb, len);
	return skb;
}

static struct collab_keypair *keypair_new(struct noise *n, u8 id,
					  bool initiator)
{
	struct collab_keypair *kp = kzalloc(sizeof(*kp), GFP_ATOMIC);

	if (!kp)
		return NULL;
	/* First the initiator's sending key, then the responder's. */
	if (initiator)
		kdf(kp->send, kp->recv, NULL, n->ck, NULL, 0);
	else
		kdf(kp->recv, kp->send, NULL, n->ck, NULL, 0);
	kp->id = id;
	kp->created = jiffies;
	spin_lock_init(&kp->replay_lock);
	return kp;
}

/* Under peer->lock: an INIT for the peer, its state kept; NULL: none. */
struct sk_buff *collab_hs_init(struct collab_peer *peer)
{
	struct collab_peer_keys *pk = &peer->keys;
	const struct collab_node_keys *nk;
	struct collab_hs_init *m;
	struct noise n = {};
	struct sk_buff *skb = NULL;
	struct collab_guid self;
	const u8 *ss;
	__be64 now;

	rcu_read_lock();
	nk = rcu_dereference(peer->cn->keys);
	if (!nk || !nk->has_key)
		goto out;
	ss = static_dh(peer, nk);
	if (!ss)
		goto out;
	pk->next_id = pk->next_id + 1 ?: 1;
	skb = hs_alloc(peer, COLLAB_LINK_INIT, sizeof(*m));
	if (!skb)
		goto out;
	m = (struct collab_hs_init *)(skb->data + sizeof(struct collab_link_hdr));
	m->key_id = pk->next_id;
	collab_node_id(peer->cn, &self);
	noise_start(&n, &self, &peer->id, m->key_id, pk->remote);
	curve25519_generate_secret(pk->ephemeral);
	if (!curve25519_generate_public(m->ephemeral, pk->ephemeral) ||
	    (mix_ephemeral(&n, m->ephemeral),
	     !mix_dh(&n, pk->ephemeral, pk->remote))) {
		kfree_skb(skb);
		skb = NULL;
		goto out;
	}
	seal_hash(&n, m->sealed_static, nk->public_key, COLLAB_KEY_LEN);
	kdf(n.ck, n.k, NULL, n.ck, ss, COLLAB_KEY_LEN);
	mix_psk(&n, nk->psk);
	now = cpu_to_be64(ktime_get_real_ns());
	seal_hash(&n, m->sealed_time, (u8 *)&now, sizeof(now));
	memcpy(pk->ck, n.ck, sizeof(pk->ck));
	memcpy(pk->hash, n.h, sizeof(pk->hash));
	pk->hs_id = m->key_id;
	pk->hs_sent = true;
	pk->hs_at = jiffies;
out:
	rcu_read_unlock();
	noise_wipe(&n);
	return skb;
}

static void trust_count(struct collab_net *cn, const u8 *key)
{
	struct collab_trust *t;

	list_for_each_entry_rcu(t, &cn->trusted, node)
		if (!crypto_memneq(t->public_key, key, COLLAB_KEY_LEN))
			atomic64_inc(&t->handshakes);
}

/*
 * The INIT opens: the peer's static key and time, checked. Under RCU.
 * 0, or the counter that the failure goes to.
 */
static int init_open(struct collab_peer *peer, const struct collab_node_keys *nk,
		     const struct collab_hs_init *m, struct noise *n)
{
	struct collab_peer_keys *pk = &peer->keys;
	u8 remote[COLLAB_KEY_LEN];
	struct collab_guid self;
	const u8 *ss;
	__be64 time;
	int err = COLLAB_STAT_DROP_AUTH;

	collab_node_id(peer->cn, &self);
	noise_start(n, &peer->id, &self, m->key_id, nk->public_key);
	mix_ephemeral(n, m->ephemeral);
	if (!mix_dh(n, nk->private_key, m->ephemeral) ||
	    !open_hash(n, remote, m->sealed_static, sizeof(m->sealed_static)))
		goto out;
	/* The key it announced, and one this node links with. */
	if (!collab_crypto_peer_key(peer, remote))
		goto out;
	if (!nk->has_psk && !collab_trusted(peer->cn, remote)) {
		err = COLLAB_STAT_DROP_UNTRUSTED;
		goto out;
	}
	ss = static_dh(peer, nk);
	if (!ss)
		goto out;
	kdf(n->ck, n->k, NULL, n->ck, ss, COLLAB_KEY_LEN);
	mix_psk(n, nk->psk);
	if (!open_hash(n, (u8 *)&time, m->sealed_time, sizeof(m->sealed_time)))
		goto out;
	if (be64_to_cpu(time) <= pk->last_time) {
		err = COLLAB_STAT_DROP_REPLAY;
		goto out;
	}
	pk->last_time = be64_to_cpu(time);
	err = 0;
out:
	memzero_explicit(remote, sizeof(remote));
	return err;
}

/* Under peer->lock: answer an INIT, and take the keys it gives. */
static void init_rcv(struct collab_peer *peer, const struct collab_hs_init *m,
		     struct collab_xmit *x)
{
	struct collab_peer_keys *pk = &peer->keys;
	const struct collab_node_keys *nk;
	u8 e[CURVE25519_KEY_SIZE];
	struct collab_keypair *kp;
	struct collab_hs_resp *r;
	struct sk_buff *skb;
	struct noise n = {};
	int err;

	rcu_read_lock();
	nk = rcu_dereference(peer->cn->keys);
	err = COLLAB_STAT_DROP_PLAINTEXT;
	if (!nk || !nk->has_key)
		goto drop;
	err = init_open(peer, nk, m, &n);
	if (err)
		goto drop;
	err = COLLAB_STAT_DROP_NOMEM;
	skb = hs_alloc(peer, COLLAB_LINK_RESP, sizeof(*r));
	if (!skb)
		goto drop;
	r = (struct collab_hs_resp *)(skb->data + sizeof(struct collab_link_hdr));
	r->key_id = m->key_id;
	curve25519_generate_secret(e);
	if (!curve25519_generate_public(r->ephemeral, e) ||
	    (mix_ephemeral(&n, r->ephemeral), !mix_dh(&n, e, m->ephemeral)) ||
	    !mix_dh(&n, e, pk->remote)) {
		err = COLLAB_STAT_DROP_AUTH;
		goto drop_skb;
	}
	seal_hash(&n, r->sealed_empty, NULL, 0);
	kp = keypair_new(&n, m->key_id, false);
	if (!kp)
		goto drop_skb;
	collab_keypair_install(peer, kp, false);
	trust_count(peer->cn, pk->remote);
	rcu_read_unlock();
	__skb_queue_tail(&x->q, skb);
	goto out;

drop_skb:
	kfree_skb(skb);
drop:
	rcu_read_unlock();
	collab_stat_inc(peer->cn, err);
out:
	memzero_explicit(e, sizeof(e));
	noise_wipe(&n);
}

/* Under peer->lock: the answer to our INIT, and the keys. */
static void resp_rcv(struct collab_peer *peer, const struct collab_hs_resp *r,
		     struct collab_xmit *x)
{
	struct collab_peer_keys *pk = &peer->keys;
	const struct collab_node_keys *nk;
	struct collab_keypair *kp;
	struct noise n = {};
	int err = COLLAB_STAT_DROP_AUTH;

	rcu_read_lock();
	nk = rcu_dereference(peer->cn->keys);
	if (!nk || !nk->has_key || !pk->hs_sent || r->key_id != pk->hs_id)
		goto drop;
	if (!nk->has_psk && !collab_trusted(peer->cn, pk->remote)) {
		err = COLLAB_STAT_DROP_UNTRUSTED;
		goto drop;
	}
	memcpy(n.ck, pk->ck, sizeof(n.ck));
	memcpy(n.h, pk->hash, sizeof(n.h));
	mix_ephemeral(&n, r->ephemeral);
	if (!mix_dh(&n, pk->ephemeral, r->ephemeral) ||
	    !mix_dh(&n, nk->private_key, r->ephemeral) ||
	    !open_hash(&n, NULL, r->sealed_empty, sizeof(r->sealed_empty)))
		goto drop;
	err = COLLAB_STAT_DROP_NOMEM;
	kp = keypair_new(&n, r->key_id, true);
	if (!kp)
		goto drop;
	pk->hs_sent = false;
	memzero_explicit(pk->ephemeral, sizeof(pk->ephemeral));
	collab_keypair_install(peer, kp, true);
	trust_count(peer->cn, pk->remote);
	rcu_read_unlock();
	/* Sealed with them: the responder takes them into use, and the link
	 * state follows.
	 */
	collab_link_send_hello(peer, x);
	noise_wipe(&n);
	return;
drop:
	rcu_read_unlock();
	collab_stat_inc(peer->cn, err);
	noise_wipe(&n);
}

/*
 * Under peer->lock: an INIT or RESP (checked by collab_wire_hs(), its body
 * linear) from the peer's address. Consumes @skb.
 */
void collab_hs_rcv(struct collab_peer *peer, struct sk_buff *skb,
		   struct collab_xmit *x)
{
	const struct collab_link_hdr *h = (const void *)skb->data;
	const void *body = h + 1;

	if (!__ratelimit(&peer->cn->hs_rs))
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_RATELIMIT);
	else if (h->type == COLLAB_LINK_INIT)
		init_rcv(peer, body, x);
	else
		resp_rcv(peer, body, x);
	consume_skb(skb);
}
