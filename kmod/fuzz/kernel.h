/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kmod/wire.c takes from the kernel, for building it on the host
 * (the fuzz targets beside this file and their corpus replay): the
 * kernel's integer types, byte order, MAX_ERRNO, memchr_inv() and
 * static_assert(). Included before anything else with -include.
 */
#ifndef _COLLAB_FUZZ_KERNEL_H
#define _COLLAB_FUZZ_KERNEL_H

#include <assert.h>
#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define be16_to_cpu(x)	be16toh(x)
#define be32_to_cpu(x)	be32toh(x)
#define be64_to_cpu(x)	be64toh(x)
#define cpu_to_be16(x)	htobe16(x)
#define cpu_to_be32(x)	htobe32(x)
#define cpu_to_be64(x)	htobe64(x)

#define MAX_ERRNO	4095

/* The first byte of @s[0..@n) that is not @c, or NULL. */
static inline void *memchr_inv(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p != (unsigned char)c)
			return (void *)p;
	return NULL;
}

/* The kernel's, whose message is optional. */
#undef static_assert
#define static_assert(expr, ...)	_Static_assert(expr, #expr)

#endif /* _COLLAB_FUZZ_KERNEL_H */
