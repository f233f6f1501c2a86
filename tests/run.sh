#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the integration tests (make integration, scripts/check.sh).
#
#   tests/run.sh                 all tests/[0-9]*.sh, in order
#   tests/run.sh 001 002-harness tests/003-foo.sh   only these
#   KVER=V tests/run.sh ...      guests boot kernel V (default:
#                                scripts/kver.sh); "KVER=V" may also be
#                                given as an argument
#
# Each test runs in its own work dir under $MX_RUN_DIR (default: a fresh
# mktemp -d under /tmp), with the timeout from its "# timeout: N" header
# line (default MX_TEST_TIMEOUT, 600 s; times MX_TIMEOUT_SCALE, default 1,
# which make check-debug raises for its slower kernel): TERM first (the
# test kills its guests and prints its logs), KILL 30 s later. Any qemu
# of the test still alive afterwards is killed by pid. Exit status 0 = pass, 77 = skip,
# anything else = fail; with CI=true (.ci/run) a skip counts as a failure,
# since CI installs every tool a test needs. Output of each test goes to the terminal and to
# $MX_RUN_DIR/NAME.log. Ends with one line "N passed, N failed" (plus
# ", N skipped" when tests were skipped); exits 1 if any test failed.
#
# MX_JOBS=N runs up to N tests at once (default 1), each test's output
# printed whole when it ends; a test whose header has a "# serial" line
# (timing-sensitive: latency, rate limits) runs alone.
#
# With MX_JOBS > 1, tests start longest first (their last passing run's
# seconds, kept in MX_TIMES, default ~/.cache/dm-mirrorx/test-seconds;
# tests never timed go first, ordered by their timeout), so a long test
# does not run alone at the end. Results are printed in finishing order.
#
# A test that fails with a guest register dump no processor can hold
# (emulator_fault below) runs once more; the summary names it.
#
# MX_RESULTS=FILE appends "PASS|FAIL|SKIP name seconds [cpu-seconds]" lines to FILE;
# MX_SUMMARY_LABEL="text" prefixes the summary line (scripts/check.sh uses
# that so its own summary stays the only closing line).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.." || exit 1

args=()
for a in "$@"; do
	case "$a" in
	KVER=*) export KVER=${a#KVER=} ;;
	*) args+=("$a") ;;
	esac
done
set -- "${args[@]}"

