// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for AF_COLLAB sockets on one node, so that libcollab's
 * handles run on the build machine: the program is linked with
 * -Wl,--wrap for each socket call the library makes, and the calls on
 * sockets of the collab family land here.
 *
 * Each socket is one end of an AF_UNIX datagram socketpair: the library
 * polls and reads that end; a send finds its receiver as the module
 * does for one node (an instance by GUID; an instance of a type that
 * accepts new sessions) and writes the message to the other end of the
 * receiver's pair, behind the sender's address and the COLLAB_CMSG_META
 * the library expects. Sends fail as the module's do: EHOSTUNREACH for
 * no such instance or type, ECONNREFUSED for a type none of whose
 * instances takes the message. Sessions, receipts and other nodes are
 * not modelled: COLLAB_CONFIRM is taken and no receipt ever comes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/collab.h>

#include "collab.h"
#include "fake_collab.h"

#define FAKE_SOCKS	64

struct fake {
	bool used, bound, accept_new, confirm;
	int fd;				/* the library's end */
	int in;				/* the end messages for it are written to */
	struct collab_guid id;
	char app[COLLAB_APP_MAX];
	uint64_t last_msgid;
	unsigned long delivered;	/* messages written for it */
};

/* What precedes each message on the pair. */
struct fake_hdr {
	struct sockaddr_collab from;
	struct collab_meta meta;
};

const struct collab_guid fake_node = { { 0xfa, 0xce, 0x0d, 0xe0 } };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake socks[FAKE_SOCKS];
static uint64_t msgids;

int __real_socket(int domain, int type, int protocol);
int __real_close(int fd);
int __real_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int __real_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int __real_bind(int fd, const struct sockaddr *addr, socklen_t len);
int __real_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t __real_sendmsg(int fd, const struct msghdr *mh, int flags);
ssize_t __real_recvmsg(int fd, struct msghdr *mh, int flags);

int __wrap_socket(int domain, int type, int protocol);
int __wrap_close(int fd);
int __wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int __wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int __wrap_bind(int fd, const struct sockaddr *addr, socklen_t len);
int __wrap_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *mh, int flags);
ssize_t __wrap_recvmsg(int fd, struct msghdr *mh, int flags);

/* Under the lock. */
static struct fake *find_fd(int fd)
{
	int i;

	for (i = 0; i < FAKE_SOCKS; i++)
		if (socks[i].used && socks[i].fd == fd)
			return &socks[i];
	return NULL;
}

static struct fake *find_id(const struct collab_guid *id)
{
	int i;

	for (i = 0; i < FAKE_SOCKS; i++)
		if (socks[i].used && socks[i].bound && !memcmp(&socks[i].id, id, sizeof(*id)))
			return &socks[i];
	return NULL;
}

unsigned long fake_delivered(const struct collab_id *instance)
{
	struct fake *f;
	unsigned long n;

	pthread_mutex_lock(&lock);
	f = find_id((const struct collab_guid *)instance);
	n = f ? f->delivered : 0;
	pthread_mutex_unlock(&lock);
	return n;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

int __wrap_socket(int domain, int type, int protocol)
{
	struct fake *f = NULL;
	int sv[2], i;

	if (domain != collab_family())
		return __real_socket(domain, type, protocol);
	if ((type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != SOCK_RDM)
		return fail(ESOCKTNOSUPPORT);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	pthread_mutex_lock(&lock);
	for (i = 0; i < FAKE_SOCKS && !f; i++)
		if (!socks[i].used)
			f = &socks[i];
	if (f)
		*f = (struct fake){ .used = true, .fd = sv[0], .in = sv[1] };
	pthread_mutex_unlock(&lock);
	if (!f) {
		__real_close(sv[0]);
		__real_close(sv[1]);
		return fail(EMFILE);
	}
	return sv[0];
}

int __wrap_close(int fd)
{
	struct fake *f;
	int in = -1;

	pthread_mutex_lock(&lock);
	f = find_fd(fd);
	if (f) {
		in = f->in;
		f->used = false;
	}
	pthread_mutex_unlock(&lock);
	if (in >= 0)
		__real_close(in);
	return __real_close(fd);
}

int __wrap_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	const struct sockaddr_collab *a = (const void *)addr;
	static const struct collab_guid zero;
	struct fake *f;
	int err = 0;

	pthread_mutex_lock(&lock);
	f = find_fd(fd);
	if (!f) {
		pthread_mutex_unlock(&lock);
		return __real_bind(fd, addr, len);
	}
	if (len < sizeof(*a) || a->scl_kind != COLLAB_ADDR_APP || !a->scl_app[0] || f->bound) {
		err = EINVAL;
	} else if (memcmp(&a->scl_id, &zero, sizeof(zero)) && find_id(&a->scl_id)) {
		err = EADDRINUSE;
	} else {
		f->id = a->scl_id;
		while (!memcmp(&f->id, &zero, sizeof(zero)))
			if (getrandom(&f->id, sizeof(f->id), 0) != sizeof(f->id))
				memset(&f->id, 0x5a, sizeof(f->id));
		memcpy(f->app, a->scl_app, sizeof(f->app));
		f->app[COLLAB_APP_MAX - 1] = 0;
		f->bound = true;
	}
	pthread_mutex_unlock(&lock);
	return err ? fail(err) : 0;
}

int __wrap_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sockaddr_collab a = { .scl_kind = COLLAB_ADDR_APP };
	struct fake *f;

	pthread_mutex_lock(&lock);
	f = find_fd(fd);
	if (f) {
		a.scl_family = (__kernel_sa_family_t)collab_family();
		a.scl_node = fake_node;
		a.scl_id = f->id;
		memcpy(a.scl_app, f->app, sizeof(a.scl_app));
	}
	pthread_mutex_unlock(&lock);
	if (!f)
		return __real_getsockname(fd, addr, len);
	memcpy(addr, &a, *len < sizeof(a) ? *len : sizeof(a));
	*len = sizeof(a);
	return 0;
}

