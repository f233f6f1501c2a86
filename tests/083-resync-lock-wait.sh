#!/usr/bin/env bash
# 083-resync-lock-wait: while a resync waits for an application write in flight in the region it copies next, it sends what it read meanwhile: a write to a region read before completes first, not after the awaited write (whose region's writes the target's disk holds 4 s); the nodes end identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# 64 KiB regions (128 sectors): regions 90 to 99 are read in one run
# before the resync comes to region 100, where the application's write
# waits for B's disk.
R=100
HOLD_MS=4000
SPR=128

# B's data disk as a table: linear, region R alone through dm-delay
# (writes held WRITE_MS), linear.
b_table() {
	local s r0=$((R * SPR))
	s=$(mx_sectors B)
	printf '%s\n' "0 $r0 linear $MX_DATA 0" \
		"$r0 $SPR delay $MX_DATA $r0 0 $MX_DATA $r0 $1 $MX_DATA $r0 0" \
		"$((r0 + SPR)) $((s - r0 - SPR)) linear $MX_DATA $((r0 + SPR))"
}

step "A on dm-delay (no delay yet); B on a table with dm-delay over region $R alone"
mx_boot A B
vm_run A "modprobe dm-delay && dmsetup create slow --table '$(mx_slow_table A 0 0)' && dmsetup mknodes slow"
vm_run B "modprobe dm-delay && printf '%s\n' '$(b_table 0 | paste -sd'|')' | tr '|' '\n' | dmsetup create slowr && dmsetup mknodes slowr && dmsetup table slowr"
mx_create B "0 $(mx_sectors B) mirrorx-recv /dev/mapper/slowr $MX_META $(vm_addr B A):$MX_PORT"
vm_run -t 60 A "dmsetup create mx --table '$(MX_DATA=/dev/mapper/slow mx_source_table A B)' && dmsetup mknodes mx"
mx_wait_insync A 300
# Without the yield to the application, regions 90 to 99 go as one run.
vm_run A "echo 0 > /sys/module/dm_mirrorx/parameters/resync_min_rate"

step "regions 90 to $R written while B is away; B connects paused"
vm_run A "dmsetup message mx 0 disconnect 1"
mx_wait_conn A StandAlone 60
write_pattern A /dev/mapper/mx 083 $(((R - 89) * 64))K $((90 * 64))K
vm_run A "dmsetup message mx 0 pause 1 && dmsetup message mx 0 connect 1"
mx_wait_state A Paused 120
assert_eq $((R - 89)) "$(mx_field A 13)" "regions out of sync"

step "B holds region $R's writes $((HOLD_MS / 1000)) s, A's reads 1 s; a write to region $R, resume, a write to region 95"
vm_run B "dmsetup suspend slowr && printf '%s\n' '$(b_table $HOLD_MS | paste -sd'|')' | tr '|' '\n' | dmsetup load slowr && dmsetup resume slowr && dmsetup table slowr"
mx_slow_disk A 1000 0
# All in one guest command: no host round trip between the steps. The
# resync reads regions 90-99 (1 s), then waits for region $R's write.
out=$(vm_run -t 120 A "rm -f /tmp/083-order; t0=\$EPOCHREALTIME
w() { dd if=/dev/urandom of=/dev/mapper/mx bs=4k count=1 seek=\$((\$1 * 16)) oflag=direct conv=notrunc status=none && echo \$1 \$EPOCHREALTIME >>/tmp/083-order; }
w $R & sleep 0.5
dmsetup message mx 0 resume 1
sleep 0.5
w 95 & wait
awk -v t0=\$t0 '{ printf \"region %d at %.2f s\\n\", \$1, \$2 - t0 }' /tmp/083-order") || fail "the writes failed"
echo "$out"
order=$(awk '{ print $2 }' <<<"$out" | paste -sd' ')
echo "writes completed in the order: $order"
# Before 2026-12-05 the chunks read waited with the resync: region 95
# stayed locked until region $R's write ended.
assert_eq "95 $R" "$order" "order of completion (region 95 was read before the wait)"

step "no delays: the resync finishes, both nodes identical"
vm_run B "dmsetup suspend slowr && printf '%s\n' '$(b_table 0 | paste -sd'|')' | tr '|' '\n' | dmsetup load slowr && dmsetup resume slowr"
mx_slow_disk A 0 0
mx_wait_insync A 300
mx_assert_same A B
mx_assert_no_leaks A B
pass
