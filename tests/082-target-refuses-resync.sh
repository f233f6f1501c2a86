#!/usr/bin/env bash
# 082-target-refuses-resync: a target whose device answers the resync's data writes "not supported" (played by mxtarget refuse-rs) pauses the resync with a log line naming the region, instead of copying the same regions again and again; the source's data is intact and it is removed at once
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
TGT="python3 $MX_REPO/tests/tools/mxtarget.py"
SERVE=30

MX_DATA_SIZE=64M mx_boot A B
baddr=$(vm_addr B A)
write_pattern A $MX_DATA 082 16M 0

step "a fresh source syncs a target that refuses its resync writes for $SERVE s"
vm_run A "dmesg -C; dd if=/dev/zero of=$MX_META bs=1M count=8 oflag=direct status=none"
job=$(vm_run_bg -t 200 B "$TGT $baddr $MX_PORT refuse-rs $SERVE")
sleep 2
mx_create_source A B
_paused() { [ "$(mx_repl A)" = Paused ]; }
wait_for -m "A's resync did not pause at the refusals" $SERVE _paused
vm_run A "dmesg | grep 'resync paused'"
vm_run A "dmesg" | grep -q 'resync paused: the target.s data device refused a resync write (not supported) in region [0-9]*; send "resume 1"' ||
	fail "no log line saying why the resync paused"
out=$(vm_wait B "$job") || fail "fake target: $out"
echo "fake target: $out"
re='^refused ([0-9]+) resync writes, the last ([0-9.]+) s after the first$'
[[ $out =~ $re ]] || fail "the fake target refused no resync write: $out"
# Without the pause the source copied the refused regions again for the
# whole $SERVE s (each pass a few seconds under TCG).
last=${BASH_REMATCH[2]%.*}
[ "$last" -lt 10 ] ||
	fail "the source kept sending resync writes ${BASH_REMATCH[2]} s after the first refusal"

step "the source's data is intact; remove returns"
check_pattern A $MX_DATA 082 16M 0
vm_run -t 30 A "timeout 20 dmsetup remove mx" || fail "dmsetup remove did not return"
mx_assert_no_leaks A
pass
