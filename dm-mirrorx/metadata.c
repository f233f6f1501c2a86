// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx metadata I/O: superblock and per-node intent-log bitmaps on
 * meta_dev, read and written in 4 KiB blocks with synchronous bios.
 */
#include <linux/module.h>
#include <linux/bio.h>
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/device-mapper.h>
#include "metadata.h"

#define DM_MSG_PREFIX "mirrorx-meta"
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

static int mx_meta_io(struct mx_meta *m, blk_opf_t opf, u64 block)
{
	struct bio bio;
	struct bio_vec bv;
	int r;

	bio_init(&bio, m->bdev, &bv, 1, opf);
	bio.bi_iter.bi_sector = block * MX_META_BLOCK_SECTORS;
	__bio_add_page(&bio, m->io_page, MX_META_BLOCK_SIZE, 0);
	r = submit_bio_wait(&bio);
	bio_uninit(&bio);
	return r;
}

unsigned long *mx_region_bitmap_alloc(u64 nbits)
{
	return kvcalloc(BITS_TO_LONGS(nbits), sizeof(unsigned long),
			GFP_KERNEL);
}

static int mx_meta_write_sb(struct mx_meta *m, const struct mx_sb_info *sb)
{
	mx_sb_encode(sb, page_address(m->io_page));
	return mx_meta_io(m, REQ_OP_WRITE | REQ_SYNC | REQ_FUA, 0);
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

/* Above this many bitmap blocks, the format zeroes them in large requests. */
#define MX_FORMAT_BLOCKWISE	256

/* Zero blocks [@first, @first + @nr) of the metadata device. */
static int mx_meta_zero_blocks(struct mx_meta *m, u64 first, u64 nr)
{
	u64 b;
	int r;

	/*
	 * Block by block (the 4 KiB writes every later metadata write is
	 * made of) for the usual sizes; in large requests (write-zeroes
	 * where the device has it) for big ones: a 16 TiB device's 256 MiB
	 * of bitmaps block by block took minutes.
	 */
	if (nr > MX_FORMAT_BLOCKWISE / MX_MAX_NODES)
		return blkdev_issue_zeroout(m->bdev,
					    first * MX_META_BLOCK_SECTORS,
					    nr * MX_META_BLOCK_SECTORS,
					    GFP_KERNEL, 0);
	memset(page_address(m->io_page), 0, MX_META_BLOCK_SIZE);
	for (b = first; b < first + nr; b++) {
		r = mx_meta_io(m, REQ_OP_WRITE, b);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Zero the blocks of every slot's bitmap that are in use; the room past
 * them is written when a grow takes it (mx_meta_grow_unloaded()).
 */
static int mx_meta_format(struct mx_meta *m)
{
	u32 n;
	int r;

	for (n = 0; n < MX_MAX_NODES; n++) {
		r = mx_meta_zero_blocks(m, mx_bitmap_first_block(&m->sb, n),
					m->bitmap_blocks);
		if (r)
			return r;
	}
	r = mx_meta_write_sb(m, &m->sb);
	if (r)
		return r;
	return blkdev_issue_flush(m->bdev);
}

static void mx_meta_free_buffers(struct mx_meta *m)
{
	u32 i;

	for (i = 0; i < MX_COMMIT_BATCH; i++) {
		if (m->batch_pages[i])
			__free_page(m->batch_pages[i]);
		kfree(m->batch_snaps[i]);
		m->batch_pages[i] = NULL;
		m->batch_snaps[i] = NULL;
	}
	if (m->io_page)
		__free_page(m->io_page);
	m->io_page = NULL;
	if (m->batch)
		for (i = 0; i < MX_COMMIT_BATCH; i++)
			kfree(m->batch->bios[i]);
	kfree(m->batch);
	m->batch = NULL;
}

/* Preallocated: a commit allocates nothing (it runs under writeback). */
static int mx_meta_alloc_buffers(struct mx_meta *m)
{
	u32 i;

	m->io_page = alloc_page(GFP_KERNEL);
	m->batch = kzalloc(sizeof(*m->batch), GFP_KERNEL);
	if (!m->io_page || !m->batch) {
		mx_meta_free_buffers(m);
		return -ENOMEM;
	}
	for (i = 0; i < MX_COMMIT_BATCH; i++) {
		m->batch_pages[i] = alloc_page(GFP_KERNEL);
		m->batch_snaps[i] = kmalloc_array(MX_SNAP_LONGS, sizeof(long),
						  GFP_KERNEL);
		m->batch->bios[i] = bio_kmalloc(1, GFP_KERNEL);
		if (!m->batch_pages[i] || !m->batch_snaps[i] ||
		    !m->batch->bios[i]) {
			mx_meta_free_buffers(m);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * The superblock just read says one size, the table another: the same,
 * a grow the layout has room for (in core: the superblock takes the new
 * size, @m->grow_from the old region count), or a refusal.
 */
static int mx_meta_open_grow(struct mx_meta *m, sector_t meta_sectors,
			     u64 data_sectors, const char **err)
{
	struct mx_sb_info want;
	int r;

	r = mx_grow_check(&m->sb, data_sectors, err);
	if (r == MX_SIZE_SAME)
		return 0;
	if (r == -ENOSPC) {
		want = m->sb;
		mx_sb_grow(&want, data_sectors);
		DMERR("growing to %llu sectors needs %u bitmap blocks per node, the metadata was laid out for %u (data up to %llu sectors): a metadata device of at least %llu sectors, formatted for the new size, holds it",
		      (unsigned long long)data_sectors,
		      mx_bitmap_blocks(want.nr_regions), m->sb.bitmap_blocks,
		      (unsigned long long)mx_sb_data_room(&m->sb),
		      (unsigned long long)mx_meta_required_sectors(want.nr_regions));
	}
	if (r < 0)
		return r;
	m->grow_from = m->sb.nr_regions;
	mx_sb_grow(&m->sb, data_sectors);
	m->sb_dirty = true;
	return 0;
}

int mx_meta_open(struct mx_meta *m, struct block_device *bdev,
		 sector_t meta_sectors, u64 data_sectors, u32 region_sectors,
		 bool *formatted, const char **err)
{
	void *buf;
	int r;

	memset(m, 0, sizeof(*m));
	m->bdev = bdev;
	mutex_init(&m->commit_lock);
	spin_lock_init(&m->lock);
	*formatted = false;
	r = mx_meta_alloc_buffers(m);
	if (r) {
		*err = "Cannot allocate metadata buffers";
		return r;
	}
	buf = page_address(m->io_page);
	if (meta_sectors < MX_META_BLOCK_SECTORS) {
		*err = "Metadata device too small";
		r = -EINVAL;
		goto bad;
	}
	r = mx_meta_io(m, REQ_OP_READ, 0);
	if (r) {
		*err = "Cannot read metadata superblock";
		goto bad;
	}
	if (mx_block_is_zero(buf)) {
		r = mx_sb_format(&m->sb, data_sectors,
				 region_sectors ?: MX_DEFAULT_REGION_SECTORS,
				 err);
		if (r)
			goto bad;
		mx_sb_plan_room(&m->sb, meta_sectors);
		*formatted = true;
	} else {
		r = mx_sb_decode(buf, &m->sb, err);
		if (r)
			goto bad;
		if (region_sectors && m->sb.region_sectors != region_sectors) {
			*err = "Region size differs from metadata";
			r = -EINVAL;
			goto bad;
		}
		r = mx_meta_open_grow(m, meta_sectors, data_sectors, err);
		if (r)
			goto bad;
	}
	m->nr_regions = m->sb.nr_regions;
	m->bitmap_blocks = mx_bitmap_blocks(m->nr_regions);
	if (meta_sectors < mx_meta_layout_sectors(&m->sb)) {
		*err = "Metadata device too small for this data device";
		r = -EINVAL;
		goto bad;
	}
	if (*formatted) {
		r = mx_meta_format(m);
		if (r) {
			*err = "Cannot write new metadata";
			goto bad;
		}
	}
	return 0;
bad:
	mx_meta_free_buffers(m);
	return r;
}

static void mx_meta_hot_free(struct mx_meta *m)
{
	kvfree(m->hot);
	kvfree(m->hot_recent);
	kvfree(m->hot_copied);
	m->hot = NULL;
	m->hot_recent = NULL;
	m->hot_copied = NULL;
}

void mx_meta_close(struct mx_meta *m)
{
	u32 n;

	for (n = 0; n < MX_MAX_NODES; n++) {
		kvfree(m->bits[n]);
		kvfree(m->disk_bits[n]);
		kvfree(m->dirty_blocks[n]);
		m->bits[n] = NULL;
		m->disk_bits[n] = NULL;
		m->dirty_blocks[n] = NULL;
	}
	mx_meta_hot_free(m);
	mx_meta_free_buffers(m);
}

/*
 * Read the metadata again, as mx_meta_open() did, with the slots @m has
 * loaded: a table is constructed while the table it replaces may still
 * run and write the metadata, so what the constructor read may be stale
 * by the time it takes over. The copy is read aside and swapped in under
 * the locks (status and messages may use @m meanwhile); on any failure,
 * or if the geometry changed, @m is left as it was.
 */
int mx_meta_reread(struct mx_meta *m, sector_t meta_sectors,
		   u64 data_sectors, const char **err)
{
	struct mx_meta *t;
	bool formatted;
	u32 n;
	int r;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		*err = "Cannot allocate metadata";
		return -ENOMEM;
	}
	r = mx_meta_open(t, m->bdev, meta_sectors, data_sectors,
			 m->sb.region_sectors, &formatted, err);
	if (r)
		goto out_free;
	if (formatted || t->nr_regions != m->nr_regions) {
		*err = "Metadata changed shape since the table was loaded: load it again";
		r = -EINVAL;
		goto out_close;
	}
	for (n = 0; n < MX_MAX_NODES; n++) {
		if (!m->bits[n])
			continue;
		r = mx_meta_load_slot(t, n);
		if (r) {
			*err = "Cannot read intent log";
			goto out_close;
		}
	}
	mutex_lock(&m->commit_lock);
	spin_lock_irq(&m->lock);
	swap(m->sb, t->sb);
	swap(m->sb_dirty, t->sb_dirty);
	swap(m->grow_from, t->grow_from);
	for (n = 0; n < MX_MAX_NODES; n++) {
		swap(m->bits[n], t->bits[n]);
		swap(m->disk_bits[n], t->disk_bits[n]);
		swap(m->dirty_blocks[n], t->dirty_blocks[n]);
	}
	/*
	 * What was read is what is on disk: no extent is hot any more (a
	 * hot extent's image would differ from disk with no block dirty).
	 */
	if (m->hot) {
		bitmap_zero(m->hot, m->nr_extents);
		bitmap_zero(m->hot_recent, m->nr_extents);
		bitmap_zero(m->hot_copied, m->nr_extents);
		m->nr_hot = 0;
	}
	spin_unlock_irq(&m->lock);
	mutex_unlock(&m->commit_lock);
	r = 0;
out_close:
	mx_meta_close(t);	/* the old bitmaps, after a swap */
out_free:
	kfree(t);
	return r;
}

int mx_meta_reformat(struct mx_meta *m, u32 region_sectors,
		     sector_t meta_sectors, const char **err)
{
	unsigned long *old_bits[MX_MAX_NODES], *old_disk[MX_MAX_NODES];
	unsigned long *old_dirty[MX_MAX_NODES];
	struct mx_sb_info sb;
	u32 n;
	int r;

	r = mx_sb_format(&sb, m->sb.data_sectors, region_sectors, err);
	if (r)
		return r;
	mx_sb_plan_room(&sb, meta_sectors);
	if (meta_sectors < mx_meta_layout_sectors(&sb)) {
		*err = "Metadata device too small for this region size";
		return -EINVAL;
	}
	mutex_lock(&m->commit_lock);
	spin_lock_irq(&m->lock);
	for (n = 0; n < MX_MAX_NODES; n++) {
		old_bits[n] = m->bits[n];
		old_disk[n] = m->disk_bits[n];
		old_dirty[n] = m->dirty_blocks[n];
		m->bits[n] = NULL;
		m->disk_bits[n] = NULL;
		m->dirty_blocks[n] = NULL;
	}
	sb.node_id = m->sb.node_id;
	m->sb = sb;
	m->nr_regions = sb.nr_regions;
	m->bitmap_blocks = mx_bitmap_blocks(sb.nr_regions);
	m->sb_dirty = false;
	m->grow_from = 0;
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

int mx_meta_load_slot(struct mx_meta *m, u32 node)
{
	unsigned long *bits, *disk, *dirty;
	u64 b, nwords = DIV_ROUND_UP(m->nr_regions, 64);
	u64 from, nblocks;
	int r = 0;

	if (node >= MX_MAX_NODES)
		return -EINVAL;
	if (m->bits[node])
		return 0;
	bits = mx_region_bitmap_alloc(nwords * 64);
	disk = mx_region_bitmap_alloc(nwords * 64);
	dirty = mx_region_bitmap_alloc(m->bitmap_blocks);
	if (!bits || !disk || !dirty) {
		r = -ENOMEM;
		goto out;
	}
	mutex_lock(&m->commit_lock);
	/* Growing: the blocks past the old size were never written. */
	from = m->grow_from;
	nblocks = from ? mx_bitmap_blocks(from) : m->bitmap_blocks;
	for (b = 0; b < nblocks; b++) {
		const __le64 *in = page_address(m->io_page);
		u64 i, w;

		r = mx_meta_io(m, REQ_OP_READ,
			       mx_bitmap_first_block(&m->sb, node) + b);
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
	mutex_unlock(&m->commit_lock);
	if (r)
		goto out;
	/* Bits past the last region are meaningless: drop them. */
	if (m->nr_regions < nwords * 64)
		bitmap_clear(bits, m->nr_regions, nwords * 64 - m->nr_regions);
	if (from) {
		/* ... and past the old size; the new regions may differ. */
		bitmap_clear(bits, from, nwords * 64 - from);
		bitmap_copy(disk, bits, nwords * 64);
		bitmap_set(bits, from, m->nr_regions - from);
		bitmap_set(dirty, from / (MX_META_BLOCK_SIZE * 8),
			   m->bitmap_blocks - from / (MX_META_BLOCK_SIZE * 8));
	} else {
		bitmap_copy(disk, bits, nwords * 64);
	}
	spin_lock_irq(&m->lock);
	m->bits[node] = bits;
	m->disk_bits[node] = disk;
	m->dirty_blocks[node] = dirty;
	spin_unlock_irq(&m->lock);
	return 0;
out:
	kvfree(bits);
	kvfree(disk);
	kvfree(dirty);
	return r;
}

static u64 mx_block_of(u64 region)
{
	return region / (MX_META_BLOCK_SIZE * 8);
}

int mx_meta_hot_init(struct mx_meta *m, u32 extent_sectors)
{
	u32 rs = m->sb.region_sectors;

	BUILD_BUG_ON(MX_EXTENT_SECTORS / MX_MIN_REGION_SECTORS >
		     MX_META_BLOCK_SIZE * 8);
	m->extent_shift = extent_sectors > rs ? ilog2(extent_sectors / rs) : 0;
	/* An extent never straddles two bitmap blocks (mx_extent_changed()). */
	m->extent_shift = min_t(u32, m->extent_shift,
				ilog2(MX_META_BLOCK_SIZE * 8));
	m->nr_extents = (m->nr_regions + mx_meta_extent_regions(m) - 1) >>
			m->extent_shift;
	m->nr_hot = 0;
	m->hot = mx_region_bitmap_alloc(m->nr_extents);
	m->hot_recent = mx_region_bitmap_alloc(m->nr_extents);
	m->hot_copied = mx_region_bitmap_alloc(m->nr_extents);
	if (!m->hot || !m->hot_recent || !m->hot_copied) {
		mx_meta_hot_free(m);
		return -ENOMEM;
	}
	return 0;
}

static bool mx_extent_hot(struct mx_meta *m, u64 r)
{
	return m->hot && test_bit(r >> m->extent_shift, m->hot);
}

/* Regions [first, last] of extent @e (the last one may be short). */
static void mx_extent_span(struct mx_meta *m, u64 e, u64 *first, u64 *last)
{
	*first = e << m->extent_shift;
	*last = min(*first + mx_meta_extent_regions(m), m->nr_regions) - 1;
}

/*
 * Extent @e's image changes for every loaded node (heated or cooled):
 * its block is dirty where the image now differs from what is on disk.
 * An extent lies in one block: a block holds 2^15 regions, an extent at
 * most 2^10 (MX_EXTENT_SECTORS / the smallest region, 8 sectors; checked
 * in mx_meta_hot_init()).
 */
static void mx_extent_changed(struct mx_meta *m, u64 e)
{
	u64 first, last;
	u32 n;

	mx_extent_span(m, e, &first, &last);
	for (n = 0; n < MX_MAX_NODES; n++)
		if (m->bits[n])
			__set_bit(mx_block_of(first), m->dirty_blocks[n]);
}

static void mx_extent_cool(struct mx_meta *m, u64 e);

/*
 * Make room for one more hot extent under the cap: cool the first hot
 * extent from the clock hand on that is outside [@lo, @hi] (the write
 * heating them) and not written this period, looking at most at
 * MX_EVICT_SCAN of them; else the first outside [@lo, @hi]. Cooling is
 * safe at any time: the image falls back to the bits, which hold every
 * region that may differ. Returns false when nothing could be cooled.
 */
static bool mx_meta_evict_locked(struct mx_meta *m, u64 lo, u64 hi)
{
	u64 e = m->cool_hand, victim = U64_MAX;
	u32 seen;

	for (seen = 0; seen < MX_EVICT_SCAN; seen++) {
		e = find_next_bit(m->hot, m->nr_extents, e);
		if (e >= m->nr_extents)
			e = find_first_bit(m->hot, m->nr_extents);
		if (e >= m->nr_extents)
			return false;
		if (e < lo || e > hi) {
			if (victim == U64_MAX)
				victim = e;
			if (!test_bit(e, m->hot_recent)) {
				victim = e;
				break;
			}
		}
		e++;
	}
	if (victim == U64_MAX)
		return false;
	mx_extent_cool(m, victim);
	m->cool_hand = victim + 1;
	return true;
}

bool mx_meta_heat_locked(struct mx_meta *m, u64 r0, u64 r1, u32 ahead)
{
	u64 e, e0, e1, end;
	bool heated = false;

	if (!m->hot)
		return false;
	e0 = r0 >> m->extent_shift;
	e1 = r1 >> m->extent_shift;
	/* Ahead in steps: only once the stream reached the last one heated. */
	if (e1 + 1 < m->nr_extents && test_bit(e1 + 1, m->hot))
		ahead = 0;
	end = min(e1 + ahead, m->nr_extents - 1);
	for (e = e0; e <= end; e++) {
		if (e <= e1)
			__set_bit(e, m->hot_recent);
		if (test_bit(e, m->hot))
			continue;
		/* The cap holds here: marking ahead never evicts. */
		if (m->hot_cap && m->nr_hot >= m->hot_cap &&
		    (e > e1 || !mx_meta_evict_locked(m, e0, end)))
			continue;
		__set_bit(e, m->hot);
		m->nr_hot++;
		mx_extent_changed(m, e);
		heated = true;
	}
	return heated;
}

static void mx_extent_cool(struct mx_meta *m, u64 e)
{
	__clear_bit(e, m->hot);
	m->nr_hot--;
	mx_extent_changed(m, e);
}

void mx_meta_note_copied_locked(struct mx_meta *m, u64 r)
{
	if (m->hot)
		__set_bit(r >> m->extent_shift, m->hot_copied);
}

u64 mx_meta_cool_locked(struct mx_meta *m, u64 limit)
{
	u64 e, cooled = 0;

	if (!m->hot)
		return 0;
	/* Resync progress first, where no write needs the extent. */
	for_each_set_bit(e, m->hot_copied, m->nr_extents) {
		if (test_bit(e, m->hot_recent))
			continue;
		__clear_bit(e, m->hot_copied);
		if (test_bit(e, m->hot)) {
			mx_extent_cool(m, e);
			cooled++;
		}
	}
	/* Cold ones first, then any, until at most @limit are hot. */
	for_each_set_bit(e, m->hot, m->nr_extents) {
		if (m->nr_hot <= limit)
			break;
		if (!test_bit(e, m->hot_recent)) {
			mx_extent_cool(m, e);
			cooled++;
		}
	}
	for_each_set_bit(e, m->hot, m->nr_extents) {
		if (m->nr_hot <= limit)
			break;
		mx_extent_cool(m, e);
		cooled++;
	}
	bitmap_zero(m->hot_recent, m->nr_extents);
	return cooled;
}

void mx_meta_or_hot_locked(struct mx_meta *m, unsigned long *dst)
{
	u64 e, first, last;

	if (!m->hot)
		return;
	for_each_set_bit(e, m->hot, m->nr_extents) {
		mx_extent_span(m, e, &first, &last);
		bitmap_set(dst, first, last - first + 1);
	}
}

/* Regions of block @b: [*first, *first + *nbits). */
static void mx_block_span(struct mx_meta *m, u64 b, u64 *first, u64 *nbits)
{
	*first = b * MX_META_BLOCK_SIZE * 8;
	*nbits = min_t(u64, MX_META_BLOCK_SIZE * 8, m->nr_regions - *first);
}

void mx_meta_image_locked(struct mx_meta *m, u32 node, u64 b,
			  unsigned long *out)
{
	u64 first, nbits, e, e0, e1, f, l;

	mx_block_span(m, b, &first, &nbits);
	bitmap_copy(out, m->bits[node] + first / BITS_PER_LONG, nbits);
	/* bitmap_copy() copies whole words: nothing past the last region. */
	bitmap_clear(out, nbits, MX_META_BLOCK_SIZE * 8 - nbits);
	if (!m->hot)
		return;
	e0 = first >> m->extent_shift;
	e1 = (first + nbits - 1) >> m->extent_shift;
	for (e = find_next_bit(m->hot, e1 + 1, e0); e <= e1;
	     e = find_next_bit(m->hot, e1 + 1, e + 1)) {
		mx_extent_span(m, e, &f, &l);
		bitmap_set(out, f - first, l - f + 1);
	}
}

bool mx_meta_mark_locked(struct mx_meta *m, u32 node, u64 r0, u64 r1)
{
	u64 r;

	for (r = r0; r <= r1; r++) {
		/* In a hot extent the image, all set, does not change. */
		if (!__test_and_set_bit(r, m->bits[node]) &&
		    !mx_extent_hot(m, r))
			__set_bit(mx_block_of(r), m->dirty_blocks[node]);
	}
	return mx_meta_persisted_locked(m, node, r0, r1);
}

bool mx_meta_persisted_locked(struct mx_meta *m, u32 node, u64 r0, u64 r1)
{
	u64 r;

	for (r = r0; r <= r1; r++)
		if (!test_bit(r, m->disk_bits[node]))
			return false;
	return true;
}

void mx_meta_clear_locked(struct mx_meta *m, u32 node, u64 r)
{
	if (__test_and_clear_bit(r, m->bits[node]) && !mx_extent_hot(m, r))
		__set_bit(mx_block_of(r), m->dirty_blocks[node]);
}

void mx_meta_set_all_locked(struct mx_meta *m, u32 node)
{
	bitmap_set(m->bits[node], 0, m->nr_regions);
	bitmap_set(m->dirty_blocks[node], 0, m->bitmap_blocks);
}

void mx_meta_set_all(struct mx_meta *m, u32 node)
{
	spin_lock_irq(&m->lock);
	mx_meta_set_all_locked(m, node);
	spin_unlock_irq(&m->lock);
}

void mx_meta_clear_all_locked(struct mx_meta *m, u32 node)
{
	bitmap_clear(m->bits[node], 0, m->nr_regions);
	bitmap_set(m->dirty_blocks[node], 0, m->bitmap_blocks);
}


void mx_meta_or_words(struct mx_meta *m, u32 node, u64 word,
		      const u64 *words, u32 nwords)
{
	u64 nw = DIV_ROUND_UP(m->nr_regions, 64);
	u32 i;

	spin_lock_irq(&m->lock);
	for (i = 0; i < nwords && word + i < nw; i++) {
		u64 v = words[i];

		while (v) {
			u64 r = (word + i) * 64 + __ffs64(v);

			v &= v - 1;
			if (r < m->nr_regions &&
			    !__test_and_set_bit(r, m->bits[node]))
				__set_bit(mx_block_of(r),
					  m->dirty_blocks[node]);
		}
	}
	spin_unlock_irq(&m->lock);
}

u64 mx_meta_count(struct mx_meta *m, u32 node)
{
	u64 n = 0;

	/* Under the lock: a reformat (a target adopting a region size) frees it. */
	spin_lock_irq(&m->lock);
	if (m->bits[node])
		n = bitmap_weight(m->bits[node], m->nr_regions);
	spin_unlock_irq(&m->lock);
	return n;
}

void mx_meta_sb_dirty(struct mx_meta *m)
{
	m->sb_dirty = true;
}

bool mx_meta_needs_commit(struct mx_meta *m)
{
	bool need;
	u32 n;

	spin_lock_irq(&m->lock);
	need = m->sb_dirty;
	for (n = 0; n < MX_MAX_NODES && !need; n++)
		if (m->dirty_blocks[n] &&
		    !bitmap_empty(m->dirty_blocks[n], m->bitmap_blocks))
			need = true;
	spin_unlock_irq(&m->lock);
	return need;
}

void mx_meta_commit_begin_locked(struct mx_meta *m, u32 node, u64 b,
				 unsigned long *snap)
{
	u64 first, nbits;
	unsigned long *disk;

	mx_block_span(m, b, &first, &nbits);
	disk = m->disk_bits[node] + first / BITS_PER_LONG;
	__clear_bit(b, m->dirty_blocks[node]);
	mx_meta_image_locked(m, node, b, snap);
	/*
	 * Until the write completes the block on disk may hold either the
	 * old or the new bits: only a bit set in both is on disk. A bit
	 * going 1 -> 0 stops counting as persisted now, so a mark of its
	 * region during this write waits for the next commit.
	 */
	bitmap_and(disk, disk, snap, nbits);
}

void mx_meta_commit_end_locked(struct mx_meta *m, u32 node, u64 b,
			       const unsigned long *snap, bool written)
{
	u64 first, nbits;

	mx_block_span(m, b, &first, &nbits);
	if (written)
		bitmap_copy(m->disk_bits[node] + first / BITS_PER_LONG, snap,
			    nbits);
	else
		__set_bit(b, m->dirty_blocks[node]);
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
 * Write the blocks of @cb: snapshot each under the lock, submit them all
 * (FUA), wait for all, then publish each snapshot that was written as
 * what is on disk. A bit set after a snapshot leaves its block dirty for
 * the next round. Returns 0 or the first error.
 */
static int mx_commit_batch_write(struct mx_meta *m, struct mx_commit_batch *cb)
{
	struct blk_plug plug;
	int r = 0;
	u32 i;

	spin_lock_irq(&m->lock);
	for (i = 0; i < cb->nr; i++) {
		u64 first, nbits;

		mx_block_span(m, cb->block[i], &first, &nbits);
		mx_meta_commit_begin_locked(m, cb->node[i], cb->block[i],
					    m->batch_snaps[i]);
		mx_fill_block(m->batch_pages[i], m->batch_snaps[i], nbits);
	}
	spin_unlock_irq(&m->lock);

	atomic_set(&cb->pending, cb->nr);
	init_completion(&cb->done);
	blk_start_plug(&plug);
	for (i = 0; i < cb->nr; i++) {
		struct bio *bio = cb->bios[i];

		bio_init(bio, m->bdev, bio->bi_inline_vecs, 1,
			 REQ_OP_WRITE | REQ_SYNC | REQ_FUA);
		bio->bi_iter.bi_sector =
			(mx_bitmap_first_block(&m->sb, cb->node[i]) +
			 cb->block[i]) * MX_META_BLOCK_SECTORS;
		__bio_add_page(bio, m->batch_pages[i], MX_META_BLOCK_SIZE, 0);
		bio->bi_private = cb;
		bio->bi_end_io = mx_commit_bio_end;
		submit_bio(bio);
	}
	blk_finish_plug(&plug);
	wait_for_completion_io(&cb->done);

	spin_lock_irq(&m->lock);
	for (i = 0; i < cb->nr; i++) {
		int e = blk_status_to_errno(cb->status[i]);

		mx_meta_commit_end_locked(m, cb->node[i], cb->block[i],
					  m->batch_snaps[i], !e);
		if (e && !r)
			r = e;
	}
	spin_unlock_irq(&m->lock);
	for (i = 0; i < cb->nr; i++)
		bio_uninit(cb->bios[i]);
	cb->nr = 0;
	return r;
}

/* Write every dirty bitmap block, MX_COMMIT_BATCH at a time. */
static int mx_commit_blocks(struct mx_meta *m)
{
	struct mx_commit_batch *cb = m->batch;
	int r = 0;
	u32 n;
	u64 b;

	cb->nr = 0;
	for (n = 0; n < MX_MAX_NODES && !r; n++) {
		if (!m->dirty_blocks[n])
			continue;
		for (b = 0; b < m->bitmap_blocks && !r; b++) {
			if (!test_bit(b, m->dirty_blocks[n]))
				continue;
			cb->node[cb->nr] = n;
			cb->block[cb->nr] = b;
			if (++cb->nr == MX_COMMIT_BATCH)
				r = mx_commit_batch_write(m, cb);
		}
	}
	if (!r && cb->nr)
		r = mx_commit_batch_write(m, cb);
	return r;
}

/*
 * A grow's new regions [@m->grow_from, @m->nr_regions) set in the
 * bitmap of every slot nobody loaded (a loaded one has them in core and
 * dirty): read-modify-write of the old last block, set blocks past it.
 * Before the superblock with the new size: a crash in between leaves the
 * old size, whose regions these writes did not change. Under commit_lock.
 */
static int mx_meta_grow_unloaded(struct mx_meta *m)
{
	const u64 bpb = MX_META_BLOCK_SIZE * 8;
	u64 from = m->grow_from, b, first, nbits, old_blocks;
	unsigned long *snap = m->batch_snaps[0];
	bool loaded;
	u32 n;
	int r;

	old_blocks = mx_bitmap_blocks(from);
	for (n = 0; n < MX_MAX_NODES; n++) {
		spin_lock_irq(&m->lock);
		loaded = m->bits[n];
		spin_unlock_irq(&m->lock);
		if (loaded)
			continue;
		for (b = from / bpb; b < m->bitmap_blocks; b++) {
			u64 blk = mx_bitmap_first_block(&m->sb, n) + b;
			u64 lo = max(from, b * bpb) - b * bpb;

			first = b * bpb;
			nbits = min_t(u64, bpb, m->nr_regions - first);
			bitmap_zero(snap, bpb);
			if (b < old_blocks) {
				r = mx_meta_io(m, REQ_OP_READ, blk);
				if (r)
					return r;
				mx_read_block(m->io_page, snap);
			}
			bitmap_clear(snap, lo, bpb - lo);
			bitmap_set(snap, lo, nbits - lo);
			mx_fill_block(m->io_page, snap, nbits);
			r = mx_meta_io(m, REQ_OP_WRITE | REQ_SYNC | REQ_FUA,
				       blk);
			if (r)
				return r;
		}
	}
	return 0;
}

int mx_meta_commit(struct mx_meta *m)
{
	struct mx_sb_info sb;
	bool sb_dirty;
	int r;

	mutex_lock(&m->commit_lock);
	r = mx_commit_blocks(m);
	if (!r && m->grow_from)
		r = mx_meta_grow_unloaded(m);
	if (!r) {
		spin_lock_irq(&m->lock);
		sb_dirty = m->sb_dirty;
		m->sb_dirty = false;
		sb = m->sb;
		spin_unlock_irq(&m->lock);
		if (sb_dirty) {
			r = mx_meta_write_sb(m, &sb);
			spin_lock_irq(&m->lock);
			if (r)
				m->sb_dirty = true;
			else
				m->grow_from = 0;	/* on disk now */
			spin_unlock_irq(&m->lock);
		}
	}
	if (!r)
		m->commits++;
	mutex_unlock(&m->commit_lock);
	if (r)
		DMERR_LIMIT("metadata commit failed: %d", r);
	return r;
}
