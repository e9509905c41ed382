/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collab: the routing tables of a node: instance GUID -> socket, application
 * type -> instances, session -> members, and the application types reserved
 * for a user or a group. Lookups (collab_find_*) run under rcu_read_lock();
 * writers (collab_table_*, collab_reserve) hold collab_net.lock.
 */
#ifndef _COLLAB_TABLE_H
#define _COLLAB_TABLE_H

#include <linux/list.h>
#include <linux/rhashtable-types.h>
#include <linux/uidgid.h>

#include "collab.h"
#include "sock.h"

struct collab_app {
	struct rhash_head node;
	char name[COLLAB_APP_MAX];	/* the key, NUL-padded */
	struct list_head members;	/* collab_sock.app_node, RCU */
	unsigned int count;
	struct rcu_head rcu;
};

struct collab_session {
	struct rhash_head node;
	struct collab_guid id;		/* the key */
	u64 seq;			/* creation order, for dumps */
	struct list_head all_node;	/* collab_net.all_sessions */
	struct list_head members;	/* collab_member.session_node, RCU */
	unsigned int count;
	struct rcu_head rcu;
};

/*
 * An application type that only a user, or the members of a group, may
 * bind; an administrator of the namespace may too. Under collab_net.lock.
 */
struct collab_reservation {
	struct rhash_head node;
	char app[COLLAB_APP_MAX];	/* the key, NUL-padded */
	struct list_head all_node;	/* collab_net.all_reserved */
	u64 seq;			/* creation order, for dumps */
	bool group;			/* gid, else uid, is the owner */
	kuid_t uid;
	kgid_t gid;
};

/* One socket's membership of one session. */
struct collab_member {
	struct list_head session_node;	/* collab_session.members, RCU */
	struct list_head sock_node;	/* collab_sock.memberships */
	struct collab_sock *cs;
	struct collab_session *session;
	u64 seq;			/* creation order, for dumps */
	struct rcu_head rcu;
};

int collab_table_init(struct collab_net *cn);
void collab_table_destroy(struct collab_net *cn);

int collab_table_bind(struct collab_net *cn, struct collab_sock *cs,
		      const struct collab_guid *id, const char *app);
void collab_table_unbind(struct collab_net *cn, struct collab_sock *cs);
int collab_table_join(struct collab_net *cn, struct collab_sock *cs,
		      const struct collab_guid *sid);
int collab_table_leave(struct collab_net *cn, struct collab_sock *cs,
		       const struct collab_guid *sid);

int collab_reserve(struct collab_net *cn, const char *app, bool group,
		   kuid_t uid, kgid_t gid);
int collab_unreserve(struct collab_net *cn, const char *app);
struct collab_reservation *collab_find_reservation(struct collab_net *cn,
						   const char *app);

struct collab_sock *collab_find_instance(struct collab_net *cn,
					 const struct collab_guid *id);
struct collab_app *collab_find_app(struct collab_net *cn, const char *name);
struct collab_session *collab_find_session(struct collab_net *cn,
					   const struct collab_guid *sid);

#endif /* _COLLAB_TABLE_H */
