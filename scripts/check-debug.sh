#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the core integration tests under a debug kernel
# (lockdep, DEBUG_ATOMIC_SLEEP, KASAN, kmemleak, DEBUG_OBJECTS, DEBUG_LIST).
#
#   scripts/check-debug.sh [TEST...]
#
# 1. scripts/vm/debugkernel.sh builds (cached) Debian's linux-source-6.1
#    with scripts/vm/debug.config; its release is 6.1.N-mxdebug.
# 2. The module is built against it in build/debug-module/ (a copy of the
#    sources: dm-mirrorx/dm-mirrorx.ko stays the distro kernel's).
# 3. tests/run.sh runs TEST... (default MX_DEBUG_TESTS) one at a time with
#    the guests booting that kernel (MX_KROOT), 1 GiB of RAM each (KASAN's
#    shadow and quarantine), every timeout times MX_TIMEOUT_SCALE (default
#    3), acpi=noirq (the KASAN/lockdep kernel runs the ACPI PCI routing
#    method _PRT into its 30 s loop timeout under TCG, an RCU stall at
#    each boot; the PIIX router needs no ACPI), and MX_KMEMLEAK=1: at the end of each test every live guest runs
#    two kmemleak scans and its report goes to the console log. Any
#    lockdep, KASAN, sleep-in-atomic, DEBUG_OBJECTS or list corruption
#    report, and any unreferenced object, fails the test (MX_BAD_LOG_RE in
#    scripts/vm/lib.sh).
# Test times go to their own file (MX_TIMES): they are not the distro
# kernel's. Exits non-zero when the kernel or module build or a test fails.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"

# Initial sync, fio verify sync and async, link cut and partial resync,
# source and target crash, remove under load, async behind, resync
# control, pre-auth connects, hostile target.
MX_DEBUG_TESTS=${MX_DEBUG_TESTS:-010 011 013 014 015 017 021 024 028 043 047}

T0=$(date +%s)
root=$(scripts/vm/debugkernel.sh)
kver=$(cat "$root/kver")

mod=$TOP/build/debug-module
rm -rf "$mod"
mkdir -p "$mod/dm-mirrorx"
cp Kbuild "$mod/"
cp dm-mirrorx/Kbuild dm-mirrorx/*.[ch] "$mod/dm-mirrorx/"
make -C "$root/lib/modules/$kver/build" M="$mod" CONFIG_DM_MIRRORX=m W=1 modules >"$mod.log" 2>&1 ||
	{ cat "$mod.log" >&2; echo "check-debug: module build failed for $kver" >&2; exit 1; }
echo "check-debug: kernel $kver and module ready in $(($(date +%s) - T0)) s" >&2

if [ $# -eq 0 ]; then
	read -r -a tests <<<"$MX_DEBUG_TESTS"
	set -- "${tests[@]}"
fi
MX_KROOT=$root KVER=$kver MX_KO=$mod/dm-mirrorx/dm-mirrorx.ko \
	MX_MEM=${MX_MEM:-1024} MX_TIMEOUT_SCALE=${MX_TIMEOUT_SCALE:-3} \
	MX_BOOT_TIMEOUT=${MX_BOOT_TIMEOUT:-540} MX_KMEMLEAK=1 MX_JOBS=1 \
	MX_KERNEL_ARGS="acpi=noirq${MX_KERNEL_ARGS:+ $MX_KERNEL_ARGS}" \
	MX_TIMES=${MX_TIMES:-${XDG_CACHE_HOME:-$HOME/.cache}/dm-mirrorx/test-seconds-debug} \
	tests/run.sh "$@"
