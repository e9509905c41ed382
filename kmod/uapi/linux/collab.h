/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * collab: location-transparent messaging between collaborative applications.
 *
 * This header is the whole contract between the collab kernel module and
 * user space: socket addresses, socket options, control messages and (in
 * later revisions) the generic netlink family.
 */
#ifndef _UAPI_LINUX_COLLAB_H
#define _UAPI_LINUX_COLLAB_H

#include <linux/types.h>
#include <linux/socket.h>

/*
 * The address family number is a module parameter, published in
 * /sys/module/collab/parameters/family. Programs read it from there;
 * AF_COLLAB is only the default, used when the module is not loaded yet
 * (socket() with it loads the module on demand).
 */
#define COLLAB_FAMILY_DEFAULT	18
#ifndef AF_COLLAB
#define AF_COLLAB		COLLAB_FAMILY_DEFAULT
#endif
#ifndef PF_COLLAB
#define PF_COLLAB		AF_COLLAB
#endif

#define COLLAB_FAMILY_SYSFS	"/sys/module/collab/parameters/family"

/* Level for setsockopt()/getsockopt() and control messages. */
#define SOL_COLLAB		300

/* Length of an application type name, including the terminating NUL. */
#define COLLAB_APP_MAX		32

/* Node ids, instance GUIDs and session ids are 128-bit opaque values. */
struct collab_guid {
	__u8 b[16];
};

/* Destination and source kinds, in sockaddr_collab.scl_kind. */
enum collab_addr_kind {
	COLLAB_ADDR_UNSPEC,
	COLLAB_ADDR_GUID,	/* one instance, wherever it runs */
	COLLAB_ADDR_APP,	/* an instance of scl_app on scl_node (0: here) */
	COLLAB_ADDR_SESSION,	/* every member of session scl_id */
	COLLAB_ADDR_BROADCAST,	/* every instance of scl_app ("": all) */
	__COLLAB_ADDR_MAX,
};

struct sockaddr_collab {
	__kernel_sa_family_t	scl_family;
	__u8			scl_kind;	/* enum collab_addr_kind */
	__u8			scl_flags;	/* none defined yet: must be 0 */
	__u32			scl_reserved;	/* must be 0 */
	struct collab_guid	scl_node;
	struct collab_guid	scl_id;
	char			scl_app[COLLAB_APP_MAX];
};

/*
 * Limits. A message carries at most COLLAB_MSG_MAX bytes of payload; a
 * socket joins at most COLLAB_SESSIONS_MAX sessions.
 */
#define COLLAB_MSG_MAX		65536
#define COLLAB_SESSIONS_MAX	64

/* Socket options at level SOL_COLLAB. */
enum {
	COLLAB_JOIN = 1,	/* set, struct collab_guid: join a session */
	COLLAB_LEAVE,		/* set, struct collab_guid: leave it */
	COLLAB_ACCEPT_NEW,	/* int: take APP messages of sessions not joined */
	COLLAB_SESSIONS,	/* get: the sessions joined, struct collab_guid[] */
};

/* Control message types at level SOL_COLLAB. */
enum {
	COLLAB_CMSG_SESSION = 1,	/* sendmsg: struct collab_guid */
	COLLAB_CMSG_META,		/* recvmsg: struct collab_meta */
};

/* Metadata of a received message (COLLAB_CMSG_META). */
struct collab_meta {
	struct collab_guid	cm_session;	/* all-zero: none */
	__u64			cm_msgid;	/* unique per source node */
	__u8			cm_dest_kind;	/* enum collab_addr_kind sent to */
	__u8			cm_hops;	/* nodes crossed; 0 on one node */
	__u16			cm_flags;	/* COLLAB_META_* */
	__u32			cm_uid;		/* sender's uid, when local */
	__u32			cm_pid;		/* sender's pid, when local */
	__u32			cm_reserved;
};

#define COLLAB_META_LOCAL	0x1	/* cm_uid and cm_pid are valid */

#endif /* _UAPI_LINUX_COLLAB_H */
