#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel versions the module is built and tested against. A kernel counts
# when its image (/boot/vmlinuz-V), modules and headers are all installed.
#
#   scripts/kver.sh              the default kernel: the newest 6.1 (Debian
#                                12's own); the newest of any series when no
#                                6.1 is installed
#   scripts/kver.sh --series S   the newest installed kernel of series S
#                                (e.g. 6.12)
#   scripts/kver.sh --kver2      the second kernel: $KVER2 when set, else
#                                the newest 6.12
#   scripts/kver.sh --all        every supported kernel installed, one a
#                                line, the default first
#   scripts/kver.sh --list-series  the supported series, the default first
#
# The guests boot the kernel named here and the module is built against it.
# To support one more series, add it to SERIES (scripts/deps.sh installs
# every series listed there).
set -euo pipefail

SERIES=(6.1 6.12)

# Every complete kernel, one a line, oldest first.
installed() {
	local d v
	for d in /lib/modules/*/; do
		v=$(basename "$d")
		[ -f "/boot/vmlinuz-$v" ] || continue
		[ -d "/lib/modules/$v/kernel" ] || continue
		[ -f "/usr/src/linux-headers-$v/Makefile" ] || continue
		echo "$v"
	done | sort -V
}

# newest SERIES: the newest complete kernel of SERIES ("" = any).
newest() {
	local v
	v=$(installed | awk -v s="$1." 's == "." || index($0, s) == 1' | tail -n1)
	[ -n "$v" ] || return 1
	echo "$v"
}

die() { echo "kver: $*" >&2; exit 1; }

case "${1:-}" in
'')
	newest "${SERIES[0]}" || newest "" ||
		die "no kernel with image, modules and headers installed"
	;;
--series)
	[ -n "${2:-}" ] || die "--series needs a series, e.g. ${SERIES[1]}"
	newest "$2" || die "no $2 kernel with image, modules and headers installed (scripts/deps.sh)"
	;;
--kver2)
	if [ -n "${KVER2:-}" ]; then
		echo "$KVER2"
	else
		newest "${SERIES[1]}" ||
			die "no ${SERIES[1]} kernel with image, modules and headers installed (scripts/deps.sh)"
	fi
	;;
--all)
	n=0
	for s in "${SERIES[@]}"; do
		newest "$s" && n=$((n + 1))
	done
	[ "$n" -gt 0 ] || die "no supported kernel installed (scripts/deps.sh)"
	;;
--list-series)
	printf '%s\n' "${SERIES[@]}"
	;;
*)
	die "usage: kver.sh [--series S | --kver2 | --all | --list-series]"
	;;
esac
