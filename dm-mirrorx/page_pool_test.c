// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the page pool (page_pool.c), on real pages: pages that
 * come back are handed out again in their order, the cap and a page
 * somebody else holds are respected, a trim frees what the pool holds and
 * only that, and fresh pages come in contiguous runs. The live-page count
 * (MX_OBJ_PAGE) follows every step.
 */
#include <kunit/test.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include "objcount.h"
#include "page_pool.h"
#include "range_io.h"

/* Two blocks, and at least 8 pages (a block is 1 page with 64 KiB pages). */
#define MX_TEST_PAGES	(MX_PAGE_POOL_BLOCK >= 4 ? 2 * MX_PAGE_POOL_BLOCK : 8U)

static long mx_test_live(void)
{
	return atomic_long_read(&mx_objs[MX_OBJ_PAGE]);
}

static void mx_page_pool_reuse(struct kunit *test)
{
	struct bio_vec bv[MX_TEST_PAGES], again[MX_TEST_PAGES];
	struct page *pages[MX_TEST_PAGES];
	u32 len = MX_TEST_PAGES * PAGE_SIZE - 100;
	long live = mx_test_live();
	struct mx_page_pool pool;
	u32 i;

	mx_page_pool_init(&pool, MX_TEST_PAGES);
	KUNIT_ASSERT_EQ(test, mx_page_pool_get(&pool, bv, len, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live + MX_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, bv[MX_TEST_PAGES - 1].bv_len, PAGE_SIZE - 100);
	for (i = 0; i < MX_TEST_PAGES; i++)
		pages[i] = bv[i].bv_page;
	mx_page_pool_put(&pool, bv, MX_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, pool.nr, MX_TEST_PAGES);
	/* Pooled pages are still live ones until the trim. */
	KUNIT_EXPECT_EQ(test, mx_test_live(), live + MX_TEST_PAGES);

	/* The same pages again, in the same order, set up for the length. */
	KUNIT_ASSERT_EQ(test, mx_page_pool_get(&pool, again, len, GFP_KERNEL),
			0);
	KUNIT_EXPECT_EQ(test, pool.nr, 0U);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live + MX_TEST_PAGES);
	for (i = 0; i < MX_TEST_PAGES; i++) {
		KUNIT_EXPECT_PTR_EQ(test, again[i].bv_page, pages[i]);
		KUNIT_EXPECT_EQ(test, again[i].bv_offset, 0U);
	}
	KUNIT_EXPECT_EQ(test, again[MX_TEST_PAGES - 1].bv_len,
			PAGE_SIZE - 100);

	/* A trim to a count frees the pages put back longest ago. */
	mx_page_pool_put(&pool, again, MX_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, mx_page_pool_trim(&pool, 2), 2U);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live + 2);
	KUNIT_ASSERT_EQ(test, mx_page_pool_get(&pool, again, 2 * PAGE_SIZE,
					       GFP_KERNEL), 0);
	KUNIT_EXPECT_PTR_EQ(test, again[0].bv_page, pages[0]);
	KUNIT_EXPECT_PTR_EQ(test, again[1].bv_page, pages[1]);
	mx_page_pool_put(&pool, again, 2);

	/* Two pooled pages first, then fresh ones for the rest. */
	KUNIT_ASSERT_EQ(test, mx_page_pool_get(&pool, again, len, GFP_KERNEL),
			0);
	KUNIT_EXPECT_EQ(test, pool.nr, 0U);
	KUNIT_EXPECT_PTR_EQ(test, again[0].bv_page, pages[0]);
	KUNIT_EXPECT_PTR_EQ(test, again[1].bv_page, pages[1]);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live + MX_TEST_PAGES);
	mx_page_pool_put(&pool, again, MX_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, mx_page_pool_trim(&pool, 0), 0U);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live);
}

