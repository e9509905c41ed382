/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collabctl: strict parsing of command-line values and GUID formatting.
 */
#ifndef COLLABCTL_PARSE_H
#define COLLABCTL_PARSE_H

#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

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

/* An IPv4 or IPv6 address and UDP port, as bearers and peers have them. */
union sockaddr_inet {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* "ffff:...:ffff%IFNAME" and a NUL; "[" that "]:65535". */
#define SOCKADDR_IP_LEN		(INET6_ADDRSTRLEN + IF_NAMESIZE)
#define SOCKADDR_STR_LEN	(SOCKADDR_IP_LEN + 8)

/*
 * Read ADDR, ADDR:PORT (IPv4) or ADDR, [ADDR] or [ADDR]:PORT (IPv6, with
 * an optional %IFNAME scope); a port of 0 or none is DFLT_PORT.
 * Return -EINVAL for a bad address, -ERANGE for a bad port, -ENODEV for
 * an unknown scope device.
 */
int parse_sockaddr(const char *s, uint16_t dflt_port, union sockaddr_inet *sa);
socklen_t sockaddr_len(const union sockaddr_inet *sa);
uint16_t sockaddr_port(const union sockaddr_inet *sa);
void sockaddr_set_port(union sockaddr_inet *sa, uint16_t port);
/* The address alone ("fe80::1%eth0"), and with its port ("[...]:6118"). */
void sockaddr_ip_str(const union sockaddr_inet *sa, char buf[SOCKADDR_IP_LEN]);
void sockaddr_str(const union sockaddr_inet *sa, char buf[SOCKADDR_STR_LEN]);

/*
 * The same, for arguments of command CMD (such as "node set"): on a bad
 * value they print why and return CTL_USAGE, else CTL_OK.
 */
int parse_args(const char *cmd, int argc, char **argv, struct arg *args);
int parse_u64_arg(const char *cmd, const char *name, const char *s,
		  uint64_t max, uint64_t *val);
int parse_guid_arg(const char *cmd, const char *name, const char *s,
		   struct collab_guid *g);
/* An unknown scope device is CTL_FAIL, not CTL_USAGE. */
int parse_sockaddr_arg(const char *cmd, const char *name, const char *s,
		       uint16_t dflt_port, union sockaddr_inet *sa);
/* No argument, or exactly one (named NAME in messages); else CTL_USAGE. */
int parse_no_args(const char *cmd, int argc, char **argv);
int parse_one_arg(const char *cmd, const char *name, int argc, char **argv);
/*
 * The arguments of a command whose one argument is an optional "id GUID":
 * *ID_ARG is the GUID given, read into ID, or NULL.
 */
int parse_id_args(const char *cmd, int argc, char **argv,
		  struct collab_guid *id, const char **id_arg);

#endif /* COLLABCTL_PARSE_H */
