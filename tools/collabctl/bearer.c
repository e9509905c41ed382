// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl bearer: the UDP sockets that carry this node's traffic to its
 * peers, and the multicast groups discovery beacons go to.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

static const struct nla_policy bearer_policy[COLLAB_BEARER_A_MAX + 1] = {
	[COLLAB_BEARER_A_ID] = { .type = NLA_U32 },
	[COLLAB_BEARER_A_LOCAL] = { .type = NLA_UNSPEC },
	[COLLAB_BEARER_A_IFINDEX] = { .type = NLA_U32 },
	[COLLAB_BEARER_A_DISCOVERY] = { .type = NLA_UNSPEC },
	[COLLAB_BEARER_A_MTU] = { .type = NLA_U32 },
	[COLLAB_BEARER_A_TX_PACKETS] = { .type = NLA_U64 },
	[COLLAB_BEARER_A_RX_PACKETS] = { .type = NLA_U64 },
	[COLLAB_BEARER_A_TX_ERRORS] = { .type = NLA_U64 },
};

static const struct out_attr tx_attrs[] = {
	OUT_NUM(COLLAB_BEARER_A_TX_PACKETS, "tx_packets", "%s packets"),
	OUT_NUM(COLLAB_BEARER_A_TX_ERRORS, "tx_errors", "%s errors"),
	OUT_END
};

static const struct out_attr rx_attrs[] = {
	OUT_NUM(COLLAB_BEARER_A_RX_PACKETS, "rx_packets", "%s packets"),
	OUT_END
};

/* The bearer nest of a reply or dump message, parsed into TB. */
static int bearer_parse(struct nl_msg *msg, struct nlattr **tb)
{
	if (!cnl_parse_object(msg, COLLAB_A_BEARER, tb, COLLAB_BEARER_A_MAX,
			      bearer_policy) ||
	    !tb[COLLAB_BEARER_A_ID])
		return -EBADMSG;
	return 0;
}

/* An address attribute, if present. */
static int print_sockaddr(const char *key, const char *fmt,
			  const struct nlattr *attr)
{
	return attr ? out_sockaddr(key, fmt, attr) : 0;
}

/* The device's index, and its name when it still has one. */
static void print_dev(const struct nlattr *attr)
{
	char name[IF_NAMESIZE];
	uint32_t ifindex;

	if (!attr)
		return;
	ifindex = nla_get_u32(attr);
	if (!ifindex)
		return;
	if (if_indextoname(ifindex, name)) {
		out_str("dev", " dev %s", name);
		out_u64("ifindex", NULL, ifindex);
	} else {
		out_u64("ifindex", " ifindex %s", ifindex);
	}
}

/* "bearer ID: local ADDR:PORT dev DEV mtu N", then one line each. */
static int bearer_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[COLLAB_BEARER_A_MAX + 1];
	unsigned int *shown = arg;
	uint32_t mtu;
	int err;

	if (bearer_parse(msg, tb))
		return -EBADMSG;
	if ((*shown)++)
		out_text("\n");
	out_obj_start(NULL);
	out_u64("id", "bearer %s:", nla_get_u32(tb[COLLAB_BEARER_A_ID]));
	err = print_sockaddr("local", " local %s", tb[COLLAB_BEARER_A_LOCAL]);
	print_dev(tb[COLLAB_BEARER_A_IFINDEX]);
	if (tb[COLLAB_BEARER_A_MTU]) {
		/* 0: that of the route to each peer, as when it is left out. */
		mtu = nla_get_u32(tb[COLLAB_BEARER_A_MTU]);
		out_u64("mtu", mtu ? " mtu %s" : NULL, mtu);
	}
	out_text("\n");
	if (!err)
		err = print_sockaddr("discovery", "  discovery %s\n",
				     tb[COLLAB_BEARER_A_DISCOVERY]);
	out_attr_line(tb, "  sent: ", tx_attrs);
	out_attr_line(tb, "  received: ", rx_attrs);
	out_obj_end();
	return err;
}

