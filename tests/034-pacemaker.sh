#!/usr/bin/env bash
# 034-pacemaker: ocf:mirrorx:mirrorx in a live two-node cluster (Debian's corosync and pacemaker in the guests): a promotable clone (fencing resource) with an ext4 Filesystem on top, started and promoted, a planned switchover and back; the fence-peer handler run by the agent on the promoted node only (restarted by its monitor when killed); the replication link cut with corosync up (writes held until the agent's handler ran mirrorx-fence-peer, which placed its constraint; the peer Outdated and not promotable); the link restored (resync, constraint gone, promotable again); the source's guest killed hard (failover, every fsync'd file intact); each checked by checksums of files written through the filesystem
# timeout: 2400
# long: minutes of TCG time (make check-long); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
. "$(dirname "$0")/mirrorctl.sh"
requires_module
requires_mirrorctl
requires_cmd corosync pacemakerd cibadmin crm_resource
[ -f /usr/lib/ocf/resource.d/heartbeat/Filesystem ] || skip "ocf:heartbeat:Filesystem missing (resource-agents)"

MX_DATA_SIZE=64M mx_boot A B

# pcmk_setup: corosync (knet over the A-B link, two_node quorum) and
# pacemaker on both guests, started by hand (the guests run no systemd),
# the agent linked under the OCF root.
pcmk_setup() {
	local g conf
	conf="totem {
	version: 2
	cluster_name: mx
	transport: knet
	crypto_cipher: none
	crypto_hash: none
}
nodelist {
	node {
		ring0_addr: $(vm_addr A B)
		name: A
		nodeid: 1
	}
	node {
		ring0_addr: $(vm_addr B A)
		name: B
		nodeid: 2
	}
}
quorum {
	provider: corosync_votequorum
	two_node: 1
}
logging {
	to_logfile: yes
	logfile: /var/log/corosync.log
	to_syslog: no
}"
	for g in A B; do
		vm_run "$g" "hostname $g
			mkdir -p /etc/corosync /var/log/pacemaker /run/pacemaker /usr/lib/ocf/resource.d/mirrorx /srv/data
			chown hacluster:haclient /var/log/pacemaker
			ln -sf $MX_REPO/tools/ocf/mirrorx /usr/lib/ocf/resource.d/mirrorx/mirrorx
			cat >/etc/corosync/corosync.conf <<'EOF'
$conf
EOF"
	done
	for g in A B; do
		vm_run "$g" "setsid corosync </dev/null >/var/log/corosync.out 2>&1 & sleep 0.5; true"
	done
	for g in A B; do
		vm_run "$g" "setsid pacemakerd </dev/null >/var/log/pacemakerd.out 2>&1 & sleep 0.5; true"
	done
	wait_for 300 vm_run -t 30 A "crm_mon -1 | grep -Eq 'Online: \[ A B \]'"
}

# promoted_on G: the clone is promoted on G and the filesystem mounted there
# (asked on G: the other guest may be dead).
promoted_on() {
	vm_run -t 30 "$1" "crm_resource --locate -r mx-clone" | grep -Eq "is running on: $1 (Promoted|Master)" &&
		vm_run -t 30 "$1" "grep -q ' /srv/data ext4 ' /proc/mounts"
}

# pcmk_wait SECS G...: until the clone is promoted, with the filesystem
# mounted, on one of G... (its name in $P_NOW); on timeout the cluster's
# view and Pacemaker's log of both guests, then fail.
pcmk_wait() {
	local t=$1 end=$((EPOCHSECONDS + $1)) g
	shift
	for (( ; ; )); do
		for g in "$@"; do
			if promoted_on "$g"; then
				P_NOW=$g
				return 0
			fi
		done
		[ "$EPOCHSECONDS" -lt "$end" ] || break
		sleep 2
	done
	for g in A B; do
		vm_run -t 60 "$g" "crm_mon -1 -r -f; tail -n 80 /var/log/pacemaker/pacemaker.log" || true
	done
	fail "not promoted with the filesystem mounted on $* within ${t}s"
}

step "the mirror (A source, B target, fencing resource), in sync, ext4 on it"
mxctl_create_pair A B --fencing resource --fence-timeout 300
mxctl A wait-sync mx --timeout 300
vm_run A "mkfs.ext4 -q /dev/mapper/mx"

