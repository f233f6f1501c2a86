// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the in-core intent log (intent_log.c): mark, clear, the
 * hot set and the commit snapshot, driven without I/O through
 * mx_ilog_commit_begin_locked() and mx_ilog_commit_end_locked(), so a test
 * can put a mark in the middle of a commit's block write.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/slab.h>
#include "intent_log.h"

#define T_NODE		1
#define T_REGIONS	40000ULL	/* two bitmap blocks, the last partial */
#define T_BLOCK_BITS	(MX_META_BLOCK_SIZE * 8)
#define T_EXT_SHIFT	6		/* 64 regions: 4 MiB of 64 KiB */
#define T_EXT		BIT_ULL(T_EXT_SHIFT)
#define T_EXTENTS	(T_REGIONS / T_EXT)	/* 625, the last one full */

struct t_log {
	struct mx_meta meta;
	struct mx_ilog m;
	unsigned long *snap;
};

/* An empty intent log of T_REGIONS regions with slot T_NODE loaded. */
static struct t_log *t_log_new(struct kunit *test)
{
	struct t_log *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct mx_ilog *m;

	KUNIT_ASSERT_NOT_NULL(test, t);
	m = &t->m;
	m->meta = &t->meta;
	spin_lock_init(&t->meta.lock);
	mutex_init(&t->meta.commit_lock);
	t->meta.nr_regions = T_REGIONS;
	t->meta.bitmap_blocks = mx_bitmap_blocks(T_REGIONS);
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
	KUNIT_ASSERT_EQ(test, t->meta.bitmap_blocks, 2U);
	m->maybe_marked[T_NODE] = true;		/* as mx_ilog_load_slot() */
	return t;
}

/* The same with a hot set of T_EXTENTS extents of T_EXT regions. */
static struct t_log *t_log_hot(struct kunit *test)
{
	struct t_log *t = t_log_new(test);
	struct mx_ilog *m = &t->m;

	m->extent_shift = T_EXT_SHIFT;
	m->nr_extents = T_EXTENTS;
	m->hot = kunit_kcalloc(test, BITS_TO_LONGS(T_EXTENTS), sizeof(long),
			       GFP_KERNEL);
	m->hot_recent = kunit_kcalloc(test, BITS_TO_LONGS(T_EXTENTS),
				      sizeof(long), GFP_KERNEL);
	m->hot_copied = kunit_kcalloc(test, BITS_TO_LONGS(T_EXTENTS),
				      sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->hot);
	KUNIT_ASSERT_NOT_NULL(test, m->hot_recent);
	KUNIT_ASSERT_NOT_NULL(test, m->hot_copied);
	return t;
}

static bool t_heat(struct t_log *t, u64 r, u32 ahead)
{
	return mx_ilog_heat_locked(&t->m, r, r, ahead);
}

static bool t_mark(struct t_log *t, u64 r)
{
	return mx_ilog_mark_locked(&t->m, T_NODE, r, r);
}

static bool t_on_disk(struct t_log *t, u64 r)
{
	return mx_ilog_persisted_locked(&t->m, T_NODE, r, r);
}

static bool t_dirty(struct t_log *t, u64 b)
{
	return test_bit(b, t->m.dirty_blocks[T_NODE]);
}

static void t_begin(struct t_log *t, u64 b)
{
	mx_ilog_commit_begin_locked(&t->m, T_NODE, b, t->snap);
}

static void t_end(struct t_log *t, u64 b, bool written)
{
	mx_ilog_commit_end_locked(&t->m, T_NODE, b, t->snap, written);
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

	mx_ilog_clear_locked(&t->m, T_NODE, 5);
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
	KUNIT_EXPECT_TRUE(test, mx_ilog_needs_commit(&t->m));

	t_commit(t, 0);					/* the next commit */
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_FALSE(test, mx_ilog_needs_commit(&t->m));
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
	mx_ilog_clear_locked(&t->m, T_NODE, 5);
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
	mx_ilog_clear_locked(&t->m, T_NODE, 5);
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
	mx_ilog_clear_locked(&t->m, T_NODE, last);
	t_begin(t, 1);
	KUNIT_EXPECT_TRUE(test, t_mark(t, 5));
	KUNIT_EXPECT_FALSE(test, t_mark(t, last));
	t_end(t, 1, true);
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, last));
	t_commit(t, 1);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, last));
}

/*
 * Clearing all (every handshake on a target, assume_clean on a source)
 * dirties only the blocks that held a set bit, in core or on disk: a
 * clear bitmap is not written again. After the commit nothing is marked.
 */
static void mx_ilog_clear_all_dirty(struct kunit *test)
{
	struct t_log *t = t_log_new(test);
	u64 last = T_REGIONS - 1;

	mx_ilog_clear_all_locked(&t->m, T_NODE);
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 0));
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 1));

	/* A bit on disk only, as loaded from disk: its block changes. */
	__set_bit(last, t->m.disk_bits[T_NODE]);
	mx_ilog_clear_all_locked(&t->m, T_NODE);
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 0));
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 1));
	t_commit(t, 1);
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, last));

	/* Marked and on disk. */
	t_mark(t, 5);
	t_commit(t, 0);
	mx_ilog_clear_all_locked(&t->m, T_NODE);
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 1));
	t_commit(t, 0);
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_EQ(test, mx_ilog_count(&t->m, T_NODE), 0ULL);

	/* A commit in flight with a bit that the clear removes. */
	t_mark(t, 9);
	t_begin(t, 0);
	mx_ilog_clear_all_locked(&t->m, T_NODE);
	t_end(t, 0, true);
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 1));
	t_commit(t, 0);
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 9));
}

/*
 * A write across the boundary of two bitmap blocks (regions 32767 and
 * 32768) dirties both; it is on disk only once both are written.
 */
static void mx_ilog_mark_two_blocks(struct kunit *test)
{
	struct t_log *t = t_log_new(test);
	u64 r0 = T_BLOCK_BITS - 1, r1 = T_BLOCK_BITS;

	KUNIT_EXPECT_FALSE(test,
			   mx_ilog_mark_locked(&t->m, T_NODE, r0, r1));
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 1));
	t_commit(t, 0);
	KUNIT_EXPECT_FALSE(test,
			   mx_ilog_persisted_locked(&t->m, T_NODE, r0, r1));
	t_commit(t, 1);
	KUNIT_EXPECT_TRUE(test,
			  mx_ilog_persisted_locked(&t->m, T_NODE, r0, r1));
	KUNIT_EXPECT_TRUE(test, mx_ilog_mark_locked(&t->m, T_NODE, r0, r1));
}

/*
 * A peer's bitmap words (the handshake's BITMAP stream) past the last
 * region, or past the last word, change nothing; the count sees only
 * real regions.
 */
