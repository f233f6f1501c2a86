// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the superblock codec (meta_codec.c) and the region math
 * it relies on.
 */
#include <kunit/test.h>
#include <linux/crc32c.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/blk_types.h>
#include "meta.h"

/* 1 GiB of data in 64 KiB regions: 16384 regions, one bitmap block. */
#define T_DATA_SECTORS	((u64)SZ_1G >> SECTOR_SHIFT)
#define T_REGION	128

static struct mx_disk_sb *t_block(struct kunit *test)
{
	void *b = kunit_kzalloc(test, MX_META_BLOCK_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	return b;
}

/* A formatted, populated superblock encoded into a fresh block. */
static struct mx_disk_sb *t_encoded(struct kunit *test, struct mx_sb_info *sb)
{
	struct mx_disk_sb *d = t_block(test);
	const char *err = "(no error)";

	KUNIT_ASSERT_EQ(test, mx_sb_format(sb, T_DATA_SECTORS, T_REGION, &err),
			0);
	sb->node_id = 1;
	sb->current_gen = 0x1122334455667788ULL;
	sb->history[0] = 7;
	sb->slots[2].flags = MX_SLOT_RESYNCING;
	sb->slots[2].bitmap_gen = 7;
	sb->slots[2].resync_cursor = 100;
	mx_sb_encode(sb, d);
	return d;
}

/* Re-seal @d after a deliberate edit so only the edited rule can fail. */
static void t_reseal(struct mx_disk_sb *d)
{
	d->csum = 0;
	d->csum = cpu_to_le32(crc32c(~0U, d, MX_META_BLOCK_SIZE));
}

static void t_expect_reject(struct kunit *test, struct mx_disk_sb *d,
			    const char *why)
{
	struct mx_sb_info out;
	const char *err = "(no error)";

	KUNIT_EXPECT_EQ(test, mx_sb_decode(d, &out, &err), -EINVAL);
	KUNIT_EXPECT_STREQ(test, err, why);
}

static void mx_meta_nr_regions(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_nr_regions(1, 8), 1ULL);
	KUNIT_EXPECT_EQ(test, mx_nr_regions(8, 8), 1ULL);
	KUNIT_EXPECT_EQ(test, mx_nr_regions(9, 8), 2ULL);
	KUNIT_EXPECT_EQ(test, mx_nr_regions(T_DATA_SECTORS, T_REGION), 16384ULL);
	KUNIT_EXPECT_EQ(test, mx_nr_regions(T_DATA_SECTORS + 1, T_REGION),
			16385ULL);
	/* No overflow where data_sectors + region_sectors would wrap. */
	KUNIT_EXPECT_EQ(test, mx_nr_regions(U64_MAX, 8), (U64_MAX >> 3) + 1);
	KUNIT_EXPECT_EQ(test, mx_nr_regions(U64_MAX, MX_MAX_REGION_SECTORS),
			(U64_MAX >> 21) + 1);
}

static void mx_meta_bitmap_blocks(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_bitmap_blocks(0), 1U);
	KUNIT_EXPECT_EQ(test, mx_bitmap_blocks(1), 1U);
	KUNIT_EXPECT_EQ(test, mx_bitmap_blocks(32768), 1U);
	KUNIT_EXPECT_EQ(test, mx_bitmap_blocks(32769), 2U);
	KUNIT_EXPECT_EQ(test, mx_bitmap_blocks(U64_MAX), U32_MAX);

	/* 1 superblock + 8 slots of 2 blocks, in 512-byte sectors. */
	KUNIT_EXPECT_EQ(test, mx_meta_required_sectors(32769), 17ULL * 8);
	KUNIT_EXPECT_EQ(test, mx_meta_required_sectors(1), 9ULL * 8);
}

static void mx_meta_first_block(struct kunit *test)
{
	struct mx_sb_info sb = { .bitmap_blocks = 3 };

	KUNIT_EXPECT_EQ(test, mx_bitmap_first_block(&sb, 0), 1ULL);
	KUNIT_EXPECT_EQ(test, mx_bitmap_first_block(&sb, 1), 4ULL);
	KUNIT_EXPECT_EQ(test, mx_bitmap_first_block(&sb, 7), 22ULL);
}

