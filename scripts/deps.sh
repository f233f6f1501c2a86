#!/usr/bin/env bash
# Install, idempotently and only what is missing, every Debian package the
# project needs, then print the one kernel version whose image, modules and
# headers are all installed (scripts/kver.sh reads the same thing).
set -euo pipefail

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio xz-utils
	python3 pkg-config
	qemu-system-x86 qemu-utils
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	busybox-static
	libdevmapper-dev dmsetup
	fio drbd-utils iperf3 iproute2 iptables e2fsprogs xfsprogs keyutils
	sparse gnuplot-nox jq openssl dkms
	python3-docutils groff-base
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: need root to install packages" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || true
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

exec "$(dirname "$0")/kver.sh"
