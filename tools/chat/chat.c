// SPDX-License-Identifier: GPL-2.0
/*
 * collab-chat: a chat that knows nothing about the network.
 *
 * It is written against libcollab alone: no socket, address or protocol
 * header, and the only things it knows of another machine are the node id
 * it is given and what a message says about its sender. An instance opens
 * a new session and invites the chat on another node with a private
 * message, takes one such invitation, or joins a session it knows; then it
 * says the lines it is given and prints every message it receives, with
 * the sender's name and host, the session and the time it was said.
 *
 * Between instances of the chat, a session carries chat lines and a few
 * events, each a record with the fields "event" and "name" (the display
 * name): "invite" (private, to the chat on a node; "to": the name wanted),
 * "decline" ("reason"), "join" (to the session; "ask": members answer),
 * "here" (private, the answer), "done" (every line said, still listening)
 * and "leave".
 *
 * An instance that accepts invitations listens with COLLAB_OPEN_ACCEPT_NEW,
 * where the kernel sends a node's messages for new sessions. Once it has
 * taken one it goes on in a new instance that is only in that session and
 * closes the listening one, so that the next invitation goes to another
 * instance of the chat: libcollab has no call that clears
 * COLLAB_OPEN_ACCEPT_NEW on an open handle.
 *
 * Where the chat type is activatable with one instance per session,
 * collabd starts an instance for each invitation that no instance takes
 * (--join ${COLLAB_SESSION} --invited): the kernel holds the invitation
 * and gives it to the instance once it joins the session, before any
 * newer message. That instance takes it as an accepting one would, and
 * keeps its transcript in a file named for the session (--transcript).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <collab.h>

#define PROG			"collab-chat"
#define ELLIPSIS		"\u2026"
#define MEMBERS_MAX		64
#define LINE_BYTES		4096
/* COLLAB_NAME_CHARS characters of up to 4 bytes of UTF-8, and a NUL. */
#define NAME_BYTES		(COLLAB_NAME_CHARS * 4 + 1)
#define INVITE_AGAIN_MS		1000
#define DECLINED_AGAIN_MS	100
/* How long --invited waits for the invitation the kernel held for it. */
#define INVITATION_WAIT_MS	5000

enum mode {
	MODE_OPEN = 1,
	MODE_ACCEPT,
	MODE_JOIN,
};

enum event {
	EV_NONE,
	EV_INVITE,
	EV_DECLINE,
	EV_JOIN,
	EV_HERE,
	EV_DONE,
	EV_LEAVE,
	EV_COUNT,
};

static const char *const event_names[EV_COUNT] = {
	[EV_INVITE] = "invite",
	[EV_DECLINE] = "decline",
	[EV_JOIN] = "join",
	[EV_HERE] = "here",
	[EV_DONE] = "done",
	[EV_LEAVE] = "leave",
};

struct member {
	struct collab_id instance;
	bool done;			/* said its last line */
};

struct chat {
	/* Options. */
	int mode;
	const char *app, *name, *invitee;
	struct collab_id node;		/* MODE_OPEN: the node invited */
	bool turns, stay, invited;
	long interval_ms, timeout_s;
	/* Paths with %n or %s, opened once the name and session are known. */
	const char *file, *transcript;
	char invited_name[NAME_BYTES];	/* --invited: the name asked for */

	FILE *out;			/* what the chat prints: stdout or the transcript */

	/* The instance in the session, and (MODE_ACCEPT, until an invitation
	 * is taken) the one that listens for invitations. */
	struct collab *h, *lobby;
	struct collab_source self;	/* a copy: the lobby closes */
	struct collab_id session;
	bool in_session;
	struct collab_msg *msg;

	struct member members[MEMBERS_MAX];
	size_t nmembers;
	bool had_member;
	bool heard;			/* a line from another since my last */
	bool done;			/* said so */

	/* Lines to say: queued, and from in_fd until its end. */
	char **lines;
	size_t nlines, said, cap;
	int in_fd;
	bool in_eof;
	char in_buf[LINE_BYTES];
	size_t in_len;

	int64_t next_say, next_invite, deadline;
	unsigned int invites;
	bool quit;			/* on an error that ends the chat */
	int status;			/* exit status */
};

static volatile sig_atomic_t stop;

/* ---- output ------------------------------------------------------------ */