static void mx_meta_block_is_zero(struct kunit *test)
{
	u8 *b = (u8 *)t_block(test);

	KUNIT_EXPECT_TRUE(test, mx_block_is_zero(b));
	b[MX_META_BLOCK_SIZE - 1] = 1;
	KUNIT_EXPECT_FALSE(test, mx_block_is_zero(b));
	b[MX_META_BLOCK_SIZE - 1] = 0;
	b[0] = 0x80;
	KUNIT_EXPECT_FALSE(test, mx_block_is_zero(b));
}

static void mx_meta_format(struct kunit *test)
{
	struct mx_sb_info sb;
	const char *err = "(no error)";
	int i;

	memset(&sb, 0xa5, sizeof(sb));
	KUNIT_ASSERT_EQ(test, mx_sb_format(&sb, T_DATA_SECTORS + 1, T_REGION,
					   &err), 0);
	KUNIT_EXPECT_EQ(test, sb.flags, MX_SB_FRESH);
	KUNIT_EXPECT_EQ(test, sb.region_sectors, T_REGION);
	KUNIT_EXPECT_EQ(test, sb.data_sectors, T_DATA_SECTORS + 1);
	KUNIT_EXPECT_EQ(test, sb.nr_regions, 16385ULL);
	KUNIT_EXPECT_EQ(test, sb.bitmap_blocks, 1U);
	KUNIT_EXPECT_EQ(test, sb.node_id, MX_NODE_UNSET);
	KUNIT_EXPECT_EQ(test, sb.current_gen, 0ULL);
	for (i = 0; i < MX_HISTORY_GENS; i++)
		KUNIT_EXPECT_EQ(test, sb.history[i], 0ULL);
	for (i = 0; i < MX_UUID_LEN; i++)
		KUNIT_EXPECT_EQ(test, sb.uuid[i], 0);
	for (i = 0; i < MX_MAX_NODES; i++) {
		KUNIT_EXPECT_EQ(test, sb.slots[i].flags, 0U);
		KUNIT_EXPECT_EQ(test, sb.slots[i].bitmap_gen, 0ULL);
		KUNIT_EXPECT_EQ(test, sb.slots[i].resync_cursor, 0ULL);
	}
}

static void mx_meta_format_rejects(struct kunit *test)
{
	struct mx_sb_info sb;
	const char *err = "(no error)";

	KUNIT_EXPECT_EQ(test, mx_sb_format(&sb, 1024, 24, &err), -EINVAL);
	KUNIT_EXPECT_STREQ(test, err, "Invalid region size");
	err = "(no error)";
	KUNIT_EXPECT_EQ(test, mx_sb_format(&sb, 1024, 4, &err), -EINVAL);
	KUNIT_EXPECT_STREQ(test, err, "Invalid region size");
	err = "(no error)";
	KUNIT_EXPECT_EQ(test, mx_sb_format(&sb, 1024,
					   MX_MAX_REGION_SECTORS * 2, &err),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, err, "Invalid region size");
	err = "(no error)";
	KUNIT_EXPECT_EQ(test, mx_sb_format(&sb, 0, 8, &err), -EINVAL);
	KUNIT_EXPECT_STREQ(test, err, "Data device is empty");
	err = "(no error)";
	/* 2^61 regions would need 2^46 bitmap blocks per node. */
	KUNIT_EXPECT_EQ(test, mx_sb_format(&sb, U64_MAX, 8, &err), -EINVAL);
	KUNIT_EXPECT_STREQ(test, err, "Too many regions for the bitmap");
	/*
	 * 2^31 - 64 regions is the most (int bit counts of the bitmap
	 * helpers); 16 TiB with 64 KiB regions is far below.
	 */
	KUNIT_EXPECT_EQ(test, mx_sb_format(&sb, ((1ULL << 31) - 64) * 8 + 1, 8,
					   &err), -EINVAL);
	KUNIT_EXPECT_STREQ(test, err, "Too many regions for the bitmap");
	KUNIT_EXPECT_EQ(test, mx_sb_format(&sb, ((1ULL << 31) - 64) * 8, 8,
					   &err), 0);
	KUNIT_EXPECT_EQ(test, sb.nr_regions, (1ULL << 31) - 64);
	KUNIT_EXPECT_EQ(test, sb.bitmap_blocks, 1U << 16);
	KUNIT_EXPECT_EQ(test, mx_sb_format(&sb, 1ULL << 35, 128, &err), 0);
	KUNIT_EXPECT_EQ(test, sb.nr_regions, 1ULL << 28);
	KUNIT_EXPECT_EQ(test, mx_meta_required_sectors(sb.nr_regions),
			(1 + 8ULL * 8192) * 8);
	/* Bounds themselves are fine. */
	KUNIT_EXPECT_EQ(test, mx_sb_format(&sb, 1, MX_MIN_REGION_SECTORS,
					   &err), 0);
	KUNIT_EXPECT_EQ(test, mx_sb_format(&sb, 1, MX_MAX_REGION_SECTORS,
					   &err), 0);
}