static int bearer_show(int argc, char **argv)
{
	unsigned int shown = 0;
	struct cnl nl;
	int err;

	if (parse_no_args("bearer show", argc, argv))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	out_array_start(NULL);
	err = cnl_run(&nl, cnl_msg(&nl, COLLAB_CMD_BEARER_GET, NLM_F_DUMP),
		      bearer_print, &shown, "bearer show", NULL);
	out_array_end();
	return out_finish(err);
}

/* Without "mtu", a bearer sends datagrams as large as each route takes. */
#define BEARER_MTU_MIN	576

/* What "bearer add" asks for; an ifindex of 0 (no dev) is not sent. */
struct bearer_conf {
	union sockaddr_inet local;
	union sockaddr_inet group;
	bool has_group;
	bool no_discovery;
	uint32_t ifindex;
	bool has_mtu;
	uint32_t mtu;
};

static int bearer_dev(const char *dev, struct bearer_conf *c)
{
	c->ifindex = if_nametoindex(dev);
	if (!c->ifindex)
		return ctl_error("bearer add: dev '%s': no such device (see 'ip link')",
				 dev);
	return CTL_OK;
}

static int bearer_group(const char *group, struct bearer_conf *c)
{
	const union sockaddr_inet *g = &c->group;
	int ret;

	/* Port 0 for now: the bearer's, once that is known. */
	ret = parse_sockaddr_arg("bearer add", "discovery", group, 0,
				 &c->group);
	if (ret)
		return ret;
	if (!(g->sa.sa_family == AF_INET6 ?
	      IN6_IS_ADDR_MULTICAST(&g->in6.sin6_addr) :
	      IN_MULTICAST(ntohl(g->in.sin_addr.s_addr))))
		return ctl_usage_error("bearer add",
				       "discovery '%s' is not a multicast group",
				       group);
	c->has_group = true;
	return CTL_OK;
}

/*
 * With no local address, the wildcard address of the discovery group's
 * family (IPv4 without one) and the default port. The group is heard on
 * the bearer's port: that is the group's when it names none.
 */
static int bearer_local(const char *local, struct bearer_conf *c)
{
	bool v6 = c->has_group && c->group.sa.sa_family == AF_INET6;
	int ret;

	ret = parse_sockaddr_arg("bearer add", "local",
				 local ? local : v6 ? "::" : "0.0.0.0",
				 COLLAB_UDP_PORT, &c->local);
	if (ret || !c->has_group)
		return ret;
	if (c->group.sa.sa_family != c->local.sa.sa_family)
		return ctl_usage_error("bearer add",
				       "local '%s' and discovery group are not of the same IP version",
				       local);
	if (!sockaddr_port(&c->group))
		sockaddr_set_port(&c->group, sockaddr_port(&c->local));
	return CTL_OK;
}

/* From the least datagram IPv4 must carry to the largest UDP can. */
static int bearer_mtu(const char *s, struct bearer_conf *c)
{
	uint64_t mtu;
	int ret;

	ret = parse_u64_arg("bearer add", "mtu", s, UINT16_MAX, &mtu);
	if (ret)
		return ret;
	if (mtu < BEARER_MTU_MIN)
		return ctl_usage_error("bearer add",
				       "mtu %" PRIu64 " is less than %u", mtu,
				       BEARER_MTU_MIN);
	c->has_mtu = true;
	c->mtu = (uint32_t)mtu;
	return CTL_OK;
}

