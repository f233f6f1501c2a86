// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx generation comparison: at connect, decide from the two sides'
 * data generations whether data may flow from source to target, and how
 * much of it. Modelled on DRBD's UUID comparison, reduced to the rules
 * listed in generation.h. Generation 0 means "none" throughout: it never
 * matches anything, so an empty history slot or an unset bitmap_gen cannot
 * make two unrelated sides look related.
 */
#include <linux/kernel.h>
#include "generation.h"
#include "meta_format.h"

static bool mx_gen_in_history(u64 gen, const struct mx_gen_view *v)
{
	int i;

	if (!gen)
		return false;
	for (i = 0; i < MX_HISTORY_GENS; i++)
		if (v->history[i] == gen)
			return true;
	return false;
}

/**
 * mx_gen_compare() - decide the direction of data at connect
 * @src: the source's view (its generation, its bitmap for the target)
 * @tgt: the target's view (its generation, its bitmap for the source)
 * @slot_flags: the source's MX_SLOT_* flags for this target
 *
 * Return: the verdict; TARGET_NEWER and SPLIT_BRAIN mean refuse.
 */
enum mx_gen_verdict mx_gen_compare(const struct mx_gen_view *src,
				   const struct mx_gen_view *tgt,
				   u32 slot_flags)
{
	/* The admin chose to discard the target's data: nothing else counts. */
	if (slot_flags & MX_SLOT_FULL_SYNC)
		return MX_GEN_FULL_SYNC;

	if (tgt->fresh || !tgt->current_gen)
		return (slot_flags & MX_SLOT_ASSUME_CLEAN) ?
			MX_GEN_ASSUME_CLEAN : MX_GEN_FULL_SYNC;

	if (src->current_gen == tgt->current_gen)
		return MX_GEN_IN_SYNC;

	/* Source wrote since the target's generation and logged every write. */
	if (src->bitmap_gen && src->bitmap_gen == tgt->current_gen)
		return MX_GEN_SOURCE_NEWER;

	/* The mirror image: the target wrote on top of the source's data. */
	if (tgt->bitmap_gen && tgt->bitmap_gen == src->current_gen)
		return MX_GEN_TARGET_NEWER;

	/* Target is an ancestor of the source but the bitmap does not reach. */
	if (mx_gen_in_history(tgt->current_gen, src))
		return MX_GEN_FULL_SYNC;

	if (mx_gen_in_history(src->current_gen, tgt))
		return MX_GEN_TARGET_NEWER;

	return MX_GEN_SPLIT_BRAIN;
}

static const char * const mx_gen_verdict_names[] = {
	[MX_GEN_IN_SYNC]	= "in_sync",
	[MX_GEN_SOURCE_NEWER]	= "source_newer",
	[MX_GEN_FULL_SYNC]	= "full_sync",
	[MX_GEN_ASSUME_CLEAN]	= "assume_clean",
	[MX_GEN_TARGET_NEWER]	= "target_newer",
	[MX_GEN_SPLIT_BRAIN]	= "split_brain",
};

const char *mx_gen_verdict_name(enum mx_gen_verdict v)
{
	if ((unsigned int)v >= ARRAY_SIZE(mx_gen_verdict_names))
		return "unknown";
	return mx_gen_verdict_names[v];
}

bool mx_adopt_needs_flush(u32 sb_flags, u32 ss_state)
{
	if (ss_state == MX_SS_RESYNC_DONE)
		return true;
	return ss_state == MX_SS_IN_SYNC && (sb_flags & MX_SB_INCONSISTENT);
}
