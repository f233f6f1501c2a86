#!/usr/bin/env bash
# 010-sync-initial: a device that already holds data is fully synced to a blank target; both end identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

step "boot A (source) and B (target)"
mx_boot A B

step "A: 64 MiB of data on the raw data disk before the mirror exists"
write_pattern A $MX_DATA 010-initial 64M 16M

step "B: mirrorx-recv on a zeroed metadata disk; A: mirrorx"
mx_create_target B A
mx_create_source A B
mx_status A
step "wait for the initial full sync"
mx_wait_insync A 300
mx_status A
mx_status B

step "checksums on both nodes"
check_pattern B $MX_DATA 010-initial 64M 16M
mx_assert_same A B

step "writes through the mirror reach B"
write_pattern A /dev/mapper/mx 010-second 8M 100M
check_pattern B /dev/mapper/mx 010-second 8M 100M
mx_assert_same A B

step "dmsetup remove on both sides"
vm_run A "dmsetup remove mx"
vm_run B "dmsetup remove mx"
pass
