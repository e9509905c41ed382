// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the decoder: any bytes go in; whatever is accepted
 * must write back out, and what it writes must read back to the very same
 * document (the library's spelling is canonical). Anything else is a
 * crash, a sanitizer report or an abort here.
 *
 * 'make fuzz' builds it with clang -fsanitize=fuzzer,address,undefined;
 * lib/fuzz/replay.c runs the same function over the corpus in
 * 'make check'.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out1[COLLAB_XML_MAX], out2[COLLAB_XML_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct collab_msg *msg;
	ssize_t n1, n2;
	int err;

	err = collab_msg_from_xml(data, size, &msg);
	if (err) {
		if (err != -EBADMSG && err != -EMSGSIZE)
			abort();
		if (!collab_xml_error()[0])
			abort();	/* every rejection says why */
		return 0;
	}
	n1 = collab_msg_to_xml(msg, out1, sizeof(out1));
	if (n1 == -EMSGSIZE)
		return 0;	/* compact input, longer canonical form */
	if (n1 < 0) {
		fprintf(stderr, "accepted, but does not write back: %s\n",
			collab_strerror((int)n1));
		abort();
	}
	if (collab_msg_from_xml(out1, (size_t)n1, &msg)) {
		fprintf(stderr, "wrote what it does not accept: %s\n", collab_xml_error());
		abort();
	}
	n2 = collab_msg_to_xml(msg, out2, sizeof(out2));
	if (n2 != n1 || memcmp(out1, out2, (size_t)n1)) {
		fprintf(stderr, "the round trip is not exact\n");
		abort();
	}
	return 0;
}
