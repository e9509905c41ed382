/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * collab: location-transparent messaging between collaborative applications.
 *
 * This header is the whole contract between the collab kernel module and
 * user space: socket addresses, socket options, control messages and the
 * generic netlink family.
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
	COLLAB_CONFIRM,		/* int: receipts on the error queue */
	COLLAB_LAST_MSGID,	/* get, __u64: id of the last message sent */
};

/*
 * With COLLAB_CONFIRM set, each node that a message reaches (or that
 * cannot take it) sends back a receipt; recvmsg(MSG_ERRQUEUE) returns one
 * struct collab_receipt per call. cr_status is 0 once the message sits in
 * its receivers' queues on cr_node, else an errno: ETIMEDOUT (kept past
 * the store lifetime while cr_node was unreachable), EHOSTUNREACH (no
 * such instance there), ECONNREFUSED (no instance of the type takes it).
 */
struct collab_receipt {
	__u64			cr_msgid;	/* as COLLAB_LAST_MSGID gave it */
	__s32			cr_status;	/* 0 or a positive errno */
	__u32			cr_reserved;
	struct collab_guid	cr_node;	/* the node the receipt is from */
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

/*
 * Generic netlink family "collab", version 1: what a node knows, and what
 * an administrator may change. Commands that change state need
 * CAP_NET_ADMIN in the user namespace that owns the network namespace.
 * Without it, a caller sees only its own instances: those whose owner
 * (COLLAB_INSTANCE_A_UID) is the owner of its netlink socket. INSTANCE_GET
 * of another's instance fails with ENOENT, and SESSION_GET lists only
 * such members, counts only them in COLLAB_SESSION_A_MEMBER_COUNT and
 * leaves out a session that has none of them.
 *
 * Joining a multicast group needs CAP_NET_ADMIN too: "events" (instance,
 * session, peer and conflict events) and "activation" (requests to start
 * an instance). Anyone may hear the events it may see by
 * COLLAB_CMD_EVENTS_LISTEN instead; an administrator uses one or the
 * other, or hears them twice.
 *
 * A reply or a dump message carries one object in a nest: COLLAB_A_INSTANCE,
 * COLLAB_A_SESSION or COLLAB_A_STATS. A session with more members than fit
 * in one message spans several consecutive messages with the same
 * COLLAB_SESSION_A_ID. Dumps resume where they stopped: an object that
 * exists for the whole dump is reported once; one created or removed during
 * it may or may not be.
 */
#define COLLAB_GENL_NAME		"collab"
#define COLLAB_GENL_VERSION		1
#define COLLAB_GENL_MCGRP_EVENTS	"events"
#define COLLAB_GENL_MCGRP_ACTIVATION	"activation"

/* Length of a node name, including the terminating NUL. */
#define COLLAB_NODE_NAME_MAX		64

enum collab_cmd {
	COLLAB_CMD_UNSPEC,
	COLLAB_CMD_NODE_GET,		/* do: id, name, family, link settings */
	COLLAB_CMD_NODE_SET,		/* do, admin: id (no bearer up), name, settings */
	COLLAB_CMD_INSTANCE_GET,	/* do with COLLAB_INSTANCE_A_ID, or dump */
	COLLAB_CMD_SESSION_GET,		/* dump; COLLAB_SESSION_A_ID filters */
	COLLAB_CMD_STATS_GET,		/* do: counters of the namespace */

	/* Notifications, on the "events" group. */
	COLLAB_CMD_INSTANCE_NEW,	/* an instance bound */
	COLLAB_CMD_INSTANCE_DEL,	/* an instance closed */
	COLLAB_CMD_SESSION_JOIN,	/* an instance joined a session */
	COLLAB_CMD_SESSION_LEAVE,	/* an instance left one (or closed) */

	COLLAB_CMD_BEARER_ADD,		/* do, admin: COLLAB_A_BEARER */
	COLLAB_CMD_BEARER_DEL,		/* do, admin: COLLAB_BEARER_A_ID */
	COLLAB_CMD_BEARER_GET,		/* dump */
	COLLAB_CMD_PEER_ADD,		/* do, admin: a static peer's address */
	COLLAB_CMD_PEER_DEL,		/* do, admin: by node id or by address */
	COLLAB_CMD_PEER_GET,		/* do with COLLAB_PEER_A_NODE_ID, or dump */

