/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collabctl: strict parsing of command-line values and GUID formatting.
 */
#ifndef COLLABCTL_PARSE_H
#define COLLABCTL_PARSE_H

#include <stddef.h>
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

/*
 * A key (a node's private or public Curve25519 key, a cluster key) is
 * written in base64, as WireGuard writes its keys: 43 characters and one
 * '=', 44 in all, with no bits to spare in the last character.
 */
#define KEY_B64_LEN	(4 * ((COLLAB_KEY_LEN + 2) / 3))
#define KEY_STR_LEN	(KEY_B64_LEN + 1)

/* Why parse_key() refused a text: it returns one of these, negated. */
enum key_fault {
	KEY_FAULT_LENGTH = 1,	/* not KEY_B64_LEN characters */
	KEY_FAULT_CHAR,		/* a character that is not base64 */
	KEY_FAULT_PAD,		/* not one '=' at the end */
	KEY_FAULT_BITS,		/* the last character is not one 32 bytes end in */
};

int parse_key(const char *s, uint8_t key[COLLAB_KEY_LEN]);
/* What a fault of parse_key() means, for messages that follow a name. */
const char *key_fault_str(int err);
void key_str(const uint8_t key[COLLAB_KEY_LEN], char buf[KEY_STR_LEN]);
int key_is_zero(const uint8_t key[COLLAB_KEY_LEN]);
/* Zero a buffer that held a secret, in a way the compiler keeps. */
void key_wipe(void *buf, size_t len);

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
/* A public key, named NAME in messages, which quote the text. */
int parse_key_arg(const char *cmd, const char *name, const char *s,
		  uint8_t key[COLLAB_KEY_LEN]);
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
