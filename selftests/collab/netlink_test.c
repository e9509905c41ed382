// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "collab": what it reports matches the sockets
 * a test made, dumps of thousands of objects stay exact while objects come
 * and go, events arrive, only an administrator may change the node, and
 * malformed requests get an error (and the kernel stays well). Reserved
 * application types refuse other users' binds; a user without
 * CAP_NET_ADMIN sees, and hears of, its own instances only.
 */
#include <arpa/inet.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
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

/* The namespace's loopback up, so that 127.0.0.1 can be bound. */
static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = -1;

	if (fd < 0)
		return -1;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		err = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return err;
}

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(0, enter_netns());
	ASSERT_EQ(0, lo_up());
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
	uint32_t tolerance_ms, lifetime_ms, store_max_msgs;
	int found;
};

/* A u32 attribute of a reply, or -EPROTO when it is missing or no u32. */
static int get_u32(struct nlmsghdr *h, int type, uint32_t *v)
{
	struct nlattr *a = genl_attr(h, type);

	if (!a || nla_len_of(a) != (int)sizeof(*v))
		return -EPROTO;
	*v = nla_u32(a);
	return 0;
}

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
	if (get_u32(h, COLLAB_A_FAMILY, &n->family) ||
	    get_u32(h, COLLAB_A_TOLERANCE_MS, &n->tolerance_ms) ||
	    get_u32(h, COLLAB_A_STORE_LIFETIME_MS, &n->lifetime_ms) ||
	    get_u32(h, COLLAB_A_STORE_MAX_MSGS, &n->store_max_msgs))
		return -EPROTO;
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

/* ---- link settings ------------------------------------------------------- */

static int node_set_u32(struct nl *nl, struct nl_req *r, int type, uint32_t v)
{
	nl_req(nl, r, 0, COLLAB_CMD_NODE_SET);
	nl_put(r, type, &v, sizeof(v));
	return nl_call(nl, r, NULL, NULL);
}

static uint32_t setting(const struct node_reply *n, int type)
{
	switch (type) {
	case COLLAB_A_TOLERANCE_MS:
		return n->tolerance_ms;
	case COLLAB_A_STORE_LIFETIME_MS:
		return n->lifetime_ms;
	default:
		return n->store_max_msgs;
	}
}

TEST_F(nl, node_link_settings)
{
	static const struct {
		int type;
		uint32_t def, min, max;
	} s[] = {
		{ COLLAB_A_TOLERANCE_MS, 1500, 100, 60000 },
		{ COLLAB_A_STORE_LIFETIME_MS, 120000, 1, 24 * 3600 * 1000 },
		{ COLLAB_A_STORE_MAX_MSGS, 4096, 1, 65536 },
	};
	struct node_reply n;
	uint16_t half = 500;
	unsigned int i;

	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	for (i = 0; i < ARRAY_SIZE(s); i++)
		EXPECT_EQ(s[i].def, setting(&n, s[i].type));

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		/* Just out of range, or not a u32: refused, with a reason. */
		EXPECT_EQ(-ERANGE, node_set_u32(&self->nl, &self->r, s[i].type,
						s[i].min - 1));
		EXPECT_STRNE("", self->nl.ext_msg);
		EXPECT_EQ(-ERANGE, node_set_u32(&self->nl, &self->r, s[i].type,
						s[i].max + 1));
		EXPECT_STRNE("", self->nl.ext_msg);
		nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
		nl_put(&self->r, s[i].type, &half, sizeof(half));
		EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
		EXPECT_STRNE("", self->nl.ext_msg);
		ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
		EXPECT_EQ(s[i].def, setting(&n, s[i].type));

		/* The bounds are in the range. */
		EXPECT_EQ(0, node_set_u32(&self->nl, &self->r, s[i].type,
					  s[i].min));
		ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
		EXPECT_EQ(s[i].min, setting(&n, s[i].type));
		EXPECT_EQ(0, node_set_u32(&self->nl, &self->r, s[i].type,
					  s[i].max));
		ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
		EXPECT_EQ(s[i].max, setting(&n, s[i].type));
	}

	/* One setting out of range refuses the whole request. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put(&self->r, COLLAB_A_TOLERANCE_MS, &(uint32_t){ 700 }, 4);
	nl_put(&self->r, COLLAB_A_STORE_LIFETIME_MS, &(uint32_t){ 5000 }, 4);
	nl_put(&self->r, COLLAB_A_STORE_MAX_MSGS, &(uint32_t){ 0 }, 4);
	EXPECT_EQ(-ERANGE, nl_call(&self->nl, &self->r, NULL, NULL));
	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	for (i = 0; i < ARRAY_SIZE(s); i++)
		EXPECT_EQ(s[i].max, setting(&n, s[i].type));

	/* All three at once. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put(&self->r, COLLAB_A_TOLERANCE_MS, &(uint32_t){ 700 }, 4);
	nl_put(&self->r, COLLAB_A_STORE_LIFETIME_MS, &(uint32_t){ 5000 }, 4);
	nl_put(&self->r, COLLAB_A_STORE_MAX_MSGS, &(uint32_t){ 10 }, 4);
	EXPECT_EQ(0, nl_call(&self->nl, &self->r, NULL, NULL));
	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	EXPECT_EQ(700, n.tolerance_ms);
	EXPECT_EQ(5000, n.lifetime_ms);
	EXPECT_EQ(10, n.store_max_msgs);
}

/* ---- bearers ------------------------------------------------------------- */

/* The last error came with an extack message that says @what. */
#define EXPECT_EXTACK(what) do {					\
	EXPECT_NE(NULL, strstr(self->nl.ext_msg, what))			\
		TH_LOG("extack \"%s\", expected one with \"%s\"",	\
		       self->nl.ext_msg, what);				\
} while (0)

union inet_addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

static struct sockaddr_in sin4(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static struct sockaddr_in6 sin6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port) };

	inet_pton(AF_INET6, ip, &a.sin6_addr);
	return a;
}

struct bearer {
	uint32_t id, ifindex, mtu;
	union inet_addr local, group;
	int local_len, group_len;	/* 0: not reported */
	int counters;			/* every counter reported */
};

/* What replies and dumps said, one bearer per message, in order. */
struct bearers {
	struct bearer b[16];
	int n;
	uint8_t cmd;
};

static int get_sockaddr(const struct nlattr *a, union inet_addr *sa, int *len)
{
	if (!a)
		return 0;
	if (nla_len_of(a) > (int)sizeof(*sa))
		return -EPROTO;
	memcpy(sa, nla_data_of(a), nla_len_of(a));
	*len = nla_len_of(a);
	return 0;
}

static int bearer_cb(struct nlmsghdr *h, void *arg)
{
	struct nlattr *nest = genl_attr(h, COLLAB_A_BEARER), *a;
	struct bearers *bs = arg;
	struct bearer *b;

	if (!nest || bs->n == (int)ARRAY_SIZE(bs->b))
		return -EPROTO;
	b = &bs->b[bs->n++];
	memset(b, 0, sizeof(*b));
	bs->cmd = ((struct genlmsghdr *)NLMSG_DATA(h))->cmd;
	a = nla_in(nest, COLLAB_BEARER_A_ID);
	if (!a || nla_len_of(a) != 4)
		return -EPROTO;
	b->id = nla_u32(a);
	a = nla_in(nest, COLLAB_BEARER_A_IFINDEX);
	if (a)
		b->ifindex = nla_u32(a);
	a = nla_in(nest, COLLAB_BEARER_A_MTU);
	if (a)
		b->mtu = nla_u32(a);
	if (get_sockaddr(nla_in(nest, COLLAB_BEARER_A_LOCAL), &b->local,
			 &b->local_len) ||
	    get_sockaddr(nla_in(nest, COLLAB_BEARER_A_DISCOVERY), &b->group,
			 &b->group_len))
		return -EPROTO;
	b->counters = nla_in(nest, COLLAB_BEARER_A_TX_PACKETS) &&
		      nla_in(nest, COLLAB_BEARER_A_RX_PACKETS) &&
		      nla_in(nest, COLLAB_BEARER_A_TX_ERRORS);
	return 0;
}

/* A BEARER_ADD request with @local (NULL: none); the nest stays open. */
static void bearer_req(struct nl *nl, struct nl_req *r, const void *local,
		       size_t len)
{
	nl_req(nl, r, 0, COLLAB_CMD_BEARER_ADD);
	nl_nest(r, COLLAB_A_BEARER);
	if (local)
		nl_put(r, COLLAB_BEARER_A_LOCAL, local, len);
}

static int bearer_add(struct nl *nl, struct nl_req *r, const void *local,
		      size_t len, struct bearers *bs)
{
	bearer_req(nl, r, local, len);
	nl_nest_end(r);
	return nl_call(nl, r, bearer_cb, bs);
}

static int bearer_del(struct nl *nl, struct nl_req *r, uint32_t id)
{
	nl_req(nl, r, 0, COLLAB_CMD_BEARER_DEL);
	nl_nest(r, COLLAB_A_BEARER);
	nl_put(r, COLLAB_BEARER_A_ID, &id, sizeof(id));
	nl_nest_end(r);
	return nl_call(nl, r, NULL, NULL);
}

