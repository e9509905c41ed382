/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collabctl: the generic netlink socket of the "collab" family.
 */
#ifndef COLLABCTL_NL_H
#define COLLABCTL_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/genl/genl.h>

#include <linux/collab.h>

#include "parse.h"

struct cnl {
	struct nl_sock *sk;
	int family;
	char detail[256];	/* why the last request failed, if known */
	bool secret;		/* the next request holds a key: wipe it */
};

/* Attribute policy of a GUID: exactly 16 bytes. */
#define CNL_POLICY_GUID { .minlen = sizeof(struct collab_guid), \
			  .maxlen = sizeof(struct collab_guid) }

/* Attribute policy of a key: exactly COLLAB_KEY_LEN bytes. */
#define CNL_POLICY_KEY { .minlen = COLLAB_KEY_LEN, .maxlen = COLLAB_KEY_LEN }

/* Activatable types and their requests, as app.c and monitor.c read them. */
extern const struct nla_policy cnl_app_policy[COLLAB_APP_A_MAX + 1];
extern const struct nla_policy cnl_req_policy[COLLAB_REQ_A_MAX + 1];

/* Called with each message a request or a subscription receives. */
typedef int (*cnl_fn)(struct nl_msg *msg, void *arg);

/*
 * Open a socket and resolve the family. On failure print why (such as
 * the module not being loaded) and return CTL_FAIL.
 */
int cnl_open(struct cnl *nl);
void cnl_close(struct cnl *nl);

/* A request of command CMD with NLM_F_* flags FLAGS, or exit on ENOMEM. */
struct nl_msg *cnl_msg(const struct cnl *nl, uint8_t cmd, int flags);

/*
 * Send MSG (and free it, wiped first when nl->secret is set), then call
 * FN for each message of the reply or dump until it ends. Return 0, what FN returned if not 0, or a negative
 * errno from the kernel; nl->detail says more when the kernel did.
 */
int cnl_request(struct cnl *nl, struct nl_msg *msg, cnl_fn fn, void *arg);

/*
 * Print "collabctl: WHAT: ERROR[: DETAIL]" for an error of cnl_request(),
 * with a hint where one helps, and return CTL_FAIL.
 */
int cnl_fail(const struct cnl *nl, int err, const char *what);

/*
 * cnl_request(), then close NL. Return CTL_OK, or CTL_FAIL after printing
 * why: "collabctl: WHAT: NOENT" when the kernel found no such object and
 * NOENT is not NULL, else as cnl_fail() does.
 */
int cnl_run(struct cnl *nl, struct nl_msg *msg, cnl_fn fn, void *arg,
	    const char *what, const char *noent);

/* Add an attribute or a nest to a request, or exit on ENOMEM. */
void cnl_put(struct nl_msg *msg, int type, size_t len, const void *data);
void cnl_put_u32(struct nl_msg *msg, int type, uint32_t val);
void cnl_put_sockaddr(struct nl_msg *msg, int type,
		      const union sockaddr_inet *sa);
struct nlattr *cnl_nest_start(struct nl_msg *msg, int type);
/* A nest NEST that holds the one attribute TYPE. */
void cnl_put_nested(struct nl_msg *msg, int nest, int type, size_t len,
		    const void *data);

/*
 * Join multicast group GROUP of the family and make the socket one that
 * cnl_read() reads. Return CTL_OK; -EPERM when QUIET and the kernel wants
 * a privilege the caller lacks; else CTL_FAIL after printing why.
 */
int cnl_subscribe(struct cnl *nl, const char *group, bool quiet);
/*
 * Ask the kernel for the notifications of the "events" group that the
 * caller may see, by COLLAB_CMD_EVENTS_LISTEN (joining the group needs
 * CAP_NET_ADMIN), and make the socket one that cnl_read() reads. Those
 * that come before the kernel's answer go to FN. Return CTL_OK, or
 * CTL_FAIL after printing why, WHAT first.
 */
int cnl_listen(struct cnl *nl, cnl_fn fn, void *arg, const char *what);
int cnl_fd(const struct cnl *nl);

/*
 * Call FN for each message queued on a subscribed socket, without
 * waiting; FN returns NL_OK. Return 0, -ENOBUFS when notifications were
 * lost because the socket's buffer was full, or another negative errno.
 */
int cnl_read(struct cnl *nl, cnl_fn fn, void *arg);

/* Parse the attributes of a message or of a nest; -EBADMSG if invalid. */
int cnl_parse(struct nl_msg *msg, struct nlattr **tb, int max,
	      const struct nla_policy *policy);
int cnl_parse_nested(struct nlattr *nest, struct nlattr **tb, int max,
		     const struct nla_policy *policy);
/*
 * Parse the nest NEST of a reply or dump message (COLLAB_A_INSTANCE, ...)
 * into TB and return it; NULL if the message has none or it is invalid.
 */
struct nlattr *cnl_parse_object(struct nl_msg *msg, int nest,
				struct nlattr **tb, int max,
				const struct nla_policy *policy);
/* The command of a received message. */
uint8_t cnl_cmd(struct nl_msg *msg);
/* The value of an unsigned attribute of 1, 2, 4 or 8 bytes; else 0. */
uint64_t cnl_uint(const struct nlattr *attr);
/*
 * A struct sockaddr_in or sockaddr_in6 from the kernel, copied to SA;
 * -EBADMSG if the attribute is neither.
 */
int cnl_sockaddr(const struct nlattr *attr, union sockaddr_inet *sa);

#endif /* COLLABCTL_NL_H */
