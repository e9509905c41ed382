// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * blob: bytes, in canonical base64.
 *
 *   <blob>aGVsbG8=</blob>
 */
#include "decode.h"

void collab__blob_write(struct xout *o, const struct collab_bytes *blob)
{
	if (blob->len && !blob->data) {
		xout_fail(o, -EINVAL);
		return;
	}
	xout_lit(o, "<blob>");
	xout_base64(o, blob->data, blob->len);
	xout_lit(o, "</blob>");
}

/* Decode the collected text as base64 into the message's memory. */
int collab__dec_base64(struct dec *d, const char *elem, struct collab_bytes *out)
{
	const char *text;
	uint8_t *bytes;
	size_t len;
	long n;

	text = dec_text(d, &len);
	if (!text)
		return -1;
	bytes = dec_alloc(d, len / 4 * 3 + 1);
	if (!bytes)
		return -1;
	n = parse_base64(text, len, bytes);
	if (n < 0)
		return dec_fail(d, "<%s>: not canonical base64", elem);
	out->data = bytes;
	out->len = (size_t)n;
	return 0;
}

static int blob_start(struct dec *d, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = { NULL };

	if (dec_attrs(d, "blob", names, NULL, attrs, nattrs))
		return -1;
	dec_collect(d);
	return 0;
}

static int blob_end(struct dec *d)
{
	return collab__dec_base64(d, "blob", &d->msg->blob);
}

const struct payload collab__blob_payload = {
	.name = "blob",
	.start = blob_start,
	.end = blob_end,
};
