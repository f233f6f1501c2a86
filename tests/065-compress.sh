#!/usr/bin/env bash
# 065-compress: "compress lz4" (with data_csum) on both nodes: 2:1 compressible fio writes (verify) cross the link compressed (wire bytes well below data bytes on both ends), resync data too; a hand-written source's valid compressed write is applied, garbage, a wrong size or a payload that did not shrink drop the connection with nothing written; a target without the option: the connection works uncompressed, the refusal and its reason in status and the log; mirrorctl status shows the ratio; both nodes identical each time
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
. "$(dirname "$0")/mirrorctl.sh"
requires_module
requires_mirrorctl

# comp_field NAME: the compress field of the (only) peer, "alg:state:raw:wire"
# (status field 18 without fencing).
comp_field() { mx_field "$1" 18; }
# (data_csum adds no status field.)
# comp_num FIELD N: the N-th ':' part of a compress field.
comp_num() { cut -d: -f"$2" <<<"$1"; }

FIO="fio --ioengine=libaio --direct=1 --buffer_compress_percentage=50 --refill_buffers --verify=crc32c --do_verify=1 --verify_fatal=1 --output=/dev/null"

mx_boot A B

step "B with compress lz4; A plays a hand-written source (tests/tools/mxpeer.py, protocol 5)"
PEER="python3 $MX_REPO/tests/tools/mxpeer.py"
mx_create_target B A compress lz4 data_csum
ADDR="$(vm_addr B A) $MX_PORT $(mx_sectors B)"
out=$(vm_run A "$PEER $ADDR zwrite")
assert_eq acked "${out% *}" "a valid lz4-compressed write"
assert_eq "${out#acked }" "$(dev_sha256 B $MX_DATA 4096 4096)" "the decompressed write at sector 8 on B"
before=$(mx_data_sha B)
for c in zgarbage zsize zlong; do
	step "bad compressed data: $c"
	vm_run B "dmesg -C"
	out=$(vm_run A "$PEER $ADDR $c")
	assert_eq dropped "$out" "B's answer to '$c'"
	vm_run B "dmesg" | grep -q "bad packet" ||
		fail "no 'bad packet' line for '$c': $(vm_run B dmesg | tail -n 5)"
done
assert_eq "$before" "$(mx_data_sha B)" "B's data after the bad compressed packets"
step "B without compress: a compressed write it did not offer drops the connection"
vm_run B "dmsetup remove mx && dd if=/dev/zero of=$MX_META bs=1M count=8 status=none && dmesg -C"
mx_create_target B A data_csum
out=$(vm_run A "$PEER $ADDR zwrite")
assert_eq "no-offer dropped" "$out" "B's answer to a compressed write it did not offer"
vm_run B "dmesg" | grep -q "compressed data, but we did not offer compression" ||
	fail "no log line for the unoffered compressed write"
# A blank target again: the initial sync below makes B identical.
vm_run B "dmsetup remove mx && dd if=/dev/zero of=$MX_META bs=1M count=8 status=none"

step "A: 16 MiB of 2:1 compressible data before the mirror exists (the initial sync sends it)"
# 4 KiB blocks: fio's larger buffers are half whole zero blocks, which the
# zero-aware resync sends as write-zeroes, not data.
vm_run -t 300 A "$FIO --name=pre --filename=$MX_DATA --rw=write --bs=4k --iodepth=16 --size=16M --offset=64M"

step "both tables with compress lz4 and data_csum: the full initial sync, compressed"
# data_csum too: its crc32c covers the data before compression.
mx_create_target B A compress lz4 data_csum
mx_create_source A B 128 compress lz4 data_csum
mx_wait_insync A 300
f=$(comp_field A)
echo "A: compress $f"
assert_eq "lz4:on" "$(cut -d: -f1-2 <<<"$f")" "A's compress state"
f=$(comp_field B)
echo "B: compress $f"
assert_eq "lz4:on" "$(cut -d: -f1-2 <<<"$f")" "B's compress state"
vm_run A "dmesg | grep -q 'peer 1: compressing data with lz4'" ||
	fail "no 'compressing data with lz4' line in A's log"
