// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl peer: the other nodes this node knows, the state of the link
 * to each, whether it is sealed and by which key, and its counters;
 * static peers, added by address and, for a sealed link, by key.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

static const struct nla_policy peer_policy[COLLAB_PEER_A_MAX + 1] = {
	[COLLAB_PEER_A_NODE_ID] = CNL_POLICY_GUID,
	[COLLAB_PEER_A_NODE_NAME] = { .type = NLA_STRING,
				      .maxlen = COLLAB_NODE_NAME_MAX },
	[COLLAB_PEER_A_ADDR] = { .type = NLA_UNSPEC },
	[COLLAB_PEER_A_BEARER_ID] = { .type = NLA_U32 },
	[COLLAB_PEER_A_STATE] = { .type = NLA_U8 },
	[COLLAB_PEER_A_FLAGS] = { .type = NLA_U32 },
	[COLLAB_PEER_A_RTT_US] = { .type = NLA_U32 },
	[COLLAB_PEER_A_RTO_US] = { .type = NLA_U32 },
	[COLLAB_PEER_A_CWND] = { .type = NLA_U32 },
	[COLLAB_PEER_A_MTU] = { .type = NLA_U32 },
	[COLLAB_PEER_A_STORED_MSGS] = { .type = NLA_U32 },
	[COLLAB_PEER_A_STORED_BYTES] = { .type = NLA_U32 },
	[COLLAB_PEER_A_IN_FLIGHT] = { .type = NLA_U32 },
	[COLLAB_PEER_A_INSTANCES] = { .type = NLA_U32 },
	[COLLAB_PEER_A_DOWN_MS] = { .type = NLA_U32 },
	[COLLAB_PEER_A_TX_MSGS] = { .type = NLA_U64 },
	[COLLAB_PEER_A_RX_MSGS] = { .type = NLA_U64 },
	[COLLAB_PEER_A_TX_PACKETS] = { .type = NLA_U64 },
	[COLLAB_PEER_A_RX_PACKETS] = { .type = NLA_U64 },
	[COLLAB_PEER_A_RETRANSMITS] = { .type = NLA_U64 },
	[COLLAB_PEER_A_DUPLICATES] = { .type = NLA_U64 },
	[COLLAB_PEER_A_EXPIRED] = { .type = NLA_U64 },
	[COLLAB_PEER_A_LINK_UPS] = { .type = NLA_U32 },
	[COLLAB_PEER_A_PUBLIC_KEY] = CNL_POLICY_KEY,
	[COLLAB_PEER_A_ENCRYPTED] = { .type = NLA_U8 },
	[COLLAB_PEER_A_HANDSHAKE_TIME] = { .type = NLA_U64 },
	[COLLAB_PEER_A_HANDSHAKES] = { .type = NLA_U32 },
};

static const char *const state_names[] = {
	[COLLAB_PEER_DOWN] = "down",
	[COLLAB_PEER_CONNECTING] = "connecting",
	[COLLAB_PEER_UP] = "up",
};

