#!/usr/bin/env bash
# 078-zero-resync-bound: with 16 MiB regions, the full sync of an all-zero device to a target whose disk holds its writes 1 s keeps at most MX_RS_ZERO_CHUNKS_MAX (16) zero chunks in flight: zero ranges, which hold only a header's bytes of the window, do not all go at once (256 here); zeroes only sent, in write-zeroes of 8 chunks; nodes identical, nothing leaked
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# MX_RS_ZERO_CHUNKS_MAX (dm-mirrorx/rs_window.h): zero chunks gathered or
# sent and not acknowledged. The reads in flight when it is reached, at
# most the window's 16 MiB (MX_RS_WINDOW_MAX) in 1 MiB chunks, may still
# join them; a chunk is counted (debugfs resync_chunks) from its read to
# its ack.
CHUNKS_MAX=16
SLACK=$((16 + 4))
# 16 MiB regions: a region lock covers 16 chunks of 1 MiB, so the 256
# region locks would let every chunk of the device be in flight.
REGION=32768

mx_boot A B
S=$(mx_sectors A)
chunks=$((S / 2048))

step "B: a target on dm-delay over its (zero) data disk, every write held 1 s"
vm_run B "modprobe dm-delay && dmsetup create slow --table '0 $S delay $MX_DATA 0 0 $MX_DATA 0 1000' && dmsetup mknodes slow"
mx_create B "0 $S mirrorx-recv /dev/mapper/slow $MX_META $(vm_addr B A):$MX_PORT"

step "A: count the resync's chunks (read, gathered or sent, not acknowledged) and the requests queued to the peer every 50 ms during the full sync of its zero disk ($chunks chunks of 1 MiB)"
sampler=$(vm_run_bg -t 600 A "rm -f /tmp/078-stop; for i in \$(seq 12000); do
	[ -e /tmp/078-stop ] && break
	awk '\$1 == \"resync_chunks\" { c = \$2 } \$1 == \"peer_requests\" { r = \$2 } END { print c, r }' /sys/kernel/debug/dm_mirrorx/objects
	sleep 0.05; done > /tmp/078-reqs")
mx_create_source A B "$REGION"
mx_wait_insync A 600
vm_run A "touch /tmp/078-stop"
vm_wait A "$sampler" || fail "the sampler on A failed"
samples=$(vm_run A "wc -l < /tmp/078-reqs")
peak=$(vm_run A "sort -n /tmp/078-reqs | tail -n1 | cut -d' ' -f1")
# Chunks per request queued, over the samples with 8 chunks or more.
per_req=$(vm_run A "awk '\$1 >= 8 && \$2 > 0 { c += \$1; r += \$2 } END { printf \"%.2f\", r ? c / r : 0 }' /tmp/078-reqs")
echo "samples: $samples, most chunks in flight at once: $peak, chunks per request queued: $per_req"
# Without the bound, every chunk read went in flight (205 requests at
# once before it; 19 and 25 with it, when each chunk was one request).
[ "$peak" -le $((CHUNKS_MAX + SLACK)) ] ||
	fail "$peak chunks in flight at once: more than $CHUNKS_MAX zero chunks"
# With it, A reads 16 chunks in well under the 1 s B holds their writes:
# the peak is the bound, over 16 s at least (16 rounds of 16 MiB).
[ "$samples" -ge 5 ] || fail "only $samples samples during the sync"
[ "$peak" -ge $((CHUNKS_MAX / 2)) ] ||
	fail "at most $peak chunks in flight at once: B's held writes did not make the chunks wait, the test shows nothing"
# Consecutive zero chunks go as one write-zeroes of up to 8 (protocol 7,
# MX_WIRE_MAX_ZEROES): the 16 in flight are 2 requests, with the runs
# sent short when A waits with no read in flight (at the bound); 3.9
# chunks per request measured. With one request per chunk only the reads
# in flight would not be requests, and a ping or a sync state counts:
# 0.99 measured.
awk -v x="$per_req" 'BEGIN { exit !(x >= 1.5) }' ||
	fail "$per_req chunks per request queued: the zero chunks did not go as runs"

step "the sync sent zeroes only; nodes identical; nothing leaked"
line=$(vm_run A "dmesg | grep 'resync finished' | tail -n1")
echo "A: $line"
sent=$(sed -n 's/.* \([0-9][0-9]*\) bytes sent.*/\1/p' <<<"$line")
zeroes=$(sed -n 's/.* \([0-9][0-9]*\) bytes as zeroes.*/\1/p' <<<"$line")
assert_eq 0 "$sent" "bytes sent as data"
assert_eq $((S * 512)) "$zeroes" "bytes sent as zeroes (the whole device)"
a=$(dev_sha256 A $MX_DATA)
b=$(dev_sha256 B $MX_DATA)
assert_eq "$a" "$b" "sha256 of A's and B's $MX_DATA"
mx_assert_no_leaks A B
pass
