// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Handles: one bound AF_COLLAB socket each, and the translation of every
 * message sent and received through it. What the kernel says about a
 * received message (its source address and COLLAB_CMSG_META) is checked
 * against what the XML claims: a document that lies about its sender,
 * session or destination kind counts as invalid.
 *
 * For remote calls (remote.c) a handle also keeps aside the messages that
 * arrive while a call waits for its reply, as the kernel gave them, and
 * sends the probes that tell whether the instance called is still there;
 * their delivery receipts come on the socket's error queue, which only
 * the library reads.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/collab.h>

#include "internal.h"

static_assert(COLLAB_XML_MAX == COLLAB_MSG_MAX, "a message is one datagram");
static_assert(COLLAB_APP_TYPE_MAX == COLLAB_APP_MAX, "application type length");
static_assert(sizeof(struct collab_id) == sizeof(struct collab_guid), "id size");
static_assert((int)COLLAB_DEST_GUID == (int)COLLAB_ADDR_GUID &&
	      (int)COLLAB_DEST_APP == (int)COLLAB_ADDR_APP &&
	      (int)COLLAB_DEST_SESSION == (int)COLLAB_ADDR_SESSION &&
	      (int)COLLAB_DEST_BROADCAST == (int)COLLAB_ADDR_BROADCAST, "destination kinds");

struct counters {
	uint64_t tx_msgs, tx_bytes, tx_errors;
	uint64_t rx_msgs, rx_bytes, rx_invalid;
};

/* Probes whose receipts a call still looks for. */
#define PROBES_KEPT	8

/* A message a call kept aside: the document as received, and the kernel's word. */
struct kept {
	struct kept *next;
	char *xml;
	size_t len;
	struct sockaddr_collab from;
	struct collab_meta meta;
};

struct collab {
	int fd;
	int family;
	struct collab_source self;
	void (*report)(void *arg, const char *reason);
	void *report_arg;
	uint64_t next_id;
	struct counters c;	/* updated atomically */

	/*
	 * Sends hold it shared; a probe holds it alone, so that the id
	 * COLLAB_LAST_MSGID gives after it is the probe's.
	 */
	pthread_rwlock_t send_lock;
	/* The probes of the call under way; only its thread uses them. */
	bool confirm;			/* COLLAB_CONFIRM is on */
	uint64_t probes[PROBES_KEPT];	/* the kernel's ids of the latest */
	unsigned int nprobes;

	/* The backlog: messages kept aside for collab_recv(), oldest first. */
	pthread_mutex_t backlog_lock;
	struct kept *first, **last;
	unsigned int nkept;		/* also read without the lock */
	struct kept *spare;		/* taken before a call reads a message */
};

#define COUNT(h, field, n) __atomic_fetch_add(&(h)->c.field, (n), __ATOMIC_RELAXED)

static void host_name(char host[COLLAB_HOST_MAX])
{
	char buf[256];
	size_t n;

	if (!gethostname(buf, sizeof(buf))) {
		n = strnlen(buf, sizeof(buf));
		if (valid_word(buf, n, COLLAB_HOST_MAX - 1)) {
			memcpy(host, buf, n + 1);
			return;
		}
	}
	snprintf(host, COLLAB_HOST_MAX, "localhost");
}

/* The login name, or the uid in decimal if it has none the format takes. */
static void user_name(char user[COLLAB_USER_MAX])
{
	struct passwd pw, *res = NULL;
	uid_t uid = geteuid();
	char buf[4096];

	size_t n;

	if (!getpwuid_r(uid, &pw, buf, sizeof(buf), &res) && res) {
		n = strnlen(pw.pw_name, COLLAB_USER_MAX);
		if (valid_word(pw.pw_name, n, COLLAB_USER_MAX - 1)) {
			memcpy(user, pw.pw_name, n + 1);
			return;
		}
	}
	snprintf(user, COLLAB_USER_MAX, "%u", (unsigned int)uid);
}

