// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl trust: the public keys of the nodes this node links with.
 * A node with a key of its own links only with nodes whose key it trusts
 * (or that know the cluster key); each trusted key may have a name, and
 * counts the handshakes it completed. After them come the last nodes that
 * discovery found with a key not trusted: never linked, shown so that an
 * administrator can decide.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

static const struct nla_policy trust_policy[COLLAB_TRUST_A_MAX + 1] = {
	[COLLAB_TRUST_A_PUBLIC_KEY] = CNL_POLICY_KEY,
	[COLLAB_TRUST_A_NAME] = { .type = NLA_STRING,
				  .maxlen = COLLAB_NODE_NAME_MAX },
	[COLLAB_TRUST_A_HANDSHAKES] = { .type = NLA_U64 },
	[COLLAB_TRUST_A_CANDIDATE] = { .type = NLA_U8 },
	[COLLAB_TRUST_A_NODE_ID] = CNL_POLICY_GUID,
	[COLLAB_TRUST_A_ADDR] = { .type = NLA_UNSPEC },
	[COLLAB_TRUST_A_REFUSED] = { .type = NLA_U64 },
	[COLLAB_TRUST_A_SEEN_MS] = { .type = NLA_U32 },
};

/* Text: a heading, then one line per key, in columns. */
#define TRUST_NAME_WIDTH	"16"

/* What trust_print() has printed: trusted keys, then candidates. */
struct trust_shown {
	unsigned int trusted;
	unsigned int candidates;
};

/*
 * A candidate: "KEY  NAME  node ID at ADDR, refused N, last N s ago",
 * under a heading of its own.
 */
static int candidate_print(struct nlattr **tb, struct trust_shown *shown)
{
	if (!shown->candidates++)
		out_text("%snot trusted, never linked:\n",
			 shown->trusted ? "\n" : "");
	out_obj_start(NULL);
	out_bool("trusted", NULL, false);
	out_key("public_key", "%s", nla_data(tb[COLLAB_TRUST_A_PUBLIC_KEY]));
	out_str("name", "  %-" TRUST_NAME_WIDTH "s",
		tb[COLLAB_TRUST_A_NAME] ?
		nla_get_string(tb[COLLAB_TRUST_A_NAME]) : "-");
	if (tb[COLLAB_TRUST_A_NODE_ID])
		out_guid("node", "  node %s",
			 nla_data(tb[COLLAB_TRUST_A_NODE_ID]));
	if (tb[COLLAB_TRUST_A_ADDR] &&
	    out_sockaddr("addr", " at %s", tb[COLLAB_TRUST_A_ADDR]))
		return -EBADMSG;
	if (tb[COLLAB_TRUST_A_REFUSED])
		out_u64("refused", ", refused %s",
			nla_get_u64(tb[COLLAB_TRUST_A_REFUSED]));
	if (tb[COLLAB_TRUST_A_SEEN_MS])
		out_u64("seen_ms", ", last %s ms ago",
			nla_get_u32(tb[COLLAB_TRUST_A_SEEN_MS]));
	out_text("\n");
	out_obj_end();
	return 0;
}

static int trust_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[COLLAB_TRUST_A_MAX + 1];
	struct trust_shown *shown = arg;

	if (!cnl_parse_object(msg, COLLAB_A_TRUST, tb, COLLAB_TRUST_A_MAX,
			      trust_policy) ||
	    !tb[COLLAB_TRUST_A_PUBLIC_KEY])
		return -EBADMSG;
	if (tb[COLLAB_TRUST_A_CANDIDATE] &&
	    nla_get_u8(tb[COLLAB_TRUST_A_CANDIDATE]))
		return candidate_print(tb, shown);
	if (!shown->trusted++)
		out_text("%-*s  %-" TRUST_NAME_WIDTH "s  %s\n", KEY_B64_LEN,
			 "key", "name", "handshakes");
	out_obj_start(NULL);
	out_bool("trusted", NULL, true);
	out_key("public_key", "%s", nla_data(tb[COLLAB_TRUST_A_PUBLIC_KEY]));
	if (tb[COLLAB_TRUST_A_NAME])
		out_str("name", "  %-" TRUST_NAME_WIDTH "s",
			nla_get_string(tb[COLLAB_TRUST_A_NAME]));
	else
		out_text("  %-" TRUST_NAME_WIDTH "s", "-");
	if (tb[COLLAB_TRUST_A_HANDSHAKES])
		out_u64("handshakes", "  %10s",
			nla_get_u64(tb[COLLAB_TRUST_A_HANDSHAKES]));
	out_text("\n");
	out_obj_end();
	return 0;
}

