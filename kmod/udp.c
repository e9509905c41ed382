// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the UDP bearer. Each bearer is a kernel UDP tunnel socket of the
 * namespace, IPv4 or IPv6, bound to its local address and port (and to a
 * device if asked): datagrams to the host's other addresses never reach
 * it. A bearer with a discovery group has a second socket, bound to the
 * group on the same port, that hears beacons and nothing else; one bound
 * to the wildcard address hears the group itself. Every datagram that
 * arrives is checked here before anything else reads it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/igmp.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "bearer.h"
#include "frame.h"

/* The most of a datagram's head that ufo4() copies to send it as GSO. */
#define COLLAB_UFO_HEAD_MAX	1024

bool collab_sockaddr_equal(const union collab_sockaddr *a,
			   const union collab_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr &&
		       a->v4.sin_port == b->v4.sin_port;
	return ipv6_addr_equal(&a->v6.sin6_addr, &b->v6.sin6_addr) &&
	       a->v6.sin6_port == b->v6.sin6_port;
}

static void source_of(struct sk_buff *skb, union collab_sockaddr *from)
{
	memset(from, 0, sizeof(*from));
	if (ip_hdr(skb)->version == 4) {
		from->v4.sin_family = AF_INET;
		from->v4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		from->v4.sin_port = udp_hdr(skb)->source;
		return;
	}
	from->v6.sin6_family = AF_INET6;
	from->v6.sin6_addr = ipv6_hdr(skb)->saddr;
	from->v6.sin6_port = udp_hdr(skb)->source;
	from->v6.sin6_scope_id = ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr,
						     inet6_iif(skb));
}

/*
 * The checks every link header passes before its peer is looked up; a
 * HELLO's or a beacon's body comes into the linear part with it.
 */
static int check_hdr(struct collab_net *cn, struct sk_buff *skb)
{
	struct collab_guid self;

	if (!pskb_may_pull(skb, min_t(unsigned int, skb->len,
				      COLLAB_LINK_PEEK))) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_NOMEM);
		return -ENOMEM;
	}
	collab_node_id(cn, &self);
	switch (collab_wire_link_hdr(skb->data, skb_headlen(skb), &self)) {
	case COLLAB_WIRE_OK:
		return 0;
	case COLLAB_WIRE_BAD_VERSION:
		collab_stat_inc(cn, COLLAB_STAT_DROP_VERSION);
		return -EPROTO;
	case COLLAB_WIRE_NOT_OURS:
		collab_stat_inc(cn, COLLAB_STAT_DROP_NOT_OURS);
		return -EPROTO;
	default:
		collab_stat_inc(cn, COLLAB_STAT_DROP_MALFORMED);
		return -EPROTO;
	}
}

/* Whether @peer is at @from, where its link lives. */
static bool peer_at(struct collab_peer *peer, const union collab_sockaddr *from)
{
	bool at;

	spin_lock_bh(&peer->lock);
	at = collab_sockaddr_equal(&peer->addr, from);
	spin_unlock_bh(&peer->lock);
	return at;
}

/*
 * A sealed packet from @peer: opened before anything reads past its
 * header, then on to the link. Consumes @skb.
 */
static void sealed_rcv(struct collab_peer *peer, struct sk_buff *skb,
		       const union collab_sockaddr *from)
{
	struct collab_net *cn = peer->cn;
	struct collab_wire_hello hello;
	const struct collab_link_hdr *h;

	if (!peer_at(peer, from)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_NO_LINK);
		goto drop;
	}
	if (collab_crypto_open(peer, skb))
		goto drop;
	h = (const void *)skb->data;
	collab_crypto_confirm(peer, h->key_id);
	if (h->type != COLLAB_LINK_HELLO) {
		collab_link_rcv(peer, skb);
		return;
	}
	if (!pskb_may_pull(skb, COLLAB_LINK_PEEK)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_MALFORMED);
		goto drop;
	}
	h = (const void *)skb->data;
	if (collab_wire_hello(h + 1, skb_headlen(skb) - sizeof(*h), &hello)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_MALFORMED);
		goto drop;
	}
	collab_link_hello_rcv(peer, skb, from, &hello);
	return;
