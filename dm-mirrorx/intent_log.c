// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx intent log: the per-node region bitmaps in core, the hot
 * set, and the commits that write their blocks (intent_log.h).
 */
#include <linux/module.h>
#include <linux/bio.h>
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/device-mapper.h>
#include "intent_log.h"
#include "rs_window.h"
#include "io_wait.h"

#define DM_MSG_PREFIX "mirrorx-ilog"
#define MX_WORDS_PER_BLOCK	(MX_META_BLOCK_SIZE / sizeof(u64))
#define MX_SNAP_LONGS		BITS_TO_LONGS(MX_META_BLOCK_SIZE * 8)

/* The bitmap block writes of one commit batch, in flight together. */
struct mx_commit_batch {
	atomic_t pending;
	struct completion done;
	blk_status_t status[MX_COMMIT_BATCH];
	struct bio *bios[MX_COMMIT_BATCH];	/* bio_kmalloc()'ed, 1 vec */
	u32 node[MX_COMMIT_BATCH];
	u64 block[MX_COMMIT_BATCH];
	u32 nr;
};

unsigned long *mx_region_bitmap_alloc(u64 nbits)
{
	return kvcalloc(BITS_TO_LONGS(nbits), sizeof(unsigned long),
			GFP_KERNEL);
}

/*
 * Copy @nbits of a block-local bitmap (a commit's snapshot) into @page as
 * __le64 words, zeros past them.
 */
static void mx_fill_block(struct page *page, const unsigned long *snap,
			  u64 nbits)
{
	__le64 *out = page_address(page);
	u32 i;

	for (i = 0; i < MX_WORDS_PER_BLOCK; i++) {
		u64 v = 0;

		if ((u64)i * 64 < nbits)
			bitmap_to_arr64(&v, snap + i * (64 / BITS_PER_LONG),
					64);
		out[i] = cpu_to_le64(v);
	}
}

/* The inverse of mx_fill_block(): a whole block into @snap. */
static void mx_read_block(struct page *page, unsigned long *snap)
{
	const __le64 *in = page_address(page);
	u32 i;

	for (i = 0; i < MX_WORDS_PER_BLOCK; i++) {
		u64 v = le64_to_cpu(in[i]);

		bitmap_from_arr64(snap + i * (64 / BITS_PER_LONG), &v, 64);
	}
}

static void mx_ilog_free_buffers(struct mx_ilog *il)
{
	u32 i;

	for (i = 0; i < MX_COMMIT_BATCH; i++) {
		if (il->batch_pages[i])
			__free_page(il->batch_pages[i]);
		kfree(il->batch_snaps[i]);
		il->batch_pages[i] = NULL;
		il->batch_snaps[i] = NULL;
	}
	if (il->batch)
		for (i = 0; i < MX_COMMIT_BATCH; i++)
			kfree(il->batch->bios[i]);
	kfree(il->batch);
	il->batch = NULL;
}

int mx_ilog_init(struct mx_ilog *il, struct mx_meta *meta)
{
	u32 i;

	memset(il, 0, sizeof(*il));
	il->meta = meta;
	il->batch = kzalloc(sizeof(*il->batch), GFP_KERNEL);
	if (!il->batch)
		return -ENOMEM;
	for (i = 0; i < MX_COMMIT_BATCH; i++) {
		il->batch_pages[i] = alloc_page(GFP_KERNEL);
		il->batch_snaps[i] = kmalloc_array(MX_SNAP_LONGS, sizeof(long),
						   GFP_KERNEL);
		il->batch->bios[i] = bio_kmalloc(1, GFP_KERNEL);
		if (!il->batch_pages[i] || !il->batch_snaps[i] ||
		    !il->batch->bios[i]) {
			mx_ilog_free_buffers(il);
			return -ENOMEM;
		}
	}
	return 0;
}

static void mx_ilog_hot_free(struct mx_ilog *il)
{
	kvfree(il->hot);
	kvfree(il->hot_recent);
	kvfree(il->hot_copied);
	il->hot = NULL;
	il->hot_recent = NULL;
	il->hot_copied = NULL;
}

void mx_ilog_exit(struct mx_ilog *il)
{
	u32 n;

	for (n = 0; n < MX_MAX_NODES; n++) {
		kvfree(il->bits[n]);
		kvfree(il->disk_bits[n]);
		kvfree(il->dirty_blocks[n]);
		il->bits[n] = NULL;
		il->disk_bits[n] = NULL;
		il->dirty_blocks[n] = NULL;
	}
	for (n = 0; n < MX_MAX_NODES; n++) {
		kvfree(il->oos[n]);
		kvfree(il->csum[n]);
		il->oos[n] = NULL;
		il->csum[n] = NULL;
		il->oos_tally[n] = 0;
	}
	mx_ilog_hot_free(il);
	mx_ilog_free_buffers(il);
}

static void mx_ilog_mark_oos_bits_locked(struct mx_ilog *il, u32 node);

