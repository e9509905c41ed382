// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Messages the library returns, and the small value types around them:
 * ids and destinations.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "internal.h"

int vec_reserve(struct vec *v, size_t n, size_t size)
{
	size_t cap = v->cap ? v->cap : 16;
	void *p;

	if (n <= v->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	p = realloc(v->p, cap * size);
	if (!p)
		return -ENOMEM;
	v->p = p;
	v->cap = cap;
	return 0;
}

struct collab_msg *collab__msg_new(void)
{
	struct collab_msg_store *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->msg.store = st;
	return &st->msg;
}

static void free_app(struct collab_msg_store *st)
{
	if (st->msg.app && st->free_app)
		st->free_app(st->codec_arg, st->msg.app);
	st->msg.app = NULL;
	st->free_app = NULL;
}

void collab__msg_reset(struct collab_msg *msg)
{
	struct collab_msg_store *st = msg->store;

	free_app(st);
	memset(msg, 0, sizeof(*msg));
	msg->store = st;
	st->str.len = st->ops.len = st->points.len = st->fields.len = 0;
	st->type[0] = 0;
}

COLLAB_EXPORT void collab_msg_free(struct collab_msg *msg)
{
	struct collab_msg_store *st;

	if (!msg || !msg->store)
		return;
	st = msg->store;
	free_app(st);
	free(st->str.p);
	free(st->ops.p);
	free(st->points.p);
	free(st->fields.p);
	free(st);
}

COLLAB_EXPORT bool collab_id_is_zero(const struct collab_id *id)
{
	static const struct collab_id zero;

	return !memcmp(id, &zero, sizeof(zero));
}

COLLAB_EXPORT char *collab_id_to_hex(const struct collab_id *id, char buf[33])
{
	struct xout o = { .p = buf, .cap = 32 };

	xout_guid(&o, id);
	buf[32] = 0;
	return buf;
}

COLLAB_EXPORT int collab_id_from_hex(struct collab_id *id, const char *hex)
{
	size_t n = strnlen(hex, 33);
	struct collab_id v;
	char lower[32];
	size_t i;

	if (n != 32)
		return -EINVAL;
	for (i = 0; i < n; i++)
		lower[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
	if (!parse_guid(lower, n, &v))
		return -EINVAL;
	*id = v;
	return 0;
}

COLLAB_EXPORT int collab_id_random(struct collab_id *id)
{
	ssize_t n;

	do {
		n = getrandom(id, sizeof(*id), 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(*id))
		return -EIO;
	return 0;
}

/* ---- destinations ------------------------------------------------------- */

static int copy_app(char dst[COLLAB_APP_TYPE_MAX], const char *app, bool empty_ok)
{
	size_t n = app ? strnlen(app, COLLAB_APP_TYPE_MAX) : 0;

	if (n ? !valid_app(app, n) : !empty_ok)
		return -EINVAL;
	memset(dst, 0, COLLAB_APP_TYPE_MAX);
	if (n)
		memcpy(dst, app, n);
	return 0;
}

COLLAB_EXPORT int collab_dest_guid(struct collab_dest *dest, const struct collab_id *node,
				   const struct collab_id *instance)
{
	if (!instance || collab_id_is_zero(instance))
		return -EINVAL;
	memset(dest, 0, sizeof(*dest));
	dest->kind = COLLAB_DEST_GUID;
	if (node)
		dest->node = *node;
	dest->id = *instance;
	return 0;
}

COLLAB_EXPORT int collab_dest_app(struct collab_dest *dest, const char *app,
				  const struct collab_id *node)
{
	struct collab_dest d = { .kind = COLLAB_DEST_APP };

	if (copy_app(d.app, app, false))
		return -EINVAL;
	if (node)
		d.node = *node;
	*dest = d;
	return 0;
}

COLLAB_EXPORT int collab_dest_session(struct collab_dest *dest, const struct collab_id *session)
{
	if (!session || collab_id_is_zero(session))
		return -EINVAL;
	memset(dest, 0, sizeof(*dest));
	dest->kind = COLLAB_DEST_SESSION;
	dest->id = *session;
	return 0;
}

COLLAB_EXPORT int collab_dest_broadcast(struct collab_dest *dest, const char *app)
{
	struct collab_dest d = { .kind = COLLAB_DEST_BROADCAST };

	if (copy_app(d.app, app, true))
		return -EINVAL;
	*dest = d;
	return 0;
}

COLLAB_EXPORT int collab_dest_reply(struct collab_dest *dest, const struct collab_msg *msg)
{
	return collab_dest_guid(dest, &msg->source.node, &msg->source.instance);
}
