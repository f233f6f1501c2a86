#!/usr/bin/env bash
# 017-remove-under-load: dmsetup remove on both sides while writes flow (the source's table by remove --force under fio): no hang, no leaked threads, sockets, module references, bios, pages or requests
# timeout: 600
# long: outside make check on the slower CI machine of 2026-12-01 (make check-long runs it); see README "How long it takes"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_module

mx_boot A B

# snapshot NAME: module refcount, our threads, TCP sockets on our port
# still held by a struct socket (inode not 0). A closed connection lingers
# in TIME-WAIT or FIN-WAIT for up to a minute with inode 0, owned by no
# one: that is TCP, not a leak; a socket the module never released keeps
# its inode.
snapshot() {
	vm_run "$1" "echo refcnt=\$(cat /sys/module/dm_mirrorx/refcnt) threads=\$(ps -e -o comm= | grep -c '^mirrorx') socks=\$(ss -Htane | grep ':$MX_PORT' | grep -vc ' ino:0 ')"
}
for g in A B; do
	snapshot $g
done
before_a=$(snapshot A)
before_b=$(snapshot B)

for round in 1 2; do
	step "round $round: mirror up, writes flowing"
	mx_create_pair A B
	mx_wait_insync A 300
	job=$(mx_fio_bg A /dev/mapper/mx 64M 0 20)
	sleep 6
	if [ "$round" = 1 ]; then
		step "the counts see the writes in flight (so a leak would show)"
		busy=0
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			out=$(mx_live_objects A)
			if awk '$2 > 0 { busy = 1 } END { exit !busy }' <<<"$out"; then
				busy=1
				echo "A under load: $(tr '\n' ' ' <<<"$out")"
				break
			fi
		done
		[ "$busy" = 1 ] || fail "A: every count stayed 0 under load: $out"
	fi
	step "remove the target under load"
	vm_run -t 60 B "dmsetup remove mx"
	mx_wait_conn A Connecting 30
	vm_wait A "$job"
	step "remove the source (peer gone), then again with a live peer"
	vm_run -t 60 A "dmsetup remove mx"
	mx_create_pair A B
	mx_wait_insync A 120
	job=$(mx_fio_bg A /dev/mapper/mx 64M 0 8)
	vm_wait A "$job"
	vm_run -t 60 A "dmsetup remove mx"
	vm_run -t 60 B "dmsetup remove mx"
	step "the source's table torn down under writes, with a live peer (remove --force)"
	mx_create_pair A B
	mx_wait_insync A 120
	job=$(mx_fio_bg A /dev/mapper/mx 64M 0 30)
	# fio holds the device open: --force swaps in an error table (our
	# table is suspended with writes in flight and destroyed), then the
	# remove itself waits for fio to go (--retry) or fails; either way
	# it must return.
	t0=$(date +%s)
	vm_run -t 90 A "dmsetup remove --force --retry mx 2>&1; true"
	echo "remove --force returned after $(($(date +%s) - t0)) s"
	vm_wait A "$job" || true
	vm_run -t 60 A "! dmsetup info mx >/dev/null 2>&1 || dmsetup remove mx"
	vm_run -t 60 B "dmsetup remove mx"
	vm_run A "dd if=/dev/zero of=$MX_META bs=1M count=8 status=none"
	vm_run B "dd if=/dev/zero of=$MX_META bs=1M count=8 status=none"
	step "round $round: no bio, page, request or region of ours is still live"
	mx_assert_no_leaks A B
done

sleep 2
after_a=$(snapshot A)
after_b=$(snapshot B)
echo "A before: $before_a"
echo "A after:  $after_a"
echo "B before: $before_b"
echo "B after:  $after_b"
for g in A B; do
	echo "$g: TCP sockets on port $MX_PORT:"
	vm_run $g "ss -Htane | grep ':$MX_PORT' || true"
done
for v in refcnt threads socks; do
	assert_eq "$(grep -o "$v=[0-9]*" <<<"$before_a")" "$(grep -o "$v=[0-9]*" <<<"$after_a")" "A $v"
	assert_eq "$(grep -o "$v=[0-9]*" <<<"$before_b")" "$(grep -o "$v=[0-9]*" <<<"$after_b")" "B $v"
done
step "the module unloads"
vm_run A "rmmod dm_mirrorx"
vm_run B "rmmod dm_mirrorx"
pass
