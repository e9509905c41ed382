// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong: an application built against the installed libcollab alone
 * (pkg-config collab), as a user of libcollab-dev builds one.
 *
 *   pingpong pong   an instance of "pong": prints "ready", answers the first
 *                   chat line it gets with the same line reversed, and exits
 *   pingpong ping TEXT
 *                   an instance of "ping": says TEXT to the "pong" instance
 *                   of this node, prints the answer and checks it
 *
 * Exit 0 when the exchange happened, 1 otherwise, with the reason.
 */
#include <collab.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "pingpong: %s: %s\n", what, collab_strerror(err));
	return 1;
}

static int pong(void)
{
	/* A message to the application type, in no session, goes only to an
	 * instance that takes messages of sessions it has not joined. */
	struct collab_opts opts = { .flags = COLLAB_OPEN_ACCEPT_NEW };
	struct collab_msg *in = NULL, out = { .type = COLLAB_TYPE_CHAT };
	struct collab_dest to;
	struct collab *h;
	char text[256];
	size_t i, n;
	int err;

	h = collab_open("pong", &opts);
	if (!h)
		return fail("collab_open", -errno);
	printf("ready\n");
	fflush(stdout);
	err = collab_recv(h, &in, 30000);
	if (err)
		return fail("collab_recv", err);
	if (strcmp(in->type, COLLAB_TYPE_CHAT) != 0) {
		fprintf(stderr, "pingpong: got a message of type %s\n", in->type);
		return 1;
	}
	n = strlen(in->chat.text);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	for (i = 0; i < n; i++)
		text[i] = in->chat.text[n - 1 - i];
	text[n] = '\0';
	printf("pong: \"%s\" from %s\n", in->chat.text, in->source.app);
	out.chat.from = "pong";
	out.chat.text = text;
	err = collab_dest_reply(&to, in);
	if (!err)
		err = collab_send(h, &to, &out);
	if (err)
		return fail("collab_send", err);
	collab_msg_free(in);
	collab_close(h);
	return 0;
}

static int ping(const char *text)
{
	struct collab_msg *in = NULL, out = { .type = COLLAB_TYPE_CHAT };
	struct collab_dest to;
	struct collab *h;
	size_t i, n = strlen(text);
	int err;

	h = collab_open("ping", NULL);
	if (!h)
		return fail("collab_open", -errno);
	out.chat.from = "ping";
	out.chat.text = text;
	err = collab_dest_app(&to, "pong", NULL);
	if (!err)
		err = collab_send(h, &to, &out);
	if (err)
		return fail("collab_send", err);
	err = collab_recv(h, &in, 30000);
	if (err)
		return fail("collab_recv", err);
	printf("ping: \"%s\" from %s\n", in->chat.text, in->source.app);
	if (strcmp(in->type, COLLAB_TYPE_CHAT) != 0 || strlen(in->chat.text) != n)
		goto wrong;
	for (i = 0; i < n; i++)
		if (in->chat.text[i] != text[n - 1 - i])
			goto wrong;
	collab_msg_free(in);
	collab_close(h);
	return 0;
wrong:
	fprintf(stderr, "pingpong: the answer is not \"%s\" reversed\n", text);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "pong") == 0)
		return pong();
	if (argc == 3 && strcmp(argv[1], "ping") == 0)
		return ping(argv[2]);
	fprintf(stderr, "usage: pingpong pong | pingpong ping TEXT\n");
	return 2;
}
