/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef COLLAB_INTERNAL_H
#define COLLAB_INTERNAL_H

#define COLLAB_EXPORT __attribute__((visibility("default")))

/* collab_family() with another sysfs file, for tests. */
int collab__family_from(const char *path);

#endif /* COLLAB_INTERNAL_H */
