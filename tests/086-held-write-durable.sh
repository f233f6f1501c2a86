#!/usr/bin/env bash
# 086-held-write-durable: a write held for a peer that was away (on_disconnect suspend) completes only once the peer flushed what the resync wrote for it (its answer to RESYNC_DONE), not when the resync's last copy was acknowledged from its volatile cache; nodes identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

FLUSH_MS=8000

step "B's data disk under dm-delay; A a source with on_disconnect suspend"
mx_boot A B
vm_run B "modprobe dm-delay && dmsetup create slow --table '$(mx_slow_table B 0 0)' && dmsetup mknodes slow"
mx_create B "0 $(mx_sectors B) mirrorx-recv /dev/mapper/slow $MX_META $(vm_addr B A):$MX_PORT"
mx_create_source A B 128 on_disconnect suspend
mx_wait_insync A 300

step "B's disk now takes $((FLUSH_MS / 1000)) s per flush; the link is cut; a write is held"
mx_slow_disk B 0 $FLUSH_MS
link_cut A B
mx_wait_conn A Connecting 30
vm_run A "dmesg -C"
job=$(vm_run_bg -t 300 A "dd if=$(pattern_file 086 1048576) of=/dev/mapper/mx bs=1M seek=20 oflag=direct status=none && cat /proc/uptime")
sleep 5
[ ! -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ] || fail "the write completed with the peer away: nothing held, nothing tested"

step "the link back: the resync copies the write; it completes after B's flush"
link_restore A B
out=$(vm_wait A "$job")
done_at=${out%% *}
fin=$(vm_run A "dmesg | grep 'resync finished' | tail -n1")
echo "A: $fin"
echo "A: the held write completed at $done_at s (uptime)"
fin_at=$(sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' <<<"$fin")
[ -n "$fin_at" ] || fail "no 'resync finished' line in A's log"
late=$(awk -v a="$done_at" -v b="$fin_at" 'BEGIN { printf "%.2f", a - b }')
echo "the write completed $late s after the resync finished (B's flush: $((FLUSH_MS / 1000)) s)"
# Before, it completed with the resync's last acknowledgement (0.0x s).
awk -v l="$late" -v f=$((FLUSH_MS / 1000 - 2)) 'BEGIN { exit !(l >= f) }' ||
	fail "the held write completed $late s after the resync finished: before B's flush ($((FLUSH_MS / 1000)) s) of what the resync wrote"

step "the nodes are identical"
mx_slow_disk B 0 0
mx_wait_insync A 60
check_pattern B $MX_DATA 086 1M 20M
mx_assert_same A B
mx_assert_no_leaks A B
pass
