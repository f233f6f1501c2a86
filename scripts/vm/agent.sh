#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-mirrorx guest agent: PID 1 of a test guest (after switch_root).
# Configures the private links, captures dmesg, then serves commands the
# host drops into the 9p spool (/mx/spool, shared with the host):
#
#   q/ID          job script; first line "#mx timeout=SECS", or
#                 "#mx timeout=SECS quiet" (see the poll below). The host
#                 writes it as q/.ID.tmp and renames it (atomic).
#   run/ID        the claimed script (agent renames q/ID -> run/ID)
#   run/ID.pid    pid of the job's process group leader (coreutils timeout)
#   out/ID.out    stdout, out/ID.err stderr, written while the job runs
#   out/ID.rc     exit status, written last (via rename): job done
#   kill/ID       host asks the agent to kill job ID
#   net.conf      "MAC IFNAME ADDR/PREFIX" lines, written by the host
#   bootid        written by the host before boot; echoed into "ready"
#   dmesg.BOOTID  kernel log of this boot (dmesg -w)
#
# Jobs run concurrently, each in its own process group, under timeout(1).
# bash reaps every child (also orphans reparented to PID 1).
#
# Sourced with MX_AGENT_SOURCED=1 (scripts/vm/test_agent.sh), it only
# defines the poll's policy below (two functions and their state) and
# returns; both guards must fail for it to go on.

# Poll the spool every 20 ms for 2 s after a job came or ended while none
# runs, every 100 ms while one runs or up to 10 s, then every 500 ms: each
# poll reads two 9p directories, and a guest polling at 10/s when idle
# cost ~10% of a host core under TCG (idle guests of waiting tests are
# most of make check's guest time). Not every 20 ms while a job runs: the
# job is what a test or the benchmark measures, and this loop took 0.73 s
# of the guest's one vCPU while the benchmark timed a 1.7 s all-zero
# resync, all CPU work, that had just started as a job. While only
# "quiet" jobs run (the benchmark's timed ones), every second: at 100 ms
# the poll still took 10-12% of the vCPU of a guest running a fio job
# (2026-12-02, the benchmark's per-thread figures); a job sent meanwhile
# waits up to a second to start, and a job's end still wakes it at once.
# While none runs and the last one that came or ended was quiet, every
# 500 ms from the start: the benchmark's other guest idles while one guest
# runs a measured job, and its 20 ms, then 100 ms polls took 7-8% of its
# vCPU during a fio job and 16% during an all-zero resync (2026-12-02,
# guest pid 1), time that guest's replication work waits for.
#
# agent_nap RUNNING LOUD IDLE: set NAP, the seconds the poll sleeps, from
# RUNNING (1: a job runs), LOUD (1: a loud one does), LAST_KIND (quiet or
# loud: the last job that came or ended) and IDLE (seconds since a job
# came or ended). No subshell: the loop runs it at every poll.
agent_nap() {
	local running=$1 loud=$2 idle=$3

	if [ "$running" = 0 ] && [ "$LAST_KIND" = quiet ]; then
		NAP=0.5
	elif [ "$running" = 0 ] && [ "$idle" -lt 2 ]; then
		NAP=0.02
	elif [ "$loud" = 1 ] || { [ "$running" = 0 ] && [ "$idle" -lt 10 ]; }; then
		NAP=0.1
	elif [ "$running" = 1 ]; then
		NAP=1
	else
		NAP=0.5
	fi
}

# The jobs running: the pid of each job's subshell (start_job()), until it
# reported its end on the tick fifo (fd 9) or is gone; its kind (quiet or
# loud).
declare -A JOBS=()
LAST_KIND=loud

# job_gone PID: forget job PID, whose end was seen; LAST_KIND becomes its
# kind (a pid no longer known leaves it as it is).
job_gone() {
	LAST_KIND=${JOBS[$1]:-$LAST_KIND}
	unset "JOBS[$1]"
}

if [ "${BASH_SOURCE[0]}" != "$0" ] || [ -n "${MX_AGENT_SOURCED:-}" ]; then
	return 0
fi

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C LC_ALL=C TERM=dumb
# No udev in the guest: libdevmapper must create /dev/mapper nodes itself.
export DM_DISABLE_UDEV=1
SPOOL=/mx/spool
NAME=$(cat /mx/name 2>/dev/null || echo guest)
export MX_GUEST=$NAME

log() { echo "mx-agent[$NAME]: $*" >/dev/console; }