static void mx_page_pool_cap_and_holders(struct kunit *test)
{
	struct bio_vec bv[MX_TEST_PAGES], more[2];
	u32 len = MX_TEST_PAGES * PAGE_SIZE;
	long live = mx_test_live();
	struct mx_page_pool pool;
	struct page *held;

	/* Room for 3: the rest is freed at once. */
	mx_page_pool_init(&pool, 3);
	KUNIT_ASSERT_EQ(test, mx_page_pool_get(&pool, bv, len, GFP_KERNEL), 0);
	mx_page_pool_put(&pool, bv, MX_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, pool.nr, 3U);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live + 3);

	/*
	 * A page somebody else still holds (a socket's zero-copy send) is
	 * not kept: freed by its last holder, never handed out again.
	 */
	mx_page_pool_trim(&pool, 0);
	KUNIT_ASSERT_EQ(test, mx_page_pool_get(&pool, more, 2 * PAGE_SIZE,
					       GFP_KERNEL), 0);
	held = more[0].bv_page;
	get_page(held);
	mx_page_pool_put(&pool, more, 2);
	KUNIT_EXPECT_EQ(test, pool.nr, 1U);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live + 1);
	KUNIT_EXPECT_EQ(test, page_count(held), 1);
	KUNIT_ASSERT_EQ(test, mx_page_pool_get(&pool, more, PAGE_SIZE,
					       GFP_KERNEL), 0);
	KUNIT_EXPECT_PTR_NE(test, more[0].bv_page, held);
	put_page(held);

	/* A trim while a page is out frees only the pooled one. */
	KUNIT_ASSERT_EQ(test, mx_page_pool_get(&pool, &more[1], PAGE_SIZE,
					       GFP_KERNEL), 0);
	mx_page_pool_put(&pool, &more[1], 1);
	KUNIT_EXPECT_EQ(test, pool.nr, 1U);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live + 2);
	KUNIT_EXPECT_EQ(test, mx_page_pool_trim(&pool, 0), 0U);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live + 1);
	mx_page_pool_put(&pool, more, 1);
	KUNIT_EXPECT_EQ(test, pool.nr, 1U);
	mx_page_pool_trim(&pool, 0);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live);
}

/* Fresh pages of an empty pool: runs of a block, in address order. */
static void mx_page_pool_runs(struct kunit *test)
{
	struct bio_vec bv[MX_TEST_PAGES], out[MX_TEST_PAGES];
	long live = mx_test_live();
	struct mx_page_pool pool;
	struct page *probe;
	u32 runs;

	if (mx_bvecs_merge_off() || MX_PAGE_POOL_BLOCK == 1)
		kunit_skip(test, "no runs here (KMSAN, Xen or 64 KiB pages)");
	/* A block free without reclaim, as the pool asks (fragmentation). */
	probe = alloc_pages((GFP_KERNEL & ~__GFP_RECLAIM) | __GFP_NORETRY |
			    __GFP_NOWARN, ilog2(MX_PAGE_POOL_BLOCK));
	if (!probe)
		kunit_skip(test, "no free block of %u pages", MX_PAGE_POOL_BLOCK);
	__free_pages(probe, ilog2(MX_PAGE_POOL_BLOCK));
	mx_page_pool_init(&pool, MX_TEST_PAGES);
	KUNIT_ASSERT_EQ(test, mx_page_pool_get(&pool, bv,
					       MX_TEST_PAGES * PAGE_SIZE,
					       GFP_KERNEL), 0);
	runs = mx_bvecs_merge(bv, MX_TEST_PAGES, out, MX_TEST_PAGES);
	/* One block is one run; two may happen to touch. */
	KUNIT_EXPECT_GE(test, runs, 1U);
	KUNIT_EXPECT_LE(test, runs, 2U);
	/* They keep their runs through the pool. */
	mx_page_pool_put(&pool, bv, MX_TEST_PAGES);
	KUNIT_ASSERT_EQ(test, mx_page_pool_get(&pool, bv,
					       MX_TEST_PAGES * PAGE_SIZE,
					       GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, mx_bvecs_merge(bv, MX_TEST_PAGES, out,
					     MX_TEST_PAGES), runs);
	mx_page_pool_put(&pool, bv, MX_TEST_PAGES);
	mx_page_pool_trim(&pool, 0);
	KUNIT_EXPECT_EQ(test, mx_test_live(), live);
}

static struct kunit_case mx_page_pool_cases[] = {
	KUNIT_CASE(mx_page_pool_reuse),
	KUNIT_CASE(mx_page_pool_cap_and_holders),
	KUNIT_CASE(mx_page_pool_runs),
	{}
};

static struct kunit_suite mx_page_pool_suite = {
	.name = "dm_mirrorx_page_pool",
	.test_cases = mx_page_pool_cases,
};

kunit_test_suite(mx_page_pool_suite);