int mx_ilog_reread(struct mx_ilog *il, sector_t meta_sectors,
		   u64 data_sectors, const char **err)
{
	struct mx_meta *m = il->meta;
	struct {
		struct mx_meta meta;
		struct mx_ilog ilog;
	} *t;
	bool formatted;
	u32 n;
	int r;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		*err = "Cannot allocate metadata";
		return -ENOMEM;
	}
	r = mx_meta_open(&t->meta, m->bdev, meta_sectors, data_sectors,
			 m->sb.region_sectors, &formatted, err);
	if (r)
		goto out_free;
	/* Only slots are loaded into it: no commit buffers. */
	t->ilog.meta = &t->meta;
	if (formatted || t->meta.nr_regions != m->nr_regions) {
		*err = "Metadata changed shape since the table was loaded: load it again";
		r = -EINVAL;
		goto out_exit;
	}
	for (n = 0; n < MX_MAX_NODES; n++) {
		if (!il->bits[n])
			continue;
		r = mx_ilog_load_slot(&t->ilog, n);
		if (r) {
			*err = "Cannot read intent log";
			goto out_exit;
		}
	}
	mutex_lock(&m->commit_lock);
	spin_lock_irq(&m->lock);
	swap(m->sb, t->meta.sb);
	swap(m->sb_dirty, t->meta.sb_dirty);
	swap(m->grow_from, t->meta.grow_from);
	for (n = 0; n < MX_MAX_NODES; n++) {
		swap(il->bits[n], t->ilog.bits[n]);
		swap(il->disk_bits[n], t->ilog.disk_bits[n]);
		swap(il->dirty_blocks[n], t->ilog.dirty_blocks[n]);
		il->maybe_marked[n] = true;
	}
	/*
	 * What was read is what is on disk: no extent is hot any more (a
	 * hot extent's image would differ from disk with no block dirty).
	 */
	if (il->hot) {
		bitmap_zero(il->hot, il->nr_extents);
		bitmap_zero(il->hot_recent, il->nr_extents);
		bitmap_zero(il->hot_copied, il->nr_extents);
		il->nr_hot = 0;
		il->period_heats = 0;
	}
	for (n = 0; n < MX_MAX_NODES; n++)
		mx_ilog_mark_oos_bits_locked(il, n);
	spin_unlock_irq(&m->lock);
	mutex_unlock(&m->commit_lock);
	r = 0;
out_exit:
	mx_ilog_exit(&t->ilog);	/* the old bitmaps, after a swap */
	mx_meta_close(&t->meta);
out_free:
	kfree(t);
	return r;
}

int mx_ilog_reformat(struct mx_ilog *il, u32 region_sectors,
		     sector_t meta_sectors, const char **err)
{
	unsigned long *old_bits[MX_MAX_NODES], *old_disk[MX_MAX_NODES];
	unsigned long *old_dirty[MX_MAX_NODES];
	struct mx_meta *m = il->meta;
	struct mx_sb_info sb;
	u32 n;
	int r;

	r = mx_meta_reformat_sb(m, region_sectors, meta_sectors, &sb, err);
	if (r)
		return r;
	mutex_lock(&m->commit_lock);
	spin_lock_irq(&m->lock);
	for (n = 0; n < MX_MAX_NODES; n++) {
		old_bits[n] = il->bits[n];
		old_disk[n] = il->disk_bits[n];
		old_dirty[n] = il->dirty_blocks[n];
		il->bits[n] = NULL;
		il->disk_bits[n] = NULL;
		il->dirty_blocks[n] = NULL;
	}
	mx_meta_adopt_sb_locked(m, &sb);
	spin_unlock_irq(&m->lock);
	/* kvfree() may sleep (vfree): never under the spinlock. */
	for (n = 0; n < MX_MAX_NODES; n++) {
		kvfree(old_bits[n]);
		kvfree(old_disk[n]);
		kvfree(old_dirty[n]);
	}
	r = mx_meta_format(m);
	mutex_unlock(&m->commit_lock);
	if (r)
		*err = "Cannot write new metadata";
	return r;
}

int mx_ilog_load_slot(struct mx_ilog *il, u32 node)
{
	unsigned long *bits, *disk, *dirty;
	u64 b, nwords = DIV_ROUND_UP(il->meta->nr_regions, 64);
	u64 from, nblocks;
	int r = 0;

	if (node >= MX_MAX_NODES)
		return -EINVAL;
	if (il->bits[node])
		return 0;
	bits = mx_region_bitmap_alloc(nwords * 64);
	disk = mx_region_bitmap_alloc(nwords * 64);
	dirty = mx_region_bitmap_alloc(il->meta->bitmap_blocks);
	if (!bits || !disk || !dirty) {
		r = -ENOMEM;
		goto out;
	}
	mutex_lock(&il->meta->commit_lock);
	/* Growing: the blocks past the old size were never written. */
	from = il->meta->grow_from;
	nblocks = from ? mx_bitmap_blocks(from) : il->meta->bitmap_blocks;
	for (b = 0; b < nblocks; b++) {
		const __le64 *in = page_address(il->meta->io_page);
		u64 i, w;

		r = mx_meta_io(il->meta, REQ_OP_READ,
			       mx_bitmap_first_block(&il->meta->sb, node) + b);
		if (r)
			break;
		for (i = 0; i < MX_WORDS_PER_BLOCK; i++) {
			u64 v = le64_to_cpu(in[i]);

			w = b * MX_WORDS_PER_BLOCK + i;
			if (w >= nwords)
				break;
			bitmap_from_arr64(bits + w * (64 / BITS_PER_LONG),
					  &v, 64);
		}
	}
	mutex_unlock(&il->meta->commit_lock);
	if (r)
		goto out;
	/* Bits past the last region are meaningless: drop them. */
	if (il->meta->nr_regions < nwords * 64)
		bitmap_clear(bits, il->meta->nr_regions, nwords * 64 - il->meta->nr_regions);
	if (from) {
		/* ... and past the old size; the new regions may differ. */
		bitmap_clear(bits, from, nwords * 64 - from);
		bitmap_copy(disk, bits, nwords * 64);
		bitmap_set(bits, from, il->meta->nr_regions - from);
		bitmap_set(dirty, from / (MX_META_BLOCK_SIZE * 8),
			   il->meta->bitmap_blocks - from / (MX_META_BLOCK_SIZE * 8));
	} else {
		bitmap_copy(disk, bits, nwords * 64);
	}
	spin_lock_irq(&il->meta->lock);
	il->bits[node] = bits;
	il->disk_bits[node] = disk;
	il->dirty_blocks[node] = dirty;
	il->maybe_marked[node] = true;
	spin_unlock_irq(&il->meta->lock);
	return 0;
out:
	kvfree(bits);
	kvfree(disk);
	kvfree(dirty);
	return r;
}

