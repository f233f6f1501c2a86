// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx metadata device: the superblock and 4 KiB block I/O on
 * meta_dev. The bitmaps the blocks hold are the intent log's
 * (intent_log.c), which reads and writes them through mx_meta_io().
 */
#include <linux/module.h>
#include <linux/bio.h>
#include <linux/slab.h>
#include <linux/device-mapper.h>
#include "metadata.h"
#include "io_wait.h"

#define DM_MSG_PREFIX "mirrorx-meta"

int mx_meta_io(struct mx_meta *m, blk_opf_t opf, u64 block)
{
	struct bio bio;
	struct bio_vec bv;
	int r;

	bio_init(&bio, m->bdev, &bv, 1, opf);
	bio.bi_iter.bi_sector = block * MX_META_BLOCK_SECTORS;
	__bio_add_page(&bio, m->io_page, MX_META_BLOCK_SIZE, 0);
	r = mx_bio_submit_wait(&bio, op_is_write(opf) ? "a metadata write" :
			       "a metadata read");
	bio_uninit(&bio);
	return r;
}

int mx_meta_write_sb(struct mx_meta *m, const struct mx_sb_info *sb)
{
	mx_sb_encode(sb, page_address(m->io_page));
	return mx_meta_io(m, REQ_OP_WRITE | REQ_SYNC | REQ_FUA, 0);
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

int mx_meta_format(struct mx_meta *m)
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
	return mx_bdev_flush(m->bdev, "a metadata flush");
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
	m->io_page = alloc_page(GFP_KERNEL);
	if (!m->io_page) {
		*err = "Cannot allocate metadata buffers";
		return -ENOMEM;
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
	mx_meta_close(m);
	return r;
}

void mx_meta_close(struct mx_meta *m)
{
	if (m->io_page)
		__free_page(m->io_page);
	m->io_page = NULL;
}

int mx_meta_reformat_sb(struct mx_meta *m, u32 region_sectors,
			sector_t meta_sectors, struct mx_sb_info *sb,
			const char **err)
{
	int r;

	r = mx_sb_format(sb, m->sb.data_sectors, region_sectors, err);
	if (r)
		return r;
	mx_sb_plan_room(sb, meta_sectors);
	if (meta_sectors < mx_meta_layout_sectors(sb)) {
		*err = "Metadata device too small for this region size";
		return -EINVAL;
	}
	sb->node_id = m->sb.node_id;
	return 0;
}

void mx_meta_adopt_sb_locked(struct mx_meta *m, const struct mx_sb_info *sb)
{
	m->sb = *sb;
	m->nr_regions = sb->nr_regions;
	m->bitmap_blocks = mx_bitmap_blocks(sb->nr_regions);
	m->sb_dirty = false;
	m->grow_from = 0;
}

void mx_meta_sb_dirty(struct mx_meta *m)
{
	m->sb_dirty = true;
}
