#!/usr/bin/env bash
# 016-bad-input: every wrong table argument, bad messages and a garbage metadata device get a clear error, no oops
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A
S=$(mx_sectors A)
ADDR=10.77.0.2:$MX_PORT

# refused NAME TABLE EXPECTED-REASON: dmsetup create fails and the kernel
# log names the reason.
refused() {
	local table=$1 want=$2 out
	vm_run A "dmesg -C"
	if out=$(vm_run A "dmsetup create bad --table '$table' 2>&1"); then
		vm_run A "dmsetup remove bad" || true
		fail "table accepted: $table"
	fi
	vm_run A "dmesg" | grep -F -q "$want" ||
		fail "no '$want' in the kernel log for: $table ($out)"
	echo "refused ok: $want"
}

good="0 $S mirrorx $MX_DATA $MX_META 128 1 1 $ADDR sync"
step "source table: each argument wrong in turn"
refused "0 $S mirrorx" "arguments"
refused "0 $S mirrorx /dev/nonexistent $MX_META 128 1 1 $ADDR sync" "data device"
refused "0 $S mirrorx $MX_DATA /dev/nonexistent 128 1 1 $ADDR sync" "metadata device"
# The same disk spelt two ways (path and major:minor): the kernel compares
# devices, not strings, or the bitmap would be written over the data.
DATA_NUM=$(vm_run A "lsblk -dno MAJ:MIN $MX_DATA | tr -d ' '")
refused "0 $S mirrorx $MX_DATA $DATA_NUM 128 1 1 $ADDR sync" "Data and metadata devices must differ"
refused "0 $S mirrorx-recv $DATA_NUM $MX_DATA $ADDR" "Data and metadata devices must differ"
refused "0 $S mirrorx $MX_DATA $MX_META 100 1 1 $ADDR sync" "region"
refused "0 $S mirrorx $MX_DATA $MX_META 4 1 1 $ADDR sync" "region"
refused "0 $S mirrorx $MX_DATA $MX_META 12x 1 1 $ADDR sync" "region"
refused "0 $S mirrorx $MX_DATA $MX_META 128 0 1 $ADDR sync" "number of peers"
refused "0 $S mirrorx $MX_DATA $MX_META 128 9 1 $ADDR sync" "peer"
refused "0 $S mirrorx $MX_DATA $MX_META 128 2 1 $ADDR sync" "peer"
refused "0 $S mirrorx $MX_DATA $MX_META 128 1 9 $ADDR sync" "peer id"
refused "0 $S mirrorx $MX_DATA $MX_META 128 1 0 $ADDR sync" "node_id"
refused "0 $S mirrorx $MX_DATA $MX_META 128 1 1 10.77.0.2 sync" "address"
refused "0 $S mirrorx $MX_DATA $MX_META 128 1 1 10.77.0.2:99999 sync" "address"
refused "0 $S mirrorx $MX_DATA $MX_META 128 1 1 300.1.1.1:80 sync" "address"
refused "0 $S mirrorx $MX_DATA $MX_META 128 1 1 $ADDR fast" "mode"
refused "$good 1 bogus" "Unknown"
refused "$good 2 async_limit 12x" "async_limit"
refused "$good 4 async_limit 1048576 async_limit 1048576" "Duplicate"
refused "$good 2 on_congestion sometimes" "on_congestion"
refused "$good 2 on_disconnect never" "on_disconnect"
refused "$good 2 resync_rate -1" "resync_rate"
refused "$good 2 node_id 8" "node"
refused "$good 2 node_id 1" "node"
refused "$good 3 data_csum" "argument"
refused "0 $((S + 8)) mirrorx $MX_DATA $MX_META 128 1 1 $ADDR sync" "larger"

step "target table: each argument wrong in turn"
refused "0 $S mirrorx-recv $MX_DATA $MX_META" "arguments"
refused "0 $S mirrorx-recv /dev/nonexistent $MX_META 0.0.0.0:$MX_PORT" "data device"
refused "0 $S mirrorx-recv $MX_DATA $MX_META 0.0.0.0" "address"
refused "0 $S mirrorx-recv $MX_DATA $MX_META 0.0.0.0:$MX_PORT 2 async_limit 1048576" "source"
refused "0 $S mirrorx-recv $MX_DATA $MX_META 0.0.0.0:$MX_PORT 1 frob" "Unknown"

step "garbage metadata: refused, never formatted over"
vm_run A "dd if=/dev/urandom of=$MX_META bs=4k count=1 status=none; sync"
before=$(dev_sha256 A $MX_META)
refused "$good" "superblock"
refused "0 $S mirrorx-recv $MX_DATA $MX_META 0.0.0.0:$MX_PORT" "superblock"
after=$(dev_sha256 A $MX_META)
assert_eq "$before" "$after" "metadata device untouched by a refused load"

step "a superblock with one flipped byte is refused by its checksum"
vm_run A "dd if=/dev/zero of=$MX_META bs=1M count=8 status=none; sync"
mx_create A "$good"
vm_run A "dmsetup remove mx"
# Byte 38: a high byte of nr_regions (0 here, 0xff after). Byte 40, the
# low byte of bitmap_blocks, is 0xff already since bitmaps are spaced for
# the metadata's room (255 blocks on 8 MiB): writing 0xff changed nothing.
vm_run A "printf '\\xff' | dd of=$MX_META bs=1 seek=38 conv=notrunc status=none; sync"
refused "$good" "checksum"

step "messages: unknown verb, bad peer, bad numbers"
vm_run A "dd if=/dev/zero of=$MX_META bs=1M count=8 status=none; sync"
mx_create A "$good"
for m in "frobnicate" "resync" "resync 7" "pause" "pause 3" "resync_rate abc" "resync_rate" "connect 1 2" "resync all partial"; do
	if vm_run A "dmsetup message mx 0 $m" 2>/dev/null; then
		fail "message accepted: $m"
	fi
	echo "message refused ok: $m"
done
vm_run A "dmsetup message mx 0 resync_rate 1000"
vm_run A "dmsetup message mx 0 disconnect 1"
vm_run A "dmsetup message mx 0 connect 1"
step "the table round-trips exactly"
got=$(vm_run A "dmsetup table mx")
assert_eq "$good" "$got" "dmsetup table"
vm_run A "dmsetup remove mx"
pass
