#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: dm-mirrorx against no replication (dm-linear) and against
# DRBD 8.4, on the same two QEMU guests, disks and link, in one run
# (shared/DESIGN.md section 8, README "Benchmark").
#
# Guest A is the primary/source, B the secondary/target. Each guest has
# three disks, identical on both, pre-written on the host so that no
# measured write lands in a hole of a sparse file:
#   vda  perf disk (BENCH_PERF_SIZE): fio jobs and the full initial resync
#        (A's holds random data, B's zeros)
#   vdb  crash disk (BENCH_CRASH_SIZE): resync after a primary crash; zero
#        until then: the all-zero initial resync (run_mx_zero)
#   vdc  metadata disk (64 MiB): mirrorx meta_dev, or DRBD external
#        metadata; zeroed before every configuration
# Disk images live on a disk-backed filesystem (never tmpfs), qemu
# cache=none (MX_DISK_CACHE): guest writes are O_DIRECT on the host and a
# guest flush is an fdatasync, so disk latency and flush costs are real.
#
# Configurations (BENCH_CONFIGS), each running the same fio jobs
# (scripts/bench/guest.sh fio_job):
#   linear        dm-linear over vda, no replication
#   mx-sync       mirrorx, sync peer, 64 KiB regions, no options
#   mx-async      mirrorx, async peer (n/a while the kernel refuses async)
#   drbd-C/-A     DRBD 8.4 protocol C/A, pure defaults
#   drbd-C-tuned  the same with tcp-cork no; disk-flushes no; md-flushes no
#   drbd-A-tuned
# Per configuration: full initial resync time of vda (mirrorx: blank target,
# time from table load to InSync, by the guest's kernel log: a mark before
# the load, the module's "resync finished" line, resync_wait_s the wait's
# own; DRBD: from primary --force to UpToDate/UpToDate, seen within 50 ms
# by a wait that starts no process), then fio randwrite 4 KiB QD1 and
# QD32 and 1 MiB sequential writes on the replicated device (BENCH_JOBS);
# mirrorx sync rows then measure (BENCH_MX_EXTRA): fio QD1 during a full
# resync of random data, with no yield (busy: resync_min_rate 0) and with the
# resync_min_rate module parameter at BENCH_MIN_RATE KiB/s (yield, the
# module's default 4096;
# run_mx_busy); the full initial resync of an all-zero device of the same
# size (zero: the crash disks, still zero: run_mx_zero); the full initial
# resync of random data with BENCH_WAN_DELAY of netem delay each way on
# the link, 20 ms RTT by default, and the link (ping, iperf3) at that
# delay (wan: run_mx_wan); 1 MiB sequential writes of 2:1 compressible
# data (fio buffer_compress_percentage=50) over the link limited to
# BENCH_COMP_RATE (netem rate, 16 Mbit/s by default), once without
# compression and once with `compress lz4` in both tables, and the
# module's compression ratio (comp: run_mx_comp). Then for BENCH_CRASH: the
# crash disk created clean on both sides, BENCH_CRASH_SECS of 4 KiB random
# writes (QD32) over all of it, A killed hard (qemu SIGKILL), rebooted, the
# device loaded again: data resynced and seconds from load to in sync.
# The physical floor is measured in the same run: fio on dm-linear on A
# (local) and on B (remote), 4 KiB ping RTT and iperf3 over the link, and
# for the all-zero sync fio's sequential read of the same bytes on A.
#
# Repetitions: BENCH_REPS rounds (default 3, QUICK 2). A round measures the
# link and then runs every configuration once, from scratch: device created
# on zeroed metadata, full initial resync (timed), fio jobs, device removed.
# Odd rounds go through BENCH_CONFIGS in order, even rounds backwards, so
# drift of the host hits every row alike, and a drift within a round does
# not always favour the same rows. The crash tests run once per
# configuration, after the last round (a guest reboot and up to minutes of
# resync each: not repeated). Every record carries its round ("rep"; the
# crash test's is 1) and the host's 1-minute load average when it was
# taken ("load1": right after the job, so the average covers it);
# report.py reports medians over the rounds and their spread.
#
# Output: the table on stdout, bench/results/<timestamp>.{json,txt,png}
# and the raw fio JSON under bench/results/<timestamp>/.
#
# Environment: QUICK=1 (short run, ~6 min), BENCH_REPS, BENCH_CONFIGS, BENCH_CRASH,
# BENCH_JOBS (fio jobs, default "qd1 qd32 seq"), BENCH_MX_EXTRA (default
# "busy yield zero wan comp"; empty: none), BENCH_MIN_RATE (KiB/s, default
# 4096), BENCH_WAN_DELAY (netem delay each way, default 10ms),
# BENCH_COMP_RATE (netem rate each way for comp, default 16mbit),
# BENCH_LINK_RMEM (guest links' socket buffer, bytes, default 4194304;
# empty: the host's), BENCH_PERF_SIZE, BENCH_CRASH_SIZE, BENCH_RUNTIME, BENCH_RAMP,
# BENCH_CRASH_SECS, BENCH_IPERF_SECS, BENCH_PINGS, BENCH_OUT (results dir),
# BENCH_TMPDIR (where the disk images go), BENCH_KEEP=1 (keep the work
# dir), MX_DISK_CACHE (none; directsync also makes every write durable),
# MX_BLK_OPTS (the disks' virtio-blk properties, scripts/vm/lib.sh),
# MX_ACCEL, MX_MEM (see scripts/vm/lib.sh).
set -uo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/../.." && pwd)
# shellcheck source=../vm/lib.sh
. "$TOP/scripts/vm/lib.sh"
GUEST=$BENCH/guest.sh
KO=$TOP/dm-mirrorx/dm-mirrorx.ko

QUICK=${QUICK:-0}
# BENCH_CRASH set but empty: no crash test.
if [ "$QUICK" = 1 ]; then
	# Two rounds: the smoke run exercises medians and spreads too.
	: "${BENCH_REPS:=2}"
	: "${BENCH_CONFIGS:=linear mx-sync mx-async drbd-C}"
	: "${BENCH_CRASH=mx-sync}"
	: "${BENCH_PERF_SIZE:=64M}"
	: "${BENCH_CRASH_SIZE:=128M}"
	: "${BENCH_RUNTIME:=3}"
	: "${BENCH_RAMP:=1}"
	: "${BENCH_CRASH_SECS:=5}"
	: "${BENCH_IPERF_SECS:=2}"
	: "${BENCH_PINGS:=30}"
	: "${BENCH_CRASH_TIMEOUT:=300}"
else
	: "${BENCH_REPS:=3}"
	: "${BENCH_CONFIGS:=linear mx-sync mx-async drbd-C drbd-C-tuned drbd-A drbd-A-tuned}"
	# DRBD's default resync controller is slow here (~3 MB/s): its crash
	# resync (up to the 4.8 GiB activity log) would take most of an hour.
	# What DRBD resyncs after a crash is its activity log, the same for
	# protocols A and C: one DRBD row (~13 min on a loaded host) is enough.
	: "${BENCH_CRASH=mx-sync mx-async drbd-C-tuned}"
	: "${BENCH_PERF_SIZE:=1G}"
	: "${BENCH_CRASH_SIZE:=8G}"
	: "${BENCH_RUNTIME:=20}"
	: "${BENCH_RAMP:=3}"
	: "${BENCH_CRASH_SECS:=30}"
	: "${BENCH_IPERF_SECS:=10}"
	: "${BENCH_PINGS:=200}"
	: "${BENCH_CRASH_TIMEOUT:=900}"
fi
: "${BENCH_JOBS=qd1 qd32 seq}"
: "${BENCH_MX_EXTRA=busy yield zero wan comp}"
: "${BENCH_MIN_RATE:=4096}"
: "${BENCH_WAN_DELAY:=10ms}"
: "${BENCH_COMP_RATE:=16mbit}"
# The guest links' socket buffer (bytes; set but empty: the host's own).
: "${BENCH_LINK_RMEM=4194304}"
# Sampling rate (Hz) of a perf profile of both guests during each fio job
# (perf/ in the run's directory); empty: none. A diagnostic: the sampling
# costs the guests' vCPU, so a profiled run's figures are not comparable.
: "${BENCH_PROFILE=}"
for j in $BENCH_JOBS; do
	case "$j" in qd1 | qd32 | seq) ;; *)
		echo "bench: BENCH_JOBS: unknown fio job '$j' (qd1 qd32 seq)" >&2
		exit 1
		;;
	esac
