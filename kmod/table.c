// SPDX-License-Identifier: GPL-2.0
/*
 * collab: the routing tables of a node. Three hash tables map an instance
 * GUID to its socket, an application type to its instances and a session
 * GUID to its members. Lookups run under RCU; writers hold collab_net.lock
 * and free with kfree_rcu(); sockets themselves are SOCK_RCU_FREE.
 *
 * A fourth maps the application types reserved for a user or a group to
 * their owner. Only bind() and netlink read it, both under
 * collab_net.lock, which every change holds too.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "activation.h"
#include "distant.h"
#include "frame.h"
#include "netlink.h"
#include "route.h"
#include "table.h"

static const struct rhashtable_params instance_params = {
	.key_len = sizeof(struct collab_guid),
	.key_offset = offsetof(struct collab_sock, id),
	.head_offset = offsetof(struct collab_sock, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params app_params = {
	.key_len = COLLAB_APP_MAX,
	.key_offset = offsetof(struct collab_app, name),
	.head_offset = offsetof(struct collab_app, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params session_params = {
	.key_len = sizeof(struct collab_guid),
	.key_offset = offsetof(struct collab_session, id),
	.head_offset = offsetof(struct collab_session, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params reserved_params = {
	.key_len = COLLAB_APP_MAX,
	.key_offset = offsetof(struct collab_reservation, app),
	.head_offset = offsetof(struct collab_reservation, node),
	.automatic_shrinking = true,
};

int collab_table_init(struct collab_net *cn)
{
	int err;

	INIT_LIST_HEAD(&cn->all_instances);
	INIT_LIST_HEAD(&cn->all_sessions);
	INIT_LIST_HEAD(&cn->all_reserved);
	err = rhashtable_init(&cn->instances, &instance_params);
	if (err)
		return err;
	err = rhashtable_init(&cn->apps, &app_params);
	if (err)
		goto err_destroy_instances;
	err = rhashtable_init(&cn->sessions, &session_params);
	if (err)
		goto err_destroy_apps;
	err = rhashtable_init(&cn->reserved, &reserved_params);
	if (err)
		goto err_destroy_sessions;
	return 0;

err_destroy_sessions:
	rhashtable_destroy(&cn->sessions);
err_destroy_apps:
	rhashtable_destroy(&cn->apps);
err_destroy_instances:
	rhashtable_destroy(&cn->instances);
	return err;
}

/*
 * Every socket holds its namespace, so the tables of instances are empty
 * by now; the reservations an administrator left go with it.
 */
void collab_table_destroy(struct collab_net *cn)
{
	struct collab_reservation *r, *tmp;

	list_for_each_entry_safe(r, tmp, &cn->all_reserved, all_node)
		kfree(r);
	rhashtable_destroy(&cn->reserved);
	rhashtable_destroy(&cn->sessions);
	rhashtable_destroy(&cn->apps);
	rhashtable_destroy(&cn->instances);
}

/* ---- reserved application types ----------------------------------------- */

struct collab_reservation *collab_find_reservation(struct collab_net *cn,
						   const char *app)
{
	lockdep_assert_held(&cn->lock);
	return rhashtable_lookup_fast(&cn->reserved, app, reserved_params);
}

/*
 * Reserve type @app (NUL-padded) for user @uid, or for group @gid when
 * @group; a type reserved already changes hands. -ENOSPC past
 * COLLAB_RESERVED_MAX.
 */
int collab_reserve(struct collab_net *cn, const char *app, bool group,
		   kuid_t uid, kgid_t gid)
{
	struct collab_reservation *r;
	int err;

	r = collab_find_reservation(cn, app);
	if (!r) {
		if (cn->nr_reserved >= COLLAB_RESERVED_MAX)
			return -ENOSPC;
		r = kzalloc(sizeof(*r), GFP_KERNEL);
		if (!r)
			return -ENOMEM;
		memcpy(r->app, app, COLLAB_APP_MAX);
		err = rhashtable_insert_fast(&cn->reserved, &r->node,
					     reserved_params);
		if (err) {
			kfree(r);
			return err;
		}
		r->seq = ++cn->seq;
		list_add_tail(&r->all_node, &cn->all_reserved);
		cn->nr_reserved++;
	}
	r->group = group;
	r->uid = group ? INVALID_UID : uid;
	r->gid = group ? gid : INVALID_GID;
	return 0;
}