COLLAB_EXPORT struct collab *collab_open(const char *app_type, const struct collab_opts *opts)
{
	static const struct collab_opts defaults;
	struct sockaddr_collab a = { 0 };
	socklen_t alen = sizeof(a);
	struct collab *h;
	size_t n;
	int err, one = 1;

	if (!opts)
		opts = &defaults;
	n = app_type ? strnlen(app_type, COLLAB_APP_TYPE_MAX) : 0;
	if (!valid_app(app_type, n) || (opts->flags & ~COLLAB_OPEN_ACCEPT_NEW)) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	err = pthread_rwlock_init(&h->send_lock, NULL);
	if (err)
		goto err_free;
	err = pthread_mutex_init(&h->backlog_lock, NULL);
	if (err)
		goto err_destroy_send_lock;
	h->last = &h->first;
	h->family = collab_family();
	if (h->family < 0) {
		err = -h->family;
		goto err_destroy_backlog_lock;
	}
	h->fd = socket(h->family, SOCK_RDM | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		err = errno;
		goto err_destroy_backlog_lock;
	}
	a.scl_family = (__kernel_sa_family_t)h->family;
	a.scl_kind = COLLAB_ADDR_APP;
	memcpy(a.scl_id.b, opts->instance.b, sizeof(a.scl_id.b));
	memcpy(a.scl_app, app_type, n);
	if (bind(h->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    ((opts->flags & COLLAB_OPEN_ACCEPT_NEW) &&
	     setsockopt(h->fd, SOL_COLLAB, COLLAB_ACCEPT_NEW, &one, sizeof(one))) ||
	    getsockname(h->fd, (struct sockaddr *)&a, &alen)) {
		err = errno;
		goto err_close;
	}
	if (alen < sizeof(a) || a.scl_kind != COLLAB_ADDR_APP) {
		err = EPROTO;
		goto err_close;
	}
	memcpy(h->self.node.b, a.scl_node.b, sizeof(h->self.node.b));
	memcpy(h->self.instance.b, a.scl_id.b, sizeof(h->self.instance.b));
	memcpy(h->self.app, app_type, n);
	host_name(h->self.host);
	user_name(h->self.user);
	h->report = opts->report;
	h->report_arg = opts->report_arg;
	h->next_id = 1;
	return h;

err_close:
	close(h->fd);
err_destroy_backlog_lock:
	pthread_mutex_destroy(&h->backlog_lock);
err_destroy_send_lock:
	pthread_rwlock_destroy(&h->send_lock);
err_free:
	free(h);
	errno = err;
	return NULL;
}

COLLAB_EXPORT void collab_close(struct collab *h)
{
	struct kept *k;

	if (!h)
		return;
	close(h->fd);
	while ((k = h->first)) {
		h->first = k->next;
		free(k->xml);
		free(k);
	}
	free(h->spare);
	pthread_mutex_destroy(&h->backlog_lock);
	pthread_rwlock_destroy(&h->send_lock);
	free(h);
}

COLLAB_EXPORT int collab_fd(const struct collab *h)
{
	return h->fd;
}

COLLAB_EXPORT const struct collab_source *collab_self(const struct collab *h)
{
	return &h->self;
}

static int session_opt(struct collab *h, int opt, const struct collab_id *session)
{
	if (!session || collab_id_is_zero(session))
		return -EINVAL;
	if (setsockopt(h->fd, SOL_COLLAB, opt, session, sizeof(*session)))
		return -errno;
	return 0;
}

COLLAB_EXPORT int collab_join(struct collab *h, const struct collab_id *session)
{
	return session_opt(h, COLLAB_JOIN, session);
}

COLLAB_EXPORT int collab_leave(struct collab *h, const struct collab_id *session)
{
	return session_opt(h, COLLAB_LEAVE, session);
}

COLLAB_EXPORT void collab_stats_get(const struct collab *h, struct collab_stats *st)
{
	st->tx_msgs = __atomic_load_n(&h->c.tx_msgs, __ATOMIC_RELAXED);
	st->tx_bytes = __atomic_load_n(&h->c.tx_bytes, __ATOMIC_RELAXED);
	st->tx_errors = __atomic_load_n(&h->c.tx_errors, __ATOMIC_RELAXED);
	st->rx_msgs = __atomic_load_n(&h->c.rx_msgs, __ATOMIC_RELAXED);
	st->rx_bytes = __atomic_load_n(&h->c.rx_bytes, __ATOMIC_RELAXED);
	st->rx_invalid = __atomic_load_n(&h->c.rx_invalid, __ATOMIC_RELAXED);
}

/* ---- time ----------------------------------------------------------------- */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void collab__deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

bool collab__before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Milliseconds until @deadline for poll(), rounded up: -1 for NULL (none). */
static int ms_until(const struct timespec *deadline)
{
	struct timespec now;
	int64_t ns;

	if (!deadline)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 +
	     (deadline->tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	if (ns / 1000000 >= INT_MAX)
		return INT_MAX;
	return (int)((ns + 999999) / 1000000);
}

/* ---- sending -------------------------------------------------------------- */

static void to_sockaddr(const struct collab *h, const struct collab_dest *d,
			struct sockaddr_collab *a)
{
	memset(a, 0, sizeof(*a));
	a->scl_family = (__kernel_sa_family_t)h->family;
	a->scl_kind = (__u8)d->kind;
	memcpy(a->scl_node.b, d->node.b, sizeof(a->scl_node.b));
	memcpy(a->scl_id.b, d->id.b, sizeof(a->scl_id.b));
	memcpy(a->scl_app, d->app, sizeof(a->scl_app));
}

static int send_xml(struct collab *h, const struct collab_dest *dest,
		    const struct collab_id *session, const char *xml, size_t len,
		    int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct collab_guid))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)xml, .iov_len = len };
	struct sockaddr_collab to;
	struct msghdr mh = {
		.msg_name = &to,
		.msg_namelen = sizeof(to),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *c;
	ssize_t n;

	to_sockaddr(h, dest, &to);
	if (!collab_id_is_zero(session)) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_COLLAB;
		c->cmsg_type = COLLAB_CMSG_SESSION;
		c->cmsg_len = CMSG_LEN(sizeof(struct collab_guid));
		memcpy(CMSG_DATA(c), session, sizeof(*session));
	}
	do {
		n = sendmsg(h->fd, &mh, MSG_NOSIGNAL | flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return 0;
}

/*
 * @msg with the envelope filled for @dest (in *@m), written into the
 * thread's buffer (@o) and checked by the validator every receiver runs.
 */
static int prepare(struct collab *h, const struct collab_dest *dest,
		   const struct collab_msg *msg, struct collab_msg *m, struct xout *o)
{
	struct collab__thread *t = collab__thread();
	int err;

	if (dest->kind < COLLAB_DEST_GUID || dest->kind > COLLAB_DEST_BROADCAST)
		return -EINVAL;
	if (!t || (!t->out && !(t->out = malloc(COLLAB_XML_MAX))) ||
	    (!t->check && !(t->check = collab__msg_new())))
		return -ENOMEM;
	*m = *msg;
	m->id = __atomic_fetch_add(&h->next_id, 1, __ATOMIC_RELAXED);
	m->source = h->self;
	m->source.time_us = now_us();
	m->target = *dest;
	if (dest->kind == COLLAB_DEST_SESSION) {
		if (collab_id_is_zero(&m->session))
			m->session = dest->id;
		else if (memcmp(&m->session, &dest->id, sizeof(m->session)))
			return -EINVAL;
	}
	*o = (struct xout){ .p = t->out, .cap = COLLAB_XML_MAX };
	err = collab__encode(o, m);
	if (err == -ENOSPC)
		err = -EMSGSIZE;
	if (err)
		return err;
	if (collab__decode(o->p, o->len, t->check))
		return -EBADMSG;
	return 0;
}

int collab__send(struct collab *h, const struct collab_dest *dest,
		 const struct collab_msg *msg, uint64_t *id)
{
	struct collab_msg m;
	struct xout o;
	bool locked;
	int err;

	err = prepare(h, dest, msg, &m, &o);
	if (err)
		goto err_count;
	locked = !pthread_rwlock_rdlock(&h->send_lock);
	err = send_xml(h, dest, &m.session, o.p, o.len, 0);
	if (locked)
		pthread_rwlock_unlock(&h->send_lock);
	if (err)
		goto err_count;
	COUNT(h, tx_msgs, 1);
	COUNT(h, tx_bytes, o.len);
	if (id)
		*id = m.id;
	return 0;

err_count:
	COUNT(h, tx_errors, 1);
	return err;
}

COLLAB_EXPORT int collab_send(struct collab *h, const struct collab_dest *dest,
			      const struct collab_msg *msg)
{
	if (!h || !dest || !msg)
		return -EINVAL;
	/* Probes are the library's: receivers drop them. */
	if (msg->type && !strcmp(msg->type, COLLAB_TYPE_PROBE)) {
		COUNT(h, tx_errors, 1);
		return -EINVAL;
	}
	return collab__send(h, dest, msg, NULL);
}

/* ---- probes --------------------------------------------------------------- */

/* Whether a probe's delivery status says that no instance there takes it. */
static bool nobody_there(int status)
{
	return status == EHOSTUNREACH || status == ECONNREFUSED;
}

/*
 * Read the receipts queued on the socket's error queue: -ECONNRESET if
 * one of them is a probe's and says that nobody took it. The others
 * (the call's thread asked for every message sent meanwhile) are dropped.
 */
static int read_receipts(struct collab *h)
{
	struct collab_receipt r;
	struct iovec iov = { .iov_base = &r, .iov_len = sizeof(r) };
	struct msghdr mh;
	unsigned int i, n = h->nprobes < PROBES_KEPT ? h->nprobes : PROBES_KEPT;
	bool gone = false;
	ssize_t len;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		len = recvmsg(h->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			break;
		if ((size_t)len < sizeof(r) || !nobody_there(r.cr_status))
			continue;
		for (i = 0; i < n; i++)
			if (h->probes[i] == r.cr_msgid)
				gone = true;
	}
	return gone ? -ECONNRESET : 0;
}

int collab__probe(struct collab *h, const struct collab_dest *dest)
{
	const struct collab_msg probe = { .type = COLLAB_TYPE_PROBE };
	socklen_t len = sizeof(uint64_t);
	struct collab_msg m;
	struct xout o;
	uint64_t id;
	int err, on = 1;

	if (prepare(h, dest, &probe, &m, &o))
		return 0;
	/* A send under way would make the id below another's: next time. */
	if (pthread_rwlock_trywrlock(&h->send_lock))
		return 0;
	if (!h->confirm && !setsockopt(h->fd, SOL_COLLAB, COLLAB_CONFIRM, &on, sizeof(on)))
		h->confirm = true;
	/* A full queue or store there tells nothing: no waiting for room. */
	err = send_xml(h, dest, &m.session, o.p, o.len, MSG_DONTWAIT);
	if (!err && h->confirm &&
	    !getsockopt(h->fd, SOL_COLLAB, COLLAB_LAST_MSGID, &id, &len) && len == sizeof(id))
		h->probes[h->nprobes++ % PROBES_KEPT] = id;
	pthread_rwlock_unlock(&h->send_lock);
	return err && nobody_there(-err) ? -ECONNRESET : 0;
}

void collab__probe_end(struct collab *h)
{
	int off = 0;

	if (h->confirm && !setsockopt(h->fd, SOL_COLLAB, COLLAB_CONFIRM, &off, sizeof(off)))
		h->confirm = false;
	/* Receipts that come after this are not queued; those queued go. */
	h->nprobes = 0;
	read_receipts(h);
}

/* ---- receiving ---------------------------------------------------------- */

/* A message as the kernel gave it. */
struct rx {
	char *xml;
	size_t len;
	struct sockaddr_collab from;
	struct collab_meta meta;
};

/*
 * Until the socket is readable or @deadline (NULL: none). Receipts are
 * read as they come: a probe's that says its instance is gone ends the
 * wait with -ECONNRESET.
 */
static int wait_socket(struct collab *h, const struct timespec *deadline)
{
	struct pollfd p = { .fd = h->fd, .events = POLLIN };
	int r, err;

	for (;;) {
		r = poll(&p, 1, ms_until(deadline));
		if (r < 0)
			return -errno;
		if (!r)
			return -ETIMEDOUT;
		if (p.revents & POLLERR) {
			err = read_receipts(h);
			if (err)
				return err;
		}
		if (p.revents & ~POLLERR)
			return 0;
	}
}

static int invalid(struct collab *h, int err)
{
	COUNT(h, rx_invalid, 1);
	if (h->report)
		h->report(h->report_arg, collab_xml_error());
	return err;
}

/* The XML's claims against the kernel's: the kernel is right. */
static int check_claims(const struct collab_msg *m, const struct sockaddr_collab *from,
			const struct collab_meta *meta)
{
	if (memcmp(m->source.node.b, from->scl_node.b, sizeof(from->scl_node.b)) ||
	    memcmp(m->source.instance.b, from->scl_id.b, sizeof(from->scl_id.b)) ||
	    strncmp(m->source.app, from->scl_app, COLLAB_APP_TYPE_MAX)) {
		collab__set_error("the source in the message is not its sender");
		return -EBADMSG;
	}
	if (memcmp(m->session.b, meta->cm_session.b, sizeof(meta->cm_session.b))) {
		collab__set_error("the session in the message is not the one it was sent in");
		return -EBADMSG;
	}
	if (m->target.kind != meta->cm_dest_kind) {
		collab__set_error("the target kind in the message is not the one it was sent to");
		return -EBADMSG;
	}
	return 0;
}

/*
 * The next message of the socket into @buf (COLLAB_XML_MAX + 1 bytes),
 * waiting until @deadline. A message without the kernel's word on it, or
 * too long, counts as invalid: -EPROTO, -EBADMSG.
 */
static int read_socket(struct collab *h, char *buf, struct rx *rx,
		       const struct timespec *deadline)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct collab_meta))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *c;
	bool has_meta = false;
	ssize_t n;
	int err;

	for (;;) {
		iov.iov_base = buf;
		iov.iov_len = COLLAB_XML_MAX + 1;
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &rx->from;
		mh.msg_namelen = sizeof(rx->from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(h->fd, &mh, MSG_DONTWAIT);
		if (n >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		/* Nothing yet (or another thread took it): wait. */
		err = wait_socket(h, deadline);
		if (err)
			return err;
	}

	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_COLLAB && c->cmsg_type == COLLAB_CMSG_META &&
		    c->cmsg_len >= CMSG_LEN(sizeof(rx->meta))) {
			memcpy(&rx->meta, CMSG_DATA(c), sizeof(rx->meta));
			has_meta = true;
		}
	if (!has_meta || mh.msg_namelen < sizeof(rx->from) || (mh.msg_flags & MSG_CTRUNC)) {
		collab__set_error("no sender address or metadata from the kernel");
		return invalid(h, -EPROTO);
	}
	if ((size_t)n > COLLAB_XML_MAX || (mh.msg_flags & MSG_TRUNC)) {
		collab__set_error("more than %d bytes", COLLAB_XML_MAX);
		return invalid(h, -EBADMSG);
	}
	rx->xml = buf;
	rx->len = (size_t)n;
	return 0;
}

