// SPDX-License-Identifier: GPL-2.0
/*
 * trinity-collab.so: loaded into trinity with LD_PRELOAD by tools/trinity/run,
 * so that trinity's calls on AF_COLLAB sockets get past the first checks.
 *
 * Trinity knows nothing of AF_COLLAB: every address it makes for an unknown
 * family is zeros (family 0), so bind(), connect() and every send would stop
 * at the family check, and a send needs a bound socket. This shim
 *
 *   - binds each AF_COLLAB socket that trinity opens for its pool (libc
 *     socket(), before the children start) as an instance of one of the
 *     application types of COLLAB_FUZZ_APPS, with a GUID of its own (pool
 *     GUIDs f2 7a 00 .. 00 NN), joins some of COLLAB_FUZZ_SESSIONS, sets
 *     COLLAB_ACCEPT_NEW or COLLAB_CONFIRM on some and connects some;
 *   - rewrites, most of the time, the arguments of the calls that trinity's
 *     children make through libc's syscall() on an AF_COLLAB socket:
 *     addresses of every kind (the nodes of COLLAB_FUZZ_NODES, the GUIDs of
 *     the pool and of COLLAB_FUZZ_GUIDS, sessions, application types, and
 *     now and then a length, a kind, a flag or a byte that is wrong),
 *     payloads of 0 to 65,537 bytes, COLLAB_CMSG_SESSION control messages,
 *     flags the socket takes, SOL_COLLAB options, and result buffers for
 *     recvmsg(), recvfrom(), getsockname(), getpeername() and getsockopt()
 *     (trinity passes lengths where these want pointers). The rest of the
 *     time trinity's own arguments go through unchanged.
 *
 * Its choices come from COLLAB_FUZZ_SEED and the process id. Every
 * GUID is 32 hex digits; lists are separated by commas.
 *
 * It also keeps trinity 1.9+git20230109 from crashing: for a socket of a
 * family it has no code for, its do_random_sso() reads net_protocols[45],
 * one past the end of the table (its size is 45, PF_MAX is 46), whenever
 * rand() % 46 is 45; the main process dies opening its socket pool. Here
 * rand() never returns such a value (it returns 2 less: same parity).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/collab.h>

#define MAX_LIST	16
#define POOL_GUIDS	64
#define PAYLOAD_MAX	(COLLAB_MSG_MAX + 1)


static long (*real_syscall)(long nr, ...);
static int (*real_rand)(void);
static int family = COLLAB_FAMILY_DEFAULT;
static uint64_t seed, state;

static struct collab_guid nodes[MAX_LIST], guids[MAX_LIST], sessions[MAX_LIST];
static int nr_nodes, nr_guids, nr_sessions;
static char apps[MAX_LIST][COLLAB_APP_MAX];
static int nr_apps;
static int pool_next;

/* Buffers a rewritten call points into; each process has its own. */
static unsigned char payload[PAYLOAD_MAX];
static unsigned char addr_buf[128], name_buf[128], opt_buf[1024];
static unsigned char cmsg_buf[CMSG_SPACE(sizeof(struct collab_guid)) + 64];
static unsigned char ctl_buf[512];
static struct iovec iov[3];
static struct msghdr msg;
static int len_buf;
static socklen_t optlen_buf;

static uint64_t rnd(void)
{
	/* xorshift64* */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}

static unsigned int one_in(unsigned int n)
{
	return rnd() % n == 0;
}

static void reseed(void)
{
	state = (seed ^ ((uint64_t)getpid() << 32)) * 0x9e3779b97f4a7c15ULL | 1;
	rnd();
}

static int parse_guid(const char *s, struct collab_guid *g)
{
	unsigned int i, byte;

	for (i = 0; i < 16; i++) {
		if (sscanf(s + 2 * i, "%2x", &byte) != 1)
			return -1;
		g->b[i] = byte;
	}
	return 0;
}