#define MX_BLOCK_BITS	(MX_META_BLOCK_SIZE * 8)	/* regions per block */

static u64 mx_block_of(u64 region)
{
	return region / MX_BLOCK_BITS;
}

int mx_ilog_hot_init(struct mx_ilog *il, u32 extent_sectors)
{
	u32 rs = il->meta->sb.region_sectors;

	BUILD_BUG_ON(MX_EXTENT_SECTORS / MX_MIN_REGION_SECTORS >
		     MX_META_BLOCK_SIZE * 8);
	il->extent_shift = extent_sectors > rs ? ilog2(extent_sectors / rs) : 0;
	/* An extent never straddles two bitmap blocks (mx_extent_changed()). */
	il->extent_shift = min_t(u32, il->extent_shift,
				 ilog2(MX_META_BLOCK_SIZE * 8));
	il->nr_extents = (il->meta->nr_regions + mx_ilog_extent_regions(il) - 1) >>
			il->extent_shift;
	il->nr_hot = 0;
	il->hot = mx_region_bitmap_alloc(il->nr_extents);
	il->hot_recent = mx_region_bitmap_alloc(il->nr_extents);
	il->hot_copied = mx_region_bitmap_alloc(il->nr_extents);
	if (!il->hot || !il->hot_recent || !il->hot_copied) {
		mx_ilog_hot_free(il);
		return -ENOMEM;
	}
	return 0;
}

static bool mx_extent_hot(struct mx_ilog *il, u64 r)
{
	return il->hot && test_bit(r >> il->extent_shift, il->hot);
}

/* Regions [first, last] of extent @e (the last one may be short). */
static void mx_extent_span(struct mx_ilog *il, u64 e, u64 *first, u64 *last)
{
	*first = e << il->extent_shift;
	*last = min(*first + mx_ilog_extent_regions(il), il->meta->nr_regions) - 1;
}

/*
 * Extent @e's image changes for every loaded node (heated or cooled):
 * its block is dirty where the image now differs from what is on disk.
 * An extent lies in one block: a block holds 2^15 regions, an extent at
 * most 2^10 (MX_EXTENT_SECTORS / the smallest region, 8 sectors; checked
 * in mx_ilog_hot_init()).
 */
static void mx_extent_changed(struct mx_ilog *il, u64 e)
{
	u64 first, last;
	u32 n;

	mx_extent_span(il, e, &first, &last);
	for (n = 0; n < MX_MAX_NODES; n++)
		if (il->bits[n])
			__set_bit(mx_block_of(first), il->dirty_blocks[n]);
}

static void mx_extent_cool(struct mx_ilog *il, u64 e);

/*
 * Make room for one more hot extent under the cap: cool the first hot
 * extent from the clock hand on that is outside [@lo, @hi] (the write
 * heating them) and not written this period, looking at most at
 * MX_EVICT_SCAN of them; else the first outside [@lo, @hi]. Cooling is
 * safe at any time: the image falls back to the bits, which hold every
 * region that may differ. Returns false when nothing could be cooled.
 */
static bool mx_ilog_evict_locked(struct mx_ilog *il, u64 lo, u64 hi)
{
	u64 e = il->cool_hand, victim = U64_MAX;
	u32 seen;

	for (seen = 0; seen < MX_EVICT_SCAN; seen++) {
		e = find_next_bit(il->hot, il->nr_extents, e);
		if (e >= il->nr_extents)
			e = find_first_bit(il->hot, il->nr_extents);
		if (e >= il->nr_extents)
			return false;
		if (e < lo || e > hi) {
			if (victim == U64_MAX)
				victim = e;
			if (!test_bit(e, il->hot_recent)) {
				victim = e;
				break;
			}
		}
		e++;
	}
	if (victim == U64_MAX)
		return false;
	mx_extent_cool(il, victim);
	il->cool_hand = victim + 1;
	return true;
}

static bool mx_ilog_heat_one(struct mx_ilog *il, u64 e)
{
	if (il->hot_cap && il->nr_hot >= il->hot_cap)
		return false;
	__set_bit(e, il->hot);
	il->nr_hot++;
	mx_extent_changed(il, e);
	return true;
}

/*
 * Heat the cold extents of @e's bitmap block, from @e on and then from
 * the block's first, until the cap is reached; none is evicted for them.
 */
static void mx_ilog_spread_locked(struct mx_ilog *il, u64 e)
{
	u64 per_block = (MX_META_BLOCK_SIZE * 8) >> il->extent_shift;
	u64 first = round_down(e, per_block);	/* a power of 2 */
	u64 end = min(first + per_block, il->nr_extents);
	u64 x = e;

	for (;;) {
		x = find_next_zero_bit(il->hot, end, x);
		if (x >= end) {
			if (e == first)
				return;
			/* The part before @e, once. */
			end = e;
			e = first;
			x = first;
			continue;
		}
		if (!mx_ilog_heat_one(il, x))
			return;
		x++;
	}
}

bool mx_ilog_heat_locked(struct mx_ilog *il, u64 r0, u64 r1, u32 ahead)
{
	u64 e, e0, e1, end, last_own = U64_MAX;
	bool heated = false;

	if (!il->hot)
		return false;
	e0 = r0 >> il->extent_shift;
	e1 = r1 >> il->extent_shift;
	/* Ahead in steps: only once the stream reached the last one heated. */
	if (e1 + 1 < il->nr_extents && test_bit(e1 + 1, il->hot))
		ahead = 0;
	end = min(e1 + ahead, il->nr_extents - 1);
	for (e = e0; e <= end; e++) {
		if (e <= e1)
			__set_bit(e, il->hot_recent);
		if (test_bit(e, il->hot))
			continue;
		/* The cap holds here: marking ahead never evicts. */
		if (il->hot_cap && il->nr_hot >= il->hot_cap &&
		    (e > e1 || !mx_ilog_evict_locked(il, e0, end)))
			continue;
		if (!mx_ilog_heat_one(il, e))
			continue;
		heated = true;
		if (e <= e1) {
			il->period_heats++;
			last_own = e;
		}
	}
	/* The block of the last extent the write heated: its commit's. */
	if (last_own != U64_MAX && il->period_heats >= MX_SPREAD_HEATS)
		mx_ilog_spread_locked(il, last_own);
	return heated;
}

