#!/usr/bin/env bash
# 071-online-grow: both data devices (dm-linear) grow under a sync mirror in use (fio verify running): target first, then source (only the new area resynced, writes into it replicate); then source first (refused as "peer smaller" until the target grew); identical checksums; a shrink is refused
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

old=$((128 << 11))	# 128 MiB in sectors
new=$((192 << 11))	# first grow
top=$((256 << 11))	# second grow: the whole 256 MiB disk
new_regions=$(((new - old) / 128))

mx_boot A B
for g in A B; do
	dm_linear "$g" base $MX_DATA 0 "$old"
done
# The new area differs on both nodes before the grow: A's is what B must get.
vm_run A "dd if=/dev/urandom of=$MX_DATA bs=1M seek=128 count=128 oflag=direct status=none"
vm_run B "dd if=/dev/urandom of=$MX_DATA bs=1M seek=128 count=128 oflag=direct status=none"
MX_DATA=/dev/mapper/base
MX_FULL_SYNC=1 mx_create_pair A B
mx_wait_insync A 300
assert_eq "0/$((old / 128))" "$(mx_field A 7)" "A's dirty/total regions before the grow"

step "fio verify on A's mirror (first 32 MiB) through the grow"
fio_job=$(vm_run_bg -t 900 A "fio --name=grow --clocksource=clock_gettime --filename=/dev/mapper/mx --rw=randwrite --bs=4k --ioengine=libaio --iodepth=8 --direct=1 --size=32M --offset=0 --time_based --runtime=$((90 * ${MX_TIMEOUT_SCALE:-1})) --randrepeat=0 --verify=crc32c --verify_backlog=256 --verify_fatal=1 --output=/dev/stdout")

# grow_base NODE [SECTORS]: NODE's data device (dm-linear) grows.
grow_base() {
	local to=${2:-$new}
	vm_run -t 60 "$1" "dmsetup reload base --table '0 $to linear /dev/vda 0' && dmsetup resume base"
	assert_eq "$to" "$(vm_run "$1" "blockdev --getsz /dev/mapper/base")" "$1's grown data device"
}

# grow_mx NODE SECTORS: NODE's mirror table reloaded with length SECTORS.
grow_mx() {
	local t
	t=$(vm_run "$1" "dmsetup table mx" | awk -v n="$2" '{ $2 = n; print }')
	vm_run -t 60 "$1" "dmsetup reload mx --table '$t' && dmsetup suspend mx && dmsetup resume mx"
	assert_eq "$2" "$(vm_run "$1" "blockdev --getsz /dev/mapper/mx")" "$1's mirror size"
}

# resynced NODE: regions of the last resync (stats message).
resynced() { vm_run A "dmsetup message mx 0 stats" | awk '{ print $4 }'; }

# check_resynced N WHAT: the last resync covered the new area's N regions,
# plus at most the regions fio wrote while A's new table connected (its
# 32 MiB: 512 regions); far below a full resync.
check_resynced() {
	local n
	n=$(resynced)
	echo "A: $(vm_run A "dmsetup message mx 0 stats")"
	[ "$n" -ge "$1" ] || fail "$2: resynced $n regions, fewer than the new area's $1"
	[ "$n" -le $(($1 + 512)) ] || fail "$2: resynced $n regions: more than the new area ($1) and fio's range"
}

# finished: count of "resync finished" lines in A's log.
finished() { vm_run A "dmesg | grep -c 'resync finished' || true"; }

step "a shrink is refused on both nodes"
for g in A B; do
	t=$(vm_run "$g" "dmsetup table mx")
	small=$(awk -v n=$((old - 2048)) '{ $2 = n; print }' <<<"$t")
	assert_fail "$g: a reload $((2048 / 2)) KiB smaller" \
		vm_run -t 60 "$g" "dmsetup reload mx --table '$small'"
	vm_run "$g" "dmesg" | grep -q "shrinking is not supported" ||
		fail "$g: no 'shrinking is not supported' in the log"
done

step "B (target) grows first: A connects to the larger target"
grow_base B
grow_mx B "$new"
mx_wait_insync A 120
assert_eq "$((old / 128))" "$(mx_total A)" "A's regions while only B grew"

step "A (source) grows: only the new area is resynced"
before=$(finished)
grow_base A
grow_mx A "$new"
assert_eq "$((new / 128))" "$(mx_total A)" "A's regions after the grow"
_rs_more() { [ "$(finished)" -gt "$before" ]; }
wait_for -m "no resync after the grow" 300 _rs_more
mx_wait_insync A 120
check_resynced "$new_regions" "target first"

step "writes into the new area replicate"
write_pattern A /dev/mapper/mx 071-new 4M $((160 << 20))
vm_run A "dmsetup status mx"
out=$(vm_wait A "$fio_job") || fail "fio verify on A failed: $(tail -n 20 <<<"$out")"
grep -E " err=|verify" <<<"$out" | head -n 3 || true
mx_wait_insync A 120
check_pattern B /dev/mapper/base 071-new 4M $((160 << 20))
a=$(dev_sha256 A /dev/mapper/base)
b=$(dev_sha256 B /dev/mapper/base)
assert_eq "$a" "$b" "grown data checksum A vs B"
step "A (source) grows first: B is refused as smaller until it grew"
before=$(finished)
grow_base A "$top"
grow_mx A "$top"
mx_wait_state -m "A's peer is not Refused while B is smaller" A Refused 120
vm_run A "dmesg" | grep -q "connection refused: size_mismatch (grow it" ||
	fail "no 'size_mismatch (grow it' in A's log: $(vm_run A dmesg | tail -n 5)"
grow_base B "$top"
grow_mx B "$top"
wait_for -m "no resync after B grew" 300 _rs_more
mx_wait_insync A 120
check_resynced $(((top - new) / 128)) "source first"
write_pattern A /dev/mapper/mx 071-top 4M $((250 << 20))
mx_wait_insync A 120
check_pattern B /dev/mapper/base 071-top 4M $((250 << 20))
a=$(dev_sha256 A /dev/mapper/base)
b=$(dev_sha256 B /dev/mapper/base)
assert_eq "$a" "$b" "data checksum A vs B after both grows"

step "the grown size survives a reload of both tables"
for g in A B; do
	grow_mx "$g" "$top"
done
mx_wait_insync A 120
assert_eq "0/$((top / 128))" "$(mx_field A 7)" "A's dirty/total regions after the grows"
pass
