#!/usr/bin/env bash
# 032-lifekeeper: the LifeKeeper actions driven as LifeKeeper would: restore, quickCheck (a target away is no failure), link cut + recover, switchover with a partial resync back, stale restore refused, failover with no wait for a dead peer
# timeout: 1500
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
. "$(dirname "$0")/mirrorctl.sh"
requires_module
requires_mirrorctl

MX_DATA_SIZE=64M mx_boot A B
LK=(-t mirror-mx -i mx)

step "the mirror: A source (node 0), B target (node 1), in sync"
mxctl_create_pair A B
mxctl A wait-sync mx --timeout 300
total=$(mx_total A)

step "restore on A (in service already: idempotent), remove on B (a target already)"
assert_eq 0 "$(mx_lk_rc A restore "${LK[@]}")" "restore on A"
assert_eq 0 "$(mx_lk_rc A restore "${LK[@]}")" "restore on A again"
assert_eq 0 "$(mx_lk_rc B remove "${LK[@]}")" "remove on B"
assert_eq 0 "$(mx_lk_rc A quickCheck "${LK[@]}")" "quickCheck on A, healthy"
assert_eq 0 "$(mx_lk_rc B canextend "${LK[@]}")" "canextend on B"
assert_eq 1 "$(mx_lk_rc B canextend -t x -i nosuch)" "canextend of an unknown mirror"
assert_eq 1 "$(mx_lk_rc A restore)" "restore without -t/-i"
write_pattern A /dev/mapper/mx 321 16M

step "link cut: quickCheck warns but passes (a target away is no failure), recover keeps the source in service"
link_cut A B
mx_wait_conn A Connecting 30
write_pattern A /dev/mapper/mx 322 4M 16M
out=$(mx_lk A quickCheck "${LK[@]}" 2>&1) || fail "quickCheck failed with the target away: $out"
echo "$out"
grep -q "peer 1 is away" <<<"$out" || fail "quickCheck did not name the peer away: $out"
out=$(MXCTL_TIMEOUT=60 mx_lk A recover "${LK[@]}" 2>&1) || fail "recover failed: $out"
echo "$out"
grep -q "degraded" <<<"$out" || fail "recover did not report the degraded mirror: $out"
assert_eq source "$(mxctl A role mx)" "A after recover with the link cut"

step "link back: recover reconnects, quickCheck healthy, partial resync"
link_restore A B
assert_eq 0 "$(MXCTL_TIMEOUT=60 mx_lk_rc A recover "${LK[@]}")" "recover after the link came back"
wait_for 60 mx_lk A quickCheck "${LK[@]}"
mxctl A wait-sync mx --timeout 120
# The regions written while B was away (4 MiB), and those written just
# before the cut (16 MiB) whose bits a sweep had not yet cleared after a
# flush of both nodes: at most those 20 MiB from offset 0.
mx_assert_partial_resync A 20M
mx_assert_same A B

step "a disconnected peer (admin): quickCheck fails, recover reconnects it"
mxctl A disconnect mx 1
mx_wait_conn A StandAlone 30
assert_eq 1 "$(mx_lk_rc A quickCheck "${LK[@]}")" "quickCheck with the peer disconnected"
assert_eq 0 "$(mx_lk_rc A recover "${LK[@]}")" "recover of a disconnected peer"
assert_eq 0 "$(mx_lk_rc A quickCheck "${LK[@]}")" "quickCheck after recover"

step "restore on B while A is in service: refused"
assert_eq 1 "$(mx_lk_rc B restore "${LK[@]}")" "restore on B with A connected"
assert_eq target "$(mxctl B role mx)" "B after the refused restore"

