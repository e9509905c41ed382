// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the node's keys and the keys it trusts, over generic netlink.
 * Private and cluster keys go in and never come out; every change needs
 * CAP_NET_ADMIN in the namespace's user namespace (the ops' flags).
 */
#include <net/genetlink.h>
#include <net/sock.h>

#include "crypto.h"
#include "netlink.h"

#define KEY_POLICY NLA_POLICY_EXACT_LEN(COLLAB_KEY_LEN)

static const struct nla_policy trust_policy[COLLAB_TRUST_A_MAX + 1] = {
	[COLLAB_TRUST_A_PUBLIC_KEY] = KEY_POLICY,
	[COLLAB_TRUST_A_NAME] = { .type = NLA_NUL_STRING,
				  .len = COLLAB_NODE_NAME_MAX - 1 },
};

const struct nla_policy collab_nl_trust_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_TRUST] = NLA_POLICY_NESTED(trust_policy),
};

/*
 * The id of the node after NODE_SET @a: a node with a key has the id its
 * key gives (crypto.c), so an id may be set only on a node that has no
 * key after it. 1 and the id in @id when the request sets a key; 0 when
 * the id stays or is @a's own; -EINVAL. Under collab_net.lock.
 */
int collab_nl_node_key_id(struct collab_net *cn, struct nlattr **a,
			  struct collab_guid *id, struct netlink_ext_ack *extack)
{
	struct nlattr *key_attr = a[COLLAB_A_PRIVATE_KEY];
	u8 key[COLLAB_KEY_LEN], pub[COLLAB_KEY_LEN];
	bool ok, removed = false;

	lockdep_assert_held(&cn->lock);
	if (key_attr) {
		nla_memcpy(key, key_attr, sizeof(key));
		removed = !memchr_inv(key, 0, sizeof(key));
		ok = removed || collab_key_public(key, pub);
		memzero_explicit(key, sizeof(key));
		if (!ok) {
			NL_SET_ERR_MSG_ATTR(extack, key_attr,
					    "not a usable Curve25519 private key");
			return -EINVAL;
		}
	}
	if (a[COLLAB_A_NODE_ID] && !removed &&
	    (key_attr || collab_crypto_keyed(cn))) {
		NL_SET_ERR_MSG_ATTR(extack, a[COLLAB_A_NODE_ID],
				    "a node with a key has the id its key gives: remove the key to set another id");
		return -EINVAL;
	}
	if (!key_attr || removed)
		return 0;
	collab_key_node_id(pub, id);
	return 1;
}

/* NODE_SET: the keys and the plaintext policy given, if any. */
int collab_nl_node_keys_set(struct collab_net *cn, struct nlattr **a,
			    struct netlink_ext_ack *extack)
{
	u8 key[COLLAB_KEY_LEN];
	int err = 0;

	lockdep_assert_held(&cn->lock);
	if (a[COLLAB_A_PRIVATE_KEY]) {
		nla_memcpy(key, a[COLLAB_A_PRIVATE_KEY], sizeof(key));
		err = collab_crypto_set_key(cn, key, false);
		if (err)
			NL_SET_ERR_MSG_ATTR(extack, a[COLLAB_A_PRIVATE_KEY],
					    "not a usable Curve25519 private key");
	}
	if (!err && a[COLLAB_A_PSK]) {
		nla_memcpy(key, a[COLLAB_A_PSK], sizeof(key));
		err = collab_crypto_set_key(cn, key, true);
	}
	memzero_explicit(key, sizeof(key));
	if (!err && a[COLLAB_A_PLAINTEXT])
		WRITE_ONCE(cn->plaintext, nla_get_u8(a[COLLAB_A_PLAINTEXT]));
	return err;
}

/* NODE_GET: what may be shown of them. */
int collab_nl_node_keys_put(struct sk_buff *skb, struct collab_net *cn)
{
	u8 pub[COLLAB_KEY_LEN];

	if (collab_crypto_public_key(cn, pub) &&
	    nla_put(skb, COLLAB_A_PUBLIC_KEY, sizeof(pub), pub))
		return -EMSGSIZE;
	if (nla_put_u8(skb, COLLAB_A_HAS_PSK, collab_crypto_has_psk(cn)) ||
	    nla_put_u8(skb, COLLAB_A_PLAINTEXT, READ_ONCE(cn->plaintext)))
		return -EMSGSIZE;
	return 0;
}

static int parse_trust(struct genl_info *info, struct nlattr **tb)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, COLLAB_A_TRUST)) {
		NL_SET_ERR_MSG(info->extack, "which key? give a public key");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, COLLAB_TRUST_A_MAX, info->attrs[COLLAB_A_TRUST],
			       trust_policy, info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[COLLAB_A_TRUST], tb,
			      COLLAB_TRUST_A_PUBLIC_KEY)) {
		NL_SET_ERR_MSG(info->extack, "which key? give a public key");
		return -EINVAL;
	}
	return 0;
}

