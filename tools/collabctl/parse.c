// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl: strict parsing of command-line values and GUID formatting.
 *
 * Numbers are decimal, without sign or blanks, and checked against their
 * range. A GUID is 32 hex digits, either plain or with dashes in the
 * 8-4-4-4-12 form; the digits give the 16 bytes in order, so the text
 * collabctl prints (and the "node" line of /proc/net/collab) reads back
 * as the same value. Addresses are numeric IPv4 (dotted quad only) or
 * IPv6; an IPv6 address is bracketed when a port follows, as in URLs.
 * Keys are base64 (RFC 4648, with padding) of exactly COLLAB_KEY_LEN
 * bytes, in the one form that encodes them: EVP_DecodeBlock() would also
 * take blanks, a shorter text or spare bits, so the text is checked first.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "collabctl.h"
#include "parse.h"

int parse_u64(const char *s, uint64_t max, uint64_t *val)
{
	unsigned long long v;
	char *end;

	/* strtoull() would take blanks, a sign and a "0x" prefix. */
	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*val = v;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Whether position i of a dashed GUID holds a dash: 8-4-4-4-12. */
static int dash_at(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

int parse_guid(const char *s, struct collab_guid *g)
{
	size_t len = strlen(s), i, n = 0;
	int dashed = len == 2 * sizeof(*g) + 4;
	int d;

	if (len != 2 * sizeof(*g) && !dashed)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	for (i = 0; i < len; i++) {
		if (dashed && dash_at(i)) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		d = hex_digit(s[i]);
		if (d < 0)
			return -EINVAL;
		g->b[n / 2] |= (uint8_t)(n % 2 ? d : d << 4);
		n++;
	}
	return 0;
}

void guid_str(const struct collab_guid *g, char buf[GUID_STR_LEN])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < sizeof(g->b); i++) {
		buf[2 * i] = digits[g->b[i] >> 4];
		buf[2 * i + 1] = digits[g->b[i] & 0xf];
	}
	buf[2 * sizeof(g->b)] = '\0';
}

