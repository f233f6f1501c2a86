#!/usr/bin/env bash
# 019-auth: peers with the same keyring secret connect; a wrong or missing secret is refused and nothing is replicated
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A B
step "same logon key on both nodes"
vm_run A "keyctl add logon mirrorx:k1 'correct horse battery staple' @u"
vm_run B "keyctl add logon mirrorx:k1 'correct horse battery staple' @u"
vm_run B "keyctl add logon mirrorx:bad 'wrong secret' @u"
mx_create_target B A auth mirrorx:k1
mx_create_source A B 128 auth mirrorx:k1
mx_wait_insync A 300
write_pattern A /dev/mapper/mx 019-auth 4M 8M
check_pattern B $MX_DATA 019-auth 4M 8M
step "the key never shows in the table or IMA status"
vm_run A "dmsetup table mx" | grep -q 'auth mirrorx:k1' || fail "table does not round-trip the key description"
if vm_run A "dmsetup table mx; dmsetup status mx" | grep -q horse; then fail "secret leaked"; fi

step "a table naming a key that does not exist is refused"
vm_run A "dmsetup remove mx"
if vm_run A "dmsetup create bad --table '$(mx_source_table A B 128 auth mirrorx:nokey)'"; then
	fail "table with a missing key accepted"
fi
vm_run A "dmesg" | grep -q "Cannot find the auth key" || fail "no clear error for a missing key"

step "target with another secret: authentication fails, never connects"
vm_run B "dmsetup remove mx"
mx_create_target B A auth mirrorx:bad
mx_create_source A B 128 auth mirrorx:k1
sleep 10
assert_eq "Connecting" "$(mx_conn A)" "A's connection state with a wrong secret"
assert_eq "Refused" "$(mx_repl A)" "A's replication state with a wrong secret"
vm_run A "dmesg" | grep -q "failed authentication" || fail "A does not log the failure"
vm_run B "dmesg" | grep -q "failed authentication" || fail "B does not log the failure"

step "target without auth: refused too"
vm_run B "dmsetup remove mx"
mx_create_target B A
sleep 8
assert_eq "Connecting" "$(mx_conn A)" "A's connection state against a target without auth"

step "same secret again: connects and catches up"
vm_run B "dmsetup remove mx"
mx_create_target B A auth mirrorx:k1
mx_wait_insync A 120
mx_assert_same A B
pass
