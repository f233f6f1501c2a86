#!/usr/bin/env bash
# 066-online-grow: both data devices (dm-linear) grow under a sync mirror in use (fio verify running): target reloaded first, then the source; only the new area is resynced, writes into it replicate, identical checksums; a shrink is refused
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

old=$((192 << 11))	# 192 MiB in sectors
new=$((256 << 11))	# the whole 256 MiB disk
new_regions=$(((new - old) / 128))

mx_boot A B
for g in A B; do
	dm_linear "$g" base $MX_DATA 0 "$old"
done
# The new area differs on both nodes before the grow: A's is what B must get.
vm_run A "dd if=/dev/urandom of=$MX_DATA bs=1M seek=192 count=64 oflag=direct status=none"
vm_run B "dd if=/dev/urandom of=$MX_DATA bs=1M seek=192 count=64 oflag=direct status=none"
MX_DATA=/dev/mapper/base
MX_FULL_SYNC=1 mx_create_pair A B
mx_wait_insync A 300
assert_eq "0/$((old / 128))" "$(mx_field A 7)" "A's dirty/total regions before the grow"

step "fio verify on A's mirror (first 32 MiB) through the grow"
fio_job=$(vm_run_bg -t 900 A "fio --name=grow --clocksource=clock_gettime --filename=/dev/mapper/mx --rw=randwrite --bs=4k --ioengine=libaio --iodepth=8 --direct=1 --size=32M --offset=0 --time_based --runtime=$((90 * ${MX_TIMEOUT_SCALE:-1})) --randrepeat=0 --verify=crc32c --verify_backlog=256 --verify_fatal=1 --output=/dev/stdout")

# grow_base NODE: NODE's data device (dm-linear) takes the whole disk.
grow_base() {
	vm_run -t 60 "$1" "dmsetup reload base --table '0 $new linear /dev/vda 0' && dmsetup resume base"
	assert_eq "$new" "$(vm_run "$1" "blockdev --getsz /dev/mapper/base")" "$1's grown data device"
}

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
t=$(vm_run B "dmsetup table mx" | awk -v n=$new '{ $2 = n; print }')
vm_run -t 60 B "dmsetup reload mx --table '$t' && dmsetup suspend mx && dmsetup resume mx"
assert_eq "$new" "$(vm_run B "blockdev --getsz /dev/mapper/mx")" "B's mirror size"
mx_wait_insync A 120
assert_eq "$((old / 128))" "$(mx_total A)" "A's regions while only B grew"

step "A (source) grows: only the new area is resynced"
before=$(vm_run A "dmesg | grep -c 'resync finished' || true")
grow_base A
t=$(vm_run A "dmsetup table mx" | awk -v n=$new '{ $2 = n; print }')
vm_run -t 60 A "dmsetup reload mx --table '$t' && dmsetup suspend mx && dmsetup resume mx"
assert_eq "$new" "$(vm_run A "blockdev --getsz /dev/mapper/mx")" "A's mirror size"
assert_eq "$((new / 128))" "$(mx_total A)" "A's regions after the grow"
_rs_more() { [ "$(vm_run A "dmesg | grep -c 'resync finished' || true")" -gt "$before" ]; }
wait_for 300 _rs_more || fail "no resync after the grow: $(mx_status A)"
mx_wait_insync A 120
stats=$(vm_run A "dmsetup message mx 0 stats")
echo "A: $stats"
n=$(awk '{ print $4 }' <<<"$stats")
# The new area, plus at most the regions fio wrote while A's new table
# connected (its 32 MiB: 512 regions); far below a full resync.
[ "$n" -ge "$new_regions" ] ||
	fail "resynced $n regions, fewer than the new area's $new_regions"
[ "$n" -le $((new_regions + 512)) ] ||
	fail "resynced $n regions: more than the new area ($new_regions) and fio's range"

step "writes into the new area replicate"
write_pattern A /dev/mapper/mx 066-new 4M $((200 << 20))
vm_run A "dmsetup status mx"
out=$(vm_wait A "$fio_job") || fail "fio verify on A failed: $(tail -n 20 <<<"$out")"
grep -E " err=|verify" <<<"$out" | head -n 3 || true
mx_wait_insync A 120
check_pattern B /dev/mapper/base 066-new 4M $((200 << 20))
a=$(dev_sha256 A /dev/mapper/base)
b=$(dev_sha256 B /dev/mapper/base)
assert_eq "$a" "$b" "grown data checksum A vs B"
step "the grown size survives a reload of both tables"
for g in A B; do
	t=$(vm_run "$g" "dmsetup table mx")
	vm_run -t 60 "$g" "dmsetup reload mx --table '$t' && dmsetup suspend mx && dmsetup resume mx"
done
mx_wait_insync A 120
assert_eq "0/$((new / 128))" "$(mx_field A 7)" "A's dirty/total regions after the grow"
pass
