#!/usr/bin/env bash
# 070-power-loss-log: with volatile disk caches, every state a power loss can leave on the source keeps the intent-log bit of each region that may differ from the target (dm-log-writes replay + block trace)
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
requires_cmd python3 fio

# The source A has a third disk, vdc, for the write log. A's data (vda)
# and metadata (vdb) are joined by dm-linear ("combo") under one
# dm-log-writes device ("lw", log on vdc); "data" and "meta" are dm-linear
# slices of lw. So one ordered log holds every data and metadata write with
# its FLUSH/FUA flags, from the blank disks on. The block layer's
# block_bio_queue/block_bio_complete tracepoints on "data" and "meta"
# record when each write was submitted and completed, and which device
# each flush went to (the log only says when a write reached it).
# tests/tools/mxplog.py replays and checks; Documentation/dm-mirrorx.rst
# ("Power-loss testing") explains the rules. B is an ordinary target with
# the same device names (dm-linear over its vda and vdb). The workload
# marks and clears bits every way the source does: sync writes with and
# without flushes, writes through a cut link and the resync after it, the
# idle sweep, async writes, and the clean suspends of a reload and of the
# removal.
# shellcheck disable=SC2034 # read by mirror.sh's table helpers
MX_DATA=/dev/mapper/data
# shellcheck disable=SC2034
MX_META=/dev/mapper/meta
LOG_IMG=$MX_WORKDIR/A/disk2.img
# Every rule is checked (MX_PLOG_XFAIL=rule,... marks rules expected to
# fail, for bisecting an old module: mxplog.py then fails once one passes).
export MX_PLOG_XFAIL=${MX_PLOG_XFAIL-}

vm_boot A 256M 8M 1G
vm_boot B 256M 8M
vm_wait_ready A B
load_module A
load_module B
vm_run A "modprobe dm-log-writes" || skip "no dm-log-writes module in the guest kernel"

step "A: vda + vdb -> combo -> log-writes (log on vdc) -> data, meta; trace on data and meta"
d=$(vm_run A "blockdev --getsz /dev/vda")
m=$(vm_run A "blockdev --getsz /dev/vdb")
wc=$(vm_run A "set -e
	printf '0 $d linear /dev/vda 0\n$d $m linear /dev/vdb 0\n' | dmsetup create combo
	dmsetup create lw --table '0 $((d + m)) log-writes /dev/mapper/combo /dev/vdc'
	dmsetup create data --table '0 $d linear /dev/mapper/lw 0'
	dmsetup create meta --table '0 $m linear /dev/mapper/lw $d'
	dmsetup mknodes
	for n in data meta lw; do
		echo \"\$n: \$(cat /sys/block/dm-\$(dmsetup info -c -o minor --noheadings \$n)/queue/write_cache)\"
	done")
echo "$wc"
# Without a volatile cache the block layer drops FLUSH and FUA: nothing to check.
assert_eq 3 "$(grep -c 'write back' <<<"$wc")" "write caches of data, meta and lw"
dm_linear B data /dev/vda 0 "$d"
dm_linear B meta /dev/vdb 0 "$m"
# Kernel dev_t of data and meta (major << 20 | minor) for the trace filter.
devs=$(vm_run A "for n in data meta; do echo \$(( \$(dmsetup info -c -o major --noheadings \$n) << 20 | \$(dmsetup info -c -o minor --noheadings \$n) )); done")
ddev=$(sed -n 1p <<<"$devs")
mdev=$(sed -n 2p <<<"$devs")
vm_run A "set -e
	T=/sys/kernel/tracing
	[ -d \$T/events ] || mount -t tracefs nodev \$T
	echo 0 > \$T/tracing_on
	echo > \$T/trace
	echo 65536 > \$T/buffer_size_kb
	for e in block_bio_queue block_bio_complete; do
		echo 'dev == $ddev || dev == $mdev' > \$T/events/block/\$e/filter
		echo 1 > \$T/events/block/\$e/enable
	done
	echo 1 > \$T/tracing_on"

step "create the pair clean over the logged devices"
mx_create_clean A B
mx_wait_insync A 300
mx_status A

step "phase 1: sync random writes with an fsync every 16 writes"
job=$(mx_fio_bg A /dev/mapper/mx 32M 0 12 --fsync=16)
vm_wait A "$job"

step "phase 2: link cut, writes without flushes (regions out of sync)"
link_cut A B
mx_wait_conn A Connecting 30
job=$(mx_fio_bg A /dev/mapper/mx 16M 64M 8)
vm_wait A "$job"
oos=$(mx_oos A)
echo "out of sync while cut: $oos regions"
[ "$oos" -gt 0 ] || fail "no region recorded out of sync"

step "restore: partial resync clears the bits"
link_restore A B
mx_wait_insync A 180
mx_status A

step "phase 3: writes without flushes, then idle until the sweep clears them"
job=$(mx_fio_bg A /dev/mapper/mx 16M 128M 8)
vm_wait A "$job"
# The hot set cools after 60 s without writes.
wait_for -m "A's intent log not cleared after phase 3's writes" 120 mx_is_clean A
mx_status A

step "phase 4: async mode (table reload), writes without flushes, then idle"
vm_run -t 120 A "dmsetup suspend mx && dmsetup reload mx --table '$(MX_MODE=async mx_source_table A B)' && dmsetup resume mx"
mx_wait_insync A 120
job=$(mx_fio_bg A /dev/mapper/mx 16M 192M 8)
vm_wait A "$job"
# The hot set cools after 60 s without writes.
wait_for -m "A's intent log not cleared after phase 4's async writes" 120 mx_is_clean A
mx_status A

step "stop: remove mx, dump the trace, remove the log-writes stack (log super written)"
vm_run -t 120 A "dmsetup remove mx"
vm_run -t 120 A "set -e; T=/sys/kernel/tracing
	echo 0 > \$T/tracing_on
	cat \$T/per_cpu/cpu0/stats
	cat \$T/trace > /mx/spool/block.trace
	dmsetup remove data meta
	dmsetup status lw
	dmsetup remove lw combo"
vm_run -t 120 B "dmsetup remove mx"

step "A and B hold the same data"
a=$(dev_sha256 A /dev/vda) || fail "reading A's data disk"
b=$(dev_sha256 B /dev/vda) || fail "reading B's data disk"
assert_eq "$a" "$b" "data checksum A vs B"

step "replay the log at every flush/FUA point and check the intent-log rules"
python3 "$MX_REPO/tests/tools/mxplog.py" --log "$LOG_IMG" \
	--trace "$MX_WORKDIR/A/spool/block.trace" --data-dev "$ddev" --meta-dev "$mdev" \
	--data-sectors "$d" --meta-sectors "$m" --peer 1 ||
	fail "power-loss replay found violations (above)"
pass