static void mx_ilog_or_words_bounds(struct kunit *test)
{
	struct t_log *t = t_log_new(test);
	u64 last_word = (T_REGIONS - 1) / 64;
	u64 words[3] = { ~0ULL, ~0ULL, ~0ULL };

	mx_ilog_or_words(&t->m, T_NODE, last_word, words, 3);
	/* 40000 = 625 * 64: the last word is full, nothing lies past it. */
	KUNIT_EXPECT_EQ(test, mx_ilog_count(&t->m, T_NODE), 64ULL);
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 1));
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 0));
	mx_ilog_or_words(&t->m, T_NODE, last_word + 1, words, 3);
	mx_ilog_or_words(&t->m, T_NODE, U64_MAX - 1, words, 3);
	KUNIT_EXPECT_EQ(test, mx_ilog_count(&t->m, T_NODE), 64ULL);
	words[0] = 1ULL << 5;
	mx_ilog_or_words(&t->m, T_NODE, 0, words, 1);
	KUNIT_EXPECT_EQ(test, mx_ilog_count(&t->m, T_NODE), 65ULL);
	KUNIT_EXPECT_TRUE(test, test_bit(5, t->m.bits[T_NODE]));
}

/* t_log_new() with the source's view of peer T_NODE (oos, csum). */
static struct t_log *t_log_peer(struct kunit *test)
{
	struct t_log *t = t_log_new(test);

	t->m.oos[T_NODE] = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS),
					 sizeof(long), GFP_KERNEL);
	t->m.csum[T_NODE] = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS),
					  sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->m.oos[T_NODE]);
	KUNIT_ASSERT_NOT_NULL(test, t->m.csum[T_NODE]);
	return t;
}

static bool t_oos(struct t_log *t, u64 r)
{
	return test_bit(r, t->m.oos[T_NODE]);
}

static bool t_bit(struct t_log *t, u64 r)
{
	return test_bit(r, t->m.bits[T_NODE]);
}

/*
 * What a sweep does for a peer that has everything durable, a chunk at a
 * time; @keep (all zero here) is what it keeps (the source's unflushed
 * map).
 */
static void t_sweep(struct t_log *t, unsigned long *keep)
{
	u64 first;

	for (first = 0; first < T_REGIONS; first += MX_SWEEP_CHUNK)
		mx_ilog_sweep_clear_range_locked(&t->m, T_NODE, first,
						 min_t(u64, T_REGIONS - first,
						       MX_SWEEP_CHUNK),
						 keep, NULL);
}

/*
 * A region a peer lacks is marked too, in core until a commit writes it;
 * a sweep leaves it; the resync's copy takes it out of oos and csum, and
 * only then may the sweep clear its bit.
 */
static void mx_ilog_oos_marks(struct kunit *test)
{
	struct t_log *t = t_log_peer(test);
	unsigned long *keep = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS),
					    sizeof(long), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_EXPECT_FALSE(test, mx_ilog_mark_oos_locked(&t->m, T_NODE, 7, 9));
	KUNIT_EXPECT_TRUE(test, t_oos(t, 8) && t_bit(t, 8));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 8));
	t_commit(t, 0);
	KUNIT_EXPECT_TRUE(test, mx_ilog_persisted_locked(&t->m, T_NODE, 7, 9));
	t_sweep(t, keep);
	KUNIT_EXPECT_TRUE(test, t_bit(t, 7) && t_bit(t, 9));
	__set_bit(8, t->m.csum[T_NODE]);
	KUNIT_EXPECT_TRUE(test, mx_ilog_resync_done_locked(&t->m, T_NODE, 8));
	KUNIT_EXPECT_FALSE(test, mx_ilog_resync_done_locked(&t->m, T_NODE, 8));
	KUNIT_EXPECT_FALSE(test, t_oos(t, 8));
	KUNIT_EXPECT_FALSE(test, test_bit(8, t->m.csum[T_NODE]));
	t_sweep(t, keep);
	KUNIT_EXPECT_FALSE(test, t_bit(t, 8));
	KUNIT_EXPECT_TRUE(test, t_bit(t, 7) && t_bit(t, 9));
	KUNIT_EXPECT_EQ(test, mx_ilog_oos_count_locked(&t->m, T_NODE), 2ULL);
}

/*
 * assume_clean while a lost async peer's queue is still being torn down
 * (review finding B1): the queued writes end with an error after the
 * bits were cleared. Their regions must come back in the bits, so the
 * next connect (oos := bits) resyncs them; marking oos alone lost them.
 */
static void mx_ilog_assume_clean_then_failed_write(struct kunit *test)
{
	struct t_log *t = t_log_peer(test);

	mx_ilog_mark_locked(&t->m, T_NODE, 100, 100);
	mx_ilog_mark_locked(&t->m, T_NODE, 200, 201);
	mx_ilog_assume_clean_locked(&t->m, T_NODE);
	KUNIT_EXPECT_EQ(test, mx_ilog_count(&t->m, T_NODE), 0ULL);
	KUNIT_EXPECT_EQ(test, mx_ilog_oos_count_locked(&t->m, T_NODE), 0ULL);
	/* The queued write to 200-201 fails (-ENOTCONN) afterwards. */
	mx_ilog_mark_oos_locked(&t->m, T_NODE, 200, 201);
	KUNIT_EXPECT_EQ(test, mx_ilog_connect_locked(&t->m, T_NODE), 2ULL);
	KUNIT_EXPECT_TRUE(test, t_oos(t, 200) && t_oos(t, 201));
	KUNIT_EXPECT_FALSE(test, t_oos(t, 100));
}

/* "resync full|csum" on a live peer: every region, in one section. */
static void mx_ilog_request_resync(struct kunit *test)
{
	struct t_log *t = t_log_peer(test);

	mx_ilog_mark_locked(&t->m, T_NODE, 3, 3);
	mx_ilog_request_resync_locked(&t->m, T_NODE, false, false, true);
	KUNIT_EXPECT_EQ(test, mx_ilog_oos_count_locked(&t->m, T_NODE), 1ULL);
	mx_ilog_request_resync_locked(&t->m, T_NODE, true, true, false);
	KUNIT_EXPECT_EQ(test, mx_ilog_count(&t->m, T_NODE), T_REGIONS);
	KUNIT_EXPECT_EQ(test, mx_ilog_oos_count_locked(&t->m, T_NODE), 1ULL);
	KUNIT_EXPECT_TRUE(test, t->meta.sb.slots[T_NODE].flags &
				MX_SLOT_FULL_SYNC);
	KUNIT_EXPECT_TRUE(test, bitmap_full(t->m.csum[T_NODE], T_REGIONS));
	KUNIT_EXPECT_EQ(test, mx_ilog_connect_locked(&t->m, T_NODE),
			T_REGIONS);
}

/*
 * oos is a subset of bits after every step of a random mix of what the
 * write path, the async queue, a handshake, a message, the resync and
 * the sweep do (a small region range, so steps collide).
 */
