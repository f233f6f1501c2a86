// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx superblock codec: pure encode / decode / validate of the
 * on-disk metadata format in meta_format.h. No I/O: metadata.c reads and
 * writes the blocks, this file only interprets them, so KUnit and the
 * userspace fuzz harness can feed it anything.
 */
#include <linux/crc32c.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <linux/errno.h>
#include "meta.h"

#define MX_BITS_PER_BLOCK	(MX_META_BLOCK_SIZE * 8)

#define MX_SB_FLAGS_ALL		(MX_SB_FRESH | MX_SB_INCONSISTENT | \
				 MX_SB_OUTDATED)

static bool mx_region_size_ok(u32 region_sectors)
{
	return is_power_of_2(region_sectors) &&
	       region_sectors >= MX_MIN_REGION_SECTORS &&
	       region_sectors <= MX_MAX_REGION_SECTORS;
}

u64 mx_nr_regions(u64 data_sectors, u32 region_sectors)
{
	unsigned int shift = ilog2(region_sectors);

	/* Not DIV_ROUND_UP: data_sectors + region_sectors may overflow. */
	return (data_sectors >> shift) +
	       !!(data_sectors & (region_sectors - 1));
}

u32 mx_bitmap_blocks(u64 nr_regions)
{
	u64 blocks = nr_regions / MX_BITS_PER_BLOCK +
		     !!(nr_regions % MX_BITS_PER_BLOCK);

	/* Saturate: callers reject such sizes, see mx_sb_format(). */
	if (blocks > U32_MAX)
		return U32_MAX;
	return max_t(u32, blocks, 1);
}

u64 mx_meta_required_sectors(u64 nr_regions)
{
	u64 blocks = 1 + (u64)MX_MAX_NODES * mx_bitmap_blocks(nr_regions);

	return blocks * MX_META_BLOCK_SECTORS;
}

u32 mx_bitmap_room(u64 meta_sectors)
{
	u64 blocks = meta_sectors / MX_META_BLOCK_SECTORS;

	if (blocks <= MX_MAX_NODES)
		return 0;
	blocks = (blocks - 1) / MX_MAX_NODES;
	return min_t(u64, blocks, mx_bitmap_blocks(MX_MAX_NR_REGIONS));
}

void mx_sb_plan_room(struct mx_sb_info *sb, u64 meta_sectors)
{
	sb->bitmap_blocks = max(sb->bitmap_blocks, mx_bitmap_room(meta_sectors));
}

u64 mx_meta_layout_sectors(const struct mx_sb_info *sb)
{
	return (1 + (u64)MX_MAX_NODES * sb->bitmap_blocks) *
	       MX_META_BLOCK_SECTORS;
}

u64 mx_sb_data_room(const struct mx_sb_info *sb)
{
	u64 nr = min_t(u64, (u64)sb->bitmap_blocks * MX_BITS_PER_BLOCK,
		       MX_MAX_NR_REGIONS);

	return nr << ilog2(sb->region_sectors);
}

/* Too long for the assignment line, and kept whole (grep-able). */
#define MX_ERR_GROW_NO_ROOM \
	"Metadata has no room to grow to this size (the kernel log names the metadata size needed)"

int mx_grow_check(const struct mx_sb_info *sb, u64 data_sectors,
		  const char **err)
{
	if (data_sectors == sb->data_sectors)
		return MX_SIZE_SAME;
	if (data_sectors < sb->data_sectors) {
		*err = "Device is smaller than the mirror: shrinking is not supported";
		return -EINVAL;
	}
	if (data_sectors > mx_sb_data_room(sb)) {
		*err = MX_ERR_GROW_NO_ROOM;
		return -ENOSPC;
	}
	return MX_SIZE_GROW;
}

void mx_sb_grow(struct mx_sb_info *sb, u64 data_sectors)
{
	sb->data_sectors = data_sectors;
	sb->nr_regions = mx_nr_regions(data_sectors, sb->region_sectors);
}

u64 mx_bitmap_first_block(const struct mx_sb_info *sb, u32 node)
{
	return 1 + (u64)node * sb->bitmap_blocks;
}

bool mx_block_is_zero(const void *block)
{
	return !memchr_inv(block, 0, MX_META_BLOCK_SIZE);
}

int mx_sb_format(struct mx_sb_info *sb, u64 data_sectors, u32 region_sectors,
		 const char **err)
{
	u64 nr;

	if (!mx_region_size_ok(region_sectors)) {
		*err = "Invalid region size";
		return -EINVAL;
	}
	if (!data_sectors) {
		*err = "Data device is empty";
		return -EINVAL;
	}
	nr = mx_nr_regions(data_sectors, region_sectors);
	if (nr > MX_MAX_NR_REGIONS) {
		*err = "Too many regions for the bitmap";
		return -EINVAL;
	}

	memset(sb, 0, sizeof(*sb));
	sb->flags = MX_SB_FRESH;
	sb->region_sectors = region_sectors;
	sb->data_sectors = data_sectors;
	sb->nr_regions = nr;
	sb->bitmap_blocks = mx_bitmap_blocks(nr);
	sb->node_id = MX_NODE_UNSET;
	return 0;
}

/* crc32c of a whole superblock block, reading its csum field as zero. */
static u32 mx_sb_csum(const void *block)
{
	static const __le32 zero;
	size_t off = offsetof(struct mx_disk_sb, csum);
	u32 crc;

	BUILD_BUG_ON(offsetof(struct mx_disk_sb, csum) != 0);
	crc = crc32c(~0U, &zero, sizeof(zero));
	return crc32c(crc, (const u8 *)block + off + sizeof(zero),
		      MX_META_BLOCK_SIZE - off - sizeof(zero));
}

