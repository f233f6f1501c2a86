#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make install: install what "make" built (README.md, "Installing", lists
# every file):
#
#   $DESTDIR/lib/modules/$KVER/updates/dm-mirrorx.ko
#   $DESTDIR$PREFIX/sbin/mirrorctl
#   $DESTDIR$PREFIX/share/man/man8/mirrorctl.8
#   $DESTDIR$PREFIX/share/bash-completion/completions/mirrorctl
#   $DESTDIR$PREFIX/share/man/man7/mirrorx-ocf.7
#   $DESTDIR$PREFIX/lib/mirrorx/lifekeeper/{restore,remove,quickCheck,resize,
#       recover,delete,canextend,create,extend,fence-peer,mirrorx-lk-common,
#       README}
#   $DESTDIR$PREFIX/lib/mirrorx/{mirrorx-cluster.sh,mirrorx-fence-peer}
#   $DESTDIR$OCFDIR/resource.d/mirrorx/mirrorx (the OCF resource agent;
#       OCFDIR, the OCF root, default /usr/lib/ocf)
#   $DESTDIR$PREFIX/share/doc/dm-mirrorx/{README.md,dm-mirrorx.rst}
#   $DESTDIR$UNITDIR/mirrorx.service (UNITDIR default /lib/systemd/system)
#   $DESTDIR$UNITDIR/mirrorx-fence@.service (the fence-peer handler)
#   $DESTDIR/etc/mirrorx/ (the config directory, empty)
#
# PREFIX defaults to /usr/local. KVER is the kernel the module was built
# for (its vermagic). depmod runs only for a real install (no DESTDIR).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
KO=dm-mirrorx/dm-mirrorx.ko

for f in "$KO" tools/mirrorctl; do
	[ -f "$f" ] || { echo "install: $f is not built (run make)" >&2; exit 1; }
done
KVER=${KVER_INSTALL:-$(modinfo -F vermagic "$KO" | awk '{ print $1 }')}
[ -n "$KVER" ] || { echo "install: cannot read the vermagic of $KO" >&2; exit 1; }

inst() { # MODE SRC DEST
	install -D -m "$1" "$2" "$DESTDIR$3"
	echo "installed $DESTDIR$3"
}

inst 0644 "$KO" "/lib/modules/$KVER/updates/dm-mirrorx.ko"
inst 0755 tools/mirrorctl "$PREFIX/sbin/mirrorctl"
inst 0644 Documentation/mirrorctl.8 "$PREFIX/share/man/man8/mirrorctl.8"
inst 0644 tools/bash-completion/mirrorctl \
	"$PREFIX/share/bash-completion/completions/mirrorctl"
inst 0644 Documentation/mirrorx-ocf.7 "$PREFIX/share/man/man7/mirrorx-ocf.7"
for f in restore remove quickCheck recover delete canextend create extend resize fence-peer; do
	inst 0755 "tools/lifekeeper/$f" "$PREFIX/lib/mirrorx/lifekeeper/$f"
done
inst 0644 tools/mirrorx-cluster.sh "$PREFIX/lib/mirrorx/mirrorx-cluster.sh"
inst 0755 tools/ocf/mirrorx-fence-peer "$PREFIX/lib/mirrorx/mirrorx-fence-peer"
# The agent finds mirrorx-cluster.sh and the handler in PREFIX/lib/mirrorx.
OCFDIR=${OCFDIR:-/usr/lib/ocf}
install -d -m 0755 "$DESTDIR$OCFDIR/resource.d/mirrorx"
sed "s|^MX_LIBDIR=@LIBDIR@$|MX_LIBDIR=$PREFIX/lib/mirrorx|" tools/ocf/mirrorx \
	>"$DESTDIR$OCFDIR/resource.d/mirrorx/mirrorx"
chmod 0755 "$DESTDIR$OCFDIR/resource.d/mirrorx/mirrorx"
echo "installed $DESTDIR$OCFDIR/resource.d/mirrorx/mirrorx"
inst 0644 tools/lifekeeper/mirrorx-lk-common \
	"$PREFIX/lib/mirrorx/lifekeeper/mirrorx-lk-common"
inst 0644 tools/lifekeeper/README "$PREFIX/lib/mirrorx/lifekeeper/README"
inst 0644 README.md "$PREFIX/share/doc/dm-mirrorx/README.md"
inst 0644 Documentation/dm-mirrorx.rst \
	"$PREFIX/share/doc/dm-mirrorx/dm-mirrorx.rst"
UNITDIR=${UNITDIR:-/lib/systemd/system}
install -d -m 0755 "$DESTDIR$UNITDIR"
for u in mirrorx.service mirrorx-fence@.service; do
	sed "s|@SBINDIR@|$PREFIX/sbin|g" "tools/systemd/$u.in" \
		>"$DESTDIR$UNITDIR/$u"
	chmod 0644 "$DESTDIR$UNITDIR/$u"
	echo "installed $DESTDIR$UNITDIR/$u"
done
install -d -m 0755 "$DESTDIR/etc/mirrorx"
echo "installed $DESTDIR/etc/mirrorx/"

if [ -z "$DESTDIR" ]; then
	depmod -a "$KVER"
	echo "ran depmod -a $KVER"
fi
