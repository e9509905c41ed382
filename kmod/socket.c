// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the AF_COLLAB socket family.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <net/sock.h>

#include "collab.h"
#include "socket.h"

struct collab_sock {
	struct sock sk;
};

static struct proto collab_proto = {
	.name = "COLLAB",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct collab_sock),
};

static int collab_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;

	lock_sock(sk);
	sock_orphan(sk);
	release_sock(sk);

	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
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
	.bind = sock_no_bind,
	.connect = sock_no_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = sock_no_getname,
	.poll = datagram_poll,
	.ioctl = sock_no_ioctl,
	.listen = sock_no_listen,
	.shutdown = sock_no_shutdown,
	.sendmsg = sock_no_sendmsg,
	.recvmsg = sock_no_recvmsg,
	.mmap = sock_no_mmap,
	.sendpage = sock_no_sendpage,
};

static int collab_create(struct net *net, struct socket *sock, int protocol,
			 int kern)
{
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

	sock_prot_inuse_add(net, sk->sk_prot, 1);
	return 0;
}

static struct net_proto_family collab_family_ops __ro_after_init = {
	.owner = THIS_MODULE,
	.create = collab_create,
};

int __init collab_socket_init(void)
{
	int err;

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
