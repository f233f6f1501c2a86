/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The intent log (intent_log.c): the in-core region state of the
 * metadata's bitmaps, the hot set, and the commits that write them.
 *
 * For every node slot in use there are three bitmaps of one bit per region:
 * @bits says which regions may differ on that node now (written, and not
 * yet known durable there), @disk_bits what is on the meta device,
 * @dirty_blocks which 4 KiB bitmap blocks differ between the two. What a
 * block should hold on disk is its image: @bits, plus every region of the
 * hot extents (the source's activity log, below), for every node.
 * A write may be issued once the bits of its regions are set in @disk_bits;
 * mx_ilog_commit() writes every dirty block (FUA, all of a batch in flight
 * together) and the superblock, in one commit for all writers waiting on it.
 *
 * The hot set (source only: @hot is NULL on a target): extents of
 * 1 << @extent_shift regions (4 MiB) written recently stay marked on disk
 * as a whole, so writing into them again costs no metadata write, however
 * often their regions' @bits are cleared. Heating an extent costs one
 * commit (shared); cooling it is written by a later commit. After a crash
 * the regions of the extents that were hot are resynced.
 *
 * Locks: the in-core state is under @meta->lock (the superblock's lock:
 * a superblock flag and the bitmaps it describes change together); a
 * commit, a slot load and a reread hold @meta->commit_lock first.
 */
#ifndef DM_MIRRORX_INTENT_LOG_H
#define DM_MIRRORX_INTENT_LOG_H

#include "metadata.h"

struct mx_commit_batch;

/* Bitmap blocks a commit writes at once. */
#define MX_COMMIT_BATCH		8
/* Hot extents a heat looks at for one not written this period. */
#define MX_EVICT_SCAN		64
/* Hot extents are this many sectors (or one region, if larger): 4 MiB. */
#define MX_EXTENT_SECTORS	8192
/*
 * Writes that heated this many extents lately (the heats of the current
 * period, a sweep's second, plus half the previous count) are spreading
 * over the device: a write that heats an extent then heats the other cold
 * extents of its bitmap block too (mx_ilog_heat_locked()).
 */
#define MX_SPREAD_HEATS		16

struct mx_ilog {
	struct mx_meta *meta;		/* superblock, geometry, block I/O */
	/* Under meta->lock. */
	unsigned long *bits[MX_MAX_NODES];
	unsigned long *disk_bits[MX_MAX_NODES];
	unsigned long *dirty_blocks[MX_MAX_NODES];
	/* The hot set; under meta->lock. */
	unsigned long *hot;		/* one bit per extent */
	unsigned long *hot_recent;	/* extents written since the last cool */
	unsigned long *hot_copied;	/* extents a resync copied into */
	u32 extent_shift;		/* log2 regions per extent */
	u64 nr_extents;
	u64 nr_hot;
	u64 hot_cap;			/* at most this many hot; 0: no cap */
	u64 cool_hand;			/* where eviction looks next */
	u32 period_heats;		/* extents writes heated lately */
	/*
	 * The source's peers (NULL on a target, and for a node that is not
	 * a peer), under meta->lock: @oos, the regions the peer lacks now
	 * (what a resync copies), always a subset of its @bits, so a sweep
	 * never clears a bit the peer still needs (mx_ilog_mark_oos()
	 * sets both); @csum, the regions a resync compares by checksum
	 * before it copies them.
	 */
	unsigned long *oos[MX_MAX_NODES];
	unsigned long *csum[MX_MAX_NODES];
	/* Bits set in @oos[n], kept with every change; under meta->lock. */
	u64 oos_tally[MX_MAX_NODES];
	/*
	 * False only while @bits[n] is known to be all clear, so that the
	 * sweeps of an idle, clean multi-TiB mirror scan nothing: set with
	 * every bit (a mark, mx_ilog_or_words(), set_all, a load or a
	 * re-read of the slot) and by a sweep's scan that sees one; cleared
	 * as a sweep's scan begins (mx_ilog_sweep_begin_locked()). Under
	 * meta->lock.
	 */
	bool maybe_marked[MX_MAX_NODES];
	/* A commit's buffers, under meta->commit_lock. */
	struct mx_commit_batch *batch;
	struct page *batch_pages[MX_COMMIT_BATCH];
	unsigned long *batch_snaps[MX_COMMIT_BATCH];
	u64 commits;			/* for status / tests */
};

/*
 * The intent log of the metadata @meta (opened): no slot loaded, no hot
 * set; the commit buffers preallocated (a commit allocates nothing: it
 * runs under writeback). 0 or -ENOMEM. mx_ilog_exit() before
 * mx_meta_close().
 */
int mx_ilog_init(struct mx_ilog *il, struct mx_meta *meta);
void mx_ilog_exit(struct mx_ilog *il);

/*
 * Format the metadata again with @region_sectors (a blank target
 * adopting the source's region size). Drops every loaded slot.
 */
int mx_ilog_reformat(struct mx_ilog *il, u32 region_sectors,
		     sector_t meta_sectors, const char **err);

/*
 * A zeroed bitmap of @nbits (a region count: 64 bits, above what
 * kmalloc can give in one piece past 2 TiB with 64 KiB regions); free
 * with kvfree().
 */
unsigned long *mx_region_bitmap_alloc(u64 nbits);

/* Allocate and read node @node's bitmap (idempotent). */
int mx_ilog_load_slot(struct mx_ilog *il, u32 node);

/*
 * Turn the hot set on (the source) with extents of @extent_sectors
 * rounded to whole regions. Returns 0 or -ENOMEM.
 */
int mx_ilog_hot_init(struct mx_ilog *il, u32 extent_sectors);

/*
 * A write to regions [@r0, @r1]: their extents are recent, and hot from
 * now on; with @ahead, unless the extent after them is hot already, so
 * are the @ahead extents after them (a sequential stream marks ahead in
 * steps of @ahead extents, its next writes then find theirs on disk).
 * Once writes heated MX_SPREAD_HEATS extents lately, a write that
 * heats one also heats the cold extents of its bitmap block, from its
 * own on (wrapping), while the cap allows: the commit it waits for
 * writes that block anyway, and writes that keep entering cold extents
 * would fill the hot set to its cap one commit at a time. Neither the
 * extents ahead nor these are recent, and neither evicts.
 * Returns true when an extent became hot (a commit is due). No-op without
 * a hot set. Under meta->lock.
 */
bool mx_ilog_heat_locked(struct mx_ilog *il, u64 r0, u64 r1, u32 ahead);

/*
 * A resync copied region @r: once nobody writes its extent for a period,
 * mx_ilog_cool_locked() cools it whatever the limit, so the progress
 * (the region's cleared bit) reaches disk instead of staying marked by
 * the hot set. No-op without a hot set. Under meta->lock.
 */
void mx_ilog_note_copied_locked(struct mx_ilog *il, u64 r);

/*
 * Cool hot extents: those a resync copied into that were not written
 * since the last call; then, until at most @limit are hot, those not
 * written since the last call, then any. Every call starts a new "recent"
 * period, and halves the count of heats (MX_SPREAD_HEATS). Only the image
 * changes: the regions' @bits stay. Returns how many were cooled. Under
 * meta->lock.
 */
u64 mx_ilog_cool_locked(struct mx_ilog *il, u64 limit);

/* Regions per extent: 1 << il->extent_shift. */
static inline u64 mx_ilog_extent_regions(const struct mx_ilog *il)
{
	return 1ULL << il->extent_shift;
}

/*
 * Bitmap block @b's image for @node into @out (block-local,
 * MX_META_BLOCK_SIZE * 8 bits, those past the last region clear). Under
 * meta->lock.
 */
void mx_ilog_image_locked(struct mx_ilog *il, u32 node, u64 b,
			  unsigned long *out);

/*
 * Set the bits of regions [@r0, @r1] for @node. Returns true when all of
 * them are already on disk, false when a commit must come first.
 * Called under meta->lock.
 */
bool mx_ilog_mark_locked(struct mx_ilog *il, u32 node, u64 r0, u64 r1);
/* True when the bits of [@r0, @r1] are on disk. Called under meta->lock. */
bool mx_ilog_persisted_locked(struct mx_ilog *il, u32 node, u64 r0, u64 r1);
/* Clear region @r for @node in core; written by the next commit. */
void mx_ilog_clear_locked(struct mx_ilog *il, u32 node, u64 r);
/*
 * Read the metadata again, as at open, with the slots @il has loaded: a
 * table is constructed while the table it replaces may still run and
 * write the metadata, so what the constructor read may be stale by the
 * time it takes over. Read aside and swapped in under the locks; on any
 * failure, or if the geometry changed, nothing changes.
 */
int mx_ilog_reread(struct mx_ilog *il, sector_t meta_sectors,
		   u64 data_sectors, const char **err);
/* Set every region for @node (full resync). */
void mx_ilog_set_all(struct mx_ilog *il, u32 node);
void mx_ilog_set_all_locked(struct mx_ilog *il, u32 node);
/* OR @nwords little-endian-free CPU words into @node's bits from @word. */
void mx_ilog_or_words(struct mx_ilog *il, u32 node, u64 word,
		      const u64 *words, u32 nwords);
/* Clear every region for @node. Under meta->lock. */
void mx_ilog_clear_all_locked(struct mx_ilog *il, u32 node);
/*
 * Regions marked for @node: one snapshot, the whole map scanned under
 * meta->lock (a decision's input; a status takes mx_ilog_weight()).
 */
u64 mx_ilog_count(struct mx_ilog *il, u32 node);

/* Regions mx_ilog_weight() counts under one hold of meta->lock. */
#define MX_WEIGHT_CHUNK		4096

/*
 * For a status: how many regions are marked (@bits) for any of the
 * nodes in @nodes (a mask of node slots; a slot not loaded counts none)
 * or, with @hot, lie in a hot extent. Counted MX_WEIGHT_CHUNK
 * regions at a time under meta->lock, with a chance to reschedule in
 * between: on a multi-TiB device a map is megabytes (32 MiB at 16 TiB
 * with 64 KiB regions), which one hold would scan with interrupts off and
 * the write path waiting. So the count is no snapshot, a figure of the
 * moment, never the input of a decision (mx_ilog_count() and
 * mx_ilog_oos_count() count in one hold). Takes meta->lock itself and
 * may sleep: process context, no spinlock held (src->lock neither).
 */
u64 mx_ilog_weight(struct mx_ilog *il, unsigned long nodes, bool hot);

/*
 * One bitmap block's commit, without the I/O (KUnit drives these):
 * begin copies block @b's image for @node into @snap (MX_META_BLOCK_SIZE *
 * 8 bits) and marks it clean; from then until end, a bit of the block counts
 * as on disk only if it is set both in what was on disk and in @snap, so
 * no 1 -> 0 transition being written races a new mark of its region (the
 * mark waits for the next commit). end publishes @snap as on disk when
 * @written, else leaves the block dirty. Called under meta->lock.
 */
void mx_ilog_commit_begin_locked(struct mx_ilog *il, u32 node, u64 b,
				 unsigned long *snap);
void mx_ilog_commit_end_locked(struct mx_ilog *il, u32 node, u64 b,
			       const unsigned long *snap, bool written);

/*
 * Write dirty bitmap blocks (up to MX_COMMIT_BATCH in flight at once) and
 * then the superblock.
 */
int mx_ilog_commit(struct mx_ilog *il);
/* True when a commit has something to write. */
bool mx_ilog_needs_commit(struct mx_ilog *il);

/*
 * The source's view of its peers, by node id (mx_ilog_peer_init() for
 * each peer at construction). Calls without _locked take meta->lock
 * themselves (irqsave: any context, with or without src->lock);
 * _locked ones are called under it.
 */
int mx_ilog_peer_init(struct mx_ilog *il, u32 node);
/*
 * [@r0, @r1] are out of sync for @node: in @oos and marked in @bits (in
 * core; true when the bits are on disk already, false when the next
 * commit must write them before a resync copies the regions).
 */
bool mx_ilog_mark_oos_locked(struct mx_ilog *il, u32 node, u64 r0, u64 r1);
bool mx_ilog_mark_oos(struct mx_ilog *il, u32 node, u64 r0, u64 r1);
bool mx_ilog_oos_test(struct mx_ilog *il, u32 node, u64 r);
bool mx_ilog_csum_test(struct mx_ilog *il, u32 node, u64 r);
/* The first region out of sync for @node at or after @from, or nr_regions. */
u64 mx_ilog_next_oos(struct mx_ilog *il, u32 node, u64 from);
/* How many regions are out of sync for @node (counted: a decision's). */
u64 mx_ilog_oos_count(struct mx_ilog *il, u32 node);
u64 mx_ilog_oos_count_locked(struct mx_ilog *il, u32 node);
/*
 * The same from @oos_tally, at no cost: for a status, read together
 * with the peer's state and resync progress under src->lock, so that
 * done + out of sync stays the resync's total while it runs.
 */
u64 mx_ilog_oos_tally(struct mx_ilog *il, u32 node);
/* Out-of-sync regions from @r on, in a row, at most @max. */
u32 mx_ilog_oos_run(struct mx_ilog *il, u32 node, u64 r, u32 max);
/*
 * A resync copied region @r to @node: it leaves @oos and @csum, and the
 * hot set lets its extent cool. Returns whether it was out of sync.
 */
bool mx_ilog_resync_done_locked(struct mx_ilog *il, u32 node, u64 r);
/* [@r0, @r1] go to @node by copy from now on. */
void mx_ilog_csum_forget(struct mx_ilog *il, u32 node, u64 r0, u64 r1);
/* What @node lacks is what its bits say (a handshake). Returns how many. */
u64 mx_ilog_connect_locked(struct mx_ilog *il, u32 node);
/*
 * "resync [full] [csum]": with @full every region is marked (bits, and
 * the slot's FULL_SYNC flag for the next handshake); with @csum every
 * region is compared by checksum first; with @live (the peer replicates)
 * what is marked is out of sync at once.
 */
void mx_ilog_request_resync_locked(struct mx_ilog *il, u32 node, bool full,
				   bool csum, bool live);
/* Every marked region of @node is compared by checksum first. */
void mx_ilog_seed_csum_locked(struct mx_ilog *il, u32 node);
/*
 * "assume_clean": @node's bits are only what it is known to lack (its
 * out-of-sync regions); the caller marks its writes in flight.
 */
void mx_ilog_assume_clean_locked(struct mx_ilog *il, u32 node);
/*
 * Regions a sweep looks at under one hold of src->lock and meta->lock:
 * its scans of a multi-TiB device's maps (32 MiB each at 16 TiB with
 * 64 KiB regions) go a chunk at a time, interrupts on in between.
 */
#define MX_SWEEP_CHUNK		4096
/*
 * A sweep's scan of @node's map begins: false when no region of @node
 * is marked (@maybe_marked), so there is nothing to scan. Otherwise the
 * scan goes chunk by chunk (mx_ilog_sweep_cand_range_locked() notes a
 * marked region it sees); a scan that stops before the map's end calls
 * mx_ilog_sweep_stop_locked(). Under meta->lock.
 */
bool mx_ilog_sweep_begin_locked(struct mx_ilog *il, u32 node);
void mx_ilog_sweep_stop_locked(struct mx_ilog *il, u32 node);
/*
 * The regions a sweep may clear for @node among [@first, @first +
 * @nbits) into @cand (bit 0 is region @first): marked and not out of
 * sync. @first a multiple of BITS_PER_LONG, @nbits at most
 * MX_SWEEP_CHUNK. Returns true when there is any. Under meta->lock.
 */
bool mx_ilog_sweep_cand_range_locked(struct mx_ilog *il, u32 node,
				     u64 first, u32 nbits,
				     unsigned long *cand);
/*
 * Clear @node's bits of the regions among [@first, @first + @nbits)
 * (bounds as above) that are marked, not out of sync and set in neither
 * @keep nor @keep2 (maps of the whole device; @keep2 may be NULL).
 * Returns how many it cleared. Under meta->lock.
 */
u32 mx_ilog_sweep_clear_range_locked(struct mx_ilog *il, u32 node,
				     u64 first, u32 nbits,
				     const unsigned long *keep,
				     const unsigned long *keep2);

/*
 * Does this sweep flush and clear bits? With @spaced (writes came in
 * since the last sweep, or a peer resyncs) one sweep in @every does, else
 * every sweep; @skipped is the source's count of sweeps since the last
 * due one.
 */
bool mx_sweep_due(u32 *skipped, bool spaced, u32 every);

#endif /* DM_MIRRORX_INTENT_LOG_H */
