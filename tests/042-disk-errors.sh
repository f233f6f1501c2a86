#!/usr/bin/env bash
# 042-disk-errors: a target whose disk fails a write detaches (Failed, Inconsistent on disk, cannot become a source) and resyncs partially once repaired, fully after a failed flush; a source write error reaches the application and a resync that cannot read pauses; both nodes end identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# Each node's data device is dm-linear "xdata" over its data disk, so that a
# table reload can turn a 1 MiB stretch of it into the "error" target.
# mx_assert_same then compares the disks below, which hold the same bytes.
BAD_MIB=1

# xdata_table NAME [BAD_AT_MIB [KIND]]: xdata's table, with a bad stretch:
# KIND "error" (the default) fails every I/O there; "flakey" fails writes
# and, as the table's flushes reach every target, every flush.
xdata_table() {
	local n=$1 bad=${2:-} kind=${3:-error} size s0 s1 mid
	size=$(mx_sectors "$n")
	if [ -z "$bad" ]; then
		echo "0 $size linear $MX_DATA 0"
		return
	fi
	s0=$((bad * 2048))
	s1=$((s0 + BAD_MIB * 2048))
	mid="$s0 $((s1 - s0)) error"
	[ "$kind" = error ] || mid="$s0 $((s1 - s0)) flakey $MX_DATA $s0 0 3600 1 error_writes"
	printf '%s\\n%s\\n%s' "0 $s0 linear $MX_DATA 0" "$mid" \
		"$s1 $((size - s1)) linear $MX_DATA $s1"
}

# xdata_set NAME [BAD_AT_MIB [KIND]]: load that table into the live xdata.
xdata_set() {
	vm_run "$1" "printf '$(xdata_table "$@")\\n' | dmsetup reload xdata && dmsetup resume xdata && dmsetup table xdata"
}

data_state() { mx_field "$1" 5; }
_is_data_state() { [ "$(data_state "$1")" = "$2" ]; }

mx_boot A B
for n in A B; do
	vm_run $n "dmsetup create xdata --table '$(xdata_table $n)'"
done
XDATA=/dev/mapper/xdata
tgt_table="0 $(mx_sectors B) mirrorx-recv $XDATA $MX_META $(vm_addr B A):$MX_PORT"
src_table="0 $(mx_sectors A) mirrorx $XDATA $MX_META 128 1 1 $(vm_addr B A):$MX_PORT sync"
mx_create B "$tgt_table"
mx_create A "$src_table"
mx_wait_insync A 300
total=$(mx_total A)
write_pattern A /dev/mapper/mx 042-before 4M 16M
check_pattern B $MX_DATA 042-before 4M 16M

step "B's disk fails writes at 64 MiB: A's writes there still succeed"
xdata_set B 64
write_pattern A /dev/mapper/mx 042-tgt-err 4M 62M ||
	fail "a write failed on A because B's disk failed"

step "B detached: Failed, A lost the peer and records the writes"
wait_for 30 _is_data_state B Failed
mx_status B
vm_run B "dmesg" | grep -q "write error at sector .*detaching from source node" ||
	fail "no log line on B about detaching"
mx_wait_conn A Connecting 30
vm_run A "dmesg" | grep -q "target write error" ||
	fail "no log line on A about the target's write error"
write_pattern A /dev/mapper/mx 042-while-failed 2M 100M
[ "$(mx_oos A)" -gt 0 ] || fail "A records no region out of sync for B"
sleep 3
assert_eq Connecting "$(mx_conn A)" "A stays unconnected while B is detached"

step "B's data is Inconsistent on disk: it cannot become a source"
vm_run B "dmsetup remove mx"
if vm_run B "dmsetup create bad --table '0 $(mx_sectors B) mirrorx $XDATA $MX_META 128 1 0 $(vm_addr A B):$MX_PORT sync 2 node_id 1'"; then
	fail "B became a source with Inconsistent data"
fi
vm_run B "dmesg" | grep -q "Data is inconsistent" ||
	fail "no clear error for the refused source table on B"

step "B's disk repaired, target loaded again: a partial resync"
xdata_set B
mx_create B "$tgt_table"
mx_wait_insync A 180
mx_assert_partial_resync A
assert_eq Consistent "$(data_state B)" "B's data state after the resync"
check_pattern B $MX_DATA 042-tgt-err 4M 62M
check_pattern B $MX_DATA 042-while-failed 2M 100M
mx_assert_same A B

step "B's disk fails flushes: an fsync on A succeeds, B detaches"
xdata_set B 200 flakey
write_pattern A /dev/mapper/mx 042-flush 1M 24M ||
	fail "an fsync on A failed because B's flush failed"
wait_for 30 _is_data_state B Failed
vm_run B "dmesg" | grep -q "flush error at sector .*detaching" ||
	fail "no log line on B about the failed flush"
mx_wait_conn A Connecting 30

step "after a failed flush any write may be lost: B resyncs every region"
vm_run B "dmsetup remove mx"
xdata_set B
mx_create B "$tgt_table"
mx_wait_insync A 300
n=$(mx_resync_count A)
echo "resynced $n of $total regions"
assert_eq "$total" "$n" "regions resynced after B's failed flush"
mx_assert_same A B

step "A's disk fails writes at 160 MiB: the application gets the error"
xdata_set A 160
if write_pattern A /dev/mapper/mx 042-src-err 1M 160M; then
	fail "a write to A's failed stretch succeeded"
fi
vm_run A "dmesg" | grep -q "local write error" || fail "no log line on A about its write error"

step "the resync of that region cannot read it: it pauses, no retry loop"
mx_wait_state A Paused 30
mx_status A
vm_run A "dmesg" | grep -q "resync paused: read error" ||
	fail "no log line about the paused resync"
r1=$(mx_field A 14)
sleep 3
assert_eq "$r1" "$(mx_field A 14)" "resync progress while paused"
assert_eq Paused "$(mx_repl A)" "A's resync stays paused"

step "A's disk repaired, resume: in sync, both identical"
xdata_set A
vm_run A "dmsetup message mx 0 resume 1"
mx_wait_insync A 120
mx_assert_same A B
mx_assert_no_leaks A B
pass
