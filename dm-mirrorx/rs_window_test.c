// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the resync pipeline arithmetic (rs_window.c): window
 * sizing, rate estimate, run coalescing, pacing, the yield rule and what
 * a zero-aware chunk holds of the window.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/sizes.h>
#include <linux/time64.h>
#include "rs_window.h"

#define MIB	((u64)SZ_1M)

static void mx_rs_window_bdp(struct kunit *test)
{
	/* 100 MB/s over 20 ms: 2 MB in flight, twice that is the window. */
	KUNIT_EXPECT_EQ(test, mx_rs_window_bytes(100000000, 20000, MIB,
						 64 * MIB), 4000000ULL);
	/* A LAN round trip: the floor. */
	KUNIT_EXPECT_EQ(test, mx_rs_window_bytes(76000000, 1400,
						 MX_RS_WINDOW_MIN,
						 MX_RS_WINDOW_MAX),
			(u64)MX_RS_WINDOW_MIN);
	/* Nothing measured yet: the floor. */
	KUNIT_EXPECT_EQ(test, mx_rs_window_bytes(0, 0, MX_RS_WINDOW_MIN,
						 MX_RS_WINDOW_MAX),
			(u64)MX_RS_WINDOW_MIN);
	/* A long fat pipe: the cap, and no overflow on absurd rates. */
	KUNIT_EXPECT_EQ(test, mx_rs_window_bytes(1250000000, 100000,
						 MX_RS_WINDOW_MIN,
						 MX_RS_WINDOW_MAX),
			(u64)MX_RS_WINDOW_MAX);
	KUNIT_EXPECT_EQ(test, mx_rs_window_bytes(U64_MAX, U32_MAX,
						 MX_RS_WINDOW_MIN,
						 MX_RS_WINDOW_MAX),
			(u64)MX_RS_WINDOW_MAX);
}

/*
 * A window-limited resync (rate = window / RTT) sees twice the window,
 * until the cap.
 */
static void mx_rs_window_grows(struct kunit *test)
{
	u64 w = MIB, rate, next;
	u32 rtt_us = 50000;

	while (w < 64 * MIB) {
		rate = div_u64(w * USEC_PER_SEC, rtt_us);
		next = mx_rs_window_bytes(rate, rtt_us, MIB, 64 * MIB);
		KUNIT_EXPECT_EQ(test, next, min(2 * w, 64 * MIB));
		if (next <= w)
			break;
		w = next;
	}
	KUNIT_EXPECT_EQ(test, w, 64 * MIB);
}

static void mx_rs_rate_estimate(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_rs_rate_update(0, 10 * MIB,
						100 * NSEC_PER_MSEC),
			100 * MIB);
	KUNIT_EXPECT_EQ(test, mx_rs_rate_update(100 * MIB, 0,
						100 * NSEC_PER_MSEC),
			50 * MIB);
	KUNIT_EXPECT_EQ(test, mx_rs_rate_update(7, 1, 0), 7ULL);
}

static void mx_rs_run_limits(struct kunit *test)
{
	/* 64 KiB regions: 16 to a 1 MiB packet, fewer when the window is. */
	KUNIT_EXPECT_EQ(test, mx_rs_run_max(65536, MIB, 100), 16U);
	KUNIT_EXPECT_EQ(test, mx_rs_run_max(65536, MIB, 3), 3U);
	/* Regions of a packet or more go alone. */
	KUNIT_EXPECT_EQ(test, mx_rs_run_max(4 * MIB, MIB, 100), 1U);
	KUNIT_EXPECT_EQ(test, mx_rs_run_max(65536, MIB, 0), 1U);
}

