// SPDX-License-Identifier: GPL-2.0
/*
 * libcollab's remote calls on the host, between handles on a stand-in
 * for AF_COLLAB sockets (fake_collab.c): calls by type and by GUID,
 * operations that fail or do not exist, the backlog of messages that
 * arrive while a call waits (its order, its limit, collab_pending()),
 * probes that servers never see, a server that goes away, a reply that
 * comes too late, invalid messages during a call, calls made by an
 * operation, and the arguments the calls refuse.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collab.h"
#include "fake_collab.h"
#include "kselftest_harness.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- a server in a thread of its own ------------------------------------ */

struct server {
	struct collab *h;
	const struct collab_op *ops;
	pthread_t thread;
	int stop;
	int calls, others;		/* what collab_serve() returned 0 and 1 for */
};

static void *serve(void *arg)
{
	struct server *s = arg;
	struct collab_msg *m = NULL;
	int err;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		err = collab_serve(s->h, s->ops, 20, &m);
		if (err == 0)
			__atomic_fetch_add(&s->calls, 1, __ATOMIC_RELAXED);
		else if (err == 1)
			__atomic_fetch_add(&s->others, 1, __ATOMIC_RELAXED);
	}
	collab_msg_free(m);
	return NULL;
}

/* The calls @s answered, once it has answered @n of them (or 2 s passed). */
static int calls_answered(struct server *s, int n)
{
	int i, calls = 0;

	for (i = 0; i < 200; i++) {
		calls = __atomic_load_n(&s->calls, __ATOMIC_RELAXED);
		if (calls >= n)
			break;
		usleep(10 * 1000);
	}
	return calls;
}

static int server_start(struct server *s, const char *app, const struct collab_op *ops)
{
	struct collab_opts opts = { .flags = COLLAB_OPEN_ACCEPT_NEW };

	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->h = collab_open(app, &opts);
	if (!s->h)
		return -errno;
	return -pthread_create(&s->thread, NULL, serve, s);
}

static void server_stop(struct server *s)
{
	if (!s->h)
		return;
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
	collab_close(s->h);
	s->h = NULL;
}

static int op_echo(void *arg, struct collab *h, const struct collab_msg *call)
{
	(void)arg;
	return collab_reply(h, call, 0, NULL, &call->call.args) ? EIO : 0;
}

static int op_fail(void *arg, struct collab *h, const struct collab_msg *call)
{
	(void)arg, (void)h, (void)call;
	return EPERM;
}

/* Replies after 1.3 s: past the first probe. */
static int op_slow(void *arg, struct collab *h, const struct collab_msg *call)
{
	usleep(1300 * 1000);
	return op_echo(arg, h, call);
}

/* Calls "echo" of the server @arg names, and returns what it got. */
static int op_relay(void *arg, struct collab *h, const struct collab_msg *call)
{
	struct collab_msg *reply = NULL;
	struct collab_dest d;
	int err;

	collab_dest_app(&d, arg, NULL);
	err = collab_call(h, &d, "echo", &call->call.args, 2000, &reply);
	if (!err)
		err = collab_reply(h, call, 0, "relayed", &reply->reply.result);
	collab_msg_free(reply);
	return err < 0 ? -err : err;
}

static const struct collab_op ops[] = {
	{ .name = "echo", .fn = op_echo },
	{ .name = "fail", .fn = op_fail },
	{ .name = "slow", .fn = op_slow },
	{ .name = "relay", .fn = op_relay, .arg = "srv" },
	{ .name = NULL },
};

static struct collab_msg chat(const char *text)
{
	struct collab_msg m = { .type = COLLAB_TYPE_CHAT, .chat = { .text = text } };

	return m;
}

/* A thread that sends @n numbered chat lines to @to from @h. */
struct flood {
	struct collab *h;
	struct collab_dest to;
	int n, sent;
	pthread_t thread;
};

static void *flood_run(void *arg)
{
	struct flood *f = arg;
	struct collab_msg m;
	char text[16];

	for (f->sent = 0; f->sent < f->n; f->sent++) {
		snprintf(text, sizeof(text), "%d", f->sent);
		m = chat(text);
		if (collab_send(f->h, &f->to, &m))
			break;
	}
	return NULL;
}

