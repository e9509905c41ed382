// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * record: typed key/value fields, in order. The generic message, what
 * applications' own codecs translate their messages into, and the
 * arguments and results of remote calls (call.c): the record decoded is
 * the one d->rec names.
 *
 *   <record>
 *     <string key="title">Lunch?</string>
 *     <int key="votes">-3</int>
 *     <double key="ratio">0.10000000000000001</double>
 *     <bool key="open">true</bool>
 *     <bytes key="icon">iVBORw==</bytes>
 *   </record>
 */
#include <string.h>

#include "decode.h"

static const char *const type_names[] = {
	[COLLAB_VAL_STRING] = "string",
	[COLLAB_VAL_INT] = "int",
	[COLLAB_VAL_DOUBLE] = "double",
	[COLLAB_VAL_BOOL] = "bool",
	[COLLAB_VAL_BYTES] = "bytes",
};

void collab__record_write(struct xout *o, const struct collab_record *rec)
{
	size_t i;

	if (rec->nfields && !rec->fields) {
		xout_fail(o, -EINVAL);
		return;
	}
	xout_lit(o, "<record>");
	for (i = 0; i < rec->nfields && !o->err; i++) {
		const struct collab_field *f = &rec->fields[i];

		if (!f->key || !valid_key(f->key, strnlen(f->key, COLLAB_KEY_MAX)) ||
		    f->type < COLLAB_VAL_STRING || f->type > COLLAB_VAL_BYTES) {
			xout_fail(o, -EINVAL);
			return;
		}
		xout_lit(o, "<");
		xout_str(o, type_names[f->type]);
		xout_lit(o, " key=\"");
		xout_str(o, f->key);
		xout_lit(o, "\">");
		switch (f->type) {
		case COLLAB_VAL_STRING:
			xout_text(o, f->s ? f->s : "", false, NULL);
			break;
		case COLLAB_VAL_INT:
			xout_i64(o, f->i);
			break;
		case COLLAB_VAL_DOUBLE:
			xout_double(o, f->d);
			break;
		case COLLAB_VAL_BOOL:
			if (f->b)
				xout_lit(o, "true");
			else
				xout_lit(o, "false");
			break;
		case COLLAB_VAL_BYTES:
			if (f->bytes.len && !f->bytes.data)
				xout_fail(o, -EINVAL);
			else
				xout_base64(o, f->bytes.data, f->bytes.len);
			break;
		}
		xout_lit(o, "</");
		xout_str(o, type_names[f->type]);
		xout_lit(o, ">");
	}
	xout_lit(o, "</record>");
}

static int record_start(struct dec *d, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = { NULL };
	struct collab_msg_store *st = d->st;

	if (dec_attrs(d, "record", names, NULL, attrs, nattrs))
		return -1;
	/* Every field takes more than 8 bytes. */
	if (vec_reserve(&st->fields, d->in_len / 8 + 1, sizeof(struct collab_field)))
		return dec_fail(d, "out of memory");
	d->rec->fields = st->fields.p;
	d->rec->nfields = 0;
	return 0;
}

static int record_child(struct dec *d, const char *name, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = { "key", NULL };
	struct vec *v = &d->st->fields;
	struct collab_field *f;
	struct xattr a[1];
	int t;

	for (t = COLLAB_VAL_STRING; t <= COLLAB_VAL_BYTES; t++)
		if (!strcmp(name, type_names[t]))
			break;
	if (t > COLLAB_VAL_BYTES)
		return dec_fail(d, "<record>: unexpected <%s>", name);
	if (v->len >= v->cap)
		return dec_fail(d, "<record>: too many fields");
	f = (struct collab_field *)v->p + v->len++;
	memset(f, 0, sizeof(*f));
	f->type = t;
	d->rec->nfields = v->len;
	if (dec_attrs(d, name, names, a, attrs, nattrs) || dec_require(d, name, "key", &a[0]))
		return -1;
	if (!valid_key(a[0].v, a[0].n))
		return dec_fail(d, "<%s>: bad key", name);
	f->key = dec_strdup(d, a[0].v, a[0].n);
	if (!f->key)
		return -1;
	dec_collect(d);
	return 0;
}

static int record_child_end(struct dec *d)
{
	struct collab_field *f = (struct collab_field *)d->st->fields.p + d->st->fields.len - 1;
	const char *name = type_names[f->type], *text;
	size_t len;

	if (f->type == COLLAB_VAL_BYTES)
		return collab__dec_base64(d, name, &f->bytes);
	text = dec_text(d, &len);
	if (!text)
		return -1;
	switch (f->type) {
	case COLLAB_VAL_STRING:
		f->s = text;
		return 0;
	case COLLAB_VAL_INT:
		if (!parse_i64(text, len, INT64_MIN, INT64_MAX, &f->i))
			break;
		return 0;
	case COLLAB_VAL_DOUBLE:
		if (!parse_double(text, len, &f->d))
			break;
		return 0;
	default:
		if (len == 4 && !memcmp(text, "true", 4))
			f->b = true;
		else if (len != 5 || memcmp(text, "false", 5))
			break;
		return 0;
	}
	return dec_fail(d, "<%s key=\"%s\">: bad value", name, f->key);
}

static int record_end(struct dec *d)
{
	(void)d;
	return 0;
}

const struct payload collab__record_payload = {
	.name = "record",
	.start = record_start,
	.child = record_child,
	.child_end = record_child_end,
	.end = record_end,
};
