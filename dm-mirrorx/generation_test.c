// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the connect-time generation comparison (generation.c).
 * Each case tells a short story of the two nodes; generations are small
 * numbers (GA = 10, GB = 20, ...) so the stories read easily.
 */
#include <kunit/test.h>
#include "generation.h"
#include "meta_format.h"

enum { GA = 10, GB = 20, GC = 30, GD = 40, GE = 50, GF = 60 };

static struct mx_gen_view t_view(u64 cur, u64 bm, u64 h0, u64 h1)
{
	struct mx_gen_view v = {
		.current_gen = cur, .bitmap_gen = bm,
		.history = { h0, h1 },
	};

	return v;
}

static void t_expect(struct kunit *test, const struct mx_gen_view *s,
		     const struct mx_gen_view *t, u32 slot_flags,
		     enum mx_gen_verdict want)
{
	enum mx_gen_verdict got = mx_gen_compare(s, t, slot_flags);

	KUNIT_EXPECT_STREQ(test, mx_gen_verdict_name(got),
			   mx_gen_verdict_name(want));
}

/* Connected all along: same generation, nothing or only the bitmaps. */
static void mx_gen_in_sync(struct kunit *test)
{
	struct mx_gen_view s = t_view(GB, 0, GA, 0), t = t_view(GB, 0, GA, 0);

	t_expect(test, &s, &t, 0, MX_GEN_IN_SYNC);
	/* Crash while connected: both bitmaps may be set, still in sync. */
	s.bitmap_gen = GB;
	t.bitmap_gen = GB;
	t_expect(test, &s, &t, 0, MX_GEN_IN_SYNC);
	/* ASSUME_CLEAN only matters for a blank target. */
	t_expect(test, &s, &t, MX_SLOT_ASSUME_CLEAN, MX_GEN_IN_SYNC);
}

/* Source went on alone from GA to GB and logged every write. */
static void mx_gen_source_newer(struct kunit *test)
{
	struct mx_gen_view s = t_view(GB, GA, GA, 0), t = t_view(GA, 0, 0, 0);

	t_expect(test, &s, &t, 0, MX_GEN_SOURCE_NEWER);
	/* Several generations later, the bitmap still started at GA. */
	s = t_view(GD, GA, GC, GB);
	t_expect(test, &s, &t, 0, MX_GEN_SOURCE_NEWER);
}

/* Source newer, but its bitmap started later than the target's gen. */
static void mx_gen_full_from_history(struct kunit *test)
{
	struct mx_gen_view s = t_view(GC, GB, GB, GA), t = t_view(GA, 0, 0, 0);

	t_expect(test, &s, &t, 0, MX_GEN_FULL_SYNC);
	/* The target's generation is the oldest the source remembers. */
	s = t_view(GE, 0, GD, GC);
	s.history[2] = GB;
	s.history[3] = GA;
	t_expect(test, &s, &t, 0, MX_GEN_FULL_SYNC);
	/* One older than the history reaches: nothing links them. */
	s.history[3] = GF;
	t_expect(test, &s, &t, 0, MX_GEN_SPLIT_BRAIN);
}

/* Blank target: full sync, or no sync when the admin said so. */
static void mx_gen_blank_target(struct kunit *test)
{
	struct mx_gen_view s = t_view(GB, 0, GA, 0), t = t_view(0, 0, 0, 0);

	t_expect(test, &s, &t, 0, MX_GEN_FULL_SYNC);
	t_expect(test, &s, &t, MX_SLOT_ASSUME_CLEAN, MX_GEN_ASSUME_CLEAN);
	/* Fresh wins even if a stale generation is left in the view. */
	t = t_view(GB, 0, 0, 0);
	t.fresh = true;
	t_expect(test, &s, &t, 0, MX_GEN_FULL_SYNC);
	t_expect(test, &s, &t, MX_SLOT_ASSUME_CLEAN, MX_GEN_ASSUME_CLEAN);
}