/* One message of a dump: 1 to go on, else what the dump returns. */
static int dump_part(struct nl *nl, struct nlmsghdr *h, nl_cb cb, void *arg)
{
	int err;

	if (h->nlmsg_seq != nl->seq)
		return -EPROTO;
	if (h->nlmsg_type == NLMSG_ERROR) {
		nl_ext_msg(nl, h);
		err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		return err ?: -EPROTO;
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			return -EPROTO;
		return *(int *)NLMSG_DATA(h);
	}
	if (h->nlmsg_type != nl->family || !(h->nlmsg_flags & NLM_F_MULTI))
		return -EPROTO;
	err = cb(h, arg);
	return err ?: 1;
}

/*
 * A dump of @cmd, each message to @cb: 0 only when every message is a
 * part of it and it ends with NLMSG_DONE reporting no error.
 */
static int dump(struct nl *nl, struct nl_req *r, uint8_t cmd, nl_cb cb,
		void *arg)
{
	static char buf[NL_BUF] __attribute__((aligned(4)));
	struct nlmsghdr *h;
	ssize_t n;
	int err;

	nl_req(nl, r, NLM_F_DUMP, cmd);
	err = nl_send(nl, r);
	if (err)
		return err;
	for (;;) {
		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			err = dump_part(nl, h, cb, arg);
			if (err != 1)
				return err;
		}
	}
}

/*
 * A bearer bound to a device and told no group discovers on the default
 * one, on its own port; unless told no discovery, which a group given as
 * well contradicts.
 */
TEST_F(nl, bearer_default_group)
{
	struct sockaddr_in local = sin4("127.0.0.1", 7002);
	struct sockaddr_in group = sin4("239.0.0.118", 7002);
	struct sockaddr_in6 local6 = sin6("::1", 7002);
	struct sockaddr_in6 group6 = sin6("ff12::118", 7002);
	uint32_t lo = if_nametoindex("lo");
	struct bearers v4 = {}, v6 = {}, off = {};

	ASSERT_NE(0, lo);
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_IFINDEX, &lo, sizeof(lo));
	nl_nest_end(&self->r);
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, bearer_cb, &v4));
	ASSERT_EQ(1, v4.n);
	EXPECT_EQ(sizeof(group), v4.b[0].group_len);
	EXPECT_EQ(0, memcmp(&group, &v4.b[0].group, sizeof(group)));

	bearer_req(&self->nl, &self->r, &local6, sizeof(local6));
	nl_put(&self->r, COLLAB_BEARER_A_IFINDEX, &lo, sizeof(lo));
	nl_nest_end(&self->r);
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, bearer_cb, &v6));
	ASSERT_EQ(1, v6.n);
	EXPECT_EQ(sizeof(group6), v6.b[0].group_len);
	EXPECT_EQ(0, memcmp(&group6, &v6.b[0].group, sizeof(group6)));

	/* No discovery: no group, on another port of the same device. */
	local.sin_port = htons(7003);
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_IFINDEX, &lo, sizeof(lo));
	nl_put(&self->r, COLLAB_BEARER_A_NO_DISCOVERY, NULL, 0);
	nl_nest_end(&self->r);
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, bearer_cb, &off));
	ASSERT_EQ(1, off.n);
	EXPECT_EQ(0, off.b[0].group_len);

	/* Both a group and none: refused, nothing added. */
	local.sin_port = htons(7004);
	group.sin_port = 0;
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_IFINDEX, &lo, sizeof(lo));
	nl_put(&self->r, COLLAB_BEARER_A_DISCOVERY, &group, sizeof(group));
	nl_put(&self->r, COLLAB_BEARER_A_NO_DISCOVERY, NULL, 0);
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("no discovery");

	EXPECT_EQ(0, bearer_del(&self->nl, &self->r, v4.b[0].id));
	EXPECT_EQ(0, bearer_del(&self->nl, &self->r, v6.b[0].id));
	EXPECT_EQ(0, bearer_del(&self->nl, &self->r, off.b[0].id));
}

TEST_F(nl, bearer_add_dump_del)
{
	struct sockaddr_in local = sin4("127.0.0.1", 7001);
	struct sockaddr_in group = sin4("239.1.2.3", 0);
	struct sockaddr_in any = sin4("0.0.0.0", COLLAB_UDP_PORT);
	struct sockaddr_in6 local6 = sin6("::1", 7001);
	uint32_t lo = if_nametoindex("lo"), mtu = 1400;
	struct bearers add = {}, add6 = {}, def = {}, got = {};
	struct bearer *b = &add.b[0];
	int i;

	ASSERT_NE(0, lo);
	/* IPv4 on lo, discovery on the bearer's port (the group's is 0). */
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_IFINDEX, &lo, sizeof(lo));
	nl_put(&self->r, COLLAB_BEARER_A_DISCOVERY, &group, sizeof(group));
	nl_put(&self->r, COLLAB_BEARER_A_MTU, &mtu, sizeof(mtu));
	nl_nest_end(&self->r);
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, bearer_cb, &add));

	/* The reply is the new bearer, with the id the kernel chose. */
	ASSERT_EQ(1, add.n);
	EXPECT_EQ(COLLAB_CMD_BEARER_GET, add.cmd);
	EXPECT_LE(1, b->id);
	EXPECT_EQ(sizeof(local), b->local_len);
	EXPECT_EQ(0, memcmp(&local, &b->local, sizeof(local)));
	group.sin_port = htons(7001);
	EXPECT_EQ(sizeof(group), b->group_len);
	EXPECT_EQ(0, memcmp(&group, &b->group, sizeof(group)));
	EXPECT_EQ(lo, b->ifindex);
	EXPECT_EQ(mtu, b->mtu);
	EXPECT_TRUE(b->counters);

	/* IPv6 on the same port is another socket. */
	ASSERT_EQ(0, bearer_add(&self->nl, &self->r, &local6, sizeof(local6),
				&add6));
	ASSERT_EQ(1, add6.n);
	EXPECT_EQ(b->id + 1, add6.b[0].id);
	EXPECT_EQ(sizeof(local6), add6.b[0].local_len);
	EXPECT_EQ(0, memcmp(&local6, &add6.b[0].local, sizeof(local6)));
	EXPECT_EQ(0, add6.b[0].group_len);
	EXPECT_EQ(0, add6.b[0].ifindex);
	EXPECT_EQ(0, add6.b[0].mtu);

	/* An empty nest: IPv4, every address, the collab port. */
	ASSERT_EQ(0, bearer_add(&self->nl, &self->r, NULL, 0, &def));
	ASSERT_EQ(1, def.n);
	EXPECT_EQ(sizeof(any), def.b[0].local_len);
	EXPECT_EQ(0, memcmp(&any, &def.b[0].local, sizeof(any)));

	/* The dump shows them as the replies did, in the order added. */
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_BEARER_GET,
			  bearer_cb, &got));
	ASSERT_EQ(3, got.n);
	EXPECT_EQ(COLLAB_CMD_BEARER_GET, got.cmd);
	EXPECT_EQ(0, memcmp(&add.b[0], &got.b[0], sizeof(got.b[0])));
	EXPECT_EQ(0, memcmp(&add6.b[0], &got.b[1], sizeof(got.b[1])));
	EXPECT_EQ(0, memcmp(&def.b[0], &got.b[2], sizeof(got.b[2])));

	/* A bearer removed is gone; its id is not given again. */
	EXPECT_EQ(0, bearer_del(&self->nl, &self->r, b->id));
	memset(&got, 0, sizeof(got));
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_BEARER_GET,
			  bearer_cb, &got));
	ASSERT_EQ(2, got.n);
	EXPECT_EQ(add6.b[0].id, got.b[0].id);
	EXPECT_EQ(def.b[0].id, got.b[1].id);
	memset(&add, 0, sizeof(add));
	ASSERT_EQ(0, bearer_add(&self->nl, &self->r, &local, sizeof(local),
				&add));
	EXPECT_EQ(def.b[0].id + 1, add.b[0].id);

	for (i = 0; i < got.n; i++)
		EXPECT_EQ(0, bearer_del(&self->nl, &self->r, got.b[i].id));
	EXPECT_EQ(0, bearer_del(&self->nl, &self->r, add.b[0].id));
	memset(&got, 0, sizeof(got));
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_BEARER_GET,
			  bearer_cb, &got));
	EXPECT_EQ(0, got.n);
}

