#!/usr/bin/env bash
# 058-zero-resync: the initial full sync of a mostly zero device sends its zero ranges as write-zeroes: bytes sent are the data's, not the device's; a range zero on the source but not on the target ends zero there; both nodes identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# rs_line NAME: the last "resync finished" line of NAME's kernel log,
# "... R regions, C bytes compared, S bytes sent, Z bytes as zeroes".
rs_line() { vm_run "$1" "dmesg | grep 'resync finished' | tail -n1"; }
# rs_num LINE WORDS: the number before WORDS ("bytes sent", "bytes as zeroes").
rs_num() { sed -n "s/.* \([0-9][0-9]*\) $2.*/\1/p" <<<"$1"; }

mx_boot A B
size=$(($(mx_sectors A) * 512))

step "A: 4 MiB of data at 32 MiB on a zero disk; B: 2 MiB of stale data at 128 MiB"
write_pattern A $MX_DATA 058-data 4M 32M
write_pattern B $MX_DATA 058-stale 2M 128M

step "blank target, new source: the full initial sync"
mx_create_target B A
mx_create_source A B
mx_wait_insync A 300
line=$(rs_line A)
echo "A: $line"
sent=$(rs_num "$line" "bytes sent")
zeroes=$(rs_num "$line" "bytes as zeroes")
[ -n "$sent" ] && [ -n "$zeroes" ] || fail "no resync line with sent and zero byte counts: '$line'"
echo "initial sync of $size bytes: $sent sent as data, $zeroes as zeroes"
assert_eq "$size" $((sent + zeroes)) "bytes sent plus bytes as zeroes (the whole device)"
# The 4 MiB of data cross the link as data (region aligned: exactly); the
# rest of the device as zeroes, headers only.
assert_eq $((4 << 20)) "$sent" "bytes sent as data"
stats=$(vm_run A "dmsetup message mx 0 stats")
echo "A: stats: $stats"
assert_match "sent_bytes $sent zero_bytes $zeroes\$" "$stats" "the stats message's counters"

step "checksums: both nodes identical, B's stale range zeroed, the data on B"
mx_assert_same A B
zero2m=$(head -c $((2 << 20)) /dev/zero | sha256sum | cut -d' ' -f1)
assert_eq "$zero2m" "$(dev_sha256 B $MX_DATA 128M 2M)" "B's stale range after the sync"
check_pattern B $MX_DATA 058-data 4M 32M
mx_assert_no_leaks A B
pass
