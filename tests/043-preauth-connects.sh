#!/usr/bin/env bash
# 043-preauth-connects: unauthenticated connects to a target's port never drop its authenticated source, idle ones end at the deadline, and a stranger holding every greeting slot (from one host or six) never locks the source out
# timeout: 1200
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
FLOOD="python3 $MX_REPO/tests/tools/mxflood.py"


mx_boot A B
step "an authenticated pair in sync"
vm_run A "keyctl add logon mirrorx:k1 'correct horse battery staple' @u"
vm_run B "keyctl add logon mirrorx:k1 'correct horse battery staple' @u"
mx_create_target B A auth mirrorx:k1
mx_create_source A B 128 auth mirrorx:k1
mx_wait_insync A 300
before=$(mx_connects A)
echo "source connects before: $before"
# The stranger: six more addresses on A's link to B (the source's own
# address, which B knows once it connected, stays apart).
net=$(vm_addr A B | cut -d. -f1-3)
strangers=$net.101,$net.102,$net.103,$net.104,$net.105,$net.106
vm_run A "for a in ${strangers//,/ }; do ip addr add \$a/24 dev $(vm_ifname A B); done"
baddr=$(vm_addr B A)

step "fio on A's mirror; 24 raw connects from six hosts to B's port every 2 s for 20 s"
job=$(mx_fio_bg A /dev/mapper/mx 16M 32M 40)
flood=$(vm_run_bg -t 120 A "$FLOOD $baddr $MX_PORT 20 24 --from $strangers")
down=0
for _ in $(seq 1 12); do
	c=$(mx_conn A)
	[ "$c" = Connected ] || { echo "A's peer: $c"; down=$((down + 1)); }
	sleep 2
done
out=$(vm_wait A "$flood") || fail "the flood tool failed: $out"
echo "$out"
vm_wait A "$job" >/dev/null || fail "fio on A failed"
after=$(mx_connects A)
echo "source connects after: $after"
vm_run B "dmesg | grep -E 'mirrorx-recv.*(pending|authentication|within|connected)' | sed -E 's/^.*mirrorx-recv: [^ ]+ //; s/[0-9.]+:[0-9]+:? ?//g' | sort | uniq -c | sort -rn" || true
assert_eq "$before" "$after" "source connects during the flood"
assert_eq 0 "$down" "samples of A's peer not Connected during the flood"
assert_eq Connected "$(mx_conn A)" "A's peer after the flood"

step "B logged the refusals, by slots and by host"
vm_run B "dmesg" | grep -q "failed authentication" || fail "B does not log failed authentication"
vm_run B "dmesg" | grep -q "too many pending connections" || fail "B does not log refused connects"
vm_run B "dmesg" | grep -q "already has a connection greeting" || fail "B does not log a host's second connection closed at once"

step "an idle and a trickling connection, each from its own host, end at the deadline"
out=$(vm_run -t 60 A "$FLOOD $baddr $MX_PORT 1 3 --from $strangers")
echo "$out"
vm_run B "dmesg" | grep -q "no authentication and hello within" || fail "B does not log connections closed at the deadline"
held=$(awk '$1 == "held" { print int($2) }' <<<"$out")
{ [ "$held" -ge 5 ] && [ "$held" -le 16 ]; } || fail "B kept an unauthenticated connection open ${held}s (deadline 10 s, counted from the accept)"

# hog_start ADDRS: a stranger keeps 12 connections from ADDRS open to B's
# port, reopening each 0.1 s after B closes it, until hog_stop; it has had
# every slot it can get when this returns.
hog_start() {
	vm_run A "rm -f /tmp/043-hog.stop"
	hog=$(vm_run_bg -t 400 A "$FLOOD $baddr $MX_PORT 300 --hog 12 --from $1 --stop-file /tmp/043-hog.stop")
	sleep 8
}

# hog_stop: the hog must still be running (so A reconnected against it);
# stop it and check that it held slots.
hog_stop() {
	local out
	vm_run A "pgrep -f 'mxflood[.]py.*--hog' >/dev/null" ||
		fail "the hog ended before the test stopped it: the test proves nothing"
	vm_run A "touch /tmp/043-hog.stop"
	out=$(vm_wait A "$hog") || fail "the hog failed: $out"
	echo "$out"
	[ "$(awk '$1 == "admitted" { print $2 }' <<<"$out")" -ge 2 ] ||
		fail "the hog held no slots: the test proves nothing"
}

# reconnect WHAT ACTION...: ACTION cuts the source's connection; A's peer
# must be Connected again within 30 s.
reconnect() {
	local what=$1 n0 t0
	shift
	n0=$(mx_connects A)
	"$@"
	t0=$(date +%s)
	wait_for -m "A's peer connected again with $what holding B's greeting slots" 30 \
		_a_reconnected "$n0"
	echo "A connected again after $(($(date +%s) - t0))s"
}

# _a_reconnected N: A's peer is Connected, by a connection after the N-th.
_a_reconnected() { [ "$(mx_connects A)" -gt "$1" ] && _mx_is_conn A Connected; }

cut_link() {
	vm_run A "dmsetup message mx 0 disconnect 1"
	mx_wait_conn A StandAlone 30
	vm_run A "dmsetup message mx 0 connect 1"
}

reload_b() {
	local table
	table=$(vm_run B "dmsetup table mx")
	vm_run B "dmsetup suspend mx && dmsetup reload mx --table '$table' && dmsetup resume mx"
}

step "a stranger from six hosts holds every slot: the source's host gets one"
hog_start "$strangers"
evicted=0
for try in 1 2 3; do
	reconnect "six stranger hosts" cut_link
	if vm_run B "dmesg" | grep -q "the source's host .* closes the oldest"; then
		evicted=1
		break
	fi
	# B closes the hog's connections at their deadline, and the hog takes
	# the slot back within about 0.1 s: A came in through such a gap.
	echo "try $try: A found a slot free, not taken by the hog: again"
done
hog_stop
[ $evicted = 1 ] || fail "B never logged the source's host taking the oldest slot (3 tries)"
mx_wait_insync A 120

step "a fresh target (the source's host unknown): one stranger host holds one slot, not all"
hog_start "$net.101"
reconnect "one stranger host" reload_b
hog_stop
mx_wait_insync A 120

step "data identical, nothing leaked"
mx_wait_insync A 120
mx_assert_same A B
mx_assert_no_leaks A B
pass
