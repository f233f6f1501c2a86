#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the guest agent's poll policy on the host (scripts/vm/agent.sh,
# sourced: only its functions): how long it sleeps between looks at the
# spool, and which job's kind that follows.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# Both guards: never the agent's body (hostname, network, its loop) here.
# shellcheck disable=SC2034 # read by agent.sh, sourced below
MX_AGENT_SOURCED=1
# shellcheck source=scripts/vm/agent.sh
. "$HERE/agent.sh" || exit 1
declare -F agent_nap job_gone >/dev/null || { echo "FAIL: agent.sh defines no poll policy"; exit 1; }

fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect WANT RUNNING LOUD LAST_KIND IDLE: agent_nap's NAP.
expect() {
	local want=$1
	LAST_KIND=$4
	NAP=
	agent_nap "$2" "$3" "$5"
	[ "$NAP" = "$want" ] || fail "running=$2 loud=$3 last=$4 idle=$5: nap $NAP, want $want"
}

# A loud job came or ended: quick looks while the test's next one is due.
expect 0.02 0 0 loud 0
expect 0.02 0 0 loud 1
expect 0.1 0 0 loud 2
expect 0.1 0 0 loud 9
expect 0.5 0 0 loud 10
expect 0.5 0 0 loud 600
# A loud job runs (alone or with quiet ones).
expect 0.1 1 1 loud 0
expect 0.1 1 1 quiet 50
# Only quiet jobs run.
expect 1 1 0 quiet 0
expect 1 1 0 quiet 50
# None runs and the last one was quiet (the benchmark's idle guest): no
# 20 ms or 100 ms looks, right after it or later.
expect 0.5 0 0 quiet 0
expect 0.5 0 0 quiet 1
expect 0.5 0 0 quiet 5
expect 0.5 0 0 quiet 600

# job_gone: the kind of the job that ended becomes LAST_KIND.
JOBS=([101]=quiet [102]=loud)
LAST_KIND=loud
job_gone 101
[ "$LAST_KIND" = quiet ] || fail "a quiet job ended: LAST_KIND $LAST_KIND"
[ -z "${JOBS[101]:-}" ] || fail "job 101 still listed"
# Seen twice (the poll's kill -0, then its tick): the second changes nothing.
job_gone 101
[ "$LAST_KIND" = quiet ] || fail "an unknown pid changed LAST_KIND to $LAST_KIND"
job_gone 102
[ "$LAST_KIND" = loud ] || fail "a loud job ended: LAST_KIND $LAST_KIND"
[ "${#JOBS[@]}" = 0 ] || fail "jobs left: ${!JOBS[*]}"

if [ "$fails" -ne 0 ]; then
	echo "test_agent: $fails failure(s)"
	exit 1
fi
echo "test_agent: ok"
