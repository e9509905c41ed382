/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collabctl: keys made and read on this host, with no kernel involved.
 */
#ifndef COLLABCTL_KEY_H
#define COLLABCTL_KEY_H

#include <stdint.h>

#include <linux/collab.h>

/*
 * Read the base64 key in file PATH ("-": standard input) into KEY;
 * blanks and newlines around it are allowed. WHAT names the key in
 * messages ("private key"), which never quote what the file holds. Warn
 * when users other than its owner can read the file. Return CTL_OK, or
 * CTL_FAIL after saying why (CMD first, such as "node set").
 */
int key_read(const char *cmd, const char *what, const char *path,
	     uint8_t key[COLLAB_KEY_LEN]);

#endif /* COLLABCTL_KEY_H */
