# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# dm-mirrorx QEMU multi-guest harness (sourced by tests/lib.sh, or by hand).
#
# Each guest boots the host's distro kernel under TCG with the host root
# shared read-only over 9p (plus a tmpfs overlay), so host tools work inside.
# Per guest, in $MX_WORKDIR/NAME/: raw disks diskN.img (sparse, persist
# across restarts), console.log (serial console, all boots), spool/ (9p
# share the guest agent polls for commands), logs/ (dmesg of past boots).
#
# Guests are numbered in the order they are first booted (index 0..MAX-1).
# Every pair of guests (i<j) has a private point-to-point link: a qemu
# "dgram" netdev pair (UDP on 127.0.0.1), virtio-net NIC "mx<j>" in guest i
# and "mx<i>" in guest j, addresses 10.77.<pair>.<i+1>/24 and
# 10.77.<pair>.<j+1>/24, MTU 9000. Each guest gets NICs for all MAX-1
# possible peers at boot, so guests can be added and restarted in any order.
#
# The caller must boot guests from its main shell (not from $(...) or a
# pipeline): qemu runs with PDEATHSIG=KILL bound to that shell, so no qemu
# outlives it, even when it is SIGKILLed.
#
# Environment (all optional):
#   MX_WORKDIR      work dir (default: mktemp -d under ${TMPDIR:-/tmp})
#   MX_ACCEL        tcg (default) or kvm (opt-in; nested KVM may hang)
#   MX_MEM          guest RAM in MiB (default 640)
#   MX_MAX_VMS      guests per work dir (default 4)
#   MX_BOOT_TIMEOUT seconds to wait for a guest agent (default 180)
#   MX_RUN_TIMEOUT  default seconds for vm_run (default 300)
#   MX_RUN_QUIET    non-empty: the job is "quiet": while only quiet
#                   jobs run, the guest agent polls for new jobs once a
#                   second instead of every 100 ms, and after a quiet
#                   one ended, every 500 ms instead of every 20 ms
#                   (scripts/vm/agent.sh); for the benchmark, whose
#                   guests' CPU is measured
#   MX_DISK_CACHE   qemu cache= for data disks (default unsafe: kill -9 of
#                   qemu still keeps every write qemu made, like a power
#                   loss of the guest only; use none for benchmarks)
#   MX_BLK_OPTS     extra virtio-blk-pci properties of every data disk
#                   (default event_idx=off: with QEMU 7.2's event index
#                   under TCG a guest's disk at times stopped completing
#                   requests for good, README: How the guests work; set
#                   but empty: QEMU's defaults)
#   MX_KERNEL_ARGS  extra guest kernel command line arguments
#   MX_LOG_IGNORE   extended regex of log lines not to count as failures
#   MX_TIMEOUT_SCALE  multiplies every vm_run timeout (default 1; the
#                   debug kernel of make check-debug is slower)
#   MX_KROOT        kernel root of a kernel built here (scripts/vm/
#                   debugkernel.sh): the guests boot MX_KROOT/boot/vmlinuz-KVER
#                   and see MX_KROOT/lib/modules/KVER as /lib/modules/KVER
#   KVER            guest kernel (default: scripts/kver.sh)

: "${MX_BLK_OPTS=event_idx=off}" # set but empty stays empty
MX_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MX_REPO=${MX_REPO:-$(cd "$MX_VM_DIR/../.." && pwd)}
export MX_REPO

# Kernel log lines that fail a test.
MX_BAD_LOG_RE='Oops|BUG:|WARNING:|Kernel panic|general protection fault|kernel BUG at|KASAN:|UBSAN:|blocked for more than [0-9]+ seconds|refcount_t:|rcu: INFO:|detected stalls? on CPU|self-detected stall|list_(add|del) corruption|Unable to handle kernel|stack-protector:|Kernel stack is corrupted'
# The debug kernel's checkers (lockdep, DEBUG_OBJECTS, kmemleak) say more:
# most of their reports start with "WARNING:" or "BUG:", not all.
MX_BAD_LOG_RE+='|possible (circular|recursive) locking|inconsistent lock state|ODEBUG:|DEBUG_LOCKS_WARN_ON|trying to register non-static key|turning off the locking correctness validator|unreferenced object 0x'
# The lines of an RCU stall or soft lockup report that MX_BAD_LOG_RE
# matches (the watchdog's lockup line starts "watchdog: BUG: soft lockup").
MX_BOOT_STALL_RE='rcu: INFO:|detected stalls? on CPU|self-detected stall|BUG: soft lockup - CPU'

