#!/usr/bin/env bash
# 055-meta-errors: the metadata device failing under either role: a source write that needs an intent-log commit fails with EIO instead of being written without its bit, a target that cannot record its state drops the connection; an outdate whose commit failed is written by its retry; no oops, no hang, nothing acknowledged is lost, and both nodes end identical once repaired
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

# Each node's metadata device is dm-linear "xmeta" over its metadata disk,
# so that a table reload turns it into the "error" target and back.
META_SECTORS=$((8 << 11))
xmeta_set() { # NAME linear|error
	local t="0 $META_SECTORS linear /dev/vdb 0"
	[ "$2" = linear ] || t="0 $META_SECTORS error"
	vm_run "$1" "dmsetup reload xmeta --table '$t' && dmsetup resume xmeta"
}

mx_boot A B
for n in A B; do
	vm_run $n "dmsetup create xmeta --table '0 $META_SECTORS linear /dev/vdb 0'"
done
# shellcheck disable=SC2034 # read by mirror.sh
MX_META=/dev/mapper/xmeta
mx_create_pair A B
mx_wait_insync A 120
write_pattern A /dev/mapper/mx 055-base 8M 0

step "source: metadata device fails while the link is down (writes need new bits)"
link_cut A B
mx_wait_conn A Connecting 30
write_pattern A /dev/mapper/mx 055-cut 1M 40M
xmeta_set A error
# Regions never written since the cut: their bits are not on disk yet.
if vm_run -t 90 A "timeout 60 dd if=$(pattern_file 055-lost 1048576) of=/dev/mapper/mx bs=1M seek=100 oflag=direct status=none"; then
	fail "a write whose intent-log bit could not be committed completed"
fi
vm_run A "dmesg" | grep -q "metadata commit failed" ||
	fail "no 'metadata commit failed' line in A's log"
mx_status A
step "source: metadata repaired; writes work again, the link comes back, resync"
xmeta_set A linear
write_pattern A /dev/mapper/mx 055-after 1M 120M
link_restore A B
mx_wait_insync A 120
check_pattern B $MX_DATA 055-cut 1M 40M
check_pattern B $MX_DATA 055-after 1M 120M
# The failed write was never issued: both nodes still hold zeroes there.
zero=$(dd if=/dev/zero bs=1M count=1 status=none | sha256sum | cut -d' ' -f1)
assert_eq "$zero" "$(dev_sha256 A $MX_DATA 100M 1M)" "A's data where the failed write went"
mx_assert_same A B

step "target: metadata device fails; a reconnect cannot record the sync state"
xmeta_set B error
link_cut A B
mx_wait_conn A Connecting 30
write_pattern A /dev/mapper/mx 055-tgt 1M 160M
link_restore A B
sleep 10
st="$(mx_conn A)/$(mx_repl A)"
mx_status A
mx_status B
[ "$st" != Connected/InSync ] ||
	fail "A says B is InSync although B could not record its state"
step "target: metadata repaired; it catches up"
xmeta_set B linear
vm_run A "dmsetup message mx 0 connect 1" || true
mx_wait_insync A 180
check_pattern B $MX_DATA 055-tgt 1M 160M
mx_assert_same A B

step "target: outdate fails on the metadata error; the retry puts Outdated on disk"
# The superblock's flags (le32 at byte 4): MX_SB_OUTDATED is bit 2.
sb_outdated() {
	local f
	f=$(vm_run "$1" "dd if=/dev/vdb bs=4096 count=1 iflag=direct status=none | od -An -tu4 -j4 -N4")
	echo $(((f >> 2) & 1))
}
link_cut A B
wait_for 60 _mx_is_conn B Listening
xmeta_set B error
if vm_run B "dmsetup message mx 0 outdate" 2>/dev/null; then
	fail "outdate succeeded although B's metadata cannot be written"
fi
xmeta_set B linear
assert_eq 0 "$(sb_outdated B)" "Outdated flag on B's disk after the failed outdate"
# Before the fix, the retry found Outdated in memory and returned 0
# without writing it.
vm_run B "dmsetup message mx 0 outdate"
assert_eq 1 "$(sb_outdated B)" "Outdated flag on B's disk after the retry"
assert_eq Outdated "$(mx_field B 5)" "B's data state"
link_restore A B
mx_wait_insync A 180
assert_eq 0 "$(sb_outdated B)" "Outdated flag on B's disk after the resync"
mx_assert_same A B
mx_assert_no_leaks A B
pass
