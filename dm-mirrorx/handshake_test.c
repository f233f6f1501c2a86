// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the hello (handshake.c): what each role fills in from
 * its superblock, and the refusal reasons of each role's checks, in the
 * order they are checked.
 */
#include <kunit/test.h>
#include "handshake.h"
#include "wire.h"

static void mx_t_sb(struct mx_sb_info *sb)
{
	u32 i;

	memset(sb, 0, sizeof(*sb));
	sb->flags = MX_SB_FRESH;
	sb->region_sectors = 128;
	sb->data_sectors = 1 << 20;
	sb->node_id = 0;
	for (i = 0; i < MX_UUID_LEN; i++)
		sb->uuid[i] = i + 1;
	sb->current_gen = 77;
	for (i = 0; i < MX_HISTORY_GENS; i++)
		sb->history[i] = 70 + i;
	for (i = 0; i < MX_MAX_NODES; i++)
		sb->slots[i].bitmap_gen = 100 + i;
}

/* A source (node 0) hello to node 1, and the target's answer. */
static void mx_t_pair(struct mx_hello *sh, struct mx_hello *th)
{
	struct mx_sb_info sb;
	struct mx_hello_local s = { .role = MX_ROLE_SOURCE, .node_id = 0,
				    .peer_node_id = 1, .data_sectors = 1 << 20,
				    .logical_block_size = 512 };
	struct mx_hello_local t = { .role = MX_ROLE_TARGET, .node_id = 1,
				    .peer_node_id = 0, .data_sectors = 1 << 20,
				    .logical_block_size = 512 };

	mx_t_sb(&sb);
	mx_hello_fill(sh, &sb, &s);
	mx_hello_fill(th, &sb, &t);
}

static void mx_hello_fill_roles(struct kunit *test)
{
	struct mx_hello sh, th;
	u8 uuid[MX_UUID_LEN];
	u32 i;

	for (i = 0; i < MX_UUID_LEN; i++)
		uuid[i] = i + 1;
	mx_t_pair(&sh, &th);
	KUNIT_EXPECT_EQ(test, MX_PROTO_MIN, sh.proto_min);
	KUNIT_EXPECT_EQ(test, MX_PROTO_MAX, sh.proto_max);
	KUNIT_EXPECT_EQ(test, MX_ROLE_SOURCE, sh.role);
	KUNIT_EXPECT_EQ(test, MX_ROLE_TARGET, th.role);
	KUNIT_EXPECT_EQ(test, 128U, sh.region_sectors);
	KUNIT_EXPECT_EQ(test, 77ULL, sh.current_gen);
	KUNIT_EXPECT_EQ(test, 73ULL, sh.history[3]);
	KUNIT_EXPECT_EQ(test, 0, memcmp(uuid, sh.uuid, MX_UUID_LEN));
	/* Each side sends the generation of its slot for the other. */
	KUNIT_EXPECT_EQ(test, 101ULL, sh.bitmap_gen);
	KUNIT_EXPECT_EQ(test, 100ULL, th.bitmap_gen);
	/* Only a target tells that it is fresh. */
	KUNIT_EXPECT_EQ(test, 0U, sh.flags);
	KUNIT_EXPECT_EQ(test, MX_HELLO_FRESH, th.flags);
	KUNIT_EXPECT_EQ(test, 0ULL, sh.dirty_regions);
	KUNIT_EXPECT_EQ(test, 0U, sh.features);
}

/* What a fill produces goes over the wire and back unchanged. */
static void mx_hello_fill_round_trip(struct kunit *test)
{
	struct mx_hello sh, th, got;
	struct mx_wire_hello w;
	const char *err = NULL;

	mx_t_pair(&sh, &th);
	sh.features = MX_FEAT_AUTH | MX_FEAT_DATA_CSUM;
	mx_hello_encode(&w, &sh);
	memset(&got, 0, sizeof(got));
	KUNIT_ASSERT_EQ(test, 0, mx_hello_decode(&w, &got, &err));
	KUNIT_EXPECT_EQ(test, 0, memcmp(&sh, &got, sizeof(sh)));
	mx_hello_encode(&w, &th);
	memset(&got, 0, sizeof(got));
	KUNIT_ASSERT_EQ(test, 0, mx_hello_decode(&w, &got, &err));
	KUNIT_EXPECT_EQ(test, 0, memcmp(&th, &got, sizeof(th)));
}

