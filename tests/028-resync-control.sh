#!/usr/bin/env bash
# 028-resync-control: resync pause/resume/rate and "resync full" work as documented, and state changes wake "dmsetup wait"
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
# serial: timing-sensitive (latency or rate measured)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A B
mx_create_target B A
mx_create_source A B 128 resync_rate 8192
mx_wait_state A Resyncing 120
step "initial full sync at 8 MiB/s: pause it"
vm_run A "dmsetup message mx 0 pause 1"
assert_eq Paused "$(mx_repl A)" "state after pause"
sleep 2
d1=$(mx_field A 14 | cut -d/ -f1)
sleep 5
d2=$(mx_field A 14 | cut -d/ -f1)
echo "regions copied while paused: $d1 -> $d2"
assert_eq "$d1" "$d2" "progress while paused"
[ "$d1" -lt 4096 ] || fail "resync finished before it could be paused"

step "resume: the rate limit holds (8 MiB/s = 128 regions/s)"
vm_run A "dmsetup message mx 0 resume 1"
t0=$(date +%s)
sleep 6
d3=$(mx_field A 14 | cut -d/ -f1)
t1=$(date +%s)
rate=$(((d3 - d2) / (t1 - t0)))
echo "copied $((d3 - d2)) regions in $((t1 - t0)) s: $rate regions/s"
[ "$rate" -le 200 ] || fail "resync ran at $rate regions/s, over the 128/s limit"
[ "$rate" -gt 0 ] || fail "resync did not resume"
vm_run A "dmsetup message mx 0 resync_rate 0"
mx_wait_insync A 300

step "a state change wakes dmsetup wait"
ev=$(vm_run A "dmsetup info -c -o events --noheadings mx" | tr -d ' ')
job=$(vm_run_bg -t 120 A "dmsetup wait mx $ev && echo woke")
sleep 2
vm_run A "dmsetup message mx 0 disconnect 1"
out=$(vm_wait A "$job")
assert_eq woke "$out" "dmsetup wait after a disconnect"
vm_run A "dmsetup message mx 0 connect 1"
mx_wait_insync A 60

step "resync full copies every region again"
vm_run A "dmsetup message mx 0 resync 1 full"
mx_wait_insync A 300
assert_eq 4096 "$(mx_resync_count A)" "regions copied by resync full"
mx_assert_same A B

step "the full resync is not repeated at the next reconnect"
vm_run A "dmsetup message mx 0 disconnect 1"
mx_wait_conn A StandAlone 30
write_pattern A /dev/mapper/mx 028-after-full 1M 32M
vm_run A "dmsetup message mx 0 connect 1"
mx_wait_insync A 120
n=$(mx_resync_count A)
echo "resynced after reconnect: $n regions"
[ "$n" -ge 16 ] && [ "$n" -le 64 ] || fail "reconnect after a full resync copied $n regions, expected the 16 written"
mx_assert_same A B

step "resync all (nothing dirty) is a no-op, a bad peer is refused"
vm_run A "dmsetup message mx 0 resync all"
if vm_run A "dmsetup message mx 0 resync 5" 2>/dev/null; then fail "resync of an unknown peer accepted"; fi
mx_wait_insync A 60
pass
