#!/usr/bin/env bash
# 026-verify: online verify finds exactly the regions that differ on the target, and the resync that follows repairs them; a resume meanwhile does not end it
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B
write_pattern A /dev/mapper/mx 026-data 32M 0

_verified() { vm_run A "dmesg | grep -c 'verify finished'" | grep -qx "$1"; }

step "verify of identical nodes finds nothing"
vm_run A "dmsetup message mx 0 verify 1"
wait_for 300 _verified 1
vm_run A "dmesg | grep 'verify finished'" | tail -n1 | grep -q ": 0 of 4096 regions differ" ||
	fail "verify of identical nodes reported differences: $(vm_run A "dmesg | grep 'verify finished'")"
assert_eq InSync "$(mx_repl A)" "state after a clean verify"

step "corrupt 3 regions of B's data disk under the mirror (64 KiB regions 5, 100, 4000)"
for r in 5 100 4000; do
	vm_run B "dd if=/dev/urandom of=$MX_DATA bs=4k count=1 seek=$((r * 16 + 3)) oflag=direct status=none"
done
a=$(mx_data_sha A)
b=$(mx_data_sha B)
assert_ne "$a" "$b" "checksums after corrupting B"

step "verify finds exactly 3 regions, the resync repairs them"
vm_run A "dmsetup message mx 0 verify 1"
wait_for 300 _verified 2
vm_run A "dmesg | grep 'verify finished'" | tail -n1 | grep -q ": 3 of 4096 regions differ" ||
	fail "verify did not report 3 regions: $(vm_run A "dmesg | grep 'verify finished'")"
mx_wait_insync A 120
assert_eq 3 "$(mx_resync_count A)" "regions resynced after verify"
mx_assert_same A B

step "a resume during a verify that found a difference does not end it (only a missed write or a resync message would)"
vm_run B "dd if=/dev/urandom of=$MX_DATA bs=4k count=1 seek=$((7 * 16 + 3)) oflag=direct status=none"
vm_run A "dmsetup message mx 0 resync_rate 1024"
vm_run A "dmsetup message mx 0 verify 1"
# Region 7 is compared within the first second at 1 MiB/s; 4096 regions
# take minutes.
sleep 4
vm_run A "dmsetup message mx 0 resume 1"
sleep 1
assert_eq Verifying "$(mx_repl A)" "the peer after resume, during the verify"
vm_run A "dmsetup message mx 0 resync_rate 0"
wait_for 300 _verified 3
vm_run A "dmesg | grep 'verify finished'" | tail -n1 | grep -q ": 1 of 4096 regions differ" ||
	fail "verify did not report region 7: $(vm_run A "dmesg | grep 'verify'")"
mx_wait_insync A 120
mx_assert_same A B

step "verify refused while not connected"
vm_run A "dmsetup message mx 0 disconnect 1"
assert_eq StandAlone "$(mx_conn A)" "peer state as soon as the disconnect message returned"
if vm_run A "dmsetup message mx 0 verify 1" 2>/dev/null; then fail "verify accepted while StandAlone"; fi
pass
