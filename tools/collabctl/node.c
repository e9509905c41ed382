// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl node: the node's id, name and address family number, the
 * settings of its links to peers, whether it relays between them, and its
 * keys: its own Curve25519 key (of which the kernel tells the public half
 * only), the cluster key (whether one is set) and whether it links with
 * nodes that have none.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "key.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

static const struct nla_policy node_policy[COLLAB_A_MAX + 1] = {
	[COLLAB_A_NODE_ID] = CNL_POLICY_GUID,
	[COLLAB_A_NODE_NAME] = { .type = NLA_STRING,
				 .maxlen = COLLAB_NODE_NAME_MAX },
	[COLLAB_A_FAMILY] = { .type = NLA_U32 },
	[COLLAB_A_TOLERANCE_MS] = { .type = NLA_U32 },
	[COLLAB_A_STORE_LIFETIME_MS] = { .type = NLA_U32 },
	[COLLAB_A_STORE_MAX_MSGS] = { .type = NLA_U32 },
	[COLLAB_A_ROUTE_PEER_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_ROUTE_NET_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_RX_PEER_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_RX_NET_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_HOLD_SOCK_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_HOLD_NET_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_ACT_NET_BYTES] = { .type = NLA_U32 },
	[COLLAB_A_REKEY_PACKETS] = { .type = NLA_U32 },
	[COLLAB_A_PUBLIC_KEY] = CNL_POLICY_KEY,
	[COLLAB_A_HAS_PSK] = { .type = NLA_U8 },
	[COLLAB_A_PLAINTEXT] = { .type = NLA_U8 },
	[COLLAB_A_RELAY] = { .type = NLA_U8 },
};

static const char *const plaintext_names[] = {
	[COLLAB_PLAINTEXT_REFUSE] = "refuse",
	[COLLAB_PLAINTEXT_ALLOW] = "allow",
};

/*
 * The link settings, each a u32: "node set" takes them by these keywords,
 * "node show" prints them on one line, when the kernel has them.
 */
#define NODE_SETTINGS	11

static const char *const setting_args[NODE_SETTINGS] = {
	"tolerance", "lifetime", "store", "routes", "routes-all", "rx",
	"rx-all", "hold", "hold-all", "activation-all", "rekey",
};

static const struct out_attr setting_attrs[NODE_SETTINGS + 1] = {
	OUT_NUM(COLLAB_A_TOLERANCE_MS, "tolerance_ms", "tolerance %s ms"),
	OUT_NUM(COLLAB_A_STORE_LIFETIME_MS, "store_lifetime_ms",
		"lifetime %s ms"),
	OUT_NUM(COLLAB_A_STORE_MAX_MSGS, "store_max_msgs", "store %s messages"),
	OUT_NUM(COLLAB_A_ROUTE_PEER_BYTES, "route_peer_bytes",
		"routes %s bytes per peer"),
	OUT_NUM(COLLAB_A_ROUTE_NET_BYTES, "route_net_bytes", "%s in all"),
	OUT_NUM(COLLAB_A_RX_PEER_BYTES, "rx_peer_bytes",
		"rx %s bytes per peer"),
	OUT_NUM(COLLAB_A_RX_NET_BYTES, "rx_net_bytes", "%s in all"),
	OUT_NUM(COLLAB_A_HOLD_SOCK_BYTES, "hold_sock_bytes",
		"hold %s bytes per receiver"),
	OUT_NUM(COLLAB_A_HOLD_NET_BYTES, "hold_net_bytes", "%s in all"),
	OUT_NUM(COLLAB_A_ACT_NET_BYTES, "act_net_bytes",
		"activation %s bytes in all"),
	OUT_NUM(COLLAB_A_REKEY_PACKETS, "rekey_packets",
		"rekey after %s packets"),
	OUT_END
};

/* What "node set" changes: what it was given. */
struct node_set {
	const char *id_arg;
	const char *name;
	struct collab_guid id;
	bool has[NODE_SETTINGS];
	uint32_t val[NODE_SETTINGS];
	/* The keys read from their files; all-zero for "none". */
	bool has_key, has_psk, has_plaintext;
	uint8_t key[COLLAB_KEY_LEN];
	uint8_t psk[COLLAB_KEY_LEN];
	uint8_t plaintext;
	bool has_relay;
	uint8_t relay;
};

/*
 * "  public key: KEY", "  cluster key: set", "  plaintext: allow": the
 * plaintext setting matters to a node with a key only, and only such a
 * node shows it in text.
 */
