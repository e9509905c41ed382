// SPDX-License-Identifier: GPL-2.0
/*
 * collab: stateless cookies, the proof that a source receives at its
 * address before this node keeps anything for it.
 *
 * A cookie is a keyed hash (SipHash, under a secret of the namespace) of
 * a source's address, port and node id, and of the current period of
 * COLLAB_COOKIE_SECS. A beacon, or a HELLO that does not echo a cookie of
 * this node for its source, is answered with a HELLO that carries one and
 * leaves nothing behind; a HELLO that echoes one (of this period or the
 * last) has proven its source, and only such a HELLO makes a peer, moves
 * one or starts a new life of its link (peer.c). Answers to strangers are
 * rate-limited per namespace, and counted.
 */
#include <linux/jiffies.h>
#include <linux/ratelimit.h>
#include <linux/siphash.h>

#include "bearer.h"
#include "cookie.h"
#include "frame.h"

/* How long a cookie is good for: one period, and the next. */
#define COLLAB_COOKIE_SECS	60
/* Cookies sent to strangers, per second and namespace. */
#define COLLAB_COOKIE_RATE	256

struct cookie_input {
	struct collab_guid id;
	u8 addr[16];
	__be16 port;
	u16 family;
	u32 reserved;
	u64 period;
};

void collab_cookie_init(struct collab_net *cn)
{
	get_random_bytes(&cn->cookie_key, sizeof(cn->cookie_key));
	ratelimit_state_init(&cn->cookie_rs, HZ, COLLAB_COOKIE_RATE);
	/* Drops are counted; nothing is printed. */
	ratelimit_set_flags(&cn->cookie_rs, RATELIMIT_MSG_ON_RELEASE);
}

void collab_cookie_exit(struct collab_net *cn)
{
	memzero_explicit(&cn->cookie_key, sizeof(cn->cookie_key));
}

static u64 period_now(void)
{
	return div_u64(get_jiffies_64(), COLLAB_COOKIE_SECS * HZ);
}

static u64 cookie(struct collab_net *cn, const union collab_sockaddr *from,
		  const struct collab_guid *id, u64 period)
{
	struct cookie_input in = {
		.id = *id,
		.family = from->sa.sa_family,
		.period = period,
	};

	if (from->sa.sa_family == AF_INET) {
		memcpy(in.addr, &from->v4.sin_addr, sizeof(from->v4.sin_addr));
		in.port = from->v4.sin_port;
	} else {
		memcpy(in.addr, &from->v6.sin6_addr, sizeof(in.addr));
		in.port = from->v6.sin6_port;
	}
	/* 0 means "no cookie" on the wire. */
	return siphash(&in, sizeof(in), &cn->cookie_key) ?: 1;
}

/* This node's cookie for node @id at @from, to send there. */
u64 collab_cookie(struct collab_net *cn, const union collab_sockaddr *from,
		  const struct collab_guid *id)
{
	return cookie(cn, from, id, period_now());
}

/* Whether @echo is a cookie this node gave node @id at @from lately. */
bool collab_cookie_valid(struct collab_net *cn,
			 const union collab_sockaddr *from,
			 const struct collab_guid *id, u64 echo)
{
	u64 now = period_now();

	return echo && (echo == cookie(cn, from, id, now) ||
			echo == cookie(cn, from, id, now - 1));
}

/*
 * In softirq: answer a beacon or HELLO (@h, @hello) from a source that
 * has proven nothing with a HELLO that carries a cookie for it (and
 * echoes its own, if it sent one), unless strangers had their share of
 * answers this second. Nothing is kept.
 */
void collab_cookie_reply(struct collab_net *cn, struct collab_bearer *b,
			 const union collab_sockaddr *from,
			 const struct collab_link_hdr *h,
			 const struct collab_wire_hello *hello)
{
	struct collab_link_hdr *rh;
	struct collab_hello *rhello;
	struct sk_buff *skb;

	if (!__ratelimit(&cn->cookie_rs)) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_RATELIMIT);
		return;
	}
	skb = collab_hello_build(cn, COLLAB_LINK_HELLO, COLLAB_HEADROOM);
	if (!skb) {
		collab_stat_inc(cn, COLLAB_STAT_DROP_NOMEM);
		return;
	}
	rhello = (struct collab_hello *)skb->data;
	rhello->cookie = cpu_to_be64(collab_cookie(cn, from, &h->src_node));
	if (h->type == COLLAB_LINK_HELLO)
		rhello->echo = cpu_to_be64(hello->cookie);
	rh = skb_push(skb, sizeof(*rh));
	memset(rh, 0, sizeof(*rh));
	rh->version = COLLAB_WIRE_VERSION;
	rh->type = COLLAB_LINK_HELLO;
	/* No epoch of ours: no link exists on this side. */
	rh->dst_epoch = h->src_epoch;
	collab_node_id(cn, &rh->src_node);
	rh->dst_node = h->src_node;
	collab_stat_inc(cn, COLLAB_STAT_COOKIES_SENT);
	collab_bearer_xmit(b, skb, NULL, from, NULL, NULL);
}
