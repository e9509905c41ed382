/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The validating decoder's state, shared by the envelope (decode.c) and
 * the payload parsers (chat.c, board.c, record.c, blob.c, call.c).
 */
#ifndef COLLAB_DECODE_H
#define COLLAB_DECODE_H

#include <libxml/parser.h>

#include "internal.h"

/* An attribute value as the parser gives it: not NUL-terminated. */
struct xattr {
	const char *v;
	size_t n;
};

struct dec {
	xmlParserCtxtPtr ctxt;
	struct collab_msg *msg;
	struct collab_msg_store *st;
	size_t in_len;			/* length of the document */
	const struct payload *payload;
	/* A payload's child that is parsed as a payload of its own (a call's
	 * <record>), and the record a <record> fills. */
	const struct payload *inner;
	struct collab_record *rec;
	int depth;			/* of the element being parsed; 0 = root */
	int children;			/* of the root, so far */
	bool failed, done;
	bool collect;			/* the innermost element's text is kept */
	size_t text_start;		/* where it starts in st->str */
};

/* The payload element of a content type, and how to read it. */
struct payload {
	const char *name;
	/* Its start tag; 0 or -1 (failed). */
	int (*start)(struct dec *d, const xmlChar **attrs, int nattrs);
	/* A child element's start and end tags (NULL: no children allowed).
	 * The children of a child are those of d->inner, if the child set it. */
	int (*child)(struct dec *d, const char *name, const xmlChar **attrs, int nattrs);
	int (*child_end)(struct dec *d);
	/* Its end tag: at least one child, the collected text, ... */
	int (*end)(struct dec *d);
};

extern const struct payload collab__chat_payload, collab__board_payload,
	collab__record_payload, collab__blob_payload, collab__call_payload,
	collab__reply_payload, collab__probe_payload;

/* Fail the decode with a reason; stops the parser. Returns -1. */
int dec_fail(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Match the attributes of element @elem against @names (NULL-terminated,
 * at most 8): out[i] gets the value of names[i], or v NULL. Attributes
 * not named, or in a namespace, fail. 0 or -1.
 */
int dec_attrs(struct dec *d, const char *elem, const char *const *names,
	      struct xattr *out, const xmlChar **attrs, int nattrs);
/* A required attribute that is missing fails. */
int dec_require(struct dec *d, const char *elem, const char *name, const struct xattr *a);

/* Keep the text of the element just started; dec_text() ends it. */
void dec_collect(struct dec *d);
/* The collected text, NUL-terminated in the message's memory. */
const char *dec_text(struct dec *d, size_t *len);
/* A copy of @n bytes in the message's memory, NUL-terminated. */
const char *dec_strdup(struct dec *d, const char *s, size_t n);
/* Room for @n bytes in the message's memory (NULL: fails the decode). */
void *dec_alloc(struct dec *d, size_t n);

/* The collected text as canonical base64, decoded (blob.c). */
int collab__dec_base64(struct dec *d, const char *elem, struct collab_bytes *out);

#endif /* COLLAB_DECODE_H */
