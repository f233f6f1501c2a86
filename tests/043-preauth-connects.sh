#!/usr/bin/env bash
# 043-preauth-connects: unauthenticated connects to a target's port never drop its authenticated source; idle ones end at the deadline
# timeout: 900
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

step "fio on A's mirror; 24 raw connects to B's port every 2 s for 20 s"
job=$(mx_fio_bg A /dev/mapper/mx 16M 32M 40)
flood=$(vm_run_bg -t 120 A "$FLOOD $(vm_addr B A) $MX_PORT 20 24")
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

step "B logged the refusals and ended idle connections at the deadline"
vm_run B "dmesg" | grep -q "failed authentication" || fail "B does not log failed authentication"
vm_run B "dmesg" | grep -q "too many pending connections" || fail "B does not log refused connects"
vm_run B "dmesg" | grep -q "no authentication and hello within" || fail "B does not log connections closed at the deadline"
held=$(awk '$1 == "held" { print int($2) }' <<<"$out")
[ "$held" -le 16 ] || fail "B kept an unauthenticated connection open ${held}s (deadline 10 s)"

step "data identical, nothing leaked"
mx_wait_insync A 120
mx_assert_same A B
mx_assert_no_leaks A B
pass
