/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef COLLAB_INTERNAL_H
#define COLLAB_INTERNAL_H

#define COLLAB_EXPORT __attribute__((visibility("default")))

/* The number in a sysfs file; 0 when it does not exist, -EIO if garbled. */
int collab__family_from(const char *path);

#endif /* COLLAB_INTERNAL_H */
