// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the bound of an async peer's queue (async_bound.h).
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include "async_bound.h"

#define T_LIMIT		(64ULL << 20)

/* An empty queue takes anything, even a write above the limit. */
static void mx_aq_empty_takes_all(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, mx_aq_full(0, 0, 0, SZ_1M));
	KUNIT_EXPECT_FALSE(test, mx_aq_full(0, 0, SZ_2M, SZ_1M));
	KUNIT_EXPECT_FALSE(test, mx_aq_full(0, 0, U32_MAX, SZ_1M));
}

/* Data writes fill the queue to exactly the limit's bytes. */
static void mx_aq_bytes_bound(struct kunit *test)
{
	u64 bytes = 0, n = 0;

	while (!mx_aq_full(bytes, n, SZ_64K, T_LIMIT) && n <= T_LIMIT) {
		bytes += SZ_64K;
		n++;
	}
	KUNIT_EXPECT_EQ(test, bytes, T_LIMIT);
	KUNIT_EXPECT_EQ(test, n, T_LIMIT / SZ_64K);
	/* One byte less of room and a 64 KiB write no longer fits. */
	KUNIT_EXPECT_TRUE(test, mx_aq_full(T_LIMIT - SZ_64K + 1, 1, SZ_64K,
					   T_LIMIT));
	KUNIT_EXPECT_FALSE(test, mx_aq_full(T_LIMIT - SZ_64K, 1, SZ_64K,
					    T_LIMIT));
}

/*
 * Entries without data (discard, write-zeroes, flush) stop at the count:
 * before the count bound, they never filled the queue.
 */
static void mx_aq_count_bound(struct kunit *test)
{
	u64 n = 0;

	while (!mx_aq_full(0, n, 0, T_LIMIT) && n <= T_LIMIT)
		n++;
	KUNIT_EXPECT_EQ(test, n, T_LIMIT / 4096);
	KUNIT_EXPECT_EQ(test, mx_aq_entries_max(SZ_1M), 256ULL);
	/* 512-byte writes: the count first, at 8 MiB of data. */
	n = 0;
	while (!mx_aq_full(n * 512, n, 512, T_LIMIT) && n <= T_LIMIT)
		n++;
	KUNIT_EXPECT_EQ(test, n, T_LIMIT / 4096);
	/* 4 KiB writes reach both bounds together: either alone stops them. */
	KUNIT_EXPECT_TRUE(test, mx_aq_full(T_LIMIT - 4096, T_LIMIT / 4096, 0,
					   T_LIMIT));
	KUNIT_EXPECT_TRUE(test, mx_aq_full(T_LIMIT, 1, 4096, T_LIMIT));
	/* The largest limit (16 GiB): 4 Mi entries, a u32 in status. */
	KUNIT_EXPECT_EQ(test, mx_aq_entries_max(16ULL << 30), 4ULL << 20);
	KUNIT_EXPECT_FALSE(test, mx_aq_full(16ULL << 30, (4ULL << 20) - 1, 0,
					    16ULL << 30));
	KUNIT_EXPECT_TRUE(test, mx_aq_full(16ULL << 30, 4ULL << 20, 0,
					   16ULL << 30));
}

/* A Behind peer queues again once both bounds are half empty. */
static void mx_aq_half(struct kunit *test)
{
	u64 max = mx_aq_entries_max(T_LIMIT);

	KUNIT_EXPECT_TRUE(test, mx_aq_half_empty(0, 0, T_LIMIT));
	KUNIT_EXPECT_TRUE(test, mx_aq_half_empty(T_LIMIT / 2, max / 2,
						 T_LIMIT));
	KUNIT_EXPECT_FALSE(test, mx_aq_half_empty(T_LIMIT / 2 + 1, 1,
						  T_LIMIT));
	KUNIT_EXPECT_FALSE(test, mx_aq_half_empty(0, max / 2 + 1, T_LIMIT));
}

static struct kunit_case mx_aq_cases[] = {
	KUNIT_CASE(mx_aq_empty_takes_all),
	KUNIT_CASE(mx_aq_bytes_bound),
	KUNIT_CASE(mx_aq_count_bound),
	KUNIT_CASE(mx_aq_half),
	{}
};

static struct kunit_suite mx_aq_suite = {
	.name = "dm_mirrorx_async_bound",
	.test_cases = mx_aq_cases,
};

kunit_test_suite(mx_aq_suite);
