#!/usr/bin/env bash
# 030-mirrorctl-create: mirrorctl create on two guests, wait-sync, status --json checked field by field against dmsetup status, data identical
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
. "$(dirname "$0")/mirrorctl.sh"
requires_module
requires_mirrorctl

MX_DATA_SIZE=128M mx_boot A B

step "data on A before the mirror exists: the initial sync must copy it"
write_pattern A "$MX_DATA" 30 128M

step "mirrorctl create: B target (node 1), A source (node 0)"
mxctl_create_pair A B --resync-rate 0
mxctl A list
assert_eq mirrorx "$(mx_table_target A)" "A's table target"
assert_eq mirrorx-recv "$(mx_table_target B)" "B's table target"
# The table mirrorctl loaded is the one the docs describe.
assert_eq "0 $(mx_sectors A) mirrorx $MX_DATA $MX_META 128 1 1 $(vm_addr B A):$MX_PORT sync" \
	"$(vm_run A 'dmsetup table mx')" "A's table line"
assert_eq "0 $(mx_sectors B) mirrorx-recv $MX_DATA $MX_META $(vm_addr B A):$MX_PORT 2 node_id 1" \
	"$(vm_run B 'dmsetup table mx')" "B's table line"
# The config holds both roles' facts.
mx_conf A
grep -qx "peer.1 = $(vm_addr B A):$MX_PORT sync" <<<"$(mx_conf A)" ||
	fail "A's config lacks its peer"
grep -qx "role = target" <<<"$(mx_conf B)" || fail "B's config role"

step "wait-sync (a progress line every 10 s when not on a terminal)"
mxctl A wait-sync mx --timeout 600
mxctl B wait-sync mx --timeout 60
mxctl A status mx
mxctl B status mx

step "status --json against dmsetup status, field by field"
# A stable pair of dmsetup lines around the JSON (the lazy sweep may clear
# dirty bits between two reads).
check_json() {
	local g=$1 s1 s2 js size
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		s1=$(vm_run "$g" "dmsetup status mx")
		js=$(mx_json "$g")
		s2=$(vm_run "$g" "dmsetup status mx")
		[ "$s1" != "$s2" ] || break
		sleep 1
	done
	[ "$s1" = "$s2" ] || fail "$g: status does not settle: $s1 / $s2"
	echo "$g: $s1"
	echo "$g: $js"
	size=$(vm_run "$g" "blockdev --getsize64 /dev/mapper/mx")
	read -r _ _ _ role state region dirtytotal npeers rest <<<"$s1"
	jq -e . >/dev/null <<<"$js" || fail "$g: not JSON: $js"
	j() { jq -r "$1" <<<"$js"; }
	assert_eq mx "$(j .name)" "$g name"
	assert_eq true "$(j .active)" "$g active"
	assert_eq "$role" "$(j .role)" "$g role"
	assert_eq "$state" "$(j .data_state)" "$g data_state"
	assert_eq "$region" "$(j .region_sectors)" "$g region_sectors"
	assert_eq $((region * 512)) "$(j .region_bytes)" "$g region_bytes"
	assert_eq "${dirtytotal%/*}" "$(j .dirty_regions)" "$g dirty_regions"
	assert_eq "${dirtytotal#*/}" "$(j .total_regions)" "$g total_regions"
	assert_eq "$size" "$(j .size_bytes)" "$g size_bytes"
	assert_eq "$npeers" "$(j '.peers | length')" "$g number of peers"
	local i=0 id conn repl mode oos dt queue qw lag oosb
	while [ "$i" -lt "$npeers" ]; do
		read -r id conn repl mode oos dt queue qw lag rest <<<"$rest"
		[ "$id" != - ] || id=null
		[ "$mode" != - ] || mode=null
		assert_eq "$id" "$(j ".peers[$i].id")" "$g peer $i id"
		assert_eq "$conn" "$(j ".peers[$i].conn")" "$g peer $i conn"
		assert_eq "$repl" "$(j ".peers[$i].repl")" "$g peer $i repl"
		assert_eq "$mode" "$(j ".peers[$i].mode")" "$g peer $i mode"
		assert_eq "$oos" "$(j ".peers[$i].oos_regions")" "$g peer $i oos"
		oosb=$((oos * region * 512))
		[ "$oosb" -le "$size" ] || oosb=$size
		assert_eq "$oosb" "$(j ".peers[$i].oos_bytes")" "$g peer $i oos_bytes"
		assert_eq "${dt%/*}" "$(j ".peers[$i].resync_done")" "$g peer $i done"
		assert_eq "${dt#*/}" "$(j ".peers[$i].resync_total")" "$g peer $i todo"
		assert_eq "$queue" "$(j ".peers[$i].queue_bytes")" "$g peer $i queue"
		assert_eq "$qw" "$(j ".peers[$i].queue_writes")" "$g peer $i queue writes"
		assert_eq "$lag" "$(j ".peers[$i].lag_ms")" "$g peer $i lag"
		assert_eq true "$(j ".peers[$i].in_sync")" "$g peer $i in_sync"
		assert_eq 100 "$(j ".peers[$i].resync_percent | floor")" "$g peer $i resync %"
		i=$((i + 1))
	done
}
check_json A
check_json B
# A's first sync was a full one: every region of 128 MiB.
assert_eq 2048 "$(mx_json A | jq -r '.peers[0].resync_total')" "full initial resync"

