#!/usr/bin/env bash
# 056-hot-region: a verify and a full resync finish while one region is written without pause (16 writers, each on its own 4 KiB of that region, behind a jittery 100 ms round trip): the copy gets its turn instead of starving until the load stops; both nodes end identical
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# 64 MiB (1024 regions): verify and resync behind a 100 ms round trip
# stay short; the hot region is what they must get past.
MX_DATA_SIZE=64M mx_start_pair A B
HOT=$((10 << 20)) # 64 KiB region 160
hot_running() { [ ! -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ]; }
_verified() { vm_run A "dmesg | grep -c 'verify finished'" | grep -qx "$1"; }

# 16 writers at queue depth 1, each on its own 4 KiB block of the region:
# they never overlap, so none waits for another; behind a 100 +- 40 ms
# round trip their sync writes complete at scattered times, so the region
# always has writes in flight. A copy that only waits for a quiet moment
# never gets one (it used to wait until the load stopped).
link_netem A B delay 50ms 20ms
job=$(vm_run_bg -t 700 A "fio --name=hot --clocksource=clock_gettime --filename=/dev/mapper/mx --rw=write --bs=4k --ioengine=psync --direct=1 --numjobs=16 --size=4k --offset=$HOT --offset_increment=4k --time_based --runtime=600 --output=/dev/null")
sleep 5
hot_running || fail "the hot load did not start: $(vm_wait A "$job")"

step "verify of all regions finishes while region 160 stays hot"
t0=$(date +%s)
vm_run A "dmsetup message mx 0 verify 1"
wait_for -m "verify did not finish in 180 s with one hot region (starved)" 180 _verified 1
echo "verify took $(($(date +%s) - t0)) s"
hot_running || fail "the load ended before the verify did: this proved nothing"
vm_run A "dmesg | grep 'verify finished'" | tail -n1 | grep -q ": 0 of 1024 regions differ" ||
	fail "verify of identical nodes reported differences: $(vm_run A "dmesg | grep 'verify finished'")"

step "a full resync (the hot region included) finishes under the same load"
t0=$(date +%s)
vm_run A "dmsetup message mx 0 resync 1 full"
mx_wait_insync -m "no InSync within 180 s of 'resync 1 full' with one hot region (starved)" A 180
echo "resync took $(($(date +%s) - t0)) s"
hot_running || fail "the load ended before the resync did: this proved nothing"
mx_status A
assert_eq 1024 "$(mx_resync_count A)" "regions copied by the full resync"

step "stop the load; both nodes identical"
vm_kill_job A "$job"
vm_wait A "$job" >/dev/null || true
link_restore A B
mx_wait_insync A 60
mx_assert_same A B
pass
