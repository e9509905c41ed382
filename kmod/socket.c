// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the AF_COLLAB socket family (SOCK_RDM): binding an instance,
 * addressing, sending, receiving, sessions and poll.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/pid_namespace.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <net/sock.h>

#include "collab.h"
#include "deliver.h"
#include "frame.h"
#include "pages.h"
#include "sock.h"
#include "socket.h"
#include "table.h"

/* IP fragments up to this size (jumbo frames) are laid out in pieces. */
#define COLLAB_PIECE_MAX	9216

static struct proto collab_proto = {
	.name = "COLLAB",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct collab_sock),
};

static struct collab_net *sock_cn(const struct sock *sk)
{
	return collab_net(sock_net(sk));
}

/*
 * An application type: 1 to COLLAB_APP_MAX - 1 printable characters, NUL
 * terminated inside the field; an empty one only where @empty_ok. Copied
 * NUL-padded into @out, which makes it a hash key.
 */
int collab_check_app(const char *app, bool empty_ok, char *out)
{
	size_t len = strnlen(app, COLLAB_APP_MAX);
	size_t i;

	if (len == COLLAB_APP_MAX || (!len && !empty_ok))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (app[i] < 0x20 || app[i] > 0x7e)
			return -EINVAL;
	memset(out, 0, COLLAB_APP_MAX);
	memcpy(out, app, len);
	return 0;
}

/* Validate a destination from user space into @out. */
static int check_dest(struct collab_net *cn, const void *uaddr,
		      int len, struct sockaddr_collab *out)
{
	const struct sockaddr_collab *a = uaddr;
	int err = 0;

	if (len < (int)sizeof(*a))
		return -EINVAL;
	if (a->scl_family != collab_family)
		return -EAFNOSUPPORT;
	if (a->scl_flags || a->scl_reserved)
		return -EINVAL;

	*out = *a;
	switch (a->scl_kind) {
	case COLLAB_ADDR_GUID:
	case COLLAB_ADDR_SESSION:
		if (collab_guid_is_zero(&a->scl_id))
			return -EINVAL;
		memset(out->scl_app, 0, sizeof(out->scl_app));
		break;
	case COLLAB_ADDR_APP:
		err = collab_check_app(a->scl_app, false, out->scl_app);
		break;
	case COLLAB_ADDR_BROADCAST:
		err = collab_check_app(a->scl_app, true, out->scl_app);
		break;
	default:
		return -EINVAL;
	}
	if (err)
		return err;

	/* Whether another node is reachable is for delivery to find out. */
	return 0;
}

static int collab_bind(struct socket *sock, struct sockaddr *uaddr, int len)
{
	struct sockaddr_collab *a = (struct sockaddr_collab *)uaddr;
	struct collab_sock *cs = collab_sk(sock->sk);
	struct collab_net *cn = sock_cn(sock->sk);
	char app[COLLAB_APP_MAX];
	struct collab_guid id;
	int err, tries;

	if (len < (int)sizeof(*a))
		return -EINVAL;
	if (a->scl_family != collab_family)
		return -EAFNOSUPPORT;
	/* What getsockname() returns binds again: scl_node may be this node. */
	if (a->scl_kind != COLLAB_ADDR_APP || a->scl_flags || a->scl_reserved ||
	    !collab_node_is_local(cn, &a->scl_node))
		return -EINVAL;
	err = collab_check_app(a->scl_app, false, app);
	if (err)
		return err;

	lock_sock(sock->sk);
	mutex_lock(&cn->lock);
	if (cs->bound) {
		err = -EINVAL;
		goto out;
	}
	/* Before the table publishes it: the bind event names the binder. */
	cs->pid = get_pid(task_tgid(current));
	if (!collab_guid_is_zero(&a->scl_id)) {
		err = collab_table_bind(cn, cs, &a->scl_id, app);
	} else {
		/* A random GUID; a clash is astronomically rare, but retry. */
		for (tries = 0; tries < 4; tries++) {
			get_random_bytes(&id, sizeof(id));
			err = collab_table_bind(cn, cs, &id, app);
			if (err != -EADDRINUSE)
				break;
		}
	}
	if (!err) {
		WRITE_ONCE(cs->bound, true);
	} else {
		put_pid(cs->pid);
		cs->pid = NULL;
	}
out:
	mutex_unlock(&cn->lock);
	release_sock(sock->sk);
	return err;
}

