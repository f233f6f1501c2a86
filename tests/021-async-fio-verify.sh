#!/usr/bin/env bash
# 021-async-fio-verify: async mirror under fio with verify; once the queue drains both nodes are identical
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module
export MX_MODE=async

mx_start_pair A B
assert_eq async "$(mx_field A 12)" "mode field"

step "fio randwrite QD16 with verify, then sequential 1 MiB with verify"
vm_run -t 600 A "fio --name=verify --filename=/dev/mapper/mx --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16 --direct=1 --size=96M --offset=32M --verify=crc32c --do_verify=1 --verify_fatal=1 --randrepeat=0 --output=/dev/null"
vm_run -t 600 A "fio --name=seq --filename=/dev/mapper/mx --rw=write --bs=1M --ioengine=libaio --iodepth=4 --direct=1 --size=64M --offset=160M --fsync=8 --verify=crc32c --do_verify=1 --verify_fatal=1 --output=/dev/null"
step "the queue drains"
_q_empty() { [ "$(mx_field A 15)" = 0 ] && [ "$(mx_field A 16)" = 0 ] && [ "$(mx_field A 17)" = 0 ]; }
wait_for 120 _q_empty
mx_wait_insync A 60
mx_status A
mx_assert_same A B
pass