TEST_F(nl, bearer_add_refused)
{
	struct sockaddr_in local = sin4("127.0.0.1", 7002);
	struct sockaddr_in6 local6 = sin6("::1", 7002);
	struct sockaddr_in group = sin4("239.1.2.3", 7002);
	struct sockaddr_in6 group6 = sin6("ff02::1", 7002);
	struct sockaddr_in unicast = sin4("10.1.2.3", 7002);
	struct sockaddr_in other_port = sin4("239.1.2.3", 7003);
	struct sockaddr_in6 v4_in_v6 = local6;
	struct sockaddr_in unix_family = local;
	char big[sizeof(struct sockaddr_in6) + 1] = {};
	uint32_t v, lo = if_nametoindex("lo");
	struct bearers bs = {};
	uint64_t count = 0;
	int fd;

	/* No nest at all. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_BEARER_ADD);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);

	/* Local addresses of the wrong size for their family, or no IP one. */
	v4_in_v6.sin6_family = AF_INET;
	unix_family.sin_family = AF_UNIX;
	EXPECT_EQ(-EINVAL, bearer_add(&self->nl, &self->r, &local,
				      sizeof(local) - 1, &bs));
	EXPECT_EXTACK("sockaddr_in");
	EXPECT_EQ(-EINVAL, bearer_add(&self->nl, &self->r, &local6,
				      sizeof(local6) - 1, &bs));
	EXPECT_EXTACK("sockaddr_in");
	EXPECT_EQ(-EINVAL, bearer_add(&self->nl, &self->r, &v4_in_v6,
				      sizeof(v4_in_v6), &bs));
	EXPECT_EXTACK("sockaddr_in");
	EXPECT_EQ(-EINVAL, bearer_add(&self->nl, &self->r, &unix_family,
				      sizeof(unix_family), &bs));
	EXPECT_EXTACK("sockaddr_in");
	EXPECT_EQ(-EINVAL, bearer_add(&self->nl, &self->r, &local, 0, &bs));
	EXPECT_EXTACK("sockaddr_in");
	memcpy(big, &local6, sizeof(local6));
	EXPECT_EQ(-ERANGE, bearer_add(&self->nl, &self->r, big, sizeof(big),
				      &bs));
	EXPECT_STRNE("", self->nl.ext_msg);

	/* Attributes a request does not give, inside the nest. */
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_TX_PACKETS, &count, sizeof(count));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_MAX + 1, &count, sizeof(count));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);

	/*
	 * Discovery groups that are not a multicast address of the bearer's
	 * family on its port, or no address at all.
	 */
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_DISCOVERY, &unicast, sizeof(unicast));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("multicast");
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_DISCOVERY, &group6, sizeof(group6));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("multicast");
	bearer_req(&self->nl, &self->r, &local6, sizeof(local6));
	nl_put(&self->r, COLLAB_BEARER_A_DISCOVERY, &group, sizeof(group));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("multicast");
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_DISCOVERY, &other_port,
	       sizeof(other_port));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("multicast");
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_DISCOVERY, &group, sizeof(group) - 1);
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("sockaddr_in");

	/* A group no device of the namespace can join (no route to it). */
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_DISCOVERY, &group, sizeof(group));
	nl_nest_end(&self->r);
	EXPECT_EQ(-ENODEV, nl_call(&self->nl, &self->r, NULL, NULL));

	/* A device that is none. */
	v = 0;
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_IFINDEX, &v, sizeof(v));
	nl_nest_end(&self->r);
	EXPECT_EQ(-ERANGE, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);
	v = lo + 1000;
	bearer_req(&self->nl, &self->r, &local, sizeof(local));
	nl_put(&self->r, COLLAB_BEARER_A_IFINDEX, &v, sizeof(v));
	nl_nest_end(&self->r);
	EXPECT_EQ(-ENODEV, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("device");

	/* Nothing came of any of it: no bearer, and the port is free. */
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_BEARER_GET,
			  bearer_cb, &bs));
	EXPECT_EQ(0, bs.n);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&local, sizeof(local)));
	close(fd);
}

/* The largest datagram a bearer sends: 576 to 65535 bytes. */
TEST_F(nl, bearer_mtu_range)
{
	static const uint32_t mtu[] = { 575, 576, 65535, 65536, 4294967295u };
	struct sockaddr_in local;
	struct bearers bs = {};
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(mtu); i++) {
		local = sin4("127.0.0.1", 7010 + i);
		memset(&bs, 0, sizeof(bs));
		bearer_req(&self->nl, &self->r, &local, sizeof(local));
		nl_put(&self->r, COLLAB_BEARER_A_MTU, &mtu[i], sizeof(mtu[i]));
		nl_nest_end(&self->r);
		err = nl_call(&self->nl, &self->r, bearer_cb, &bs);
		if (mtu[i] < 576 || mtu[i] > 65535) {
			EXPECT_EQ(-ERANGE, err) TH_LOG("mtu %u", mtu[i]);
			EXPECT_STRNE("", self->nl.ext_msg);
			continue;
		}
		EXPECT_EQ(0, err) TH_LOG("mtu %u", mtu[i]);
		ASSERT_EQ(1, bs.n);
		EXPECT_EQ(mtu[i], bs.b[0].mtu);
	}
	memset(&bs, 0, sizeof(bs));
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_BEARER_GET,
			  bearer_cb, &bs));
	EXPECT_EQ(2, bs.n);
}

TEST_F(nl, bearer_port_in_use)
{
	struct sockaddr_in local = sin4("127.0.0.1", 7004);
	struct sockaddr_in other = sin4("127.0.0.2", 7004);
	struct sockaddr_in held = sin4("0.0.0.0", 7005);
	struct sockaddr_in next = sin4("127.0.0.1", 7005);
	struct bearers bs = {};
	int fd;

	ASSERT_EQ(0, bearer_add(&self->nl, &self->r, &local, sizeof(local),
				&bs));
	/* The bearer has its address and port; another may share the port. */
	EXPECT_EQ(-EADDRINUSE, bearer_add(&self->nl, &self->r, &local,
					  sizeof(local), &bs));
	EXPECT_EXTACK("in use");
	EXPECT_EQ(0, bearer_add(&self->nl, &self->r, &other, sizeof(other),
				&bs));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&local, sizeof(local)));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);

	/* A port a socket of the namespace holds; free once it is closed. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&held, sizeof(held)));
	EXPECT_EQ(-EADDRINUSE, bearer_add(&self->nl, &self->r, &next,
					  sizeof(next), &bs));
	EXPECT_EXTACK("in use");
	close(fd);
	EXPECT_EQ(0, bearer_add(&self->nl, &self->r, &next, sizeof(next),
				&bs));

	memset(&bs, 0, sizeof(bs));
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_BEARER_GET,
			  bearer_cb, &bs));
	EXPECT_EQ(3, bs.n);
}

TEST_F(nl, bearer_limit)
{
	struct bearers bs = {};
	struct sockaddr_in local;
	int i;

	for (i = 0; i < 8; i++) {
		local = sin4("127.0.0.1", 7100 + i);
		ASSERT_EQ(0, bearer_add(&self->nl, &self->r, &local,
					sizeof(local), &bs));
	}
	local = sin4("127.0.0.1", 7108);
	EXPECT_EQ(-ENOSPC, bearer_add(&self->nl, &self->r, &local,
				      sizeof(local), &bs));
	EXPECT_EXTACK("too many");
	EXPECT_EQ(0, bearer_del(&self->nl, &self->r, bs.b[0].id));
	EXPECT_EQ(0, bearer_add(&self->nl, &self->r, &local, sizeof(local),
				&bs));
}

TEST_F(nl, bearer_del_refused)
{
	struct sockaddr_in local = sin4("127.0.0.1", 7006);
	struct bearers bs = {};
	uint64_t count = 0;
	uint32_t zero = 0;
	uint16_t id16 = 1;
	uint32_t id;

	ASSERT_EQ(0, bearer_add(&self->nl, &self->r, &local, sizeof(local),
				&bs));
	id = bs.b[0].id;

	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_BEARER_DEL);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("bearer");

	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_BEARER_DEL);
	nl_nest(&self->r, COLLAB_A_BEARER);
	nl_put(&self->r, COLLAB_BEARER_A_LOCAL, &local, sizeof(local));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("id");

	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_BEARER_DEL);
	nl_nest(&self->r, COLLAB_A_BEARER);
	nl_put(&self->r, COLLAB_BEARER_A_ID, &zero, sizeof(zero));
	nl_nest_end(&self->r);
	EXPECT_EQ(-ERANGE, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);

	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_BEARER_DEL);
	nl_nest(&self->r, COLLAB_A_BEARER);
	nl_put(&self->r, COLLAB_BEARER_A_ID, &id16, sizeof(id16));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);

	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_BEARER_DEL);
	nl_nest(&self->r, COLLAB_A_BEARER);
	nl_put(&self->r, COLLAB_BEARER_A_ID, &id, sizeof(id));
	nl_put(&self->r, COLLAB_BEARER_A_RX_PACKETS, &count, sizeof(count));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);

	EXPECT_EQ(-ENOENT, bearer_del(&self->nl, &self->r, id + 1));
	EXPECT_EXTACK("no such bearer");

	/* None of that removed it; now it goes, once. */
	memset(&bs, 0, sizeof(bs));
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_BEARER_GET,
			  bearer_cb, &bs));
	ASSERT_EQ(1, bs.n);
	EXPECT_EQ(id, bs.b[0].id);
	EXPECT_EQ(0, bearer_del(&self->nl, &self->r, id));
	EXPECT_EQ(-ENOENT, bearer_del(&self->nl, &self->r, id));
	EXPECT_EXTACK("no such bearer");
}