done
for j in $BENCH_MX_EXTRA; do
	case "$j" in busy | yield | zero | wan | comp) ;; *)
		echo "bench: BENCH_MX_EXTRA: unknown measurement '$j' (busy yield zero wan comp)" >&2
		exit 1
		;;
	esac
done
[ -z "${BENCH_LINK_RMEM:-}" ] || [[ "$BENCH_LINK_RMEM" =~ ^[1-9][0-9]{3,9}$ ]] || {
	echo "bench: BENCH_LINK_RMEM must be a socket buffer size in bytes (e.g. 4194304), not '$BENCH_LINK_RMEM'" >&2
	exit 1
}
[ -z "$BENCH_PROFILE" ] || [[ "$BENCH_PROFILE" =~ ^[1-9][0-9]{0,3}$ ]] || {
	echo "bench: BENCH_PROFILE must be a perf sampling rate in Hz (e.g. 499), not '$BENCH_PROFILE'" >&2
	exit 1
}
[[ "$BENCH_MIN_RATE" =~ ^[1-9][0-9]*$ ]] || {
	echo "bench: BENCH_MIN_RATE must be a positive number of KiB/s, not '$BENCH_MIN_RATE'" >&2
	exit 1
}
[[ "$BENCH_WAN_DELAY" =~ ^[0-9]+(us|ms)$ ]] || {
	echo "bench: BENCH_WAN_DELAY must be a netem delay such as 10ms, not '$BENCH_WAN_DELAY'" >&2
	exit 1
}
[[ "$BENCH_COMP_RATE" =~ ^[1-9][0-9]*(kbit|mbit|gbit)$ ]] || {
	echo "bench: BENCH_COMP_RATE must be a netem rate such as 16mbit, not '$BENCH_COMP_RATE'" >&2
	exit 1
}
[[ "$BENCH_REPS" =~ ^[1-9][0-9]*$ ]] || {
	echo "bench: BENCH_REPS must be a positive integer, not '$BENCH_REPS'" >&2
	exit 1
}
export MX_DISK_CACHE=${MX_DISK_CACHE:-none}
# Per-task delay accounting from boot (cpu/: the threads that waited for
# I/O): a task gets it only if it started with the accounting on, and the
# kworkers that run mirrorx's work (intent-log commits among it) start at
# boot.
export MX_KERNEL_ARGS="${MX_KERNEL_ARGS:+$MX_KERNEL_ARGS }delayacct"
META_SIZE=64M
REGION=128 # mirrorx region: 128 sectors = 64 KiB, the default
MX_PORT=7789
DRBD_PORT=7790
DM=bx # dm name of the device under test
SYNC_TIMEOUT=1800
# Seconds of the all-zero sync's floor (run_mx_zero): a few passes over
# the device are enough for a read at GB/s.
ZERO_READ_SECS=$((BENCH_RUNTIME < 5 ? BENCH_RUNTIME : 5))
BENCH_OUT=${BENCH_OUT:-$TOP/bench/results}

T0=$(date +%s)
TS=$(date +%Y%m%d-%H%M%S)
FAILED=0
CRASH_JOB=
REP=1 # the round being measured, in every record

# stdout is the table's alone: everything else goes to stderr.
exec 3>&1 1>&2

say() { printf '[bench %4ss] %s\n' $(($(date +%s) - T0)) "$*" >&2; }
die() {
	say "ERROR: $*"
	exit 1
}

bytes() { numfmt --from=iec "$1"; }

for c in qemu-system-x86_64 fio jq numfmt python3 drbdadm iperf3; do
	command -v "$c" >/dev/null || die "missing '$c' (scripts/deps.sh installs it)"
done
[ -f "$KO" ] || die "module not built: $KO (make module)"

# ---- work dir on a disk-backed filesystem ----------------------------------

on_disk() {
	local t
	t=$(stat -f -c %T "$1" 2>/dev/null) || return 1
	case "$t" in tmpfs | ramfs) return 1 ;; esac
	[ -d "$1" ] && [ -w "$1" ]
}

PERF_B=$(bytes "$BENCH_PERF_SIZE")
CRASH_B=$(bytes "$BENCH_CRASH_SIZE")
META_B=$(bytes "$META_SIZE")
NEED=$((2 * (PERF_B + CRASH_B + META_B) + (1 << 30)))
if [ -z "${MX_WORKDIR:-}" ]; then
	base=
	for d in ${BENCH_TMPDIR:-} /var/tmp "$TOP/bench"; do
		if on_disk "$d"; then
			base=$d
			break
		fi
	done
	[ -n "$base" ] || die "no disk-backed directory for the disk images (set BENCH_TMPDIR)"
	MX_WORKDIR=$(mktemp -d "$base/mx-bench.XXXXXX")
fi
export MX_WORKDIR
on_disk "$MX_WORKDIR" || say "WARNING: $MX_WORKDIR is not on a disk-backed filesystem: disk latency is not real"
avail=$(df --output=avail -B1 "$MX_WORKDIR" | tail -n1)
[ "$avail" -ge "$NEED" ] || die "need $(numfmt --to=iec "$NEED") free in $MX_WORKDIR, have $(numfmt --to=iec "$avail")"
vm_init || die "vm_init failed"

RUNDIR=$BENCH_OUT/$TS
mkdir -p "$RUNDIR/fio" "$RUNDIR/cpu" || die "cannot create $RUNDIR"
RAW=$RUNDIR/measurements.jsonl
: >"$RAW"

