#!/usr/bin/env bash
# 014-source-crash: the source is killed hard during writes; after reboot the intent log drives a partial resync
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B
total=$(mx_total A)

step "fio on 16 MiB of A's mirror, then power loss of A"
mx_fio_bg A /dev/mapper/mx 16M 32M 60 >/dev/null
sleep 10
vm_kill A
step "reboot A, reload the same table"
vm_start A
load_module A
mx_create_source A B
mx_wait_insync A 180
mx_status A
n=$(mx_resync_count A)
echo "resynced $n of $total regions after the crash"
[ "$n" -gt 0 ] || fail "no region resynced after a crash during writes"
[ "$n" -le $((total / 8)) ] || fail "resync after crash copied $n of $total regions"
mx_assert_same A B
pass
