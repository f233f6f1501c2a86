#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fiostop.sh: in a guest, stops every fio and waits until it has ended.
# fio ends on SIGTERM after writing its report. A fio still running 30 s
# later is listed on stderr with its state, wait channel and kernel stack,
# killed, and /tmp/fio-killed created (fio's report is lost then); exits
# 0 once it is gone. One that SIGKILL does not end within 30 s either (a
# write that hangs in the kernel: D state) is listed again, exit 1. Once,
# in a CI dry run on 2026-12-05, 068's fio never ended after SIGTERM and
# was not in D state. A zombie counts as ended: it no longer writes.
set -u
running() { pgrep -x -r D,R,S,T fio; }
# gone_within SECS: no fio runs, waited for up to SECS seconds.
gone_within() {
	local until=$((SECONDS + $1))
	while running >/dev/null; do
		[ $SECONDS -lt $until ] || return 1
		sleep 0.2
	done
}
# show WHAT: each fio still running, on stderr.
show() {
	local p
	for p in $(running); do
		echo "fio $p still runs $1: state $(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null), wchan $(cat "/proc/$p/wchan" 2>/dev/null)" >&2
		cat "/proc/$p/stack" >&2 2>/dev/null
	done
}

rm -f /tmp/fio-killed
pkill -x fio
gone_within 30 && exit 0
show "30 s after SIGTERM"
touch /tmp/fio-killed
pkill -KILL -x fio
if ! gone_within 30; then
	show "30 s after SIGKILL (a write that hangs in the kernel)"
	exit 1
fi
echo "fio did not end on SIGTERM: killed; its report is lost" >&2