static void mx_ilog_oos_within_bits(struct kunit *test)
{
	struct t_log *t = t_log_peer(test);
	unsigned long *keep = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS),
					    sizeof(long), GFP_KERNEL);
	unsigned long *out = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS),
					   sizeof(long), GFP_KERNEL);
	u32 seed = 0x6d78, step;

	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, out);
	for (step = 0; step < 20000; step++) {
		u64 r;

		seed = seed * 1103515245 + 12345;
		r = (seed >> 8) % 256;
		switch ((seed >> 24) % 8) {
		case 0:
		case 1:
			mx_ilog_mark_locked(&t->m, T_NODE, r, min(r + 2, 255ULL));
			break;
		case 2:
			mx_ilog_mark_oos_locked(&t->m, T_NODE, r, r);
			break;
		case 3:
			mx_ilog_resync_done_locked(&t->m, T_NODE, r);
			break;
		case 4:
			t_sweep(t, keep);
			break;
		case 5:
			if ((seed & 0xff) < 8)
				mx_ilog_connect_locked(&t->m, T_NODE);
			else
				t_commit(t, 0);
			break;
		case 6:
			if ((seed & 0xff) < 4)
				mx_ilog_assume_clean_locked(&t->m, T_NODE);
			else
				mx_ilog_cool_locked(&t->m, 0);
			break;
		default:
			if ((seed & 0xff) < 2)
				mx_ilog_request_resync_locked(&t->m, T_NODE,
							      seed & 1, false,
							      true);
			break;
		}
		if (bitmap_andnot(out, t->m.oos[T_NODE], t->m.bits[T_NODE],
				  T_REGIONS)) {
			KUNIT_FAIL(test, "step %u: region %lu out of sync but not marked",
				   step, find_first_bit(out, T_REGIONS));
			return;
		}
	}
}

/*
 * Heating an extent marks all its regions on disk with one commit; writes
 * anywhere in it then need none, and clearing their bits writes nothing.
 */
static void mx_ilog_hot_extent(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);

	KUNIT_EXPECT_TRUE(test, t_heat(t, 5, 0));
	KUNIT_EXPECT_FALSE(test, t_mark(t, 5));
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	t_commit(t, 0);
	KUNIT_EXPECT_EQ(test, bitmap_weight(t->snap, T_BLOCK_BITS), T_EXT);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 0));
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, T_EXT - 1));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, T_EXT));

	/* Hot again: no commit; another region of it: on disk already. */
	KUNIT_EXPECT_FALSE(test, t_heat(t, 9, 0));
	KUNIT_EXPECT_TRUE(test, t_mark(t, 9));
	mx_ilog_clear_locked(&t->m, T_NODE, 5);
	mx_ilog_clear_locked(&t->m, T_NODE, 9);
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 0));
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_EQ(test, t->m.nr_hot, 1ULL);
}

/*
 * Cooling: the image falls back to the bits. A region whose bit is still
 * set (data not yet durable everywhere) stays marked; the others are
 * cleared by the next commit.
 */
static void mx_ilog_hot_cool(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);

	t_heat(t, 5, 0);
	t_mark(t, 5);
	t_mark(t, 6);
	t_commit(t, 0);
	mx_ilog_clear_locked(&t->m, T_NODE, 5);
	KUNIT_EXPECT_EQ(test, mx_ilog_cool_locked(&t->m, 0), 1ULL);
	KUNIT_EXPECT_EQ(test, t->m.nr_hot, 0ULL);
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	t_commit(t, 0);
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 6));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 7));
	KUNIT_EXPECT_EQ(test, bitmap_weight(t->snap, T_BLOCK_BITS), 1U);
	/* Out of the hot set, a clear is a metadata write again. */
	mx_ilog_clear_locked(&t->m, T_NODE, 6);
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
}

/*
 * The commit race through the hot set: a commit writes the block of a
 * cooled extent (its regions going 1 -> 0) while a new write heats and
 * marks one of them. That write must wait for the next commit.
 */
static void mx_ilog_hot_cool_races_mark(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);

	t_heat(t, 7, 0);
	t_commit(t, 0);
	KUNIT_ASSERT_TRUE(test, t_on_disk(t, 7));
	mx_ilog_cool_locked(&t->m, 0);
	t_begin(t, 0);
	KUNIT_EXPECT_EQ(test, test_bit(7, t->snap), 0);
	KUNIT_EXPECT_TRUE(test, t_heat(t, 7, 0));
	KUNIT_EXPECT_FALSE(test, t_mark(t, 7));
	t_end(t, 0, true);
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 7));
	KUNIT_EXPECT_TRUE(test, mx_ilog_needs_commit(&t->m));
	t_commit(t, 0);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 7));
}

/*
 * A write into an extent whose heating commit is in flight: nothing more
 * to write (no dirty block), it waits for that commit's end, and is on
 * disk then without another one.
 */
static void mx_ilog_hot_heat_in_flight(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);

	t_heat(t, 3, 0);
	t_begin(t, 0);
	KUNIT_EXPECT_FALSE(test, t_heat(t, 9, 0));
	KUNIT_EXPECT_FALSE(test, t_mark(t, 9));
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 0));
	t_end(t, 0, true);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 9));
	KUNIT_EXPECT_FALSE(test, mx_ilog_needs_commit(&t->m));
}

/*
 * Cooled, then written before the next commit: the write goes on the old
 * on-disk 1, and the commit's snapshot keeps the region set (its bit).
 */
static void mx_ilog_hot_mark_before_cool_commit(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);

	t_heat(t, 3, 0);
	t_commit(t, 0);
	mx_ilog_cool_locked(&t->m, 0);
	KUNIT_EXPECT_TRUE(test, t_mark(t, 7));
	t_begin(t, 0);
	KUNIT_EXPECT_TRUE(test, test_bit(7, t->snap));
	KUNIT_EXPECT_FALSE(test, test_bit(3, t->snap));
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 7));
	t_end(t, 0, true);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 7));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 3));
}

/*
 * The policy: under the limit nothing cools; over it, extents not written
 * since the last cooling go first, then any; each call starts a period.
 */
static void mx_ilog_hot_policy(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);
	struct mx_ilog *m = &t->m;

	t_heat(t, 0 * T_EXT, 0);
	t_heat(t, 1 * T_EXT, 0);
	t_heat(t, 2 * T_EXT, 0);
	KUNIT_EXPECT_EQ(test, mx_ilog_cool_locked(m, 5), 0ULL);
	KUNIT_EXPECT_EQ(test, m->nr_hot, 3ULL);
	t_heat(t, 1 * T_EXT + 3, 0);		/* extent 1 recent */
	KUNIT_EXPECT_EQ(test, mx_ilog_cool_locked(m, 1), 2ULL);
	KUNIT_EXPECT_TRUE(test, test_bit(1, m->hot));
	KUNIT_EXPECT_FALSE(test, test_bit(0, m->hot));
	KUNIT_EXPECT_FALSE(test, test_bit(2, m->hot));
	/* All recent, still over the limit: any go. */
	t_heat(t, 4 * T_EXT, 0);
	t_heat(t, 1 * T_EXT, 0);
	KUNIT_EXPECT_EQ(test, mx_ilog_cool_locked(m, 1), 1ULL);
	KUNIT_EXPECT_EQ(test, m->nr_hot, 1ULL);
	KUNIT_EXPECT_EQ(test, mx_ilog_cool_locked(m, 0), 1ULL);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(m->hot, T_EXTENTS));
}

