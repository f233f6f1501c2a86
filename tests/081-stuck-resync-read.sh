#!/usr/bin/env bash
# 081-stuck-resync-read: a suspend that waits for resync reads the source's data disk holds for 75 s says so in the kernel log every 30 s instead of hanging silently, ends once the reads complete, and the resync then finishes with the nodes identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

READ_MS=75000

step "A: a source on dm-delay over its data disk (no delay yet)"
mx_boot A B
vm_run A "modprobe dm-delay && dmsetup create slow --table '$(mx_slow_table A 0 0)' && dmsetup mknodes slow"
mx_create_target B A
vm_run -t 60 A "dmsetup create mx --table '$(MX_DATA=/dev/mapper/slow mx_source_table A B)' && dmsetup mknodes mx"
mx_wait_insync A 300
write_pattern A /dev/mapper/mx 081 4M 8M

step "reads of A's disk now take $((READ_MS / 1000)) s; a full resync reads, then a suspend waits for it"
mx_slow_disk A $READ_MS 0
vm_run A "dmesg -C"
vm_run A "dmsetup message mx 0 resync 1 full"
mx_wait_state A Resyncing 60
t0=$(date +%s)
vm_run A "setsid sh -c 'dmsetup suspend mx; echo \$? >/tmp/081-suspend' </dev/null >/dev/null 2>&1 & sleep 0.5; true"
_said() { vm_run A "dmesg" | grep -q 'the resync still waits for [0-9]* region(s) in flight'; }
# The first line comes 30 s after the drain began; the reads end at 75 s.
wait_for -m "no kernel log line while the suspend waited for the stuck reads" 60 _said
vm_run A "dmesg | grep 'still waits'"
echo "the line came after $(($(date +%s) - t0)) s"
[ -z "$(vm_run A "cat /tmp/081-suspend 2>/dev/null")" ] ||
	fail "the suspend ended before the reads did: nothing tested"

step "the reads complete: the suspend ends, resume, the resync finishes"
_suspended() { [ -n "$(vm_run A "cat /tmp/081-suspend 2>/dev/null")" ]; }
wait_for -m "the suspend did not end after the reads completed" $((READ_MS / 1000 + 60)) _suspended
assert_eq 0 "$(vm_run A "cat /tmp/081-suspend")" "dmsetup suspend's exit status"
echo "the suspend ended after $(($(date +%s) - t0)) s"
mx_slow_disk A 0 0
vm_run A "dmsetup resume mx"
mx_wait_insync A 300
check_pattern B $MX_DATA 081 4M 8M
mx_assert_same A B
mx_assert_no_leaks A B
pass