int __wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct fake *f;
	int err = 0, on;

	if (level != SOL_COLLAB)
		return __real_setsockopt(fd, level, name, val, len);
	if (len < sizeof(int))
		return fail(EINVAL);
	memcpy(&on, val, sizeof(on));
	pthread_mutex_lock(&lock);
	f = find_fd(fd);
	if (!f)
		err = ENOTSOCK;
	else if (name == COLLAB_ACCEPT_NEW)
		f->accept_new = on;
	else if (name == COLLAB_CONFIRM)
		f->confirm = on;
	else if (name != COLLAB_JOIN && name != COLLAB_LEAVE)
		err = ENOPROTOOPT;
	pthread_mutex_unlock(&lock);
	return err ? fail(err) : 0;
}

int __wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct fake *f;
	int err = 0;

	if (level != SOL_COLLAB)
		return __real_getsockopt(fd, level, name, val, len);
	pthread_mutex_lock(&lock);
	f = find_fd(fd);
	if (!f)
		err = ENOTSOCK;
	else if (name != COLLAB_LAST_MSGID || *len < sizeof(uint64_t))
		err = EINVAL;
	else
		memcpy(val, &f->last_msgid, sizeof(uint64_t));
	pthread_mutex_unlock(&lock);
	if (err)
		return fail(err);
	*len = sizeof(uint64_t);
	return 0;
}

/* The receiver of a message to @to from @from, as one node's module picks it. */
static struct fake *route(const struct fake *from, const struct sockaddr_collab *to, int *err)
{
	static const struct collab_guid zero;
	struct fake *f, *any = NULL;
	int i;

	switch (to->scl_kind) {
	case COLLAB_ADDR_GUID:
		f = find_id(&to->scl_id);
		if (!f)
			*err = EHOSTUNREACH;
		return f;
	case COLLAB_ADDR_APP:
		if (memcmp(&to->scl_node, &zero, sizeof(zero)) &&
		    memcmp(&to->scl_node, &fake_node, sizeof(fake_node))) {
			*err = EHOSTUNREACH;
			return NULL;
		}
		for (i = 0; i < FAKE_SOCKS; i++) {
			f = &socks[i];
			if (!f->used || !f->bound || f == from ||
			    strncmp(f->app, to->scl_app, COLLAB_APP_MAX))
				continue;
			if (f->accept_new)
				return f;
			any = f;
		}
		*err = any ? ECONNREFUSED : EHOSTUNREACH;
		return NULL;
	}
	*err = EINVAL;
	return NULL;
}

