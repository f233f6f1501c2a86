#!/usr/bin/env bash
# 013-link-cut: the source keeps writing through a cut link, then resyncs only the dirty regions and ends identical; a cut in the middle of a resync keeps its progress
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B
total=$(mx_total A)

step "fio on 16 MiB of A's mirror while the link is cut"
job=$(mx_fio_bg A /dev/mapper/mx 16M 64M 40)
sleep 5
link_cut A B
mx_wait_conn A Connecting 30
step "A detected the cut and keeps serving writes"
mx_status A
# The writes in flight when the link went down end (fio ends), and new
# writes go through while it is down.  Not "fio still writing 5 s
# later": on a loaded host, noticing the cut can take longer than fio's
# 40 s (CI of 2026-12-01 on 6.12: fio had ended before the look).
if ! vm_wait A "$job"; then
	echo "fio did not end: state of A's writers and our threads"
	vm_run A "dmsetup status mx; cat /proc/loadavg /sys/block/dm-0/inflight /sys/kernel/debug/dm_mirrorx/objects; for p in \$(pgrep fio); do echo == fio \$p; grep State /proc/\$p/status; cat /proc/\$p/stack; done; ps -eo pid,stat,wchan:32,comm | grep -E ' D|mirrorx|kworker' | head -30" || true
	fail "fio on A did not end with the link cut"
fi
mx_wait_conn A Connecting 5
w1=$(mx_sectors_written A)
vm_run -t 120 A "fio --name=cut --filename=/dev/mapper/mx --rw=randwrite --bs=4k --ioengine=libaio --iodepth=8 --direct=1 --size=4M --offset=64M --randrepeat=0 --output=/dev/null" ||
	fail "4 MiB of writes on A with the link cut did not end within 120 s"
w2=$(mx_sectors_written A)
echo "sectors written with the link cut: $w1 -> $w2"
[ "$w2" -ge $((w1 + 8192)) ] || fail "writes on A with the link cut: $((w2 - w1)) sectors of 8192"
oos=$(mx_oos A)
echo "out of sync while cut: $oos of $total regions"
[ "$oos" -gt 0 ] || fail "no region recorded out of sync"

step "restore the link: automatic reconnect and partial resync"
link_restore A B
mx_wait_insync A 120
mx_status A
# fio wrote 16 MiB at 64 MiB (and nothing else since the pair was made).
mx_assert_partial_resync A 16M
mx_assert_same A B

step "a slow resync of 32 MiB, the link cut in its middle, writes while it is cut"
# 1 MiB/s: the 32 MiB take 32 s, room for the looks below on a slow
# (debug, loaded) kernel, where 16 s at 2 MiB/s ended before the cut.
vm_run A "dmsetup message mx 0 resync_rate 1024"
vm_run A "dmsetup message mx 0 disconnect 1"
mx_wait_conn A StandAlone 30
write_pattern A /dev/mapper/mx 013-bulk 32M 128M
vm_run A "dmsetup message mx 0 connect 1"
mx_wait_state A Resyncing 60
first=$(mx_resync_count A)
sleep 4
done1=$(mx_field A 14 | cut -d/ -f1)
echo "copied $done1 of $first when the link is cut"
[ "$done1" -gt 0 ] && [ "$done1" -lt "$first" ] || fail "resync not in progress ($done1/$first)"
link_cut A B
mx_wait_conn A Connecting 30
write_pattern A /dev/mapper/mx 013-during-cut 4M 192M
link_restore A B
mx_wait_state A Resyncing 60
second=$(mx_resync_count A)
# What was left (first - done1), the 4 MiB written while cut (64 regions),
# the copies not yet flushed on B and cleared (the sweep does that for a
# resyncing peer every MX_SWEEP_SPACED_PERIODS = 5 s, the cut comes up to
# 6 s after the resync started; 1 MiB/s: 16 regions a second, 112 for
# 7 s), one region at each end. A restart would be all 4096.
max=$((first - done1 + 64 + 112 + 2))
echo "the resync after the cut covers $second regions (at most $max)"
[ "$second" -le "$max" ] || fail "the resync after the cut restarted: $second regions > $max"
vm_run A "dmsetup message mx 0 resync_rate 0"
mx_wait_insync A 120
mx_assert_same A B
check_pattern B "$MX_DATA" 013-bulk 32M 128M
check_pattern B "$MX_DATA" 013-during-cut 4M 192M
mx_assert_no_leaks A B
pass
