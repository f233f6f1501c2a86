#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (cached) the test guest initramfs and print its path.
#
#   scripts/vm/initramfs.sh [KVER]
#
# Contents: busybox-static, scripts/vm/init as /init, scripts/vm/agent.sh as
# /mx-agent.sh, and the virtio/9p/overlay modules of KVER (plus everything
# they depend on per modules.dep, in load order, decompressed). The image is
# cached in ${XDG_CACHE_HOME:-$HOME/.cache}/dm-mirrorx/ under a hash of all
# of its inputs, so it is rebuilt exactly when one of them changes.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KVER=${1:-${KVER:-$("$HERE/../kver.sh")}}
# MX_KROOT: a kernel built by scripts/vm/debugkernel.sh (see vm/lib.sh).
MODDIR=${MX_KROOT:-}/lib/modules/$KVER
CACHE=${MX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dm-mirrorx}
BUSYBOX=${MX_BUSYBOX:-/bin/busybox}

WANT=(virtio_pci virtio_blk virtio_net 9pnet_virtio 9p overlay)

[ -f "$MODDIR/modules.dep" ] || { echo "initramfs: no $MODDIR/modules.dep" >&2; exit 1; }
[ -x "$BUSYBOX" ] || { echo "initramfs: no $BUSYBOX (busybox-static)" >&2; exit 1; }
if ! file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' &&
	ldd "$BUSYBOX" >/dev/null 2>&1; then
	echo "initramfs: $BUSYBOX is not static (install busybox-static)" >&2
	exit 1
fi

# Resolve WANT to module paths in load order (dependencies first).
declare -A DEP PATHOF SEEN
while IFS= read -r line; do
	mod=${line%%:*}
	base=${mod##*/}
	base=${base%%.ko*}
	base=${base//-/_}
	PATHOF[$base]=$mod
	DEP[$base]=${line#*:}
done <"$MODDIR/modules.dep"

ORDER=()
visit() {
	local m=$1 d dn deps=()
	[ -z "${SEEN[$m]:-}" ] || return 0
	SEEN[$m]=1
	if [ -z "${PATHOF[$m]:-}" ]; then
		grep -q "/${m//_/[-_]}\.ko" "$MODDIR/modules.builtin" 2>/dev/null ||
			echo "initramfs: module $m not in modules.dep (built in?)" >&2
		return 0
	fi
	read -r -a deps <<<"${DEP[$m]}"
	for d in "${deps[@]}"; do
		dn=${d##*/}
		dn=${dn%%.ko*}
		visit "${dn//-/_}"
	done
	ORDER+=("${PATHOF[$m]}")
}
for m in "${WANT[@]}"; do visit "$m"; done

# Cache key: every input's content (not its path: worktrees of the same
# tree share images).
key=$( {
	echo "$KVER"
	sha256sum "$HERE/init" "$HERE/agent.sh" "$BUSYBOX" "$0" | cut -d' ' -f1
	for p in "${ORDER[@]}"; do stat -c '%n %s %Y' "$MODDIR/$p"; done
} | sha256sum | cut -c1-16)
out=$CACHE/initramfs-$KVER-$key.cpio
if [ -s "$out" ]; then
	touch "$out" # last use, for the stale-image sweep below
	echo "$out"
	exit 0
fi

mkdir -p "$CACHE"
stage=$(mktemp -d "$CACHE/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,lib/mx,newroot}
cp "$BUSYBOX" "$stage/bin/busybox"
cp "$HERE/init" "$stage/init"
cp "$HERE/agent.sh" "$stage/mx-agent.sh"
chmod 755 "$stage/init" "$stage/bin/busybox"
: >"$stage/lib/mx/load-order"
for p in "${ORDER[@]}"; do
	f=${p##*/}
	case "$f" in
	*.ko) cp "$MODDIR/$p" "$stage/lib/mx/$f" ;;
	*.ko.xz) xz -dc "$MODDIR/$p" >"$stage/lib/mx/${f%.xz}"; f=${f%.xz} ;;
	*.ko.zst) zstd -qdc "$MODDIR/$p" >"$stage/lib/mx/${f%.zst}"; f=${f%.zst} ;;
	*.ko.gz) gzip -dc "$MODDIR/$p" >"$stage/lib/mx/${f%.gz}"; f=${f%.gz} ;;
	*) echo "initramfs: unknown module format $p" >&2; exit 1 ;;
	esac
	echo "$f" >>"$stage/lib/mx/load-order"
done
# Uncompressed: the guest (TCG) would spend longer inflating than loading.
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet) >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"
# Drop stale images of this kernel, once unused for a day (another
# worktree's tests may still boot a younger one).
find "$CACHE" -maxdepth 1 -name "initramfs-$KVER-*.cpio" ! -path "$out" \
	-mmin +1440 -delete 2>/dev/null || true
echo "$out"