drop:
	kfree_skb(skb);
}

/* A handshake message, for a peer there (that proved its address). */
static void hs_rcv(struct collab_peer *peer, struct sk_buff *skb,
		   const union collab_sockaddr *from)
{
	const struct collab_link_hdr *h = (const void *)skb->data;

	if (collab_wire_hs(h->type, skb->len - sizeof(*h)) ||
	    !pskb_may_pull(skb, skb->len)) {
		collab_stat_inc(peer->cn, COLLAB_STAT_DROP_MALFORMED);
		kfree_skb(skb);
		return;
	}
	collab_link_hs_rcv(peer, skb, from);
}

static void dispatch(struct collab_net *cn, struct collab_bearer *b,
		     struct sk_buff *skb)
{
	const struct collab_link_hdr *h = (void *)skb->data;
	union collab_sockaddr from;
	struct collab_peer *peer;

	source_of(skb, &from);
	if (!h->key_id &&
	    (h->type == COLLAB_LINK_BEACON || h->type == COLLAB_LINK_HELLO)) {
		collab_peer_hello(cn, b, &from, skb);
		return;
	}
	peer = collab_peer_find(cn, &h->src_node);
	if (!peer) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_NO_LINK);
		kfree_skb(skb);
		return;
	}
	if (h->key_id)
		sealed_rcv(peer, skb, &from);
	else if (h->type == COLLAB_LINK_INIT || h->type == COLLAB_LINK_RESP)
		hs_rcv(peer, skb, &from);
	else
		collab_link_rcv(peer, skb);
	collab_peer_put(peer);
}

/* encap_rcv: skb->data is at the UDP header. */
static int collab_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct collab_bearer *b;
	struct collab_net *cn;

	b = rcu_dereference_sk_user_data(sk);
	if (!b)
		goto drop;
	cn = b->cn;
	atomic64_inc(&b->rx_packets);
	collab_stat_inc(cn, COLLAB_STAT_RX_PACKETS);

	/*
	 * The datagram stays in the pages and IP fragments it came in:
	 * each reader pulls the headers it reads, and payloads are copied
	 * once, to their receivers.
	 */
	__skb_pull(skb, sizeof(struct udphdr));
	if (check_hdr(cn, skb))
		goto drop;
	/* To the group, beacons only. */
	if (b->gsock && sk == b->gsock->sk &&
	    ((struct collab_link_hdr *)skb->data)->type != COLLAB_LINK_BEACON) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_MALFORMED);
		goto drop;
	}
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	dispatch(cn, b, skb);
	return 0;

drop:
	kfree_skb(skb);
	return 0;
}

/*
 * Whether @skb is laid out as fragments of @size bytes (COLLAB_FRAG0_HDRS):
 * the UDP header and the head fill the first, each skb of the frag_list
 * one more, linear. GSO then sends clones of those skbs as they are.
 */
static bool in_pieces(struct sk_buff *skb, unsigned int size)
{
	struct sk_buff *p;

	if (skb_shinfo(skb)->nr_frags ||
	    sizeof(struct udphdr) + skb_headlen(skb) != size)
		return false;
	skb_walk_frags(skb, p) {
		if (skb_shinfo(p)->nr_frags || skb_has_frag_list(p) ||
		    p->len > size || (p->len < size && p->next))
			return false;
	}
	return true;
}

/*
 * A datagram larger than the route's MTU: GSO makes its IP fragments
 * (software UFO) and hands them to the driver as one batch, one doorbell
 * where ip_fragment() rings one per fragment. It copies none but the first
 * from a datagram laid out in pieces, and refers to the pages of a paged
 * one when the device gathers. A clone gets a head of its own first, so
 * that the stored original keeps its shared info untouched. Any other
 * datagram is for ip_fragment().
 */
