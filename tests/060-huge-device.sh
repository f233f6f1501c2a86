#!/usr/bin/env bash
# 060-huge-device: a 16 TiB mirror (sparse disks, 64 KiB regions: 2^28 regions) loads, connects and replicates writes at its end
# timeout: 1200
# long: minutes of TCG time (make check-long); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# Two 8 TiB sparse disks per guest (one file may not reach 16 TiB on the
# host's file system) joined by dm-linear into a 16 TiB data device, and a
# metadata disk for 2^28 regions: 1 + 8 * 8192 blocks of 4 KiB. The
# in-core bitmaps (32 MiB each) need more than the default guest memory.
export MX_MEM=1024
TIB=$((1 << 40))
SECT=$((2 * TIB / 512 * 8))	# 16 TiB in sectors
HALF=$((SECT / 2))
DATA=/dev/mapper/mxdata
META=/dev/vdc

for g in A B; do
	vm_boot "$g" 8T 8T 257M
done
vm_wait_ready A B
for g in A B; do
	load_module "$g"
	vm_run -t 30 "$g" "dmsetup create mxdata --table '0 $HALF linear /dev/vda 0
$HALF $HALF linear /dev/vdb 0' && dmsetup mknodes mxdata"
	assert_eq "$SECT" "$(vm_run "$g" "blockdev --getsz $DATA")" "$g data sectors"
done

step "A: source of 16 TiB with 64 KiB regions (no target yet), assume clean"
mx_create A "0 $SECT mirrorx $DATA $META 128 1 1 $(vm_addr B A):$MX_PORT sync" ||
	fail "a 16 TiB source with 64 KiB regions does not load"
mx_status A
assert_eq 268435456 "$(mx_total A)" "regions of the 16 TiB source"
# Both sides are sparse, all zero: no 16 TiB initial sync.
vm_run -t 30 A "dmsetup message mx 0 assume_clean 1"

step "B: target of the same size"
mx_create B "0 $SECT mirrorx-recv $DATA $META $(vm_addr B A):$MX_PORT" ||
	fail "a 16 TiB target does not load"
mx_wait_insync A 300
mx_status A

# The last 4 MiB (the last regions, the last bitmap block) and 2 MiB
# across the join of the two disks.
END=$((SECT * 512 - 4 * 1024 * 1024))
MID=$((HALF * 512 - 1024 * 1024))
step "write at the end of A's mirror (byte $END) and across 8 TiB"
write_pattern A /dev/mapper/mx 60 4M "$END"
write_pattern A /dev/mapper/mx 61 2M "$MID"
mx_wait_insync A 120
mx_status A
assert_eq 0 "$(mx_oos A)" "regions out of sync after the writes"

step "both nodes hold the writes (checksums read below the mirror)"
check_pattern A "$DATA" 60 4M "$END"
check_pattern B "$DATA" 60 4M "$END"
check_pattern A "$DATA" 61 2M "$MID"
check_pattern B "$DATA" 61 2M "$MID"
a=$(dev_sha256 A "$DATA" $((END - 64 * 1024 * 1024))) || fail "reading A"
b=$(dev_sha256 B "$DATA" $((END - 64 * 1024 * 1024))) || fail "reading B"
assert_eq "$a" "$b" "sha256 of the last 68 MiB, A vs B"

step "remove both, no leaks"
vm_run -t 60 A "dmsetup remove mx"
vm_run -t 60 B "dmsetup remove mx"
mx_assert_no_leaks A B
pass
