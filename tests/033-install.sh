#!/usr/bin/env bash
# 033-install: make install DESTDIR=... PREFIX=... puts every file where README.md says (the OCF agent under the OCF root; mirrorx.service and mirrorx-fence@.service pass systemd-analyze verify); dkms.conf builds and installs the module (private dkms trees)
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirrorctl.sh"
requires_module
requires_mirrorctl

# Runs on the host only: no guest is booted.
dest=$MX_WORKDIR/dest
prefix=/opt/mx
cd "$MX_REPO" || fail "cannot cd to $MX_REPO"

step "make install DESTDIR=$dest PREFIX=$prefix"
# Other tests load dm-mirrorx.ko while this one runs: make install must
# install what make all built, not rebuild it (make sparse once left
# different flags behind, and the rebuild half-wrote the module under a
# guest's insmod).
ko_before=$(sha256sum dm-mirrorx/dm-mirrorx.ko)
make install DESTDIR="$dest" PREFIX="$prefix" >"$MX_WORKDIR/install.log" 2>&1 ||
	{ cat "$MX_WORKDIR/install.log"; fail "make install failed"; }
cat "$MX_WORKDIR/install.log"
assert_eq "$ko_before" "$(sha256sum dm-mirrorx/dm-mirrorx.ko)" "dm-mirrorx.ko after make install (rebuilt?)"
kver=$(modinfo -F vermagic dm-mirrorx/dm-mirrorx.ko | awk '{ print $1 }')

step "every file README.md lists is there, and nothing else"
# The list is the README's "Installed files" block: PREFIX, KVER placeholders.
want=$(sed -n '/^<!-- installed-files -->/,/^<!-- \/installed-files -->/p' README.md |
	sed -n 's/^    \([/P].*\)/\1/p' | sed -e "s|^PREFIX|$prefix|" -e "s|KVER|$kver|")
[ "$(wc -l <<<"$want")" -ge 10 ] || fail "README.md lists too few installed files: $want"
while read -r f; do
	case $f in
	*/) [ -d "$dest$f" ] || fail "missing directory $dest$f" ;;
	*) [ -f "$dest$f" ] || fail "missing $dest$f" ;;
	esac
done <<<"$want"
got=$(cd "$dest" && find . -type f | sed 's|^\.||' | sort)
extra=$(comm -13 <(grep -v '/$' <<<"$want" | sort) - <<<"$got")
[ -z "$extra" ] || fail "installed but not documented: $extra"

step "the installed files work"
m=$dest$prefix/sbin/mirrorctl
[ -x "$m" ] || fail "mirrorctl not executable"
"$m" --version
"$m" status --help >/dev/null
assert_eq "$kver" "$(modinfo -F vermagic "$dest/lib/modules/$kver/updates/dm-mirrorx.ko" | awk '{ print $1 }')" "module vermagic"
cmp dm-mirrorx/dm-mirrorx.ko "$dest/lib/modules/$kver/updates/dm-mirrorx.ko"
MANWIDTH=80 man --warnings -l "$dest$prefix/share/man/man8/mirrorctl.8" >"$MX_WORKDIR/man.txt" 2>"$MX_WORKDIR/man.err" ||
	fail "man page does not render"
[ ! -s "$MX_WORKDIR/man.err" ] || fail "man page warnings: $(cat "$MX_WORKDIR/man.err")"
grep -q "EXIT STATUS" "$MX_WORKDIR/man.txt" || fail "man page lacks EXIT STATUS"
# Every verb of mirrorctl --help is in the man page.
for v in $("$m" --help | awk '/^Verbs:/ { v = 1; next } v && /^  [a-z]/ { print $1 }'); do
	grep -Eq "^       $v( |$)" "$MX_WORKDIR/man.txt" || fail "verb $v not documented in mirrorctl.8"
done
bash -c ". '$dest$prefix/share/bash-completion/completions/mirrorctl' && complete -p mirrorctl" |
	grep -q _mirrorctl || fail "bash completion does not register"
# The unit: systemd's own check, on a copy whose commands exist here.
unit=$dest/lib/systemd/system/mirrorx.service
grep -qx "ExecStart=$prefix/sbin/mirrorctl up --all" "$unit" || fail "unit: ExecStart is not $prefix/sbin/mirrorctl up --all"
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$MX_WORKDIR/unit"
	sed "s|$prefix/sbin/mirrorctl|$m|" "$unit" >"$MX_WORKDIR/unit/mirrorx.service"
	SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$MX_WORKDIR/unit/mirrorx.service" \
		>"$MX_WORKDIR/verify.log" 2>&1 || { cat "$MX_WORKDIR/verify.log"; fail "systemd-analyze verify failed"; }
	! grep -i "mirrorx.service" "$MX_WORKDIR/verify.log" || fail "systemd-analyze: $(cat "$MX_WORKDIR/verify.log")"
fi
# The fence-peer handler's template unit: an instance per mirror, a
# daemon that follows the mirror's role, restarted when it dies.
funit=$dest/lib/systemd/system/mirrorx-fence@.service
grep -qx "ExecStart=$prefix/sbin/mirrorctl fence-handler %i --follow" "$funit" ||
	fail "mirrorx-fence@.service: ExecStart is not $prefix/sbin/mirrorctl fence-handler %i --follow"
