/* SPDX-License-Identifier: GPL-2.0 */
/* collab: stateless cookies for sources that have proven nothing yet. */
#ifndef _COLLAB_COOKIE_H
#define _COLLAB_COOKIE_H

#include "collab.h"

struct collab_bearer;
struct collab_wire_hello;
struct collab_link_hdr;
union collab_sockaddr;

void collab_cookie_init(struct collab_net *cn);
void collab_cookie_exit(struct collab_net *cn);
u64 collab_cookie(struct collab_net *cn, const union collab_sockaddr *from,
		  const struct collab_guid *id);
bool collab_cookie_valid(struct collab_net *cn,
			 const union collab_sockaddr *from,
			 const struct collab_guid *id, u64 echo);
void collab_cookie_reply(struct collab_net *cn, struct collab_bearer *b,
			 const union collab_sockaddr *from,
			 const struct collab_link_hdr *h,
			 const struct collab_wire_hello *hello);

#endif /* _COLLAB_COOKIE_H */
