#!/usr/bin/env bash
# 015-target-crash: the target is killed hard during writes and during a resync; the resync resumes, not from zero
# timeout: 1200
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B

step "power loss of B during writes on A"
job=$(mx_fio_bg A /dev/mapper/mx 16M 32M 30)
sleep 8
vm_kill B
mx_wait_conn A Connecting 30
vm_wait A "$job"
vm_start B
load_module B
mx_create_target B A
mx_wait_insync A 180
# fio wrote 16 MiB at 32 MiB while B was away (or in flight at its death).
mx_assert_partial_resync A 16M
mx_assert_same A B

step "make 160 MiB out of sync with B away, then resync slowly"
# 2 MiB/s: 80 s for all of it, so that B dies in its middle even when
# a loaded host makes the 12 s below take 30 s or more.
vm_run A "dmsetup message mx 0 resync_rate 2048"
vm_run A "dmsetup message mx 0 disconnect 1"
mx_wait_conn A StandAlone 30
write_pattern A /dev/mapper/mx 015-bulk 160M 64M
vm_run A "dmsetup message mx 0 connect 1"
mx_wait_state A Resyncing 60
first=$(mx_resync_count A)
echo "resync started: $first regions"
sleep 12
mx_status A
done1=$(mx_field A 14 | cut -d/ -f1)
echo "copied $done1 of $first before B dies"
[ "$done1" -gt 0 ] && [ "$done1" -lt "$first" ] || fail "resync not in progress ($done1/$first)"
vm_kill B
mx_wait_conn A Connecting 30
vm_start B
load_module B
mx_create_target B A
mx_wait_state A Resyncing 60
second=$(mx_resync_count A)
echo "after B's reboot the resync covers $second regions (first run: $first)"
[ "$second" -lt "$first" ] || fail "resync restarted from zero ($second >= $first)"
vm_run A "dmsetup message mx 0 resync_rate 0"
mx_wait_insync A 300
mx_assert_same A B
check_pattern B $MX_DATA 015-bulk 160M 64M
pass