static void usage(FILE *f)
{
	fputs("Usage: " PROG " [OPTIONS] --open NODE|--accept|--join SESSION [LINE...]\n"
	      "\n"
	      "A chat over collab. It says each LINE (or the lines of --file, or of\n"
	      "standard input) to its session and prints every message it receives.\n"
	      "\n"
	      "  -o, --open NODE       open a new session and invite the chat on the\n"
	      "                        node NODE (its id: 32 hex digits)\n"
	      "      --to NAME         with --open: invite the chat instance called NAME\n"
	      "  -a, --accept          wait for an invitation to a new session and join it\n"
	      "  -j, --join SESSION    join the session SESSION (32 hex digits)\n"
	      "      --invited         with --join: take the invitation to SESSION that\n"
	      "                        waits for this chat (collabd started it for one)\n"
	      "                        and, without --name, the name it asks for\n"
	      "  -n, --name NAME       display name (default: the user name)\n"
	      "  -f, --file FILE       say the lines of FILE ('-': standard input)\n"
	      "      --transcript FILE print to FILE (appended to, made with its\n"
	      "                        directories) instead of standard output\n"
	      "  -i, --interval MS     wait at least MS milliseconds between lines said\n"
	      "  -r, --turns           take turns: say a line only after another member\n"
	      "                        said one (the one who opened the session starts)\n"
	      "  -s, --stay            after the last line, say so and stay until every\n"
	      "                        other member has said its last or left\n"
	      "  -t, --timeout SEC     fail if the chat is not over after SEC seconds\n"
	      "  -A, --app TYPE        application type (default: chat)\n"
	      "  -h, --help            this help\n"
	      "\n"
	      "In the FILE of --file and --transcript, %n is the display name, %s the\n"
	      "session (32 hex digits) and %% a %.\n"
	      "\n"
	      "Lines are said once another member is in the session. The chat ends when\n"
	      "its input has ended and every line is said (with --stay: and every other\n"
	      "member is done too), or on SIGINT or SIGTERM; it leaves the session first.\n"
	      "Exit status: 0, 1 on a failure (a timeout, a line not said, a message\n"
	      "from another session or an invalid one), 2 on bad usage.\n", f);
}

