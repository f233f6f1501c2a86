#!/usr/bin/env bash
# 048-reconnect-under-load: reconnects while writes stream in: a write admitted during a handshake is resynced (never InSync without it); nodes end identical
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_start_pair A B

# insync_clean NAME: InSync must mean nothing left out of sync.
insync_clean() {
	local st
	st=$(mx_status "$1")
	read -r -a f <<<"$st"
	if [ "${f[9]}/${f[10]}" = Connected/InSync ] && [ "${f[12]}" != 0 ]; then
		fail "peer reported InSync with ${f[12]} regions out of sync: $st"
	fi
}

step "fio on 32 MiB of A while the peer disconnects and reconnects"
job=$(mx_fio_bg A /dev/mapper/mx 32M 0 75)
rounds=0
for _ in $(seq 1 12); do
	vm_run A "dmsetup message mx 0 disconnect 1"
	sleep 1
	vm_run A "dmsetup message mx 0 connect 1"
	mx_wait_conn A Connected 60
	insync_clean A
	rounds=$((rounds + 1))
done
echo "reconnects under load: $rounds"
vm_wait A "$job" >/dev/null || fail "fio on A did not end"
mx_wait_insync A 300
sleep 3
insync_clean A
mx_status A
mx_assert_same A B
mx_assert_no_leaks A B
pass
