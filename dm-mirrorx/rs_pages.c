// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx resync page pool: see rs_pages.h.
 */
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include "range_io.h"
#include "objcount.h"
#include "rs_pages.h"

void mx_rs_pages_init(struct mx_rs_pages *pool, u32 max)
{
	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->pages);
	pool->nr = 0;
	pool->max = max;
}

/* A page from the pool, or NULL when it is empty. */
static struct page *mx_rs_pages_take(struct mx_rs_pages *pool)
{
	struct page *pg;
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	pg = list_first_entry_or_null(&pool->pages, struct page, lru);
	if (pg) {
		list_del(&pg->lru);
		pool->nr--;
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return pg;
}

/*
 * Fresh pages for @bv[@i...] (@nr entries in all): a block of
 * MX_RS_PAGES_BLOCK pages split into single ones, in address order, when
 * that many are still wanted, *@blocks, and one is free without reclaim
 * (else *@blocks goes false for the caller's other pages); else one page.
 * Returns how many entries it filled (0: no memory).
 */
static u32 mx_rs_pages_fresh(struct bio_vec *bv, u32 i, u32 nr, gfp_t gfp,
			     bool *blocks)
{
	struct page *pg = NULL;
	u32 n = 1, k;

	BUILD_BUG_ON(!is_power_of_2(MX_RS_PAGES_BLOCK));
	if (MX_RS_PAGES_BLOCK > 1 && *blocks && nr - i >= MX_RS_PAGES_BLOCK) {
		pg = alloc_pages((gfp & ~__GFP_RECLAIM) | __GFP_NORETRY |
				 __GFP_NOWARN, ilog2(MX_RS_PAGES_BLOCK));
		if (pg) {
			split_page(pg, ilog2(MX_RS_PAGES_BLOCK));
			n = MX_RS_PAGES_BLOCK;
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

int mx_rs_pages_get(struct mx_rs_pages *pool, struct bio_vec *bv, u32 len,
		    gfp_t gfp)
{
	u32 nr = mx_pages_for(len), i, n;
	bool blocks = true;

	for (i = 0; i < nr; i += n) {
		struct page *pg = mx_rs_pages_take(pool);

		n = 1;
		if (pg) {
			bv[i].bv_page = pg;
		} else {
			n = mx_rs_pages_fresh(bv, i, nr, gfp, &blocks);
			if (!n) {
				mx_rs_pages_put(pool, bv, i);
				return -ENOMEM;
			}
		}
	}
	for (i = 0; i < nr; i++) {
		bv[i].bv_offset = 0;
		bv[i].bv_len = min_t(u32, PAGE_SIZE, len - i * PAGE_SIZE);
	}
	return 0;
}

void mx_rs_pages_put(struct mx_rs_pages *pool, struct bio_vec *bv, u32 nr)
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

void mx_rs_pages_destroy(struct mx_rs_pages *pool)
{
	struct page *pg, *t;

	list_for_each_entry_safe(pg, t, &pool->pages, lru) {
		list_del(&pg->lru);
		__free_page(pg);
	}
	mx_obj_sub(MX_OBJ_PAGE, pool->nr);
	pool->nr = 0;
}