static void print_keys(struct nlattr **tb)
{
	const struct nlattr *pub = tb[COLLAB_A_PUBLIC_KEY];
	uint8_t plaintext;
	bool has_psk;

	if (pub)
		out_key("public_key", "  public key: %s\n", nla_data(pub));
	if (tb[COLLAB_A_HAS_PSK]) {
		has_psk = nla_get_u8(tb[COLLAB_A_HAS_PSK]);
		out_bool("cluster_key", NULL, has_psk);
		if (has_psk)
			out_text("  cluster key: set\n");
	}
	if (tb[COLLAB_A_PLAINTEXT]) {
		plaintext = nla_get_u8(tb[COLLAB_A_PLAINTEXT]);
		out_str("plaintext", pub ? "  plaintext: %s\n" : NULL,
			plaintext <= COLLAB_PLAINTEXT_ALLOW ?
			plaintext_names[plaintext] : "unknown");
	}
}

static int node_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[COLLAB_A_MAX + 1];
	const char *name;
	bool relay;

	(void)arg;
	if (cnl_parse(msg, tb, COLLAB_A_MAX, node_policy) ||
	    !tb[COLLAB_A_NODE_ID])
		return -EBADMSG;

	out_obj_start(NULL);
	out_guid("id", "node %s\n", nla_data(tb[COLLAB_A_NODE_ID]));
	if (tb[COLLAB_A_NODE_NAME]) {
		name = nla_get_string(tb[COLLAB_A_NODE_NAME]);
		out_str("name", *name ? "  name %s\n" : NULL, name);
	}
	if (tb[COLLAB_A_FAMILY])
		out_u64("family", "  family %s\n",
			nla_get_u32(tb[COLLAB_A_FAMILY]));
	out_attr_line(tb, "  ", setting_attrs);
	if (tb[COLLAB_A_RELAY]) {
		relay = nla_get_u8(tb[COLLAB_A_RELAY]);
		out_bool("relay", NULL, relay);
		out_text("  relay %s\n", relay ? "on" : "off");
	}
	print_keys(tb);
	out_obj_end();
	return 0;
}

static int node_show(int argc, char **argv)
{
	struct cnl nl;

	if (parse_no_args("node show", argc, argv))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	return out_finish(cnl_run(&nl, cnl_msg(&nl, COLLAB_CMD_NODE_GET, 0),
				  node_print, NULL, "node show", NULL));
}

static int node_set_id(struct node_set *set)
{
	int ret;

	ret = parse_guid_arg("node set", "id", set->id_arg, &set->id);
	if (ret)
		return ret;
	if (guid_is_zero(&set->id))
		return ctl_usage_error("node set",
				       "the node id cannot be zero");
	return CTL_OK;
}

static int node_set_settings(const struct arg *args, struct node_set *set)
{
	uint64_t v;
	int i, ret;

	for (i = 0; i < NODE_SETTINGS; i++) {
		if (!args[i].val)
			continue;
		ret = parse_u64_arg("node set", args[i].name, args[i].val,
				    UINT32_MAX, &v);
		if (ret)
			return ret;
		set->has[i] = true;
		set->val[i] = (uint32_t)v;
	}
	return CTL_OK;
}

/*
 * The keywords of "node set": id, name, the settings in their order,
 * the keys, then relaying.
 */
enum {
	ARG_ID,
	ARG_NAME,
	ARG_SETTINGS,
	ARG_KEY = ARG_SETTINGS + NODE_SETTINGS,
	ARG_PSK,
	ARG_PLAINTEXT,
	ARG_RELAY,
	ARG_COUNT,
};

/* "relay on" or "relay off": whether the node forwards between peers. */
static int node_set_relay(const char *relay, struct node_set *set)
{
	if (!strcmp(relay, "on"))
		set->relay = 1;
	else if (!strcmp(relay, "off"))
		set->relay = 0;
	else
		return ctl_usage_error("node set",
				       "relay '%s': give on or off", relay);
	set->has_relay = true;
	return CTL_OK;
}

/* A key file, or "none": all zeros, which remove the key. */
static int node_set_key(const char *what, const char *path,
			uint8_t key[COLLAB_KEY_LEN])
{
	if (!strcmp(path, "none")) {
		memset(key, 0, COLLAB_KEY_LEN);
		return CTL_OK;
	}
	if (key_read("node set", what, path, key))
		return CTL_FAIL;
	/* The kernel would take it as "none". */
	if (key_is_zero(key))
		return ctl_error("node set: the %s in '%s' is all zeros: to remove the key, give 'none'",
				 what, path);
	return CTL_OK;
}

