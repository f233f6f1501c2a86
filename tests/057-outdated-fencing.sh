#!/usr/bin/env bash
# 057-outdated-fencing: fencing resource holds writes when the link to an in-sync target is cut, until the target is outdated; an Outdated target is refused promotion (mirrorctl, LifeKeeper restore, table load) until a resync; a fence timeout keeps writes held until the peer is back; a peer lost during a suspend with a write in flight is fenced too; the handler as mirrorx-fence@.service runs it (fence-handler --follow, the command from the config's fence_peer), started on a target, fences each of two link cuts once it is the source
# timeout: 1200
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
. "$(dirname "$0")/mirrorctl.sh"
requires_module
requires_mirrorctl

MX_DATA_SIZE=64M mx_boot A B
S=$(mx_sectors B)
# Source status field 18: the peer's fencing state (fencing resource only).
mx_fence() { mx_field "$1" 18; }
_mx_is_fence() { [ "$(mx_fence "$1")" = "$2" ]; }
mx_data_state() { mx_field "$1" 5; }

mxctl_create_pair A B --fencing resource --fence-timeout 15
mx_wait_insync A 300
assert_eq "-" "$(mx_fence A)" "A's fencing state while in sync"
write_pattern A /dev/mapper/mx 057-before 4M 8M

# A's fence-peer handler: its command waits until the test outdated B.
handler=$(vm_run_bg -t 400 A "MIRRORX_CONF_DIR=$(mx_conf_dir A) $MXCTL fence-handler mx --once --timeout 300 --exec 'until [ -e /tmp/057-b-outdated ]; do sleep 0.2; done; echo \$MIRRORX_PEER > /tmp/057-fenced'")

step "cut the link during writes: A holds them (not failed, not completed)"
job=$(mx_fio_bg A /dev/mapper/mx 8M 24M 20)
link_cut A B
wait_for 60 _mx_is_fence A Pending
mx_status A
vm_run A "dmesg" | grep -q "peer 1 lost while in sync: fencing" || fail "no fencing line in A's log"
# fence_timeout (15 s) may pass during the next looks on a loaded host:
# Pending or Failed, the writes are held either way.
mxctl A status mx | grep -Eq "fencing: (Pending|Failed)" || fail "mirrorctl status does not show the fencing"
assert_match "^(Pending|Failed)$" "$(mx_json A | jq -r '.peers[0].fencing')" "status --json fencing"
w1=$(mx_sectors_written A)
sleep 5
w2=$(mx_sectors_written A)
echo "sectors completed on A while fencing: $w1 -> $w2"
assert_eq "$w1" "$w2" "writes completed while the peer is being fenced"
[ ! -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ] || fail "fio ended while its writes were held"

step "the fence-peer step: outdate B (it drops the silent link first), then A's handler tells A"
mxctl B outdate mx
assert_eq Outdated "$(mx_data_state B)" "B's data state after outdate"
assert_eq Outdated "$(mx_json B | jq -r .data_state)" "B's data state in --json"
vm_run A "touch /tmp/057-b-outdated"
vm_wait A "$handler" || fail "A's fence-handler failed"
assert_eq 1 "$(vm_run A "cat /tmp/057-fenced")" "the peer the handler's command was run for"
assert_eq PeerOutdated "$(mx_fence A)" "A's fencing state after peer_outdated"
# Again by hand: nothing held any more, nothing to do.
mxctl A peer-outdated mx 1
vm_wait A "$job" >/dev/null || fail "fio on A failed: held writes must complete, never fail"
write_pattern A /dev/mapper/mx 057-after 4M 40M
vm_run A "dmesg" | grep -q "peer 1 outdated (peer_outdated)" || fail "no release line in A's log"

step "B is refused promotion: mirrorctl, LifeKeeper restore, a raw mirrorx table load"
mxctl_err B 4 "data of mx here is Outdated .*--force" promote mx
assert_eq mirrorx-recv "$(mx_table_target B)" "B's table after a refused promotion"
assert_eq 1 "$(mx_lk_rc B restore -t mirror-mx -i mx)" "LifeKeeper restore on Outdated B"
assert_eq mirrorx-recv "$(mx_table_target B)" "B's table after a refused restore"
vm_run B "dmesg -C"
if vm_run B "dmsetup create mx2 --table '0 $S mirrorx $MX_DATA $MX_META 128 1 0 $(vm_addr A B):$MX_PORT sync 2 node_id 1'" 2>/dev/null; then
	fail "a mirrorx table loaded on B's Outdated data"
fi
vm_run B "dmesg" | grep "Data is Outdated" || fail "no Outdated ti->error in B's log"
vm_run B "! dmsetup info mx2 >/dev/null 2>&1" || fail "mx2 exists on B"
assert_eq Outdated "$(mx_data_state B)" "B's data state after the refusals"

step "restore the link: the resync clears Outdated"
link_restore A B
mx_wait_insync A 180
assert_eq "-" "$(mx_fence A)" "A's fencing state after the reconnect"
assert_eq Consistent "$(mx_data_state B)" "B's data state after the resync"
mx_assert_same A B
check_pattern B $MX_DATA 057-after 4M 40M
check_pattern B $MX_DATA 057-before 4M 8M

