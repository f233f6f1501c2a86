#!/usr/bin/env bash
# 011-sync-fio-verify: fio random writes with verify through a sync mirror; both nodes identical after quiesce
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B

step "fio randwrite QD16 with crc32c verify on A's mirror"
vm_run -t 600 A "fio --name=verify --filename=/dev/mapper/mx --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16 --direct=1 --size=96M --offset=32M --verify=crc32c --do_verify=1 --verify_fatal=1 --randrepeat=0 --output=/dev/stdout" | tail -n 5
step "fio 1 MiB sequential writes with verify, and a discard"
vm_run -t 600 A "fio --name=seq --filename=/dev/mapper/mx --rw=write --bs=1M --ioengine=libaio --iodepth=4 --direct=1 --size=64M --offset=160M --verify=crc32c --do_verify=1 --verify_fatal=1 --output=/dev/null"
vm_run A "blkdiscard -o $((8 << 20)) -l $((4 << 20)) /dev/mapper/mx || true"
vm_run A "sync"
mx_wait_insync A 60
mx_status A
step "checksums: A data disk vs B data disk"
mx_assert_same A B
pass