# BENCH_LINK_RMEM (checked above; 4 MiB unless set, empty: leave the
# host's): the host's default socket receive buffer while the guests run
# (README "Where the time goes": the links' UDP sockets take it, and at
# the host's default of 208 KiB the receiving QEMU drops datagrams under
# bulk load). Host-wide: every socket made meanwhile gets it. The host's
# own value comes back at the end.
RMEM_SYSCTL=/proc/sys/net/core/rmem_default
RMEM_SAVED=
link_rmem_set() {
	[ -n "${BENCH_LINK_RMEM:-}" ] || return 0
	RMEM_SAVED=$(cat "$RMEM_SYSCTL") || return 1
	# The shell prints why a write fails (permission, a value refused).
	echo "$BENCH_LINK_RMEM" >"$RMEM_SYSCTL" || {
		RMEM_SAVED=
		return 1
	}
}
link_rmem_restore() {
	[ -z "$RMEM_SAVED" ] || echo "$RMEM_SAVED" >"$RMEM_SYSCTL"
	RMEM_SAVED=
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	link_rmem_restore
	vm_cleanup
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "work dir kept: $MX_WORKDIR"
	else
		rm -f "$MX_WORKDIR"/*/disk*.img
		if [ $rc -eq 0 ]; then
			rm -rf "$MX_WORKDIR"
		else
			say "logs kept in $MX_WORKDIR (disk images removed)"
		fi
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- recording -------------------------------------------------------------

# rec CONFIG METRIC VALUE: one measurement (VALUE a number) of round REP,
# with the host's 1-minute load average now (the job just ended).
rec() {
	if [[ "$3" =~ ^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then
		printf '{"config":"%s","metric":"%s","value":%s,"rep":%d,"load1":%s}\n' \
			"$1" "$2" "$3" "$REP" "$(load1)" >>"$RAW"
	else
		say "WARNING: $1 $2: not a number: '$3'"
	fi
}

# na CONFIG METRIC|* REASON: a figure (or a whole configuration) not
# measured in round REP.
na() {
	jq -cn --arg c "$1" --arg m "$2" --arg r "$3" --argjson rep "$REP" \
		'{config: $c, metric: $m, na: $r, rep: $rep}' >>"$RAW"
}

# kv KEY LINE: value of KEY=... in a "k=v k=v" line.
kv() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | head -n1; }

load1() { cut -d' ' -f1 /proc/loadavg; }

# host_cpu: one line of the host's CPU clock ticks so far: busy and total
# (/proc/stat's "cpu" line), then each guest's QEMU process (utime +
# stime), and the time now in seconds.
host_cpu() {
	local n pid line
	local -a x
	read -r -a x </proc/stat
	printf '%d %d ' $((x[1] + x[2] + x[3] + x[6] + x[7] + x[8])) \
		$((x[1] + x[2] + x[3] + x[4] + x[5] + x[6] + x[7] + x[8]))
	for n in A B; do
		pid=$(_mx_pid "$n")
		line=
		[ -z "$pid" ] || read -r line 2>/dev/null <"/proc/$pid/stat"
		read -r -a x <<<"${line##*) }"
		printf '%d ' $((${x[11]:-0} + ${x[12]:-0}))
	done
	echo "${EPOCHREALTIME/,/.}"
}

# cpu_report CFG JOB H0 H1: where the CPU went during a job, from
# host_cpu before (H0) and after (H1) it and from guest.sh cpu on A and B
# before and after ($RUNDIR/cpu/.A.0 .A.1 .B.0 .B.1). Writes
# $RUNDIR/cpu/CFG-JOB-REP.txt (the figures, and each guest's busiest
# threads: those that ended during the job are missing there, their
# ticks are in the guest's total) and records JOB_host_busy_pct (all the
# host's cores), JOB_qemu_A_pct and JOB_qemu_B_pct (each guest's QEMU
# process: its vCPU and its devices' emulation), JOB_guest_A_pct and
# JOB_guest_B_pct (the guest's one vCPU not idle), in percent of one core.
cpu_report() {
	local cfg=$1 job=$2 out vals n f k v
	out=$RUNDIR/cpu/$cfg-$job-$REP.txt
	vals=$(awk -v h0="$3" -v h1="$4" -v nproc="$(nproc)" -v hz="$(getconf CLK_TCK)" 'BEGIN {
		split(h0, x, " "); split(h1, y, " ")
		wall = y[5] - x[5]
		if (wall <= 0 || y[2] <= x[2]) exit 1
		printf "host_busy=%.0f qemu_A=%.0f qemu_B=%.0f wall=%.1f\n",
			100 * nproc * (y[1] - x[1]) / (y[2] - x[2]),
			100 * (y[3] - x[3]) / hz / wall,
			100 * (y[4] - x[4]) / hz / wall, wall
	}')
	{
		echo "$cfg $job round $REP: ${vals:-(host figures missing)}"
		for n in A B; do
			f=$RUNDIR/cpu/.$n
			[ -s "$f.0" ] && [ -s "$f.1" ] || continue
			cat "$f.0" "$f.1" | awk -v n="$n" '
				$1 == "cpu" {
					if (!seen++) { for (i = 2; i <= 9; i++) c0[i] = $i; next }
					for (i = 2; i <= 9; i++) { c[i] = $i - c0[i]; tot += c[i] }
					next
				}
				# By thread id: a kworker'\''s name changes with its work.
				seen == 1 { t0[$1] = $2; w0[$1] = $4; next }
				{ d[$1 " " $3] = $2 - t0[$1]; w[$1 " " $3] = $4 - w0[$1] }
				END {
					if (tot <= 0) exit 1
					# cpu user nice system idle iowait irq softirq steal
					printf "guest_%s=%.0f (user %.0f, system %.0f, irq+softirq %.0f, iowait %.0f)\n", n,
						100 * (tot - c[5] - c[6]) / tot, 100 * (c[2] + c[3]) / tot,
						100 * c[4] / tot, 100 * (c[7] + c[8]) / tot, 100 * c[6] / tot
					for (k in d)
						if (d[k] > 0)
							printf "  %6.1f%% %s\n", 100 * d[k] / tot, k | "sort -rn | head -n 12"
					close("sort -rn | head -n 12")
					# Asleep waiting for I/O (io_schedule), as a share
					# of the same clock: threads overlap, so the lines
					# may add up past iowait (which counts idle time only).
					printf "waited for I/O, by thread:\n"
					nw = 0
					for (k in w)
						if (w[k] > 0 && ++nw)
							printf "  %6.1f%% %s\n", 100 * w[k] / tot, k | "sort -rn | head -n 6"
					if (!nw)
						printf "  none for a clock tick (10 ms) or more\n"
				}'
		done
	} >"$out"
	for k in host_busy qemu_A qemu_B; do
		v=$(kv "$k" "$vals")
		[ -z "$v" ] || rec "$cfg" "${job}_${k}_pct" "$v"
	done
	for n in A B; do
		v=$(sed -n "s/^guest_$n=\([0-9]*\).*/\1/p" "$out")
		[ -z "$v" ] || rec "$cfg" "${job}_guest_${n}_pct" "$v"
	done
	rm -f "$RUNDIR"/cpu/.[AB].[01]
}

# cpu_begin; ...; cpu_end CFG JOB: cpu_report over what ran in between.
cpu_begin() {
	g A cpu begin >"$RUNDIR/cpu/.A.0"
	g B cpu begin >"$RUNDIR/cpu/.B.0"
	CPU_H0=$(host_cpu)
}

cpu_end() {
	local h1
	h1=$(host_cpu)
	g A cpu end >"$RUNDIR/cpu/.A.1"
	g B cpu end >"$RUNDIR/cpu/.B.1"
	cpu_report "$1" "$2" "$CPU_H0" "$h1"
}

# profile_begin, profile_end CONFIG JOB: with BENCH_PROFILE, perf samples
# both guests (every CPU, kernel and user, call graphs) for the job's ramp
# and runtime; the report, by command and symbol, goes to
# perf/CONFIG-JOB-GUEST.txt.
profile_begin() {
	[ -n "$BENCH_PROFILE" ] || return 0
	local n
	for n in A B; do
		PROFILE_JOB[$n]=$(vm_run_bg -t $((BENCH_RUNTIME + BENCH_RAMP + 120)) "$n" \
			"perf record -q -a -g -e cpu-clock -F $BENCH_PROFILE -o /tmp/bench-perf.data -- sleep $((BENCH_RAMP + BENCH_RUNTIME))")
	done
}

profile_end() {
	[ -n "$BENCH_PROFILE" ] || return 0
	local n
	mkdir -p "$RUNDIR/perf"
	for n in A B; do
		vm_wait "$n" "${PROFILE_JOB[$n]}" >/dev/null 2>&1 || say "$1: perf record on $n failed"
		vm_run -t 300 "$n" "perf report -i /tmp/bench-perf.data --stdio --no-children --sort comm,sym --percent-limit 0.5 -g none 2>/dev/null; rm -f /tmp/bench-perf.data" \
			>"$RUNDIR/perf/$1-$2-$n.txt" || say "$1: perf report on $n failed"
	done
}
declare -A PROFILE_JOB

# ---- guests ----------------------------------------------------------------

# Every job of the benchmark is quiet (scripts/vm/lib.sh): while it runs,
# the guest's agent polls for new jobs once a second, not every 100 ms
# (10-12% of the guest's vCPU during a fio job), and while the guest waits
# after it, every 500 ms, not every 20 ms (the other guest of a measured
# job is the one waiting). A job sent to a guest starts up to that late.
export MX_RUN_QUIET=1

g() { # g [-t SECS] GUEST ARGS...: run guest.sh in a guest
	local t=120
	if [ "$1" = -t ]; then
		t=$2
		shift 2
	fi
	local n=$1
	shift
	vm_run -t "$t" "$n" "$GUEST $*"
}