/* The target was promoted and wrote; the source kept its old data. */
static void mx_gen_target_newer(struct kunit *test)
{
	struct mx_gen_view s = t_view(GA, 0, 0, 0), t = t_view(GB, GA, GA, 0);

	t_expect(test, &s, &t, 0, MX_GEN_TARGET_NEWER);
	/* Without a bitmap link, through the target's history. */
	t = t_view(GC, GB, GB, GA);
	t_expect(test, &s, &t, 0, MX_GEN_TARGET_NEWER);
	/* The source's own bitmap for it started at GA too: same answer. */
	s.bitmap_gen = GA;
	t_expect(test, &s, &t, 0, MX_GEN_TARGET_NEWER);
}

/* Both wrote after separating at GA: neither may overwrite the other. */
static void mx_gen_split_brain(struct kunit *test)
{
	struct mx_gen_view s = t_view(GB, GA, GA, 0), t = t_view(GC, GA, GA, 0);

	t_expect(test, &s, &t, 0, MX_GEN_SPLIT_BRAIN);
	/* Same with deeper histories on both sides. */
	s = t_view(GD, GB, GB, GA);
	t = t_view(GE, GB, GC, GB);
	t_expect(test, &s, &t, 0, MX_GEN_SPLIT_BRAIN);
	/* Unrelated nodes (e.g. a wrong peer), nothing in common at all. */
	s = t_view(GB, 0, GA, 0);
	t = t_view(GE, 0, GD, 0);
	t_expect(test, &s, &t, 0, MX_GEN_SPLIT_BRAIN);
	/* ASSUME_CLEAN is for blank targets only. */
	t_expect(test, &s, &t, MX_SLOT_ASSUME_CLEAN, MX_GEN_SPLIT_BRAIN);
}

/* Admin resolved a split brain by discarding the target's data. */
static void mx_gen_forced_full(struct kunit *test)
{
	struct mx_gen_view s = t_view(GB, GA, GA, 0), t = t_view(GC, GA, GA, 0);

	t_expect(test, &s, &t, MX_SLOT_FULL_SYNC, MX_GEN_FULL_SYNC);
	t_expect(test, &s, &t, MX_SLOT_FULL_SYNC | MX_SLOT_ASSUME_CLEAN,
		 MX_GEN_FULL_SYNC);
	/* Even over target newer and in sync. */
	s = t_view(GA, 0, 0, 0);
	t = t_view(GB, GA, GA, 0);
	t_expect(test, &s, &t, MX_SLOT_FULL_SYNC, MX_GEN_FULL_SYNC);
	t = s;
	t_expect(test, &s, &t, MX_SLOT_FULL_SYNC, MX_GEN_FULL_SYNC);
	/* And over a blank target with ASSUME_CLEAN. */
	t = t_view(0, 0, 0, 0);
	t_expect(test, &s, &t, MX_SLOT_FULL_SYNC | MX_SLOT_ASSUME_CLEAN,
		 MX_GEN_FULL_SYNC);
}

/* Generation 0 means "none": empty slots must not link two nodes. */
static void mx_gen_zero_is_none(struct kunit *test)
{
	/* Source blank, target has data: refused, never synced over. */
	struct mx_gen_view s = t_view(0, 0, 0, 0), t = t_view(GB, 0, GA, 0);
	enum mx_gen_verdict v = mx_gen_compare(&s, &t, 0);

	KUNIT_EXPECT_TRUE(test, v == MX_GEN_TARGET_NEWER ||
			  v == MX_GEN_SPLIT_BRAIN);
	/* Empty bitmap_gen on both sides must not match a 0 generation. */
	s = t_view(GB, 0, 0, 0);
	t = t_view(GC, 0, 0, 0);
	t_expect(test, &s, &t, 0, MX_GEN_SPLIT_BRAIN);
}