step "corosync and pacemaker on A and B"
t0=$EPOCHSECONDS
pcmk_setup
echo "cluster online after $((EPOCHSECONDS - t0))s"

step "the promotable clone and the Filesystem, ordered and colocated"
vm_run A "crm_attribute -t crm_config -n stonith-enabled -v false
	cibadmin -C -o resources -X '<clone id=\"mx-clone\">
  <meta_attributes id=\"mx-clone-meta\">
    <nvpair id=\"mx-clone-promotable\" name=\"promotable\" value=\"true\"/>
    <nvpair id=\"mx-clone-pmax\" name=\"promoted-max\" value=\"1\"/>
    <nvpair id=\"mx-clone-cmax\" name=\"clone-max\" value=\"2\"/>
    <nvpair id=\"mx-clone-notify\" name=\"notify\" value=\"true\"/>
  </meta_attributes>
  <primitive id=\"mx\" class=\"ocf\" provider=\"mirrorx\" type=\"mirrorx\">
    <instance_attributes id=\"mx-attrs\">
      <nvpair id=\"mx-name\" name=\"name\" value=\"mx\"/>
      <nvpair id=\"mx-mirrorctl\" name=\"mirrorctl\" value=\"$MXCTL\"/>
    </instance_attributes>
    <operations>
      <op id=\"mx-mon-p\" name=\"monitor\" interval=\"5s\" role=\"Promoted\" timeout=\"30s\"/>
      <op id=\"mx-mon-u\" name=\"monitor\" interval=\"6s\" role=\"Unpromoted\" timeout=\"30s\"/>
      <op id=\"mx-start\" name=\"start\" interval=\"0\" timeout=\"90s\"/>
      <op id=\"mx-promote\" name=\"promote\" interval=\"0\" timeout=\"90s\"/>
      <op id=\"mx-demote\" name=\"demote\" interval=\"0\" timeout=\"90s\"/>
      <op id=\"mx-stop\" name=\"stop\" interval=\"0\" timeout=\"90s\"/>
    </operations>
  </primitive>
</clone>'
	cibadmin -C -o resources -X '<primitive id=\"fs\" class=\"ocf\" provider=\"heartbeat\" type=\"Filesystem\">
  <instance_attributes id=\"fs-attrs\">
    <nvpair id=\"fs-dev\" name=\"device\" value=\"/dev/mapper/mx\"/>
    <nvpair id=\"fs-dir\" name=\"directory\" value=\"/srv/data\"/>
    <nvpair id=\"fs-type\" name=\"fstype\" value=\"ext4\"/>
  </instance_attributes>
  <operations>
    <op id=\"fs-mon\" name=\"monitor\" interval=\"10s\" timeout=\"40s\"/>
    <op id=\"fs-start\" name=\"start\" interval=\"0\" timeout=\"180s\"/>
    <op id=\"fs-stop\" name=\"stop\" interval=\"0\" timeout=\"180s\"/>
  </operations>
</primitive>'
	cibadmin -C -o constraints -X '<rsc_order id=\"fs-after-mx\" first=\"mx-clone\" first-action=\"promote\" then=\"fs\" then-action=\"start\"/>'
	cibadmin -C -o constraints -X '<rsc_colocation id=\"fs-with-mx\" rsc=\"fs\" with-rsc=\"mx-clone\" with-rsc-role=\"Promoted\" score=\"INFINITY\"/>'"
pcmk_wait 300 A B
if [ "$P_NOW" = A ]; then P=A S=B; else P=B S=A; fi
echo "promoted on $P"
vm_run A "crm_mon -1"
assert_eq source "$(mxctl "$P" role mx)" "the promoted node's role"
assert_eq target "$(mxctl "$S" role mx)" "the unpromoted node's role"

step "a file through the filesystem on $P, mirrored"
vm_run "$P" "dd if=/dev/urandom of=/srv/data/f1 bs=1M count=8 status=none && sync"
sum1=$(vm_run "$P" "sha256sum </srv/data/f1")
mxctl "$P" wait-sync mx --timeout 120

