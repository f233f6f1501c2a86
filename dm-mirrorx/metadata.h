/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metadata device (metadata.c): its superblock, its geometry and
 * 4 KiB block I/O. What the bitmap blocks hold, and when they are
 * written, is the intent log's business (intent_log.h).
 */
#ifndef DM_MIRRORX_METADATA_H
#define DM_MIRRORX_METADATA_H

#include <linux/blkdev.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include "meta.h"

struct mx_meta {
	struct block_device *bdev;
	/*
	 * One writer of the device at a time: every metadata write (the
	 * intent log's commits, a format) and @io_page. Taken before @lock.
	 */
	struct mutex commit_lock;
	/*
	 * @sb, @sb_dirty, @grow_from, and the intent log's in-core state
	 * (struct mx_ilog: one lock, because a superblock flag and the
	 * bitmaps it describes change together). Irqs off; a leaf.
	 */
	spinlock_t lock;
	struct mx_sb_info sb;
	bool sb_dirty;
	u64 nr_regions;
	u32 bitmap_blocks;		/* in use: mx_bitmap_blocks(nr_regions) */
	/*
	 * A grow not yet committed: the region count on disk (0: none).
	 * Slots loaded meanwhile get regions [grow_from, nr_regions) set;
	 * the commit that writes the grown superblock first writes them
	 * into the slots nobody loaded. Changed under @commit_lock and @lock.
	 */
	u64 grow_from;
	struct page *io_page;		/* one block's I/O, under commit_lock */
};

/*
 * Open the metadata on @bdev (@meta_sectors long) for a data device of
 * @data_sectors. A zeroed device is formatted with @region_sectors (the
 * receiver passes 0 and gets MX_DEFAULT_REGION_SECTORS), its bitmaps
 * spaced for all the metadata device holds (room to grow). An existing
 * superblock must validate and match @region_sectors when non-zero; a
 * larger @data_sectors is a grow (in core only: every slot gets the new
 * regions set, the next commit writes them and the superblock), refused
 * beyond the layout's room; a smaller one is refused. Returns 0 or a
 * negative errno with *@err set.
 */
int mx_meta_open(struct mx_meta *m, struct block_device *bdev,
		 sector_t meta_sectors, u64 data_sectors, u32 region_sectors,
		 bool *formatted, const char **err);
void mx_meta_close(struct mx_meta *m);

/*
 * Metadata block @block to or from @m->io_page (synchronous; @opf says
 * which, and REQ_FUA where a write must be durable). Under commit_lock.
 */
int mx_meta_io(struct mx_meta *m, blk_opf_t opf, u64 block);
/* Write @sb (FUA). Under commit_lock. */
int mx_meta_write_sb(struct mx_meta *m, const struct mx_sb_info *sb);
/*
 * Zero the blocks of every slot's bitmap that are in use (the room past
 * them is written when a grow takes it), then write the superblock and
 * flush. Under commit_lock, or before anyone else uses @m.
 */
int mx_meta_format(struct mx_meta *m);

/*
 * A new superblock into @sb for the same data device with
 * @region_sectors (a blank target adopting the source's region size):
 * 0, or a negative errno with *@err set when the device cannot hold it.
 */
int mx_meta_reformat_sb(struct mx_meta *m, u32 region_sectors,
			sector_t meta_sectors, struct mx_sb_info *sb,
			const char **err);
/* Take @sb and its geometry in core (no I/O). Under commit_lock and lock. */
void mx_meta_adopt_sb_locked(struct mx_meta *m, const struct mx_sb_info *sb);

/* Mark the superblock dirty (caller changed m->sb under m->lock). */
void mx_meta_sb_dirty(struct mx_meta *m);

static inline u64 mx_region_of(const struct mx_meta *m, sector_t sector)
{
	return sector >> ilog2(m->sb.region_sectors);
}

#define MX_DEFAULT_REGION_SECTORS	128	/* 64 KiB */

#endif /* DM_MIRRORX_METADATA_H */