FIXTURE(call) {
	struct server srv;
	struct collab *client, *other;
	struct collab_msg *reply, *m;
	struct collab_dest to_srv;
};

FIXTURE_SETUP(call)
{
	ASSERT_EQ(0, server_start(&self->srv, "srv", ops));
	self->client = collab_open("client", NULL);
	ASSERT_NE(NULL, self->client);
	self->other = collab_open("other", NULL);
	ASSERT_NE(NULL, self->other);
	ASSERT_EQ(0, collab_dest_app(&self->to_srv, "srv", NULL));
	self->reply = self->m = NULL;
}

FIXTURE_TEARDOWN(call)
{
	server_stop(&self->srv);
	collab_msg_free(self->reply);
	collab_msg_free(self->m);
	collab_close(self->client);
	collab_close(self->other);
}

TEST_F(call, by_type_and_by_guid)
{
	const struct collab_source *srv = collab_self(self->srv.h);
	struct collab_field args[] = {
		{ .key = "app", .type = COLLAB_VAL_STRING, .s = "board" },
		{ .key = "n", .type = COLLAB_VAL_INT, .i = 3 },
	};
	struct collab_record rec = { 2, args };
	struct collab_stats st;
	struct collab_dest d;

	ASSERT_EQ(0, collab_call(self->client, &self->to_srv, "echo", &rec, 2000, &self->reply));
	ASSERT_NE(NULL, self->reply);
	EXPECT_STREQ(COLLAB_TYPE_REPLY, self->reply->type);
	EXPECT_EQ(0, self->reply->reply.status);
	EXPECT_EQ(NULL, self->reply->reply.error);
	ASSERT_EQ(2, self->reply->reply.result.nfields);
	EXPECT_STREQ("board", self->reply->reply.result.fields[0].s);
	EXPECT_EQ(3, self->reply->reply.result.fields[1].i);
	EXPECT_EQ(0, memcmp(&self->reply->source.instance, &srv->instance, sizeof(srv->instance)));
	EXPECT_STREQ("srv", self->reply->source.app);
	EXPECT_TRUE(self->reply->delivery.local);

	/* By GUID, without arguments, into the same reply. */
	ASSERT_EQ(0, collab_dest_guid(&d, NULL, &srv->instance));
	ASSERT_EQ(0, collab_call(self->client, &d, "echo", NULL, 2000, &self->reply));
	EXPECT_EQ(0, self->reply->reply.result.nfields);
	EXPECT_FALSE(collab_pending(self->client));
	/* A quick reply: no probe. */
	EXPECT_EQ(2, fake_delivered(&srv->instance));

	/* One call and one reply each way; nothing invalid. */
	collab_stats_get(self->client, &st);
	EXPECT_EQ(2, st.tx_msgs);
	EXPECT_EQ(2, st.rx_msgs);
	EXPECT_EQ(0, st.rx_invalid);
	EXPECT_EQ(2, calls_answered(&self->srv, 2));
}

TEST_F(call, failures)
{
	/* An operation that fails: its errno, negated, and the reply. */
	EXPECT_EQ(-EPERM, collab_call(self->client, &self->to_srv, "fail", NULL, 2000,
				      &self->reply));
	ASSERT_NE(NULL, self->reply);
	EXPECT_EQ(EPERM, self->reply->reply.status);
	EXPECT_EQ(NULL, self->reply->reply.error);

	/* An operation the server does not have. */
	EXPECT_EQ(-EOPNOTSUPP, collab_call(self->client, &self->to_srv, "nope", NULL, 2000,
					   &self->reply));
	EXPECT_EQ(EOPNOTSUPP, self->reply->reply.status);
	EXPECT_STREQ("no operation nope", self->reply->reply.error);

	/* No such type: the send's error, at once. */
	{
		struct collab_dest d;

		ASSERT_EQ(0, collab_dest_app(&d, "nobody", NULL));
		EXPECT_EQ(-EHOSTUNREACH, collab_call(self->client, &d, "echo", NULL, 2000,
						     &self->reply));
		/* No reply: the reused message is emptied. */
		EXPECT_EQ(NULL, self->reply->type);
	}
}