# Pre-write the disk images before the first boot (vm_boot only truncates
# them to the same size): every block allocated and written on the host.
prefill() {
	local n f i sz
	local -a pids=()
	for n in A B; do
		mkdir -p "$MX_WORKDIR/$n"
		i=0
		for sz in "$PERF_B" "$CRASH_B" "$META_B"; do
			f=$MX_WORKDIR/$n/disk$i.img
			if [ "$n$i" = A0 ]; then
				# (openssl dies of SIGPIPE: only dd's status counts)
				{ openssl enc -aes-128-ctr -nosalt -pass pass:mx-bench -in /dev/zero 2>/dev/null || true; } |
					dd of="$f" bs=4M count=$((sz / 4194304)) iflag=fullblock oflag=direct status=none &
			else
				dd if=/dev/zero of="$f" bs=4M count=$((sz / 4194304)) oflag=direct status=none &
			fi
			pids+=($!)
			i=$((i + 1))
		done
	done
	for i in "${pids[@]}"; do
		wait "$i" || return 1
	done
	# Then what the timed syncs read on A, once: its perf disk (every
	# full resync) and the head of its crash disk (the all-zero sync).
	# This host's storage serves a block read for the first time at a
	# fraction of the speed of the reads after (400 MiB with O_DIRECT:
	# 288 MB/s cold, 1-2 GB/s again; 2026-12-03), and round 1's all-zero
	# sync took 1.5-2.6x the time of the rounds after in every full run
	# before this read (most likely its zeros read cold; a random-data
	# sync, at about 115 MB/s, is bound elsewhere).
	for i in 0 1; do
		dd if="$MX_WORKDIR/A/disk$i.img" of=/dev/null bs=4M \
			count=$((PERF_B / 4194304)) iflag=direct status=none || return 1
	done
}

boot_guests() {
	vm_boot A "$PERF_B" "$CRASH_B" "$META_B" || return 1
	vm_boot B "$PERF_B" "$CRASH_B" "$META_B" || return 1
	vm_wait_ready A B || return 1
	g A setup "$KO" && g B setup "$KO"
}

# After a failed job a guest may still hold the device under test (a fio
# that timed out keeps it open, a table half made): every later job of the
# run would fail on it. Power both guests off and start them again on the
# same disks (the pre-written data stays; each job makes its own tables
# and metadata).
restart_guests() {
	local n
	say "restarting guests A and B after the failure"
	for n in A B; do
		! vm_alive "$n" || vm_kill "$n" || return 1
	done
	vm_start A && vm_start B && g A setup "$KO" && g B setup "$KO"
}

ADDR_A=
ADDR_B=

have() { grep -qw -- "$1" <<<"$2"; }

# ---- configurations --------------------------------------------------------

# Zero the metadata disk of both guests (64 MiB, O_DIRECT).
zero_meta() {
	local cmd="dd if=/dev/zero of=/dev/vdc bs=1M count=$((META_B >> 20)) oflag=direct status=none"
	vm_run -t 120 A "$cmd" && vm_run -t 120 B "$cmd"
}

sectors() { echo $(($1 / 512)); }

mx_mode() { case "$1" in *async) echo async ;; *) echo sync ;; esac; }

mx_src_table() { # DISK BYTES MODE
	echo "0 $(sectors "$2") mirrorx $1 /dev/vdc $REGION 1 1 $ADDR_B:$MX_PORT $3"
}
mx_tgt_table() { # DISK BYTES
	echo "0 $(sectors "$2") mirrorx-recv $1 /dev/vdc $ADDR_B:$MX_PORT"
}

# Remove the device under test on both guests (mirrorx or dm-linear).
mx_teardown() {
	vm_run -t 60 A "dmsetup remove $DM 2>/dev/null; true"
	vm_run -t 60 B "dmsetup remove $DM 2>/dev/null; true"
}

# drbd_res CONFIG DISK: the resource file (written to the work dir, which
# the guests see at the same path; copied to their /etc/drbd.d).
# Non-default settings: none for drbd-C/drbd-A but the protocol (C is the
# default); *-tuned adds tcp-cork no (net), disk-flushes no and md-flushes
# no (disk), and a resync not throttled by DRBD's dynamic controller
# (c-plan-ahead 0; resync-rate 1000M). Metadata is external, on its own virtual disk, like mirrorx's
# meta_dev (flexible external format: "meta-disk /dev/vdc").
drbd_res() {
	local cfg=$1 disk=$2 proto=C net="" dsk=""
	case "$cfg" in drbd-A*) proto=A ;; esac
	case "$cfg" in
	*-tuned)
		net=$'\n\t\ttcp-cork no;'
		dsk=$'\n\tdisk {\n\t\tdisk-flushes no;\n\t\tmd-flushes no;'
		# Resync at a fixed rate far above the link, as mirrorx's default
		# (resync_rate 0 = unlimited): without it DRBD's dynamic
		# controller (c-plan-ahead 20, c-fill-target 100 sectors) keeps
		# resync at a few MB/s here.
		dsk+=$'\n\t\tc-plan-ahead 0;\n\t\tresync-rate 1000M;\n\t}'
		;;
	esac
	cat <<EOF
resource r0 {
	device /dev/drbd0;
	disk $disk;
	meta-disk /dev/vdc;
	net {
		protocol $proto;$net
	}$dsk
	on A { address $ADDR_A:$DRBD_PORT; }
	on B { address $ADDR_B:$DRBD_PORT; }
}
EOF
}

drbd_install() { # GUEST CONFIG DISK
	local f=$MX_WORKDIR/drbd-$2.res
	drbd_res "$2" "$3" >"$f"
	vm_run -t 30 "$1" "cp '$f' /etc/drbd.d/bench.res"
}

drbd_teardown() {
	vm_run -t 60 A "drbdadm secondary r0 2>/dev/null; drbdadm down r0 2>/dev/null; rm -f /etc/drbd.d/bench.res; true"
	vm_run -t 60 B "drbdadm down r0 2>/dev/null; rm -f /etc/drbd.d/bench.res; true"
}

# drbd_prepare CONFIG DISK: fresh metadata on both, both up, wait until
# connected (both Secondary, Inconsistent).
drbd_prepare() {
	local cfg=$1 disk=$2 n
	zero_meta || return 1
	for n in A B; do
		drbd_install "$n" "$cfg" "$disk" || return 1
		vm_run -t 120 "$n" "yes yes | drbdadm create-md --force r0 >/dev/null 2>&1 && drbdadm up r0" || return 1
	done
	vm_run -t 120 A "for i in \$(seq 1200); do grep -q 'cs:Connected' /proc/drbd && exit 0; sleep 0.1; done; cat /proc/drbd; exit 1"
}

# fio_all CONFIG GUEST DEV [PREFIX]: the fio jobs (BENCH_JOBS); records
# qd1_iops qd1_p50_us qd1_p99_us qd32_iops seq_MBps under CONFIG (metric
# names prefixed with PREFIX for the floor's components).
fio_all() {
	local job
	for job in $BENCH_JOBS; do
		fio_one "$1" "$2" "$3" "$job" "${4:-}" || return 1
	done
}

# fio_one CONFIG GUEST DEV JOB [PREFIX]: one fio job (guest.sh fio_job) and
# its records (fio_all); seqc (compressible data) records PREFIXseq_MBps.
fio_one() {
	local cfg=$1 n=$2 dev=$3 job=$4 p=${5:-} out w io0 io1
	out=$RUNDIR/fio/$cfg-$n-$p$job.json
	say "$cfg: fio $job on $n:$dev (${BENCH_RUNTIME}s)"
	io0=$(g "$n" wios "$dev" /dev/vdc)
	profile_begin
	cpu_begin
	if ! g -t $((BENCH_RUNTIME + BENCH_RAMP + 180)) "$n" fio "$job" "$dev" "$BENCH_RUNTIME" "$BENCH_RAMP" >"$out"; then
		say "$cfg: fio $job failed"
		na "$cfg" "${p}${job}" "fio failed"
		profile_end "$cfg" "$p$job"
		return 1
	fi
	cpu_end "$cfg" "$p$job"
	profile_end "$cfg" "$p$job"
	io1=$(g "$n" wios "$dev" /dev/vdc)
	# Where time goes: metadata-disk writes per 1000 writes of the job.
	rec "$cfg" "${p}${job}_meta_writes_per_k" "$(awk -v a="$io0" -v b="$io1" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		if (y[1] > x[1]) printf "%.1f", 1000 * (y[2] - x[2]) / (y[1] - x[1]); else print 0 }')"
	w='.jobs[0].write'
	case "$job" in
	qd1)
		rec "$cfg" "${p}qd1_iops" "$(jq "$w.iops" "$out")"
		rec "$cfg" "${p}qd1_p50_us" "$(jq "$w.lat_ns.percentile[\"50.000000\"] / 1000" "$out")"
		rec "$cfg" "${p}qd1_p99_us" "$(jq "$w.lat_ns.percentile[\"99.000000\"] / 1000" "$out")"
		;;
	qd32) rec "$cfg" "${p}qd32_iops" "$(jq "$w.iops" "$out")" ;;
	seq | seqc) rec "$cfg" "${p}seq_MBps" "$(jq "$w.bw_bytes / 1e6" "$out")" ;;
	esac
}

