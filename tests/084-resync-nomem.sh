#!/usr/bin/env bash
# 084-resync-nomem: a resync whose allocations fail (fault points rs_run, rs_chunk and rs_part) neither ends early nor spins: it logs "out of memory, retrying", starts nothing new for 100 ms after each failure, and finishes with the nodes identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_fault_module

# dirty POINT COUNT OFFSET SEED [CMD]: cut the link, write 4 MiB on A
# (then run CMD there), arm POINT on A for COUNT passes, restore the link:
# the partial resync meets the faults.
dirty() {
	link_cut A B
	mx_wait_conn A Connecting 30
	write_pattern A /dev/mapper/mx "$4" 4M "$3"
	[ -z "${5:-}" ] || vm_run -t 120 A "$5" || fail "A: $5 failed"
	[ "$(mx_oos A)" -gt 0 ] || fail "no region out of sync with the link cut"
	vm_run A "dmesg -C"
	mx_fault_arm A "$1" "$2"
	link_restore A B
	wait_for -m "the fault at $1 did not fire $2 times" 120 eval '[ "$(mx_fault_hits A '"$1"')" = '"$2"' ]'
}

# span_ms POINT: milliseconds from the first fault injected at POINT to
# the last, by A's kernel log.
span_ms() {
	vm_run A "dmesg | grep 'fault injected at $1'" |
		sed 's/^\[ *\([0-9.]*\)\].*/\1/' |
		awk 'NR == 1 { f = $1 } { l = $1 } END { printf "%d", (l - f) * 1000 }'
}

# paced POINT COUNT MIN_MS: the COUNT faults at POINT spanned MIN_MS at
# least (the pauses between the tries); then the resync finishes.
paced() {
	local span
	span=$(span_ms "$1")
	echo "$2 failed allocations over $span ms"
	[ "$span" -ge "$3" ] || fail "$2 failed tries within $span ms: the resync retried without a pause"
	mx_wait_insync A 120
}

mx_start_pair A B

step "the resync's runs cannot be allocated, 3 times: it pauses between tries, goes on and finishes"
# Before 2026-12-05 the first failure ended the resync: no write came to
# start it again, it stayed Resyncing with nothing copied.
dirty rs_run 3 $((32 << 20)) 084-a
paced rs_run 3 180
vm_run A "dmesg | grep -q 'resync: out of memory, retrying'" || fail "A did not log the failed allocation"
check_pattern B "$MX_DATA" 084-a 4M 32M

step "its chunks cannot be allocated, 20 times: at least 100 ms between tries"
dirty rs_chunk 20 $((64 << 20)) 084-b
# 19 pauses of 100 ms: 1.9 s at least. Without them the tries came at
# once (within a few ms).
paced rs_chunk 20 1800
check_pattern B "$MX_DATA" 084-b 4M 64M

step "parts of its chunks cannot be allocated, 10 times: a pause between the tries"
# Every other 64 KiB of the 4 MiB zeroed: each chunk goes as runs of data
# and of write-zeroes, a part each (mx_rs_send_zero_aware()).
dirty rs_part 10 $((96 << 20)) 084-c "for i in \$(seq 0 2 63); do dd if=/dev/zero of=/dev/mapper/mx bs=64k count=1 seek=\$((1536 + i)) oflag=direct status=none || exit 1; done"
# The 4 chunks read at once fail together (each its first part): 10
# failures are 3 tries at least, 2 pauses of 100 ms between them. Without
# the pause they came within 20 ms.
paced rs_part 10 180

mx_assert_same A B
mx_assert_no_leaks A B
pass