static int parse_guids(const char *var, struct collab_guid *list)
{
	const char *s = getenv(var);
	int n = 0;

	while (s && *s && n < MAX_LIST) {
		if (parse_guid(s, &list[n]) == 0)
			n++;
		s = strchr(s, ',');
		if (s)
			s++;
	}
	return n;
}

static void parse_apps(void)
{
	const char *s = getenv("COLLAB_FUZZ_APPS");
	size_t len;

	while (s && *s && nr_apps < MAX_LIST) {
		len = strcspn(s, ",");
		if (len && len < COLLAB_APP_MAX) {
			memcpy(apps[nr_apps], s, len);
			apps[nr_apps++][len] = 0;
		}
		s += len;
		if (*s)
			s++;
	}
	if (!nr_apps)
		strcpy(apps[nr_apps++], "fuzz");
}

__attribute__((constructor))
static void shim_init(void)
{
	const char *s;
	FILE *f;

	real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	real_rand = (int (*)(void))dlsym(RTLD_NEXT, "rand");
	f = fopen(COLLAB_FAMILY_SYSFS, "r");
	if (f) {
		if (fscanf(f, "%d", &family) != 1)
			family = COLLAB_FAMILY_DEFAULT;
		fclose(f);
	}
	s = getenv("COLLAB_FUZZ_SEED");
	seed = s ? strtoull(s, NULL, 0) : 1;
	reseed();
	nr_nodes = parse_guids("COLLAB_FUZZ_NODES", nodes);
	nr_guids = parse_guids("COLLAB_FUZZ_GUIDS", guids);
	nr_sessions = parse_guids("COLLAB_FUZZ_SESSIONS", sessions);
	parse_apps();
	memset(payload, 0xa5, sizeof(payload));
	pthread_atfork(NULL, NULL, reseed);
}

static long sys(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return real_syscall(nr, a1, a2, a3, a4, a5, a6);
}

static int is_collab(long fd)
{
	int dom = -1;
	socklen_t len = sizeof(dom);

	if (fd < 0 || fd > INT32_MAX)
		return 0;
	return sys(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, (long)&dom,
		   (long)&len, 0) == 0 && dom == family;
}

static void pool_guid(int i, struct collab_guid *g)
{
	memset(g, 0, sizeof(*g));
	g->b[0] = 0xf2;
	g->b[1] = 0x7a;
	g->b[15] = i;
}

static void random_bytes(void *p, size_t n)
{
	unsigned char *b = p;

	while (n--)
		*b++ = rnd();
}

/* An instance GUID: mostly one that exists, sometimes none or any. */
static void pick_guid(struct collab_guid *g)
{
	switch (rnd() % 8) {
	case 0:
		memset(g, 0, sizeof(*g));
		break;
	case 1:
		random_bytes(g, sizeof(*g));
		break;
	case 2:
	case 3:
	case 4:
		if (nr_guids) {
			*g = guids[rnd() % nr_guids];
			break;
		}
		/* fall through */
	default:
		pool_guid(rnd() % POOL_GUIDS, g);
	}
}

static void pick_session(struct collab_guid *g)
{
	if (nr_sessions && !one_in(6))
		*g = sessions[rnd() % nr_sessions];
	else if (one_in(2))
		memset(g, 0, sizeof(*g));
	else
		random_bytes(g, sizeof(*g));
}

static void pick_node(struct collab_guid *g)
{
	switch (rnd() % 6) {
	case 0:
	case 1:
		memset(g, 0, sizeof(*g));
		break;
	case 2:
		random_bytes(g, sizeof(*g));
		break;
	default:
		if (nr_nodes)
			*g = nodes[rnd() % nr_nodes];
		else
			memset(g, 0, sizeof(*g));
	}
}

static void pick_app(char *app)
{
	unsigned int i;

	memset(app, 0, COLLAB_APP_MAX);
	switch (rnd() % 16) {
	case 0:		/* empty: every instance, for a broadcast */
		break;
	case 1:		/* no NUL */
		memset(app, 'a' + rnd() % 26, COLLAB_APP_MAX);
		break;
	case 2:		/* control characters and bytes above 0x7e */
		for (i = 0; i < 1 + rnd() % (COLLAB_APP_MAX - 1); i++)
			app[i] = rnd();
		break;
	default:
		strcpy(app, apps[rnd() % nr_apps]);
	}
}