run_linear() {
	local n
	say "linear: dm-linear on A (local) and B (remote)"
	for n in A B; do
		vm_run -t 30 "$n" "dmsetup create $DM --table '0 $(sectors "$PERF_B") linear /dev/vda 0' && dmsetup mknodes $DM" || return 1
	done
	fio_all linear A "/dev/mapper/$DM" || return 1
	# The floor's remote write: the same jobs on B's disk.
	fio_all floor B "/dev/mapper/$DM" remote_ || return 1
	for n in A B; do
		vm_run -t 30 "$n" "dmsetup remove $DM"
	done
}

# link_measure PREFIX: RTT (4 KiB pings) and iperf3 A->B over the link as
# it is now; records floor PREFIXrtt_p50_us, PREFIXrtt_p99_us and
# PREFIXlink_MBps.
link_measure() {
	local p=$1 out
	out=$(g -t 120 A rtt "$ADDR_B" "$BENCH_PINGS") || return 1
	rec floor "${p}rtt_p50_us" "$(kv p50_us "$out")"
	rec floor "${p}rtt_p99_us" "$(kv p99_us "$out")"
	vm_run -t 30 B "iperf3 -s -1 -D -B $ADDR_B" || return 1
	sleep 1
	out=$(vm_run -t $((BENCH_IPERF_SECS + 60)) A "iperf3 -c $ADDR_B -t $BENCH_IPERF_SECS -J") || return 1
	echo "$out" >"$RUNDIR/fio/${p}iperf3-$REP.json"
	rec floor "${p}link_MBps" "$(jq '.end.sum_received.bits_per_second / 8 / 1e6' <<<"$out")"
}

run_link() {
	say "floor: RTT (4 KiB ping x $BENCH_PINGS) and iperf3 A->B (${BENCH_IPERF_SECS}s)"
	link_measure ""
}

# A mirrorx row: blank target, source over data; the full initial resync
# is timed, then the fio jobs.
run_mx() {
	local cfg=$1 mode out err ndone total x
	mode=$(mx_mode "$cfg")
	zero_meta || return 1
	vm_run -t 60 B "dmsetup create $DM --table '$(mx_tgt_table /dev/vda "$PERF_B")'" || return 1
	say "$cfg: initial full resync of $BENCH_PERF_SIZE"
	err=$MX_WORKDIR/err.$$
	cpu_begin
	if ! out=$(g -t $((SYNC_TIMEOUT + 60)) A mx_create_wait "$DM" "'$(mx_src_table /dev/vda "$PERF_B" "$mode")'" "$SYNC_TIMEOUT" 2>"$err"); then
		cat "$err" >&2
		rm -f "$err"
		if [ "$mode" = async ] && ! vm_run A "dmsetup info $DM" >/dev/null 2>&1; then
			# The table load failed: this module has no async mode.
			say "$cfg: table refused ($(vm_run A "dmesg | grep 'device-mapper: table' | tail -n1")): n/a (async not available)"
			na "$cfg" '*' "async not available"
			return 2
		fi
		return 1
	fi
	rm -f "$err"
	[ "$(kv timeout "$out")" = 0 ] || return 1
	cpu_end "$cfg" resync
	ndone=$(kv "done" "$out")
	total=$(kv total "$out")
	[ "$ndone" = "$total" ] || say "WARNING: $cfg: initial resync copied $ndone of $total regions"
	rec_sync "$cfg" "" "$out"
	fio_all "$cfg" A "/dev/mapper/$DM" || return 1
	[ "$mode" = sync ] || return 0
	# busy then yield in odd rounds, yield then busy in even ones.
	for x in $(round_order_of "$REP" busy yield); do
		have "$x" "$BENCH_MX_EXTRA" || continue
		case "$x" in
		busy) run_mx_busy "$cfg" busy 0 ;;
		yield) run_mx_busy "$cfg" yield "$BENCH_MIN_RATE" ;;
		esac || return 1
	done
	if have zero "$BENCH_MX_EXTRA"; then
		run_mx_zero "$cfg" || return 1
	fi
	if have wan "$BENCH_MX_EXTRA"; then
		run_mx_wan "$cfg" || return 1
	fi
	if have comp "$BENCH_MX_EXTRA"; then
		run_mx_comp "$cfg" || return 1
	fi
}

# min_rate KIB: the resync_min_rate module parameter on A (0: no yield).
min_rate() {
	vm_run -t 30 A "echo $1 >/sys/module/dm_mirrorx/parameters/resync_min_rate"
}

# run_mx_busy CONFIG PREFIX MIN_RATE: the application's QD1 latency during
# a full resync of random data (resync_rate 0: unlimited), with the
# resync_min_rate module parameter at MIN_RATE KiB/s (0: no yield; the
# module's value is restored after). On run_mx's mirror of the perf disk,
# in sync after the fio jobs:
# `resync 1 full` starts a full resync and fio qd1 runs BENCH_RUNTIME (+
# BENCH_RAMP) s, the full resync started again whenever it finished
# (guest.sh mx_busy), so the whole job runs against one. Records
# PREFIX_qd1_p50_us and _p99_us (compare with the same row's idle
# qd1_p50_us), PREFIX_resync_MBps (what the resync copied during the job:
# the price of yielding) and PREFIX_kicks (resyncs started).
run_mx_busy() {
	local cfg=$1 p=$2 rate=$3 out fout w old
	fout=$RUNDIR/fio/$cfg-A-$p.json
	say "$cfg: fio qd1 during a full resync, resync_min_rate $rate (${BENCH_RUNTIME}s)"
	old=$(vm_run -t 30 A "cat /sys/module/dm_mirrorx/parameters/resync_min_rate") || return 1
	min_rate "$rate" || return 1
	out=$(g -t $((BENCH_RUNTIME + BENCH_RAMP + 180)) A mx_busy "$DM" 1 "$BENCH_RUNTIME" "$BENCH_RAMP" /tmp/mx-busy.json) || {
		na "$cfg" "${p}_qd1_p50_us" "fio or resync failed"
		min_rate "$old"
		return 1
	}
	min_rate "$old" || return 1
	vm_run A "cat /tmp/mx-busy.json" >"$fout" || return 1
	w='.jobs[0].write'
	rec "$cfg" "${p}_qd1_p50_us" "$(jq "$w.lat_ns.percentile[\"50.000000\"] / 1000" "$fout")"
	rec "$cfg" "${p}_qd1_p99_us" "$(jq "$w.lat_ns.percentile[\"99.000000\"] / 1000" "$fout")"
	rec "$cfg" "${p}_resync_MBps" "$(awk -v n="$(kv regions "$out")" -v r="$(kv region "$out")" -v s="$(kv secs "$out")" 'BEGIN { printf "%.2f", n * r * 512 / s / 1e6 }')"
	rec "$cfg" "${p}_kicks" "$(kv kicks "$out")"
	# The next step starts from a mirror in sync.
	g -t $((SYNC_TIMEOUT + 60)) A mx_wait "$DM" "$SYNC_TIMEOUT"
}

