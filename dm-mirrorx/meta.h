/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-core superblock and its pure codec (meta_codec.c): encode, decode,
 * validate, format. No I/O here; metadata.c does the I/O.
 */
#ifndef DM_MIRRORX_META_H
#define DM_MIRRORX_META_H

#include <linux/types.h>
#include "meta_format.h"

struct mx_slot {
	u32 flags;
	u64 bitmap_gen;
	u64 resync_cursor;
};

struct mx_sb_info {
	u32 flags;
	u32 region_sectors;
	u64 data_sectors;
	u64 nr_regions;
	u32 bitmap_blocks;
	u32 node_id;
	u8 uuid[MX_UUID_LEN];
	u64 current_gen;
	u64 history[MX_HISTORY_GENS];
	struct mx_slot slots[MX_MAX_NODES];
};

/*
 * Most regions a mirror may have: the in-core bitmaps are driven by the
 * kernel's bitmap_*() helpers, some of which take an int bit count, so
 * stay inside it (2^31 - 64 regions: about 128 TiB with 64 KiB regions;
 * a larger device takes a larger region size). Far below what
 * bitmap_blocks (a u32) could describe.
 */
#define MX_MAX_NR_REGIONS	((1ULL << 31) - 64)

/* Regions needed to cover @data_sectors; @region_sectors is a power of 2. */
u64 mx_nr_regions(u64 data_sectors, u32 region_sectors);

/* 4 KiB blocks of one node's bitmap of @nr_regions bits (at least 1). */
u32 mx_bitmap_blocks(u64 nr_regions);

/* Sectors meta_dev must have for a mirror of @nr_regions regions. */
u64 mx_meta_required_sectors(u64 nr_regions);

/*
 * Room to grow: a superblock's bitmap_blocks is the stride between the
 * node slots, at least what nr_regions needs and, when formatted by this
 * version, what the metadata device holds (so a grown data device needs
 * no new layout). mx_bitmap_room() is that stride for a metadata device
 * of @meta_sectors (0: not even one block per slot), capped at what the
 * largest mirror needs; mx_sb_plan_room() raises @sb's stride to it.
 */
u32 mx_bitmap_room(u64 meta_sectors);
void mx_sb_plan_room(struct mx_sb_info *sb, u64 meta_sectors);

/* Sectors the layout of @sb spans on the metadata device. */
u64 mx_meta_layout_sectors(const struct mx_sb_info *sb);

/* The largest data device @sb's layout describes, in sectors. */
u64 mx_sb_data_room(const struct mx_sb_info *sb);

/* mx_grow_check() verdicts */
#define MX_SIZE_SAME		0
#define MX_SIZE_GROW		1

/*
 * A table of @data_sectors over metadata @sb: MX_SIZE_SAME, MX_SIZE_GROW
 * (the layout has room for it), or -EINVAL (a shrink) / -ENOSPC (beyond
 * the layout's room) with *@err a reason. Pure.
 */
int mx_grow_check(const struct mx_sb_info *sb, u64 data_sectors,
		  const char **err);

/* Record the grown size @data_sectors (mx_grow_check() said GROW). */
void mx_sb_grow(struct mx_sb_info *sb, u64 data_sectors);

/* First metadata block of node @node's bitmap. */
u64 mx_bitmap_first_block(const struct mx_sb_info *sb, u32 node);

/* True when the 4 KiB @block is all zero (a blank meta device). */
bool mx_block_is_zero(const void *block);

/*
 * Fill @sb for a new mirror: FRESH, generation 0, no uuid, every slot
 * clean, node id unset. Returns 0 or -EINVAL with *@err set when the
 * region size is not a power of two in bounds or the device is empty.
 */
int mx_sb_format(struct mx_sb_info *sb, u64 data_sectors, u32 region_sectors,
		 const char **err);

/* Write @sb into the 4 KiB @block (zero padded) with its crc32c. */
void mx_sb_encode(const struct mx_sb_info *sb, void *block);

/*
 * Read and validate the 4 KiB @block: magic, version, checksum, region size,
 * region count and bitmap blocks consistent with data_sectors, node id,
 * slot flags. Returns 0, or -EINVAL with *@err a human reason.
 */
int mx_sb_decode(const void *block, struct mx_sb_info *sb, const char **err);

/* Start a new generation @gen: the current one moves into history. */
void mx_gen_rotate(struct mx_sb_info *sb, u64 gen);

#endif /* DM_MIRRORX_META_H */
