#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster integrations on the host, as Pacemaker and LifeKeeper call
# them, over mirrorctl and the stand-in libdevmapper (fakedm.c: the kernel's
# status line of every mirrorx-recv/mirrorx device is set by the test in
# $MX_FAKEDM/status.TARGET):
#  - ocf:mirrorx:mirrorx (tools/ocf/mirrorx): meta-data valid against the
#    OCF DTD and RelaxNG schema of resource-agents, validate-all exit codes,
#    ocf-tester, start/monitor/promote/demote/stop/reload, the promotion
#    score of each data state (crm_attribute stubbed, its calls recorded),
#    promotion refused on Outdated/Inconsistent/Failed/Fresh data;
#  - mirrorx-fence-peer: the location constraint placed and removed
#    (cibadmin stubbed over a file), and the agent's part: a fenced target
#    scores -INFINITY, the source unfences once its peers are in sync;
#  - the LifeKeeper kit: create and extend (LCDI commands stubbed, calls
#    recorded), quickCheck with a peer away, restore refusing Outdated and
#    Inconsistent data, and waiting for the peers' verdict only when a peer
#    listens.
# Everything that runs the mirror needs root and losetup (skipped, counted,
# without). Usage: tools/tests/cluster.sh path/to/mirrorctl-fakedm
set -uo pipefail

CTL=${1:?usage: cluster.sh path/to/mirrorctl-fakedm}
case $CTL in /*) ;; *) CTL=$PWD/$CTL ;; esac
TOOLS=$(cd "$(dirname "$0")/.." && pwd)
AGENT=$TOOLS/ocf/mirrorx
FENCE=$TOOLS/ocf/mirrorx-fence-peer
LK=$TOOLS/lifekeeper
fails=0
n=0
skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mx-cluster.XXXXXX")
loops=()
pids=()
cleanup() {
	local l p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
export MIRRORX_CONF_DIR=$tmp/conf
export MX_FAKEDM=$tmp/dm
export MIRRORX_RUN_DIR=$tmp/run
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=mxr
export LKROOT=$tmp/lk FAKE_NODE=n1 CIB=$tmp/cib
unset OCF_RESKEY_name OCF_RESKEY_check_peers OCF_RESKEY_CRM_meta_promotable
mkdir -p "$tmp/bin" "$LKROOT/bin" "$CIB"

fail() {
	echo "FAIL: $*" >&2
	[ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err" | head -20 >&2
	fails=$((fails + 1))
}

skip() {
	echo "skip: $*" >&2
	skipped=$((skipped + 1))
}

# ---- stubs: mirrorctl (logged), the Pacemaker and LifeKeeper commands ----
cat >"$tmp/bin/mirrorctl" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/mirrorctl.log"
exec "$CTL" "\$@"
EOF
cat >"$tmp/bin/crm_attribute" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/crm.log"
EOF
cat >"$tmp/bin/crm_node" <<'EOF'
#!/bin/sh
echo "$FAKE_NODE"
EOF
# The dm-mirrorx module "is installed" (canextend asks modinfo).
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/modinfo"
# cibadmin over files: $CIB/clone.NAME (the clone a primitive query finds),
# $CIB/constraint (the one rsc_location), $CIB/no-promoted (the schema
# knows no role Promoted).
cat >"$tmp/bin/cibadmin" <<'EOF'
#!/bin/bash
echo "$*" >>"$CIB/log"
case $1 in
-Q)
	case $3 in
	*rsc_location*) [ -f "$CIB/constraint" ] || exit 105; cat "$CIB/constraint" ;;
	*primitive*)
		name=$(sed -n "s/.*@value='\([^']*\)'.*/\1/p" <<<"$3")
		[ -f "$CIB/clone.$name" ] || exit 105
		cat "$CIB/clone.$name"
		;;
	esac
	;;
-C)
	[ ! -f "$CIB/constraint" ] || { echo "already exists" >&2; exit 108; }
	if [ -f "$CIB/no-promoted" ] && [[ $5 == *'role="Promoted"'* ]]; then
		echo "Update does not conform to the configured schema" >&2
		exit 103
	fi
	echo "$5" >"$CIB/constraint"
	;;
