#!/usr/bin/env bash
# 027-bad-packets: a peer sending malformed packets is dropped with a log line; nothing is written outside or wrongly; a resync write-zeroes larger than a data chunk is taken on protocol 7 only
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
PEER="python3 $MX_REPO/tests/tools/mxpeer.py"

mx_boot A B
step "B: a target with data_csum; A plays a hand-written source (tests/tools/mxpeer.py)"
mx_create_target B A data_csum
S=$(mx_sectors B)
ADDR="$(vm_addr B A) $MX_PORT $S"
before=$(mx_data_sha B)

step "a valid checksummed write is applied and acknowledged"
out=$(vm_run A "$PEER $ADDR write")
assert_eq acked "${out% *}" "valid write"
want=${out#acked }
got=$(dev_sha256 B $MX_DATA 4096 4096)
assert_eq "$want" "$got" "the valid write landed at sector 8 on B"
before=$(mx_data_sha B)

step "a sweep's flush (acked-only) on protocol 6 is acknowledged"
out=$(vm_run A "$PEER $ADDR aflush6")
assert_eq "acked flush" "$out" "acked-only flush on protocol 6"

step "a resync write-zeroes of 8 MiB (a run of zero chunks) on protocol 7 is applied and acknowledged"
# Data in its last MiB, besides the write at sector 8 in its first.
write_pattern B $MX_DATA 027-zrun 1M 7M
out=$(vm_run A "$PEER $ADDR zrun7")
assert_eq "acked zeroes" "$out" "8 MiB resync write-zeroes on protocol 7"
zero8m=$(vm_run A "head -c $((8 << 20)) /dev/zero | sha256sum | cut -d' ' -f1")
# The valid write at sector 8 is zeroed with the rest.
assert_eq "$zero8m" "$(dev_sha256 B $MX_DATA 0 $((8 << 20)))" "B's first 8 MiB after the write-zeroes"
before=$(mx_data_sha B)

for c in beyond overflow badlen huge magic type csum unaligned bitmap aflush dfua dzflush zrun6 zrunlong; do
	step "malformed: $c"
	vm_run B "dmesg -C"
	out=$(vm_run A "$PEER $ADDR $c")
	assert_eq dropped "$out" "receiver's answer to '$c'"
	vm_run B "dmesg" | grep -E -q "bad packet|checksum mismatch|unexpected packet" ||
		fail "no log line for '$c': $(vm_run B dmesg | tail -n 5)"
done
after=$(mx_data_sha B)
assert_eq "$before" "$after" "B's data after the malformed packets"
step "B still serves a proper source afterwards"
vm_run B "dmsetup remove mx; dd if=/dev/zero of=$MX_META bs=1M count=8 status=none"
mx_create_target B A data_csum
mx_create_source A B 128 data_csum
mx_wait_insync A 300
write_pattern A /dev/mapper/mx 027-after 4M 8M
check_pattern B $MX_DATA 027-after 4M 8M
mx_assert_same A B
pass
