#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of guest.sh on the host: its per-thread CPU list (cpu), and
# its timed wait (mx_create_wait) against a fake dmsetup and dmesg (first
# in PATH; the mark goes to a file, MX_BENCH_KMSG) whose device goes
# InSync when the test says: without the module's "resync finished" line
# after this call's mark, the time it reports must never be earlier than
# the state change (the end of the look that found it); with it, it is
# the line's time from the mark.
#
# Fake device state, in $FAKE: "insync" (present: Connected InSync),
# "events" (the event count), "slow_look" (seconds a status or info call
# takes), "wait_plan" (what `dmsetup wait` does: "bump N": after 1 s, go
# InSync, make later looks take 1 s and add N events; "none": time out).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
FAKE=$T/state
mkdir -p "$FAKE" "$T/bin"
export FAKE

cat >"$T/bin/dmsetup" <<'EOF'
#!/usr/bin/env bash
look() { [ -f "$FAKE/slow_look" ] && sleep "$(cat "$FAKE/slow_look")"; }
case "$1" in
create | mknodes | message) ;;
status)
	look
	if [ -f "$FAKE/insync" ]; then
		echo "0 2048 mirrorx source UpToDate 128 0/16 1 1 Connected InSync sync 0 16/16 0 0 0"
	else
		echo "0 2048 mirrorx source UpToDate 128 16/16 1 1 Connected Resyncing sync 16 3/16 0 0 0"
	fi
	;;
info)
	look
	printf '%6s\n' "$(cat "$FAKE/events")"
	;;
wait)
	read -r how n <"$FAKE/wait_plan"
	case "$how" in
	bump)
		sleep 1
		touch "$FAKE/insync"
		echo 1 >"$FAKE/slow_look"
		echo $(($(cat "$FAKE/events") + n)) >"$FAKE/events"
		;;
	*) sleep 20 ;;
	esac
	;;
*) echo "fake dmsetup: $*" >&2; exit 1 ;;
esac
EOF
chmod +x "$T/bin/dmsetup"

# The kernel log: an earlier call's mark and its "resync finished" line,
# then what this call wrote to MX_BENCH_KMSG (the level prefix dropped)
# at 100 s, then, with "finished" (seconds after the mark), the module's
# line.
export MX_BENCH_KMSG=$T/kmsg
cat >"$T/bin/dmesg" <<'EOF'
#!/usr/bin/env bash
echo "[   50.000000] mx-bench: sync of mx starts at 1"
echo "[   50.500000] device-mapper: mirrorx: 253:0: peer 1: resync finished: 1 regions"
[ -f "$MX_BENCH_KMSG" ] && sed 's/^<[0-9]>//; s/^/[  100.000000] /' "$MX_BENCH_KMSG"
echo "[  100.100000] device-mapper: mirrorx: 253:0: peer 1 (10.0.0.2:7789): connected"
if [ -f "$FAKE/finished" ]; then
	awk -v d="$(cat "$FAKE/finished")" 'BEGIN { printf "[%12.6f] device-mapper: mirrorx: 253:0: peer 1: resync finished: 16 regions\n", 100 + d }'
fi
EOF
chmod +x "$T/bin/dmesg"

fails=0
# run DESC MIN MAX: mx_create_wait's secs must lie in [MIN, MAX).
run() {
	local out secs
	out=$(PATH=$T/bin:$PATH bash "$HERE/guest.sh" mx_create_wait mx 'table' 60 2>&1)
	secs=$(sed -n 's/^secs=\([0-9.]*\) .*/\1/p' <<<"$out")
	if [ -n "$secs" ] && awk -v s="$secs" -v a="$2" -v b="$3" 'BEGIN { exit !(s >= a && s < b) }'; then
		echo "ok: $1: secs=$secs"
	else
		echo "FAIL: $1: secs=${secs:-none}, expected [$2, $3): $out"
		fails=$((fails + 1))
	fi
}

reset() {
	rm -f "$FAKE"/* "$MX_BENCH_KMSG"
	echo 3 >"$FAKE/events"
	echo "$1" >"$FAKE/wait_plan"
}

# In sync while the first look runs (a slow events read: the state changed
# after the wait began): the end of that look, not the wait's start.
reset "none 0"
echo 1 >"$FAKE/slow_look"
touch "$FAKE/insync"
run "in sync at the first look" 1.9 8

# Woken at 1 s by the state change's event: the look after it (1 s) ends
# the wait; the event may be counted after the state can be seen, so the
# wake-up's time is not taken (2 s, not 1 s).
reset "bump 1"
run "woken by the state change" 1.9 8

# By the kernel log: the module's line 0.8 s after the mark, the wait
# seeing InSync after 2 s: 0.8 s exactly, and the wait's own time kept.
reset "bump 1"
echo 0.8 >"$FAKE/finished"
run "by the kernel log" 0.8 0.8005
reset "bump 1"
echo 0.8 >"$FAKE/finished"
wsecs=$(PATH=$T/bin:$PATH bash "$HERE/guest.sh" mx_create_wait mx 'table' 60 2>&1 |
	sed -n 's/^secs=[0-9.]* wsecs=\([0-9.]*\) .*/\1/p')
if awk -v s="${wsecs:-0}" 'BEGIN { exit !(s >= 1.9 && s < 8) }'; then
	echo "ok: the wait's own time is kept: wsecs=$wsecs"
else
	echo "FAIL: wsecs=${wsecs:-none}, expected [1.9, 8)"
	fails=$((fails + 1))
fi

# cpu: /proc/stat's cpu line first, then "TID TICKS COMM IOTICKS" of
# every thread that ran, the comm whole even with a space and a ')' in it
# (the fields after it are counted from its last ')'), IOTICKS a number
# (0 where the host's task_delayacct is off).
(
	printf 'mx t) x' >/proc/self/comm
	end=$((SECONDS + 20))
	while [ "$SECONDS" -lt "$end" ] && [ ! -f "$T/stop" ]; do :; done
) &
spin=$!
sleep 2
for when in begin end; do
	out=$(bash "$HERE/guest.sh" cpu "$when")
	ticks=$(awk -v t="$spin" '$1 == t && $3 == "mx_t)_x" { print $2 }' <<<"$out")
	# (ticks: at least one, so a loaded host cannot fail it.)
	if [[ "$out" =~ ^cpu\  ]] && [ "${ticks:-0}" -ge 1 ] && [ "${ticks:-0}" -le 2000 ] &&
		[ "$(grep -c '^cpu ' <<<"$out")" = 1 ] &&
		! grep -Evq '^(cpu .*|[0-9]+ [0-9]+ [^ ]* [0-9]+)$' <<<"$out"; then
		echo "ok: cpu $when: the spinning thread has $ticks ticks"
	else
		echo "FAIL: cpu $when: ticks=${ticks:-none} for thread $spin: $(head -n 3 <<<"$out")"
		fails=$((fails + 1))
	fi
done
touch "$T/stop"
wait "$spin"

[ "$fails" -eq 0 ] || { echo "test_guest: $fails failed"; exit 1; }
echo "test_guest: all passed"
