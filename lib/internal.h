/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef COLLAB_INTERNAL_H
#define COLLAB_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "collab.h"

#define COLLAB_EXPORT __attribute__((visibility("default")))

#define COLLAB_NS	"urn:collab:message"
#define COLLAB_VERSION	"1"

/* The latest time the format can carry: 9999-12-31T23:59:59.999999Z. */
#define COLLAB_TIME_MAX	253402300799999999LL

/*
 * The library's own content type: an empty message that collab_call()
 * sends to learn whether the instance it called is still there.
 * Receivers drop it.
 */
#define COLLAB_TYPE_PROBE	"probe"

/* A reply's status: 0, or an errno the operation failed with. */
#define COLLAB_STATUS_MAX	4095

/* How often collab_call() probes the instance it waits for. */
#define COLLAB_CALL_PROBE_MS	1000

/* The number in a sysfs file; 0 when it does not exist, -EIO if garbled. */
int collab__family_from(const char *path);

/* ---- output: a streaming writer into one buffer (text.c) ---------------- */

struct xout {
	char *p;
	size_t len, cap;
	int err;		/* first error; the rest of the writes are ignored */
};

void xout_fail(struct xout *o, int err);

static inline void xout_mem(struct xout *o, const void *s, size_t n)
{
	if (o->err)
		return;
	if (n > o->cap - o->len) {
		xout_fail(o, -ENOSPC);
		return;
	}
	__builtin_memcpy(o->p + o->len, s, n);
	o->len += n;
}

#define xout_lit(o, s) xout_mem((o), (s), sizeof(s) - 1)

void xout_str(struct xout *o, const char *s);
/*
 * Escaped character data (@attr: inside a double-quoted attribute value)
 * that reads back exactly; -EILSEQ for text that is not UTF-8 or holds a
 * character XML 1.0 cannot carry. *@chars, if given, gets the number of
 * characters.
 */
void xout_text(struct xout *o, const char *s, bool attr, size_t *chars);
void xout_u64(struct xout *o, uint64_t v);
void xout_i64(struct xout *o, int64_t v);
void xout_double(struct xout *o, double v);
void xout_guid(struct xout *o, const struct collab_id *id);
void xout_color(struct xout *o, uint32_t rgba);
void xout_time(struct xout *o, int64_t us);
void xout_base64(struct xout *o, const void *data, size_t len);
/* name="value" with @value escaped, preceded by a space. */
void xout_attr(struct xout *o, const char *name, const char *value);

/* ---- input: exact parsers of the schema's lexical forms (text.c) -------- */

bool parse_u64(const char *s, size_t n, uint64_t max, uint64_t *v);
bool parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *v);
bool parse_double(const char *s, size_t n, double *v);
bool parse_guid(const char *s, size_t n, struct collab_id *id);
bool parse_color(const char *s, size_t n, uint32_t *rgba);
bool parse_time(const char *s, size_t n, int64_t *us);
/* Canonical base64 into @out (room for n / 4 * 3 bytes); the length or -1. */
long parse_base64(const char *s, size_t n, uint8_t *out);
/* Characters of valid UTF-8 (the parser has checked it). */
size_t utf8_chars(const char *s, size_t n);

/* Names of the schema. */
bool valid_app(const char *s, size_t n);	/* [ -~]{1,31} */
bool valid_word(const char *s, size_t n, size_t max);	/* [!-~]{1,max} */
/* [a-z][a-z0-9-]{0,30}: content types and call operations. */
bool valid_type(const char *s, size_t n);
bool valid_key(const char *s, size_t n);	/* [A-Za-z_][A-Za-z0-9_.-]{0,63} */

/* ---- messages (msg.c) ----------------------------------------------------- */

struct vec {
	void *p;
	size_t len, cap;	/* in elements */
};

/* Memory of a message the library returns; reused by the next decode. */
struct collab_msg_store {
	struct collab_msg msg;		/* first: the message is the store */
	struct vec str;			/* strings and decoded bytes */
	struct vec ops;			/* struct collab_board_op */
	struct vec points;		/* struct collab_point */
	struct vec fields;		/* struct collab_field */
	char type[COLLAB_TYPE_MAX];
	/* How to free msg.app, which a codec's decode() made. */
	void (*free_app)(void *arg, void *app);
	void *codec_arg;
};

