// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The way in: a strict streaming validator and decoder of the portable
 * format on libxml2's SAX2 interface. It accepts only documents that
 * lib/schema/collab.rng accepts (selftests/host/xml_test.c checks both
 * against the same documents), decodes while it validates, and stops at
 * the first error.
 *
 * libxml2 is used defensively: no network, and any document type
 * declaration ends the parse before its first declaration is read, so no
 * entity is ever defined, expanded or fetched (billion laughs, external
 * entities). With no DTD, XML_PARSE_NOENT only makes the predefined
 * entities and character references read back as the characters they
 * stand for. Documents are at most COLLAB_XML_MAX bytes and UTF-8; the
 * schema bounds their depth, and an element the schema does not expect
 * stops the parse at once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parserInternals.h>

#include "decode.h"

#define PARSE_OPTIONS	(XML_PARSE_NONET | XML_PARSE_NOENT | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC)

/* The dictionary keeps every name it saw: renew it before it grows big. */
#define DICT_MAX	512

int dec_fail(struct dec *d, const char *fmt, ...)
{
	struct collab__thread *t;
	va_list ap;

	if (d->failed)
		return -1;
	d->failed = true;
	t = collab__thread();
	if (t) {
		va_start(ap, fmt);
		vsnprintf(t->err, sizeof(t->err), fmt, ap);
		va_end(ap);
	}
	xmlStopParser(d->ctxt);
	return -1;
}

void collab__set_error(const char *fmt, ...)
{
	struct collab__thread *t = collab__thread();
	va_list ap;

	if (!t)
		return;
	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
}

int dec_attrs(struct dec *d, const char *elem, const char *const *names,
	      struct xattr *out, const xmlChar **attrs, int nattrs)
{
	int i, j;

	for (j = 0; names[j]; j++)
		out[j].v = NULL;
	for (i = 0; i < nattrs; i++, attrs += 5) {
		const char *name = (const char *)attrs[0];

		if (attrs[2])
			return dec_fail(d, "<%s>: attribute '%s' in namespace '%s'", elem,
					name, (const char *)attrs[2]);
		for (j = 0; names[j]; j++)
			if (!strcmp(name, names[j]))
				break;
		if (!names[j])
			return dec_fail(d, "<%s>: unknown attribute '%s'", elem, name);
		out[j].v = (const char *)attrs[3];
		out[j].n = (size_t)(attrs[4] - attrs[3]);
	}
	return 0;
}

int dec_require(struct dec *d, const char *elem, const char *name, const struct xattr *a)
{
	if (!a->v)
		return dec_fail(d, "<%s>: attribute '%s' missing", elem, name);
	return 0;
}

void *dec_alloc(struct dec *d, size_t n)
{
	struct vec *v = &d->st->str;
	void *p;

	if (n > v->cap - v->len) {
		dec_fail(d, "out of message memory");
		return NULL;
	}
	p = (char *)v->p + v->len;
	v->len += n;
	return p;
}

