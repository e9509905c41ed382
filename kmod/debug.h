/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COLLAB_DEBUG_H
#define _COLLAB_DEBUG_H

#ifdef COLLAB_DEBUG_PLANT
int collab_debug_init(void);
void collab_debug_exit(void);
#else
static inline int collab_debug_init(void)
{
	return 0;
}

static inline void collab_debug_exit(void)
{
}
#endif

#endif /* _COLLAB_DEBUG_H */
