// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What each thread keeps: its parser, its buffers and the reason of its
 * last failed decode. Created on first use, freed when the thread ends.
 */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_err;

static void thread_free(void *p)
{
	struct collab__thread *t = p;

	collab__parser_free(t->parser);
	free(t->out);
	free(t->in);
	collab_msg_free(t->check);
	free(t);
}

static void make_key(void)
{
	key_err = pthread_key_create(&key, thread_free);
}

struct collab__thread *collab__thread(void)
{
	static __thread struct collab__thread *self;
	struct collab__thread *t = self;

	if (t)
		return t;
	if (pthread_once(&once, make_key) || key_err)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (pthread_setspecific(key, t)) {
		free(t);
		return NULL;
	}
	self = t;
	return t;
}

COLLAB_EXPORT const char *collab_xml_error(void)
{
	struct collab__thread *t = collab__thread();

	return t ? t->err : "out of memory";
}
