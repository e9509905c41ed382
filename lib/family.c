// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The live AF_COLLAB number, read from the module's sysfs parameter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/collab.h>

#include "collab.h"
#include "internal.h"

int collab__family_from(const char *path)
{
	char buf[16], *end;
	long val;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return AF_COLLAB;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);

	errno = 0;
	val = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || val <= 0 || val > 255)
		return -EIO;
	return (int)val;
}

COLLAB_EXPORT int collab_family(void)
{
	return collab__family_from(COLLAB_FAMILY_SYSFS);
}