	/* Notifications, on the "events" group: COLLAB_A_PEER. */
	COLLAB_CMD_PEER_UP,		/* a link to a peer came up */
	COLLAB_CMD_PEER_DOWN,		/* it went down, or the peer went */
	/*
	 * A peer announced an instance GUID that another peer or this node
	 * has: refused. COLLAB_A_PEER (the claimer's node id),
	 * COLLAB_A_INSTANCE (the GUID and the application type it claimed).
	 */
	COLLAB_CMD_INSTANCE_CONFLICT,

	/*
	 * Activatable application types: a message for such a type that no
	 * instance takes waits, and the "activation" group hears of it, so
	 * that an activator (collabd) starts one. COLLAB_A_APP: ADD (do,
	 * admin) registers a type, or changes its settings; DEL (do, admin)
	 * withdraws one, refusing what it held; GET is a dump, or a do with
	 * COLLAB_APP_A_NAME.
	 */
	COLLAB_CMD_APP_ADD,
	COLLAB_CMD_APP_DEL,
	COLLAB_CMD_APP_GET,
	/* On the "activation" group: COLLAB_A_APP with one request. */
	COLLAB_CMD_APP_ACTIVATE,
	/*
	 * do, admin: COLLAB_A_APP with its name and one COLLAB_APP_A_REQUEST
	 * (its COLLAB_REQ_A_ID, maybe COLLAB_REQ_A_ERRNO): the activator
	 * could not start it; its messages are refused now.
	 */
	COLLAB_CMD_APP_FAIL,

	/*
	 * The public keys this node links with: COLLAB_A_TRUST. ADD (do,
	 * admin) trusts a key, or renames it; DEL (do, admin) forgets one,
	 * and the links it authenticated go down; GET is a dump.
	 */
	COLLAB_CMD_TRUST_ADD,
	COLLAB_CMD_TRUST_DEL,
	COLLAB_CMD_TRUST_GET,

	/*
	 * Application types reserved for a user or a group: bind() of such
	 * a type fails with EACCES unless the caller's fsuid is the user,
	 * the group is its fsgid or one of its supplementary groups, or it
	 * has CAP_NET_ADMIN in the user namespace that owns the network
	 * namespace. Instances bound before a reservation stay. COLLAB_A_APP:
	 * RESERVE (do, admin) with COLLAB_APP_A_NAME and one of
	 * COLLAB_APP_A_RESERVE_UID or _GID reserves a type, or gives it to
	 * another user or group; UNRESERVE (do, admin) with the name lifts
	 * it. APP_GET shows a reserved type with its owner, whether or not
	 * it is activatable.
	 */
	COLLAB_CMD_APP_RESERVE,
	COLLAB_CMD_APP_UNRESERVE,

	/*
	 * do, anyone, no attribute: the socket that sends it hears, by
	 * unicast, the notifications of the "events" group that it may see,
	 * until it is closed: with CAP_NET_ADMIN all of them; without, peer
	 * up and down, and the instance and session events of the instances
	 * its owner owns (whose COLLAB_INSTANCE_A_UID is the uid of the
	 * socket that listens).
	 */
	COLLAB_CMD_EVENTS_LISTEN,

	/*
	 * dump: COLLAB_A_ROUTE for every node this node has heard of
	 * through its peers, reachable or not (direct peers among them).
	 */
	COLLAB_CMD_ROUTE_GET,

