// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx page-backed operation buffers: see range_io.h.
 */
#include <linux/module.h>
#include <linux/bio.h>
#include <linux/crc32c.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/xxhash.h>
#include "range_io.h"
#include "proto.h"
#include "objcount.h"
#include "io_wait.h"

int mx_bvecs_alloc(struct bio_vec *bv, u32 len, gfp_t gfp)
{
	u32 nr = mx_pages_for(len), i;

	for (i = 0; i < nr; i++) {
		struct page *pg = alloc_page(gfp);

		if (!pg) {
			mx_obj_add(MX_OBJ_PAGE, i);
			mx_bvecs_free(bv, i);
			return -ENOMEM;
		}
		bv[i].bv_page = pg;
		bv[i].bv_offset = 0;
		bv[i].bv_len = min_t(u32, PAGE_SIZE, len - i * PAGE_SIZE);
	}
	mx_obj_add(MX_OBJ_PAGE, nr);
	return 0;
}

void mx_bvecs_free(struct bio_vec *bv, u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++)
		__free_page(bv[i].bv_page);
	mx_obj_sub(MX_OBJ_PAGE, nr);
}

u32 mx_bvecs_merge(const struct bio_vec *bv, u32 nr, struct bio_vec *out,
		   u32 max)
{
	u32 i, n = 0;

	if (mx_bvecs_merge_off())
		return 0;
	for (i = 0; i < nr; i++) {
		struct bio_vec *o = n ? &out[n - 1] : NULL;
		u32 end = o ? o->bv_offset + o->bv_len : 0;

		/*
		 * @o ends at a page's end, and @bv[i] is the page after, by
		 * address and as a struct page (the block layer walks a
		 * multi-page entry as bv_page + n).
		 */
		if (o && !bv[i].bv_offset && !offset_in_page(end) &&
		    bv[i].bv_page == o->bv_page + (end >> PAGE_SHIFT) &&
		    page_to_pfn(bv[i].bv_page) ==
		    page_to_pfn(o->bv_page) + (end >> PAGE_SHIFT)) {
			o->bv_len += bv[i].bv_len;
			continue;
		}
		if (n == max)
			return 0;
		out[n++] = bv[i];
	}
	return n;
}

int mx_bvecs_read(struct block_device *bdev, sector_t sector,
		  struct bio_vec *bv, u32 nr)
{
	struct bio *bio;
	u32 i;
	int r;

	bio = bio_alloc(bdev, nr, REQ_OP_READ, GFP_NOIO);
	mx_obj_add(MX_OBJ_BIO, 1);
	bio->bi_iter.bi_sector = sector;
	for (i = 0; i < nr; i++)
		__bio_add_page(bio, bv[i].bv_page, bv[i].bv_len,
			       bv[i].bv_offset);
	r = mx_bio_submit_wait(bio, "a verify read");
	bio_put(bio);
	mx_obj_sub(MX_OBJ_BIO, 1);
	return r;
}

u32 mx_bvec_crc32c(struct bio_vec *bvecs, struct bvec_iter iter)
{
	struct bvec_iter it;
	struct bio_vec bv;
	u32 crc = ~0U;

	for_each_bvec(bv, bvecs, it, iter) {
		void *p = bvec_kmap_local(&bv);

		crc = crc32c(crc, p, bv.bv_len);
		kunmap_local(p);
	}
	return crc;
}

/*
 * Read @len bytes at @sector of @bdev into fresh pages and call @fn on
 * them with @arg; the pages are freed after.
 */
static int mx_range_read_apply(struct block_device *bdev, sector_t sector,
			       u32 len,
			       void (*fn)(struct bio_vec *bv, u32 len,
					  void *arg),
			       void *arg)
{
	u32 nr = mx_pages_for(len);
	struct bio_vec *bv;
	int r;

	bv = kcalloc(nr, sizeof(*bv), GFP_NOIO);
	if (!bv)
		return -ENOMEM;
	r = mx_bvecs_alloc(bv, len, GFP_NOIO);
	if (!r) {
		r = mx_bvecs_read(bdev, sector, bv, nr);
		if (!r)
			fn(bv, len, arg);
		mx_bvecs_free(bv, nr);
	}
	kfree(bv);
	return r;
}

static void mx_range_crc_fn(struct bio_vec *bv, u32 len, void *arg)
{
	*(u32 *)arg = mx_bvec_crc32c(bv, (struct bvec_iter){ .bi_size = len });
}

int mx_range_crc32c(struct block_device *bdev, sector_t sector, u32 len,
		    u32 *crc)
{
	return mx_range_read_apply(bdev, sector, len, mx_range_crc_fn, crc);
}

/*
 * xxh64 is a fast non-cryptographic 64-bit hash from lib/xxhash (built
 * into the Debian kernels, no crypto API allocation on the I/O path). A
 * block that differs yet hashes the same stays different: 2^-64 per
 * block, against a checksum resync that only follows a crash or an
 * explicit request. A hostile target gains nothing by a collision: it
 * could as well keep its own data wrong.
 */
void mx_bvecs_xxh64(struct bio_vec *bv, u32 len, __be64 *out)
{
	u32 off, i = 0;

	BUILD_BUG_ON(PAGE_SIZE % MX_CSUM_BLOCK);
	for (off = 0; off < len; off += MX_CSUM_BLOCK, i++) {
		u32 n = min_t(u32, MX_CSUM_BLOCK, len - off);
		void *p = kmap_local_page(bv[off / PAGE_SIZE].bv_page);

		out[i] = cpu_to_be64(xxh64(p + off % PAGE_SIZE, n, 0));
		kunmap_local(p);
	}
}

/*
 * Set bit i of @zero for each MX_CSUM_BLOCK block i of the @len bytes in
 * @bv (whole pages from mx_bvecs_alloc()) that holds only zero bytes, the
 * last one maybe short; clear it for the others. Returns the number of
 * zero blocks. Cheap on data: mx_mem_is_zero() stops at the first
 * 64-byte line with a non-zero byte.
 */
u32 mx_bvecs_zero_blocks(struct bio_vec *bv, u32 len, unsigned long *zero)
{
	u32 off, i = 0, nr = 0;

	BUILD_BUG_ON(PAGE_SIZE % MX_CSUM_BLOCK);
	for (off = 0; off < len; off += MX_CSUM_BLOCK, i++) {
		u32 n = min_t(u32, MX_CSUM_BLOCK, len - off);
		void *p = kmap_local_page(bv[off / PAGE_SIZE].bv_page);

		if (!mx_mem_is_zero(p + off % PAGE_SIZE, n)) {
			__clear_bit(i, zero);
		} else {
			__set_bit(i, zero);
			nr++;
		}
		kunmap_local(p);
	}
	return nr;
}
