#!/usr/bin/env bash
# 059-async-catchup-crash: the target is killed hard while an async peer catches up (Behind); after its reboot the resync covers what it lacks and nothing more, and the nodes end identical
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
export MX_MODE=async

mx_boot A B
# No hot set: A's status then counts B's bits alone as marked (hot
# extents stay marked a minute after the burst).
mx_create_pair A B 128 async_limit 4194304 on_congestion behind hot_set 0
mx_wait_insync A 300

step "slow the link to 16 Mbit/s, then a 64 MiB burst: B goes Behind"
link_netem A B rate 16mbit
write_pattern A /dev/mapper/mx 059-burst 64M 64M
assert_eq Behind "$(mx_repl A)" "replication state right after the burst"
# 64 MiB at 2 MB/s takes about 32 s: let part of it cross, not all.
first=$(mx_oos A)
echo "B lacks $first regions after the burst"
_copied_some() { [ "$(mx_oos A)" -le $((first - 64)) ]; }
wait_for 60 _copied_some
# A writes nothing now: the sweeps clear the bits of what B flushed.
sleep 5
mx_status A
left=$(mx_oos A)
echo "B lacks $left regions when it dies"
[ "$left" -gt 0 ] || fail "the catch-up ended before the kill: nothing to test"
assert_eq Behind "$(mx_repl A)" "replication state at the kill"

step "power loss of B during the catch-up; A keeps writing"
# What A's intent log holds marked for B just before the kill: the regions
# B lacks, and those copied but not yet cleared (the sweep clears a copied
# region only after B flushed it, which behind a 16 Mbit/s queue takes
# seconds).
marked=$(mx_field A 7 | cut -d/ -f1)
echo "A's intent log marks $marked regions at the kill"
vm_kill B
mx_wait_conn A Connecting 30
write_pattern A /dev/mapper/mx 059-away 8M 160M
away=$(mx_oos A)
echo "B lacks $away regions while it is down"
[ "$away" -ge 128 ] || fail "B lacks $away regions, fewer than the 128 written while it is down"

step "B reboots: one resync brings it back, within what the test wrote"
vm_start B
link_restore A B
load_module B
mx_create_target B A
mx_wait_insync A 300
mx_status A
n=$(mx_resync_count A)
echo "the resync after the reboot copied $n regions"
# At most what A's intent log held marked for B just before it died (what
# B lacked, and what the catch-up had copied without a flush on B yet),
# plus the 8 MiB written while it was down (128 regions), plus one region
# at each end of each range.
max=$((marked + 128 + 4))
[ "$n" -gt 0 ] && [ "$n" -le "$max" ] ||
	fail "the resync copied $n regions, expected 1..$max"
mx_assert_same A B
check_pattern B "$MX_DATA" 059-burst 64M 64M
check_pattern B "$MX_DATA" 059-away 8M 160M
mx_assert_no_leaks A B
pass