/* Lift the reservation of @app; instances bound meanwhile stay. */
int collab_unreserve(struct collab_net *cn, const char *app)
{
	struct collab_reservation *r = collab_find_reservation(cn, app);

	if (!r)
		return -ENOENT;
	rhashtable_remove_fast(&cn->reserved, &r->node, reserved_params);
	list_del(&r->all_node);
	cn->nr_reserved--;
	kfree(r);
	return 0;
}

/*
 * Whether the caller may bind type @app: anyone may bind a type no one
 * reserved; a reserved one, its user (the fsuid, as for files), a member
 * of its group (the fsgid or a supplementary group), and an administrator
 * of the namespace, so that a supervisor such as collabd still starts it.
 */
static bool may_bind(struct collab_net *cn, const char *app)
{
	const struct collab_reservation *r = collab_find_reservation(cn, app);

	if (!r)
		return true;
	if (r->group ? in_group_p(r->gid) : uid_eq(current_fsuid(), r->uid))
		return true;
	return ns_capable(cn->net->user_ns, CAP_NET_ADMIN);
}

static struct collab_app *app_get(struct collab_net *cn, const char *name)
{
	struct collab_app *app;

	app = rhashtable_lookup_fast(&cn->apps, name, app_params);
	if (app)
		return app;

	app = kzalloc(sizeof(*app), GFP_KERNEL);
	if (!app)
		return ERR_PTR(-ENOMEM);
	memcpy(app->name, name, COLLAB_APP_MAX);
	INIT_LIST_HEAD(&app->members);
	if (rhashtable_insert_fast(&cn->apps, &app->node, app_params)) {
		kfree(app);
		return ERR_PTR(-ENOMEM);
	}
	collab_obj_add(cn, COLLAB_OBJ_APPS, 1);
	return app;
}

static void app_put(struct collab_net *cn, struct collab_app *app)
{
	if (--app->count)
		return;
	rhashtable_remove_fast(&cn->apps, &app->node, app_params);
	collab_obj_add(cn, COLLAB_OBJ_APPS, -1);
	kfree_rcu(app, rcu);
}

/*
 * Publish a socket as instance @id of application type @app (NUL-padded to
 * COLLAB_APP_MAX), for the process that binds it. -EACCES when the type is
 * reserved for another; -EADDRINUSE when the GUID is taken, here or by an
 * instance a peer announced.
 */
int collab_table_bind(struct collab_net *cn, struct collab_sock *cs,
		      const struct collab_guid *id, const char *app)
{
	struct collab_guid owner;
	struct collab_app *entry;
	bool remote;
	int err;

	lockdep_assert_held(&cn->lock);
	if (!may_bind(cn, app)) {
		collab_stat_inc(cn, COLLAB_STAT_BIND_REFUSED);
		return -EACCES;
	}
	rcu_read_lock();
	remote = collab_route_owner(cn, id) ||
		 collab_distant_owner(cn, id, &owner);
	rcu_read_unlock();
	if (remote)
		return -EADDRINUSE;

	cs->id = *id;
	memcpy(cs->app, app, COLLAB_APP_MAX);
	err = rhashtable_lookup_insert_fast(&cn->instances, &cs->node,
					    instance_params);
	if (err) {
		memset(&cs->id, 0, sizeof(cs->id));
		return err == -EEXIST ? -EADDRINUSE : err;
	}

	entry = app_get(cn, cs->app);
	if (IS_ERR(entry)) {
		err = PTR_ERR(entry);
		goto err_remove_instance;
	}
	entry->count++;
	cs->app_entry = entry;
	cs->seq = ++cn->seq;
	/* What waited for an instance of the type comes first. */
	collab_act_lock(cn);
	list_add_tail_rcu(&cs->app_node, &entry->members);
	collab_act_unlock_bound(cn, cs, NULL);
	list_add_tail_rcu(&cs->all_node, &cn->all_instances);
	collab_obj_add(cn, COLLAB_OBJ_INSTANCES, 1);
	collab_nl_instance_event(cn, cs, COLLAB_CMD_INSTANCE_NEW);
	collab_route_announce(cn, COLLAB_ROUTE_ADD, cs, NULL);
	return 0;

err_remove_instance:
	rhashtable_remove_fast(&cn->instances, &cs->node, instance_params);
	memset(&cs->id, 0, sizeof(cs->id));
	return err;
}