f=$(comp_field A)
raw0=$(comp_num "$f" 3)
wire0=$(comp_num "$f" 4)
echo "initial sync: $raw0 data bytes, $wire0 on the wire"
[ "$raw0" -ge $((16 << 20)) ] || fail "the initial sync sent $raw0 data bytes, less than the 16 MiB of data"
[ $((wire0 * 4)) -lt $((raw0 * 3)) ] || fail "resync data did not compress: $wire0 wire bytes for $raw0 data bytes"

step "fio on A's mirror: sequential 1 MiB and random 4 KiB writes, 50% compressible, verify"
vm_run -t 600 A "$FIO --name=seq --filename=/dev/mapper/mx --rw=write --bs=1M --iodepth=4 --size=48M --offset=96M"
vm_run -t 600 A "$FIO --name=rand --filename=/dev/mapper/mx --rw=randwrite --bs=4k --iodepth=8 --size=16M --offset=160M --randrepeat=0"
vm_run A sync
mx_wait_insync A 120
fa=$(comp_field A)
fb=$(comp_field B)
stats=$(vm_run A "dmesg -c >/dev/null; dmsetup message mx 0 stats")
echo "A: $fa; B: $fb"
echo "A: stats: $stats"
raw=$(($(comp_num "$fa" 3) - raw0))
wire=$(($(comp_num "$fa" 4) - wire0))
echo "replication: $raw data bytes sent as $wire bytes (ratio $(awk -v r="$raw" -v w="$wire" 'BEGIN { printf "%.2f", r / w }'))"
[ "$raw" -ge $((64 << 20)) ] || fail "A sent $raw data bytes for 64 MiB written"
[ $((wire * 4)) -lt $((raw * 3)) ] || fail "fewer bytes on the wire than written expected: $wire for $raw"
assert_match "compress_data_bytes $(comp_num "$fa" 3) compress_wire_bytes $(comp_num "$fa" 4)\$" "$stats" "the stats message's compress counters"
# The target counts what it received: the same bytes.
assert_eq "$(comp_num "$fa" 3):$(comp_num "$fa" 4)" "$(comp_num "$fb" 3):$(comp_num "$fb" 4)" "B's counters (data:wire) against A's"
step "mirrorctl status (human and --json) shows the compression and its ratio"
out=$(mxctl A status mx)
echo "$out"
grep -Eq "compress: lz4 on, .* on the wire \(ratio (1\.[4-9]|2\.)" <<<"$out" ||
	fail "no compress line with the ratio in mirrorctl status"
json=$(mxctl A status mx --json)
assert_eq "on 1" "$(jq -r '.[0].peers[0].compress | "\(.state) \(.ratio > 1.4)" | sub("true"; "1")' <<<"$json")" "status --json compress state and ratio"
assert_eq "$(comp_num "$fb" 3)" "$(mxctl B status mx --json | jq -r '.[0].peers[0].compress.data_bytes')" "B's data bytes in its status --json"
step "checksums: A vs B"
mx_assert_same A B

step "B's table without compress: A connects again, uncompressed, and says why"
vm_run -t 60 B "dmsetup remove mx"
mx_wait_conn A Connecting 60
mx_create_target B A data_csum
mx_wait_insync A 120
f=$(comp_field A)
echo "A: compress $f"
assert_eq "lz4:refused-peer" "$(cut -d: -f1-2 <<<"$f")" "A's compress state with a target without the option"
vm_run A "dmesg | grep 'compression lz4 refused: the target does not offer it'" ||
	fail "no refusal reason in A's log"
raw1=$(comp_num "$f" 3)
wire1=$(comp_num "$f" 4)
vm_run -t 600 A "$FIO --name=seq2 --filename=/dev/mapper/mx --rw=write --bs=1M --iodepth=4 --size=16M --offset=200M"
vm_run A sync
mx_wait_insync A 120
f=$(comp_field A)
raw=$(($(comp_num "$f" 3) - raw1))
wire=$(($(comp_num "$f" 4) - wire1))
echo "uncompressed: $raw data bytes, $wire on the wire"
[ "$raw" -ge $((16 << 20)) ] || fail "A sent $raw data bytes for 16 MiB written"
assert_eq "$raw" "$wire" "wire bytes of an uncompressed connection"
step "checksums: A vs B"
mx_assert_same A B
mx_assert_no_leaks A B
pass
