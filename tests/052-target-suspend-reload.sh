#!/usr/bin/env bash
# 052-target-suspend-reload: a suspended target stops writing (data and metadata), its table can be reloaded on the same address, and the source catches up after the resume; nodes identical
# timeout: 600
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B
step "B suspended: it must stop taking writes"
vm_run B "dmsetup suspend mx"
before=$(dev_sha256 B $MX_DATA $((16 << 20)) $((1 << 20)))
write_pattern A /dev/mapper/mx 052 1M 16M
after=$(dev_sha256 B $MX_DATA $((16 << 20)) $((1 << 20)))
assert_eq "$before" "$after" "B's data while B is suspended"
mx_wait_conn A Connecting 30
[ "$(mx_oos A)" -gt 0 ] || fail "A recorded nothing out of sync for the suspended B"

step "reload B's table on the same address while suspended, then resume"
table=$(vm_run B "dmsetup table mx")
vm_run B "dmsetup reload mx --table '$table'"
vm_run B "dmsetup resume mx"
mx_wait_insync A 120
mx_assert_partial_resync A 1M
check_pattern B $MX_DATA 052 1M 16M
mx_assert_same A B
mx_assert_no_leaks A B
pass
