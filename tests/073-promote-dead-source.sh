#!/usr/bin/env bash
# 073-promote-dead-source: mirrorctl promote on a target whose source was killed hard (still seen connected until 10 s of silence drops it) waits for that and promotes, with every acknowledged write on it; a live source keeps the refusal (after the wait, or at once with --source-wait 0)
# timeout: 900
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
. "$(dirname "$0")/mirrorctl.sh"
requires_module
requires_mirrorctl

MX_DATA_SIZE=64M mx_boot A B
mxctl_create_pair A B
mxctl A wait-sync mx --timeout 300
write_pattern A /dev/mapper/mx 073-a 8M 0

step "a live source: B's promotion is refused (at once with --source-wait 0, else after the wait)"
mxctl_err B 4 "node 0 is connected to mx here as its source \(still after 0 s\)" promote mx --source-wait 0
t0=$EPOCHSECONDS
mxctl_err B 4 "node 0 is connected to mx here as its source \(still after 6 s\)" promote mx --source-wait 6
dt=$((EPOCHSECONDS - t0))
echo "refused after ${dt}s"
[ "$dt" -ge 6 ] || fail "refused after ${dt}s, before the 6 s wait ran out"
assert_eq mirrorx-recv "$(mx_table_target B)" "B's table after the refusals"
assert_eq Connected "$(mx_conn A)" "A's peer after the refusals"

step "A writes 1 MiB blocks (each recorded once its O_DIRECT+O_SYNC write returned), then dies"
blk=$(pattern_file 073-k 1048576)
job=$(vm_run_bg -t 300 A "for i in \$(seq 0 39); do dd if=$blk of=/dev/mapper/mx bs=1M seek=\$((16 + i)) count=1 oflag=direct,sync conv=notrunc status=none || exit 1; echo \$i; done")
out=$MX_WORKDIR/A/spool/out/${job#* }.out
wait_for 120 test -s "$out"
sleep 3
vm_kill A
acked=$(wc -l <"$out")
echo "blocks acknowledged before the kill: $acked"
[ "$acked" -ge 1 ] || fail "no write acknowledged before the kill"

step "promote B at once: it waits for the dead source's link to drop, then promotes"
t0=$EPOCHSECONDS
mxctl B promote mx
dt=$((EPOCHSECONDS - t0))
echo "promoted ${dt}s after the kill"
assert_eq mirrorx "$(mx_table_target B)" "B's table after the promotion"
want=$(pattern_sha256 073-k 1048576)
for ((i = 0; i < acked; i++)); do
	assert_eq "$want" "$(dev_sha256 B "$MX_DATA" "$((16 + i))M" 1M)" "block $i (acknowledged) on B"
done
check_pattern B /dev/mapper/mx 073-a 8M 0
write_pattern B /dev/mapper/mx 073-b 1M 60M
check_pattern B /dev/mapper/mx 073-b 1M 60M
pass
