// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the bearer and peer commands of the generic netlink family, and
 * the peer up/down events.
 */
#include <linux/inetdevice.h>
#include <linux/rculist.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "bearer.h"
#include "netlink.h"
#include "peer.h"
#include "reach.h"

#define SOCKADDR_POLICY { .type = NLA_BINARY, \
			  .len = sizeof(struct sockaddr_in6) }

static struct netlink_range_validation mtu_range = {
	.min = COLLAB_BEARER_MTU_MIN, .max = COLLAB_BEARER_MTU_MAX,
};

static const struct nla_policy bearer_policy[COLLAB_BEARER_A_MAX + 1] = {
	[COLLAB_BEARER_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[COLLAB_BEARER_A_LOCAL] = SOCKADDR_POLICY,
	[COLLAB_BEARER_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[COLLAB_BEARER_A_DISCOVERY] = SOCKADDR_POLICY,
	[COLLAB_BEARER_A_MTU] = NLA_POLICY_FULL_RANGE(NLA_U32, &mtu_range),
	[COLLAB_BEARER_A_NO_DISCOVERY] = { .type = NLA_FLAG },
};

static const struct nla_policy peer_key_policy[COLLAB_PEER_A_MAX + 1] = {
	[COLLAB_PEER_A_NODE_ID] =
		NLA_POLICY_EXACT_LEN(sizeof(struct collab_guid)),
	[COLLAB_PEER_A_ADDR] = SOCKADDR_POLICY,
	[COLLAB_PEER_A_PUBLIC_KEY] = NLA_POLICY_EXACT_LEN(COLLAB_KEY_LEN),
};

const struct nla_policy collab_nl_bearer_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_BEARER] = NLA_POLICY_NESTED(bearer_policy),
};

const struct nla_policy collab_nl_peer_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_PEER] = NLA_POLICY_NESTED(peer_key_policy),
};

/* A struct sockaddr_in or _in6 from user space; port 0 means @port. */
static int get_sockaddr(const struct nlattr *nla, union collab_sockaddr *sa,
			u16 port, struct netlink_ext_ack *extack)
{
	memset(sa, 0, sizeof(*sa));
	nla_memcpy(sa, nla, sizeof(*sa));
	if (sa->sa.sa_family == AF_INET && nla_len(nla) == sizeof(sa->v4)) {
		if (!sa->v4.sin_port)
			sa->v4.sin_port = htons(port);
		return 0;
	}
	if (sa->sa.sa_family == AF_INET6 && nla_len(nla) == sizeof(sa->v6)) {
		if (!sa->v6.sin6_port)
			sa->v6.sin6_port = htons(port);
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, nla,
			    "an address is a struct sockaddr_in or sockaddr_in6");
	return -EINVAL;
}

/* A static peer is one host: not any, broadcast or a multicast group. */
static bool sockaddr_unicast(const union collab_sockaddr *sa)
{
	__be32 a = sa->v4.sin_addr.s_addr;

	/* 0.0.0.0/8 is "this network", no host's. */
	if (sa->sa.sa_family == AF_INET)
		return (a & htonl(0xff000000)) && !ipv4_is_multicast(a) &&
		       !ipv4_is_lbcast(a);
	return !ipv6_addr_any(&sa->v6.sin6_addr) &&
	       !ipv6_addr_is_multicast(&sa->v6.sin6_addr);
}

static u16 sockaddr_port(const union collab_sockaddr *sa)
{
	return ntohs(sa->sa.sa_family == AF_INET ? sa->v4.sin_port :
		     sa->v6.sin6_port);
}

static int put_sockaddr(struct sk_buff *skb, int type,
			const union collab_sockaddr *sa)
{
	return nla_put(skb, type, sa->sa.sa_family == AF_INET ?
		       sizeof(sa->v4) : sizeof(sa->v6), sa);
}

