# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# mirrorctl helpers for the integration tests 030-039 (sourced after
# tests/lib.sh and tests/mirror.sh). mirrorctl is the host's build
# (tools/mirrorctl), seen by the guests at the same path. Guests keep their
# mirror configs in the default /etc/mirrorx, on the guest's tmpfs: a test
# that restarts a guest saves them first (mx_conf_keep / mx_conf_back).

MXCTL=$MX_REPO/tools/mirrorctl
MX_LK=$MX_REPO/tools/lifekeeper

# requires_mirrorctl: mirrorctl must be built (make tools).
requires_mirrorctl() {
	[ -x "$MXCTL" ] || skip "mirrorctl not built: $MXCTL (run make tools)"
	requires_cmd jq
}

# mx_conf_dir GUEST: the guest's MIRRORX_CONF_DIR.
mx_conf_dir() { echo /etc/mirrorx; }

# mx_conf GUEST: the text of GUEST's mx.conf.
mx_conf() { vm_run -t 30 "$1" "cat $(mx_conf_dir "$1")/mx.conf"; }

# mx_conf_keep GUEST: save GUEST's configs on the host (before a restart).
mx_conf_keep() {
	rm -rf "$MX_WORKDIR/$1.mirrorx"
	mkdir -p "$MX_WORKDIR/$1.mirrorx"
	vm_run -t 30 "$1" "cp $(mx_conf_dir "$1")/*.conf /mx/spool/" &&
		cp "$MX_WORKDIR/$1/spool/"*.conf "$MX_WORKDIR/$1.mirrorx/"
}

# mx_conf_back GUEST: put the saved configs back (after a restart).
mx_conf_back() {
	cp "$MX_WORKDIR/$1.mirrorx/"*.conf "$MX_WORKDIR/$1/spool/" &&
		vm_run -t 30 "$1" "mkdir -p $(mx_conf_dir "$1") && cp /mx/spool/*.conf $(mx_conf_dir "$1")/"
}

# mxctl GUEST ARGS...: run mirrorctl in GUEST (stdout and stderr pass
# through, exit status is mirrorctl's). MXCTL_TIMEOUT bounds it (120 s).
mxctl() {
	local g=$1 q
	shift
	q=$(printf '%q ' "$@")
	vm_run -t "${MXCTL_TIMEOUT:-120}" "$g" \
		"MIRRORX_CONF_DIR=$(mx_conf_dir "$g") $MXCTL $q"
}

# mxctl_rc GUEST ARGS...: mirrorctl's exit status (output to the test log).
mxctl_rc() {
	local rc=0
	mxctl "$@" >&2 || rc=$?
	echo "$rc"
}

# mxctl_err GUEST WANT_RC PATTERN ARGS...: mirrorctl must fail with exit
# status WANT_RC and exactly one stderr line matching the ERE PATTERN.
mxctl_err() {
	local g=$1 want=$2 pat=$3 rc=0 out err
	shift 3
	out=$MX_WORKDIR/mxctl.out
	err=$MX_WORKDIR/mxctl.err
	mxctl "$g" "$@" >"$out" 2>"$err" || rc=$?
	echo "mirrorctl $* -> exit $rc: $(cat "$err")"
	[ "$rc" = "$want" ] || fail "mirrorctl $*: exit $rc, want $want"
	[ "$(wc -l <"$err")" = 1 ] || fail "mirrorctl $*: stderr is not one line: $(cat "$err")"
	grep -Eq -- "$pat" "$err" || fail "mirrorctl $*: error does not match /$pat/: $(cat "$err")"
}

# mx_lk GUEST ACTION ARGS...: run a LifeKeeper resource action script in
# GUEST as LifeKeeper would, with LKROOT unset and mirrorctl on MIRRORCTL.
mx_lk() {
	local g=$1 a=$2 q
	shift 2
	q=$(printf '%q ' "$@")
	vm_run -t "${MXCTL_TIMEOUT:-120}" "$g" \
		"MIRRORX_CONF_DIR=$(mx_conf_dir "$g") MIRRORCTL=$MXCTL $MX_LK/$a $q"
}

# mx_lk_rc GUEST ACTION ARGS...: the action's exit status.
mx_lk_rc() {
	local rc=0
	mx_lk "$@" >&2 || rc=$?
	echo "$rc"
}

# mxctl_create_pair SRC TGT [EXTRA...]: "mx" with SRC = node 0 (source) and
# TGT = node 1 (target), each naming the other as its peer, the target
# listening on its address of the link. EXTRA options go to both creates.
mxctl_create_pair() {
	local s=$1 t=$2
	shift 2
	mxctl "$t" create mx --role target --node-id 1 --data "$MX_DATA" \
		--meta "$MX_META" --listen "$(vm_addr "$t" "$s"):$MX_PORT" \
		--peer "0,$(vm_addr "$s" "$t"):$MX_PORT" "$@"
	mxctl "$s" create mx --role source --node-id 0 --data "$MX_DATA" \
		--meta "$MX_META" --listen "$(vm_addr "$s" "$t"):$MX_PORT" \
		--peer "1,$(vm_addr "$t" "$s"):$MX_PORT" "$@"
}

# mx_json GUEST: mirrorctl status mx --json (no sampling delay).
mx_json() { mxctl "$1" status mx --json --sample-ms 0 | jq -c ".[0]"; }

# mx_role GUEST: the dm table's target type of mx ("" when not running).
mx_table_target() {
	vm_run -t 30 "$1" "dmsetup table mx 2>/dev/null | awk '{ print \$3 }'"
}