static void mx_rs_run_bits(struct kunit *test)
{
	DECLARE_BITMAP(map, 100);

	bitmap_zero(map, 100);
	bitmap_set(map, 10, 5);
	bitmap_set(map, 20, 40);
	bitmap_set(map, 98, 2);
	KUNIT_EXPECT_EQ(test, mx_rs_run_len(map, 100, 10, 16), 5U);
	KUNIT_EXPECT_EQ(test, mx_rs_run_len(map, 100, 12, 16), 3U);
	KUNIT_EXPECT_EQ(test, mx_rs_run_len(map, 100, 20, 16), 16U);
	KUNIT_EXPECT_EQ(test, mx_rs_run_len(map, 100, 50, 16), 10U);
	KUNIT_EXPECT_EQ(test, mx_rs_run_len(map, 100, 15, 16), 0U);
	/* The end of the map ends a run. */
	KUNIT_EXPECT_EQ(test, mx_rs_run_len(map, 100, 98, 16), 2U);
	KUNIT_EXPECT_EQ(test, mx_rs_run_len(map, 100, 100, 16), 0U);
}

static void mx_rs_rates(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_rs_effective_rate(0, 4096, false), 0U);
	KUNIT_EXPECT_EQ(test, mx_rs_effective_rate(0, 4096, true), 4096U);
	KUNIT_EXPECT_EQ(test, mx_rs_effective_rate(2000, 4096, true), 2000U);
	KUNIT_EXPECT_EQ(test, mx_rs_effective_rate(8192, 4096, true), 4096U);
	/* No minimum set: the resync does not yield. */
	KUNIT_EXPECT_EQ(test, mx_rs_effective_rate(0, 0, true), 0U);
	KUNIT_EXPECT_EQ(test, mx_rs_effective_rate(8192, 0, true), 8192U);
}

static void mx_rs_yield_rule(struct kunit *test)
{
	s64 prev = 0;

	/* No application I/O. */
	KUNIT_EXPECT_FALSE(test, mx_rs_app_busy(&prev, 0));
	/* One 4 KiB write of the application is enough. */
	KUNIT_EXPECT_TRUE(test, mx_rs_app_busy(&prev, MX_RS_APP_SECTORS + 8));
	KUNIT_EXPECT_TRUE(test, mx_rs_app_busy(&prev, 1000));
	KUNIT_EXPECT_EQ(test, prev, 1000LL);
	/* Quiet again. */
	KUNIT_EXPECT_FALSE(test, mx_rs_app_busy(&prev, 1000));
	/* The next write counts again. */
	KUNIT_EXPECT_TRUE(test, mx_rs_app_busy(&prev, 1008));
}

/*
 * Review of the pipeline: a deadline charged at 1 KiB/s (1 MiB: 1024 s)
 * held the resync after resync_rate was raised. The new rate applies now.
 */
static void mx_rs_pace_new_rate(struct kunit *test)
{
	u64 t = 10 * NSEC_PER_SEC, next;
	u32 charged = 1;

	next = mx_rs_pace_next(t, t, MIB, 1);
	KUNIT_EXPECT_EQ(test, next, t + 1024 * NSEC_PER_SEC);
	/* The same rate keeps the deadline. */
	KUNIT_EXPECT_EQ(test, mx_rs_pace_rerate(t + 1, next, &charged, 1), next);
	/* Raised: the next read may start now, charged at the new rate. */
	next = mx_rs_pace_rerate(t + 1, next, &charged, 100000);
	KUNIT_EXPECT_EQ(test, next, t + 1);
	KUNIT_EXPECT_EQ(test, charged, 100000U);
	/* A deadline already past stays. */
	KUNIT_EXPECT_EQ(test, mx_rs_pace_rerate(t + 5, t + 2, &charged, 7),
			t + 2);
	KUNIT_EXPECT_EQ(test, charged, 7U);
}

/*
 * Review of the pipeline: an EIO compare forgot the checksum of the run's
 * first region only. A chunk covers every region of its range.
 */
