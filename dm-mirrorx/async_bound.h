/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-mirrorx: the bound of an async peer's queue (async.c), a pure rule
 * tested in async_bound_test.c.
 *
 * The queue holds at most async_limit bytes of write data and at most
 * async_limit / 4 KiB entries. The count matters for what carries no
 * data (a discard, a write-zeroes, a flush): it would pass a bound on
 * bytes alone without end, and every entry costs memory (its header, and
 * at least a page for a write's data) and a step of the sweep's scan of
 * the queue. 4 KiB writes reach both bounds together; smaller ones reach
 * the count first, which is also where the pages they hold add up to
 * async_limit (with 4 KiB pages; larger pages hold more).
 *
 * An empty queue takes anything, so that one write larger than the limit
 * still goes (device-mapper splits writes at 1 MiB, the least limit).
 */
#ifndef DM_MIRRORX_ASYNC_BOUND_H
#define DM_MIRRORX_ASYNC_BOUND_H

#include <linux/types.h>
#include <linux/math64.h>

#define MX_AQ_ENTRY_UNIT	4096U	/* bytes of async_limit per entry */

/* Entries an async queue of @limit bytes may hold. */
static inline u64 mx_aq_entries_max(u64 limit)
{
	return div_u64(limit, MX_AQ_ENTRY_UNIT);
}

/*
 * Would an entry of @bytes (0: no data) overflow a queue that holds
 * @queued_bytes in @queued_entries entries, bounded by @limit?
 */
static inline bool mx_aq_full(u64 queued_bytes, u64 queued_entries,
			      u32 bytes, u64 limit)
{
	if (!queued_entries)
		return false;
	return queued_bytes + bytes > limit ||
	       queued_entries + 1 > mx_aq_entries_max(limit);
}

/*
 * Is a queue half empty, by both bounds? A peer that fell Behind queues
 * again only then (mx_async_may_leave_behind_locked()).
 */
static inline bool mx_aq_half_empty(u64 queued_bytes, u64 queued_entries,
				    u64 limit)
{
	return queued_bytes <= limit / 2 &&
	       queued_entries <= mx_aq_entries_max(limit) / 2;
}

#endif /* DM_MIRRORX_ASYNC_BOUND_H */
