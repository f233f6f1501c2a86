# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Mirror helpers for the replication tests (sourced after tests/lib.sh).
# Convention: every guest has disk 0 = data (/dev/vda), disk 1 = metadata
# (/dev/vdb); the mirror is the dm device "mx"; the target listens on its
# address of the link to the source, port MX_PORT.

MX_PORT=${MX_PORT:-7789}
MX_DATA=/dev/vda
MX_META=/dev/vdb

# mx_boot NAME... : boot guests with a data and a metadata disk, load module.
mx_boot() {
	local g
	for g in "$@"; do
		vm_boot "$g" "${MX_DATA_SIZE:-256M}" "${MX_META_SIZE:-8M}"
	done
	vm_wait_ready "$@"
	for g in "$@"; do
		load_module "$g"
	done
}

# mx_start_pair SRC TGT: boot both, TGT a blank target of SRC, SRC a sync
# (or $MX_MODE) source with default options, and wait until InSync. When
# both data disks are identical (fresh, zeroed images: compared on the
# host) the pair is created clean (mx_create_pair), as an admin would;
# MX_FULL_SYNC=1, or disks that differ, give the full initial sync.
mx_start_pair() {
	mx_boot "$1" "$2"
	mx_create_pair "$1" "$2"
	mx_wait_insync "$1" 300
}

# mx_create_pair SRC TGT [REGION [OPTS...]]: create TGT's target (default
# options) and SRC's source; clean (mx_create_clean) when both data disks
# are identical and MX_FULL_SYNC is not 1, else target first, then source.
mx_create_pair() {
	if [ "${MX_FULL_SYNC:-0}" != 1 ] && _mx_same_images "$1" "$2"; then
		mx_create_clean "$@"
		return
	fi
	mx_create_target "$2" "$1"
	mx_create_source "$@"
}

# _mx_same_images A B: the data disk images of A and B are byte-identical.
_mx_same_images() {
	local a b
	a=$(_mx_host_image "$1" "$MX_DATA") && b=$(_mx_host_image "$2" "$MX_DATA") &&
		cmp -s "$a" "$b"
}

# mx_create_clean SRC TGT [REGION [OPTS...]]: a new pair whose data disks
# already hold the same data skips the initial full sync: the source is
# created first, told "assume_clean 1" before its first connection, then
# the target (as drbdadm new-current-uuid --clear-bitmap). Only for blank
# metadata on both sides (assume_clean is refused for a peer with history).
mx_create_clean() {
	local s=$1 t=$2
	shift 2
	# assume_clean is refused (EBUSY, "retry") while a connection attempt
	# is under way: the admin retries.
	vm_run -t 60 "$s" "dmsetup create mx --table '$(mx_source_table "$s" "$t" "$@")' && dmsetup mknodes mx && test -b /dev/mapper/mx && for i in \$(seq 50); do dmsetup message mx 0 assume_clean 1 2>/dev/null && exit 0; sleep 0.2; done; dmsetup message mx 0 assume_clean 1"
	mx_create_target "$t" "$s"
}

# mx_sectors NAME: sectors of the data disk.
mx_sectors() { vm_run "$1" "blockdev --getsz $MX_DATA"; }