static int trust_show(int argc, char **argv)
{
	struct trust_shown shown = { 0 };
	struct cnl nl;
	int err;

	if (parse_no_args("trust show", argc, argv))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	out_array_start(NULL);
	err = cnl_run(&nl, cnl_msg(&nl, COLLAB_CMD_TRUST_GET, NLM_F_DUMP),
		      trust_print, &shown, "trust show", NULL);
	out_array_end();
	return out_finish(err);
}

/* A request of CMD whose COLLAB_A_TRUST nest holds KEY and NAME (if any). */
static struct nl_msg *trust_request(const struct cnl *nl, uint8_t cmd,
				    const uint8_t key[COLLAB_KEY_LEN],
				    const char *name)
{
	struct nl_msg *msg = cnl_msg(nl, cmd, 0);
	struct nlattr *nest;

	nest = cnl_nest_start(msg, COLLAB_A_TRUST);
	cnl_put(msg, COLLAB_TRUST_A_PUBLIC_KEY, COLLAB_KEY_LEN, key);
	if (name)
		cnl_put(msg, COLLAB_TRUST_A_NAME, strlen(name) + 1, name);
	nla_nest_end(msg, nest);
	return msg;
}

static int trust_add(int argc, char **argv)
{
	struct arg args[] = { { .name = "name" }, { .name = NULL } };
	uint8_t key[COLLAB_KEY_LEN];
	const char *name;
	struct cnl nl;

	if (argc < 1)
		return ctl_usage_error("trust add",
				       "give the public key to trust");
	if (parse_key_arg("trust add", "key", argv[0], key) ||
	    parse_args("trust add", argc - 1, argv + 1, args))
		return CTL_USAGE;
	name = args[0].val;
	if (name && strlen(name) >= COLLAB_NODE_NAME_MAX)
		return ctl_usage_error("trust add",
				       "name '%s' is longer than %d characters",
				       name, COLLAB_NODE_NAME_MAX - 1);
	if (cnl_open(&nl))
		return CTL_FAIL;
	return cnl_run(&nl, trust_request(&nl, COLLAB_CMD_TRUST_ADD, key, name),
		       NULL, NULL, "trust add", NULL);
}

static int trust_del(int argc, char **argv)
{
	char noent[KEY_STR_LEN + 24];
	uint8_t key[COLLAB_KEY_LEN];
	struct cnl nl;

	if (parse_one_arg("trust del", "public key to forget", argc, argv) ||
	    parse_key_arg("trust del", "key", argv[0], key))
		return CTL_USAGE;
	if (cnl_open(&nl))
		return CTL_FAIL;
	snprintf(noent, sizeof(noent), "key %s is not trusted", argv[0]);
	return cnl_run(&nl, trust_request(&nl, COLLAB_CMD_TRUST_DEL, key, NULL),
		       NULL, NULL, "trust del", noent);
}

const struct cmd trust_cmds[] = {
	{ "show", trust_show, "",
	  "print the trusted public keys, their names and handshakes" },
	{ "add", trust_add, "KEY [name NAME]",
	  "trust public key KEY, or rename it; needs CAP_NET_ADMIN" },
	{ "del", trust_del, "KEY",
	  "forget KEY; the links it authenticated go down; needs CAP_NET_ADMIN" },
	{ .name = NULL }
};
