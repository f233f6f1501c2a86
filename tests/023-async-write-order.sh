#!/usr/bin/env bash
# 023-async-write-order: the source dies at random moments while writing dependent records; the target always holds a gap-free prefix
# timeout: 1800
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
requires_cmd cc
export MX_MODE=async
KILLS=${MX_KILLS:-10}
REC=$MX_WORKDIR/mxrecords
cc -O2 -Wall -o "$REC" "$(dirname "$0")/tools/mxrecords.c"

mx_start_pair A B
_b_listening() { [ "$(mx_field B 10)" = Listening ]; }

for round in $(seq 1 "$KILLS"); do
	step "round $round/$KILLS: dependent records on A, A killed at a random moment"
	vm_run_bg -t 300 A "$REC write /dev/mapper/mx $((16 << 20)) 20000 $round" >/dev/null
	sleep $((2 + RANDOM % 6)).$((RANDOM % 10))
	vm_kill A
	# B applies all it received, then notices the source is gone.
	wait_for 60 _b_listening
	out=$(vm_run B "$REC check $MX_DATA $((16 << 20)) 20000 $round") ||
		fail "round $round: target is not a prefix: $out"
	echo "round $round: target holds $out"
	[ "${out#prefix }" -gt 0 ] || fail "round $round: nothing replicated before the kill"
	vm_start A
	load_module A
	mx_create_source A B
	mx_wait_insync A 180
	mx_assert_same A B
done
mx_assert_no_leaks A B
pass
