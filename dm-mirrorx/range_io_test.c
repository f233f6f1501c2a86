// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the page buffers (range_io.c): the merge of a table of
 * single pages into runs of physically contiguous ones, on real pages.
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include "range_io.h"

#define MX_TEST_BLOCK_ORDER	2	/* 4 contiguous pages */

/* Single pages @pg[0..3], contiguous (a split block), in @bv's order @idx. */
static void mx_test_fill(struct bio_vec *bv, struct page *pg, const int *idx,
			 u32 n, u32 last_len)
{
	u32 i;

	for (i = 0; i < n; i++) {
		bv[i].bv_page = pg + idx[i];
		bv[i].bv_offset = 0;
		bv[i].bv_len = PAGE_SIZE;
	}
	bv[n - 1].bv_len = last_len;
}

static void mx_range_io_merge(struct kunit *test)
{
	struct page *pg, *other;
	static const int in_order[] = { 0, 1, 2, 3 };
	static const int gap[] = { 0, 1, 3 };
	static const int backwards[] = { 1, 0 };
	struct bio_vec bv[5], out[5];
	u32 i;

	if (mx_bvecs_merge_off())
		kunit_skip(test, "no multi-page entries here (KMSAN, Xen)");
	pg = alloc_pages(GFP_KERNEL, MX_TEST_BLOCK_ORDER);
	other = alloc_page(GFP_KERNEL);
	if (!pg || !other) {
		if (pg)
			__free_pages(pg, MX_TEST_BLOCK_ORDER);
		if (other)
			__free_page(other);
		KUNIT_FAIL(test, "no memory for the test's pages");
		return;
	}
	split_page(pg, MX_TEST_BLOCK_ORDER);

	/* A whole block: one entry, its pages' bytes, the last one short. */
	mx_test_fill(bv, pg, in_order, 4, 100);
	KUNIT_EXPECT_EQ(test, mx_bvecs_merge(bv, 4, out, 1), 1U);
	KUNIT_EXPECT_PTR_EQ(test, out[0].bv_page, pg);
	KUNIT_EXPECT_EQ(test, out[0].bv_offset, 0U);
	KUNIT_EXPECT_EQ(test, out[0].bv_len, 3 * PAGE_SIZE + 100);

	/* A page left out: two runs; one entry of room is not enough. */
	mx_test_fill(bv, pg, gap, 3, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mx_bvecs_merge(bv, 3, out, 1), 0U);
	KUNIT_EXPECT_EQ(test, mx_bvecs_merge(bv, 3, out, 2), 2U);
	KUNIT_EXPECT_PTR_EQ(test, out[0].bv_page, pg);
	KUNIT_EXPECT_EQ(test, out[0].bv_len, 2 * PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, out[1].bv_page, pg + 3);
	KUNIT_EXPECT_EQ(test, out[1].bv_len, PAGE_SIZE);

	/* Contiguous but backwards: the bytes would come out of order. */
	mx_test_fill(bv, pg, backwards, 2, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mx_bvecs_merge(bv, 2, out, 2), 2U);
	KUNIT_EXPECT_PTR_EQ(test, out[0].bv_page, pg + 1);
	KUNIT_EXPECT_PTR_EQ(test, out[1].bv_page, pg);

	/* The next page, but its bytes start inside it: not a run. */
	mx_test_fill(bv, pg, in_order, 2, PAGE_SIZE);
	bv[1].bv_offset = 512;
	bv[1].bv_len = PAGE_SIZE - 512;
	KUNIT_EXPECT_EQ(test, mx_bvecs_merge(bv, 2, out, 2), 2U);
	KUNIT_EXPECT_EQ(test, out[0].bv_len, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, out[1].bv_offset, 512U);

	/* A page from elsewhere between two runs; the sum stays. */
	mx_test_fill(bv, pg, in_order, 4, PAGE_SIZE);
	bv[4] = bv[3];
	bv[2].bv_page = other;
	bv[3].bv_page = pg + 2;
	bv[4].bv_page = pg + 3;
	KUNIT_EXPECT_EQ(test, mx_bvecs_merge(bv, 5, out, 5), 3U);
	KUNIT_EXPECT_EQ(test, out[0].bv_len, 2 * PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, out[1].bv_page, other);
	KUNIT_EXPECT_EQ(test, out[1].bv_len, PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, out[2].bv_page, pg + 2);
	KUNIT_EXPECT_EQ(test, out[2].bv_len, 2 * PAGE_SIZE);

	for (i = 0; i < 4; i++)
		__free_page(pg + i);
	__free_page(other);
}

static struct kunit_case mx_range_io_cases[] = {
	KUNIT_CASE(mx_range_io_merge),
	{}
};

static struct kunit_suite mx_range_io_suite = {
	.name = "dm_mirrorx_range_io",
	.test_cases = mx_range_io_cases,
};

kunit_test_suite(mx_range_io_suite);