-D) rm -f "$CIB/constraint" ;;
esac
EOF
for c in ins_create ins_setstate ins_remove eqv_create; do
	cat >"$LKROOT/bin/$c" <<EOF
#!/bin/sh
echo "$c \$*" >>"$tmp/lcd.log"
[ ! -f "$tmp/lcd-fail-$c" ] || exit 1
[ "$c" != ins_create ] || touch "$LKROOT/inst.\$(echo "\$*" | sed 's/.*-t \([^ ]*\).*/\1/')"
EOF
done
cat >"$LKROOT/bin/ins_list" <<EOF
#!/bin/sh
[ ! -f "$LKROOT/inst.\$2" ] || echo "\$2"
EOF
chmod +x "$tmp"/bin/* "$LKROOT"/bin/*
export PATH=$tmp/bin:$PATH
export MIRRORCTL=$tmp/bin/mirrorctl

# agent WANT-RC ACTION [VAR=VALUE...]: the agent's exit status must be WANT.
agent() {
	local want=$1 action=$2 rc
	shift 2
	n=$((n + 1))
	env OCF_RESKEY_name=mx "$@" "$AGENT" "$action" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = "$want" ] || { fail "agent $action $*: exit $rc, want $want"; return 1; }
	! grep -q 'Sanitizer\|runtime error' "$tmp/err" || { fail "agent $action: sanitizer report"; return 1; }
	return 0
}

# run WANT-RC CMD...: CMD's exit status must be WANT-RC (output in $tmp/out,
# $tmp/err).
run() {
	local want=$1 rc
	shift
	n=$((n + 1))
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = "$want" ] || { fail "$*: exit $rc, want $want"; return 1; }
	return 0
}

expect() { # FILE PATTERN WHAT
	n=$((n + 1))
	grep -Eq -- "$2" "$1" 2>/dev/null || fail "$3: no /$2/ in $(basename "$1"): $(tail -c 600 "$1" 2>/dev/null)"
}

is() { # GOT WANT WHAT
	n=$((n + 1))
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}

# The last promotion score the agent set ("-D" when it deleted it).
score() { tail -n1 "$tmp/crm.log" 2>/dev/null | sed -e 's/.* -v //' -e 's/.* -D$/-D/'; }

# The kernel's status of every target / source (fakedm's status.TARGET).
# A listening target names no peer ("-"), a connected one its source.
# put_status TARGET LINE replaces the file in one rename: a fence-peer
# handler that follows the status from the background never reads it
# half written (an empty status once made it exit, a flaky check).
put_status() {
	echo "$2" >"$MX_FAKEDM/status.$1.new" &&
		mv -f "$MX_FAKEDM/status.$1.new" "$MX_FAKEDM/status.$1"
}
tgt() {
	local id=0
	[[ $2 != Listening* ]] || id=-
	put_status mirrorx-recv "target $1 128 0/4096 1 $id $2 - 0 0/0 0 0 0"
}
src() { put_status mirrorx "source $1 128 0/4096 1 0 $2 sync 0 0/0 0 0 0"; }

role() { "$CTL" role mx 2>/dev/null; }

have_loop() {
	[ "$(id -u)" = 0 ] && command -v losetup >/dev/null && losetup -f >/dev/null 2>&1
}

# A free TCP port on 127.0.0.1 (nothing listens) and one that listens.
closed_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
end = time.time() + 600
while time.time() < end:
    s.settimeout(1)
    try:
        s.accept()[0].close()
    except OSError:
        pass
' >"$tmp/port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
open_port=$(cat "$tmp/port")

# mirror ROLE PEER-PORT: a fresh "mx" (node 1, peer 0 at 127.0.0.1:PORT),
# not started, and a fresh fakedm (a target Consistent with no source, a
# source UpToDate with its peer away), CIB and LifeKeeper.
mirror() {
	rm -rf "$MIRRORX_CONF_DIR" "$MX_FAKEDM" "${CIB:?}"/* "$LKROOT"/inst.* \
		"$LKROOT/subsys" "$LKROOT/lkadm" "$tmp"/*.log "$tmp"/lcd-fail-*
	mkdir -p "$MIRRORX_CONF_DIR" "$MX_FAKEDM"
	"$CTL" create mx --role "$1" --node-id 1 --data "$D" --meta "$M" \
		--peer "0,127.0.0.1:$2" --listen 127.0.0.1:7789 --no-start --force \
		>/dev/null 2>"$tmp/err" || fail "mirrorctl create mx --role $1"
	tgt Consistent "Listening Idle"
	src UpToDate "Connecting Idle"
	: >"$tmp/mirrorctl.log"
	: >"$tmp/crm.log"
}

# ---- meta-data: valid, and readable as nobody ----
"$AGENT" meta-data >"$tmp/meta.xml" 2>"$tmp/err" || fail "meta-data: exit $?"
for v in "--dtdvalid /usr/share/resource-agents/ra-api-1.dtd" \
	"--relaxng /usr/share/resource-agents/metadata.rng"; do
	if ! command -v xmllint >/dev/null || [ ! -f "${v#* }" ]; then
		skip "meta-data $v: needs xmllint and resource-agents"
		continue
	fi
	n=$((n + 1))
	# shellcheck disable=SC2086 # option and file
	xmllint --noout $v "$tmp/meta.xml" >"$tmp/err" 2>&1 || fail "meta-data not valid ($v): $(grep -v 'failed to load external entity' "$tmp/err")"
done
expect "$tmp/meta.xml" '<action name="promote"' "meta-data: promote"
expect "$tmp/meta.xml" '<action name="monitor" .*role="Promoted"' "meta-data: monitor of the promoted role"
if [ "$(id -u)" = 0 ] && command -v su >/dev/null; then
	n=$((n + 1))
	su nobody -s /bin/sh -c "$AGENT meta-data" >/dev/null 2>&1 || skip "meta-data as nobody (is $AGENT readable by others?)"
fi

# ---- validate-all: OCF exit codes ----
mkdir -p "$MIRRORX_CONF_DIR"
agent 6 validate-all OCF_RESKEY_name=
agent 6 validate-all OCF_RESKEY_name=a/b
agent 6 validate-all OCF_RESKEY_check_peers=ten && expect "$tmp/err" "check_peers 'ten'" "validate-all names the parameter"
agent 5 validate-all && expect "$tmp/err" "no mirror config .*/mx.conf" "validate-all without a config"
agent 5 validate-all OCF_RESKEY_mirrorctl=/nonexistent
agent 7 monitor
agent 0 stop
agent 3 frobnicate

