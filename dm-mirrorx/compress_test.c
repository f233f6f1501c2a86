// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for link compression (compress.c): a round trip through the
 * crypto API, data that does not shrink sent raw, and the receiver's
 * checks of what a peer sends: garbage, a truncated payload, data that
 * decompresses to another size than the header says.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include "compress.h"

#define T_PAGES	4
#define T_LEN	(T_PAGES * PAGE_SIZE)

struct t_comp {
	struct mx_comp z;
	struct bio_vec src[T_PAGES], dst[T_PAGES];
};

static void t_comp_exit(struct kunit *test)
{
	struct t_comp *t = test->priv;
	int i;

	if (!t)
		return;
	mx_comp_free(&t->z);
	for (i = 0; i < T_PAGES; i++) {
		if (t->src[i].bv_page)
			__free_page(t->src[i].bv_page);
		if (t->dst[i].bv_page)
			__free_page(t->dst[i].bv_page);
	}
}

/* @alg set up, and T_PAGES pages each way; skipped without the algorithm. */
static struct t_comp *t_comp_get(struct kunit *test, u32 alg)
{
	struct t_comp *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	test->priv = t;
	if (mx_comp_alloc(&t->z, alg))
		kunit_skip(test, "%s not in this kernel", mx_comp_alg_name(alg));
	for (i = 0; i < T_PAGES; i++) {
		t->src[i].bv_page = alloc_page(GFP_KERNEL);
		t->dst[i].bv_page = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_TRUE(test, t->src[i].bv_page && t->dst[i].bv_page);
		t->src[i].bv_len = PAGE_SIZE;
		t->dst[i].bv_len = PAGE_SIZE;
	}
	return t;
}

/* Half of each 64 bytes random, half a repeated byte: about 2:1. */
static void t_fill_half(struct t_comp *t)
{
	int i, j;

	for (i = 0; i < T_PAGES; i++) {
		u8 *p = page_address(t->src[i].bv_page);

		for (j = 0; j < PAGE_SIZE; j += 64) {
			get_random_bytes(p + j, 32);
			memset(p + j + 32, 'x', 32);
		}
	}
}

static bool t_same(struct t_comp *t)
{
	int i;

	for (i = 0; i < T_PAGES; i++)
		if (memcmp(page_address(t->src[i].bv_page),
			   page_address(t->dst[i].bv_page), PAGE_SIZE))
			return false;
	return true;
}

static void t_round_trip(struct kunit *test, u32 alg)
{
	struct t_comp *t = t_comp_get(test, alg);
	struct bvec_iter iter = { .bi_size = T_LEN };
	u32 clen;

	t_fill_half(t);
	clen = mx_comp_bvecs(&t->z, t->src, iter);
	KUNIT_ASSERT_GT(test, clen, 0U);
	KUNIT_EXPECT_LT(test, clen, (u32)(T_LEN * 3 / 4));
	/* What the receiver does with it: the payload lands in @in. */
	memcpy(t->z.in, t->z.out, clen);
	KUNIT_ASSERT_EQ(test, mx_decomp_bvecs(&t->z, clen, t->dst, T_PAGES,
					      T_LEN), 0);
	KUNIT_EXPECT_TRUE(test, t_same(t));

	/* A header that names another size than the data has. */
	KUNIT_EXPECT_EQ(test, mx_decomp_bvecs(&t->z, clen, t->dst, T_PAGES,
					      T_LEN - 512), -EBADMSG);
	KUNIT_EXPECT_EQ(test, mx_decomp_bvecs(&t->z, clen, t->dst, T_PAGES,
					      T_LEN + 512), -EBADMSG);
	/* A truncated payload, and garbage. */
	KUNIT_EXPECT_EQ(test, mx_decomp_bvecs(&t->z, clen / 2, t->dst,
					      T_PAGES, T_LEN), -EBADMSG);
	get_random_bytes(t->z.in, clen);
	KUNIT_EXPECT_EQ(test, mx_decomp_bvecs(&t->z, clen, t->dst, T_PAGES,
					      T_LEN), -EBADMSG);
	memset(t->z.in, 0xff, clen);
	KUNIT_EXPECT_EQ(test, mx_decomp_bvecs(&t->z, clen, t->dst, T_PAGES,
					      T_LEN), -EBADMSG);
	/* Out of bounds before the decompressor runs. */
	KUNIT_EXPECT_EQ(test, mx_decomp_bvecs(&t->z, 0, t->dst, T_PAGES,
					      T_LEN), -EBADMSG);
	KUNIT_EXPECT_EQ(test, mx_decomp_bvecs(&t->z, MX_WIRE_MAX_DATA + 1,
					      t->dst, T_PAGES, T_LEN),
			-EBADMSG);
}

static void mx_comp_lz4(struct kunit *test)
{
	t_round_trip(test, MX_COMP_LZ4);
}

static void mx_comp_zstd(struct kunit *test)
{
	t_round_trip(test, MX_COMP_ZSTD);
}

/* Random data does not shrink: 0, sent raw. */
static void mx_comp_incompressible(struct kunit *test)
{
	struct t_comp *t = t_comp_get(test, MX_COMP_LZ4);
	struct bvec_iter iter = { .bi_size = T_LEN };
	int i;

	for (i = 0; i < T_PAGES; i++)
		get_random_bytes(page_address(t->src[i].bv_page), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mx_comp_bvecs(&t->z, t->src, iter), 0U);
	/* A partial range (an iterator into the pages) compresses alone. */
	memset(page_address(t->src[1].bv_page), 0, PAGE_SIZE);
	iter = (struct bvec_iter){ .bi_idx = 1, .bi_size = PAGE_SIZE };
	KUNIT_EXPECT_GT(test, mx_comp_bvecs(&t->z, t->src, iter), 0U);
	iter.bi_size = 0;
	KUNIT_EXPECT_EQ(test, mx_comp_bvecs(&t->z, t->src, iter), 0U);
}

static void mx_comp_unknown(struct kunit *test)
{
	struct mx_comp z;

	KUNIT_EXPECT_EQ(test, mx_comp_alloc(&z, MX_COMP_NONE), -ENOENT);
	KUNIT_EXPECT_FALSE(test, mx_comp_ready(&z));
	KUNIT_EXPECT_EQ(test, mx_comp_alloc(&z, MX_COMP_MAX), -ENOENT);
	KUNIT_EXPECT_FALSE(test, mx_comp_available(MX_COMP_NONE));
	mx_comp_free(&z);	/* harmless on an unset context */
}

static struct kunit_case mx_comp_cases[] = {
	KUNIT_CASE(mx_comp_lz4),
	KUNIT_CASE(mx_comp_zstd),
	KUNIT_CASE(mx_comp_incompressible),
	KUNIT_CASE(mx_comp_unknown),
	{}
};

static struct kunit_suite mx_comp_suite = {
	.name = "dm_mirrorx_compress",
	.exit = t_comp_exit,
	.test_cases = mx_comp_cases,
};

kunit_test_suite(mx_comp_suite);