int guid_is_zero(const struct collab_guid *g)
{
	size_t i;

	for (i = 0; i < sizeof(g->b); i++)
		if (g->b[i])
			return 0;
	return 1;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int parse_key(const char *s, uint8_t key[COLLAB_KEY_LEN])
{
	/* DecodeBlock counts the padding as bytes: 3 per 4 characters. */
	unsigned char buf[3 * KEY_B64_LEN / 4];
	size_t i, len = strlen(s);
	int last, n;

	if (len != KEY_B64_LEN)
		return -KEY_FAULT_LENGTH;
	for (i = 0; i < KEY_B64_LEN - 1; i++)
		if (b64_value(s[i]) < 0)
			return s[i] == '=' ? -KEY_FAULT_PAD : -KEY_FAULT_CHAR;
	if (s[KEY_B64_LEN - 1] != '=')
		return b64_value(s[KEY_B64_LEN - 1]) < 0 ? -KEY_FAULT_CHAR :
		       -KEY_FAULT_PAD;
	/* 43 characters hold 258 bits: the last 2 are spare, and zero. */
	last = b64_value(s[KEY_B64_LEN - 2]);
	if (last & 3)
		return -KEY_FAULT_BITS;

	n = EVP_DecodeBlock(buf, (const unsigned char *)s, KEY_B64_LEN);
	if (n != sizeof(buf)) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return -KEY_FAULT_CHAR;
	}
	memcpy(key, buf, COLLAB_KEY_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

const char *key_fault_str(int err)
{
	switch (-err) {
	case KEY_FAULT_LENGTH:
		return "is not 44 characters long (the base64 of 32 bytes)";
	case KEY_FAULT_CHAR:
		return "holds a character that is not base64 (A-Z, a-z, 0-9, + or /)";
	case KEY_FAULT_PAD:
		return "does not end in one '=' after 43 base64 characters";
	case KEY_FAULT_BITS:
		return "is not the base64 of 32 bytes: its last character before '=' has bits left over";
	}
	return "is not a key";
}

void key_str(const uint8_t key[COLLAB_KEY_LEN], char buf[KEY_STR_LEN])
{
	EVP_EncodeBlock((unsigned char *)buf, key, COLLAB_KEY_LEN);
}

int key_is_zero(const uint8_t key[COLLAB_KEY_LEN])
{
	uint8_t any = 0;
	size_t i;

	for (i = 0; i < COLLAB_KEY_LEN; i++)
		any |= key[i];
	return !any;
}

void key_wipe(void *buf, size_t len)
{
	OPENSSL_cleanse(buf, len);
}

/*
 * Split S into the address (copied to HOST) and the port after it (NULL
 * when none), and tell which family the address must be of.
 */
static int split_host(const char *s, char host[SOCKADDR_STR_LEN],
		      const char **port, int *family)
{
	const char *colon = strchr(s, ':'), *end = s + strlen(s);

	*port = NULL;
	*family = colon ? AF_INET6 : AF_INET;
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		*port = end[1] ? end + 2 : NULL;
		s++;
	} else if (colon && !strchr(colon + 1, ':')) {
		*family = AF_INET;
		*port = colon + 1;
		end = colon;
	}
	if (end - s >= SOCKADDR_STR_LEN)
		return -EINVAL;
	memcpy(host, s, (size_t)(end - s));
	host[end - s] = '\0';
	return 0;
}

/* The scope of an IPv6 address: a device name or index. */
static int parse_scope(const char *s, uint32_t *scope)
{
	uint64_t v;

	if (!*s)
		return -EINVAL;
	if (!parse_u64(s, UINT32_MAX, &v)) {
		*scope = (uint32_t)v;
		return 0;
	}
	*scope = if_nametoindex(s);
	return *scope ? 0 : -ENODEV;
}

static int parse_ip6(char *host, struct sockaddr_in6 *in6)
{
	char *pct = strchr(host, '%');
	int err;

	if (pct) {
		*pct = '\0';
		err = parse_scope(pct + 1, &in6->sin6_scope_id);
		if (err)
			return err;
	}
	in6->sin6_family = AF_INET6;
	return inet_pton(AF_INET6, host, &in6->sin6_addr) == 1 ? 0 : -EINVAL;
}

static int parse_ip(int family, char *host, union sockaddr_inet *sa)
{
	if (family == AF_INET6)
		return parse_ip6(host, &sa->in6);
	sa->in.sin_family = AF_INET;
	return inet_pton(AF_INET, host, &sa->in.sin_addr) == 1 ? 0 : -EINVAL;
}

void sockaddr_set_port(union sockaddr_inet *sa, uint16_t port)
{
	if (sa->sa.sa_family == AF_INET6)
		sa->in6.sin6_port = htons(port);
	else
		sa->in.sin_port = htons(port);
}

int parse_sockaddr(const char *s, uint16_t dflt_port, union sockaddr_inet *sa)
{
	char host[SOCKADDR_STR_LEN];
	const char *port;
	uint64_t p = 0;
	int family, err;

	memset(sa, 0, sizeof(*sa));
	err = split_host(s, host, &port, &family);
	if (!err)
		err = parse_ip(family, host, sa);
	if (err)
		return err;
	if (port && parse_u64(port, UINT16_MAX, &p))
		return -ERANGE;
	sockaddr_set_port(sa, p ? (uint16_t)p : dflt_port);
	return 0;
}

socklen_t sockaddr_len(const union sockaddr_inet *sa)
{
	return sa->sa.sa_family == AF_INET6 ? sizeof(sa->in6) :
	       sizeof(sa->in);
}

uint16_t sockaddr_port(const union sockaddr_inet *sa)
{
	return ntohs(sa->sa.sa_family == AF_INET6 ? sa->in6.sin6_port :
		     sa->in.sin_port);
}

void sockaddr_ip_str(const union sockaddr_inet *sa, char buf[SOCKADDR_IP_LEN])
{
	char dev[IF_NAMESIZE];
	size_t len;

	if (sa->sa.sa_family != AF_INET6) {
		inet_ntop(AF_INET, &sa->in.sin_addr, buf, SOCKADDR_IP_LEN);
		return;
	}
	inet_ntop(AF_INET6, &sa->in6.sin6_addr, buf, SOCKADDR_IP_LEN);
	if (!sa->in6.sin6_scope_id)
		return;
	len = strlen(buf);
	if (if_indextoname(sa->in6.sin6_scope_id, dev))
		snprintf(buf + len, SOCKADDR_IP_LEN - len, "%%%s", dev);
	else
		snprintf(buf + len, SOCKADDR_IP_LEN - len, "%%%" PRIu32,
			 sa->in6.sin6_scope_id);
}

void sockaddr_str(const union sockaddr_inet *sa, char buf[SOCKADDR_STR_LEN])
{
	char ip[SOCKADDR_IP_LEN];
	int v6 = sa->sa.sa_family == AF_INET6;

	sockaddr_ip_str(sa, ip);
	snprintf(buf, SOCKADDR_STR_LEN, "%s%s%s:%u", v6 ? "[" : "", ip,
		 v6 ? "]" : "", sockaddr_port(sa));
}

static struct arg *find_arg(struct arg *args, const char *name)
{
	for (; args->name; args++)
		if (!strcmp(args->name, name))
			return args;
	return NULL;
}

int parse_args(const char *cmd, int argc, char **argv, struct arg *args)
{
	struct arg *a;

	for (; argc > 0; argc -= 2, argv += 2) {
		a = find_arg(args, argv[0]);
		if (!a)
			return ctl_usage_error(cmd, "unknown argument '%s'",
					       argv[0]);
		if (a->val)
			return ctl_usage_error(cmd, "'%s' given twice",
					       argv[0]);
		if (argc < 2)
			return ctl_usage_error(cmd, "'%s' needs a value",
					       argv[0]);
		a->val = argv[1];
	}
	return CTL_OK;
}

int parse_u64_arg(const char *cmd, const char *name, const char *s,
		  uint64_t max, uint64_t *val)
{
	if (parse_u64(s, max, val))
		return ctl_usage_error(cmd,
				       "%s '%s' is not a number from 0 to %" PRIu64,
				       name, s, max);
	return CTL_OK;
}

int parse_guid_arg(const char *cmd, const char *name, const char *s,
		   struct collab_guid *g)
{
	if (parse_guid(s, g))
		return ctl_usage_error(cmd,
				       "%s '%s' is not a GUID (32 hex digits, dashes allowed as 8-4-4-4-12)",
				       name, s);
	return CTL_OK;
}

int parse_key_arg(const char *cmd, const char *name, const char *s,
		  uint8_t key[COLLAB_KEY_LEN])
{
	int err = parse_key(s, key);
	size_t bad;

	if (err == -KEY_FAULT_LENGTH)
		return ctl_usage_error(cmd,
				       "%s '%s' is %zu characters long, not 44 (the base64 of 32 bytes)",
				       name, s, strlen(s));
	if (err == -KEY_FAULT_CHAR) {
		for (bad = 0; s[bad] == '=' || b64_value(s[bad]) >= 0; bad++)
			;
		return ctl_usage_error(cmd,
				       "%s '%s': character %zu is not base64 (A-Z, a-z, 0-9, + or /)",
				       name, s, bad + 1);
	}
	if (err)
		return ctl_usage_error(cmd, "%s '%s' %s", name, s,
				       key_fault_str(err));
	return CTL_OK;
}

int parse_sockaddr_arg(const char *cmd, const char *name, const char *s,
		       uint16_t dflt_port, union sockaddr_inet *sa)
{
	switch (parse_sockaddr(s, dflt_port, sa)) {
	case 0:
		return CTL_OK;
	case -ERANGE:
		return ctl_usage_error(cmd,
				       "%s '%s': the port is not a number from 0 to %u",
				       name, s, UINT16_MAX);
	case -ENODEV:
		return ctl_error("%s: %s '%s': no such device", cmd, name, s);
	}
	return ctl_usage_error(cmd,
			       "%s '%s' is not an IPv4 or IPv6 address (an IPv6 address with a port is written [ADDR]:PORT)",
			       name, s);
}

int parse_no_args(const char *cmd, int argc, char **argv)
{
	if (argc > 0)
		return ctl_usage_error(cmd, "unknown argument '%s'", argv[0]);
	return CTL_OK;
}

int parse_id_args(const char *cmd, int argc, char **argv,
		  struct collab_guid *id, const char **id_arg)
{
	struct arg args[] = { { .name = "id" }, { .name = NULL } };
	int ret;

	ret = parse_args(cmd, argc, argv, args);
	*id_arg = args[0].val;
	if (!ret && *id_arg)
		ret = parse_guid_arg(cmd, "id", *id_arg, id);
	return ret;
}

int parse_one_arg(const char *cmd, const char *name, int argc, char **argv)
{
	if (argc < 1)
		return ctl_usage_error(cmd, "give the %s", name);
	return parse_no_args(cmd, argc - 1, argv + 1);
}