static int collab_getname(struct socket *sock, struct sockaddr *uaddr,
			  int peer)
{
	struct sockaddr_collab *a = (struct sockaddr_collab *)uaddr;
	struct collab_sock *cs = collab_sk(sock->sk);
	int err = sizeof(*a);

	lock_sock(sock->sk);
	if (peer) {
		if (cs->connected)
			*a = cs->peer;
		else
			err = -ENOTCONN;
		goto out;
	}
	memset(a, 0, sizeof(*a));
	a->scl_family = collab_family;
	if (cs->bound) {
		a->scl_kind = COLLAB_ADDR_APP;
		collab_node_id(sock_cn(sock->sk), &a->scl_node);
		a->scl_id = cs->id;
		memcpy(a->scl_app, cs->app, COLLAB_APP_MAX);
	}
out:
	release_sock(sock->sk);
	return err;
}

static int collab_connect(struct socket *sock, struct sockaddr *uaddr,
			  int len, int flags)
{
	struct collab_sock *cs = collab_sk(sock->sk);
	struct sockaddr_collab dest;
	int err;

	/* AF_UNSPEC dissolves the association, as for datagram sockets. */
	if (len >= (int)sizeof(sa_family_t) && uaddr->sa_family == AF_UNSPEC) {
		lock_sock(sock->sk);
		cs->connected = false;
		release_sock(sock->sk);
		return 0;
	}

	err = check_dest(sock_cn(sock->sk), uaddr, len, &dest);
	if (err)
		return err;
	lock_sock(sock->sk);
	cs->peer = dest;
	cs->connected = true;
	release_sock(sock->sk);
	return 0;
}

/* The only control message on send: the session a message belongs to. */
static int parse_cmsg(struct msghdr *m, struct collab_guid *session)
{
	struct cmsghdr *cmsg;
	bool seen = false;

	for_each_cmsghdr(cmsg, m) {
		if (!CMSG_OK(m, cmsg))
			return -EINVAL;
		if (cmsg->cmsg_level != SOL_COLLAB ||
		    cmsg->cmsg_type != COLLAB_CMSG_SESSION ||
		    cmsg->cmsg_len != CMSG_LEN(sizeof(*session)) || seen)
			return -EINVAL;
		memcpy(session, CMSG_DATA(cmsg), sizeof(*session));
		seen = true;
	}
	return 0;
}

static void fill_frame(struct collab_frame *f, struct collab_sock *cs,
		       const struct sockaddr_collab *dest,
		       const struct collab_guid *session, size_t len)
{
	struct collab_net *cn = sock_cn(&cs->sk);

	memset(f, 0, sizeof(*f));
	f->version = COLLAB_WIRE_VERSION;
	f->type = COLLAB_FRAME_DATA;
	f->dst_kind = dest->scl_kind;
	f->flags = READ_ONCE(cs->confirm) ? COLLAB_FF_CONFIRM : 0;
	f->len = cpu_to_be32(len);
	f->msgid = cpu_to_be64(atomic64_inc_return(&cn->next_msgid));
	collab_node_id(cn, &f->src_node);
	f->src_id = cs->id;
	/* Other kinds ignore it, and a peer takes no node but its own. */
	if (dest->scl_kind == COLLAB_ADDR_GUID ||
	    dest->scl_kind == COLLAB_ADDR_APP)
		f->dst_node = dest->scl_node;
	f->dst_id = dest->scl_id;
	f->session = *session;
	memcpy(f->src_app, cs->app, COLLAB_APP_MAX);
	memcpy(f->dst_app, dest->scl_app, COLLAB_APP_MAX);
}

