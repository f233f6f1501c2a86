#!/usr/bin/env bash
# 024-async-behind: a burst larger than async_limit over a slow link never blocks writers; the peer goes Behind, catches up, returns to queueing
# timeout: 900
# serial: timing-sensitive (latency or rate measured)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
export MX_MODE=async

mx_boot A B
mx_create_pair A B 128 async_limit 4194304 on_congestion behind
mx_wait_insync A 300

step "slow the link to 16 Mbit/s (2 MB/s)"
link_netem A B rate 16mbit
step "a 64 MiB burst: at link speed it would take 32 s"
t0=$(date +%s)
write_pattern A /dev/mapper/mx 024-burst 64M 64M
t1=$(date +%s)
echo "burst took $((t1 - t0)) s"
# Under the debug kernel (MX_TIMEOUT_SCALE > 1: KASAN) writing 64 MiB
# alone took 20 s on a loaded host; 28 s is still below the 32 s the link
# needs, and the state checked next says the writers did not wait for it.
lim=16
[ "${MX_TIMEOUT_SCALE:-1}" -le 1 ] || lim=28
[ $((t1 - t0)) -lt $lim ] || fail "writers were throttled: $((t1 - t0)) s for the burst (limit $lim s)"
st=$(mx_repl A)
echo "state after the burst: $st"
assert_eq Behind "$st" "replication state right after the burst"
mx_status A
step "catch up by resync on the same slow link, then back to queueing by itself"
mx_wait_insync A 300
mx_status A
step "stays InSync (no flip-flop) on the slow link, idle and under a light load"
for i in 1 2 3 4 5; do
	write_pattern A /dev/mapper/mx 024-light-$i 256K $((200 + i))M
	sleep 1
	assert_eq InSync "$(mx_repl A)" "state under light load ($i)"
done
_q_empty() { [ "$(mx_field A 15)" = 0 ]; }
wait_for 60 _q_empty
link_restore A B
mx_assert_same A B
check_pattern B $MX_DATA 024-burst 64M 64M
mx_assert_no_leaks A B
pass