_mx_err() { echo "vm: $*" >&2; }

_mx_now() { echo "$EPOCHSECONDS"; }

# _mx_nap SECS: sleep without forking. The harness polls files many times a
# second while guests work, and the host's CPU is the guests' (TCG): a
# fork of sleep, date, cat or awk per poll added up to a fifth of a core.
# A fifo opened read-write never delivers data: read -t on it just waits.
_mx_nap_init() {
	local f
	[ -z "${_MX_NAP_FD:-}" ] || return 0
	f=$(mktemp -u "${TMPDIR:-/tmp}/mx-nap.XXXXXX")
	if mkfifo "$f" 2>/dev/null; then
		exec {_MX_NAP_FD}<>"$f"
		rm -f "$f"
	else
		_MX_NAP_FD=none
	fi
}

_mx_nap() {
	local rc=0
	# Made when this file is sourced; $(...) subshells inherit the fd.
	_mx_nap_init
	if [ "$_MX_NAP_FD" != none ]; then
		read -r -t "$1" -u "$_MX_NAP_FD" _ 2>/dev/null || rc=$?
		# > 128: the timeout, as meant; else the fd is unusable.
		[ "$rc" -le 128 ] || return 0
	fi
	sleep "$1"
}
# vm_init: create/adopt the work dir and read the kernel version. Idempotent.
vm_init() {
	if [ -z "${MX_WORKDIR:-}" ]; then
		MX_WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/mx.XXXXXX")
	fi
	mkdir -p "$MX_WORKDIR"
	MX_WORKDIR=$(cd "$MX_WORKDIR" && pwd)
	export MX_WORKDIR
	if [ -z "${KVER:-}" ]; then
		KVER=$("$MX_REPO/scripts/kver.sh") || return 1
	fi
	export KVER
	: "${MX_MAX_VMS:=4}"
	touch "$MX_WORKDIR/guests"
}

# Guest index of NAME (assigned at first boot); fails for unknown names.
vm_index() {
	local n
	n=$(awk -v n="$1" '$2 == n { print $1 }' "$MX_WORKDIR/guests" 2>/dev/null)
	[ -n "$n" ] || { _mx_err "unknown guest '$1'"; return 1; }
	echo "$n"
}

# Names of all guests, in index order.
vm_list() { awk '{ print $2 }' "$MX_WORKDIR/guests" 2>/dev/null; }

# Pair (link) index of guest indexes I and J (I != J), 0-based.
_mx_pair() {
	local i=$1 j=$2 t
	[ "$i" -lt "$j" ] || { t=$i; i=$j; j=$t; }
	echo $((j * (j - 1) / 2 + i))
}

# vm_addr NAME PEER: address of NAME on its link to PEER (no prefix).
vm_addr() {
	local i j
	i=$(vm_index "$1") && j=$(vm_index "$2") || return 1
	echo "10.77.$(_mx_pair "$i" "$j").$((i + 1))"
}

# vm_ifname NAME PEER: NIC in guest NAME that leads to PEER.
vm_ifname() {
	local j
	vm_index "$1" >/dev/null && j=$(vm_index "$2") || return 1
	echo "mx$j"
}

# vm_disk NAME N: device node of the guest's Nth data disk (0-based).
vm_disk() {
	local letters=abcdefghijklmnopqrstuvwxyz
	echo "/dev/vd${letters:$2:1}"
}

# Choose a base for 2 UDP ports per possible pair, all currently free.
_mx_ports() {
	local f=$MX_WORKDIR/ports n base p used
	if [ -s "$f" ]; then
		cat "$f"
		return 0
	fi
	n=$((MX_MAX_VMS * (MX_MAX_VMS - 1)))
	used=$(ss -Hlun 2>/dev/null | awk '{ sub(/.*:/, "", $4); print $4 }')
	for _ in $(seq 1 50); do
		base=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		base=$((base - base % 2))
		for ((p = base; p < base + n; p++)); do
			if grep -qx "$p" <<<"$used"; then
				base=
				break
			fi
		done
		if [ -n "$base" ]; then
			echo "$base" >"$f"
			echo "$base"
			return 0
		fi
	done
	_mx_err "no free UDP port range"
	return 1
}

