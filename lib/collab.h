/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcollab: messaging between collaborative applications.
 *
 * An application opens a handle for its application type, sends messages
 * in its own format (chat lines, whiteboard strokes, typed records, bytes,
 * or a format of its own through a registered codec) to an instance, an
 * application type, a session or everyone, and receives them back in that
 * format with their metadata. On the way the library translates each
 * message to the portable XML format (lib/schema/collab.rng) and back,
 * validating every message it receives before it decodes it.
 *
 * This header needs no socket or network header. Errors are negative errno
 * values; collab_strerror() describes them.
 *
 * Thread safety: a handle may be used from several threads at once
 * (sending, receiving, joining, reading its statistics); only
 * collab_close() must not race with other calls on the same handle, and
 * collab_call() not with collab_recv(), collab_serve() or another
 * collab_call() on it. A message belongs to one thread at a time. collab_codec_register() may be
 * called at any time from any thread. Parser state and buffers are kept
 * per thread and reused, so steady-state sending and receiving allocate
 * nothing in the library.
 */
#ifndef COLLAB_H
#define COLLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits. Lengths of char arrays include the terminating NUL. */
enum {
	COLLAB_XML_MAX = 65536,		/* one message in XML, in bytes */
	COLLAB_APP_TYPE_MAX = 32,	/* application type: 1..31 printable ASCII */
	COLLAB_HOST_MAX = 65,		/* host name: 1..64 bytes, '!'..'~' */
	COLLAB_USER_MAX = 33,		/* user name: 1..32 bytes, '!'..'~' */
	COLLAB_TYPE_MAX = 32,		/* content type: [a-z][a-z0-9-]{0,30} */
	COLLAB_KEY_MAX = 65,		/* record key: [A-Za-z_][A-Za-z0-9_.-]{0,63} */
	COLLAB_NAME_CHARS = 64,		/* chat display name, in characters */
	COLLAB_CODECS_MAX = 64,		/* codecs an application may register */
	COLLAB_CODEC_FIELDS = 256,	/* fields a codec's encode() may fill */
	COLLAB_OP_MAX = 32,		/* call operation: [a-z][a-z0-9-]{0,30} */
	COLLAB_ERROR_CHARS = 256,	/* a reply's error text, in characters */
	COLLAB_CALL_BACKLOG = 1024,	/* messages a collab_call() keeps aside */
};

/* Node ids, instance GUIDs and session ids: 128-bit opaque values. */
struct collab_id {
	uint8_t b[16];
};

bool collab_id_is_zero(const struct collab_id *id);
/* 32 lower-case hex digits and a NUL into @buf (33 bytes). */
char *collab_id_to_hex(const struct collab_id *id, char buf[33]);
/* 32 hex digits, nothing else: 0, or -EINVAL. */
int collab_id_from_hex(struct collab_id *id, const char *hex);
/* A random id (for a new session): 0 or a negative errno. */
int collab_id_random(struct collab_id *id);

/* ---- destinations -------------------------------------------------------- */

enum collab_dest_kind {
	COLLAB_DEST_GUID = 1,	/* one instance, wherever it runs */
	COLLAB_DEST_APP,	/* an instance of an application type on a node */
	COLLAB_DEST_SESSION,	/* every member of a session */
	COLLAB_DEST_BROADCAST,	/* every instance of a type ("": of any type) */
};

struct collab_dest {
	int kind;			/* enum collab_dest_kind */
	struct collab_id node;		/* GUID, APP: the node (zero: the sender's) */
	struct collab_id id;		/* GUID: the instance; SESSION: the session */
	char app[COLLAB_APP_TYPE_MAX];	/* APP, BROADCAST: application type */
};

struct collab_msg;

/* Fill @dest; 0, or -EINVAL for a zero id or an invalid application type. */
int collab_dest_guid(struct collab_dest *dest, const struct collab_id *node,
		     const struct collab_id *instance);
int collab_dest_app(struct collab_dest *dest, const char *app,
		    const struct collab_id *node);
int collab_dest_session(struct collab_dest *dest, const struct collab_id *session);
int collab_dest_broadcast(struct collab_dest *dest, const char *app);
/* The instance that sent @msg. */
int collab_dest_reply(struct collab_dest *dest, const struct collab_msg *msg);

