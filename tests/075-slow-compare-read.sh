#!/usr/bin/env bash
# 075-slow-compare-read: a checksum read that a slow target disk holds for 60 s does not fail an application flush meanwhile (the flush waits for writes only); the target stays attached, the compare ends after the disk is fast again, data identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

step "B: a target on dm-delay over its data disk (no delay yet)"
mx_start_slow_target A B
write_pattern A /dev/mapper/mx 075-a 4M 8M

step "reads on B's data disk now take 60 s; a checksum resync asks B to read"
mx_slow_disk B 60000 0
vm_run A "dmsetup message mx 0 resync 1 csum"
sleep 3
assert_eq Resyncing "$(mx_repl A)" "A's peer once the compare began"

step "a write and fsync on A meanwhile: B's FLUSH must not wait for the reads"
t0=$(date +%s)
write_pattern A /dev/mapper/mx 075-b 1M 200M
echo "write + fsync took $(($(date +%s) - t0))s"
# Before the fix, B's FLUSH waited 30 s for the reads (60 s), then B
# detached its disk for good.
sleep 40
if vm_run B "dmesg" | grep -q "still in flight"; then
	vm_run B "dmesg | tail -n 20"
	fail "B's flush waited for the checksum reads and detached its disk"
fi
st=$(mx_field B 5)
echo "B's data state after the flush: $st"
[ "$st" != Failed ] || fail "B detached its disk during the slow reads"

step "B's disk fast again: the compare ends, data identical on both"
mx_slow_disk B 0 0
mx_wait_insync A 300
# A is InSync before B recorded Consistent (after its flush and commit).
wait_for -m "B not Consistent after the compare" 60 mx_is_data B Consistent
check_pattern B $MX_DATA 075-a 4M 8M
check_pattern B $MX_DATA 075-b 1M 200M
mx_assert_same A B
mx_assert_no_leaks A B
pass