static void vwarn(const char *fmt, va_list ap)
{
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

static void fail(struct chat *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	c->status = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void put_time(struct chat *c, int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	localtime_r(&t, &tm);
	fprintf(c->out, "%02d:%02d:%02d.%03d ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		(int)(us % 1000000 / 1000));
}

/*
 * Text from elsewhere, made safe for a terminal: control characters (C0,
 * DEL and C1) become spaces. The library has checked that it is UTF-8.
 */
static const char *clean(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;

	while (*s && n + 1 < size) {
		if (*s < 0x20 || *s == 0x7f) {
			dst[n++] = ' ';
			s++;
		} else if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
			dst[n++] = ' ';
			s += 2;
		} else {
			dst[n++] = (char)*s++;
		}
	}
	/* Not half a character at a cut. */
	if (*s)
		while (n && ((unsigned char)dst[n - 1] & 0xc0) == 0x80)
			n--;
	if (*s && n && ((unsigned char)dst[n - 1] & 0xc0) == 0xc0)
		n--;
	dst[n] = '\0';
	return dst;
}

static const char *short_id(const struct collab_id *id, char buf[16])
{
	char hex[33];

	if (collab_id_is_zero(id))
		return "none";
	collab_id_to_hex(id, hex);
	snprintf(buf, 16, "%.8s" ELLIPSIS, hex);
	return buf;
}

/* "TIME [host] me " and the rest, for what this instance does. */
static void own(struct chat *c, const char *fmt, ...)
{
	va_list ap;

	put_time(c, wall_us());
	fprintf(c->out, "[%s] %s ", c->self.host, c->name);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
}

/* "TIME [host] me <- name@host (session S)" and the rest, for a message
 * received; TIME is when it was said. */
static void shown(struct chat *c, const struct collab_msg *m, const char *name,
		  const char *fmt, ...)
{
	char who[NAME_BYTES], sid[16];
	va_list ap;

	put_time(c, m->source.time_us);
	fprintf(c->out, "[%s] %s <- %s@%s (session %s)", c->self.host, c->name,
		clean(who, sizeof(who), name), m->source.host,
		short_id(&m->session, sid));
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
}

static void report(void *arg, const char *reason)
{
	fail(arg, "an invalid message was dropped: %s", reason);
}

/* ---- names and files --------------------------------------------------- */

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A display name: 1 to COLLAB_NAME_CHARS characters, none a control one. */
static bool name_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = utf8_chars(s);

	if (!n || n > COLLAB_NAME_CHARS)
		return false;
	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return false;
	return true;
}

/* Each % of @path starts %n, %s or %%. */
static bool template_ok(const char *path)
{
	for (path = strchr(path, '%'); path; path = strchr(path + 2, '%'))
		if (!path[1] || !strchr("ns%", path[1]))
			return false;
	return true;
}

/* A path that waits for the name and the session to be known. */
static bool deferred(const char *path)
{
	return path && strchr(path, '%');
}

/*
 * @tmpl with %n (the display name), %s (the session) and %% replaced, into
 * @buf. The name may come from an invitation, so it goes into a path only
 * as one file name: -EINVAL when it has a '/' or starts with a '.'.
 */
static int expand(const struct chat *c, const char *tmpl, char *buf, size_t size)
{
	size_t n = 0, len;
	const char *v;
	char hex[33];

	for (; *tmpl; tmpl++) {
		v = tmpl;
		len = 1;
		if (*tmpl == '%') {
			switch (*++tmpl) {
			case 'n':
				if (strchr(c->name, '/') || c->name[0] == '.')
					return -EINVAL;
				v = c->name;
				break;
			case 's':
				v = collab_id_to_hex(&c->session, hex);
				break;
			default:	/* %%: template_ok() let no other through */
				break;
			}
			len = *tmpl == '%' ? 1 : strlen(v);
		}
		if (n + len >= size)
			return -ENAMETOOLONG;
		memcpy(buf + n, v, len);
		n += len;
	}
	buf[n] = '\0';
	return 0;
}

/* The directories above the file @path that are missing, as mkdir -p would. */
static int make_parents(const char *path)
{
	char dir[PATH_MAX], *p;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	for (p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0750) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* The transcript: appended to, and what the chat prints from now on. */
static int open_transcript(struct chat *c, const char *path)
{
	int fd, err;
	FILE *f;

	err = make_parents(path);
	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "a");
	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	c->out = f;
	return 0;
}

static int open_lines(struct chat *c, const char *path)
{
	c->in_fd = open(path, O_RDONLY | O_CLOEXEC);
	return c->in_fd < 0 ? -errno : 0;
}

/* @tmpl, a path that waited for the name and session, into @path. */
static int expand_late(struct chat *c, const char *tmpl, char path[PATH_MAX])
{
	int err;

	if (!deferred(tmpl))
		return 0;
	err = expand(c, tmpl, path, PATH_MAX);
	if (err == -EINVAL)
		fail(c, "%s: the name '%s' cannot be a file name", tmpl, c->name);
	else if (err)
		fail(c, "%s: %s", tmpl, strerror(-err));
	return err;
}

/* In its session, with its name: the files named after them. */
static int open_files(struct chat *c)
{
	char transcript[PATH_MAX], file[PATH_MAX];
	int err;

	err = expand_late(c, c->transcript, transcript);
	if (!err)
		err = expand_late(c, c->file, file);
	if (err)
		return err;
	if (deferred(c->transcript)) {
		err = open_transcript(c, transcript);
		if (err) {
			fail(c, "%s: %s", transcript, strerror(-err));
			return err;
		}
	}
	if (deferred(c->file)) {
		err = open_lines(c, file);
		if (err)
			fail(c, "%s: %s", file, strerror(-err));
	}
	return err;
}

/* ---- members ----------------------------------------------------------- */

static bool same_id(const struct collab_id *a, const struct collab_id *b)
{
	return !memcmp(a->b, b->b, sizeof(a->b));
}

static struct member *member_find(struct chat *c, const struct collab_id *instance)
{
	size_t i;

	for (i = 0; i < c->nmembers; i++)
		if (same_id(&c->members[i].instance, instance))
			return &c->members[i];
	return NULL;
}

/* The sender of @m, a member of the session; NULL when there are too many. */
static struct member *member_add(struct chat *c, const struct collab_msg *m)
{
	struct member *p = member_find(c, &m->source.instance);

	if (!p && c->nmembers < MEMBERS_MAX) {
		p = &c->members[c->nmembers++];
		p->instance = m->source.instance;
		p->done = false;
	}
	c->had_member = true;
	return p;
}

static void member_del(struct chat *c, const struct collab_id *instance)
{
	struct member *p = member_find(c, instance);

	if (p)
		*p = c->members[--c->nmembers];
}

/* Every other member has said its last line (true when there is none). */
static bool others_done(const struct chat *c)
{
	size_t i;

	for (i = 0; i < c->nmembers; i++)
		if (!c->members[i].done)
			return false;
	return true;
}

/* ---- sending ----------------------------------------------------------- */

/* 0 or a negative errno, which the caller reports. */
static int send_event(struct chat *c, struct collab *h, const struct collab_dest *dest,
		      const struct collab_id *session, int ev,
		      const struct collab_field *extra)
{
	struct collab_field f[3] = {
		{ .key = "event", .type = COLLAB_VAL_STRING, .s = event_names[ev] },
		{ .key = "name", .type = COLLAB_VAL_STRING, .s = c->name },
	};
	struct collab_msg m = { .type = COLLAB_TYPE_RECORD, .session = *session };

	if (extra)
		f[2] = *extra;
	m.record.nfields = extra ? 3 : 2;
	m.record.fields = f;
	return collab_send(h, dest, &m);
}

static int send_to_session(struct chat *c, int ev, const struct collab_field *extra)
{
	struct collab_dest d;
	int err;

	collab_dest_session(&d, &c->session);
	err = send_event(c, c->h, &d, &c->session, ev, extra);
	if (err)
		fail(c, "cannot send '%s' to the session: %s", event_names[ev],
		     collab_strerror(err));
	return err;
}

/* A private answer to @m, in @m's session, from the instance it came to. */
static void answer(struct chat *c, struct collab *h, const struct collab_msg *m, int ev,
		   const struct collab_field *extra)
{
	struct collab_dest d;
	int err;

	collab_dest_reply(&d, m);
	err = send_event(c, h, &d, &m->session, ev, extra);
	if (err)
		fail(c, "cannot send '%s': %s", event_names[ev], collab_strerror(err));
}

static void invite(struct chat *c)
{
	const struct collab_field to = {
		.key = "to", .type = COLLAB_VAL_STRING, .s = c->invitee,
	};
	char hex[33], nid[16];
	struct collab_dest d;
	int err;

	collab_dest_app(&d, c->app, &c->node);
	if (!c->invites++)
		own(c, "opens session %s and invites %s on node %s",
		    collab_id_to_hex(&c->session, hex),
		    c->invitee ? c->invitee : "a chat", short_id(&c->node, nid));
	else
		own(c, "invites %s again", c->invitee ? c->invitee : "a chat");
	/* Unanswered, it goes again: no chat may listen there yet. */
	err = send_event(c, c->h, &d, &c->session, EV_INVITE, c->invitee ? &to : NULL);
	if (err)
		warn("cannot invite yet: %s", collab_strerror(err));
	c->next_invite = now_ms() + INVITE_AGAIN_MS;
}

static void say(struct chat *c)
{
	char *line = c->lines[c->said];
	struct collab_msg m = {
		.type = COLLAB_TYPE_CHAT,
		.session = c->session,
		.chat = { .from = c->name, .text = line },
	};
	char sid[16], text[LINE_BYTES];
	struct collab_dest d;
	int err;

	collab_dest_session(&d, &c->session);
	own(c, "-> session %s: %s", short_id(&c->session, sid),
	    clean(text, sizeof(text), line));
	err = collab_send(c->h, &d, &m);
	if (err)
		fail(c, "cannot say '%s': %s", line, collab_strerror(err));
	free(line);
	c->lines[c->said++] = NULL;
	c->heard = false;
	c->next_say = now_ms() + c->interval_ms;
}

static void leave(struct chat *c)
{
	char sid[16];
	int err;

	if (!c->in_session)
		return;
	send_to_session(c, EV_LEAVE, NULL);
	err = collab_leave(c->h, &c->session);
	if (err)
		fail(c, "cannot leave the session: %s", collab_strerror(err));
	own(c, "leaves session %s", short_id(&c->session, sid));
	c->in_session = false;
}

/* ---- receiving --------------------------------------------------------- */

static const struct collab_field *field(const struct collab_msg *m, const char *key,
					int type)
{
	size_t i;

	for (i = 0; i < m->record.nfields; i++)
		if (!strcmp(m->record.fields[i].key, key) &&
		    m->record.fields[i].type == type)
			return &m->record.fields[i];
	return NULL;
}

static const char *field_str(const struct collab_msg *m, const char *key)
{
	const struct collab_field *f = field(m, key, COLLAB_VAL_STRING);

	return f && f->s[0] ? f->s : NULL;
}

static int event_of(const struct collab_msg *m)
{
	const char *s = field_str(m, "event");
	int ev;

	for (ev = EV_INVITE; s && ev < EV_COUNT; ev++)
		if (!strcmp(s, event_names[ev]))
			return ev;
	return EV_NONE;
}

static const char *sender_name(const struct collab_msg *m)
{
	const char *name = NULL;

	if (!strcmp(m->type, COLLAB_TYPE_CHAT))
		name = m->chat.from && m->chat.from[0] ? m->chat.from : NULL;
	else if (!strcmp(m->type, COLLAB_TYPE_RECORD))
		name = field_str(m, "name");
	return name ? name : m->source.user;
}

/* In the session @m invited this instance to: tell its members. */
static void joined_by_invitation(struct chat *c, const struct collab_msg *m)
{
	char hex[33];

	member_add(c, m);
	own(c, "joins session %s", collab_id_to_hex(&c->session, hex));
	send_to_session(c, EV_JOIN, NULL);
}

/* Take the invitation @m: go on in a new instance in its session. */
static void accept_invite(struct chat *c, const struct collab_msg *m)
{
	struct collab_opts o = { .report = report, .report_arg = c };
	int err;

	c->h = collab_open(c->app, &o);
	if (!c->h) {
		fail(c, "cannot open an instance for the session: %s", collab_strerror(-errno));
		return;
	}
	err = collab_join(c->h, &m->session);
	if (err) {
		fail(c, "cannot join the session: %s", collab_strerror(err));
		collab_close(c->h);
		c->h = NULL;
		return;
	}
	c->session = m->session;
	c->in_session = true;
	if (open_files(c)) {
		c->quit = true;
		return;
	}
	joined_by_invitation(c, m);
}

/*
 * --invited: collabd started this instance for an invitation to its
 * session, which the kernel held and gives it, once it joined, before any
 * newer message. Take it as --accept would, and the name it asks for
 * unless --name gave one.
 */
static int take_invitation(struct chat *c)
{
	int64_t until = now_ms() + INVITATION_WAIT_MS, left;
	char hex[33], who[NAME_BYTES];
	const struct collab_msg *m;
	const char *to;
	int err;

	if (c->deadline && c->deadline < until)
		until = c->deadline;
	do {
		left = until - now_ms();
		err = collab_recv(c->h, &c->msg, left > 0 ? (int)left : 0);
	} while (err == -EBADMSG || (err == -EINTR && !stop));
	if (err == -EINTR)
		return err;
	if (err == -ETIMEDOUT)
		fail(c, "no invitation to session %s came",
		     collab_id_to_hex(&c->session, hex));
	else if (err)
		fail(c, "cannot receive: %s", collab_strerror(err));
	if (err)
		return err;
	m = c->msg;
	if (strcmp(m->type, COLLAB_TYPE_RECORD) || event_of(m) != EV_INVITE ||
	    !same_id(&m->session, &c->session)) {
		fail(c, "the first message is not an invitation to the session");
		return -EPROTO;
	}
	to = field_str(m, "to");
	if (!c->name) {
		if (to && !name_ok(to)) {
			fail(c, "invited as '%s', which is not a name",
			     clean(who, sizeof(who), to));
			return -EINVAL;
		}
		snprintf(c->invited_name, sizeof(c->invited_name), "%s",
			 to ? to : c->self.user);
		c->name = c->invited_name;
	}
	err = open_files(c);
	if (err)
		return err;
	shown(c, m, sender_name(m), " invites %s", to ? to : "a chat");
	joined_by_invitation(c, m);
	return 0;
}

static void on_invite(struct chat *c, struct collab *h, const struct collab_msg *m,
		      const char *name, bool mine)
{
	const char *to = field_str(m, "to");
	struct collab_field why = { .key = "reason", .type = COLLAB_VAL_STRING };
	char reason[NAME_BYTES + 8];

	shown(c, m, name, " invites %s", to ? to : "a chat");
	if (mine)
		return;		/* again, before our answer reached it */
	if (h == c->lobby && !c->in_session && (!to || !strcmp(to, c->name))) {
		accept_invite(c, m);
		return;
	}
	if (c->in_session)
		snprintf(reason, sizeof(reason), "busy");
	else
		snprintf(reason, sizeof(reason), "not %s", to);
	why.s = reason;
	answer(c, h, m, EV_DECLINE, &why);
}

static void on_record(struct chat *c, struct collab *h, const struct collab_msg *m,
		      const char *name, bool mine)
{
	const struct collab_field *ask = field(m, "ask", COLLAB_VAL_BOOL);
	const char *reason = field_str(m, "reason");
	int ev = event_of(m);
	struct member *p;

	if (ev == EV_INVITE) {
		on_invite(c, h, m, name, mine);
		return;
	}
	if (!mine && ev != EV_DECLINE)
		fail(c, "a message from %s of another session", name);
	switch (ev) {
	case EV_DECLINE:
		shown(c, m, name, " declines (%s)", reason ? reason : "no reason");
		/* Another instance of the chat there may take it. */
		if (mine && c->mode == MODE_OPEN && !c->had_member)
			c->next_invite = now_ms() + DECLINED_AGAIN_MS;
		break;
	case EV_JOIN:
		shown(c, m, name, " joins");
		if (mine) {
			member_add(c, m);
			if (ask && ask->b)
				answer(c, c->h, m, EV_HERE, NULL);
		}
		break;
	case EV_HERE:
		shown(c, m, name, " is here");
		if (mine)
			member_add(c, m);
		break;
	case EV_DONE:
		shown(c, m, name, " is done");
		if (mine && (p = member_add(c, m)))
			p->done = true;
		break;
	case EV_LEAVE:
		shown(c, m, name, " leaves");
		if (mine)
			member_del(c, &m->source.instance);
		break;
	default:
		shown(c, m, name, " sends a record of %zu fields", m->record.nfields);
		break;
	}
}

static void on_message(struct chat *c, struct collab *h, const struct collab_msg *m)
{
	bool mine = c->in_session && same_id(&m->session, &c->session);
	const char *name = sender_name(m);
	char text[LINE_BYTES];

	if (!strcmp(m->type, COLLAB_TYPE_RECORD)) {
		on_record(c, h, m, name, mine);
		return;
	}
	if (!mine)
		fail(c, "a message from %s of another session", name);
	if (!strcmp(m->type, COLLAB_TYPE_CHAT)) {
		shown(c, m, name, ": %s", clean(text, sizeof(text), m->chat.text));
		if (mine) {
			member_add(c, m);
			c->heard = true;
		}
	} else {
		shown(c, m, name, " sends a message of type %s", m->type);
	}
}

/* Everything waiting on @h; false on an error that ends the chat. */
static bool receive(struct chat *c, struct collab *h)
{
	int err;

	for (;;) {
		err = collab_recv(h, &c->msg, 0);
		if (!err)
			on_message(c, h, c->msg);
		else if (err == -ETIMEDOUT || err == -EINTR)
			return true;
		else if (err != -EBADMSG)	/* reported, counted and dropped */
			break;
	}
	fail(c, "cannot receive: %s", collab_strerror(err));
	return false;
}

/* ---- input ------------------------------------------------------------- */

static int queue_line(struct chat *c, const char *s, size_t n)
{
	char **lines;

	if (c->nlines == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		lines = realloc(c->lines, c->cap * sizeof(*lines));
		if (!lines)
			return -ENOMEM;
		c->lines = lines;
	}
	c->lines[c->nlines] = strndup(s, n);
	if (!c->lines[c->nlines])
		return -ENOMEM;
	c->nlines++;
	return 0;
}

/* What in_fd has: whole lines, and a line longer than the buffer in parts. */
static int read_input(struct chat *c)
{
	char *nl, *p;
	ssize_t n;
	size_t len;

	n = read(c->in_fd, c->in_buf + c->in_len, sizeof(c->in_buf) - c->in_len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (!n)
		c->in_eof = true;
	c->in_len += (size_t)n;
	p = c->in_buf;
	len = c->in_len;
	while ((nl = memchr(p, '\n', len)) || (len && (c->in_eof || len == sizeof(c->in_buf)))) {
		n = nl ? nl - p : (ssize_t)len;
		if (queue_line(c, p, (size_t)n))
			return -ENOMEM;
		if (nl)
			n++;
		p += n;
		len -= (size_t)n;
	}
	memmove(c->in_buf, p, len);
	c->in_len = len;
	if (c->in_eof && c->in_fd > 0)
		close(c->in_fd);
	return 0;
}

/* ---- the loop ---------------------------------------------------------- */

static bool may_say(const struct chat *c, int64_t now)
{
	if (!c->in_session || !c->nmembers || c->said == c->nlines || now < c->next_say)
		return false;
	return !c->turns || c->heard || (c->mode == MODE_OPEN && !c->said) ||
	       others_done(c);
}

/* With --stay: once every line is said, tell the others (once). */
static void tell_done(struct chat *c)
{
	if (!c->stay || c->done || !c->in_session || !c->had_member ||
	    !c->in_eof || c->said < c->nlines)
		return;
	c->done = true;
	own(c, "is done");
	send_to_session(c, EV_DONE, NULL);
}

static bool over(const struct chat *c)
{
	if (c->quit)
		return true;
	if (stop || !c->in_session)
		return stop;
	if (!c->in_eof || !c->had_member)
		return false;
	if (!c->stay)
		return c->said == c->nlines;
	/* Everyone gone, with lines left to say, is over too. */
	return (c->done && others_done(c)) || !c->nmembers;
}

static void add_fd(struct pollfd *p, nfds_t *n, int fd)
{
	p[*n].fd = fd;
	p[*n].events = POLLIN;
	p[*n].revents = 0;
	(*n)++;
}

static void run(struct chat *c)
{
	struct pollfd p[3];
	int64_t now, wake;
	nfds_t n, in;
	int err;

	for (;;) {
		tell_done(c);
		if (over(c))
			break;
		now = now_ms();
		if (c->deadline && now >= c->deadline) {
			fail(c, "not over after %ld s", c->timeout_s);
			break;
		}
		if (c->mode == MODE_OPEN && !c->had_member && now >= c->next_invite)
			invite(c);
		if (may_say(c, now)) {
			say(c);
			continue;
		}

		wake = c->deadline ? c->deadline : INT64_MAX;
		if (c->mode == MODE_OPEN && !c->had_member && c->next_invite < wake)
			wake = c->next_invite;
		if (c->said < c->nlines && c->nmembers && c->next_say > now && c->next_say < wake)
			wake = c->next_say;
		n = 0;
		if (c->h)
			add_fd(p, &n, collab_fd(c->h));
		if (c->lobby)
			add_fd(p, &n, collab_fd(c->lobby));
		in = n;
		if (!c->in_eof && c->in_fd >= 0)
			add_fd(p, &n, c->in_fd);
		if (poll(p, n, wake == INT64_MAX ? -1 : (int)(wake > now ? wake - now : 0)) < 0 &&
		    errno != EINTR) {
			fail(c, "poll: %s", strerror(errno));
			break;
		}

		if (c->lobby) {
			if (!receive(c, c->lobby))
				break;
			/* Invitations it still had were declined: stop listening. */
			if (c->in_session) {
				collab_close(c->lobby);
				c->lobby = NULL;
			}
		}
		if (c->h && !receive(c, c->h))
			break;
		if (in < n && p[in].revents) {
			err = read_input(c);
			if (err) {
				fail(c, "cannot read the lines to say: %s", strerror(-err));
				break;
			}
		}
	}
	if (c->said < c->nlines)
		fail(c, "%zu lines not said", c->nlines - c->said);
	leave(c);
}

/* ---- set-up ------------------------------------------------------------ */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static _Noreturn void bad(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fputs("\nTry '" PROG " --help'.\n", stderr);
	exit(2);
}

static long number(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		bad("not a number from 0 to a limit: '%s'", s);
	return v;
}

/* 32 hex digits; dashes, as in a UUID, are left out. */
static struct collab_id id_arg(const char *s)
{
	char hex[33];
	struct collab_id id;
	const char *p = s;
	size_t n = 0;

	for (; *p && n < sizeof(hex) - 1; p++)
		if (*p != '-')
			hex[n++] = *p;
	hex[n] = '\0';
	if (*p || collab_id_from_hex(&id, hex) || collab_id_is_zero(&id))
		bad("not an id of 32 hex digits: '%s'", s);
	return id;
}

static void parse(struct chat *c, int argc, char **argv)
{
	enum { OPT_TO = 256, OPT_INVITED, OPT_TRANSCRIPT };
	static const struct option longs[] = {
		{ "open", required_argument, NULL, 'o' },
		{ "to", required_argument, NULL, OPT_TO },
		{ "accept", no_argument, NULL, 'a' },
		{ "join", required_argument, NULL, 'j' },
		{ "invited", no_argument, NULL, OPT_INVITED },
		{ "name", required_argument, NULL, 'n' },
		{ "file", required_argument, NULL, 'f' },
		{ "transcript", required_argument, NULL, OPT_TRANSCRIPT },
		{ "interval", required_argument, NULL, 'i' },
		{ "turns", no_argument, NULL, 'r' },
		{ "stay", no_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "app", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	int o, modes = 0, err;

	c->app = "chat";
	c->in_fd = -1;
	while ((o = getopt_long(argc, argv, "o:aj:n:f:i:rst:A:h", longs, NULL)) != -1) {
		switch (o) {
		case 'o':
			c->mode = MODE_OPEN;
			c->node = id_arg(optarg);
			modes++;
			break;
		case OPT_TO: c->invitee = optarg; break;
		case 'a': c->mode = MODE_ACCEPT; modes++; break;
		case 'j':
			c->mode = MODE_JOIN;
			c->session = id_arg(optarg);
			modes++;
			break;
		case OPT_INVITED: c->invited = true; break;
		case 'n': c->name = optarg; break;
		case 'f': file = optarg; break;
		case OPT_TRANSCRIPT: c->transcript = optarg; break;
		case 'i': c->interval_ms = number(optarg, 3600 * 1000); break;
		case 'r': c->turns = true; break;
		case 's': c->stay = true; break;
		case 't': c->timeout_s = number(optarg, 24 * 3600); break;
		case 'A': c->app = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: fputs("Try '" PROG " --help'.\n", stderr); exit(2);
		}
	}
	if (modes != 1)
		bad("%s", "one of --open, --accept and --join, once");
	if (c->invitee && c->mode != MODE_OPEN)
		bad("%s", "--to goes with --open");
	if (c->invited && c->mode != MODE_JOIN)
		bad("%s", "--invited goes with --join");
	if (c->name && !name_ok(c->name))
		bad("a name has 1 to 64 characters, no control character: not '%s'", c->name);
	if (c->invitee && !name_ok(c->invitee))
		bad("a name has 1 to 64 characters, no control character: not '%s'", c->invitee);
	if (file && optind < argc)
		bad("%s", "lines come from --file or the arguments, not both");
	if ((file && !template_ok(file)) || (c->transcript && !template_ok(c->transcript)))
		bad("%s", "in a file name, % starts %n (the name), %s (the session) or %%");
	for (; optind < argc; optind++)
		if (queue_line(c, argv[optind], strlen(argv[optind])))
			exit(1);
	c->file = file;
	if (c->transcript && !deferred(c->transcript)) {
		err = open_transcript(c, c->transcript);
		if (err) {
			fprintf(stderr, PROG ": %s: %s\n", c->transcript, strerror(-err));
			exit(1);
		}
	}
	if (c->nlines) {
		c->in_eof = true;
	} else if (!file || !strcmp(file, "-")) {
		c->in_fd = 0;
		c->file = NULL;
	} else if (!deferred(file)) {
		err = open_lines(c, file);
		if (err) {
			fprintf(stderr, PROG ": %s: %s\n", file, strerror(-err));
			exit(1);
		}
	}
}

static int start(struct chat *c)
{
	struct collab_opts o = { .report = report, .report_arg = c };
	struct collab **hp = c->mode == MODE_ACCEPT ? &c->lobby : &c->h;
	const struct collab_field ask = {
		.key = "ask", .type = COLLAB_VAL_BOOL, .b = true,
	};
	char hex[33];
	int err;

	if (c->mode == MODE_ACCEPT)
		o.flags = COLLAB_OPEN_ACCEPT_NEW;
	*hp = collab_open(c->app, &o);
	if (!*hp) {
		err = -errno;
		fail(c, "cannot open an instance of '%s': %s", c->app, collab_strerror(err));
		return err;
	}
	c->self = *collab_self(*hp);
	/* --invited: the invitation may name it. */
	if (!c->name && !c->invited)
		c->name = c->self.user;

	switch (c->mode) {
	case MODE_ACCEPT:
		own(c, "waits for an invitation");
		return 0;
	case MODE_OPEN:
		err = collab_id_random(&c->session);
		break;
	default:
		err = 0;
		break;
	}
	if (!err)
		err = collab_join(c->h, &c->session);
	if (err) {
		fail(c, "cannot join a session: %s", collab_strerror(err));
		return err;
	}
	c->in_session = true;
	if (c->invited)
		return take_invitation(c);
	err = open_files(c);
	if (err)
		return err;
	if (c->mode == MODE_JOIN) {
		own(c, "joins session %s", collab_id_to_hex(&c->session, hex));
		return send_to_session(c, EV_JOIN, &ask);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct chat c = { .out = stdout };

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse(&c, argc, argv);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (c.timeout_s)
		c.deadline = now_ms() + c.timeout_s * 1000;
	if (!start(&c))
		run(&c);
	collab_msg_free(c.msg);
	collab_close(c.lobby);
	collab_close(c.h);
	while (c.said < c.nlines)
		free(c.lines[c.said++]);
	free(c.lines);
	if (c.out != stdout && fclose(c.out)) {
		warn("cannot write the transcript: %s", strerror(errno));
		c.status = 1;
	}
	return c.status;
}
