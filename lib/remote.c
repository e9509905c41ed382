// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Remote calls between instances: a "call" message names an operation of
 * the instance it goes to, and that instance answers with a "reply"
 * message that names the call by its message id (call.c has the format).
 *
 * The caller waits for the reply on its own socket. Whatever else arrives
 * meanwhile is kept for collab_recv() (handle.c). Once a second without a
 * reply it sends a probe where the call went: a send, or a delivery
 * receipt, saying that no instance there takes it means that the
 * instance called has gone, and no reply will come.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The reply a call waits for. */
struct awaited {
	uint64_t id;			/* of the call */
	const struct collab_dest *dest;
	const struct collab_id *node;	/* where the call went */
};

/*
 * The call's reply comes from the instance called, or, for a call to an
 * application type, from an instance of that type on the node called.
 */
static bool is_reply(void *arg, const struct collab_msg *m)
{
	const struct awaited *a = arg;
	const struct collab_dest *d = a->dest;

	if (strcmp(m->type, COLLAB_TYPE_REPLY) || m->reply.call != a->id)
		return false;
	if (d->kind == COLLAB_DEST_GUID)
		return !memcmp(&m->source.instance, &d->id, sizeof(d->id));
	return !memcmp(&m->source.node, a->node, sizeof(*a->node)) &&
	       !strncmp(m->source.app, d->app, COLLAB_APP_TYPE_MAX);
}

COLLAB_EXPORT int collab_call(struct collab *h, const struct collab_dest *dest,
			      const char *op, const struct collab_record *args,
			      int timeout_ms, struct collab_msg **replyp)
{
	struct collab_msg call = { .type = COLLAB_TYPE_CALL }, *reply;
	struct awaited awaited = { .dest = dest };
	struct timespec deadline, probe;
	const struct timespec *until;
	bool probed = false;
	int err;

	if (!h || !dest || !replyp || (*replyp && !(*replyp)->store))
		return -EINVAL;
	reply = *replyp ? *replyp : collab__msg_new();
	if (!reply)
		return -ENOMEM;
	err = -EINVAL;
	if (!op || timeout_ms < -1 ||
	    (dest->kind != COLLAB_DEST_GUID && dest->kind != COLLAB_DEST_APP))
		goto out;
	/* A call that could not wait for its reply is not made. */
	err = -ENOBUFS;
	if (collab__backlog_full(h))
		goto out;
	awaited.node = dest->kind == COLLAB_DEST_APP && collab_id_is_zero(&dest->node) ?
		       &collab_self(h)->node : &dest->node;
	call.call.op = op;
	if (args)
		call.call.args = *args;
	err = collab__send(h, dest, &call, &awaited.id);
	if (err)
		goto out;

	if (timeout_ms >= 0)
		collab__deadline(&deadline, timeout_ms);
	collab__deadline(&probe, COLLAB_CALL_PROBE_MS);
	for (;;) {
		until = timeout_ms >= 0 && !collab__before(&probe, &deadline) ? &deadline : &probe;
		err = collab__recv_until(h, reply, until, is_reply, &awaited);
		if (err != -ETIMEDOUT || until == &deadline)
			break;
		probed = true;
		err = collab__probe(h, dest);
		if (err)
			break;
		collab__deadline(&probe, COLLAB_CALL_PROBE_MS);
	}
	if (probed)
		collab__probe_end(h);
out:
	if (err) {
		if (*replyp)
			collab__msg_reset(reply);
		else
			collab_msg_free(reply);
		return err;
	}
	*replyp = reply;
	return -reply->reply.status;
}

COLLAB_EXPORT int collab_reply(struct collab *h, const struct collab_msg *call, int status,
			       const char *error, const struct collab_record *result)
{
	struct collab_msg m = { .type = COLLAB_TYPE_REPLY };
	struct collab_dest dest;

	if (!h || !call || !call->type || strcmp(call->type, COLLAB_TYPE_CALL) ||
	    status < 0 || status > COLLAB_STATUS_MAX)
		return -EINVAL;
	if (collab_dest_reply(&dest, call))
		return -EINVAL;
	m.session = call->session;
	m.reply.call = call->id;
	m.reply.status = status;
	m.reply.error = error;
	if (result)
		m.reply.result = *result;
	return collab__send(h, &dest, &m, NULL);
}

COLLAB_EXPORT int collab_serve(struct collab *h, const struct collab_op *ops,
			       int timeout_ms, struct collab_msg **msgp)
{
	char text[sizeof("no operation ") + COLLAB_OP_MAX];
	const struct collab_op *op = ops;
	const struct collab_msg *call;
	int status;

	status = collab_recv(h, msgp, timeout_ms);
	if (status)
		return status;
	call = *msgp;
	if (strcmp(call->type, COLLAB_TYPE_CALL))
		return 1;
	while (op && op->name && strcmp(op->name, call->call.op))
		op++;
	if (!op || !op->name || !op->fn) {
		snprintf(text, sizeof(text), "no operation %s", call->call.op);
		collab_reply(h, call, EOPNOTSUPP, text, NULL);
		return 0;
	}
	status = op->fn(op->arg, h, call);
	if (status < 0)
		status = -status;
	if (status > COLLAB_STATUS_MAX)
		status = EIO;
	/* A reply that cannot go (the caller has gone) counts in tx_errors. */
	if (status)
		collab_reply(h, call, status, NULL, NULL);
	return 0;
}
