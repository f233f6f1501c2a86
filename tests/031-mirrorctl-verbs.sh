#!/usr/bin/env bash
# 031-mirrorctl-verbs: every mirrorctl verb exercised; bad arguments (unknown mirror, wrong device, bad size, bad number) give one-line errors and non-zero exits
# timeout: 1500
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
. "$(dirname "$0")/mirrorctl.sh"
requires_module
requires_mirrorctl

MX_DATA_SIZE=64M mx_boot A B
a_addr=$(vm_addr A B)
b_addr=$(vm_addr B A)

step "bad arguments: unknown mirror (exit 3)"
for v in status up down delete promote demote wait-sync check role; do
	mxctl_err A 3 "unknown mirror 'nosuch'" "$v" nosuch
done
mxctl_err A 3 "unknown mirror 'nosuch'" pause nosuch 1
mxctl_err A 3 "unknown mirror 'nosuch'" resync nosuch all
mxctl_err A 3 "unknown mirror 'nosuch'" set nosuch --resync-rate 10

step "bad arguments: wrong device, bad size, bad number (exit 2)"
src=(create mx --role source --peer "1,$b_addr:$MX_PORT")
mxctl_err A 2 "data device /dev/vdz: No such file" "${src[@]}" --data /dev/vdz --meta "$MX_META"
mxctl_err A 2 "metadata device /etc/hostname is not a block device" "${src[@]}" --data "$MX_DATA" --meta /etc/hostname
mxctl_err A 2 "are the same" "${src[@]}" --data "$MX_DATA" --meta "$MX_DATA"
vm_run A "dmsetup create tiny --table '0 8 linear $MX_META 0' && dmsetup mknodes tiny"
mxctl_err A 2 "metadata device /dev/mapper/tiny is too small: 36.0 KiB needed" "${src[@]}" --data "$MX_DATA" --meta /dev/mapper/tiny
mxctl_err A 2 "has too many regions|too small" "${src[@]}" --data "$MX_DATA" --meta /dev/mapper/tiny --region-size 4K
mxctl_err A 2 "bad region size '3K'" "${src[@]}" --data "$MX_DATA" --meta "$MX_META" --region-size 3K
mxctl_err A 2 "bad size '1X' for --async-limit" "${src[@]}" --data "$MX_DATA" --meta "$MX_META" --async-limit 1X
mxctl_err A 2 "node id 9 out of range" "${src[@]}" --data "$MX_DATA" --meta "$MX_META" --node-id 9
mxctl_err A 2 "bad rate 'fast' for --resync-rate" "${src[@]}" --data "$MX_DATA" --meta "$MX_META" --resync-rate fast
mxctl_err A 2 "bad address '$b_addr:0'" create mx --role source --peer "1,$b_addr:0" --data "$MX_DATA" --meta "$MX_META"
mxctl_err A 2 "bad number '-1' for --timeout" wait-sync nosuch --timeout -1
vm_run A "dmsetup remove tiny"
# Foreign data on a metadata device is never overwritten silently.
vm_run B "printf 'not metadata' | dd of=$MX_META conv=notrunc status=none"
mxctl_err B 4 "is not blank and holds no dm-mirrorx metadata" create mx --role target --node-id 1 --data "$MX_DATA" --meta "$MX_META"

step "create: B target (Fresh: promote refused), A source with --assume-clean"
mxctl B create mx --role target --node-id 1 --data "$MX_DATA" --meta "$MX_META" \
	--listen "$b_addr:$MX_PORT" --peer "0,$a_addr:$MX_PORT" --force
mxctl_err B 4 "Fresh" promote mx
mxctl_err B 4 "already exists" create mx --role target --node-id 1 --data "$MX_DATA" --meta "$MX_META"
mxctl A create mx --role source --data "$MX_DATA" --meta "$MX_META" \
	--listen "$a_addr:$MX_PORT" --peer "1,$b_addr:$MX_PORT" --assume-clean
mxctl A wait-sync mx --timeout 120
# Both disks were zero: assume-clean skipped the initial sync.
js=$(mx_json A)
echo "$js"
assert_eq 0 "$(jq -r '.peers[0].resync_total' <<<"$js")" "regions resynced after --assume-clean"
mx_assert_same A B

step "role, list, status, check"
assert_eq source "$(mxctl A role mx)" "A's role"
assert_eq target "$(mxctl B role mx)" "B's role"
mxctl A list
mxctl A status
mxctl B status mx --json | jq -e '.[0].role == "target" and .[0].peers[0].id == 0' >/dev/null || fail "B status --json"
mxctl A check mx --role source
mxctl B check mx --role target
mxctl_err A 2 "has no peer 5" pause mx 5
mxctl_err B 1 "is a target on this node" pause mx 0
mxctl_err B 4 "node 0 is connected" promote mx --source-wait 0

step "set: resync rate by message, async_limit and peer mode by reload"
mxctl A set mx --resync-rate 4000
grep -qx "resync_rate = 4000" <<<"$(mx_conf A)" || fail "resync_rate not in A's config"
mxctl A set mx --async-limit 32M --peer "1,$b_addr:$MX_PORT,async"
assert_eq "0 $(mx_sectors A) mirrorx $MX_DATA $MX_META 128 1 1 $b_addr:$MX_PORT async 4 async_limit 33554432 resync_rate 4000" \
	"$(vm_run A 'dmsetup table mx')" "A's table after set"
