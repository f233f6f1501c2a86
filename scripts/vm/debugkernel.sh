#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (cached) the debug guest kernel of make check-debug and print the
# directory it is installed in (its "kernel root").
#
#   scripts/vm/debugkernel.sh
#
# The kernel is Debian's linux-source-6.1 configured by "make allnoconfig"
# plus scripts/vm/debug.config: the guest drivers built in, and lockdep
# (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, KASAN, kmemleak (no automatic scan),
# DEBUG_OBJECTS and DEBUG_LIST. Its release is SUBLEVEL-mxdebug
# (6.1.N-mxdebug). Under the cache (${XDG_CACHE_HOME:-$HOME/.cache}/dm-mirrorx):
#   debug-src-6.1/        the unpacked tarball (never edited: kunit.sh links
#                         dm-mirrorx into its own tree, not this one)
#   debug-build-KEY/      the O= build dir (KDIR of the module build)
#   debug-root-KEY/       the kernel root printed:
#     kver                the release (KVER of the guests)
#     boot/vmlinuz-KVER   the bzImage the guests boot (entered through
#                         the PVH note, the KASAN kernel triple-faults at
#                         once; the bzImage boots)
#     lib/modules/KVER/   modules.builtin & co (the guests' modprobe of a
#                         built-in driver succeeds); build -> debug-build-KEY
# KEY hashes debug.config, the tarball and the compiler, so the kernel is
# rebuilt exactly when one of them changes. The first build takes about an
# hour on two busy cores (MX_DEBUG_JOBS, default 2; run under nice).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${MX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dm-mirrorx}
TARBALL=${MX_KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
FRAG=$HERE/debug.config
JOBS=${MX_DEBUG_JOBS:-2}

die() { echo "debugkernel: $*" >&2; exit 1; }

[ -f "$TARBALL" ] || die "$TARBALL missing (apt-get install linux-source-6.1)"
key=$( {
	sha256sum "$FRAG" | cut -d' ' -f1
	stat -c '%n %s %Y' "$TARBALL"
	gcc --version | head -1
} | sha256sum | cut -c1-12)
SRC=$CACHE/debug-src-6.1
BUILD=$CACHE/debug-build-$key
ROOT=$CACHE/debug-root-$key

if [ -f "$ROOT/kver" ]; then
	echo "$ROOT"
	exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.debugkernel.lock"
flock 9
if [ -f "$ROOT/kver" ]; then
	echo "$ROOT"
	exit 0
fi

if [ ! -f "$SRC/Makefile" ]; then
	echo "debugkernel: unpacking $TARBALL (once)" >&2
	tmp=$(mktemp -d "$CACHE/.unpack.XXXXXX")
	tar -xf "$TARBALL" -C "$tmp"
	[ -f "$tmp/linux-source-6.1/Makefile" ] || die "unexpected tarball layout in $TARBALL"
	rm -rf "$SRC"
	mv "$tmp/linux-source-6.1" "$SRC"
	rmdir "$tmp"
fi

start=$(date +%s)
mkdir -p "$BUILD"
kmake() { nice -n 10 make -C "$SRC" O="$BUILD" "$@"; }
if [ ! -f "$BUILD/.config" ]; then
	kmake -s KCONFIG_ALLCONFIG="$FRAG" allnoconfig
fi
# Every symbol of the fragment must have kept its value: one whose
# dependencies are unmet is dropped silently by Kconfig.
bad=
while IFS= read -r l; do
	case "$l" in
	CONFIG_*=*)
		grep -qxF "$l" "$BUILD/.config" || bad+=" $l" ;;
	"# CONFIG_"*" is not set")
		n=${l#\# }
		n=${n%% *}
		! grep -q "^$n=" "$BUILD/.config" || bad+=" $n=n" ;;
	esac
done <"$FRAG"
[ -z "$bad" ] || die "debug.config asks for what the .config does not have:$bad"

echo "debugkernel: building $BUILD (make -j$JOBS)" >&2
kmake -j"$JOBS" bzImage modules >"$BUILD/.mx-build.log" 2>&1 ||
	{ tail -n 30 "$BUILD/.mx-build.log" >&2; die "build failed (log: $BUILD/.mx-build.log)"; }
kver=$(cat "$BUILD/include/config/kernel.release")

tmp=$(mktemp -d "$CACHE/.debug-root.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/boot"
cp "$BUILD/arch/x86/boot/bzImage" "$tmp/boot/vmlinuz-$kver"
kmake -s INSTALL_MOD_PATH="$tmp" modules_install
ln -sfn "$BUILD" "$tmp/lib/modules/$kver/build"
echo "$kver" >"$tmp/kver"
rm -rf "$ROOT"
mv "$tmp" "$ROOT"
trap - EXIT
echo "debugkernel: $kver built in $(($(date +%s) - start)) s" >&2
echo "$ROOT"
