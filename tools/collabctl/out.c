// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl: one print path for text and JSON (see out.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "collabctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"

/* Objects nest no deeper than this: an array of objects of arrays ... */
#define OUT_DEPTH	8

static struct {
	bool json;
	int flags;
	struct json_object *root;
	struct json_object *stack[OUT_DEPTH];
	int depth;
} out;

void out_setup(bool json, bool pretty)
{
	out.json = json;
	out.flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		(pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
		 JSON_C_TO_STRING_PLAIN);
}

bool out_json(void)
{
	return out.json;
}

/* Add a JSON value to the innermost object or array, or make it the root. */
static void out_add(const char *key, struct json_object *val)
{
	struct json_object *top;

	if (!val)
		ctl_nomem();
	if (!out.depth) {
		if (out.root) {
			fprintf(stderr, "collabctl: internal error: two JSON documents\n");
			abort();
		}
		out.root = val;
		return;
	}
	top = out.stack[out.depth - 1];
	if (json_object_is_type(top, json_type_array)) {
		if (json_object_array_add(top, val))
			ctl_nomem();
	} else if (json_object_object_add(top, key, val)) {
		ctl_nomem();
	}
}

static void out_push(const char *key, struct json_object *val)
{
	if (out.depth == OUT_DEPTH) {
		fprintf(stderr, "collabctl: internal error: JSON nested too deep\n");
		abort();
	}
	out_add(key, val);
	out.stack[out.depth++] = val;
}

void out_obj_start(const char *key)
{
	if (out.json)
		out_push(key, json_object_new_object());
}

void out_obj_end(void)
{
	if (out.json && out.depth)
		out.depth--;
}

void out_array_start(const char *key)
{
	if (out.json)
		out_push(key, json_object_new_array());
}

void out_array_end(void)
{
	out_obj_end();
}

/*
 * The length of the UTF-8 sequence at @s that encodes a printable
 * character beyond ASCII, or 0: an invalid, overlong or surrogate
 * sequence, or a C1 control (U+0080 to U+009F), which terminals obey.
 */
static size_t utf8_printable(const unsigned char *s)
{
	size_t n, i;

	if (s[0] == 0xc2)
		return s[1] >= 0xa0 && s[1] <= 0xbf ? 2 : 0;
	if (s[0] > 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/*
 * A string from the kernel (a peer's name comes from the wire), with
 * every byte that could drive a terminal or break JSON as \xNN: invalid
 * UTF-8 and C1 controls; for text also ASCII controls and the backslash,
 * which JSON escapes by itself. Free it.
 */
static char *escaped(const char *val, bool json)
{
	const unsigned char *s = (const unsigned char *)val;
	char *buf, *p;
	size_t n;

	buf = malloc(4 * strlen(val) + 1);
	if (!buf)
		ctl_nomem();
	for (p = buf; *s; s += n) {
		n = 1;
		if (*s >= 0x80 && (n = utf8_printable(s))) {
			memcpy(p, s, n);
			p += n;
		} else if (*s >= 0x80 ||
			   (!json && (*s < 0x20 || *s == 0x7f || *s == '\\'))) {
			p += sprintf(p, "\\x%02x", *s);
			n = 1;
		} else {
			*p++ = (char)*s;
		}
	}
	*p = '\0';
	return buf;
}

void out_str(const char *key, const char *fmt, const char *val)
{
	char *safe;

	if (!out.json && !fmt)
		return;
	safe = escaped(val, out.json);
	if (out.json)
		out_add(key, json_object_new_string(safe));
	else
		printf(fmt, safe);
	free(safe);
}

void out_u64(const char *key, const char *fmt, uint64_t val)
{
	char buf[24];

	if (out.json) {
		out_add(key, json_object_new_uint64(val));
	} else if (fmt) {
		snprintf(buf, sizeof(buf), "%" PRIu64, val);
		printf(fmt, buf);
	}
}

void out_i64(const char *key, const char *fmt, int64_t val)
{
	char buf[24];

	if (out.json) {
		out_add(key, json_object_new_int64(val));
	} else if (fmt) {
		snprintf(buf, sizeof(buf), "%" PRId64, val);
		printf(fmt, buf);
	}
}

void out_double(const char *key, const char *fmt, double val)
{
	char buf[32];

	if (out.json) {
		out_add(key, json_object_new_double(val));
	} else if (fmt) {
		snprintf(buf, sizeof(buf), "%.17g", val);
		printf(fmt, buf);
	}
}

void out_bool(const char *key, const char *fmt, bool val)
{
	if (out.json)
		out_add(key, json_object_new_boolean(val));
	else if (fmt)
		printf(fmt, val ? "yes" : "no");
}

void out_guid(const char *key, const char *fmt, const struct collab_guid *g)
{
	char buf[GUID_STR_LEN];

	guid_str(g, buf);
	if (out.json)
		out_add(key, json_object_new_string(buf));
	else if (fmt)
		printf(fmt, buf);
}

void out_key(const char *key, const char *fmt, const uint8_t *k)
{
	char buf[KEY_STR_LEN];

	key_str(k, buf);
	if (out.json)
		out_add(key, json_object_new_string(buf));
	else if (fmt)
		printf(fmt, buf);
}

int out_sockaddr(const char *key, const char *fmt, const struct nlattr *attr)
{
	char buf[SOCKADDR_STR_LEN];
	union sockaddr_inet sa;

	if (cnl_sockaddr(attr, &sa))
		return -EBADMSG;
	if (out.json) {
		sockaddr_ip_str(&sa, buf);
		out_obj_start(key);
		out_str("ip", NULL, buf);
		out_u64("port", NULL, sockaddr_port(&sa));
		out_obj_end();
	} else if (fmt) {
		sockaddr_str(&sa, buf);
		printf(fmt, buf);
	}
	return 0;
}

void out_usec(const char *key, const char *fmt, uint64_t usec)
{
	char buf[32];

	if (out.json) {
		out_add(key, json_object_new_uint64(usec));
	} else if (fmt) {
		snprintf(buf, sizeof(buf), "%" PRIu64 ".%03" PRIu64,
			 usec / 1000, usec % 1000);
		printf(fmt, buf);
	}
}

static bool print_attrs(struct nlattr **tb, const struct out_attr *a,
			const char *lead, const char *sep)
{
	bool any = false;

	for (; a->key; a++) {
		if (!tb[a->type])
			continue;
		out_text("%s", any ? sep : lead);
		if (a->usec)
			out_usec(a->key, a->fmt, cnl_uint(tb[a->type]));
		else
			out_u64(a->key, a->fmt, cnl_uint(tb[a->type]));
		any = true;
	}
	return any;
}

bool out_attrs(struct nlattr **tb, const struct out_attr *a)
{
	return print_attrs(tb, a, "", "");
}

void out_attr_line(struct nlattr **tb, const char *lead,
		   const struct out_attr *a)
{
	if (print_attrs(tb, a, lead, ", "))
		out_text("\n");
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void out_end(void)
{
	const char *s;

	if (out.json && out.root) {
		s = json_object_to_json_string_ext(out.root, out.flags);
		if (!s)
			ctl_nomem();
		puts(s);
	}
	out_discard();
	fflush(stdout);
}

void out_discard(void)
{
	json_object_put(out.root);
	out.root = NULL;
	out.depth = 0;
}

int out_finish(int err)
{
	if (err)
		out_discard();
	else
		out_end();
	return err;
}
