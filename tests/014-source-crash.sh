#!/usr/bin/env bash
# 014-source-crash: the source is killed hard during writes; after reboot the intent log drives a partial resync
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B

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
# The intent log marked the regions fio wrote (16 MiB at 32 MiB), nothing
# else: the crash resync copies those, not the device.
mx_assert_partial_resync A 16M
mx_assert_same A B
pass
