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
		return 0;	/* not loaded */
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

/*
 * Read once per process: the number cannot change while a socket of the
 * family is open, and sysfs reads are not free.
 */
COLLAB_EXPORT int collab_family(void)
{
	static int cached;
	int family = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (family > 0)
		return family;
	family = collab__family_from(COLLAB_FAMILY_SYSFS);
	/* Not loaded yet: the default, whose socket() loads it; ask again. */
	if (!family)
		return AF_COLLAB;
	if (family > 0)
		__atomic_store_n(&cached, family, __ATOMIC_RELAXED);
	return family;
}