/*
 * A large message laid out as the link packets that carry it to a peer,
 * or as the IP fragments of the datagram that does (COLLAB_FRAG0_HDRS),
 * on the last route a link used: a head of @first bytes, then pieces of
 * @size. The link sends clones of its pieces as they are, where a message
 * in pages would be copied into each packet. The pieces are in page
 * fragments, charged to the send buffer with the head. NULL with *@err 0
 * if there are no such pages: the caller takes others.
 */
static struct sk_buff *alloc_pieces(struct sock *sk, size_t len,
				    unsigned int first, unsigned int size,
				    int noblock, int *err)
{
	size_t left = sizeof(struct collab_frame) + len - first;
	struct sk_buff *skb, *p, *tail = NULL;
	unsigned int n;

	skb = sock_alloc_send_pskb(sk, COLLAB_HEADROOM + first, 0, noblock,
				   err, 0);
	if (!skb)
		return NULL;
	skb_reserve(skb, COLLAB_HEADROOM);
	skb_put(skb, first);
	for (; left; left -= n) {
		n = min_t(size_t, left, size);
		p = collab_pages_skb(COLLAB_HEADROOM + n);
		if (!p) {
			kfree_skb(skb);
			*err = 0;
			return NULL;
		}
		skb_reserve(p, COLLAB_HEADROOM);
		skb_put(p, n);
		/* Its transmissions write their headers in front of it. */
		__skb_header_release(p);
		if (tail)
			tail->next = p;
		else
			skb_shinfo(skb)->frag_list = p;
		tail = p;
		skb->len += n;
		skb->data_len += n;
		skb->truesize += p->truesize;
		refcount_add(p->truesize, &sk->sk_wmem_alloc);
	}
	return skb;
}

/*
 * A message larger than COLLAB_SMALL_MSG: its header in the head, its
 * payload in pieces laid out for the link or for IP, or else in pages.
 */
static struct sk_buff *alloc_msg(struct sock *sk, size_t len, int noblock,
				 int *err)
{
	unsigned int link = READ_ONCE(sock_cn(sk)->link_space);
	unsigned int space = READ_ONCE(sock_cn(sk)->frag_space);
	size_t total = sizeof(struct collab_frame) + len;
	struct sk_buff *skb = NULL;

	*err = 0;
	if (link && link <= COLLAB_PIECE_MAX && total > link)
		skb = alloc_pieces(sk, len, link, link, noblock, err);
	else if (space && space <= COLLAB_PIECE_MAX && total > space)
		skb = alloc_pieces(sk, len, space - COLLAB_FRAG0_HDRS, space,
				   noblock, err);
	if (skb || *err)
		return skb;
	skb = sock_alloc_send_pskb(sk, COLLAB_HEADROOM +
				   sizeof(struct collab_frame), len, noblock,
				   err, PAGE_ALLOC_COSTLY_ORDER);
	if (!skb)
		return NULL;
	skb_reserve(skb, COLLAB_HEADROOM);
	skb_put(skb, sizeof(struct collab_frame));
	skb->data_len = len;
	skb->len += len;
	return skb;
}

/*
 * A large message, in an skb of its own: the payload is copied into it
 * from user space before the receivers are waited for.
 */
