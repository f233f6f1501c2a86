#!/usr/bin/env bash
# 002-harness-three-guests: 3 guests at once reach each other on every link; concurrent jobs in one guest
# timeout: 300
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"

step "boot A, B, C concurrently"
vm_boot A 16M
vm_boot B 16M
vm_boot C 16M
vm_wait_ready A B C

for a in A B C; do
	for b in A B C; do
		[ "$a" != "$b" ] || continue
		step "$a -> $b at $(vm_addr "$b" "$a") via $(vm_ifname "$a" "$b")"
		ping_ok "$a" "$b" || fail "$a cannot reach $b"
	done
done

step "each link is private: B's address on the A-B link is not reachable from C"
assert_fail "C reaching B's A-B link address" \
	vm_run -t 20 C "busybox ping -c 1 -w 2 $(vm_addr B A) >/dev/null 2>&1"

step "commands run concurrently in one guest: a 20 s ping while the link is cut and restored"
job=$(vm_run_bg -t 60 A "busybox ping -c 40 -i 0.5 $(vm_addr B A)")
sleep 4
link_cut A B
# A command on A while the ping job still runs.
assert_eq "still here" "$(vm_run A 'echo still here')" "second command during a running job"
sleep 4
link_restore A B
out=$(vm_wait A "$job" || true)
loss=$(sed -n 's/.* \([0-9]*\)% packet loss.*/\1/p' <<<"$out")
step "ping during cut/restore: ${loss:-?}% loss"
[ -n "$loss" ] && [ "$loss" -gt 0 ] && [ "$loss" -lt 100 ] ||
	fail "expected partial loss while the link was cut for a while, got '${loss:-none}': $out"

step "delay: netem 50ms each way gives an RTT of at least 100 ms"
link_delay A C 50ms
rtt=$(vm_run A "busybox ping -c 1 -W 5 $(vm_addr C A)" | sed -n 's/.*time=\([0-9]*\).*/\1/p')
link_restore A C
[ -n "$rtt" ] && [ "$rtt" -ge 100 ] || fail "RTT with 2x50ms delay: '${rtt:-none}' ms"

pass
