// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "collab": what it reports matches the sockets
 * a test made, dumps of thousands of objects stay exact while objects come
 * and go, events arrive, only an administrator may change the node, and
 * malformed requests get an error (and the kernel stays well).
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "collab_test.h"
#include "kselftest_harness.h"
#include "nl.h"

FIXTURE(nl) {
	struct nl nl;
	struct nl_req r;
};

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(0, enter_netns());
	ASSERT_EQ(0, nl_open(&self->nl));
}

FIXTURE_TEARDOWN(nl)
{
	nl_close(&self->nl);
}

/* ---- node ---------------------------------------------------------------- */

struct node_reply {
	struct collab_guid id;
	char name[COLLAB_NODE_NAME_MAX];
	uint32_t family;
	int found;
};

static int node_cb(struct nlmsghdr *h, void *arg)
{
	struct node_reply *n = arg;
	struct nlattr *a;

	a = genl_attr(h, COLLAB_A_NODE_ID);
	if (!a || nla_len_of(a) != (int)sizeof(n->id))
		return -EPROTO;
	memcpy(&n->id, nla_data_of(a), sizeof(n->id));
	a = genl_attr(h, COLLAB_A_NODE_NAME);
	if (!a || nla_len_of(a) > (int)sizeof(n->name))
		return -EPROTO;
	memcpy(n->name, nla_data_of(a), nla_len_of(a));
	a = genl_attr(h, COLLAB_A_FAMILY);
	if (!a)
		return -EPROTO;
	n->family = nla_u32(a);
	n->found++;
	return 0;
}

static int node_get(struct nl *nl, struct nl_req *r, struct node_reply *n)
{
	memset(n, 0, sizeof(*n));
	nl_req(nl, r, 0, COLLAB_CMD_NODE_GET);
	return nl_call(nl, r, node_cb, n);
}

TEST_F(nl, family_and_groups)
{
	EXPECT_NE(0, self->nl.events);
	EXPECT_NE(0, self->nl.activation);
}

TEST_F(nl, node_get)
{
	struct node_reply n;
	char proc[64], hex[33];
	FILE *f;
	int i;

	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	ASSERT_EQ(1, n.found);
	EXPECT_EQ((uint32_t)collab_family(), n.family);
	EXPECT_STREQ("", n.name);

	f = fopen("/proc/net/collab", "re");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "node %63s", proc));
	fclose(f);
	for (i = 0; i < 16; i++)
		sprintf(hex + 2 * i, "%02x", n.id.b[i]);
	EXPECT_STREQ(proc, hex);
}