/* Messages that come while a call waits are kept, in order, for collab_recv(). */
TEST_F(call, backlog)
{
	struct collab_dest to_client;
	struct collab_msg m;
	struct collab_stats st;
	struct flood f;
	char text[16];
	int i;

	ASSERT_EQ(0, collab_dest_guid(&to_client, NULL, &collab_self(self->client)->instance));
	f = (struct flood){ .h = self->other, .to = to_client, .n = 5 };
	ASSERT_EQ(0, pthread_create(&f.thread, NULL, flood_run, &f));
	/* The server takes 1.3 s: the client probes it once meanwhile. */
	ASSERT_EQ(0, collab_call(self->client, &self->to_srv, "slow", NULL, 5000, &self->reply));
	pthread_join(f.thread, NULL);
	ASSERT_EQ(5, f.sent);
	EXPECT_STREQ(COLLAB_TYPE_REPLY, self->reply->type);

	/* Another line comes after the call: it queues behind the kept ones. */
	m = chat("after");
	ASSERT_EQ(0, collab_send(self->other, &to_client, &m));
	EXPECT_TRUE(collab_pending(self->client));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, collab_recv(self->client, &self->m, 0));
		snprintf(text, sizeof(text), "%d", i);
		EXPECT_STREQ(text, self->m->chat.text);
		EXPECT_STREQ("other", self->m->source.app);
	}
	EXPECT_FALSE(collab_pending(self->client));
	ASSERT_EQ(0, collab_recv(self->client, &self->m, 1000));
	EXPECT_STREQ("after", self->m->chat.text);
	EXPECT_EQ(-ETIMEDOUT, collab_recv(self->client, &self->m, 0));

	/* The server got the call and a probe, but never saw the probe. */
	EXPECT_EQ(1, calls_answered(&self->srv, 1));
	usleep(100 * 1000);
	EXPECT_EQ(2, fake_delivered(&collab_self(self->srv.h)->instance));
	EXPECT_EQ(0, __atomic_load_n(&self->srv.others, __ATOMIC_RELAXED));
	collab_stats_get(self->srv.h, &st);
	EXPECT_EQ(1, st.rx_msgs);
	EXPECT_EQ(0, st.rx_invalid);
	/* The client counted each message once, and not its probe. */
	collab_stats_get(self->client, &st);
	EXPECT_EQ(1 + 5 + 1, st.rx_msgs);
	EXPECT_EQ(1, st.tx_msgs);
	EXPECT_EQ(0, st.tx_errors);
}

/* More than COLLAB_CALL_BACKLOG other messages: -ENOBUFS, and none lost. */
TEST_F(call, backlog_full)
{
	struct collab *quiet = collab_open("quiet", &(struct collab_opts){
		.flags = COLLAB_OPEN_ACCEPT_NEW });
	struct collab_dest to_client, to_quiet;
	struct collab_msg *call = NULL;
	struct flood f;
	char text[16];
	int i;

	ASSERT_NE(NULL, quiet);
	ASSERT_EQ(0, collab_dest_guid(&to_client, NULL, &collab_self(self->client)->instance));
	ASSERT_EQ(0, collab_dest_app(&to_quiet, "quiet", NULL));
	f = (struct flood){ .h = self->other, .to = to_client, .n = COLLAB_CALL_BACKLOG + 3 };
	ASSERT_EQ(0, pthread_create(&f.thread, NULL, flood_run, &f));
	/* "quiet" never answers. */
	EXPECT_EQ(-ENOBUFS, collab_call(self->client, &to_quiet, "echo", NULL, 20000,
					&self->reply));
	EXPECT_EQ(NULL, self->reply);
	EXPECT_TRUE(collab_pending(self->client));
	pthread_join(f.thread, NULL);
	ASSERT_EQ(COLLAB_CALL_BACKLOG + 3, f.sent);

	/* A call that could not wait is not made. */
	EXPECT_EQ(-ENOBUFS, collab_call(self->client, &to_quiet, "echo", NULL, 20000,
					&self->reply));
	ASSERT_EQ(0, collab_recv(quiet, &call, 1000));
	EXPECT_STREQ(COLLAB_TYPE_CALL, call->type);
	EXPECT_EQ(-ETIMEDOUT, collab_recv(quiet, &call, 0));

	for (i = 0; i < COLLAB_CALL_BACKLOG + 3; i++) {
		ASSERT_EQ(0, collab_recv(self->client, &self->m, 1000));
		snprintf(text, sizeof(text), "%d", i);
		ASSERT_STREQ(text, self->m->chat.text);
	}
	EXPECT_FALSE(collab_pending(self->client));
	EXPECT_EQ(-ETIMEDOUT, collab_recv(self->client, &self->m, 0));
	collab_msg_free(call);
	collab_close(quiet);
}

