#!/usr/bin/env bash
# Print the newest kernel version for which image, modules and headers are
# all installed. The guests boot it and the module is built against it.
set -euo pipefail
best=""
for d in /lib/modules/*/; do
	v=$(basename "$d")
	[ -f "/boot/vmlinuz-$v" ] || continue
	[ -d "/lib/modules/$v/kernel" ] || continue
	[ -f "/usr/src/linux-headers-$v/Makefile" ] || continue
	best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n1)
done
if [ -z "$best" ]; then
	echo "kver: no kernel with image, modules and headers installed" >&2
	exit 1
fi
echo "$best"
