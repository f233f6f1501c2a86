#!/usr/bin/env bash
# 041-ipv6: a mirror over IPv6 ([addr]:port in both tables): full sync, writes, a link cut and a partial resync, both nodes identical
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A B

step "IPv6 addresses on the A-B link (no DAD wait)"
vm_run A "ip -6 addr add fd77::1/64 dev $(vm_ifname A B) nodad"
vm_run B "ip -6 addr add fd77::2/64 dev $(vm_ifname B A) nodad"
_ping6() { vm_run -t 30 A "busybox ping6 -c 1 -w 3 -W 1 fd77::2 >/dev/null"; }
wait_for 30 _ping6

tgt="0 $(mx_sectors B) mirrorx-recv $MX_DATA $MX_META [fd77::2]:$MX_PORT"
src="0 $(mx_sectors A) mirrorx $MX_DATA $MX_META 128 1 1 [fd77::2]:$MX_PORT sync"
mx_create B "$tgt"
mx_create A "$src"
mx_wait_insync A 300

step "the tables keep the bracketed address; the connection is IPv6"
vm_run A "dmsetup table mx" | grep -qF "[fd77::2]:$MX_PORT sync" ||
	fail "A's table does not round-trip [fd77::2]:$MX_PORT"
vm_run B "dmsetup table mx" | grep -qF "[fd77::2]:$MX_PORT" ||
	fail "B's table does not round-trip [fd77::2]:$MX_PORT"
conn=$(vm_run B "ss -Htn state established '( sport = :$MX_PORT )'")
echo "$conn"
grep -qF '[fd77::1]' <<<"$conn" || fail "no IPv6 connection from fd77::1 on B"

step "writes reach B"
write_pattern A /dev/mapper/mx 041-ipv6 8M 16M
check_pattern B $MX_DATA 041-ipv6 8M 16M

step "link cut: A keeps writing; reconnect over IPv6 resyncs part of the device"
link_cut A B
mx_wait_conn A Connecting 30
write_pattern A /dev/mapper/mx 041-cut 4M 64M
link_restore A B
mx_wait_insync A 120
# 4 MiB written with the link cut, plus at most the 8 MiB written just
# before it (bits cleared only after a flush of both nodes).
mx_assert_partial_resync A 12M
check_pattern B $MX_DATA 041-cut 4M 64M
mx_assert_same A B
pass