/* A server that receives the call and ends: the next probe finds it gone. */
static void *take_and_close(void *arg)
{
	struct collab *h = arg;
	struct collab_msg *m = NULL;

	collab_recv(h, &m, 2000);
	collab_msg_free(m);
	usleep(200 * 1000);
	collab_close(h);
	return NULL;
}

TEST_F(call, server_gone)
{
	struct collab_opts opts = { .flags = COLLAB_OPEN_ACCEPT_NEW };
	const char *const kinds[] = { "guid", "app" };
	struct collab_dest d;
	struct collab *gone;
	pthread_t thread;
	unsigned int k;
	double t;

	for (k = 0; k < 2; k++) {
		gone = collab_open("gone", &opts);
		ASSERT_NE(NULL, gone);
		if (k == 0) {
			ASSERT_EQ(0, collab_dest_guid(&d, NULL, &collab_self(gone)->instance));
		} else {
			ASSERT_EQ(0, collab_dest_app(&d, "gone", NULL));
		}
		ASSERT_EQ(0, pthread_create(&thread, NULL, take_and_close, gone));
		t = now();
		EXPECT_EQ(-ECONNRESET, collab_call(self->client, &d, "echo", NULL, 10000,
						   &self->reply)) {
			TH_LOG("by %s", kinds[k]);
		}
		t = now() - t;
		pthread_join(thread, NULL);
		/* One probe a second: the first finds it gone. */
		EXPECT_LE(0.9, t);
		EXPECT_GT(4.0, t);
		EXPECT_EQ(NULL, self->reply);
	}
}

/* A reply too late for its call comes out of collab_recv() like any message. */
TEST_F(call, late_reply)
{
	struct collab *quiet = collab_open("quiet", &(struct collab_opts){
		.flags = COLLAB_OPEN_ACCEPT_NEW });
	struct collab_msg *call = NULL;
	struct collab_dest d;
	double t;

	ASSERT_NE(NULL, quiet);
	ASSERT_EQ(0, collab_dest_app(&d, "quiet", NULL));
	t = now();
	EXPECT_EQ(-ETIMEDOUT, collab_call(self->client, &d, "echo", NULL, 300, &self->reply));
	t = now() - t;
	EXPECT_LE(0.29, t);
	EXPECT_GT(2.0, t);
	EXPECT_EQ(NULL, self->reply);

	ASSERT_EQ(0, collab_recv(quiet, &call, 1000));
	ASSERT_STREQ(COLLAB_TYPE_CALL, call->type);
	EXPECT_STREQ("echo", call->call.op);
	ASSERT_EQ(0, collab_reply(quiet, call, 0, "late", NULL));
	ASSERT_EQ(0, collab_recv(self->client, &self->m, 1000));
	EXPECT_STREQ(COLLAB_TYPE_REPLY, self->m->type);
	EXPECT_EQ(call->id, self->m->reply.call);
	EXPECT_STREQ("late", self->m->reply.error);

	/* Timeout 0: the call goes, and nothing waits for its reply. */
	EXPECT_EQ(-ETIMEDOUT, collab_call(self->client, &d, "echo", NULL, 0, &self->reply));
	ASSERT_EQ(0, collab_recv(quiet, &call, 1000));
	EXPECT_STREQ(COLLAB_TYPE_CALL, call->type);
	collab_msg_free(call);
	collab_close(quiet);
}

