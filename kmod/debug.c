// SPDX-License-Identifier: GPL-2.0
/*
 * collab: planted bugs, built only into the module of the debug-kernel test
 * run (make check-debug), to prove that KASAN, kmemleak and lockdep are on
 * and that their reports fail a run.
 *
 * Writing "uaf", "leak" or "lockorder" to /sys/kernel/debug/collab/plant
 * commits that bug once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "debug.h"

enum { PLANT_LEAKS = 16, PLANT_SIZE = 96 };

static struct dentry *collab_debugfs;
static DEFINE_MUTEX(plant_lock_a);
static DEFINE_MUTEX(plant_lock_b);

static noinline void plant_use_after_free(void)
{
	u8 *p = kmalloc(PLANT_SIZE, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	pr_info("planted use-after-free reads %u\n", READ_ONCE(p[PLANT_SIZE / 2]));
}

/*
 * Lose several objects: a stale copy of the last pointer may survive on the
 * stack, where kmemleak would find it, but not of the others.
 */
static noinline void plant_leak(void)
{
	unsigned int i;
	void *p;

	for (i = 0; i < PLANT_LEAKS; i++) {
		p = kmalloc(PLANT_SIZE, GFP_KERNEL);
		if (!p)
			return;
		memset(p, 0x5a, PLANT_SIZE);
		barrier_data(p);
	}
	pr_info("planted %u leaks\n", PLANT_LEAKS);
}

/* A then B, later B then A: lockdep reports the inversion without a hang. */
static noinline void plant_lock_inversion(void)
{
	mutex_lock(&plant_lock_a);
	mutex_lock(&plant_lock_b);
	mutex_unlock(&plant_lock_b);
	mutex_unlock(&plant_lock_a);

	mutex_lock(&plant_lock_b);
	mutex_lock(&plant_lock_a);
	mutex_unlock(&plant_lock_a);
	mutex_unlock(&plant_lock_b);
	pr_info("planted a lock-order inversion\n");
}

static ssize_t plant_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	char buf[16];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);

	if (!strcmp(buf, "uaf"))
		plant_use_after_free();
	else if (!strcmp(buf, "leak"))
		plant_leak();
	else if (!strcmp(buf, "lockorder"))
		plant_lock_inversion();
	else
		return -EINVAL;
	return len;
}

static const struct file_operations plant_fops = {
	.owner = THIS_MODULE,
	.write = plant_write,
	.llseek = noop_llseek,
};

int collab_debug_init(void)
{
	collab_debugfs = debugfs_create_dir("collab", NULL);
	debugfs_create_file("plant", 0200, collab_debugfs, NULL, &plant_fops);
	return 0;
}

void collab_debug_exit(void)
{
	debugfs_remove_recursive(collab_debugfs);
}
