// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the netlink commands of application types: register a type as
 * activatable (activation.c), withdraw it, show it with the requests that
 * wait, and hear from the activator that a request failed; reserve a type
 * for a user or a group (table.c), and lift that.
 */
#include <linux/cred.h>
#include <net/genetlink.h>

#include "activation.h"
#include "netlink.h"
#include "sock.h"
#include "table.h"

static struct netlink_range_validation timeout_range = {
	.min = COLLAB_APP_TIMEOUT_MIN_MS, .max = COLLAB_APP_TIMEOUT_MAX_MS,
};

static struct netlink_range_validation hold_range = {
	.min = 4096, .max = COLLAB_ACT_BYTES_MAX,
};

static const struct nla_policy req_policy[COLLAB_REQ_A_MAX + 1] = {
	[COLLAB_REQ_A_ID] = { .type = NLA_U64 },
	[COLLAB_REQ_A_ERRNO] = NLA_POLICY_RANGE(NLA_U32, 1, MAX_ERRNO),
};

static const struct nla_policy app_policy[COLLAB_APP_A_MAX + 1] = {
	[COLLAB_APP_A_NAME] = { .type = NLA_NUL_STRING,
				.len = COLLAB_APP_MAX - 1 },
	[COLLAB_APP_A_POLICY] = NLA_POLICY_MAX(NLA_U8, COLLAB_APP_PER_SESSION),
	[COLLAB_APP_A_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &timeout_range),
	[COLLAB_APP_A_HOLD_BYTES] = NLA_POLICY_FULL_RANGE(NLA_U32, &hold_range),
	[COLLAB_APP_A_REQUEST] = NLA_POLICY_NESTED(req_policy),
};

const struct nla_policy collab_nl_app_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_APP] = NLA_POLICY_NESTED(app_policy),
};

static const struct nla_policy reserve_policy[COLLAB_APP_A_MAX + 1] = {
	[COLLAB_APP_A_NAME] = { .type = NLA_NUL_STRING,
				.len = COLLAB_APP_MAX - 1 },
	[COLLAB_APP_A_RESERVE_UID] = { .type = NLA_U32 },
	[COLLAB_APP_A_RESERVE_GID] = { .type = NLA_U32 },
};

const struct nla_policy collab_nl_reserve_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_APP] = NLA_POLICY_NESTED(reserve_policy),
};

/* UNRESERVE names a type and nothing else. */
static const struct nla_policy name_policy[COLLAB_APP_A_MAX + 1] = {
	[COLLAB_APP_A_NAME] = { .type = NLA_NUL_STRING,
				.len = COLLAB_APP_MAX - 1 },
};

const struct nla_policy collab_nl_unreserve_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_APP] = NLA_POLICY_NESTED(name_policy),
};

/*
 * The COLLAB_A_APP nest of a request, parsed with @policy, with the type
 * it names in @app.
 */
static int parse_app_with(struct genl_info *info,
			  const struct nla_policy *policy, struct nlattr **tb,
			  char *app)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, COLLAB_A_APP))
		goto missing;
	err = nla_parse_nested(tb, COLLAB_APP_A_MAX, info->attrs[COLLAB_A_APP],
			       policy, info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[COLLAB_A_APP], tb,
			      COLLAB_APP_A_NAME))
		goto missing;
	if (collab_check_app(nla_data(tb[COLLAB_APP_A_NAME]), false, app)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[COLLAB_APP_A_NAME],
				    "an application type is 1 to 31 printable characters");
		return -EINVAL;
	}
	return 0;

missing:
	NL_SET_ERR_MSG(info->extack, "which application type? give its name");
	return -EINVAL;
}

static int parse_app(struct genl_info *info, struct nlattr **tb, char *app)
{
	return parse_app_with(info, app_policy, tb, app);
}

static struct collab_net *info_net(struct genl_info *info)
{
	return collab_net(genl_info_net(info));
}