static int send_skb(struct sock *sk, struct msghdr *m, size_t len,
		    const struct sockaddr_collab *dest,
		    const struct collab_guid *session, long *timeo)
{
	struct collab_sock *cs = collab_sk(sk);
	struct sk_buff *skb;
	u64 msgid;
	int err;

	skb = alloc_msg(sk, len, m->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	err = skb_copy_datagram_from_iter(skb, sizeof(struct collab_frame),
					  &m->msg_iter, len);
	if (err)
		goto out_free;
	fill_frame(collab_frame(skb), cs, dest, session, len);
	collab_cb_set_sender(skb);
	msgid = collab_frame_msgid(collab_frame(skb));
	err = collab_deliver(cs, skb, timeo);
	if (!err) {
		cs->last_msgid = msgid;
		return 0;
	}
out_free:
	kfree_skb(skb);
	return err;
}

/* A small message: its header on the stack, no skb unless it needs one. */
static int send_small(struct sock *sk, struct msghdr *m, size_t len,
		      const struct sockaddr_collab *dest,
		      const struct collab_guid *session, long *timeo)
{
	struct collab_sock *cs = collab_sk(sk);
	struct collab_frame f;
	int err;

	fill_frame(&f, cs, dest, session, len);
	err = collab_deliver_small(cs, &f, &m->msg_iter, timeo);
	if (!err)
		cs->last_msgid = collab_frame_msgid(&f);
	return err;
}

static int send_msg(struct socket *sock, struct msghdr *m, size_t len)
{
	struct collab_guid session = {};
	struct sock *sk = sock->sk;
	struct collab_sock *cs = collab_sk(sk);
	struct collab_net *cn = sock_cn(sk);
	struct sockaddr_collab dest;
	long timeo;
	int err;

	if (m->msg_flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR | MSG_BATCH |
			     MSG_CMSG_COMPAT))
		return -EOPNOTSUPP;
	if (len > COLLAB_MSG_MAX)
		return -EMSGSIZE;
	if (!READ_ONCE(cs->bound))
		return -ENOTCONN;
	if (m->msg_name) {
		err = check_dest(cn, m->msg_name, m->msg_namelen, &dest);
		if (err == -EHOSTUNREACH)
			collab_stat_inc(cn, COLLAB_STAT_TX_NO_ROUTE);
		if (err)
			return err;
	}
	err = parse_cmsg(m, &session);
	if (err)
		return err;

	lock_sock(sk);
	if (!m->msg_name) {
		err = -EDESTADDRREQ;
		if (!cs->connected)
			goto out_release;
		dest = cs->peer;
	}
	if (dest.scl_kind == COLLAB_ADDR_SESSION) {
		err = -EINVAL;
		if (!collab_guid_is_zero(&session) &&
		    !collab_guid_equal(&session, &dest.scl_id))
			goto out_release;
		session = dest.scl_id;
	}
	collab_cong_clear(cs);

	timeo = sock_sndtimeo(sk, m->msg_flags & MSG_DONTWAIT);
	if (len <= COLLAB_SMALL_MSG)
		err = send_small(sk, m, len, &dest, &session, &timeo);
	else
		err = send_skb(sk, m, len, &dest, &session, &timeo);
	if (err)
		goto out_err;
	collab_stat_inc(cn, COLLAB_STAT_TX_MSGS);
	atomic64_inc(&cs->tx_msgs);
	atomic64_add(len, &cs->tx_bytes);
	release_sock(sk);
	return len;

out_err:
	if (err == -EHOSTUNREACH)
		collab_stat_inc(cn, COLLAB_STAT_TX_NO_ROUTE);
	else if (err == -ECONNREFUSED)
		collab_stat_inc(cn, COLLAB_STAT_TX_REFUSED);
out_release:
	release_sock(sk);
	return err;
}

static int collab_sendmsg(struct socket *sock, struct msghdr *m, size_t len)
{
	int ret = send_msg(sock, m, len);

	if (ret < 0)
		atomic64_inc(&collab_sk(sock->sk)->tx_errors);
	return ret;
}

static void put_source(struct msghdr *m, const struct collab_frame *f)
{
	DECLARE_SOCKADDR(struct sockaddr_collab *, a, m->msg_name);

	if (!a)
		return;
	/* A GUID address, so that a reply to it reaches this very instance. */
	memset(a, 0, sizeof(*a));
	a->scl_family = collab_family;
	a->scl_kind = COLLAB_ADDR_GUID;
	a->scl_node = f->src_node;
	a->scl_id = f->src_id;
	memcpy(a->scl_app, f->src_app, COLLAB_APP_MAX);
	a->scl_app[COLLAB_APP_MAX - 1] = '\0';
	m->msg_namelen = sizeof(*a);
}

