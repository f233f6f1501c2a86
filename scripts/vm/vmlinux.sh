#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel image the guests boot for KVER: the uncompressed ELF
# vmlinux taken out of /boot/vmlinuz-KVER (cached), entered through its
# PVH note, or /boot/vmlinuz-KVER itself when that is not possible.
#
#   scripts/vm/vmlinux.sh KVER
#
# Why: under TCG the bzImage's own decompressor (xz on 6.1, zstd on 6.12)
# runs emulated at every boot, a few CPU seconds each, and make check boots
# guests a few hundred times. The host decompresses it once.
#
# The bzImage setup header (Documentation/x86/boot.rst) gives the payload:
# setup_sects (0x1f1), payload_offset (0x248) and payload_length (0x24c),
# the offset counted from the protected-mode code at (setup_sects + 1) * 512;
# the payload ends with the 4-byte uncompressed size, not part of the stream.
# MX_PVH=0 boots the bzImage.
set -euo pipefail

KVER=${1:?usage: vmlinux.sh KVER}
# A kernel built here (scripts/vm/debugkernel.sh): its bzImage (its
# vmlinux, entered through the PVH note, triple-faults at once).
if [ -n "${MX_KROOT:-}" ]; then
	img=$MX_KROOT/boot/vmlinuz-$KVER
	[ -r "$img" ] || { echo "vmlinux.sh: no $img" >&2; exit 1; }
	echo "$img"
	exit 0
fi
img=/boot/vmlinuz-$KVER
[ -r "$img" ] || { echo "vmlinux.sh: no $img" >&2; exit 1; }
if [ "${MX_PVH:-1}" = 0 ]; then
	echo "$img"
	exit 0
fi
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/dm-mirrorx
key=$(stat -c '%s %Y' "$img" | sha256sum | cut -c1-12)
out=$CACHE/vmlinux-$KVER-$key
if [ -s "$out" ]; then
	echo "$out"
	exit 0
fi

u() { od -An -t"u$1" -j "$2" -N"$1" "$img" | tr -d ' '; }
fallback() {
	echo "vmlinux.sh: $1; booting the compressed $img" >&2
	echo "$img"
	exit 0
}
[ "$(od -An -c -j $((0x202)) -N4 "$img" | tr -d ' ')" = HdrS ] || fallback "no bzImage header"
off=$((($(u 1 $((0x1f1))) + 1) * 512 + $(u 4 $((0x248)))))
len=$(($(u 4 $((0x24c))) - 4))
[ "$len" -gt 0 ] || fallback "empty payload"
mkdir -p "$CACHE"
# Not named like a cached image: a parallel boot's sweep below must not
# take it for an old one.
tmp=$(mktemp "$CACHE/.vmlinux-tmp.XXXXXX")
trap 'rm -f "$tmp"' EXIT
magic=$(od -An -tx1 -j "$off" -N4 "$img" | tr -d ' ')
case $magic in
fd377a58) dec=(xz -dc --single-stream) ;;
28b52ffd) dec=(zstd -qdc) ;;
1f8b08*) dec=(gzip -dc) ;;
*) fallback "payload compression $magic not handled" ;;
esac
dd if="$img" iflag=skip_bytes,count_bytes skip="$off" count="$len" bs=1M status=none |
	"${dec[@]}" >"$tmp" 2>/dev/null ||
	fallback "cannot decompress the payload"
# Only an ELF with the PVH entry note (type 0x12) boots with -kernel.
readelf -n "$tmp" 2>/dev/null | grep -q 'Unknown note type: (0x00000012)' ||
	fallback "no PVH entry note (CONFIG_PVH)"
mv "$tmp" "$out"
# Drop other cached images of this kernel (an older package's).
find "$CACHE" -maxdepth 1 -name "vmlinux-$KVER-*" ! -path "$out" -delete 2>/dev/null || true
echo "$out"
