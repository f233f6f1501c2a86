#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# objpeak.sh NAME STILL MAX: in a guest, the plateau of the module's live
# object count NAME (a line of /sys/kernel/debug/dm_mirrorx/objects:
# bios, pages, ...): from its first sample above zero (waited for at most
# 20 s), samples until no new peak came for STILL seconds, or for MAX
# seconds in all, and prints the peak. Exits 1 when the count never rose
# above zero. Samples every 0.1 s with bash builtins only: under TCG a
# process per sample would cost the guest more than the sampling period.
set -u
name=$1 still=$2 max=$3
objs=${MX_OBJECTS:-/sys/kernel/debug/dm_mirrorx/objects}

fifo=/tmp/objpeak.$$
mkfifo "$fifo" || exit 1
exec {nap}<>"$fifo"
rm -f "$fifo"
nap() { read -r -t 0.1 -u "$nap" _ || true; }
# now_ms: milliseconds since the epoch, in REPLY.
now_ms() { REPLY=${EPOCHREALTIME//[!0-9]/}; REPLY=$((REPLY / 1000)); }
# count: NAME's count, in REPLY.
count() {
	local n v
	REPLY=0
	while read -r n v; do
		[ "$n" = "$name" ] && REPLY=$v
	done <"$objs"
}

now_ms
end=$((REPLY + 20000))
count
while [ "$REPLY" -le 0 ]; do
	now_ms
	[ "$REPLY" -lt "$end" ] || { echo 0; exit 1; }
	nap
	count
done
peak=$REPLY
now_ms
end=$((REPLY + max * 1000)) last=$REPLY
while now_ms && [ "$REPLY" -lt "$end" ] && [ "$REPLY" -lt $((last + still * 1000)) ]; do
	t=$REPLY
	count
	[ "$REPLY" -le "$peak" ] || { peak=$REPLY; last=$t; }
	nap
done
echo "$peak"
