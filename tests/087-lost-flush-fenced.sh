#!/usr/bin/env bash
# 087-lost-flush-fenced: under fencing resource, an application flush that an in-sync peer never acknowledged (the link cut under it) is held like a missed write until the peer is outdated, not reported durable; nodes identical after the reconnect
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# Source status field 18: the peer's fencing state.
_mx_is_fence() { [ "$(mx_field A 18)" = "$1" ]; }

mx_boot A B
mx_create_pair A B 128 fencing resource fence_timeout 300
mx_wait_insync A 300
write_pattern A /dev/mapper/mx 087 4M 8M
assert_eq "-" "$(mx_field A 18)" "A's fencing state in sync"

step "cut the link, then flush A's mirror: B has the data in its cache at best"
# fsync of the block device: its dirty pages (none) and then a flush,
# which B can no longer acknowledge.
link_cut A B
vm_run A "dmesg -C"
job=$(vm_run_bg -t 400 A "sync /dev/mapper/mx && echo flushed")
wait_for -m "A did not start fencing B" 60 _mx_is_fence Pending
mx_status A
sleep 3
[ ! -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ] ||
	fail "the flush completed while B, which never acknowledged it, was being fenced (it is not durable there)"

step "B outdated (peer_outdated): the flush completes"
vm_run A "dmsetup message mx 0 peer_outdated 1"
assert_eq flushed "$(vm_wait A "$job")" "the held flush"

step "the link back: B resyncs, the nodes are identical"
link_restore A B
vm_run A "dmsetup message mx 0 connect 1" || true
mx_wait_insync A 120
check_pattern B $MX_DATA 087 4M 8M
mx_assert_same A B
mx_assert_no_leaks A B
pass
