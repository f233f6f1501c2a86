#!/usr/bin/env bash
# 080-old-target: a source of today syncs a fresh target that speaks an older protocol, played by mxtarget (store3/6/7): to protocol 6 its zero ranges go as write-zeroes of 1 MiB at most (larger ones that target drops), to protocol 3 as data (and no acked-only flush, which that target drops), to protocol 7 in runs of up to 8 MiB; every byte arrives once and the target's device hashes as the source's
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
TGT="python3 $MX_REPO/tests/tools/mxtarget.py"

# rs_line: the last "resync finished" line of A's kernel log,
# "... R regions, C bytes compared, S bytes sent, Z bytes as zeroes".
rs_line() { vm_run A "dmesg | grep 'resync finished' | tail -n1"; }
rs_num() { sed -n "s/.* \([0-9][0-9]*\) $2.*/\1/p" <<<"$1"; }
rs_logged() { [ -n "$(rs_line)" ]; }

MX_DATA_SIZE=64M mx_boot A B
size=$(($(mx_sectors A) * 512))
baddr=$(vm_addr B A)
mib=$((1 << 20))

step "A: zeros but 2 MiB of data at 8 MiB and 64 KiB at 40 MiB"
write_pattern A $MX_DATA 080-data 2M 8M
write_pattern A $MX_DATA 080-tail 64K 40M

# insync_or_refused JOB: A's peer is InSync, or B's fake target (JOB) ended
# before: it dropped the source for a packet its protocol does not take.
insync_or_refused() { _mx_is_insync A || [ -f "$MX_WORKDIR/B/spool/out/${1#* }.rc" ]; }

# sync_to P: a blank source on A syncs B's fake target of protocol P at most,
# then writes 256 KiB through the mirror; sets D Z N M (the fake's data
# bytes, resync zero bytes, resync write-zeroes, the largest one) and
# checks the fake's device against A's.
sync_to() {
	local p=$1 job out line re
	step "protocol $p: a fresh target's initial sync"
	# Blank metadata: a new source, and B a fresh target each time.
	vm_run A "dmesg -C; dd if=/dev/zero of=$MX_META bs=1M count=8 oflag=direct status=none"
	job=$(vm_run_bg -t 400 B "$TGT $baddr $MX_PORT store$p 300")
	sleep 2
	mx_create_source A B
	wait_for -m "protocol $p: A's peer in sync" 240 insync_or_refused "$job"
	if ! _mx_is_insync A; then
		out=$(vm_wait B "$job") || true
		fail "protocol $p: the sync ended before InSync; fake target: $out"
	fi
	# InSync comes a moment before the log line.
	wait_for -m "protocol $p: A's resync finished line" 30 rs_logged
	line=$(rs_line)
	echo "A: $line"
	write_pattern A /dev/mapper/mx "080-app$p" 256K 60M
	vm_run -t 30 A "timeout 20 dmsetup remove mx" ||
		fail "protocol $p: dmsetup remove did not return"
	out=$(vm_wait B "$job") || fail "protocol $p: fake target: $out"
	echo "fake target: $out"
	re='^stored: ([0-9]+) data bytes, ([0-9]+) zero bytes in ([0-9]+) write-zeroes of at most ([0-9]+) bytes, ([0-9a-f]{64})$'
	[[ $out =~ $re ]] || fail "protocol $p: the fake target did not store the sync: $out"
	D=${BASH_REMATCH[1]} Z=${BASH_REMATCH[2]} N=${BASH_REMATCH[3]} M=${BASH_REMATCH[4]}
	assert_eq "$(mx_data_sha A)" "${BASH_REMATCH[5]}" "protocol $p: sha256 of the fake target's device against A's"
	# Every byte once: the resync's and the 256 KiB write's.
	assert_eq $((size + (256 << 10))) $((D + Z)) "protocol $p: bytes the target got (data + zeroes)"
	assert_eq "$Z" "$(rs_num "$line" "bytes as zeroes")" "protocol $p: A's bytes as zeroes against the target's"
	assert_eq $((D - (256 << 10))) "$(rs_num "$line" "bytes sent")" "protocol $p: A's bytes sent against the target's"
}

sync_to 6
echo "protocol 6: $N write-zeroes, the largest $M bytes"
# The zero chunks (1 MiB reads) each went alone: none larger (the fake
# target refuses those), and whole ones.
assert_eq "$mib" "$M" "protocol 6: the largest resync write-zeroes"
n6=$N

sync_to 7
echo "protocol 7: $N write-zeroes, the largest $M bytes"
[ "$M" -gt "$mib" ] || fail "protocol 7: no resync write-zeroes above 1 MiB (largest $M)"
[ "$N" -lt "$n6" ] || fail "protocol 7: $N write-zeroes, not fewer than protocol 6's $n6"

sync_to 3
echo "protocol 3: $N write-zeroes, $D data bytes"
assert_eq 0 "$N" "protocol 3: resync write-zeroes (not before protocol 4)"
assert_eq 0 "$Z" "protocol 3: zero bytes"

mx_assert_no_leaks A
pass