step "planned switchover to $S and back"
vm_run A "crm_resource --move -r mx-clone --node $S --promoted"
pcmk_wait 300 "$S"
vm_run A "crm_resource --clear -r mx-clone"
assert_eq "$sum1" "$(vm_run "$S" "sha256sum </srv/data/f1")" "f1 on $S after the switchover"
vm_run "$S" "dd if=/dev/urandom of=/srv/data/f2 bs=1M count=4 status=none && sync"
sum2=$(vm_run "$S" "sha256sum </srv/data/f2")
mxctl "$S" wait-sync mx --timeout 120
vm_run A "crm_resource --move -r mx-clone --node $P --promoted"
pcmk_wait 300 "$P"
vm_run A "crm_resource --clear -r mx-clone"
assert_eq "$sum1" "$(vm_run "$P" "sha256sum </srv/data/f1")" "f1 on $P after switching back"
assert_eq "$sum2" "$(vm_run "$P" "sha256sum </srv/data/f2")" "f2 on $P after switching back"
vm_run A "crm_mon -1; crm_attribute -N A -n master-mx -l reboot -G 2>&1; crm_attribute -N B -n master-mx -l reboot -G 2>&1" || true

# The source's status field 18: its peer's fencing state.
fence_state() { mx_field "$1" 18; }
_is_fence() { [ "$(fence_state "$1")" = "$2" ]; }
_is_data() { [ "$(mx_field "$1" 5)" = "$2" ]; }
# has_constraint G: mirrorx-fence-peer's constraint is in the CIB.
has_constraint() {
	vm_run -t 30 "$1" "cibadmin -Q --xpath \"//rsc_location[@id='mirrorx-fence-mx']\"" >/dev/null 2>&1
}
_no_constraint() { ! has_constraint "$1"; }
# port_cut G on|off: drop (or stop dropping) the mirror's TCP port in G,
# both ways; corosync (knet, UDP) on the same link is untouched.
port_cut() {
	local op=-I r
	[ "$2" = on ] || op=-D
	for r in "INPUT -p tcp --dport $MX_PORT" "INPUT -p tcp --sport $MX_PORT" \
		"OUTPUT -p tcp --dport $MX_PORT" "OUTPUT -p tcp --sport $MX_PORT"; do
		vm_run -t 30 "$1" "iptables $op $r -j DROP"
	done
}
score() { vm_run -t 30 "$1" "crm_attribute -N $2 -n master-mx -l reboot -G -q 2>/dev/null" || true; }

# handler_pid G: the pid of the fence-peer handler the agent runs on G
# (fails when none runs; the bracket keeps the pattern from matching the
# shell that runs pgrep).
handler_pid() { vm_run -t 30 "$1" "pgrep -f 'fence-handler m[x] --follow'"; }
_handler_runs() { handler_pid "$1" >/dev/null; }
_handler_restarted() { local p; p=$(handler_pid "$1") && [ "$p" != "$2" ]; }

step "the agent runs the fence-peer handler on $P only; its Promoted monitor restarts it"
# Nobody starts it by hand: the agent did at promote (fencing resource in
# the config, mirrorx-fence-peer as its command), and ended it on $S at
# the demote of the switchover.
h=$(handler_pid "$P") || fail "no fence-peer handler on the promoted $P"
[ "$(wc -l <<<"$h")" = 1 ] || fail "more than one handler on $P: $h"
! _handler_runs "$S" || fail "a fence-peer handler runs on the unpromoted $S"
vm_run "$P" "kill -9 $h"
wait_for 120 _handler_restarted "$P" "$h"
echo "handler on $P: pid $h killed, now $(handler_pid "$P")"

step "the replication link cut on $P (its TCP port only; corosync stays up): writes held until fenced"
assert_eq "-" "$(fence_state "$P")" "$P's fencing state while in sync"
vm_run "$P" "dmesg -C"
port_cut "$P" on
t0=$EPOCHSECONDS
vm_run -t 600 "$P" "dd if=/dev/urandom of=/srv/data/f3 bs=1M count=4 status=none conv=fsync"
echo "the write through the filesystem completed $((EPOCHSECONDS - t0))s after the cut"
sum3=$(vm_run "$P" "sha256sum </srv/data/f3")
wait_for 120 _is_fence "$P" PeerOutdated
vm_run "$P" "cat /run/resource-agents/mirrorx-fence-mx.log" || true
vm_run "$P" "dmesg" | grep -q "peer 1 lost while in sync: fencing\|peer 0 lost while in sync: fencing" ||
	fail "no fencing line in $P's log: the writes were not held"