/* A forged document during a call is counted and dropped; the call goes on. */
TEST_F(call, invalid_during_call)
{
	static const char junk[] = "<message/>";
	struct sockaddr_collab to = { .scl_kind = COLLAB_ADDR_GUID };
	struct iovec iov = { .iov_base = (void *)junk, .iov_len = sizeof(junk) - 1 };
	struct msghdr mh = { .msg_name = &to, .msg_namelen = sizeof(to),
			     .msg_iov = &iov, .msg_iovlen = 1 };
	struct collab_stats st;

	to.scl_family = (__kernel_sa_family_t)collab_family();
	memcpy(&to.scl_id, &collab_self(self->client)->instance, sizeof(to.scl_id));
	ASSERT_EQ((ssize_t)iov.iov_len, sendmsg(collab_fd(self->other), &mh, 0));
	ASSERT_EQ(0, collab_call(self->client, &self->to_srv, "echo", NULL, 2000, &self->reply));
	collab_stats_get(self->client, &st);
	EXPECT_EQ(1, st.rx_invalid);
	EXPECT_EQ(1, st.rx_msgs);
	EXPECT_FALSE(collab_pending(self->client));
}

/* An operation may itself call: "relay" calls "echo" of the same server type. */
TEST_F(call, nested)
{
	struct server relay;
	struct collab_field f = { .key = "x", .type = COLLAB_VAL_BOOL, .b = true };
	struct collab_record rec = { 1, &f };
	struct collab_dest d;

	ASSERT_EQ(0, server_start(&relay, "relay", ops));
	ASSERT_EQ(0, collab_dest_app(&d, "relay", NULL));
	EXPECT_EQ(0, collab_call(self->client, &d, "relay", &rec, 3000, &self->reply));
	EXPECT_STREQ("relayed", self->reply->reply.error);
	ASSERT_EQ(1, self->reply->reply.result.nfields);
	EXPECT_TRUE(self->reply->reply.result.fields[0].b);
	server_stop(&relay);
}

TEST_F(call, refused_arguments)
{
	struct collab_msg not_call = chat("hi"), probe = { .type = "probe" };
	struct collab_id session;
	struct collab_dest d;

	EXPECT_EQ(-EINVAL, collab_call(self->client, &self->to_srv, "Echo", NULL, 100,
				       &self->reply));
	EXPECT_EQ(-EINVAL, collab_call(self->client, &self->to_srv, NULL, NULL, 100,
				       &self->reply));
	EXPECT_EQ(-EINVAL, collab_call(self->client, &self->to_srv, "echo", NULL, -2,
				       &self->reply));
	ASSERT_EQ(0, collab_id_random(&session));
	ASSERT_EQ(0, collab_dest_session(&d, &session));
	EXPECT_EQ(-EINVAL, collab_call(self->client, &d, "echo", NULL, 100, &self->reply));
	ASSERT_EQ(0, collab_dest_broadcast(&d, "srv"));
	EXPECT_EQ(-EINVAL, collab_call(self->client, &d, "echo", NULL, 100, &self->reply));
	EXPECT_EQ(NULL, self->reply);

	EXPECT_EQ(-EINVAL, collab_reply(self->client, &not_call, 0, NULL, NULL));
	not_call.type = COLLAB_TYPE_CALL;
	not_call.call.op = "x";
	EXPECT_EQ(-EINVAL, collab_reply(self->client, &not_call, -1, NULL, NULL));
	EXPECT_EQ(-EINVAL, collab_reply(self->client, &not_call, 4096, NULL, NULL));

	/* Probes are the library's own. */
	ASSERT_EQ(0, collab_dest_app(&d, "srv", NULL));
	EXPECT_EQ(-EINVAL, collab_send(self->client, &d, &probe));
}

TEST_HARNESS_MAIN
