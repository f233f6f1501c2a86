#!/usr/bin/env bash
# 061-clear-after-flush: intent-log bits are cleared, and a resynced target says Consistent, only after the data devices flushed
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# The evidence is the block layer's flush counter of each data disk
# (mx_disk_flushes): the writes below are O_DIRECT without fsync.

mx_start_pair A B
for g in A B; do
	wc=$(vm_run "$g" "cat /sys/block/vda/queue/write_cache")
	[ "$wc" = "write back" ] || skip "$g: vda has no volatile write cache ($wc): flushes are not counted"
done

step "idle: every bit cleared"
wait_for -m "A's intent log not cleared when idle" 60 mx_is_clean A
mx_status A

step "sweep: 1 MiB of O_DIRECT writes without fsync, then idle"
fa=$(mx_disk_flushes A)
fb=$(mx_disk_flushes B)
vm_run -t 60 A "dd if=/dev/urandom of=/dev/mapper/mx bs=64k count=16 seek=128 oflag=direct status=none"
d=$(mx_dirty A)
echo "dirty right after the writes: $d (flushes A $fa B $fb)"
[ "$d" -gt 0 ] || fail "the writes left no bit set"
# Bits clear at the sweeps after the flushes; the hot extents after 60 s
# without writes.
wait_for -m "A's intent log not cleared after the writes" 120 mx_is_clean A
fa2=$(mx_disk_flushes A)
fb2=$(mx_disk_flushes B)
echo "flushes once the bits were cleared: A $fa -> $fa2, B $fb -> $fb2"
[ "$fa2" -gt "$fa" ] || fail "bits cleared without a flush of the source's data device"
[ "$fb2" -gt "$fb" ] || fail "bits cleared without a flush of the target's data device"

step "resync: the target is Consistent only after flushing what it got"
link_cut A B
mx_wait_conn A Connecting 30
vm_run -t 60 A "dd if=/dev/urandom of=/dev/mapper/mx bs=64k count=16 seek=512 oflag=direct status=none"
[ "$(mx_oos A)" -gt 0 ] || fail "no region out of sync with the link cut"
fb=$(mx_disk_flushes B)
link_restore A B
mx_wait_insync A 120
wait_for -m "B not Consistent after the resync" 60 mx_is_data B Consistent
fb2=$(mx_disk_flushes B)
mx_status A
mx_status B
echo "B flushes from the resync to Consistent: $fb -> $fb2"
[ "$fb2" -gt "$fb" ] || fail "B became Consistent without flushing its data device"

wait_for -m "A's intent log not cleared after the resync" 60 mx_is_clean A
mx_assert_same A B
mx_assert_no_leaks A B
pass
