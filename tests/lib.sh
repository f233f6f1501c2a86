# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# dm-mirrorx integration test library. A test is tests/NNN-name.sh:
#
#   #!/usr/bin/env bash
#   # NNN-name: one line saying what it proves
#   # timeout: 600            (optional, seconds, read by tests/run.sh)
#   . "$(dirname "$0")/lib.sh"
#   requires_module
#   vm_boot A 256M; vm_boot B 256M; vm_wait_ready A B
#   ...
#   pass
#
# Sourcing this sets -Eeuo pipefail: any failing command fails the test
# with its line number. On exit, every guest is killed, the kernel logs are
# scanned for oopses/warnings (which fail the test), logs are printed on
# failure, and one line "PASS: name", "FAIL: name: reason" or
# "SKIP: name: reason" ends the output. Exit status: 0 pass, 1 fail,
# 77 skip. The work dir is removed after a pass unless MX_KEEP=1.
# See scripts/vm/lib.sh for the guest functions (vm_*, link_*).

set -Eeuo pipefail

MX_TEST=$(basename "$0" .sh)
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/vm/lib.sh"

if [ -z "${MX_WORKDIR:-}" ]; then
	MX_WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/mx-$MX_TEST.XXXXXX")
fi
vm_init
MX_T0=$(date +%s)
# make check-debug builds the module for its kernel elsewhere (MX_KO).
MX_KO=${MX_KO:-$MX_REPO/dm-mirrorx/dm-mirrorx.ko}
_MX_REASON=
_MX_ERR_REASON=
_MX_LOGS_SHOWN=0

_mx_elapsed() { echo $(($(date +%s) - MX_T0)); }

# step MSG: print a progress line with the test's elapsed time.
step() { printf '[%4ss] %s\n' "$(_mx_elapsed)" "$*"; }

# show_logs: tails of every guest's console, dmesg and qemu log.
show_logs() {
	local n
	_MX_LOGS_SHOWN=1
	for n in $(vm_list); do
		vm_logs "$n" "${MX_LOG_LINES:-40}" || true
	done
	echo "----- work dir: $MX_WORKDIR -----"
}

# fail MSG: fail the test now (logs are printed on exit).
fail() {
	_MX_REASON=${*:-failed}
	echo "FAILED: $_MX_REASON" >&2
	exit 1
}

# skip REASON: the test cannot run here (missing tool, module not built).
skip() {
	_MX_REASON=${*:-skipped}
	exit 77
}

# pass: end the test successfully (reaching the end of the file does too).
pass() { exit 0; }

