#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every check of the project, in order, each counted as passed
# or failed (the integration tests count one per test):
#
#   deps    scripts/deps.sh (installs what is missing)
#   build   make all
#   style   scripts/style.sh (checkpatch --strict, bash -n)
#   cocci   scripts/cocci.sh (Coccinelle rules, e.g. no sleep under a spinlock)
#   docs    scripts/doccheck.sh (docutils and groff lint of Documentation/)
#   sparse  make sparse
#   kunit   scripts/kunit.sh (missing script = failed)
#   utest   make utest
#   fuzz    tests/fuzz/run.sh (wire and metadata decoders, ASan/UBSan)
#   tests/* tests/run.sh (QEMU guests), all but those with a "# long"
#           header line (make check-long runs them)
#
# Two kernels (README.md, "Kernels"): the main one, KVER (default
# scripts/kver.sh: Debian 12's 6.1), gets every step above. Then each
# kernel of KVER2 (default: every other supported kernel installed,
# scripts/kver.sh --all; KVER2= skips them) gets its own build, sparse,
# kunit (its linux-source tree), the core integration tests MX_CORE_TESTS
# (023 with MX_CORE_KILLS kills instead of 6) and make demo, and
# the module is rebuilt for KVER at the end. Rows of a
# kernel's steps are suffixed with its series ("build [6.12]").
# make check KVER=<6.12 version> runs the whole suite on 6.12 (and the
# core subset on 6.1).
#
# A failed step does not stop the later ones. Prints each step's time and
# ends with the line "N passed, N failed" (", N skipped" when integration
# tests were skipped) followed by each kernel's own counts in parentheses;
# exits 1 if anything failed.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1

# Core integration tests run on the second kernel(s): initial sync, fio
# verify async, link cut and partial resync, source crash, remove
# under load, hostile packets, link compression (README.md, "Kernels").
MX_CORE_TESTS=${MX_CORE_TESTS:-010 013 065}
MX_CORE_KILLS=${MX_CORE_KILLS:-3}

passn=0
failn=0
skipn=0
rows=()
T0=$(date +%s)
declare -A kpass kfail
kernels=()
kcur= # series of the kernel under test
kser= # series of the step being recorded ("" = kernel-independent)

record() { # NAME STATUS SECONDS [CPU-SECONDS]
	local name=$1
	[ -z "$kser" ] || name+=" [$kser]"
	rows+=("$(printf '%-34s %-5s %5ss%s' "$name" "$2" "$3" "${4:+ (CPU ${4}s)}")")
	case "$2" in
	PASS) passn=$((passn + 1)) ;;
	SKIP) skipn=$((skipn + 1)) ;;
	*) failn=$((failn + 1)) ;;
	esac
	[ -n "$kser" ] || return 0
	case "$2" in
	PASS) kpass[$kser]=$((${kpass[$kser]:-0} + 1)) ;;
	SKIP) ;;
	*) kfail[$kser]=$((${kfail[$kser]:-0} + 1)) ;;
	esac
}

# series VERSION: 6.1.0-57-amd64 -> 6.1, 6.12.117+deb12-amd64 -> 6.12
series() {
	local s
	s=$(sed -n 's/^\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' <<<"$1")
	echo "${s:-unknown}"
}

# on_kernel VERSION: the following kstep and integration runs are VERSION's.
on_kernel() {
	kcur=$(series "$1")
	kernels+=("$kcur")
	kpass[$kcur]=${kpass[$kcur]:-0}
	kfail[$kcur]=${kfail[$kcur]:-0}
}

step() { # NAME CMD...
	local name=$1 t0 rc dt
	shift
	echo
	echo "===== check: $name: $*"
	t0=$(date +%s)
	"$@"
	rc=$?
	dt=$(($(date +%s) - t0))
	if [ $rc -eq 0 ]; then
		record "$name" PASS "$dt"
	else
		record "$name" FAIL "$dt"
	fi
	echo "===== check: $name: $([ $rc -eq 0 ] && echo PASS || echo "FAIL (exit $rc)") in ${dt}s"
}

# kstep NAME CMD...: a step of the kernel under test.
kstep() {
	kser=$kcur
	step "$@"
	kser=
}

