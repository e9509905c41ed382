/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collabctl: strict parsing of command-line values and GUID formatting.
 */
#ifndef COLLABCTL_PARSE_H
#define COLLABCTL_PARSE_H

#include <stdint.h>

#include <linux/collab.h>

/* 32 lowercase hex digits and a NUL. */
#define GUID_STR_LEN	(2 * sizeof(struct collab_guid) + 1)

/*
 * A keyword argument: "NAME VALUE" on the command line. parse_args() sets
 * val of each keyword given; an array of them ends with a NULL name.
 */
struct arg {
	const char *name;
	const char *val;
};

int parse_u64(const char *s, uint64_t max, uint64_t *val);
int parse_guid(const char *s, struct collab_guid *g);
void guid_str(const struct collab_guid *g, char buf[GUID_STR_LEN]);
int guid_is_zero(const struct collab_guid *g);

/*
 * The same, for arguments of command CMD (such as "node set"): on a bad
 * value they print why and return CTL_USAGE, else CTL_OK.
 */
int parse_args(const char *cmd, int argc, char **argv, struct arg *args);
int parse_u64_arg(const char *cmd, const char *name, const char *s,
		  uint64_t max, uint64_t *val);
int parse_guid_arg(const char *cmd, const char *name, const char *s,
		   struct collab_guid *g);

#endif /* COLLABCTL_PARSE_H */
