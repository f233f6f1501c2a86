#!/usr/bin/env bash
# 053-block-size: a target whose device has larger logical blocks than the source's is refused with its reason, a misaligned packet is dropped, and a target with smaller blocks replicates; nodes identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
PEER="python3 $MX_REPO/tests/tools/mxpeer.py"

mx_boot A B
S=$(mx_sectors B)
TADDR="$(vm_addr B A):$MX_PORT"

step "B: target on a 4096-byte-block loop device over its disk; A (512) is refused"
L=$(vm_run B "modprobe loop; losetup -b 4096 --show -f $MX_DATA")
vm_run B "dmsetup create mx --table '0 $S mirrorx-recv $L $MX_META $TADDR'"
before=$(mx_data_sha B)
vm_run A "dmesg -C"
mx_create_source A B
mx_wait_state A Refused 60
vm_run A "dmesg" | grep -q "connection refused: block_size_mismatch" ||
	fail "no block_size_mismatch refusal in A's log: $(vm_run A dmesg | tail -n 5)"
assert_eq "$before" "$(mx_data_sha B)" "B's data after the refusal"

step "a hand-written source sending a write B cannot take whole"
vm_run A "dmsetup remove mx"
vm_run B "dmesg -C"
out=$(vm_run A "$PEER $(vm_addr B A) $MX_PORT $S misaligned")
assert_eq dropped "$out" "B's answer to a 4 KiB write at sector 9"
vm_run B "dmesg" | grep -q "are not whole 4096-byte blocks" ||
	fail "no log line for the misaligned write: $(vm_run B dmesg | tail -n 5)"
assert_eq "$before" "$(mx_data_sha B)" "B's data after the misaligned write"

step "the other way round: A's source on 4096-byte blocks, B's target on 512"
vm_run B "dmsetup remove mx; losetup -d $L; dd if=/dev/zero of=$MX_META bs=1M count=8 status=none"
mx_create_target B A
LA=$(vm_run A "modprobe loop; losetup -b 4096 --show -f $MX_DATA")
vm_run A "dmsetup create mx --table '0 $S mirrorx $LA $MX_META 128 1 1 $TADDR sync' && dmsetup mknodes mx"
mx_wait_insync A 300
write_pattern A /dev/mapper/mx 053 4M 12M
mx_wait_insync A 60
check_pattern B $MX_DATA 053 4M 12M
vm_run A "dmsetup remove mx; losetup -d $LA"
mx_assert_same A B
mx_assert_no_leaks A B
pass