static const char *state_name(uint8_t state)
{
	if (state >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[state];
}

/* The lines after the heading and the address, one table each. */
static const struct out_attr link_attrs[] = {
	OUT_USEC(COLLAB_PEER_A_RTT_US, "rtt_us", "rtt %s ms"),
	OUT_USEC(COLLAB_PEER_A_RTO_US, "rto_us", "rto %s ms"),
	OUT_NUM(COLLAB_PEER_A_CWND, "cwnd", "cwnd %s packets"),
	OUT_NUM(COLLAB_PEER_A_IN_FLIGHT, "in_flight", "%s in flight"),
	OUT_NUM(COLLAB_PEER_A_MTU, "mtu", "mtu %s"),
	OUT_END
};

static const struct out_attr store_attrs[] = {
	OUT_NUM(COLLAB_PEER_A_STORED_MSGS, "stored_msgs", "%s messages"),
	OUT_NUM(COLLAB_PEER_A_STORED_BYTES, "stored_bytes", "%s bytes"),
	OUT_NUM(COLLAB_PEER_A_EXPIRED, "expired", "%s expired"),
	OUT_END
};

static const struct out_attr instance_attrs[] = {
	OUT_NUM(COLLAB_PEER_A_INSTANCES, "instances", "%s"),
	OUT_END
};

static const struct out_attr tx_attrs[] = {
	OUT_NUM(COLLAB_PEER_A_TX_MSGS, "tx_msgs", "%s messages"),
	OUT_NUM(COLLAB_PEER_A_TX_PACKETS, "tx_packets", "%s packets"),
	OUT_NUM(COLLAB_PEER_A_RETRANSMITS, "retransmits", "%s retransmits"),
	OUT_END
};

static const struct out_attr rx_attrs[] = {
	OUT_NUM(COLLAB_PEER_A_RX_MSGS, "rx_msgs", "%s messages"),
	OUT_NUM(COLLAB_PEER_A_RX_PACKETS, "rx_packets", "%s packets"),
	OUT_NUM(COLLAB_PEER_A_DUPLICATES, "duplicates", "%s duplicates"),
	OUT_END
};

/* "peer GUID: name NAME"; a static peer may not have told its id yet. */
static void print_heading(struct nlattr **tb)
{
	const char *name;

	out_text("peer");
	if (tb[COLLAB_PEER_A_NODE_ID])
		out_guid("id", " %s", nla_data(tb[COLLAB_PEER_A_NODE_ID]));
	else
		out_text(" (id not known yet)");
	if (tb[COLLAB_PEER_A_NODE_NAME]) {
		name = nla_get_string(tb[COLLAB_PEER_A_NODE_NAME]);
		out_str("name", *name ? ": name %s" : NULL, name);
	}
	out_text("\n");
}

/* "  address ADDR:PORT bearer ID" */
static int print_where(struct nlattr **tb)
{
	struct nlattr *addr = tb[COLLAB_PEER_A_ADDR];
	struct nlattr *bearer = tb[COLLAB_PEER_A_BEARER_ID];

	if (addr && out_sockaddr("address", "  address %s", addr))
		return -EBADMSG;
	if (bearer)
		out_u64("bearer", addr ? " bearer %s" : "  bearer %s",
			nla_get_u32(bearer));
	if (addr || bearer)
		out_text("\n");
	return 0;
}

/* "  state STATE, static, down for N ms, link ups N" */
static void print_state(struct nlattr **tb)
{
	struct nlattr *state = tb[COLLAB_PEER_A_STATE];
	bool up = false, is_static;
	uint8_t s;

	out_text("  state ");
	if (state) {
		s = nla_get_u8(state);
		up = s == COLLAB_PEER_UP;
		out_str("state", "%s", state_name(s));
	} else {
		out_text("unknown");
	}
	if (tb[COLLAB_PEER_A_FLAGS]) {
		is_static = nla_get_u32(tb[COLLAB_PEER_A_FLAGS]) &
			    COLLAB_PEER_STATIC;
		out_bool("static", NULL, is_static);
		if (is_static)
			out_text(", static");
	}
	if (tb[COLLAB_PEER_A_DOWN_MS])
		out_u64("down_ms", up ? NULL : ", down for %s ms",
			nla_get_u32(tb[COLLAB_PEER_A_DOWN_MS]));
	if (tb[COLLAB_PEER_A_LINK_UPS])
		out_u64("link_ups", ", link ups %s",
			nla_get_u32(tb[COLLAB_PEER_A_LINK_UPS]));
	out_text("\n");
}

/* "N seconds ago", from a time in seconds since the epoch; 0 is never. */
static void print_handshake_time(uint64_t when)
{
	time_t now = time(NULL);
	uint64_t ago;

	out_u64("handshake_time", NULL, when);
	if (!when) {
		out_text(", last handshake never");
		return;
	}
	/* A clock set back makes it "0 seconds ago", not a future. */
	ago = now > 0 && (uint64_t)now > when ? (uint64_t)now - when : 0;
	out_text(", last handshake %llu second%s ago", (unsigned long long)ago,
		 ago == 1 ? "" : "s");
}

/*
 * "  public key: KEY", then "  encrypted: yes, handshakes N, last
 * handshake N seconds ago"; nothing from a module without keys.
 */
static void print_security(struct nlattr **tb)
{
	struct nlattr *enc = tb[COLLAB_PEER_A_ENCRYPTED];

	if (tb[COLLAB_PEER_A_PUBLIC_KEY])
		out_key("public_key", "  public key: %s\n",
			nla_data(tb[COLLAB_PEER_A_PUBLIC_KEY]));
	if (!enc)
		return;
	out_bool("encrypted", "  encrypted: %s", nla_get_u8(enc));
	if (tb[COLLAB_PEER_A_HANDSHAKES])
		out_u64("handshakes", ", handshakes %s",
			nla_get_u32(tb[COLLAB_PEER_A_HANDSHAKES]));
	if (tb[COLLAB_PEER_A_HANDSHAKE_TIME])
		print_handshake_time(nla_get_u64(tb[COLLAB_PEER_A_HANDSHAKE_TIME]));
	out_text("\n");
}

static int peer_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[COLLAB_PEER_A_MAX + 1];
	unsigned int *shown = arg;
	int err;

	if (!cnl_parse_object(msg, COLLAB_A_PEER, tb, COLLAB_PEER_A_MAX,
			      peer_policy))
		return -EBADMSG;

	if ((*shown)++)
		out_text("\n");
	out_obj_start(NULL);
	print_heading(tb);
	err = print_where(tb);
	print_state(tb);
	print_security(tb);
	out_attr_line(tb, "  link: ", link_attrs);
	out_attr_line(tb, "  stored: ", store_attrs);
	out_attr_line(tb, "  instances: ", instance_attrs);
	out_attr_line(tb, "  sent: ", tx_attrs);
	out_attr_line(tb, "  received: ", rx_attrs);
	out_obj_end();
	return err;
}

