#!/usr/bin/env bash
# 029-two-targets: one source mirrors to a sync target and an async target; one link is cut, only that peer resyncs, all three end identical
# timeout: 900
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
# 128 regions missed, plus at most the 256 written just before if they
# were still in the hot set (the test idles >3 s, so normally none).
[ "$n" -ge 128 ] && [ "$n" -le 384 ] || fail "C resynced $n regions, expected about 128"
a=$(mx_data_sha A)
assert_eq "$a" "$(mx_data_sha B)" "A vs B"
assert_eq "$a" "$(mx_data_sha C)" "A vs C"
pass