static int parse_nest(struct genl_info *info, int attr, int max,
		      const struct nla_policy *policy, struct nlattr **tb,
		      const char *what)
{
	if (GENL_REQ_ATTR_CHECK(info, attr)) {
		/* @what is a literal: extack keeps the pointer. */
		if (info->extack)
			info->extack->_msg = what;
		return -EINVAL;
	}
	return nla_parse_nested(tb, max, info->attrs[attr], policy,
				info->extack);
}

/* ---- bearers ------------------------------------------------------------- */

/* The group a bearer bound to a device discovers on when told none. */
static void default_group(struct collab_bearer_cfg *cfg)
{
	static const struct in6_addr group6 = COLLAB_DISCOVERY_GROUP6_INIT;

	cfg->group.sa.sa_family = cfg->local.sa.sa_family;
	if (cfg->local.sa.sa_family == AF_INET) {
		cfg->group.v4.sin_addr.s_addr = htonl(COLLAB_DISCOVERY_GROUP);
		cfg->group.v4.sin_port = cfg->local.v4.sin_port;
	} else {
		cfg->group.v6.sin6_addr = group6;
		cfg->group.v6.sin6_port = cfg->local.v6.sin6_port;
	}
}

/* A multicast address of the bearer's family, on its port. */
static int bearer_group(struct nlattr **tb, struct collab_bearer_cfg *cfg,
			struct netlink_ext_ack *extack)
{
	struct nlattr *group = tb[COLLAB_BEARER_A_DISCOVERY];
	bool mcast;
	int err;

	if (nla_get_flag(tb[COLLAB_BEARER_A_NO_DISCOVERY])) {
		if (!group)
			return 0;
		NL_SET_ERR_MSG_ATTR(extack, group,
				    "a discovery group and no discovery both asked for");
		return -EINVAL;
	}
	if (!group) {
		if (cfg->ifindex)
			default_group(cfg);
		return 0;
	}
	err = get_sockaddr(group, &cfg->group, sockaddr_port(&cfg->local),
			   extack);
	if (err)
		return err;
	mcast = cfg->group.sa.sa_family == AF_INET ?
		ipv4_is_multicast(cfg->group.v4.sin_addr.s_addr) :
		ipv6_addr_is_multicast(&cfg->group.v6.sin6_addr);
	if (cfg->group.sa.sa_family != cfg->local.sa.sa_family || !mcast ||
	    sockaddr_port(&cfg->group) != sockaddr_port(&cfg->local)) {
		NL_SET_ERR_MSG_ATTR(extack, group,
				    "the discovery group is a multicast address of the bearer's family, on its port");
		return -EINVAL;
	}
	return 0;
}

static int bearer_cfg(struct net *net, struct nlattr **tb,
		      struct collab_bearer_cfg *cfg,
		      struct netlink_ext_ack *extack)
{
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if (tb[COLLAB_BEARER_A_LOCAL]) {
		err = get_sockaddr(tb[COLLAB_BEARER_A_LOCAL], &cfg->local,
				   COLLAB_UDP_PORT, extack);
		if (err)
			return err;
	} else {
		cfg->local.v4.sin_family = AF_INET;
		cfg->local.v4.sin_port = htons(COLLAB_UDP_PORT);
	}
	if (tb[COLLAB_BEARER_A_IFINDEX]) {
		cfg->ifindex = nla_get_u32(tb[COLLAB_BEARER_A_IFINDEX]);
		if (!__dev_get_by_index(net, cfg->ifindex)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[COLLAB_BEARER_A_IFINDEX],
					    "no such device");
			return -ENODEV;
		}
	}
	err = bearer_group(tb, cfg, extack);
	if (err)
		return err;
	if (tb[COLLAB_BEARER_A_MTU])
		cfg->mtu = nla_get_u32(tb[COLLAB_BEARER_A_MTU]);
	return 0;
}

