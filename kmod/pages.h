/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COLLAB_PAGES_H
#define _COLLAB_PAGES_H

#include <linux/skbuff.h>

struct sk_buff *collab_pages_skb(unsigned int size);
void collab_pages_exit(void);

#endif /* _COLLAB_PAGES_H */
