// SPDX-License-Identifier: GPL-2.0
/*
 * collabd: the kernel's side, over the generic netlink family "collab":
 * one socket for requests (register, withdraw, fail, the dump of what
 * waits), one that listens on the "activation" group.
 */
#include <errno.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "collabd.h"

static struct nl_sock *req_sk, *ev_sk;
static int family;
/* Where each_request() hands the requests it reads. */
static request_fn handler;

static const struct nla_policy app_policy[COLLAB_APP_A_MAX + 1] = {
	[COLLAB_APP_A_NAME] = { .type = NLA_STRING, .maxlen = COLLAB_APP_MAX },
	[COLLAB_APP_A_REQUEST] = { .type = NLA_NESTED },
};

static const struct nla_policy req_policy[COLLAB_REQ_A_MAX + 1] = {
	[COLLAB_REQ_A_ID] = { .type = NLA_U64 },
	[COLLAB_REQ_A_SESSION] = { .minlen = 16, .maxlen = 16 },
	[COLLAB_REQ_A_SRC_NODE] = { .minlen = 16, .maxlen = 16 },
	[COLLAB_REQ_A_SRC_ID] = { .minlen = 16, .maxlen = 16 },
};

int kernel_open(void)
{
	int grp, err;

	req_sk = nl_socket_alloc();
	ev_sk = nl_socket_alloc();
	if (!req_sk || !ev_sk)
		return -ENOMEM;
	err = genl_connect(req_sk);
	if (!err)
		err = genl_connect(ev_sk);
	if (err)
		return -ENOTCONN;
	family = genl_ctrl_resolve(req_sk, COLLAB_GENL_NAME);
	if (family < 0) {
		logmsg("no generic netlink family \"collab\": is the collab module loaded? (modprobe collab)");
		return -ENOENT;
	}
	grp = genl_ctrl_resolve_grp(req_sk, COLLAB_GENL_NAME,
				    COLLAB_GENL_MCGRP_ACTIVATION);
	if (grp < 0)
		return grp;
	nl_socket_disable_seq_check(ev_sk);
	err = nl_socket_add_membership(ev_sk, grp);
	if (err) {
		logmsg("cannot listen for activation requests: %s (collabd needs CAP_NET_ADMIN)",
		       nl_geterror(err));
		return -EPERM;
	}
	nl_socket_set_nonblocking(ev_sk);
	/* Requests come in bursts: no loss to a full buffer. */
	nl_socket_set_buffer_size(ev_sk, 1 << 20, 0);
	return 0;
}

void kernel_close(void)
{
	nl_socket_free(ev_sk);
	nl_socket_free(req_sk);
}

int kernel_event_fd(void)
{
	return nl_socket_get_fd(ev_sk);
}

static struct nl_msg *request(uint8_t cmd, int flags, const char *name,
			      struct nlattr **nest)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
			 COLLAB_GENL_VERSION))
		goto fail;
	if (name) {
		*nest = nla_nest_start(msg, COLLAB_A_APP);
		if (!*nest || nla_put_string(msg, COLLAB_APP_A_NAME, name))
			goto fail;
	}
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

/* Send @msg (freed, may be NULL): 0 or -errno. */
static int send_request(struct nl_msg *msg)
{
	int err;

	if (!msg)
		return -ENOMEM;
	err = nl_send_auto(req_sk, msg);
	nlmsg_free(msg);
	return err < 0 ? -EIO : 0;
}

/* Send @msg (freed) and wait for the kernel's answer: 0 or -errno. */
static int run(struct nl_msg *msg)
{
	int err = send_request(msg);

	if (err)
		return err;
	err = nl_wait_for_ack(req_sk);
	/* libnl's own codes: the kernel's errno is in the ack. */
	return err == -NLE_OBJ_NOTFOUND ? -ENOENT : err ? -EIO : 0;
}