_mx_pid() { cat "$MX_WORKDIR/$1/qemu.pid" 2>/dev/null; }

# vm_alive NAME: true while the guest's qemu runs (no fork: polled often).
vm_alive() {
	local pid= st= _x
	read -r pid 2>/dev/null <"$MX_WORKDIR/$1/qemu.pid" || return 1
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	# "PID (comm) STATE ...": qemu's comm has no blanks.
	read -r _x _x st _x 2>/dev/null <"/proc/$pid/stat" || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# vm_boot NAME [SIZE...]: start qemu for guest NAME, don't wait.
# SIZEs (truncate(1) syntax, e.g. 256M) create data disks diskN.img the
# first time; later boots reuse the existing disks (SIZEs then ignored).
vm_boot() {
	local name=$1 d idx ports i j p mac cmdline initrd kernel boot accel cpu
	local -a args
	shift
	if [ "$BASHPID" != "$$" ]; then
		_mx_err "vm_boot $name: call it from the test's main shell, not from a subshell or \$(...) (qemu dies with its parent)"
		return 1
	fi
	vm_init || return 1
	case "$name" in
	'' | *[!A-Za-z0-9_-]*) _mx_err "bad guest name '$name'"; return 1 ;;
	esac
	d=$MX_WORKDIR/$name
	if vm_alive "$name"; then
		_mx_err "guest $name already running"
		return 1
	fi
	if ! idx=$(vm_index "$name" 2>/dev/null); then
		idx=$(wc -l <"$MX_WORKDIR/guests")
		if [ "$idx" -ge "$MX_MAX_VMS" ]; then
			_mx_err "too many guests (MX_MAX_VMS=$MX_MAX_VMS)"
			return 1
		fi
		echo "$idx $name" >>"$MX_WORKDIR/guests"
	fi
	mkdir -p "$d/logs" "$d/spool"
	if [ ! -f "$d/disks" ]; then
		: >"$d/disks"
		i=0
		for p in "$@"; do
			truncate -s "$p" "$d/disk$i.img" || return 1
			echo "disk$i.img" >>"$d/disks"
			i=$((i + 1))
		done
	fi
	initrd=$("$MX_VM_DIR/initramfs.sh" "$KVER") || return 1
	kernel=$("$MX_VM_DIR/vmlinux.sh" "$KVER") || return 1
	ports=$(_mx_ports) || return 1

	# Fresh spool; keep the previous boot's kernel log.
	mv "$d"/spool/dmesg.* "$d/logs/" 2>/dev/null || true
	rm -rf "$d/spool"
	mkdir -p "$d/spool"
	boot=$(($(cat "$d/boots" 2>/dev/null || echo 0) + 1))
	echo "$boot" >"$d/boots"
	echo "$boot" >"$d/spool/bootid"

	accel=${MX_ACCEL:-tcg}
	cpu=qemu64
	[ "$accel" = tcg ] || cpu=host
	cmdline="console=ttyS0 loglevel=5 panic=-1 no_timer_check mx.name=$name"
	cmdline+=" mx.bind=$MX_REPO,$MX_WORKDIR 8250.nr_uarts=1 mitigations=off"
	[ -z "${MX_KROOT:-}" ] || cmdline+=" mx.kroot=$MX_KROOT"
	# 6.12 has the jitter entropy RNG built in: its start-up self test
	# can spin 20+ s under TCG on a busy host (a soft lockup report fails
	# the test). Nothing here needs it; on 6.1 it is a module, unused.
	cmdline+=" initcall_blacklist=jent_mod_init${MX_KERNEL_ARGS:+ $MX_KERNEL_ARGS}"
	# shellcheck disable=SC2054 # commas are qemu's, not array separators
	args=(-name "mx-$name" -machine pc -accel "$accel" -cpu "$cpu"
		-smp 1 -m "${MX_MEM:-640}"
		-nodefaults -no-user-config -display none -vga none -no-reboot
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline"
		-chardev "file,id=con,path=$d/console.log,append=on"
		-serial chardev:con
		-fsdev local,path=/,readonly=on,multidevs=remap,security_model=none,id=hostroot
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
		-fsdev "local,path=$d/spool,security_model=none,id=spool"
		-device virtio-9p-pci,fsdev=spool,mount_tag=mxspool)
	i=0
	while read -r p; do
		[ -n "$p" ] || continue
		args+=(-drive "file=$d/$p,format=raw,if=none,id=d$i,cache=${MX_DISK_CACHE:-unsafe},discard=unmap"
			-device "virtio-blk-pci,drive=d$i,serial=mx-$name-d$i${MX_BLK_OPTS:+,$MX_BLK_OPTS}")
		i=$((i + 1))
	done <"$d/disks"
	: >"$d/spool/net.conf"
	for ((j = 0; j < MX_MAX_VMS; j++)); do
		[ "$j" -ne "$idx" ] || continue
		p=$(_mx_pair "$idx" "$j")
		mac=$(printf '52:54:00:77:%02x:%02x' "$p" "$idx")
		local lport=$((ports + 2 * p)) rport=$((ports + 2 * p + 1))
		if [ "$idx" -gt "$j" ]; then
			lport=$((ports + 2 * p + 1))
			rport=$((ports + 2 * p))
		fi
		args+=(-netdev "dgram,id=n$j,local.type=inet,local.host=127.0.0.1,local.port=$lport,remote.type=inet,remote.host=127.0.0.1,remote.port=$rport"
			-device "virtio-net-pci,netdev=n$j,mac=$mac")
		echo "$mac mx$j 10.77.$p.$((idx + 1))/24" >>"$d/spool/net.conf"
	done

	printf '\n===== mx: boot %s of guest %s at %s =====\n' "$boot" "$name" "$(date '+%F %T')" >>"$d/console.log"
	echo "${args[*]}" >"$d/qemu.cmdline"
	if command -v setpriv >/dev/null; then
		setpriv --pdeathsig KILL -- qemu-system-x86_64 "${args[@]}" >>"$d/qemu.log" 2>&1 </dev/null &
	else
		qemu-system-x86_64 "${args[@]}" >>"$d/qemu.log" 2>&1 </dev/null &
	fi
	echo $! >"$d/qemu.pid"
	# bash reaps it; no "Killed" job message at vm_kill.
	disown $! 2>/dev/null || true
}

