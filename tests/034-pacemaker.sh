#!/usr/bin/env bash
# 034-pacemaker: ocf:mirrorx:mirrorx in a live two-node cluster (Debian's corosync and pacemaker in the guests): a promotable clone with an ext4 Filesystem on top, started and promoted, a planned switchover and back, each checked by the checksum of a file written through the filesystem
# timeout: 1500
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

# promoted_on G: the clone is promoted on G and the filesystem mounted there.
promoted_on() {
	vm_run -t 30 A "crm_resource --locate -r mx-clone" | grep -Eq "is running on: $1 (Promoted|Master)" &&
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

step "the mirror (A source, B target), in sync, ext4 on it"
mxctl_create_pair A B
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
pass