mxctl A wait-sync mx --timeout 60
assert_eq async "$(mx_json A | jq -r '.peers[0].mode')" "peer mode after set"
mxctl A set mx --peer "1,$b_addr:$MX_PORT,sync"
mxctl A wait-sync mx --timeout 60

# (Before any "resync --full": the kernel keeps the slot's full-sync flag
# until the next handshake, so a reconnect after one resyncs everything.)
step "disconnect, check fails, writes recorded, connect resyncs them"
mxctl A disconnect mx 1
mx_wait_conn A StandAlone 30
mxctl_err A 1 "mirrorctl: wait-sync: .*StandAlone" wait-sync mx
assert_eq 1 "$(mxctl_rc A check mx)" "check while disconnected"
write_pattern A /dev/mapper/mx 312 4M 8M
mxctl A connect mx all
mxctl A wait-sync mx --timeout 120
n=$(mx_resync_count A)
echo "resynced $n regions after the disconnect"
[ "$n" -gt 0 ] && [ "$n" -le 128 ] || fail "resync after disconnect copied $n regions"
mx_assert_same A B

step "resync --full at 1000 KiB/s: pause, resume, speed and ETA, wait-sync"
write_pattern A /dev/mapper/mx 311 16M
# Slow enough (64 MiB: a minute) that the sample after resume still sees
# it running on a loaded host.
mxctl A set mx --resync-rate 1000
mxctl A resync mx 1 --full
mx_wait_state A Resyncing 30
mxctl A pause mx 1
mx_wait_state A Paused 10
mxctl A status mx
mxctl A resume mx 1
mx_wait_state A Resyncing 10
js=$(mxctl A status mx --json --sample-ms 2000)
echo "$js"
jq -e '.[0].peers[0].speed_bytes_per_sec > 0 and .[0].peers[0].eta_seconds >= 0 and .[0].peers[0].resync_total == 1024' <<<"$js" >/dev/null ||
	fail "no speed/ETA during the full resync"
mxctl A set mx --resync-rate 0
mxctl A wait-sync mx --timeout 300
mx_assert_same A B

step "verify"
mxctl A verify mx 1
wait_for 120 _mx_is_state A InSync
wait_for 60 vm_run A "dmesg | grep -q 'verify finished: 0 of'"

step "wait-sync --timeout with the link cut: exit 5"
link_cut A B
write_pattern A /dev/mapper/mx 313 1M
mx_wait_conn A Connecting 30
mxctl_err A 5 "not in sync after 3 s" wait-sync mx --timeout 3
link_restore A B
mxctl A wait-sync mx --timeout 120

step "demote refused while the device is open; switchover A -> B and back"
job=$(vm_run_bg -t 60 A "exec 3</dev/mapper/mx; sleep 30")
wait_for 20 vm_run A "[ \$(dmsetup info -c --noheadings -o open mx) -gt 0 ]"
mxctl_err A 4 "is open" demote mx
vm_kill_job A "$job"
wait_for 20 vm_run A "[ \$(dmsetup info -c --noheadings -o open mx) -eq 0 ]"
mxctl A demote mx
mxctl A demote mx
assert_eq target "$(mxctl A role mx)" "A after demote"
mxctl B promote mx --check-peers 20
mxctl B promote mx
assert_eq "0 $(mx_sectors B) mirrorx $MX_DATA $MX_META 128 1 0 $a_addr:$MX_PORT sync 2 node_id 1" \
	"$(vm_run B 'dmsetup table mx')" "B's table as the source"
grep -qx "role = source" <<<"$(mx_conf B)" || fail "B's config role after promote"
mxctl B wait-sync mx --timeout 120
write_pattern B /dev/mapper/mx 314 4M 16M
mxctl B wait-sync mx --timeout 60
mx_assert_same A B
mxctl B demote mx
mxctl A promote mx --check-peers 20
mxctl A wait-sync mx --timeout 120
mx_assert_same A B

step "down, up, and up after a power loss of B (config kept on the host)"
mxctl B down mx
assert_eq down "$(mxctl B role mx)" "B after down"
mxctl B down mx
mxctl B up mx
assert_eq target "$(mxctl B role mx)" "B after up"
mxctl A wait-sync mx --timeout 120
mx_conf_keep B
vm_kill B
write_pattern A /dev/mapper/mx 315 2M 32M
vm_start B
load_module B
mx_conf_back B
mxctl B up mx
mxctl A wait-sync mx --timeout 120
n=$(mx_resync_count A)
[ "$n" -gt 0 ] && [ "$n" -le 256 ] || fail "resync after B's restart copied $n regions"
mx_assert_same A B

step "delete --wipe-meta"
mxctl B delete mx --wipe-meta
mxctl_err B 3 "unknown mirror 'mx'" status mx
assert_eq 00000000 "$(vm_run B "dd if=$MX_META bs=4 count=1 status=none | od -An -tx1 | tr -d ' \n'")" "B's superblock wiped"
mxctl A delete mx
mxctl_err A 3 "unknown mirror 'mx'" role mx
pass
