#!/usr/bin/env bash
# 021-async-fio-verify: async mirror under fio with verify; once the queue drains both nodes are identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
export MX_MODE=async

mx_start_pair A B
assert_eq async "$(mx_field A 12)" "mode field"

step "the async peer's threads do not preempt the writer (SCHED_BATCH)"
for t in 'mirrorx[0-9]+' 'mirrorx[0-9]+-send'; do
	assert_match SCHED_BATCH "$(vm_run A "chrt -p \"\$(pgrep -o -x '$t')\"")" "policy of $t"
done

# The target submits each write under a plug of its own: without one,
# blk-mq hands a request for a disk with an I/O scheduler to kblockd (a
# work item queued from blk_mq_submit_bio itself) instead of dispatching
# it. Count the receive thread's queue runs queued from there. (Only a
# kernel whose __submit_bio() does not plug, such as 6.1, can fail this:
# 6.12 plugs every bio itself.) Events from interrupts that happened to
# land on the receive thread (hard or soft irq, NMI: common_flags 0x58)
# are left out: each has a stack of its own and they would fill the map.
HIST=/sys/kernel/tracing/events/workqueue/workqueue_queue_work
TRIG='hist:keys=function.sym,stacktrace:size=2048 if comm == "mirrorx-rx" && !(common_flags & 0x58)'
vm_run B "echo mq-deadline > /sys/block/${MX_DATA#/dev/}/queue/scheduler; mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; echo '$TRIG' > $HIST/trigger"

step "fio randwrite QD16 with verify, then sequential 1 MiB with verify"
vm_run -t 600 A "fio --name=verify --filename=/dev/mapper/mx --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16 --direct=1 --size=96M --offset=32M --verify=crc32c --do_verify=1 --verify_fatal=1 --randrepeat=0 --output=/dev/null"
vm_run -t 600 A "fio --name=seq --filename=/dev/mapper/mx --rw=write --bs=1M --ioengine=libaio --iodepth=4 --direct=1 --size=64M --offset=160M --fsync=8 --verify=crc32c --do_verify=1 --verify_fatal=1 --output=/dev/null"
step "the target dispatched its writes itself, not through kblockd"
hist=$(vm_run B "cat $HIST/hist; echo '!$TRIG' > $HIST/trigger")
grep -E '^ *(Hits|Entries|Dropped):' <<<"$hist" || true
assert_match 'Dropped: 0$' "$hist" "the trace kept every stack"
unplugged=$(awk '/^[{] function/ { s = 0; f = /blk_mq_run_work_fn/ } /blk_mq_submit_bio/ { s = 1 } /^[}] hitcount:/ { if (f && s) n += $NF } END { print n + 0 }' <<<"$hist")
echo "kblockd dispatches of the target's writes: $unplugged (of about 24600 writes)"
[ "$unplugged" -lt 100 ] || fail "$unplugged of the target's writes went through kblockd"

step "the queue drains"
_q_empty() { [ "$(mx_field A 15)" = 0 ] && [ "$(mx_field A 16)" = 0 ] && [ "$(mx_field A 17)" = 0 ]; }
wait_for 120 _q_empty
mx_wait_insync A 60
mx_status A
mx_assert_same A B
pass
