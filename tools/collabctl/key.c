// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl genkey, genpsk and pubkey: keys made on this host, as
 * "wg genkey", "wg genpsk" and "wg pubkey" make them, and key files read
 * for "node set".
 *
 * A private key is 32 random bytes clamped as X25519 (RFC 7748) uses
 * them, so that the key written is the key used; a cluster key is 32
 * random bytes. Buffers that held either are wiped before they go; the
 * output itself passes through stdio, as wg's does.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "collabctl.h"
#include "key.h"
#include "parse.h"

/* A key file holds one line; a longer one is no key file. */
#define KEY_FILE_MAX	256

/* Whether FD is a regular file that users other than its owner can read. */
static bool others_can_read(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISREG(st.st_mode) &&
	       (st.st_mode & (S_IRGRP | S_IROTH));
}

/* The key in BUF, LEN bytes, with blanks and newlines around it. */
static int key_text(char *buf, size_t len, uint8_t key[COLLAB_KEY_LEN])
{
	char *s = buf, *end = buf + len;

	/* A NUL would hide what follows it from parse_key(). */
	if (memchr(buf, '\0', len))
		return -KEY_FAULT_CHAR;
	*end = '\0';
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return parse_key(s, key);
}

int key_read(const char *cmd, const char *what, const char *path,
	     uint8_t key[COLLAB_KEY_LEN])
{
	bool std = !strcmp(path, "-");
	char buf[KEY_FILE_MAX + 1];
	int err = 0, ret;
	char where[300];
	size_t len;
	FILE *f;

	if (std)
		snprintf(where, sizeof(where), "on the standard input");
	else
		snprintf(where, sizeof(where), "in '%s'", path);
	if (std && ctl_stdin_taken())
		return ctl_error("%s: the batch is on the standard input: give the %s in a file",
				 cmd, what);
	f = std ? stdin : fopen(path, "re");
	if (!f)
		return ctl_error("%s: %s file '%s': %s", cmd, what, path,
				 strerror(errno));
	if (!std && others_can_read(fileno(f)))
		ctl_warn("%s: the %s %s can be read by users other than its owner (chmod 600 it)",
			 cmd, what, where);
	len = fread(buf, 1, sizeof(buf), f);
	if (ferror(f))
		err = errno ? errno : EIO;
	if (!std)
		fclose(f);

	if (err) {
		ret = ctl_error("%s: cannot read the %s %s: %s", cmd, what,
				where, strerror(err));
	} else if (len > KEY_FILE_MAX) {
		ret = ctl_error("%s: what is %s is too long to be a %s", cmd,
				where, what);
	} else if (!len) {
		ret = ctl_error("%s: no %s %s: it is empty", cmd, what, where);
	} else {
		ret = key_text(buf, len, key);
		if (ret)
			ret = ctl_error("%s: the %s %s %s", cmd, what, where,
					key_fault_str(ret));
	}
	key_wipe(buf, sizeof(buf));
	return ret;
}

