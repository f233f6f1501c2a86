#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Command-line checks of mirrorctl that need no device-mapper and no root:
# --help of every verb, and one-line errors with exit status 2 for bad
# arguments (unknown verb/option, bad number, bad size, bad address, bad
# name, wrong device). Usage: tools/tests/cli.sh [path/to/mirrorctl]
set -uo pipefail

CTL=${1:-$(dirname "$0")/../mirrorctl}
fails=0
n=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mx-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export MIRRORX_CONF_DIR=$tmp/conf

bad() { # EXIT-STATUS PATTERN ARGS...: one stderr line matching PATTERN
	local want=$1 pat=$2 rc lines
	shift 2
	n=$((n + 1))
	"$CTL" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" != "$want" ] || [ "$lines" != 1 ] ||
		! grep -Eq -- "$pat" "$tmp/err"; then
		echo "FAIL: mirrorctl $*: exit $rc (want $want), $lines stderr lines, want /$pat/:" >&2
		cat "$tmp/err" >&2
		fails=$((fails + 1))
	fi
}

good() { # ARGS...: exit 0
	n=$((n + 1))
	if ! "$CTL" "$@" >"$tmp/out" 2>"$tmp/err"; then
		echo "FAIL: mirrorctl $*: exit $?" >&2
		cat "$tmp/err" >&2
		fails=$((fails + 1))
	fi
}

good --help
good --version
verbs=$("$CTL" --help | awk '/^Verbs:/ { v = 1; next } v && /^  [a-z]/ { print $1 } /^$/ { v = 0 }')
[ "$(wc -w <<<"$verbs")" -ge 16 ] || {
	echo "FAIL: --help lists too few verbs: $verbs" >&2
	fails=$((fails + 1))
}
for v in $verbs; do
	good "$v" --help
	grep -q "^Usage: mirrorctl $v " "$tmp/out" || {
		echo "FAIL: $v --help has no usage line" >&2
		fails=$((fails + 1))
	}
done

bad 2 "unknown verb 'frobnicate'" frobnicate
bad 2 "unknown option '--bogus'" status --bogus
bad 2 "unknown option '--bogus'" --bogus status
bad 2 "needs a value" create --data
bad 2 "bad mirror name" status 'a/b'
bad 2 "bad mirror name" up -- '-x'
bad 2 "missing mirror NAME" up
bad 2 "unexpected argument 'extra'" down mx extra
bad 2 "bad role 'primary'" create mx --role primary
bad 2 "--role source\|target is required" create mx --data /dev/null --meta /dev/zero
bad 2 "--data DEV and --meta DEV are required" create mx --role source
bad 2 "a target needs --node-id" create mx --role target --data /dev/a --meta /dev/b
bad 2 "node id 8 out of range" create mx --role target --node-id 8 --data /dev/a --meta /dev/b
bad 2 "bad number 'one' for node id" create mx --role target --node-id one --data /dev/a --meta /dev/b
bad 2 "bad region size '48K'" create mx --role source --region-size 48K --data /dev/a --meta /dev/b
bad 2 "bad size '12Q' for region size" create mx --role source --region-size 12Q --data /dev/a --meta /dev/b
bad 2 "bad size 'lots' for --async-limit" create mx --role source --async-limit lots --data /dev/a --meta /dev/b
bad 2 "--async-limit '100K' out of range" create mx --role source --async-limit 100K --data /dev/a --meta /dev/b
bad 2 "bad rate '-5' for --resync-rate" create mx --role source --resync-rate -5 --data /dev/a --meta /dev/b
bad 2 "--hot-set '16777217' out of range: must be from 0 to 16777216 MiB" create mx --role source --hot-set 16777217 --data /dev/a --meta /dev/b
bad 2 "bad --hot-set '1G': expected a whole number of MiB" create mx --role source --hot-set 1G --data /dev/a --meta /dev/b
bad 2 "needs a value" create mx --role source --data /dev/a --meta /dev/b --hot-set
bad 2 "bad address '10.0.0.2'" create mx --role source --peer 1,10.0.0.2 --data /dev/a --meta /dev/b
bad 2 "bad peer" create mx --role source --peer 10.0.0.2:7789 --data /dev/a --meta /dev/b
bad 2 "bad mode 'fast'" create mx --role source --peer 1,10.0.0.2:7789,fast --data /dev/a --meta /dev/b
bad 2 "peer 0 is this node's own id" create mx --role source --peer 0,10.0.0.2:7789 --data /dev/a --meta /dev/b
bad 2 "at least one peer" create mx --role source --data /dev/a --meta /dev/b
bad 2 "bad --on-congestion 'drop'" create mx --role source --on-congestion drop --peer 1,1.2.3.4:5 --data /dev/a --meta /dev/b
bad 2 "data device /nonexistent: No such file" create mx --role source --peer 1,1.2.3.4:5 --data /nonexistent --meta /dev/null
bad 2 "data device /etc/passwd is not a block device" create mx --role source --peer 1,1.2.3.4:5 --data /etc/passwd --meta /dev/null
bad 2 "not a multiple|not a block device" create mx --role source --peer 1,1.2.3.4:5 --data /dev/null --meta /dev/zero
bad 2 "bad number 'x' for --timeout" wait-sync mx --timeout x
bad 2 "bad number '1.5' for --sample-ms" status --sample-ms 1.5
bad 2 "bad peer: bad number 'two' for node id" pause mx two
bad 2 "bad peer: node id 12 out of range" resync mx 12
bad 2 "missing NAME and PEER" resume mx
bad 2 "nothing to set" set mx
bad 2 "bad rate 'fast' for --resync-rate" set mx --resync-rate fast
bad 2 "bad --hot-set 'big'" set mx --hot-set big
bad 2 "option '--hot' is abbreviated" set mx --hot 10
bad 2 "bad number '99' for --check-peers|--check-peers seconds 99999 out of range" promote mx --check-peers 99999

# Long options by their full name only: --f must not mean --force.
bad 2 "option '--f' is abbreviated: write --force" promote mx --f
bad 2 "option '--forc' is abbreviated" demote mx --forc
bad 2 "option '--wipe' is abbreviated" delete mx --wipe
bad 2 "option '--conf' is abbreviated" --conf /tmp status
bad 2 "option '--js' is abbreviated" status --js
bad 2 "missing mirror NAME" promote --force
bad 2 "missing mirror NAME \(or --all\)" dump
bad 2 "unexpected argument 'mx'" dump mx --all

echo "cli.sh: $n checks, $fails failed"
[ $fails -eq 0 ]