TEST_F(nl, node_set)
{
	struct collab_guid id = guid_of(77);
	struct sockaddr_collab a = {};
	socklen_t len = sizeof(a);
	struct node_reply n;
	int fd;

	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put_str(&self->r, COLLAB_A_NODE_NAME, "alpha");
	nl_put(&self->r, COLLAB_A_NODE_ID, &id, sizeof(id));
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, NULL, NULL));

	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	EXPECT_STREQ("alpha", n.name);
	EXPECT_EQ(0, memcmp(&id, &n.id, sizeof(id)));

	/* Sockets see the new id, and take it as "this node". */
	fd = bound_socket("chat", NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(0, memcmp(&id, &a.scl_node, sizeof(id)));
	close(fd);

	/* The name alone; the id stays. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put_str(&self->r, COLLAB_A_NODE_NAME, "");
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, NULL, NULL));
	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	EXPECT_STREQ("", n.name);
	EXPECT_EQ(0, memcmp(&id, &n.id, sizeof(id)));
}

TEST_F(nl, node_set_refused)
{
	struct collab_guid zero = {};
	char name[COLLAB_NODE_NAME_MAX + 1];

	/* Nothing to set. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);

	/* An all-zero id means "this node" in addresses: not an id. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put(&self->r, COLLAB_A_NODE_ID, &zero, sizeof(zero));
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);

	/* An id of the wrong length. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put(&self->r, COLLAB_A_NODE_ID, &zero, sizeof(zero) - 1);
	EXPECT_EQ(-ERANGE, nl_call(&self->nl, &self->r, NULL, NULL));
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put(&self->r, COLLAB_A_NODE_ID, name, sizeof(zero) + 1);
	EXPECT_EQ(-ERANGE, nl_call(&self->nl, &self->r, NULL, NULL));

	/* A name of COLLAB_NODE_NAME_MAX characters has no room for NUL. */
	memset(name, 'n', sizeof(name));
	name[COLLAB_NODE_NAME_MAX] = '\0';
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put_str(&self->r, COLLAB_A_NODE_NAME, name);
	EXPECT_GT(0, nl_call(&self->nl, &self->r, NULL, NULL));

	/* A name without its NUL. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put(&self->r, COLLAB_A_NODE_NAME, "abc", 3);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
}

/* ---- malformed requests -------------------------------------------------- */

TEST_F(nl, unknown_and_unsupported_attributes)
{
	uint32_t v = 1;

	/* An attribute type the family does not know. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_GET);
	nl_put(&self->r, COLLAB_A_MAX + 1, &v, sizeof(v));
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);

	/* One it knows, but not for this command. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_STATS_GET);
	nl_put_str(&self->r, COLLAB_A_NODE_NAME, "x");
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));

	/* Inside a nest: an instance is named by its id only. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_INSTANCE_GET);
	nl_nest(&self->r, COLLAB_A_INSTANCE);
	nl_put_str(&self->r, COLLAB_INSTANCE_A_APP, "chat");
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));

	/* A nest without NLA_F_NESTED. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_INSTANCE_GET);
	nl_nest(&self->r, COLLAB_A_INSTANCE);
	nl_put(&self->r, COLLAB_INSTANCE_A_ID, &v, 0);
	nl_nest_end(&self->r);
	((struct nlattr *)self->r.nest[0])->nla_type &= ~NLA_F_NESTED;
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
}

TEST_F(nl, missing_attributes)
{
	struct collab_guid id = guid_of(5);

	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_INSTANCE_GET);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);

	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_INSTANCE_GET);
	nl_nest(&self->r, COLLAB_A_INSTANCE);
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);

	/* Well formed, but no such instance. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_INSTANCE_GET);
	nl_nest(&self->r, COLLAB_A_INSTANCE);
	nl_put(&self->r, COLLAB_INSTANCE_A_ID, &id, sizeof(id));
	nl_nest_end(&self->r);
	EXPECT_EQ(-ENOENT, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);
}

TEST_F(nl, unknown_commands)
{
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_MAX + 1);
	EXPECT_EQ(-EOPNOTSUPP, nl_call(&self->nl, &self->r, NULL, NULL));
	nl_req(&self->nl, &self->r, 0, 255);
	EXPECT_EQ(-EOPNOTSUPP, nl_call(&self->nl, &self->r, NULL, NULL));
	/* Events are sent, not requested. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_INSTANCE_NEW);
	EXPECT_EQ(-EOPNOTSUPP, nl_call(&self->nl, &self->r, NULL, NULL));
	/* Sessions are dumped. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_SESSION_GET);
	EXPECT_EQ(-EOPNOTSUPP, nl_call(&self->nl, &self->r, NULL, NULL));
	/* Node and stats are not. */
	nl_req(&self->nl, &self->r, NLM_F_DUMP, COLLAB_CMD_NODE_GET);
	EXPECT_EQ(-EOPNOTSUPP, nl_call(&self->nl, &self->r, NULL, NULL));
}

TEST_F(nl, truncated_and_overlong)
{
	struct node_reply n;
	struct nlattr *a;
	uint32_t v = 1;

	/* Shorter than a generic netlink header. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_GET);
	nl_hdr(&self->r)->nlmsg_len = NLMSG_HDRLEN + 2;
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));

	/* An attribute that claims more bytes than the message has. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	a = nl_put(&self->r, COLLAB_A_NODE_NAME, "abc", 4);
	a->nla_len = 200;
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));

	/* A reserved header field that is not zero. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_GET);
	((struct genlmsghdr *)NLMSG_DATA(nl_hdr(&self->r)))->reserved = 1;
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));

	/*
	 * A header that claims more than was sent is dropped without a reply;
	 * the next request is answered as if nothing happened.
	 */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put(&self->r, COLLAB_A_NODE_NAME, &v, sizeof(v));
	nl_hdr(&self->r)->nlmsg_len += 64;
	ASSERT_EQ(0, nl_send_raw(&self->nl, self->r.buf,
				 nl_hdr(&self->r)->nlmsg_len - 64));
	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	EXPECT_EQ(1, n.found);
	EXPECT_STREQ("", n.name);
}

/* ---- instances ----------------------------------------------------------- */

#define MANY 5000

struct seen {
	unsigned int count[MANY + 200];
	unsigned int messages;
	unsigned int others;
	pid_t pid[MANY + 200];
	unsigned int sessions[MANY + 200];
	char app[8][COLLAB_APP_MAX];
	void (*churn)(void *arg);	/* run once, after the first message */
	void *churn_arg;
};

/* Test GUIDs are guid_of(n): 0xc0, zeros, n in bytes 8..15. */
static long guid_index(const struct nlattr *a, unsigned int max)
{
	struct collab_guid g;
	uint64_t n;

	if (!a || nla_len_of(a) != (int)sizeof(g))
		return -1;
	memcpy(&g, nla_data_of(a), sizeof(g));
	memcpy(&n, g.b + 8, sizeof(n));
	if (g.b[0] != 0xc0 || n >= max)
		return -1;
	return n;
}

static int instance_cb(struct nlmsghdr *h, void *arg)
{
	struct nlattr *inst = genl_attr(h, COLLAB_A_INSTANCE), *s, *a;
	struct seen *seen = arg;
	long i;

	if (!inst)
		return -EPROTO;
	if (seen->churn && !seen->messages++) {
		seen->churn(seen->churn_arg);
		seen->churn = NULL;
	}
	i = guid_index(nla_in(inst, COLLAB_INSTANCE_A_ID), MANY + 200);
	if (i < 0) {
		seen->others++;
		return 0;
	}
	seen->count[i]++;
	a = nla_in(inst, COLLAB_INSTANCE_A_PID);
	seen->pid[i] = a ? nla_u32(a) : 0;
	a = nla_in(inst, COLLAB_INSTANCE_A_APP);
	if (a && i < 8)
		strncpy(seen->app[i], nla_data_of(a), COLLAB_APP_MAX - 1);
	s = nla_in(inst, COLLAB_INSTANCE_A_SESSIONS);
	if (s)
		nla_for_each(a, nla_data_of(s), nla_len_of(s))
			seen->sessions[i]++;
	return 0;
}

static int instance_dump(struct nl *nl, struct nl_req *r, struct seen *seen,
			 int *parts)
{
	nl_req(nl, r, NLM_F_DUMP, COLLAB_CMD_INSTANCE_GET);
	if (nl_send(nl, r))
		return -EIO;
	return nl_recv(nl, instance_cb, seen, parts);
}

TEST_F(nl, instances_match_sockets)
{
	struct collab_guid sid = guid_of(900), id;
	struct seen *seen = calloc(1, sizeof(*seen));
	const char *apps[3] = { "chat", "board", "chat" };
	int fd[3], i;

	ASSERT_NE(NULL, seen);
	for (i = 0; i < 3; i++) {
		id = guid_of(i);
		fd[i] = bound_socket(apps[i], &id);
		ASSERT_LE(0, fd[i]);
	}
	ASSERT_EQ(0, join(fd[1], &sid));
	ASSERT_EQ(0, instance_dump(&self->nl, &self->r, seen, NULL));
	EXPECT_EQ(0, seen->others);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(1, seen->count[i]);
		EXPECT_STREQ(apps[i], seen->app[i]);
		EXPECT_EQ(getpid(), seen->pid[i]);
		EXPECT_EQ(i == 1, seen->sessions[i]);
	}

	/* One instance by its id; a closed one is gone. */
	close(fd[2]);
	memset(seen, 0, sizeof(*seen));
	for (i = 0; i < 3; i++) {
		id = guid_of(i);
		nl_req(&self->nl, &self->r, 0, COLLAB_CMD_INSTANCE_GET);
		nl_nest(&self->r, COLLAB_A_INSTANCE);
		nl_put(&self->r, COLLAB_INSTANCE_A_ID, &id, sizeof(id));
		nl_nest_end(&self->r);
		EXPECT_EQ(i == 2 ? -ENOENT : 0,
			  nl_call(&self->nl, &self->r, instance_cb, seen));
	}
	EXPECT_EQ(1, seen->count[0]);
	EXPECT_EQ(1, seen->count[1]);
	EXPECT_EQ(0, seen->count[2]);
	EXPECT_EQ(1, seen->sessions[1]);
	close(fd[0]);
	close(fd[1]);
	free(seen);
}

