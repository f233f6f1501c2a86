#!/usr/bin/env bash
# 050-target-no-write-zeroes: a target whose disk cannot write zeroes (brd) still ends with the zeroes: the initial sync's zero ranges are written as zero pages, a replicated write-zeroes takes the peer out of InSync (or Verifying: it ends the verify) and the region is resynced; under fencing resource, a link lost before the target recorded Inconsistent is fenced and that write held; nodes identical
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
# Stale data on B's first 64 MiB: the initial sync's zero runs (up to
# 8 MiB each, written as 1 MiB bios of zero pages) must overwrite all of it.
write_pattern B /dev/ram0 050-stale 64M 0
# B's metadata: dm-linear "xmeta" over its metadata disk, so that a reload
# can turn it into the error target (last step).
MS=$(vm_run B "blockdev --getsz $MX_META")
xmeta_set() { # linear|error
	local t="0 $MS linear $MX_META 0"
	[ "$1" = linear ] || t="0 $MS error"
	vm_run B "dmsetup reload xmeta --table '$t' && dmsetup resume xmeta"
}
vm_run B "dmsetup create xmeta --table '0 $MS linear $MX_META 0'"
vm_run B "dmsetup create mx --table '0 $S mirrorx-recv /dev/ram0 /dev/mapper/xmeta $(vm_addr B A):$MX_PORT' && dmsetup mknodes mx"
mx_create_source A B
mx_wait_insync A 300
# The initial sync sent A's zero ranges as resync write-zeroes: B wrote
# zero pages for them (its device has no write-zeroes), else it would
# never end.
line=$(vm_run A "dmesg | grep 'resync finished' | tail -n1")
echo "A: $line"
zeroes=$(sed -n 's/.* \([0-9][0-9]*\) bytes as zeroes.*/\1/p' <<<"$line")
[ "${zeroes:-0}" -gt 0 ] || fail "the initial sync sent no zero range: '$line'"
assert_eq "$(dev_sha256 A $MX_DATA 0 64M)" "$(dev_sha256 B /dev/ram0 0 64M)" "B's stale first 64 MiB after the initial sync"

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

step "a write-zeroes B refuses during a verify ends the verify: the peer is out of Verifying when the write completes"
# Verify at 1 MiB/s: minutes, far longer than the write. Before, the peer
# stayed Verifying (a state that counts as in sync) with the region out of
# sync until the verify's end.
vm_run A "dmsetup message mx 0 resync_rate 1024"
vm_run A "dmesg -C"
vm_run A "dmsetup message mx 0 verify 1"
assert_eq Verifying "$(mx_repl A)" "the peer once verify was sent"
sleep 2
vm_run A "blkdiscard -z -o $((10 << 20)) -l $((1 << 20)) /dev/mapper/mx"
st=$(mx_repl A)
echo "A's peer right after the write-zeroes: $st"
case $st in
Resyncing | InSync) ;;
*) fail "the peer is $st after a write it missed during a verify (Resyncing, or InSync once copied, wanted)" ;;
esac
_interrupted() { vm_run A "dmesg" | grep -q 'verify interrupted'; }
wait_for -m "no 'verify interrupted' line" 60 _interrupted
vm_run A "dmesg | grep 'verify interrupted'"
vm_run A "dmsetup message mx 0 resync_rate 0"
mx_wait_insync A 120
assert_eq "$(dev_sha256 A $MX_DATA)" "$(dev_sha256 B /dev/ram0)" "sha256 of A's $MX_DATA and B's /dev/ram0 after the interrupted verify"

step "fencing resource: B refuses a write-zeroes and cannot record Inconsistent (metadata error)"
# B stays Consistent on its disk without that write: the loss of the link
# that follows (B did not confirm the RESYNC sync state) must be fenced
# and the write held, as a loss in sync (before: Resyncing, not fenced,
# the write completed).
vm_run A "dmsetup reload mx --table '$(mx_source_table A B 128 fencing resource fence_timeout 300)' && dmsetup suspend mx && dmsetup resume mx"
mx_wait_insync A 120
assert_eq "-" "$(mx_field A 18)" "A's fencing state in sync"
xmeta_set error
vm_run A "dmesg -C"
job=$(vm_run_bg -t 300 A "blkdiscard -z -o $((12 << 20)) -l $((1 << 20)) /dev/mapper/mx && echo zeroed")
_mx_fence_is() { [ "$(mx_field A 18)" = "$1" ]; }
wait_for 60 _mx_fence_is Pending
mx_status A
vm_run A "dmesg" | grep -q "peer 1 lost while in sync: fencing" || fail "no fencing line in A's log"
sleep 3
[ ! -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ] || fail "the write-zeroes B lacks completed while B may say Consistent"
step "B's metadata repaired: the reconnect ends the fencing, the write completes, the resync zeroes B"
xmeta_set linear
assert_eq zeroed "$(vm_wait A "$job")" "the held write-zeroes"
mx_wait_insync A 120
assert_eq "-" "$(mx_field A 18)" "A's fencing state after the reconnect"
assert_eq "$(dev_sha256 A $MX_DATA)" "$(dev_sha256 B /dev/ram0)" "sha256 of A's $MX_DATA and B's /dev/ram0 after the fencing"
mx_assert_no_leaks A B
pass
