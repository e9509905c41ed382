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
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ip6_tunnel.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "bearer.h"
#include "frame.h"
#include "link.h"

/* The most of a datagram's head that ufo4() copies to send it as GSO. */
#define COLLAB_UFO_HEAD_MAX	1024

/* The most datagrams, and bytes of IP payload, in one GSO batch. */
#define COLLAB_BATCH_SEGS	32
#define COLLAB_BATCH_BYTES	(U16_MAX - sizeof(struct ipv6hdr))

/* Where a batch goes, as every datagram of it carries it. */
struct collab_flow {
	union {
		__be32 v4;
		struct in6_addr v6;
	} saddr, daddr;
	sa_family_t family;
	__be16 sport, dport;
	u8 ttl;
	bool sw_csum;			/* the device cannot sum UDP */
	unsigned int hlen;		/* IP and UDP headers */
	unsigned int room;		/* headroom each datagram needs */
	unsigned int mtu;
};

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

/*
 * The UDP header of @skb, pushed, for its first @len bytes. The device
 * sums it where it can; else it is summed here, as GSO does not.
 */
static void push_udp(struct sk_buff *skb, const struct collab_flow *f,
		     unsigned int len)
{
	struct udphdr *uh = __skb_push(skb, sizeof(*uh));
	__wsum csum = 0;

	skb_reset_transport_header(skb);
	uh->source = f->sport;
	uh->dest = f->dport;
	uh->len = htons(len);
	uh->check = 0;
	if (f->sw_csum)
		csum = skb_checksum(skb, 0, len, 0);
	if (f->family == AF_INET)
		uh->check = udp_v4_check(len, f->saddr.v4, f->daddr.v4, csum);
	else
		uh->check = udp_v6_check(len, &f->saddr.v6, &f->daddr.v6,
					 csum);
	if (f->sw_csum) {
		skb->ip_summed = CHECKSUM_NONE;
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
		return;
	}
	uh->check = ~uh->check;
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct udphdr, check);
}

/*
 * The IP and UDP headers of a datagram that follows a batch's head. GSO
 * sets the IP length, ID and header checksum of each; the rest is ours.
 * @skb is left at its payload, as skb_segment_list() takes it.
 */
static void push_member(struct sk_buff *skb, const struct collab_flow *f)
{
	unsigned int len = sizeof(struct udphdr) + skb->len;
	struct ipv6hdr *ip6h;
	struct iphdr *iph;

	push_udp(skb, f, len);
	if (f->family == AF_INET) {
		iph = __skb_push(skb, sizeof(*iph));
		memset(iph, 0, sizeof(*iph));
		iph->version = 4;
		iph->ihl = sizeof(*iph) >> 2;
		iph->ttl = f->ttl;
		iph->protocol = IPPROTO_UDP;
		iph->saddr = f->saddr.v4;
		iph->daddr = f->daddr.v4;
	} else {
		ip6h = __skb_push(skb, sizeof(*ip6h));
		ip6_flow_hdr(ip6h, 0, 0);
		ip6h->payload_len = htons(len);
		ip6h->nexthdr = IPPROTO_UDP;
		ip6h->hop_limit = f->ttl;
		ip6h->saddr = f->saddr.v6;
		ip6h->daddr = f->daddr.v6;
	}
	skb_reset_network_header(skb);
	__skb_pull(skb, f->hlen);
}

/* Whether @p can follow a head of @size bytes in a batch now @len long. */
static bool batch_fits(const struct sk_buff *p, unsigned int size,
		       unsigned int len, const struct collab_flow *f)
{
	return p->len <= size && len + p->len <= COLLAB_BATCH_BYTES &&
	       !skb_has_frag_list(p) && !skb_is_gso(p) && !skb_shared(p) &&
	       !p->sk && skb_headroom(p) >= f->room;
}

/*
 * A head whose shared info is its own, for the batch's frag_list: a clone
 * shares it with the packet stored for retransmission, so it is copied,
 * into pages that come back rather than zeroed kmalloc() memory.
 */
