// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the fault injector (fault.c): what the module parameter
 * accepts, and that an armed point fails exactly its next N passes.
 */
#include <kunit/test.h>
#include "fault.h"

static void mx_fault_parse_ok(struct kunit *test)
{
	static const struct {
		const char *in;
		enum mx_fault_point pt;
		unsigned int n;
	} t[] = {
		{ "resync_done 1\n", MX_FAULT_RESYNC_DONE, 1 },
		{ "data_send 0", MX_FAULT_DATA_SEND, 0 },
		{ "rs_run 3", MX_FAULT_RS_RUN, 3 },
		{ "rs_chunk 20", MX_FAULT_RS_CHUNK, 20 },
	};
	enum mx_fault_point pt;
	unsigned int n, i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		KUNIT_EXPECT_EQ_MSG(test, 0, mx_fault_parse(t[i].in, &pt, &n),
				    "%s", t[i].in);
		KUNIT_EXPECT_EQ(test, t[i].pt, pt);
		KUNIT_EXPECT_EQ(test, t[i].n, n);
	}
}

static void mx_fault_parse_bad(struct kunit *test)
{
	enum mx_fault_point pt;
	unsigned int n;

	KUNIT_EXPECT_EQ(test, -EINVAL, mx_fault_parse("", &pt, &n));
	KUNIT_EXPECT_EQ(test, -EINVAL, mx_fault_parse("resync_done", &pt, &n));
	KUNIT_EXPECT_EQ(test, -EINVAL, mx_fault_parse("nosuch 1", &pt, &n));
	KUNIT_EXPECT_EQ(test, -EINVAL, mx_fault_parse("ctrl_send -1", &pt, &n));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mx_fault_parse("ctrl_send 1 x", &pt, &n));
}

/* Armed for 2: the next two passes fail, the third does not. */
static void mx_fault_counts(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, 0, mx_fault_arm("ctrl_send 2"));
	KUNIT_EXPECT_EQ(test, -EIO, mx_fault_send(MX_P_SYNC_STATE));
	KUNIT_EXPECT_EQ(test, 0, mx_fault_send(MX_P_DATA));
	KUNIT_EXPECT_EQ(test, -EIO, mx_fault_send(MX_P_SYNC_STATE));
	KUNIT_EXPECT_EQ(test, 0, mx_fault_send(MX_P_SYNC_STATE));
	KUNIT_ASSERT_EQ(test, 0, mx_fault_arm("resync_done 1"));
	KUNIT_EXPECT_FALSE(test, mx_fault_sync_state(MX_SS_RESYNC));
	KUNIT_EXPECT_TRUE(test, mx_fault_sync_state(MX_SS_RESYNC_DONE));
	KUNIT_EXPECT_FALSE(test, mx_fault_sync_state(MX_SS_RESYNC_DONE));
}

static struct kunit_case mx_fault_cases[] = {
	KUNIT_CASE(mx_fault_parse_ok),
	KUNIT_CASE(mx_fault_parse_bad),
	KUNIT_CASE(mx_fault_counts),
	{}
};

static struct kunit_suite mx_fault_suite = {
	.name = "dm_mirrorx_fault",
	.test_cases = mx_fault_cases,
};

kunit_test_suite(mx_fault_suite);
