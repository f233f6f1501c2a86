# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shell functions the cluster integrations share (the LifeKeeper actions,
# the OCF resource agent and its fence-peer handler): a mirror's state as
# mirrorctl reports it, and promotion with the peers' verdict. Sourced,
# not run; the caller sets MIRRORCTL (the mirrorctl to run). Everything
# goes through mirrorctl, so its safety checks apply.
#
# Installed as $PREFIX/lib/mirrorx/mirrorx-cluster.sh.

# Data states a node must not be promoted on: Inconsistent (a resync to it
# is unfinished), Failed (its disk failed a write), Outdated (known to lack
# writes its source made: fenced, or cut off from a source that kept
# writing), Fresh (it never received mirrored data).
MX_UNPROMOTABLE="Inconsistent Failed Outdated Fresh"

# mx_state NAME: read the mirror's state from "mirrorctl status --json"
# into MX_ROLE (source, target or down), MX_DATA (its data state, empty
# when down), MX_OPEN (open count), MX_PEERS (one "ID CONN REPL ADDRESS"
# word list per peer the kernel reports with an id: a listening
# target reports none), MX_ADDRS (the configured peers' addresses),
# MX_FENCING (the config's fencing: none or resource) and MX_FENCE_PEER
# (yes when the config names a fence_peer command, else no).
# Returns mirrorctl's exit status: 0, 3 for
# an unknown mirror (no config and no device), 1 for other failures
# (MX_ERR says why).
# shellcheck disable=SC2034 # MX_DATA, MX_OPEN: for the caller
mx_state() {
	local out rc=0 p list
	MX_ROLE=down
	MX_DATA=
	MX_OPEN=0
	MX_PEERS=()
	MX_ADDRS=()
	MX_FENCING=none
	MX_FENCE_PEER=no
	MX_ERR=
	out=$("$MIRRORCTL" status "$1" --json --sample-ms 0 2>/dev/null) || rc=$?
	if [ $rc -ne 0 ]; then
		MX_ERR=$(sed -n 's/.*"message":"\([^"]*\)".*/\1/p' <<<"$out")
		[ -n "$MX_ERR" ] || MX_ERR="mirrorctl status $1 failed (exit $rc)"
		return $rc
	fi
	# The config's peers: {"id":N,"address":"A","mode":"M"}.
	list=$(grep -o '"id":[0-9]*,"address":"[^"]*","mode":"[a-z]*"}' <<<"$out" | cut -d'"' -f6)
	while IFS= read -r p; do
		[ -z "$p" ] || MX_ADDRS+=("$p")
	done <<<"$list"
	# The config's fencing (a peer's fencing state is capitalized).
	! grep -q '"fencing":"resource"' <<<"$out" || MX_FENCING=resource
	! grep -q '"fence_peer":"' <<<"$out" || MX_FENCE_PEER=yes
	grep -q '"active":true' <<<"$out" || return 0
	# The mirror's own keys come before its "config" object's.
	MX_ROLE=$(grep -o '"role":"[a-z]*"' <<<"$out" | head -n1 | cut -d'"' -f4)
	MX_DATA=$(grep -o '"data_state":"[A-Za-z]*"' <<<"$out" | head -n1 | cut -d'"' -f4)
	MX_OPEN=$(grep -o '"open_count":[0-9]*' <<<"$out" | head -n1 | cut -d: -f2)
	# A status peer has conn and repl (a config peer does not). No
	# process substitution: the test guests have no /dev/fd.
	list=$(grep -o '"id":[0-9]*,"address":"[^"]*","mode":[^,]*,"conn":"[A-Za-z]*","repl":"[A-Za-z]*"' <<<"$out" |
		sed 's/^"id":\([0-9]*\),"address":"\([^"]*\)",.*"conn":"\([A-Za-z]*\)","repl":"\([A-Za-z]*\)"$/\1 \3 \4 \2/')
	while IFS= read -r p; do
		[ -z "$p" ] || MX_PEERS+=("$p")
	done <<<"$list"
	[ -n "$MX_ROLE" ] || MX_ROLE=down
	return 0
}

# mx_promotable DATA: 0 when a node with data state DATA may become the
# source, else 1.
mx_promotable() {
	case " $MX_UNPROMOTABLE " in
	*" $1 "*) return 1 ;;
	esac
	[ -n "$1" ]
}

# mx_reachable ADDRESS: 0 when HOST:PORT (or [IPV6]:PORT) accepts a TCP
# connection within MIRRORX_PROBE_SECS (default 2) seconds: a peer
# listening there as a target. A refused connection (the node is up, no
# target listens) answers at once; an unreachable node costs the whole
# time. The receiver drops such a connection before authentication, like
# any unauthenticated one. The connect runs in a forked subshell (no
# exec: a loaded guest is slow to start a program).
mx_reachable() {
	local host=${1%:*} port=${1##*:} pid i
	host=${host#[}
	host=${host%]}
	(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null &
	pid=$!
	for ((i = 0; i < ${MIRRORX_PROBE_SECS:-2} * 10; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			return
		fi
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 1
}

# mx_verdict_wait NAME SECS: how long a promotion of NAME should wait for
# its peers' verdict on this node's data (mirrorctl promote
# --check-peers): SECS when one of its peers listens as a target (it can
# say in a moment whether it holds newer data), 0 when none does (the old
# source is down or cut off: nobody can give a verdict, and waiting would
# only delay the failover). Needs mx_state NAME first.
mx_verdict_wait() {
	local a
	for a in "${MX_ADDRS[@]}"; do
		if mx_reachable "$a"; then
			echo "$2"
			return 0
		fi
	done
	echo 0
}