static void mx_extent_cool(struct mx_ilog *il, u64 e)
{
	__clear_bit(e, il->hot);
	il->nr_hot--;
	mx_extent_changed(il, e);
}

void mx_ilog_note_copied_locked(struct mx_ilog *il, u64 r)
{
	if (il->hot)
		__set_bit(r >> il->extent_shift, il->hot_copied);
}

u64 mx_ilog_cool_locked(struct mx_ilog *il, u64 limit)
{
	u64 e, cooled = 0;

	if (!il->hot)
		return 0;
	/* Resync progress first, where no write needs the extent. */
	for_each_set_bit(e, il->hot_copied, il->nr_extents) {
		if (test_bit(e, il->hot_recent))
			continue;
		__clear_bit(e, il->hot_copied);
		if (test_bit(e, il->hot)) {
			mx_extent_cool(il, e);
			cooled++;
		}
	}
	/*
	 * Cold ones first, then any, until at most @limit are hot; no scan
	 * of the map when none need to cool (each second, on a multi-TiB
	 * device a map of hundreds of KiB).
	 */
	if (il->nr_hot > limit) {
		for_each_set_bit(e, il->hot, il->nr_extents) {
			if (il->nr_hot <= limit)
				break;
			if (!test_bit(e, il->hot_recent)) {
				mx_extent_cool(il, e);
				cooled++;
			}
		}
		for_each_set_bit(e, il->hot, il->nr_extents) {
			if (il->nr_hot <= limit)
				break;
			mx_extent_cool(il, e);
			cooled++;
		}
	}
	bitmap_zero(il->hot_recent, il->nr_extents);
	il->period_heats /= 2;
	return cooled;
}

/* Regions of block @b: [*first, *first + *nbits). */
static void mx_block_span(struct mx_ilog *il, u64 b, u64 *first, u64 *nbits)
{
	*first = b * MX_META_BLOCK_SIZE * 8;
	*nbits = min_t(u64, MX_META_BLOCK_SIZE * 8, il->meta->nr_regions - *first);
}

void mx_ilog_image_locked(struct mx_ilog *il, u32 node, u64 b,
			  unsigned long *out)
{
	u64 first, nbits, e, e0, e1, f, l;

	mx_block_span(il, b, &first, &nbits);
	bitmap_copy(out, il->bits[node] + first / BITS_PER_LONG, nbits);
	/* bitmap_copy() copies whole words: nothing past the last region. */
	bitmap_clear(out, nbits, MX_META_BLOCK_SIZE * 8 - nbits);
	if (!il->hot)
		return;
	e0 = first >> il->extent_shift;
	e1 = (first + nbits - 1) >> il->extent_shift;
	for (e = find_next_bit(il->hot, e1 + 1, e0); e <= e1;
	     e = find_next_bit(il->hot, e1 + 1, e + 1)) {
		mx_extent_span(il, e, &f, &l);
		bitmap_set(out, f - first, l - f + 1);
	}
}

bool mx_ilog_mark_locked(struct mx_ilog *il, u32 node, u64 r0, u64 r1)
{
	u64 r;

	il->maybe_marked[node] = true;
	for (r = r0; r <= r1; r++) {
		/* In a hot extent the image, all set, does not change. */
		if (!__test_and_set_bit(r, il->bits[node]) &&
		    !mx_extent_hot(il, r))
			__set_bit(mx_block_of(r), il->dirty_blocks[node]);
	}
	return mx_ilog_persisted_locked(il, node, r0, r1);
}

/*
 * A region out of sync for @node is always marked for it (no sweep may
 * clear what a peer still lacks, and the resync copies only regions whose
 * bit is on disk). After a re-read, marks that were in core only (a
 * verify's differences, with the commit at suspend failed) are gone from
 * the bits but not from the out-of-sync map: mark them again, to be
 * committed. Under meta->lock.
 */
static void mx_ilog_mark_oos_bits_locked(struct mx_ilog *il, u32 node)
{
	u64 n = il->meta->nr_regions, r;

	if (!il->bits[node] || !il->oos[node])
		return;
	for_each_set_bit(r, il->oos[node], n)
		mx_ilog_mark_locked(il, node, r, r);
}

bool mx_ilog_persisted_locked(struct mx_ilog *il, u32 node, u64 r0, u64 r1)
{
	u64 r;

	for (r = r0; r <= r1; r++)
		if (!test_bit(r, il->disk_bits[node]))
			return false;
	return true;
}

void mx_ilog_clear_locked(struct mx_ilog *il, u32 node, u64 r)
{
	if (__test_and_clear_bit(r, il->bits[node]) && !mx_extent_hot(il, r))
		__set_bit(mx_block_of(r), il->dirty_blocks[node]);
}

void mx_ilog_set_all_locked(struct mx_ilog *il, u32 node)
{
	bitmap_set(il->bits[node], 0, il->meta->nr_regions);
	il->maybe_marked[node] = true;
	bitmap_set(il->dirty_blocks[node], 0, il->meta->bitmap_blocks);
}

void mx_ilog_set_all(struct mx_ilog *il, u32 node)
{
	spin_lock_irq(&il->meta->lock);
	mx_ilog_set_all_locked(il, node);
	spin_unlock_irq(&il->meta->lock);
}

