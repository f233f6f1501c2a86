#!/usr/bin/env bash
# 020-target-readonly: a target serves local reads of the replica and refuses local writes
# timeout: 600
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B
write_pattern A /dev/mapper/mx 020-ro 4M 4M
step "B reads the replica through its mirror device"
check_pattern B /dev/mapper/mx 020-ro 4M 4M
step "B's local writes are refused and change nothing"
before=$(mx_data_sha B)
if vm_run B "dd if=/dev/zero of=/dev/mapper/mx bs=4k count=1 seek=1024 oflag=direct status=none"; then
	fail "a local write on the target succeeded"
fi
vm_run B "blockdev --getro /dev/mapper/mx" | grep -qx 1 || fail "target device is not read-only"
after=$(mx_data_sha B)
assert_eq "$before" "$after" "B's data after a refused local write"
mx_assert_same A B
pass