static struct sk_buff *own_head(struct sk_buff *skb)
{
	struct sk_buff *c;

	if (!skb_cloned(skb))
		return skb;
	c = collab_link_piece_alloc(skb->len);
	if (!c)
		return NULL;
	skb_copy_bits(skb, 0, skb_put(c, skb->len), skb->len);
	consume_skb(skb);
	return c;
}

/*
 * Take the datagrams after @skb on @q that can go with it as one GSO
 * batch (SKB_GSO_FRAGLIST): each keeps its own skb, headers in its own
 * headroom, so neither segmentation nor a veth peer's copies a byte. The
 * first is the largest, as UDP GSO wants; a device that cannot take the
 * batch whole gets its datagrams one after the other, one doorbell for
 * all. Returns the number of datagrams; 1 when @skb goes alone.
 */
static unsigned int batch(struct sk_buff **skbp, struct sk_buff_head *q,
			  const struct collab_flow *f)
{
	struct sk_buff *skb = *skbp, *p, **tail;
	unsigned int size = skb->len, n = 1;

	p = q ? skb_peek(q) : NULL;
	if (!p || skb_is_gso(skb) || skb_has_frag_list(skb) ||
	    skb_shared(skb) || skb->sk || f->hlen + size > f->mtu ||
	    !batch_fits(p, size, sizeof(struct udphdr) + size, f))
		return 1;
	skb = own_head(skb);
	if (!skb)
		return 1;
	*skbp = skb;
	/* The first datagram's header, as GSO leaves it but for its length. */
	push_udp(skb, f, sizeof(struct udphdr) + size);
	tail = &skb_shinfo(skb)->frag_list;
	while ((p = skb_peek(q)) && n < COLLAB_BATCH_SEGS &&
	       batch_fits(p, size, skb->len, f)) {
		__skb_unlink(p, q);
		push_member(p, f);
		*tail = p;
		tail = &p->next;
		/*
		 * Not its truesize: skb_segment_list() leaves the head's as
		 * it is, and a receiver behind a veth would charge it all.
		 */
		skb->len += p->len;
		skb->data_len += p->len;
		n++;
	}
	*tail = NULL;
	udp_hdr(skb)->len = htons(skb->len);
	skb_shinfo(skb)->gso_type = SKB_GSO_UDP_L4 | SKB_GSO_FRAGLIST;
	skb_shinfo(skb)->gso_size = size;
	skb_shinfo(skb)->gso_segs = n;
	return n;
}

/*
 * Send @skb, and what can go with it from @q (NULL: nothing), to @to.
 * Returns the datagrams sent, or an error before @skb was handed on.
 */
static int xmit4(struct collab_bearer *b, struct sk_buff *skb,
		 struct sk_buff_head *q, const struct sockaddr_in *to,
		 struct dst_cache *cache, u32 *mtu)
{
	struct sock *sk = b->sock->sk;
	bool mcast = ipv4_is_multicast(to->sin_addr.s_addr);
	struct collab_flow f = { .family = AF_INET };
	struct flowi4 fl4 = {};
	struct rtable *rt = NULL;
	unsigned int n;
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
	f.mtu = dst_mtu(&rt->dst);
	if (mtu)
		*mtu = f.mtu;
	f.saddr.v4 = saddr;
	f.daddr.v4 = to->sin_addr.s_addr;
	f.sport = b->local.v4.sin_port;
	f.dport = to->sin_port;
	f.ttl = mcast ? 1 : ip4_dst_hoplimit(&rt->dst);
	f.hlen = sizeof(struct iphdr) + sizeof(struct udphdr);
	f.room = LL_RESERVED_SPACE(rt->dst.dev) + f.hlen;
	f.sw_csum = !(rt->dst.dev->features & (NETIF_F_HW_CSUM |
					      NETIF_F_IP_CSUM));
	n = mcast ? 1 : batch(&skb, q, &f);
	if (n > 1) {
		iptunnel_xmit(sk, rt, skb, saddr, f.daddr.v4, IPPROTO_UDP, 0,
			      f.ttl, 0, false);
		return n;
	}
	ufo4(skb, f.mtu);
	if (!skb_is_gso(skb))
		own_pieces(skb);
	udp_tunnel_xmit_skb(rt, sk, skb, saddr, f.daddr.v4, 0, f.ttl, 0,
			    f.sport, f.dport, false, false);
	return 1;
}

