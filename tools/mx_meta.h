/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metadata device access for mirrorctl: inspect a superblock and format a
 * new one, through the kernel's own codec (dm-mirrorx/meta_codec.c, built
 * unmodified against the userspace shim in tests/fuzz/shim). This header
 * uses plain C types only, so the rest of mirrorctl needs no kernel types.
 */
#ifndef MX_META_H
#define MX_META_H

#include <stdbool.h>
#include <stdint.h>

#define MX_META_BLOCK		4096
#define MX_META_NODE_UNSET	0xffffffffU

enum mx_meta_kind {
	MX_META_BLANK,		/* first block all zero: the kernel formats it */
	MX_META_VALID,		/* a dm-mirrorx superblock */
	MX_META_FOREIGN,	/* anything else (a filesystem? garbage) */
};

struct mx_meta_info {
	enum mx_meta_kind kind;
	char reason[128];		/* FOREIGN: what the codec said */
	bool fresh;			/* never held mirrored data */
	bool inconsistent;		/* a resync to this node is unfinished */
	bool outdated;			/* lacks writes its source made */
	uint32_t region_sectors;
	uint64_t data_sectors;
	uint64_t nr_regions;
	uint32_t bitmap_blocks;		/* stride of the slots: room to grow */
	uint64_t data_room;		/* largest data size it describes */
	uint32_t node_id;		/* MX_META_NODE_UNSET: not set yet */
	uint64_t current_gen;
	bool has_uuid;
	char uuid[33];			/* hex; "" while all zero */
	uint32_t slot_flags[8];
	uint64_t slot_bitmap_gen[8];
};

/* Slot flag: the first connection to that (blank) peer skips the sync. */
extern const uint32_t mx_meta_slot_assume_clean;

/* Classify and decode a 4 KiB first block. */
void mx_meta_inspect(const void *block, struct mx_meta_info *mi);

/* Bytes of metadata a mirror needs; 0 when the geometry is invalid. */
uint64_t mx_meta_required_bytes(uint64_t data_sectors, uint32_t region_sectors);

/*
 * A new superblock into the 4 KiB @block: fresh, no generation, node id
 * @node_id, the assume-clean flag in the slots of the node ids in
 * @assume_clean (bit n = node n).
 */
int mx_meta_build(void *block, uint64_t data_sectors, uint32_t region_sectors,
		  uint32_t node_id, uint8_t assume_clean);

/*
 * The same, its bitmaps spaced for all a metadata device of
 * @meta_sectors holds (room for the data device to grow).
 */
int mx_meta_build_room(void *block, uint64_t data_sectors,
		       uint32_t region_sectors, uint32_t node_id,
		       uint8_t assume_clean, uint64_t meta_sectors);

/*
 * A grow of the mirror described by @mi to @data_sectors: 0 when the
 * layout has room, else -1 with mx_errmsg naming the metadata size a
 * new format for that size needs.
 */
int mx_meta_grow_ok(const struct mx_meta_info *mi, uint64_t data_sectors);

/* Read the first block of @fd and inspect it. */
int mx_meta_read(int fd, const char *path, struct mx_meta_info *mi);

/*
 * Format: zero the superblock and the eight bitmaps' blocks in use
 * (spaced for the whole of @fd: room to grow), then write the new
 * superblock (mx_meta_build_room) and fsync. @fd should be O_DIRECT on a
 * block device (the kernel reads it with bios, not through the cache).
 */
int mx_meta_format(int fd, const char *path, uint64_t data_sectors,
		   uint32_t region_sectors, uint32_t node_id,
		   uint8_t assume_clean);

/* Zero the superblock only (delete --wipe-meta). */
int mx_meta_wipe(int fd, const char *path);

#endif /* MX_META_H */