/* ---- messages ------------------------------------------------------------ */

/* Built-in content types. */
#define COLLAB_TYPE_CHAT	"chat"
#define COLLAB_TYPE_BOARD	"board"
#define COLLAB_TYPE_RECORD	"record"
#define COLLAB_TYPE_BLOB	"blob"
#define COLLAB_TYPE_CALL	"call"
#define COLLAB_TYPE_REPLY	"reply"

/* chat: one line of text (UTF-8) and its author's display name. */
struct collab_chat {
	const char *from;	/* NULL or "": none; at most 64 characters */
	const char *text;
};

/* board: whiteboard operations. Colours are 0xRRGGBBAA. */
struct collab_point {
	int32_t x, y;
};

enum collab_board_op_kind {
	COLLAB_BOARD_STROKE = 1,
	COLLAB_BOARD_SHAPE,
	COLLAB_BOARD_CLEAR,
};

enum collab_shape_kind {
	COLLAB_SHAPE_LINE = 1,
	COLLAB_SHAPE_RECT,
	COLLAB_SHAPE_ELLIPSE,
};

struct collab_stroke {
	uint32_t color;
	uint32_t width;
	size_t npoints;			/* at least 1 */
	const struct collab_point *points;
};

struct collab_shape {
	int kind;			/* enum collab_shape_kind */
	uint32_t color;
	uint32_t width;
	bool filled;
	uint32_t fill;			/* when filled */
	struct collab_point from, to;	/* end points, or opposite corners */
};

struct collab_board_op {
	int kind;			/* enum collab_board_op_kind */
	union {
		struct collab_stroke stroke;
		struct collab_shape shape;
	};
};

struct collab_board {
	size_t nops;			/* at least 1 */
	const struct collab_board_op *ops;
};

/* record: typed key/value fields, in order. */
enum collab_value_type {
	COLLAB_VAL_STRING = 1,
	COLLAB_VAL_INT,
	COLLAB_VAL_DOUBLE,
	COLLAB_VAL_BOOL,
	COLLAB_VAL_BYTES,
};

struct collab_bytes {
	const void *data;
	size_t len;
};

struct collab_field {
	const char *key;
	int type;			/* enum collab_value_type */
	union {
		const char *s;
		int64_t i;
		double d;
		bool b;
		struct collab_bytes bytes;
	};
};

struct collab_record {
	size_t nfields;
	const struct collab_field *fields;
};

/* call: an operation of the receiving instance, by name, and its arguments. */
struct collab_call {
	const char *op;			/* [a-z][a-z0-9-]{0,30} */
	struct collab_record args;
};

/* reply: the answer to the call whose message id is @call. */
struct collab_reply {
	uint64_t call;			/* the call's collab_msg id */
	int status;			/* 0, or the positive errno it failed with */
	const char *error;		/* none: NULL (or ""); at most 256 characters */
	struct collab_record result;
};

/* Where a message came from. */
struct collab_source {
	struct collab_id node;
	struct collab_id instance;
	char app[COLLAB_APP_TYPE_MAX];
	char host[COLLAB_HOST_MAX];
	char user[COLLAB_USER_MAX];
	int64_t time_us;		/* UTC microseconds since 1970 */
};

/* What the kernel says about a received message (not in the XML). */
struct collab_delivery {
	uint64_t kernel_id;		/* the source node's number for it */
	uint32_t uid, pid;		/* of the sender, when local */
	uint8_t hops;			/* nodes crossed */
	bool local;			/* uid and pid are valid */
};

struct collab_msg_store;

/*
 * A message. To send one, fill type and the matching payload member (the
 * rest may stay zero: collab_send() fills the envelope). Messages that the
 * library returns (collab_recv(), collab_msg_from_xml()) point into memory
 * of their own and are released with collab_msg_free().
 */
struct collab_msg {
	/* Envelope. */
	uint64_t id;			/* unique per source instance */
	struct collab_id session;	/* zero: none */
	struct collab_source source;
	struct collab_dest target;
	const char *type;		/* content type */