/* A sockaddr_collab in addr_buf, mostly well formed; its length. */
static int make_addr(int for_bind)
{
	struct sockaddr_collab *a = (struct sockaddr_collab *)addr_buf;

	memset(addr_buf, 0, sizeof(addr_buf));
	a->scl_family = one_in(32) ? (int)(rnd() % 64) : family;
	if (for_bind && !one_in(8))
		a->scl_kind = COLLAB_ADDR_APP;
	else if (one_in(16))
		a->scl_kind = rnd();
	else
		a->scl_kind = 1 + rnd() % (__COLLAB_ADDR_MAX - 1);
	if (one_in(32))
		a->scl_flags = rnd();
	if (one_in(32))
		a->scl_reserved = rnd();

	switch (a->scl_kind) {
	case COLLAB_ADDR_GUID:
		pick_guid(&a->scl_id);
		break;
	case COLLAB_ADDR_SESSION:
		pick_session(&a->scl_id);
		break;
	default:
		if (for_bind) {
			if (one_in(2))
				pool_guid(rnd() % POOL_GUIDS, &a->scl_id);
		} else if (one_in(8)) {
			pick_guid(&a->scl_id);
		}
		pick_node(&a->scl_node);
		pick_app(a->scl_app);
	}

	switch (rnd() % 16) {
	case 0:
		return rnd() % sizeof(*a);
	case 1:
		return sizeof(*a) + 1 + rnd() % (sizeof(addr_buf) - sizeof(*a) - 1);
	default:
		return sizeof(*a);
	}
}

static size_t payload_len(void)
{
	switch (rnd() % 16) {
	case 0:
		return 0;
	case 1:
		return COLLAB_MSG_MAX - rnd() % 2;
	case 2:
		return COLLAB_MSG_MAX + 1;
	case 3:
	case 4:
		return rnd() % COLLAB_MSG_MAX;
	case 5:
	case 6:
	case 7:
		return rnd() % 4096;
	default:
		return 1 + rnd() % 256;
	}
}

static long send_flags(long flags)
{
	static const long ok[] = { MSG_NOSIGNAL, MSG_EOR, MSG_BATCH };
	unsigned int i;

	if (one_in(16))
		return flags;
	flags = one_in(8) ? 0 : MSG_DONTWAIT;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (one_in(4))
			flags |= ok[i];
	return flags;
}

static long recv_flags(long flags)
{
	static const long ok[] = { MSG_PEEK, MSG_TRUNC, MSG_CMSG_CLOEXEC,
				   MSG_ERRQUEUE };
	unsigned int i;

	if (one_in(8))
		return flags;
	flags = one_in(16) ? 0 : MSG_DONTWAIT;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (one_in(4))
			flags |= ok[i];
	return flags;
}

static int small_len(int max)
{
	static const int lens[] = { 0, 1, 4, 8, 15, 16, 17, 64, -1 };

	if (one_in(2))
		return max;
	return lens[rnd() % (sizeof(lens) / sizeof(lens[0]))];
}

/* Payload iovecs over payload[], 1 to 3 of them. */
static void make_iov(struct msghdr *m)
{
	size_t len = payload_len(), off = 0, n;
	unsigned int i, nr = 1 + rnd() % 3;

	for (i = 0; i < nr; i++) {
		n = i == nr - 1 ? len - off : rnd() % (len - off + 1);
		iov[i].iov_base = payload + off;
		iov[i].iov_len = n;
		off += n;
	}
	m->msg_iov = iov;
	m->msg_iovlen = nr;
}