if ! have_loop; then
	skip "the agent, fence handler and LifeKeeper runs: need root and losetup"
	echo "cluster.sh: $n checks, $fails failed, $skipped skipped"
	[ $fails -eq 0 ]
	exit
fi
for f in d m; do
	truncate -s 8M "$tmp/$f"
	l=$(losetup -f --show "$tmp/$f") || { fail "losetup"; exit 1; }
	loops+=("$l")
done
D=${loops[0]}
M=${loops[1]}

# ---- the agent: validate, promotable, ocf-tester ----
mirror target "$closed_port"
agent 0 validate-all
agent 6 validate-all OCF_RESKEY_CRM_meta_promotable=false && expect "$tmp/err" "promotable clone" "not promotable"
tgt Consistent "Listening Idle"
src UpToDate "Connected InSync"
if command -v ocf-tester >/dev/null; then
	n=$((n + 1))
	ocf-tester -n mxr -o name=mx "$AGENT" >"$tmp/out" 2>&1 || fail "ocf-tester: $(cat "$tmp/out")"
	expect "$tmp/out" "passed all tests" "ocf-tester"
else
	skip "ocf-tester: not installed (resource-agents)"
fi

# ---- start, scores of each data state, promote refused, promote ----
mirror target "$closed_port"
tgt Consistent "Listening Idle"
agent 7 monitor
agent 0 start && is "$(role)" target "role after start"
is "$(score)" 0 "score: Consistent, no source"
agent 0 start
tgt Consistent "Connected InSync"
agent 0 monitor && is "$(score)" 1000 "score: Consistent, in sync with its source"
for st in "Inconsistent:Connected Resyncing" "Outdated:Listening Idle" \
	"Failed:Connected InSync" "Fresh:Listening Idle"; do
	tgt "${st%%:*}" "${st#*:}"
	agent 0 monitor && is "$(score)" -INFINITY "score: ${st%%:*}"
	agent 1 promote && expect "$tmp/err" "cannot be promoted here: its data is ${st%%:*}" "promote refused: ${st%%:*}"
	is "$(role)" target "role after a refused promote (${st%%:*})"
