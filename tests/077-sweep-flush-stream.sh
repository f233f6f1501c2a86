#!/usr/bin/env bash
# 077-sweep-flush-stream: the sweep's flush does not stop the target's stream of writes (4 s flushes on the target's disk: writes still complete in milliseconds) and, while writes come in, comes every 5 s, not every second; the flushes are answered (no reconnect, bits cleared once idle); data identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# qd1 SECS: SECS s of QD1 4 KiB random O_DIRECT writes on A, no fsync;
# prints the slowest write's ms.
qd1() {
	vm_run -t $(($1 + 100)) A "fio --name=s --filename=/dev/mapper/mx --rw=randwrite --bs=4k --size=64M --time_based --runtime=$1 --ioengine=psync --direct=1 --output-format=json" |
		jq '.jobs[0].write.lat_ns.max / 1000000 | floor'
}

step "B: a target on dm-delay over its data disk"
mx_start_slow_target A B
for g in A B; do
	wc=$(vm_run "$g" "cat /sys/block/vda/queue/write_cache")
	[ "$wc" = "write back" ] || skip "$g: vda has no volatile write cache ($wc): flushes are not counted"
done
before=$(mx_connects A)

# Once a flush every second: each stalls the disks' writes.
step "20 s of writes, the disks fast: the sweep flushes each disk every 5 s, not every second"
fa=$(mx_disk_flushes A)
fb=$(mx_disk_flushes B)
max_ms=$(qd1 20)
fa2=$(mx_disk_flushes A)
fb2=$(mx_disk_flushes B)
echo "slowest write: ${max_ms} ms; disk flushes during the writes: A $fa -> $fa2, B $fb -> $fb2"
for d in "A $fa $fa2" "B $fb $fb2"; do
	set -- $d
	[ "$(($3 - $2))" -ge 2 ] || fail "$1's disk completed $(($3 - $2)) flushes in 20 s of writes: the sweep did not flush it, the step proves nothing"
	[ "$(($3 - $2))" -le 8 ] || fail "$1's disk completed $(($3 - $2)) flushes in 20 s of writes: the sweep flushed more often than every 5 s"
done

# A barrier flush (before protocol 6, the sweep's too) stops B's receive
# thread until the flush ends: every write sent after it waits the 4 s.
step "30 s of writes, B's flushes taking 4 s: the sweep flushes B meanwhile, writes do not wait for it"
mx_slow_disk B 0 4000
fb=$(mx_disk_flushes B)
max_ms=$(qd1 30)
fb2=$(mx_disk_flushes B)
echo "slowest write: ${max_ms} ms; B's disk flushes during the writes: $fb -> $fb2"
[ "$((fb2 - fb))" -ge 2 ] ||
	fail "B's disk completed $((fb2 - fb)) flushes in 30 s of writes: the sweep did not flush it, the step proves nothing"
[ "$max_ms" -lt 2000 ] ||
	fail "a write took ${max_ms} ms while B's disk flushed (4 s): the sweep's flush stopped B's stream"

step "the sweep's flushes were answered: same connection, bits cleared once A is idle"
assert_eq "$before" "$(mx_connects A)" "source connects during the slow flushes"
assert_eq Connected/InSync "$(mx_conn A)/$(mx_repl A)" "A's peer after the slow flushes"
mx_slow_disk B 0 0
wait_for -m "A's intent log not cleared after the writes" 120 mx_is_clean A
mx_assert_same A B
mx_assert_no_leaks A B
pass