const char *dec_strdup(struct dec *d, const char *s, size_t n)
{
	char *p = dec_alloc(d, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void dec_collect(struct dec *d)
{
	d->collect = true;
	d->text_start = d->st->str.len;
}

const char *dec_text(struct dec *d, size_t *len)
{
	char *p = (char *)d->st->str.p + d->text_start;

	d->collect = false;
	*len = d->st->str.len - d->text_start;
	if (!dec_alloc(d, 1))
		return NULL;
	p[*len] = 0;
	return p;
}

/* ---- the envelope ------------------------------------------------------ */

static int msg_start(struct dec *d, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = { "version", "id", "session", "type", NULL };
	enum { VERSION, ID, SESSION, TYPE };
	struct collab_msg *m = d->msg;
	struct xattr a[4];
	const struct xattr *t = &a[TYPE];

	if (dec_attrs(d, "message", names, a, attrs, nattrs) ||
	    dec_require(d, "message", "version", &a[VERSION]) ||
	    dec_require(d, "message", "id", &a[ID]) ||
	    dec_require(d, "message", "type", t))
		return -1;
	if (a[VERSION].n != 1 || a[VERSION].v[0] != COLLAB_VERSION[0])
		return dec_fail(d, "<message>: version '%.*s', not " COLLAB_VERSION,
				(int)a[VERSION].n, a[VERSION].v);
	if (!parse_u64(a[ID].v, a[ID].n, UINT64_MAX, &m->id))
		return dec_fail(d, "<message>: bad id");
	if (a[SESSION].v && !parse_guid(a[SESSION].v, a[SESSION].n, &m->session))
		return dec_fail(d, "<message>: bad session");
	if (!valid_type(t->v, t->n))
		return dec_fail(d, "<message>: bad type");
	memcpy(d->st->type, t->v, t->n);
	d->st->type[t->n] = 0;
	m->type = d->st->type;
	if (!strcmp(m->type, COLLAB_TYPE_CHAT)) {
		d->payload = &collab__chat_payload;
	} else if (!strcmp(m->type, COLLAB_TYPE_BOARD)) {
		d->payload = &collab__board_payload;
	} else if (!strcmp(m->type, COLLAB_TYPE_BLOB)) {
		d->payload = &collab__blob_payload;
	} else if (!strcmp(m->type, COLLAB_TYPE_CALL)) {
		d->payload = &collab__call_payload;
	} else if (!strcmp(m->type, COLLAB_TYPE_REPLY)) {
		d->payload = &collab__reply_payload;
	} else if (!strcmp(m->type, COLLAB_TYPE_PROBE)) {
		d->payload = &collab__probe_payload;
	} else {
		d->payload = &collab__record_payload;
		d->rec = &m->record;
	}
	return 0;
}

static int source_start(struct dec *d, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = {
		"node", "instance", "app", "host", "user", "time", NULL,
	};
	enum { NODE, INSTANCE, APP, HOST, USER, TIME };
	struct collab_source *s = &d->msg->source;
	struct xattr a[6];
	int i;

	if (dec_attrs(d, "source", names, a, attrs, nattrs))
		return -1;
	for (i = 0; names[i]; i++)
		if (dec_require(d, "source", names[i], &a[i]))
			return -1;
	if (!parse_guid(a[NODE].v, a[NODE].n, &s->node))
		return dec_fail(d, "<source>: bad node");
	if (!parse_guid(a[INSTANCE].v, a[INSTANCE].n, &s->instance))
		return dec_fail(d, "<source>: bad instance");
	if (!valid_app(a[APP].v, a[APP].n))
		return dec_fail(d, "<source>: bad app");
	if (!valid_word(a[HOST].v, a[HOST].n, COLLAB_HOST_MAX - 1))
		return dec_fail(d, "<source>: bad host");
	if (!valid_word(a[USER].v, a[USER].n, COLLAB_USER_MAX - 1))
		return dec_fail(d, "<source>: bad user");
	if (!parse_time(a[TIME].v, a[TIME].n, &s->time_us))
		return dec_fail(d, "<source>: bad time");
	memcpy(s->app, a[APP].v, a[APP].n);
	memcpy(s->host, a[HOST].v, a[HOST].n);
	memcpy(s->user, a[USER].v, a[USER].n);
	return 0;
}

static int target_start(struct dec *d, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = { "kind", "node", "id", "app", NULL };
	static const char *const kinds[] = {
		[COLLAB_DEST_GUID] = "guid", [COLLAB_DEST_APP] = "app",
		[COLLAB_DEST_SESSION] = "session", [COLLAB_DEST_BROADCAST] = "broadcast",
	};
	/* Per kind: attributes allowed, and required (bits: node, id, app). */
	static const uint8_t allowed[] = { 0, 3, 5, 2, 4 }, required[] = { 0, 2, 4, 2, 0 };
	enum { KIND, NODE, ID, APP };
	struct collab_dest *t = &d->msg->target;
	struct xattr a[4];
	int k, i;

	if (dec_attrs(d, "target", names, a, attrs, nattrs) ||
	    dec_require(d, "target", "kind", &a[KIND]))
		return -1;
	for (k = COLLAB_DEST_GUID; k <= COLLAB_DEST_BROADCAST; k++)
		if (a[KIND].n == strlen(kinds[k]) && !memcmp(a[KIND].v, kinds[k], a[KIND].n))
			break;
	if (k > COLLAB_DEST_BROADCAST)
		return dec_fail(d, "<target>: unknown kind '%.*s'", (int)a[KIND].n, a[KIND].v);
	t->kind = k;
	for (i = NODE; i <= APP; i++) {
		unsigned int bit = 1u << (i - NODE);

		if (a[i].v && !(allowed[k] & bit))
			return dec_fail(d, "<target>: kind %s takes no '%s'", kinds[k], names[i]);
		if (!a[i].v && (required[k] & bit))
			return dec_fail(d, "<target>: kind %s needs '%s'", kinds[k], names[i]);
	}
	if (a[NODE].v && !parse_guid(a[NODE].v, a[NODE].n, &t->node))
		return dec_fail(d, "<target>: bad node");
	if (a[ID].v && !parse_guid(a[ID].v, a[ID].n, &t->id))
		return dec_fail(d, "<target>: bad id");
	if (a[APP].v) {
		if (!valid_app(a[APP].v, a[APP].n))
			return dec_fail(d, "<target>: bad app");
		memcpy(t->app, a[APP].v, a[APP].n);
	}
	return 0;
}

/* ---- SAX2 callbacks ---------------------------------------------------- */

static struct dec *dec_of(void *ctx)
{
	return ((xmlParserCtxtPtr)ctx)->_private;
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		     int nattrs, int ndefaulted, const xmlChar **attrs)
{
	struct dec *d = dec_of(ctx);
	const char *name = (const char *)localname;
	int depth = d->depth++;

	(void)prefix, (void)nb_namespaces, (void)namespaces, (void)ndefaulted;
	if (d->failed)
		return;
	if (!uri || strcmp((const char *)uri, COLLAB_NS)) {
		dec_fail(d, "<%s> not in namespace " COLLAB_NS, name);
		return;
	}
	if (d->collect) {
		dec_fail(d, "<%s> inside a text element", name);
		return;
	}
	switch (depth) {
	case 0:
		if (strcmp(name, "message")) {
			dec_fail(d, "root <%s>, not <message>", name);
			return;
		}
		msg_start(d, attrs, nattrs);
		return;
	case 1:
		switch (d->children++) {
		case 0:
			if (strcmp(name, "source"))
				break;
			source_start(d, attrs, nattrs);
			return;
		case 1:
			if (strcmp(name, "target"))
				break;
			target_start(d, attrs, nattrs);
			return;
		case 2:
			if (strcmp(name, d->payload->name))
				break;
			d->payload->start(d, attrs, nattrs);
			return;
		}
		dec_fail(d, "<message>: unexpected <%s>", name);
		return;
	case 2:
		if (d->children == 3 && d->payload->child) {
			d->payload->child(d, name, attrs, nattrs);
			return;
		}
		break;
	case 3:
		if (d->inner && d->inner->child) {
			d->inner->child(d, name, attrs, nattrs);
			return;
		}
		break;
	}
	dec_fail(d, "unexpected <%s>", name);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		   const xmlChar *uri)
{
	struct dec *d = dec_of(ctx);
	int depth = --d->depth;

	(void)localname, (void)prefix, (void)uri;
	if (d->failed)
		return;
	if (depth == 0) {
		if (d->children < 3)
			dec_fail(d, "<message>: %s missing",
				 d->children == 0 ? "<source>" :
				 d->children == 1 ? "<target>" : "the payload");
		else
			d->done = true;
	} else if (depth == 1 && d->children == 3) {
		d->payload->end(d);
	} else if (depth == 2) {
		d->payload->child_end(d);
	} else if (depth == 3) {
		d->inner->child_end(d);
	}
}

static bool is_space(xmlChar c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct dec *d = dec_of(ctx);
	int i;

	if (d->failed)
		return;
	if (d->collect) {
		char *p = dec_alloc(d, (size_t)len);

		if (p)
			memcpy(p, ch, (size_t)len);
		return;
	}
	for (i = 0; i < len; i++)
		if (!is_space(ch[i])) {
			dec_fail(d, "text where the schema allows none");
			return;
		}
}

static void on_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	(void)name, (void)ext, (void)sys;
	dec_fail(dec_of(ctx), "document type declarations are not accepted");
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
			   const xmlChar *sys, xmlChar *content)
{
	(void)name, (void)type, (void)pub, (void)sys, (void)content;
	dec_fail(dec_of(ctx), "entity declarations are not accepted");
}

static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *name)
{
	dec_fail(dec_of(ctx), "entity '%s' is not accepted", (const char *)name);
	return NULL;
}

