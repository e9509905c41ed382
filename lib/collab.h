/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcollab: messaging between collaborative applications.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef COLLAB_H
#define COLLAB_H

#ifdef __cplusplus
extern "C" {
#endif

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
