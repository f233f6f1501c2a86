/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel API for the pure dm-mirrorx codecs
 * (proto.c, meta_codec.c) to build and run in userspace under the fuzzer.
 * Every <linux/...> header they include maps to this one file.
 */
#ifndef MX_SHIM_H
#define MX_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <limits.h>
#include <endian.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef uint8_t __u8;
typedef uint16_t __be16;
typedef uint32_t __be32;
typedef uint64_t __be64;
typedef uint32_t __le32;
typedef uint64_t __le64;

#define __packed	__attribute__((__packed__))
#define __force
#define fallthrough	__attribute__((__fallthrough__))

#define BUILD_BUG_ON(c)	_Static_assert(!(c), #c)

#define BIT(nr)		(1UL << (nr))
#define SZ_1M		0x00100000
#define SZ_1G		0x40000000

#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)

#define SECTOR_SHIFT	9
#define SECTOR_SIZE	(1 << SECTOR_SHIFT)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define min(a, b)	((a) < (b) ? (a) : (b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))

#define cpu_to_be16(x)	htobe16(x)
#define cpu_to_be32(x)	htobe32(x)
#define cpu_to_be64(x)	htobe64(x)
#define be16_to_cpu(x)	be16toh(x)
#define be32_to_cpu(x)	be32toh(x)
#define be64_to_cpu(x)	be64toh(x)
#define cpu_to_le32(x)	htole32(x)
#define cpu_to_le64(x)	htole64(x)
#define le32_to_cpu(x)	le32toh(x)
#define le64_to_cpu(x)	le64toh(x)

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

#define ilog2(n)	(63 - __builtin_clzll((u64)(n)))

static inline void *memchr_inv(const void *p, int c, size_t n)
{
	const u8 *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != (u8)c)
			return (void *)(s + i);
	return NULL;
}

u32 crc32c(u32 crc, const void *p, unsigned int len);

#define BITS_PER_LONG	(8 * sizeof(long))

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG) & 1;
}

/* Plain loops: the fuzzer checks the logic, not the speed. */
static inline unsigned long find_next_bit(const unsigned long *addr,
					  unsigned long size,
					  unsigned long off)
{
	while (off < size && !test_bit(off, addr))
		off++;
	return off < size ? off : size;
}

static inline unsigned long find_next_zero_bit(const unsigned long *addr,
					       unsigned long size,
					       unsigned long off)
{
	while (off < size && test_bit(off, addr))
		off++;
	return off < size ? off : size;
}

#endif
