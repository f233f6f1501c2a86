// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx resync pipeline arithmetic: see rs_window.h.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/bitops.h>
#include <linux/bitmap.h>
#include <linux/time64.h>
#include "rs_window.h"

u64 mx_rs_window_bytes(u64 rate_bps, u32 rtt_us, u64 floor, u64 cap)
{
	u64 w;

	/* Rates past 2^40 B/s would overflow: they are capped anyway. */
	rate_bps = min_t(u64, rate_bps, 1ULL << 40);
	w = div_u64(2 * rate_bps * rtt_us, USEC_PER_SEC);
	return clamp(w, floor, cap);
}

u64 mx_rs_rate_update(u64 old, u64 bytes, u64 ns)
{
	u64 sample;

	if (!ns)
		return old;
	sample = div64_u64(min_t(u64, bytes, 1ULL << 32) * NSEC_PER_SEC, ns);
	return old ? (old + sample) / 2 : sample;
}

u32 mx_rs_run_max(u32 region_bytes, u32 max_bytes, u32 room)
{
	u32 n = max_bytes / region_bytes;

	return max(1U, min(n, room));
}

u32 mx_rs_run_len(const unsigned long *map, u64 nbits, u64 r, u32 max)
{
	u64 end;

	if (r >= nbits || !test_bit(r, map))
		return 0;
	end = min(nbits, r + max);
	return find_next_zero_bit(map, end, r) - r;
}

u32 mx_rs_effective_rate(u32 rate, u32 min_rate, bool app_busy)
{
	if (!app_busy || !min_rate)
		return rate;
	return rate ? min(rate, min_rate) : min_rate;
}

bool mx_rs_app_busy(s64 *prev, s64 sectors)
{
	bool busy = sectors > *prev + MX_RS_APP_SECTORS;

	*prev = sectors;
	return busy;
}

u64 mx_rs_pace_next(u64 now, u64 next, u64 bytes, u32 rate_kib)
{
	u64 base = now > MX_RS_PACE_SLACK_NS ? now - MX_RS_PACE_SLACK_NS : 0;

	if (!rate_kib)
		return now;
	base = max(next, base);
	return base + div64_u64(bytes * NSEC_PER_SEC, (u64)rate_kib * 1024);
}

u64 mx_rs_pace_rerate(u64 now, u64 next, u32 *charged_kib, u32 rate_kib)
{
	if (rate_kib == *charged_kib)
		return next;
	*charged_kib = rate_kib;
	return min(next, now);
}

void mx_rs_chunk_regions(sector_t sector, u32 bytes, unsigned int shift,
			 u64 *r0, u64 *r1)
{
	*r0 = sector >> shift;
	*r1 = (sector + (bytes >> 9) - 1) >> shift;	/* 512-byte sectors */
}

u32 mx_rs_chunk_charge(u32 len, u32 zero_bytes, u32 packets)
{
	if (zero_bytes < len)
		return len;
	return min_t(u64, (u64)packets * MX_RS_PACKET_BYTES, len);
}
