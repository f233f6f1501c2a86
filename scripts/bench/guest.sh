#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark helper run INSIDE a guest (the repository is visible read-only
# at the same path): scripts/bench/guest.sh VERB ARGS...
#
# Waits and timings run here, not on the host, so a figure never includes
# the ~0.3 s round trip of the host's vm_run. Every timed verb prints one
# line of "key=value" words for the host to parse.
#
#   setup KO                 load dm-mod, dm-mirrorx (KO) and drbd; dirs
#                            drbdadm needs on the guest's tmpfs root
#   fio JOB DEV RUNTIME RAMP run one of the benchmark's fio jobs; JSON out
#   mx_create_wait NAME TABLE TIMEOUT [MSG]
#                            time from `dmsetup create` (plus an optional
#                            `dmsetup message NAME 0 MSG`) to the first
#                            peer Connected + InSync (timeout=1: not in
#                            sync after TIMEOUT s, figures so far): secs=
#                            by the kernel log (a mark before the create,
#                            the module's "resync finished" line), wsecs=
#                            the wait's own (to the look that saw it);
#                            the mark goes to MX_BENCH_KMSG (default
#                            /dev/kmsg: the tests point it at a file)
#   mx_wait NAME TIMEOUT     wait (untimed) for Connected + InSync
#   mx_busy NAME PEER RUNTIME RAMP OUT
#                            fio qd1 on /dev/mapper/NAME (JSON to OUT, a
#                            guest file) while a full resync of PEER runs
#                            the whole time: `resync PEER full` before
#                            fio starts, and again each time it finished
#                            (kicks=); regions= copied during the job,
#                            secs= the job's length (ramp included)
#   drbd_up_wait RES TIMEOUT [primary-force]
#                            time from `drbdadm up` (or, with
#                            primary-force, from `drbdadm primary --force`
#                            on an up resource) to Connected and
#                            UpToDate/UpToDate; reports the largest
#                            out-of-sync KiB seen and DRBD's own
#                            "will sync N KB" log line
#   drbd_wait RES TIMEOUT    wait (untimed) for Connected UpToDate/UpToDate
#   wstat DEV                sectors written to DEV since it appeared
#   wios DEV...              write I/Os completed on each DEV so far
#   rtt ADDR COUNT           median and p99 RTT (us) of 4 KiB pings
#   cpu begin|end            where the guest's CPU went so far: /proc/stat's
#                            "cpu" line, then "TID TICKS COMM IOTICKS"
#                            (user + system clock ticks, and the clock
#                            ticks it slept waiting for I/O) of every
#                            thread that ran or waited;
#                            bash builtins only, so it costs no process.
#                            /proc/stat is read after the threads at
#                            begin, before them at end: the walk falls
#                            outside the window between the two
set -uo pipefail

# Waits must not load the guest: its one vCPU is what a resync or a fio
# job measures, and under TCG every process a poll starts costs 0.1-0.4
# s of it (a loop of dmsetup status, two awk and a sleep every 50 ms took
# 95% of a guest's CPU). So a wait starts no process while it waits: the
# mirrorx ones block in `dmsetup wait` for the device's next event (the
# module raises one at every connection or replication state change),
# the DRBD ones read /proc/drbd with bash builtins; times come from
# bash's EPOCHREALTIME, naps from read -t on a FIFO only we hold open
# (the guests have no /dev/fd for a process substitution). nap_init
# makes the FIFO (a process): the verbs that wait call it first, before
# they take a time; the others (fio, wstat, rtt...) do not pay for it.
nap_init() {
	local f=/tmp/guest-nap.$$
	mkfifo "$f" || exit 1
	exec {NAP_FD}<>"$f"
	rm -f "$f"
}
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }
# now_us: microseconds since the epoch, in REPLY.
now_us() { REPLY=${EPOCHREALTIME//[!0-9]/}; }
# secs_from T0_US [T1_US]: seconds (3 decimals) from T0 to T1 or now, in REPLY.
secs_from() {
	local t1=${2:-}
	[ -n "$t1" ] || { now_us; t1=$REPLY; }
	printf -v REPLY '%d.%03d' $(((t1 - $1) / 1000000)) $(((t1 - $1) % 1000000 / 1000))
}

# The fio jobs of every configuration: the only place they are defined.
# qd1 / qd32: 4 KiB random writes; seq: 1 MiB sequential writes at QD 8;
# seqc: seq with 2:1 compressible data (the compression row): every
# 512-byte chunk of every buffer half random, half zeros (fio
# buffer_compress_percentage=50, buffer_compress_chunk 512, the zero
# pattern), the buffers refilled for every write so that no two writes
# repeat each other (refill_buffers); read: 1 MiB sequential reads at QD
# 8 (the all-zero sync's floor: it reads the whole device on the
# source). All O_DIRECT libaio over the whole device, or its first SIZE
# bytes, time based.
fio_job() { # JOB DEV RUNTIME RAMP [SIZE]
	local job=$1 dev=$2 rt=$3 ramp=$4 rw bs qd
	local -a data=()
	[ -z "${5:-}" ] || data=(--size="$5")
	case "$job" in
	qd1) rw=randwrite bs=4k qd=1 ;;
	qd32) rw=randwrite bs=4k qd=32 ;;
	seq) rw=write bs=1M qd=8 ;;
	seqc)
		rw=write bs=1M qd=8
		data+=(--buffer_compress_percentage=50 --buffer_compress_chunk=512 --refill_buffers)
		;;
	read) rw=read bs=1M qd=8 ;;
	*) echo "guest.sh: unknown fio job $job" >&2; return 2 ;;
	esac
	fio --name="$job" --filename="$dev" --rw="$rw" --bs="$bs" \
		--iodepth="$qd" --ioengine=libaio --direct=1 "${data[@]}" \
		--time_based --runtime="$rt" --ramp_time="$ramp" \
		--randrepeat=0 --norandommap --lat_percentiles=1 \
		--output-format=json
}

