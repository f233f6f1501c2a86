#!/usr/bin/env bash
# 076-resync-packets: while the application does not write, a resync sends its chunks whole (the target writes them as bios over 128 KiB) and the sweep flushes the target once in MX_SWEEP_SPACED_PERIODS (5) seconds, not every second; once the application writes, the resync's packets are 128 KiB at most again; both nodes end identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# What B's data disk is asked to do is traced in B (the block layer's
# block_bio_queue event, filtered on that disk): each line gives a bio's
# flags ("FWS": a flush) and its size in sectors.
TRACE=/sys/kernel/tracing
trace_start() {
	vm_run -t 60 B "mountpoint -q $TRACE || mount -t tracefs nodev $TRACE
		maj=\$((0x\$(stat -c %t $MX_DATA))); min=\$((0x\$(stat -c %T $MX_DATA)))
		echo 0 > $TRACE/tracing_on && echo > $TRACE/trace &&
		echo 8192 > $TRACE/buffer_size_kb &&
		echo \"dev == \$(((maj << 20) | min))\" > $TRACE/events/block/block_bio_queue/filter &&
		echo 1 > $TRACE/events/block/block_bio_queue/enable &&
		echo 1 > $TRACE/tracing_on"
}

# trace_count SECS: trace SECS seconds (timed in B), then print the
# flushes, the writes of 4 KiB at most (the application's), those over
# that up to 128 KiB (256 sectors) and the larger ones.
trace_count() {
	trace_start || return 1
	vm_run -t $(($1 + 60)) B "sleep $1; echo 0 > $TRACE/tracing_on
		awk '/block_bio_queue:/ { for (i = 1; i <= NF; i++) if (\$i == \"block_bio_queue:\") break
			rwbs = \$(i + 2); n = \$(i + 5)
			if (rwbs ~ /^F/) f++
			else if (rwbs ~ /W/ && n > 256) big++
			else if (rwbs ~ /W/ && n > 8) mid++
			else if (rwbs ~ /W/ && n > 0) small++ }
			END { print f + 0, small + 0, mid + 0, big + 0 }' $TRACE/trace"
}

_fio_writing() { [ "$(mx_sectors_written A)" -gt 0 ]; }

mx_boot A B
# Random data on all of A's disk: zero ranges would go as write-zeroes.
vm_run -t 300 A "fio --name=fill --filename=$MX_DATA --rw=write --bs=1M --ioengine=libaio --iodepth=4 --direct=1 --size=256M --output=/dev/null" ||
	fail "filling A's data disk failed"
# No yield: while the application writes, the resync keeps its pace, and
# its packets are small because the application writes, not because it
# reads one region at a time.
vm_run A "echo 0 > /sys/module/dm_mirrorx/parameters/resync_min_rate"
mx_create_target B A
# 2 MiB/s from the start: the 256 MiB take two minutes, long enough for
# both looks on a loaded host too (where each command in a guest takes
# seconds).
mx_create_source A B 128 resync_rate 2048
mx_wait_state A Resyncing 120

step "no application I/O: whole chunks, and one flush of the target in five seconds"
read -r flushes small mid big <<<"$(trace_count 12)" || fail "tracing B's data disk failed"
echo "resync progress: $(mx_field A 14)"
echo "12 s of B's data disk: $flushes flushes, $((small + mid)) writes of at most 128 KiB, $big larger"
_mx_is_state A Resyncing || fail "the resync ended during the look: nothing to compare"
[ "$big" -ge 4 ] && [ "$big" -gt $((small + mid)) ] ||
	fail "an idle resync's writes on B: $big over 128 KiB, $((small + mid)) up to 128 KiB; chunks must go whole (up to 1 MiB)"
# One sweep of this peer in MX_SWEEP_SPACED_PERIODS = 5: 2 or 3 in 12 s
# (a flush per sweep period, 12, without the spacing). A disk without a
# write cache (MX_DISK_CACHE=writethrough, directsync) gets no flushes.
if [ "$(vm_run B "cat /sys/block/${MX_DATA#/dev/}/queue/write_cache")" = "write back" ]; then
	[ "$flushes" -le 4 ] ||
		fail "the sweep flushed B $flushes times in 12 s of resync: once in 5 s expected"
	[ "$flushes" -ge 1 ] ||
		fail "no flush of B in 12 s of resync: the sweep must still clear what the resync copied"
fi

step "the application writes (4 KiB QD4 in the first MiB): resync packets of 128 KiB at most"
# 1 MiB/s: what is left must outlast fio's start (seconds on TCG guests)
# and both waits below.
vm_run A "dmsetup message mx 0 resync_rate 1024"
job=$(vm_run_bg -t 400 A "fio --name=app --filename=/dev/mapper/mx --rw=randwrite --bs=4k --ioengine=libaio --iodepth=4 --direct=1 --size=1M --time_based --runtime=300 --output-format=json --output=/tmp/app.json; grep -q '\"error\" : 0,' /tmp/app.json")
wait_for 60 _fio_writing
echo "resync progress: $(mx_field A 14)"
# Chunks queued whole before the first write still go: at most the
# window (16 MiB), already read, sent as acknowledgements make room.
sleep 10
read -r flushes small mid big <<<"$(trace_count 8)" || fail "tracing B's data disk failed"
echo "resync progress: $(mx_field A 14)"
echo "8 s of B's data disk during application writes: $flushes flushes, $small writes of 4 KiB, $mid over that up to 128 KiB, $big larger"
vm_run A "pgrep -x fio >/dev/null" || fail "fio ended before the look at the resync during its writes ended"
[ "$small" -gt 100 ] || fail "only $small application writes on B in 8 s"
# 1 MiB/s: 8 MiB in 8 s, 64 packets of 128 KiB (at least 16 of them: the
# resync ran during the look). A guest that stalls for a second between
# two writes may let a chunk or two go whole.
[ "$mid" -ge 16 ] && [ "$big" -le 2 ] && [ $((10 * big)) -le "$mid" ] ||
	fail "resync writes on B while the application writes: $big over 128 KiB, $mid up to 128 KiB; they must be split"
vm_run -t 120 A "$MX_FIO_STOP" || fail "fio did not stop (above)"
mx_fio_wait A "$job"

vm_run A "dmsetup message mx 0 resync_rate 0"
mx_wait_insync A 300

step "checksums: both nodes identical"
mx_assert_same A B
pass
