/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generation comparison at connect (generation.c): decides which way data
 * may flow between a source and a target, DRBD-style.
 */
#ifndef DM_MIRRORX_GENERATION_H
#define DM_MIRRORX_GENERATION_H

#include <linux/types.h>
#include "wire.h"

/* What one side says about itself (from its superblock or its hello). */
struct mx_gen_view {
	u64 current_gen;
	u64 bitmap_gen;		/* its bitmap for the other side started at */
	u64 history[MX_HISTORY_GENS];
	bool fresh;		/* never held mirrored data */
};

enum mx_gen_verdict {
	MX_GEN_IN_SYNC,		/* same generation: resync the union of bitmaps */
	MX_GEN_SOURCE_NEWER,	/* target stayed where the bitmap started */
	MX_GEN_FULL_SYNC,	/* no usable bitmap or blank target */
	MX_GEN_ASSUME_CLEAN,	/* blank target, admin said identical */
	MX_GEN_TARGET_NEWER,	/* refuse: would overwrite newer data */
	MX_GEN_SPLIT_BRAIN,	/* refuse: both sides wrote */
};

/*
 * Decide at connect. @slot_flags are the source's MX_SLOT_* for the target:
 * MX_SLOT_FULL_SYNC (admin forced a full resync, e.g. to discard the
 * target's data after a split brain) wins over everything;
 * MX_SLOT_ASSUME_CLEAN turns a blank target into ASSUME_CLEAN.
 * Rules, in order: forced full; blank target (fresh or generation 0);
 * equal generations; source bitmap started at the target's generation;
 * target bitmap started at the source's generation (target newer); target
 * generation in the source's history (full); source generation in the
 * target's history (target newer); otherwise split brain.
 */
enum mx_gen_verdict mx_gen_compare(const struct mx_gen_view *src,
				   const struct mx_gen_view *tgt,
				   u32 slot_flags);

const char *mx_gen_verdict_name(enum mx_gen_verdict v);

/*
 * Must a target flush its data device before it adopts sync state
 * @ss_state (MX_SS_*), its superblock flags being @sb_flags? Yes when the
 * adoption records data that a resync wrote as Consistent: at
 * MX_SS_RESYNC_DONE, and at MX_SS_IN_SYNC while MX_SB_INCONSISTENT is set.
 * The resync's writes were acknowledged when they completed, not when
 * they were durable.
 */
bool mx_adopt_needs_flush(u32 sb_flags, u32 ss_state);

#endif /* DM_MIRRORX_GENERATION_H */
