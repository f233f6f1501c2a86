/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-mirrorx resync pipeline arithmetic (rs_window.c): the in-flight
 * window from the link's round trip and the achieved rate, the pacing of
 * the rate limit, the run of regions one read covers, and the rule by
 * which the resync yields to application I/O. Pure functions, tested in
 * rs_window_test.c; resync.c keeps the state.
 */
#ifndef DM_MIRRORX_RS_WINDOW_H
#define DM_MIRRORX_RS_WINDOW_H

#include <linux/types.h>
#include <linux/time64.h>

/*
 * Window bounds (bytes). The floor keeps a few 1 MiB packets in each
 * stage (read, send, target write, ack) on any link: TCP's round trip,
 * which the product is made of, leaves out the reads and the target's
 * writes. In lab guests a full resync of 1 GiB of random data took
 * 5.5-6.0 s with a floor of 8 MiB against 7.1-8.0 s with 4 MiB (16 MiB:
 * no faster than 8). The cap bounds what a suspend or a pause waits for
 * and the regions held against writes.
 */
#define MX_RS_WINDOW_MIN	(8U << 20)
#define MX_RS_WINDOW_MAX	(16U << 20)
/*
 * Chunks (reads of up to MX_WIRE_MAX_DATA) that read as all zeros,
 * gathered for a write-zeroes or sent and not yet acknowledged: no read
 * starts while a resync has this many (the reads in flight then, at most
 * the window's, may still join them). Such a chunk holds only its
 * packet's header of the window (mx_rs_chunk_charge()), so without this
 * bound zero ranges would go in flight as far as the region locks allow,
 * and with large regions (one lock covers up to 1 GiB) that is up to
 * 256 GiB of the device: a quarter of a million chunks, 8 KiB each, while
 * a target is slow to answer. 16 MiB of the device, the region locks'
 * reach with the default 64 KiB regions (MX_RESYNC_LOCKS). Chunks being
 * read, or with data, hold their bytes of the window: it bounds them.
 */
#define MX_RS_ZERO_CHUNKS_MAX	16U
/*
 * Least the peer may hold of resync packets sent and not acknowledged
 * (peer.c: bulk_limit): a few 128 KiB packets, enough to keep a LAN link
 * busy across the target's write and the ack.
 */
#define MX_RS_SENT_MIN		(512U << 10)
/* Resync I/O rates are re-measured at this period (ns). */
#define MX_RS_PERIOD_NS		(100 * NSEC_PER_MSEC)
/* Rate credit the pacing keeps after an idle spell (ns). */
#define MX_RS_PACE_SLACK_NS	(100 * NSEC_PER_MSEC)
/* Sectors of application I/O in a period that make the resync yield. */
#define MX_RS_APP_SECTORS	0
/*
 * Default of the resync_min_rate module parameter (KiB/s): the resync's
 * rate while the application uses the mirror device. 4 MiB/s keeps a
 * resync going (a 1 TiB device in three days at worst) while leaving a
 * LAN link and the disks to the application.
 */
#define MX_RS_MIN_RATE_DEFAULT	4096
/* Once application I/O was seen, the resync yields this long (ns). */
#define MX_RS_YIELD_HOLD_NS	NSEC_PER_SEC

/* What one packet costs the link besides its data: its header. */
#define MX_RS_PACKET_BYTES	32

/*
 * In-flight window in bytes: twice the bandwidth-delay product of
 * @rate_bps (bytes/s achieved) and @rtt_us, within @floor..@cap.
 * Twice, so that a window-limited resync (whose rate is the window over
 * the round trip) sees a larger product and grows until the link, not
 * the window, limits it.
 */
u64 mx_rs_window_bytes(u64 rate_bps, u32 rtt_us, u64 floor, u64 cap);

/*
 * New rate estimate (bytes/s) from @old and @bytes done in @ns: the mean
 * of both, or the sample alone when there was none (@old 0).
 */
u64 mx_rs_rate_update(u64 old, u64 bytes, u64 ns);

/*
 * Regions one read may cover: runs up to @max_bytes (one packet) of
 * @region_bytes regions, no more than @room regions (the window), at
 * least one.
 */
u32 mx_rs_run_max(u32 region_bytes, u32 max_bytes, u32 room);

/*
 * Length of the run of set bits in @map (@nbits) from bit @r on, at most
 * @max (0 when @r is clear or out of range).
 */
u32 mx_rs_run_len(const unsigned long *map, u64 nbits, u64 r, u32 max);

/*
 * The resync rate (KiB/s, 0 unlimited) for the next period: @rate, the
 * table's resync_rate, or at most @min_rate when @app_busy and @min_rate
 * is set (application I/O keeps priority).
 */
u32 mx_rs_effective_rate(u32 rate, u32 min_rate, bool app_busy);

/*
 * Was there application I/O since the last look? @sectors is the mirror
 * device's count of sectors read and written (its I/O statistics), @*prev
 * its value at the last look (updated).
 */
bool mx_rs_app_busy(s64 *prev, s64 sectors);

/*
 * Pacing at @rate_kib KiB/s (0: none): when (ns) the next read may be
 * issued after one of @bytes at @now, the last one's allowance @next.
 */
u64 mx_rs_pace_next(u64 now, u64 next, u64 bytes, u32 rate_kib);

/*
 * The pacing deadline when the rate may have changed: @*charged_kib is the
 * rate @next was charged at (updated). A new rate applies at once: a
 * deadline charged at the old one is dropped (@now), never kept.
 */
u64 mx_rs_pace_rerate(u64 now, u64 next, u32 *charged_kib, u32 rate_kib);

/*
 * Regions [*@r0, *@r1] that @bytes (> 0) at @sector cover, with regions
 * of 1 << @shift sectors.
 */
void mx_rs_chunk_regions(sector_t sector, u32 bytes, unsigned int shift,
			 u64 *r0, u64 *r1);

/*
 * Bytes of the window a chunk read as @len bytes holds once it is known
 * to go as @packets packets, @zero_bytes of them as write-zeroes (no
 * payload). All zero, it gives its pages back and holds what crosses the
 * link, MX_RS_PACKET_BYTES a packet (never more than @len); else it keeps
 * its pages till the last packet is acknowledged, and @len.
 */
u32 mx_rs_chunk_charge(u32 len, u32 zero_bytes, u32 packets);

#endif /* DM_MIRRORX_RS_WINDOW_H */
