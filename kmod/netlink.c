// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the generic netlink family "collab".
 *
 * Every command has a strict policy of its own: an attribute the command
 * does not take is refused, as is one of the wrong length. Objects are read
 * under collab_net.lock, so each message is a consistent picture of one
 * object. Dumps resume after the creation number (collab_net.seq) of the
 * last object sent rather than at an index, so that a dump spanning many
 * messages neither repeats nor skips an object that lives through it.
 */
#include <linux/pid.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "activation.h"
#include "crypto.h"
#include "netlink.h"
#include "reach.h"
#include "table.h"

#define GUID_POLICY NLA_POLICY_EXACT_LEN(sizeof(struct collab_guid))

/* Requests name an instance or a session by its id and nothing else. */
static const struct nla_policy instance_key_policy[COLLAB_INSTANCE_A_MAX + 1] = {
	[COLLAB_INSTANCE_A_ID] = GUID_POLICY,
};

static const struct nla_policy session_key_policy[COLLAB_SESSION_A_MAX + 1] = {
	[COLLAB_SESSION_A_ID] = GUID_POLICY,
};

static struct netlink_range_validation tolerance_range = {
	.min = COLLAB_TOLERANCE_MIN_MS, .max = COLLAB_TOLERANCE_MAX_MS,
};

static struct netlink_range_validation lifetime_range = {
	.min = 1, .max = COLLAB_LIFETIME_MAX_MS,
};

static struct netlink_range_validation store_range = {
	.min = 1, .max = COLLAB_STORE_MSGS_MAX,
};

static struct netlink_range_validation route_bytes_range = {
	.min = COLLAB_ROUTE_BYTES_MIN, .max = COLLAB_ROUTE_BYTES_MAX,
};

static struct netlink_range_validation rx_bytes_range = {
	.min = COLLAB_RX_BYTES_MIN, .max = COLLAB_RX_BYTES_MAX,
};

static struct netlink_range_validation hold_bytes_range = {
	.min = 0, .max = COLLAB_HOLD_BYTES_MAX,
};

static struct netlink_range_validation rekey_range = {
	.min = COLLAB_REKEY_PACKETS_MIN, .max = COLLAB_REKEY_PACKETS_MAX,
};

static struct netlink_range_validation act_bytes_range = {
	.min = 0, .max = COLLAB_ACT_BYTES_MAX,
};

static const struct nla_policy node_set_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_NODE_ID] = GUID_POLICY,
	[COLLAB_A_NODE_NAME] = { .type = NLA_NUL_STRING,
				 .len = COLLAB_NODE_NAME_MAX - 1 },
	[COLLAB_A_TOLERANCE_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &tolerance_range),
	[COLLAB_A_STORE_LIFETIME_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							     &lifetime_range),
	[COLLAB_A_STORE_MAX_MSGS] = NLA_POLICY_FULL_RANGE(NLA_U32, &store_range),
	[COLLAB_A_ROUTE_PEER_BYTES] = NLA_POLICY_FULL_RANGE(NLA_U32,
							    &route_bytes_range),
	[COLLAB_A_ROUTE_NET_BYTES] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &route_bytes_range),
	[COLLAB_A_RX_PEER_BYTES] = NLA_POLICY_FULL_RANGE(NLA_U32, &rx_bytes_range),
	[COLLAB_A_RX_NET_BYTES] = NLA_POLICY_FULL_RANGE(NLA_U32, &rx_bytes_range),
	[COLLAB_A_HOLD_SOCK_BYTES] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &hold_bytes_range),
	[COLLAB_A_HOLD_NET_BYTES] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &hold_bytes_range),
	[COLLAB_A_ACT_NET_BYTES] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &act_bytes_range),
	[COLLAB_A_PRIVATE_KEY] = NLA_POLICY_EXACT_LEN(COLLAB_KEY_LEN),
	[COLLAB_A_PSK] = NLA_POLICY_EXACT_LEN(COLLAB_KEY_LEN),
	[COLLAB_A_PLAINTEXT] = NLA_POLICY_MAX(NLA_U8, COLLAB_PLAINTEXT_ALLOW),
	[COLLAB_A_REKEY_PACKETS] = NLA_POLICY_FULL_RANGE(NLA_U32, &rekey_range),
	[COLLAB_A_RELAY] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy instance_get_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_INSTANCE] = NLA_POLICY_NESTED(instance_key_policy),
};