vm_run "$P" "dmesg" | grep -q "outdated (peer_outdated): fencing done" || fail "no release line in $P's log"
assert_eq PeerOutdated "$(fence_state "$P")" "$P's fencing state after the handler"
has_constraint "$P" || fail "no mirrorx-fence-mx constraint after the fence handler"
vm_run "$P" "$MX_REPO/tools/ocf/mirrorx-fence-peer status mx"
vm_run "$P" "dd if=/dev/urandom of=/srv/data/f4 bs=1M count=2 status=none conv=fsync"
sum4=$(vm_run "$P" "sha256sum </srv/data/f4")

step "$S drops the silent link; the agent's monitor marks its data Outdated; $S is not promotable"
wait_for 120 _is_data "$S" Outdated
echo "promotion scores: $P $(score "$P" "$P"), $S $(score "$P" "$S")"
mxctl_err "$S" 4 "data of mx here is Outdated" promote mx
vm_run A "crm_resource --move -r mx-clone --node $S --promoted"
sleep 30
vm_run A "crm_mon -1" || true
promoted_on "$P" || fail "the clone left $P after a move to the fenced $S"
assert_eq target "$(mxctl "$S" role mx)" "$S's role after a move to it while fenced"
vm_run A "crm_resource --clear -r mx-clone"

step "the link restored: resync, the constraint removed, $S promotable again"
port_cut "$P" off
mxctl "$P" wait-sync mx --timeout 300
assert_eq Consistent "$(mx_field "$S" 5)" "$S's data state after the resync"
wait_for 120 _no_constraint "$P"
assert_eq "-" "$(fence_state "$P")" "$P's fencing state after the reconnect"
vm_run A "crm_resource --move -r mx-clone --node $S --promoted"
pcmk_wait 300 "$S"
vm_run A "crm_resource --clear -r mx-clone"
for f in "1 $sum1" "2 $sum2" "3 $sum3" "4 $sum4"; do
	assert_eq "${f#* }" "$(vm_run "$S" "sha256sum </srv/data/f${f%% *}")" "f${f%% *} on $S after the resync and the move"
done
mxctl "$S" wait-sync mx --timeout 120

step "$S (the source) killed hard during fsync'd writes: failover to $P, no acknowledged write lost"
# Each line "kN SHA" is printed once dd's fsync and the directory's fsync
# returned: the application was told kN is written.
job=$(vm_run_bg -t 600 "$S" "for i in \$(seq 1 500); do dd if=/dev/urandom of=/srv/data/k\$i bs=64k count=4 status=none conv=fsync && sync /srv/data || exit 1; echo \"k\$i \$(sha256sum </srv/data/k\$i | cut -d' ' -f1)\"; done")
out=$MX_WORKDIR/$S/spool/out/${job#* }.out
wait_for 120 test -s "$out"
sleep 8
t0=$EPOCHSECONDS
vm_kill "$S"
cp "$out" "$MX_WORKDIR/$P/spool/acked.txt"
acked=$(wc -l <"$MX_WORKDIR/$P/spool/acked.txt")
echo "files acknowledged before the kill: $acked"
[ "$acked" -ge 1 ] || fail "no file acknowledged before the kill"
pcmk_wait 300 "$P"
echo "promoted on $P with the filesystem mounted $((EPOCHSECONDS - t0))s after the kill"
mon=$(vm_run "$P" "crm_mon -1 -f") || true
echo "$mon"
# The first promote succeeded: mirrorctl promote waited for the dead
# source's link to drop instead of refusing while it looked connected.
! grep -q "Failed Resource Actions" <<<"$mon" || fail "a failed action during the failover"
assert_eq source "$(mxctl "$P" role mx)" "$P's role after the failover"
wait_for 60 _handler_runs "$P"
res=$(vm_run -t 300 "$P" "ok=0; while read -r n s; do if [ \"\$(sha256sum </srv/data/\$n | cut -d' ' -f1)\" = \"\$s\" ]; then ok=\$((ok + 1)); else echo \"BAD \$n\"; fi; done </mx/spool/acked.txt; echo \"ok \$ok\"")
echo "$res"
assert_eq "ok $acked" "$res" "acknowledged files intact on $P after the failover"
for f in "1 $sum1" "2 $sum2" "3 $sum3" "4 $sum4"; do
	assert_eq "${f#* }" "$(vm_run "$P" "sha256sum </srv/data/f${f%% *}")" "f${f%% *} on $P after the failover"
done
pass