ssize_t __wrap_sendmsg(int fd, const struct msghdr *mh, int flags)
{
	const struct sockaddr_collab *to = mh->msg_name;
	struct fake_hdr hdr;
	struct iovec iov[2];
	struct msghdr out = { .msg_iov = iov, .msg_iovlen = 2 };
	struct cmsghdr *c;
	struct fake *f, *dst;
	int in = -1, err = 0;
	ssize_t n;

	memset(&hdr, 0, sizeof(hdr));
	pthread_mutex_lock(&lock);
	f = find_fd(fd);
	if (!f) {
		pthread_mutex_unlock(&lock);
		return __real_sendmsg(fd, mh, flags);
	}
	if (!f->bound)
		err = ENOTCONN;
	else if (!to || mh->msg_namelen < sizeof(*to) || mh->msg_iovlen != 1)
		err = EINVAL;
	else if (mh->msg_iov[0].iov_len > COLLAB_MSG_MAX)
		err = EMSGSIZE;
	dst = err ? NULL : route(f, to, &err);
	/* Its own descriptor: the receiver may close meanwhile. */
	if (dst) {
		in = dup(dst->in);
		if (in < 0)
			err = errno;
		else
			dst->delivered++;
	}
	if (!err) {
		hdr.from.scl_family = (__kernel_sa_family_t)collab_family();
		hdr.from.scl_kind = COLLAB_ADDR_APP;
		hdr.from.scl_node = fake_node;
		hdr.from.scl_id = f->id;
		memcpy(hdr.from.scl_app, f->app, sizeof(hdr.from.scl_app));
		hdr.meta.cm_msgid = ++msgids;
		hdr.meta.cm_dest_kind = to->scl_kind;
		hdr.meta.cm_flags = COLLAB_META_LOCAL;
		hdr.meta.cm_uid = (__u32)getuid();
		hdr.meta.cm_pid = (__u32)getpid();
		for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c))
			if (c->cmsg_level == SOL_COLLAB && c->cmsg_type == COLLAB_CMSG_SESSION)
				memcpy(&hdr.meta.cm_session, CMSG_DATA(c),
				       sizeof(hdr.meta.cm_session));
	}
	pthread_mutex_unlock(&lock);
	if (err)
		return fail(err);
	iov[0] = (struct iovec){ .iov_base = &hdr, .iov_len = sizeof(hdr) };
	iov[1] = mh->msg_iov[0];
	n = __real_sendmsg(in, &out, flags & MSG_DONTWAIT);
	__real_close(in);
	/* The receiver closed meanwhile. */
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return fail(EHOSTUNREACH);
	if (n < 0)
		return -1;
	pthread_mutex_lock(&lock);
	if (f->used && f->fd == fd)
		f->last_msgid = hdr.meta.cm_msgid;
	pthread_mutex_unlock(&lock);
	return n - (ssize_t)sizeof(hdr);
}

ssize_t __wrap_recvmsg(int fd, struct msghdr *mh, int flags)
{
	struct fake_hdr hdr;
	struct iovec iov[2];
	struct msghdr in = { .msg_iov = iov, .msg_iovlen = 2 };
	struct cmsghdr *c;
	struct fake *f;
	ssize_t n;

	pthread_mutex_lock(&lock);
	f = find_fd(fd);
	pthread_mutex_unlock(&lock);
	if (!f)
		return __real_recvmsg(fd, mh, flags);
	if (flags & MSG_ERRQUEUE)
		return fail(EAGAIN);	/* no receipts here */
	if (mh->msg_iovlen != 1)
		return fail(EINVAL);
	iov[0] = (struct iovec){ .iov_base = &hdr, .iov_len = sizeof(hdr) };
	iov[1] = mh->msg_iov[0];
	n = __real_recvmsg(fd, &in, flags & (MSG_DONTWAIT | MSG_PEEK));
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(hdr))
		return fail(EPROTO);
	mh->msg_flags = in.msg_flags;
	if (mh->msg_name) {
		memcpy(mh->msg_name, &hdr.from,
		       mh->msg_namelen < sizeof(hdr.from) ? mh->msg_namelen : sizeof(hdr.from));
		mh->msg_namelen = sizeof(hdr.from);
	}
	if (mh->msg_controllen >= CMSG_SPACE(sizeof(hdr.meta))) {
		c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = SOL_COLLAB;
		c->cmsg_type = COLLAB_CMSG_META;
		c->cmsg_len = CMSG_LEN(sizeof(hdr.meta));
		memcpy(CMSG_DATA(c), &hdr.meta, sizeof(hdr.meta));
		mh->msg_controllen = CMSG_SPACE(sizeof(hdr.meta));
	} else {
		mh->msg_controllen = 0;
		mh->msg_flags |= MSG_CTRUNC;
	}
	return n - (ssize_t)sizeof(hdr);
}
