// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * chat: a line of text and its author's display name.
 *
 *   <chat from="Alice">hello</chat>
 */
#include <string.h>

#include "decode.h"

void collab__chat_write(struct xout *o, const struct collab_chat *chat)
{
	size_t chars;

	xout_lit(o, "<chat");
	if (chat->from && chat->from[0]) {
		xout_lit(o, " from=\"");
		xout_text(o, chat->from, true, &chars);
		if (!o->err && chars > COLLAB_NAME_CHARS)
			xout_fail(o, -EINVAL);
		xout_lit(o, "\"");
	}
	xout_lit(o, ">");
	xout_text(o, chat->text ? chat->text : "", false, NULL);
	xout_lit(o, "</chat>");
}

static int chat_start(struct dec *d, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = { "from", NULL };
	struct collab_chat *c = &d->msg->chat;
	struct xattr a[1];

	if (dec_attrs(d, "chat", names, a, attrs, nattrs))
		return -1;
	if (a[0].v && utf8_chars(a[0].v, a[0].n) > COLLAB_NAME_CHARS)
		return dec_fail(d, "<chat>: 'from' longer than %d characters", COLLAB_NAME_CHARS);
	c->from = a[0].v ? dec_strdup(d, a[0].v, a[0].n) : dec_strdup(d, "", 0);
	if (!c->from)
		return -1;
	dec_collect(d);
	return 0;
}

static int chat_end(struct dec *d)
{
	size_t len;

	d->msg->chat.text = dec_text(d, &len);
	return d->msg->chat.text ? 0 : -1;
}

const struct payload collab__chat_payload = {
	.name = "chat",
	.start = chat_start,
	.end = chat_end,
};