static void ufo4(struct sk_buff *skb, unsigned int mtu)
{
	unsigned int len = skb->len + sizeof(struct udphdr);
	unsigned int size = (mtu - sizeof(struct iphdr)) & ~7U;

	if (len + sizeof(struct iphdr) <= mtu || skb_is_gso(skb) ||
	    mtu < 576)
		return;
	if (skb_has_frag_list(skb) ? !in_pieces(skb, size) :
	    skb_headlen(skb) > COLLAB_UFO_HEAD_MAX)
		return;
	if (skb_unclone(skb, GFP_ATOMIC))
		return;
	skb_shinfo(skb)->gso_type = SKB_GSO_UDP;
	skb_shinfo(skb)->gso_size = size;
	skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(len, size);
}

/*
 * The pieces of a datagram that IP fragments, as its fast path takes them:
 * clones, not the stored skbs themselves. A piece that an earlier
 * transmission still holds is copied, as each writes its IP header in
 * front of it. Where memory fails, IP copies them instead.
 */
static void own_pieces(struct sk_buff *skb)
{
	struct sk_buff **pp = &skb_shinfo(skb)->frag_list, *p, *c;

	while ((p = *pp)) {
		if (skb_shared(p)) {
			c = skb_clone(p, GFP_ATOMIC);
			if (!c)
				return;
			if (skb_cow_head(c, COLLAB_HEADROOM)) {
				kfree_skb(c);
				return;
			}
			c->next = p->next;
			*pp = c;
			consume_skb(p);
			p = c;
		}
		pp = &p->next;
	}
}

static int xmit4(struct collab_bearer *b, struct sk_buff *skb,
		 const struct sockaddr_in *to, struct dst_cache *cache,
		 u32 *mtu)
{
	struct sock *sk = b->sock->sk;
	bool mcast = ipv4_is_multicast(to->sin_addr.s_addr);
	struct flowi4 fl4 = {};
	struct rtable *rt = NULL;
	unsigned int route_mtu;
	__be32 saddr;

	if (cache)
		rt = dst_cache_get_ip4(cache, &saddr);
	if (!rt) {
		fl4.daddr = to->sin_addr.s_addr;
		fl4.saddr = b->local.v4.sin_addr.s_addr;
		fl4.flowi4_oif = b->ifindex;
		fl4.flowi4_proto = IPPROTO_UDP;
		fl4.fl4_sport = b->local.v4.sin_port;
		fl4.fl4_dport = to->sin_port;
		rt = ip_route_output_key(sock_net(sk), &fl4);
		if (IS_ERR(rt))
			return PTR_ERR(rt);
		saddr = fl4.saddr;
		if (cache)
			dst_cache_set_ip4(cache, &rt->dst, saddr);
	}
	route_mtu = dst_mtu(&rt->dst);
	if (mtu)
		*mtu = route_mtu;
	ufo4(skb, route_mtu);
	if (!skb_is_gso(skb))
		own_pieces(skb);
	udp_tunnel_xmit_skb(rt, sk, skb, saddr, to->sin_addr.s_addr, 0,
			    mcast ? 1 : ip4_dst_hoplimit(&rt->dst), 0,
			    b->local.v4.sin_port, to->sin_port, false, false);
	return 0;
}