# vm_wait_ready NAME...: wait (MX_BOOT_TIMEOUT) until each guest's agent runs.
vm_wait_ready() {
	local name d deadline boot ready
	deadline=$((EPOCHSECONDS + ${MX_BOOT_TIMEOUT:-180}))
	for name in "$@"; do
		d=$MX_WORKDIR/$name
		read -r boot <"$d/boots" || true
		while :; do
			ready=
			read -r ready 2>/dev/null <"$d/spool/ready" || true
			[ "$ready" != "$boot" ] || break
			if ! vm_alive "$name"; then
				_mx_err "guest $name died while booting"
				tail -n 5 "$d/qemu.log" >&2
				vm_logs "$name" >&2
				return 1
			fi
			if [ "$EPOCHSECONDS" -ge "$deadline" ]; then
				_mx_err "guest $name not ready after ${MX_BOOT_TIMEOUT:-180}s"
				vm_logs "$name" >&2
				return 1
			fi
			_mx_nap 0.1
		done
	done
}

# vm_start NAME [SIZE...]: vm_boot + vm_wait_ready.
vm_start() {
	vm_boot "$@" && vm_wait_ready "$1"
}

# vm_kill NAME: power loss: SIGKILL the guest's qemu and wait until it's gone.
vm_kill() {
	local name=$1 pid i
	pid=$(_mx_pid "$name") || { _mx_err "guest $name never booted"; return 1; }
	if vm_alive "$name"; then
		kill -KILL "$pid" 2>/dev/null
	fi
	for ((i = 0; i < 100; i++)); do
		vm_alive "$name" || break
		_mx_nap 0.05
	done
	if vm_alive "$name"; then
		_mx_err "qemu $pid of $name does not die"
		return 1
	fi
	printf '\n===== mx: guest %s killed (SIGKILL) at %s =====\n' "$name" "$(date '+%F %T')" >>"$MX_WORKDIR/$name/console.log"
}