# run_mx_wan CONFIG: the full initial resync of the perf disk (random data
# on A) over the link with BENCH_WAN_DELAY of netem delay each way (RTT +
# twice that: 20 ms by default), timed as run_mx's, and the link at that
# RTT just before it (ping, iperf3: floor wan_*). Records
# wan_resync_MBps, wan_resync_s and wan_resync_wait_s. The delay is
# removed after it (run_config removes it on a failure too).
run_mx_wan() {
	local cfg=$1
	mx_teardown
	zero_meta || return 1
	say "$cfg: netem delay $BENCH_WAN_DELAY each way on the link A-B"
	link_delay A B "$BENCH_WAN_DELAY" || return 1
	link_measure wan_ || return 1
	say "$cfg: initial full resync of $BENCH_PERF_SIZE at netem delay $BENCH_WAN_DELAY each way"
	mx_timed_sync "$cfg" /dev/vda wan_ || return 1
	link_restore A B
}

# run_mx_comp CONFIG: link compression on a slow link. The link A-B is
# limited to BENCH_COMP_RATE with netem rate on both ends (the source's
# egress carries the data, the target's only acknowledgements: limiting
# both keeps the link symmetric, as a WAN line is), measured at that rate
# (ping, iperf3: floor comp_*), then fio seqc (1 MiB sequential writes,
# QD8, 2:1 compressible data: guest.sh fio_job) runs on a sync mirror of
# the perf disk without compression and on one with `compress lz4` in
# both tables (the order alternating by round, as busy/yield). Records
# comp_seq_MBps, comp_lz4_seq_MBps and comp_lz4_ratio (the data bytes
# the source sent during the job over their bytes on the wire, from its
# status compress field). The rate is removed after it (run_config
# removes it on a failure too).
run_mx_comp() {
	local cfg=$1 alg
	say "$cfg: netem rate $BENCH_COMP_RATE each way on the link A-B"
	link_netem A B rate "$BENCH_COMP_RATE" || return 1
	link_measure comp_ || return 1
	for alg in $(round_order_of "$REP" none lz4); do
		mx_comp_seq "$cfg" "$alg" || return 1
	done
	link_restore A B
}

# mx_comp_field: the compress field of A's mirror's (only) peer,
# alg:state:data_bytes:wire_bytes (status field 18: no fencing).
mx_comp_field() { vm_run A "dmsetup status $DM" | awk '{ print $18 }'; }

# mx_comp_seq CONFIG ALG: run_mx_comp's fio seqc on a fresh sync mirror of
# the perf disk, `compress ALG` in both tables (none: no option). The
# mirror is created clean (assume_clean, as run_crash_mx's): a full resync
# over the slow link would take most of an hour, and the job measures
# replication, not the resync; the disks' old contents are not compared.
mx_comp_seq() {
	local cfg=$1 alg=$2 opt="" p=comp_ f0 f1
	if [ "$alg" != none ]; then
		opt=" 2 compress $alg"
		p=comp_${alg}_
	fi
	mx_teardown
	zero_meta || return 1
	# The source first (its target is not listening yet), then the target.
	vm_run -t 60 A "dmsetup create $DM --table '$(mx_src_table /dev/vda "$PERF_B" sync)$opt' && dmsetup mknodes $DM && dmsetup message $DM 0 assume_clean 1" || return 1
	vm_run -t 60 B "dmsetup create $DM --table '$(mx_tgt_table /dev/vda "$PERF_B")$opt'" || return 1
	g -t 300 A mx_wait "$DM" 240 || return 1
	f0=$(mx_comp_field)
	fio_one "$cfg" A "/dev/mapper/$DM" seqc "$p" || return 1
	[ "$alg" != none ] || return 0
	f1=$(mx_comp_field)
	say "$cfg: compress field before and after the job: $f0 $f1"
	if [ "$(cut -d: -f2 <<<"$f1")" != on ]; then
		na "$cfg" "${p}ratio" "compression not on: $f1"
		return 1
	fi
	rec "$cfg" "${p}ratio" "$(awk -v a="$f0" -v b="$f1" 'BEGIN {
		split(a, x, ":"); split(b, y, ":")
		if (y[4] > x[4]) printf "%.3f", (y[3] - x[3]) / (y[4] - x[4]) }')"
}

# mx_timed_sync CONFIG DISK PREFIX: a sync mirror of the first
# BENCH_PERF_SIZE of DISK on both guests (metadata zeroed, no device up),
# its full initial resync timed as run_mx's; records PREFIXresync_MBps,
# PREFIXresync_s and PREFIXresync_wait_s.
mx_timed_sync() {
	local cfg=$1 disk=$2 p=$3 out
	vm_run -t 60 B "dmsetup create $DM --table '$(mx_tgt_table "$disk" "$PERF_B")'" || return 1
	cpu_begin
	out=$(g -t $((SYNC_TIMEOUT + 60)) A mx_create_wait "$DM" "'$(mx_src_table "$disk" "$PERF_B" sync)'" "$SYNC_TIMEOUT") || return 1
	[ "$(kv timeout "$out")" = 0 ] || return 1
	cpu_end "$cfg" "${p}resync"
	rec_sync "$cfg" "$p" "$out"
}

# rec_sync CONFIG PREFIX OUT: record a timed sync of BENCH_PERF_SIZE from
# its wait's output: PREFIXresync_MBps, PREFIXresync_s and, for mirrorx's
# (timed by the kernel log), PREFIXresync_wait_s, the wait's own.
rec_sync() {
	local secs
	secs=$(kv secs "$3")
	rec "$1" "${2}resync_MBps" "$(awk -v b="$PERF_B" -v s="$secs" 'BEGIN { printf "%.2f", b / s / 1e6 }')"
	rec_secs "$1" "${2}resync" "$3"
}

# rec_secs CONFIG NAME OUT: record NAME_s, the seconds of a wait's output,
# and for mirrorx's (timed by the kernel log) NAME_wait_s, the wait's own.
rec_secs() {
	local wsecs
	wsecs=$(kv wsecs "$3")
	rec "$1" "${2}_s" "$(kv secs "$3")"
	[ -z "$wsecs" ] || rec "$1" "${2}_wait_s" "$wsecs"
}

# rec_sent CONFIG METRIC: record, in MiB, the "bytes sent" of the last
# "resync finished" line in A's log (what crossed the link as data), or
# why not; prints the line.
rec_sent() {
	local line sent
	line=$(vm_run A "dmesg | grep 'resync finished:' | tail -n1")
	sent=$(sed -n 's/.* \([0-9]*\) bytes sent.*/\1/p' <<<"$line")
	if [ -n "$sent" ]; then
		rec "$1" "$2" "$(awk -v b="$sent" 'BEGIN { printf "%.2f", b / 1048576 }')"
	else
		na "$1" "$2" "no 'resync finished' line in A's log"
	fi
	echo "$line"
}

# run_mx_zero CONFIG: the full initial resync of an all-zero device of
# BENCH_PERF_SIZE, timed as run_mx's: a mirror over the first
# BENCH_PERF_SIZE of the crash disks (zero on both guests until the crash
# tests, which run after the rounds). Records zero_resync_MBps, _s and
# zero_sent_MiB (the "bytes sent" of the resync's log line: the zero-aware
# resync sends the zero ranges as write-zeroes, no data). Sync rows only:
# an async peer resyncs the same way. Its floor first: the sync reads the
# whole device on A, so fio's 1 MiB sequential reads at QD 8 of the same
# bytes bound it (floor zero_read_MBps).
run_mx_zero() {
	local cfg=$1 out mbps
	if [ "$CRASH_B" -lt "$PERF_B" ]; then
		na "$cfg" zero_resync_MBps "crash disk smaller than the perf disk"
		return 0
	fi
	mx_teardown
	out=$RUNDIR/fio/floor-A-zero_read-$REP.json
	say "floor: local read of A's all-zero $BENCH_PERF_SIZE (${ZERO_READ_SECS}s)"
	if g -t $((ZERO_READ_SECS + 120)) A fio read /dev/vdb "$ZERO_READ_SECS" 0 "$PERF_B" >"$out" &&
		mbps=$(jq -e '.jobs[0].read.bw_bytes / 1e6' "$out"); then
		rec floor zero_read_MBps "$mbps"
	else
		say "floor: local read of A's all-zero device failed"
		na floor zero_read_MBps "fio read failed"
		FAILED=1
	fi
	zero_meta || return 1
	say "$cfg: initial full resync of an all-zero $BENCH_PERF_SIZE"
	mx_timed_sync "$cfg" /dev/vdb zero_ || return 1
	rec_sent "$cfg" zero_sent_MiB >/dev/null
}