static int xmit6(struct collab_bearer *b, struct sk_buff *skb,
		 const struct sockaddr_in6 *to, struct dst_cache *cache,
		 u32 *mtu)
{
	bool mcast = ipv6_addr_is_multicast(&to->sin6_addr);
	struct sock *sk = b->sock->sk;
	struct dst_entry *dst = NULL;
	struct flowi6 fl6 = {};
	struct in6_addr saddr;

	if (cache)
		dst = dst_cache_get_ip6(cache, &saddr);
	if (!dst) {
		fl6.daddr = to->sin6_addr;
		fl6.saddr = b->local.v6.sin6_addr;
		fl6.flowi6_oif = b->ifindex ?: to->sin6_scope_id;
		fl6.flowi6_proto = IPPROTO_UDP;
		fl6.fl6_sport = b->local.v6.sin6_port;
		fl6.fl6_dport = to->sin6_port;
		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl6,
						      NULL);
		if (IS_ERR(dst))
			return PTR_ERR(dst);
		saddr = fl6.saddr;
		if (cache)
			dst_cache_set_ip6(cache, dst, &saddr);
	}
	if (mtu)
		*mtu = dst_mtu(dst);
	/*
	 * Pieces stay shared: ip6_fragment() copies them (see frag_space()).
	 * No device of ours: the stats it names must be a tunnel's.
	 */
	return udp_tunnel6_xmit_skb(dst, sk, skb, NULL, &saddr,
				    (struct in6_addr *)&to->sin6_addr, 0,
				    mcast ? 1 : ip6_dst_hoplimit(dst), 0,
				    b->local.v6.sin6_port, to->sin6_port,
				    false);
}

/*
 * Send one datagram (the link header already on @skb, headroom for the
 * rest) to @to; consumes @skb. With BH off: the route cache is per CPU.
 */
int collab_bearer_xmit(struct collab_bearer *b, struct sk_buff *skb,
		       const union collab_sockaddr *to,
		       struct dst_cache *cache, u32 *mtu)
{
	int err;

	lockdep_assert_in_softirq();
	if (to->sa.sa_family != b->local.sa.sa_family) {
		kfree_skb(skb);
		return -EAFNOSUPPORT;
	}
	skb->ignore_df = 1;
	if (to->sa.sa_family == AF_INET)
		err = xmit4(b, skb, &to->v4, cache, mtu);
	else
		err = xmit6(b, skb, &to->v6, cache, mtu);
	if (err) {
		/* The lookups fail before the skb is handed on. */
		kfree_skb(skb);
		atomic64_inc(&b->tx_errors);
		return err;
	}
	atomic64_inc(&b->tx_packets);
	collab_stat_inc(b->cn, COLLAB_STAT_TX_PACKETS);
	return 0;
}

/*
 * The bearer's beacons to its group do not come back to it (mc_loop is
 * the sender's), and @sk hears the group.
 */
static int join_group(struct collab_bearer *b, struct sock *sk)
{
	struct ip_mreqn mreq = {};
	int err;

	/* As setsockopt(IP_ADD_MEMBERSHIP) does: RTNL, then the socket. */
	rtnl_lock();
	lock_sock(sk);
	if (b->group.sa.sa_family == AF_INET) {
		mreq.imr_multiaddr = b->group.v4.sin_addr;
		mreq.imr_ifindex = b->ifindex;
		err = ip_mc_join_group(sk, &mreq);
	} else {
		err = ipv6_sock_mc_join(sk, b->ifindex, &b->group.v6.sin6_addr);
	}
	release_sock(sk);
	rtnl_unlock();
	if (b->group.sa.sa_family == AF_INET)
		inet_sk(b->sock->sk)->mc_loop = 0;
	else
		inet6_sk(b->sock->sk)->mc_loop = 0;
	return err;
}

static bool sockaddr_any(const union collab_sockaddr *sa)
{
	return sa->sa.sa_family == AF_INET ?
	       sa->v4.sin_addr.s_addr == htonl(INADDR_ANY) :
	       ipv6_addr_any(&sa->v6.sin6_addr);
}

/* A UDP socket bound to @addr on the bearer's port and device. */
static int bind_socket(struct collab_net *cn, struct collab_bearer *b,
		       const union collab_sockaddr *addr, struct socket **sock)
{
	struct udp_port_cfg cfg = {
		.family = b->local.sa.sa_family,
		.bind_ifindex = b->ifindex,
		.use_udp_checksums = true,
		.use_udp6_tx_checksums = true,
		.use_udp6_rx_checksums = true,
		.ipv6_v6only = true,
	};

	if (cfg.family == AF_INET) {
		cfg.local_ip = addr->v4.sin_addr;
		cfg.local_udp_port = b->local.v4.sin_port;
	} else {
		cfg.local_ip6 = addr->v6.sin6_addr;
		cfg.local_udp_port = b->local.v6.sin6_port;
	}
	return udp_sock_create(cn->net, &cfg, sock);
}

