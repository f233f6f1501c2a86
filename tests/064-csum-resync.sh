#!/usr/bin/env bash
# 064-csum-resync: after a power loss of the source, the regions the intent log left marked are compared by checksum and only the blocks that differ cross the link; "resync <peer> csum" sends exactly the 4 KiB blocks changed on the target, and the stats message counts them; both nodes end identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# rs_line NAME: the last "resync finished" line of NAME's kernel log,
# "... N regions, C bytes compared, S bytes sent".
rs_line() { vm_run "$1" "dmesg | grep 'resync finished' | tail -n1"; }
# rs_num LINE WORD: the number before WORD ("regions", "compared", "sent").
rs_num() { sed -n "s/.* \([0-9][0-9]*\) \(bytes \)\?$2.*/\1/p" <<<"$1"; }

MX_DATA_SIZE=64M mx_start_pair A B
region=$(($(mx_field A 6) * 512))

step "fio (4 KiB random writes) on 32 MiB of A's mirror, then power loss of A"
mx_fio_bg A /dev/mapper/mx 32M 16M 60 >/dev/null
sleep 6
vm_kill A
step "reboot A, reload the same table: the crash resync compares"
vm_start A
load_module A
mx_create_source A B
mx_wait_insync A 180
line=$(rs_line A)
echo "A: $line"
n=$(rs_num "$line" regions)
cmp=$(rs_num "$line" compared)
sent=$(rs_num "$line" sent)
[ -n "$n" ] && [ -n "$cmp" ] && [ -n "$sent" ] || fail "no resync line with byte counts: '$line'"
echo "crash resync: $n regions ($((n * region)) bytes), $cmp bytes compared, $sent bytes sent"
[ "$n" -ge 64 ] || fail "the crash resync covered only $n regions: fio's hot set not marked?"
[ "$cmp" -ge $((n * region / 2)) ] || fail "only $cmp bytes compared of $((n * region)) resynced"
[ $((sent * 8)) -le $((n * region)) ] ||
	fail "the crash resync sent $sent bytes for $n regions of $region bytes: more than an eighth"
mx_assert_same A B

step "change 3 blocks of B's data disk under the mirror; resync 1 csum sends exactly those"
for blk in 5 1000 12345; do
	vm_run B "dd if=/dev/urandom of=$MX_DATA bs=4k count=1 seek=$blk oflag=direct status=none"
done
assert_ne "$(mx_data_sha A)" "$(mx_data_sha B)" "checksums after changing B"
before=$(vm_run A "dmesg | grep -c 'resync finished'")
vm_run A "dmsetup message mx 0 resync 1 csum"
_rs_more() { [ "$(vm_run A "dmesg | grep -c 'resync finished'")" -gt "$before" ]; }
wait_for -m "no resync finished after 'resync 1 csum'" 120 _rs_more
mx_wait_insync A 60
line=$(rs_line A)
echo "A: $line"
assert_eq $((3 * 4096)) "$(rs_num "$line" sent)" "bytes sent by 'resync 1 csum'"
assert_eq $((64 << 20)) "$(rs_num "$line" compared)" "bytes compared by 'resync 1 csum'"
step "the stats message reports the same counters for the last resync"
stats=$(vm_run A "dmsetup message mx 0 stats")
echo "A: stats: $stats"
assert_eq "peer 1 resync_regions 1024 compared_bytes $((64 << 20)) sent_bytes $((3 * 4096)) zero_bytes 0" \
	"$stats" "stats after 'resync 1 csum'"
mx_assert_same A B
pass
