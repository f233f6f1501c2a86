#!/usr/bin/env bash
# 012-sync-semantics: a sync write waits for the remote ack (netem delay), and a completed write survives the source's instant death
# timeout: 600
# serial: timing-sensitive (latency or rate measured)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B

# write_ms OFFSET_4K: latency of one 4 KiB O_DIRECT write, in ms, as fio
# measured it around the I/O itself (no process start-up in it).
write_ms() {
	vm_run A "fio --name=one --filename=/dev/mapper/mx --rw=write --bs=4k --size=4k --offset=$(($1 * 4096)) --ioengine=psync --direct=1 --output-format=json" |
		jq '.jobs[0].write.lat_ns.mean / 1000000 | floor'
}

step "baseline write latency without delay"
for i in 1 2 3; do
	base=$(write_ms $((100 + i)))
	echo "baseline write $i: ${base} ms"
done
[ "$base" -lt 50 ] || fail "baseline sync write takes ${base} ms: too slow to measure a 100 ms round trip"

step "50 ms netem delay each way on the A-B link"
link_delay A B 50ms
for i in 1 2 3; do
	ms=$(write_ms $((200 + i)))
	echo "write $i with 100 ms RTT: ${ms} ms"
	[ "$ms" -ge 100 ] || fail "sync write completed in ${ms} ms, before the 100 ms round trip"
	[ "$ms" -lt 400 ] || fail "sync write took ${ms} ms for a 100 ms round trip"
done
link_restore A B
mx_wait_insync A 60

step "a write completed on A is on B even when A dies right after"
for i in 1 2 3; do
	seed=012-kill-$i
	write_pattern A /dev/mapper/mx "$seed" 1M $((i * 8))M
	vm_kill A
	check_pattern B $MX_DATA "$seed" 1M $((i * 8))M
	vm_start A
	load_module A
	mx_create_source A B
	mx_wait_insync A 120
done
mx_assert_same A B
pass
