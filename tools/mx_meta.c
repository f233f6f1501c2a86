// SPDX-License-Identifier: GPL-2.0
/*
 * Superblock inspection and formatting with the kernel's codec. Built with
 * -I tests/fuzz/shim -I dm-mirrorx so that "meta.h" and its <linux/...>
 * includes resolve to the shim; nothing kernel-typed leaks out of here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "meta.h"
#include "mx_meta.h"
#include "mx_util.h"

#define MX_ZERO_CHUNK	(1U << 20)
#ifndef BIT
#define BIT(n)		(1UL << (n))
#endif

const uint32_t mx_meta_slot_assume_clean = MX_SLOT_ASSUME_CLEAN;

void mx_meta_inspect(const void *block, struct mx_meta_info *mi)
{
	struct mx_sb_info sb;
	const char *err = NULL;
	int i;

	memset(mi, 0, sizeof(*mi));
	if (mx_block_is_zero(block)) {
		mi->kind = MX_META_BLANK;
		return;
	}
	if (mx_sb_decode(block, &sb, &err)) {
		mi->kind = MX_META_FOREIGN;
		snprintf(mi->reason, sizeof(mi->reason), "%s",
			 err ? err : "invalid superblock");
		return;
	}
	mi->kind = MX_META_VALID;
	mi->fresh = sb.flags & MX_SB_FRESH;
	mi->inconsistent = sb.flags & MX_SB_INCONSISTENT;
	mi->outdated = sb.flags & MX_SB_OUTDATED;
	mi->region_sectors = sb.region_sectors;
	mi->data_sectors = sb.data_sectors;
	mi->nr_regions = sb.nr_regions;
	mi->bitmap_blocks = sb.bitmap_blocks;
	mi->data_room = mx_sb_data_room(&sb);
	mi->node_id = sb.node_id;
	mi->current_gen = sb.current_gen;
	for (i = 0; i < MX_UUID_LEN; i++)
		mi->has_uuid |= sb.uuid[i] != 0;
	BUILD_BUG_ON(sizeof(mi->uuid) < 2 * MX_UUID_LEN + 1);
	for (i = 0; mi->has_uuid && i < MX_UUID_LEN; i++)
		snprintf(mi->uuid + 2 * i, 3, "%02x", sb.uuid[i]);
	for (i = 0; i < MX_MAX_NODES; i++) {
		mi->slot_flags[i] = sb.slots[i].flags;
		mi->slot_bitmap_gen[i] = sb.slots[i].bitmap_gen;
	}
}

uint64_t mx_meta_required_bytes(uint64_t data_sectors, uint32_t region_sectors)
{
	struct mx_sb_info sb;
	const char *err;

	if (mx_sb_format(&sb, data_sectors, region_sectors, &err))
		return 0;
	return mx_meta_required_sectors(sb.nr_regions) << 9;
}

int mx_meta_grow_ok(const struct mx_meta_info *mi, uint64_t data_sectors)
{
	struct mx_sb_info sb;
	const char *err;

	memset(&sb, 0, sizeof(sb));
	sb.region_sectors = mi->region_sectors;
	sb.data_sectors = mi->data_sectors;
	sb.nr_regions = mi->nr_regions;
	sb.bitmap_blocks = mi->bitmap_blocks;
	if (mx_grow_check(&sb, data_sectors, &err) >= 0)
		return 0;
	if (data_sectors < mi->data_sectors)
		return mx_fail("the mirror has %llu sectors, the new size %llu is smaller: shrinking is not supported",
			       (unsigned long long)mi->data_sectors,
			       (unsigned long long)data_sectors);
	return mx_fail("the metadata was laid out for at most %llu sectors of data; %llu sectors need a metadata device of at least %llu bytes formatted for them (recreate the metadata: a full resync)",
		       (unsigned long long)mi->data_room,
		       (unsigned long long)data_sectors,
		       (unsigned long long)mx_meta_required_bytes(data_sectors,
							mi->region_sectors));
}

int mx_meta_build(void *block, uint64_t data_sectors, uint32_t region_sectors,
		  uint32_t node_id, uint8_t assume_clean)
{
	return mx_meta_build_room(block, data_sectors, region_sectors, node_id,
				  assume_clean, 0);
}

int mx_meta_build_room(void *block, uint64_t data_sectors,
		       uint32_t region_sectors, uint32_t node_id,
		       uint8_t assume_clean, uint64_t meta_sectors)
{
	struct mx_sb_info sb;
	const char *err;
	int i;

	if (mx_sb_format(&sb, data_sectors, region_sectors, &err))
		return mx_fail("cannot format metadata: %s", err);
	mx_sb_plan_room(&sb, meta_sectors);
	if (node_id < MX_MAX_NODES)
		sb.node_id = node_id;
	for (i = 0; i < MX_MAX_NODES; i++)
		if (assume_clean & BIT(i))
			sb.slots[i].flags |= MX_SLOT_ASSUME_CLEAN;
	mx_sb_encode(&sb, block);
	return 0;
}

static void *mx_block_alloc(size_t len)
{
	void *p;

	if (posix_memalign(&p, MX_META_BLOCK, len))
		return NULL;
	memset(p, 0, len);
	return p;
}

static int mx_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *b = buf;

	while (len) {
		ssize_t w = pwrite(fd, b, len, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		len -= w;
		off += w;
	}
	return 0;
}

int mx_meta_read(int fd, const char *path, struct mx_meta_info *mi)
{
	void *buf = mx_block_alloc(MX_META_BLOCK);
	ssize_t n;

	if (!buf)
		return mx_fail("out of memory");
	n = pread(fd, buf, MX_META_BLOCK, 0);
	if (n != MX_META_BLOCK) {
		free(buf);
		return mx_fail("cannot read the superblock of %s: %s", path,
			       n < 0 ? strerror(errno) : "short read");
	}
	mx_meta_inspect(buf, mi);
	free(buf);
	return 0;
}

int mx_meta_format(int fd, const char *path, uint64_t data_sectors,
		   uint32_t region_sectors, uint32_t node_id,
		   uint8_t assume_clean)
{
	struct mx_meta_info mi;
	uint64_t need, off, end, first;
	void *zero, *sb;
	off_t size;
	int r = -1, n;

	need = mx_meta_required_bytes(data_sectors, region_sectors);
	if (!need)
		return mx_fail("cannot format metadata: invalid geometry (%llu sectors, region %u sectors)",
			       (unsigned long long)data_sectors,
			       region_sectors);
	size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return mx_fail("cannot size %s: %s", path, strerror(errno));
	zero = mx_block_alloc(MX_ZERO_CHUNK);
	sb = mx_block_alloc(MX_META_BLOCK);
	if (!zero || !sb) {
		mx_fail("out of memory");
		goto out;
	}
	if (mx_meta_build_room(sb, data_sectors, region_sectors, node_id,
			       assume_clean, (uint64_t)size >> 9))
		goto out;
	mx_meta_inspect(sb, &mi);
	/*
	 * Bitmaps first, the superblock last: a torn format stays blank.
	 * Only the blocks in use: the kernel writes the room past them
	 * when a grow takes it.
	 */
	if (mx_pwrite_all(fd, zero, MX_META_BLOCK, 0))
		goto io;
	for (n = 0; n < MX_MAX_NODES; n++) {
		first = (1 + (uint64_t)n * mi.bitmap_blocks) * MX_META_BLOCK;
		end = first + (uint64_t)mx_bitmap_blocks(mi.nr_regions) *
			      MX_META_BLOCK;
		for (off = first; off < end; off += MX_ZERO_CHUNK) {
			size_t len = end - off < MX_ZERO_CHUNK ? end - off :
				     MX_ZERO_CHUNK;

			if (mx_pwrite_all(fd, zero, len, off))
				goto io;
		}
	}
	if (fsync(fd))
		goto io;
	if (mx_pwrite_all(fd, sb, MX_META_BLOCK, 0) || fsync(fd))
		goto io;
	r = 0;
	goto out;
io:
	mx_fail("cannot write metadata to %s: %s", path, strerror(errno));
out:
	free(zero);
	free(sb);
	return r;
}

int mx_meta_wipe(int fd, const char *path)
{
	void *zero = mx_block_alloc(MX_META_BLOCK);
	int r = 0;

	if (!zero)
		return mx_fail("out of memory");
	if (mx_pwrite_all(fd, zero, MX_META_BLOCK, 0) || fsync(fd))
		r = mx_fail("cannot wipe metadata on %s: %s", path,
			    strerror(errno));
	free(zero);
	return r;
}