int collab_nl_app_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COLLAB_APP_A_MAX + 1];
	struct collab_net *cn = info_net(info);
	char app[COLLAB_APP_MAX];
	int err, policy = -1;
	u32 timeout = 0, hold = 0;

	err = parse_app(info, tb, app);
	if (err)
		return err;
	if (tb[COLLAB_APP_A_POLICY])
		policy = nla_get_u8(tb[COLLAB_APP_A_POLICY]);
	if (tb[COLLAB_APP_A_TIMEOUT_MS])
		timeout = nla_get_u32(tb[COLLAB_APP_A_TIMEOUT_MS]);
	if (tb[COLLAB_APP_A_HOLD_BYTES])
		hold = nla_get_u32(tb[COLLAB_APP_A_HOLD_BYTES]);
	mutex_lock(&cn->lock);
	err = collab_act_type_set(cn, app, policy, timeout, hold);
	mutex_unlock(&cn->lock);
	if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "too many activatable types (256)");
	return err;
}

int collab_nl_app_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COLLAB_APP_A_MAX + 1];
	struct collab_net *cn = info_net(info);
	char app[COLLAB_APP_MAX];
	int err;

	err = parse_app(info, tb, app);
	if (err)
		return err;
	mutex_lock(&cn->lock);
	err = collab_act_type_del(cn, app);
	mutex_unlock(&cn->lock);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such activatable type");
	return err;
}

int collab_nl_app_fail(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COLLAB_APP_A_MAX + 1], *rq[COLLAB_REQ_A_MAX + 1];
	struct collab_net *cn = info_net(info);
	char app[COLLAB_APP_MAX];
	int err, status = ECONNREFUSED;

	err = parse_app(info, tb, app);
	if (err)
		return err;
	if (!tb[COLLAB_APP_A_REQUEST])
		goto missing;
	err = nla_parse_nested(rq, COLLAB_REQ_A_MAX, tb[COLLAB_APP_A_REQUEST],
			       req_policy, info->extack);
	if (err)
		return err;
	if (!rq[COLLAB_REQ_A_ID])
		goto missing;
	if (rq[COLLAB_REQ_A_ERRNO])
		status = nla_get_u32(rq[COLLAB_REQ_A_ERRNO]);
	err = collab_act_fail(cn, app, nla_get_u64(rq[COLLAB_REQ_A_ID]),
			      status);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack,
			       "no such request: an instance came, or it timed out");
	return err;

missing:
	NL_SET_ERR_MSG(info->extack, "which request? give its id");
	return -EINVAL;
}

/* The ids a request gives are those of the caller's user namespace. */
int collab_nl_app_reserve(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COLLAB_APP_A_MAX + 1], *user, *group;
	struct collab_net *cn = info_net(info);
	kuid_t uid = INVALID_UID;
	kgid_t gid = INVALID_GID;
	char app[COLLAB_APP_MAX];
	int err;

	err = parse_app_with(info, reserve_policy, tb, app);
	if (err)
		return err;
	user = tb[COLLAB_APP_A_RESERVE_UID];
	group = tb[COLLAB_APP_A_RESERVE_GID];
	if (!user == !group) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[COLLAB_A_APP],
				    "reserve it for a user or for a group: give one of them");
		return -EINVAL;
	}
	if (user) {
		uid = make_kuid(current_user_ns(), nla_get_u32(user));
		if (!uid_valid(uid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, user,
					    "no such user id in the caller's user namespace");
			return -EINVAL;
		}
	} else {
		gid = make_kgid(current_user_ns(), nla_get_u32(group));
		if (!gid_valid(gid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, group,
					    "no such group id in the caller's user namespace");
			return -EINVAL;
		}
	}
	mutex_lock(&cn->lock);
	err = collab_reserve(cn, app, !!group, uid, gid);
	mutex_unlock(&cn->lock);
	if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "too many reserved types ("
			       __stringify(COLLAB_RESERVED_MAX) ")");
	return err;
}

int collab_nl_app_unreserve(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COLLAB_APP_A_MAX + 1];
	struct collab_net *cn = info_net(info);
	char app[COLLAB_APP_MAX];
	int err;

	err = parse_app_with(info, name_policy, tb, app);
	if (err)
		return err;
	mutex_lock(&cn->lock);
	err = collab_unreserve(cn, app);
	mutex_unlock(&cn->lock);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "this application type is not reserved");
	return err;
}