void mx_sb_encode(const struct mx_sb_info *sb, void *block)
{
	struct mx_disk_sb *d = block;
	int i;

	mx_meta_build_bug_on();
	memset(block, 0, MX_META_BLOCK_SIZE);
	d->flags = cpu_to_le32(sb->flags);
	d->magic = cpu_to_le64(MX_META_MAGIC);
	d->version = cpu_to_le32(MX_META_VERSION);
	d->region_sectors = cpu_to_le32(sb->region_sectors);
	d->data_sectors = cpu_to_le64(sb->data_sectors);
	d->nr_regions = cpu_to_le64(sb->nr_regions);
	d->bitmap_blocks = cpu_to_le32(sb->bitmap_blocks);
	d->node_id = cpu_to_le32(sb->node_id);
	memcpy(d->uuid, sb->uuid, MX_UUID_LEN);
	d->current_gen = cpu_to_le64(sb->current_gen);
	for (i = 0; i < MX_HISTORY_GENS; i++)
		d->history[i] = cpu_to_le64(sb->history[i]);
	for (i = 0; i < MX_MAX_NODES; i++) {
		d->slots[i].flags = cpu_to_le32(sb->slots[i].flags);
		d->slots[i].bitmap_gen = cpu_to_le64(sb->slots[i].bitmap_gen);
		d->slots[i].resync_cursor =
			cpu_to_le64(sb->slots[i].resync_cursor);
	}
	d->csum = cpu_to_le32(mx_sb_csum(block));
}

int mx_sb_decode(const void *block, struct mx_sb_info *sb, const char **err)
{
	const struct mx_disk_sb *d = block;
	u64 nr;
	int i;

	/* Magic first: a foreign or blank device gets the plainest answer. */
	if (le64_to_cpu(d->magic) != MX_META_MAGIC) {
		*err = "Bad superblock magic";
		return -EINVAL;
	}
	if (le32_to_cpu(d->csum) != mx_sb_csum(block)) {
		*err = "Bad superblock checksum";
		return -EINVAL;
	}
	if (le32_to_cpu(d->version) != MX_META_VERSION) {
		*err = "Unsupported metadata version";
		return -EINVAL;
	}

	memset(sb, 0, sizeof(*sb));
	sb->flags = le32_to_cpu(d->flags);
	sb->region_sectors = le32_to_cpu(d->region_sectors);
	sb->data_sectors = le64_to_cpu(d->data_sectors);
	sb->nr_regions = le64_to_cpu(d->nr_regions);
	sb->bitmap_blocks = le32_to_cpu(d->bitmap_blocks);
	sb->node_id = le32_to_cpu(d->node_id);
	memcpy(sb->uuid, d->uuid, MX_UUID_LEN);
	sb->current_gen = le64_to_cpu(d->current_gen);
	for (i = 0; i < MX_HISTORY_GENS; i++)
		sb->history[i] = le64_to_cpu(d->history[i]);

	if (sb->flags & ~MX_SB_FLAGS_ALL) {
		*err = "Unknown superblock flags";
		return -EINVAL;
	}
	if (!mx_region_size_ok(sb->region_sectors)) {
		*err = "Invalid region size in superblock";
		return -EINVAL;
	}
	if (!sb->data_sectors) {
		*err = "Zero data size in superblock";
		return -EINVAL;
	}
	nr = mx_nr_regions(sb->data_sectors, sb->region_sectors);
	if (sb->nr_regions != nr || nr > MX_MAX_NR_REGIONS) {
		*err = "Region count inconsistent with data size";
		return -EINVAL;
	}
	/* More than needed is room to grow (mx_sb_plan_room()). */
	if (sb->bitmap_blocks < mx_bitmap_blocks(sb->nr_regions) ||
	    sb->bitmap_blocks > mx_bitmap_blocks(MX_MAX_NR_REGIONS)) {
		*err = "Bitmap size inconsistent with region count";
		return -EINVAL;
	}
	if (sb->node_id >= MX_MAX_NODES && sb->node_id != MX_NODE_UNSET) {
		*err = "Invalid node id in superblock";
		return -EINVAL;
	}

	for (i = 0; i < MX_MAX_NODES; i++) {
		const struct mx_disk_slot *ds = &d->slots[i];
		struct mx_slot *s = &sb->slots[i];

		s->flags = le32_to_cpu(ds->flags);
		s->bitmap_gen = le64_to_cpu(ds->bitmap_gen);
		s->resync_cursor = le64_to_cpu(ds->resync_cursor);
		if (s->flags & ~MX_SLOT_ALL) {
			*err = "Unknown slot flags in superblock";
			return -EINVAL;
		}
		if (ds->reserved || ds->reserved2) {
			*err = "Reserved slot fields not zero";
			return -EINVAL;
		}
		/* A cursor past the end would resync outside the device. */
		if ((s->flags & MX_SLOT_RESYNCING) &&
		    s->resync_cursor > sb->nr_regions) {
			*err = "Resync cursor beyond the last region";
			return -EINVAL;
		}
	}
	return 0;
}

void mx_gen_rotate(struct mx_sb_info *sb, u64 gen)
{
	/* Generation 0 means "none": it never takes a history slot. */
	if (sb->current_gen) {
		memmove(&sb->history[1], &sb->history[0],
			sizeof(sb->history[0]) * (MX_HISTORY_GENS - 1));
		sb->history[0] = sb->current_gen;
	}
	sb->current_gen = gen;
}