/* While a bearer is up, peers know the node by its id: it stays. */
TEST_F(nl, node_id_stays_while_a_bearer_is_up)
{
	struct sockaddr_in local = sin4("127.0.0.1", 7007);
	struct collab_guid id = guid_of(78), before;
	struct bearers bs = {};
	struct node_reply n;

	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	before = n.id;
	ASSERT_EQ(0, bearer_add(&self->nl, &self->r, &local, sizeof(local),
				&bs));

	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put(&self->r, COLLAB_A_NODE_ID, &id, sizeof(id));
	nl_put_str(&self->r, COLLAB_A_NODE_NAME, "beta");
	EXPECT_EQ(-EBUSY, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("bearer");
	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	EXPECT_EQ(0, memcmp(&before, &n.id, sizeof(before)));
	EXPECT_STREQ("", n.name);

	/* The name is no bother. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put_str(&self->r, COLLAB_A_NODE_NAME, "beta");
	EXPECT_EQ(0, nl_call(&self->nl, &self->r, NULL, NULL));

	/* With the bearer gone, the id changes. */
	ASSERT_EQ(0, bearer_del(&self->nl, &self->r, bs.b[0].id));
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_NODE_SET);
	nl_put(&self->r, COLLAB_A_NODE_ID, &id, sizeof(id));
	EXPECT_EQ(0, nl_call(&self->nl, &self->r, NULL, NULL));
	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	EXPECT_EQ(0, memcmp(&id, &n.id, sizeof(id)));
	EXPECT_STREQ("beta", n.name);
}

/* ---- peers --------------------------------------------------------------- */

struct peer {
	struct collab_guid id;
	bool has_id;			/* not yet, for a static peer */
	char name[COLLAB_NODE_NAME_MAX];
	union inet_addr addr;
	int addr_len;
	uint32_t bearer, flags;
	int state;			/* -1: not reported */
};

struct peers {
	struct peer p[8];
	int n;
	uint8_t cmd;
};

static int peer_cb(struct nlmsghdr *h, void *arg)
{
	struct nlattr *nest = genl_attr(h, COLLAB_A_PEER), *a;
	struct peers *ps = arg;
	struct peer *p;

	if (!nest || ps->n == (int)ARRAY_SIZE(ps->p))
		return -EPROTO;
	p = &ps->p[ps->n++];
	memset(p, 0, sizeof(*p));
	ps->cmd = ((struct genlmsghdr *)NLMSG_DATA(h))->cmd;
	a = nla_in(nest, COLLAB_PEER_A_NODE_ID);
	if (a && nla_len_of(a) != (int)sizeof(p->id))
		return -EPROTO;
	if (a)
		memcpy(&p->id, nla_data_of(a), sizeof(p->id));
	p->has_id = a;
	a = nla_in(nest, COLLAB_PEER_A_NODE_NAME);
	if (a && nla_len_of(a) <= (int)sizeof(p->name))
		memcpy(p->name, nla_data_of(a), nla_len_of(a));
	a = nla_in(nest, COLLAB_PEER_A_BEARER_ID);
	if (a)
		p->bearer = nla_u32(a);
	a = nla_in(nest, COLLAB_PEER_A_FLAGS);
	if (a)
		p->flags = nla_u32(a);
	a = nla_in(nest, COLLAB_PEER_A_STATE);
	p->state = a ? *(uint8_t *)nla_data_of(a) : -1;
	return get_sockaddr(nla_in(nest, COLLAB_PEER_A_ADDR), &p->addr,
			    &p->addr_len);
}

/* PEER_ADD, or PEER_DEL, of the static peer at @addr. */
static int peer_addr(struct nl *nl, struct nl_req *r, uint8_t cmd,
		     const void *addr, size_t len)
{
	nl_req(nl, r, 0, cmd);
	nl_nest(r, COLLAB_A_PEER);
	nl_put(r, COLLAB_PEER_A_ADDR, addr, len);
	nl_nest_end(r);
	return nl_call(nl, r, NULL, NULL);
}

static int peer_add(struct nl *nl, struct nl_req *r, const void *addr,
		    size_t len)
{
	return peer_addr(nl, r, COLLAB_CMD_PEER_ADD, addr, len);
}

/* PEER_DEL, or PEER_GET into @ps, of the peer with node id @id. */
static int peer_by_id(struct nl *nl, struct nl_req *r, uint8_t cmd,
		      const void *id, size_t len, struct peers *ps)
{
	nl_req(nl, r, 0, cmd);
	nl_nest(r, COLLAB_A_PEER);
	nl_put(r, COLLAB_PEER_A_NODE_ID, id, len);
	nl_nest_end(r);
	return nl_call(nl, r, ps ? peer_cb : NULL, ps);
}

/*
 * A beacon as another node sends it, in the wire format of kmod/frame.h
 * (a link header, then the body of a HELLO): the test plays that node.
 */
struct wire_beacon {
	uint8_t version, type, flags, key_id;
	uint32_t src_epoch, dst_epoch, seq, ack, sack;
	uint64_t nonce;
	struct collab_guid src_node, dst_node;
	uint32_t snd_una, rcv_nxt, tolerance_ms, reserved;
	uint64_t cookie, echo;
	char name[COLLAB_NODE_NAME_MAX];
	uint8_t public_key[COLLAB_KEY_LEN];	/* all-zero: no key */
} __attribute__((packed));

_Static_assert(sizeof(struct wire_beacon) == 64 + 128, "wire format");

/*
 * Make the node at @to know the node @w names, at the address of @fd, as
 * a node does: a beacon, the cookie that comes back in a HELLO, and a
 * HELLO that echoes it. 0, or -1 and errno.
 */
static int introduce(int fd, const union inet_addr *to, struct wire_beacon *w)
{
	struct timeval tv = { .tv_sec = 2 };
	struct wire_beacon r;
	ssize_t n;

	w->type = 1;		/* COLLAB_LINK_BEACON */
	memset(&w->dst_node, 0, sizeof(w->dst_node));
	w->echo = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    sendto(fd, w, sizeof(*w), 0, &to->sa, sizeof(to->v4)) < 0)
		return -1;
	do {
		n = recv(fd, &r, sizeof(r), 0);
		if (n < 0)
			return -1;
	} while (n != sizeof(r) || r.type != 2);
	w->type = 2;		/* COLLAB_LINK_HELLO */
	w->dst_node = r.src_node;
	w->echo = r.cookie;
	return sendto(fd, w, sizeof(*w), 0, &to->sa, sizeof(to->v4)) < 0 ?
	       -1 : 0;
}

TEST_F(nl, empty_dumps)
{
	struct bearers bs = {};
	struct peers ps = {};

	EXPECT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_PEER_GET, peer_cb,
			  &ps));
	EXPECT_EQ(0, ps.n);
	EXPECT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_BEARER_GET,
			  bearer_cb, &bs));
	EXPECT_EQ(0, bs.n);

	/* Bearers are only dumped. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_BEARER_GET);
	EXPECT_EQ(-EOPNOTSUPP, nl_call(&self->nl, &self->r, NULL, NULL));
}

/* Dump the peers into @ps until one has an id, for up to 2 s. */
static int wait_peer(struct nl *nl, struct nl_req *r, struct peers *ps)
{
	int i, err = 0;

	for (i = 0; i < 100 && !err && !(ps->n && ps->p[0].has_id); i++) {
		usleep(20000);
		memset(ps, 0, sizeof(*ps));
		err = dump(nl, r, COLLAB_CMD_PEER_GET, peer_cb, ps);
	}
	return err;
}