static int put_req(struct sk_buff *skb, const struct collab_act_req *r)
{
	struct nlattr *nest = nla_nest_start(skb, COLLAB_APP_A_REQUEST);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, COLLAB_REQ_A_ID, r->id, COLLAB_REQ_A_PAD) ||
	    nla_put(skb, COLLAB_REQ_A_SESSION, sizeof(r->session),
		    &r->session) ||
	    nla_put(skb, COLLAB_REQ_A_SRC_NODE, sizeof(r->src_node),
		    &r->src_node) ||
	    nla_put(skb, COLLAB_REQ_A_SRC_ID, sizeof(r->src_id), &r->src_id) ||
	    nla_put_u32(skb, COLLAB_REQ_A_AGE_MS,
			jiffies_to_msecs(jiffies - r->created)) ||
	    nla_put_u32(skb, COLLAB_REQ_A_HELD_MSGS, skb_queue_len(&r->msgs))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_type(struct sk_buff *skb, const struct collab_act_type *t)
{
	return nla_put_u8(skb, COLLAB_APP_A_POLICY, t->policy) ||
	       nla_put_u32(skb, COLLAB_APP_A_TIMEOUT_MS, t->timeout_ms) ||
	       nla_put_u32(skb, COLLAB_APP_A_HOLD_BYTES, t->hold_bytes) ||
	       nla_put_u32(skb, COLLAB_APP_A_HELD_MSGS, t->held_msgs) ||
	       nla_put_u32(skb, COLLAB_APP_A_HELD_BYTES, t->held_bytes) ||
	       nla_put_u64_64bit(skb, COLLAB_APP_A_ACTIVATIONS, t->activations,
				 COLLAB_APP_A_PAD) ||
	       nla_put_u64_64bit(skb, COLLAB_APP_A_DELIVERED, t->delivered,
				 COLLAB_APP_A_PAD) ||
	       nla_put_u64_64bit(skb, COLLAB_APP_A_DROPPED, t->dropped,
				 COLLAB_APP_A_PAD) ? -EMSGSIZE : 0;
}

/* The owner, with ids of the reader's user namespace. */
static int put_reservation(struct sk_buff *skb,
			   const struct collab_reservation *r)
{
	if (r->group)
		return nla_put_u32(skb, COLLAB_APP_A_RESERVE_GID,
				   from_kgid_munged(current_user_ns(), r->gid));
	return nla_put_u32(skb, COLLAB_APP_A_RESERVE_UID,
			   from_kuid_munged(current_user_ns(), r->uid));
}

/*
 * An application type: activatable (@t) and its requests after id *@after,
 * as many as fit, reserved (@res), or both. *@after is then the last
 * request sent. 0 when all went, 1 when more are left for the next
 * message, -EMSGSIZE when none of it fit. Under collab_net.lock, and
 * act_lock for @t.
 */
static int fill_app(struct sk_buff *skb, const struct collab_act_type *t,
		    const struct collab_reservation *res, u32 portid, u32 seq,
		    int flags, u64 *after)
{
	const struct collab_act_req *r;
	struct nlattr *nest;
	int more = 0;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &collab_genl_family, flags,
			  COLLAB_CMD_APP_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, COLLAB_A_APP);
	if (!nest ||
	    nla_put_string(skb, COLLAB_APP_A_NAME, t ? t->app : res->app) ||
	    (t && put_type(skb, t)) || (res && put_reservation(skb, res))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	if (!t)
		goto end;
	list_for_each_entry(r, &t->requests, node) {
		if (r->id <= *after)
			continue;
		if (put_req(skb, r)) {
			more = 1;
			break;
		}
		*after = r->id;
	}
end:
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return more;
}

/*
 * One type, activatable or reserved, with the requests that fit in one
 * message (a dump has all).
 */
int collab_nl_app_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COLLAB_APP_A_MAX + 1];
	struct collab_net *cn = info_net(info);
	struct collab_reservation *res;
	struct collab_act_type *t;
	char app[COLLAB_APP_MAX];
	struct sk_buff *msg;
	u64 after = 0;
	int err;

	err = parse_app(info, tb, app);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&cn->lock);
	res = collab_find_reservation(cn, app);
	spin_lock_bh(&cn->act_lock);
	t = collab_act_type_find(cn, app);
	err = t || res ? fill_app(msg, t, res, info->snd_portid, info->snd_seq,
				  0, &after) : -ENOENT;
	spin_unlock_bh(&cn->act_lock);
	mutex_unlock(&cn->lock);
	if (err < 0) {
		nlmsg_free(msg);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack,
				       "no such activatable or reserved type");
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Every activatable type in creation order, each with all its requests
 * and its reservation, over as many messages as they take: cb->args[0] is
 * the creation number of the type being sent, args[1] the id of its last
 * request sent, args[2] whether it is complete. Then, once args[3] says
 * the activatable types are done, every reserved type that is not
 * activatable, in creation order: args[4] is the last one sent.
 */