struct churn {
	int *fd;
	int closed, opened;
};

/* Close instances both behind and ahead of the dump; bind new ones. */
static void churn(void *arg)
{
	struct churn *c = arg;
	struct collab_guid id;
	int i;

	for (i = 0; i < 100; i++) {
		close(c->fd[i]);
		close(c->fd[MANY - 1 - i]);
		c->fd[i] = c->fd[MANY - 1 - i] = -1;
		c->closed += 2;
	}
	for (i = 0; i < 200; i++) {
		id = guid_of(MANY + i);
		c->fd[MANY + i] = bound_socket("late", &id);
		if (c->fd[MANY + i] >= 0)
			c->opened++;
	}
}

TEST_F(nl, dump_5000_instances_while_they_change)
{
	struct seen *seen = calloc(1, sizeof(*seen));
	int *fd = calloc(MANY + 200, sizeof(int));
	struct rlimit rl = { MANY + 1000, MANY + 1000 };
	struct churn c = { .fd = fd };
	struct collab_guid id;
	int i, parts = 0, stable = 0;

	ASSERT_NE(NULL, seen);
	ASSERT_NE(NULL, fd);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < MANY; i++) {
		id = guid_of(i);
		fd[i] = bound_socket("many", &id);
		ASSERT_LE(0, fd[i]);
	}

	/* Quiet: every instance exactly once, over many messages. */
	ASSERT_EQ(0, instance_dump(&self->nl, &self->r, seen, &parts));
	EXPECT_LT(10, parts);
	for (i = 0; i < MANY; i++)
		if (seen->count[i] != 1)
			break;
	EXPECT_EQ(MANY, i);

	/* Busy: what lived through the dump is there once; nothing twice. */
	memset(seen, 0, sizeof(*seen));
	seen->churn = churn;
	seen->churn_arg = &c;
	ASSERT_EQ(0, instance_dump(&self->nl, &self->r, seen, NULL));
	EXPECT_EQ(200, c.closed);
	EXPECT_EQ(200, c.opened);
	for (i = 0; i < MANY + 200; i++) {
		EXPECT_GE(1, seen->count[i]);
		if (i < MANY && fd[i] >= 0)
			stable += seen->count[i];
	}
	EXPECT_EQ(MANY - 200, stable);

	for (i = 0; i < MANY + 200; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	free(fd);
	free(seen);
}