static const struct nla_policy session_get_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_SESSION] = NLA_POLICY_NESTED(session_key_policy),
};

/* For commands that take no attribute: every one is unsupported. */
static const struct nla_policy no_attr_policy[COLLAB_A_MAX + 1];

#define OBJ_ATTR_U32(name) \
	[COLLAB_OBJ_##name] = COLLAB_STATS_A_##name,
#define OBJ_ATTR_U64(name)
#define STAT_ATTR_U32(name)
#define STAT_ATTR_U64(name) \
	[COLLAB_STAT_##name] = COLLAB_STATS_A_##name,

static const u16 stat_attr[__COLLAB_STAT_MAX] = {
#define COLLAB_STAT(name, str, type)	STAT_ATTR_##type(name)
#include "uapi/linux/collab_stats.h"
#undef COLLAB_STAT
};

static const u16 obj_attr[__COLLAB_OBJ_MAX] = {
#define COLLAB_STAT(name, str, type)	OBJ_ATTR_##type(name)
#include "uapi/linux/collab_stats.h"
#undef COLLAB_STAT
};

static int put_guid(struct sk_buff *skb, int type, const struct collab_guid *g)
{
	return nla_put(skb, type, sizeof(*g), g);
}

/* The instance id a request names; -EINVAL, with a reason, if none. */
static int get_instance_id(struct genl_info *info, struct collab_guid *id)
{
	struct nlattr *tb[COLLAB_INSTANCE_A_MAX + 1];
	struct nlattr *nest = info->attrs[COLLAB_A_INSTANCE];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, COLLAB_A_INSTANCE))
		goto missing;
	err = nla_parse_nested(tb, COLLAB_INSTANCE_A_MAX, nest,
			       instance_key_policy, info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, COLLAB_INSTANCE_A_ID))
		goto missing;
	nla_memcpy(id, tb[COLLAB_INSTANCE_A_ID], sizeof(*id));
	return 0;

missing:
	NL_SET_ERR_MSG(info->extack, "which instance? give its id, or dump them all");
	return -EINVAL;
}

/* ---- node ---------------------------------------------------------------- */

/* The node's settings, each a u32 of collab_net read with READ_ONCE. */
static const struct {
	u16 attr;
	u16 offset;
} node_settings[] = {
	{ COLLAB_A_TOLERANCE_MS, offsetof(struct collab_net, tolerance_ms) },
	{ COLLAB_A_STORE_LIFETIME_MS, offsetof(struct collab_net, lifetime_ms) },
	{ COLLAB_A_STORE_MAX_MSGS, offsetof(struct collab_net, store_max_msgs) },
	/* A smaller budget holds what was taken; it refuses what is new. */
	{ COLLAB_A_ROUTE_PEER_BYTES,
	  offsetof(struct collab_net, route_peer_bytes) },
	{ COLLAB_A_ROUTE_NET_BYTES,
	  offsetof(struct collab_net, route_net_bytes) },
	{ COLLAB_A_RX_PEER_BYTES, offsetof(struct collab_net, rx_peer_bytes) },
	{ COLLAB_A_RX_NET_BYTES, offsetof(struct collab_net, rx_net_bytes) },
	{ COLLAB_A_HOLD_SOCK_BYTES,
	  offsetof(struct collab_net, hold_sock_bytes) },
	{ COLLAB_A_HOLD_NET_BYTES, offsetof(struct collab_net, hold_net_bytes) },
	{ COLLAB_A_ACT_NET_BYTES, offsetof(struct collab_net, act_net_bytes) },
	{ COLLAB_A_REKEY_PACKETS, offsetof(struct collab_net, rekey_packets) },
};

static u32 *node_setting(struct collab_net *cn, unsigned int i)
{
	return (u32 *)((char *)cn + node_settings[i].offset);
}

static int put_node_settings(struct sk_buff *skb, struct collab_net *cn)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(node_settings); i++)
		if (nla_put_u32(skb, node_settings[i].attr,
				*node_setting(cn, i)))
			return -EMSGSIZE;
	return 0;
}

static bool node_settings_given(struct nlattr **a)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(node_settings); i++)
		if (a[node_settings[i].attr])
			return true;
	return false;
}