TEST_F(nl, peer_add_dump_del)
{
	struct sockaddr_in bearer = sin4("127.0.0.1", 7040);
	union inet_addr to = { .v4 = bearer };
	struct collab_guid them = guid_of(99);
	struct wire_beacon w = {
		.version = 1,		/* COLLAB_WIRE_VERSION */
		.type = 1,		/* COLLAB_LINK_BEACON */
		.src_node = them,
		.name = "far",
	};
	struct bearers bs = {};
	struct peers ps = {};
	union inet_addr me;
	socklen_t len = sizeof(me.v4);
	int fd;

	ASSERT_EQ(0, lo_up());
	ASSERT_EQ(0, bearer_add(&self->nl, &self->r, &bearer, sizeof(bearer),
				&bs));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	me.v4 = sin4("127.0.0.1", 0);
	ASSERT_EQ(0, bind(fd, &me.sa, sizeof(me.v4)));
	ASSERT_EQ(0, getsockname(fd, &me.sa, &len));

	/*
	 * A static peer is an address: until a node answers there, the dump
	 * shows the address being called, static, with no id.
	 */
	ASSERT_EQ(0, peer_add(&self->nl, &self->r, &me.v4, sizeof(me.v4)));
	EXPECT_EQ(-EEXIST, peer_add(&self->nl, &self->r, &me.v4,
				    sizeof(me.v4)));
	EXPECT_EXTACK("static peer");
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_PEER_GET, peer_cb,
			  &ps));
	ASSERT_EQ(1, ps.n);
	EXPECT_FALSE(ps.p[0].has_id);
	EXPECT_EQ(COLLAB_PEER_STATIC, ps.p[0].flags);
	EXPECT_EQ(COLLAB_PEER_CONNECTING, ps.p[0].state);
	EXPECT_EQ(sizeof(me.v4), ps.p[0].addr_len);
	EXPECT_EQ(0, memcmp(&me.v4, &ps.p[0].addr, sizeof(me.v4)));
	memset(&ps, 0, sizeof(ps));

	/* The node at that address makes itself known. */
	ASSERT_EQ(0, introduce(fd, &to, &w));
	ASSERT_EQ(0, wait_peer(&self->nl, &self->r, &ps));
	ASSERT_EQ(1, ps.n);
	EXPECT_TRUE(ps.p[0].has_id);
	EXPECT_EQ(COLLAB_CMD_PEER_GET, ps.cmd);
	EXPECT_EQ(0, memcmp(&them, &ps.p[0].id, sizeof(them)));
	EXPECT_STREQ("far", ps.p[0].name);
	EXPECT_EQ(sizeof(me.v4), ps.p[0].addr_len);
	EXPECT_EQ(0, memcmp(&me.v4, &ps.p[0].addr, sizeof(me.v4)));
	EXPECT_EQ(bs.b[0].id, ps.p[0].bearer);
	EXPECT_EQ(COLLAB_PEER_STATIC, ps.p[0].flags);
	/* It never finishes the handshake. */
	EXPECT_LE(0, ps.p[0].state);
	EXPECT_NE(COLLAB_PEER_UP, ps.p[0].state);

	/* The same, asked for by its id. */
	memset(&ps, 0, sizeof(ps));
	ASSERT_EQ(0, peer_by_id(&self->nl, &self->r, COLLAB_CMD_PEER_GET,
				&them, sizeof(them), &ps));
	ASSERT_EQ(1, ps.n);
	EXPECT_EQ(0, memcmp(&them, &ps.p[0].id, sizeof(them)));
	EXPECT_EQ(0, memcmp(&me.v4, &ps.p[0].addr, sizeof(me.v4)));

	/* Removed, and its address is no static peer any more. */
	EXPECT_EQ(0, peer_by_id(&self->nl, &self->r, COLLAB_CMD_PEER_DEL,
				&them, sizeof(them), NULL));
	EXPECT_EQ(-ENOENT, peer_by_id(&self->nl, &self->r, COLLAB_CMD_PEER_DEL,
				      &them, sizeof(them), NULL));
	EXPECT_EXTACK("no such peer");
	EXPECT_EQ(-ENOENT, peer_by_id(&self->nl, &self->r, COLLAB_CMD_PEER_GET,
				      &them, sizeof(them), &ps));
	EXPECT_EXTACK("no such peer");
	memset(&ps, 0, sizeof(ps));
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_PEER_GET, peer_cb,
			  &ps));
	EXPECT_EQ(0, ps.n);
	EXPECT_EQ(0, peer_add(&self->nl, &self->r, &me.v4, sizeof(me.v4)));

	/* Heard from again; removed by its address, static peer and all. */
	ASSERT_EQ(0, introduce(fd, &to, &w));
	memset(&ps, 0, sizeof(ps));
	ASSERT_EQ(0, wait_peer(&self->nl, &self->r, &ps));
	ASSERT_EQ(1, ps.n);
	EXPECT_EQ(0, memcmp(&them, &ps.p[0].id, sizeof(them)));
	EXPECT_EQ(0, peer_addr(&self->nl, &self->r, COLLAB_CMD_PEER_DEL,
			       &me.v4, sizeof(me.v4)));
	EXPECT_EQ(-ENOENT, peer_by_id(&self->nl, &self->r, COLLAB_CMD_PEER_GET,
				      &them, sizeof(them), &ps));
	memset(&ps, 0, sizeof(ps));
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_PEER_GET, peer_cb,
			  &ps));
	EXPECT_EQ(0, ps.n);
	EXPECT_EQ(-ENOENT, peer_addr(&self->nl, &self->r, COLLAB_CMD_PEER_DEL,
				     &me.v4, sizeof(me.v4)));
	EXPECT_EQ(0, peer_add(&self->nl, &self->r, &me.v4, sizeof(me.v4)));
	close(fd);
}

TEST_F(nl, peer_requests_refused)
{
	static const uint8_t cmds[] = {
		COLLAB_CMD_PEER_DEL, COLLAB_CMD_PEER_GET,
	};
	static const char *const not_unicast[] = {
		"0.0.0.0", "0.1.2.3", "224.0.0.1", "239.77.0.1",
		"255.255.255.255",
	};
	static const char *const not_unicast6[] = { "::", "ff02::1", "ff12::77" };
	struct sockaddr_in addr = sin4("192.0.2.7", 0);
	struct sockaddr_in addr_port = sin4("192.0.2.7", COLLAB_UDP_PORT);
	struct sockaddr_in addr_other = sin4("192.0.2.7", 7000);
	struct sockaddr_in6 addr6 = sin6("2001:db8::7", 0);
	struct collab_guid id = guid_of(5);
	char big[sizeof(struct sockaddr_in6) + 1] = {};
	uint8_t state = COLLAB_PEER_UP;
	struct peers ps = {};
	unsigned int i;

	/* PEER_ADD takes the address of a static peer, and nothing else. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_PEER_ADD);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("address");
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_PEER_ADD);
	nl_nest(&self->r, COLLAB_A_PEER);
	nl_put(&self->r, COLLAB_PEER_A_NODE_ID, &id, sizeof(id));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("address");
	EXPECT_EQ(-EINVAL, peer_add(&self->nl, &self->r, &addr,
				    sizeof(addr) - 1));
	EXPECT_EXTACK("sockaddr_in");
	/* An IPv6 address in the size of an IPv4 one. */
	EXPECT_EQ(-EINVAL, peer_add(&self->nl, &self->r, &addr6,
				    sizeof(struct sockaddr_in)));
	EXPECT_EXTACK("sockaddr_in");
	memcpy(big, &addr6, sizeof(addr6));
	EXPECT_EQ(-ERANGE, peer_add(&self->nl, &self->r, big, sizeof(big)));
	EXPECT_STRNE("", self->nl.ext_msg);
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_PEER_ADD);
	nl_nest(&self->r, COLLAB_A_PEER);
	nl_put(&self->r, COLLAB_PEER_A_ADDR, &addr, sizeof(addr));
	nl_put(&self->r, COLLAB_PEER_A_STATE, &state, sizeof(state));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_PEER_ADD);
	nl_nest(&self->r, COLLAB_A_PEER);
	nl_put(&self->r, COLLAB_PEER_A_ADDR, &addr, sizeof(addr));
	nl_put(&self->r, COLLAB_PEER_A_MAX + 1, &state, sizeof(state));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_STRNE("", self->nl.ext_msg);
	/* A peer is one host: no wildcard, broadcast or group. */
	for (i = 0; i < ARRAY_SIZE(not_unicast); i++) {
		struct sockaddr_in a = sin4(not_unicast[i], 0);

		EXPECT_EQ(-EINVAL, peer_add(&self->nl, &self->r, &a, sizeof(a)));
		EXPECT_EXTACK("unicast");
	}
	for (i = 0; i < ARRAY_SIZE(not_unicast6); i++) {
		struct sockaddr_in6 a = sin6(not_unicast6[i], 0);

		EXPECT_EQ(-EINVAL, peer_add(&self->nl, &self->r, &a, sizeof(a)));
		EXPECT_EXTACK("unicast");
	}

	/* An address once; port 0 is the collab port. */
	EXPECT_EQ(0, peer_add(&self->nl, &self->r, &addr, sizeof(addr)));
	EXPECT_EQ(-EEXIST, peer_add(&self->nl, &self->r, &addr, sizeof(addr)));
	EXPECT_EXTACK("static peer");
	EXPECT_EQ(-EEXIST, peer_add(&self->nl, &self->r, &addr_port,
				    sizeof(addr_port)));
	EXPECT_EXTACK("static peer");
	EXPECT_EQ(0, peer_add(&self->nl, &self->r, &addr_other,
			      sizeof(addr_other)));
	EXPECT_EQ(0, peer_add(&self->nl, &self->r, &addr6, sizeof(addr6)));
	EXPECT_EQ(-EEXIST, peer_add(&self->nl, &self->r, &addr6,
				    sizeof(addr6)));
	EXPECT_EXTACK("static peer");

	/* PEER_GET names a peer by its node id, PEER_DEL also by address. */
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		nl_req(&self->nl, &self->r, 0, cmds[i]);
		EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
		EXPECT_EXTACK("node id");
		nl_req(&self->nl, &self->r, 0, cmds[i]);
		nl_nest(&self->r, COLLAB_A_PEER);
		nl_nest_end(&self->r);
		EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
		EXPECT_EXTACK("node id");
		if (cmds[i] == COLLAB_CMD_PEER_GET) {
			nl_req(&self->nl, &self->r, 0, cmds[i]);
			nl_nest(&self->r, COLLAB_A_PEER);
			nl_put(&self->r, COLLAB_PEER_A_ADDR, &addr,
			       sizeof(addr));
			nl_nest_end(&self->r);
			EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL,
						   NULL));
			EXPECT_EXTACK("node id");
		}
		EXPECT_EQ(-ERANGE, peer_by_id(&self->nl, &self->r, cmds[i], &id,
					      sizeof(id) - 1, &ps));
		EXPECT_STRNE("", self->nl.ext_msg);
		EXPECT_EQ(-ERANGE, peer_by_id(&self->nl, &self->r, cmds[i], big,
					      sizeof(id) + 1, &ps));
		EXPECT_STRNE("", self->nl.ext_msg);
		nl_req(&self->nl, &self->r, 0, cmds[i]);
		nl_nest(&self->r, COLLAB_A_PEER);
		nl_put(&self->r, COLLAB_PEER_A_NODE_ID, &id, sizeof(id));
		nl_put(&self->r, COLLAB_PEER_A_STATE, &state, sizeof(state));
		nl_nest_end(&self->r);
		EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
		EXPECT_STRNE("", self->nl.ext_msg);
		EXPECT_EQ(-ENOENT, peer_by_id(&self->nl, &self->r, cmds[i], &id,
					      sizeof(id), &ps));
		EXPECT_EXTACK("no such peer");
	}
	EXPECT_EQ(0, ps.n);

	/*
	 * By address, PEER_DEL forgets the static peer there (port 0 is the
	 * collab port): once; then the address may be added again.
	 */
	EXPECT_EQ(-EINVAL, peer_addr(&self->nl, &self->r, COLLAB_CMD_PEER_DEL,
				     &addr, sizeof(addr) - 1));
	EXPECT_EXTACK("sockaddr_in");
	EXPECT_EQ(0, peer_addr(&self->nl, &self->r, COLLAB_CMD_PEER_DEL,
			       &addr_port, sizeof(addr_port)));
	EXPECT_EQ(-ENOENT, peer_addr(&self->nl, &self->r, COLLAB_CMD_PEER_DEL,
				     &addr, sizeof(addr)));
	EXPECT_EXTACK("no such peer");
	EXPECT_EQ(0, peer_add(&self->nl, &self->r, &addr, sizeof(addr)));
	EXPECT_EQ(0, peer_addr(&self->nl, &self->r, COLLAB_CMD_PEER_DEL,
			       &addr6, sizeof(addr6)));
	EXPECT_EQ(0, peer_add(&self->nl, &self->r, &addr6, sizeof(addr6)));
	/* The other port's is another static peer: still there. */
	EXPECT_EQ(-EEXIST, peer_add(&self->nl, &self->r, &addr_other,
				    sizeof(addr_other)));
}

