#!/usr/bin/env bash
# 044-slow-target-disk: 9 s flushes on the target's disk do not drop the link (target keepalive); a hung one still ends it by request timeout; a target whose disk holds its writes takes at most 32 MiB of them off the link, and its removal logs the wait for them and for a flush; data identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# logged NAME TEXT: how many lines of NAME's kernel log hold TEXT.
logged() { vm_run "$1" "dmesg | grep -c '$2' || true"; }

step "B: a target on dm-delay over its data disk (no delay yet)"
mx_start_slow_target A B
before=$(mx_connects A)
echo "source connects before: $before"

step "flushes on B's data disk now take 9 s"
mx_slow_disk B 0 9000

step "4 x (4 MiB O_DIRECT write + fsync) on A: each fsync a 9 s flush on B"
t0=$(date +%s)
for i in 1 2 3 4; do
	write_pattern A /dev/mapper/mx "044-$i" 4M "$((i * 8))M"
done
took=$(($(date +%s) - t0))
echo "writes took ${took}s"
after=$(mx_connects A)
echo "source connects after: $after"
vm_run A "dmesg | grep -E 'ping timeout|request timeout|disconnect' | tail -n 5" || true
if vm_run A "dmesg" | grep -q "ping timeout"; then
	fail "A logged a ping timeout: a slow flush on B dropped the link"
fi
assert_eq "$before" "$after" "source connects during the slow flushes"
assert_eq Connected/InSync "$(mx_conn A)/$(mx_repl A)" "A's peer after the slow flushes"
[ "$took" -ge 30 ] || fail "the writes took ${took}s: B's flushes were not slow"

step "a flush that hangs 60 s still ends the link by the source's 30 s request timeout"
mx_slow_disk B 0 60000
f=$(pattern_file 044-stuck 4M)
job=$(vm_run_bg -t 200 A "dd if='$f' of=/dev/mapper/mx bs=1M oflag=direct seek=48 conv=fsync,notrunc status=none")
t0=$(date +%s)
_request_timeout() { vm_run A "dmesg" | grep -q "request timeout"; }
wait_for 60 _request_timeout
echo "request timeout after $(($(date +%s) - t0))s"
if vm_run A "dmesg" | grep -q "ping timeout"; then
	fail "A logged a ping timeout, not a request timeout, for a hung flush"
fi

step "B's disk fast again: reconnect, data identical on both, nothing leaked"
mx_slow_disk B 0 0
vm_wait A "$job" || fail "the write during the hung flush failed on A"
mx_wait_insync A 120
check_pattern B $MX_DATA 044-stuck 4M 48M
for i in 1 2 3 4; do
	check_pattern B $MX_DATA "044-$i" 4M "$((i * 8))M"
done
# B's disk completes nothing for a few seconds while A writes 96 MiB at
# QD 96 (packets of 512 KiB to 1 MiB): B must stop taking writes off the
# link at 32 MiB of their pages (MX_RECV_MAX_PAGES), not hold all of them
# (the count of 256 packets alone let it take 96 MiB here), and A's
# writes all complete once the disk does.
step "B's disk holds its writes: B takes at most 32 MiB of them off the link"
connected=$(mx_connects A)
vm_run B "dmsetup suspend --noflush slow"
job=$(vm_run_bg -t 300 A "fio --name=burst --filename=/dev/mapper/mx --rw=write --bs=1M --offset=128M --size=96M --iodepth=96 --ioengine=libaio --direct=1 --output=/dev/null")
# The peak once it stopped growing for 3 s (B stopped reading: A's sends
# wait, at most 10 s before A drops the link), then the disk resumes.
peak=$(vm_run -t 120 B "$MX_REPO/tests/tools/objpeak.sh pages 3 20; r=\$?; dmsetup resume slow; exit \$r") ||
	fail "B's module held no data pages while its disk was suspended: $peak"
echo "B's peak of data pages held: $peak (bound $(((32 << 20) / 4096)))"
vm_wait A "$job" || fail "A's writes did not complete after B's disk resumed"
[ "$peak" -le $(((32 << 20) / 4096)) ] ||
	fail "B held $peak pages of received writes, above its 32 MiB bound"