static void mx_hello_check_source_reasons(struct kunit *test)
{
	struct mx_hello sh, th, h;
	char why[128];

	mx_t_pair(&sh, &th);
	KUNIT_EXPECT_EQ(test, MX_REFUSE_NONE,
			mx_hello_check_source(&sh, 1, why, sizeof(why)));
	KUNIT_EXPECT_EQ(test, MX_REFUSE_NONE,
			mx_hello_check_source(&sh, MX_NODE_UNSET, why,
					      sizeof(why)));
	KUNIT_EXPECT_EQ(test, MX_REFUSE_ROLE,
			mx_hello_check_source(&th, 1, why, sizeof(why)));
	h = sh;
	h.proto_min = MX_PROTO_MAX + 1;
	h.proto_max = MX_PROTO_MAX + 2;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_VERSION,
			mx_hello_check_source(&h, 1, why, sizeof(why)));
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "protocol"));
	KUNIT_EXPECT_EQ(test, MX_REFUSE_NODE_ID,
			mx_hello_check_source(&sh, 2, why, sizeof(why)));
	KUNIT_EXPECT_STREQ(test, why,
			   "source expects node 1, this is node 2 (fix the node id in one of the tables)");
	h = sh;
	h.node_id = 1;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_NODE_ID,
			mx_hello_check_source(&h, MX_NODE_UNSET, why,
					      sizeof(why)));
}

static void mx_hello_check_target_reasons(struct kunit *test)
{
	struct mx_hello sh, th, h;
	char why[160];

	mx_t_pair(&sh, &th);
	KUNIT_EXPECT_EQ(test, MX_REFUSE_NONE,
			mx_hello_check_target(&sh, &th, why, sizeof(why)));
	KUNIT_EXPECT_EQ(test, MX_REFUSE_ROLE,
			mx_hello_check_target(&sh, &sh, why, sizeof(why)));
	h = th;
	h.proto_max = MX_PROTO_MIN - 1;
	h.proto_min = h.proto_max;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_VERSION,
			mx_hello_check_target(&sh, &h, why, sizeof(why)));
	h = th;
	h.node_id = 2;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_NODE_ID,
			mx_hello_check_target(&sh, &h, why, sizeof(why)));
	/* A blank target (no UUID) takes ours; another UUID is refused. */
	h = th;
	memset(h.uuid, 0, MX_UUID_LEN);
	KUNIT_EXPECT_EQ(test, MX_REFUSE_NONE,
			mx_hello_check_target(&sh, &h, why, sizeof(why)));
	h.uuid[0] = 0xff;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_UUID,
			mx_hello_check_target(&sh, &h, why, sizeof(why)));
	h = th;
	h.region_sectors = 256;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_REGION,
			mx_hello_check_target(&sh, &h, why, sizeof(why)));
	/* A larger target is fine, a smaller one is not. */
	h = th;
	h.data_sectors = sh.data_sectors + 8;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_NONE,
			mx_hello_check_target(&sh, &h, why, sizeof(why)));
	h.data_sectors = sh.data_sectors - 8;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_SIZE,
			mx_hello_check_target(&sh, &h, why, sizeof(why)));
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "peer smaller"));
	/* Larger blocks on the target cannot take our writes; smaller can. */
	h = th;
	h.logical_block_size = 4096;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_BLOCK_SIZE,
			mx_hello_check_target(&sh, &h, why, sizeof(why)));
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "4096-byte"));
	h = sh;
	h.logical_block_size = 4096;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_NONE,
			mx_hello_check_target(&h, &th, why, sizeof(why)));
	/* The first mismatch wins: role before anything else. */
	h = sh;
	h.data_sectors = 1;
	h.region_sectors = 8;
	KUNIT_EXPECT_EQ(test, MX_REFUSE_ROLE,
			mx_hello_check_target(&sh, &h, why, sizeof(why)));
}

/* A target's bitmap covers only the source's regions (online grow). */
static void mx_hs_bitmap_words(struct kunit *test)
{
	struct mx_hello sh = { .data_sectors = 128 * 100 };

	/* Same size: 100 regions, 2 words. */
	KUNIT_EXPECT_EQ(test, mx_hello_bitmap_words(100, 128, &sh), 2ULL);
	/* A target grown first (1000 regions): still the source's 2. */
	KUNIT_EXPECT_EQ(test, mx_hello_bitmap_words(1000, 128, &sh), 2ULL);
	/* A smaller target (refused later): its own. */
	KUNIT_EXPECT_EQ(test, mx_hello_bitmap_words(64, 128, &sh), 1ULL);
	/* A partial last region counts. */
	sh.data_sectors = 128 * 64 + 1;
	KUNIT_EXPECT_EQ(test, mx_hello_bitmap_words(1000, 128, &sh), 2ULL);
	sh.data_sectors = 128 * 64;
	KUNIT_EXPECT_EQ(test, mx_hello_bitmap_words(1000, 128, &sh), 1ULL);
}

static struct kunit_case mx_handshake_cases[] = {
	KUNIT_CASE(mx_hs_bitmap_words),
	KUNIT_CASE(mx_hello_fill_roles),
	KUNIT_CASE(mx_hello_fill_round_trip),
	KUNIT_CASE(mx_hello_check_source_reasons),
	KUNIT_CASE(mx_hello_check_target_reasons),
	{}
};

static struct kunit_suite mx_handshake_suite = {
	.name = "dm_mirrorx_handshake",
	.test_cases = mx_handshake_cases,
};

kunit_test_suite(mx_handshake_suite);
