// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The way out: a streaming writer of the portable format. One pass over
 * the message appends the document to one buffer, checking every field
 * against the schema as it goes, so that what it writes always validates.
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <message xmlns="urn:collab:message" version="1" id="7" type="chat"
 *            session="...">
 *   <source node="..." instance="..." app="chat" host="alpha" user="alice"
 *           time="2026-11-22T10:00:00.123456Z"/>
 *   <target kind="session" id="..."/>
 *   <chat from="Alice">hello</chat>
 *   </message>
 */
#include <string.h>
#include <sys/types.h>

#include "internal.h"

static void write_word(struct xout *o, const char *name, const char *s, size_t max)
{
	if (!valid_word(s, strnlen(s, max + 1), max))
		xout_fail(o, -EINVAL);
	xout_attr(o, name, s);
}

static void write_app(struct xout *o, const char *name, const char *app)
{
	if (!valid_app(app, strnlen(app, COLLAB_APP_TYPE_MAX)))
		xout_fail(o, -EINVAL);
	xout_attr(o, name, app);
}

static void write_guid(struct xout *o, const char *name, const struct collab_id *id)
{
	xout_lit(o, " ");
	xout_str(o, name);
	xout_lit(o, "=\"");
	xout_guid(o, id);
	xout_lit(o, "\"");
}

static void write_source(struct xout *o, const struct collab_source *s)
{
	xout_lit(o, "<source");
	write_guid(o, "node", &s->node);
	write_guid(o, "instance", &s->instance);
	write_app(o, "app", s->app);
	write_word(o, "host", s->host, COLLAB_HOST_MAX - 1);
	write_word(o, "user", s->user, COLLAB_USER_MAX - 1);
	xout_lit(o, " time=\"");
	xout_time(o, s->time_us);
	xout_lit(o, "\"/>\n");
}

static void write_target(struct xout *o, const struct collab_dest *t)
{
	bool zero_node = collab_id_is_zero(&t->node);

	switch (t->kind) {
	case COLLAB_DEST_GUID:
		xout_lit(o, "<target kind=\"guid\"");
		if (!zero_node)
			write_guid(o, "node", &t->node);
		write_guid(o, "id", &t->id);
		break;
	case COLLAB_DEST_APP:
		xout_lit(o, "<target kind=\"app\"");
		if (!zero_node)
			write_guid(o, "node", &t->node);
		write_app(o, "app", t->app);
		break;
	case COLLAB_DEST_SESSION:
		xout_lit(o, "<target kind=\"session\"");
		write_guid(o, "id", &t->id);
		break;
	case COLLAB_DEST_BROADCAST:
		xout_lit(o, "<target kind=\"broadcast\"");
		if (t->app[0])
			write_app(o, "app", t->app);
		break;
	default:
		xout_fail(o, -EINVAL);
		return;
	}
	xout_lit(o, "/>\n");
}

/* A content type of an application's codec: its message as a record. */
static void write_codec(struct xout *o, const struct collab_msg *msg)
{
	struct collab_field fields[COLLAB_CODEC_FIELDS];
	struct collab_record rec = { .fields = fields };
	struct collab_codec c;
	int n;

	if (!msg->app) {
		collab__record_write(o, &msg->record);
		return;
	}
	if (!collab__codec_find(msg->type, &c)) {
		xout_fail(o, -ENOENT);
		return;
	}
	n = c.encode(c.arg, msg->app, fields, COLLAB_CODEC_FIELDS);
	if (n < 0 || n > COLLAB_CODEC_FIELDS) {
		xout_fail(o, n < 0 ? n : -EINVAL);
		return;
	}
	rec.nfields = (size_t)n;
	collab__record_write(o, &rec);
}

int collab__encode(struct xout *o, const struct collab_msg *msg)
{
	const char *type = msg->type;

	if (!type || !valid_type(type, strnlen(type, COLLAB_TYPE_MAX)))
		return -EINVAL;
	xout_lit(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<message xmlns=\"" COLLAB_NS "\" version=\"" COLLAB_VERSION "\" id=\"");
	xout_u64(o, msg->id);
	xout_lit(o, "\" type=\"");
	xout_str(o, type);
	xout_lit(o, "\"");
	if (!collab_id_is_zero(&msg->session))
		write_guid(o, "session", &msg->session);
	xout_lit(o, ">\n");
	write_source(o, &msg->source);
	write_target(o, &msg->target);
	if (!strcmp(type, COLLAB_TYPE_CHAT))
		collab__chat_write(o, &msg->chat);
	else if (!strcmp(type, COLLAB_TYPE_BOARD))
		collab__board_write(o, &msg->board);
	else if (!strcmp(type, COLLAB_TYPE_BLOB))
		collab__blob_write(o, &msg->blob);
	else if (!strcmp(type, COLLAB_TYPE_RECORD))
		collab__record_write(o, &msg->record);
	else if (!strcmp(type, COLLAB_TYPE_CALL))
		collab__call_write(o, &msg->call);
	else if (!strcmp(type, COLLAB_TYPE_REPLY))
		collab__reply_write(o, &msg->reply);
	else if (!strcmp(type, COLLAB_TYPE_PROBE))
		collab__probe_write(o);
	else
		write_codec(o, msg);
	xout_lit(o, "\n</message>\n");
	return o->err;
}

COLLAB_EXPORT ssize_t collab_msg_to_xml(const struct collab_msg *msg, char *buf, size_t size)
{
	struct xout o = {
		.p = buf,
		.cap = size < COLLAB_XML_MAX ? size : COLLAB_XML_MAX,
	};
	int err;

	if (!msg || (!buf && size))
		return -EINVAL;
	err = collab__encode(&o, msg);
	if (err == -ENOSPC && size >= COLLAB_XML_MAX)
		err = -EMSGSIZE;
	if (err)
		return err;
	if (o.len < size)
		buf[o.len] = 0;
	return (ssize_t)o.len;
}

COLLAB_EXPORT int collab_msg_from_xml(const void *xml, size_t len, struct collab_msg **msgp)
{
	struct collab_msg *msg;
	int err;

	if (!msgp || (!xml && len))
		return -EINVAL;
	msg = *msgp;
	if (msg && !msg->store)
		return -EINVAL;	/* not one of the library's */
	if (!msg) {
		msg = collab__msg_new();
		if (!msg)
			return -ENOMEM;
	}
	err = collab__decode(xml ? xml : "", len, msg);
	if (!err)
		err = collab__decode_app(msg);
	if (err && !*msgp) {
		collab_msg_free(msg);
		return err;
	}
	if (err)
		collab__msg_reset(msg);	/* never half a message */
	*msgp = msg;
	return err;
}
