#!/usr/bin/env bash
# 018-disconnect-suspend: with on_disconnect suspend no write completes without a remote copy until the peer is back or the admin releases it; a suspend that waits for such a write says so and what releases it
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A B
mx_create_pair A B 128 on_disconnect suspend
mx_wait_insync A 300

step "cut the link; a write must not complete while B is away"
link_cut A B
mx_wait_conn A Connecting 30
job=$(vm_run_bg -t 300 A "dd if=$(pattern_file 018-held 4194304) of=/dev/mapper/mx bs=1M seek=20 oflag=direct status=none && echo written")
sleep 10
[ ! -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ] || fail "write completed with the peer away (zero RPO broken)"
step "restore the link: resync delivers the held write, then it completes"
link_restore A B
out=$(vm_wait A "$job")
assert_eq "written" "$out" "held write completed after reconnect"
mx_wait_insync A 120
check_pattern B $MX_DATA 018-held 4M 20M

step "cut again; 'disconnect' by the admin releases held writes"
link_cut A B
mx_wait_conn A Connecting 30
job=$(vm_run_bg -t 300 A "dd if=$(pattern_file 018-released 1048576) of=/dev/mapper/mx bs=1M seek=40 oflag=direct status=none && echo written")
sleep 8
[ ! -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ] || fail "write completed with the peer away"
# A suspend now waits for that write, which only B's resync (stopped by
# the suspend) or the admin can release: the kernel log says so.
vm_run A "dmesg -C"
vm_run A "setsid sh -c 'dmsetup suspend mx; echo \$? >/tmp/018-suspend' </dev/null >/dev/null 2>&1 & sleep 0.5; true"
_said() { vm_run A "dmesg" | grep -q 'peer 1: the suspend waits for 1 write(s) held for it.*send "disconnect 1" to release them'; }
wait_for -m "no kernel log line saying what the suspend waits for" 30 _said
vm_run A "dmesg | grep 'the suspend waits'"
[ -z "$(vm_run A "cat /tmp/018-suspend 2>/dev/null")" ] || fail "the suspend ended with a write held: nothing tested"
vm_run A "dmsetup message mx 0 disconnect 1"
out=$(vm_wait A "$job")
assert_eq "written" "$out" "held write released by disconnect"
_suspended() { [ -n "$(vm_run A "cat /tmp/018-suspend 2>/dev/null")" ]; }
wait_for -m "the suspend did not end once the write was released" 30 _suspended
assert_eq 0 "$(vm_run A "cat /tmp/018-suspend")" "dmsetup suspend's exit status"
vm_run A "dmsetup resume mx"
check_pattern A $MX_DATA 018-released 1M 40M

step "reconnect: the released write reaches B by resync"
link_restore A B
vm_run A "dmsetup message mx 0 connect 1"
mx_wait_insync A 120
mx_assert_same A B
mx_assert_no_leaks A B
pass
