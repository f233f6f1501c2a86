#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fiostop.sh: in a guest, stops every fio and waits until it has ended.
# fio ends on SIGTERM after writing its report. A fio still running 30 s
# later is listed on stderr with its state, wait channel and kernel stack.
# In D state (a write that hangs in the kernel) it exits 1 and leaves the
# fio alone. Otherwise it kills fio, creates /tmp/fio-killed (fio's report
# is lost then) and exits 0. Once, in a CI dry run on 2026-12-05, 068's
# fio never ended after SIGTERM and was not in D state. A zombie counts as
# ended: it no longer writes.
set -u
running() { pgrep -x -r D,R,S,T fio; }
# wait_gone TICKS: up to TICKS * 0.2 s for no fio to run.
wait_gone() {
	local n=0
	while running >/dev/null && [ $n -lt "$1" ]; do
		sleep 0.2
		n=$((n + 1))
	done
	! running >/dev/null
}

rm -f /tmp/fio-killed
pkill -x fio
wait_gone 150 && exit 0
hung=0
for p in $(running); do
	st=$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null) || continue
	echo "fio $p still runs 30 s after SIGTERM: state $st, wchan $(cat "/proc/$p/wchan" 2>/dev/null)" >&2
	cat "/proc/$p/stack" >&2 2>/dev/null
	[ "$st" != D ] || hung=1
done
if [ $hung = 1 ]; then
	echo "fio is in D state: one of its writes hangs in the kernel" >&2
	exit 1
fi
pkill -KILL -x fio
touch /tmp/fio-killed
wait_gone 150 || { echo "fio still runs after SIGKILL" >&2; exit 1; }
echo "fio did not end on SIGTERM: killed; its report is lost" >&2