done
tgt Consistent "Listening Idle"
agent 0 promote && is "$(role)" source "role after promote"
expect "$tmp/mirrorctl.log" "^promote mx --check-peers 0$" "promote: no peer listens, no wait"
is "$(score)" 10000 "score: the source"
agent 8 monitor
agent 0 promote
src Failed "Connected InSync"
agent 9 monitor && is "$(score)" -INFINITY "score: a source whose disk failed"
src UpToDate "Connected InSync"
agent 0 reload && expect "$tmp/mirrorctl.log" "^adjust mx$" "reload: mirrorctl adjust"
agent 0 demote && is "$(role)" target "role after demote"
agent 0 demote
agent 0 stop && is "$(role)" down "role after stop"
is "$(score)" -D "score deleted at stop"
agent 0 stop
agent 1 promote
# A peer listening as a target: its verdict is waited for.
mirror target "$open_port"
src UpToDate "Connected InSync"
agent 0 start
agent 0 promote OCF_RESKEY_check_peers=7
expect "$tmp/mirrorctl.log" "^promote mx --check-peers 7$" "promote: a peer listens, its verdict waited for"
# Up as the source outside the cluster: start makes it a target.
mirror source "$closed_port"
"$CTL" up mx >/dev/null 2>&1
agent 0 start && is "$(role)" target "start of a running source"

# ---- mirrorx-fence-peer and the agent's part ----
mirror target "$closed_port"
tgt Consistent "Listening Idle"
src UpToDate "Connecting Idle"
agent 0 start
run 1 "$FENCE" fence mx 0 && expect "$tmp/err" "not the source on this node" "fence from a target"
agent 0 promote
run 1 "$FENCE" fence mx 0 && expect "$tmp/err" "no promotable clone" "fence without the resource"
echo '<clone id="mx-clone">' >"$CIB/clone.mx"
run 2 "$FENCE" fence
run 1 "$FENCE" fence 'a b'
run 0 "$FENCE" fence mx 0 && expect "$tmp/mirrorctl.log" "^peer-outdated mx 0$" "fence: then tells the source's kernel"
expect "$CIB/constraint" '^<rsc_location id="mirrorx-fence-mx" rsc="mx-clone"><rule id="mirrorx-fence-mx-rule" role="Promoted" score="-INFINITY"><expression id="mirrorx-fence-mx-expr" attribute="#uname" operation="ne" value="n1"/></rule></rsc_location>$' "the constraint"
run 0 "$FENCE" fence mx 0 && expect "$tmp/err" "fenced already" "fence twice"
run 0 "$FENCE" status mx && expect "$tmp/out" "promotable only on n1" "status"
# The fenced node: a target with no source is Outdated, never promoted.
agent 8 monitor FAKE_NODE=n2
agent 0 demote
agent 0 monitor FAKE_NODE=n2 && is "$(score)" -INFINITY "score of a fenced target"
expect "$tmp/err" "fenced here \(promotion only on n1\)" "the agent says it is fenced"
agent 1 promote FAKE_NODE=n2
# The source keeps the constraint while a peer is away, removes it once
# every peer is in sync again.
agent 0 promote
agent 8 monitor && [ -f "$CIB/constraint" ] || fail "constraint removed with the peer away"
run 1 env FAKE_NODE=n2 "$FENCE" fence mx 0 && expect "$tmp/err" "already leaves only n1 promotable" "fence from another node"
src UpToDate "Connected InSync"
agent 8 monitor
n=$((n + 1))
[ ! -f "$CIB/constraint" ] || fail "constraint left after the peers resynced"
run 1 "$FENCE" status mx
run 0 "$FENCE" unfence mx
# A CIB schema without the role name Promoted: Master.
touch "$CIB/no-promoted"
src UpToDate "Connecting Idle"
run 0 "$FENCE" fence mx && expect "$CIB/constraint" 'role="Master"' "fence on an old schema"