static int random_bytes(const char *cmd, uint8_t *buf, size_t len)
{
	ssize_t n;

	do {
		n = getrandom(buf, len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return ctl_error("%s: cannot get random bytes: %s", cmd,
				 strerror(errno));
	/* Requests of up to 256 bytes are never cut short. */
	if ((size_t)n != len)
		return ctl_error("%s: cannot get random bytes: got %zd of %zu",
				 cmd, n, len);
	return CTL_OK;
}

/* Print a new secret key: clamped for X25519 when CLAMP. */
static int print_secret(const char *cmd, int argc, char **argv, bool clamp)
{
	uint8_t key[COLLAB_KEY_LEN];
	char text[KEY_STR_LEN];

	if (parse_no_args(cmd, argc, argv))
		return CTL_USAGE;
	if (random_bytes(cmd, key, sizeof(key)))
		return CTL_FAIL;
	if (clamp) {
		key[0] &= 248;
		key[31] &= 127;
		key[31] |= 64;
	}
	if (others_can_read(STDOUT_FILENO))
		ctl_warn("%s: writing a secret key to a file that users other than its owner can read (set the umask to 077 first)",
			 cmd);
	key_str(key, text);
	key_wipe(key, sizeof(key));
	printf("%s\n", text);
	key_wipe(text, sizeof(text));
	return CTL_OK;
}

static int genkey(int argc, char **argv)
{
	return print_secret("genkey", argc, argv, true);
}

static int genpsk(int argc, char **argv)
{
	return print_secret("genpsk", argc, argv, false);
}

/* The public key of PRIV, X25519's scalar multiplication of the base point. */
static int public_key(const uint8_t priv[COLLAB_KEY_LEN],
		      uint8_t pub[COLLAB_KEY_LEN])
{
	size_t len = COLLAB_KEY_LEN;
	EVP_PKEY *pkey;
	int ok;

	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
					    COLLAB_KEY_LEN);
	if (!pkey)
		return ctl_error("pubkey: cannot make an X25519 key: %s",
				 ERR_reason_error_string(ERR_get_error()));
	ok = EVP_PKEY_get_raw_public_key(pkey, pub, &len) == 1 &&
	     len == COLLAB_KEY_LEN;
	/* Frees the private key's copy wiped. */
	EVP_PKEY_free(pkey);
	if (!ok)
		return ctl_error("pubkey: cannot compute the public key: %s",
				 ERR_reason_error_string(ERR_get_error()));
	return CTL_OK;
}

static int pubkey(int argc, char **argv)
{
	uint8_t priv[COLLAB_KEY_LEN], pub[COLLAB_KEY_LEN];
	char text[KEY_STR_LEN];
	int ret;

	if (parse_no_args("pubkey", argc, argv))
		return CTL_USAGE;
	if (key_read("pubkey", "private key", "-", priv))
		return CTL_FAIL;
	ret = public_key(priv, pub);
	key_wipe(priv, sizeof(priv));
	if (ret)
		return ret;
	key_str(pub, text);
	printf("%s\n", text);
	return CTL_OK;
}

/* The node id that public key PUB gives, as the module makes it. */
static int key_node_id(const uint8_t pub[COLLAB_KEY_LEN], struct collab_guid *id)
{
	static const char label[] = COLLAB_NODE_ID_LABEL;
	uint8_t hash[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *ctx;
	int ok;

	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_blake2s256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, label, sizeof(label) - 1) == 1 &&
	     EVP_DigestUpdate(ctx, pub, COLLAB_KEY_LEN) == 1 &&
	     EVP_DigestFinal_ex(ctx, hash, &len) == 1 && len >= sizeof(*id);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return ctl_error("nodeid: cannot hash the key: %s",
				 ERR_reason_error_string(ERR_get_error()));
	memcpy(id->b, hash, sizeof(id->b));
	return CTL_OK;
}

static int nodeid(int argc, char **argv)
{
	uint8_t pub[COLLAB_KEY_LEN];
	struct collab_guid id;
	char text[GUID_STR_LEN];

	if (parse_no_args("nodeid", argc, argv))
		return CTL_USAGE;
	if (key_read("nodeid", "public key", "-", pub) || key_node_id(pub, &id))
		return CTL_FAIL;
	guid_str(&id, text);
	printf("%s\n", text);
	return CTL_OK;
}

/* Each is one command, which has no name: "collabctl genkey". */
const struct cmd genkey_cmds[] = {
	{ "", genkey, "",
	  "print a new private key, in base64; no kernel module needed" },
	{ .name = NULL }
};

const struct cmd genpsk_cmds[] = {
	{ "", genpsk, "",
	  "print a new cluster key (32 random bytes), in base64; no kernel module needed" },
	{ .name = NULL }
};

const struct cmd pubkey_cmds[] = {
	{ "", pubkey, "",
	  "print the public key of the private key on the standard input; no kernel module needed" },
	{ .name = NULL }
};

const struct cmd nodeid_cmds[] = {
	{ "", nodeid, "",
	  "print the node id that the public key on the standard input gives a node with that key; no kernel module needed" },
	{ .name = NULL }
};