run_drbd() {
	local cfg=$1 out
	drbd_prepare "$cfg" /dev/vda || return 1
	say "$cfg: initial full resync of $BENCH_PERF_SIZE"
	cpu_begin
	out=$(g -t $((SYNC_TIMEOUT + 60)) A drbd_up_wait r0 "$SYNC_TIMEOUT" primary-force) || return 1
	[ "$(kv timeout "$out")" = 0 ] || return 1
	cpu_end "$cfg" resync
	vm_run A "/lib/drbd/drbdsetup-84 show r0 --show-defaults" >"$RUNDIR/fio/$cfg-drbdsetup-show.txt" 2>&1
	rec_sync "$cfg" "" "$out"
	fio_all "$cfg" A /dev/drbd0
}

# crash_load CONFIG DEV: BENCH_CRASH_SECS of 4 KiB random writes (QD32)
# over DEV on A, then a power loss of A; records the data written.
crash_load() {
	local cfg=$1 dev=$2 job w
	say "$cfg: ${BENCH_CRASH_SECS}s of 4 KiB random writes over $BENCH_CRASH_SIZE, then power loss of A"
	# Loud: while it runs, the agent looks for the wstat job every 100 ms,
	# not every second (the load writes on until the kill).
	CRASH_JOB=$(MX_RUN_QUIET='' vm_run_bg -t $((BENCH_CRASH_SECS + 600)) A "$GUEST fio qd32 $dev $((BENCH_CRASH_SECS + 600)) 0 >/dev/null") || return 1
	sleep "$BENCH_CRASH_SECS"
	w=$(g -t 30 A wstat "$dev") || return 1
	vm_kill A || return 1
	CRASH_JOB= # died with A
	rec "$cfg" crash_written_MiB "$(awk -v s="$w" 'BEGIN { printf "%.1f", s * 512 / 1048576 }')"
}

crash_reboot() {
	local cfg=$1 t
	t=$(date +%s)
	vm_start A || return 1
	g A setup "$KO" || return 1
	rec "$cfg" crash_reboot_s $(($(date +%s) - t))
}

# crash_secs CONFIG OUT: record the seconds to in sync, or why not.
crash_secs() {
	if [ "$(kv timeout "$2")" = 1 ]; then
		na "$1" crash_resync_s "not in sync after ${BENCH_CRASH_TIMEOUT}s"
		say "$1: not in sync after ${BENCH_CRASH_TIMEOUT}s"
	else
		rec_secs "$1" crash_resync "$2"
	fi
}

run_crash_mx() {
	local cfg=$1 mode st out secs todo region line
	mode=$(mx_mode "$cfg")
	zero_meta || return 1
	# Clean create, race-free: the source first (its target is not
	# listening yet, so no connection), assume_clean, then the target.
	if ! vm_run -t 60 A "dmsetup create $DM --table '$(mx_src_table /dev/vdb "$CRASH_B" "$mode")' && dmsetup mknodes $DM && dmsetup message $DM 0 assume_clean 1"; then
		[ "$mode" = async ] && {
			na "$cfg" crash_resync_MiB "async not available"
			return 2
		}
		return 1
	fi
	vm_run -t 60 B "dmsetup create $DM --table '$(mx_tgt_table /dev/vdb "$CRASH_B")'" || return 1
	g -t 300 A mx_wait "$DM" 240 || return 1
	st=$(vm_run A "dmsetup status $DM")
	awk '$13 == 0 && $14 == "0/0" { ok = 1 } END { exit !ok }' <<<"$st" ||
		say "WARNING: $cfg: clean create was not clean: $st"
	crash_load "$cfg" "/dev/mapper/$DM" || return 1
	crash_reboot "$cfg" || return 1
	say "$cfg: reload on A, wait for the resync"
	out=$(g -t $((BENCH_CRASH_TIMEOUT + 60)) A mx_create_wait "$DM" "'$(mx_src_table /dev/vdb "$CRASH_B" "$mode")'" "$BENCH_CRASH_TIMEOUT") || return 1
	secs=$(kv secs "$out")
	todo=$(kv todo "$out")
	region=$(kv region "$out")
	# Regions the resync had to compare or copy, whole regions.
	rec "$cfg" crash_resync_MiB "$(awk -v d="$todo" -v r="$region" 'BEGIN { printf "%.2f", d * r * 512 / 1048576 }')"
	# What crossed the link: the resync's own count (it compares the
	# regions a crash left marked by checksum and sends what differs).
	line=$(rec_sent "$cfg" crash_sent_MiB)
	crash_secs "$cfg" "$out"
	echo "$out" >"$RUNDIR/fio/$cfg-crash-status.txt"
	echo "$line" >>"$RUNDIR/fio/$cfg-crash-status.txt"
}

run_crash_drbd() {
	local cfg=$1 out kib
	drbd_prepare "$cfg" /dev/vdb || return 1
	vm_run -t 60 A "drbdadm new-current-uuid --clear-bitmap r0 && drbdadm primary r0" || return 1
	g -t 120 A drbd_wait r0 60 || return 1
	vm_run A "grep -q 'oos:0\$' /proc/drbd" || say "WARNING: $cfg: clean create was not clean: $(vm_run A 'cat /proc/drbd')"
	crash_load "$cfg" /dev/drbd0 || return 1
	crash_reboot "$cfg" || return 1
	drbd_install A "$cfg" /dev/vdb || return 1
	say "$cfg: drbdadm up on A, wait for the resync"
	out=$(g -t $((BENCH_CRASH_TIMEOUT + 60)) A drbd_up_wait r0 "$BENCH_CRASH_TIMEOUT") || return 1
	kib=$(kv will_sync_kib "$out")
	[ "${kib:-0}" -gt 0 ] || kib=$(kv oos_max_kib "$out")
	rec "$cfg" crash_resync_MiB "$(awk -v k="$kib" 'BEGIN { printf "%.2f", k / 1024 }')"
	# No csums-alg in the resource: DRBD sends all it resyncs.
	rec "$cfg" crash_sent_MiB "$(awk -v k="$kib" 'BEGIN { printf "%.2f", k / 1024 }')"
	crash_secs "$cfg" "$out"
	echo "$out" >"$RUNDIR/fio/$cfg-crash-status.txt"
}

# run_config CONFIG: one round of a configuration, from scratch (device
# created, full initial resync, fio jobs), then its device removed, failed
# or not. Returns 0, 1 (failed) or 2 (not available: skip it from now on).
run_config() {
	local cfg=$1 rc
	case "$cfg" in
	linear) run_linear ;;
	mx-*) run_mx "$cfg" ;;
	drbd-*) run_drbd "$cfg" ;;
	*)
		say "unknown configuration $cfg"
		false
		;;
	esac
	rc=$?
	case "$cfg" in linear | mx-*) mx_teardown ;; drbd-*) drbd_teardown ;; esac
	# A failed mirrorx row may leave the WAN delay, the compression
	# row's rate or a yield behind.
	case "$cfg" in mx-*) link_restore A B && min_rate 0 ;; esac
	return $rc
}

# round_order_of N WORD...: the words, backwards in even rounds.
round_order_of() {
	local n=$1 c out=
	shift
	for c in "$@"; do
		if [ $((n % 2)) = 1 ]; then
			out+="$c "
		else
			out="$c $out"
		fi
	done
	echo "${out% }"
}

# round_order N: the configurations of round N, backwards in even rounds.
round_order() {
	# shellcheck disable=SC2086 # a list of words
	round_order_of "$1" $BENCH_CONFIGS
}

# ---- main ------------------------------------------------------------------

