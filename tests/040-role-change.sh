#!/usr/bin/env bash
# 040-role-change: switchover resyncs nothing, failover only the crash window, a split brain is refused until the admin discards one side
# timeout: 1200
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A B
S=$(mx_sectors A)
# Node 0 = A, node 1 = B. Each can be source or target over the same disks.
src_table() { # NODE: source table on NODE towards the other one
	if [ "$1" = A ]; then
		echo "0 $S mirrorx $MX_DATA $MX_META 128 1 1 $(vm_addr B A):$MX_PORT sync"
	else
		echo "0 $S mirrorx $MX_DATA $MX_META 128 1 0 $(vm_addr A B):$MX_PORT sync 2 node_id 1"
	fi
}
tgt_table() { # NODE
	local other=B
	[ "$1" = A ] || other=A
	echo "0 $S mirrorx-recv $MX_DATA $MX_META $(vm_addr "$1" "$other"):$MX_PORT"
}
reload() { # NODE TABLE
	vm_run -t 120 "$1" "dmsetup suspend mx && dmsetup reload mx --table '$2' && dmsetup resume mx"
}

mx_create B "$(tgt_table B)"
mx_create A "$(src_table A)"
mx_wait_insync A 300
write_pattern A /dev/mapper/mx 040-a 16M 16M

step "switchover: A becomes target, B source; nothing to resync"
reload A "$(tgt_table A)"
reload B "$(src_table B)"
mx_wait_insync B 120
mx_status B
assert_eq 0 "$(mx_resync_count B)" "regions resynced by a clean switchover"
assert_eq "0 Connected InSync" "$(mx_field B 9) $(mx_field B 10) $(mx_field B 11)" "B's peer"
write_pattern B /dev/mapper/mx 040-b 16M 64M
check_pattern A $MX_DATA 040-b 16M 64M
if vm_run A "dd if=/dev/zero of=/dev/mapper/mx bs=4k count=1 oflag=direct status=none" 2>/dev/null; then
	fail "A accepted a local write as target"
fi

step "failover: B (source) dies during writes; A is promoted and writes on"
mx_fio_bg B /dev/mapper/mx 8M 128M 60 >/dev/null
sleep 8
vm_kill B
reload A "$(src_table A)"
write_pattern A /dev/mapper/mx 040-after-failover 4M 200M
step "B comes back as target: partial resync (A's writes + B's crash window)"
vm_start B
load_module B
mx_create B "$(tgt_table B)"
mx_wait_insync A 180
n=$(mx_resync_count A)
echo "resynced $n regions"
# B's crash window is its hot set at the kill: the fio area (2 extents of
# 4 MiB: 128 regions; 2 more when fio's random map ends in a sequential
# run that marks ahead: 256) and 040-b's 16 MiB written less than a
# minute before (4 extents and 2 marked ahead of the stream: 384), plus
# A's 4 MiB (64): 704 at most, far below the 4096 of a full resync.
[ "$n" -ge 64 ] && [ "$n" -le 704 ] || fail "failback resynced $n regions (expected A's 4 MiB plus B's hot set at its death at most, 704)"
mx_assert_same A B

step "split brain: both sides write while disconnected"
vm_run A "dmsetup message mx 0 disconnect 1"
mx_wait_conn A StandAlone 30
write_pattern A /dev/mapper/mx 040-sb-a 1M 8M
reload B "$(src_table B)"
vm_run B "dmsetup message mx 0 disconnect 0"
write_pattern B /dev/mapper/mx 040-sb-b 1M 9M
reload A "$(tgt_table A)"
vm_run B "dmsetup message mx 0 connect 0"
mx_wait_state B SplitBrain 60
mx_status B
assert_eq StandAlone "$(mx_conn B)" "B's connection after a split brain"
vm_run B "dmesg" | grep -q "split_brain\|split brain" || fail "no split brain in B's log"
check_pattern A $MX_DATA 040-sb-a 1M 8M
step "the admin discards A's changes: resync 0 full on B"
vm_run B "dmsetup message mx 0 resync 0 full"
mx_wait_insync B 300
assert_eq 4096 "$(mx_resync_count B)" "full resync after split brain"
mx_assert_same A B
check_pattern A $MX_DATA 040-sb-b 1M 9M
pass