static void node_settings_set(struct collab_net *cn, struct nlattr **a)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(node_settings); i++)
		if (a[node_settings[i].attr])
			WRITE_ONCE(*node_setting(cn, i),
				   nla_get_u32(a[node_settings[i].attr]));
}

static int fill_node(struct sk_buff *skb, struct collab_net *cn,
		     struct genl_info *info)
{
	void *hdr;

	lockdep_assert_held(&cn->lock);

	hdr = genlmsg_put_reply(skb, info, &collab_genl_family, 0,
				COLLAB_CMD_NODE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (put_guid(skb, COLLAB_A_NODE_ID, &cn->node_id) ||
	    nla_put_string(skb, COLLAB_A_NODE_NAME, cn->node_name) ||
	    nla_put_u32(skb, COLLAB_A_FAMILY, collab_family) ||
	    nla_put_u8(skb, COLLAB_A_RELAY, READ_ONCE(cn->relay)) ||
	    put_node_settings(skb, cn) || collab_nl_node_keys_put(skb, cn)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int collab_nl_node_get(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&cn->lock);
	err = fill_node(msg, cn, info);
	mutex_unlock(&cn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int collab_nl_node_set(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct nlattr *id = info->attrs[COLLAB_A_NODE_ID];
	struct nlattr *name = info->attrs[COLLAB_A_NODE_NAME];
	struct nlattr **a = info->attrs;
	struct collab_guid node;
	int err, keyed;

	if (!id && !name && !node_settings_given(a) &&
	    !a[COLLAB_A_PRIVATE_KEY] && !a[COLLAB_A_PSK] &&
	    !a[COLLAB_A_PLAINTEXT] && !a[COLLAB_A_RELAY]) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: give an id, a name, a key or a setting");
		return -EINVAL;
	}
	if (id) {
		nla_memcpy(&node, id, sizeof(node));
		if (collab_guid_is_zero(&node)) {
			NL_SET_ERR_MSG_ATTR(info->extack, id,
					    "the node id must not be all zero");
			return -EINVAL;
		}
	}

	mutex_lock(&cn->lock);
	keyed = collab_nl_node_key_id(cn, a, &node, info->extack);
	if (keyed < 0) {
		mutex_unlock(&cn->lock);
		return keyed;
	}
	/* Peers know the node by its id: it stays while a bearer is up. */
	if ((id || keyed) && !list_empty(&cn->bearers) &&
	    !collab_guid_equal(&node, &cn->node_id)) {
		mutex_unlock(&cn->lock);
		if (keyed)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    a[COLLAB_A_PRIVATE_KEY],
					    "a new key gives the node a new id, which cannot change while a bearer is up: delete the bearers first");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, id,
					    "the node id cannot change while a bearer is up: delete the bearers first");
		return -EBUSY;
	}
	/* Readers run in softirq too: none may interrupt the write. */
	local_bh_disable();
	write_seqcount_begin(&cn->node_seq);
	if (id || keyed)
		cn->node_id = node;
	if (name)
		nla_strscpy(cn->node_name, name, sizeof(cn->node_name));
	write_seqcount_end(&cn->node_seq);
	local_bh_enable();
	node_settings_set(cn, a);
	if (a[COLLAB_A_RELAY])
		WRITE_ONCE(cn->relay, nla_get_u8(a[COLLAB_A_RELAY]));
	/* Peers hear of the name, and of the routes now offered or not. */
	if (name || a[COLLAB_A_RELAY])
		collab_reach_self_changed(cn);
	err = collab_nl_node_keys_set(cn, a, info->extack);
	mutex_unlock(&cn->lock);
	return err;
}

/* ---- instances ----------------------------------------------------------- */

/*
 * Who reads instances: an administrator of the namespace sees them all,
 * anyone else the instances of sockets its user owns. Both are those of
 * the netlink socket that asks (its opener's capability, its owner), as
 * for the rest of netlink.
 */
struct viewer {
	kuid_t uid;
	bool all;
};

static void viewer_init(struct viewer *v, const struct sk_buff *req,
			struct collab_net *cn)
{
	v->all = netlink_ns_capable(req, cn->net->user_ns, CAP_NET_ADMIN);
	v->uid = NETLINK_CB(req).sk->sk_uid;
}

static bool viewer_sees(const struct viewer *v, const struct collab_sock *cs)
{
	return v->all || uid_eq(v->uid, cs->sk.sk_uid);
}

static int put_instance_key(struct sk_buff *skb, const struct collab_sock *cs)
{
	if (put_guid(skb, COLLAB_INSTANCE_A_ID, &cs->id) ||
	    nla_put_string(skb, COLLAB_INSTANCE_A_APP, cs->app))
		return -EMSGSIZE;
	return 0;
}

/* The owner as the reader sees it: in its own pid and user namespaces. */
static int put_instance_owner(struct sk_buff *skb, const struct collab_sock *cs)
{
	uid_t uid = from_kuid_munged(current_user_ns(), cs->sk.sk_uid);

	if (nla_put_u32(skb, COLLAB_INSTANCE_A_PID, pid_vnr(cs->pid)) ||
	    nla_put_u32(skb, COLLAB_INSTANCE_A_UID, uid))
		return -EMSGSIZE;
	return 0;
}

static int put_instance_sessions(struct sk_buff *skb, struct collab_sock *cs)
{
	struct collab_member *m;
	struct nlattr *nest;

	nest = nla_nest_start(skb, COLLAB_INSTANCE_A_SESSIONS);
	if (!nest)
		return -EMSGSIZE;
	list_for_each_entry(m, &cs->memberships, sock_node)
		if (put_guid(skb, COLLAB_SESSION_A_ID, &m->session->id))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_u64(struct sk_buff *skb, int type, atomic64_t *v)
{
	return nla_put_u64_64bit(skb, type, atomic64_read(v),
				 COLLAB_INSTANCE_A_PAD);
}

static int put_instance_state(struct sk_buff *skb, struct collab_sock *cs)
{
	struct sock *sk = &cs->sk;

	if (nla_put_u8(skb, COLLAB_INSTANCE_A_ACCEPT_NEW,
		       READ_ONCE(cs->accept_new)) ||
	    put_instance_sessions(skb, cs) ||
	    nla_put_u32(skb, COLLAB_INSTANCE_A_RQ_MSGS,
			skb_queue_len_lockless(&sk->sk_receive_queue)) ||
	    nla_put_u32(skb, COLLAB_INSTANCE_A_RQ_BYTES, sk_rmem_alloc_get(sk)) ||
	    nla_put_u32(skb, COLLAB_INSTANCE_A_RCVBUF, READ_ONCE(sk->sk_rcvbuf)) ||
	    put_u64(skb, COLLAB_INSTANCE_A_TX_MSGS, &cs->tx_msgs) ||
	    put_u64(skb, COLLAB_INSTANCE_A_TX_BYTES, &cs->tx_bytes) ||
	    put_u64(skb, COLLAB_INSTANCE_A_TX_ERRORS, &cs->tx_errors) ||
	    put_u64(skb, COLLAB_INSTANCE_A_RX_MSGS, &cs->rx_msgs) ||
	    put_u64(skb, COLLAB_INSTANCE_A_RX_BYTES, &cs->rx_bytes))
		return -EMSGSIZE;
	return 0;
}

/* An instance in a GET reply (all it has) or an event (who it is). */
static int fill_instance(struct sk_buff *skb, struct collab_sock *cs,
			 u32 portid, u32 seq, int flags, u8 cmd)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &collab_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, COLLAB_A_INSTANCE);
	if (!nest || put_instance_key(skb, cs) || put_instance_owner(skb, cs))
		goto cancel;
	if (cmd == COLLAB_CMD_INSTANCE_GET && put_instance_state(skb, cs))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int collab_nl_instance_get(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct collab_sock *cs;
	struct collab_guid id;
	struct sk_buff *msg;
	struct viewer v;
	int err;

	err = get_instance_id(info, &id);
	if (err)
		return err;
	viewer_init(&v, skb, cn);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&cn->lock);
	/* The lookup is RCU's; the mutex keeps what it finds bound. */
	rcu_read_lock();
	cs = collab_find_instance(cn, &id);
	rcu_read_unlock();
	/* Another's instance is none, as far as this caller can tell. */
	if (!cs || !viewer_sees(&v, cs)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[COLLAB_A_INSTANCE],
				    "no instance with this id on this node");
		err = -ENOENT;
	} else {
		err = fill_instance(msg, cs, info->snd_portid, info->snd_seq,
				    0, COLLAB_CMD_INSTANCE_GET);
	}
	mutex_unlock(&cn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

struct instance_dump {
	u64 last;		/* collab_sock.seq of the last one sent */
	struct viewer v;
};

static int collab_nl_instance_dump_start(struct netlink_callback *cb)
{
	struct instance_dump *ctx = (void *)cb->ctx;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));

	viewer_init(&ctx->v, cb->skb,
		    collab_net(sock_net(NETLINK_CB(cb->skb).sk)));
	return 0;
}