tests=()
if [ $# -eq 0 ]; then
	for t in tests/[0-9]*.sh; do
		[ -f "$t" ] && tests+=("$t")
	done
else
	for a in "$@"; do
		a=${a##*/}
		a=${a%.sh}
		m=(tests/"$a"*.sh)
		if [ ! -f "${m[0]}" ]; then
			echo "run.sh: no test matches '$a'" >&2
			exit 2
		fi
		tests+=("${m[0]}")
	done
fi

MX_RUN_DIR=${MX_RUN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mx-run.XXXXXX")}
mkdir -p "$MX_RUN_DIR"
interrupted=0
pass=0
failn=0
skipn=0
failed=()
skipped=()

# CPU accounting: each test runs in its own cpuacct cgroup (v1) when the
# hierarchy is writable (root), and its result line says how many CPU
# seconds it used, guests included: make check is CPU-bound (TCG), so a
# test's cost to the suite is its CPU time, not its wall time.
CPUACCT=/sys/fs/cgroup/cpuacct
[ -w "$CPUACCT/cgroup.procs" ] || CPUACCT=

# cg_enter NAME: move the calling (sub)shell into the test's cgroup.
cg_enter() {
	[ -n "$CPUACCT" ] || return 0
	mkdir -p "$CPUACCT/mx-$$-$1" 2>/dev/null &&
		echo "$BASHPID" >"$CPUACCT/mx-$$-$1/cgroup.procs" 2>/dev/null
	return 0
}

# cg_seconds NAME: CPU seconds the test used ("" without accounting);
# removes its cgroup.
cg_seconds() {
	local d=$CPUACCT/mx-$$-$1 ns
	[ -n "$CPUACCT" ] && [ -r "$d/cpuacct.usage" ] || return 0
	ns=$(cat "$d/cpuacct.usage")
	# Killed processes may take a moment to leave it.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rmdir "$d" 2>/dev/null && break
		sleep 0.2
	done
	echo $((ns / 1000000000))
}

# cg_cleanup: remove this run's cgroups (an interrupted run leaves some).
cg_cleanup() {
	local d
	[ -n "$CPUACCT" ] || return 0
	for d in "$CPUACCT"/mx-$$-*; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	return 0
}

# emulator_fault DIR: print the first register dump in DIR's guest logs
# whose RFLAGS has a reserved bit set (bits 22-63, or bit 1 clear). No
# processor can hold that state, and popf/iret cannot load it: the
# emulator (QEMU's TCG) lost the guest's CPU state, whatever the guest ran.
# Seen a few times on the 6.12 kernel (QEMU 7.2): a general protection
# fault at iretq in text_poke_early at boot, a #DB with TF set mid-test.
emulator_fault() {
	local f line fl
	for f in "$1"/*/console.log "$1"/*/spool/dmesg.* "$1"/*/logs/dmesg.*; do
		[ -f "$f" ] || continue
		while read -r line; do
			fl=${line##*EFLAGS: }
			fl=${fl%% *}
			fl=${fl%$'\r'}
			[[ "$fl" =~ ^[0-9a-fA-F]{1,16}$ ]] || continue
			if (((0x$fl & ~0x3fffff) != 0 || (0x$fl & 2) == 0)); then
				echo "${f#"$1"/}: $line"
				return 0
			fi
		done < <(grep -a 'EFLAGS: [0-9a-fA-F]' "$f")
	done
	return 1
}

# run_test NAME FILE TIMEOUT: run one test (in its own subshell); once
# more when it failed and its guests show an emulator fault (see above),
# the first attempt's logs kept in NAME.emulator-fault.
run_test() {
	local name=$1 t=$2 tmo=$3 wd=$MX_RUN_DIR/$1 rc child= attempt ef stop=0
	trap 'stop=1; [ -z "$child" ] || kill -TERM $child 2>/dev/null' INT TERM
	for attempt in 1 2; do
		MX_WORKDIR=$wd timeout -k 30 "$tmo" bash "$t" &
		child=$!
		wait $child
		rc=$?
		while kill -0 $child 2>/dev/null; do
			wait $child
			rc=$?
		done
		# Not after an interrupt, a timeout or a skip; only once.
		[ $stop = 0 ] && [ $rc -ne 0 ] && [ $rc -ne 77 ] &&
			[ $rc -ne 124 ] && [ $rc -ne 137 ] && [ $attempt = 1 ] || break
		ef=$(emulator_fault "$wd") || break
		sweep "$wd"	# the first attempt's guests, if any survived
		echo "run.sh: $name: a guest's CPU state no processor can have, a fault of the emulator (TCG), not of the code under test:"
		echo "run.sh:   $ef"
		echo "run.sh: $name runs once more (first attempt's logs: $wd.emulator-fault)"
		rm -rf "$wd.emulator-fault"
		mv "$wd" "$wd.emulator-fault"
		find "$wd.emulator-fault" -name '*.img' -delete
	done
	trap - INT TERM
	return $rc
}

# Kill (by pid) any qemu whose pidfile lies in DIR and that still runs.
sweep() {
	local f pid
	for f in "$1"/*/qemu.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || continue
		if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$1/"; then
			echo "run.sh: killing leftover qemu $pid ($f)" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
	done
}

# record NAME RC SECONDS TIMEOUT: count one finished test.
record() {
	local name=$1 rc=$2 dt=$3 tmo=$4 res cpu
	sweep "$MX_RUN_DIR/$name"
	cpu=$(cg_seconds "$name")
	case $rc in
	0)
		pass=$((pass + 1))
		res=PASS
		remember_time "$name" "$dt"
		;;
	77)
		if [ "${CI:-}" = true ]; then
			# CI has every tool (scripts/deps.sh): a skip hides a gap.
			failn=$((failn + 1))
			res="FAIL (skipped, and CI=true)"
			failed+=("$name (skipped)")
		else
			skipn=$((skipn + 1))
			skipped+=("$name")
			res=SKIP
		fi
		;;
	*)
		failn=$((failn + 1))
		res=FAIL
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			res="FAIL (timed out after ${tmo}s)"
			failed+=("$name (timeout)")
		else
			failed+=("$name")
		fi
		;;
	esac
	[ -z "${MX_RESULTS:-}" ] || echo "${res%% *} $name $dt $cpu" >>"$MX_RESULTS"
	echo "===== $name: $res (${dt}s${cpu:+, CPU ${cpu}s})"
}