	/* Payload, by type: chat, board, blob, call, reply, or record for
	 * "record" and every type of a registered codec. */
	union {
		struct collab_chat chat;
		struct collab_board board;
		struct collab_bytes blob;
		struct collab_record record;
		struct collab_call call;
		struct collab_reply reply;
	};
	/* A registered codec's own representation: what its encode() takes,
	 * what its decode() made (NULL if no codec for the type is registered). */
	void *app;

	struct collab_delivery delivery;	/* collab_recv() only */
	struct collab_msg_store *store;		/* the library's; NULL in yours */
};

/*
 * The portable format. collab_msg_to_xml() writes @msg, envelope as given,
 * into @buf: the length, or -EINVAL (a field out of range), -EILSEQ (text
 * that is not UTF-8 or holds a character XML cannot carry), -EMSGSIZE
 * (more than COLLAB_XML_MAX bytes), -ENOSPC (@size too small) or -ENOENT
 * (no codec for the type). A NUL follows when there is room.
 *
 * collab_msg_from_xml() validates @xml and decodes it. *@msgp NULL: a new
 * message; otherwise a message from an earlier call, reused. 0, or
 * -EBADMSG (invalid: collab_xml_error() says why), -EMSGSIZE, -ENOMEM.
 */
ssize_t collab_msg_to_xml(const struct collab_msg *msg, char *buf, size_t size);
int collab_msg_from_xml(const void *xml, size_t len, struct collab_msg **msgp);
void collab_msg_free(struct collab_msg *msg);

/* Why the calling thread's last decode failed ("" if it did not). */
const char *collab_xml_error(void);

/*
 * Codecs of an application's own content types: encode() translates the
 * application's message (msg->app) into at most @max record fields, whose
 * strings and bytes stay valid until collab_send() or collab_msg_to_xml()
 * returns, and returns their number or a negative errno; decode() builds
 * the application's message from the record of a received one into *@app
 * (freed later with free_app()), 0 or a negative errno (the message then
 * counts as invalid). Types are unique; the built-in ones are reserved.
 */
struct collab_codec {
	const char *type;
	int (*encode)(void *arg, const void *app, struct collab_field *fields,
		      size_t max);
	int (*decode)(void *arg, const struct collab_record *record, void **app);
	void (*free_app)(void *arg, void *app);
	void *arg;
};

/* 0, -EINVAL (bad type name or no encode), -EEXIST, -ENOSPC. The codec
 * struct is copied; the type name is copied too. */
int collab_codec_register(const struct collab_codec *codec);
int collab_codec_unregister(const char *type);

/* ---- handles ------------------------------------------------------------- */

struct collab;

enum collab_open_flags {
	COLLAB_OPEN_ACCEPT_NEW = 1 << 0,	/* take messages of sessions not joined */
};

struct collab_opts {
	unsigned int flags;		/* enum collab_open_flags */
	struct collab_id instance;	/* zero: the kernel draws one */
	/* Told about every invalid message received (may be NULL). */
	void (*report)(void *arg, const char *reason);
	void *report_arg;
};

struct collab_stats {
	uint64_t tx_msgs, tx_bytes, tx_errors;
	uint64_t rx_msgs, rx_bytes;
	uint64_t rx_invalid;		/* failed validation, or lied about the sender */
};

/*
 * A bound instance of @app_type (@opts NULL: defaults). NULL on failure,
 * with errno set (pass -errno to collab_strerror()).
 */
struct collab *collab_open(const char *app_type, const struct collab_opts *opts);
void collab_close(struct collab *h);

/*
 * The socket, for poll(): readable when a message waits there. Messages
 * that a collab_call() kept aside wait in the handle instead; while
 * collab_pending() says so, collab_recv() returns one at once whether or
 * not the socket is readable.
 */
int collab_fd(const struct collab *h);
/* This instance: node, GUID, application type, host and user names. */
const struct collab_source *collab_self(const struct collab *h);

int collab_join(struct collab *h, const struct collab_id *session);
int collab_leave(struct collab *h, const struct collab_id *session);

/*
 * Send @msg to @dest. The library fills the envelope (source, id, time,
 * target; the session is @msg->session, or @dest's for a session). 0 or a
 * negative errno: those of collab_msg_to_xml(), or of sendmsg() on an
 * AF_COLLAB socket (collab(7)).
 */
int collab_send(struct collab *h, const struct collab_dest *dest,
		const struct collab_msg *msg);

