// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx page pool: see page_pool.h.
 */
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include "range_io.h"
#include "objcount.h"
#include "page_pool.h"

void mx_page_pool_init(struct mx_page_pool *pool, u32 max)
{
	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->pages);
	pool->nr = 0;
	pool->max = max;
}

/* Fill @bv[0..@nr) from the pool, under one lock: how many it filled. */
static u32 mx_page_pool_take(struct mx_page_pool *pool, struct bio_vec *bv,
			     u32 nr)
{
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&pool->lock, flags);
	for (i = 0; i < nr && pool->nr; i++) {
		struct page *pg = list_first_entry(&pool->pages, struct page,
						   lru);

		list_del(&pg->lru);
		pool->nr--;
		bv[i].bv_page = pg;
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return i;
}

/*
 * Fresh pages for @bv[@i...] (@nr entries in all): a block of
 * MX_PAGE_POOL_BLOCK pages split into single ones, in address order, when
 * that many are still wanted, *@blocks, and one is free without reclaim
 * (else *@blocks goes false for the caller's other pages); else one page.
 * Returns how many entries it filled (0: no memory).
 */
static u32 mx_page_pool_fresh(struct bio_vec *bv, u32 i, u32 nr, gfp_t gfp,
			      bool *blocks)
{
	struct page *pg = NULL;
	u32 n = 1, k;

	BUILD_BUG_ON(!is_power_of_2(MX_PAGE_POOL_BLOCK));
	if (MX_PAGE_POOL_BLOCK > 1 && *blocks && nr - i >= MX_PAGE_POOL_BLOCK) {
		pg = alloc_pages((gfp & ~__GFP_RECLAIM) | __GFP_NORETRY |
				 __GFP_NOWARN, ilog2(MX_PAGE_POOL_BLOCK));
		if (pg) {
			split_page(pg, ilog2(MX_PAGE_POOL_BLOCK));
			n = MX_PAGE_POOL_BLOCK;
		} else {
			*blocks = false;
		}
	}
	if (!pg)
		pg = alloc_page(gfp);
	if (!pg)
		return 0;
	mx_obj_add(MX_OBJ_PAGE, n);
	for (k = 0; k < n; k++)
		bv[i + k].bv_page = pg + k;
	return n;
}

int mx_page_pool_get(struct mx_page_pool *pool, struct bio_vec *bv, u32 len,
		     gfp_t gfp)
{
	u32 nr = mx_pages_for(len), i, n;
	bool blocks = true;

	for (i = mx_page_pool_take(pool, bv, nr); i < nr; i += n) {
		n = mx_page_pool_fresh(bv, i, nr, gfp, &blocks);
		if (!n) {
			mx_page_pool_put(pool, bv, i);
			return -ENOMEM;
		}
	}
	for (i = 0; i < nr; i++) {
		bv[i].bv_offset = 0;
		bv[i].bv_len = min_t(u32, PAGE_SIZE, len - i * PAGE_SIZE);
	}
	return 0;
}

void mx_page_pool_put(struct mx_page_pool *pool, struct bio_vec *bv, u32 nr)
{
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&pool->lock, flags);
	/*
	 * Last page first: the pool hands them out again from its head in
	 * the order they came, so the runs of a block stay runs.
	 */
	for (i = nr; i-- > 0;) {
		struct page *pg = bv[i].bv_page;

		/*
		 * Only a page nobody else holds: one sent zero copy may still
		 * be referenced by a socket being torn down (its queue can
		 * retransmit it), and must keep its content until that
		 * reference goes: freed, not reused.
		 */
		if (pool->nr < pool->max && page_count(pg) == 1) {
			list_add(&pg->lru, &pool->pages);
			pool->nr++;
			bv[i].bv_page = NULL;
		}
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	for (i = 0; i < nr; i++) {
		if (bv[i].bv_page) {
			__free_page(bv[i].bv_page);
			mx_obj_sub(MX_OBJ_PAGE, 1);
		}
	}
}

u32 mx_page_pool_trim(struct mx_page_pool *pool, u32 keep)
{
	unsigned long flags;
	LIST_HEAD(gone);
	u32 n = 0, left;
	struct page *pg, *t;

	/* From the tail: the pages put back longest ago go first. */
	spin_lock_irqsave(&pool->lock, flags);
	while (pool->nr > keep) {
		pg = list_last_entry(&pool->pages, struct page, lru);
		list_move(&pg->lru, &gone);
		pool->nr--;
		n++;
	}
	left = pool->nr;
	spin_unlock_irqrestore(&pool->lock, flags);
	list_for_each_entry_safe(pg, t, &gone, lru) {
		list_del(&pg->lru);
		__free_page(pg);
	}
	mx_obj_sub(MX_OBJ_PAGE, n);
	return left;
}