int vec_reserve(struct vec *v, size_t n, size_t size);
struct collab_msg *collab__msg_new(void);
/* Empty a message for reuse, keeping its memory. */
void collab__msg_reset(struct collab_msg *msg);

/* ---- the portable format (encode.c, decode.c, chat.c, board.c, ...) ----- */

/*
 * Writes @msg into @o. Content types without their own payload element
 * go through a registered codec into a record. 0 or a negative errno.
 */
int collab__encode(struct xout *o, const struct collab_msg *msg);

/* Payload writers: chat.c, board.c, record.c, blob.c, call.c. */
void collab__chat_write(struct xout *o, const struct collab_chat *chat);
void collab__board_write(struct xout *o, const struct collab_board *board);
void collab__record_write(struct xout *o, const struct collab_record *rec);
void collab__blob_write(struct xout *o, const struct collab_bytes *blob);
void collab__call_write(struct xout *o, const struct collab_call *call);
void collab__reply_write(struct xout *o, const struct collab_reply *reply);
void collab__probe_write(struct xout *o);

/*
 * Validates and decodes @xml into @msg (from collab__msg_new()). 0,
 * -EBADMSG (the reason in collab_xml_error()), -EMSGSIZE or -ENOMEM.
 */
int collab__decode(const char *xml, size_t len, struct collab_msg *msg);
/* A registered codec's decode() of a decoded message's record: 0 or -EBADMSG. */
int collab__decode_app(struct collab_msg *msg);
void collab__set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- codecs (codec.c) ----------------------------------------------------- */

/* A copy of the codec registered for @type; false if none. */
bool collab__codec_find(const char *type, struct collab_codec *codec);
bool collab__type_builtin(const char *type);

/* ---- handles (handle.c), for remote calls (remote.c) --------------------- */

/* As collab_send(); *@id (if given) gets the id the message went with. */
int collab__send(struct collab *h, const struct collab_dest *dest,
		 const struct collab_msg *msg, uint64_t *id);

/*
 * Send a probe to @dest without waiting for room, and ask from then on
 * for the receipts of what the handle sends, until collab__probe_end().
 * -ECONNRESET when the send says that no instance there takes it; else 0,
 * also when the probe could not go (the next one may).
 */
int collab__probe(struct collab *h, const struct collab_dest *dest);
/* No more receipts; those queued are dropped. */
void collab__probe_end(struct collab *h);

/*
 * Receive until a message that @want accepts, decoded into @msg (a
 * library message) as collab_recv() decodes; every other valid message
 * is kept, as received and in order, for collab_recv(). Probes are
 * dropped; invalid messages are counted, reported and dropped. Waits
 * until @deadline (CLOCK_MONOTONIC; NULL: no limit). 0; -ETIMEDOUT;
 * -ENOBUFS (COLLAB_CALL_BACKLOG messages are kept: what follows stays in
 * the socket); -ECONNRESET (a probe's receipt says that nobody took it);
 * -EINTR; -ENOMEM. On failure @msg is empty.
 */
int collab__recv_until(struct collab *h, struct collab_msg *msg,
		       const struct timespec *deadline,
		       bool (*want)(void *arg, const struct collab_msg *msg), void *arg);

/* Whether COLLAB_CALL_BACKLOG messages are kept for collab_recv(). */
bool collab__backlog_full(const struct collab *h);

/* The monotonic clock @ms milliseconds from now (@ms >= 0). */
void collab__deadline(struct timespec *ts, int ms);
bool collab__before(const struct timespec *a, const struct timespec *b);

/* ---- per-thread state (thread.c) ------------------------------------------ */

struct collab__thread {
	char err[256];			/* collab_xml_error() */
	void *parser;			/* decode.c's, created on first use */
	char *out;			/* COLLAB_XML_MAX: messages being sent */
	char *in;			/* COLLAB_XML_MAX + 1: messages received */
	struct collab_msg *check;	/* what collab_send() validates into */
};

/* The calling thread's state; NULL when out of memory. */
struct collab__thread *collab__thread(void);
/* decode.c: free the parser of a thread that ends. */
void collab__parser_free(void *parser);

#endif /* COLLAB_INTERNAL_H */
