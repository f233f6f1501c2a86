#!/usr/bin/env bash
# 049-slab-pages: XFS writes its sub-page metadata buffers from slab memory; those pages are copied, not sent zero-copy (no kernel warning), and both nodes end identical
# timeout: 600
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
command -v mkfs.xfs >/dev/null || skip "mkfs.xfs not installed (xfsprogs)"

# mkfs.xfs wants 300 MB; both disks are new and zero: skip the full sync.
MX_DATA_SIZE=320M mx_boot A B
mx_create_source A B
vm_run A "dmsetup message mx 0 assume_clean 1"
mx_create_target B A
mx_wait_insync A 120
assert_eq 0 "$(mx_resync_count A)" "regions resynced after assume_clean"

step "XFS on A's mirror (512-byte sectors: AG headers are kmalloc'd buffers)"
vm_run -t 120 A "mkfs.xfs -q -f -s size=512 /dev/mapper/mx"
vm_run A "mkdir -p /mnt/x && mount /dev/mapper/mx /mnt/x"
for i in 1 2 3; do
	vm_run -t 120 A "mkdir -p /mnt/x/d$i && for f in \$(seq 1 40); do head -c 20000 /dev/urandom >/mnt/x/d$i/f\$f; done; sync"
done
vm_run -t 120 A "rm -rf /mnt/x/d2; sync; umount /mnt/x"
vm_run A "dmesg" | grep -q "improper page" &&
	fail "a slab page went to zero-copy send: $(vm_run A dmesg | grep -m1 'improper page')"
mx_wait_insync A 60
mx_assert_same A B
mx_assert_no_leaks A B
pass