int collab_nl_trust_add(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct nlattr *tb[COLLAB_TRUST_A_MAX + 1];
	char name[COLLAB_NODE_NAME_MAX] = "";
	int err;

	err = parse_trust(info, tb);
	if (err)
		return err;
	if (tb[COLLAB_TRUST_A_NAME])
		nla_strscpy(name, tb[COLLAB_TRUST_A_NAME], sizeof(name));
	mutex_lock(&cn->lock);
	err = collab_trust_add(cn, nla_data(tb[COLLAB_TRUST_A_PUBLIC_KEY]),
			       tb[COLLAB_TRUST_A_NAME] ? name : NULL);
	mutex_unlock(&cn->lock);
	if (err == -EINVAL)
		NL_SET_ERR_MSG(info->extack, "an all-zero key is no key");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "too many trusted keys");
	return min(err, 0);
}

int collab_nl_trust_del(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct nlattr *tb[COLLAB_TRUST_A_MAX + 1];
	int err;

	err = parse_trust(info, tb);
	if (err)
		return err;
	mutex_lock(&cn->lock);
	err = collab_trust_del(cn, nla_data(tb[COLLAB_TRUST_A_PUBLIC_KEY]));
	mutex_unlock(&cn->lock);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "that key is not trusted");
	return err;
}

/* A dump message with a COLLAB_A_TRUST nest for @key; NULL: no room. */
static void *trust_start(struct sk_buff *skb, struct netlink_callback *cb,
			 const u8 *key, struct nlattr **nest)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &collab_genl_family, NLM_F_MULTI,
			  COLLAB_CMD_TRUST_GET);
	if (!hdr)
		return NULL;
	*nest = nla_nest_start(skb, COLLAB_A_TRUST);
	if (!*nest ||
	    nla_put(skb, COLLAB_TRUST_A_PUBLIC_KEY, COLLAB_KEY_LEN, key)) {
		genlmsg_cancel(skb, hdr);
		return NULL;
	}
	return hdr;
}

static int fill_trust(struct sk_buff *skb, struct collab_trust *t,
		      struct netlink_callback *cb)
{
	struct nlattr *nest;
	void *hdr;

	hdr = trust_start(skb, cb, t->public_key, &nest);
	if (!hdr)
		return -EMSGSIZE;
	if ((t->name[0] && nla_put_string(skb, COLLAB_TRUST_A_NAME, t->name)) ||
	    nla_put_u64_64bit(skb, COLLAB_TRUST_A_HANDSHAKES,
			      atomic64_read(&t->handshakes),
			      COLLAB_TRUST_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

static int fill_candidate(struct sk_buff *skb, const struct collab_candidate *c,
			  struct netlink_callback *cb)
{
	u32 seen = jiffies_to_msecs(jiffies - c->seen);
	struct nlattr *nest;
	void *hdr;

	hdr = trust_start(skb, cb, c->public_key, &nest);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u8(skb, COLLAB_TRUST_A_CANDIDATE, 1) ||
	    nla_put(skb, COLLAB_TRUST_A_NODE_ID, sizeof(c->id), &c->id) ||
	    nla_put(skb, COLLAB_TRUST_A_ADDR,
		    c->addr.sin6_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(c->addr), &c->addr) ||
	    (c->name[0] && nla_put_string(skb, COLLAB_TRUST_A_NAME, c->name)) ||
	    nla_put_u64_64bit(skb, COLLAB_TRUST_A_REFUSED, c->refused,
			      COLLAB_TRUST_A_PAD) ||
	    nla_put_u32(skb, COLLAB_TRUST_A_SEEN_MS, seen)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/* The candidates from index cb->args[1] on. */
static int dump_candidates(struct sk_buff *skb, struct collab_net *cn,
			   struct netlink_callback *cb)
{
	struct collab_candidate c;
	int err = 0;

	for (; cb->args[1] < COLLAB_CANDIDATES; cb->args[1]++) {
		spin_lock_bh(&cn->cand_lock);
		c = cn->cands[cb->args[1]];
		spin_unlock_bh(&cn->cand_lock);
		if (!c.refused)
			continue;
		err = fill_candidate(skb, &c, cb);
		if (err)
			break;
	}
	return err;
}

/*
 * The trusted keys, then the candidates. A dump resumes after the
 * creation number of the last key sent, then at the next candidate.
 */
int collab_nl_trust_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct collab_net *cn = collab_net(sock_net(skb->sk));
	struct collab_trust *t;
	u64 *last = (u64 *)&cb->args[0];
	int err = 0;

	mutex_lock(&cn->lock);
	if (!cb->args[2]) {
		list_for_each_entry(t, &cn->trusted, node) {
			if (t->seq <= *last)
				continue;
			err = fill_trust(skb, t, cb);
			if (err)
				break;
			*last = t->seq;
		}
		if (!err)
			cb->args[2] = 1;
	}
	if (!err)
		err = dump_candidates(skb, cn, cb);
	mutex_unlock(&cn->lock);
	return err == -EMSGSIZE && skb->len ? skb->len : err ?: skb->len;
}
