#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the main job end to end in two QEMU guests, driven by
# mirrorctl as an admin (or LifeKeeper) would. Node A mirrors a volume
# synchronously to node B; we write, cut the link, keep writing, restore it,
# watch the partial resync, switch the roles over, and compare checksums.
set -Eeuo pipefail
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/../tests/mirror.sh"
. "$(dirname "$0")/../tests/mirrorctl.sh"
requires_module
requires_mirrorctl

say() { printf '\n=== %s\n' "$*"; }
run() { # GUEST ARGS...: show and run a mirrorctl command
	local g=$1
	shift
	echo "  $g# mirrorctl $*"
	mxctl "$g" "$@" | sed 's/^/     /'
}
sums() {
	echo "  A data sha256: $(mx_data_sha A)"
	echo "  B data sha256: $(mx_data_sha B)"
}

say "Booting two guests (Debian kernel under QEMU), each with a 256 MiB data disk and an 8 MiB metadata disk"
mx_boot A B

say "Creating the mirror: B (node 1) is the target, A (node 0) the source, sync mode"
run B create mx --role target --node-id 1 --data "$MX_DATA" --meta "$MX_META" \
	--listen "$(vm_addr B A):$MX_PORT" --peer "0,$(vm_addr A B):$MX_PORT"
run A create mx --role source --node-id 0 --data "$MX_DATA" --meta "$MX_META" \
	--listen "$(vm_addr A B):$MX_PORT" --peer "1,$(vm_addr B A):$MX_PORT,sync"
run A wait-sync mx --timeout 300
run A status mx

say "Writing 32 MiB through the mirror on A"
write_pattern A /dev/mapper/mx demo-1 32M 16M
sums

say "Cutting the A-B link; A keeps serving writes and records them in its intent log"
link_cut A B
mx_wait_conn A Connecting 60
write_pattern A /dev/mapper/mx demo-2 8M 100M
run A status mx

say "Restoring the link: A reconnects by itself and resyncs only the dirty regions"
link_restore A B
run A wait-sync mx --timeout 120
run A status mx
echo "  regions resynced: $(mx_resync_count A) of $(mx_total A)"
sums

say "Switchover: A becomes the target, B the source (nothing to resync)"
run A demote mx
run B promote mx
run B wait-sync mx --timeout 120
run B status mx
write_pattern B /dev/mapper/mx demo-3 8M 150M

say "Checksums of both data disks"
a=$(mx_data_sha A)
b=$(mx_data_sha B)
echo "  A: $a"
echo "  B: $b"
[ "$a" = "$b" ] || fail "nodes differ"
say "Both nodes hold the same data."
run B delete mx
run A delete mx
pass