# ---- the agent runs the fence-peer handler where it is promoted ----
# fencing resource in the config: promote starts "mirrorctl fence-handler
# mx --follow" (pid in $HA_RSCTMP), with mirrorx-fence-peer as its command
# unless the config names fence_peer; a Pending fencing is resolved with
# nobody else acting; the Promoted monitor restarts a dead handler;
# demote and stop end it.
export HA_RSCTMP=$tmp/rsctmp
FPID=$HA_RSCTMP/mirrorx-fence-mx.pid
rm -f "$CIB/no-promoted"
# handler_pid: the pid the agent recorded, when that process lives.
handler_pid() {
	local p
	p=$(cat "$FPID" 2>/dev/null) && kill -0 "$p" 2>/dev/null && echo "$p"
}
# wait_for_file FILE PATTERN: up to 20 s.
wait_for_file() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
mirror target "$closed_port"
"$CTL" set mx --fencing resource >/dev/null 2>&1 || fail "set --fencing resource"
echo '<clone id="mx-clone">' >"$CIB/clone.mx"
agent 0 start
n=$((n + 1))
[ ! -e "$FPID" ] || fail "a handler started on an unpromoted instance"
agent 0 promote
h1=$(handler_pid) || fail "no fence-peer handler after promote: $(cat "$tmp/err")"
pids+=("$h1")
# (The handler logs its command line from the background: waited for.)
n=$((n + 1))
wait_for_file "$tmp/mirrorctl.log" "^fence-handler mx --follow --exec $FENCE fence mx$" ||
	fail "promote: the handler with mirrorx-fence-peer: $(cat "$tmp/mirrorctl.log")"
# The source loses its in-sync peer: the handler places the constraint and
# releases the writes.
put_status mirrorx "source UpToDate 128 0/4096 1 0 Connecting Idle sync 0 0/0 0 0 0 Pending"
n=$((n + 1))
wait_for_file "$MX_FAKEDM/mx/messages" "^peer_outdated 0$" ||
	fail "the agent's handler sent no peer_outdated: $(cat "$HA_RSCTMP/mirrorx-fence-mx.log")"
expect "$CIB/constraint" 'id="mirrorx-fence-mx"' "the agent's handler placed the constraint"
expect "$HA_RSCTMP/mirrorx-fence-mx.log" "peer 0 outdated: held writes complete" "the handler's log"
# A handler that died comes back at the Promoted monitor.
kill -9 "$h1"
sleep 0.3
agent 8 monitor && expect "$tmp/err" "fence-peer handler of mx died: starting it again" "monitor restarts the handler"
h2=$(handler_pid) || fail "no handler after the monitor"
pids+=("$h2")
is "$([ "$h1" != "$h2" ] && echo new)" new "the restarted handler's pid"
agent 8 monitor
is "$(handler_pid)" "$h2" "a monitor leaves a live handler alone"
agent 0 demote
n=$((n + 1))
! kill -0 "$h2" 2>/dev/null && [ ! -e "$FPID" ] || fail "the handler still runs after demote"
# The config's fence_peer: no --exec; stop ends the handler.
"$CTL" set mx --fence-peer 'echo fenced' >/dev/null 2>&1 || fail "set --fence-peer"
: >"$tmp/mirrorctl.log"
agent 0 promote
h3=$(handler_pid) || fail "no handler after the second promote"
pids+=("$h3")
n=$((n + 1))
wait_for_file "$tmp/mirrorctl.log" "^fence-handler mx --follow$" ||
	fail "promote: the handler with the config's fence_peer: $(cat "$tmp/mirrorctl.log")"
agent 0 stop
n=$((n + 1))
! kill -0 "$h3" 2>/dev/null && [ ! -e "$FPID" ] || fail "the handler still runs after stop"
# Without fencing in the config: no handler.
mirror target "$closed_port"
agent 0 start
agent 0 promote
n=$((n + 1))
[ ! -e "$FPID" ] || fail "a handler for a mirror without fencing"
agent 0 stop

