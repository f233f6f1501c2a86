// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the in-core intent log (metadata.c): mark, clear and the
 * commit snapshot, driven without I/O through mx_meta_commit_begin_locked()
 * and mx_meta_commit_end_locked(), so a test can put a mark in the middle
 * of a commit's block write.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/slab.h>
#include "metadata.h"

#define T_NODE		1
#define T_REGIONS	40000ULL	/* two bitmap blocks, the last partial */
#define T_BLOCK_BITS	(MX_META_BLOCK_SIZE * 8)

struct t_log {
	struct mx_meta m;
	unsigned long *snap;
};

/* An empty intent log of T_REGIONS regions with slot T_NODE loaded. */
static struct t_log *t_log_new(struct kunit *test)
{
	struct t_log *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct mx_meta *m;

	KUNIT_ASSERT_NOT_NULL(test, t);
	m = &t->m;
	spin_lock_init(&m->lock);
	mutex_init(&m->commit_lock);
	m->nr_regions = T_REGIONS;
	m->bitmap_blocks = mx_bitmap_blocks(T_REGIONS);
	m->bits[T_NODE] = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS),
					sizeof(long), GFP_KERNEL);
	m->disk_bits[T_NODE] = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS),
					     sizeof(long), GFP_KERNEL);
	m->dirty_blocks[T_NODE] = kunit_kcalloc(test, 1, sizeof(long),
						GFP_KERNEL);
	t->snap = kunit_kcalloc(test, BITS_TO_LONGS(T_BLOCK_BITS),
				sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->bits[T_NODE]);
	KUNIT_ASSERT_NOT_NULL(test, m->disk_bits[T_NODE]);
	KUNIT_ASSERT_NOT_NULL(test, m->dirty_blocks[T_NODE]);
	KUNIT_ASSERT_NOT_NULL(test, t->snap);
	KUNIT_ASSERT_EQ(test, m->bitmap_blocks, 2U);
	return t;
}

static bool t_mark(struct t_log *t, u64 r)
{
	return mx_meta_mark_locked(&t->m, T_NODE, r, r);
}

static bool t_on_disk(struct t_log *t, u64 r)
{
	return mx_meta_persisted_locked(&t->m, T_NODE, r, r);
}

static bool t_dirty(struct t_log *t, u64 b)
{
	return test_bit(b, t->m.dirty_blocks[T_NODE]);
}

static void t_begin(struct t_log *t, u64 b)
{
	mx_meta_commit_begin_locked(&t->m, T_NODE, b, t->snap);
}

static void t_end(struct t_log *t, u64 b, bool written)
{
	mx_meta_commit_end_locked(&t->m, T_NODE, b, t->snap, written);
}

/* A whole commit of block @b, no writer in between. */
static void t_commit(struct t_log *t, u64 b)
{
	t_begin(t, b);
	t_end(t, b, true);
}

/* Mark, commit, on disk; marking again needs no commit. */
static void mx_ilog_mark_commit(struct kunit *test)
{
	struct t_log *t = t_log_new(test);

	KUNIT_EXPECT_FALSE(test, t_mark(t, 5));
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 5));
	t_commit(t, 0);
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 0));
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_TRUE(test, t_mark(t, 5));
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 0));
}

/*
 * The race: a commit writes block 0 in which region 5 went 1 -> 0 (the
 * sweep cleared it); while that write is in flight a new write to region
 * 5 marks it again. The old bit on disk must not let that write go: the
 * block being written says 0, and a crash after it would leave region 5
 * written with no bit. The mark must wait for the next commit.
 */
static void mx_ilog_clear_commit_races_mark(struct kunit *test)
{
	struct t_log *t = t_log_new(test);

	t_mark(t, 5);
	t_commit(t, 0);
	KUNIT_ASSERT_TRUE(test, t_on_disk(t, 5));

	mx_meta_clear_locked(&t->m, T_NODE, 5);
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 5));	/* not written yet */
	t_begin(t, 0);					/* snapshot: bit 5 = 0 */
	KUNIT_EXPECT_EQ(test, test_bit(5, t->snap), 0);

	/* A new write to region 5 while block 0 is being written. */
	KUNIT_EXPECT_FALSE(test, t_mark(t, 5));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));

	t_end(t, 0, true);				/* disk: bit 5 = 0 */
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	KUNIT_EXPECT_TRUE(test, mx_meta_needs_commit(&t->m));

	t_commit(t, 0);					/* the next commit */
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_FALSE(test, mx_meta_needs_commit(&t->m));
}

/*
 * Bits that stay set in the block being written stay on disk: a write to
 * a region whose bit is not changing does not wait for that commit.
 */
static void mx_ilog_commit_keeps_set_bits(struct kunit *test)
{
	struct t_log *t = t_log_new(test);

	t_mark(t, 5);
	t_mark(t, 6);
	t_commit(t, 0);
	mx_meta_clear_locked(&t->m, T_NODE, 5);
	t_begin(t, 0);
	KUNIT_EXPECT_TRUE(test, t_mark(t, 6));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 5));
	t_end(t, 0, true);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 6));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 0));
}

/* A mark after the snapshot of a 0 -> 1 commit waits for the next one. */
static void mx_ilog_mark_after_snapshot(struct kunit *test)
{
	struct t_log *t = t_log_new(test);

	t_mark(t, 5);
	t_begin(t, 0);
	KUNIT_EXPECT_FALSE(test, t_mark(t, 7));
	t_end(t, 0, true);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 7));
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	t_commit(t, 0);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 7));
}

/*
 * A failed write leaves the block dirty, and what it may have written
 * counts as on disk only where old and new agree.
 */
static void mx_ilog_failed_write(struct kunit *test)
{
	struct t_log *t = t_log_new(test);

	t_mark(t, 5);
	t_commit(t, 0);
	mx_meta_clear_locked(&t->m, T_NODE, 5);
	t_mark(t, 9);
	t_begin(t, 0);
	t_end(t, 0, false);
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 9));
	KUNIT_EXPECT_FALSE(test, t_mark(t, 5));
	t_commit(t, 0);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 9));
}

/* The last, partial block, and blocks are independent. */
static void mx_ilog_last_block(struct kunit *test)
{
	struct t_log *t = t_log_new(test);
	u64 last = T_REGIONS - 1;

	t_mark(t, last);
	t_mark(t, 5);
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 1));
	t_commit(t, 1);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, last));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 5));
	t_commit(t, 0);
	mx_meta_clear_locked(&t->m, T_NODE, last);
	t_begin(t, 1);
	KUNIT_EXPECT_TRUE(test, t_mark(t, 5));
	KUNIT_EXPECT_FALSE(test, t_mark(t, last));
	t_end(t, 1, true);
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, last));
	t_commit(t, 1);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, last));
}

static struct kunit_case mx_ilog_cases[] = {
	KUNIT_CASE(mx_ilog_mark_commit),
	KUNIT_CASE(mx_ilog_clear_commit_races_mark),
	KUNIT_CASE(mx_ilog_commit_keeps_set_bits),
	KUNIT_CASE(mx_ilog_mark_after_snapshot),
	KUNIT_CASE(mx_ilog_failed_write),
	KUNIT_CASE(mx_ilog_last_block),
	{}
};

static struct kunit_suite mx_ilog_suite = {
	.name = "dm_mirrorx_intent_log",
	.test_cases = mx_ilog_cases,
};

kunit_test_suite(mx_ilog_suite);