# The whole run is one function: bash parses it before running it, so an
# edit of this file during a run cannot derail the run.
main() {
	say "work dir $MX_WORKDIR, results $RUNDIR"
	say "configs: $BENCH_CONFIGS; rounds: $BENCH_REPS; crash: $BENCH_CRASH"
	say "fio jobs: ${BENCH_JOBS:-none}; mirrorx sync rows also: ${BENCH_MX_EXTRA:-nothing} (yield at $BENCH_MIN_RATE KiB/s, WAN delay $BENCH_WAN_DELAY each way, compression on a $BENCH_COMP_RATE link)"
	LOAD0=$(load1)
	say "pre-writing disk images ($(numfmt --to=iec $((NEED - (1 << 30)))))"
	# Setting the buffer needs root: find out before the images.
	[ -z "${BENCH_LINK_RMEM:-}" ] || [ -w "$RMEM_SYSCTL" ] ||
		die "BENCH_LINK_RMEM: cannot write $RMEM_SYSCTL (needs root); BENCH_LINK_RMEM= keeps the host's buffer"
	prefill || die "pre-writing the disk images failed"
	link_rmem_set || die "BENCH_LINK_RMEM"
	LINK_RMEM=$(cat "$RMEM_SYSCTL" 2>/dev/null)
	[[ "$LINK_RMEM" =~ ^[0-9]+$ ]] || LINK_RMEM=null
	say "booting guests A and B (${MX_ACCEL:-tcg}, disks cache=$MX_DISK_CACHE, link sockets' receive buffer $LINK_RMEM bytes)"
	boot_guests || die "guests did not come up"
	ADDR_A=$(vm_addr A B)
	ADDR_B=$(vm_addr B A)

	# Rounds: the link, then every configuration once (linear: dm-linear
	# on A, the floor's local disk, and on B, its remote disk).
	local -A okn=() # rounds each configuration completed
	local skip=" "  # configurations not available (rc 2)
	for ((REP = 1; REP <= BENCH_REPS; REP++)); do
		say "round $REP of $BENCH_REPS: $(round_order $REP)"
		run_link || {
			FAILED=1
			say "link measurement failed"
		}
		for cfg in $(round_order $REP); do
			[[ "$skip" != *" $cfg "* ]] || continue
			run_config "$cfg"
			case $? in
			0) okn[$cfg]=$((${okn[$cfg]:-0} + 1)) ;;
			2) skip+="$cfg " ;;
			*)
				FAILED=1
				na "$cfg" '*' "error (see the log)"
				say "$cfg: round $REP FAILED"
				restart_guests || die "guests did not come back after $cfg failed"
				;;
			esac
		done
	done
	# The floor's local figures are the linear row's.
	jq -c 'select(.config == "linear" and .value != null) | .config = "floor" | .metric = "local_" + .metric' "$RAW" >"$RAW.tmp" && cat "$RAW.tmp" >>"$RAW"
	rm -f "$RAW.tmp"

	# The crash tests: once per configuration (round 1's records).
	REP=1
	for cfg in $BENCH_CRASH; do
		have "$cfg" "$BENCH_CONFIGS" || continue
		if [ -z "${okn[$cfg]:-}" ]; then
			# n/a, or failed in every round: the crash test would too.
			say "$cfg: no round completed: no crash test"
			continue
		fi
		case "$cfg" in
		mx-*) run_crash_mx "$cfg" ;;
		drbd-*) run_crash_drbd "$cfg" ;;
		esac
		rc=$?
		if [ $rc -eq 1 ]; then
			FAILED=1
			na "$cfg" crash_resync_MiB "error (see the log)"
			na "$cfg" crash_resync_s "error (see the log)"
			say "$cfg: crash test FAILED"
			if [ -n "$CRASH_JOB" ] && vm_alive A; then
				# The load still holds the device open.
				vm_kill_job A "$CRASH_JOB"
				vm_wait A "$CRASH_JOB" >/dev/null 2>&1
				CRASH_JOB=
			fi
			# A may be down or half set up: start over from a clean guest.
			vm_alive A || { vm_start A && g A setup "$KO"; }
		fi
		if vm_alive A; then
			case "$cfg" in mx-*) mx_teardown ;; drbd-*) drbd_teardown ;; esac
		fi
	done
	LOAD1=$(load1)

	if ! vm_check_logs >"$RUNDIR/kernel-problems.txt" 2>&1; then
		say "WARNING: kernel problems in the guest logs (see $RUNDIR/kernel-problems.txt)"
		FAILED=1
	else
		rm -f "$RUNDIR/kernel-problems.txt"
	fi
	for n in A B; do
		cp "$MX_WORKDIR/$n/console.log" "$RUNDIR/console-$n.log" 2>/dev/null
	done

	jq -n \
		--arg ts "$TS" --argjson quick "$([ "$QUICK" = 1 ] && echo true || echo false)" \
		--argjson reps "$BENCH_REPS" \
		--arg git "$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)" \
		--arg nproc "$(nproc)" --arg l0 "$LOAD0" --arg l1 "$LOAD1" --arg kver "$KVER" \
		--arg configs "$BENCH_CONFIGS" --arg crash "$BENCH_CRASH" \
		--arg perf "$BENCH_PERF_SIZE" --arg crashsz "$BENCH_CRASH_SIZE" \
		--argjson rt "$BENCH_RUNTIME" --argjson ramp "$BENCH_RAMP" \
		--argjson csecs "$BENCH_CRASH_SECS" --arg cache "$MX_DISK_CACHE" \
		--arg blkopts "$MX_BLK_OPTS" \
		--arg accel "${MX_ACCEL:-tcg}" --arg mem "${MX_MEM:-640}" \
		--arg jobs "$BENCH_JOBS" --arg extra "$BENCH_MX_EXTRA" \
		--argjson minrate "$BENCH_MIN_RATE" --arg wan "$BENCH_WAN_DELAY" \
		--arg comprate "$BENCH_COMP_RATE" --argjson rmem "$LINK_RMEM" \
		--arg mxsrc "$(mx_src_table /dev/vda "$PERF_B" sync)" \
		--arg mxtgt "$(mx_tgt_table /dev/vda "$PERF_B")" \
		--arg drbdc "$(drbd_res drbd-C /dev/vda)" \
		--arg drbdt "$(drbd_res drbd-C-tuned /dev/vda)" \
		--arg fio "$(sed -n '/^fio_job()/,/^}/p' "$GUEST")" \
		'{timestamp: $ts, quick: $quick, git: $git, reps: $reps,
		  configs: ($configs | split(" ")), crash_configs: ($crash | split(" ")),
		  host: {nproc: $nproc, load_start: $l0, load_end: $l1, guest_kernel: $kver},
		  settings: {accel: $accel, guests: "2 x 1 vCPU, \($mem) MiB", disk_cache: $cache,
		    disk_options: $blkopts, perf_device: $perf, crash_device: $crashsz, fio_runtime_s: $rt,
		    fio_ramp_s: $ramp, crash_write_s: $csecs, fio_jobs: $fio,
		    jobs: ($jobs | split(" ") | map(select(. != ""))),
		    mx_extra: ($extra | split(" ") | map(select(. != ""))),
		    yield_resync_min_rate_kib: $minrate, wan_delay_each_way: $wan,
		    comp_rate_each_way: $comprate, link_socket_rcvbuf: $rmem,
		    mirrorx_source_table: $mxsrc, mirrorx_target_table: $mxtgt,
		    drbd_resource_defaults: $drbdc, drbd_resource_tuned: $drbdt}}' >"$RUNDIR/meta.json" ||
		die "writing meta.json failed"

	python3 "$BENCH/report.py" "$RUNDIR" "$BENCH_OUT/$TS" >&3 || die "report failed"
	say "results: $BENCH_OUT/$TS.json $BENCH_OUT/$TS.txt $BENCH_OUT/$TS.png (raw: $RUNDIR/)"
	say "done in $(($(date +%s) - T0))s"
	[ $FAILED -eq 0 ] || say "some measurements failed: see above"
	exit $FAILED
}

main "$@"
exit $?