/* Mark dirty each bitmap block of @node that holds a set bit of @map. */
static void mx_dirty_blocks_with_bits(struct mx_ilog *il, u32 node,
				      const unsigned long *map)
{
	u64 n = il->meta->nr_regions;
	u64 r;

	for (r = find_first_bit(map, n); r < n;
	     r = find_next_bit(map, n, (mx_block_of(r) + 1) * MX_BLOCK_BITS))
		__set_bit(mx_block_of(r), il->dirty_blocks[node]);
}

void mx_ilog_clear_all_locked(struct mx_ilog *il, u32 node)
{
	/*
	 * Only the blocks with a set bit, in core or on disk, change: a
	 * clear bitmap is not written again (every handshake clears the
	 * target's; a large one is thousands of blocks). A block in a
	 * commit's flight is written from bits it had at the begin, so it
	 * is dirty already (cleared since) or has them still (seen here);
	 * a bit of a hot extent stays in its image anyway, and cooling the
	 * extent dirties the block.
	 */
	mx_dirty_blocks_with_bits(il, node, il->bits[node]);
	mx_dirty_blocks_with_bits(il, node, il->disk_bits[node]);
	bitmap_clear(il->bits[node], 0, il->meta->nr_regions);
}

void mx_ilog_or_words(struct mx_ilog *il, u32 node, u64 word,
		      const u64 *words, u32 nwords)
{
	u64 nw = DIV_ROUND_UP(il->meta->nr_regions, 64);
	u32 i;

	spin_lock_irq(&il->meta->lock);
	il->maybe_marked[node] = true;
	for (i = 0; i < nwords && word + i < nw; i++) {
		u64 v = words[i];

		while (v) {
			u64 r = (word + i) * 64 + __ffs64(v);

			v &= v - 1;
			if (r < il->meta->nr_regions &&
			    !__test_and_set_bit(r, il->bits[node]))
				__set_bit(mx_block_of(r),
					  il->dirty_blocks[node]);
		}
	}
	spin_unlock_irq(&il->meta->lock);
}

/*
 * OR the regions of the hot extents in [@first, @first + @nbits) into
 * @dst, whose bit 0 is region @first; an extent that reaches past either
 * end counts with its part inside. Under meta->lock.
 */
static void mx_ilog_or_hot_range_locked(struct mx_ilog *il,
					unsigned long *dst, u64 first,
					u64 nbits)
{
	u64 e, end, ef, el, s, t;

	if (!il->hot || !nbits)
		return;
	e = first >> il->extent_shift;
	end = min(((first + nbits - 1) >> il->extent_shift) + 1,
		  il->nr_extents);
	for_each_set_bit_from(e, il->hot, end) {
		mx_extent_span(il, e, &ef, &el);
		s = max(ef, first);
		t = min(el, first + nbits - 1);
		bitmap_set(dst, s - first, t - s + 1);
	}
}

/*
 * mx_ilog_weight() of regions [@first, @first + @nbits), @first a
 * multiple of BITS_PER_LONG, @nbits at most MX_WEIGHT_CHUNK. Under
 * meta->lock.
 */
static u64 mx_ilog_weight_chunk_locked(struct mx_ilog *il,
				       unsigned long nodes, bool hot,
				       u64 first, u32 nbits)
{
	DECLARE_BITMAP(acc, MX_WEIGHT_CHUNK);
	unsigned long *m;
	u32 node;

	bitmap_zero(acc, nbits);
	for_each_set_bit(node, &nodes, MX_MAX_NODES) {
		m = il->bits[node];
		if (m)
			bitmap_or(acc, acc, m + first / BITS_PER_LONG, nbits);
	}
	if (hot)
		mx_ilog_or_hot_range_locked(il, acc, first, nbits);
	return bitmap_weight(acc, nbits);
}

u64 mx_ilog_weight(struct mx_ilog *il, unsigned long nodes, bool hot)
{
	u64 first, nr, n = 0;

	might_sleep();
	for (first = 0; ; first += MX_WEIGHT_CHUNK) {
		/* Read each time: a reformat may change it meanwhile. */
		spin_lock_irq(&il->meta->lock);
		nr = il->meta->nr_regions;
		if (first >= nr) {
			spin_unlock_irq(&il->meta->lock);
			break;
		}
		n += mx_ilog_weight_chunk_locked(il, nodes, hot, first,
						 min_t(u64, nr - first,
						       MX_WEIGHT_CHUNK));
		spin_unlock_irq(&il->meta->lock);
		cond_resched();
	}
	return n;
}

u64 mx_ilog_count(struct mx_ilog *il, u32 node)
{
	u64 n = 0;

	/* Under the lock: a reformat (a target adopting a region size) frees it. */
	spin_lock_irq(&il->meta->lock);
	if (il->bits[node])
		n = bitmap_weight(il->bits[node], il->meta->nr_regions);
	spin_unlock_irq(&il->meta->lock);
	return n;
}

bool mx_ilog_needs_commit(struct mx_ilog *il)
{
	bool need;
	u32 n;

	spin_lock_irq(&il->meta->lock);
	need = il->meta->sb_dirty;
	for (n = 0; n < MX_MAX_NODES && !need; n++)
		if (il->dirty_blocks[n] &&
		    !bitmap_empty(il->dirty_blocks[n], il->meta->bitmap_blocks))
			need = true;
	spin_unlock_irq(&il->meta->lock);
	return need;
}

void mx_ilog_commit_begin_locked(struct mx_ilog *il, u32 node, u64 b,
				 unsigned long *snap)
{
	u64 first, nbits;
	unsigned long *disk;

	mx_block_span(il, b, &first, &nbits);
	disk = il->disk_bits[node] + first / BITS_PER_LONG;
	__clear_bit(b, il->dirty_blocks[node]);
	mx_ilog_image_locked(il, node, b, snap);
	/*
	 * Until the write completes the block on disk may hold either the
	 * old or the new bits: only a bit set in both is on disk. A bit
	 * going 1 -> 0 stops counting as persisted now, so a mark of its
	 * region during this write waits for the next commit.
	 */
	bitmap_and(disk, disk, snap, nbits);
}