static int fill_bearer(struct sk_buff *skb, struct collab_bearer *b,
		       u32 portid, u32 seq, int flags)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &collab_genl_family, flags,
			  COLLAB_CMD_BEARER_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, COLLAB_A_BEARER);
	if (!nest || nla_put_u32(skb, COLLAB_BEARER_A_ID, b->id) ||
	    put_sockaddr(skb, COLLAB_BEARER_A_LOCAL, &b->local) ||
	    (b->ifindex &&
	     nla_put_u32(skb, COLLAB_BEARER_A_IFINDEX, b->ifindex)) ||
	    (b->group.sa.sa_family &&
	     put_sockaddr(skb, COLLAB_BEARER_A_DISCOVERY, &b->group)) ||
	    (b->mtu && nla_put_u32(skb, COLLAB_BEARER_A_MTU, b->mtu)) ||
	    nla_put_u64_64bit(skb, COLLAB_BEARER_A_TX_PACKETS,
			      atomic64_read(&b->tx_packets), COLLAB_BEARER_A_PAD) ||
	    nla_put_u64_64bit(skb, COLLAB_BEARER_A_RX_PACKETS,
			      atomic64_read(&b->rx_packets), COLLAB_BEARER_A_PAD) ||
	    nla_put_u64_64bit(skb, COLLAB_BEARER_A_TX_ERRORS,
			      atomic64_read(&b->tx_errors), COLLAB_BEARER_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

int collab_nl_bearer_add(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct nlattr *tb[COLLAB_BEARER_A_MAX + 1];
	struct collab_bearer_cfg cfg;
	struct collab_bearer *b;
	struct sk_buff *msg;
	u32 id;
	int err;

	err = parse_nest(info, COLLAB_A_BEARER, COLLAB_BEARER_A_MAX,
			 bearer_policy, tb, "which bearer? give at least its type");
	if (err)
		return err;
	rtnl_lock();
	err = bearer_cfg(genl_info_net(info), tb, &cfg, info->extack);
	rtnl_unlock();
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&cn->lock);
	err = collab_bearer_add(cn, &cfg, &id);
	if (!err) {
		list_for_each_entry(b, &cn->bearers, node)
			if (b->id == id)
				err = fill_bearer(msg, b, info->snd_portid,
						  info->snd_seq, 0);
	}
	mutex_unlock(&cn->lock);
	if (err == -EADDRINUSE)
		NL_SET_ERR_MSG(info->extack, "the UDP port is in use in this namespace");
	else if (err == -EADDRNOTAVAIL)
		NL_SET_ERR_MSG(info->extack,
			       "no such local address in this namespace (or it is still tentative)");
	else if (err == -EINVAL && cfg.local.sa.sa_family == AF_INET6 &&
		 !cfg.ifindex)
		NL_SET_ERR_MSG(info->extack,
			       "a link-local address or group needs a device: give 'dev'");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "too many bearers");
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

int collab_nl_bearer_del(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct nlattr *tb[COLLAB_BEARER_A_MAX + 1];
	int err;

	err = parse_nest(info, COLLAB_A_BEARER, COLLAB_BEARER_A_MAX,
			 bearer_policy, tb, "which bearer? give its id");
	if (err)
		return err;
	if (!tb[COLLAB_BEARER_A_ID]) {
		NL_SET_ERR_MSG(info->extack, "which bearer? give its id");
		return -EINVAL;
	}
	mutex_lock(&cn->lock);
	err = collab_bearer_del(cn, nla_get_u32(tb[COLLAB_BEARER_A_ID]));
	mutex_unlock(&cn->lock);
	if (err)
		NL_SET_ERR_MSG(info->extack, "no such bearer");
	return err;
}

/* Resumes after the id of the last bearer sent, in cb->args[0]. */
int collab_nl_bearer_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct collab_net *cn = collab_net(sock_net(skb->sk));
	struct collab_bearer *b;
	int err = 0;

	mutex_lock(&cn->lock);
	list_for_each_entry(b, &cn->bearers, node) {
		if (b->id <= cb->args[0])
			continue;
		err = fill_bearer(skb, b, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		cb->args[0] = b->id;
	}
	mutex_unlock(&cn->lock);
	if (err && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* ---- peers --------------------------------------------------------------- */

static int put_peer_link(struct sk_buff *skb, struct collab_peer *peer,
			 const struct collab_link_info *i)
{
	struct collab_bearer *b = rcu_dereference_protected(peer->bearer,
					lockdep_is_held(&peer->lock));
	u32 down = peer->state == COLLAB_PEER_UP ? 0 :
		   jiffies_to_msecs(jiffies - peer->down_since);

	return (b && nla_put_u32(skb, COLLAB_PEER_A_BEARER_ID, b->id)) ||
	       (peer->addr.sa.sa_family &&
		put_sockaddr(skb, COLLAB_PEER_A_ADDR, &peer->addr)) ||
	       nla_put_u8(skb, COLLAB_PEER_A_STATE, peer->state) ||
	       nla_put_u32(skb, COLLAB_PEER_A_FLAGS, peer->flags) ||
	       nla_put_u32(skb, COLLAB_PEER_A_RTT_US, i->srtt_us) ||
	       nla_put_u32(skb, COLLAB_PEER_A_RTO_US, i->rto_us) ||
	       nla_put_u32(skb, COLLAB_PEER_A_CWND, i->cwnd) ||
	       nla_put_u32(skb, COLLAB_PEER_A_MTU, READ_ONCE(peer->mtu)) ||
	       nla_put_u32(skb, COLLAB_PEER_A_STORED_MSGS, i->stored_msgs) ||
	       nla_put_u32(skb, COLLAB_PEER_A_STORED_BYTES, i->stored_bytes) ||
	       nla_put_u32(skb, COLLAB_PEER_A_IN_FLIGHT, i->in_flight) ||
	       nla_put_u32(skb, COLLAB_PEER_A_INSTANCES,
			   READ_ONCE(peer->nr_rinstances)) ||
	       nla_put_u32(skb, COLLAB_PEER_A_DOWN_MS, down) ||
	       nla_put_u32(skb, COLLAB_PEER_A_LINK_UPS, peer->link_ups);
}

/* What the peer's link has of keys, under peer->lock. */
static int put_peer_keys(struct sk_buff *skb, struct collab_peer *peer)
{
	const struct collab_peer_keys *pk = &peer->keys;
	static const u8 none[COLLAB_KEY_LEN];

	return (memcmp(pk->remote, none, sizeof(none)) &&
		nla_put(skb, COLLAB_PEER_A_PUBLIC_KEY, sizeof(pk->remote),
			pk->remote)) ||
	       nla_put_u8(skb, COLLAB_PEER_A_ENCRYPTED,
			  collab_crypto_encrypted(peer)) ||
	       nla_put_u64_64bit(skb, COLLAB_PEER_A_HANDSHAKE_TIME,
				 pk->handshake_time, COLLAB_PEER_A_PAD) ||
	       nla_put_u32(skb, COLLAB_PEER_A_HANDSHAKES, pk->handshakes);
}

static int put_peer_counters(struct sk_buff *skb,
			     const struct collab_link_info *i)
{
	static const int attr[] = {
		COLLAB_PEER_A_TX_MSGS, COLLAB_PEER_A_RX_MSGS,
		COLLAB_PEER_A_TX_PACKETS, COLLAB_PEER_A_RX_PACKETS,
		COLLAB_PEER_A_RETRANSMITS, COLLAB_PEER_A_DUPLICATES,
		COLLAB_PEER_A_EXPIRED,
	};
	const u64 val[] = {
		i->tx_msgs, i->rx_msgs, i->tx_packets, i->rx_packets,
		i->retransmits, i->duplicates, i->expired,
	};
	unsigned int n;

	for (n = 0; n < ARRAY_SIZE(attr); n++)
		if (nla_put_u64_64bit(skb, attr[n], val[n], COLLAB_PEER_A_PAD))
			return -EMSGSIZE;
	return 0;
}

/* Under peer->lock. */
static int fill_peer(struct sk_buff *skb, struct collab_peer *peer,
		     u32 portid, u32 seq, int flags, u8 cmd)
{
	struct collab_link_info info;
	struct nlattr *nest;
	void *hdr;

	lockdep_assert_held(&peer->lock);
	collab_link_info(peer, &info);
	hdr = genlmsg_put(skb, portid, seq, &collab_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, COLLAB_A_PEER);
	if (!nest ||
	    nla_put(skb, COLLAB_PEER_A_NODE_ID, sizeof(peer->id), &peer->id) ||
	    nla_put_string(skb, COLLAB_PEER_A_NODE_NAME, peer->name) ||
	    put_peer_link(skb, peer, &info) || put_peer_counters(skb, &info) ||
	    put_peer_keys(skb, peer)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

static int fill_peer_unlocked(struct sk_buff *skb, struct collab_peer *peer,
			      u32 portid, u32 seq, int flags)
{
	int err;

	spin_lock_bh(&peer->lock);
	err = fill_peer(skb, peer, portid, seq, flags, COLLAB_CMD_PEER_GET);
	spin_unlock_bh(&peer->lock);
	return err;
}

int collab_nl_peer_add(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct nlattr *tb[COLLAB_PEER_A_MAX + 1];
	union collab_sockaddr sa;
	int err, trusted;

	err = parse_nest(info, COLLAB_A_PEER, COLLAB_PEER_A_MAX,
			 peer_key_policy, tb, "which peer? give its address");
	if (err)
		return err;
	if (!tb[COLLAB_PEER_A_ADDR]) {
		NL_SET_ERR_MSG(info->extack, "which peer? give its address");
		return -EINVAL;
	}
	err = get_sockaddr(tb[COLLAB_PEER_A_ADDR], &sa, COLLAB_UDP_PORT,
			   info->extack);
	if (err)
		return err;
	if (!sockaddr_unicast(&sa)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[COLLAB_PEER_A_ADDR],
				    "a peer is one host: a unicast address");
		return -EINVAL;
	}
	mutex_lock(&cn->lock);
	/* Its key is one this node links with, before its first HELLO. */
	if (tb[COLLAB_PEER_A_PUBLIC_KEY])
		err = collab_trust_add(cn, nla_data(tb[COLLAB_PEER_A_PUBLIC_KEY]),
				       NULL);
	if (err >= 0) {
		trusted = err;
		err = collab_static_add(cn, &sa);
		if (err && trusted)
			collab_trust_del(cn, nla_data(tb[COLLAB_PEER_A_PUBLIC_KEY]));
	}
	mutex_unlock(&cn->lock);
	if (err == -EINVAL)
		NL_SET_ERR_MSG(info->extack, "an all-zero key is no key");
	else if (err == -EEXIST)
		NL_SET_ERR_MSG(info->extack, "that address is a static peer already");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "too many static peers");
	return err;
}

/* The peer a request names: by node id, or (@addr not NULL) by address. */
static int peer_key(struct genl_info *info, struct collab_guid *id,
		    union collab_sockaddr *addr)
{
	struct nlattr *tb[COLLAB_PEER_A_MAX + 1];
	int err;

	err = parse_nest(info, COLLAB_A_PEER, COLLAB_PEER_A_MAX,
			 peer_key_policy, tb, "which peer? give its node id");
	if (err)
		return err;
	if (tb[COLLAB_PEER_A_NODE_ID]) {
		nla_memcpy(id, tb[COLLAB_PEER_A_NODE_ID], sizeof(*id));
		if (addr)
			addr->sa.sa_family = AF_UNSPEC;
		return 0;
	}
	if (addr && tb[COLLAB_PEER_A_ADDR])
		return get_sockaddr(tb[COLLAB_PEER_A_ADDR], addr,
				    COLLAB_UDP_PORT, info->extack);
	if (addr)
		NL_SET_ERR_MSG(info->extack, "which peer? give its node id or address");
	else
		NL_SET_ERR_MSG(info->extack, "which peer? give its node id");
	return -EINVAL;
}

/* By node id; or by address, which also forgets a static peer there. */
int collab_nl_peer_del(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	union collab_sockaddr sa;
	struct collab_guid id;
	int err;

	err = peer_key(info, &id, &sa);
	if (err)
		return err;
	if (sa.sa.sa_family == AF_UNSPEC)
		err = collab_peer_remove(cn, &id);
	else
		err = collab_peer_remove_addr(cn, &sa);
	if (err)
		NL_SET_ERR_MSG(info->extack, "no such peer");
	return err;
}

int collab_nl_peer_get(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct collab_peer *peer;
	struct collab_guid id;
	struct sk_buff *msg;
	int err;

	err = peer_key(info, &id, NULL);
	if (err)
		return err;
	peer = collab_peer_find(cn, &id);
	if (!peer) {
		NL_SET_ERR_MSG(info->extack, "no such peer");
		return -ENOENT;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	err = msg ? fill_peer_unlocked(msg, peer, info->snd_portid,
				       info->snd_seq, 0) : -ENOMEM;
	collab_peer_put(peer);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Under RCU: a static peer that no peer stands for, as it never answered. */
static bool static_unanswered(struct collab_net *cn,
			      const struct collab_static *st)
{
	struct collab_peer *peer;

	list_for_each_entry_rcu(peer, &cn->all_peers, all_node)
		if (collab_sockaddr_equal(&peer->addr, &st->addr))
			return false;
	return true;
}

/* Such a static peer: its address, being called, and no id yet. */
static int fill_static(struct sk_buff *skb, const struct collab_static *st,
		       u32 portid, u32 seq)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &collab_genl_family, NLM_F_MULTI,
			  COLLAB_CMD_PEER_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, COLLAB_A_PEER);
	if (!nest || put_sockaddr(skb, COLLAB_PEER_A_ADDR, &st->addr) ||
	    nla_put_u8(skb, COLLAB_PEER_A_STATE, COLLAB_PEER_CONNECTING) ||
	    nla_put_u32(skb, COLLAB_PEER_A_FLAGS, COLLAB_PEER_STATIC)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * The static peers not answered yet, after the peers; resumes at the
 * index of the next, in cb->args[2].
 */
static int dump_statics(struct sk_buff *skb, struct netlink_callback *cb,
			struct collab_net *cn)
{
	struct collab_static *st;
	long i = 0;
	int err;

	list_for_each_entry_rcu(st, &cn->statics, node) {
		if (!static_unanswered(cn, st) || i++ < cb->args[2])
			continue;
		err = fill_static(skb, st, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq);
		if (err)
			return err;
		cb->args[2] = i;
	}
	return 0;
}

/*
 * Every peer, in creation order, then the static peers that have not
 * answered. Resumes after the creation number of the last peer sent, in
 * cb->args[0], so that a peer removed between two calls makes the dump
 * skip no other; cb->args[1] is set once every peer has been sent.
 */
int collab_nl_peer_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct collab_net *cn = collab_net(sock_net(skb->sk));
	struct collab_peer *peer;
	int err = 0;

	rcu_read_lock();
	if (!cb->args[1]) {
		list_for_each_entry_rcu(peer, &cn->all_peers, all_node) {
			if (peer->seq <= (u64)cb->args[0])
				continue;
			err = fill_peer_unlocked(skb, peer,
						 NETLINK_CB(cb->skb).portid,
						 cb->nlh->nlmsg_seq,
						 NLM_F_MULTI);
			if (err)
				break;
			cb->args[0] = peer->seq;
		}
		cb->args[1] = !err;
	}
	if (!err)
		err = dump_statics(skb, cb, cn);
	rcu_read_unlock();
	if (err && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* ---- routes --------------------------------------------------------------- */

static int fill_route(struct sk_buff *skb, const struct collab_reach_info *ri,
		      u32 portid, u32 seq)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &collab_genl_family, NLM_F_MULTI,
			  COLLAB_CMD_ROUTE_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, COLLAB_A_ROUTE);
	if (!nest ||
	    nla_put(skb, COLLAB_ROUTE_A_NODE_ID, sizeof(ri->id), &ri->id) ||
	    nla_put_string(skb, COLLAB_ROUTE_A_NODE_NAME, ri->name) ||
	    (!collab_guid_is_zero(&ri->via) &&
	     nla_put(skb, COLLAB_ROUTE_A_VIA, sizeof(ri->via), &ri->via)) ||
	    nla_put_u32(skb, COLLAB_ROUTE_A_METRIC, ri->metric) ||
	    nla_put_u32(skb, COLLAB_ROUTE_A_SEQNO, ri->seqno) ||
	    nla_put_u32(skb, COLLAB_ROUTE_A_AGE_MS, ri->age_ms) ||
	    nla_put_u32(skb, COLLAB_ROUTE_A_OFFERS, ri->offers) ||
	    nla_put_u32(skb, COLLAB_ROUTE_A_INSTANCES, ri->instances) ||
	    nla_put_u32(skb, COLLAB_ROUTE_A_SESSIONS, ri->sessions)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Every node heard of, in the order it was first heard of; resumes after
 * the creation number of the last sent, in cb->args[0].
 */
int collab_nl_route_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct collab_net *cn = collab_net(sock_net(skb->sk));
	struct collab_reach_info ri;
	int err = 0;

	while (!collab_reach_info(cn, cb->args[0], &ri)) {
		err = fill_route(skb, &ri, NETLINK_CB(cb->skb).portid,
				 cb->nlh->nlmsg_seq);
		if (err)
			break;
		cb->args[0] = ri.seq;
	}
	if (err && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/*
 * COLLAB_CMD_INSTANCE_CONFLICT: @peer claimed instance @id (of type @app,
 * NUL-padded) that is not its own. In softirq. Administrators hear of it:
 * the instance may be another user's here.
 */
void collab_nl_conflict_event(struct collab_peer *peer,
			      const struct collab_guid *id, const char *app)
{
	struct collab_net *cn = peer->cn;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (!collab_nl_has_listeners(cn))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &collab_genl_family, 0,
			  COLLAB_CMD_INSTANCE_CONFLICT);
	if (!hdr)
		goto lost_free;
	nest = nla_nest_start(msg, COLLAB_A_PEER);
	if (!nest ||
	    nla_put(msg, COLLAB_PEER_A_NODE_ID, sizeof(peer->id), &peer->id))
		goto lost_free;
	nla_nest_end(msg, nest);
	nest = nla_nest_start(msg, COLLAB_A_INSTANCE);
	if (!nest || nla_put(msg, COLLAB_INSTANCE_A_ID, sizeof(*id), id) ||
	    nla_put_string(msg, COLLAB_INSTANCE_A_APP, app))
		goto lost_free;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	collab_nl_notify(cn, msg, COLLAB_NL_ADMIN, INVALID_UID, GFP_ATOMIC);
	return;

lost_free:
	nlmsg_free(msg);
lost:
	collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
}

/*
 * COLLAB_CMD_PEER_UP or _DOWN, for every listener; under peer->lock, maybe
 * in softirq.
 */
void collab_nl_peer_event(struct collab_peer *peer, u8 cmd)
{
	struct collab_net *cn = peer->cn;
	struct sk_buff *msg;

	if (!collab_nl_has_listeners(cn))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg || fill_peer(msg, peer, 0, 0, 0, cmd)) {
		nlmsg_free(msg);
		collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
		return;
	}
	collab_nl_notify(cn, msg, COLLAB_NL_ALL, INVALID_UID, GFP_ATOMIC);
}
