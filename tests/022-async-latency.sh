#!/usr/bin/env bash
# 022-async-latency: behind a 100 ms round trip, an async write completes at local speed while a sync write waits for the ack
# timeout: 600
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
# serial: timing-sensitive (latency or rate measured)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A B
write_ms() {
	vm_run A "fio --name=one --filename=/dev/mapper/mx --rw=write --bs=4k --size=4k --offset=$(($1 * 4096)) --ioengine=psync --direct=1 --output-format=json" |
		jq '.jobs[0].write.lat_ns.mean / 1000000 | floor'
}

step "sync mirror, 50 ms delay each way"
mx_create_target B A
MX_MODE=sync mx_create_source A B
mx_wait_insync A 300
link_delay A B 50ms
s=$(write_ms 10)
echo "sync write: ${s} ms"
[ "$s" -ge 100 ] || fail "sync write took ${s} ms, less than the round trip"

step "same mirror reloaded async (no resync needed)"
vm_run A "dmsetup remove mx"
MX_MODE=async mx_create_source A B
mx_wait_insync A 120
assert_eq 0 "$(mx_resync_count A)" "regions resynced after a clean remove and reload"
for i in 1 2 3; do
	a=$(write_ms $((20 + i)))
	echo "async write $i: ${a} ms"
	[ "$a" -lt 50 ] || fail "async write took ${a} ms: it waited for the link"
done
link_restore A B
_q_empty() { [ "$(mx_field A 15)" = 0 ]; }
wait_for 60 _q_empty
mx_assert_same A B
pass