# mx_target_table TGT SRC [OPTS...]: the mirrorx-recv table line for TGT.
mx_target_table() {
	local t=$1 s=$2
	shift 2
	local opts=
	[ $# -eq 0 ] || opts=" $# $*"
	echo "0 $(mx_sectors "$t") mirrorx-recv $MX_DATA $MX_META $(vm_addr "$t" "$s"):$MX_PORT$opts"
}

# mx_source_table SRC TGT [REGION [OPTS...]]: the mirrorx table line, peer
# node id 1 in sync mode.
mx_source_table() {
	local s=$1 t=$2 region=${3:-128}
	shift 2
	[ $# -eq 0 ] || shift
	local opts=
	[ $# -eq 0 ] || opts=" $# $*"
	echo "0 $(mx_sectors "$s") mirrorx $MX_DATA $MX_META $region 1 1 $(vm_addr "$t" "$s"):$MX_PORT ${MX_MODE:-sync}$opts"
}

# mx_create NAME TABLE: dmsetup create mx on NAME.
mx_create() {
	vm_run -t 60 "$1" "dmsetup create mx --table '$2' && dmsetup mknodes mx && test -b /dev/mapper/mx"
}

# mx_create_target TGT SRC [OPTS...] / mx_create_source SRC TGT [REGION [OPTS...]]
mx_create_target() { mx_create "$1" "$(mx_target_table "$@")"; }
mx_create_source() { mx_create "$1" "$(mx_source_table "$@")"; }

# mx_status NAME: the dmsetup status line of mx.
mx_status() { vm_run -t 30 "$1" "dmsetup status mx"; }

# mx_field NAME N: field N (1-based, dmsetup status numbering) of the status.
mx_field() { mx_status "$1" | awk -v n="$2" '{ print $n }'; }

# Source status fields: 4 role, 5 data state, 6 region, 7 dirty/total,
# 8 #peers, then per peer 9 id, 10 conn, 11 repl, 12 mode, 13 oos regions,
# 14 resync done/total, 15 queue bytes, 16 queue writes, 17 lag ms.
mx_repl() { mx_field "$1" 11; }
mx_conn() { mx_field "$1" 10; }
mx_oos() { mx_field "$1" 13; }

_mx_is_insync() { [ "$(mx_conn "$1")/$(mx_repl "$1")" = Connected/InSync ]; }

# mx_wait_insync [-m MSG] SRC [SECS]: until the peer is Connected and InSync.
mx_wait_insync() {
	local m=()
	[ "$1" != -m ] || { m=(-m "$2"); shift 2; }
	wait_for "${m[@]}" "${2:-120}" _mx_is_insync "$1"
}

_mx_is_state() { [ "$(mx_repl "$1")" = "$2" ]; }
# mx_wait_state [-m MSG] SRC STATE [SECS]
mx_wait_state() {
	local m=()
	[ "$1" != -m ] || { m=(-m "$2"); shift 2; }
	wait_for "${m[@]}" "${3:-60}" _mx_is_state "$1" "$2"
}

_mx_is_conn() { [ "$(mx_conn "$1")" = "$2" ]; }
# mx_wait_conn [-m MSG] SRC STATE [SECS]
mx_wait_conn() {
	local m=()
	[ "$1" != -m ] || { m=(-m "$2"); shift 2; }
	wait_for "${m[@]}" "${3:-60}" _mx_is_conn "$1" "$2"
}

# mx_data_sha NAME: sha256 of the whole data disk (read below dm, O_DIRECT).
mx_data_sha() { dev_sha256 "$1" "$MX_DATA"; }

# mx_assert_same A B: both data disks have the same checksum.
mx_assert_same() {
	local a b
	a=$(mx_data_sha "$1") || fail "reading $1's data disk"
	b=$(mx_data_sha "$2") || fail "reading $2's data disk"
	assert_eq "$a" "$b" "data checksum $1 vs $2"
}

# mx_live_objects NAME: the module's counts of live bios, pages, peer
# requests, received writes and resync regions (debugfs
# dm_mirrorx/objects), one "name count" line each.
mx_live_objects() { vm_run "$1" "cat /sys/kernel/debug/dm_mirrorx/objects"; }

# mx_assert_no_leaks NAME...: with no I/O in flight (no target, or idle and
# in sync), every count falls to 0. A ping may be in flight for a moment,
# so a guest gets 5 samples a second apart; a leak stays above 0 in all.
mx_assert_no_leaks() {
	local g out quiet
	for g in "$@"; do
		quiet=0
		for _ in 1 2 3 4 5; do
			out=$(mx_live_objects "$g")
			grep -q '^bios ' <<<"$out" || fail "$g: no object counts in debugfs"
			if awk '$2 != 0 { bad = 1 } END { exit bad }' <<<"$out"; then
				quiet=1
				break
			fi
			sleep 1
		done
		echo "$g live objects: $(tr '\n' ' ' <<<"$out")"
		[ $quiet = 1 ] || fail "$g: objects still live with no I/O in flight: $out"
	done
}

# mx_resync_count NAME: regions copied by the last resync (field 14 "done/total").
mx_resync_count() { mx_field "$1" 14 | cut -d/ -f2; }

# mx_assert_partial_resync NAME [BYTES]: the last resync copied something,
# and at most the regions that BYTES of writes (contiguous, anywhere, the
# range a test dirtied) can touch, plus one region at each end (without
# BYTES: an eighth of the device).
mx_assert_partial_resync() {
	local n total max region
	n=$(mx_resync_count "$1")
	total=$(mx_total "$1")
	if [ -n "${2:-}" ]; then
		region=$(($(mx_field "$1" 6) * 512))
		max=$(($(_mx_bytes "$2") / region + 2))
	else
		max=$((total / 8))
	fi
	echo "resynced $n of $total regions (at most $max expected)"
	[ "$n" -gt 0 ] || fail "nothing was resynced"
	[ "$n" -le "$max" ] || fail "resync copied $n of $total regions, more than the $max the test dirtied"
}

# mx_fio_bg NAME DEV SIZE OFFSET SECS [EXTRA...]: background 4 KiB random
# writes (libaio, QD 8, O_DIRECT) over SIZE bytes at OFFSET for SECS seconds;
# prints the job id for vm_wait. fio keeps time with clock_gettime: its
# default TSC calibration can be far off in a starved TCG guest.
#
# It returns once fio's first 64 writes completed on DEV (at most 120 s):
# starting fio in a guest takes seconds on a loaded host, and a test that
# kills or cuts "during the writes" must not act before there are any.
mx_fio_bg() {
	local n=$1 dev=$2 size=$3 off=$4 secs=$5 base i job
	shift 5
	# The debug kernel (make check-debug) is slower at everything the
	# test does meanwhile: the load lasts as much longer.
	secs=$((secs * ${MX_TIMEOUT_SCALE:-1}))
	base=$(dev_writes "$n" "$dev")
	job=$(vm_run_bg -t $((secs + 300)) "$n" "fio --name=load --clocksource=clock_gettime --filename=$dev --rw=randwrite --bs=4k --ioengine=libaio --iodepth=8 --direct=1 --size=$size --offset=$off --time_based --runtime=$secs --randrepeat=0 --output=/dev/null $*") ||
		return 1
	for ((i = 0; i < 240; i++)); do
		[ "$(dev_writes "$n" "$dev")" -lt $((${base:-0} + 64)) ] || break
		sleep 0.5
	done
	[ "$i" -lt 240 ] || echo "mx_fio_bg: fio on $n wrote nothing to $dev within 120 s" >&2
	echo "$job"
}

# dev_writes NAME DEV: writes completed on DEV in guest NAME (its block
# layer counter, /sys/dev/block/MAJ:MIN/stat field 5; without udev,
# /dev/mapper/NAME is a device node, not a link to /dev/dm-N).
dev_writes() {
	vm_run -t 30 "$1" "cat /sys/dev/block/\$(stat -L -c %Hr:%Lr $2)/stat" |
		awk '{ print $5 }'
}

# MX_FIO_STOP: the guest command that stops the guest's fio and waits for
# it to end (tests/tools/fiostop.sh: a fio that ignores SIGTERM for 30 s
# is killed; one that SIGKILL does not end either fails). mx_fio_wait
# NAME JOB: JOB, a fio run by vm_run_bg whose own command checks its
# report, succeeded; a fio that the stop had to kill is said so instead
# (its report is lost).
# shellcheck disable=SC2034 # used by the tests that source this file
MX_FIO_STOP="$MX_REPO/tests/tools/fiostop.sh"
mx_fio_wait() {
	if vm_run "$1" "test -e /tmp/fio-killed"; then
		vm_wait "$1" "$2" >/dev/null || true
		echo "fio was killed by the stop (above): its report is not checked"
	else
		vm_wait "$1" "$2" >/dev/null || fail "the application's fio failed"
	fi
}

# A target on a slow disk: mx_start_slow_target SRC TGT boots both, puts
# dm-delay "slow" over TGT's data disk (no delay yet), makes TGT a target
# on it and SRC a source, and waits until InSync; mx_slow_disk TGT
# READ_MS FLUSH_MS then delays TGT's reads and flushes (writes never).
mx_slow_table() {
	local s
	s=$(mx_sectors "$1")
	echo "0 $s delay $MX_DATA 0 $2 $MX_DATA 0 0 $MX_DATA 0 $3"
}
mx_start_slow_target() {
	mx_boot "$1" "$2"
	vm_run "$2" "modprobe dm-delay && dmsetup create slow --table '$(mx_slow_table "$2" 0 0)' && dmsetup mknodes slow"
	mx_create "$2" "0 $(mx_sectors "$2") mirrorx-recv /dev/mapper/slow $MX_META $(vm_addr "$2" "$1"):$MX_PORT"
	mx_create_source "$1" "$2"
	mx_wait_insync "$1" 300
}
mx_slow_disk() {
	vm_run "$1" "dmsetup suspend slow && dmsetup load slow --table '$(mx_slow_table "$1" "$2" "$3")' && dmsetup resume slow && dmsetup table slow"
}

# mx_dirty NAME: the dirty regions count (field 7 "dirty/total");
# mx_total NAME: the regions; mx_is_clean NAME: no region is marked (a
# condition for wait_for).
mx_dirty() { mx_field "$1" 7 | cut -d/ -f1; }
mx_total() { mx_field "$1" 7 | cut -d/ -f2; }
mx_is_clean() { [ "$(mx_dirty "$1")" = 0 ]; }
# mx_disk_flushes NAME: flushes NAME's data disk completed (/sys/block/vda/stat
# field 16): with O_DIRECT writes and no fsync, only the mirror's own
# durability rules flush it.
mx_disk_flushes() { vm_run "$1" "awk '{ print \$16 }' /sys/block/vda/stat"; }
# mx_connects NAME: the lines of NAME's kernel log that say its source
# connected to peer 1 (unchanged across a step: the link never dropped).
mx_connects() { vm_run "$1" "dmesg | grep -c 'peer 1 .*connected:' || true"; }
# mx_is_data NAME STATE: NAME's data state (field 5) is STATE.
mx_is_data() { [ "$(mx_field "$1" 5)" = "$2" ]; }

# mx_sectors_written NAME: sectors written to mx since it was created.
mx_sectors_written() {
	vm_run "$1" "awk '{ print \$7 }' /sys/block/dm-\$(dmsetup info -c -o minor --noheadings mx | tr -d ' ')/stat"
}