int kernel_register(const struct app *a)
{
	struct nlattr *nest;
	struct nl_msg *msg = request(COLLAB_CMD_APP_ADD, 0, a->name, &nest);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u8(msg, COLLAB_APP_A_POLICY, a->policy) ||
	    (a->timeout_ms &&
	     nla_put_u32(msg, COLLAB_APP_A_TIMEOUT_MS, a->timeout_ms)) ||
	    (a->hold_bytes &&
	     nla_put_u32(msg, COLLAB_APP_A_HOLD_BYTES, a->hold_bytes))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	return run(msg);
}

int kernel_unregister(const char *name)
{
	struct nlattr *nest;
	struct nl_msg *msg = request(COLLAB_CMD_APP_DEL, 0, name, &nest);

	if (msg)
		nla_nest_end(msg, nest);
	return run(msg);
}

int kernel_fail(const char *app, uint64_t id, int err)
{
	struct nlattr *nest, *req;
	struct nl_msg *msg = request(COLLAB_CMD_APP_FAIL, 0, app, &nest);

	if (!msg)
		return -ENOMEM;
	req = nla_nest_start(msg, COLLAB_APP_A_REQUEST);
	if (!req || nla_put_u64(msg, COLLAB_REQ_A_ID, id) ||
	    nla_put_u32(msg, COLLAB_REQ_A_ERRNO, err)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, req);
	nla_nest_end(msg, nest);
	return run(msg);
}

/* Each request of a COLLAB_A_APP message, to @fn; NL_SKIP if malformed. */
static int each_request(struct nl_msg *msg, void *arg)
{
	(void)arg;
	struct nlattr *top[COLLAB_A_MAX + 1], *tb[COLLAB_APP_A_MAX + 1];
	struct nlattr *rq[COLLAB_REQ_A_MAX + 1], *a;
	struct request r;
	const char *name;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, top, COLLAB_A_MAX, NULL) ||
	    !top[COLLAB_A_APP] ||
	    nla_parse_nested(tb, COLLAB_APP_A_MAX, top[COLLAB_A_APP],
			     app_policy) || !tb[COLLAB_APP_A_NAME])
		return NL_SKIP;
	name = nla_get_string(tb[COLLAB_APP_A_NAME]);
	nla_for_each_nested(a, top[COLLAB_A_APP], rem) {
		if (nla_type(a) != COLLAB_APP_A_REQUEST ||
		    nla_parse_nested(rq, COLLAB_REQ_A_MAX, a, req_policy) ||
		    !rq[COLLAB_REQ_A_ID] || !rq[COLLAB_REQ_A_SESSION] ||
		    !rq[COLLAB_REQ_A_SRC_NODE] || !rq[COLLAB_REQ_A_SRC_ID])
			continue;
		r.id = nla_get_u64(rq[COLLAB_REQ_A_ID]);
		memcpy(&r.session, nla_data(rq[COLLAB_REQ_A_SESSION]), 16);
		memcpy(&r.src_node, nla_data(rq[COLLAB_REQ_A_SRC_NODE]), 16);
		memcpy(&r.src_id, nla_data(rq[COLLAB_REQ_A_SRC_ID]), 16);
		handler(name, &r);
	}
	return NL_OK;
}

/* The requests that wait already (after a restart), each to @fn. */
int kernel_pending(request_fn fn)
{
	int err;

	err = send_request(request(COLLAB_CMD_APP_GET, NLM_F_DUMP, NULL, NULL));
	if (err)
		return err;
	handler = fn;
	nl_socket_modify_cb(req_sk, NL_CB_VALID, NL_CB_CUSTOM, each_request,
			    NULL);
	err = nl_recvmsgs_default(req_sk);
	nl_socket_modify_cb(req_sk, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);
	return err ? -EIO : 0;
}

/* What the activation group said since the last call, each to @fn. */
int kernel_read_events(request_fn fn)
{
	int err;

	handler = fn;
	nl_socket_modify_cb(ev_sk, NL_CB_VALID, NL_CB_CUSTOM, each_request,
			    NULL);
	do {
		err = nl_recvmsgs_default(ev_sk);
	} while (err >= 0);
	if (err == -NLE_AGAIN)
		return 0;
	if (err == -NLE_NOMEM) {
		logmsg("activation requests were lost: the socket's buffer was full");
		return 0;
	}
	return -EIO;
}