void mx_ilog_commit_end_locked(struct mx_ilog *il, u32 node, u64 b,
			       const unsigned long *snap, bool written)
{
	u64 first, nbits;

	mx_block_span(il, b, &first, &nbits);
	if (written)
		bitmap_copy(il->disk_bits[node] + first / BITS_PER_LONG, snap,
			    nbits);
	else
		__set_bit(b, il->dirty_blocks[node]);
}

static void mx_commit_bio_end(struct bio *bio)
{
	struct mx_commit_batch *cb = bio->bi_private;
	u32 i;

	for (i = 0; i < cb->nr; i++)
		if (cb->bios[i] == bio)
			cb->status[i] = bio->bi_status;
	if (atomic_dec_and_test(&cb->pending))
		complete(&cb->done);
}

/*
 * Write the @cb->nr blocks of @cb (bitmap block cb->block[i] of slot
 * cb->node[i], from @pages[i]) with @opf, all in flight at once, and
 * wait for them; cb->status[] says how each went. Under commit_lock.
 */
static void mx_commit_batch_submit(struct mx_ilog *il,
				   struct mx_commit_batch *cb,
				   struct page **pages, blk_opf_t opf)
{
	struct blk_plug plug;
	u32 i;

	atomic_set(&cb->pending, cb->nr);
	init_completion(&cb->done);
	blk_start_plug(&plug);
	for (i = 0; i < cb->nr; i++) {
		struct bio *bio = cb->bios[i];

		cb->status[i] = BLK_STS_OK;
		bio_init(bio, il->meta->bdev, bio->bi_inline_vecs, 1, opf);
		bio->bi_iter.bi_sector =
			(mx_bitmap_first_block(&il->meta->sb, cb->node[i]) +
			 cb->block[i]) * MX_META_BLOCK_SECTORS;
		__bio_add_page(bio, pages[i], MX_META_BLOCK_SIZE, 0);
		bio->bi_private = cb;
		bio->bi_end_io = mx_commit_bio_end;
		submit_bio(bio);
	}
	blk_finish_plug(&plug);
	mx_io_wait(&cb->done, il->meta->bdev, "an intent-log commit");
}

/* The first error of a submitted batch, 0 if none; its bios uninit. */
static int mx_commit_batch_result(struct mx_commit_batch *cb)
{
	int r = 0;
	u32 i;

	for (i = 0; i < cb->nr; i++) {
		if (!r)
			r = blk_status_to_errno(cb->status[i]);
		bio_uninit(cb->bios[i]);
	}
	cb->nr = 0;
	return r;
}

/*
 * Write the blocks of @cb: snapshot each under the lock, submit them all
 * (FUA), wait for all, then publish each snapshot that was written as
 * what is on disk. A bit set after a snapshot leaves its block dirty for
 * the next round. Returns 0 or the first error.
 */
static int mx_commit_batch_write(struct mx_ilog *il, struct mx_commit_batch *cb)
{
	u32 i;

	spin_lock_irq(&il->meta->lock);
	for (i = 0; i < cb->nr; i++) {
		u64 first, nbits;

		mx_block_span(il, cb->block[i], &first, &nbits);
		mx_ilog_commit_begin_locked(il, cb->node[i], cb->block[i],
					    il->batch_snaps[i]);
		mx_fill_block(il->batch_pages[i], il->batch_snaps[i], nbits);
	}
	spin_unlock_irq(&il->meta->lock);

	mx_commit_batch_submit(il, cb, il->batch_pages,
			       REQ_OP_WRITE | REQ_SYNC | REQ_FUA);

	spin_lock_irq(&il->meta->lock);
	for (i = 0; i < cb->nr; i++)
		mx_ilog_commit_end_locked(il, cb->node[i], cb->block[i],
					  il->batch_snaps[i],
					  cb->status[i] == BLK_STS_OK);
	spin_unlock_irq(&il->meta->lock);
	return mx_commit_batch_result(cb);
}

/* Write every dirty bitmap block, MX_COMMIT_BATCH at a time. */
static int mx_commit_blocks(struct mx_ilog *il)
{
	struct mx_commit_batch *cb = il->batch;
	int r = 0;
	u32 n;
	u64 b;

	cb->nr = 0;
	for (n = 0; n < MX_MAX_NODES && !r; n++) {
		if (!il->dirty_blocks[n])
			continue;
		for (b = 0; b < il->meta->bitmap_blocks && !r; b++) {
			if (!test_bit(b, il->dirty_blocks[n]))
				continue;
			cb->node[cb->nr] = n;
			cb->block[cb->nr] = b;
			if (++cb->nr == MX_COMMIT_BATCH)
				r = mx_commit_batch_write(il, cb);
		}
	}
	if (!r && cb->nr)
		r = mx_commit_batch_write(il, cb);
	return r;
}

/*
 * A grow's new regions [grow_from, nr_regions) set in the
 * bitmap of every slot nobody loaded (a loaded one has them in core and
 * dirty): read-modify-write of the old last block, set blocks past it,
 * MX_COMMIT_BATCH writes in flight at a time and one flush after them
 * (not a FUA write each: a large grow writes thousands). Durable before
 * the superblock with the new size: a crash in between leaves the old
 * size, whose regions these writes did not change. Under commit_lock.
 */