/*
 * A sequential write marks ahead (not as recent: a stream that stops
 * leaves them first to cool); ahead stops at the last extent.
 */
static void mx_ilog_hot_ahead(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);
	struct mx_ilog *m = &t->m;

	KUNIT_EXPECT_TRUE(test, t_heat(t, 10 * T_EXT + 5, 2));
	KUNIT_EXPECT_EQ(test, m->nr_hot, 3ULL);
	KUNIT_EXPECT_TRUE(test, test_bit(12, m->hot));
	KUNIT_EXPECT_FALSE(test, test_bit(13, m->hot));
	KUNIT_EXPECT_TRUE(test, test_bit(10, m->hot_recent));
	KUNIT_EXPECT_FALSE(test, test_bit(11, m->hot_recent));
	/* The stream goes on: the next step only from the last extent. */
	KUNIT_EXPECT_FALSE(test, t_heat(t, 11 * T_EXT, 2));
	KUNIT_EXPECT_TRUE(test, t_heat(t, 12 * T_EXT, 2));
	KUNIT_EXPECT_EQ(test, m->nr_hot, 5ULL);
	KUNIT_EXPECT_TRUE(test, test_bit(14, m->hot));
	/* 13 and 14 (not recent) first, then 10 and 11 in order: 12 left. */
	KUNIT_EXPECT_EQ(test, mx_ilog_cool_locked(m, 1), 4ULL);
	KUNIT_EXPECT_TRUE(test, test_bit(12, m->hot));
	mx_ilog_cool_locked(m, 0);

	KUNIT_EXPECT_TRUE(test, t_heat(t, T_REGIONS - 1, 2));
	KUNIT_EXPECT_EQ(test, m->nr_hot, 1ULL);
	KUNIT_EXPECT_FALSE(test, t_heat(t, T_REGIONS - 1, 2));
}

/*
 * Resync progress is not held back by the hot set: an extent a resync
 * copied into cools, under the limit, once a period passed without a
 * write to it; one still written stays hot until then.
 */
static void mx_ilog_hot_copied(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);
	struct mx_ilog *m = &t->m;

	t_heat(t, 0, 0);
	t_heat(t, T_EXT, 0);
	t_mark(t, 5);
	t_mark(t, T_EXT + 5);
	t_commit(t, 0);
	mx_ilog_cool_locked(m, 100);		/* a period: none recent */
	t_heat(t, T_EXT + 5, 0);		/* extent 1 written again */
	mx_ilog_note_copied_locked(m, 5);
	mx_ilog_note_copied_locked(m, T_EXT + 5);
	mx_ilog_clear_locked(m, T_NODE, 5);	/* copied and flushed */
	KUNIT_EXPECT_EQ(test, mx_ilog_cool_locked(m, 100), 1ULL);
	KUNIT_EXPECT_FALSE(test, test_bit(0, m->hot));
	KUNIT_EXPECT_TRUE(test, test_bit(1, m->hot));
	t_commit(t, 0);
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, 5));
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, T_EXT + 6));
	/* Extent 1 not written for a period: it cools too. */
	KUNIT_EXPECT_EQ(test, mx_ilog_cool_locked(m, 100), 1ULL);
	KUNIT_EXPECT_EQ(test, m->nr_hot, 0ULL);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(m->hot_copied, T_EXTENTS));
}

/*
 * The cap holds when heating: the first hot extent from the clock hand
 * not written this period is cooled (any, when all were); marking ahead
 * never evicts.
 */
static void mx_ilog_hot_cap(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);
	struct mx_ilog *m = &t->m;

	m->hot_cap = 2;
	t_heat(t, 0, 0);
	t_heat(t, T_EXT, 0);
	KUNIT_EXPECT_TRUE(test, t_heat(t, 2 * T_EXT, 0));
	KUNIT_EXPECT_EQ(test, m->nr_hot, 2ULL);
	KUNIT_EXPECT_FALSE(test, test_bit(0, m->hot));
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));

	mx_ilog_cool_locked(m, 100);		/* a new period, none recent */
	KUNIT_EXPECT_EQ(test, m->nr_hot, 2ULL);
	KUNIT_EXPECT_FALSE(test, t_heat(t, T_EXT, 0));
	KUNIT_EXPECT_TRUE(test, t_heat(t, 3 * T_EXT, 0));
	KUNIT_EXPECT_TRUE(test, test_bit(1, m->hot));	/* recent: kept */
	KUNIT_EXPECT_FALSE(test, test_bit(2, m->hot));
	KUNIT_EXPECT_TRUE(test, test_bit(3, m->hot));

	KUNIT_EXPECT_TRUE(test, t_heat(t, 5 * T_EXT, 2));
	KUNIT_EXPECT_EQ(test, m->nr_hot, 2ULL);
	KUNIT_EXPECT_TRUE(test, test_bit(5, m->hot));
	KUNIT_EXPECT_FALSE(test, test_bit(6, m->hot));
}

/*
 * Writes that keep entering cold extents: once the heats of recent periods
 * (halved every period) reach MX_SPREAD_HEATS, a heat heats the rest of
 * its bitmap block too (not recent), from its own extent on and wrapping,
 * up to the cap, evicting nothing.
 */
