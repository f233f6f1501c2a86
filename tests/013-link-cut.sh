#!/usr/bin/env bash
# 013-link-cut: the source keeps writing through a cut link, then resyncs only the dirty regions and ends identical
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
w1=$(mx_sectors_written A)
sleep 5
w2=$(mx_sectors_written A)
echo "sectors written by fio with the link cut: $w1 -> $w2"
[ "$w2" -gt "$w1" ] || fail "writes stalled on A with the link cut"
if ! vm_wait A "$job"; then
	echo "fio did not end: state of A's writers and our threads"
	vm_run A "dmsetup status mx; cat /proc/loadavg /sys/block/dm-0/inflight /sys/kernel/debug/dm_mirrorx/objects; for p in \$(pgrep fio); do echo == fio \$p; grep State /proc/\$p/status; cat /proc/\$p/stack; done; ps -eo pid,stat,wchan:32,comm | grep -E ' D|mirrorx|kworker' | head -30" || true
	fail "fio on A did not end with the link cut"
fi
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
mx_assert_no_leaks A B
pass