TEST_F(nl, static_peer_limit)
{
	struct sockaddr_in addr;
	char ip[32];
	int i;

	for (i = 1; i <= 64; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		addr = sin4(ip, 0);
		ASSERT_EQ(0, peer_add(&self->nl, &self->r, &addr,
				      sizeof(addr)));
	}
	addr = sin4("192.0.2.65", 0);
	EXPECT_EQ(-ENOSPC, peer_add(&self->nl, &self->r, &addr, sizeof(addr)));
	EXPECT_EXTACK("too many");
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
	/* Both groups are an administrator's; anyone may listen. */
	if (!setsockopt(nl.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &nl.events,
			sizeof(nl.events)) ||
	    errno != EPERM)
		return 15;
	nl_req(&nl, &r, 0, COLLAB_CMD_EVENTS_LISTEN);
	if (nl_call(&nl, &r, NULL, NULL))
		return 17;
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

/* In a child that gave up root: bearers and peers can be read, not changed. */
static int unprivileged_links(uint32_t bearer_id)
{
	struct sockaddr_in local = sin4("127.0.0.1", 7060);
	struct sockaddr_in addr = sin4("192.0.2.60", 0);
	struct sockaddr_in other = sin4("192.0.2.61", 0);
	struct collab_guid id = guid_of(60);
	struct bearers bs = {};
	struct peers ps = {};
	struct nl_req r;
	struct nl nl;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 10;
	if (nl_open(&nl))
		return 11;
	if (dump(&nl, &r, COLLAB_CMD_BEARER_GET, bearer_cb, &bs) || bs.n != 1 ||
	    bs.b[0].id != bearer_id)
		return 12;
	/* The static peer nobody answers at, with no id. */
	if (dump(&nl, &r, COLLAB_CMD_PEER_GET, peer_cb, &ps) || ps.n != 1 ||
	    ps.p[0].has_id || !(ps.p[0].flags & COLLAB_PEER_STATIC))
		return 13;
	if (bearer_add(&nl, &r, &local, sizeof(local), &bs) != -EPERM)
		return 14;
	if (bearer_del(&nl, &r, bearer_id) != -EPERM)
		return 15;
	if (peer_add(&nl, &r, &addr, sizeof(addr)) != -EPERM)
		return 16;
	/* Refused before anything else: there is no such peer. */
	if (peer_by_id(&nl, &r, COLLAB_CMD_PEER_DEL, &id, sizeof(id), NULL) !=
	    -EPERM ||
	    peer_addr(&nl, &r, COLLAB_CMD_PEER_DEL, &other, sizeof(other)) !=
	    -EPERM)
		return 17;
	if (node_set_u32(&nl, &r, COLLAB_A_TOLERANCE_MS, 500) != -EPERM ||
	    node_set_u32(&nl, &r, COLLAB_A_STORE_LIFETIME_MS, 500) != -EPERM ||
	    node_set_u32(&nl, &r, COLLAB_A_STORE_MAX_MSGS, 500) != -EPERM)
		return 18;
	nl_req(&nl, &r, 0, COLLAB_CMD_NODE_SET);
	nl_put(&r, COLLAB_A_NODE_ID, &id, sizeof(id));
	if (nl_call(&nl, &r, NULL, NULL) != -EPERM)
		return 19;
	nl_close(&nl);
	return 0;
}

TEST_F(nl, unprivileged_cannot_change_links)
{
	struct sockaddr_in local = sin4("127.0.0.1", 7061);
	struct sockaddr_in free_port = sin4("127.0.0.1", 7060);
	struct sockaddr_in addr = sin4("192.0.2.60", 0);
	struct sockaddr_in other = sin4("192.0.2.61", 0);
	struct bearers bs = {}, got = {};
	struct node_reply n, before;
	int status;
	pid_t pid;

	ASSERT_EQ(0, bearer_add(&self->nl, &self->r, &local, sizeof(local),
				&bs));
	ASSERT_EQ(0, peer_add(&self->nl, &self->r, &other, sizeof(other)));
	ASSERT_EQ(0, node_get(&self->nl, &self->r, &before));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(unprivileged_links(bs.b[0].id));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* Nothing changed: the bearer is there, the rest was never made. */
	ASSERT_EQ(0, dump(&self->nl, &self->r, COLLAB_CMD_BEARER_GET,
			  bearer_cb, &got));
	ASSERT_EQ(1, got.n);
	EXPECT_EQ(bs.b[0].id, got.b[0].id);
	EXPECT_EQ(0, bearer_add(&self->nl, &self->r, &free_port,
				sizeof(free_port), &bs));
	EXPECT_EQ(0, peer_add(&self->nl, &self->r, &addr, sizeof(addr)));
	EXPECT_EQ(-EEXIST, peer_add(&self->nl, &self->r, &other,
				    sizeof(other)));
	ASSERT_EQ(0, node_get(&self->nl, &self->r, &n));
	EXPECT_EQ(0, memcmp(&before, &n, sizeof(n)));
}

/* ---- reserved types, and who sees what ----------------------------------- */

/* Who a child becomes, and what it binds. */
struct user {
	uid_t uid;
	gid_t gid;
	gid_t extra;		/* a supplementary group, or 0 */
	const char *app;
};

static int become(const struct user *u)
{
	gid_t groups[1] = { u->extra };

	if (setgroups(u->extra ? 1 : 0, groups) ||
	    setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid))
		return -1;
	return 0;
}