static void mx_ilog_hot_spread(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);
	struct mx_ilog *m = &t->m;
	u64 per_block = T_BLOCK_BITS / T_EXT, e, left, nr;

	m->hot_cap = per_block + 8;
	for (e = 100; e < 100 + MX_SPREAD_HEATS - 1; e++)
		t_heat(t, e * T_EXT, 0);
	KUNIT_EXPECT_EQ(test, m->nr_hot, MX_SPREAD_HEATS - 1ULL);
	mx_ilog_cool_locked(m, m->hot_cap);	/* a new period: halved */
	KUNIT_EXPECT_EQ(test, m->period_heats, (MX_SPREAD_HEATS - 1) / 2U);
	left = MX_SPREAD_HEATS - 2 - m->period_heats;
	for (e = 200; e < 200 + left; e++)
		t_heat(t, e * T_EXT, 0);
	/* Heating an extent ahead does not count. */
	KUNIT_EXPECT_TRUE(test, t_heat(t, 300 * T_EXT, 1));
	KUNIT_EXPECT_EQ(test, m->period_heats, MX_SPREAD_HEATS - 1U);
	KUNIT_EXPECT_EQ(test, m->nr_hot, MX_SPREAD_HEATS - 1ULL + left + 2);
	KUNIT_EXPECT_TRUE(test, test_bit(301, m->hot));
	KUNIT_EXPECT_FALSE(test, test_bit(302, m->hot));
	/* The next heat spreads: its whole block, only its block. */
	KUNIT_EXPECT_TRUE(test, t_heat(t, 400 * T_EXT, 0));
	KUNIT_EXPECT_EQ(test, bitmap_weight(m->hot, per_block),
			(unsigned int)per_block);
	KUNIT_EXPECT_EQ(test, m->nr_hot, per_block);
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 0));
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 1));
	nr = bitmap_weight(m->hot_recent, T_EXTENTS);
	KUNIT_EXPECT_EQ(test, nr, left + 2);
	KUNIT_EXPECT_FALSE(test, test_bit(0, m->hot_recent));
	t_commit(t, 0);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, 0));
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, T_BLOCK_BITS - 1));

	/* The next block, from extent 600 on, up to the cap: no eviction. */
	KUNIT_EXPECT_TRUE(test, t_heat(t, 600 * T_EXT, 0));
	KUNIT_EXPECT_EQ(test, m->nr_hot, m->hot_cap);
	KUNIT_EXPECT_EQ(test, bitmap_weight(m->hot, per_block),
			(unsigned int)per_block);
	for (e = 600; e < 608; e++)
		KUNIT_EXPECT_TRUE(test, test_bit(e, m->hot));
	KUNIT_EXPECT_FALSE(test, test_bit(608, m->hot));
	KUNIT_EXPECT_FALSE(test, test_bit(per_block, m->hot));

	/* Room again: the rest of the block, wrapping to its first extent. */
	m->hot_cap = 0;
	KUNIT_EXPECT_TRUE(test, t_heat(t, 610 * T_EXT, 0));
	KUNIT_EXPECT_EQ(test, m->nr_hot, T_EXTENTS);
	KUNIT_EXPECT_TRUE(test, test_bit(per_block, m->hot));
	KUNIT_EXPECT_TRUE(test, test_bit(T_EXTENTS - 1, m->hot));

	/* Periods without heats: the count decays below the threshold. */
	mx_ilog_cool_locked(m, 0);
	KUNIT_EXPECT_EQ(test, m->period_heats, (MX_SPREAD_HEATS + 2) / 2U);
	mx_ilog_cool_locked(m, 0);
	KUNIT_EXPECT_TRUE(test, t_heat(t, 5 * T_EXT, 0));
	KUNIT_EXPECT_EQ(test, m->nr_hot, 1ULL);
}

/*
 * The sweep's cadence: every sweep while idle; one in five while writes
 * come in or a peer resyncs, counted across both; the first idle sweep
 * after a busy spell is due at once.
 */
static void mx_ilog_sweep_due(struct kunit *test)
{
	u32 skipped = 0;
	int i;

	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_TRUE(test, mx_sweep_due(&skipped, false, 5));
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_FALSE(test, mx_sweep_due(&skipped, true, 5));
	KUNIT_EXPECT_TRUE(test, mx_sweep_due(&skipped, true, 5));
	KUNIT_EXPECT_EQ(test, skipped, 0U);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_FALSE(test, mx_sweep_due(&skipped, true, 5));
	/* Idle now: due, and the count starts over. */
	KUNIT_EXPECT_TRUE(test, mx_sweep_due(&skipped, false, 5));
	KUNIT_EXPECT_FALSE(test, mx_sweep_due(&skipped, true, 5));
	/* Every 1: never spaced. */
	skipped = 0;
	KUNIT_EXPECT_TRUE(test, mx_sweep_due(&skipped, true, 1));
	KUNIT_EXPECT_TRUE(test, mx_sweep_due(&skipped, true, 1));
}

/* The last block's image: the hot extent, nothing past the last region. */
static void mx_ilog_hot_last_block(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);
	u64 nbits = T_REGIONS - T_BLOCK_BITS;

	memset(t->snap, 0xff, MX_META_BLOCK_SIZE);
	t_heat(t, T_REGIONS - 1, 0);
	KUNIT_EXPECT_FALSE(test, t_dirty(t, 0));
	KUNIT_EXPECT_TRUE(test, t_dirty(t, 1));
	mx_ilog_image_locked(&t->m, T_NODE, 1, t->snap);
	KUNIT_EXPECT_EQ(test, bitmap_weight(t->snap, T_BLOCK_BITS), T_EXT);
	KUNIT_EXPECT_TRUE(test, test_bit(nbits - 1, t->snap));
	KUNIT_EXPECT_FALSE(test, test_bit(nbits - T_EXT - 1, t->snap));
	KUNIT_EXPECT_EQ(test, find_next_bit(t->snap, T_BLOCK_BITS, nbits),
			(unsigned long)T_BLOCK_BITS);
	t_commit(t, 1);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, T_REGIONS - T_EXT));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, T_REGIONS - T_EXT - 1));
}

/*
 * mx_ilog_hot_init(): extents of 4 MiB in regions, at least one region;
 * a device whose last extent is short (40001 regions: 626 extents, the
 * last one region) and whose last block ends inside a word.
 */
static void mx_ilog_hot_init_sizes(struct kunit *test)
{
	struct t_log *t = t_log_new(test);
	struct mx_ilog *m = &t->m;
	u64 last = 40000, nbits = 40001 - T_BLOCK_BITS;

	t->meta.nr_regions = 40001;
	t->meta.sb.region_sectors = 16384;		/* 8 MiB regions */
	KUNIT_ASSERT_EQ(test, mx_ilog_hot_init(m, MX_EXTENT_SECTORS), 0);
	KUNIT_EXPECT_EQ(test, m->extent_shift, 0U);
	KUNIT_EXPECT_EQ(test, m->nr_extents, 40001ULL);
	kvfree(m->hot);
	kvfree(m->hot_recent);
	kvfree(m->hot_copied);

	t->meta.sb.region_sectors = 128;
	KUNIT_ASSERT_EQ(test, mx_ilog_hot_init(m, MX_EXTENT_SECTORS), 0);
	KUNIT_EXPECT_EQ(test, m->extent_shift, 6U);
	KUNIT_EXPECT_EQ(test, m->nr_extents, 626ULL);
	m->bits[T_NODE] = kunit_kcalloc(test, BITS_TO_LONGS(40001),
					sizeof(long), GFP_KERNEL);
	m->disk_bits[T_NODE] = kunit_kcalloc(test, BITS_TO_LONGS(40001),
					     sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->bits[T_NODE]);
	KUNIT_ASSERT_NOT_NULL(test, m->disk_bits[T_NODE]);

	memset(t->snap, 0xff, MX_META_BLOCK_SIZE);
	KUNIT_EXPECT_TRUE(test, mx_ilog_heat_locked(m, last, last, 2));
	KUNIT_EXPECT_EQ(test, m->nr_hot, 1ULL);
	mx_ilog_image_locked(m, T_NODE, 1, t->snap);
	KUNIT_EXPECT_EQ(test, bitmap_weight(t->snap, T_BLOCK_BITS), 1U);
	KUNIT_EXPECT_TRUE(test, test_bit(nbits - 1, t->snap));
	t_commit(t, 1);
	KUNIT_EXPECT_TRUE(test, t_on_disk(t, last));
	KUNIT_EXPECT_FALSE(test, t_on_disk(t, last - 1));
	kvfree(m->hot);
	kvfree(m->hot_recent);
	kvfree(m->hot_copied);
}