static void put_meta(struct msghdr *m, struct sk_buff *skb)
{
	const struct collab_frame *f = collab_frame(skb);
	const struct collab_skb_cb *cb = collab_cb(skb);
	struct collab_meta meta = {
		.cm_session = f->session,
		.cm_msgid = collab_frame_msgid(f),
		.cm_dest_kind = f->dst_kind,
		/* The link from the last node is a hop too. */
		.cm_hops = f->hops + !collab_cb(skb)->local,
	};
	struct pid *pid;

	if (cb->local) {
		meta.cm_flags = COLLAB_META_LOCAL;
		meta.cm_uid = from_kuid_munged(current_user_ns(),
					       make_kuid(&init_user_ns, cb->uid));
		rcu_read_lock();
		pid = find_pid_ns(cb->pid, &init_pid_ns);
		meta.cm_pid = pid ? pid_vnr(pid) : 0;
		rcu_read_unlock();
	}
	put_cmsg(m, SOL_COLLAB, COLLAB_CMSG_META, sizeof(meta), &meta);
}

/* MSG_ERRQUEUE: one struct collab_receipt; MSG_PEEK leaves it queued. */
static int recv_receipt(struct sock *sk, struct msghdr *m, size_t size,
			int flags)
{
	struct sk_buff_head *q = &sk->sk_error_queue;
	struct sk_buff *skb;
	size_t copied;
	int err;

	if (flags & MSG_PEEK) {
		spin_lock_bh(&q->lock);
		skb = skb_peek(q);
		if (skb)
			skb_get(skb);
		spin_unlock_bh(&q->lock);
	} else {
		skb = skb_dequeue(q);
	}
	if (!skb)
		return -EAGAIN;
	copied = min_t(size_t, skb->len, size);
	if (copied < skb->len)
		m->msg_flags |= MSG_TRUNC;
	err = skb_copy_datagram_msg(skb, 0, m, copied);
	m->msg_flags |= MSG_ERRQUEUE;
	if (flags & MSG_PEEK) {
		consume_skb(skb);
		return err ?: (flags & MSG_TRUNC ?
			       sizeof(struct collab_receipt) : copied);
	}
	kfree_skb(skb);
	/* Receipts count against the receive buffer too. */
	collab_room_freed(collab_sk(sk));
	if (err)
		return err;
	return flags & MSG_TRUNC ? sizeof(struct collab_receipt) : copied;
}

static int collab_recvmsg(struct socket *sock, struct msghdr *m, size_t size,
			  int flags)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	size_t plen, copied;
	int err;

	if (flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC | MSG_CMSG_CLOEXEC |
		      MSG_CMSG_COMPAT | MSG_ERRQUEUE))
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return recv_receipt(sk, m, size, flags);

	skb = skb_recv_datagram(sk, flags, &err);
	if (!skb)
		return err;

	plen = skb->len - sizeof(struct collab_frame);
	copied = min(plen, size);
	if (copied < plen)
		m->msg_flags |= MSG_TRUNC;
	err = skb_copy_datagram_msg(skb, sizeof(struct collab_frame), m,
				    copied);
	if (!err) {
		put_source(m, collab_frame(skb));
		/* No control buffer, no metadata (and no MSG_CTRUNC for it). */
		if (m->msg_controllen)
			put_meta(m, skb);
	}
	skb_free_datagram(sk, skb);

	if (!(flags & MSG_PEEK)) {
		collab_stat_inc(sock_cn(sk), COLLAB_STAT_RX_MSGS);
		atomic64_inc(&collab_sk(sk)->rx_msgs);
		atomic64_add(plen, &collab_sk(sk)->rx_bytes);
		collab_room_freed(collab_sk(sk));
	}
	if (err)
		return err;
	return flags & MSG_TRUNC ? plen : copied;
}