static void mx_rs_chunk_cover(struct kunit *test)
{
	u64 r0, r1;

	/* 1 MiB at region 16 of 64 KiB regions (shift 7): 16..31. */
	mx_rs_chunk_regions(16 << 7, MIB, 7, &r0, &r1);
	KUNIT_EXPECT_EQ(test, r0, 16ULL);
	KUNIT_EXPECT_EQ(test, r1, 31ULL);
	/* One block inside a region. */
	mx_rs_chunk_regions((5 << 7) + 8, 4096, 7, &r0, &r1);
	KUNIT_EXPECT_EQ(test, r0, 5ULL);
	KUNIT_EXPECT_EQ(test, r1, 5ULL);
	/* A range across a boundary. */
	mx_rs_chunk_regions((5 << 7) + 120, 8192, 7, &r0, &r1);
	KUNIT_EXPECT_EQ(test, r0, 5ULL);
	KUNIT_EXPECT_EQ(test, r1, 6ULL);
}

static void mx_rs_pacing(struct kunit *test)
{
	u64 t = 10 * NSEC_PER_SEC, next;

	/* Unlimited: never a wait. */
	KUNIT_EXPECT_EQ(test, mx_rs_pace_next(t, t + NSEC_PER_SEC, MIB, 0), t);
	/* 1024 KiB/s: 1 MiB takes a second. */
	next = mx_rs_pace_next(t, t, MIB, 1024);
	KUNIT_EXPECT_EQ(test, next, t + NSEC_PER_SEC);
	next = mx_rs_pace_next(t + NSEC_PER_SEC, next, 512 * 1024, 1024);
	KUNIT_EXPECT_EQ(test, next, t + NSEC_PER_SEC + NSEC_PER_SEC / 2);
	/* After an idle spell only MX_RS_PACE_SLACK_NS of credit is left. */
	next = mx_rs_pace_next(t + 60 * NSEC_PER_SEC, next, MIB, 1024);
	KUNIT_EXPECT_EQ(test, next, t + 61 * NSEC_PER_SEC -
			MX_RS_PACE_SLACK_NS);
	/* At boot time (now below the slack) no underflow. */
	KUNIT_EXPECT_EQ(test, mx_rs_pace_next(0, 0, 1024, 1024),
			NSEC_PER_MSEC * 1000 / 1024);
}

/*
 * An all-zero chunk holds of the window what crosses the link for it; one
 * with data keeps its pages, and its whole size.
 */
static void mx_rs_charge_zero(struct kunit *test)
{
	/* All zero: one write-zeroes, its header. */
	KUNIT_EXPECT_EQ(test, mx_rs_chunk_charge(MIB, MIB, 1),
			(u32)MX_RS_PACKET_BYTES);
	/* 64 KiB of data between two zero runs: all of it. */
	KUNIT_EXPECT_EQ(test, mx_rs_chunk_charge(MIB, MIB - 65536, 3),
			(u32)MIB);
	KUNIT_EXPECT_EQ(test, mx_rs_chunk_charge(MIB, 0, 1), (u32)MIB);
	/* Never more than the chunk held while read. */
	KUNIT_EXPECT_EQ(test, mx_rs_chunk_charge(4096, 4096, U32_MAX), 4096U);
	/* A failure before the first packet: nothing crosses the link. */
	KUNIT_EXPECT_EQ(test, mx_rs_chunk_charge(MIB, MIB, 0), 0U);
}

static struct kunit_case mx_rs_window_cases[] = {
	KUNIT_CASE(mx_rs_charge_zero),
	KUNIT_CASE(mx_rs_pace_new_rate),
	KUNIT_CASE(mx_rs_chunk_cover),
	KUNIT_CASE(mx_rs_window_bdp),
	KUNIT_CASE(mx_rs_window_grows),
	KUNIT_CASE(mx_rs_rate_estimate),
	KUNIT_CASE(mx_rs_run_limits),
	KUNIT_CASE(mx_rs_run_bits),
	KUNIT_CASE(mx_rs_rates),
	KUNIT_CASE(mx_rs_yield_rule),
	KUNIT_CASE(mx_rs_pacing),
	{}
};

static struct kunit_suite mx_rs_window_suite = {
	.name = "dm_mirrorx_rs_window",
	.test_cases = mx_rs_window_cases,
};

kunit_test_suite(mx_rs_window_suite);
