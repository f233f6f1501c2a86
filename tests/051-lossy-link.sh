#!/usr/bin/env bash
# 051-lossy-link: sync then async writes through a link that loses, duplicates, reorders and corrupts packets, and through a one-way partition: no oops, the connection recovers by itself, nodes identical
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

BAD="delay 2ms 1ms loss 5% duplicate 2% reorder 10% 50% corrupt 1%"

# lossy_round MODE: fio through the bad link, then the link restored.
lossy_round() {
	local mode=$1 job
	step "$mode: 45 s of fio through netem '$BAD'"
	link_netem A B "$BAD"
	job=$(mx_fio_bg A /dev/mapper/mx 48M 0 45)
	vm_wait A "$job" >/dev/null || fail "$mode: fio on A did not end"
	mx_status A
	link_restore A B
	step "$mode: link clean again: back in sync by itself"
	mx_wait_insync A 300
	_q_empty() { [ "$(mx_field A 15)" = 0 ] && [ "$(mx_field A 16)" = 0 ]; }
	wait_for 120 _q_empty
	mx_assert_same A B
}

mx_start_pair A B
lossy_round sync

step "one-way partition: B's packets to A dropped (iptables on A), writes go on"
vm_run A "iptables -I INPUT -i $(vm_ifname A B) -p tcp -j DROP"
job=$(mx_fio_bg A /dev/mapper/mx 16M 64M 25)
mx_wait_conn A Connecting 60
vm_wait A "$job" >/dev/null || fail "fio on A did not end during the one-way partition"
[ "$(mx_oos A)" -gt 0 ] || fail "no region recorded out of sync during the partition"
vm_run A "iptables -D INPUT -i $(vm_ifname A B) -p tcp -j DROP"
mx_wait_insync A 300
mx_assert_same A B

step "async: the same bad link"
vm_run A "dmsetup remove mx"
MX_MODE=async mx_create_source A B
mx_wait_insync A 120
lossy_round async
mx_assert_no_leaks A B
pass