/*
 * OR into @u the regions of @t's hot extents, worked out here rather than
 * by the code under test.
 */
static void t_or_hot(struct t_log *t, unsigned long *u)
{
	u64 e, n = 1ULL << t->m.extent_shift;

	for_each_set_bit(e, t->m.hot, t->m.nr_extents)
		bitmap_set(u, e * n, min(n, t->meta.nr_regions - e * n));
}

/*
 * mx_ilog_weight(), a status's count, a chunk at a time: the weight of
 * the union of the nodes' bits and of the hot extents, with bits on both
 * sides of a chunk's edges, hot extents beside them and across them, a
 * node not loaded, and a region count inside a word (the bits past it
 * not counted).
 */
static void mx_ilog_weight_chunks(struct kunit *test)
{
	struct t_log *t = t_log_hot(test);
	struct mx_ilog *m = &t->m;
	unsigned long both = BIT(0) | BIT(T_NODE), *u;
	u64 r, edges[] = { 0, MX_WEIGHT_CHUNK - 1, MX_WEIGHT_CHUNK,
			   2 * MX_WEIGHT_CHUNK - 1, T_REGIONS - 1 };
	u32 i;

	BUILD_BUG_ON(2 * MX_WEIGHT_CHUNK >= T_REGIONS);
	m->bits[0] = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS),
				   sizeof(long), GFP_KERNEL);
	m->disk_bits[0] = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS),
					sizeof(long), GFP_KERNEL);
	m->dirty_blocks[0] = kunit_kcalloc(test, 1, sizeof(long), GFP_KERNEL);
	u = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS), sizeof(long),
			  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->bits[0]);
	KUNIT_ASSERT_NOT_NULL(test, m->disk_bits[0]);
	KUNIT_ASSERT_NOT_NULL(test, m->dirty_blocks[0]);
	KUNIT_ASSERT_NOT_NULL(test, u);

	KUNIT_EXPECT_EQ(test, mx_ilog_weight(m, both, true), 0ULL);
	for (i = 0; i < ARRAY_SIZE(edges); i++)
		__set_bit(edges[i], m->bits[T_NODE]);
	for (r = 0; r < T_REGIONS; r++) {
		if ((r * 2654435761ULL >> 13) % 11 == 0)
			__set_bit(r, m->bits[T_NODE]);
		if ((r * 40503ULL >> 7) % 13 == 0)
			__set_bit(r, m->bits[0]);
	}
	__set_bit(MX_WEIGHT_CHUNK, m->bits[0]);	/* in both maps */
	bitmap_or(u, m->bits[0], m->bits[T_NODE], T_REGIONS);
	KUNIT_EXPECT_EQ(test, mx_ilog_weight(m, both, false),
			(u64)bitmap_weight(u, T_REGIONS));
	KUNIT_EXPECT_EQ(test, mx_ilog_weight(m, BIT(T_NODE), false),
			(u64)bitmap_weight(m->bits[T_NODE], T_REGIONS));
	/* Node 2 is not loaded. */
	KUNIT_EXPECT_EQ(test, mx_ilog_weight(m, BIT(2), false), 0ULL);

	/* Hot extents at a chunk's last region, its first, and the end. */
	t_heat(t, MX_WEIGHT_CHUNK - 1, 0);
	t_heat(t, MX_WEIGHT_CHUNK, 0);
	t_heat(t, T_REGIONS - 1, 0);
	KUNIT_EXPECT_EQ(test, m->nr_hot, 3ULL);
	t_or_hot(t, u);
	KUNIT_EXPECT_EQ(test, mx_ilog_weight(m, both, true),
			(u64)bitmap_weight(u, T_REGIONS));

	/*
	 * Extents larger than a chunk (set by hand; real ones are not):
	 * one across two chunk edges, the last one short.
	 */
	m->extent_shift = 13;
	m->nr_extents = DIV_ROUND_UP(T_REGIONS, 1ULL << 13);
	bitmap_zero(m->hot, T_EXTENTS);
	__set_bit(1, m->hot);
	__set_bit(m->nr_extents - 1, m->hot);
	bitmap_or(u, m->bits[0], m->bits[T_NODE], T_REGIONS);
	t_or_hot(t, u);
	KUNIT_EXPECT_EQ(test, mx_ilog_weight(m, both, true),
			(u64)bitmap_weight(u, T_REGIONS));

	/* Three regions fewer: the bits past the end are not counted. */
	t->meta.nr_regions = T_REGIONS - 3;
	__set_bit(T_REGIONS - 2, m->bits[0]);
	bitmap_or(u, m->bits[0], m->bits[T_NODE], T_REGIONS);
	t_or_hot(t, u);
	KUNIT_EXPECT_EQ(test, mx_ilog_weight(m, both, true),
			(u64)bitmap_weight(u, T_REGIONS - 3));
}

/*
 * The sweep's chunks: candidates and clearing a chunk at a time give what
 * one pass over the whole maps gave, bits & ~oos & ~keep & ~keep2, with
 * set bits on both sides of every chunk edge and a device that ends
 * inside a word (a bit past its end is neither a candidate nor cleared).
 */
