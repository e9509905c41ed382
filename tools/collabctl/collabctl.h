/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collabctl: administer the collab module over generic netlink.
 *
 * Every object (node, instance, ...) lives in a file of its own and
 * exports its command table; main.c lists the objects and dispatches.
 */
#ifndef COLLABCTL_H
#define COLLABCTL_H

#include <stdbool.h>

/* Exit statuses. */
enum {
	CTL_OK = 0,		/* success */
	CTL_FAIL = 1,		/* the operation failed */
	CTL_USAGE = 2,		/* bad arguments */
};

/*
 * One command of an object: its name, its handler (given the arguments
 * after the name), a synopsis of those arguments and one line of help.
 * The first command of a table is the default, run when none is named;
 * an entry with a NULL name ends the table. A default named "" is the
 * object's only command, and the object's name alone calls it
 * ("collabctl genkey").
 */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

/* The command tables of the objects, one file each. */
extern const struct cmd node_cmds[];
extern const struct cmd bearer_cmds[];
extern const struct cmd peer_cmds[];
extern const struct cmd route_cmds[];
extern const struct cmd instance_cmds[];
extern const struct cmd session_cmds[];
extern const struct cmd stats_cmds[];
extern const struct cmd monitor_cmds[];
extern const struct cmd app_cmds[];
extern const struct cmd call_cmds[];
extern const struct cmd trust_cmds[];
extern const struct cmd genkey_cmds[];
extern const struct cmd genpsk_cmds[];
extern const struct cmd pubkey_cmds[];
extern const struct cmd nodeid_cmds[];

/*
 * Run one command line, OBJECT [COMMAND [ARGS]] (ARGV[0] is the object),
 * as a line of a batch: an object that never returns is refused.
 */
int ctl_run(int argc, char **argv);

/*
 * Run the commands of file NAME ("-": standard input), one a line (see
 * batch.c); stop at the first that fails unless FORCE. Return CTL_OK or
 * the status of the failure (with FORCE, of the last one).
 */
int ctl_batch(const char *name, bool force);

/*
 * The line of a batch the messages below are about: they start with
 * "collabctl: batch FILE line LINE: "; FILE NULL for none.
 */
void ctl_where(const char *file, unsigned long line);

/* Whether the batch being run is read from standard input. */
bool ctl_stdin_taken(void);

/* Flush stdout; on an error print why and return CTL_FAIL. */
int ctl_flush(void);

/*
 * Print "collabctl: CMD: MESSAGE: see 'collabctl CMD help'" on stderr and
 * return CTL_USAGE; CMD is the object and command, such as "node set".
 */
int ctl_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "collabctl: MESSAGE" on stderr and return CTL_FAIL. */
int ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "collabctl: warning: MESSAGE" on stderr. */
void ctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report that memory ran out and exit with CTL_FAIL. */
void ctl_nomem(void) __attribute__((noreturn));

#endif /* COLLABCTL_H */
