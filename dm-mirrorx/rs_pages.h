/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-mirrorx resync page pool (rs_pages.c): the pages one resync run
 * reads into, kept for the next chunk instead of freed. A fresh page
 * costs a clear on kernels with init_on_alloc (Debian's default): for a
 * resync that reads the whole device, as much CPU as scanning it for
 * zeros. A page coming back is kept while the pool holds fewer than its
 * cap and nobody else holds it (a socket may still hold one it sent zero
 * copy), else freed; the run's end frees what is left.
 *
 * Fresh pages come MX_RS_PAGES_BLOCK at a time (one allocation split into
 * single pages, when memory allows) and leave and return in address
 * order, so a chunk's pages are mostly runs of physically contiguous
 * ones: its read goes as a few large segments (mx_bvecs_merge()), not one
 * per page. A 1 MiB read of single pages is 256 segments, two requests
 * under virtio-blk's 254 per request, and 256 scatterlist entries to map
 * in the guest and iovecs in the host.
 */
#ifndef DM_MIRRORX_RS_PAGES_H
#define DM_MIRRORX_RS_PAGES_H

#include <linux/bvec.h>
#include <linux/list.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

/*
 * @lock guards @pages (linked through page->lru) and @nr; @max is set at
 * init. Pages in the pool count as MX_OBJ_PAGE until freed.
 */
struct mx_rs_pages {
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
#define MX_RS_PAGES_BLOCK	1U
#else
#define MX_RS_PAGES_BLOCK	(SZ_64K >> PAGE_SHIFT)
#endif

void mx_rs_pages_init(struct mx_rs_pages *pool, u32 max);

/*
 * As mx_bvecs_alloc(): fill @bv (mx_pages_for(@len) entries) with pages
 * covering @len bytes, from the pool first. Returns 0, or -ENOMEM with
 * nothing taken. Process context.
 */
int mx_rs_pages_get(struct mx_rs_pages *pool, struct bio_vec *bv, u32 len,
		    gfp_t gfp);

/* Give back the @nr pages of @bv. Any context but hard IRQ. */
void mx_rs_pages_put(struct mx_rs_pages *pool, struct bio_vec *bv, u32 nr);

/* Free every page in the pool (none may be out). */
void mx_rs_pages_destroy(struct mx_rs_pages *pool);

#endif /* DM_MIRRORX_RS_PAGES_H */