static void mx_ilog_sweep_chunks(struct kunit *test)
{
	struct t_log *t = t_log_peer(test);
	struct mx_ilog *m = &t->m;
	u64 nr = T_REGIONS - 3, first, r, cleared = 0;
	size_t words = BITS_TO_LONGS(T_REGIONS);
	unsigned long *keep = kunit_kcalloc(test, words, sizeof(long),
					    GFP_KERNEL);
	unsigned long *keep2 = kunit_kcalloc(test, words, sizeof(long),
					     GFP_KERNEL);
	unsigned long *want = kunit_kcalloc(test, words, sizeof(long),
					    GFP_KERNEL);
	unsigned long *orig = kunit_kcalloc(test, words, sizeof(long),
					    GFP_KERNEL);
	DECLARE_BITMAP(cand, MX_SWEEP_CHUNK);

	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, keep2);
	KUNIT_ASSERT_NOT_NULL(test, want);
	KUNIT_ASSERT_NOT_NULL(test, orig);
	BUILD_BUG_ON(3 * MX_SWEEP_CHUNK >= T_REGIONS);
	t->meta.nr_regions = nr;
	for (first = 0; first < T_REGIONS; first += MX_SWEEP_CHUNK) {
		__set_bit(first, m->bits[T_NODE]);
		if (first)
			__set_bit(first - 1, m->bits[T_NODE]);
	}
	__set_bit(nr - 1, m->bits[T_NODE]);
	__set_bit(nr + 1, m->bits[T_NODE]);	/* past the end */
	for (r = 0; r < nr; r++) {
		if ((r * 2654435761ULL >> 13) % 7 == 0)
			__set_bit(r, m->bits[T_NODE]);
		if ((r * 40503ULL >> 7) % 5 == 0)
			__set_bit(r, m->oos[T_NODE]);
		if ((r * 69069ULL >> 9) % 9 == 0)
			__set_bit(r, keep);
		if ((r * 1103515245ULL >> 11) % 9 == 0)
			__set_bit(r, keep2);
	}
	/* At the edges: out of sync, kept, kept by the second map. */
	__set_bit(MX_SWEEP_CHUNK, m->oos[T_NODE]);
	__set_bit(2 * MX_SWEEP_CHUNK - 1, keep);
	__set_bit(2 * MX_SWEEP_CHUNK, keep2);
	__clear_bit(MX_SWEEP_CHUNK - 1, m->oos[T_NODE]);
	__clear_bit(MX_SWEEP_CHUNK - 1, keep);
	__clear_bit(MX_SWEEP_CHUNK - 1, keep2);
	bitmap_copy(orig, m->bits[T_NODE], T_REGIONS);

	/* Candidates: each chunk's are the whole map's, shifted. */
	bitmap_andnot(want, orig, m->oos[T_NODE], nr);
	for (first = 0; first < nr; first += MX_SWEEP_CHUNK) {
		u32 n = min_t(u64, nr - first, MX_SWEEP_CHUNK), i;
		bool any;

		any = mx_ilog_sweep_cand_range_locked(m, T_NODE, first, n,
						      cand);
		KUNIT_EXPECT_EQ_MSG(test, any,
				    find_next_bit(want, first + n, first) <
				    first + n, "chunk at %llu", first);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_EQ_MSG(test, test_bit(i, cand),
					    test_bit(first + i, want),
					    "region %llu", first + i);
	}

	/* Clearing: the candidates in neither keep map, nothing else. */
	bitmap_andnot(want, want, keep, nr);
	bitmap_andnot(want, want, keep2, nr);
	KUNIT_EXPECT_TRUE(test, test_bit(MX_SWEEP_CHUNK - 1, want));
	for (first = 0; first < nr; first += MX_SWEEP_CHUNK)
		cleared += mx_ilog_sweep_clear_range_locked(m, T_NODE, first,
							    min_t(u64, nr - first,
								  MX_SWEEP_CHUNK),
							    keep, keep2);
	KUNIT_EXPECT_EQ(test, cleared, (u64)bitmap_weight(want, nr));
	for (r = 0; r < T_REGIONS; r++)
		KUNIT_EXPECT_EQ_MSG(test, t_bit(t, r),
				    test_bit(r, orig) && !test_bit(r, want),
				    "region %llu", r);
	KUNIT_EXPECT_TRUE(test, t_bit(t, nr + 1));
	KUNIT_EXPECT_TRUE(test, t_bit(t, MX_SWEEP_CHUNK));
	KUNIT_EXPECT_TRUE(test, t_bit(t, 2 * MX_SWEEP_CHUNK - 1));
	KUNIT_EXPECT_TRUE(test, t_bit(t, 2 * MX_SWEEP_CHUNK));
	KUNIT_EXPECT_FALSE(test, t_bit(t, MX_SWEEP_CHUNK - 1));
	/* A cleared bit's block is written by the next commit. */
	KUNIT_EXPECT_TRUE(test, test_bit(0, m->dirty_blocks[T_NODE]));
	KUNIT_EXPECT_TRUE(test, test_bit(1, m->dirty_blocks[T_NODE]));
}

/*
 * A sweep's scan of T_NODE's map from chunk @first on, as the source's
 * mx_sweep_pick(): does it find a candidate?
 */
static bool t_scan_from(struct t_log *t, u64 first)
{
	DECLARE_BITMAP(cand, MX_SWEEP_CHUNK);

	for (; first < T_REGIONS; first += MX_SWEEP_CHUNK)
		if (mx_ilog_sweep_cand_range_locked(&t->m, T_NODE, first,
						    min_t(u64, T_REGIONS - first,
							  MX_SWEEP_CHUNK),
						    cand)) {
			mx_ilog_sweep_stop_locked(&t->m, T_NODE);
			return true;
		}
	return false;
}

/* A whole sweep's scan, skipped where the map is known clear. */
static bool t_scan(struct t_log *t)
{
	return mx_ilog_sweep_begin_locked(&t->m, T_NODE) && t_scan_from(t, 0);
}

/*
 * A sweep skips the scan of a map known to be clear, and only that: a
 * map is known clear after a whole scan saw no marked region and nothing
 * marked one since; a mark, a load, mx_ilog_or_words() or set_all
 * anywhere, a region out of sync (marked, not a candidate) or a scan
 * stopped before the end make the next sweep scan again.
 */
