#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the dm-mirrorx KUnit suites under UML in a Debian linux-source tree.
#
#   scripts/kunit.sh [--tree SERIES] [kunit.py run arguments...]
#
# SERIES is the kernel series whose linux-source-SERIES tarball is used
# (6.1 or 6.12; default: the series of $KVER when set, else 6.1). The tree
# is unpacked once into the cache (never into the repo), the repo's
# dm-mirrorx/ is symlinked in as drivers/md/dm-mirrorx, and kunit.py builds
# into a separate build dir so later runs are incremental (our objects are
# rebuilt whenever another checkout ran last). Each series has
# its own tree, build dir and lock under the cache:
#   6.1:   linux-source-6.1/   kunit-build/          .kunit.lock
#   other: linux-source-S/     kunit-build-S/        .kunit-S.lock
# Exits non-zero when the build or any test fails. Extra arguments go to
# "kunit.py run" (e.g. a suite glob: scripts/kunit.sh 'dm_mirrorx_args*').
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${MX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dm-mirrorx}
JOBS=${MX_KUNIT_JOBS:-2}

if [ "${1:-}" = --tree ]; then
	[ -n "${2:-}" ] || { echo "kunit: --tree needs a series (6.1, 6.12)" >&2; exit 2; }
	SERIES=$2
	shift 2
elif [ -n "${KVER:-}" ]; then
	SERIES=$(sed -n 's/^\([0-9][0-9]*\.[0-9][0-9]*\)[.-].*/\1/p' <<<"$KVER")
	[ -n "$SERIES" ] || { echo "kunit: cannot read a series from KVER=$KVER" >&2; exit 2; }
else
	SERIES=6.1
fi
case "$SERIES" in
*[!0-9.]* | '') echo "kunit: bad series '$SERIES'" >&2; exit 2 ;;
esac

TARBALL=${MX_KSRC_TARBALL:-/usr/src/linux-source-$SERIES.tar.xz}
SRC=$CACHE/linux-source-$SERIES
if [ "$SERIES" = 6.1 ]; then
	BUILD=$CACHE/kunit-build
	LOCK=$CACHE/.kunit.lock
else
	BUILD=$CACHE/kunit-build-$SERIES
	LOCK=$CACHE/.kunit-$SERIES.lock
fi

die() { echo "kunit: $*" >&2; exit 1; }

mkdir -p "$CACHE"
# One run at a time: the tree edits and the build dir are shared.
exec 9>"$LOCK"
flock 9

if [ ! -f "$SRC/Makefile" ]; then
	[ -f "$TARBALL" ] || die "$TARBALL missing (apt-get install linux-source-$SERIES)"
	echo "kunit: unpacking $TARBALL into $CACHE (once)" >&2
	tmp=$(mktemp -d "$CACHE/.unpack.XXXXXX")
	tar -xf "$TARBALL" -C "$tmp"
	[ -f "$tmp/linux-source-$SERIES/Makefile" ] ||
		die "unexpected tarball layout in $TARBALL"
	rm -rf "$SRC"
	mv "$tmp/linux-source-$SERIES" "$SRC"
	rmdir "$tmp"
fi

link=$SRC/drivers/md/dm-mirrorx
if [ -e "$link" ] && [ ! -L "$link" ]; then
	die "$link exists and is not a symlink; remove it"
fi
ln -sfn "$REPO/dm-mirrorx" "$link"

kconfig_line='source "drivers/md/dm-mirrorx/Kconfig"'
grep -qxF "$kconfig_line" "$SRC/drivers/md/Kconfig" ||
	printf '\n%s\n' "$kconfig_line" >>"$SRC/drivers/md/Kconfig"
make_line='obj-$(CONFIG_DM_MIRRORX) += dm-mirrorx/'
grep -qxF "$make_line" "$SRC/drivers/md/Makefile" ||
	printf '%s\n' "$make_line" >>"$SRC/drivers/md/Makefile"

# The build dir is shared by every checkout (worktrees, CI clones): make
# compares file times only, so objects of another checkout's sources could
# be linked with ours. Rebuild our objects when the checkout changed.
if [ "$(cat "$BUILD/.mx-repo" 2>/dev/null)" != "$REPO" ]; then
	rm -rf "$BUILD/drivers/md/dm-mirrorx"
	mkdir -p "$BUILD"
	echo "$REPO" >"$BUILD/.mx-repo"
fi

cd "$SRC"
start=$(date +%s)
rc=0
python3 tools/testing/kunit/kunit.py run \
	--kunitconfig=drivers/md/dm-mirrorx/.kunitconfig \
	--build_dir="$BUILD" --jobs="$JOBS" "$@" || rc=$?
echo "kunit: linux-source-$SERIES: $(( $(date +%s) - start )) s, exit $rc" >&2
exit "$rc"
