// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace crc32c (Castagnoli, reflected 0x82f63b78) with the kernel's
 * crc32c() contract: the caller passes the seed, no final inversion.
 */
#include "mx_shim.h"

static u32 table[256];

static void crc32c_init(void)
{
	u32 i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (c & 1 ? 0x82f63b78U : 0);
		table[i] = c;
	}
}

u32 crc32c(u32 crc, const void *p, unsigned int len)
{
	const u8 *s = p;

	if (!table[1])
		crc32c_init();
	while (len--)
		crc = (crc >> 8) ^ table[(crc ^ *s++) & 0xff];
	return crc;
}
