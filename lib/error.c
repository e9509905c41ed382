// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Error numbers: the library's own meanings, then the C library's.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

COLLAB_EXPORT const char *collab_strerror(int err)
{
	const char *s;

	switch (err) {
	case 0:
		return "success";
	case -EBADMSG:
		return "invalid message: not a valid collab XML document";
	case -EILSEQ:
		return "text is not UTF-8, or holds a character XML cannot carry";
	case -EMSGSIZE:
		return "message larger than COLLAB_XML_MAX bytes in XML";
	case -ETIMEDOUT:
		return "no message (or reply to a call) within the timeout";
	case -EPROTO:
		return "the collab module sent a malformed reply";
	case -ECONNRESET:
		return "the instance called is gone: no reply will come";
	case -ENOBUFS:
		return "no buffer space (or, for a call, COLLAB_CALL_BACKLOG messages wait for collab_recv())";
	}
	s = err < 0 ? strerrordesc_np(-err) : NULL;
	return s ? s : "unknown error";
}
