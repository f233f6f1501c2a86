/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-mirrorx on-disk metadata format (meta_dev), little-endian.
 *
 *   block 0                      superblock (struct mx_disk_sb, crc32c)
 *   block 1 + n * bitmap_blocks  intent-log bitmap for node id n, one bit
 *                                per region, __le64 words, bit r of the
 *                                bitmap = word r / 64, bit r % 64
 *
 * A slot exists for every node id 0..MX_MAX_NODES-1; a node's own slot is
 * unused. A set bit means "this region may differ between this node and
 * that node".
 */
#ifndef DM_MIRRORX_META_FORMAT_H
#define DM_MIRRORX_META_FORMAT_H

#include <linux/bits.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/build_bug.h>
#include "wire.h"

#define MX_META_BLOCK_SIZE	4096
#define MX_META_BLOCK_SECTORS	(MX_META_BLOCK_SIZE >> 9)
#define MX_META_MAGIC		0x31584d524f52494dULL	/* "MIRORMX1" */
#define MX_META_VERSION		1
#define MX_MAX_NODES		8

/* Regions: power of two, 4 KiB .. 1 GiB. */
#define MX_MIN_REGION_SECTORS	8
#define MX_MAX_REGION_SECTORS	(SZ_1G >> 9)

/* struct mx_disk_sb.flags */
#define MX_SB_FRESH		BIT(0)	/* never held mirrored data */
#define MX_SB_INCONSISTENT	BIT(1)	/* target mid-resync */
/*
 * Target known to lack writes its source made (outdate message); cleared
 * when a source connects and the target adopts its sync state. A module
 * that predates it refuses the superblock ("Unknown superblock flags"):
 * never promotes such data. Older superblocks lack it: no version bump.
 */
#define MX_SB_OUTDATED		BIT(2)

/* struct mx_disk_slot.flags */
#define MX_SLOT_FULL_SYNC	BIT(0)	/* next connect: full resync */
#define MX_SLOT_ASSUME_CLEAN	BIT(1)	/* first connect: no resync */
#define MX_SLOT_RESYNCING	BIT(2)	/* resync_cursor is valid */
#define MX_SLOT_ALL		(MX_SLOT_FULL_SYNC | MX_SLOT_ASSUME_CLEAN | \
				 MX_SLOT_RESYNCING)

/**
 * struct mx_disk_slot - what this node knows about node id n
 * @flags: MX_SLOT_*
 * @reserved: zero
 * @bitmap_gen: our generation when this bitmap started to diverge from
 *	node n (0: no divergence started)
 * @resync_cursor: next region to resync to node n (MX_SLOT_RESYNCING)
 * @reserved2: zero
 */
struct mx_disk_slot {
	__le32 flags;
	__le32 reserved;
	__le64 bitmap_gen;
	__le64 resync_cursor;
	__le64 reserved2;
} __packed;

/**
 * struct mx_disk_sb - superblock, block 0 of meta_dev
 * @csum: crc32c (seed ~0) of the whole 4 KiB block with @csum zero
 * @flags: MX_SB_*
 * @magic: MX_META_MAGIC
 * @version: MX_META_VERSION
 * @region_sectors: region size, power of two
 * @data_sectors: data device size when formatted
 * @nr_regions: DIV_ROUND_UP(data_sectors, region_sectors)
 * @bitmap_blocks: 4 KiB blocks of one node's bitmap
 * @node_id: this node's id, MX_NODE_UNSET until a table sets it
 * @uuid: mirror UUID (all zero: not bound yet)
 * @current_gen: this node's data generation
 * @history: previous generations, newest first
 * @slots: one per node id
 */
struct mx_disk_sb {
	__le32 csum;
	__le32 flags;
	__le64 magic;
	__le32 version;
	__le32 region_sectors;
	__le64 data_sectors;
	__le64 nr_regions;
	__le32 bitmap_blocks;
	__le32 node_id;
	__u8 uuid[MX_UUID_LEN];
	__le64 current_gen;
	__le64 history[MX_HISTORY_GENS];
	struct mx_disk_slot slots[MX_MAX_NODES];
} __packed;

#define MX_NODE_UNSET		0xffffffffU

static inline void mx_meta_build_bug_on(void)
{
	BUILD_BUG_ON(sizeof(struct mx_disk_slot) != 32);
	BUILD_BUG_ON(sizeof(struct mx_disk_sb) != 104 + 32 * MX_MAX_NODES);
	BUILD_BUG_ON(sizeof(struct mx_disk_sb) > MX_META_BLOCK_SIZE);
}

#endif /* DM_MIRRORX_META_FORMAT_H */