/*
 * Validate and decode @rx into @msg, and check it against the kernel's
 * word; with @app, a registered codec's decode() too. On failure @msg is
 * empty and the message counts as invalid.
 */
static int decode(struct collab *h, const struct rx *rx, struct collab_msg *msg, bool app)
{
	int err;

	err = collab__decode(rx->xml, rx->len, msg);
	if (!err)
		err = check_claims(msg, &rx->from, &rx->meta);
	if (!err && app)
		err = collab__decode_app(msg);
	if (!err)
		return 0;
	collab__msg_reset(msg);
	return invalid(h, err == -ENOMEM ? err : -EBADMSG);
}

/* @msg goes to the application: the kernel's word on it, and the counters. */
static void delivered(struct collab *h, const struct rx *rx, struct collab_msg *msg)
{
	msg->delivery.kernel_id = rx->meta.cm_msgid;
	msg->delivery.hops = rx->meta.cm_hops;
	msg->delivery.local = rx->meta.cm_flags & COLLAB_META_LOCAL;
	if (msg->delivery.local) {
		msg->delivery.uid = rx->meta.cm_uid;
		msg->delivery.pid = rx->meta.cm_pid;
	}
	COUNT(h, rx_msgs, 1);
	COUNT(h, rx_bytes, rx->len);
}

