/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COLLAB_SOCKET_H
#define _COLLAB_SOCKET_H

int collab_socket_init(void);
void collab_socket_exit(void);

#endif /* _COLLAB_SOCKET_H */
