#!/usr/bin/env bash
# 062-commit-race-crash: a write to a region whose bit a commit is clearing, then a source crash: the region is resynced, the nodes end identical
# timeout: 1800
# long: minutes of TCG time (make check-long); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# The window, made wide with dm-delay under A's devices: the sweep clears
# region K in core (dirty drops to 0) and its commit writes that 0 for
# MDELAY ms; a write to K right then must not be issued while the block
# on disk is about to say "clean". A's own data writes take DDELAY ms, so
# the write reaches B but not A's disk before A crashes, between the
# clearing commit's completion and the next commit. Unfixed, K is
# written on B with its bit 0 on A's disk: no resync, the nodes differ.
ROUNDS=${MX_RACE_ROUNDS:-3}
MDELAY=2000
DDELAY=8000
CRASH_AFTER=3	# s after the clear: between MDELAY and 2 * MDELAY

# a_setup: A's source over dm-delay devices (the same disks every boot).
a_setup() {
	local s m
	s=$(vm_run A "blockdev --getsz $MX_DATA")
	m=$(vm_run A "blockdev --getsz $MX_META")
	vm_run -t 30 A "dmsetup create ddata --table '0 $s delay $MX_DATA 0 0 $MX_DATA 0 $DDELAY' &&
		dmsetup create dmeta --table '0 $m delay $MX_META 0 0 $MX_META 0 $MDELAY' &&
		dmsetup mknodes" || fail "dm-delay on A"
	# No hot set: the sweep's clearing commit (a bit 1 -> 0) is what a
	# round races, not the cooling a minute after the write.
	mx_create A "0 $s mirrorx /dev/mapper/ddata /dev/mapper/dmeta 128 1 1 $(vm_addr B A):$MX_PORT sync 2 hot_set 0"
}
_mx_dead() { ! vm_alive "$1"; }

mx_boot A B
mx_create_target B A
a_setup
mx_wait_insync A 600

for ((round = 1; round <= ROUNDS; round++)); do
	k=$((64 + round * 16))
	step "round $round: write region $k, wait for the sweep to clear it, write it again, crash A"
	vm_run_bg -t 120 A "set -e
		dd if=/dev/urandom of=/dev/mapper/mx bs=64k count=1 seek=$k oflag=direct status=none
		until [ \"\$(dmsetup status mx | awk '{ print \$7 }' | cut -d/ -f1)\" = 0 ]; do sleep 0.05; done
		dd if=/dev/urandom of=/dev/mapper/mx bs=64k count=1 seek=$k oflag=direct status=none &
		sleep $CRASH_AFTER
		echo b >/proc/sysrq-trigger" >/dev/null
	wait_for 180 _mx_dead A
	vm_kill A || true
	step "round $round: reboot A, reload, resync"
	vm_start A
	load_module A
	a_setup
	mx_wait_insync A 300
	mx_status A
	echo "round $round: resynced $(mx_resync_count A) regions"
	mx_assert_same A B
done
mx_assert_no_leaks B
pass