/*
 * Wait up to @timeout_ms (-1: forever, 0: do not wait) for a message, then
 * validate and decode it into *@msgp (reused as in collab_msg_from_xml()).
 * Messages a collab_call() kept aside come first, in the order they
 * arrived. 0; -ETIMEDOUT; -EBADMSG for an invalid message, which is also
 * counted and reported, and dropped; -EINTR; or another negative errno.
 */
int collab_recv(struct collab *h, struct collab_msg **msgp, int timeout_ms);

/*
 * Whether messages that a collab_call() kept aside wait for collab_recv()
 * (which then returns at once, though collab_fd() may not be readable).
 */
bool collab_pending(const struct collab *h);

void collab_stats_get(const struct collab *h, struct collab_stats *stats);

/* ---- remote calls -------------------------------------------------------- */

/*
 * Call @op of the instance at @dest (a GUID, or an application type on a
 * node) with @args (NULL: none) and wait up to @timeout_ms (-1: forever)
 * for its reply, decoded into *@replyp (reused as in collab_recv()). The
 * reply is the "reply" message that names the call's id and comes from
 * that instance (for an application type: from an instance of that type
 * on that node).
 *
 * 0: the operation succeeded; (*@replyp)->reply.result holds what it
 * returned. When it failed, the reply is there too and its status comes
 * back negated: -EOPNOTSUPP for an operation the server does not have,
 * -EPERM for one it does not allow, or what the operation said. On any
 * other error there is no reply: *@replyp stays NULL, or a reused
 * message is emptied (its type NULL).
 * -ETIMEDOUT: no reply in time. -ECONNRESET: no instance at @dest any
 * more (the server ended before it replied; checked once a second while
 * waiting). -ENOBUFS: COLLAB_CALL_BACKLOG other messages arrived first
 * (the rest wait in the socket). -EINTR: a signal interrupted the wait.
 * -EINVAL: a destination of another kind, or an operation name that is
 * not one. Or the errors of collab_send() for the call itself.
 *
 * Other messages that arrive while it waits are kept, in order, for
 * collab_recv(). A reply that comes after its call gave up is returned
 * by collab_recv() like any message. collab_call() must not run at the
 * same time as collab_recv(), collab_serve() or another collab_call() on
 * the same handle; an operation that collab_serve() runs may make calls.
 */
int collab_call(struct collab *h, const struct collab_dest *dest,
		const char *op, const struct collab_record *args,
		int timeout_ms, struct collab_msg **replyp);

/*
 * Answer @call (a received message of type "call") with @status (0 or a
 * positive errno, at most 4095), @error (NULL or "": none; at most
 * COLLAB_ERROR_CHARS characters) and @result (NULL: none), in the call's
 * session. 0 or the errors of collab_send(); -EINVAL if @call is not a
 * call or @status is out of range.
 */
int collab_reply(struct collab *h, const struct collab_msg *call, int status,
		 const char *error, const struct collab_record *result);

/*
 * An operation of a server: @fn answers @call with collab_reply() and
 * returns 0, or returns a positive errno, which collab_serve() sends back
 * as the reply's status (with no error text or result).
 */
struct collab_op {
	const char *name;
	int (*fn)(void *arg, struct collab *h, const struct collab_msg *call);
	void *arg;
};

/*
 * Wait up to @timeout_ms for one message, into *@msgp (as collab_recv()).
 * A call is answered from @ops (an array ended by a NULL name; an
 * operation not in it gets EOPNOTSUPP and the error text "no operation
 * NAME") and 0 is returned; any other message is returned for the
 * application to handle, as 1. Otherwise collab_recv()'s errors. A reply
 * that cannot be sent (the caller has gone) counts in tx_errors.
 */
int collab_serve(struct collab *h, const struct collab_op *ops,
		 int timeout_ms, struct collab_msg **msgp);

/* A description of a negative errno, including the library's own uses. */
const char *collab_strerror(int err);

/*
 * The address family number of AF_COLLAB sockets on this system: the one
 * the loaded module publishes in sysfs, or the default (whose socket()
 * loads the module on demand) when it is not loaded yet. Once the module
 * is loaded, the number is read once per process.
 */
int collab_family(void);

#ifdef __cplusplus
}
#endif

#endif /* COLLAB_H */