# dmsetup status fields (1-based, as awk sees the line): 10 conn, 11 repl,
# 14 done/todo (Documentation/dm-mirrorx.rst, Status).
# One process (dmsetup), parsed by bash.
mx_insync() {
	local -a f
	read -r -a f <<<"$(dmsetup status "$1" 2>/dev/null)"
	[ "${f[9]:-}" = Connected ] && [ "${f[10]:-}" = InSync ]
}

# mx_events NAME: the device's event count.
# (columns are padded: the spaces go).
mx_events() {
	local e
	e=$(dmsetup info -c --noheadings -o events "$1" 2>/dev/null) || return 1
	echo "${e// /}"
}

# mx_wait NAME TIMEOUT: wait for Connected + InSync, blocked on the
# device's events; REPLY is the end of the look that found it (us), a
# time no earlier than the state change. Not the wake-up's: the module
# raises the event from a work item after the state changed, so a look
# after a wake-up for another event may see InSync before its event is
# counted. Returns 3 after TIMEOUT s.
mx_wait() {
	local name=$1 t=$2 start ev rc
	now_us
	start=$REPLY
	ev=$(mx_events "$name") || return 1
	while :; do
		if mx_insync "$name"; then
			now_us
			return 0
		fi
		now_us
		if [ $((REPLY - start)) -gt $((t * 1000000)) ]; then
			echo "guest.sh: $name not InSync after ${t}s: $(dmsetup status "$name")" >&2
			return 3
		fi
		# Bounded: a lost wake-up costs 10 s, never the run. Only a
		# failed wait (not its timeout, 124) naps before looking again.
		timeout -k 5 10 dmsetup wait "$name" "$ev" >/dev/null 2>&1
		rc=$?
		[ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || nap 0.5
		ev=$(mx_events "$name") || return 1
	done
}

# mx_busy NAME PEER RUNTIME RAMP OUT: see the header. The regions copied
# are summed over the resyncs from the done/todo field (a new resync
# starts its done count again from 0), looked at when an event comes (a
# resync that finished: kicked again, then looked at every 50 ms until the
# new one shows, 2 s at most) and when fio ends; in between the loop
# blocks in `dmsetup wait` and `wait -n`, so that it takes none of the
# CPU the QD1 job's latency depends on.
mx_busy() {
	local name=$1 peer=$2 rt=$3 ramp=$4 out=$5 t0 tend="" pid wpid who rc
	local st d prev sum=0 ev kicks=1 fio_rc=""
	local -a f
	st=$(dmsetup status "$name") || return 1
	read -r -a f <<<"$st"
	# done/todo still shows the last resync until the new one starts.
	prev=${f[13]%/*}
	dmsetup message "$name" 0 resync "$peer" full || return 1
	now_us
	t0=$REPLY
	fio_job qd1 "/dev/mapper/$name" "$rt" "$ramp" >"$out" &
	pid=$!
	while :; do
		# fio's end, however the last look ended (a kick loops back here).
		if [ -z "$fio_rc" ] && ! kill -0 "$pid" 2>/dev/null; then
			now_us
			tend=$REPLY
			wait "$pid"
			fio_rc=$?
		fi
		ev=$(mx_events "$name") || break
		st=$(dmsetup status "$name") || break
		read -r -a f <<<"$st"
		d=${f[13]%/*}
		if [ "$d" -ge "$prev" ]; then
			sum=$((sum + d - prev))
		else
			sum=$((sum + d))
		fi
		prev=$d
		[ -z "$fio_rc" ] || break
		if [ "${f[10]}" = InSync ]; then
			dmsetup message "$name" 0 resync "$peer" full || break
			kicks=$((kicks + 1))
			# Until it shows: one kick per finished resync.
			for _ in {1..40}; do
				st=$(dmsetup status "$name") || break
				read -r -a f <<<"$st"
				[ "${f[10]}" = InSync ] || break
				nap 0.05
			done
			continue
		fi
		dmsetup wait "$name" "$ev" >/dev/null 2>&1 &
		wpid=$!
		wait -n -p who "$pid" "$wpid"
		rc=$?
		if [ "${who:-}" = "$pid" ]; then
			now_us
			tend=$REPLY
			fio_rc=$rc
			kill "$wpid" 2>/dev/null
			wait "$wpid" 2>/dev/null
		elif [ "$rc" -ne 0 ]; then
			nap 0.5
		fi
	done
	if [ -z "$fio_rc" ]; then
		wait "$pid"
		fio_rc=$?
	fi
	[ "$fio_rc" = 0 ] || return 1
	secs_from "$t0" "$tend"
	echo "secs=$REPLY regions=$sum kicks=$kicks region=${f[5]}"
}

# DRBD_PROC: /proc/drbd, read with a builtin (no process).
drbd_read() { DRBD_PROC=; read -r -d '' DRBD_PROC </proc/drbd || true; }

drbd_insync() {
	drbd_read
	[[ $DRBD_PROC =~ cs:Connected[^[:cntrl:]]*ds:UpToDate/UpToDate ]]
}

# drbd_wait RES TIMEOUT: wait for Connected UpToDate/UpToDate, looking
# every 50 ms without a process; prints the largest oos seen (KiB), REPLY
# the time it was seen (us). Returns 3 after TIMEOUT s.
drbd_wait() {
	local t=$2 start max=0
	now_us
	start=$REPLY
	until drbd_insync; do
		[[ $DRBD_PROC =~ oos:([0-9]+) ]] &&
			[ "${BASH_REMATCH[1]}" -gt "$max" ] && max=${BASH_REMATCH[1]}
		now_us
		if [ $((REPLY - start)) -gt $((t * 1000000)) ]; then
			echo "guest.sh: DRBD not in sync after ${t}s:" >&2
			cat /proc/drbd >&2
			echo "$max"
			return 3
		fi
		nap 0.05
	done
	now_us
	echo "$max"
}

# dev_stat DEV FIELD: a field of DEV's /sys/.../stat (5 write I/Os, 7
# sectors written). /dev/mapper nodes made by dmsetup mknodes are not
# symlinks: go by major:minor.
dev_stat() {
	local mm
	mm=$(stat -L -c '%t %T' "$1") || return 1
	set -- $mm "$2"
	awk -v f="$3" '{ print $f }' "/sys/dev/block/$((0x$1)):$((0x$2))/stat"
}

verb=${1:-}
shift || true
case "$verb" in
mx_create_wait | mx_wait | mx_busy | drbd_up_wait | drbd_wait) nap_init ;;
esac
case "$verb" in
setup)
	ko=$1
	modprobe dm-mod || exit 1
	for m in $(modinfo -F depends "$ko" | tr ',' ' '); do
		modprobe "$m" || exit 1
	done
	[ -d /sys/module/dm_mirrorx ] || insmod "$ko" || exit 1
	modprobe drbd || exit 1
	# drbdadm/drbdmeta lock files and state live here.
	mkdir -p /run/lock /var/lib/drbd
	# Per thread, the time it waited for I/O (cpu's IOTICKS): on from
	# boot (run.sh's delayacct), else for the tasks started from now.
	sysctl -q -w kernel.task_delayacct=1 ||
		echo "guest.sh: cannot turn per-task delay accounting on: cpu's IOTICKS are 0 unless the kernel booted with delayacct" >&2
	# The host wrote the disk images after boot: drop cached blocks.
	for d in /dev/vd?; do blockdev --flushbufs "$d"; done
	;;
fio)
	fio_job "$@"
	;;
mx_create_wait)
	name=$1 table=$2 t=$3 msg=${4:-}
	# The resync runs on the guest's one vCPU, and under TCG each
	# process the wait starts costs 0.1-0.4 s of it: the waiter runs at
	# the lowest priority, so that it takes what the resync leaves idle
	# (an all-zero sync is all source CPU: with its processes at nice 0
	# it was about a fifth slower).
	renice -n 19 -p $$ >/dev/null
	now_us
	t0=$REPLY
	# The mark is this call's alone (its start time), at KERN_INFO: in
	# the log, not on the console.
	mark="mx-bench: sync of $name starts at $t0"
	printf '<6>%s\n' "$mark" >"${MX_BENCH_KMSG:-/dev/kmsg}" || exit 1
	dmsetup create "$name" --table "$table" || exit 1
	if [ -n "$msg" ]; then
		dmsetup message "$name" 0 "$msg" || exit 1
	fi
	mx_wait "$name" "$t"
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 3 ] || exit 1
	secs_from "$t0" "$REPLY"
	wsecs=$REPLY
	# The module logs "resync finished" once the peer is InSync: from
	# the mark above to that line, by the kernel log's clock, is the
	# sync without the looks that see it (a dmsetup or two after the
	# event: 0.1-0.5 s under TCG). Without such a line (nothing to
	# resync, or not in sync): the wait's own time.
	secs=$(dmesg | awk -v m="$mark" '
		!/^\[ *[0-9]+[.][0-9]+\]/ { next }
		{ t = substr($0, 2, index($0, "]") - 2) + 0 }
		index($0, m) { t0 = t; t1 = "" }
		/resync finished:/ && t0 != "" && t1 == "" { t1 = t }
		END { if (t1 != "") printf "%.3f", t1 - t0 }')
	[ "$rc" -eq 0 ] && [ -n "$secs" ] || secs=$wsecs
	# For the fio jobs that follow; not part of the sync.
	dmsetup mknodes "$name"
	st=$(dmsetup status "$name")
	echo "secs=$secs wsecs=$wsecs timeout=$((rc / 3)) region=$(awk '{ print $6 }' <<<"$st") total=$(awk '{ split($7, a, "/"); print a[2] }' <<<"$st") done=$(awk '{ split($14, a, "/"); print a[1] }' <<<"$st") todo=$(awk '{ split($14, a, "/"); print a[2] }' <<<"$st")"
	echo "status=$(tr ' ' , <<<"$st")"
	;;
mx_wait)
	mx_wait "$@" || exit 1
	;;
mx_busy)
	mx_busy "$@" || exit 1
	;;
drbd_up_wait)
	res=$1 t=$2 how=${3:-up}
	n0=$(dmesg | wc -l)
	# As mx_create_wait's waiter: the lowest priority.
	renice -n 19 -p $$ >/dev/null
	now_us
	t0=$REPLY
	if [ "$how" = primary-force ]; then
		drbdadm primary --force "$res" || exit 1
	else
		drbdadm up "$res" || exit 1
	fi
	# Not in a $(...): REPLY must survive. The largest oos goes to a file.
	drbd_wait "$res" "$t" >/tmp/drbd_wait.max
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 3 ] || exit 1
	secs_from "$t0" "$REPLY"
	secs=$REPLY
	max=$(cat /tmp/drbd_wait.max)
	will=$(dmesg | tail -n +$((n0 + 1)) | sed -n 's/.*will sync \([0-9]*\) KB.*/\1/p' | tail -n1)
	echo "secs=$secs timeout=$((rc / 3)) oos_max_kib=$max will_sync_kib=${will:-0}"
	;;
drbd_wait)
	drbd_wait "$@" >/dev/null || exit 1
	;;
wstat)
	dev_stat "$1" 7
	;;
wios)
	for d in "$@"; do
		printf '%s ' "$(dev_stat "$d" 5)"
	done
	echo
	;;
