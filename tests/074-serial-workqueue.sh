#!/usr/bin/env bash
# 074-serial-workqueue: with the source's workqueues running one item at a time (fault module, serial_wq: what a WQ_MEM_RECLAIM workqueue's rescuer does when memory is too short for a worker), a write to a clean region gets its intent-log commit at once while the send of an async backlog over a slow link takes many seconds; nothing is lost (issue 9 #15: fails while the sends were a work item on that workqueue)
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
# serial: timing-sensitive (latency or rate measured)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_fault_module
export MX_MODE=async

mx_boot A B
# Read when the table is created: set before mx_create_pair.
vm_run -t 30 A "echo 1 >/sys/module/dm_mirrorx/parameters/serial_wq"
mx_create_pair A B
mx_wait_insync A 300
S=$(($(mx_sectors A) * 512))

step "slow the link to 1 Mbit/s; queue 4 MiB for B (about 32 s of sending)"
link_netem A B rate 1mbit
vm_run -t 120 A "dd if=$(pattern_file 074-backlog 4194304) of=/dev/mapper/mx bs=4M oflag=direct status=none" ||
	fail "the async writes on A did not complete"
q=$(mx_field A 15)
echo "queued for B: $q bytes"
[ "$q" -ge 1048576 ] ||
	fail "only $q bytes still queued for B after the 4 MiB (did its own commits wait for the sends?)"

step "a 4 KiB write to a clean region: its commit must not wait for the sends"
ms=$(vm_run -t 120 A "python3 -c '
import mmap, os, time
m = mmap.mmap(-1, 4096)
m.write(os.urandom(4096))
fd = os.open(\"/dev/mapper/mx\", os.O_WRONLY | os.O_DIRECT)
t = time.monotonic()
os.pwrite(fd, m, $((S - 65536)))
print(int((time.monotonic() - t) * 1000))
os.fsync(fd)
m.seek(0)
open(\"/tmp/w4k\", \"wb\").write(m.read())
'") || fail "the 4 KiB write on A failed"
q=$(mx_field A 15)
echo "the write took $ms ms; still queued for B after it: $q bytes"
[ "$q" -gt 0 ] || fail "the backlog was sent before the write was measured"
[ "$ms" -le $((3000 * ${MX_TIMEOUT_SCALE:-1})) ] ||
	fail "a write to a clean region waited $ms ms behind the sends to B"

step "the backlog reaches B; both sides hold the same data"
link_restore A B
_q_empty() { [ "$(mx_field A 15)" = 0 ]; }
wait_for 180 _q_empty
mx_wait_insync A 120
check_pattern B $MX_DATA 074-backlog 4M
vm_run A "sha256sum </tmp/w4k | cut -d' ' -f1" >"$MX_WORKDIR/w4k.sha"
assert_eq "$(cat "$MX_WORKDIR/w4k.sha")" "$(dev_sha256 B $MX_DATA $((S - 65536)) 4096)" \
	"the 4 KiB write, on B"
mx_assert_same A B
mx_assert_no_leaks A B
pass