/* Run @fn(@arg) in a child; its exit status, or -1. */
static int child(int (*fn)(const void *arg), const void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* As user @arg, bind its type: 0, or bind()'s errno. */
static int try_bind(const void *arg)
{
	const struct user *u = arg;
	int fd;

	if (become(u))
		return 100;
	fd = bound_socket(u->app, NULL);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* RESERVE @app for id @id, given as attribute @type (0: none). */
static int app_reserve(struct nl *nl, struct nl_req *r, const char *app,
		       int type, uint32_t id)
{
	nl_req(nl, r, 0, COLLAB_CMD_APP_RESERVE);
	nl_nest(r, COLLAB_A_APP);
	if (app)
		nl_put_str(r, COLLAB_APP_A_NAME, app);
	if (type)
		nl_put(r, type, &id, sizeof(id));
	nl_nest_end(r);
	return nl_call(nl, r, NULL, NULL);
}

static int app_name_cmd(struct nl *nl, struct nl_req *r, uint8_t cmd,
			const char *app)
{
	nl_req(nl, r, 0, cmd);
	nl_nest(r, COLLAB_A_APP);
	nl_put_str(r, COLLAB_APP_A_NAME, app);
	nl_nest_end(r);
	return nl_call(nl, r, NULL, NULL);
}

/* What APP_GET says of the types. */
struct types {
	unsigned int n;
	char app[8][COLLAB_APP_MAX];
	int owner_type[8];	/* COLLAB_APP_A_RESERVE_UID, _GID or 0 */
	uint32_t owner[8];
	int activatable[8];
};

static int types_cb(struct nlmsghdr *h, void *arg)
{
	struct nlattr *a = genl_attr(h, COLLAB_A_APP), *name, *id;
	struct types *t = arg;
	unsigned int i = t->n;

	name = nla_in(a, COLLAB_APP_A_NAME);
	if (!name || i >= 8)
		return -EPROTO;
	t->n++;
	strncpy(t->app[i], nla_data_of(name), COLLAB_APP_MAX - 1);
	t->activatable[i] = !!nla_in(a, COLLAB_APP_A_POLICY);
	t->owner_type[i] = 0;
	id = nla_in(a, COLLAB_APP_A_RESERVE_UID);
	if (id)
		t->owner_type[i] = COLLAB_APP_A_RESERVE_UID;
	else if ((id = nla_in(a, COLLAB_APP_A_RESERVE_GID)))
		t->owner_type[i] = COLLAB_APP_A_RESERVE_GID;
	if (id)
		t->owner[i] = nla_u32(id);
	return 0;
}

TEST_F(nl, app_reserve)
{
	struct user nobody = { 65534, 65534, 0, "mine" };
	struct user other = { 65533, 65533, 0, "mine" };
	struct user member = { 65533, 65533, 4242, "ours" };
	struct user in_group = { 65533, 4242, 0, "ours" };
	struct user stranger = { 65533, 65533, 0, "ours" };
	struct seen *seen = calloc(1, sizeof(*seen));
	struct collab_guid id = guid_of(1);
	struct types t = {};
	long long refused;
	int fd, before;

	ASSERT_NE(NULL, seen);
	/* Unreserved: anyone binds it. */
	EXPECT_EQ(0, child(try_bind, &other));
	before = bound_socket("mine", &id);
	ASSERT_LE(0, before);

	ASSERT_EQ(0, app_reserve(&self->nl, &self->r, "mine",
				 COLLAB_APP_A_RESERVE_UID, 65534));
	ASSERT_EQ(0, app_reserve(&self->nl, &self->r, "ours",
				 COLLAB_APP_A_RESERVE_GID, 4242));
	refused = collab_stat("bind_refused");
	EXPECT_EQ(0, child(try_bind, &nobody));
	EXPECT_EQ(EACCES, child(try_bind, &other));
	EXPECT_EQ(0, child(try_bind, &member));
	EXPECT_EQ(0, child(try_bind, &in_group));
	EXPECT_EQ(EACCES, child(try_bind, &stranger));
	EXPECT_EQ(refused + 2, collab_stat("bind_refused"));
	/* An administrator binds it, so that a supervisor can start it. */
	fd = bound_socket("mine", NULL);
	EXPECT_LE(0, fd);
	close(fd);
	/* What was bound before stays. */
	ASSERT_EQ(0, instance_dump(&self->nl, &self->r, seen, NULL));
	EXPECT_EQ(1, seen->count[1]);

	/* Shown with the owner, activatable or not. */
	ASSERT_EQ(0, app_name_cmd(&self->nl, &self->r, COLLAB_CMD_APP_ADD,
				  "ours"));
	nl_req(&self->nl, &self->r, NLM_F_DUMP, COLLAB_CMD_APP_GET);
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, types_cb, &t));
	ASSERT_EQ(2, t.n);
	EXPECT_STREQ("ours", t.app[0]);
	EXPECT_EQ(1, t.activatable[0]);
	EXPECT_EQ(COLLAB_APP_A_RESERVE_GID, t.owner_type[0]);
	EXPECT_EQ(4242, t.owner[0]);
	EXPECT_STREQ("mine", t.app[1]);
	EXPECT_EQ(0, t.activatable[1]);
	EXPECT_EQ(COLLAB_APP_A_RESERVE_UID, t.owner_type[1]);
	EXPECT_EQ(65534, t.owner[1]);
	memset(&t, 0, sizeof(t));
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_APP_GET);
	nl_nest(&self->r, COLLAB_A_APP);
	nl_put_str(&self->r, COLLAB_APP_A_NAME, "mine");
	nl_nest_end(&self->r);
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, types_cb, &t));
	EXPECT_EQ(1, t.n);
	EXPECT_EQ(65534, t.owner[0]);

	/* Given to another user. */
	ASSERT_EQ(0, app_reserve(&self->nl, &self->r, "mine",
				 COLLAB_APP_A_RESERVE_UID, 65533));
	EXPECT_EQ(0, child(try_bind, &other));
	EXPECT_EQ(EACCES, child(try_bind, &nobody));

	/* Lifted: anyone again; once. */
	ASSERT_EQ(0, app_name_cmd(&self->nl, &self->r,
				  COLLAB_CMD_APP_UNRESERVE, "mine"));
	EXPECT_EQ(0, child(try_bind, &nobody));
	EXPECT_EQ(-ENOENT, app_name_cmd(&self->nl, &self->r,
					COLLAB_CMD_APP_UNRESERVE, "mine"));
	EXPECT_EXTACK("not reserved");
	EXPECT_EQ(-ENOENT, app_name_cmd(&self->nl, &self->r,
					COLLAB_CMD_APP_GET, "mine"));
	EXPECT_EXTACK("no such");
	close(before);
	free(seen);
}

/* As a user without CAP_NET_ADMIN: no reservation, made or lifted. */
static int unprivileged_reserve(const void *arg)
{
	struct nl_req r;
	struct nl nl;

	if (become(arg))
		return 10;
	if (nl_open(&nl))
		return 11;
	if (app_reserve(&nl, &r, "chat", COLLAB_APP_A_RESERVE_UID, 65534) !=
	    -EPERM)
		return 12;
	if (app_name_cmd(&nl, &r, COLLAB_CMD_APP_UNRESERVE, "board") != -EPERM)
		return 13;
	nl_close(&nl);
	return 0;
}

TEST_F(nl, app_reserve_refused)
{
	struct user nobody = { 65534, 65534, 0, NULL };
	struct types t = {};
	uint8_t policy = 0;
	uint32_t v = 1;

	/* A name, and one of a user or a group. */
	EXPECT_EQ(-EINVAL, app_reserve(&self->nl, &self->r, NULL,
				       COLLAB_APP_A_RESERVE_UID, 1));
	EXPECT_EXTACK("which application type");
	EXPECT_EQ(-EINVAL, app_reserve(&self->nl, &self->r, "chat", 0, 0));
	EXPECT_EXTACK("user or for a group");
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_APP_RESERVE);
	nl_nest(&self->r, COLLAB_A_APP);
	nl_put_str(&self->r, COLLAB_APP_A_NAME, "chat");
	nl_put(&self->r, COLLAB_APP_A_RESERVE_UID, &v, sizeof(v));
	nl_put(&self->r, COLLAB_APP_A_RESERVE_GID, &v, sizeof(v));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	EXPECT_EXTACK("one of them");
	EXPECT_EQ(-EINVAL, app_reserve(&self->nl, &self->r, "bad\x01",
				       COLLAB_APP_A_RESERVE_UID, 1));
	EXPECT_EXTACK("printable");
	/* No id maps to (uid_t)-1. */
	EXPECT_EQ(-EINVAL, app_reserve(&self->nl, &self->r, "chat",
				       COLLAB_APP_A_RESERVE_UID, -1));
	EXPECT_EXTACK("no such user");
	EXPECT_EQ(-EINVAL, app_reserve(&self->nl, &self->r, "chat",
				       COLLAB_APP_A_RESERVE_GID, -1));
	EXPECT_EXTACK("no such group");
	/* What the commands do not take. */
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_APP_RESERVE);
	nl_nest(&self->r, COLLAB_A_APP);
	nl_put_str(&self->r, COLLAB_APP_A_NAME, "chat");
	nl_put(&self->r, COLLAB_APP_A_RESERVE_UID, &v, sizeof(v));
	nl_put(&self->r, COLLAB_APP_A_POLICY, &policy, sizeof(policy));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_APP_UNRESERVE);
	nl_nest(&self->r, COLLAB_A_APP);
	nl_put_str(&self->r, COLLAB_APP_A_NAME, "chat");
	nl_put(&self->r, COLLAB_APP_A_RESERVE_UID, &v, sizeof(v));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	nl_req(&self->nl, &self->r, 0, COLLAB_CMD_APP_ADD);
	nl_nest(&self->r, COLLAB_A_APP);
	nl_put_str(&self->r, COLLAB_APP_A_NAME, "chat");
	nl_put(&self->r, COLLAB_APP_A_RESERVE_UID, &v, sizeof(v));
	nl_nest_end(&self->r);
	EXPECT_EQ(-EINVAL, nl_call(&self->nl, &self->r, NULL, NULL));
	/* Not reserved: nothing to lift. */
	EXPECT_EQ(-ENOENT, app_name_cmd(&self->nl, &self->r,
					COLLAB_CMD_APP_UNRESERVE, "chat"));

	EXPECT_EQ(0, child(unprivileged_reserve, &nobody));
	/* None of it happened. */
	nl_req(&self->nl, &self->r, NLM_F_DUMP, COLLAB_CMD_APP_GET);
	ASSERT_EQ(0, nl_call(&self->nl, &self->r, types_cb, &t));
	EXPECT_EQ(0, t.n);
}