static bool is_probe(const struct collab_msg *msg)
{
	return !strcmp(msg->type, COLLAB_TYPE_PROBE);
}

/* The oldest message kept aside, or NULL. */
static struct kept *backlog_take(struct collab *h)
{
	struct kept *k;

	if (!__atomic_load_n(&h->nkept, __ATOMIC_ACQUIRE))
		return NULL;
	pthread_mutex_lock(&h->backlog_lock);
	k = h->first;
	if (k) {
		h->first = k->next;
		if (!h->first)
			h->last = &h->first;
		__atomic_store_n(&h->nkept, h->nkept - 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&h->backlog_lock);
	return k;
}

bool collab__backlog_full(const struct collab *h)
{
	return __atomic_load_n(&h->nkept, __ATOMIC_ACQUIRE) >= COLLAB_CALL_BACKLOG;
}

COLLAB_EXPORT bool collab_pending(const struct collab *h)
{
	return h && __atomic_load_n(&h->nkept, __ATOMIC_ACQUIRE);
}

/*
 * Decode @rx into *@msgp (reused, or a new message) for the application:
 * 0; 1 for a probe, which is dropped; or a negative errno.
 */
static int take(struct collab *h, const struct rx *rx, struct collab_msg **msgp)
{
	struct collab_msg *msg = *msgp ? *msgp : collab__msg_new();
	int err;

	if (!msg)
		return -ENOMEM;
	err = decode(h, rx, msg, true);
	if (!err && is_probe(msg)) {
		/* The library's own: not the application's business. */
		collab__msg_reset(msg);
		err = 1;
	}
	if (err) {
		if (!*msgp)
			collab_msg_free(msg);
		return err;
	}
	delivered(h, rx, msg);
	*msgp = msg;
	return 0;
}

COLLAB_EXPORT int collab_recv(struct collab *h, struct collab_msg **msgp, int timeout_ms)
{
	struct collab__thread *t = collab__thread();
	struct timespec deadline;
	struct kept *k;
	struct rx rx;
	int err;

	if (!h || !msgp || (*msgp && !(*msgp)->store))
		return -EINVAL;
	k = backlog_take(h);
	if (k) {
		rx = (struct rx){ .xml = k->xml, .len = k->len, .from = k->from, .meta = k->meta };
		err = take(h, &rx, msgp);
		free(k->xml);
		free(k);
		if (err <= 0)
			return err;
	}
	if (!t || (!t->in && !(t->in = malloc(COLLAB_XML_MAX + 1))))
		return -ENOMEM;
	if (timeout_ms >= 0)
		collab__deadline(&deadline, timeout_ms);
	do {
		err = read_socket(h, t->in, &rx, timeout_ms >= 0 ? &deadline : NULL);
		if (err)
			return err;
		err = take(h, &rx, msgp);
	} while (err > 0);
	return err;
}

int collab__recv_until(struct collab *h, struct collab_msg *msg,
		       const struct timespec *deadline,
		       bool (*want)(void *arg, const struct collab_msg *msg), void *arg)
{
	struct collab__thread *t = collab__thread();
	struct kept *k;
	struct rx rx;
	char *xml;
	int err;

	collab__msg_reset(msg);
	if (!t)
		return -ENOMEM;
	for (;;) {
		if (collab__backlog_full(h))
			return -ENOBUFS;
		/* What keeping a message takes is there before it is read. */
		if ((!t->in && !(t->in = malloc(COLLAB_XML_MAX + 1))) ||
		    (!h->spare && !(h->spare = malloc(sizeof(*h->spare)))))
			return -ENOMEM;
		err = read_socket(h, t->in, &rx, deadline);
		if (err == -EBADMSG || err == -EPROTO)
			continue;	/* counted and reported */
		if (err)
			return err;
		err = decode(h, &rx, msg, false);
		if (err == -EBADMSG)
			continue;
		if (err)
			return err;
		if (is_probe(msg)) {
			collab__msg_reset(msg);
			continue;
		}
		if (want(arg, msg)) {
			if (collab__decode_app(msg)) {
				collab__msg_reset(msg);
				invalid(h, -EBADMSG);
				continue;
			}
			delivered(h, &rx, msg);
			return 0;
		}
		/* The receive buffer itself is kept; the next read gets another. */
		xml = realloc(t->in, rx.len ? rx.len : 1);
		if (!xml)
			xml = t->in;
		t->in = NULL;
		k = h->spare;
		h->spare = NULL;
		*k = (struct kept){ .xml = xml, .len = rx.len, .from = rx.from, .meta = rx.meta };
		collab__msg_reset(msg);
		pthread_mutex_lock(&h->backlog_lock);
		*h->last = k;
		h->last = &k->next;
		__atomic_store_n(&h->nkept, h->nkept + 1, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&h->backlog_lock);
	}
}
