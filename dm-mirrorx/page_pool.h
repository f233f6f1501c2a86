/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-mirrorx page pool (page_pool.c): data pages kept for the next I/O
 * instead of freed. A fresh page costs a clear on kernels with
 * init_on_alloc (Debian's default): one more pass over every byte, as
 * much CPU as the copy that fills it. Two kinds of owner: a resync run
 * (the pages it reads chunks into, freed at the run's end) and a target's
 * connection (the pages it receives writes into and reads checksum
 * requests into; receiver.c trims its pool to what it needed lately). A
 * page coming back is kept while the pool holds fewer than its cap and
 * nobody else holds it (a socket may still hold one it sent zero copy),
 * else freed. Fresh pages are taken only when the pool is empty, so a
 * pool never holds more than its owner had out at once.
 *
 * Fresh pages come MX_PAGE_POOL_BLOCK at a time (one allocation split into
 * single pages, when memory allows) and leave and return in address
 * order, so a buffer's pages are mostly runs of physically contiguous
 * ones: its I/O goes as a few large segments (mx_bvecs_merge()), not one
 * per page. A 1 MiB bio of single pages is 256 segments, two requests
 * under virtio-blk's 254 per request, and 256 scatterlist entries to map
 * in the guest and iovecs in the host; of 64 KiB runs, 16.
 */
#ifndef DM_MIRRORX_PAGE_POOL_H
#define DM_MIRRORX_PAGE_POOL_H

#include <linux/bvec.h>
#include <linux/list.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

/*
 * @lock guards @pages (linked through page->lru) and @nr; @max is set at
 * init. Pages in the pool count as MX_OBJ_PAGE until freed.
 */
struct mx_page_pool {
	spinlock_t lock;		/* guards @pages and @nr */
	struct list_head pages;
	u32 nr;
	u32 max;
};

/*
 * Pages per fresh allocation (64 KiB with 4 KiB pages): a power of 2, 1
 * with pages of 64 KiB or more.
 */
#if PAGE_SHIFT >= 16
#define MX_PAGE_POOL_BLOCK	1U
#else
#define MX_PAGE_POOL_BLOCK	(SZ_64K >> PAGE_SHIFT)
#endif

void mx_page_pool_init(struct mx_page_pool *pool, u32 max);

/*
 * As mx_bvecs_alloc(): fill @bv (mx_pages_for(@len) entries) with pages
 * covering @len bytes, from the pool first. Returns 0, or -ENOMEM with
 * nothing taken. Process context.
 */
int mx_page_pool_get(struct mx_page_pool *pool, struct bio_vec *bv, u32 len,
		     gfp_t gfp);

/* Give back the @nr pages of @bv. Any context but hard IRQ. */
void mx_page_pool_put(struct mx_page_pool *pool, struct bio_vec *bv, u32 nr);

/*
 * Free the pages the pool holds beyond @keep (0: all of them, at its
 * owner's end); pages out stay out and may come back. Returns how many it
 * holds then. Any context but hard IRQ.
 */
u32 mx_page_pool_trim(struct mx_page_pool *pool, u32 keep);

#endif /* DM_MIRRORX_PAGE_POOL_H */