# ---- LifeKeeper: create, extend ----
lk() { # WANT-RC ACTION ARGS...
	local want=$1 a=$2
	shift 2
	run "$want" "$LK/$a" "$@"
}
mirror source "$closed_port"
src UpToDate "Connecting Idle"
lk 1 create -t mxt -i mx -s SOMETIMES
lk 1 create -t mxt -i nosuch
LKROOT=$tmp/nolk lk 1 create -t mxt -i mx && expect "$tmp/err" "LifeKeeper is not installed" "create without LifeKeeper"
lk 0 create -t mxt -i mx && is "$(role)" source "role after create"
expect "$tmp/lcd.log" "^ins_create -a mirrorx -r mirrorx -I AUTORES_ISP -s INTELLIGENT -t mxt -i mx$" "create: ins_create"
expect "$tmp/lcd.log" "^ins_setstate -t mxt -S ISP$" "create: in service"
for f in restore remove quickCheck recover delete; do
	is "$(readlink "$LKROOT/subsys/mirrorx/resources/mirrorx/actions/$f")" "$LK/$f" "create: action $f linked"
done
for f in canextend create extend; do
	is "$(readlink "$LKROOT/lkadm/subsys/mirrorx/mirrorx/bin/$f")" "$LK/$f" "create: $f linked"
done
lk 1 create -t mxt -i mx && expect "$tmp/err" "exists already" "create twice"
lk 1 extend -t mxt -i mx -S nodeA && expect "$tmp/err" "exists already here" "extend where it exists"
rm -f "$LKROOT"/inst.*
lk 1 extend -t mxt -i mx -S nodeA && expect "$tmp/err" "the source here" "extend to the source"
# ins_setstate fails: the instance is removed again.
mirror source "$closed_port"
touch "$tmp/lcd-fail-ins_setstate"
lk 1 create -t mxt -i mx
expect "$tmp/lcd.log" "^ins_remove -t mxt$" "create undone"

mirror target "$closed_port"
tgt Consistent "Listening Idle"
# canextend reads the config as mirrorctl does: a comment after a value
# is no part of it; a config that does not parse is said.
sed -i "s|^data_dev = .*|& # the data disk|" "$MIRRORX_CONF_DIR/mx.conf"
lk 0 canextend -t mxt -i mx && expect "$tmp/err" "mx can be extended to this node" "canextend with a comment after data_dev"
echo "resync_rate = fast" >>"$MIRRORX_CONF_DIR/mx.conf"
lk 1 canextend -t mxt -i mx && expect "$tmp/err" "cannot read the config of mx here: .*mx.conf line [0-9]+: .*resync_rate" "canextend with a bad config"
sed -i '/^resync_rate = fast$/d' "$MIRRORX_CONF_DIR/mx.conf"
mv "$MIRRORX_CONF_DIR/mx.conf" "$tmp/mx.conf.keep"
sed "s|^meta_dev = .*|meta_dev = $tmp/nosuch|" "$tmp/mx.conf.keep" >"$MIRRORX_CONF_DIR/mx.conf"
lk 1 canextend -t mxt -i mx && expect "$tmp/err" "meta_dev '$tmp/nosuch' of .*mx.conf is not a block device here" "canextend without the metadata device"
mv "$tmp/mx.conf.keep" "$MIRRORX_CONF_DIR/mx.conf"
lk 1 extend -t mxt -i mx && expect "$tmp/err" "TEMPLATE_SYS" "extend without -S"
lk 1 extend -t mxt -i mx -S nodeA -p 1
lk 0 extend -t mxt -i mx -S nodeA -o mxa -p 20 && is "$(role)" target "role after extend"
expect "$tmp/lcd.log" "^ins_create -a mirrorx -r mirrorx -I INIT_OSU -s INTELLIGENT -t mxt -i mx$" "extend: ins_create"
expect "$tmp/lcd.log" "^ins_setstate -t mxt -S OSU$" "extend: out of service"
expect "$tmp/lcd.log" "^eqv_create -t mxt -p 20 -S nodeA -o mxa -r 1 -e SHARED$" "extend: the equivalency"
mirror target "$closed_port"
touch "$tmp/lcd-fail-eqv_create"
lk 1 extend -t mxt -i mx -S nodeA
expect "$tmp/lcd.log" "^ins_remove -t mxt$" "extend undone"

# ---- LifeKeeper: restore, quickCheck ----
mirror target "$closed_port"
"$CTL" up mx >/dev/null 2>&1
for st in Outdated Inconsistent Failed; do
	tgt $st "Listening Idle"
	lk 1 restore -t mxt -i mx && expect "$tmp/err" "its data here is $st" "restore refuses $st"
	is "$(role)" target "role after a refused restore ($st)"