grep -qx "Restart=always" "$funit" || fail "mirrorx-fence@.service is not Restart=always"
grep -Eq "^After=.*mirrorx\.service" "$funit" || fail "mirrorx-fence@.service is not ordered after mirrorx.service"
if command -v systemd-analyze >/dev/null; then
	sed "s|$prefix/sbin/mirrorctl|$m|" "$funit" >"$MX_WORKDIR/unit/mirrorx-fence@.service"
	ln -sf mirrorx-fence@.service "$MX_WORKDIR/unit/mirrorx-fence@mx.service"
	SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$MX_WORKDIR/unit/mirrorx-fence@mx.service" \
		>"$MX_WORKDIR/verify.log" 2>&1 || { cat "$MX_WORKDIR/verify.log"; fail "systemd-analyze verify mirrorx-fence@mx.service failed"; }
	! grep -i "mirrorx-fence@" "$MX_WORKDIR/verify.log" || fail "systemd-analyze: $(cat "$MX_WORKDIR/verify.log")"
fi
lk=$dest$prefix/lib/mirrorx/lifekeeper
for a in restore remove quickCheck recover delete canextend create extend resize; do
	[ -x "$lk/$a" ] || fail "$lk/$a not executable"
	# Through a symbolic link, as in $LKROOT: finds its common file.
	mkdir -p "$MX_WORKDIR/lkroot"
	ln -sf "$lk/$a" "$MX_WORKDIR/lkroot/$a"
	out=$(MIRRORCTL=$m "$MX_WORKDIR/lkroot/$a" 2>&1) && fail "$a without -t/-i succeeded"
	grep -q "usage: $a -t TAG -i ID" <<<"$out" || fail "$a: unexpected output: $out"
done
[ -x "$lk/fence-peer" ] || fail "$lk/fence-peer not executable"
# The OCF agent: under the OCF root, finding its shared functions and
# handler in PREFIX/lib/mirrorx, with valid meta-data.
ra=$dest/usr/lib/ocf/resource.d/mirrorx/mirrorx
[ -x "$ra" ] || fail "$ra not executable"
grep -qx "MX_LIBDIR=$prefix/lib/mirrorx" "$ra" || fail "the installed agent does not look in $prefix/lib/mirrorx"
"$ra" meta-data >"$MX_WORKDIR/meta.xml" || fail "installed agent: meta-data failed"
if command -v xmllint >/dev/null && [ -f /usr/share/resource-agents/ra-api-1.dtd ]; then
	xmllint --noout --dtdvalid /usr/share/resource-agents/ra-api-1.dtd "$MX_WORKDIR/meta.xml" 2>/dev/null ||
		fail "installed agent: meta-data not valid against ra-api-1.dtd"
fi
rc=0
out=$(MIRRORX_LIBDIR='' OCF_RESKEY_name=mx MIRRORX_CONF_DIR=$MX_WORKDIR/noconf OCF_RESKEY_mirrorctl=$m "$ra" validate-all 2>&1) || rc=$?
assert_eq 5 "$rc" "installed agent: validate-all without the mirror's config ($out)"
rc=0
out=$("$dest$prefix/lib/mirrorx/mirrorx-fence-peer" 2>&1) || rc=$?
assert_eq 2 "$rc" "mirrorx-fence-peer without arguments ($out)"
MANWIDTH=80 man --warnings -l "$dest$prefix/share/man/man7/mirrorx-ocf.7" >"$MX_WORKDIR/ocfman.txt" 2>"$MX_WORKDIR/man.err" ||
	fail "mirrorx-ocf.7 does not render"
[ ! -s "$MX_WORKDIR/man.err" ] || fail "mirrorx-ocf.7 warnings: $(cat "$MX_WORKDIR/man.err")"

step "dkms add/build/install with dkms.conf (private trees)"
if ! command -v dkms >/dev/null; then
	echo "dkms not installed (scripts/deps.sh installs it): skipped"
else
	src=$MX_WORKDIR/dkms-src/dm-mirrorx-0.1.0
	mkdir -p "$src/dm-mirrorx" "$MX_WORKDIR/dkms-tree" "$MX_WORKDIR/dkms-inst/$kver"
	cp dkms.conf Kbuild "$src/"
	cp dm-mirrorx/*.[ch] dm-mirrorx/Kbuild dm-mirrorx/Kconfig "$src/dm-mirrorx/"
	rm -f "$src"/dm-mirrorx/*.mod.c
	dk=(--sourcetree "$MX_WORKDIR/dkms-src" --dkmstree "$MX_WORKDIR/dkms-tree")
	dkms add dm-mirrorx/0.1.0 "${dk[@]}"
	dkms build dm-mirrorx/0.1.0 -k "$kver" "${dk[@]}" ||
		{ cat "$MX_WORKDIR"/dkms-tree/dm-mirrorx/0.1.0/build/make.log; fail "dkms build failed"; }
	dkms install dm-mirrorx/0.1.0 -k "$kver" "${dk[@]}" --installtree "$MX_WORKDIR/dkms-inst"
	ko=$MX_WORKDIR/dkms-inst/$kver/updates/dkms/dm-mirrorx.ko
	[ -f "$ko" ] || ko=$ko.xz
	[ -f "$ko" ] || fail "dkms did not install the module"
	modinfo "$ko" | grep -E '^(name|vermagic|description)'
	dkms status "${dk[@]}" --installtree "$MX_WORKDIR/dkms-inst" | grep -q "dm-mirrorx/0.1.0, $kver, .*installed" ||
		fail "dkms status does not say installed"
fi
pass
