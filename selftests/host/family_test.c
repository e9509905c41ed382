// SPDX-License-Identifier: GPL-2.0
/*
 * collab_family(): the number from the module's sysfs parameter, the
 * default when the module is not loaded, an error on a garbled file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/collab.h>

#include "collab.h"
#include "../../lib/internal.h"
#include "kselftest_harness.h"

FIXTURE(param) {
	char path[64];
};

FIXTURE_SETUP(param)
{
	int fd;

	snprintf(self->path, sizeof(self->path), "/tmp/collab-family-XXXXXX");
	fd = mkstemp(self->path);
	ASSERT_LE(0, fd);
	close(fd);
}

FIXTURE_TEARDOWN(param)
{
	unlink(self->path);
}

static void put(struct __test_metadata *_metadata, const char *path,
		const char *text)
{
	FILE *f = fopen(path, "w");

	ASSERT_NE(NULL, f);
	fputs(text, f);
	ASSERT_EQ(0, fclose(f));
}

TEST_F(param, number)
{
	put(_metadata, self->path, "22\n");
	EXPECT_EQ(22, collab__family_from(self->path));
	put(_metadata, self->path, "18");
	EXPECT_EQ(18, collab__family_from(self->path));
}

TEST_F(param, not_loaded)
{
	unlink(self->path);
	EXPECT_EQ(0, collab__family_from(self->path));
}

TEST_F(param, garbled)
{
	static const char *const bad[] = {
		"", "\n", "x", "18x", "-3", "0", "256", "99999999999999999999",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(_metadata, self->path, bad[i]);
		EXPECT_EQ(-EIO, collab__family_from(self->path)) {
			TH_LOG("input '%s'", bad[i]);
		}
	}
}

TEST(live)
{
	int family = collab_family();

	/* No module here, or a loaded one: either way a usable number. */
	EXPECT_LT(0, family);
	EXPECT_GT(256, family);
}

TEST_HARNESS_MAIN
