// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Handles: one bound AF_COLLAB socket each, and the translation of every
 * message sent and received through it. What the kernel says about a
 * received message (its source address and COLLAB_CMSG_META) is checked
 * against what the XML claims: a document that lies about its sender,
 * session or destination kind counts as invalid.
 */
#include <assert.h>
#include <errno.h>
#include <poll.h>
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

struct collab {
	int fd;
	int family;
	struct collab_source self;
	void (*report)(void *arg, const char *reason);
	void *report_arg;
	uint64_t next_id;
	struct counters c;	/* updated atomically */
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
	h->family = collab_family();
	if (h->family < 0) {
		err = -h->family;
		goto err_free;
	}
	h->fd = socket(h->family, SOCK_RDM | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		err = errno;
		goto err_free;
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
err_free:
	free(h);
	errno = err;
	return NULL;
}

COLLAB_EXPORT void collab_close(struct collab *h)
{
	if (!h)
		return;
	close(h->fd);
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

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

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
		    const struct collab_id *session, const char *xml, size_t len)
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
		n = sendmsg(h->fd, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return 0;
}

COLLAB_EXPORT int collab_send(struct collab *h, const struct collab_dest *dest,
			      const struct collab_msg *msg)
{
	struct collab__thread *t = collab__thread();
	struct xout o = { .cap = COLLAB_XML_MAX };
	struct collab_msg m;
	int err;

	if (!h || !dest || !msg)
		return -EINVAL;
	if (dest->kind < COLLAB_DEST_GUID || dest->kind > COLLAB_DEST_BROADCAST) {
		err = -EINVAL;
		goto err_count;
	}
	if (!t || (!t->out && !(t->out = malloc(COLLAB_XML_MAX))) ||
	    (!t->check && !(t->check = collab__msg_new()))) {
		err = -ENOMEM;
		goto err_count;
	}
	m = *msg;
	m.id = __atomic_fetch_add(&h->next_id, 1, __ATOMIC_RELAXED);
	m.source = h->self;
	m.source.time_us = now_us();
	m.target = *dest;
	if (dest->kind == COLLAB_DEST_SESSION) {
		if (collab_id_is_zero(&m.session)) {
			m.session = dest->id;
		} else if (memcmp(&m.session, &dest->id, sizeof(m.session))) {
			err = -EINVAL;
			goto err_count;
		}
	}
	o.p = t->out;
	err = collab__encode(&o, &m);
	if (err == -ENOSPC)
		err = -EMSGSIZE;
	if (err)
		goto err_count;
	/* What leaves is checked by the validator every receiver runs. */
	err = collab__decode(o.p, o.len, t->check);
	if (err) {
		err = -EBADMSG;
		goto err_count;
	}
	err = send_xml(h, dest, &m.session, o.p, o.len);
	if (err)
		goto err_count;
	COUNT(h, tx_msgs, 1);
	COUNT(h, tx_bytes, o.len);
	return 0;

err_count:
	if (h)
		COUNT(h, tx_errors, 1);
	return err;
}

/* ---- receiving ---------------------------------------------------------- */

static int wait_readable(int fd, int timeout_ms, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec now;
	int ms = timeout_ms, r;

	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (int)((deadline->tv_sec - now.tv_sec) * 1000 +
			   (deadline->tv_nsec - now.tv_nsec) / 1000000);
		if (ms < 0)
			ms = 0;
	}
	r = poll(&p, 1, ms);
	if (r < 0)
		return -errno;
	return r ? 0 : -ETIMEDOUT;
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

COLLAB_EXPORT int collab_recv(struct collab *h, struct collab_msg **msgp, int timeout_ms)
{
	struct collab__thread *t = collab__thread();
	union {
		char buf[CMSG_SPACE(sizeof(struct collab_meta))];
		struct cmsghdr align;
	} ctl;
	struct collab_meta meta;
	struct sockaddr_collab from;
	struct iovec iov;
	struct msghdr mh;
	struct timespec deadline;
	struct cmsghdr *c;
	struct collab_msg *msg;
	bool has_meta = false;
	ssize_t n;
	int err;

	if (!h || !msgp || (*msgp && !(*msgp)->store))
		return -EINVAL;
	if (!t || (!t->in && !(t->in = malloc(COLLAB_XML_MAX + 1))))
		return -ENOMEM;
	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	for (;;) {
		iov.iov_base = t->in;
		iov.iov_len = COLLAB_XML_MAX + 1;
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
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
		err = wait_readable(h->fd, timeout_ms, &deadline);
		if (err)
			return err;
	}

	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_COLLAB && c->cmsg_type == COLLAB_CMSG_META &&
		    c->cmsg_len >= CMSG_LEN(sizeof(meta))) {
			memcpy(&meta, CMSG_DATA(c), sizeof(meta));
			has_meta = true;
		}
	if (!has_meta || mh.msg_namelen < sizeof(from) || (mh.msg_flags & MSG_CTRUNC)) {
		collab__set_error("no sender address or metadata from the kernel");
		return invalid(h, -EPROTO);
	}
	if ((size_t)n > COLLAB_XML_MAX || (mh.msg_flags & MSG_TRUNC)) {
		collab__set_error("more than %d bytes", COLLAB_XML_MAX);
		return invalid(h, -EBADMSG);
	}

	msg = *msgp ? *msgp : collab__msg_new();
	if (!msg)
		return -ENOMEM;
	err = collab__decode(t->in, (size_t)n, msg);
	if (!err)
		err = check_claims(msg, &from, &meta);
	if (!err)
		err = collab__decode_app(msg);
	if (err) {
		if (*msgp)
			collab__msg_reset(msg);
		else
			collab_msg_free(msg);
		return invalid(h, err == -ENOMEM ? err : -EBADMSG);
	}
	msg->delivery.kernel_id = meta.cm_msgid;
	msg->delivery.hops = meta.cm_hops;
	msg->delivery.local = meta.cm_flags & COLLAB_META_LOCAL;
	if (msg->delivery.local) {
		msg->delivery.uid = meta.cm_uid;
		msg->delivery.pid = meta.cm_pid;
	}
	*msgp = msg;
	COUNT(h, rx_msgs, 1);
	COUNT(h, rx_bytes, (uint64_t)n);
	return 0;
}
