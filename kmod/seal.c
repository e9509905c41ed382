// SPDX-License-Identifier: GPL-2.0
/*
 * collab: sealed link packets.
 *
 * After a handshake (handshake.c) every packet of a link is sealed with
 * ChaCha20-Poly1305: the link header, in clear, is the associated data,
 * and its nonce field a counter of the sending keys. A packet is opened
 * before anything but its header is read; one that fails is counted and
 * dropped, as is one whose counter the replay window (RFC 6479) has seen
 * or left behind. Stored packets stay in clear: each transmission seals a
 * copy under a fresh counter, so a retransmission after a rekey goes out
 * under the new keys and nothing is lost across it.
 */
#include <crypto/chacha20poly1305.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "crypto.h"
#include "link.h"

/* A sending key seals this many packets at most. */
#define REJECT_AFTER_NONCES	(U64_MAX - (1ULL << 13))
#define REPLAY_BITS		(COLLAB_REPLAY_WORDS * BITS_PER_LONG)
/* Scatterlist entries on the stack; a packet that needs more allocates. */
#define SG_STACK		(MAX_SKB_FRAGS + 4)
/* Linear packets up to this size are sealed into recycled pages. */
#define COLLAB_SEAL_LINEAR_MAX	SZ_16K

/* ---- sealing ------------------------------------------------------------ */

/* A copy of @skb's payload after @off into the pages of @to, from @at. */
static int copy_to_frags(struct sk_buff *to, int at, const struct sk_buff *skb,
			 int off, int len)
{
	int i, n;

	for (i = 0; i < skb_shinfo(to)->nr_frags && len > 0; i++) {
		skb_frag_t *f = &skb_shinfo(to)->frags[i];

		n = min_t(int, len, skb_frag_size(f) - at);
		if (skb_copy_bits(skb, off, skb_frag_address(f) + at, n))
			return -EFAULT;
		off += n;
		len -= n;
		at = 0;
	}
	return 0;
}

/*
 * Seal or open @len bytes of @skb from @off in place, @ad (not in @skb:
 * making a received one writable may move its head) the associated data.
 * A packet to seal is a fresh copy, its pages its own.
 */
static int seal_sg(struct sk_buff *skb, int off, int len, const u8 *ad,
		   u64 nonce, const u8 *key, bool open)
{
	struct scatterlist stack[SG_STACK], *sg = stack;
	struct sk_buff *trailer;
	int n, err = 0;
	bool ok;

	n = open ? skb_cow_data(skb, 0, &trailer) :
		   skb_shinfo(skb)->nr_frags + 1;
	if (n < 0)
		return n;
	if (n > SG_STACK) {
		sg = kmalloc_array(n, sizeof(*sg), GFP_ATOMIC);
		if (!sg)
			return -ENOMEM;
	}
	sg_init_table(sg, n);
	n = skb_to_sgvec(skb, sg, off, len);
	if (n < 0) {
		err = n;
		goto out;
	}
	if (open)
		ok = chacha20poly1305_decrypt_sg_inplace(sg, len,
							 ad, sizeof(struct collab_link_hdr),
							 nonce, key);
	else
		ok = chacha20poly1305_encrypt_sg_inplace(sg, len - COLLAB_TAG_LEN,
							 ad, sizeof(struct collab_link_hdr),
							 nonce, key);
	if (!ok)
		err = -EBADMSG;
out:
	if (sg != stack)
		kfree(sg);
	return err;
}

/* A new packet for the wire: @skb's header, its payload to be sealed. */
static struct sk_buff *seal_copy(struct sk_buff *skb)
{
	unsigned int hlen = sizeof(struct collab_link_hdr);
	unsigned int plen = skb->len - hlen + COLLAB_TAG_LEN;
	struct sk_buff *c;
	int err;

	if (plen <= SZ_1K) {
		c = alloc_skb(COLLAB_HEADROOM + hlen + plen, GFP_ATOMIC);
		if (!c)
			return NULL;
		skb_reserve(c, COLLAB_HEADROOM);
		if (skb_copy_bits(skb, 0, skb_put(c, skb->len), skb->len))
			goto fail;
		skb_put(c, COLLAB_TAG_LEN);
		return c;
	}
	c = alloc_skb_with_frags(COLLAB_HEADROOM + hlen, plen,
				 PAGE_ALLOC_COSTLY_ORDER, &err, GFP_ATOMIC);
	if (!c)
		return NULL;
	skb_reserve(c, COLLAB_HEADROOM);
	skb_copy_bits(skb, 0, skb_put(c, hlen), hlen);
	c->len += plen;
	c->data_len = plen;
	if (copy_to_frags(c, 0, skb, hlen, skb->len - hlen))
		goto fail;
	return c;
fail:
	kfree_skb(c);
	return NULL;
}

/*
 * A linear packet sealed from where it is stored into a new one, in pages
 * that come back rather than fresh ones zeroed first: the cipher writes
 * the copy. NULL if there is no such page.
 */
static struct sk_buff *seal_linear(struct sk_buff *skb, u64 nonce,
				   const u8 *key)
{
	unsigned int hlen = sizeof(struct collab_link_hdr);
	struct sk_buff *c;

	c = collab_link_piece_alloc(skb->len + COLLAB_TAG_LEN);
	if (!c)
		return NULL;
	skb_put_data(c, skb->data, hlen);
	chacha20poly1305_encrypt(skb_put(c, skb->len - hlen + COLLAB_TAG_LEN),
				 skb->data + hlen, skb->len - hlen, c->data,
				 hlen, nonce, key);
	return c;
}