/* The IPv6 header in front of a batch, which then goes as IPv6 sends. */
static void xmit6_batch(struct sock *sk, struct sk_buff *skb,
			struct dst_entry *dst, const struct collab_flow *f)
{
	struct ipv6hdr *ip6h;

	skb_dst_set(skb, dst);
	ip6h = __skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = f->ttl;
	ip6h->saddr = f->saddr.v6;
	ip6h->daddr = f->daddr.v6;
	ip6tunnel_xmit(sk, skb, NULL);
}

static int xmit6(struct collab_bearer *b, struct sk_buff *skb,
		 struct sk_buff_head *q, const struct sockaddr_in6 *to,
		 struct dst_cache *cache, u32 *mtu)
{
	bool mcast = ipv6_addr_is_multicast(&to->sin6_addr);
	struct collab_flow f = { .family = AF_INET6 };
	struct sock *sk = b->sock->sk;
	struct dst_entry *dst = NULL;
	struct flowi6 fl6 = {};
	struct in6_addr saddr;
	unsigned int n;

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
	f.mtu = dst_mtu(dst);
	if (mtu)
		*mtu = f.mtu;
	f.saddr.v6 = saddr;
	f.daddr.v6 = to->sin6_addr;
	f.sport = b->local.v6.sin6_port;
	f.dport = to->sin6_port;
	f.ttl = mcast ? 1 : ip6_dst_hoplimit(dst);
	f.hlen = sizeof(struct ipv6hdr) + sizeof(struct udphdr);
	f.room = LL_RESERVED_SPACE(dst->dev) + f.hlen;
	f.sw_csum = !(dst->dev->features & (NETIF_F_HW_CSUM |
					   NETIF_F_IPV6_CSUM));
	n = mcast ? 1 : batch(&skb, q, &f);
	if (n > 1) {
		xmit6_batch(sk, skb, dst, &f);
		return n;
	}
	/*
	 * Pieces stay shared: ip6_fragment() copies them (see frag_space()).
	 * No device of ours: the stats it names must be a tunnel's.
	 */
	udp_tunnel6_xmit_skb(dst, sk, skb, NULL, &saddr, &f.daddr.v6, 0,
			     f.ttl, 0, f.sport, f.dport, false);
	return 1;
}

/*
 * Send one datagram (the link header already on @skb, headroom for the
 * rest) to @to, and with it, as one GSO batch, those after it on @q
 * (NULL: none) that can go together; consumes what it sends. With BH
 * off: the route cache is per CPU.
 */
int collab_bearer_xmit(struct collab_bearer *b, struct sk_buff *skb,
		       struct sk_buff_head *q, const union collab_sockaddr *to,
		       struct dst_cache *cache, u32 *mtu)
{
	int n;

	lockdep_assert_in_softirq();
	if (to->sa.sa_family != b->local.sa.sa_family) {
		kfree_skb(skb);
		return -EAFNOSUPPORT;
	}
	skb->ignore_df = 1;
	if (to->sa.sa_family == AF_INET)
		n = xmit4(b, skb, q, &to->v4, cache, mtu);
	else
		n = xmit6(b, skb, q, &to->v6, cache, mtu);
	if (n < 0) {
		/* The lookups fail before the skb is handed on. */
		kfree_skb(skb);
		atomic64_inc(&b->tx_errors);
		return n;
	}
	atomic64_add(n, &b->tx_packets);
	collab_stat_add(b->cn, COLLAB_STAT_TX_PACKETS, n);
	if (n > 1)
		collab_stat_add(b->cn, COLLAB_STAT_TX_BATCHED, n);
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
