#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every check of the project, in order, each counted as passed
# or failed (the integration tests count one per test):
#
#   deps    scripts/deps.sh (installs what is missing)
#   build   make all
#   style   scripts/style.sh (checkpatch --strict, bash -n)
#   docs    scripts/doccheck.sh (docutils and groff lint of Documentation/)
#   sparse  make sparse
#   kunit   scripts/kunit.sh (missing script = failed)
#   utest   make utest
#   fuzz    tests/fuzz/run.sh (wire and metadata decoders, ASan/UBSan)
#   tests/* tests/run.sh (QEMU guests)
#
# A failed step does not stop the later ones. Prints each step's time and
# ends with the line "N passed, N failed" (", N skipped" when integration
# tests were skipped); exits 1 if anything failed.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1

passn=0
failn=0
skipn=0
rows=()
T0=$(date +%s)

record() { # NAME STATUS SECONDS
	rows+=("$(printf '%-28s %-5s %5ss' "$1" "$2" "$3")")
	case "$2" in
	PASS) passn=$((passn + 1)) ;;
	SKIP) skipn=$((skipn + 1)) ;;
	*) failn=$((failn + 1)) ;;
	esac
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

kunit() {
	if [ ! -x scripts/kunit.sh ]; then
		echo "check: scripts/kunit.sh does not exist (yet): counted as failed" >&2
		return 1
	fi
	scripts/kunit.sh
}

step deps scripts/deps.sh
step build make all
step style scripts/style.sh
step docs scripts/doccheck.sh
step sparse make sparse
step kunit kunit
step utest make utest
step fuzz tests/fuzz/run.sh

# Integration tests: one result per test.
echo
echo "===== check: integration: tests/run.sh"
res=$(mktemp)
t0=$(date +%s)
# Two tests at a time (timing-sensitive ones alone): guests mostly wait.
MX_JOBS=${MX_JOBS:-2} MX_RESULTS=$res MX_SUMMARY_LABEL="integration tests:" tests/run.sh
rc=$?
dt=$(($(date +%s) - t0))
n=0
while read -r st name secs; do
	record "$name" "$st" "$secs"
	n=$((n + 1))
done <"$res"
rm -f "$res"
if [ $n -eq 0 ] || { [ $rc -ne 0 ] && ! grep -q FAIL <<<"${rows[*]}"; }; then
	# run.sh itself failed, or ran nothing.
	record "integration (tests/run.sh)" FAIL "$dt"
fi
echo "===== check: integration: exit $rc in ${dt}s"

echo
echo "===== check: summary (total $(($(date +%s) - T0))s)"
printf '%s\n' "${rows[@]}"
line="$passn passed, $failn failed"
[ $skipn -eq 0 ] || line+=", $skipn skipped"
echo "$line"
[ $failn -eq 0 ]