static int collab_nl_instance_dump(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct collab_net *cn = collab_net(sock_net(skb->sk));
	struct instance_dump *ctx = (void *)cb->ctx;
	struct collab_sock *cs;
	int err = 0;

	mutex_lock(&cn->lock);
	list_for_each_entry(cs, &cn->all_instances, all_node) {
		if (cs->seq <= ctx->last || !viewer_sees(&ctx->v, cs))
			continue;
		err = fill_instance(skb, cs, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI,
				    COLLAB_CMD_INSTANCE_GET);
		if (err)
			break;
		ctx->last = cs->seq;
	}
	mutex_unlock(&cn->lock);

	/* A full message goes out, and the dump goes on from ctx->last. */
	if (err && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* ---- sessions ------------------------------------------------------------ */

static int put_member(struct sk_buff *skb, const struct collab_sock *cs)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, COLLAB_SESSION_A_MEMBER);
	if (!nest || put_instance_key(skb, cs))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The members of @s that @v sees. */
static unsigned int session_count(const struct collab_session *s,
				  const struct viewer *v)
{
	const struct collab_member *m;
	unsigned int n = 0;

	if (v->all)
		return s->count;
	list_for_each_entry(m, &s->members, session_node)
		n += viewer_sees(v, m->cs);
	return n;
}

/*
 * One message about session @s: its id, its size and the members that
 * joined after *@after, as many as fit, of those @v sees (@count of them).
 * Returns -EMSGSIZE when some did not fit, with *@after set to the last
 * one that did.
 */
static int fill_session(struct sk_buff *skb, struct collab_session *s,
			const struct viewer *v, unsigned int count,
			u64 *after, u32 portid, u32 seq)
{
	struct collab_member *m;
	struct nlattr *nest, *mark;
	unsigned int n = 0;
	int err = 0;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &collab_genl_family, NLM_F_MULTI,
			  COLLAB_CMD_SESSION_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, COLLAB_A_SESSION);
	if (!nest || put_guid(skb, COLLAB_SESSION_A_ID, &s->id) ||
	    nla_put_u32(skb, COLLAB_SESSION_A_MEMBER_COUNT, count))
		goto cancel;
	list_for_each_entry(m, &s->members, session_node) {
		if (m->seq <= *after || !viewer_sees(v, m->cs))
			continue;
		mark = (struct nlattr *)skb_tail_pointer(skb);
		if (put_member(skb, m->cs)) {
			nlmsg_trim(skb, mark);
			err = -EMSGSIZE;
			break;
		}
		*after = m->seq;
		n++;
	}
	/* Not one member fitted: the next message starts with this session. */
	if (err && !n)
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return err;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

struct session_dump {
	u64 session;		/* collab_session.seq to go on from */
	u64 member;		/* collab_member.seq of the last one sent */
	struct collab_guid filter;
	bool filtered;
	struct viewer v;
};

static int collab_nl_session_dump_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	struct session_dump *ctx = (void *)cb->ctx;
	struct nlattr *tb[COLLAB_SESSION_A_MAX + 1];
	int err;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));

	viewer_init(&ctx->v, cb->skb,
		    collab_net(sock_net(NETLINK_CB(cb->skb).sk)));
	if (!attrs[COLLAB_A_SESSION])
		return 0;
	err = nla_parse_nested(tb, COLLAB_SESSION_A_MAX, attrs[COLLAB_A_SESSION],
			       session_key_policy, cb->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(cb->extack, attrs[COLLAB_A_SESSION], tb,
			      COLLAB_SESSION_A_ID))
		return -EINVAL;
	nla_memcpy(&ctx->filter, tb[COLLAB_SESSION_A_ID], sizeof(ctx->filter));
	ctx->filtered = true;
	return 0;
}

