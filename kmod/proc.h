/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COLLAB_PROC_H
#define _COLLAB_PROC_H

#include "collab.h"

int collab_proc_init(struct net *net);
void collab_proc_exit(struct net *net);

#endif /* _COLLAB_PROC_H */
