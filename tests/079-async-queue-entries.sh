#!/usr/bin/env bash
# 079-async-queue-entries: an async queue of async_limit 1 MiB holds at most 256 entries (one per 4 KiB) while B's disk holds writes 10 s: discards, which carry no data, no longer pile up past the bytes bound (on_congestion block throttles them); the queue drains, nodes identical, nothing leaked
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
export MX_MODE=async

# dm-mirrorx/async_bound.h: one entry per 4 KiB of async_limit.
LIMIT=1048576
ENTRIES_MAX=$((LIMIT / 4096))

# slow_writes MS: B's data disk (dm-delay "slow") holds writes, discards
# included, MS milliseconds; reads and flushes go at once.
slow_writes() {
	vm_run B "dmsetup suspend slow && dmsetup load slow --table '0 $S delay $MX_DATA 0 0 $MX_DATA 0 $1 $MX_DATA 0 0' && dmsetup resume slow"
}

mx_boot A B
S=$(mx_sectors B)
vm_run B "modprobe dm-delay && dmsetup create slow --table '0 $S delay $MX_DATA 0 0 $MX_DATA 0 0 $MX_DATA 0 0' && dmsetup mknodes slow"
mx_create B "0 $S mirrorx-recv /dev/mapper/slow $MX_META $(vm_addr B A):$MX_PORT"
mx_create_source A B 128 async_limit $LIMIT on_congestion block
mx_wait_insync A 300
write_pattern A /dev/mapper/mx 079 32M 64M
mx_wait_insync A 60

# The peak without the bound is what A discards while B holds them: the
# hold must outlast the time a slow host takes to discard 256 blocks
# (about 1.2 s here, 4 s on a machine three times slower), and stay
# below the source's 30 s request timeout.
step "B's disk holds writes 10 s; 4 fio jobs discard 4 KiB blocks for 20 s; the queue's entries sampled every 100 ms"
slow_writes 10000
sampler=$(vm_run_bg -t 300 A "rm -f /tmp/079-stop; for i in \$(seq 3000); do
	[ -e /tmp/079-stop ] && break
	dmsetup status mx | awk '{ print \$16 }'
	sleep 0.1; done > /tmp/079-entries")
# /sys/block/*/stat field 12: discards completed.
discards() { vm_run A "awk '{ print \$12 }' /sys/block/\$(dmsetup info -c --noheadings -o blkdevname mx)/stat"; }
d0=$(discards)
disconnects() { vm_run B "dmesg | grep -c 'source disconnected' || true"; }
drops=$(disconnects)
vm_run -t 300 A "fio --name=trim --filename=/dev/mapper/mx --rw=randtrim --bs=4k --ioengine=psync --numjobs=4 --offset=64M --size=32M --runtime=20 --time_based --output=/dev/null"
vm_run A "touch /tmp/079-stop"
vm_wait A "$sampler" || fail "the sampler on A failed"
# Dropped and reconnected, the queue would have restarted empty.
assert_eq "$drops" "$(disconnects)" "B's count of disconnects, before and after the discards"
trims=$(($(discards) - d0))
samples=$(vm_run A "wc -l < /tmp/079-entries")
peak=$(vm_run A "sort -n /tmp/079-entries | tail -n1")
echo "discards: $trims in 20 s; samples: $samples; most entries queued at once: $peak (bound $ENTRIES_MAX)"
# Without the entry bound, discards (0 bytes) never filled the queue: it
# held every discard B had not acknowledged (4899 at once, of 4971 in the
# 20 s; with it 256, of 332).
[ "$peak" -le "$ENTRIES_MAX" ] ||
	fail "$peak entries queued at once, past async_limit / 4 KiB ($ENTRIES_MAX)"
# A sample takes 0.2-1 s under TCG (dmsetup status while fio runs).
[ "$samples" -ge 10 ] || fail "only $samples samples of the queue"
# Throttled, the queue sits at the bound; below it, the discards came too
# slowly to fill it (a slower host) and the run shows nothing either way.
[ "$peak" -ge $((ENTRIES_MAX * 9 / 10)) ] ||
	fail "at most $peak entries queued: the discards did not fill the queue, the test shows nothing"
[ "${trims:-0}" -gt "$ENTRIES_MAX" ] ||
	fail "fio issued only '$trims' discards: not enough to reach the bound"

step "B's disk fast again: the queue drains, the peer InSync, nodes identical"
slow_writes 0
_q_empty() { [ "$(mx_field A 16)" = 0 ]; }
wait_for 120 _q_empty
mx_wait_insync A 60
assert_eq async "$(mx_field A 12)" "peer mode"
mx_assert_same A B
mx_assert_no_leaks A B
pass