TEST_F(nl, reserved_limit)
{
	char app[COLLAB_APP_MAX];
	int i;

	for (i = 0; i < 1024; i++) {
		snprintf(app, sizeof(app), "type%d", i);
		ASSERT_EQ(0, app_reserve(&self->nl, &self->r, app,
					 COLLAB_APP_A_RESERVE_UID, i));
	}
	EXPECT_EQ(-ENOSPC, app_reserve(&self->nl, &self->r, "one-more",
				       COLLAB_APP_A_RESERVE_UID, 1));
	EXPECT_EXTACK("too many");
	/* One reserved already changes hands; one lifted makes room. */
	EXPECT_EQ(0, app_reserve(&self->nl, &self->r, "type7",
				 COLLAB_APP_A_RESERVE_GID, 7));
	EXPECT_EQ(0, app_name_cmd(&self->nl, &self->r,
				  COLLAB_CMD_APP_UNRESERVE, "type0"));
	EXPECT_EQ(0, app_reserve(&self->nl, &self->r, "one-more",
				 COLLAB_APP_A_RESERVE_UID, 1));
}

/* An instance GET of guid_of(@n): 0 or the error. */
static int instance_get(struct nl *nl, struct nl_req *r, uint64_t n,
			struct seen *seen)
{
	struct collab_guid id = guid_of(n);

	nl_req(nl, r, 0, COLLAB_CMD_INSTANCE_GET);
	nl_nest(r, COLLAB_A_INSTANCE);
	nl_put(r, COLLAB_INSTANCE_A_ID, &id, sizeof(id));
	nl_nest_end(r);
	return nl_call(nl, r, instance_cb, seen);
}

struct own_view {
	struct user u;
	int ready[2], go[2];	/* pipes: the child is bound; it may end */
};

/*
 * As nobody: instance 12 of "chat" in sessions 900 and 901 is its own; it
 * sees that one, not the parent's 10 (in 900) and 11.
 */
static int own_instances(const void *arg)
{
	const struct own_view *v = arg;
	struct collab_guid id = guid_of(12), s0 = guid_of(900);
	struct collab_guid s1 = guid_of(901);
	struct members *m = calloc(1, sizeof(*m));
	struct seen *seen = calloc(1, sizeof(*seen));
	struct nl_req r;
	struct nl nl;
	int fd, ret = 0;
	char c = 0;

	if (!m || !seen || become(&v->u) || nl_open(&nl))
		return 10;
	fd = bound_socket("chat", &id);
	if (fd < 0 || join(fd, &s0) || join(fd, &s1))
		return 11;
	if (instance_dump(&nl, &r, seen, NULL) || seen->count[12] != 1 ||
	    seen->count[10] || seen->count[11] || seen->others)
		ret = 12;
	else if (instance_get(&nl, &r, 10, seen) != -ENOENT ||
		 !strstr(nl.ext_msg, "no instance"))
		ret = 13;
	else if (instance_get(&nl, &r, 12, seen) || seen->count[12] != 2)
		ret = 14;
	/* Both sessions, with itself alone in each. */
	nl_req(&nl, &r, NLM_F_DUMP, COLLAB_CMD_SESSION_GET);
	if (!ret && (nl_call(&nl, &r, session_cb, m) || m->messages != 2 ||
		     m->count[12] != 2 || m->count[10] || m->others ||
		     m->member_count != 1))
		ret = 15;
	if (write(v->ready[1], &c, 1) != 1 || read(v->go[0], &c, 1) != 1)
		ret = 16;
	close(fd);
	nl_close(&nl);
	return ret;
}

TEST_F(nl, unprivileged_sees_own_instances)
{
	struct own_view v = { .u = { 65534, 65534, 0, NULL } };
	struct collab_guid id, s0 = guid_of(900);
	struct members *m = calloc(1, sizeof(*m));
	struct seen *seen = calloc(1, sizeof(*seen));
	int fd[2], status;
	pid_t pid;
	char c;

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, seen);
	id = guid_of(10);
	fd[0] = bound_socket("chat", &id);
	ASSERT_LE(0, fd[0]);
	ASSERT_EQ(0, join(fd[0], &s0));
	id = guid_of(11);
	fd[1] = bound_socket("board", &id);
	ASSERT_LE(0, fd[1]);
	ASSERT_EQ(0, pipe(v.ready));
	ASSERT_EQ(0, pipe(v.go));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(own_instances(&v));
	ASSERT_EQ(1, read(v.ready[0], &c, 1));
	/* An administrator sees them all, and every member. */
	EXPECT_EQ(0, instance_dump(&self->nl, &self->r, seen, NULL));
	EXPECT_EQ(1, seen->count[10]);
	EXPECT_EQ(1, seen->count[11]);
	EXPECT_EQ(1, seen->count[12]);
	EXPECT_EQ(0, instance_get(&self->nl, &self->r, 12, seen));
	nl_req(&self->nl, &self->r, NLM_F_DUMP, COLLAB_CMD_SESSION_GET);
	nl_nest(&self->r, COLLAB_A_SESSION);
	nl_put(&self->r, COLLAB_SESSION_A_ID, &s0, sizeof(s0));
	nl_nest_end(&self->r);
	EXPECT_EQ(0, nl_call(&self->nl, &self->r, session_cb, m));
	EXPECT_EQ(2, m->member_count);
	EXPECT_EQ(1, m->count[10]);
	EXPECT_EQ(1, m->count[12]);
	ASSERT_EQ(1, write(v.go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd[0]);
	close(fd[1]);
	free(seen);
	free(m);
}

/* COLLAB_CMD_EVENTS_LISTEN on @nl, with a receive timeout for events. */
static int listen_events(struct nl *nl)
{
	struct timeval tv = { .tv_sec = 5 };
	struct nl_req r;

	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -errno;
	nl_req(nl, &r, 0, COLLAB_CMD_EVENTS_LISTEN);
	return nl_call(nl, &r, NULL, NULL);
}

/* Instance guid_of(@n) bound in session guid_of(@n + 1), then closed. */
static int bind_join_close(uint64_t n)
{
	struct collab_guid id = guid_of(n), sid = guid_of(n + 1);
	int fd = bound_socket("chat", &id);

	if (fd < 0 || join(fd, &sid))
		return -1;
	close(fd);
	return 0;
}

/* The four events of bind_join_close(@n), in order; then @more or none. */
static int expect_events(struct nl *nl, long n, int more)
{
	static const uint8_t cmds[] = {
		COLLAB_CMD_INSTANCE_NEW, COLLAB_CMD_SESSION_JOIN,
		COLLAB_CMD_SESSION_LEAVE, COLLAB_CMD_INSTANCE_DEL,
	};
	char buf[256];
	struct event e;
	unsigned int i;

	for (i = 0; i < sizeof(cmds); i++)
		if (next_event(nl, &e) != 1 || e.cmd != cmds[i] ||
		    e.instance != n)
			return 1 + i;
	if (!more && (recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT) != -1 ||
		      errno != EAGAIN))
		return 5;
	return 0;
}

/*
 * As nobody, listening: of instance 20 (the parent's) and 30 (its own),
 * it hears of 30 only. Past 16 listeners, a user is refused one more,
 * until one of them closes.
 */
static int own_events(const void *arg)
{
	const struct own_view *v = arg;
	struct nl nl, more[16];
	struct nl_req r;
	int i, ret;
	char c = 0;

	if (become(&v->u) || nl_open(&nl) || listen_events(&nl) ||
	    listen_events(&nl))
		return 10;
	if (write(v->ready[1], &c, 1) != 1 || read(v->go[0], &c, 1) != 1)
		return 11;
	if (bind_join_close(30))
		return 12;
	ret = expect_events(&nl, 30, 0);
	if (ret)
		return 20 + ret;

	for (i = 0; i < 15; i++)
		if (nl_open(&more[i]) || listen_events(&more[i]))
			return 30;
	if (nl_open(&more[15]))
		return 31;
	nl_req(&more[15], &r, 0, COLLAB_CMD_EVENTS_LISTEN);
	if (nl_call(&more[15], &r, NULL, NULL) != -ENOSPC ||
	    !strstr(more[15].ext_msg, "too many listeners"))
		return 32;
	nl_close(&more[0]);
	if (listen_events(&more[15]))
		return 33;
	for (i = 1; i < 16; i++)
		nl_close(&more[i]);
	nl_close(&nl);
	return 0;
}

TEST_F(nl, unprivileged_listener)
{
	struct own_view v = { .u = { 65534, 65534, 0, NULL } };
	struct nl admin;
	int status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, nl_open(&admin));
	ASSERT_EQ(0, listen_events(&admin));
	ASSERT_EQ(0, pipe(v.ready));
	ASSERT_EQ(0, pipe(v.go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(own_events(&v));
	ASSERT_EQ(1, read(v.ready[0], &c, 1));
	ASSERT_EQ(0, bind_join_close(20));
	ASSERT_EQ(1, write(v.go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* An administrator that listens hears of both, in order. */
	EXPECT_EQ(0, expect_events(&admin, 20, 1));
	EXPECT_EQ(0, expect_events(&admin, 30, 0));
	nl_close(&admin);
}

TEST_HARNESS_MAIN
