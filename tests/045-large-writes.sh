#!/usr/bin/env bash
# 045-large-writes: 4 and 8 MiB O_DIRECT writes replicate in packets the wire takes, sync and async, without dropping the link
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# Every write larger than one packet (1 MiB) used to drop the connection
# (the target refuses the packet) and cost a resync. The offsets cross
# 1 MiB and region (64 KiB) boundaries at odd places; the end of the
# device is written too.

# mx_disconnects NAME: dm-mirrorx connection drops in NAME's kernel log.
mx_disconnects() {
	vm_run "$1" "dmesg | grep -c 'mirrorx: .*disconnect' || true"
}

# big_writes NAME SEED: 8 and 4 MiB writes of random data, one bio each
# (dd bs=8M/4M, O_DIRECT), at several offsets.
big_writes() {
	local n=$1 seed=$2 f8 f4 sz
	f8=$(pattern_file "$seed-8" $((8 << 20)))
	f4=$(pattern_file "$seed-4" $((4 << 20)))
	sz=$(($(mx_sectors "$n") * 512))
	vm_run -t 300 "$n" "set -e
		dd if='$f8' of=/dev/mapper/mx bs=8M oflag=direct,seek_bytes seek=0 conv=notrunc status=none
		dd if='$f8' of=/dev/mapper/mx bs=8M oflag=direct,seek_bytes seek=$(((37 << 20) + 12288)) conv=notrunc status=none
		dd if='$f4' of=/dev/mapper/mx bs=4M oflag=direct,seek_bytes seek=$(((100 << 20) + 61440)) conv=notrunc status=none
		dd if='$f4' of=/dev/mapper/mx bs=4M oflag=direct,seek_bytes seek=$((150 << 20)) conv=notrunc status=none
		dd if='$f8' of=/dev/mapper/mx bs=8M oflag=direct,seek_bytes seek=$((sz - (8 << 20))) conv=notrunc status=none"
	check_pattern "$n" /dev/mapper/mx "$seed-8" 8M $(((37 << 20) + 12288))
}

# assert_link_kept NAME DROPS_BEFORE RESYNC_BEFORE: no drop and no resync.
assert_link_kept() {
	local d r
	d=$(mx_disconnects "$1")
	r=$(mx_field "$1" 14)
	mx_status "$1"
	echo "connection drops in $1's log: $2 -> $d; resync done/total: $3 -> $r"
	assert_eq "$2" "$d" "connection drops during large writes"
	assert_eq "$3" "$r" "resync progress (a resync ran: the link was dropped)"
	assert_eq Connected "$(mx_conn "$1")" "connection state"
	assert_eq InSync "$(mx_repl "$1")" "replication state"
}

mx_start_pair A B

step "sync peer: 8 and 4 MiB O_DIRECT writes, and fio bs=8m with verify"
drops=$(mx_disconnects A)
rs=$(mx_field A 14)
big_writes A 045-sync
vm_run -t 600 A "fio --name=big --filename=/dev/mapper/mx --rw=randwrite --bs=8m --ioengine=libaio --iodepth=4 --direct=1 --size=64M --offset=64M --verify=crc32c --do_verify=1 --verify_fatal=1 --randrepeat=0 --output=/dev/null"
sleep 2
assert_link_kept A "$drops" "$rs"
mx_assert_same A B

step "async peer: the same large writes"
vm_run A "dmsetup remove mx"
MX_MODE=async mx_create_source A B
mx_wait_insync A 120
drops=$(mx_disconnects A)
rs=$(mx_field A 14)
big_writes A 045-async
_q_empty() { [ "$(mx_field A 15)" = 0 ]; }
wait_for 60 _q_empty
sleep 2
assert_link_kept A "$drops" "$rs"
mx_assert_same A B
mx_assert_no_leaks A B
pass
