#!/usr/bin/env bash
# 086-held-write-durable: a write held for a peer that was away (on_disconnect suspend) completes only once that peer flushed what the resync wrote for it (its answer to RESYNC_DONE): not when the resync's last copy was acknowledged from its volatile cache, nor when something about another peer releases held writes meanwhile; all three nodes identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

FLUSH_MS=8000

step "A a source with two sync peers and on_disconnect suspend; B's data disk under dm-delay"
mx_boot A B C
S=$(mx_sectors A)
vm_run B "modprobe dm-delay && dmsetup create slow --table '$(mx_slow_table B 0 0)' && dmsetup mknodes slow"
mx_create B "0 $S mirrorx-recv /dev/mapper/slow $MX_META $(vm_addr B A):$MX_PORT"
mx_create C "0 $S mirrorx-recv $MX_DATA $MX_META $(vm_addr C A):$MX_PORT"
mx_create A "0 $S mirrorx $MX_DATA $MX_META 128 2 1 $(vm_addr B A):$MX_PORT sync 2 $(vm_addr C A):$MX_PORT sync 2 on_disconnect suspend"
# Peer groups: B is fields 9-17, C is fields 18-26.
_all_insync() {
	[ "$(mx_status A | awk '{ print $10 "/" $11 "/" $19 "/" $20 }')" = Connected/InSync/Connected/InSync ]
}
wait_for 400 _all_insync

step "B's disk now takes $((FLUSH_MS / 1000)) s per flush; the link A-B is cut; a write is held for B"
mx_slow_disk B 0 $FLUSH_MS
link_cut A B
_b_away() { [ "$(mx_field A 10)" = Connecting ]; }
wait_for 60 _b_away
vm_run A "dmesg -C"
job=$(vm_run_bg -t 300 A "dd if=$(pattern_file 086 1048576) of=/dev/mapper/mx bs=1M seek=20 oflag=direct status=none && cat /proc/uptime")
sleep 5
[ ! -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ] || fail "the write completed with B away: nothing held, nothing tested"

step "the link back: B's resync copies the write; C is disconnected meanwhile; the write completes after B's flush"
link_restore A B
_finished() { vm_run A "dmesg" | grep -q 'peer 1: resync finished'; }
wait_for -m "B's resync did not finish" 120 _finished
# Releases held writes (for C): not this one, B has not flushed yet.
vm_run A "dmsetup message mx 0 disconnect 2"
out=$(vm_wait A "$job")
done_at=${out%% *}
fin=$(vm_run A "dmesg | grep 'peer 1: resync finished' | tail -n1")
echo "A: $fin"
echo "A: the held write completed at $done_at s (uptime)"
fin_at=$(sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' <<<"$fin")
[ -n "$fin_at" ] || fail "no 'resync finished' line in A's log"
late=$(awk -v a="$done_at" -v b="$fin_at" 'BEGIN { printf "%.2f", a - b }')
echo "the write completed $late s after B's resync finished (B's flush: $((FLUSH_MS / 1000)) s)"
# Before: with the resync's last acknowledgement (0.17 s), then with the
# disconnect of C (a release for another peer).
awk -v l="$late" -v f=$((FLUSH_MS / 1000 - 2)) 'BEGIN { exit !(l >= f) }' ||
	fail "the held write completed $late s after B's resync finished: before B's flush ($((FLUSH_MS / 1000)) s) of what the resync wrote"

step "C back; all three identical"
mx_slow_disk B 0 0
vm_run A "dmsetup message mx 0 connect 2"
wait_for 120 _all_insync
check_pattern B $MX_DATA 086 1M 20M
check_pattern C $MX_DATA 086 1M 20M
mx_assert_same A B
mx_assert_same A C
mx_assert_no_leaks A B C
pass
