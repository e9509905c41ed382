/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collabctl: one print path for text and JSON.
 *
 * Commands describe what they print once: every value has a JSON key
 * (snake_case; NULL inside an array) and a text format, a printf format
 * with one %s that receives the value as text (NULL: not shown as text).
 * In text mode the formats are printed as the calls come; in JSON mode
 * the calls build one document, printed by out_end(). out_text() prints
 * only in text mode, for layout.
 */
#ifndef COLLABCTL_OUT_H
#define COLLABCTL_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/collab.h>

struct nlattr;

void out_setup(bool json, bool pretty);
bool out_json(void);

void out_obj_start(const char *key);
void out_obj_end(void);
void out_array_start(const char *key);
void out_array_end(void);

void out_str(const char *key, const char *fmt, const char *val);
void out_u64(const char *key, const char *fmt, uint64_t val);
void out_i64(const char *key, const char *fmt, int64_t val);
void out_double(const char *key, const char *fmt, double val);
void out_bool(const char *key, const char *fmt, bool val);
void out_guid(const char *key, const char *fmt, const struct collab_guid *g);
/*
 * A public key of COLLAB_KEY_LEN bytes (an attribute checked with
 * CNL_POLICY_KEY), in base64 as parse.h writes keys.
 */
void out_key(const char *key, const char *fmt, const uint8_t *k);
/*
 * An address attribute (struct sockaddr_in or _in6): in JSON an object
 * with "ip" and "port", in text ADDR:PORT or [ADDR]:PORT. -EBADMSG if the
 * attribute is not an address.
 */
int out_sockaddr(const char *key, const char *fmt, const struct nlattr *attr);
/* A duration in microseconds: as is in JSON, milliseconds in text. */
void out_usec(const char *key, const char *fmt, uint64_t usec);
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A numeric attribute of a table: its type, JSON key and text format; an
 * array of them ends with OUT_END.
 */
struct out_attr {
	int type;
	const char *key;
	const char *fmt;
	bool usec;		/* a duration in microseconds (out_usec) */
};

#define OUT_NUM(t, k, f)	{ .type = (t), .key = (k), .fmt = (f) }
#define OUT_USEC(t, k, f)	{ .type = (t), .key = (k), .fmt = (f), \
				  .usec = true }
#define OUT_END			{ .key = NULL }

/* Print those of the attributes in TB that are present; false if none is. */
bool out_attrs(struct nlattr **tb, const struct out_attr *a);
/*
 * A line of text: LEAD, the attributes present separated by ", ", and a
 * newline; nothing if none is present.
 */
void out_attr_line(struct nlattr **tb, const char *lead,
		   const struct out_attr *a);

/*
 * End a document: print it (JSON mode) and flush stdout. out_discard()
 * drops it instead, after an error.
 */
void out_end(void);
void out_discard(void);
/* out_end() if ERR is 0, else out_discard(); return ERR. */
int out_finish(int err);

#endif /* COLLABCTL_OUT_H */
