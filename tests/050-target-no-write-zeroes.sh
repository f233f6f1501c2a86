#!/usr/bin/env bash
# 050-target-no-write-zeroes: a target whose disk cannot write zeroes (brd) still ends with the zeroes: the initial sync's zero ranges are written as zero pages, a replicated write-zeroes takes the peer out of InSync and the region is resynced; nodes identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A B
wz=$(vm_run A "cat /sys/block/vda/queue/write_zeroes_max_bytes")
[ "$wz" -gt 0 ] || fail "A's data disk does not do write-zeroes: the test cannot send one"
S=$(mx_sectors A)
step "B's data device: a ramdisk (brd has no write-zeroes) of A's size"
vm_run B "modprobe brd rd_nr=1 rd_size=$((S / 2)) && test -b /dev/ram0"
assert_eq 0 "$(vm_run B "cat /sys/block/ram0/queue/write_zeroes_max_bytes")" "ram0 write-zeroes limit"
vm_run B "dmsetup create mx --table '0 $S mirrorx-recv /dev/ram0 $MX_META $(vm_addr B A):$MX_PORT' && dmsetup mknodes mx"
mx_create_source A B
mx_wait_insync A 300
# The initial sync sent A's zero ranges as resync write-zeroes: B wrote
# zero pages for them (its device has no write-zeroes), else it would
# never end.
line=$(vm_run A "dmesg | grep 'resync finished' | tail -n1")
echo "A: $line"
zeroes=$(sed -n 's/.* \([0-9][0-9]*\) bytes as zeroes.*/\1/p' <<<"$line")
[ "${zeroes:-0}" -gt 0 ] || fail "the initial sync sent no zero range: '$line'"

step "random data, then a write-zeroes over part of it (BLKZEROOUT)"
write_pattern A /dev/mapper/mx 050 4M 8M
vm_run A "blkdiscard -z -o $((9 << 20)) -l $((1 << 20)) /dev/mapper/mx"
mx_wait_insync A 60
sleep 2
mx_wait_insync A 60
st=$(mx_status A)
echo "$st"
read -r -a f <<<"$st"
assert_eq 0 "${f[12]}" "regions out of sync once InSync"
a=$(dev_sha256 A $MX_DATA)
b=$(dev_sha256 B /dev/ram0)
assert_eq "$a" "$b" "sha256 of A's $MX_DATA and B's /dev/ram0"
assert_eq "$(vm_run A "head -c 1048576 /dev/zero | sha256sum | cut -d' ' -f1")" \
	"$(dev_sha256 B /dev/ram0 $((9 << 20)) $((1 << 20)))" "the zeroed MiB on B"
mx_assert_no_leaks A B
pass