test_timeout() {
	local tmo
	tmo=$(sed -n 's/^# timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n1)
	echo $((${tmo:-${MX_TEST_TIMEOUT:-600}} * ${MX_TIMEOUT_SCALE:-1}))
}

MX_TIMES=${MX_TIMES:-${XDG_CACHE_HOME:-$HOME/.cache}/dm-mirrorx/test-seconds}

# Reorder "tests" longest first (see the header).
order_longest_first() {
	local t name secs
	local -A known=()
	if [ -r "$MX_TIMES" ]; then
		while read -r name secs; do
			[[ "$secs" =~ ^[0-9]+$ ]] && known[$name]=$secs
		done <"$MX_TIMES"
	fi
	mapfile -t tests < <(for t in "${tests[@]}"; do
		name=$(basename "$t" .sh)
		if [ -n "${known[$name]:-}" ]; then
			echo "0 ${known[$name]} $t"
		else
			echo "1 $(test_timeout "$t") $t"
		fi
	done | sort -k1,1nr -k2,2nr -k3,3 | cut -d' ' -f3-)
}

# remember_time NAME SECONDS: store a passing test's duration in MX_TIMES.
remember_time() {
	local tmp
	mkdir -p "$(dirname "$MX_TIMES")" 2>/dev/null || return 0
	tmp=$(mktemp "$MX_TIMES.XXXXXX" 2>/dev/null) || return 0
	{ grep -v "^$1 " "$MX_TIMES" 2>/dev/null; echo "$1 $2"; } >"$tmp"
	mv "$tmp" "$MX_TIMES"
}

# Parallel runner: up to MX_JOBS tests at once, "# serial" tests alone.
run_parallel() {
	local -A pids=() t0s=() tmos=()
	local t name pid rc serial running_serial=0
	for t in "${tests[@]}" ""; do
		if [ -n "$t" ]; then
			serial=0
			grep -q '^# serial' "$t" && serial=1
		fi
		# Wait for room: MX_JOBS slots, all of them for a serial test.
		while [ ${#pids[@]} -gt 0 ] &&
			{ [ -z "$t" ] || [ ${#pids[@]} -ge "$MX_JOBS" ] ||
				[ $serial = 1 ] || [ $running_serial = 1 ]; }; do
			pid=
			wait -n -p pid "${!pids[@]}"
			rc=$?
			[ -n "${pid:-}" ] || continue
			name=${pids[$pid]}
			unset "pids[$pid]"
			running_serial=0
			cat "$MX_RUN_DIR/$name.log"
			record "$name" "$rc" $(($(date +%s) - ${t0s[$name]})) "${tmos[$name]}"
			[ "$interrupted" = 0 ] || break 2
		done
		[ -n "$t" ] || break
		name=$(basename "$t" .sh)
		tmos[$name]=$(test_timeout "$t")
		rm -rf "${MX_RUN_DIR:?}/$name"
		echo "===== $name (timeout ${tmos[$name]}s): started: $(sed -n '2s/^# *//p' "$t")"
		t0s[$name]=$(date +%s)
		(
			cg_enter "$name"
			run_test "$name" "$t" "${tmos[$name]}"
		) >"$MX_RUN_DIR/$name.log" 2>&1 </dev/null &
		pids[$!]=$name
		running_serial=$serial
	done
}

if [ "${MX_JOBS:-1}" -gt 1 ]; then
	order_longest_first
	trap 'interrupted=1; pkill -TERM -P $$ 2>/dev/null' INT TERM
	run_parallel
	trap - INT TERM
	tests_done=1
fi

for t in "${tests[@]}"; do
	[ -z "${tests_done:-}" ] || break
	name=$(basename "$t" .sh)
	tmo=$(test_timeout "$t")
	wd=$MX_RUN_DIR/$name
	rm -rf "$wd"
	echo "===== $name (timeout ${tmo}s): $(sed -n '2s/^# *//p' "$t")"
	t0=$(date +%s)
	log=$MX_RUN_DIR/$name.log
	: >"$log"
	# The test writes to a file (no SIGPIPE if the terminal goes away);
	# tail shows it live. On INT/TERM, the test gets TERM and cleans up.
	(
		cg_enter "$name"
		run_test "$name" "$t" "$tmo"
	) >"$log" 2>&1 </dev/null &
	tpid=$!
	tail -n +1 -s 0.2 -f --pid="$tpid" "$log" &
	lpid=$!
	trap 'interrupted=1; kill -TERM $tpid 2>/dev/null' INT TERM
	rc=0
	wait $tpid || rc=$?
	# wait returns early (>128) when a trapped signal arrives.
	while kill -0 $tpid 2>/dev/null; do
		wait $tpid
		rc=$?
	done
	trap - INT TERM
	wait $lpid 2>/dev/null
	dt=$(($(date +%s) - t0))
	record "$name" "$rc" "$dt" "$tmo"
	if [ "$interrupted" = 1 ]; then
		echo "run.sh: interrupted" >&2
		break
	fi
done

cg_cleanup

# Logs of passed tests go; failed tests keep their log and work dir.
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	[ -d "$MX_RUN_DIR/$name" ] || rm -f "$MX_RUN_DIR/$name.log"
done
rmdir "$MX_RUN_DIR" 2>/dev/null
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]} (logs in $MX_RUN_DIR)"
[ ${#skipped[@]} -eq 0 ] || echo "skipped: ${skipped[*]}"
for d in "$MX_RUN_DIR"/*.emulator-fault; do
	[ -d "$d" ] && echo "ran again after an emulator fault: $(basename "$d" .emulator-fault) (logs in $d)"
done
line="$pass passed, $failn failed"
[ $skipn -eq 0 ] || line+=", $skipn skipped"
echo "${MX_SUMMARY_LABEL:+$MX_SUMMARY_LABEL }$line"
[ $failn -eq 0 ]
