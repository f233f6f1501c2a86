#!/usr/bin/env bash
# 001-harness-linear: module loads in 2 guests; dm-linear data survives a hard kill; link ping/cut/restore
# timeout: 300
. "$(dirname "$0")/lib.sh"
requires_module

step "boot A and B"
vm_boot A 256M
vm_boot B 64M
vm_wait_ready A B

for g in A B; do
	step "$g: load dm-mod and dm-mirrorx"
	load_module "$g"
	vm_run "$g" "test -d /sys/module/dm_mod" || fail "dm-mod not loaded in $g"
	targets=$(dm_targets "$g")
	assert_match '^mirrorx$' "$targets" "$g: dmsetup targets lists mirrorx"
	assert_match '^mirrorx-recv$' "$targets" "$g: dmsetup targets lists mirrorx-recv"
done

# 128 MiB dm-linear starting 1 MiB into A's disk; pattern of 64 MiB at 4 MiB.
disk=$(vm_disk A 0)
start=2048
len=$((128 * 2048))
size=64M
off=4M
seed=001-linear
step "A: dm-linear over $disk, write pattern $seed ($size at $off)"
dm_linear A lin "$disk" $start $len
write_pattern A /dev/mapper/lin $seed $size $off
check_pattern A /dev/mapper/lin $seed $size $off
# The same bytes must sit 1 MiB + 4 MiB into the raw disk.
check_pattern A "$disk" $seed $size 5M

step "ping over the private A-B link, both ways, jumbo frames"
ping_ok A B || fail "A cannot reach B"
ping_ok B A || fail "B cannot reach A"
vm_run A "busybox ping -c 1 -W 3 -s 8900 $(vm_addr B A) >/dev/null" ||
	fail "8900-byte ping A->B (MTU 9000) failed"

step "cut the link: ping must fail; restore: ping must work"
link_cut A B
assert_fail "ping A->B with the link cut" ping_ok A B
assert_fail "ping B->A with the link cut" ping_ok B A
link_restore A B
ping_wait A B
ping_wait B A

step "hard-kill A (power loss), boot it again on the same disk"
vm_kill A
vm_alive A && fail "A still alive after vm_kill"
vm_start A
load_module A
targets=$(dm_targets A)
assert_match '^mirrorx$' "$targets" "A after reboot: mirrorx target"
dm_linear A lin "$disk" $start $len
check_pattern A /dev/mapper/lin $seed $size $off

step "the link works again after A's restart (dgram survives a peer restart)"
ping_wait A B
ping_wait B A

pass