# vm_restart NAME: vm_kill + vm_start on the same disks.
vm_restart() {
	vm_kill "$1" && vm_start "$1"
}

# vm_cleanup: kill every guest of this work dir (safe to call repeatedly).
vm_cleanup() {
	local name
	[ -n "${MX_WORKDIR:-}" ] && [ -f "$MX_WORKDIR/guests" ] || return 0
	for name in $(vm_list); do
		if vm_alive "$name"; then
			vm_kill "$name" >/dev/null 2>&1
		fi
	done
	return 0
}

# vm_run_bg [-t SECS] NAME CMD...: queue CMD (joined by spaces, run by bash
# in the guest, cwd /) and print a job id for vm_wait. The guest kills it
# after SECS (default MX_RUN_TIMEOUT, 300). MX_RUN_QUIET marks it quiet.
vm_run_bg() {
	local t=${MX_RUN_TIMEOUT:-300} name id sp
	if [ "${1:-}" = -t ]; then
		t=$2
		shift 2
	fi
	t=$((t * ${MX_TIMEOUT_SCALE:-1}))
	name=$1
	shift
	sp=$MX_WORKDIR/$name/spool
	[ -d "$sp/q" ] || { _mx_err "guest $name is not up"; return 1; }
	id=${EPOCHREALTIME/./}.$RANDOM
	{
		echo "#mx timeout=$t${MX_RUN_QUIET:+ quiet}"
		echo "export MX_REPO='$MX_REPO' MX_WORKDIR='$MX_WORKDIR'"
		echo "$*"
	} >"$sp/q/.$id.tmp"
	mv "$sp/q/.$id.tmp" "$sp/q/$id"
	echo "$t $id"
}

# vm_wait NAME JOB: wait for a vm_run_bg job; print its stdout (and stderr
# to stderr); return its exit status (124: timed out, 255: guest died).
vm_wait() {
	local name=$1 t id sp deadline rc n=0
	read -r t id <<<"$2"
	sp=$MX_WORKDIR/$name/spool
	deadline=$((EPOCHSECONDS + t + 20))
	while [ ! -f "$sp/out/$id.rc" ]; do
		# 50 ms for the first second (most jobs are short), then 200 ms.
		n=$((n + 1))
		if [ $n -le 20 ]; then
			_mx_nap 0.05
			continue
		fi
		_mx_nap 0.2
		if ! vm_alive "$name"; then
			cat "$sp/out/$id.out" 2>/dev/null
			cat "$sp/out/$id.err" >&2 2>/dev/null
			_mx_err "guest $name died while running job $id"
			return 255
		fi
		if [ "$EPOCHSECONDS" -ge "$deadline" ]; then
			: >"$sp/kill/$id"
			cat "$sp/out/$id.out" 2>/dev/null
			cat "$sp/out/$id.err" >&2 2>/dev/null
			_mx_err "job on $name timed out (guest not answering): $(sed -n 3p "$sp/run/$id" 2>/dev/null)"
			return 124
		fi
	done
	cat "$sp/out/$id.out"
	cat "$sp/out/$id.err" >&2
	rc=
	read -r rc <"$sp/out/$id.rc" || true
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		_mx_err "job on $name timed out after ${t}s: $(sed -n 3p "$sp/run/$id" 2>/dev/null)"
	fi
	return "$rc"
}

# vm_run [-t SECS] NAME CMD...: run CMD in guest NAME, wait, print its
# stdout/stderr, return its exit status.
vm_run() {
	local job name
	if [ "${1:-}" = -t ]; then
		name=$3
	else
		name=$1
	fi
	job=$(vm_run_bg "$@") || return 1
	vm_wait "$name" "$job"
}

# vm_kill_job NAME JOB: ask the guest to kill a vm_run_bg job.
vm_kill_job() {
	local t id
	read -r t id <<<"$2"
	: >"$MX_WORKDIR/$1/spool/kill/$id"
}

