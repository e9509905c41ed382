// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * call, reply and probe: the messages of remote calls (remote.c).
 *
 *   <call op="start"><record><string key="app">board</string></record></call>
 *   <reply call="7" status="0"><record><int key="pid">4242</int></record></reply>
 *   <reply call="8" status="95" error="no operation stop"/>
 *   <probe/>
 *
 * A call names an operation of the instance it goes to; its reply names
 * the call by its message id and says how it went: status 0, or the
 * errno the operation failed with, and maybe a text. Arguments and
 * results are a record, written and read as the "record" type's; an
 * empty one is left out. A probe carries nothing: the caller sends it to
 * learn whether the instance it waits for is still there.
 */
#include <assert.h>
#include <string.h>

#include "decode.h"

static_assert(COLLAB_OP_MAX == COLLAB_TYPE_MAX, "operations are spelled as types");

/* The arguments or results, and the end of the element. */
static void write_record(struct xout *o, const char *elem, const struct collab_record *rec)
{
	if (!rec->nfields) {
		xout_lit(o, "/>");
		return;
	}
	xout_lit(o, ">");
	collab__record_write(o, rec);
	xout_lit(o, "</");
	xout_str(o, elem);
	xout_lit(o, ">");
}

void collab__call_write(struct xout *o, const struct collab_call *call)
{
	if (!call->op || !valid_type(call->op, strnlen(call->op, COLLAB_OP_MAX))) {
		xout_fail(o, -EINVAL);
		return;
	}
	xout_lit(o, "<call op=\"");
	xout_str(o, call->op);
	xout_lit(o, "\"");
	write_record(o, "call", &call->args);
}

void collab__reply_write(struct xout *o, const struct collab_reply *reply)
{
	size_t chars;

	if (reply->status < 0 || reply->status > COLLAB_STATUS_MAX) {
		xout_fail(o, -EINVAL);
		return;
	}
	xout_lit(o, "<reply call=\"");
	xout_u64(o, reply->call);
	xout_lit(o, "\" status=\"");
	xout_u64(o, (uint64_t)reply->status);
	xout_lit(o, "\"");
	if (reply->error && reply->error[0]) {
		xout_lit(o, " error=\"");
		xout_text(o, reply->error, true, &chars);
		if (!o->err && chars > COLLAB_ERROR_CHARS)
			xout_fail(o, -EINVAL);
		xout_lit(o, "\"");
	}
	write_record(o, "reply", &reply->result);
}

void collab__probe_write(struct xout *o)
{
	xout_lit(o, "<probe/>");
}

/* ---- reading ---------------------------------------------------------- */

/* The one child a call or a reply may have: a <record>, into d->rec. */
static int record_child(struct dec *d, const char *name, const xmlChar **attrs, int nattrs)
{
	const char *elem = d->payload->name;

	if (strcmp(name, "record"))
		return dec_fail(d, "<%s>: unexpected <%s>", elem, name);
	/* Fields fill the message's one vector of them: one record. */
	if (d->rec->fields)
		return dec_fail(d, "<%s>: a second <record>", elem);
	if (collab__record_payload.start(d, attrs, nattrs))
		return -1;
	d->inner = &collab__record_payload;
	return 0;
}

static int record_child_end(struct dec *d)
{
	const struct payload *inner = d->inner;

	d->inner = NULL;
	return inner->end(d);
}

static int call_start(struct dec *d, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = { "op", NULL };
	struct collab_call *c = &d->msg->call;
	struct xattr a[1];

	if (dec_attrs(d, "call", names, a, attrs, nattrs) || dec_require(d, "call", "op", &a[0]))
		return -1;
	if (!valid_type(a[0].v, a[0].n))
		return dec_fail(d, "<call>: bad op");
	c->op = dec_strdup(d, a[0].v, a[0].n);
	if (!c->op)
		return -1;
	d->rec = &c->args;
	return 0;
}

static int reply_start(struct dec *d, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = { "call", "status", "error", NULL };
	enum { CALL, STATUS, ERROR };
	struct collab_reply *r = &d->msg->reply;
	struct xattr a[3];
	uint64_t status;

	if (dec_attrs(d, "reply", names, a, attrs, nattrs) ||
	    dec_require(d, "reply", "call", &a[CALL]) ||
	    dec_require(d, "reply", "status", &a[STATUS]))
		return -1;
	if (!parse_u64(a[CALL].v, a[CALL].n, UINT64_MAX, &r->call))
		return dec_fail(d, "<reply>: bad call");
	if (!parse_u64(a[STATUS].v, a[STATUS].n, COLLAB_STATUS_MAX, &status))
		return dec_fail(d, "<reply>: bad status");
	r->status = (int)status;
	if (a[ERROR].v && utf8_chars(a[ERROR].v, a[ERROR].n) > COLLAB_ERROR_CHARS)
		return dec_fail(d, "<reply>: 'error' longer than %d characters",
				COLLAB_ERROR_CHARS);
	if (a[ERROR].v) {
		r->error = dec_strdup(d, a[ERROR].v, a[ERROR].n);
		if (!r->error)
			return -1;
	}
	d->rec = &r->result;
	return 0;
}

static int probe_start(struct dec *d, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = { NULL };

	return dec_attrs(d, "probe", names, NULL, attrs, nattrs);
}

static int no_end(struct dec *d)
{
	(void)d;
	return 0;
}

const struct payload collab__call_payload = {
	.name = "call",
	.start = call_start,
	.child = record_child,
	.child_end = record_child_end,
	.end = no_end,
};

const struct payload collab__reply_payload = {
	.name = "reply",
	.start = reply_start,
	.child = record_child,
	.child_end = record_child_end,
	.end = no_end,
};

const struct payload collab__probe_payload = {
	.name = "probe",
	.start = probe_start,
	.end = no_end,
};
