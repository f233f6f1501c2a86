#!/usr/bin/env bash
# 025-async-block: with on_congestion block a full queue throttles writers to the link speed; nothing is lost
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
# serial: timing-sensitive (latency or rate measured)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
export MX_MODE=async

mx_boot A B
mx_create_pair A B 128 async_limit 4194304 on_congestion block
mx_wait_insync A 300
resync_before=$(mx_field A 14)

step "slow the link to 16 Mbit/s (2 MB/s); write 24 MiB"
link_netem A B rate 16mbit
job=$(vm_run_bg -t 300 A "dd if=$(pattern_file 025-burst 25165824) of=/dev/mapper/mx bs=1M seek=64 oflag=direct status=none")
t0=$(date +%s)
max=0
while ! [ -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ]; do
	q=$(mx_field A 15)
	[ "$q" -le "$max" ] || max=$q
	assert_ne Behind "$(mx_repl A)" "state with on_congestion block"
	sleep 1
done
vm_wait A "$job"
t1=$(date +%s)
echo "24 MiB took $((t1 - t0)) s; largest queue seen: $max bytes"
[ $((t1 - t0)) -ge 6 ] || fail "writers were not throttled ($((t1 - t0)) s)"
[ "$max" -le $((4194304 + 1048576)) ] || fail "queue grew to $max bytes, past async_limit"
link_restore A B
_q_empty() { [ "$(mx_field A 15)" = 0 ]; }
wait_for 120 _q_empty
mx_wait_insync A 60
assert_eq "$resync_before" "$(mx_field A 14)" "resync counters (block mode never falls behind, so no resync)"
check_pattern B $MX_DATA 025-burst 24M 64M
mx_assert_same A B
mx_assert_no_leaks A B
pass
