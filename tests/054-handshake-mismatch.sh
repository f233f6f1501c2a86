#!/usr/bin/env bash
# 054-handshake-mismatch: real nodes that do not belong together are refused one mismatch at a time (device size, node id, mirror UUID), with the reason in the source's status and both logs; the refused target's data is untouched
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
# (Region size, protocol version and role need a peer that lies: 047 plays
# them with a fake target; logical block size: 053.)

mx_boot A B
sectors=$(mx_sectors B)

# expect_refusal WHAT REPL SRC_RE [TGT_RE]: A's peer goes REPL with a log
# line matching SRC_RE (and B logs TGT_RE when given).
expect_refusal() {
	local what=$1 repl=$2 sre=$3 tre=${4:-}
	mx_wait_state -m "$what: A's replication state is not $repl" A "$repl" 60
	vm_run A "dmesg" | grep -E -q "$sre" ||
		fail "$what: no line matching '$sre' in A's log: $(vm_run A dmesg | tail -n 5)"
	[ -z "$tre" ] || vm_run B "dmesg" | grep -E -q "$tre" ||
		fail "$what: no line matching '$tre' in B's log: $(vm_run B dmesg | tail -n 5)"
	mx_status A
}

# reset: both mirrors removed, both metadata disks blank again.
reset() {
	vm_run -t 60 A "dmsetup remove mx"
	vm_run -t 60 B "dmsetup remove mx; dmsetup remove small 2>/dev/null; true"
	vm_run A "dd if=/dev/zero of=$MX_META bs=1M count=8 status=none; dmesg -C"
	vm_run B "dd if=/dev/zero of=$MX_META bs=1M count=8 status=none; dmesg -C"
}

b_sha=$(dev_sha256 B $MX_DATA)

step "device size: B's device is 1 MiB smaller than A's"
dm_linear B small $MX_DATA 0 $((sectors - 2048))
mx_create B "0 $((sectors - 2048)) mirrorx-recv /dev/mapper/small $MX_META $(vm_addr B A):$MX_PORT"
mx_create_source A B
expect_refusal size Refused "connection refused: size_mismatch"
reset

step "node id: B's table says node 2, A addresses it as node 1"
mx_create_target B A node_id 2
mx_create_source A B
expect_refusal "node id" Refused \
	"the target refused the connection: node_id_mismatch" \
	"refused: source expects node 1, this is node 2"
reset
assert_eq "$b_sha" "$(dev_sha256 B $MX_DATA)" "B's data after the refusals"

step "mirror UUID: A starts a new mirror; B still belongs to the old one"
mx_create_pair A B
mx_wait_insync A 120
write_pattern A /dev/mapper/mx 054-old 1M 1M
b_sha=$(dev_sha256 B $MX_DATA)
vm_run -t 60 A "dmsetup remove mx"
vm_run A "dd if=/dev/zero of=$MX_META bs=1M count=8 status=none; dmesg -C"
write_pattern A $MX_DATA 054-new 1M 1M
mx_create_source A B
expect_refusal uuid Refused "connection refused: uuid_mismatch"
assert_eq StandAlone "$(mx_conn A)" "A stops retrying a target of another mirror"
assert_eq "$b_sha" "$(dev_sha256 B $MX_DATA)" "B's data after the refusal"

step "as the hint says: zero B's metadata to reuse it; a full sync follows"
vm_run -t 60 B "dmsetup remove mx"
vm_run B "dd if=/dev/zero of=$MX_META bs=1M count=8 status=none"
mx_create_target B A
vm_run A "dmsetup message mx 0 connect 1"
mx_wait_insync A 300
check_pattern B $MX_DATA 054-new 1M 1M
mx_assert_same A B
pass
