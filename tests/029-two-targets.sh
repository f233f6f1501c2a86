#!/usr/bin/env bash
# 029-two-targets: one source mirrors to a sync target and an async target; one link is cut, only that peer resyncs, all three end identical; then a double failure (the async target, then the source, killed) loses no write the sync target acknowledged
# timeout: 1200
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A B C
S=$(mx_sectors A)
mx_create B "0 $S mirrorx-recv $MX_DATA $MX_META $(vm_addr B A):$MX_PORT"
mx_create C "0 $S mirrorx-recv $MX_DATA $MX_META $(vm_addr C A):$MX_PORT"
mx_create A "0 $S mirrorx $MX_DATA $MX_META 128 2 1 $(vm_addr B A):$MX_PORT sync 2 $(vm_addr C A):$MX_PORT async"

# Peer groups: B is fields 9-17, C is fields 18-26.
_both_insync() {
	local s
	s=$(mx_status A)
	[ "$(awk '{ print $10 "/" $11 "/" $19 "/" $20 }' <<<"$s")" = Connected/InSync/Connected/InSync ]
}
wait_for 400 _both_insync
mx_status A
assert_eq "1 sync" "$(mx_field A 9) $(mx_field A 12)" "peer 1 id and mode"
assert_eq "2 async" "$(mx_field A 18) $(mx_field A 21)" "peer 2 id and mode"

step "writes reach both targets"
write_pattern A /dev/mapper/mx 029-both 16M 16M
wait_for 60 _both_insync
check_pattern B $MX_DATA 029-both 16M 16M
check_pattern C $MX_DATA 029-both 16M 16M

step "cut A-C only: B stays in sync, C is recorded out of sync"
link_cut A C
_c_away() { [ "$(mx_field A 19)" = Connecting ]; }
wait_for 60 _c_away
write_pattern A /dev/mapper/mx 029-while-cut 8M 64M
assert_eq Connected/InSync "$(mx_field A 10)/$(mx_field A 11)" "B while C is away"
check_pattern B $MX_DATA 029-while-cut 8M 64M
oos_c=$(mx_field A 22)
echo "C out of sync: $oos_c regions"
[ "$oos_c" -ge 128 ] && [ "$oos_c" -le 256 ] || fail "C should miss the 8 MiB written (128 regions), has $oos_c"

step "restore: C resyncs only what it missed, B resyncs nothing"
b_before=$(mx_field A 14)
link_restore A C
wait_for 120 _both_insync
mx_status A
assert_eq "$b_before" "$(mx_field A 14)" "B's resync counters"
n=$(mx_field A 23 | cut -d/ -f2)
echo "C resynced $n regions"
# 128 regions missed, plus at most the 256 written just before if their
# bits were not yet cleared (C's resync is its bits, not the hot set).
[ "$n" -ge 128 ] && [ "$n" -le 384 ] || fail "C resynced $n regions, expected about 128"
a=$(mx_data_sha A)
assert_eq "$a" "$(mx_data_sha B)" "A vs B"
assert_eq "$a" "$(mx_data_sha C)" "A vs C"

step "double failure: power loss of C, writes, then power loss of A under load"
vm_kill C
wait_for 60 _c_away
write_pattern A /dev/mapper/mx 029-acked 8M 96M
mx_fio_bg A /dev/mapper/mx 8M 112M 60 >/dev/null
sleep 3
marked=$(mx_dirty A)
vm_kill A
echo "$marked regions marked on A's disk just before it died"
step "B, the surviving sync target, holds every write A acknowledged"
check_pattern B "$MX_DATA" 029-acked 8M 96M

step "A and C reboot: A's intent log brings both targets back to A's data"
vm_start A
vm_start C
load_module A
load_module C
mx_create C "0 $S mirrorx-recv $MX_DATA $MX_META $(vm_addr C A):$MX_PORT"
mx_create A "0 $S mirrorx $MX_DATA $MX_META 128 2 1 $(vm_addr B A):$MX_PORT sync 2 $(vm_addr C A):$MX_PORT async"
wait_for 300 _both_insync
mx_status A
nb=$(mx_field A 14 | cut -d/ -f2)
nc=$(mx_field A 23 | cut -d/ -f2)
echo "after the double failure B resynced $nb regions, C $nc"
# Each covers what A's disk marked (C's misses, the hot extents around
# the writes) plus at most 3 s of fio's writes after the look (a
# commit's lag; fio's range is 128 regions, all of it hot).
[ "$nb" -le $((marked + 48)) ] || fail "B resynced $nb regions, $marked were marked"
[ "$nc" -le $((marked + 48)) ] || fail "C resynced $nc regions, $marked were marked"
# C missed at least the 8 MiB pattern (128 regions).
[ "$nc" -ge 128 ] || fail "C resynced $nc regions, fewer than the 128 it missed"
a=$(mx_data_sha A)
assert_eq "$a" "$(mx_data_sha B)" "A vs B after the double failure"
assert_eq "$a" "$(mx_data_sha C)" "A vs C after the double failure"
check_pattern C "$MX_DATA" 029-acked 8M 96M
pass
