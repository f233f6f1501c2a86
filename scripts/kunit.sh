#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the dm-mirrorx KUnit suites under UML in the Debian linux-source tree.
#
# The tree is unpacked once into the cache (never into the repo), the repo's
# dm-mirrorx/ is symlinked in as drivers/md/dm-mirrorx, and kunit.py builds
# into a separate build dir so later runs are incremental. Exits non-zero
# when the build or any test fails. Extra arguments go to "kunit.py run"
# (e.g. a suite glob: scripts/kunit.sh 'dm_mirrorx_args*').
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${MX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dm-mirrorx}
TARBALL=${MX_KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
SRC=$CACHE/linux-source-6.1
BUILD=$CACHE/kunit-build
JOBS=${MX_KUNIT_JOBS:-2}

die() { echo "kunit: $*" >&2; exit 1; }

mkdir -p "$CACHE"
# One run at a time: the tree edits and the build dir are shared.
exec 9>"$CACHE/.kunit.lock"
flock 9

if [ ! -f "$SRC/Makefile" ]; then
	[ -f "$TARBALL" ] || die "$TARBALL missing (apt-get install linux-source-6.1)"
	echo "kunit: unpacking $TARBALL into $CACHE (once)" >&2
	tmp=$(mktemp -d "$CACHE/.unpack.XXXXXX")
	tar -xf "$TARBALL" -C "$tmp"
	[ -f "$tmp/linux-source-6.1/Makefile" ] ||
		die "unexpected tarball layout in $TARBALL"
	rm -rf "$SRC"
	mv "$tmp/linux-source-6.1" "$SRC"
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

cd "$SRC"
start=$(date +%s)
rc=0
python3 tools/testing/kunit/kunit.py run \
	--kunitconfig=drivers/md/dm-mirrorx/.kunitconfig \
	--build_dir="$BUILD" --jobs="$JOBS" "$@" || rc=$?
echo "kunit: $(( $(date +%s) - start )) s, exit $rc" >&2
exit "$rc"