/* ---- sessions ------------------------------------------------------------ */

struct members {
	unsigned int count[MANY];
	unsigned int messages, others, sessions;
	uint32_t member_count;
};

static int session_cb(struct nlmsghdr *h, void *arg)
{
	struct nlattr *s = genl_attr(h, COLLAB_A_SESSION), *a;
	struct members *m = arg;
	long i;

	if (!s || !nla_in(s, COLLAB_SESSION_A_ID))
		return -EPROTO;
	m->messages++;
	a = nla_in(s, COLLAB_SESSION_A_MEMBER_COUNT);
	if (a)
		m->member_count = nla_u32(a);
	nla_for_each(a, nla_data_of(s), nla_len_of(s)) {
		if (nla_type_of(a) != COLLAB_SESSION_A_MEMBER)
			continue;
		i = guid_index(nla_in(a, COLLAB_INSTANCE_A_ID), MANY);
		if (i < 0)
			m->others++;
		else
			m->count[i]++;
	}
	return 0;
}

TEST_F(nl, large_session_spans_messages)
{
	struct members *m = calloc(1, sizeof(*m));
	struct rlimit rl = { 4000, 4000 };
	struct collab_guid sid = guid_of(4242), other = guid_of(4343), id;
	int fd[3000], i;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < 3000; i++) {
		id = guid_of(i);
		fd[i] = bound_socket("board", &id);
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, join(fd[i], &sid));
	}
	ASSERT_EQ(0, join(fd[7], &other));

	/* Filtered to one session: every member once, over several messages. */
	nl_req(&self->nl, &self->r, NLM_F_DUMP, COLLAB_CMD_SESSION_GET);
	nl_nest(&self->r, COLLAB_A_SESSION);
	nl_put(&self->r, COLLAB_SESSION_A_ID, &sid, sizeof(sid));
	nl_nest_end(&self->r);
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, session_cb, m));
	EXPECT_LT(1, m->messages);
	EXPECT_EQ(3000, m->member_count);
	EXPECT_EQ(0, m->others);
	for (i = 0; i < 3000; i++)
		if (m->count[i] != 1)
			break;
	EXPECT_EQ(3000, i);

	/* Unfiltered: both sessions. */
	memset(m, 0, sizeof(*m));
	nl_req(&self->nl, &self->r, NLM_F_DUMP, COLLAB_CMD_SESSION_GET);
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, session_cb, m));
	EXPECT_EQ(2, m->count[7]);
	EXPECT_EQ(1, m->count[8]);

	for (i = 0; i < 3000; i++)
		close(fd[i]);
	free(m);
}