static xmlParserInputPtr on_resolve(void *ctx, const xmlChar *pub, const xmlChar *sys)
{
	(void)pub, (void)sys;
	dec_fail(dec_of(ctx), "external resources are not loaded");
	return NULL;
}

static void on_error(void *ctx, xmlErrorPtr err)
{
	char text[160];
	size_t i;

	if (!ctx || err->level < XML_ERR_ERROR)
		return;
	/* libxml2's messages span lines; the reason is one. */
	snprintf(text, sizeof(text), "%s", err->message ? err->message : "?");
	for (i = 0; text[i]; i++)
		if (text[i] == '\n')
			text[i] = ' ';
	while (i && text[i - 1] == ' ')
		text[--i] = 0;
	dec_fail(dec_of(ctx), "not well-formed XML: %s (line %d)", text, err->line);
}

/* ---- the parser of a thread -------------------------------------------- */

static struct dec *parser_new(void)
{
	struct dec *d = calloc(1, sizeof(*d));
	xmlSAXHandler *sax;

	if (!d)
		return NULL;
	d->ctxt = xmlNewParserCtxt();
	if (!d->ctxt) {
		free(d);
		return NULL;
	}
	sax = d->ctxt->sax;
	memset(sax, 0, sizeof(*sax));
	sax->initialized = XML_SAX2_MAGIC;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->characters = on_chars;
	sax->ignorableWhitespace = on_chars;
	sax->cdataBlock = on_chars;
	sax->internalSubset = on_dtd;
	sax->externalSubset = on_dtd;
	sax->entityDecl = on_entity_decl;
	sax->getEntity = on_get_entity;
	sax->getParameterEntity = on_get_entity;
	sax->resolveEntity = on_resolve;
	sax->serror = on_error;
	d->ctxt->_private = d;
	return d;
}

