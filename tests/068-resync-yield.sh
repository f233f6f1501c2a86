#!/usr/bin/env bash
# 068-resync-yield: a full resync yields to application I/O: while the application writes, it runs at the resync_min_rate module parameter; once the writes stop, at full speed again; both nodes end identical
# timeout: 900
# serial: timing-sensitive (latency or rate measured)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# done_regions NAME: regions copied so far ("done" of done/total).
done_regions() { mx_field "$1" 14 | cut -d/ -f1; }

# rate_over NAME SECS: regions per second copied over the next SECS seconds.
rate_over() {
	local d0 d1 t0 t1
	d0=$(done_regions "$1")
	t0=$(date +%s)
	sleep "$2"
	d1=$(done_regions "$1")
	t1=$(date +%s)
	echo $(((d1 - d0) / (t1 - t0)))
}

mx_boot A B
# 1024 KiB/s: 16 regions of 64 KiB per second while the application writes.
vm_run A "echo 1024 > /sys/module/dm_mirrorx/parameters/resync_min_rate"
assert_eq 1024 "$(vm_run A "cat /sys/module/dm_mirrorx/parameters/resync_min_rate")" "resync_min_rate"
mx_create_target B A
mx_create_source A B
mx_wait_state A Resyncing 120

step "the application writes (4 KiB QD1 in the first MiB): the resync yields"
job=$(vm_run_bg -t 300 A "fio --name=app --filename=/dev/mapper/mx --rw=randwrite --bs=4k --ioengine=psync --direct=1 --size=1M --time_based --runtime=16 --output=/dev/null")
sleep 4
busy=$(rate_over A 8)
echo "resync during application writes: $busy regions/s"
# 16/s at the minimum rate; the window read before the first period
# (4 MiB: 64 regions) and the 100 ms periods give some slack.
[ "$busy" -le 40 ] || fail "resync ran at $busy regions/s during application I/O, over the 16/s minimum rate"
vm_wait A "$job" >/dev/null || fail "the application's fio failed"

step "the writes stopped: the resync runs at full speed again"
sleep 1
total=$(mx_field A 14 | cut -d/ -f2)
if [ "$(done_regions A)" -lt "$total" ]; then
	idle=$(rate_over A 5)
	echo "resync without application I/O: $idle regions/s"
	[ "$idle" -gt $((2 * busy)) ] && [ "$idle" -gt 40 ] ||
		fail "resync did not speed up after the application stopped: $idle regions/s (during: $busy)"
fi
mx_wait_insync A 300

step "checksums: both nodes identical"
mx_assert_same A B
pass