	__COLLAB_CMD_MAX,
};

#define COLLAB_CMD_MAX (__COLLAB_CMD_MAX - 1)

/* Top-level attributes. */
enum collab_attr {
	COLLAB_A_UNSPEC,
	COLLAB_A_NODE_ID,		/* binary: struct collab_guid */
	COLLAB_A_NODE_NAME,		/* string, < COLLAB_NODE_NAME_MAX */
	COLLAB_A_FAMILY,		/* u32: the number of AF_COLLAB */
	COLLAB_A_INSTANCE,		/* nest: COLLAB_INSTANCE_A_* */
	COLLAB_A_SESSION,		/* nest: COLLAB_SESSION_A_* */
	COLLAB_A_STATS,			/* nest: COLLAB_STATS_A_* */
	COLLAB_A_BEARER,		/* nest: COLLAB_BEARER_A_* */
	COLLAB_A_PEER,			/* nest: COLLAB_PEER_A_* */
	COLLAB_A_TOLERANCE_MS,		/* u32: silence before a link is down */
	COLLAB_A_STORE_LIFETIME_MS,	/* u32: how long a message is kept */
	COLLAB_A_STORE_MAX_MSGS,	/* u32: messages kept per peer */
	COLLAB_A_ROUTE_PEER_BYTES,	/* u32: what one peer's instances and
					 * memberships may take here
					 */
	COLLAB_A_ROUTE_NET_BYTES,	/* u32: those of all peers together */
	COLLAB_A_RX_PEER_BYTES,		/* u32: a peer's packets held out of order */
	COLLAB_A_RX_NET_BYTES,		/* u32: those of all peers together */
	COLLAB_A_HOLD_SOCK_BYTES,	/* u32: what a receiver may hold from
					 * peers past its receive buffer
					 */
	COLLAB_A_HOLD_NET_BYTES,	/* u32: that of all receivers together */
	COLLAB_A_APP,			/* nest: COLLAB_APP_A_* */
	COLLAB_A_ACT_NET_BYTES,		/* u32: what messages waiting for
					 * activation may take, all types
					 */
	COLLAB_A_PRIVATE_KEY,		/* binary, NODE_SET only: the node's
					 * Curve25519 key; all-zero: none
					 */
	COLLAB_A_PUBLIC_KEY,		/* binary, NODE_GET: its public key */
	COLLAB_A_PSK,			/* binary, NODE_SET only: the cluster
					 * key; all-zero: none
					 */
	COLLAB_A_HAS_PSK,		/* u8, NODE_GET: a cluster key is set */
	COLLAB_A_PLAINTEXT,		/* u8: enum collab_plaintext */
	COLLAB_A_TRUST,			/* nest: COLLAB_TRUST_A_* */
	COLLAB_A_REKEY_PACKETS,		/* u32: packets a link's keys seal or
					 * open before new ones are made
					 */
	COLLAB_A_RELAY,			/* u8: this node forwards between
					 * its peers (the default, 1)
					 */
	COLLAB_A_ROUTE,			/* nest: COLLAB_ROUTE_A_* */
	__COLLAB_A_MAX,
};

#define COLLAB_A_MAX (__COLLAB_A_MAX - 1)

/* An application instance: a bound socket. */
enum collab_instance_attr {
	COLLAB_INSTANCE_A_UNSPEC,
	COLLAB_INSTANCE_A_PAD,
	COLLAB_INSTANCE_A_ID,		/* binary: struct collab_guid */
	COLLAB_INSTANCE_A_APP,		/* string: application type */
	COLLAB_INSTANCE_A_PID,		/* u32: process that bound it (0: gone) */
	COLLAB_INSTANCE_A_UID,		/* u32: owner of the socket */
	COLLAB_INSTANCE_A_ACCEPT_NEW,	/* u8: COLLAB_ACCEPT_NEW is set */
	COLLAB_INSTANCE_A_SESSIONS,	/* nest of COLLAB_SESSION_A_ID */
	COLLAB_INSTANCE_A_RQ_MSGS,	/* u32: messages waiting to be read */
	COLLAB_INSTANCE_A_RQ_BYTES,	/* u32: memory they hold */
	COLLAB_INSTANCE_A_RCVBUF,	/* u32: the limit of that memory */
	COLLAB_INSTANCE_A_TX_MSGS,	/* u64: messages sent */
	COLLAB_INSTANCE_A_TX_BYTES,	/* u64: payload bytes sent */
	COLLAB_INSTANCE_A_TX_ERRORS,	/* u64: sends that failed */
	COLLAB_INSTANCE_A_RX_MSGS,	/* u64: messages read */
	COLLAB_INSTANCE_A_RX_BYTES,	/* u64: payload bytes read */
	__COLLAB_INSTANCE_A_MAX,
};

#define COLLAB_INSTANCE_A_MAX (__COLLAB_INSTANCE_A_MAX - 1)

/* A session: its members on this node. */
enum collab_session_attr {
	COLLAB_SESSION_A_UNSPEC,
	COLLAB_SESSION_A_ID,		/* binary: struct collab_guid */
	COLLAB_SESSION_A_MEMBER_COUNT,	/* u32: members on this node */
	COLLAB_SESSION_A_MEMBER,	/* nest: COLLAB_INSTANCE_A_ID, _APP */
	__COLLAB_SESSION_A_MAX,
};

#define COLLAB_SESSION_A_MAX (__COLLAB_SESSION_A_MAX - 1)

/* Which instance of an activatable type takes a message, in COLLAB_APP_A_POLICY. */
enum collab_app_policy {
	COLLAB_APP_SHARED,		/* one, for every session */
	COLLAB_APP_PER_SESSION,		/* one per session, which it joins */
};

/* Range of COLLAB_APP_A_TIMEOUT_MS, and its default. */
#define COLLAB_APP_TIMEOUT_MIN_MS	100
#define COLLAB_APP_TIMEOUT_MAX_MS	3600000
#define COLLAB_APP_TIMEOUT_MS		30000

/* An activatable application type. */
enum collab_app_attr {
	COLLAB_APP_A_UNSPEC,
	COLLAB_APP_A_PAD,
	COLLAB_APP_A_NAME,		/* string, < COLLAB_APP_MAX */
	COLLAB_APP_A_POLICY,		/* u8: enum collab_app_policy */
	COLLAB_APP_A_TIMEOUT_MS,	/* u32: how long messages wait */
	COLLAB_APP_A_HOLD_BYTES,	/* u32: the memory they may take */
	COLLAB_APP_A_HELD_MSGS,		/* u32: messages waiting now */
	COLLAB_APP_A_HELD_BYTES,	/* u32: their memory */
	COLLAB_APP_A_ACTIVATIONS,	/* u64: requests sent */
	COLLAB_APP_A_DELIVERED,		/* u64: waiting messages taken */
	COLLAB_APP_A_DROPPED,		/* u64: refused after waiting */
	COLLAB_APP_A_REQUEST,		/* nest: COLLAB_REQ_A_*, one each */
	COLLAB_APP_A_RESERVE_UID,	/* u32: the user it is reserved for */
	COLLAB_APP_A_RESERVE_GID,	/* u32: or the group */
	__COLLAB_APP_A_MAX,
};

#define COLLAB_APP_A_MAX (__COLLAB_APP_A_MAX - 1)

/*
 * A request to start an instance: messages for one type (and, with the
 * per-session policy, one session) that wait for it.
 */
enum collab_req_attr {
	COLLAB_REQ_A_UNSPEC,
	COLLAB_REQ_A_PAD,
	COLLAB_REQ_A_ID,		/* u64: unique in the namespace */
	COLLAB_REQ_A_SESSION,		/* binary: struct collab_guid, or none */
	COLLAB_REQ_A_SRC_NODE,		/* binary: the first message's node */
	COLLAB_REQ_A_SRC_ID,		/* binary: and its instance */
	COLLAB_REQ_A_AGE_MS,		/* u32: since the first message */
	COLLAB_REQ_A_HELD_MSGS,		/* u32 */
	COLLAB_REQ_A_ERRNO,		/* u32, APP_FAIL: what senders learn */
	__COLLAB_REQ_A_MAX,
};

#define COLLAB_REQ_A_MAX (__COLLAB_REQ_A_MAX - 1)

/* The counters of a namespace: see collab_stats.h. */
enum collab_stats_attr {
	COLLAB_STATS_A_UNSPEC,
	COLLAB_STATS_A_PAD,
#define COLLAB_STAT(name, str, type)	COLLAB_STATS_A_##name,
#include "collab_stats.h"
#undef COLLAB_STAT
	__COLLAB_STATS_A_MAX,
};

#define COLLAB_STATS_A_MAX (__COLLAB_STATS_A_MAX - 1)

/* The UDP port collab listens on unless a bearer names another. */
#define COLLAB_UDP_PORT		6118

/*
 * The discovery group of a bearer bound to a device that names none and
 * is not told COLLAB_BEARER_A_NO_DISCOVERY: 239.0.0.118 (an IPv4 address
 * in host order, as INADDR_* are), or ff12::118 over IPv6.
 */
#define COLLAB_DISCOVERY_GROUP	0xef000076U
#define COLLAB_DISCOVERY_GROUP6_INIT \
	{ { { 0xff, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x18 } } }

/* Range of COLLAB_BEARER_A_MTU. */
#define COLLAB_BEARER_MTU_MIN	576
#define COLLAB_BEARER_MTU_MAX	65535

/*
 * A bearer: a UDP socket of the node, IPv4 or IPv6, that carries traffic
 * to peers. Its discovery group, if any, is a multicast address of the
 * same family, on the bearer's own port, that beacons go to and are heard
 * on; a bearer bound to a device has the default one (above) unless told
 * another or COLLAB_BEARER_A_NO_DISCOVERY. COLLAB_CMD_BEARER_ADD replies
 * with the bearer (and its new id); COLLAB_CMD_BEARER_GET is a dump.
 */
enum collab_bearer_attr {
	COLLAB_BEARER_A_UNSPEC,
	COLLAB_BEARER_A_PAD,
	COLLAB_BEARER_A_ID,		/* u32: chosen by the kernel */
	COLLAB_BEARER_A_LOCAL,		/* binary: struct sockaddr_in or _in6 */
	COLLAB_BEARER_A_IFINDEX,	/* u32: the device it is bound to */
	COLLAB_BEARER_A_DISCOVERY,	/* binary: struct sockaddr_in or _in6 */
	COLLAB_BEARER_A_MTU,		/* u32: largest datagram (none: route's) */
	COLLAB_BEARER_A_TX_PACKETS,	/* u64 */
	COLLAB_BEARER_A_RX_PACKETS,	/* u64 */
	COLLAB_BEARER_A_TX_ERRORS,	/* u64: datagrams the stack refused */
	COLLAB_BEARER_A_NO_DISCOVERY,	/* flag, add only: no group at all */
	__COLLAB_BEARER_A_MAX,
};

#define COLLAB_BEARER_A_MAX (__COLLAB_BEARER_A_MAX - 1)

/* States of a link to a peer, in COLLAB_PEER_A_STATE. */
enum collab_peer_state {
	COLLAB_PEER_DOWN,		/* not heard from within the tolerance */
	COLLAB_PEER_CONNECTING,		/* handshake under way */
	COLLAB_PEER_UP,
};

/* Flags of a peer, in COLLAB_PEER_A_FLAGS. */
#define COLLAB_PEER_STATIC	0x1	/* added by an administrator */

/* A peer: another node, and the link to it. */
enum collab_peer_attr {
	COLLAB_PEER_A_UNSPEC,
	COLLAB_PEER_A_PAD,
	COLLAB_PEER_A_NODE_ID,		/* binary: struct collab_guid */
	COLLAB_PEER_A_NODE_NAME,	/* string: as the peer announces it */
	COLLAB_PEER_A_ADDR,		/* binary: struct sockaddr_in or _in6 */
	COLLAB_PEER_A_BEARER_ID,	/* u32 */
	COLLAB_PEER_A_STATE,		/* u8: enum collab_peer_state */
	COLLAB_PEER_A_FLAGS,		/* u32: COLLAB_PEER_* */
	COLLAB_PEER_A_RTT_US,		/* u32: smoothed round-trip time */
	COLLAB_PEER_A_RTO_US,		/* u32: retransmission timeout */
	COLLAB_PEER_A_CWND,		/* u32: send window, in packets */
	COLLAB_PEER_A_MTU,		/* u32: largest datagram to this peer */
	COLLAB_PEER_A_STORED_MSGS,	/* u32: kept until the peer has them */
	COLLAB_PEER_A_STORED_BYTES,	/* u32 */
	COLLAB_PEER_A_IN_FLIGHT,	/* u32: packets sent, not acknowledged */
	COLLAB_PEER_A_INSTANCES,	/* u32: its instances this node knows */
	COLLAB_PEER_A_DOWN_MS,		/* u32: how long it has been down */
	COLLAB_PEER_A_TX_MSGS,		/* u64 */
	COLLAB_PEER_A_RX_MSGS,		/* u64 */
	COLLAB_PEER_A_TX_PACKETS,	/* u64 */
	COLLAB_PEER_A_RX_PACKETS,	/* u64 */
	COLLAB_PEER_A_RETRANSMITS,	/* u64 */
	COLLAB_PEER_A_DUPLICATES,	/* u64: packets received twice */
	COLLAB_PEER_A_EXPIRED,		/* u64: messages given up on */
	COLLAB_PEER_A_LINK_UPS,		/* u32: times the link came up */
	COLLAB_PEER_A_PUBLIC_KEY,	/* binary: its node key; PEER_ADD:
					 * a key to trust, as TRUST_ADD does
					 */
	COLLAB_PEER_A_ENCRYPTED,	/* u8: its link is sealed */
	COLLAB_PEER_A_HANDSHAKE_TIME,	/* u64: last handshake, seconds
					 * since the epoch; 0: none
					 */
	COLLAB_PEER_A_HANDSHAKES,	/* u32: handshakes done with it */
	__COLLAB_PEER_A_MAX,
};

#define COLLAB_PEER_A_MAX (__COLLAB_PEER_A_MAX - 1)

/* Bytes of a Curve25519 key, and of the cluster key. */
#define COLLAB_KEY_LEN		32

/*
 * A node with a key has the id its public key gives: the first 16 bytes
 * of BLAKE2s-256 of this label (without its NUL) followed by the key.
 */
#define COLLAB_NODE_ID_LABEL	"collab node id 1"

/* Range of COLLAB_A_REKEY_PACKETS; keys are made anew every 2 minutes too. */
#define COLLAB_REKEY_PACKETS_MIN	64
#define COLLAB_REKEY_PACKETS_MAX	0xffffffffU

/*
 * Whether a node with a key links with peers that have none, in
 * COLLAB_A_PLAINTEXT. A node without a key links in clear text only.
 */
enum collab_plaintext {
	COLLAB_PLAINTEXT_REFUSE,
	COLLAB_PLAINTEXT_ALLOW,
};

/*
 * A public key this node trusts; in TRUST_GET dumps, after them, the
 * last candidates that discovery found with a key not trusted
 * (COLLAB_TRUST_A_CANDIDATE set), which never link.
 */
enum collab_trust_attr {
	COLLAB_TRUST_A_UNSPEC,
	COLLAB_TRUST_A_PAD,
	COLLAB_TRUST_A_PUBLIC_KEY,	/* binary: COLLAB_KEY_LEN bytes */
	COLLAB_TRUST_A_NAME,		/* string, < COLLAB_NODE_NAME_MAX */
	COLLAB_TRUST_A_HANDSHAKES,	/* u64: handshakes it completed */
	COLLAB_TRUST_A_CANDIDATE,	/* u8: a key seen, not trusted */
	COLLAB_TRUST_A_NODE_ID,		/* binary, candidate: its node id */
	COLLAB_TRUST_A_ADDR,		/* binary, candidate: sockaddr_in(6) */
	COLLAB_TRUST_A_REFUSED,		/* u64, candidate: HELLOs refused */
	COLLAB_TRUST_A_SEEN_MS,		/* u32, candidate: since the last */
	__COLLAB_TRUST_A_MAX,
};

#define COLLAB_TRUST_A_MAX (__COLLAB_TRUST_A_MAX - 1)

/*
 * The cost of a route, in links crossed, in COLLAB_ROUTE_A_METRIC; a node
 * whose every route was withdrawn has COLLAB_METRIC_INF. A message
 * crosses COLLAB_HOPS_MAX links at most.
 */
#define COLLAB_METRIC_INF	0xffff
#define COLLAB_HOPS_MAX		32

/* A node and the best route to it (COLLAB_CMD_ROUTE_GET). */
enum collab_route_attr {
	COLLAB_ROUTE_A_UNSPEC,
	COLLAB_ROUTE_A_PAD,
	COLLAB_ROUTE_A_NODE_ID,		/* binary: struct collab_guid */
	COLLAB_ROUTE_A_NODE_NAME,	/* string: as the node announces it */
	COLLAB_ROUTE_A_VIA,		/* binary: the peer it goes through;
					 * none: unreachable
					 */
	COLLAB_ROUTE_A_METRIC,		/* u32: links to cross */
	COLLAB_ROUTE_A_SEQNO,		/* u32: the node's, of this route */
	COLLAB_ROUTE_A_AGE_MS,		/* u32: since the route last changed */
	COLLAB_ROUTE_A_OFFERS,		/* u32: peers that offer a route */
	COLLAB_ROUTE_A_INSTANCES,	/* u32: its instances known here */
	COLLAB_ROUTE_A_SESSIONS,	/* u32: sessions they joined */
	__COLLAB_ROUTE_A_MAX,
};

#define COLLAB_ROUTE_A_MAX (__COLLAB_ROUTE_A_MAX - 1)

#endif /* _UAPI_LINUX_COLLAB_H */