static void mx_ilog_sweep_skips_clear(struct kunit *test)
{
	struct t_log *t = t_log_peer(test);
	struct mx_ilog *m = &t->m;
	DECLARE_BITMAP(cand, MX_SWEEP_CHUNK);
	u64 word = 0x10;
	unsigned long *none = kunit_kcalloc(test, BITS_TO_LONGS(T_REGIONS),
					    sizeof(long), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, none);
	/* Loaded: scanned. A whole scan that saw nothing: skipped after. */
	KUNIT_EXPECT_TRUE(test, m->maybe_marked[T_NODE]);
	KUNIT_EXPECT_FALSE(test, t_scan(t));
	KUNIT_EXPECT_FALSE(test, m->maybe_marked[T_NODE]);

	/* A mark in the last chunk. */
	mx_ilog_mark_locked(m, T_NODE, T_REGIONS - 1, T_REGIONS - 1);
	KUNIT_EXPECT_TRUE(test, t_scan(t));
	/* Cleared by the sweep, then one more scan sees the map clear. */
	t_sweep(t, none);
	KUNIT_EXPECT_FALSE(test, t_bit(t, T_REGIONS - 1));
	KUNIT_EXPECT_TRUE(test, m->maybe_marked[T_NODE]);
	KUNIT_EXPECT_FALSE(test, t_scan(t));
	KUNIT_EXPECT_FALSE(test, m->maybe_marked[T_NODE]);

	/* Out of sync only: no candidate, but the map is not clear. */
	mx_ilog_mark_oos_locked(m, T_NODE, 5000, 5000);
	KUNIT_EXPECT_FALSE(test, t_scan(t));
	KUNIT_EXPECT_TRUE(test, m->maybe_marked[T_NODE]);
	KUNIT_EXPECT_FALSE(test, t_scan(t));
	KUNIT_EXPECT_TRUE(test, m->maybe_marked[T_NODE]);
	mx_ilog_resync_done_locked(m, T_NODE, 5000);
	KUNIT_EXPECT_TRUE(test, t_scan(t));
	t_sweep(t, none);
	KUNIT_EXPECT_FALSE(test, t_scan(t));
	KUNIT_EXPECT_FALSE(test, m->maybe_marked[T_NODE]);

	/* A region marked in a chunk the scan has passed: the next looks. */
	mx_ilog_mark_locked(m, T_NODE, 9000, 9000);
	t_sweep(t, none);
	KUNIT_EXPECT_TRUE(test, mx_ilog_sweep_begin_locked(m, T_NODE));
	KUNIT_EXPECT_FALSE(test,
			   mx_ilog_sweep_cand_range_locked(m, T_NODE, 0,
							   MX_SWEEP_CHUNK,
							   cand));
	mx_ilog_mark_locked(m, T_NODE, 3, 3);
	KUNIT_EXPECT_FALSE(test, t_scan_from(t, MX_SWEEP_CHUNK));
	KUNIT_EXPECT_TRUE(test, t_scan(t));
	t_sweep(t, none);
	KUNIT_EXPECT_FALSE(test, t_scan(t));

	/* A scan stopped early (its peer went away): looked at again. */
	KUNIT_EXPECT_FALSE(test, mx_ilog_sweep_begin_locked(m, T_NODE));
	mx_ilog_sweep_stop_locked(m, T_NODE);
	KUNIT_EXPECT_TRUE(test, m->maybe_marked[T_NODE]);
	KUNIT_EXPECT_FALSE(test, t_scan(t));
	KUNIT_EXPECT_FALSE(test, m->maybe_marked[T_NODE]);

	/* What marks without mx_ilog_mark_locked(). */
	mx_ilog_or_words(m, T_NODE, 7, &word, 1);
	KUNIT_EXPECT_TRUE(test, t_scan(t));
	t_sweep(t, none);
	KUNIT_EXPECT_FALSE(test, t_scan(t));
	mx_ilog_set_all_locked(m, T_NODE);
	KUNIT_EXPECT_TRUE(test, t_scan(t));
}

static void t_tally_ok(struct kunit *test, struct t_log *t, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, mx_ilog_oos_tally(&t->m, T_NODE),
			    (u64)bitmap_weight(t->m.oos[T_NODE], T_REGIONS),
			    "after %s", what);
}

/*
 * @oos_tally, a status's out-of-sync count, follows every change of @oos:
 * marks of ranges over what is set already (inside a word, across words
 * and chunks, at the end), a resync's copies (again, of regions no longer
 * out of sync), a connect, a live "resync", assume_clean.
 */
static void mx_ilog_oos_tally_exact(struct kunit *test)
{
	struct t_log *t = t_log_peer(test);
	struct mx_ilog *m = &t->m;
	static const u64 ranges[][2] = {
		{ 5, 5 }, { 3, 9 }, { 60, 70 }, { 0, 200 }, { 1000, 1000 },
		{ 130, 4200 }, { T_REGIONS - 70, T_REGIONS - 1 },
	};
	u32 i, pass;
	u64 r;

	t_tally_ok(test, t, "nothing");
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		mx_ilog_mark_oos_locked(m, T_NODE, ranges[i][0], ranges[i][1]);
		t_tally_ok(test, t, "a mark");
	}
	KUNIT_EXPECT_EQ(test, mx_ilog_oos_tally(m, T_NODE), 4201ULL + 70);
	for (pass = 0; pass < 2; pass++)
		for (r = 0; r < 300; r += 3) {
			mx_ilog_resync_done_locked(m, T_NODE, r);
			t_tally_ok(test, t, "a copy");
		}
	/* Regions marked in bits but not out of sync. */
	__set_bit(20000, m->bits[T_NODE]);
	__set_bit(20001, m->bits[T_NODE]);
	mx_ilog_request_resync_locked(m, T_NODE, false, false, true);
	t_tally_ok(test, t, "a live resync request");
	mx_ilog_resync_done_locked(m, T_NODE, 20000);
	KUNIT_EXPECT_EQ(test, mx_ilog_connect_locked(m, T_NODE),
			(u64)bitmap_weight(m->bits[T_NODE], T_REGIONS));
	t_tally_ok(test, t, "a connect");
	mx_ilog_assume_clean_locked(m, T_NODE);
	t_tally_ok(test, t, "assume_clean");
	KUNIT_EXPECT_EQ(test, mx_ilog_oos_tally(m, T_NODE), 0ULL);
}

static struct kunit_case mx_ilog_cases[] = {
	KUNIT_CASE(mx_ilog_mark_commit),
	KUNIT_CASE(mx_ilog_clear_commit_races_mark),
	KUNIT_CASE(mx_ilog_commit_keeps_set_bits),
	KUNIT_CASE(mx_ilog_mark_after_snapshot),
	KUNIT_CASE(mx_ilog_failed_write),
	KUNIT_CASE(mx_ilog_last_block),
	KUNIT_CASE(mx_ilog_mark_two_blocks),
	KUNIT_CASE(mx_ilog_clear_all_dirty),
	KUNIT_CASE(mx_ilog_or_words_bounds),
	KUNIT_CASE(mx_ilog_oos_marks),
	KUNIT_CASE(mx_ilog_assume_clean_then_failed_write),
	KUNIT_CASE(mx_ilog_request_resync),
	KUNIT_CASE(mx_ilog_oos_within_bits),
	KUNIT_CASE(mx_ilog_hot_extent),
	KUNIT_CASE(mx_ilog_hot_cool),
	KUNIT_CASE(mx_ilog_hot_cool_races_mark),
	KUNIT_CASE(mx_ilog_hot_heat_in_flight),
	KUNIT_CASE(mx_ilog_hot_mark_before_cool_commit),
	KUNIT_CASE(mx_ilog_hot_policy),
	KUNIT_CASE(mx_ilog_hot_ahead),
	KUNIT_CASE(mx_ilog_hot_copied),
	KUNIT_CASE(mx_ilog_hot_cap),
	KUNIT_CASE(mx_ilog_hot_spread),
	KUNIT_CASE(mx_ilog_sweep_due),
	KUNIT_CASE(mx_ilog_hot_last_block),
	KUNIT_CASE(mx_ilog_hot_init_sizes),
	KUNIT_CASE(mx_ilog_weight_chunks),
	KUNIT_CASE(mx_ilog_sweep_chunks),
	KUNIT_CASE(mx_ilog_sweep_skips_clear),
	KUNIT_CASE(mx_ilog_oos_tally_exact),
	{}
};

static struct kunit_suite mx_ilog_suite = {
	.name = "dm_mirrorx_intent_log",
	.test_cases = mx_ilog_cases,
};

kunit_test_suite(mx_ilog_suite);
