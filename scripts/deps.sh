#!/usr/bin/env bash
# Install, idempotently and only what is missing, every Debian package the
# project needs, then print the default kernel version (scripts/kver.sh).
#
# Kernels: Debian 12's own 6.1 (linux-image-amd64, the default) and the
# 6.12 Debian 12 carries (linux-image-6.12-amd64 et al.). For 6.12 the
# exact version is read from the archive at install time (the one
# linux-image-6.12-amd64 depends on, else the newest listed) and its image
# and headers are installed by their versioned names, so a later kernel
# upgrade does not move the tested kernel under our feet. Nothing is
# installed when a complete 6.12 kernel (image, modules, headers) is there.
# MX_KVER2_ABI=6.12.107+deb12 pins another one.
#
# resource-agents brings ocf-tester, the OCF meta-data schemas and
# ocf:heartbeat:Filesystem; pacemaker-cli-utils (with pacemaker and
# corosync) the cluster the guests of test 034 run from the host's root.
# The host itself runs no cluster: where systemd starts corosync and
# pacemaker at their install, they are stopped and disabled again.
set -euo pipefail

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio xz-utils zstd binutils
	python3 pkg-config
	qemu-system-x86 qemu-utils
	linux-image-amd64 linux-headers-amd64 linux-source-6.1 linux-source-6.12
	busybox-static
	libdevmapper-dev dmsetup libjson-c-dev python3-jsonschema
	fio drbd-utils iperf3 iproute2 iptables e2fsprogs xfsprogs keyutils
	sparse coccinelle gnuplot-nox jq openssl dkms
	python3-docutils groff-base
	resource-agents libxml2-utils pacemaker-cli-utils pacemaker corosync
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
		missing+=("$p")
	fi
done

# The 6.12 kernel's ABI name (6.12.N+deb12) from the archive.
kver2_abi() {
	local v
	if [ -n "${MX_KVER2_ABI:-}" ]; then
		echo "$MX_KVER2_ABI"
		return 0
	fi
	v=$(apt-cache depends linux-image-6.12-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(6\.12\.[0-9][^ ]*\)-amd64$/\1/p' | head -n1)
	[ -n "$v" ] || v=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
		sed -n 's/^linux-image-\(6\.12\.[^ ]*\)-amd64 .*/\1/p' | sort -V | tail -n1)
	[ -n "$v" ] || return 1
	echo "$v"
}

updated=0
if ! "$(dirname "$0")/kver.sh" --series 6.12 >/dev/null 2>&1; then
	if ! abi=$(kver2_abi); then
		if [ "$(id -u)" -eq 0 ]; then
			apt-get update -qq >&2 || true
			updated=1
		fi
		abi=$(kver2_abi) || { echo "deps: no linux-image-6.12.*-amd64 in the archive" >&2; exit 1; }
	fi
	for p in "linux-image-$abi-amd64" "linux-headers-$abi-amd64"; do
		dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed ||
			missing+=("$p")
	done
fi

if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: need root to install packages" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	[ "$updated" = 1 ] || apt-get update -qq >&2 || true
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	if [[ " ${missing[*]} " == *" corosync "* ]] && [ -d /run/systemd/system ]; then
		systemctl disable --now pacemaker corosync >&2 || true
	fi
fi

exec "$(dirname "$0")/kver.sh"