# ERR fires once, in the innermost frame; name the test's own line too.
_mx_on_err() {
	local rc=$1 line=$2 cmd=$3 n=${#FUNCNAME[@]} tl src
	if [ "$n" -le 2 ]; then
		_MX_ERR_REASON="line $line: '$cmd' exited $rc"
	else
		tl=${BASH_LINENO[n - 2]}
		src=$(sed -n "${tl}{s/^[[:space:]]*//;p}" "$0" 2>/dev/null | cut -c1-120)
		_MX_ERR_REASON="line $tl: '$src' failed with $rc (in ${FUNCNAME[1]}: '$cmd')"
	fi
}

# On a failure, each live guest's requests in flight per disk and its
# blocked tasks (sysrq w) go to its kernel log, which the cleanup keeps:
# a guest disk that stopped completing requests (seen twice on 2026-12-03,
# on the target's data disk) then shows there.
_mx_blocked_state() {
	local n
	for n in $(vm_list); do
		vm_run -t 20 "$n" 'for f in /sys/block/vd*/inflight; do echo "mx: in flight (reads writes) $f: $(cat "$f")" >/dev/kmsg; done; echo w >/proc/sysrq-trigger' >/dev/null 2>&1 || true
	done
}

_mx_on_exit() {
	local rc=$?
	trap - EXIT ERR INT TERM
	set +eE
	[ $rc -eq 0 ] || [ $rc -eq 77 ] || _mx_blocked_state
	[ "${MX_KMEMLEAK:-0}" != 1 ] || [ $rc -eq 77 ] || kmemleak_collect
	vm_cleanup
	if [ $rc -eq 77 ]; then
		echo "SKIP: $MX_TEST: $_MX_REASON"
		rm -rf "$MX_WORKDIR"
		exit 77
	fi
	if ! vm_check_logs >"$MX_WORKDIR/kernel-problems.txt" 2>&1; then
		cat "$MX_WORKDIR/kernel-problems.txt"
		[ $rc -ne 0 ] || _MX_REASON="kernel oops/warning in guest logs"
		rc=1
	fi
	if [ $rc -ne 0 ]; then
		[ -n "$_MX_REASON" ] || _MX_REASON=${_MX_ERR_REASON:-"exit status $rc"}
		[ "$_MX_LOGS_SHOWN" = 1 ] || show_logs
		echo "FAIL: $MX_TEST: $_MX_REASON ($(_mx_elapsed)s)"
		exit 1
	fi
	[ "${MX_KEEP:-0}" = 1 ] || rm -rf "$MX_WORKDIR"
	echo "PASS: $MX_TEST ($(_mx_elapsed)s)"
	exit 0
}

trap '_mx_on_err $? $LINENO "$BASH_COMMAND"' ERR
trap _mx_on_exit EXIT
trap '_MX_REASON="interrupted (SIGINT)"; exit 130' INT
trap '_MX_REASON="terminated by SIGTERM (test timeout?)"; exit 143' TERM

# kmemleak_collect: (MX_KMEMLEAK=1, the debug kernel) in every live guest,
# let kmemleak scan twice (an object is reported once it stayed
# unreferenced over a scan) and keep its report in NAME/kmemleak.txt. The
# leaks whose allocation trace has a frame of ours (dm_mirrorx, mx_*) go to
# the guest's console.log, where vm_check_logs fails the test on their
# "unreferenced object" line; the kernel's own (boot, 9p) are not ours.
kmemleak_collect() {
	local n f=/sys/kernel/debug/kmemleak
	for n in $(vm_list); do
		vm_alive "$n" || continue
		vm_run -t 120 "$n" "if [ -e $f ]; then echo scan >$f; sleep 6; echo scan >$f; cat $f; echo '# scanned twice'; else echo '# no $f'; fi" \
			>"$MX_WORKDIR/$n/kmemleak.txt" 2>&1 || true
		awk '/^unreferenced object/ { if (ours) printf "%s", blk; blk = ""; ours = 0 }
			{ blk = blk "kmemleak: " $0 "\n" }
			/dm_mirrorx|[^a-z_]mx_[a-z_]/ { ours = 1 }
			END { if (ours) printf "%s", blk }' \
			"$MX_WORKDIR/$n/kmemleak.txt" >>"$MX_WORKDIR/$n/console.log"
	done
}

# ---- requires: skip the test when the environment can't run it ----

# requires_cmd CMD...: host commands the test needs (guests see the same).
requires_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "needs '$c'"
	done
}

# requires_module: the module must be built (make module), for the kernel
# the guests boot (KVER): a module built for another kernel fails the test.
requires_module() {
	local v
	[ -f "$MX_KO" ] || skip "module not built: $MX_KO (run make module)"
	v=$(modinfo -F vermagic "$MX_KO" 2>/dev/null | awk '{ print $1 }')
	[ "$v" = "$KVER" ] ||
		fail "$MX_KO is built for ${v:-an unknown kernel}, the guests boot $KVER (make module KVER=$KVER)"
}