static int mx_ilog_grow_unloaded(struct mx_ilog *il)
{
	const u64 bpb = MX_META_BLOCK_SIZE * 8;
	struct mx_meta *m = il->meta;
	struct mx_commit_batch *cb = il->batch;
	u64 from = m->grow_from, b, lo, nbits, last_bits, first_new;
	unsigned long *snap = il->batch_snaps[0];
	struct page *pages[MX_COMMIT_BATCH];
	struct page *ones = il->batch_pages[0], *last = il->batch_pages[1];
	bool loaded;
	u32 n;
	int r = 0;

	/* The new blocks: every region set; the last one up to nr_regions. */
	first_new = mx_bitmap_blocks(from);
	last_bits = m->nr_regions - (u64)(m->bitmap_blocks - 1) * bpb;
	bitmap_fill(snap, bpb);
	mx_fill_block(ones, snap, bpb);
	/* Whole words are copied: nothing set past the last region. */
	bitmap_clear(snap, last_bits, bpb - last_bits);
	mx_fill_block(last, snap, last_bits);
	cb->nr = 0;
	for (n = 0; n < MX_MAX_NODES && !r; n++) {
		spin_lock_irq(&m->lock);
		loaded = il->bits[n];
		spin_unlock_irq(&m->lock);
		if (loaded)
			continue;
		/* The old last block, if partial: read, set the new part. */
		if (from % bpb) {
			b = from / bpb;
			lo = from - b * bpb;
			nbits = min_t(u64, bpb, m->nr_regions - b * bpb);
			r = mx_meta_io(m, REQ_OP_READ,
				       mx_bitmap_first_block(&m->sb, n) + b);
			if (r)
				break;
			mx_read_block(m->io_page, snap);
			bitmap_clear(snap, lo, bpb - lo);
			bitmap_set(snap, lo, nbits - lo);
			mx_fill_block(m->io_page, snap, nbits);
			r = mx_meta_io(m, REQ_OP_WRITE,
				       mx_bitmap_first_block(&m->sb, n) + b);
		}
		for (b = first_new; b < m->bitmap_blocks && !r; b++) {
			pages[cb->nr] = b + 1 == m->bitmap_blocks ? last : ones;
			cb->node[cb->nr] = n;
			cb->block[cb->nr] = b;
			if (++cb->nr < MX_COMMIT_BATCH)
				continue;
			mx_commit_batch_submit(il, cb, pages, REQ_OP_WRITE);
			r = mx_commit_batch_result(cb);
		}
	}
	if (!r && cb->nr) {
		mx_commit_batch_submit(il, cb, pages, REQ_OP_WRITE);
		r = mx_commit_batch_result(cb);
	}
	cb->nr = 0;
	/* Durable before the superblock that says the new size. */
	return r ?: mx_bdev_flush(m->bdev, "a metadata flush");
}

int mx_ilog_commit(struct mx_ilog *il)
{
	struct mx_sb_info sb;
	bool sb_dirty;
	int r;

	mutex_lock(&il->meta->commit_lock);
	r = mx_commit_blocks(il);
	if (!r && il->meta->grow_from)
		r = mx_ilog_grow_unloaded(il);
	if (!r) {
		spin_lock_irq(&il->meta->lock);
		sb_dirty = il->meta->sb_dirty;
		il->meta->sb_dirty = false;
		sb = il->meta->sb;
		spin_unlock_irq(&il->meta->lock);
		if (sb_dirty) {
			r = mx_meta_write_sb(il->meta, &sb);
			spin_lock_irq(&il->meta->lock);
			if (r)
				il->meta->sb_dirty = true;
			else
				il->meta->grow_from = 0;	/* on disk now */
			spin_unlock_irq(&il->meta->lock);
		}
	}
	if (!r)
		il->commits++;
	mutex_unlock(&il->meta->commit_lock);
	if (r)
		DMERR_LIMIT("metadata commit failed: %d", r);
	return r;
}