/* ---- stats --------------------------------------------------------------- */

static int stats_cb(struct nlmsghdr *h, void *arg)
{
	struct nlattr *s = genl_attr(h, COLLAB_A_STATS), *a;
	uint64_t *v = arg;

	if (!s)
		return -EPROTO;
	nla_for_each(a, nla_data_of(s), nla_len_of(s)) {
		if (nla_type_of(a) > COLLAB_STATS_A_MAX)
			continue;
		v[nla_type_of(a)] = nla_len_of(a) == 4 ? nla_u32(a) : nla_u64(a);
	}
	return 0;
}

TEST_F(nl, stats_count)
{
	uint64_t v[COLLAB_STATS_A_MAX + 1] = {};
	struct sockaddr_collab to;
	struct collab_guid id = guid_of(1);
	char buf[8];
	int a, b;

	a = bound_socket("chat", NULL);
	b = bound_socket("chat", &id);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &id);
	ASSERT_EQ(3, send_to(a, &to, NULL, "abc", 3, 0));
	ASSERT_EQ(3, recv(b, buf, sizeof(buf), 0));
	id = guid_of(2);
	to = addr_of(COLLAB_ADDR_GUID, NULL, &id);
	ASSERT_EQ(-1, send_to(a, &to, NULL, "abc", 3, 0));

	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_STATS_GET);
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, stats_cb, v));
	EXPECT_EQ(2, v[COLLAB_STATS_A_SOCKETS]);
	EXPECT_EQ(2, v[COLLAB_STATS_A_INSTANCES]);
	EXPECT_EQ(1, v[COLLAB_STATS_A_APPS]);
	EXPECT_EQ(1, v[COLLAB_STATS_A_TX_MSGS]);
	EXPECT_EQ(1, v[COLLAB_STATS_A_RX_MSGS]);
	EXPECT_EQ(1, v[COLLAB_STATS_A_TX_NO_ROUTE]);
	EXPECT_EQ(collab_stat("tx_no_route"), v[COLLAB_STATS_A_TX_NO_ROUTE]);
	close(a);
	close(b);
}