static int bearer_add_args(int argc, char **argv, struct bearer_conf *c)
{
	struct arg args[] = {
		{ .name = "local" }, { .name = "dev" }, { .name = "discovery" },
		{ .name = "mtu" }, { .name = NULL },
	};
	int ret;

	if (argc < 1)
		return ctl_usage_error("bearer add",
				       "give the bearer type (udp)");
	if (strcmp(argv[0], "udp"))
		return ctl_usage_error("bearer add",
				       "unknown bearer type '%s' (the one type is udp)",
				       argv[0]);
	ret = parse_args("bearer add", argc - 1, argv + 1, args);
	if (!ret && args[2].val && !strcmp(args[2].val, "off"))
		c->no_discovery = true;
	else if (!ret && args[2].val)
		ret = bearer_group(args[2].val, c);
	if (!ret)
		ret = bearer_local(args[0].val, c);
	if (!ret && args[3].val)
		ret = bearer_mtu(args[3].val, c);
	if (!ret && args[1].val)
		ret = bearer_dev(args[1].val, c);
	return ret;
}

/* The kernel's reply names the new bearer. */
static int bearer_added(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[COLLAB_BEARER_A_MAX + 1];

	(void)arg;
	/* The bearer is there: a reply without its id just goes unprinted. */
	if (bearer_parse(msg, tb))
		return 0;
	out_obj_start(NULL);
	out_u64("id", "bearer %s\n", nla_get_u32(tb[COLLAB_BEARER_A_ID]));
	out_obj_end();
	return 0;
}

static int bearer_add(int argc, char **argv)
{
	struct bearer_conf c = { .has_group = false };
	struct nlattr *nest;
	struct nl_msg *msg;
	struct cnl nl;
	int err;

	err = bearer_add_args(argc, argv, &c);
	if (err)
		return err;
	if (cnl_open(&nl))
		return CTL_FAIL;
	msg = cnl_msg(&nl, COLLAB_CMD_BEARER_ADD, 0);
	nest = cnl_nest_start(msg, COLLAB_A_BEARER);
	cnl_put_sockaddr(msg, COLLAB_BEARER_A_LOCAL, &c.local);
	if (c.ifindex)
		cnl_put_u32(msg, COLLAB_BEARER_A_IFINDEX, c.ifindex);
	if (c.has_group)
		cnl_put_sockaddr(msg, COLLAB_BEARER_A_DISCOVERY, &c.group);
	if (c.no_discovery)
		cnl_put(msg, COLLAB_BEARER_A_NO_DISCOVERY, 0, NULL);
	if (c.has_mtu)
		cnl_put_u32(msg, COLLAB_BEARER_A_MTU, c.mtu);
	nla_nest_end(msg, nest);
	return out_finish(cnl_run(&nl, msg, bearer_added, NULL, "bearer add",
				  NULL));
}

static int bearer_del(int argc, char **argv)
{
	struct nl_msg *msg;
	char noent[32];
	struct cnl nl;
	uint32_t id;
	uint64_t v;
	int err;

	err = parse_one_arg("bearer del", "bearer id", argc, argv);
	if (!err)
		err = parse_u64_arg("bearer del", "bearer id", argv[0],
				    UINT32_MAX, &v);
	if (err)
		return err;
	if (cnl_open(&nl))
		return CTL_FAIL;
	id = (uint32_t)v;
	snprintf(noent, sizeof(noent), "no bearer %" PRIu32, id);
	msg = cnl_msg(&nl, COLLAB_CMD_BEARER_DEL, 0);
	cnl_put_nested(msg, COLLAB_A_BEARER, COLLAB_BEARER_A_ID, sizeof(id),
		       &id);
	return cnl_run(&nl, msg, NULL, NULL, "bearer del", noent);
}

const struct cmd bearer_cmds[] = {
	{ "show", bearer_show, "",
	  "print the bearers: address, device, discovery group, MTU, counters" },
	{ "add", bearer_add,
	  "udp [local ADDR[:PORT]] [dev IFACE] [discovery GROUP[:PORT]|off] [mtu N]",
	  "add a UDP bearer and print its id; needs CAP_NET_ADMIN" },
	{ "del", bearer_del, "ID",
	  "remove bearer ID; needs CAP_NET_ADMIN" },
	{ .name = NULL }
};
