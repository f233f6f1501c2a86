#!/usr/bin/env bash
# 088-reread-keeps-oos: regions a verify found to differ while the source's metadata device failed (their bits in core only, the commit at suspend failed too) are still resynced after the device is repaired and the table resumed: the re-read at resume marks again what is out of sync; nodes identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# A's metadata device: dm-linear "xmeta" over its metadata disk, so that a
# reload turns it into the "error" target and back.
META_SECTORS=$((8 << 11))
xmeta_set() { # linear|error
	local t="0 $META_SECTORS linear /dev/vdb 0"
	[ "$1" = linear ] || t="0 $META_SECTORS error"
	vm_run A "dmsetup reload xmeta --table '$t' && dmsetup resume xmeta"
}

mx_boot A B
vm_run A "dmsetup create xmeta --table '0 $META_SECTORS linear /dev/vdb 0'"
mx_create_target B A
MX_META=/dev/mapper/xmeta mx_create_source A B
mx_wait_insync A 300
write_pattern A /dev/mapper/mx 088 8M 0

step "B's copy of 2 regions changed under the mirror (regions never written: their bits are clear on disk); A's metadata device fails"
for r in 2000 3000; do
	vm_run B "dd if=/dev/urandom of=$MX_DATA bs=4k count=1 seek=$((r * 16 + 3)) oflag=direct status=none"
done
assert_ne "$(mx_data_sha A)" "$(mx_data_sha B)" "checksums after changing B"
xmeta_set error
vm_run A "dmesg -C"

step "a verify finds them; their bits cannot be committed"
vm_run A "dmsetup message mx 0 verify 1"
_verified() { vm_run A "dmesg" | grep -q 'verify finished: 2 of [0-9]* regions differ'; }
wait_for -m "the verify did not find the 2 regions" 300 _verified
sleep 2
mx_status A
[ "$(mx_repl A)" != InSync ] || fail "InSync with 2 regions that differ"

step "suspend (its commit fails), the metadata device repaired, resume"
vm_run -t 120 A "dmsetup suspend mx" || true
vm_run A "dmesg | grep -i 'commit\|metadata' | tail -n 5"
xmeta_set linear
vm_run A "dmsetup resume mx"
mx_wait_insync -m "the regions the verify found were never resynced" A 120
assert_eq 2 "$(mx_resync_count A)" "regions resynced after the resume"
mx_assert_same A B
mx_assert_no_leaks A B
pass