static int node_set_keys(const struct arg *args, struct node_set *set)
{
	const char *key = args[ARG_KEY].val, *psk = args[ARG_PSK].val;
	const char *plaintext = args[ARG_PLAINTEXT].val;
	int ret;

	if (key && psk && !strcmp(key, "-") && !strcmp(psk, "-"))
		return ctl_usage_error("node set",
				       "key and psk cannot both come from the standard input");
	if (plaintext) {
		if (!strcmp(plaintext, "allow"))
			set->plaintext = COLLAB_PLAINTEXT_ALLOW;
		else if (!strcmp(plaintext, "refuse"))
			set->plaintext = COLLAB_PLAINTEXT_REFUSE;
		else
			return ctl_usage_error("node set",
					       "plaintext '%s': give allow or refuse",
					       plaintext);
		set->has_plaintext = true;
	}
	if (key) {
		ret = node_set_key("private key", key, set->key);
		if (ret)
			return ret;
		set->has_key = true;
	}
	if (psk) {
		ret = node_set_key("cluster key", psk, set->psk);
		if (ret)
			return ret;
		set->has_psk = true;
	}
	return CTL_OK;
}

static int node_set_args(int argc, char **argv, struct node_set *set)
{
	struct arg args[ARG_COUNT + 1] = {
		[ARG_ID] = { .name = "id" },
		[ARG_NAME] = { .name = "name" },
		[ARG_KEY] = { .name = "key" },
		[ARG_PSK] = { .name = "psk" },
		[ARG_PLAINTEXT] = { .name = "plaintext" },
		[ARG_RELAY] = { .name = "relay" },
	};
	int i, ret;

	for (i = 0; i < NODE_SETTINGS; i++)
		args[ARG_SETTINGS + i].name = setting_args[i];
	ret = parse_args("node set", argc, argv, args);
	if (ret)
		return ret;
	if (!argc)
		return ctl_usage_error("node set",
				       "give at least one of id, name, tolerance, lifetime, store, routes, routes-all, rx, rx-all, hold, hold-all, activation-all, rekey, key, psk, plaintext, relay");
	set->id_arg = args[ARG_ID].val;
	set->name = args[ARG_NAME].val;
	if (set->id_arg) {
		ret = node_set_id(set);
		if (ret)
			return ret;
	}
	if (set->name && strlen(set->name) >= COLLAB_NODE_NAME_MAX)
		return ctl_usage_error("node set",
				       "name '%s' is longer than %d characters",
				       set->name, COLLAB_NODE_NAME_MAX - 1);
	ret = node_set_settings(args + ARG_SETTINGS, set);
	if (ret)
		return ret;
	if (args[ARG_RELAY].val) {
		ret = node_set_relay(args[ARG_RELAY].val, set);
		if (ret)
			return ret;
	}
	/* Last: a key read is a key to wipe. */
	return node_set_keys(args, set);
}

static int node_set(int argc, char **argv)
{
	struct node_set set = { .id_arg = NULL };
	struct nl_msg *msg;
	struct cnl nl;
	int i, err;

	err = node_set_args(argc, argv, &set);
	if (!err && cnl_open(&nl))
		err = CTL_FAIL;
	if (err)
		goto out_wipe;
	msg = cnl_msg(&nl, COLLAB_CMD_NODE_SET, 0);
	if (set.id_arg)
		cnl_put(msg, COLLAB_A_NODE_ID, sizeof(set.id), &set.id);
	if (set.name)
		cnl_put(msg, COLLAB_A_NODE_NAME, strlen(set.name) + 1,
			set.name);
	for (i = 0; i < NODE_SETTINGS; i++)
		if (set.has[i])
			cnl_put_u32(msg, setting_attrs[i].type, set.val[i]);
	if (set.has_key)
		cnl_put(msg, COLLAB_A_PRIVATE_KEY, COLLAB_KEY_LEN, set.key);
	if (set.has_psk)
		cnl_put(msg, COLLAB_A_PSK, COLLAB_KEY_LEN, set.psk);
	if (set.has_plaintext)
		cnl_put(msg, COLLAB_A_PLAINTEXT, sizeof(set.plaintext),
			&set.plaintext);
	if (set.has_relay)
		cnl_put(msg, COLLAB_A_RELAY, sizeof(set.relay), &set.relay);
	nl.secret = set.has_key || set.has_psk;
	err = cnl_run(&nl, msg, NULL, NULL, "node set", NULL);

out_wipe:
	key_wipe(set.key, sizeof(set.key));
	key_wipe(set.psk, sizeof(set.psk));
	return err;
}

const struct cmd node_cmds[] = {
	{ "show", node_show, "",
	  "print the node's id, name, address family number, link settings, relaying and public key" },
	{ "set", node_set,
	  "[id GUID] [name NAME] [tolerance MS] [lifetime MS] [store N] [routes BYTES] [routes-all BYTES] [rx BYTES] [rx-all BYTES] [hold BYTES] [hold-all BYTES] [activation-all BYTES] [rekey PACKETS] [key FILE|none] [psk FILE|none] [plaintext allow|refuse] [relay on|off]",
	  "change the node's id, name, link settings, keys or relaying (FILE: a base64 key, -: standard input); needs CAP_NET_ADMIN" },
	{ .name = NULL }
};