static void mx_meta_encode_layout(struct kunit *test)
{
	struct mx_sb_info sb;
	struct mx_disk_sb *d = t_encoded(test, &sb);
	const u8 *raw = (const u8 *)d;
	u32 csum;

	/* Little-endian on disk, magic spelling "MIRORMX1". */
	KUNIT_EXPECT_EQ(test, memcmp(raw + 8, "MIRORMX1", 8), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d->version), MX_META_VERSION);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d->region_sectors), T_REGION);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d->current_gen),
			0x1122334455667788ULL);
	KUNIT_EXPECT_EQ(test, raw[offsetof(struct mx_disk_sb, current_gen)],
			0x88);
	/* Zero padding after the struct. */
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(raw + sizeof(*d), 0,
					     MX_META_BLOCK_SIZE - sizeof(*d)),
			    NULL);
	/* Checksum: crc32c seed ~0 over the block with csum zeroed. */
	csum = le32_to_cpu(d->csum);
	d->csum = 0;
	KUNIT_EXPECT_EQ(test, crc32c(~0U, d, MX_META_BLOCK_SIZE), csum);
}

static void mx_meta_round_trip(struct kunit *test)
{
	struct mx_sb_info sb, out;
	struct mx_disk_sb *d;
	const char *err = "(no error)";
	int i;

	d = t_encoded(test, &sb);
	sb.flags |= MX_SB_INCONSISTENT;
	for (i = 0; i < MX_UUID_LEN; i++)
		sb.uuid[i] = 0xf0 + i;
	for (i = 0; i < MX_HISTORY_GENS; i++)
		sb.history[i] = 1000 - i;
	sb.slots[7].flags = MX_SLOT_ALL;
	sb.slots[7].resync_cursor = sb.nr_regions;
	sb.slots[5].flags = MX_SLOT_FULL_SYNC;
	sb.slots[5].bitmap_gen = U64_MAX;
	mx_sb_encode(&sb, d);

	memset(&out, 0x5a, sizeof(out));
	KUNIT_ASSERT_EQ(test, mx_sb_decode(d, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&sb, &out, sizeof(sb)), 0);
	KUNIT_EXPECT_EQ(test, out.slots[5].bitmap_gen, U64_MAX);
	KUNIT_EXPECT_EQ(test, out.history[3], 997ULL);
	KUNIT_EXPECT_EQ(test, out.uuid[15], 0xff);
}