cpu)
	stat=
	[ "${1:-}" != end ] || read -r stat </proc/stat
	threads=
	for f in /proc/[0-9]*/task/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		comm=${line#*\(}
		comm=${comm%\)*}
		comm=${comm// /_}
		# Fields after the comm: state is field 3, utime 14, stime 15,
		# delayacct_blkio_ticks 42 (the accounting is on from boot:
		# run.sh's delayacct; else from setup's sysctl, for the tasks
		# started after it).
		read -r -a x <<<"${line##*\) }"
		t=$((x[11] + x[12]))
		[ "$t" = 0 ] && [ "${x[39]:-0}" = 0 ] ||
			threads+="${line%% *} $t $comm ${x[39]:-0}"$'\n'
	done
	[ -n "$stat" ] || read -r stat </proc/stat
	printf '%s\n%s' "$stat" "$threads"
	;;
rtt)
	busybox ping -c "$2" -i 0.02 -s 4096 "$1" |
		sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -n |
		awk '{ v[NR] = $1 * 1000 }
			END {
				if (NR == 0) exit 1
				p50 = v[int((NR + 1) / 2)]
				i = int(NR * 0.99 + 0.999); if (i > NR) i = NR
				printf "p50_us=%.0f p99_us=%.0f n=%d\n", p50, v[i], NR
			}'
	;;
*)
	echo "usage: guest.sh setup|fio|mx_create_wait|mx_wait|mx_busy|drbd_up_wait|drbd_wait|wstat|wios|rtt|cpu ..." >&2
	exit 2
	;;
esac