/*
 * After peer->lock, with BH off: @skb sealed under the link's keys, as a
 * new packet (@skb is consumed), or @skb itself where the link has none
 * or it is a handshake message. NULL: dropped, and counted.
 */
struct sk_buff *collab_crypto_seal(struct collab_peer *peer,
				   struct sk_buff *skb)
{
	struct collab_link_hdr *h = (struct collab_link_hdr *)skb->data;
	struct collab_keypair *kp;
	struct sk_buff *c = NULL;
	u64 nonce;

	if (h->type == COLLAB_LINK_INIT || h->type == COLLAB_LINK_RESP)
		return skb;
	rcu_read_lock();
	kp = rcu_dereference(peer->keys.cur);
	if (!kp) {
		rcu_read_unlock();
		return skb;
	}
	nonce = atomic64_inc_return(&kp->send_nonce) - 1;
	if (nonce >= REJECT_AFTER_NONCES)
		goto out;
	h->key_id = kp->id;
	h->nonce = cpu_to_be64(nonce);
	if (!skb_is_nonlinear(skb) && skb->len <= COLLAB_SEAL_LINEAR_MAX) {
		c = seal_linear(skb, nonce, kp->send);
		if (c)
			goto out;
	}
	c = seal_copy(skb);
	if (!c)
		goto out;
	if (seal_sg(c, sizeof(*h), c->len - sizeof(*h), (u8 *)h, nonce,
		    kp->send, false)) {
		kfree_skb(c);
		c = NULL;
	}
out:
	rcu_read_unlock();
	if (!c)
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_NOMEM);
	consume_skb(skb);
	return c;
}

/* ---- opening ------------------------------------------------------------ */

/* Whether counter @n (a nonce plus one) is behind the window. */
static bool replay_behind(const struct collab_keypair *kp, u64 n)
{
	return n + REPLAY_BITS - BITS_PER_LONG <= kp->replay_top;
}

/* Whether @nonce may still be new, before the packet is opened. */
static bool replay_fresh(struct collab_keypair *kp, u64 nonce)
{
	u64 n = nonce + 1;
	bool fresh;

	spin_lock(&kp->replay_lock);
	fresh = nonce < REJECT_AFTER_NONCES && !replay_behind(kp, n) &&
		(n > kp->replay_top ||
		 !test_bit(n % REPLAY_BITS, kp->replay));
	spin_unlock(&kp->replay_lock);
	return fresh;
}

/* Take @nonce of an opened packet: false if it was taken already. */
static bool replay_take(struct collab_keypair *kp, u64 nonce)
{
	u64 n = nonce + 1, word, top;
	bool fresh = false;

	spin_lock(&kp->replay_lock);
	if (replay_behind(kp, n))
		goto out;
	if (n > kp->replay_top) {
		/* The window slides: the words it leaves behind are clear. */
		top = kp->replay_top / BITS_PER_LONG;
		word = min_t(u64, n / BITS_PER_LONG - top, COLLAB_REPLAY_WORDS);
		while (word--)
			kp->replay[++top % COLLAB_REPLAY_WORDS] = 0;
		kp->replay_top = n;
	}
	fresh = !test_and_set_bit(n % REPLAY_BITS, kp->replay);
out:
	spin_unlock(&kp->replay_lock);
	return fresh;
}

static struct collab_keypair *keypair_for(struct collab_peer *peer, u8 id)
{
	struct collab_keypair *kp = rcu_dereference(peer->keys.cur);

	if (kp && kp->id == id)
		return kp;
	kp = rcu_dereference(peer->keys.next);
	if (kp && kp->id == id)
		return kp;
	kp = rcu_dereference(peer->keys.prev);
	if (kp && kp->id == id)
		return kp;
	return NULL;
}

/*
 * In softirq, for a packet with a key_id: open it in place, its tag
 * trimmed, or say why not (counted). Only its header was read before.
 */
int collab_crypto_open(struct collab_peer *peer, struct sk_buff *skb)
{
	struct collab_link_hdr h = *(struct collab_link_hdr *)skb->data;
	struct collab_net *cn = peer->cn;
	u64 nonce = be64_to_cpu(h.nonce);
	struct collab_keypair *kp;
	int err = -EKEYREJECTED;

	rcu_read_lock();
	kp = keypair_for(peer, h.key_id);
	if (!kp) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_AUTH);
		goto out;
	}
	if (!replay_fresh(kp, nonce)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_REPLAY);
		goto out;
	}
	err = seal_sg(skb, sizeof(h), skb->len - sizeof(h), (u8 *)&h, nonce,
		      kp->recv, true);
	if (err) {
		collab_stat_inc(cn, err == -EBADMSG ? COLLAB_STAT_DROP_AUTH :
				COLLAB_STAT_DROP_NOMEM);
		goto out;
	}
	if (!replay_take(kp, nonce)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_REPLAY);
		err = -EKEYREJECTED;
		goto out;
	}
	err = pskb_trim(skb, skb->len - COLLAB_TAG_LEN);
	if (err)
		collab_stat_inc(cn, COLLAB_STAT_DROP_NOMEM);
out:
	rcu_read_unlock();
	return err;
}