/* A COLLAB_CMSG_SESSION control message, now and then a wrong one. */
static void make_session_cmsg(struct msghdr *m)
{
	struct cmsghdr *c = (struct cmsghdr *)cmsg_buf;
	struct collab_guid g;

	memset(cmsg_buf, 0, sizeof(cmsg_buf));
	pick_session(&g);
	c->cmsg_level = one_in(16) ? rnd() : SOL_COLLAB;
	c->cmsg_type = one_in(16) ? rnd() % 4 : COLLAB_CMSG_SESSION;
	c->cmsg_len = one_in(16) ? rnd() % sizeof(cmsg_buf) : CMSG_LEN(sizeof(g));
	memcpy(CMSG_DATA(c), &g, sizeof(g));
	m->msg_control = cmsg_buf;
	m->msg_controllen = one_in(2) ? CMSG_SPACE(sizeof(g)) : sizeof(cmsg_buf);
}

static void fix_sendmsg(long *a2, long *a3)
{
	const struct msghdr *orig = (const struct msghdr *)*a2;
	unsigned int r;

	if (!orig || one_in(16))
		return;
	msg = *orig;
	r = rnd() % 16;
	if (r < 2) {
		msg.msg_name = NULL;
		msg.msg_namelen = 0;
	} else if (r > 2) {
		msg.msg_namelen = make_addr(0);
		msg.msg_name = addr_buf;
	}
	if (!one_in(8))
		make_iov(&msg);
	r = rnd() % 16;
	if (r < 4) {
		make_session_cmsg(&msg);
	} else if (r > 4) {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	*a2 = (long)&msg;
	*a3 = send_flags(*a3);
}

static void fix_recvmsg(long *a2, long *a3)
{
	if (one_in(8))
		return;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = name_buf;
	msg.msg_namelen = small_len(sizeof(name_buf));
	iov[0].iov_base = payload;
	iov[0].iov_len = payload_len();
	msg.msg_iov = iov;
	msg.msg_iovlen = 1;
	if (!one_in(4)) {
		msg.msg_control = ctl_buf;
		msg.msg_controllen = small_len(sizeof(ctl_buf));
		if (msg.msg_controllen == (size_t)-1)
			msg.msg_controllen = 0;
	}
	*a2 = (long)&msg;
	*a3 = recv_flags(*a3);
}

static void fix_sockopt(long nr, long *a2, long *a3, long *a4, long *a5)
{
	struct collab_guid g;
	int v;

	if (one_in(2))
		return;
	*a2 = one_in(16) ? rnd() % 512 : SOL_COLLAB;
	*a3 = rnd() % 8;
	memset(opt_buf, 0, sizeof(opt_buf));
	*a4 = (long)opt_buf;
	if (nr == SYS_getsockopt) {
		optlen_buf = small_len(sizeof(opt_buf));
		*a5 = (long)&optlen_buf;
		return;
	}
	if (*a3 == COLLAB_JOIN || *a3 == COLLAB_LEAVE) {
		pick_session(&g);
		memcpy(opt_buf, &g, sizeof(g));
		*a5 = one_in(8) ? (long)small_len(sizeof(opt_buf)) : (long)sizeof(g);
	} else {
		v = one_in(4) ? (int)rnd() : (int)(rnd() % 2);
		memcpy(opt_buf, &v, sizeof(v));
		*a5 = one_in(8) ? (long)small_len(sizeof(opt_buf)) : (long)sizeof(v);
	}
}

/* trinity's rnd(), without the value that makes it read past a table. */
int rand(void)
{
	int r = real_rand();

	return r % 46 == 45 ? r - 2 : r;
}

/* What trinity's children call; libc's syscall() does the call. */
long syscall(long nr, ...)
{
	long a1, a2, a3, a4, a5, a6;
	va_list ap;

	va_start(ap, nr);
	a1 = va_arg(ap, long);
	a2 = va_arg(ap, long);
	a3 = va_arg(ap, long);
	a4 = va_arg(ap, long);
	a5 = va_arg(ap, long);
	a6 = va_arg(ap, long);
	va_end(ap);

	switch (nr) {
	case SYS_socket:
		if (a1 == family && !one_in(4)) {
			a2 = SOCK_RDM | (one_in(2) ? SOCK_NONBLOCK : 0) |
			     (one_in(4) ? SOCK_CLOEXEC : 0);
			a3 = one_in(8) ? (long)(rnd() % 4) : 0;
		}
		break;
	case SYS_bind:
	case SYS_connect:
		if (is_collab(a1) && !one_in(4)) {
			a3 = make_addr(nr == SYS_bind);
			a2 = (long)addr_buf;
		}
		break;
	case SYS_sendto:
		if (!is_collab(a1))
			break;
		a4 = send_flags(a4);
		if (!one_in(4)) {
			a3 = payload_len();
			a2 = (long)payload;
		}
		switch (rnd() % 16) {
		case 0:
		case 1:
			a5 = 0;
			a6 = 0;
			break;
		case 2:
			break;
		default:
			a6 = make_addr(0);
			a5 = (long)addr_buf;
		}
		break;
	case SYS_sendmsg:
		if (is_collab(a1))
			fix_sendmsg(&a2, &a3);
		break;
	case SYS_recvmsg:
		if (is_collab(a1))
			fix_recvmsg(&a2, &a3);
		break;
	case SYS_recvfrom:
		if (!is_collab(a1) || one_in(8))
			break;
		a2 = (long)payload;
		a3 = payload_len();
		a4 = recv_flags(a4);
		if (one_in(8)) {
			a5 = 0;
			a6 = 0;
		} else {
			len_buf = small_len(sizeof(name_buf));
			a5 = (long)name_buf;
			a6 = (long)&len_buf;
		}
		break;
	case SYS_getsockname:
	case SYS_getpeername:
		if (is_collab(a1) && !one_in(4)) {
			len_buf = small_len(sizeof(name_buf));
			a2 = (long)name_buf;
			a3 = (long)&len_buf;
		}
		break;
	case SYS_setsockopt:
	case SYS_getsockopt:
		if (is_collab(a1))
			fix_sockopt(nr, &a2, &a3, &a4, &a5);
		break;
	}
	return real_syscall(nr, a1, a2, a3, a4, a5, a6);
}

/* Trinity's pool: each AF_COLLAB socket an instance, some connected. */
static void setup_pool_socket(int fd)
{
	struct sockaddr_collab a = { .scl_family = family,
				     .scl_kind = COLLAB_ADDR_APP };
	struct collab_guid g;
	int i, one = 1, len;

	if (one_in(16))
		return;
	strcpy(a.scl_app, apps[pool_next % nr_apps]);
	if (pool_next < POOL_GUIDS)
		pool_guid(pool_next, &a.scl_id);
	pool_next++;
	if (sys(SYS_bind, fd, (long)&a, sizeof(a), 0, 0, 0))
		return;
	for (i = rnd() % 3; i > 0; i--) {
		pick_session(&g);
		sys(SYS_setsockopt, fd, SOL_COLLAB, COLLAB_JOIN, (long)&g,
		    sizeof(g), 0);
	}
	if (one_in(3))
		sys(SYS_setsockopt, fd, SOL_COLLAB, COLLAB_ACCEPT_NEW,
		    (long)&one, sizeof(one), 0);
	if (one_in(4))
		sys(SYS_setsockopt, fd, SOL_COLLAB, COLLAB_CONFIRM,
		    (long)&one, sizeof(one), 0);
	if (one_in(3)) {
		len = make_addr(0);
		sys(SYS_connect, fd, (long)addr_buf, len, 0, 0, 0);
	}
}

/* libc's socket(): trinity opens its pool with it. */
int socket(int domain, int type, int protocol)
{
	int saved, fd;

	fd = sys(SYS_socket, domain, type, protocol, 0, 0, 0);
	if (fd >= 0 && domain == family) {
		saved = errno;
		setup_pool_socket(fd);
		errno = saved;
	}
	return fd;
}