# link_netem A B NETEM-ARGS...: same netem qdisc on both ends of link A-B.
link_netem() {
	local a=$1 b=$2
	shift 2
	vm_run -t 30 "$a" "tc qdisc replace dev $(vm_ifname "$a" "$b") root netem $*" &&
		vm_run -t 30 "$b" "tc qdisc replace dev $(vm_ifname "$b" "$a") root netem $*"
}

# link_cut A B: drop every packet both ways (netem loss 100%).
link_cut() { link_netem "$1" "$2" loss 100%; }

# link_delay A B DELAY [RATE]: e.g. link_delay A B 20ms 100mbit (each way).
link_delay() {
	if [ -n "${4:-}" ]; then
		link_netem "$1" "$2" delay "$3" rate "$4"
	else
		link_netem "$1" "$2" delay "$3"
	fi
}

# link_restore A B: remove the netem qdisc on both ends.
link_restore() {
	vm_run -t 30 "$1" "tc qdisc del dev $(vm_ifname "$1" "$2") root 2>/dev/null; true" &&
		vm_run -t 30 "$2" "tc qdisc del dev $(vm_ifname "$2" "$1") root 2>/dev/null; true"
}

# vm_logs NAME [LINES]: tail of the serial console and of this boot's dmesg.
vm_logs() {
	local name=$1 n=${2:-40} d f
	d=$MX_WORKDIR/$name
	echo "----- $name: console.log (last $n lines) -----"
	tail -n "$n" "$d/console.log" 2>/dev/null
	f=$(ls -t "$d"/spool/dmesg.* "$d"/logs/dmesg.* 2>/dev/null | head -n1)
	if [ -n "$f" ]; then
		echo "----- $name: ${f#"$MX_WORKDIR"/} (last $n lines) -----"
		tail -n "$n" "$f"
	fi
	if [ -s "$d/qemu.log" ]; then
		echo "----- $name: qemu.log -----"
		tail -n 10 "$d/qemu.log"
	fi
}

# vm_check_logs: scan every guest's console and dmesg for kernel oopses,
# BUG/WARNING splats, panics, KASAN/UBSAN, hung tasks, RCU stalls. Prints
# the offending lines (with context) and fails if there are any.
vm_check_logs() {
	local f bad=0 hits ln boot
	[ -n "${MX_WORKDIR:-}" ] || return 0
	for f in "$MX_WORKDIR"/*/console.log "$MX_WORKDIR"/*/spool/dmesg.* "$MX_WORKDIR"/*/logs/dmesg.*; do
		[ -f "$f" ] || continue
		hits=$(grep -E -n "$MX_BAD_LOG_RE" "$f" || true)
		if [ -n "${MX_LOG_IGNORE:-}" ] && [ -n "$hits" ]; then
			hits=$(grep -E -v "$MX_LOG_IGNORE" <<<"$hits" || true)
		fi
		# An RCU stall or soft lockup before dm-mirrorx was loaded is
		# the boot of a starved TCG guest (a loaded host), not ours:
		# reported, not counted. Any other report, and any stall
		# after, counts.
		if [ -n "$hits" ]; then
			ln=$(grep -n -m1 'dm_mirrorx' "$f" | cut -d: -f1)
			boot=$(awk -F: -v m="${ln:-0}" -v re="$MX_BOOT_STALL_RE" \
				'$1 < m && $0 ~ re' <<<"$hits")
			if [ -n "$boot" ]; then
				echo "vm: ${f#"$MX_WORKDIR"/}: stall at boot, before the module was loaded (host starved; not counted):"
				head -n 2 <<<"$boot"
				hits=$(awk -F: -v m="${ln:-0}" -v re="$MX_BOOT_STALL_RE" \
					'!($1 < m && $0 ~ re)' <<<"$hits")
			fi
		fi
		[ -n "$hits" ] || continue
		bad=1
		ln=$(head -n1 <<<"$hits" | cut -d: -f1)
		echo "----- kernel problem in ${f#"$MX_WORKDIR"/} -----"
		head -n 10 <<<"$hits"
		echo "----- context of the first one -----"
		sed -n "$((ln > 5 ? ln - 5 : 1)),$((ln + 30))p" "$f"
	done
	return $bad
}

# The nap fifo of this shell, before any $(...) subshell wants one.
_mx_nap_init
