// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx resync page pool: see rs_pages.h.
 */
#include <linux/gfp.h>
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

int mx_rs_pages_get(struct mx_rs_pages *pool, struct bio_vec *bv, u32 len,
		    gfp_t gfp)
{
	u32 nr = mx_pages_for(len), i;

	for (i = 0; i < nr; i++) {
		struct page *pg = mx_rs_pages_take(pool);

		if (!pg) {
			pg = alloc_page(gfp);
			if (!pg) {
				mx_rs_pages_put(pool, bv, i);
				return -ENOMEM;
			}
			mx_obj_add(MX_OBJ_PAGE, 1);
		}
		bv[i].bv_page = pg;
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
	for (i = 0; i < nr; i++) {
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