step "cut again and let fence_timeout (15 s) pass: writes stay held, Failed"
link_cut A B
job=$(vm_run_bg -t 300 A "dd if=$(pattern_file 057-timeout 1048576) of=/dev/mapper/mx bs=1M seek=48 oflag=direct status=none && echo written")
wait_for 60 _mx_is_fence A Pending
wait_for 60 _mx_is_fence A Failed
vm_run A "dmesg" | grep -q "no peer_outdated within fence_timeout 15 s: fencing failed" || fail "no fencing-failed line in A's log"
mxctl A status mx | grep -q "fencing: Failed" || fail "mirrorctl status does not show Failed"
sleep 3
[ ! -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ] || fail "a write completed after the fence timeout"
step "the peer comes back: the reconnect ends the fencing, the write completes"
link_restore A B
assert_eq written "$(vm_wait A "$job")" "held write completed after the reconnect"
mx_wait_insync A 180
assert_eq "-" "$(mx_fence A)" "A's fencing state after the reconnect"
mx_assert_same A B

step "the link lost while A suspends with a write in flight: the write is held, A fences"
# presuspend runs before dm waits for the writes in flight: a peer lost in
# that window with a write it missed must be fenced like any other loss
# (before the fix: the write completed unreplicated, the suspend ended).
link_cut A B
job=$(vm_run_bg -t 300 A "dd if=$(pattern_file 057-suspend 1048576) of=/dev/mapper/mx bs=1M seek=52 oflag=direct status=none && echo written")
sleep 1
susp=$(vm_run_bg -t 300 A "dmsetup suspend mx && echo suspended")
wait_for 60 _mx_is_fence A Pending
sleep 2
[ ! -f "$MX_WORKDIR/A/spool/out/${susp#* }.rc" ] || fail "the suspend ended with the missed write held"
[ ! -f "$MX_WORKDIR/A/spool/out/${job#* }.rc" ] || fail "the write completed without its peer"
mxctl B outdate mx
mxctl A peer-outdated mx 1
assert_eq written "$(vm_wait A "$job")" "the held write after peer_outdated"
assert_eq suspended "$(vm_wait A "$susp")" "the suspend after peer_outdated"
vm_run A "dmsetup resume mx"
link_restore A B
mx_wait_insync A 180
assert_eq Consistent "$(mx_data_state B)" "B's data state after the resync"
check_pattern B $MX_DATA 057-suspend 1M 52M
mx_assert_same A B

step "B's fence-peer handler from its config, started as mirrorx-fence@mx.service starts it, while B is a target"
# The unit's own command line (its ExecStart, for mirror mx): a daemon
# that waits while B is a target and fences from the config's fence_peer
# once B is the source. The test never runs a handler after this.
unit=$(sed -n 's|^ExecStart=@SBINDIR@/mirrorctl ||p' "$MX_REPO/tools/systemd/mirrorx-fence@.service.in" | sed 's/%i/mx/g')
assert_eq "fence-handler mx --follow" "$unit" "the unit's command"
mxctl B set mx --fence-peer 'echo "$MIRRORX_NAME $MIRRORX_PEER" >>/tmp/057-fence-log'
mx_conf B | grep -Fx 'fence_peer = echo "$MIRRORX_NAME $MIRRORX_PEER" >>/tmp/057-fence-log' ||
	fail "fence_peer not in B's config"
daemon=$(vm_run_bg -t 1000 B "MIRRORX_CONF_DIR=$(mx_conf_dir B) $MXCTL $unit")
daemon_out=$MX_WORKDIR/B/spool/out/${daemon#* }.out
wait_for 60 grep -q "mx: a target here: waiting until it is the source" "$daemon_out"

step "after the resync B's promotion is accepted (switchover)"
mxctl A demote mx
mxctl B promote mx
assert_eq mirrorx "$(mx_table_target B)" "B's table after promotion"
mx_wait_insync B 120
check_pattern B /dev/mapper/mx 057-timeout 1M 48M
write_pattern B /dev/mapper/mx 057-on-b 1M 56M
check_pattern A $MX_DATA 057-on-b 1M 56M
mx_assert_same A B

step "two link cuts on the source B: its handler (from the config) fences each, no one else acts"
for i in 1 2; do
	link_cut B A
	job=$(vm_run_bg -t 300 B "dd if=$(pattern_file "057-daemon-$i" 1048576) of=/dev/mapper/mx bs=1M seek=$((56 + 2 * i)) oflag=direct status=none && echo written")
	wait_for 120 _mx_is_fence B PeerOutdated
	assert_eq written "$(vm_wait B "$job")" "the held write after B's handler fenced (cut $i)"
	assert_eq "$(printf 'mx 0\n%.0s' $(seq "$i"))" "$(vm_run B "cat /tmp/057-fence-log")" "the config's command runs, once per loss (cut $i)"
	[ ! -f "$MX_WORKDIR/B/spool/out/${daemon#* }.rc" ] || fail "B's handler ended after cut $i: $(cat "$daemon_out")"
	link_restore B A
	mx_wait_insync B 180
	assert_eq "-" "$(mx_fence B)" "B's fencing state after the reconnect (cut $i)"
	check_pattern A $MX_DATA "057-daemon-$i" 1M $((56 + 2 * i))M
	mx_assert_same A B
done
cat "$daemon_out"
grep -q "mx: peer 0 outdated: held writes complete" "$daemon_out" || fail "B's handler did not say it fenced"
pass
