#!/usr/bin/env bash
# 072-grow-no-room: a grow beyond what the metadata's layout describes is refused with the metadata size needed; a grow within it works and its new area is written and read back; a shrink is refused; a grow across bitmap blocks marks the new regions on disk in the slots of nodes that are not peers
# timeout: 600
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A
# 4 KiB regions over a metadata device of 9 blocks: one bitmap block per
# node slot, room for 32768 regions (128 MiB of data).
room=$((32768 * 8))
dm_linear A meta9 $MX_META 0 72
dm_linear A data $MX_DATA 0 $((64 << 11))
# A peer that never answers: the source serves alone (Connecting).
tbl() { echo "0 $1 mirrorx /dev/mapper/data /dev/mapper/meta9 8 1 1 10.77.99.2:$MX_PORT sync"; }
vm_run -t 60 A "dmsetup create mx --table '$(tbl $((64 << 11)))' && dmsetup mknodes mx"
assert_eq "0/16384" "$(mx_field A 7)" "dirty/total regions at 64 MiB"
write_pattern A /dev/mapper/mx 072-old 4M 0

step "the data device grows past the metadata's room: refused, the size needed named"
vm_run -t 60 A "dmsetup reload data --table '0 $((room + 8)) linear $MX_DATA 0' && dmsetup resume data"
assert_fail "a table past the room" \
	vm_run -t 60 A "dmsetup reload mx --table '$(tbl $((room + 8)))'"
vm_run A "dmesg" | grep -q "Metadata has no room to grow to this size" ||
	fail "no 'no room' reason in the log: $(vm_run A dmesg | tail -n 5)"
# 2 blocks per node: 1 + 8 x 2 blocks of 4 KiB = 136 sectors.
vm_run A "dmesg" | grep -q "needs 2 bitmap blocks per node, the metadata was laid out for 1 (data up to $room sectors): a metadata device of at least 136 sectors" ||
	fail "the log does not name the metadata size needed: $(vm_run A dmesg | grep mirrorx | tail -n 3)"
assert_eq "$((64 << 11))" "$(vm_run A "blockdev --getsz /dev/mapper/mx")" "the mirror's size after the refusal"

step "a grow to the room's end works"
vm_run -t 60 A "dmsetup reload mx --table '$(tbl $room)' && dmsetup suspend mx && dmsetup resume mx"
assert_eq "$room" "$(vm_run A "blockdev --getsz /dev/mapper/mx")" "the grown mirror's size"
assert_eq 32768 "$(mx_total A)" "total regions after the grow"
write_pattern A /dev/mapper/mx 072-new 4M $((100 << 20))
check_pattern A /dev/mapper/mx 072-old 4M 0
check_pattern A /dev/mapper/mx 072-new 4M $((100 << 20))

step "the grown size is on disk: a reload at it loads, a shrink is refused"
vm_run -t 60 A "dmsetup reload mx --table '$(tbl $room)' && dmsetup suspend mx && dmsetup resume mx"
assert_eq 32768 "$(mx_total A)" "total regions after a reload"
assert_fail "a table smaller than the mirror" \
	vm_run -t 60 A "dmsetup reload mx --table '$(tbl $((64 << 11)))'"
vm_run A "dmesg" | grep -q "shrinking is not supported" ||
	fail "no 'shrinking is not supported' in the log"
vm_run -t 60 A "dmsetup remove mx"
# The superblock says the grown size: a fresh table at the old size fails.
assert_fail "a new table at the old size" \
	vm_run -t 60 A "dmsetup create mx --table '$(tbl $((64 << 11)))'"

step "a grow across bitmap blocks: the new regions are set on disk in every slot no peer loaded"
# 1 + 8 x 4 blocks: room for 4 bitmap blocks per node; 64 MiB of 4 KiB
# regions use half of the first, 256 MiB the first two.
dm_linear A meta33 $MX_META 2048 264
vm_run -t 60 A "dmsetup reload data --table '0 $((64 << 11)) linear $MX_DATA 0' && dmsetup resume data"
tbl33() { echo "0 $1 mirrorx /dev/mapper/data /dev/mapper/meta33 8 1 1 10.77.99.2:$MX_PORT sync"; }
vm_run -t 60 A "dmsetup create mx --table '$(tbl33 $((64 << 11)))' && dmsetup mknodes mx"
vm_run -t 60 A "dmsetup reload data --table '0 $((256 << 11)) linear $MX_DATA 0' && dmsetup resume data"
vm_run -t 60 A "dmsetup reload mx --table '$(tbl33 $((256 << 11)))' && dmsetup suspend mx && dmsetup resume mx"
assert_eq 65536 "$(mx_total A)" "total regions after the grow across blocks"
vm_run -t 60 A "dmsetup remove mx"
# Slot 7's four blocks (29-32): regions 0-16383 clear (never written),
# 16384-65535 set (new: node 7 lacks them), the room past them untouched.
runs=$(vm_run A "dd if=/dev/mapper/meta33 bs=4096 skip=29 count=4 status=none | od -An -v -tx1 | tr -s ' ' '\n' | grep -v '^\$' | uniq -c | awk '{ printf \"%s:%s \", \$1, \$2 }'")
assert_eq "2048:00 6144:ff 8192:00 " "$runs" "slot 7's bitmap blocks after the grow (bytes:value runs)"
pass