[ "$peak" -ge $(((16 << 20) / 4096)) ] ||
	fail "B held only $peak pages: the burst did not reach the bound, the step proves nothing"
mx_wait_insync A 120
assert_eq "$connected" "$(mx_connects A)" "source connects during the held burst"

mx_assert_same A B
mx_assert_no_leaks A B

# The teardown of B's connection must wait for the bios it submitted (they
# use its pages): with B's disk holding them, that wait lasts as long as
# the disk does, and it must say so in B's log, not hang silently.
# removing: B's "dmsetup remove mx" has not ended.
removing() { vm_run B "pgrep -f 'dmsetup remove mx' >/dev/null"; }
step "B's table removed while its disk holds writes: B logs what the removal waits for, and ends when the disk does"
vm_run B "dmsetup suspend --noflush slow"
n0=$(logged B "teardown still waits for [0-9]* request")
job=$(vm_run_bg -t 200 A "dd if=/dev/urandom of=/dev/mapper/mx bs=1M count=4 seek=240 oflag=direct status=none")
_b_holds() { [ "$(mx_live_objects B | awk '$1 == "bios" { print $2 }')" -gt 0 ]; }
wait_for 60 _b_holds
rm_job=$(vm_run_bg -t 200 B "dmsetup remove mx")
_says_requests() { [ "$(logged B "teardown still waits for [0-9]* request")" -gt "$n0" ]; }
wait_for 60 _says_requests
vm_run B "dmesg | grep 'teardown still waits for' | tail -n 1"
removing || fail "B's table removal ended while its disk still holds its writes"
vm_run B "dmsetup resume slow"
vm_wait B "$rm_job" || fail "B's table removal failed once its disk completed the writes"
vm_wait A "$job" || fail "A's write failed when its target went away"
mx_assert_no_leaks A B

# A flush of B's disk is a request of B's receive thread itself: the
# teardown first waits for that thread, and must say so too.
step "B's table removed while its receive thread waits in a flush of its disk: B logs that wait, and the removal ends when the disk answers"
mx_create B "0 $(mx_sectors B) mirrorx-recv /dev/mapper/slow $MX_META $(vm_addr B A):$MX_PORT"
mx_wait_insync A 120
f0=$(mx_disk_flushes B)
write_pattern A /dev/mapper/mx 044-flush 1M 200M
# The sweep's flush of B for these writes (protocol 6: applied beside the
# receive thread, not by it) must be over before B's disk is held, or
# the barrier flush below waits for it instead of flushing: its fsync is
# one flush of B's disk, the sweep's comes a second or two later, and
# then none while A is idle.
_swept() {
	local n
	n=$(mx_disk_flushes B)
	[ "$n" -ge $((f0 + 2)) ] && sleep 3 && [ "$(mx_disk_flushes B)" = "$n" ]
}
wait_for -m "the sweep did not flush B after the writes" 60 _swept
vm_run B "dmsetup suspend --noflush slow"
n0=$(logged B "teardown still waits for its receive thread")
job=$(vm_run_bg -t 200 A "sync /dev/mapper/mx")
# (mx_bdev_flush(), io_wait.c, since 16beb90; blkdev_issue_flush() before)
_b_flushing() { vm_run B "for p in \$(pgrep -x mirrorx-rx); do grep -Eq 'mx_bdev_flush|blkdev_issue_flush' /proc/\$p/stack && exit 0; done; exit 1"; }
wait_for 60 _b_flushing
rm_job=$(vm_run_bg -t 200 B "dmsetup remove mx")
_says_thread() { [ "$(logged B "teardown still waits for its receive thread")" -gt "$n0" ]; }
wait_for 60 _says_thread
vm_run B "dmesg | grep 'teardown still waits for' | tail -n 1"
removing || fail "B's table removal ended while its receive thread waits for its disk"
vm_run B "dmsetup resume slow"
vm_wait B "$rm_job" || fail "B's table removal failed once its disk completed the flush"
vm_wait A "$job" || fail "A's flush failed when its target went away"
mx_assert_no_leaks A B
pass