static int collab_nl_session_dump(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct collab_net *cn = collab_net(sock_net(skb->sk));
	struct session_dump *ctx = (void *)cb->ctx;
	struct collab_session *s;
	unsigned int count;
	int err = 0;

	mutex_lock(&cn->lock);
	list_for_each_entry(s, &cn->all_sessions, all_node) {
		if (s->seq < ctx->session)
			continue;
		if (ctx->filtered && !collab_guid_equal(&s->id, &ctx->filter))
			continue;
		/* A session is of this caller's business by its members. */
		count = session_count(s, &ctx->v);
		if (!count)
			continue;
		if (s->seq > ctx->session) {
			ctx->session = s->seq;
			ctx->member = 0;
		}
		err = fill_session(skb, s, &ctx->v, count, &ctx->member,
				   NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq);
		if (err)
			break;
		ctx->session = s->seq + 1;
		ctx->member = 0;
	}
	mutex_unlock(&cn->lock);

	if (err && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* ---- stats --------------------------------------------------------------- */

static int put_stats(struct sk_buff *skb, struct collab_net *cn)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, COLLAB_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __COLLAB_OBJ_MAX; i++)
		if (nla_put_u32(skb, obj_attr[i], atomic_read(&cn->objects[i])))
			return -EMSGSIZE;
	for (i = 0; i < __COLLAB_STAT_MAX; i++)
		if (nla_put_u64_64bit(skb, stat_attr[i], collab_stat_read(cn, i),
				      COLLAB_STATS_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int collab_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct collab_net *cn = collab_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &collab_genl_family, 0,
				COLLAB_CMD_STATS_GET);
	if (!hdr || put_stats(msg, cn)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* ---- events -------------------------------------------------------------- */

/* COLLAB_CMD_INSTANCE_NEW or _DEL for @cs, to whom may hear of it. */
void collab_nl_instance_event(struct collab_net *cn, struct collab_sock *cs,
			      u8 cmd)
{
	struct sk_buff *msg;

	lockdep_assert_held(&cn->lock);

	if (!collab_nl_has_listeners(cn))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto lost;
	if (fill_instance(msg, cs, 0, 0, 0, cmd)) {
		nlmsg_free(msg);
		goto lost;
	}
	collab_nl_notify(cn, msg, COLLAB_NL_OWNER, cs->sk.sk_uid, GFP_KERNEL);
	return;

lost:
	collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
}

/* COLLAB_CMD_SESSION_JOIN or _LEAVE for membership @m, as for its socket. */
void collab_nl_member_event(struct collab_net *cn, struct collab_member *m,
			    u8 cmd)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	lockdep_assert_held(&cn->lock);

	if (!collab_nl_has_listeners(cn))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &collab_genl_family, 0, cmd);
	if (!hdr)
		goto free;
	nest = nla_nest_start(msg, COLLAB_A_SESSION);
	if (!nest || put_guid(msg, COLLAB_SESSION_A_ID, &m->session->id) ||
	    put_member(msg, m->cs))
		goto free;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	collab_nl_notify(cn, msg, COLLAB_NL_OWNER, m->cs->sk.sk_uid,
			 GFP_KERNEL);
	return;

free:
	nlmsg_free(msg);
lost:
	collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
}

/* ---- the family ---------------------------------------------------------- */

static const struct genl_ops collab_genl_ops[] = {
	{
		.cmd = COLLAB_CMD_NODE_GET,
		.doit = collab_nl_node_get,
		.policy = no_attr_policy,
		.maxattr = COLLAB_A_MAX,
	},
	{
		.cmd = COLLAB_CMD_NODE_SET,
		.doit = collab_nl_node_set,
		.policy = node_set_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_INSTANCE_GET,
		.doit = collab_nl_instance_get,
		.start = collab_nl_instance_dump_start,
		.dumpit = collab_nl_instance_dump,
		.policy = instance_get_policy,
		.maxattr = COLLAB_A_MAX,
	},
	{
		.cmd = COLLAB_CMD_SESSION_GET,
		.start = collab_nl_session_dump_start,
		.dumpit = collab_nl_session_dump,
		.policy = session_get_policy,
		.maxattr = COLLAB_A_MAX,
	},
	{
		.cmd = COLLAB_CMD_STATS_GET,
		.doit = collab_nl_stats_get,
		.policy = no_attr_policy,
		.maxattr = COLLAB_A_MAX,
	},
	{
		.cmd = COLLAB_CMD_BEARER_ADD,
		.doit = collab_nl_bearer_add,
		.policy = collab_nl_bearer_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_BEARER_DEL,
		.doit = collab_nl_bearer_del,
		.policy = collab_nl_bearer_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_BEARER_GET,
		.dumpit = collab_nl_bearer_dump,
		.policy = no_attr_policy,
		.maxattr = COLLAB_A_MAX,
	},
	{
		.cmd = COLLAB_CMD_PEER_ADD,
		.doit = collab_nl_peer_add,
		.policy = collab_nl_peer_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_PEER_DEL,
		.doit = collab_nl_peer_del,
		.policy = collab_nl_peer_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_PEER_GET,
		.doit = collab_nl_peer_get,
		.dumpit = collab_nl_peer_dump,
		.policy = collab_nl_peer_policy,
		.maxattr = COLLAB_A_MAX,
	},
	{
		.cmd = COLLAB_CMD_APP_ADD,
		.doit = collab_nl_app_add,
		.policy = collab_nl_app_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_APP_DEL,
		.doit = collab_nl_app_del,
		.policy = collab_nl_app_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_APP_GET,
		.doit = collab_nl_app_get,
		.dumpit = collab_nl_app_dump,
		.policy = collab_nl_app_policy,
		.maxattr = COLLAB_A_MAX,
	},
	{
		.cmd = COLLAB_CMD_APP_FAIL,
		.doit = collab_nl_app_fail,
		.policy = collab_nl_app_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_TRUST_ADD,
		.doit = collab_nl_trust_add,
		.policy = collab_nl_trust_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_TRUST_DEL,
		.doit = collab_nl_trust_del,
		.policy = collab_nl_trust_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_TRUST_GET,
		.dumpit = collab_nl_trust_dump,
		.policy = no_attr_policy,
		.maxattr = COLLAB_A_MAX,
	},
	{
		.cmd = COLLAB_CMD_APP_RESERVE,
		.doit = collab_nl_app_reserve,
		.policy = collab_nl_reserve_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_APP_UNRESERVE,
		.doit = collab_nl_app_unreserve,
		.policy = collab_nl_unreserve_policy,
		.maxattr = COLLAB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = COLLAB_CMD_EVENTS_LISTEN,
		.doit = collab_nl_events_listen,
		.policy = no_attr_policy,
		.maxattr = COLLAB_A_MAX,
	},
	{
		.cmd = COLLAB_CMD_ROUTE_GET,
		.dumpit = collab_nl_route_dump,
		.policy = no_attr_policy,
		.maxattr = COLLAB_A_MAX,
	},
};

static const struct genl_multicast_group collab_genl_mcgrps[] = {
	/*
	 * Every member hears of every instance: others hear what they may
	 * see by COLLAB_CMD_EVENTS_LISTEN (nl_event.c).
	 */
	[COLLAB_NLGRP_EVENTS] = { .name = COLLAB_GENL_MCGRP_EVENTS,
				  .flags = GENL_MCAST_CAP_NET_ADMIN },
	/*
	 * Whoever listens here starts applications for other users: only an
	 * administrator of the namespace may.
	 */
	[COLLAB_NLGRP_ACTIVATION] = { .name = COLLAB_GENL_MCGRP_ACTIVATION,
				      .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family collab_genl_family __ro_after_init = {
	.name = COLLAB_GENL_NAME,
	.version = COLLAB_GENL_VERSION,
	.maxattr = COLLAB_A_MAX,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = collab_genl_ops,
	.n_ops = ARRAY_SIZE(collab_genl_ops),
	.mcgrps = collab_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(collab_genl_mcgrps),
};

int __init collab_netlink_init(void)
{
	int err;

	err = genl_register_family(&collab_genl_family);
	if (err)
		return err;
	err = collab_nl_listeners_register();
	if (err)
		goto err_unregister_family;
	return 0;

err_unregister_family:
	genl_unregister_family(&collab_genl_family);
	return err;
}

void collab_netlink_exit(void)
{
	collab_nl_listeners_unregister();
	genl_unregister_family(&collab_genl_family);
}
