#!/usr/bin/env bash
# 023-async-write-order: the source or the target dies at random moments while the source writes dependent records (1 or 4 in flight); the target always holds a prefix without gaps
# timeout: 1800
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
requires_cmd cc
export MX_MODE=async
# 4 rounds: both depths, the source killed three times and the target once
# (round 3); MX_KILLS=N for a longer soak (6 before make check grew past
# its 45 minutes).
KILLS=${MX_KILLS:-4}
REC=$MX_WORKDIR/mxrecords
cc -O2 -Wall -pthread -o "$REC" "$(dirname "$0")/tools/mxrecords.c"

mx_start_pair A B
_b_listening() { [ "$(mx_field B 10)" = Listening ]; }

# Every third round kills the target instead of the source; odd rounds keep
# 4 dependent writes in flight (4 writer threads, each record waiting for
# its thread's previous one to be flushed: each thread's records must be a
# prefix of its own chain), even rounds 1 (MX_DEPTH=N forces N).
for round in $(seq 1 "$KILLS"); do
	depth=${MX_DEPTH:-$((round % 2 ? 4 : 1))}
	victim=A
	[ $((round % 3)) -ne 0 ] || victim=B
	step "round $round/$KILLS: dependent records on A ($depth in flight), $victim killed at a random moment"
	vm_run A "rm -f /tmp/mxrec.started"
	job=$(vm_run_bg -t 300 A "MXRECORDS_STARTED=/tmp/mxrec.started $REC write /dev/mapper/mx $((16 << 20)) 20000 $round $depth")
	# The random moment counts from the first durable record: on a loaded
	# host starting the writer alone can take seconds.
	wait_for 120 vm_run A "test -e /tmp/mxrec.started"
	sleep $((2 + RANDOM % 6)).$((RANDOM % 10))
	vm_kill $victim
	if [ $victim = A ]; then
		# B applies all it received, then notices the source is gone.
		wait_for 60 _b_listening
		out=$(vm_run B "$REC check $MX_DATA $((16 << 20)) 20000 $round $depth") ||
			fail "round $round: target is not a prefix: $out"
		echo "round $round: target holds $out"
		[ "${out#prefix }" -gt 0 ] || fail "round $round: nothing replicated before the kill"
		vm_start A
		load_module A
		mx_create_source A B
	else
		# What B's disk kept through its power loss: a state A's disk
		# could have had (each record is flushed: a barrier for the next).
		vm_start B
		load_module B
		out=$(vm_run B "$REC check $MX_DATA $((16 << 20)) 20000 $round $depth") ||
			fail "round $round: target is not a prefix after its crash: $out"
		echo "round $round: crashed target holds $out"
		# A's writer never noticed (async); stop it, then B catches up.
		vm_kill_job A "$job"
		vm_wait A "$job" >/dev/null 2>&1 || true
		mx_create_target B A
	fi
	mx_wait_insync A 180
	mx_assert_same A B
done
mx_assert_no_leaks A B
pass
