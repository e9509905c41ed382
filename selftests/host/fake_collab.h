/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for AF_COLLAB sockets on one node (fake_collab.c), for the
 * host tests of libcollab's handles. Link with -Wl,--wrap=NAME for each
 * socket call it defines __wrap_NAME for (FAKE_WRAP in
 * selftests/host/Makefile).
 */
#ifndef FAKE_COLLAB_H
#define FAKE_COLLAB_H

#include <linux/collab.h>

/* The node every fake socket is on. */
extern const struct collab_guid fake_node;

struct collab_id;

/* Messages sent to the bound instance @instance (those it may not read yet, too). */
unsigned long fake_delivered(const struct collab_id *instance);

#endif /* FAKE_COLLAB_H */
