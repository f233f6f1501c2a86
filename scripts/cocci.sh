#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Coccinelle checks (make cocci): every scripts/cocci/*.cocci in report
# mode over dm-mirrorx/*.c; any report fails. Each rule first runs over
# its self-test, scripts/cocci/selftest/<rule>.c, and must report exactly
# the lines marked "expect" there: a rule that matches nothing (a syntax
# Coccinelle reads differently, a renamed call) would otherwise pass
# everything.
#
# sleep-under-spinlock.cocci: calls that may sleep (kvfree, GFP_KERNEL
# allocations, mutexes, waits, socket I/O, ...) between a spin_lock*() and
# its unlock. Run on the tree before 7c15718 it reports the kvfree() of
# mx_meta_reformat() (issue 9, defect 16), which only a kernel with
# CONFIG_DEBUG_ATOMIC_SLEEP would have shown at run time.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
SPATCH=${SPATCH:-spatch}
command -v "$SPATCH" >/dev/null || {
	echo "cocci: $SPATCH not found: install coccinelle (scripts/deps.sh)" >&2
	exit 1
}
fails=0

# run RULE DIR: the reports, "file:line: message", sorted; spatch's own
# messages (warnings) go to stderr, and a failed spatch fails the rule.
run() {
	local out err r
	err=$(mktemp)
	out=$("$SPATCH" --very-quiet --no-includes --include-headers -D report \
		--sp-file "$1" --dir "$2" 2>"$err")
	r=$?
	if [ "$r" -ne 0 ]; then
		echo "cocci: spatch failed ($r) on $1:" >&2
		cat "$err" >&2
		rm -f "$err"
		return 1
	fi
	rm -f "$err"
	[ -z "$out" ] ||
		sed -E 's/^([^:]+):([0-9]+):[0-9]+-[0-9]+: /\1:\2: /' <<<"$out" | sort -u
}

for rule in scripts/cocci/*.cocci; do
	name=$(basename "$rule" .cocci)
	self=scripts/cocci/selftest/$name.c
	if [ ! -f "$self" ]; then
		echo "cocci: $rule has no self-test $self" >&2
		fails=$((fails + 1))
		continue
	fi
	tmp=$(mktemp -d)
	cp "$self" "$tmp/"
	want=$(grep -n 'expect \*/' "$self" | cut -d: -f1 | sort -nu | tr '\n' ' ')
	got=$(run "$rule" "$tmp") || {
		rm -rf "$tmp"
		fails=$((fails + 1))
		continue
	}
	got=$(cut -d: -f2 <<<"$got" | sort -nu | tr '\n' ' ')
	rm -rf "$tmp"
	if [ "$want" != "$got" ]; then
		echo "cocci: $name self-test: expected reports on lines [ $want], got [ $got]" >&2
		fails=$((fails + 1))
		continue
	fi
	if ! out=$(run "$rule" dm-mirrorx); then
		fails=$((fails + 1))
	elif [ -n "$out" ]; then
		echo "$out" >&2
		fails=$((fails + 1))
	fi
done
if [ "$fails" -gt 0 ]; then
	echo "cocci: $fails rule(s) failed" >&2
	exit 1
fi
echo "cocci: clean ($(ls scripts/cocci/*.cocci | wc -l) rules)"
