#!/usr/bin/env bash
# 014-source-crash: the source is killed hard during writes, then in the middle of a resync under load; after each reboot the intent log drives a partial resync that continues with what is left
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B

step "fio on 16 MiB of A's mirror, then power loss of A"
# --norandommap: with its random map, once most blocks of a pass are used
# fio takes the next free one, a sequential run that marks 2 extents ahead
# past the range (384 regions instead of 256, once on 6.12 in make check).
mx_fio_bg A /dev/mapper/mx 16M 32M 60 --norandommap >/dev/null
sleep 10
mx_status A
vm_kill A
step "reboot A, reload the same table"
vm_start A
load_module A
mx_create_source A B
mx_wait_insync A 180
mx_status A
# The intent log marked the regions fio wrote (16 MiB at 32 MiB), nothing
# else: the crash resync copies those, not the device.
mx_assert_partial_resync A 16M
mx_assert_same A B

step "64 MiB written with B away, resync at 1 MiB/s under a light load, then power loss of A"
vm_run A "dmsetup message mx 0 disconnect 1"
write_pattern A /dev/mapper/mx 014-bulk 64M 64M
# 1 MiB/s: 64 s for the 1024 regions, so even a loaded host (slow guest
# round trips) reads the progress and kills A midway.
vm_run A "dmsetup message mx 0 resync_rate 1024"
mx_fio_bg A /dev/mapper/mx 4M 200M 120 >/dev/null
vm_run A "dmsetup message mx 0 connect 1"
mx_wait_state A Resyncing 60
sleep 8
st=$(mx_status A)
echo "$st"
read -r done1 first marked < <(awk '{ split($14, d, "/"); split($7, m, "/"); print d[1], d[2], m[1] }' <<<"$st")
vm_kill A
echo "copied $done1 of $first regions, $marked marked on disk, then A died"
[ "$done1" -ge 64 ] && [ "$done1" -lt "$first" ] ||
	fail "resync not in progress, or barely started ($done1/$first)"
vm_start A
load_module A
mx_create_source A B
mx_wait_insync A 300
second=$(mx_resync_count A)
line=$(vm_run A "dmesg | grep 'resync finished:' | tail -n1")
sent=$(sed -n 's/.* \([0-9]*\) bytes sent.*/\1/p' <<<"$line")
echo "after A's reboot the resync covered $second regions, sent $sent bytes (first run: $first, $done1 done before the crash)"
# What the first run copied was cleared (after a flush of both nodes)
# and committed while it ran, although the mirror was being written: the
# crash resync covers what the status called marked (the regions left,
# the hot set: fio's 4 MiB, the extents the 64 MiB stream marked ahead),
# plus what 3 s of resync (a commit's lag) had copied. A resync that
# restarted from zero covers the whole first set again plus the hot set.
[ "$second" -le $((marked + 48)) ] ||
	fail "the resync after the crash covered $second regions, $marked were marked before it: it restarted from zero"
# Of those, the regions copied before the crash compare equal: what
# crosses the link is what was left (64 KiB regions), not the start over.
[ -n "$sent" ] && [ "$sent" -le $(((first - done1 + 32) * 65536)) ] ||
	fail "the resync after the crash sent ${sent:-?} bytes for the $((first - done1)) regions left: it resent what was copied"
check_pattern B $MX_DATA 014-bulk 64M 64M
mx_assert_same A B
pass
