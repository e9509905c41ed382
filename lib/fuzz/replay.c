// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs a fuzz target (the decoder's, or collabctl's) over every file of
 * its corpus (built by selftests/host/Makefile with gcc and the
 * sanitizers; no libFuzzer needed), one TAP result per file. A crash or a
 * sanitizer report fails.
 *
 *   fuzz_replay [DIR]   (default: the corpus in the source tree)
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collab.h"

#ifndef CORPUS
#define CORPUS "lib/fuzz/corpus"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The decoder's target tells whether it took an input; others do not. */
#pragma weak collab_xml_error

static const char *verdict(void)
{
	if (!collab_xml_error)
		return "";
	return collab_xml_error()[0] ? " (rejected)" : " (accepted)";
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int regular(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : CORPUS;
	static uint8_t buf[2 * COLLAB_XML_MAX];
	struct dirent **names;
	char path[4096];
	int n, i, fail = 0;

	n = scandir(dir, &names, regular, by_name);
	if (n <= 0) {
		printf("1..0 # SKIP no corpus in %s\n", dir);
		return n < 0 ? 1 : 4;
	}
	printf("TAP version 13\n1..%d\n", n);
	for (i = 0; i < n; i++) {
		FILE *f;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		f = fopen(path, "rb");
		if (!f) {
			printf("not ok %d %s # cannot open\n", i + 1, names[i]->d_name);
			fail = 1;
			continue;
		}
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		fflush(stdout);
		LLVMFuzzerTestOneInput(buf, len);	/* aborts on a bug */
		printf("ok %d %s%s\n", i + 1, names[i]->d_name, verdict());
		free(names[i]);
	}
	free(names);
	return fail;
}
