#!/usr/bin/env bash
# 077-sweep-flush-stream: the sweep's flush does not stop the target's stream of writes: with 5 s flushes on the target's disk, writes keep completing in milliseconds while the sweep flushes it; the flushes are answered (no reconnect, bits cleared after); data identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

step "B: a target on dm-delay over its data disk; its flushes take 5 s"
mx_start_slow_target A B
wc=$(vm_run B "cat /sys/block/vda/queue/write_cache")
[ "$wc" = "write back" ] || skip "B: vda has no volatile write cache ($wc): flushes are not counted"
mx_slow_disk B 0 5000
before=$(mx_connects A)

# A barrier flush (before protocol 6, the sweep's too) stops B's receive
# thread until the flush ends: every write sent after it waits the 5 s.
step "20 s of QD1 4 KiB random O_DIRECT writes on A, no fsync: the sweep flushes B meanwhile"
fb=$(mx_disk_flushes B)
max_ms=$(vm_run -t 120 A "fio --name=s --filename=/dev/mapper/mx --rw=randwrite --bs=4k --size=64M --time_based --runtime=20 --ioengine=psync --direct=1 --output-format=json" |
	jq '.jobs[0].write.lat_ns.max / 1000000 | floor')
fb2=$(mx_disk_flushes B)
echo "slowest write: ${max_ms} ms; B's disk flushes during the writes: $fb -> $fb2"
[ "$((fb2 - fb))" -ge 2 ] ||
	fail "B's disk completed $((fb2 - fb)) flushes in 20 s of writes: the sweep did not flush it, the step proves nothing"
[ "$max_ms" -lt 2500 ] ||
	fail "a write took ${max_ms} ms while B's disk flushed (5 s): the sweep's flush stopped B's stream"

step "the sweep's flushes were answered: same connection, bits cleared once A is idle"
assert_eq "$before" "$(mx_connects A)" "source connects during the slow flushes"
assert_eq Connected/InSync "$(mx_conn A)/$(mx_repl A)" "A's peer after the slow flushes"
mx_slow_disk B 0 0
wait_for -m "A's intent log not cleared after the writes" 120 mx_is_clean A
mx_assert_same A B
mx_assert_no_leaks A B
pass
