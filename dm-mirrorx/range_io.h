/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page-backed buffers for one operation (range_io.c): allocate, read a
 * device range into them, checksum them, free them. Used by the resync,
 * verify, async queue and receiver, which all keep their data in a
 * struct bio_vec array of whole pages.
 */
#ifndef DM_MIRRORX_RANGE_IO_H
#define DM_MIRRORX_RANGE_IO_H

#include <linux/bvec.h>
#include <linux/blkdev.h>
#include <xen/xen.h>
#include "wire.h"

static inline u32 mx_pages_for(u32 len)
{
	return DIV_ROUND_UP(len, PAGE_SIZE);
}

/*
 * Fill @bv (mx_pages_for(@len) entries) with fresh pages covering @len
 * bytes. Returns 0, or -ENOMEM with nothing left allocated.
 */
int mx_bvecs_alloc(struct bio_vec *bv, u32 len, gfp_t gfp);
void mx_bvecs_free(struct bio_vec *bv, u32 nr);

/*
 * Copy @bv (@nr entries of one page each, every one whole but maybe the
 * last) into @out as multi-page entries, one per run of physically
 * contiguous pages: a bio over @out has as many segments as runs, not as
 * pages. Returns the entries of @out used, or 0 when more than @max would
 * be or mx_bvecs_merge_off() (the caller uses @bv as it is).
 */
u32 mx_bvecs_merge(const struct bio_vec *bv, u32 nr, struct bio_vec *out,
		   u32 max);

/*
 * Does mx_bvecs_merge() make no multi-page entries here? Under KMSAN,
 * which keeps its shadow per page, and under Xen, where pages contiguous
 * to us may not be in machine memory (the block layer's own merge asks
 * Xen): such entries would bounce.
 */
static inline bool mx_bvecs_merge_off(void)
{
	return IS_ENABLED(CONFIG_KMSAN) || xen_domain();
}

/* Read @bv's bytes from @sector of @bdev, synchronously. */
int mx_bvecs_read(struct block_device *bdev, sector_t sector,
		  struct bio_vec *bv, u32 nr);

/* crc32c (seed ~0, no final inversion) of the data of a bio_vec range. */
u32 mx_bvec_crc32c(struct bio_vec *bvecs, struct bvec_iter iter);

/* crc32c of @len bytes at @sector of @bdev. */
int mx_range_crc32c(struct block_device *bdev, sector_t sector, u32 len,
		    u32 *crc);

/*
 * xxh64 (seed 0) of each MX_CSUM_BLOCK block of the @len bytes in @bv (whole
 * pages from mx_bvecs_alloc()), the last one maybe short, into @out
 * (DIV_ROUND_UP(@len, MX_CSUM_BLOCK) big-endian hashes).
 */
void mx_bvecs_xxh64(struct bio_vec *bv, u32 len, __be64 *out);

/*
 * Bit i of @zero (DIV_ROUND_UP(@len, MX_CSUM_BLOCK) bits) set when block i
 * of the @len bytes in @bv holds only zeros; returns how many do.
 */
u32 mx_bvecs_zero_blocks(struct bio_vec *bv, u32 len, unsigned long *zero);

#endif /* DM_MIRRORX_RANGE_IO_H */
