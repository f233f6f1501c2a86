#!/usr/bin/env bash
# 048-handshake-window: a write made while a reconnecting peer's handshake decides (the target's metadata slowed to widen that window) reaches the peer: never InSync without it, nodes identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A B
step "B's metadata behind dm-delay (writes 700 ms): the target adopts a generation slowly"
vm_run B "dmsetup create slowmeta --table \"0 \$(blockdev --getsz $MX_META) delay $MX_META 0 0 $MX_META 0 700\""
S=$(mx_sectors B)
vm_run B "dmsetup create mx --table '0 $S mirrorx-recv $MX_DATA /dev/mapper/slowmeta $(vm_addr B A):$MX_PORT' && dmsetup mknodes mx"
# No hot set: the rounds wait for the intent log to be empty (the peer's
# bits), which hot extents, kept a minute after a write, would delay.
mx_create_source A B 128 hot_set 0
mx_wait_insync A 300

# clean_or_fail: InSync must mean nothing out of sync.
clean_or_fail() {
	local st
	st=$(mx_status A)
	read -r -a f <<<"$st"
	if [ "${f[9]}/${f[10]}" = Connected/InSync ] && [ "${f[12]}" != 0 ]; then
		fail "round $1: peer InSync with ${f[12]} regions out of sync: $st"
	fi
}
_idle() { [ "$(mx_dirty A)" = 0 ]; }

for i in 1 2 3 4 5; do
	step "round $i: idle, reconnect, one write while the handshake decides"
	wait_for 30 _idle
	vm_run A "dmsetup message mx 0 disconnect 1"
	vm_run A "dmsetup message mx 0 connect 1; sleep 0.4; dd if=/dev/urandom of=/dev/mapper/mx bs=4k count=1 seek=$((i * 3001)) oflag=direct status=none"
	mx_wait_conn A Connected 60
	clean_or_fail "$i"
	mx_wait_insync A 60
	clean_or_fail "$i"
	sleep 1
	a=$(dev_sha256 A $MX_DATA $((i * 3001 * 4096)) 4096)
	b=$(dev_sha256 B $MX_DATA $((i * 3001 * 4096)) 4096)
	assert_eq "$a" "$b" "round $i: the block written during the handshake, on B"
done
mx_assert_same A B
mx_assert_no_leaks A B
pass