int collab_nl_app_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct collab_net *cn = collab_net(sock_net(skb->sk));
	struct collab_reservation *res;
	struct collab_act_type *t;
	int more = 0;
	u64 after;

	mutex_lock(&cn->lock);
	if (cb->args[3])
		goto reserved;
	spin_lock_bh(&cn->act_lock);
	list_for_each_entry(t, &cn->act_types, node) {
		if (t->seq < (u64)cb->args[0] ||
		    (t->seq == (u64)cb->args[0] && cb->args[2]))
			continue;
		after = t->seq == (u64)cb->args[0] ? cb->args[1] : 0;
		more = fill_app(skb, t, collab_find_reservation(cn, t->app),
				NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				NLM_F_MULTI, &after);
		if (more < 0)
			break;
		cb->args[0] = t->seq;
		cb->args[1] = after;
		cb->args[2] = !more;
		if (more)
			break;
	}
	spin_unlock_bh(&cn->act_lock);
	if (more)
		goto out;
	cb->args[3] = 1;
reserved:
	list_for_each_entry(res, &cn->all_reserved, all_node) {
		/* An activatable one went with its type. */
		if (res->seq <= (u64)cb->args[4] ||
		    collab_act_type_find(cn, res->app))
			continue;
		if (fill_app(skb, NULL, res, NETLINK_CB(cb->skb).portid,
			     cb->nlh->nlmsg_seq, NLM_F_MULTI, &after) < 0)
			break;
		cb->args[4] = res->seq;
	}
out:
	mutex_unlock(&cn->lock);
	return skb->len;
}

/* COLLAB_CMD_APP_ACTIVATE: start an instance for request @ev. Any context. */
void collab_nl_activate_event(struct collab_net *cn,
			      const struct collab_act_event *ev)
{
	struct sk_buff *msg;
	struct nlattr *app, *req;
	void *hdr;

	if (!genl_has_listeners(&collab_genl_family, cn->net,
				COLLAB_NLGRP_ACTIVATION))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &collab_genl_family, 0,
			  COLLAB_CMD_APP_ACTIVATE);
	app = hdr ? nla_nest_start(msg, COLLAB_A_APP) : NULL;
	if (!app || nla_put_string(msg, COLLAB_APP_A_NAME, ev->app) ||
	    nla_put_u8(msg, COLLAB_APP_A_POLICY, ev->policy))
		goto lost_free;
	req = nla_nest_start(msg, COLLAB_APP_A_REQUEST);
	if (!req || nla_put_u64_64bit(msg, COLLAB_REQ_A_ID, ev->id,
				      COLLAB_REQ_A_PAD) ||
	    nla_put(msg, COLLAB_REQ_A_SESSION, sizeof(ev->session),
		    &ev->session) ||
	    nla_put(msg, COLLAB_REQ_A_SRC_NODE, sizeof(ev->src_node),
		    &ev->src_node) ||
	    nla_put(msg, COLLAB_REQ_A_SRC_ID, sizeof(ev->src_id), &ev->src_id))
		goto lost_free;
	nla_nest_end(msg, req);
	nla_nest_end(msg, app);
	genlmsg_end(msg, hdr);
	if (genlmsg_multicast_netns(&collab_genl_family, cn->net, msg, 0,
				    COLLAB_NLGRP_ACTIVATION, GFP_ATOMIC) &&
	    genl_has_listeners(&collab_genl_family, cn->net,
			       COLLAB_NLGRP_ACTIVATION))
		goto lost;
	return;

lost_free:
	nlmsg_free(msg);
lost:
	collab_stat_inc(cn, COLLAB_STAT_EVENTS_LOST);
}