/* A request of CMD with the peer's node id, or a dump when ID is NULL. */
static struct nl_msg *peer_request(const struct cnl *nl, uint8_t cmd,
				   const struct collab_guid *id)
{
	struct nl_msg *msg;

	if (!id)
		return cnl_msg(nl, cmd, NLM_F_DUMP);
	msg = cnl_msg(nl, cmd, 0);
	cnl_put_nested(msg, COLLAB_A_PEER, COLLAB_PEER_A_NODE_ID, sizeof(*id),
		       id);
	return msg;
}

/* What the kernel's ENOENT means for a request about peer ID. */
static void peer_noent(const struct collab_guid *id, char *buf, size_t size)
{
	char s[GUID_STR_LEN];

	guid_str(id, s);
	snprintf(buf, size, "no peer %s", s);
}

static int peer_show(int argc, char **argv)
{
	char noent[GUID_STR_LEN + 16];
	unsigned int shown = 0;
	struct collab_guid id;
	const char *id_arg;
	struct cnl nl;
	int err;

	err = parse_id_args("peer show", argc, argv, &id, &id_arg);
	if (err)
		return err;
	if (cnl_open(&nl))
		return CTL_FAIL;
	if (id_arg)
		peer_noent(&id, noent, sizeof(noent));
	out_array_start(NULL);
	err = cnl_run(&nl, peer_request(&nl, COLLAB_CMD_PEER_GET,
					id_arg ? &id : NULL),
		      peer_print, &shown, "peer show", id_arg ? noent : NULL);
	out_array_end();
	return out_finish(err);
}

/*
 * A PEER_ADD or PEER_DEL request naming a peer by its address; for
 * PEER_ADD, KEY (if not NULL) is the key it is to prove, which the
 * kernel trusts.
 */
static struct nl_msg *peer_addr_request(struct cnl *nl, uint8_t cmd,
					const union sockaddr_inet *addr,
					const uint8_t *key)
{
	struct nl_msg *msg = cnl_msg(nl, cmd, 0);
	struct nlattr *nest;

	nest = cnl_nest_start(msg, COLLAB_A_PEER);
	cnl_put_sockaddr(msg, COLLAB_PEER_A_ADDR, addr);
	if (key)
		cnl_put(msg, COLLAB_PEER_A_PUBLIC_KEY, COLLAB_KEY_LEN, key);
	nla_nest_end(msg, nest);
	return msg;
}

static int peer_add(int argc, char **argv)
{
	struct arg args[] = { { .name = "key" }, { .name = NULL } };
	uint8_t key[COLLAB_KEY_LEN];
	union sockaddr_inet addr;
	struct cnl nl;
	int err;

	if (argc < 1)
		return ctl_usage_error("peer add", "give the peer's address");
	err = parse_sockaddr_arg("peer add", "address", argv[0],
				 COLLAB_UDP_PORT, &addr);
	if (!err)
		err = parse_args("peer add", argc - 1, argv + 1, args);
	if (!err && args[0].val)
		err = parse_key_arg("peer add", "key", args[0].val, key);
	if (err)
		return err;
	if (cnl_open(&nl))
		return CTL_FAIL;
	return cnl_run(&nl, peer_addr_request(&nl, COLLAB_CMD_PEER_ADD, &addr,
					      args[0].val ? key : NULL),
		       NULL, NULL, "peer add", NULL);
}

/* By node id (32 hex digits), or by address: a static peer and its link. */
static int peer_del(int argc, char **argv)
{
	char noent[GUID_STR_LEN + 16];
	union sockaddr_inet addr;
	struct collab_guid id;
	struct nl_msg *msg;
	bool by_addr;
	struct cnl nl;
	int err;

	err = parse_one_arg("peer del", "peer's node id or address", argc, argv);
	if (err)
		return err;
	by_addr = strlen(argv[0]) != 32 ||
		  strspn(argv[0], "0123456789abcdefABCDEF") != 32;
	if (!by_addr) {
		err = parse_guid_arg("peer del", "node id", argv[0], &id);
		if (err)
			return err;
		peer_noent(&id, noent, sizeof(noent));
	} else {
		err = parse_sockaddr_arg("peer del", "address", argv[0],
					 COLLAB_UDP_PORT, &addr);
		if (err)
			return err;
		snprintf(noent, sizeof(noent), "no peer at %.*s",
			 (int)(sizeof(noent) - 13), argv[0]);
	}
	if (cnl_open(&nl))
		return CTL_FAIL;
	if (by_addr)
		msg = peer_addr_request(&nl, COLLAB_CMD_PEER_DEL, &addr, NULL);
	else
		msg = peer_request(&nl, COLLAB_CMD_PEER_DEL, &id);
	return cnl_run(&nl, msg, NULL, NULL, "peer del", noent);
}

const struct cmd peer_cmds[] = {
	{ "show", peer_show, "[id NODE_ID]",
	  "print the peers, their links and counters, or peer NODE_ID only" },
	{ "add", peer_add, "ADDR[:PORT] [key KEY]",
	  "add a static peer at ADDR (default port if none), and trust its public key KEY; needs CAP_NET_ADMIN" },
	{ "del", peer_del, "NODE_ID|ADDR[:PORT]",
	  "remove a peer, or the static peer at ADDR; needs CAP_NET_ADMIN" },
	{ .name = NULL }
};