/* ---- events -------------------------------------------------------------- */

struct event {
	uint8_t cmd;
	long instance;
	long session;
	uint32_t pid;
};

static int event_cb(struct nlmsghdr *h, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(h);
	struct nlattr *o;
	struct event *e = arg;

	e->cmd = g->cmd;
	o = genl_attr(h, COLLAB_A_INSTANCE);
	if (o) {
		e->instance = guid_index(nla_in(o, COLLAB_INSTANCE_A_ID), 1000);
		if (nla_in(o, COLLAB_INSTANCE_A_PID))
			e->pid = nla_u32(nla_in(o, COLLAB_INSTANCE_A_PID));
	}
	o = genl_attr(h, COLLAB_A_SESSION);
	if (o) {
		e->session = guid_index(nla_in(o, COLLAB_SESSION_A_ID), 1000);
		e->instance = guid_index(nla_in(nla_in(o, COLLAB_SESSION_A_MEMBER),
						COLLAB_INSTANCE_A_ID), 1000);
	}
	return 1;	/* one event per call */
}

static int next_event(struct nl *nl, struct event *e)
{
	memset(e, 0, sizeof(*e));
	return nl_recv(nl, event_cb, e, NULL);
}

TEST_F(nl, events)
{
	struct timeval tv = { .tv_sec = 5 };
	struct collab_guid id = guid_of(3), sid = guid_of(4);
	struct nl mon;
	struct event e;
	int fd;

	ASSERT_EQ(0, nl_open(&mon));
	ASSERT_EQ(0, setsockopt(mon.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&mon.events, sizeof(mon.events)));
	ASSERT_EQ(0, setsockopt(mon.fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));

	fd = bound_socket("chat", &id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, join(fd, &sid));
	close(fd);

	ASSERT_EQ(1, next_event(&mon, &e));
	EXPECT_EQ(COLLAB_CMD_INSTANCE_NEW, e.cmd);
	EXPECT_EQ(3, e.instance);
	EXPECT_EQ(getpid(), e.pid);
	ASSERT_EQ(1, next_event(&mon, &e));
	EXPECT_EQ(COLLAB_CMD_SESSION_JOIN, e.cmd);
	EXPECT_EQ(4, e.session);
	EXPECT_EQ(3, e.instance);
	ASSERT_EQ(1, next_event(&mon, &e));
	EXPECT_EQ(COLLAB_CMD_SESSION_LEAVE, e.cmd);
	EXPECT_EQ(4, e.session);
	ASSERT_EQ(1, next_event(&mon, &e));
	EXPECT_EQ(COLLAB_CMD_INSTANCE_DEL, e.cmd);
	EXPECT_EQ(3, e.instance);
	nl_close(&mon);
}

/* ---- permissions --------------------------------------------------------- */

/* In a child that gave up root: reading works, changing does not. */
static int unprivileged(void)
{
	struct node_reply n;
	struct nl_req r;
	struct nl nl;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 10;
	if (nl_open(&nl))
		return 11;
	if (node_get(&nl, &r, &n) || n.found != 1)
		return 12;
	nl_req(&nl, &r, NLM_F_DUMP, COLLAB_CMD_INSTANCE_GET);
	if (nl_call(&nl, &r, NULL, NULL))
		return 13;
	nl_req(&nl, &r, 0, COLLAB_CMD_NODE_SET);
	nl_put_str(&r, COLLAB_A_NODE_NAME, "mine");
	if (nl_call(&nl, &r, NULL, NULL) != -EPERM)
		return 14;
	if (setsockopt(nl.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &nl.events,
		       sizeof(nl.events)))
		return 15;
	if (!setsockopt(nl.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			&nl.activation, sizeof(nl.activation)) ||
	    errno != EPERM)
		return 16;
	nl_close(&nl);
	return 0;
}

TEST_F(nl, unprivileged_reads_only)
{
	struct node_reply n;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(unprivileged());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	EXPECT_STREQ("", n.name);
}

TEST_HARNESS_MAIN
