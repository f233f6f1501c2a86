#!/usr/bin/env bash
# 030-mirrorctl-create: mirrorctl create on two guests, wait-sync, status --json checked field by field against dmsetup status, data identical
# timeout: 900
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

step "status of every mirror, list --json"
mxctl A status --sample-ms 0
mxctl A list --json | jq -e '.[0].name == "mx" and .[0].role == "source" and .[0].node_id == 0 and .[0].peers[0].id == 1' >/dev/null ||
	fail "list --json on A"
mxctl B list --json | jq -e '.[0].role == "target" and .[0].peers[0].id == 0' >/dev/null ||
	fail "list --json on B"
pass
