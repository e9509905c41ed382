// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Codecs of applications' own content types: a table for the process,
 * read on every message of such a type, changed rarely.
 */
#include <pthread.h>
#include <string.h>

#include "internal.h"

struct entry {
	struct collab_codec codec;
	char type[COLLAB_TYPE_MAX];
};

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static struct entry codecs[COLLAB_CODECS_MAX];
static size_t ncodecs;

bool collab__type_builtin(const char *type)
{
	static const char *const builtin[] = {
		COLLAB_TYPE_CHAT, COLLAB_TYPE_BOARD, COLLAB_TYPE_RECORD, COLLAB_TYPE_BLOB,
		COLLAB_TYPE_CALL, COLLAB_TYPE_REPLY, COLLAB_TYPE_PROBE,
	};
	size_t i;

	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (!strcmp(type, builtin[i]))
			return true;
	return false;
}

static struct entry *find(const char *type)
{
	size_t i;

	for (i = 0; i < ncodecs; i++)
		if (!strcmp(codecs[i].type, type))
			return &codecs[i];
	return NULL;
}

bool collab__codec_find(const char *type, struct collab_codec *codec)
{
	struct entry *e;

	pthread_rwlock_rdlock(&lock);
	e = find(type);
	if (e)
		*codec = e->codec;
	pthread_rwlock_unlock(&lock);
	return e;
}

COLLAB_EXPORT int collab_codec_register(const struct collab_codec *codec)
{
	struct entry *e;
	size_t n;
	int err = 0;

	if (!codec || !codec->type || !codec->encode)
		return -EINVAL;
	n = strnlen(codec->type, COLLAB_TYPE_MAX);
	if (!valid_type(codec->type, n) || collab__type_builtin(codec->type))
		return -EINVAL;
	pthread_rwlock_wrlock(&lock);
	if (find(codec->type)) {
		err = -EEXIST;
	} else if (ncodecs == COLLAB_CODECS_MAX) {
		err = -ENOSPC;
	} else {
		e = &codecs[ncodecs++];
		memcpy(e->type, codec->type, n + 1);
		e->codec = *codec;
		e->codec.type = e->type;
	}
	pthread_rwlock_unlock(&lock);
	return err;
}

COLLAB_EXPORT int collab_codec_unregister(const char *type)
{
	struct entry *e;
	int err = 0;

	if (!type)
		return -EINVAL;
	pthread_rwlock_wrlock(&lock);
	e = find(type);
	if (!e) {
		err = -ENOENT;
	} else {
		*e = codecs[--ncodecs];
		e->codec.type = e->type;
	}
	pthread_rwlock_unlock(&lock);
	return err;
}
