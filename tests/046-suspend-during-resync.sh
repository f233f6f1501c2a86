#!/usr/bin/env bash
# 046-suspend-during-resync: dmsetup suspend returns promptly during a rate-limited resync or verify, keeps the progress, and resume restarts the resync
# timeout: 900
# serial: timing-sensitive (latency or rate measured)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# A suspend used to wait for the whole resync (or verify) to end: minutes
# at a low resync_rate.
SUSPEND_MAX=10

# timed_suspend NAME: dmsetup suspend mx, failing the test when it has
# not returned after SUSPEND_MAX seconds (it is left running then).
timed_suspend() {
	local out
	out=$(vm_run -t 60 "$1" "t0=\$(date +%s%N); dmsetup suspend mx & pid=\$!
		while kill -0 \$pid 2>/dev/null && [ \$((\$(date +%s%N) - t0)) -lt ${SUSPEND_MAX}000000000 ]; do sleep 0.1; done
		if kill -0 \$pid 2>/dev/null; then echo running; exit 0; fi
		wait \$pid || { echo failed; exit 0; }
		echo \$(((\$(date +%s%N) - t0) / 1000000))")
	case $out in
	running) fail "dmsetup suspend did not return within ${SUSPEND_MAX} s" ;;
	failed) fail "dmsetup suspend failed" ;;
	esac
	echo "dmsetup suspend returned after $out ms"
}

# done_regions NAME: regions copied so far ("done" of done/total).
done_regions() { mx_field "$1" 14 | cut -d/ -f1; }

mx_boot A B
mx_create_target B A
mx_create_source A B 128 resync_rate 2000
total=$(mx_total A)

step "initial full sync at 2000 KiB/s (about 31 regions/s): suspend during it"
mx_wait_state A Resyncing 120
sleep 4
d0=$(done_regions A)
timed_suspend A
mx_status A
d1=$(done_regions A)
oos=$(mx_oos A)
echo "regions copied: $d0 before the suspend, $d1 after; $oos still out of sync"
[ "$d1" -ge "$d0" ] && [ "$d1" -gt 0 ] || fail "progress lost at suspend: $d0 -> $d1"
[ "$oos" -gt 0 ] || fail "the resync ended before the suspend: nothing tested"
assert_eq Resyncing "$(mx_repl A)" "state while suspended"
assert_eq "$oos" "$(mx_dirty A)" "intent log bits at suspend (copied regions cleared)"
sleep 3
assert_eq "$d1" "$(done_regions A)" "regions copied while suspended"

step "resume: the resync goes on by itself from where it stopped"
vm_run A "dmsetup resume mx"
_progressed() { [ "$(done_regions A)" -gt "$d1" ]; }
wait_for 30 _progressed
o2=$(mx_oos A)
echo "out of sync after resume: $o2 (at suspend: $oos)"
[ "$o2" -le "$oos" ] || fail "the resync restarted from zero: $oos -> $o2 regions out of sync"
vm_run A "dmsetup message mx 0 resync_rate 0"
mx_wait_insync A 300
mx_status A
assert_eq "$total/$total" "$(mx_field A 14)" "resync done/total (no restart from zero)"
mx_assert_same A B

step "suspend during a verify: it stops (interrupted), resume leaves the peer InSync"
vm_run A "dmsetup message mx 0 resync_rate 2000"
vm_run A "dmsetup message mx 0 verify 1"
mx_wait_state A Verifying 30
sleep 3
timed_suspend A
mx_status A
assert_eq InSync "$(mx_repl A)" "state after a suspend stopped the verify"
vm_run A "dmesg | grep -q 'verify interrupted'" || fail "no 'verify interrupted' in the kernel log"

step "a resync requested while suspended starts at resume"
vm_run A "dmsetup message mx 0 resync_rate 0"
vm_run A "dmsetup message mx 0 resync 1 full"
sleep 2
assert_eq 0 "$(done_regions A)" "regions copied while suspended"
vm_run A "dmsetup resume mx"
mx_wait_insync A 300
mx_status A
assert_eq "$total/$total" "$(mx_field A 14)" "resync done/total after resume"
mx_assert_same A B
mx_assert_no_leaks A B
pass