static void member_remove(struct collab_net *cn, struct collab_member *m)
{
	struct collab_session *session = m->session;

	collab_nl_member_event(cn, m, COLLAB_CMD_SESSION_LEAVE);
	list_del_rcu(&m->session_node);
	list_del(&m->sock_node);
	m->cs->nr_sessions--;
	kfree_rcu(m, rcu);
	collab_obj_add(cn, COLLAB_OBJ_MEMBERSHIPS, -1);

	if (--session->count)
		return;
	rhashtable_remove_fast(&cn->sessions, &session->node, session_params);
	list_del(&session->all_node);
	collab_obj_add(cn, COLLAB_OBJ_SESSIONS, -1);
	kfree_rcu(session, rcu);
}

/* Withdraw a bound socket from every table. */
void collab_table_unbind(struct collab_net *cn, struct collab_sock *cs)
{
	struct collab_member *m, *tmp;

	lockdep_assert_held(&cn->lock);

	list_for_each_entry_safe(m, tmp, &cs->memberships, sock_node)
		member_remove(cn, m);
	collab_nl_instance_event(cn, cs, COLLAB_CMD_INSTANCE_DEL);
	list_del_rcu(&cs->all_node);
	/* Peers drop the memberships with the instance. */
	collab_route_announce(cn, COLLAB_ROUTE_DEL, cs, NULL);
	list_del_rcu(&cs->app_node);
	app_put(cn, cs->app_entry);
	cs->app_entry = NULL;
	rhashtable_remove_fast(&cn->instances, &cs->node, instance_params);
	collab_obj_add(cn, COLLAB_OBJ_INSTANCES, -1);
}

static struct collab_member *member_find(struct collab_sock *cs,
					 const struct collab_guid *sid)
{
	struct collab_member *m;

	list_for_each_entry(m, &cs->memberships, sock_node)
		if (collab_guid_equal(&m->session->id, sid))
			return m;
	return NULL;
}

int collab_table_join(struct collab_net *cn, struct collab_sock *cs,
		      const struct collab_guid *sid)
{
	struct collab_session *session;
	struct collab_member *m;

	lockdep_assert_held(&cn->lock);

	if (member_find(cs, sid))
		return -EADDRINUSE;
	if (cs->nr_sessions >= COLLAB_SESSIONS_MAX)
		return -ENOBUFS;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;

	session = rhashtable_lookup_fast(&cn->sessions, sid, session_params);
	if (!session) {
		session = kzalloc(sizeof(*session), GFP_KERNEL);
		if (!session)
			goto err_free_member;
		session->id = *sid;
		INIT_LIST_HEAD(&session->members);
		if (rhashtable_insert_fast(&cn->sessions, &session->node,
					   session_params))
			goto err_free_session;
		session->seq = ++cn->seq;
		list_add_tail(&session->all_node, &cn->all_sessions);
		collab_obj_add(cn, COLLAB_OBJ_SESSIONS, 1);
	}

	m->cs = cs;
	m->session = session;
	m->seq = ++cn->seq;
	session->count++;
	/* What waited for an instance in the session comes first. */
	collab_act_lock(cn);
	list_add_tail_rcu(&m->session_node, &session->members);
	collab_act_unlock_bound(cn, cs, sid);
	list_add_tail(&m->sock_node, &cs->memberships);
	cs->nr_sessions++;
	collab_obj_add(cn, COLLAB_OBJ_MEMBERSHIPS, 1);
	collab_nl_member_event(cn, m, COLLAB_CMD_SESSION_JOIN);
	collab_route_announce(cn, COLLAB_ROUTE_JOIN, cs, sid);
	return 0;

err_free_session:
	kfree(session);
err_free_member:
	kfree(m);
	return -ENOMEM;
}

int collab_table_leave(struct collab_net *cn, struct collab_sock *cs,
		       const struct collab_guid *sid)
{
	struct collab_member *m;

	lockdep_assert_held(&cn->lock);

	m = member_find(cs, sid);
	if (!m)
		return -EADDRNOTAVAIL;
	member_remove(cn, m);
	collab_route_announce(cn, COLLAB_ROUTE_LEAVE, cs, sid);
	return 0;
}

struct collab_sock *collab_find_instance(struct collab_net *cn,
					 const struct collab_guid *id)
{
	return rhashtable_lookup(&cn->instances, id, instance_params);
}

struct collab_app *collab_find_app(struct collab_net *cn, const char *name)
{
	return rhashtable_lookup(&cn->apps, name, app_params);
}

struct collab_session *collab_find_session(struct collab_net *cn,
					   const struct collab_guid *sid)
{
	return rhashtable_lookup(&cn->sessions, sid, session_params);
}