# requires_fault_module: the test arms fault points (dm-mirrorx/fault.h,
# the module parameter "fault"), so its guests load a second build of the
# module, with CONFIG_DM_MIRRORX_FAULT_INJECTION=y: MX_KO_FAULT if set,
# else build/fault-module-KVER/ (a copy of the sources with their times,
# so make rebuilds only what changed since the last such test; a lock
# keeps parallel tests from building it at once). MX_KO becomes it.
requires_fault_module() {
	local kdir mod
	if [ -z "${MX_KO_FAULT:-}" ]; then
		kdir=${MX_KROOT:-}/lib/modules/$KVER/build
		[ -d "$kdir" ] || skip "no kernel build dir for the fault module: $kdir"
		mod=$MX_REPO/build/fault-module-$KVER
		mkdir -p "$mod/dm-mirrorx"
		step "fault-injection module: building in $mod"
		(
			flock 9
			cp -p "$MX_REPO/Kbuild" "$mod/"
			cp -p "$MX_REPO"/dm-mirrorx/Kbuild "$MX_REPO"/dm-mirrorx/*.[ch] "$mod/dm-mirrorx/"
			make -C "$kdir" M="$mod" CONFIG_DM_MIRRORX=m \
				CONFIG_DM_MIRRORX_FAULT_INJECTION=y W=1 modules >"$mod.log" 2>&1
		) 9>"$mod.lock" || { cat "$mod.log" >&2; fail "building the fault-injection module failed"; }
		MX_KO_FAULT=$mod/dm-mirrorx/dm-mirrorx.ko
	fi
	MX_KO=$MX_KO_FAULT
	requires_module
}

# mx_fault_arm NAME POINT COUNT: fail the next COUNT passes of POINT in
# NAME's module (requires_fault_module).
mx_fault_arm() {
	vm_run -t 30 "$1" "echo '$2 $3' >/sys/module/dm_mirrorx/parameters/fault"
}

# mx_fault_hits NAME POINT: how often POINT fired in NAME's module.
mx_fault_hits() {
	vm_run -t 30 "$1" "cat /sys/module/dm_mirrorx/parameters/fault" |
		awk -v p="$2" '$1 == p { print $5 }'
}

# requires_guests: the guest kernel and qemu must be installed.
requires_guests() {
	requires_cmd qemu-system-x86_64 busybox openssl
	if [ -n "${MX_KROOT:-}" ]; then
		[ -f "$MX_KROOT/boot/vmlinuz-$KVER" ] || skip "no $MX_KROOT/boot/vmlinuz-$KVER"
	else
		[ -f "/boot/vmlinuz-$KVER" ] || skip "no /boot/vmlinuz-$KVER"
	fi
}
requires_guests

# ---- asserts ----

# assert_eq EXPECTED ACTUAL MSG
assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-assert_eq}: expected '$1', got '$2'"
}

# assert_ne UNEXPECTED ACTUAL MSG
assert_ne() {
	[ "$1" != "$2" ] || fail "${3:-assert_ne}: got '$2'"
}

# assert_match ERE STRING MSG
assert_match() {
	grep -Eq -- "$1" <<<"$2" || fail "${3:-assert_match}: '$2' does not match /$1/"
}

# assert_ok MSG CMD...: CMD (a host command, e.g. vm_run ...) must succeed.
assert_ok() {
	local msg=$1
	shift
	"$@" || fail "$msg: '$*' failed (exit $?)"
}

# assert_fail MSG CMD...: CMD must fail.
assert_fail() {
	local msg=$1
	shift
	if "$@"; then
		fail "$msg: '$*' succeeded, expected failure"
	fi
	return 0
}

# wait_for [-m MSG] SECS CMD...: retry CMD (every 0.5 s, slower after 10 s)
# until it succeeds; fail after SECS, with MSG (what did not happen) first.
wait_for() {
	local t start deadline msg=
	if [ "$1" = -m ]; then
		msg="$2: "
		shift 2
	fi
	t=$1
	shift
	start=$EPOCHSECONDS
	deadline=$((start + t))
	until "$@" >/dev/null 2>&1; do
		[ "$EPOCHSECONDS" -lt "$deadline" ] || fail "${msg}timed out after ${t}s waiting for: $*"
		# Every look is usually a command in a guest (~0.1 CPU s under
		# TCG): twice a second at first, then every 1 s, 2 s after a minute.
		case $((EPOCHSECONDS - start)) in
		[0-9]) _mx_nap 0.5 ;;
		[1-5][0-9]) _mx_nap 1 ;;
		*) _mx_nap 2 ;;
		esac
	done
}

# ---- guest helpers ----

# load_module NAME: modprobe dm-mod and the module's other dependencies
# (modinfo depends=), then insmod our module (once per boot).
load_module() {
	vm_run -t 60 "$1" "set -e; modprobe dm-mod
		for m in \$(modinfo -F depends '$MX_KO' | tr ',' ' '); do modprobe \$m; done
		[ -d /sys/module/dm_mirrorx ] || insmod '$MX_KO'" ||
		fail "loading $MX_KO in $1 failed"
}

# dm_targets NAME: the guest's `dmsetup targets` target names, one a line.
dm_targets() { vm_run -t 30 "$1" "dmsetup targets" | awk '{ print $1 }'; }

# dm_linear NAME DMNAME DEV START_SECTOR SECTORS: create a dm-linear device.
dm_linear() {
	vm_run -t 30 "$1" "dmsetup create $2 --table '0 $5 linear $3 $4' && dmsetup mknodes $2 && test -b /dev/mapper/$2"
}

# ping_ok A B: A reaches B on the A-B link (one echo, answered within 3 s).
ping_ok() {
	vm_run -t 30 "$1" "busybox ping -c 1 -w 3 -W 1 $(vm_addr "$2" "$1") >/dev/null"
}

# ping_wait A B [SECS]: A reaches B within SECS (20): after link_restore or a
# restart, both ends may first have to resolve each other's address again,
# and under TCG on a busy host one echo's 3 s may not cover that.
ping_wait() {
	wait_for -m "$1 reaches $2" "${3:-20}" ping_ok "$1" "$2"
}

# pattern_file SEED BYTES: host path of a cached pattern file (visible in
# the guests at the same path), generated by scripts/vm/mxpattern.
pattern_file() {
	local f=$MX_WORKDIR/patterns/$1-$2.bin
	if [ ! -f "$f" ]; then
		mkdir -p "$MX_WORKDIR/patterns"
		"$MX_VM_DIR/mxpattern" "$1" "$2" >"$f.tmp"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# pattern_sha256 SEED BYTES: sha256 of the pattern, computed on the host.
pattern_sha256() {
	sha256sum <"$(pattern_file "$1" "$2")" | cut -d' ' -f1
}

# Bytes from size with suffix (K/M/G, binary) or plain bytes.
_mx_bytes() {
	case "$1" in
	*K) echo $((${1%K} * 1024)) ;;
	*M) echo $((${1%M} * 1024 * 1024)) ;;
	*G) echo $((${1%G} * 1024 * 1024 * 1024)) ;;
	*) echo "$1" ;;
	esac
}

# write_pattern NAME DEV SEED BYTES [OFFSET]: write the SEED pattern to DEV
# at byte OFFSET (default 0) with O_DIRECT, then fsync. BYTES/OFFSET accept
# K/M/G suffixes and must be 4 KiB multiples.
write_pattern() {
	local n=$1 dev=$2 seed=$3 len off f
	len=$(_mx_bytes "$4")
	off=$(_mx_bytes "${5:-0}")
	f=$(pattern_file "$seed" "$len")
	vm_run -t "${MX_IO_TIMEOUT:-300}" "$n" \
		"dd if='$f' of='$dev' bs=1M iflag=fullblock oflag=direct,seek_bytes seek=$off conv=fsync,notrunc status=none"
}

# _mx_host_image NAME DEV: the host file behind guest NAME's virtio disk DEV
# (/dev/vda = the first image of vm_boot, /dev/vdb the second, ...).
_mx_host_image() {
	local letters=abcdefghijklmnopqrstuvwxyz head img
	case "$2" in
	/dev/vd[a-z]) ;;
	*) return 1 ;;
	esac
	head=${letters%%"${2#/dev/vd}"*}
	img=$(sed -n "$((${#head} + 1))p" "$MX_WORKDIR/$1/disks" 2>/dev/null)
	[ -n "$img" ] && [ -f "$MX_WORKDIR/$1/$img" ] || return 1
	echo "$MX_WORKDIR/$1/$img"
}

# dev_sha256 NAME DEV [OFFSET [BYTES]]: sha256 of a device range (whole
# device from OFFSET when BYTES is omitted), as the guest would read it
# with O_DIRECT. A virtio disk is hashed on the host from its image file
# (seconds faster than hashing in a TCG guest): the guest first writes back
# any buffered pages of DEV (blockdev --flushbufs, as an O_DIRECT read
# would); a dead guest's image is read as it is. Completed guest writes are
# in the image (qemu writes it with pwrite, whatever the cache mode).
# Other devices, or MX_HASH_IN_GUEST=1, are read in the guest.
dev_sha256() {
	local n=$1 dev=$2 off len img cnt=''
	off=$(_mx_bytes "${3:-0}")
	if [ -n "${4:-}" ]; then
		len=$(_mx_bytes "$4")
		cnt="count=$len"
	fi
	if [ "${MX_HASH_IN_GUEST:-0}" != 1 ] && img=$(_mx_host_image "$n" "$dev") &&
		{ ! vm_alive "$n" || vm_run -t 60 "$n" "blockdev --flushbufs '$dev'"; }; then
		# shellcheck disable=SC2086 # $cnt: empty or one dd operand
		(set -o pipefail
			dd if="$img" bs=1M iflag=skip_bytes,count_bytes skip="$off" $cnt status=none |
				sha256sum | cut -d' ' -f1)
		return
	fi
	vm_run -t "${MX_IO_TIMEOUT:-300}" "$n" \
		"set -o pipefail; dd if='$dev' bs=1M iflag=direct,skip_bytes,count_bytes skip=$off $cnt status=none | sha256sum | cut -d' ' -f1"
}

# check_pattern NAME DEV SEED BYTES [OFFSET]: the range holds the pattern.
check_pattern() {
	local want got
	want=$(pattern_sha256 "$3" "$(_mx_bytes "$4")")
	got=$(dev_sha256 "$1" "$2" "${5:-0}" "$4") || fail "reading $2 on $1 failed"
	assert_eq "$want" "$got" "sha256 of $2 on $1 (pattern $3, $4 at ${5:-0})"
}
