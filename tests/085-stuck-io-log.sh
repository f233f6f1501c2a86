#!/usr/bin/env bash
# 085-stuck-io-log: the source's own synchronous requests to a disk that holds them (a verify's read of the data device, an intent-log commit, a flush of the data device) say so in the kernel log every 30 s, naming that disk, instead of hanging silently; once the disk completes them everything goes on and the nodes end identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

HOLD_MS=45000

# slowm_table READ_MS WRITE_MS: A's metadata disk under dm-delay.
slowm_table() {
	local s
	s=$(vm_run A "blockdev --getsz $MX_META")
	echo "0 $s delay $MX_META 0 $1 $MX_META 0 $2"
}
slowm() {
	vm_run A "dmsetup suspend slowm && dmsetup load slowm --table '$(slowm_table "$1" "$2")' && dmsetup resume slowm"
}
# dm_name DEV: the kernel's name of A's dm device DEV (what %pg prints).
dm_name() { echo "dm-$(vm_run A "dmsetup info -c -o minor --noheadings $1" | tr -d ' ')"; }
# said PATTERN: A's kernel log has a line matching PATTERN.
said() { vm_run A "dmesg" | grep -Eq "$1"; }
# held: say how long ago $t0 was.
held() { echo "the line came after $(($(date +%s) - t0)) s"; }

step "A: a source on dm-delay over its data and its metadata disks (no delay yet)"
mx_boot A B
vm_run A "modprobe dm-delay && dmsetup create slow --table '$(mx_slow_table A 0 0)' && dmsetup create slowm --table '$(slowm_table 0 0)' && dmsetup mknodes"
mx_create_target B A
vm_run -t 60 A "dmsetup create mx --table '$(MX_DATA=/dev/mapper/slow MX_META=/dev/mapper/slowm mx_source_table A B)' && dmsetup mknodes mx"
mx_wait_insync A 300
write_pattern A /dev/mapper/mx 085 4M 8M
data=$(dm_name slow)
meta=$(dm_name slowm)
echo "A's data disk is $data, its metadata disk $meta"

step "a verify whose read of A's data disk is held $((HOLD_MS / 1000)) s"
mx_slow_disk A $HOLD_MS 0
vm_run A "dmesg -C"
t0=$(date +%s)
vm_run A "dmsetup message mx 0 verify 1"
wait_for -m "no kernel log line while the verify waited for its read" 60 \
	said "$data: a verify read has not completed in [0-9]+ s"
held
vm_run A "dmesg | grep 'has not completed'"
assert_eq Verifying "$(mx_repl A)" "the peer while the read is held"
mx_slow_disk A 0 0
_verified() { said 'verify finished: 0 of [0-9]+ regions differ'; }
wait_for -m "the verify did not finish once the read completed" 300 _verified
mx_wait_insync A 60

step "a write that needs an intent-log commit, with A's metadata writes held $((HOLD_MS / 1000)) s"
# A region far from the pattern's: not marked, so its first write commits.
slowm 0 $HOLD_MS
vm_run A "dmesg -C"
t0=$(date +%s)
vm_run A "setsid sh -c 'dd if=/dev/urandom of=/dev/mapper/mx bs=4k count=1 seek=40000 oflag=direct status=none; echo \$? >/tmp/085-dd' </dev/null >/dev/null 2>&1 & sleep 0.5; true"
wait_for -m "no kernel log line while the commit waited for the metadata disk" 60 \
	said "$meta: an intent-log commit has not completed in [0-9]+ s"
held
vm_run A "dmesg | grep 'has not completed'"
[ -z "$(vm_run A "cat /tmp/085-dd 2>/dev/null")" ] ||
	fail "the write completed before its commit did"
slowm 0 0
_written() { [ -n "$(vm_run A "cat /tmp/085-dd 2>/dev/null")" ]; }
wait_for -m "the write did not complete once the commit did" 60 _written
assert_eq 0 "$(vm_run A "cat /tmp/085-dd")" "dd's exit status"

step "writes, then the sweep's flush of A's data disk held $((HOLD_MS / 1000)) s"
mx_slow_disk A 0 $HOLD_MS
vm_run A "dmesg -C"
t0=$(date +%s)
# No fsync: only the sweep flushes the data disk.
vm_run A "dd if=/dev/urandom of=/dev/mapper/mx bs=1M count=1 seek=64 oflag=direct status=none"
wait_for -m "no kernel log line while the sweep waited for its flush" 90 \
	said "$data: a flush has not completed in [0-9]+ s"
held
vm_run A "dmesg | grep 'has not completed'"
mx_slow_disk A 0 0
wait_for -m "regions stayed marked after the flush completed" 120 mx_is_clean A

step "the nodes are identical"
mx_wait_insync A 60
check_pattern B $MX_DATA 085 4M 8M
mx_assert_same A B
mx_assert_no_leaks A B
pass