static __poll_t collab_poll(struct file *file, struct socket *sock,
			    poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);

	if (sk->sk_err || !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	/* Not writable while the last receiver found full has no room. */
	if (!READ_ONCE(collab_sk(sk)->congested) && sock_writeable(sk))
		mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
	return mask;
}

static int set_session(struct sock *sk, int optname, sockptr_t optval,
		       unsigned int optlen)
{
	struct collab_sock *cs = collab_sk(sk);
	struct collab_net *cn = sock_cn(sk);
	struct collab_guid sid;
	int err;

	if (optlen != sizeof(sid))
		return -EINVAL;
	if (copy_from_sockptr(&sid, optval, sizeof(sid)))
		return -EFAULT;
	if (collab_guid_is_zero(&sid))
		return -EINVAL;
	if (!READ_ONCE(cs->bound))
		return -ENOTCONN;

	mutex_lock(&cn->lock);
	if (optname == COLLAB_JOIN)
		err = collab_table_join(cn, cs, &sid);
	else
		err = collab_table_leave(cn, cs, &sid);
	mutex_unlock(&cn->lock);
	return err;
}

static int collab_setsockopt(struct socket *sock, int level, int optname,
			     sockptr_t optval, unsigned int optlen)
{
	struct collab_sock *cs = collab_sk(sock->sk);
	int val;

	if (level != SOL_COLLAB)
		return -ENOPROTOOPT;

	switch (optname) {
	case COLLAB_JOIN:
	case COLLAB_LEAVE:
		return set_session(sock->sk, optname, optval, optlen);
	case COLLAB_ACCEPT_NEW:
	case COLLAB_CONFIRM:
		if (optlen < sizeof(int))
			return -EINVAL;
		if (copy_from_sockptr(&val, optval, sizeof(val)))
			return -EFAULT;
		if (optname == COLLAB_ACCEPT_NEW)
			WRITE_ONCE(cs->accept_new, !!val);
		else
			WRITE_ONCE(cs->confirm, !!val);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int get_last_msgid(struct sock *sk, char __user *optval,
			  int __user *optlen, int len)
{
	u64 id;

	if (len < (int)sizeof(id))
		return -EINVAL;
	lock_sock(sk);
	id = collab_sk(sk)->last_msgid;
	release_sock(sk);
	if (put_user((int)sizeof(id), optlen) ||
	    copy_to_user(optval, &id, sizeof(id)))
		return -EFAULT;
	return 0;
}

/* COLLAB_SESSIONS: every session joined; -ERANGE with the size needed. */
static int get_sessions(struct sock *sk, char __user *optval,
			int __user *optlen, int len)
{
	struct collab_sock *cs = collab_sk(sk);
	struct collab_net *cn = sock_cn(sk);
	struct collab_guid *ids;
	struct collab_member *m;
	int n = 0, err = 0;

	ids = kmalloc_array(COLLAB_SESSIONS_MAX, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	mutex_lock(&cn->lock);
	list_for_each_entry(m, &cs->memberships, sock_node)
		ids[n++] = m->session->id;
	mutex_unlock(&cn->lock);

	if (len < n * (int)sizeof(*ids))
		err = -ERANGE;
	else if (copy_to_user(optval, ids, n * sizeof(*ids)))
		err = -EFAULT;
	if ((!err || err == -ERANGE) && put_user(n * (int)sizeof(*ids), optlen))
		err = -EFAULT;
	kfree(ids);
	return err;
}

static int collab_getsockopt(struct socket *sock, int level, int optname,
			     char __user *optval, int __user *optlen)
{
	struct collab_sock *cs = collab_sk(sock->sk);
	int len, val;

	if (level != SOL_COLLAB)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case COLLAB_ACCEPT_NEW:
		val = READ_ONCE(cs->accept_new);
		break;
	case COLLAB_CONFIRM:
		val = READ_ONCE(cs->confirm);
		break;
	case COLLAB_SESSIONS:
		return get_sessions(sock->sk, optval, optlen, len);
	case COLLAB_LAST_MSGID:
		return get_last_msgid(sock->sk, optval, optlen, len);
	default:
		return -ENOPROTOOPT;
	}

	if (len < (int)sizeof(int))
		return -EINVAL;
	len = sizeof(int);
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

static int collab_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct collab_sock *cs;
	struct collab_net *cn;

	if (!sk)
		return 0;
	cs = collab_sk(sk);
	cn = sock_cn(sk);

	lock_sock(sk);
	collab_cong_clear(cs);
	if (cs->bound) {
		mutex_lock(&cn->lock);
		collab_table_unbind(cn, cs);
		mutex_unlock(&cn->lock);
		put_pid(cs->pid);
		cs->pid = NULL;
	}
	collab_deliver_purge(cs);
	skb_queue_purge(&sk->sk_error_queue);
	sock_orphan(sk);
	release_sock(sk);

	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	collab_obj_add(cn, COLLAB_OBJ_SOCKETS, -1);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

/*
 * Core code reads the family of a socket from sk->sk_family, which carries
 * the number the module was loaded with; .family here is only the default.
 */
static const struct proto_ops collab_rdm_ops = {
	.family = PF_COLLAB,
	.owner = THIS_MODULE,
	.release = collab_release,
	.bind = collab_bind,
	.connect = collab_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = collab_getname,
	.poll = collab_poll,
	.ioctl = sock_no_ioctl,
	.listen = sock_no_listen,
	.shutdown = sock_no_shutdown,
	.setsockopt = collab_setsockopt,
	.getsockopt = collab_getsockopt,
	.sendmsg = collab_sendmsg,
	.recvmsg = collab_recvmsg,
	.mmap = sock_no_mmap,
	.sendpage = sock_no_sendpage,
};

/* Receipts may be queued to a socket that is closing: none stays. */
static void collab_sk_destruct(struct sock *sk)
{
	skb_queue_purge(&sk->sk_error_queue);
}

static int collab_create(struct net *net, struct socket *sock, int protocol,
			 int kern)
{
	struct collab_sock *cs;
	struct sock *sk;

	if (protocol)
		return -EPROTONOSUPPORT;
	if (sock->type != SOCK_RDM)
		return -ESOCKTNOSUPPORT;

	sk = sk_alloc(net, collab_family, GFP_KERNEL, &collab_proto, kern);
	if (!sk)
		return -ENOMEM;

	sock->ops = &collab_rdm_ops;
	sock->state = SS_UNCONNECTED;
	sock_init_data(sock, sk);
	/* Senders find sockets in the tables under RCU. */
	sock_set_flag(sk, SOCK_RCU_FREE);
	sk->sk_rcvbuf = COLLAB_RCVBUF_DEFAULT;
	sk->sk_destruct = collab_sk_destruct;

	cs = collab_sk(sk);
	INIT_LIST_HEAD(&cs->memberships);
	init_waitqueue_head(&cs->room_wait);
	collab_cong_init(cs);

	sock_prot_inuse_add(net, sk->sk_prot, 1);
	collab_obj_add(collab_net(net), COLLAB_OBJ_SOCKETS, 1);
	return 0;
}

static struct net_proto_family collab_family_ops __ro_after_init = {
	.owner = THIS_MODULE,
	.create = collab_create,
};

int __init collab_socket_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct sockaddr_collab) >
		     sizeof(struct sockaddr_storage));

	err = proto_register(&collab_proto, 1);
	if (err)
		return err;

	collab_family_ops.family = collab_family;
	err = sock_register(&collab_family_ops);
	if (err == -EEXIST) {
		pr_err("address family %d is taken by another protocol: load with family=N for an unused N\n",
		       collab_family);
		/* modprobe takes EEXIST for "already loaded" and succeeds. */
		err = -EBUSY;
	}
	if (err)
		goto err_unregister_proto;

	return 0;

err_unregister_proto:
	proto_unregister(&collab_proto);
	return err;
}

void collab_socket_exit(void)
{
	sock_unregister(collab_family);
	proto_unregister(&collab_proto);
}