step "switchover: remove on A, restore on B"
sum_a=$(dev_sha256 A /dev/mapper/mx)
assert_eq 0 "$(mx_lk_rc A remove "${LK[@]}")" "remove on A"
assert_eq target "$(mxctl A role mx)" "A after remove"
assert_eq 0 "$(mx_lk_rc A remove "${LK[@]}")" "remove on A again"
assert_eq 0 "$(mx_lk_rc B restore "${LK[@]}")" "restore on B"
assert_eq source "$(mxctl B role mx)" "B after restore"
assert_eq "0 $(mx_sectors B) mirrorx $MX_DATA $MX_META 128 1 0 $(vm_addr A B):$MX_PORT sync 2 node_id 1" \
	"$(vm_run B 'dmsetup table mx')" "B's source table"
wait_for 60 mx_lk B quickCheck "${LK[@]}"
mxctl B wait-sync mx --timeout 120
n=$(mx_resync_count B)
echo "B resynced $n of $total regions back to A at the switchover"
[ "$n" -le $((total / 8)) ] || fail "switchover resync was not partial: $n of $total"
assert_eq "$sum_a" "$(dev_sha256 B /dev/mapper/mx)" "B's mirror holds A's data"
mx_assert_same A B

step "B writes with the link cut; the resync back to A is partial"
link_cut A B
mx_wait_conn B Connecting 30
write_pattern B /dev/mapper/mx 323 4M 32M
link_restore A B
mxctl B wait-sync mx --timeout 120
n=$(mx_resync_count B)
echo "B resynced $n of $total regions to A"
[ "$n" -gt 0 ] && [ "$n" -le $((total / 8)) ] || fail "resync to A was not partial: $n of $total"
mx_assert_same A B
check_pattern A "$MX_DATA" 323 4M 32M

step "stale data: A, a target cut off while B wrote, may not go in service"
link_cut A B
mx_wait_conn B Connecting 30
write_pattern B /dev/mapper/mx 324 2M 40M
assert_eq 0 "$(mx_lk_rc B remove "${LK[@]}")" "remove on B (link cut)"
link_restore A B
sum_a=$(mx_data_sha A)
out=$(mx_lk A restore "${LK[@]}" 2>&1) && fail "restore of stale A succeeded: $out"
echo "$out"
grep -Eq "newer|diverged" <<<"$out" || fail "restore did not say why: $out"
assert_eq target "$(mxctl A role mx)" "A after the refused restore"
assert_eq "$sum_a" "$(mx_data_sha A)" "A's data untouched by the refused restore"

step "B back in service: A gets B's writes"
assert_eq 0 "$(mx_lk_rc B restore "${LK[@]}")" "restore on B"
mxctl B wait-sync mx --timeout 120
mx_assert_same A B
check_pattern A "$MX_DATA" 324 2M 40M

step "failover: B's mirror gone (its node died), restore on A does not wait for its verdict"
sum_b=$(dev_sha256 B /dev/mapper/mx)
mxctl B down mx
# The old code waited MIRRORX_LK_CHECK_PEERS seconds for a peer that
# could not answer.
t0=$(date +%s)
out=$(vm_run -t 120 A "MIRRORX_LK_CHECK_PEERS=40 MIRRORX_CONF_DIR=$(mx_conf_dir A) MIRRORCTL=$MXCTL $MX_LK/restore ${LK[*]}" 2>&1) ||
	fail "restore on A after B died: $out"
dt=$(($(date +%s) - t0))
echo "$out"
echo "restore on A with B down took ${dt}s"
[ "$dt" -lt 20 ] || fail "restore on A with B down took ${dt}s: it waited for B's verdict"
assert_eq source "$(mxctl A role mx)" "A after the failover"
assert_eq "$sum_b" "$(dev_sha256 A /dev/mapper/mx)" "A's mirror holds B's data"
assert_eq 0 "$(mx_lk_rc A quickCheck "${LK[@]}")" "quickCheck on A with B away"

step "delete on B (down), twice"
assert_eq 1 "$(mx_lk_rc A delete "${LK[@]}")" "delete of the in-service resource"
assert_eq 0 "$(mx_lk_rc B delete "${LK[@]}")" "delete on B"
assert_eq 0 "$(mx_lk_rc B delete "${LK[@]}")" "delete on B again"
mxctl_err B 3 "unknown mirror 'mx'" role mx
pass