step "data: B holds A's pattern, and A's writes through the mirror reach B"
check_pattern B "$MX_DATA" 30 128M
write_pattern A /dev/mapper/mx 31 8M 64M
mx_assert_same A B

step "events on both nodes: a link cut and its restore, as they happen, in order"
# A resync at 1000 KiB/s of the 4 MiB written while the link is down
# lasts a few seconds: each node's events see it start and end.
mxctl A set mx --resync-rate 1000
evj() { # GUEST: start mirrorctl events on GUEST, print its job
	vm_run_bg -t 400 "$1" "MIRRORX_CONF_DIR=$(mx_conf_dir "$1") $MXCTL events --now --timeout 300 mx"
}
evout() { # GUEST JOB: its output so far
	cat "$MX_WORKDIR/$1/spool/out/${2#* }.out" 2>/dev/null
}
eva=$(evj A)
evb=$(evj B)
wait_for 60 eval '[ "$(evout A "$eva" | tail -n1)" = "exists -" ] && [ "$(evout B "$evb" | tail -n1)" = "exists -" ]'
# The previous step's regions must have left the intent log (lazy sweep):
# still dirty at the cut, they would be resynced too (64 + 128 regions).
# The hot set cools after 60 s without writes.
wait_for 120 eval '[ "$(mx_dirty A)" = 0 ]'
link_cut A B
write_pattern A /dev/mapper/mx 32 4M 96M
mx_wait_conn A Connecting 120
link_restore A B
mx_wait_insync A 180
# The last lines come within a second of the state (a dm event wakes it).
wait_for 30 eval 'evout A "$eva" | grep -q "^resync-end peer name:mx peer:1 result:done$"'
wait_for 30 eval 'evout B "$evb" | grep -q "^change mirror name:mx data:Consistent$"'
vm_kill_job A "$eva"
vm_kill_job B "$evb"
echo "A's events:"
evout A "$eva" | tee "$MX_WORKDIR/events.A"
echo "B's events:"
evout B "$evb" | tee "$MX_WORKDIR/events.B"
want_a="exists mirror name:mx role:source data:UpToDate suspended:no
exists peer name:mx peer:1 conn:Connected repl:InSync
exists -
change peer name:mx peer:1 conn:Connecting repl:Idle
change peer name:mx peer:1 conn:Connected repl:Resyncing
resync-start peer name:mx peer:1 repl:Resyncing regions:64
change peer name:mx peer:1 repl:InSync
resync-end peer name:mx peer:1 result:done"
assert_eq "$want_a" "$(cat "$MX_WORKDIR/events.A")" "A's events"
# B: its source leaves, comes back and resyncs it (Inconsistent until the
# end), in that order.
grep -n . "$MX_WORKDIR/events.B" | grep -E 'conn:|data:' >"$MX_WORKDIR/events.B.order"
head -n2 "$MX_WORKDIR/events.B" | grep -qx "exists mirror name:mx role:target data:Consistent suspended:no" ||
	fail "B's events do not start with its state"
awk '
	/conn:Listening/ && !gone { gone = NR }
	/conn:Connected/ && gone { back = NR }
	/data:Inconsistent/ && gone { inc = NR }
	/data:Consistent$/ && inc { cons = NR }
	END { exit !(back && inc && cons > inc && cons > back) }' "$MX_WORKDIR/events.B.order" ||
	fail "B's events: not source gone, then back and Inconsistent, then Consistent"
mxctl A set mx --resync-rate 0

step "adjust: a hand-edited config reaches the running source, once"
vm_run A "sed -i -e 's/^resync_rate = .*/resync_rate = 4096/' -e 's/^on_disconnect = .*/on_disconnect = suspend/' $(mx_conf_dir A)/mx.conf"
table0=$(vm_run A "dmsetup table mx")
mxctl A adjust mx --dry-run | tee "$MX_WORKDIR/adjust.plan"
grep -q "would reload the mirrorx table" "$MX_WORKDIR/adjust.plan" || fail "adjust --dry-run: no plan"
assert_eq "$table0" "$(vm_run A "dmsetup table mx")" "A's table after adjust --dry-run"
mxctl A adjust mx
vm_run A "dmsetup table mx" | grep -q "on_disconnect suspend resync_rate 4096" ||
	fail "adjust did not load the config's options: $(vm_run A "dmsetup table mx")"
mx_wait_insync A 120
mxctl A adjust mx | grep -q "in line with its config" || fail "a second adjust still had something to do"
vm_run A "sed -i -e 's/^resync_rate = .*/resync_rate = 0/' -e 's/^on_disconnect = .*/on_disconnect = continue/' $(mx_conf_dir A)/mx.conf"
mxctl A adjust mx
assert_eq "$table0" "$(vm_run A "dmsetup table mx")" "A's table adjusted back"
mx_wait_insync A 120

step "status of every mirror, list --json"
mxctl A status --sample-ms 0
mxctl A list --json | jq -e '.[0].name == "mx" and .[0].role == "source" and .[0].node_id == 0 and .[0].peers[0].id == 1' >/dev/null ||
	fail "list --json on A"
mxctl B list --json | jq -e '.[0].role == "target" and .[0].peers[0].id == 0' >/dev/null ||
	fail "list --json on B"
pass