kunit() {
	if [ ! -x scripts/kunit.sh ]; then
		echo "check: scripts/kunit.sh does not exist (yet): counted as failed" >&2
		return 1
	fi
	scripts/kunit.sh
}

# integration [TEST...]: tests/run.sh for $KVER, one result per test.
integration() {
	local res t0 rc dt n st name secs cpu nfail=0 cpusum=0
	echo
	echo "===== check: integration ($KVER): tests/run.sh $*"
	res=$(mktemp)
	t0=$(date +%s)
	# Three tests at a time on 2 cores (timing-sensitive ones alone): the
	# guests mostly wait (network, timers, sleeps).
	MX_JOBS=${MX_JOBS:-3} MX_RESULTS=$res \
		MX_SUMMARY_LABEL="integration tests ($KVER):" tests/run.sh "$@"
	rc=$?
	dt=$(($(date +%s) - t0))
	n=0
	kser=$kcur
	while read -r st name secs cpu; do
		record "$name" "$st" "$secs" "$cpu"
		cpusum=$((cpusum + ${cpu:-0}))
		[ "$st" = PASS ] || [ "$st" = SKIP ] || nfail=$((nfail + 1))
		n=$((n + 1))
	done <"$res"
	rm -f "$res"
	if [ $n -eq 0 ] || { [ $rc -ne 0 ] && [ $nfail -eq 0 ]; }; then
		# run.sh itself failed, or ran nothing.
		record "integration (tests/run.sh)" FAIL "$dt"
	fi
	kser=
	echo "===== check: integration ($KVER): exit $rc in ${dt}s, tests used ${cpusum} CPU seconds"
}

step deps scripts/deps.sh

if [ -z "${KVER:-}" ]; then
	KVER=$(scripts/kver.sh) || KVER=
fi
if [ -z "${KVER2+set}" ]; then
	KVER2=$(scripts/kver.sh --all 2>/dev/null | grep -vxF -- "$KVER" | paste -sd ' ')
fi
KVER1=$KVER
export KVER
echo "===== check: kernels: $KVER (all steps) ${KVER2:+and $KVER2 (build, sparse, kunit, core tests: $MX_CORE_TESTS)}"

on_kernel "$KVER"
kstep build make all
step style scripts/style.sh
step cocci scripts/cocci.sh
step docs scripts/doccheck.sh
kstep sparse make sparse
kstep kunit kunit
step utest make utest
step fuzz tests/fuzz/run.sh
# Every integration test but the soaks marked "# long" (make check-long).
mapfile -t all_tests < <(grep -L '^# long' tests/[0-9]*.sh)
integration "${all_tests[@]}"

for k in $KVER2; do
	t2=$(date +%s)
	KVER=$k
	on_kernel "$k"
	kstep build make module
	kstep sparse make sparse
	kstep kunit kunit
	# shellcheck disable=SC2086 # a list of test names
	MX_KILLS=$MX_CORE_KILLS integration $MX_CORE_TESTS
	kstep demo scripts/demo.sh
	echo "===== check: kernel $k: $(($(date +%s) - t2))s"
done
if [ -n "$KVER2" ]; then
	# Leave the module built for the main kernel, as make all did.
	KVER=$KVER1
	t2=$(date +%s)
	if ! make module >"$TOP/.check-rebuild.log" 2>&1; then
		cat "$TOP/.check-rebuild.log"
		record "rebuild for $KVER" FAIL $(($(date +%s) - t2))
	fi
	rm -f "$TOP/.check-rebuild.log"
	echo "===== check: module rebuilt for $KVER in $(($(date +%s) - t2))s"
fi

echo
echo "===== check: summary (total $(($(date +%s) - T0))s)"
printf '%s\n' "${rows[@]}"
line="$passn passed, $failn failed"
[ $skipn -eq 0 ] || line+=", $skipn skipped"
per=
for s in "${kernels[@]}"; do
	per+="${per:+; }$s: ${kpass[$s]} passed, ${kfail[$s]} failed"
done
[ -z "$per" ] || line+=" ($per)"
echo "$line"
[ $failn -eq 0 ]
