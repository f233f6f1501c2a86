#!/usr/bin/env bash
# 063-hot-set: the intent log's hot set: a sequential stream marks its 4 MiB extents ahead (a metadata write per 8 MiB, not per write), random writes inside hot extents need no metadata write, writes that keep entering cold extents heat the whole bitmap block at once, and a reconnect resyncs only what the peer missed, not the hot set; both nodes end identical
# timeout: 600
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# Writes to the metadata disk (vdb) are the intent log's commits: one
# 4 KiB bitmap block (one peer) each, plus the superblock when it changed.
meta_writes() { dev_writes "$1" "$MX_META"; }

mx_start_pair A B
wait_for -m "A's intent log not clean when idle" 60 mx_is_clean A

# meta_cost WHAT CMD: run CMD on A, print the metadata writes it cost.
meta_cost() {
	local m0 m1
	m0=$(meta_writes A)
	vm_run -t 180 A "$2" >/dev/null || fail "$1: the writes failed"
	m1=$(meta_writes A)
	echo "metadata writes for $1: $((m1 - m0))" >&2
	echo $((m1 - m0))
}

step "a sequential 64 MiB stream (1 MiB writes) marks ahead"
n=$(meta_cost "64 writes of 1 MiB" "dd if=/dev/urandom of=/dev/mapper/mx bs=1M count=64 seek=128 oflag=direct status=none")
# 16 extents; marked two at a time ahead of the stream once it is seen:
# about 9 commits. One per extent (16) means no marking ahead, one per
# write (64) no extents.
[ "$n" -le 12 ] || fail "$n metadata writes for a 64 MiB sequential stream: expected at most 12"

step "1024 random 4 KiB writes inside 16 MiB (4 extents) at queue depth 1"
n=$(meta_cost "1024 random writes over 256 regions" "fio --name=hot --filename=/dev/mapper/mx --rw=randwrite --bs=4k --iodepth=1 --ioengine=psync --direct=1 --offset=64M --size=16M --io_size=4M --randrepeat=0 --norandommap --output=/dev/null")
# 4 extents heated (4 commits), plus a few; per region it would be ~256.
[ "$n" -le 12 ] || fail "$n metadata writes for 1024 random writes in 4 extents: expected at most 12"

step "after a 10 s pause, writes into the same 4 extents cost no commit"
# The hot set cools only after 60 s without writes (it cooled after 3 s
# before: every burst after a pause paid a commit per extent again).
sleep 10
n=$(meta_cost "256 random writes in the 4 extents after a pause" "fio --name=again --filename=/dev/mapper/mx --rw=randwrite --bs=4k --iodepth=1 --ioengine=psync --direct=1 --offset=64M --size=16M --io_size=1M --randrepeat=0 --norandommap --output=/dev/null")
# The sweeps clearing bits write nothing in hot extents: 0, a stray
# commit at most.
[ "$n" -le 1 ] || fail "$n metadata writes for writes into hot extents after a 10 s pause: the pause cooled them"

step "one 4 KiB write into each 4 MiB extent at queue depth 1: the cold ones heat in a few commits"
# 21 of the 64 extents are hot (16-19, 32-48); the writes go through 0-63
# in order, not sequentially (a 4 MiB stride). Each of the first 16 cold
# extents (0-15) costs a commit, and the 16th heats the rest of the
# bitmap block (the whole device) in the same commit: 16 in all, up to
# 24 if a sweep halved the count in the middle, 32 if two did (a slow
# host; 36 leaves room for a superblock write or two). One per cold
# extent (43) means the writes never spread the hot set.
n=$(meta_cost "64 writes, one per extent" "fio --name=spread --filename=/dev/mapper/mx --rw=write:4092k --bs=4k --iodepth=1 --ioengine=psync --direct=1 --size=256M --number_ios=64 --output=/dev/null")
[ "$n" -le 36 ] || fail "$n metadata writes for 64 writes one per extent (43 cold): the hot set did not spread (at most 36 expected)"
[ "$n" -ge 8 ] || fail "only $n metadata writes for 43 cold extents: they were hot already?"
d=$(mx_dirty A)
echo "marked on disk after the spread: $d regions"
[ "$d" -ge 4096 ] || fail "after the spread only $d of the 4096 regions are marked on disk"

step "reconnect after a link cut resyncs what B missed, not the hot set"
# A slow writer on one region keeps the mirror busy (no idle cooling), so
# the hot set (the whole device since the spread) stays, the 16 MiB
# written next with it; their bits are cleared by the next sweep that
# flushes (every MX_SWEEP_SPACED_PERIODS = 5 s while the writer runs),
# within the 12 s wait.
job=$(vm_run_bg -t 300 A "fio --name=slow --filename=/dev/mapper/mx --rw=randwrite --bs=4k --ioengine=psync --direct=1 --offset=32M --size=64k --rate_iops=20 --time_based --runtime=200 --output=/dev/null")
vm_run -t 120 A "dd if=/dev/urandom of=/dev/mapper/mx bs=1M count=16 seek=96 oflag=direct status=none"
sleep 12
d=$(mx_dirty A)
echo "marked on disk while busy (the hot set): $d regions"
[ "$d" -ge 4096 ] || fail "the hot set shrank while the mirror was busy ($d of 4096 regions marked)"
link_cut A B
mx_wait_conn A Connecting 30
vm_run -t 60 A "dd if=/dev/urandom of=/dev/mapper/mx bs=64k count=16 seek=3200 oflag=direct status=none"
link_restore A B
mx_wait_insync A 120
n=$(mx_resync_count A)
echo "resynced $n regions (16 written during the cut, plus the slow writer's one)"
# The 16 regions, the slow writer's region and at most a few in flight at
# the cut; the hot set (4096 regions) must not be in it.
[ "$n" -ge 16 ] && [ "$n" -le 40 ] || fail "reconnect resynced $n regions: expected the 17 B missed (at most 40)"
vm_kill_job A "$job"
vm_wait A "$job" >/dev/null 2>&1 || true

# The hot set cools after 60 s without writes.
wait_for -m "A's intent log not cleared once idle" 120 mx_is_clean A
mx_assert_same A B
mx_assert_no_leaks A B
pass