static int open_socket(struct collab_net *cn, struct collab_bearer *b)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data = b,
		.encap_type = 1,
		.encap_rcv = collab_udp_rcv,
	};
	int err;

	err = bind_socket(cn, b, &b->local, &b->sock);
	if (err)
		return err;
	if (b->group.sa.sa_family) {
		if (!sockaddr_any(&b->local)) {
			err = bind_socket(cn, b, &b->group, &b->gsock);
			if (err)
				goto err_sock;
		}
		err = join_group(b, b->gsock ? b->gsock->sk : b->sock->sk);
		if (err)
			goto err_gsock;
	}
	setup_udp_tunnel_sock(cn->net, b->sock, &tcfg);
	if (b->gsock)
		setup_udp_tunnel_sock(cn->net, b->gsock, &tcfg);
	return 0;

err_gsock:
	if (b->gsock)
		udp_tunnel_sock_release(b->gsock);
	b->gsock = NULL;
err_sock:
	udp_tunnel_sock_release(b->sock);
	return err;
}

/* Under collab_net.lock. */
int collab_bearer_add(struct collab_net *cn, const struct collab_bearer_cfg *cfg,
		      u32 *id)
{
	struct collab_bearer *b;
	unsigned int n = 0;
	int err;

	lockdep_assert_held(&cn->lock);
	list_for_each_entry(b, &cn->bearers, node)
		if (++n >= COLLAB_BEARERS_MAX)
			return -ENOSPC;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->cn = cn;
	b->local = cfg->local;
	b->group = cfg->group;
	b->ifindex = cfg->ifindex;
	b->mtu = cfg->mtu;
	err = open_socket(cn, b);
	if (err) {
		kfree(b);
		return err;
	}
	b->id = ++cn->next_bearer_id;
	*id = b->id;
	list_add_tail_rcu(&b->node, &cn->bearers);
	collab_discovery_kick(cn);
	return 0;
}

static void bearer_free(struct collab_net *cn, struct collab_bearer *b)
{
	list_del_rcu(&b->node);
	/*
	 * Deaf first: a datagram it received after the peers let go of it
	 * would give one of them the bearer back, and the socket gone.
	 */
	rcu_assign_sk_user_data(b->sock->sk, NULL);
	if (b->gsock)
		rcu_assign_sk_user_data(b->gsock->sk, NULL);
	synchronize_net();
	/* Peers stop using it; then nothing can reach it but RCU readers. */
	collab_peers_bearer_gone(cn, b);
	udp_tunnel_sock_release(b->sock);
	if (b->gsock)
		udp_tunnel_sock_release(b->gsock);
	kfree_rcu(b, rcu);
}

int collab_bearer_del(struct collab_net *cn, u32 id)
{
	struct collab_bearer *b;

	lockdep_assert_held(&cn->lock);
	list_for_each_entry(b, &cn->bearers, node) {
		if (b->id == id) {
			bearer_free(cn, b);
			return 0;
		}
	}
	return -ENOENT;
}

void collab_bearers_destroy(struct collab_net *cn)
{
	struct collab_bearer *b, *tmp;

	mutex_lock(&cn->lock);
	list_for_each_entry_safe(b, tmp, &cn->bearers, node)
		bearer_free(cn, b);
	mutex_unlock(&cn->lock);
}

/* Under RCU or collab_net.lock: the first bearer of an address family. */
struct collab_bearer *collab_bearer_for(struct collab_net *cn,
					sa_family_t family)
{
	struct collab_bearer *b;

	list_for_each_entry_rcu(b, &cn->bearers, node,
				lockdep_is_held(&cn->lock))
		if (b->local.sa.sa_family == family)
			return b;
	return NULL;
}