static void mx_meta_round_trip_unset_node(struct kunit *test)
{
	struct mx_sb_info sb, out;
	struct mx_disk_sb *d = t_block(test);
	const char *err = "(no error)";

	KUNIT_ASSERT_EQ(test, mx_sb_format(&sb, 12345, 8, &err), 0);
	mx_sb_encode(&sb, d);
	KUNIT_ASSERT_EQ(test, mx_sb_decode(d, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, out.node_id, MX_NODE_UNSET);
	KUNIT_EXPECT_EQ(test, out.nr_regions, 1544ULL);
	KUNIT_EXPECT_EQ(test, out.flags, MX_SB_FRESH);
}

/*
 * Outdated is a flag like the others: it survives a round trip, and a
 * superblock written before it existed (no such bit) reads as before.
 */
static void mx_meta_round_trip_outdated(struct kunit *test)
{
	struct mx_sb_info sb, out;
	struct mx_disk_sb *d;
	const char *err = "(no error)";

	d = t_encoded(test, &sb);
	sb.flags = MX_SB_OUTDATED;
	mx_sb_encode(&sb, d);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d->flags), 4U);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d->version), 1U);
	KUNIT_ASSERT_EQ(test, mx_sb_decode(d, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, out.flags, MX_SB_OUTDATED);
	sb.flags = MX_SB_INCONSISTENT | MX_SB_OUTDATED;
	mx_sb_encode(&sb, d);
	KUNIT_ASSERT_EQ(test, mx_sb_decode(d, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, out.flags, MX_SB_INCONSISTENT | MX_SB_OUTDATED);
	/* An older superblock: flags 0, version 1. */
	sb.flags = 0;
	mx_sb_encode(&sb, d);
	KUNIT_ASSERT_EQ(test, mx_sb_decode(d, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, out.flags, 0U);
}

static void mx_meta_reject_blank(struct kunit *test)
{
	t_expect_reject(test, t_block(test), "Bad superblock magic");
}

static void mx_meta_reject_magic(struct kunit *test)
{
	struct mx_sb_info sb;
	struct mx_disk_sb *d = t_encoded(test, &sb);

	d->magic = cpu_to_le64(MX_META_MAGIC ^ 1);
	t_reseal(d);
	t_expect_reject(test, d, "Bad superblock magic");
}

static void mx_meta_reject_csum(struct kunit *test)
{
	struct mx_sb_info sb;
	struct mx_disk_sb *d = t_encoded(test, &sb);
	struct mx_sb_info out;
	const char *err = "(no error)";
	u8 *raw = (u8 *)d;
	int off;

	/* A flipped bit anywhere, even in the padding, breaks the csum. */
	for (off = 4; off < MX_META_BLOCK_SIZE; off += 509) {
		if (off >= 8 && off < 16)
			continue;	/* magic has its own message */
		raw[off] ^= 0x10;
		t_expect_reject(test, d, "Bad superblock checksum");
		raw[off] ^= 0x10;
	}
	raw[0] ^= 1;
	t_expect_reject(test, d, "Bad superblock checksum");
	raw[0] ^= 1;
	raw[MX_META_BLOCK_SIZE - 1] ^= 0x80;
	t_expect_reject(test, d, "Bad superblock checksum");
	raw[MX_META_BLOCK_SIZE - 1] ^= 0x80;
	/* Every flip undone: the block is valid again. */
	KUNIT_EXPECT_EQ(test, mx_sb_decode(d, &out, &err), 0);
}

static void mx_meta_reject_version(struct kunit *test)
{
	struct mx_sb_info sb;
	struct mx_disk_sb *d = t_encoded(test, &sb);

	d->version = cpu_to_le32(MX_META_VERSION + 1);
	t_reseal(d);
	t_expect_reject(test, d, "Unsupported metadata version");
	d->version = 0;
	t_reseal(d);
	t_expect_reject(test, d, "Unsupported metadata version");
}

static void mx_meta_reject_region(struct kunit *test)
{
	static const u32 bad[] = { 0, 4, 24, 100, MX_MAX_REGION_SECTORS << 1,
				   U32_MAX };
	struct mx_sb_info sb;
	struct mx_disk_sb *d = t_encoded(test, &sb);
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		d->region_sectors = cpu_to_le32(bad[i]);
		t_reseal(d);
		t_expect_reject(test, d, "Invalid region size in superblock");
	}
}

static void mx_meta_reject_nr_regions(struct kunit *test)
{
	struct mx_sb_info sb;
	struct mx_disk_sb *d = t_encoded(test, &sb);

	d->nr_regions = cpu_to_le64(sb.nr_regions + 1);
	t_reseal(d);
	t_expect_reject(test, d, "Region count inconsistent with data size");

	d->nr_regions = cpu_to_le64(sb.nr_regions);
	d->data_sectors = cpu_to_le64(sb.data_sectors + T_REGION);
	t_reseal(d);
	t_expect_reject(test, d, "Region count inconsistent with data size");

	/* Same data, region size doubled: count no longer matches. */
	d->data_sectors = cpu_to_le64(sb.data_sectors);
	d->region_sectors = cpu_to_le32(T_REGION * 2);
	t_reseal(d);
	t_expect_reject(test, d, "Region count inconsistent with data size");

	d->region_sectors = cpu_to_le32(T_REGION);
	d->data_sectors = 0;
	d->nr_regions = 0;
	t_reseal(d);
	t_expect_reject(test, d, "Zero data size in superblock");
}

static void mx_meta_reject_huge(struct kunit *test)
{
	struct mx_sb_info sb;
	struct mx_disk_sb *d = t_encoded(test, &sb);

	/* Consistent, but the bitmap would not fit a u32 block count. */
	d->data_sectors = cpu_to_le64(U64_MAX);
	d->region_sectors = cpu_to_le32(8);
	d->nr_regions = cpu_to_le64(mx_nr_regions(U64_MAX, 8));
	d->bitmap_blocks = cpu_to_le32(U32_MAX);
	t_reseal(d);
	t_expect_reject(test, d, "Region count inconsistent with data size");
}

static void mx_meta_reject_bitmap_blocks(struct kunit *test)
{
	struct mx_sb_info sb;
	struct mx_disk_sb *d = t_encoded(test, &sb);

	/* More blocks than needed is room to grow; more than any mirror is not. */
	d->bitmap_blocks = cpu_to_le32(mx_bitmap_blocks(MX_MAX_NR_REGIONS) + 1);
	t_reseal(d);
	t_expect_reject(test, d, "Bitmap size inconsistent with region count");
	d->bitmap_blocks = 0;
	t_reseal(d);
	t_expect_reject(test, d, "Bitmap size inconsistent with region count");
}

/* A stride above what the regions need (room to grow) decodes as is. */
static void mx_meta_accept_room(struct kunit *test)
{
	struct mx_sb_info sb, out;
	struct mx_disk_sb *d = t_encoded(test, &sb);
	const char *err = NULL;

	d->bitmap_blocks = cpu_to_le32(2);
	t_reseal(d);
	KUNIT_ASSERT_EQ_MSG(test, mx_sb_decode(d, &out, &err), 0, "%s", err);
	KUNIT_EXPECT_EQ(test, out.bitmap_blocks, 2U);
	KUNIT_EXPECT_EQ(test, mx_bitmap_first_block(&out, 3), 7ULL);
}

static void mx_meta_room(struct kunit *test)
{
	struct mx_sb_info sb;
	const char *err;

	/* 8 slots of 1 block + the superblock: 9 blocks, 72 sectors. */
	KUNIT_EXPECT_EQ(test, mx_bitmap_room(0), 0U);
	KUNIT_EXPECT_EQ(test, mx_bitmap_room(8 * 8), 0U);
	KUNIT_EXPECT_EQ(test, mx_bitmap_room(9 * 8 - 1), 0U);
	KUNIT_EXPECT_EQ(test, mx_bitmap_room(9 * 8), 1U);
	KUNIT_EXPECT_EQ(test, mx_bitmap_room(17 * 8 - 1), 1U);
	KUNIT_EXPECT_EQ(test, mx_bitmap_room(17 * 8), 2U);
	/* 8 MiB: (2048 - 1) / 8 = 255 blocks per slot. */
	KUNIT_EXPECT_EQ(test, mx_bitmap_room(16384), 255U);
	/* Capped at what the largest mirror needs. */
	KUNIT_EXPECT_EQ(test, mx_bitmap_room(U64_MAX),
			mx_bitmap_blocks(MX_MAX_NR_REGIONS));

	/* 1 GiB of 64 KiB regions in an 8 MiB metadata device. */
	KUNIT_ASSERT_EQ(test, mx_sb_format(&sb, 1 << 21, 128, &err), 0);
	KUNIT_EXPECT_EQ(test, sb.bitmap_blocks, 1U);
	KUNIT_EXPECT_EQ(test, mx_sb_data_room(&sb), 32768ULL * 128);
	mx_sb_plan_room(&sb, 16384);
	KUNIT_EXPECT_EQ(test, sb.bitmap_blocks, 255U);
	KUNIT_EXPECT_EQ(test, mx_meta_layout_sectors(&sb), (1 + 8 * 255ULL) * 8);
	KUNIT_EXPECT_EQ(test, mx_sb_data_room(&sb), 255ULL * 32768 * 128);
	/* A smaller device never shrinks the stride below the need. */
	mx_sb_plan_room(&sb, 72);
	KUNIT_EXPECT_EQ(test, sb.bitmap_blocks, 255U);
}

static void mx_meta_grow_check(struct kunit *test)
{
	struct mx_sb_info sb;
	const char *err = NULL;

	KUNIT_ASSERT_EQ(test, mx_sb_format(&sb, 1 << 21, 128, &err), 0);
	KUNIT_EXPECT_EQ(test, mx_grow_check(&sb, 1 << 21, &err), MX_SIZE_SAME);
	KUNIT_EXPECT_EQ(test, mx_grow_check(&sb, (1 << 21) - 8, &err),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, err,
			   "Device is smaller than the mirror: shrinking is not supported");
	/* One block of bitmap: room up to 32768 regions, 2 GiB. */
	KUNIT_EXPECT_EQ(test, mx_grow_check(&sb, 32768ULL * 128, &err),
			MX_SIZE_GROW);
	KUNIT_EXPECT_EQ(test, mx_grow_check(&sb, 32768ULL * 128 + 1, &err),
			-ENOSPC);
	mx_sb_plan_room(&sb, 16384);
	KUNIT_EXPECT_EQ(test, mx_grow_check(&sb, 32768ULL * 128 + 1, &err),
			MX_SIZE_GROW);
	KUNIT_EXPECT_EQ(test, mx_grow_check(&sb, 255ULL * 32768 * 128 + 1,
					    &err), -ENOSPC);
	mx_sb_grow(&sb, (1 << 21) + 1);
	KUNIT_EXPECT_EQ(test, sb.data_sectors, (1ULL << 21) + 1);
	KUNIT_EXPECT_EQ(test, sb.nr_regions, 16385ULL);
	KUNIT_EXPECT_EQ(test, sb.bitmap_blocks, 255U);
	/* Never past the regions the in-core bitmaps can count. */
	sb.bitmap_blocks = mx_bitmap_blocks(MX_MAX_NR_REGIONS);
	KUNIT_EXPECT_EQ(test, mx_sb_data_room(&sb), MX_MAX_NR_REGIONS * 128);
}

static void mx_meta_reject_node_id(struct kunit *test)
{
	struct mx_sb_info sb, out;
	struct mx_disk_sb *d = t_encoded(test, &sb);
	const char *err = "(no error)";

	d->node_id = cpu_to_le32(MX_MAX_NODES);
	t_reseal(d);
	t_expect_reject(test, d, "Invalid node id in superblock");
	d->node_id = cpu_to_le32(MX_NODE_UNSET - 1);
	t_reseal(d);
	t_expect_reject(test, d, "Invalid node id in superblock");
	d->node_id = cpu_to_le32(MX_MAX_NODES - 1);
	t_reseal(d);
	KUNIT_EXPECT_EQ(test, mx_sb_decode(d, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, out.node_id, MX_MAX_NODES - 1);
}

static void mx_meta_reject_flags(struct kunit *test)
{
	struct mx_sb_info sb;
	struct mx_disk_sb *d = t_encoded(test, &sb);

	d->flags = cpu_to_le32(1U << 3);
	t_reseal(d);
	t_expect_reject(test, d, "Unknown superblock flags");
	d->flags = 0;
	d->slots[3].flags = cpu_to_le32(1U << 3);
	t_reseal(d);
	t_expect_reject(test, d, "Unknown slot flags in superblock");
	d->slots[3].flags = 0;
	d->slots[0].reserved = cpu_to_le32(1);
	t_reseal(d);
	t_expect_reject(test, d, "Reserved slot fields not zero");
	d->slots[0].reserved = 0;
	d->slots[7].reserved2 = cpu_to_le64(1ULL << 63);
	t_reseal(d);
	t_expect_reject(test, d, "Reserved slot fields not zero");
}

static void mx_meta_reject_cursor(struct kunit *test)
{
	struct mx_sb_info sb, out;
	struct mx_disk_sb *d = t_encoded(test, &sb);
	const char *err = "(no error)";

	d->slots[2].resync_cursor = cpu_to_le64(sb.nr_regions + 1);
	t_reseal(d);
	t_expect_reject(test, d, "Resync cursor beyond the last region");
	/* Without RESYNCING the cursor means nothing and is not checked. */
	d->slots[2].flags = 0;
	t_reseal(d);
	KUNIT_EXPECT_EQ(test, mx_sb_decode(d, &out, &err), 0);
	d->slots[2].flags = cpu_to_le32(MX_SLOT_RESYNCING);
	d->slots[2].resync_cursor = cpu_to_le64(sb.nr_regions);
	t_reseal(d);
	KUNIT_EXPECT_EQ(test, mx_sb_decode(d, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, out.slots[2].resync_cursor, sb.nr_regions);
}

static void mx_meta_gen_rotate(struct kunit *test)
{
	struct mx_sb_info sb = { };
	int i;

	/* Generation 0 is "none" and never takes a history slot. */
	mx_gen_rotate(&sb, 10);
	KUNIT_EXPECT_EQ(test, sb.current_gen, 10ULL);
	KUNIT_EXPECT_EQ(test, sb.history[0], 0ULL);

	mx_gen_rotate(&sb, 11);
	KUNIT_EXPECT_EQ(test, sb.current_gen, 11ULL);
	KUNIT_EXPECT_EQ(test, sb.history[0], 10ULL);
	KUNIT_EXPECT_EQ(test, sb.history[1], 0ULL);

	for (i = 12; i <= 16; i++)
		mx_gen_rotate(&sb, i);
	KUNIT_EXPECT_EQ(test, sb.current_gen, 16ULL);
	/* Newest first, the oldest fell off. */
	KUNIT_EXPECT_EQ(test, sb.history[0], 15ULL);
	KUNIT_EXPECT_EQ(test, sb.history[1], 14ULL);
	KUNIT_EXPECT_EQ(test, sb.history[2], 13ULL);
	KUNIT_EXPECT_EQ(test, sb.history[3], 12ULL);
}

static struct kunit_case mx_meta_cases[] = {
	KUNIT_CASE(mx_meta_nr_regions),
	KUNIT_CASE(mx_meta_bitmap_blocks),
	KUNIT_CASE(mx_meta_first_block),
	KUNIT_CASE(mx_meta_block_is_zero),
	KUNIT_CASE(mx_meta_format),
	KUNIT_CASE(mx_meta_format_rejects),
	KUNIT_CASE(mx_meta_encode_layout),
	KUNIT_CASE(mx_meta_round_trip),
	KUNIT_CASE(mx_meta_round_trip_unset_node),
	KUNIT_CASE(mx_meta_round_trip_outdated),
	KUNIT_CASE(mx_meta_reject_blank),
	KUNIT_CASE(mx_meta_reject_magic),
	KUNIT_CASE(mx_meta_reject_csum),
	KUNIT_CASE(mx_meta_reject_version),
	KUNIT_CASE(mx_meta_reject_region),
	KUNIT_CASE(mx_meta_reject_nr_regions),
	KUNIT_CASE(mx_meta_reject_huge),
	KUNIT_CASE(mx_meta_reject_bitmap_blocks),
	KUNIT_CASE(mx_meta_accept_room),
	KUNIT_CASE(mx_meta_room),
	KUNIT_CASE(mx_meta_grow_check),
	KUNIT_CASE(mx_meta_reject_node_id),
	KUNIT_CASE(mx_meta_reject_flags),
	KUNIT_CASE(mx_meta_reject_cursor),
	KUNIT_CASE(mx_meta_gen_rotate),
	{}
};

static struct kunit_suite mx_meta_suite = {
	.name = "dm_mirrorx_meta",
	.test_cases = mx_meta_cases,
};

kunit_test_suite(mx_meta_suite);