int mx_ilog_peer_init(struct mx_ilog *il, u32 node)
{
	if (node >= MX_MAX_NODES)
		return -EINVAL;
	il->oos[node] = mx_region_bitmap_alloc(il->meta->nr_regions);
	il->csum[node] = mx_region_bitmap_alloc(il->meta->nr_regions);
	il->oos_tally[node] = 0;
	if (!il->oos[node] || !il->csum[node]) {
		kvfree(il->oos[node]);
		kvfree(il->csum[node]);
		il->oos[node] = NULL;
		il->csum[node] = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Set bits of @map in [@start, @start + @len). */
static u64 mx_weight_range(const unsigned long *map, u64 start, u64 len)
{
	u64 end = start + len, n = 0;

	for (; start < end && start % BITS_PER_LONG; start++)
		n += test_bit(start, map);
	for (; end - start >= BITS_PER_LONG; start += BITS_PER_LONG)
		n += hweight_long(map[start / BITS_PER_LONG]);
	for (; start < end; start++)
		n += test_bit(start, map);
	return n;
}

bool mx_ilog_mark_oos_locked(struct mx_ilog *il, u32 node, u64 r0, u64 r1)
{
	u64 len = r1 - r0 + 1;

	il->oos_tally[node] += len - mx_weight_range(il->oos[node], r0, len);
	bitmap_set(il->oos[node], r0, len);
	return mx_ilog_mark_locked(il, node, r0, r1);
}

bool mx_ilog_mark_oos(struct mx_ilog *il, u32 node, u64 r0, u64 r1)
{
	unsigned long flags;
	bool persisted;

	spin_lock_irqsave(&il->meta->lock, flags);
	persisted = mx_ilog_mark_oos_locked(il, node, r0, r1);
	spin_unlock_irqrestore(&il->meta->lock, flags);
	return persisted;
}

static bool mx_ilog_test(struct mx_ilog *il, unsigned long *map, u64 r)
{
	unsigned long flags;
	bool set;

	spin_lock_irqsave(&il->meta->lock, flags);
	set = test_bit(r, map);
	spin_unlock_irqrestore(&il->meta->lock, flags);
	return set;
}

bool mx_ilog_oos_test(struct mx_ilog *il, u32 node, u64 r)
{
	return mx_ilog_test(il, il->oos[node], r);
}

bool mx_ilog_csum_test(struct mx_ilog *il, u32 node, u64 r)
{
	return mx_ilog_test(il, il->csum[node], r);
}

u64 mx_ilog_next_oos(struct mx_ilog *il, u32 node, u64 from)
{
	unsigned long flags;
	u64 r;

	spin_lock_irqsave(&il->meta->lock, flags);
	r = find_next_bit(il->oos[node], il->meta->nr_regions, from);
	spin_unlock_irqrestore(&il->meta->lock, flags);
	return r;
}

u64 mx_ilog_oos_count_locked(struct mx_ilog *il, u32 node)
{
	return bitmap_weight(il->oos[node], il->meta->nr_regions);
}

u64 mx_ilog_oos_tally(struct mx_ilog *il, u32 node)
{
	unsigned long flags;
	u64 n;

	spin_lock_irqsave(&il->meta->lock, flags);
	n = il->oos_tally[node];
	spin_unlock_irqrestore(&il->meta->lock, flags);
	return n;
}

u64 mx_ilog_oos_count(struct mx_ilog *il, u32 node)
{
	unsigned long flags;
	u64 n;

	spin_lock_irqsave(&il->meta->lock, flags);
	n = mx_ilog_oos_count_locked(il, node);
	spin_unlock_irqrestore(&il->meta->lock, flags);
	return n;
}

u32 mx_ilog_oos_run(struct mx_ilog *il, u32 node, u64 r, u32 max)
{
	unsigned long flags;
	u32 n;

	spin_lock_irqsave(&il->meta->lock, flags);
	n = mx_rs_run_len(il->oos[node], il->meta->nr_regions, r, max);
	spin_unlock_irqrestore(&il->meta->lock, flags);
	return n;
}

bool mx_ilog_resync_done_locked(struct mx_ilog *il, u32 node, u64 r)
{
	__clear_bit(r, il->csum[node]);
	/* Its bit, cleared after the next flush, must reach disk. */
	mx_ilog_note_copied_locked(il, r);
	if (!__test_and_clear_bit(r, il->oos[node]))
		return false;
	il->oos_tally[node]--;
	return true;
}

void mx_ilog_csum_forget(struct mx_ilog *il, u32 node, u64 r0, u64 r1)
{
	unsigned long flags;

	spin_lock_irqsave(&il->meta->lock, flags);
	bitmap_clear(il->csum[node], r0, r1 - r0 + 1);
	spin_unlock_irqrestore(&il->meta->lock, flags);
}

u64 mx_ilog_connect_locked(struct mx_ilog *il, u32 node)
{
	bitmap_copy(il->oos[node], il->bits[node], il->meta->nr_regions);
	il->oos_tally[node] = mx_ilog_oos_count_locked(il, node);
	return il->oos_tally[node];
}

void mx_ilog_request_resync_locked(struct mx_ilog *il, u32 node, bool full,
				   bool csum, bool live)
{
	u64 nr = il->meta->nr_regions;

	if (csum)
		bitmap_fill(il->csum[node], nr);
	if (full) {
		mx_ilog_set_all_locked(il, node);
		il->meta->sb.slots[node].flags |= MX_SLOT_FULL_SYNC;
		mx_meta_sb_dirty(il->meta);
	}
	if (live) {
		bitmap_or(il->oos[node], il->oos[node], il->bits[node], nr);
		il->oos_tally[node] = mx_ilog_oos_count_locked(il, node);
	}
}

void mx_ilog_seed_csum_locked(struct mx_ilog *il, u32 node)
{
	bitmap_copy(il->csum[node], il->bits[node], il->meta->nr_regions);
}

void mx_ilog_assume_clean_locked(struct mx_ilog *il, u32 node)
{
	mx_ilog_clear_all_locked(il, node);
	bitmap_zero(il->oos[node], il->meta->nr_regions);
	il->oos_tally[node] = 0;
}

bool mx_ilog_sweep_cand_range_locked(struct mx_ilog *il, u32 node,
				     u64 first, u32 nbits,
				     unsigned long *cand)
{
	u64 w = first / BITS_PER_LONG;

	if (WARN_ON_ONCE(first % BITS_PER_LONG || nbits > MX_SWEEP_CHUNK ||
			 first + nbits > il->meta->nr_regions)) {
		il->maybe_marked[node] = true;	/* not looked at */
		return false;
	}
	/* @oos is a subset of @bits: no candidate, maybe bits all the same. */
	if (bitmap_andnot(cand, il->bits[node] + w, il->oos[node] + w,
			  nbits)) {
		il->maybe_marked[node] = true;
		return true;
	}
	if (find_first_bit(il->bits[node] + w, nbits) < nbits)
		il->maybe_marked[node] = true;
	return false;
}

bool mx_ilog_sweep_begin_locked(struct mx_ilog *il, u32 node)
{
	bool was = il->maybe_marked[node];

	il->maybe_marked[node] = false;
	return was;
}

void mx_ilog_sweep_stop_locked(struct mx_ilog *il, u32 node)
{
	il->maybe_marked[node] = true;
}

u32 mx_ilog_sweep_clear_range_locked(struct mx_ilog *il, u32 node,
				     u64 first, u32 nbits,
				     const unsigned long *keep,
				     const unsigned long *keep2)
{
	DECLARE_BITMAP(cand, MX_SWEEP_CHUNK);
	u64 w = first / BITS_PER_LONG;
	u32 r, n = 0;

	if (!mx_ilog_sweep_cand_range_locked(il, node, first, nbits, cand))
		return 0;
	bitmap_andnot(cand, cand, keep + w, nbits);
	if (keep2)
		bitmap_andnot(cand, cand, keep2 + w, nbits);
	for_each_set_bit(r, cand, nbits) {
		mx_ilog_clear_locked(il, node, first + r);
		n++;
	}
	return n;
}

bool mx_sweep_due(u32 *skipped, bool spaced, u32 every)
{
	if (spaced && ++*skipped < every)
		return false;
	*skipped = 0;
	return true;
}