/* Rule order: the bitmap link is checked before the history. */
static void mx_gen_rule_order(struct kunit *test)
{
	/*
	 * Source: GC, bitmap from GA, history GB GA. Target: GA. Both the
	 * bitmap rule (resync the bitmap) and the history rule (full
	 * sync) apply; the cheaper, bitmap-based one must win.
	 */
	struct mx_gen_view s = t_view(GC, GA, GB, GA), t = t_view(GA, 0, 0, 0);

	t_expect(test, &s, &t, 0, MX_GEN_SOURCE_NEWER);
	/*
	 * Both bitmap rules match: s(GB, bitmap GA) t(GA, bitmap GB) is a
	 * corrupt pair; source-newer comes first in the rules.
	 */
	s = t_view(GB, GA, GA, 0);
	t = t_view(GA, GB, 0, 0);
	t_expect(test, &s, &t, 0, MX_GEN_SOURCE_NEWER);
	/* Equal generations beat any bitmap or history link. */
	s = t_view(GB, GB, GB, GA);
	t = t_view(GB, GB, GB, GA);
	t_expect(test, &s, &t, 0, MX_GEN_IN_SYNC);
}

static void mx_gen_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, mx_gen_verdict_name(MX_GEN_IN_SYNC),
			   "in_sync");
	KUNIT_EXPECT_STREQ(test, mx_gen_verdict_name(MX_GEN_SOURCE_NEWER),
			   "source_newer");
	KUNIT_EXPECT_STREQ(test, mx_gen_verdict_name(MX_GEN_FULL_SYNC),
			   "full_sync");
	KUNIT_EXPECT_STREQ(test, mx_gen_verdict_name(MX_GEN_ASSUME_CLEAN),
			   "assume_clean");
	KUNIT_EXPECT_STREQ(test, mx_gen_verdict_name(MX_GEN_TARGET_NEWER),
			   "target_newer");
	KUNIT_EXPECT_STREQ(test, mx_gen_verdict_name(MX_GEN_SPLIT_BRAIN),
			   "split_brain");
	KUNIT_EXPECT_STREQ(test, mx_gen_verdict_name(MX_GEN_SPLIT_BRAIN + 1),
			   "unknown");
}

/*
 * A target records resynced data Consistent only after flushing it: at
 * RESYNC_DONE always, at IN_SYNC when it was Inconsistent; never when a
 * resync starts (it becomes Inconsistent, nothing to make durable).
 */
static void mx_gen_adopt_flush(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, mx_adopt_needs_flush(0, MX_SS_RESYNC_DONE));
	KUNIT_EXPECT_TRUE(test, mx_adopt_needs_flush(MX_SB_INCONSISTENT,
						     MX_SS_RESYNC_DONE));
	KUNIT_EXPECT_TRUE(test, mx_adopt_needs_flush(MX_SB_INCONSISTENT,
						     MX_SS_IN_SYNC));
	KUNIT_EXPECT_FALSE(test, mx_adopt_needs_flush(0, MX_SS_IN_SYNC));
	KUNIT_EXPECT_FALSE(test, mx_adopt_needs_flush(MX_SB_FRESH,
						      MX_SS_IN_SYNC));
	KUNIT_EXPECT_FALSE(test, mx_adopt_needs_flush(MX_SB_INCONSISTENT,
						      MX_SS_RESYNC));
	KUNIT_EXPECT_FALSE(test, mx_adopt_needs_flush(0, MX_SS_RESYNC));
}

static struct kunit_case mx_gen_cases[] = {
	KUNIT_CASE(mx_gen_in_sync),
	KUNIT_CASE(mx_gen_source_newer),
	KUNIT_CASE(mx_gen_full_from_history),
	KUNIT_CASE(mx_gen_blank_target),
	KUNIT_CASE(mx_gen_target_newer),
	KUNIT_CASE(mx_gen_split_brain),
	KUNIT_CASE(mx_gen_forced_full),
	KUNIT_CASE(mx_gen_zero_is_none),
	KUNIT_CASE(mx_gen_rule_order),
	KUNIT_CASE(mx_gen_names),
	KUNIT_CASE(mx_gen_adopt_flush),
	{}
};

static struct kunit_suite mx_gen_suite = {
	.name = "dm_mirrorx_generation",
	.test_cases = mx_gen_cases,
};

kunit_test_suite(mx_gen_suite);
