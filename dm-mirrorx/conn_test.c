// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the dispatch rule of the connection layer (conn.c): a
 * packet reaches a handler only if its type is listed and its payload
 * length lies within that entry's bounds.
 */
#include <kunit/test.h>
#include "conn.h"
#include "wire.h"

static int mx_t_h(struct mx_conn *c, const struct mx_hdr *h)
{
	return 0;
}

static const struct mx_conn_handler mx_t_table[] = {
	{ MX_P_ACK, 0, 0, mx_t_h },
	{ MX_P_VERIFY_REPLY, 4, 4, mx_t_h },
	{ MX_P_CSUM_REPLY, 0, 256, mx_t_h },
};

static const struct mx_conn_handler *mx_t_find(u16 type, u32 length)
{
	struct mx_hdr h = { .type = type, .length = length };

	return mx_conn_find_handler(mx_t_table, ARRAY_SIZE(mx_t_table), &h);
}

static void mx_conn_dispatch_lengths(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, &mx_t_table[0], mx_t_find(MX_P_ACK, 0));
	KUNIT_EXPECT_NULL(test, mx_t_find(MX_P_ACK, 1));
	KUNIT_EXPECT_PTR_EQ(test, &mx_t_table[1],
			    mx_t_find(MX_P_VERIFY_REPLY, 4));
	KUNIT_EXPECT_NULL(test, mx_t_find(MX_P_VERIFY_REPLY, 3));
	KUNIT_EXPECT_NULL(test, mx_t_find(MX_P_VERIFY_REPLY, 5));
	KUNIT_EXPECT_PTR_EQ(test, &mx_t_table[2],
			    mx_t_find(MX_P_CSUM_REPLY, 0));
	KUNIT_EXPECT_PTR_EQ(test, &mx_t_table[2],
			    mx_t_find(MX_P_CSUM_REPLY, 256));
	KUNIT_EXPECT_NULL(test, mx_t_find(MX_P_CSUM_REPLY, 257));
}

/* A type the role does not list never reaches a handler. */
static void mx_conn_dispatch_unlisted(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_ACK };

	KUNIT_EXPECT_NULL(test, mx_t_find(MX_P_DATA, 0));
	KUNIT_EXPECT_NULL(test, mx_t_find(MX_P_HELLO, 0));
	KUNIT_EXPECT_NULL(test, mx_t_find(MX_P_TYPE_MAX, 0));
	/* An empty table lists nothing. */
	KUNIT_EXPECT_NULL(test, mx_conn_find_handler(mx_t_table, 0, &h));
}

static struct kunit_case mx_conn_cases[] = {
	KUNIT_CASE(mx_conn_dispatch_lengths),
	KUNIT_CASE(mx_conn_dispatch_unlisted),
	{}
};

static struct kunit_suite mx_conn_suite = {
	.name = "dm_mirrorx_conn",
	.test_cases = mx_conn_cases,
};

kunit_test_suite(mx_conn_suite);