void collab__parser_free(void *parser)
{
	struct dec *d = parser;

	if (!d)
		return;
	xmlFreeParserCtxt(d->ctxt);
	free(d);
}

int collab__decode(const char *xml, size_t len, struct collab_msg *msg)
{
	struct collab__thread *t = collab__thread();
	struct collab_msg_store *st = msg->store;
	struct dec *d;
	xmlDocPtr doc;
	int ret = 0;

	if (!t)
		return -ENOMEM;
	t->err[0] = 0;
	if (len > COLLAB_XML_MAX) {
		collab__set_error("%zu bytes, more than %d", len, COLLAB_XML_MAX);
		return -EMSGSIZE;
	}
	if (!t->parser) {
		t->parser = parser_new();
		if (!t->parser)
			return -ENOMEM;
	}
	d = t->parser;
	collab__msg_reset(msg);
	/* Decoded text is never longer than its source, and each string ends
	 * with one NUL: this much memory always suffices. */
	if (vec_reserve(&st->str, 2 * len + 64, 1))
		return -ENOMEM;

	d->msg = msg;
	d->st = st;
	d->in_len = len;
	d->payload = d->inner = NULL;
	d->rec = NULL;
	d->depth = d->children = 0;
	d->failed = d->done = d->collect = false;
	/* The context resets itself; the callbacks find the decoder here. */
	d->ctxt->_private = d;
	/*
	 * The push parser, given the whole document at once: the pull parser
	 * asks its input for more at every step near the end of a buffer.
	 */
	if (xmlCtxtResetPush(d->ctxt, NULL, 0, NULL, NULL) ||
	    xmlCtxtUseOptions(d->ctxt, PARSE_OPTIONS)) {
		collab__parser_free(d);
		t->parser = NULL;
		return -ENOMEM;
	}
	d->ctxt->_private = d;
	xmlParseChunk(d->ctxt, xml, (int)len, 1);
	doc = d->ctxt->myDoc;
	d->ctxt->myDoc = NULL;
	if (doc)
		xmlFreeDoc(doc);
	if (!d->failed && !d->ctxt->wellFormed)
		dec_fail(d, "not well-formed XML");
	if (!d->failed && !d->done)
		dec_fail(d, "no complete <message>");
	if (d->failed)
		ret = -EBADMSG;
	if (d->ctxt->dict && xmlDictSize(d->ctxt->dict) > DICT_MAX) {
		collab__parser_free(d);
		t->parser = NULL;
	}
	return ret;
}

int collab__decode_app(struct collab_msg *msg)
{
	struct collab_msg_store *st = msg->store;
	struct collab_codec c;
	int err;

	if (collab__type_builtin(msg->type) || !collab__codec_find(msg->type, &c) || !c.decode)
		return 0;
	err = c.decode(c.arg, &msg->record, &msg->app);
	if (err < 0) {
		msg->app = NULL;
		collab__set_error("codec '%s' rejected the record: %s", msg->type,
				  collab_strerror(err));
		return -EBADMSG;
	}
	st->free_app = c.free_app;
	st->codec_arg = c.arg;
	return 0;
}