done
touch "$MIRRORX_CONF_DIR/mx.force"
tgt Inconsistent "Listening Idle"
lk 1 restore -t mxt -i mx
# A restore that failed used the flag up too: no later failover takes it.
n=$((n + 1))
[ ! -e "$MIRRORX_CONF_DIR/mx.force" ] || fail "force flag left after a failed restore"
tgt Outdated "Listening Idle"
lk 1 restore -t mxt -i mx && expect "$tmp/err" "its data here is Outdated" "restore of Outdated data without the flag"
touch "$MIRRORX_CONF_DIR/mx.force"
lk 0 restore -t mxt -i mx && is "$(role)" source "restore of Outdated data forced"
expect "$tmp/err" "force flag .*/mx.force taken \(and removed\)" "restore says it took the flag"
n=$((n + 1))
[ ! -e "$MIRRORX_CONF_DIR/mx.force" ] || fail "force flag not removed"
# The flag overrides a peer's verdict: said, not silent.
mirror target "$open_port"
src UpToDate "Connected TargetNewer"
"$CTL" up mx >/dev/null 2>&1
touch "$MIRRORX_CONF_DIR/mx.force"
lk 0 restore -t mxt -i mx && is "$(role)" source "restore forced over a TargetNewer verdict"
expect "$tmp/err" "mx: node 0 has newer data than this node \(TargetNewer\); it is discarded at a resync from here \(mirrorctl resync mx 0 --full\): promoting anyway \(--force\)" "a forced restore names the verdict it overrode"
# A failover: no peer listens, no wait for a verdict (was 10 s).
mirror target "$closed_port"
tgt Consistent "Listening Idle"
src UpToDate "Connecting Idle"
t0=$(date +%s%N)
lk 0 restore -t mxt -i mx && is "$(role)" source "role after restore (down before)"
ms=$((($(date +%s%N) - t0) / 1000000))
expect "$tmp/mirrorctl.log" "^up mx --role target$" "restore of a stopped target starts it first"
expect "$tmp/mirrorctl.log" "^promote mx --check-peers 0$" "restore: no peer listens, no wait"
n=$((n + 1))
[ "$ms" -lt 5000 ] || fail "restore with the old source down took $ms ms"
# A switchover: the old source listens as a target now.
mirror target "$open_port"
src UpToDate "Connected InSync"
"$CTL" up mx >/dev/null 2>&1
lk 0 restore -t mxt -i mx
expect "$tmp/mirrorctl.log" "^promote mx --check-peers 10$" "restore: a peer listens, its verdict waited for"
# quickCheck: a peer away is no failure; one disconnected by the admin is.
src UpToDate "Connecting Idle"
lk 0 quickCheck -t mxt -i mx && expect "$tmp/err" "peer 0 is away" "quickCheck warns of a peer away"
src UpToDate "StandAlone Idle"
lk 1 quickCheck -t mxt -i mx && expect "$tmp/err" "peer 0 not connected \(StandAlone" "quickCheck of a disconnected peer"
src UpToDate "Connected TargetNewer"
lk 1 quickCheck -t mxt -i mx
src UpToDate "Connected InSync"
lk 0 quickCheck -t mxt -i mx
"$CTL" demote mx >/dev/null 2>&1
lk 1 quickCheck -t mxt -i mx && expect "$tmp/err" "not running as the source" "quickCheck on a target"
# recover restores it, with restore's checks.
tgt Outdated "Listening Idle"
lk 1 recover -t mxt -i mx && expect "$tmp/err" "its data here is Outdated" "recover refuses Outdated"
tgt Consistent "Listening Idle"
lk 0 recover -t mxt -i mx && is "$(role)" source "role after recover"
# resize: mirrorctl resize here, with -s as --size.
: >"$tmp/mirrorctl.log"
lk 0 resize -t mxt -i mx && expect "$tmp/mirrorctl.log" "^resize mx$" "resize: mirrorctl resize"
lk 1 resize -t mxt -i mx -s 1G && expect "$tmp/mirrorctl.log" "^resize mx --size 1G$" "resize -s: --size"
lk 1 resize -t mxt -i mx -s && expect "$tmp/err" "option -s needs a value" "resize -s without a value"

