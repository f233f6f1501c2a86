#!/usr/bin/env bash
# 068-resync-yield: a full resync yields to application I/O (on by default: resync_min_rate 4096): while the application writes, it runs at the resync_min_rate module parameter; once the writes stop, at full speed again; both nodes end identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# rate_over NAME SECS [AFTER [BEFORE]]: regions per second copied over
# SECS seconds, measured in the guest (no host-side delays in the
# interval); AFTER, run in the guest right after the second look, must
# succeed; BEFORE runs before the first.
rate_over() {
	local out d0 d1
	out=$(vm_run -t $(($2 + 120)) "$1" "${4:-true}; d0=\$(dmsetup status mx | awk '{ print \$14 }'); sleep $2; d1=\$(dmsetup status mx | awk '{ print \$14 }'); ${3:-true} && echo \${d0%/*} \${d1%/*}") ||
		return 1
	read -r d0 d1 <<<"$out"
	echo $(((d1 - d0) / $2))
}

_fio_writing() { [ "$(mx_sectors_written A)" -gt 0 ]; }

mx_boot A B
# Data on all of A's disk: zero ranges go as write-zeroes, far faster.
vm_run -t 300 A "fio --name=fill --filename=$MX_DATA --rw=write --bs=1M --ioengine=libaio --iodepth=4 --direct=1 --size=256M --output=/dev/null" ||
	fail "filling A's data disk failed"
assert_eq 4096 "$(vm_run A "cat /sys/module/dm_mirrorx/parameters/resync_min_rate")" "resync_min_rate by default"
# 512 KiB/s: 8 regions of 64 KiB per second while the application
# writes; lower than the default so that full speed (on a loaded host
# too) is far above it. The bounds are not timing: the pacing makes the
# yielding resync at most that fast on any host.
vm_run A "echo 512 > /sys/module/dm_mirrorx/parameters/resync_min_rate"
assert_eq 512 "$(vm_run A "cat /sys/module/dm_mirrorx/parameters/resync_min_rate")" "resync_min_rate"
mx_create_target B A
mx_create_source A B
# Full speed capped, so that the 4096 regions are not done before the
# look after the application stopped: 1 MiB/s (16 regions/s) until then
# (a loaded host may take a minute to start fio: 4 MiB/s copied the whole
# 256 MiB before that look in a CI dry run), 4 MiB/s for the look.
vm_run A "dmsetup message mx 0 resync_rate 1024"
mx_wait_state A Resyncing 120

step "the application writes (4 KiB QD1 in the first MiB): the resync yields"
# fio runs until the test stops it (a loaded host takes tens of seconds
# between fio's start and the end of the look below: a fixed runtime ran
# out before it in CI); stopped by a signal, fio exits 128, its report
# says whether a write failed.
job=$(vm_run_bg -t 400 A "fio --name=app --filename=/dev/mapper/mx --rw=randwrite --bs=4k --ioengine=psync --direct=1 --size=1M --time_based --runtime=300 --output-format=json --output=/tmp/app.json; grep -q '\"error\" : 0,' /tmp/app.json")
# fio writing (TCG guests take seconds to start it), then a period or
# two for the resync to notice and its window of reads ahead to drain.
wait_for 60 _fio_writing
sleep 2
busy=$(rate_over A 8 "pgrep -x fio >/dev/null") ||
	fail "fio ended before the look at the resync during its writes ended"
echo "resync during application writes: $busy regions/s"
# 8/s at the minimum rate (the pacing's 100 ms of credit and the acks
# coming in bursts give some slack); 64/s without the yield.
[ "$busy" -le 20 ] || fail "resync ran at $busy regions/s during application I/O, over the 8/s minimum rate"
[ "$busy" -gt 0 ] || fail "the resync stopped during application I/O: it must go on at resync_min_rate"

step "the writes stopped: the resync runs at full speed again"
# Looked at in the guest as soon as fio ended, 2 s later: the yield holds
# a second after the last write. The resync must still be running then.
idle=$(rate_over A 4 "dmsetup status mx | grep -q Resyncing" "$MX_FIO_STOP || exit 1; dmsetup message mx 0 resync_rate 4096; sleep 2") ||
	fail "the look at the resync after the application stopped failed: fio did not stop (above), or the resync had ended"
mx_fio_wait A "$job"
echo "resync without application I/O: $idle regions/s"
[ "$idle" -gt $((2 * busy)) ] && [ "$idle" -gt 30 ] ||
	fail "resync did not speed up after the application stopped: $idle regions/s (during: $busy)"
mx_wait_insync A 300

step "checksums: both nodes identical"
mx_assert_same A B
pass