cd / || exit 1
hostname "$NAME"
mkdir -p "$SPOOL/q" "$SPOOL/run" "$SPOOL/out" "$SPOOL/kill"
BOOTID=$(cat "$SPOOL/bootid" 2>/dev/null || echo 0)

# Kernel log of this boot, for the host's oops scan and for failure reports.
dmesg -w >"$SPOOL/dmesg.$BOOTID" 2>&1 &

# Network: rename each NIC by MAC, jumbo MTU, fixed address, in one
# "ip -batch" (each exec of ip costs ~0.1 s under TCG).
ipcmds="link set lo up"$'\n'
if [ -r "$SPOOL/net.conf" ]; then
	while read -r mac ifname addr; do
		[ -n "$mac" ] || continue
		dev=
		for d in /sys/class/net/*; do
			a=
			read -r a 2>/dev/null <"$d/address"
			if [ "$a" = "$mac" ]; then
				dev=${d##*/}
				break
			fi
		done
		if [ -z "$dev" ]; then
			log "no NIC with MAC $mac"
			continue
		fi
		ipcmds+="link set dev $dev down"$'\n'
		[ "$dev" = "$ifname" ] || ipcmds+="link set dev $dev name $ifname"$'\n'
		ipcmds+="link set dev $ifname mtu 9000"$'\n'
		ipcmds+="addr add $addr dev $ifname"$'\n'
		ipcmds+="link set dev $ifname up"$'\n'
	done <"$SPOOL/net.conf"
fi
# -force: a failed line (say, no jumbo frames) is reported, the rest runs.
ip -force -batch - <<<"$ipcmds" >/dev/console 2>&1 || log "network setup: some ip commands failed (above)"

sysctl -qw kernel.hung_task_timeout_secs=120 2>/dev/null
sysctl -qw kernel.panic_on_oops=0 2>/dev/null

start_job() {
	local id=$1 mark t quiet
	mv "$SPOOL/q/$id" "$SPOOL/run/$id" 2>/dev/null || return 0
	read -r mark t quiet <"$SPOOL/run/$id"
	t=${t#timeout=}
	[ "$mark" = '#mx' ] || t=
	case "$t" in '' | *[!0-9]*) t=600 ;; esac
	(
		timeout -k 5 "$t" /bin/bash "$SPOOL/run/$id" \
			>"$SPOOL/out/$id.out" 2>"$SPOOL/out/$id.err" </dev/null 9>&- &
		echo $! >"$SPOOL/run/$id.pid"
		wait $!
		echo $? >"$SPOOL/out/$id.rc.tmp"
		mv "$SPOOL/out/$id.rc.tmp" "$SPOOL/out/$id.rc"
		# Wakes the poll below at once: the host's next job may come
		# soon (after a quiet job, the poll then looks every 500 ms).
		echo "$BASHPID" >&9
	) &
	JOBS[$!]=${quiet:-loud}
	LAST_KIND=${quiet:-loud}
}

kill_job() {
	local id=$1 pid
	rm -f "$SPOOL/kill/$id"
	pid=$(cat "$SPOOL/run/$id.pid" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	# timeout(1) leads its own process group: TERM it (it forwards), then
	# KILL the whole group a little later.
	kill -TERM "$pid" 2>/dev/null
	(sleep 3; kill -KILL -- "-$pid" 2>/dev/null) &
}

echo "$BOOTID" >"$SPOOL/ready.tmp"
mv "$SPOOL/ready.tmp" "$SPOOL/ready"
log "ready (boot $BOOTID)"

# The tick fifo, opened read-write: read -t on it is a sleep without a
# fork (the idle loop costs next to nothing under TCG), which a job's end
# cuts short (its subshell writes its pid there).
mkfifo /run/mx-tick 2>/dev/null
exec 9<>/run/mx-tick
shopt -s nullglob
last=$SECONDS
while :; do
	busy=0
	for f in "$SPOOL"/q/*; do
		id=${f##*/}
		case "$id" in .*) continue ;; esac
		start_job "$id"
		busy=1
	done
	for f in "$SPOOL"/kill/*; do
		kill_job "${f##*/}"
		busy=1
	done
	[ $busy = 0 ] || last=$SECONDS
	running=0 loud=0
	for pid in "${!JOBS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			running=1
			[ "${JOBS[$pid]}" = quiet ] || loud=1
		else
			job_gone "$pid"
		fi
	done
	agent_nap $running $loud $((SECONDS - last))
	if read -r -t $NAP -u 9 ended; then
		case "$ended" in '' | *[!0-9]*) ;; *) job_gone "$ended" ;; esac
		last=$SECONDS
	fi
done