# ---- LifeKeeper remove: out of service means no source runs here ----
mirror source "$closed_port"
"$CTL" up mx >/dev/null 2>&1
lk 0 remove -t mxt -i mx && is "$(role)" target "role after remove"
# A config that does not parse: the source still runs, remove fails.
"$CTL" promote mx >/dev/null 2>&1
echo "resync_rate = fast" >>"$MIRRORX_CONF_DIR/mx.conf"
lk 1 remove -t mxt -i mx && expect "$tmp/err" "cannot demote mx \(see above; still in use\?\): it still runs as the source here" "remove with a bad config"
expect "$tmp/err" "mx.conf line [0-9]+: .*resync_rate" "remove with a bad config: the reason"
expect "$MX_FAKEDM/mx/table" " mirrorx /" "remove with a bad config: still the source"
# No role at all (device-mapper does not answer): not "out of service".
MX_FAKEDM='' lk 1 remove -t mxt -i mx && expect "$tmp/err" "cannot tell whether mx runs as the source here \(mirrorctl role mx: .*cannot talk to device-mapper.*\): not taken out of service" "remove without a role"
# A demote that says it worked while the source still runs.
sed -i '/^resync_rate = fast$/d' "$MIRRORX_CONF_DIR/mx.conf"
cat >"$tmp/bin/mirrorctl-nodemote" <<EOF
#!/bin/sh
[ "\$1" != demote ] || exit 0
exec "$CTL" "\$@"
EOF
chmod +x "$tmp/bin/mirrorctl-nodemote"
MIRRORCTL=$tmp/bin/mirrorctl-nodemote lk 1 remove -t mxt -i mx &&
	expect "$tmp/err" "mx still runs as the source here after mirrorctl demote" "remove: a demote that did nothing"
lk 0 remove -t mxt -i mx && expect "$tmp/err" "mx out of service: this node is a target" "remove after all"
# Stopped: out of service whatever the config says.
mirror source "$closed_port"
echo "resync_rate = fast" >>"$MIRRORX_CONF_DIR/mx.conf"
lk 0 remove -t mxt -i mx && expect "$tmp/err" "mx out of service: not running here \(mirrorctl role: down\)" "remove of a stopped mirror with a bad config"
expect "$tmp/err" "mx.conf line [0-9]+: .*resync_rate" "remove of a stopped mirror with a bad config: the reason"

# fence-peer: mirrorctl outdate on the peer's system through lcdremexec
# (the stand-in logs its arguments and exits $LCD_RC).
FP=$LK/fence-peer
run 2 "$FP" -i mx
run 2 "$FP" -i 'bad name' -S nodeB
run 1 "$FP" -i mx -S nodeB && expect "$tmp/err" "lcdremexec not found" "fence-peer without LifeKeeper's lcdremexec"
cat >"$LKROOT/bin/lcdremexec" <<EOF
#!/bin/sh
echo "lcdremexec \$*" >>"$tmp/lcd.log"
echo "remote says hi"
exit \${LCD_RC:-0}
EOF
chmod +x "$LKROOT/bin/lcdremexec"
: >"$tmp/lcd.log"
run 0 "$FP" -i mx -S nodeB && expect "$tmp/lcd.log" "^lcdremexec -e -d nodeB -t 60 -- mirrorctl outdate mx$" "fence-peer outdates the peer over LifeKeeper's paths"
LCD_RC=4 run 1 "$FP" -i mx -S nodeB && expect "$tmp/err" "outdate mx on nodeB failed: remote says hi" "fence-peer when the outdate fails"
MIRRORX_PEER=2 run 0 "$FP" -i mx -S 1=nodeB,2=nodeC && expect "$tmp/lcd.log" "-d nodeC -t 60 -- mirrorctl outdate mx$" "fence-peer picks the peer's system"
MIRRORX_PEER=3 run 1 "$FP" -i mx -S 1=nodeB,2=nodeC && expect "$tmp/err" "no LifeKeeper system for peer '3'" "fence-peer with an unmapped peer"
rm -f "$LKROOT/bin/lcdremexec"

echo "cluster.sh: $n checks, $fails failed, $skipped skipped"
[ $fails -eq 0 ]
