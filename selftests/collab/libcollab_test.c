// SPDX-License-Identifier: GPL-2.0
/*
 * libcollab over real AF_COLLAB sockets, on one node: handles, messages
 * between instances, sessions, the receive timeout, poll() on
 * collab_fd(), and invalid or forged documents from a raw socket, which
 * are counted, reported and dropped. Every test runs in a network
 * namespace of its own.
 */
#include <errno.h>
#include <poll.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collab_test.h"
#include "kselftest_harness.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct collab_msg chat(const char *text)
{
	struct collab_msg m = { .type = COLLAB_TYPE_CHAT, .chat = { .from = "Alice", .text = text } };

	return m;
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

struct reports {
	int n;
	char last[256];
};

static void report(void *arg, const char *reason)
{
	struct reports *r = arg;

	r->n++;
	snprintf(r->last, sizeof(r->last), "%s", reason);
}

FIXTURE(lib) {
	struct collab *a, *b;
	struct collab_msg *m;
	struct reports reports;
};

FIXTURE_SETUP(lib)
{
	struct collab_opts opts = { .report = report, .report_arg = &self->reports };

	ASSERT_EQ(0, enter_netns());
	self->a = collab_open("chat", NULL);
	ASSERT_NE(NULL, self->a) {
		TH_LOG("collab_open: %s", collab_strerror(-errno));
	}
	self->b = collab_open("chat", &opts);
	ASSERT_NE(NULL, self->b);
	self->m = NULL;
}

FIXTURE_TEARDOWN(lib)
{
	collab_msg_free(self->m);
	collab_close(self->a);
	collab_close(self->b);
}

TEST_F(lib, self)
{
	const struct collab_source *a = collab_self(self->a), *b = collab_self(self->b);

	EXPECT_LE(0, collab_fd(self->a));
	EXPECT_FALSE(collab_id_is_zero(&a->node));
	EXPECT_FALSE(collab_id_is_zero(&a->instance));
	EXPECT_EQ(0, memcmp(&a->node, &b->node, sizeof(a->node)));
	EXPECT_NE(0, memcmp(&a->instance, &b->instance, sizeof(a->instance)));
	EXPECT_STREQ("chat", a->app);
	EXPECT_NE(0, a->host[0]);
	EXPECT_NE(0, a->user[0]);
	/* The GUID the kernel reports for the socket. */
	{
		struct collab_guid g = guid_of_fd(collab_fd(self->a));

		EXPECT_EQ(0, memcmp(&g, &a->instance, sizeof(g)));
	}
}

TEST_F(lib, open_errors)
{
	struct collab_opts opts = { 0 };

	errno = 0;
	EXPECT_EQ(NULL, collab_open("", NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, collab_open("tab\tname", NULL));
	EXPECT_EQ(NULL, collab_open("0123456789012345678901234567890123", NULL));
	/* An instance GUID of our choosing, once. */
	ASSERT_EQ(0, collab_id_random(&opts.instance));
	{
		struct collab *h = collab_open("board", &opts), *h2;

		ASSERT_NE(NULL, h);
		EXPECT_EQ(0, memcmp(&opts.instance, &collab_self(h)->instance, sizeof(opts.instance)));
		h2 = collab_open("board", &opts);
		EXPECT_EQ(NULL, h2);
		EXPECT_EQ(EADDRINUSE, errno);
		collab_close(h);
	}
}

TEST_F(lib, guid_and_reply)
{
	const struct collab_source *a = collab_self(self->a), *b = collab_self(self->b);
	struct collab_msg m = chat("hello <b> & \xe2\x82\xac");
	struct collab_dest d;
	struct collab_stats st;

	ASSERT_EQ(0, collab_dest_guid(&d, NULL, &b->instance));
	ASSERT_EQ(0, collab_send(self->a, &d, &m));
	ASSERT_EQ(0, collab_send(self->a, &d, &m));
	ASSERT_EQ(0, collab_recv(self->b, &self->m, 1000));
	EXPECT_STREQ(COLLAB_TYPE_CHAT, self->m->type);
	EXPECT_STREQ("hello <b> & \xe2\x82\xac", self->m->chat.text);
	EXPECT_STREQ("Alice", self->m->chat.from);
	EXPECT_EQ(0, memcmp(&self->m->source.node, &a->node, sizeof(a->node)));
	EXPECT_EQ(0, memcmp(&self->m->source.instance, &a->instance, sizeof(a->instance)));
	EXPECT_STREQ("chat", self->m->source.app);
	EXPECT_STREQ(a->host, self->m->source.host);
	EXPECT_EQ(COLLAB_DEST_GUID, self->m->target.kind);
	EXPECT_TRUE(collab_id_is_zero(&self->m->session));
	EXPECT_TRUE(self->m->delivery.local);
	EXPECT_EQ((uint32_t)getpid(), self->m->delivery.pid);
	EXPECT_EQ((uint32_t)getuid(), self->m->delivery.uid);
	EXPECT_NE(0, self->m->delivery.kernel_id);
	{
		uint64_t first = self->m->id;
		int64_t t = self->m->source.time_us;
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		EXPECT_GE((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, t);
		EXPECT_LT((int64_t)ts.tv_sec * 1000000 - 60000000, t);
		ASSERT_EQ(0, collab_recv(self->b, &self->m, 1000));
		EXPECT_EQ(first + 1, self->m->id);
	}

	/* The reply goes to the very instance that sent it. */
	ASSERT_EQ(0, collab_dest_reply(&d, self->m));
	m = chat("hi back");
	ASSERT_EQ(0, collab_send(self->b, &d, &m));
	ASSERT_EQ(0, collab_recv(self->a, &self->m, 1000));
	EXPECT_STREQ("hi back", self->m->chat.text);
	EXPECT_EQ(0, memcmp(&self->m->source.instance, &b->instance, sizeof(b->instance)));

	collab_stats_get(self->a, &st);
	EXPECT_EQ(2, st.tx_msgs);
	EXPECT_EQ(1, st.rx_msgs);
	EXPECT_EQ(0, st.rx_invalid);
	EXPECT_LT(2 * 300, st.tx_bytes);
	collab_stats_get(self->b, &st);
	EXPECT_EQ(2, st.rx_msgs);
	EXPECT_EQ(1, st.tx_msgs);
}

TEST_F(lib, send_errors)
{
	struct collab_id nobody;
	struct collab_msg m = chat("x");
	struct collab_dest d;
	struct collab_stats st;

	ASSERT_EQ(0, collab_id_random(&nobody));
	ASSERT_EQ(0, collab_dest_guid(&d, NULL, &nobody));
	EXPECT_EQ(-EHOSTUNREACH, collab_send(self->a, &d, &m));
	ASSERT_EQ(0, collab_dest_app(&d, "nobody", NULL));
	EXPECT_EQ(-EHOSTUNREACH, collab_send(self->a, &d, &m));
	m.chat.text = "\x01";
	ASSERT_EQ(0, collab_dest_guid(&d, NULL, &collab_self(self->b)->instance));
	EXPECT_EQ(-EILSEQ, collab_send(self->a, &d, &m));
	d.kind = 0;
	EXPECT_EQ(-EINVAL, collab_send(self->a, &d, &m));
	collab_stats_get(self->a, &st);
	EXPECT_EQ(0, st.tx_msgs);
	EXPECT_EQ(4, st.tx_errors);
	EXPECT_EQ(-ETIMEDOUT, collab_recv(self->b, &self->m, 0));
}

TEST_F(lib, sessions)
{
	struct collab *c = collab_open("board", NULL);
	struct collab_id s1, s2;
	struct collab_msg m = chat("to s1");
	struct collab_dest d;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, collab_id_random(&s1));
	ASSERT_EQ(0, collab_id_random(&s2));
	ASSERT_EQ(0, collab_join(self->a, &s1));
	ASSERT_EQ(0, collab_join(self->b, &s1));
	ASSERT_EQ(0, collab_join(c, &s2));

	/* To every other member of s1, and nobody else. */
	ASSERT_EQ(0, collab_dest_session(&d, &s1));
	ASSERT_EQ(0, collab_send(self->a, &d, &m));
	ASSERT_EQ(0, collab_recv(self->b, &self->m, 1000));
	EXPECT_STREQ("to s1", self->m->chat.text);
	EXPECT_EQ(COLLAB_DEST_SESSION, self->m->target.kind);
	EXPECT_EQ(0, memcmp(&s1, &self->m->session, sizeof(s1)));
	EXPECT_EQ(0, memcmp(&s1, &self->m->target.id, sizeof(s1)));
	EXPECT_EQ(-ETIMEDOUT, collab_recv(c, &self->m, 50));
	EXPECT_EQ(-ETIMEDOUT, collab_recv(self->a, &self->m, 0));

	/* A session other than the destination's is refused. */
	m.session = s2;
	EXPECT_EQ(-EINVAL, collab_send(self->a, &d, &m));

	/* An application type, in a session: the member of that session. */
	ASSERT_EQ(0, collab_dest_app(&d, "board", NULL));
	m.chat.text = "to the board of s2";
	ASSERT_EQ(0, collab_send(self->a, &d, &m));
	ASSERT_EQ(0, collab_recv(c, &self->m, 1000));
	EXPECT_STREQ("to the board of s2", self->m->chat.text);
	EXPECT_EQ(0, memcmp(&s2, &self->m->session, sizeof(s2)));
	EXPECT_EQ(COLLAB_DEST_APP, self->m->target.kind);
	EXPECT_STREQ("board", self->m->target.app);

	/* Who left hears no more. */
	ASSERT_EQ(0, collab_leave(self->b, &s1));
	EXPECT_EQ(-EADDRNOTAVAIL, collab_leave(self->b, &s1));
	ASSERT_EQ(0, collab_dest_session(&d, &s1));
	m = chat("after leaving");
	ASSERT_EQ(0, collab_send(self->a, &d, &m));
	EXPECT_EQ(-ETIMEDOUT, collab_recv(self->b, &self->m, 50));
	EXPECT_EQ(-EINVAL, collab_join(self->b, &(struct collab_id){ 0 }));
	collab_close(c);
}

TEST_F(lib, accept_new_and_broadcast)
{
	struct collab_opts opts = { .flags = COLLAB_OPEN_ACCEPT_NEW };
	struct collab *c = collab_open("chat", &opts);
	struct collab_msg m = chat("anyone?");
	struct collab_dest d;

	ASSERT_NE(NULL, c);
	/* No session named: only an instance that takes new ones. */
	ASSERT_EQ(0, collab_dest_app(&d, "chat", NULL));
	ASSERT_EQ(0, collab_send(self->a, &d, &m));
	ASSERT_EQ(0, collab_recv(c, &self->m, 1000));
	EXPECT_STREQ("anyone?", self->m->chat.text);
	EXPECT_EQ(-ETIMEDOUT, collab_recv(self->b, &self->m, 0));

	/* Broadcast: every other instance of the type. */
	ASSERT_EQ(0, collab_dest_broadcast(&d, "chat"));
	m.chat.text = "everyone";
	ASSERT_EQ(0, collab_send(self->a, &d, &m));
	ASSERT_EQ(0, collab_recv(self->b, &self->m, 1000));
	EXPECT_STREQ("everyone", self->m->chat.text);
	EXPECT_EQ(COLLAB_DEST_BROADCAST, self->m->target.kind);
	ASSERT_EQ(0, collab_recv(c, &self->m, 1000));
	EXPECT_EQ(-ETIMEDOUT, collab_recv(self->a, &self->m, 0));
	collab_close(c);
}

TEST_F(lib, timeout_and_poll)
{
	struct collab_msg m = chat("wake up");
	struct collab_dest d;
	double t;

	/* At once: well short of the 200 ms wait below, even on a slow VM. */
	t = now();
	EXPECT_EQ(-ETIMEDOUT, collab_recv(self->b, &self->m, 0));
	EXPECT_GT(0.15, now() - t);
	t = now();
	EXPECT_EQ(-ETIMEDOUT, collab_recv(self->b, &self->m, 200));
	t = now() - t;
	EXPECT_LE(0.19, t);
	EXPECT_GT(2.0, t);
	EXPECT_EQ(NULL, self->m);

	EXPECT_FALSE(readable(collab_fd(self->b)));
	ASSERT_EQ(0, collab_dest_guid(&d, NULL, &collab_self(self->b)->instance));
	ASSERT_EQ(0, collab_send(self->a, &d, &m));
	EXPECT_TRUE(readable(collab_fd(self->b)));
	ASSERT_EQ(0, collab_recv(self->b, &self->m, 0));
	EXPECT_FALSE(readable(collab_fd(self->b)));
}

/* A sender that waits, then sends: a blocking receive returns it. */
TEST_F(lib, blocking_receive)
{
	struct collab_msg m = chat("late");
	struct collab_dest d;
	pid_t pid;
	int status;

	ASSERT_EQ(0, collab_dest_guid(&d, NULL, &collab_self(self->b)->instance));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		usleep(200000);
		_exit(collab_send(self->a, &d, &m) ? 1 : 0);
	}
	ASSERT_EQ(0, collab_recv(self->b, &self->m, -1));
	EXPECT_STREQ("late", self->m->chat.text);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

TEST_F(lib, board_record_blob)
{
	static struct collab_point pts[4000];
	struct collab_board_op op = { .kind = COLLAB_BOARD_STROKE,
				      .stroke = { .color = 0x11223344, .width = 7,
						  .npoints = 4000, .points = pts } };
	struct collab_field f[2] = {
		{ .key = "votes", .type = COLLAB_VAL_INT, .i = -42 },
		{ .key = "icon", .type = COLLAB_VAL_BYTES, .bytes = { "\0\1\2", 3 } },
	};
	struct collab_msg m = { .type = COLLAB_TYPE_BOARD, .board = { 1, &op } };
	struct collab_dest d;
	int i;

	for (i = 0; i < 4000; i++)
		pts[i] = (struct collab_point){ i * 10, -i };
	ASSERT_EQ(0, collab_dest_guid(&d, NULL, &collab_self(self->b)->instance));
	ASSERT_EQ(0, collab_send(self->a, &d, &m));
	ASSERT_EQ(0, collab_recv(self->b, &self->m, 1000));
	ASSERT_EQ(1, self->m->board.nops);
	ASSERT_EQ(4000, self->m->board.ops[0].stroke.npoints);
	EXPECT_EQ(0, memcmp(pts, self->m->board.ops[0].stroke.points, sizeof(pts)));
	EXPECT_EQ(0x11223344, self->m->board.ops[0].stroke.color);

	m = (struct collab_msg){ .type = "poll", .record = { 2, f } };
	ASSERT_EQ(0, collab_send(self->a, &d, &m));
	ASSERT_EQ(0, collab_recv(self->b, &self->m, 1000));
	EXPECT_STREQ("poll", self->m->type);
	ASSERT_EQ(2, self->m->record.nfields);
	EXPECT_EQ(-42, self->m->record.fields[0].i);
	EXPECT_EQ(3, self->m->record.fields[1].bytes.len);

	/* Too big for one message: refused before anything is sent. */
	for (i = 0; i < 4000; i++)
		pts[i].x = INT32_MIN;
	EXPECT_EQ(-EMSGSIZE, collab_send(self->a, &d, &(struct collab_msg){
		.type = COLLAB_TYPE_BOARD, .board = { 1, &op } }));
}

/* Raw sockets send what libcollab never would: it is counted and dropped. */
TEST_F(lib, invalid_and_forged)
{
	static char doc[COLLAB_XML_MAX];
	struct collab_guid gb;
	struct sockaddr_collab to;
	struct collab_stats st;
	struct collab_msg m;
	int raw = bound_socket("chat", NULL);
	ssize_t n;

	ASSERT_LE(0, raw);
	memcpy(&gb, &collab_self(self->b)->instance, sizeof(gb));
	to = addr_of(COLLAB_ADDR_GUID, NULL, &gb);

	/* Not XML at all. */
	ASSERT_EQ(5, send_to(raw, &to, NULL, "hello", 5, 0));
	EXPECT_EQ(-EBADMSG, collab_recv(self->b, &self->m, 1000));
	EXPECT_EQ(1, self->reports.n);
	EXPECT_NE(NULL, strstr(self->reports.last, "not well-formed"));

	/* Billion laughs. */
	n = snprintf(doc, sizeof(doc), "<?xml version=\"1.0\"?><!DOCTYPE message [<!ENTITY a "
		     "\"aaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]><message>&b;</message>");
	ASSERT_EQ(n, send_to(raw, &to, NULL, doc, (size_t)n, 0));
	EXPECT_EQ(-EBADMSG, collab_recv(self->b, &self->m, 1000));
	EXPECT_NE(NULL, strstr(self->reports.last, "document type"));

	/* Valid XML, written by the library, that claims another sender. */
	m = chat("I am not who I say");
	memcpy(&m.source, collab_self(self->a), sizeof(m.source));
	m.target.kind = COLLAB_DEST_GUID;
	memcpy(&m.target.id, &gb, sizeof(gb));
	n = collab_msg_to_xml(&m, doc, sizeof(doc));
	ASSERT_LT(0, n);
	ASSERT_EQ(n, send_to(raw, &to, NULL, doc, (size_t)n, 0));
	EXPECT_EQ(-EBADMSG, collab_recv(self->b, &self->m, 1000));
	EXPECT_NE(NULL, strstr(self->reports.last, "not its sender"));

	/* The same document from the instance it names is fine... */
	{
		struct collab_guid g = guid_of_fd(raw);

		memcpy(&m.source.instance, &g, sizeof(m.source.instance));
	}
	n = collab_msg_to_xml(&m, doc, sizeof(doc));
	ASSERT_EQ(n, send_to(raw, &to, NULL, doc, (size_t)n, 0));
	ASSERT_EQ(0, collab_recv(self->b, &self->m, 1000));
	EXPECT_STREQ("I am not who I say", self->m->chat.text);
	/* ...unless it lies about its session. */
	ASSERT_EQ(0, collab_id_random(&m.session));
	n = collab_msg_to_xml(&m, doc, sizeof(doc));
	ASSERT_EQ(n, send_to(raw, &to, NULL, doc, (size_t)n, 0));
	EXPECT_EQ(-EBADMSG, collab_recv(self->b, &self->m, 1000));
	EXPECT_NE(NULL, strstr(self->reports.last, "session"));

	collab_stats_get(self->b, &st);
	EXPECT_EQ(4, st.rx_invalid);
	EXPECT_EQ(1, st.rx_msgs);
	EXPECT_EQ(4, self->reports.n);
	/* What comes next is received as usual. */
	m = chat("still here");
	{
		struct collab_dest d;

		ASSERT_EQ(0, collab_dest_guid(&d, NULL, &collab_self(self->b)->instance));
		ASSERT_EQ(0, collab_send(self->a, &d, &m));
	}
	ASSERT_EQ(0, collab_recv(self->b, &self->m, 1000));
	EXPECT_STREQ("still here", self->m->chat.text);
	close(raw);
}

TEST_HARNESS_MAIN
