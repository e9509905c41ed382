// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl: strict parsing of command-line values and GUID formatting.
 *
 * Numbers are decimal, without sign or blanks, and checked against their
 * range. A GUID is 32 hex digits, either plain or with dashes in the
 * 8-4-4-4-12 form; the digits give the 16 bytes in order, so the text
 * collabctl prints (and the "node" line of /proc/net/collab) reads back
 * as the same value.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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
