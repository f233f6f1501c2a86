#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mirrorctl verbs end to end on the host, over the stand-in libdevmapper
# (tools/tests/fakedm.c, state in $MX_FAKEDM): list, status, delete, set,
# promote, wait-sync, exit codes. Built with ASan/UBSan by "make test".
# Checks that need a block device use a loop device and are skipped
# (counted) without root or losetup.
# Usage: tools/tests/fakedm.sh path/to/mirrorctl-fakedm
set -uo pipefail

CTL=${1:?usage: fakedm.sh path/to/mirrorctl-fakedm}
case $CTL in /*) ;; *) CTL=$PWD/$CTL ;; esac
fails=0
n=0
skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mx-fakedm.XXXXXX")
loops=()
cleanup() {
	local l
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
export MIRRORX_CONF_DIR=$tmp/conf
export MX_FAKEDM=$tmp/dm
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

fail() {
	echo "FAIL: $*" >&2
	[ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err" | head -20 >&2
	fails=$((fails + 1))
}

# run WANT-RC ARGS...: mirrorctl's exit status must be WANT-RC.
run() {
	local want=$1 rc
	shift
	n=$((n + 1))
	"$CTL" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "mirrorctl $*: exit $rc, want $want"
		return 1
	fi
	if grep -q 'Sanitizer\|runtime error' "$tmp/err"; then
		fail "mirrorctl $*: sanitizer report"
		return 1
	fi
	return 0
}

expect() { # FILE PATTERN WHAT
	n=$((n + 1))
	grep -Eq -- "$2" "$1" || fail "$3: no /$2/ in $(basename "$1"): $(head -c 400 "$1")"
}

reset() {
	rm -rf "$MIRRORX_CONF_DIR" "$MX_FAKEDM"
	mkdir -p "$MIRRORX_CONF_DIR" "$MX_FAKEDM"
}

conf() { # NAME ROLE NODE DATA META [LINE...]: write NAME.conf
	local name=$1 role=$2 node=$3 data=$4 meta=$5
	shift 5
	{
		echo "name = $name"
		echo "node_id = $node"
		echo "role = $role"
		echo "data_dev = $data"
		echo "meta_dev = $meta"
		printf '%s\n' "$@"
	} >"$MIRRORX_CONF_DIR/$name.conf"
}

# put_file FILE LINE: FILE replaced in one rename, so that a
# fence-handler --follow reading it from the background never sees it
# half written.
put_file() { echo "$2" >"$1.new" && mv -f "$1.new" "$1"; }

# A running device in the stand-in: TABLE-TARGET PARAMS [STATUS].
dev() { # NAME TARGET PARAMS [STATUS]
	mkdir -p "$MX_FAKEDM/$1"
	put_file "$MX_FAKEDM/$1/table" "0 2048 $2 $3"
	rm -f "$MX_FAKEDM/$1/ima"	# what the table names now
	[ $# -lt 4 ] || put_file "$MX_FAKEDM/$1/status" "$4"
}

have_loop() {
	[ "$(id -u)" = 0 ] && command -v losetup >/dev/null && losetup -f >/dev/null 2>&1
}

# A loop device over a new 8 MiB file; its path in $LOOP.
mkloop() {
	local f
	f=$(mktemp "$tmp/disk.XXXXXX")
	truncate -s 8M "$f"
	LOOP=$(losetup -f --show "$f") || return 1
	loops+=("$LOOP")
}

skip() {
	echo "skip: $*" >&2
	skipped=$((skipped + 1))
}

# ---- defect 1: list with 7 long peer names overflowed peers[256] ----
reset
host=$(printf 'h%.0s' {1..37})
peers=()
for i in 1 2 3 4 5 6 7; do peers+=("peer.$i = $host$i.lan:7789 sync"); done
conf big source 0 /dev/a /dev/b "${peers[@]}"
dev big mirrorx "/dev/a /dev/b 128 7"
if run 0 list; then
	expect "$tmp/out" "^big +source +up .*7@$host" "list 7 long peers"
fi

# ---- defect 2: delete --wipe-meta wipes only this mirror's superblock ----
first_block() { dd if="$1" bs=4096 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n'; }
zero_block=$(head -c 4096 /dev/zero | od -An -tx1 | tr -d ' \n')

reset
head -c 8192 /dev/urandom >"$tmp/metafile"
before=$(first_block "$tmp/metafile")
conf mx source 0 /dev/a "$tmp/metafile" "peer.1 = 10.0.0.2:7789 sync"
if run 2 delete mx --wipe-meta; then
	expect "$tmp/err" "is not a block device: not wiping it" "wipe a regular file"
	n=$((n + 1))
	[ "$(first_block "$tmp/metafile")" = "$before" ] || fail "delete --wipe-meta changed a regular file"
	n=$((n + 1))
	[ -f "$MIRRORX_CONF_DIR/mx.conf" ] || fail "a refused delete removed the config"
fi
run 2 delete mx --force

if have_loop && mkloop && D=$LOOP && mkloop && M=$LOOP; then
	# Another disk (garbage where the superblock would be): refused.
	reset
	dd if=/dev/urandom of="$M" bs=4096 count=1 conv=fsync 2>/dev/null
	before=$(first_block "$M")
	conf mx source 0 "$D" "$M" "peer.1 = 10.0.0.2:7789 sync"
	if run 4 delete mx --wipe-meta; then
		expect "$tmp/err" "holds no dm-mirrorx superblock" "wipe a foreign device"
		n=$((n + 1))
		[ "$(first_block "$M")" = "$before" ] || fail "delete --wipe-meta wiped a foreign device"
	fi
	# Another mirror's superblock, mirror stopped, no meta_uuid: refused.
	reset
	run 0 create other --role source --data "$D" --meta "$M" \
		--peer 1,10.0.0.2:7789 --no-start --force
	rm -f "$MIRRORX_CONF_DIR/other.conf"
	conf mx source 0 "$D" "$M" "peer.1 = 10.0.0.2:7789 sync"
	before=$(first_block "$M")
	if run 4 delete mx --wipe-meta; then
		expect "$tmp/err" "not one known to be mx's" "wipe an unknown superblock"
		n=$((n + 1))
		[ "$(first_block "$M")" = "$before" ] || fail "delete --wipe-meta wiped an unknown superblock"
	fi
	# --force wipes it.
	run 0 delete mx --wipe-meta --force
	n=$((n + 1))
	[ "$(first_block "$M")" = "$zero_block" ] || fail "delete --wipe-meta --force did not wipe"
	# The running table's metadata device is this mirror's: wiped.
	reset
	run 0 create mx --role source --data "$D" --meta "$M" \
		--peer 1,10.0.0.2:7789 --no-start --force
	dev mx mirrorx "$D $M 128 1 1 10.0.0.2:7789 sync"
	run 0 delete mx --wipe-meta
	n=$((n + 1))
	[ "$(first_block "$M")" = "$zero_block" ] || fail "delete --wipe-meta of a running mirror did not wipe"
	# down records meta_uuid only from the table's metadata device: a
	# config naming another mirror's (a typo) must not make it ours.
	majmin() { printf '%d:%d' "0x$(stat -c %t "$1")" "0x$(stat -c %T "$1")"; }
	# bind_uuid DEV HEX32: the superblock's UUID set, as the kernel
	# binds it at the first connection (offset 48, crc32c at 0).
	bind_uuid() {
		python3 - "$1" "$2" <<'PY'
import sys
dev, uuid = sys.argv[1], bytes.fromhex(sys.argv[2])
with open(dev, "r+b") as f:
    b = bytearray(f.read(4096))
    b[48:64] = uuid
    b[0:4] = bytes(4)
    crc = 0xffffffff
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    b[0:4] = crc.to_bytes(4, "little")
    f.seek(0)
    f.write(b)
PY
	}
	if mkloop && M2=$LOOP; then
		reset
		run 0 create other --role source --data "$D" --meta "$M" \
			--peer 1,10.0.0.2:7789 --no-start --force
		bind_uuid "$M" 0123456789abcdef0123456789abcdef
		run 0 create mx --role source --data "$D" --meta "$M2" \
			--peer 1,10.0.0.2:7789 --no-start --force
		bind_uuid "$M2" fedcba9876543210fedcba9876543210
		sed -i "s|^meta_dev = .*|meta_dev = $M|" "$MIRRORX_CONF_DIR/mx.conf"
		dev mx mirrorx "$(majmin "$D") $(majmin "$M2") 128 1 1 10.0.0.2:7789 sync"
		before=$(first_block "$M")
		if run 0 down mx; then
			expect "$tmp/err" "warning: mx's config names meta_dev $M, but the running table's metadata device is $(majmin "$M2"): meta_uuid not recorded" "down: a meta_dev that is not the table's"
		fi
		n=$((n + 1))
		! grep -q "^meta_uuid" "$MIRRORX_CONF_DIR/mx.conf" ||
			fail "down recorded the meta_uuid of another device: $(grep meta_uuid "$MIRRORX_CONF_DIR/mx.conf")"
		if run 4 delete mx --wipe-meta; then
			expect "$tmp/err" "not one known to be mx's" "delete --wipe-meta after down with a wrong meta_dev"
		fi
		n=$((n + 1))
		[ "$(first_block "$M")" = "$before" ] || fail "delete --wipe-meta wiped another mirror's superblock"
		# The table's own metadata device: recorded, then wiped.
		run 0 create mx --role source --data "$D" --meta "$M2" \
			--peer 1,10.0.0.2:7789 --no-start --force
		bind_uuid "$M2" fedcba9876543210fedcba9876543210
		dev mx mirrorx "$(majmin "$D") $(majmin "$M2") 128 1 1 10.0.0.2:7789 sync"
		run 0 down mx
		expect "$MIRRORX_CONF_DIR/mx.conf" "^meta_uuid = fedcba9876543210fedcba9876543210$" "down records the table's meta_uuid"
		run 0 delete mx --wipe-meta
		n=$((n + 1))
		[ "$(first_block "$M2")" = "$zero_block" ] || fail "delete --wipe-meta of the recorded meta_uuid did not wipe"
	fi
else
	skip "delete --wipe-meta on block devices: no loop devices"
fi

# ---- defect 3: set validates, applies, then saves (or rolls back) ----
reset
conf mx source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync"
cp "$MIRRORX_CONF_DIR/mx.conf" "$tmp/conf.before"
if run 2 set mx --peer 2,nosuch.invalid:7789; then
	expect "$tmp/err" "peer 2: cannot resolve 'nosuch.invalid'.*nothing changed" "set unresolvable peer"
fi
n=$((n + 1))
cmp -s "$MIRRORX_CONF_DIR/mx.conf" "$tmp/conf.before" || fail "set saved a config with an unresolvable peer"
run 0 up mx --help

# A running source whose reload fails: old table stays, config unchanged.
dev mx mirrorx "/dev/a /dev/b 128 1 1 10.0.0.2:7789 sync"
cp "$MX_FAKEDM/mx/table" "$tmp/table.before"
echo "Invalid async_limit" >"$MX_FAKEDM/fail-reload"
if run 1 set mx --async-limit 8M; then
	expect "$tmp/err" "did not load, nothing changed.*mirrorx: Invalid async_limit" "set reload fails: the kernel's reason"
fi
rm -f "$MX_FAKEDM/fail-reload"
n=$((n + 1))
cmp -s "$MIRRORX_CONF_DIR/mx.conf" "$tmp/conf.before" || fail "set saved a config whose table failed to load"
n=$((n + 1))
cmp -s "$MX_FAKEDM/mx/table" "$tmp/table.before" || fail "set left a different table after a failed reload"
n=$((n + 1))
[ ! -e "$MX_FAKEDM/mx/suspended" ] || fail "set left the source suspended"
if run 0 set mx --async-limit 8M; then
	expect "$MIRRORX_CONF_DIR/mx.conf" "^async_limit = 8388608" "set saves what applied"
	expect "$MX_FAKEDM/mx/table" "async_limit 8388608" "set reloads the table"
fi
# hot_set: by a reload (no message); 0 is a value; --no-hot-set drops it.
if run 0 set mx --hot-set 0; then
	expect "$MIRRORX_CONF_DIR/mx.conf" "^hot_set = 0$" "set --hot-set 0 saved"
	expect "$MX_FAKEDM/mx/table" " sync 4 async_limit 8388608 hot_set 0$" "set --hot-set reloads the table"
	n=$((n + 1))
	! grep -q hot_set "$MX_FAKEDM/mx/messages" 2>/dev/null || fail "set --hot-set sent a message"
fi
cp "$MX_FAKEDM/mx/table" "$tmp/table.before"
if run 2 set mx --hot-set 16777217; then
	expect "$tmp/err" "--hot-set '16777217' out of range: must be from 0 to 16777216 MiB" "set --hot-set out of range"
fi
expect "$MIRRORX_CONF_DIR/mx.conf" "^hot_set = 0$" "a refused --hot-set changes nothing"
n=$((n + 1))
cmp -s "$MX_FAKEDM/mx/table" "$tmp/table.before" || fail "a refused --hot-set reloaded the table"
if run 0 set mx --no-hot-set; then
	n=$((n + 1))
	! grep -q hot_set "$MIRRORX_CONF_DIR/mx.conf" "$MX_FAKEDM/mx/table" ||
		fail "--no-hot-set left hot_set: $(grep hot_set "$MIRRORX_CONF_DIR/mx.conf" "$MX_FAKEDM/mx/table")"
	expect "$MX_FAKEDM/mx/table" " sync 2 async_limit 8388608$" "--no-hot-set: the kernel's default"
fi
# compress: saved, on the table by a reload; none takes it away.
if run 0 set mx --compress lz4; then
	expect "$MIRRORX_CONF_DIR/mx.conf" "^compress = lz4$" "set --compress saved"
	expect "$MX_FAKEDM/mx/table" " sync 4 async_limit 8388608 compress lz4$" "set --compress reloads the table"
fi
if run 2 set mx --compress gzip; then
	expect "$tmp/err" "bad --compress 'gzip': expected lz4, zstd or none" "set --compress gzip refused"
fi
if run 0 set mx --compress none; then
	n=$((n + 1))
	! grep -q compress "$MIRRORX_CONF_DIR/mx.conf" "$MX_FAKEDM/mx/table" ||
		fail "--compress none left it: $(grep compress "$MIRRORX_CONF_DIR/mx.conf" "$MX_FAKEDM/mx/table")"
fi

# A running target whose new table fails: the old one comes back.
if have_loop && mkloop && D=$LOOP && mkloop && M=$LOOP; then
	reset
	run 0 create mx --role target --node-id 1 --data "$D" --meta "$M" \
		--peer 0,10.0.0.1:7789 --listen 127.0.0.1:7789 --no-start --force
	cp "$MIRRORX_CONF_DIR/mx.conf" "$tmp/conf.before"
	run 0 up mx
	cp "$MX_FAKEDM/mx/table" "$tmp/table.before"
	echo "cannot listen on 127.0.0.1:7790: Address in use" >"$MX_FAKEDM/fail-reload-once"
	if run 1 set mx --listen 127.0.0.1:7790; then
		expect "$tmp/err" "the old one runs again, nothing changed.*creating mx failed: mirrorx: cannot listen on 127.0.0.1:7790: Address in use" "set target fails: the kernel's reason"
	fi
	n=$((n + 1))
	cmp -s "$MX_FAKEDM/mx/table" "$tmp/table.before" || fail "set did not bring the old target table back"
	n=$((n + 1))
	cmp -s "$MIRRORX_CONF_DIR/mx.conf" "$tmp/conf.before" || fail "set saved a target config that did not load"
	if run 0 set mx --listen 127.0.0.1:7790; then
		expect "$MX_FAKEDM/mx/table" "127.0.0.1:7790" "set restarts the target"
		expect "$MIRRORX_CONF_DIR/mx.conf" "^listen = 127.0.0.1:7790" "set saves the target's listen"
	fi
else
	skip "set on a running target: no loop devices"
fi

# ---- defect 6: one exit-code rule ----
reset
conf mx source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync"
# No device-mapper at all: a failure (1), never "unknown mirror" (3).
for v in check status role down; do
	if MX_FAKEDM='' run 1 $v mx; then
		expect "$tmp/err" "cannot talk to device-mapper" "$v without device-mapper"
	fi
done
MX_FAKEDM='' run 1 list
# Unknown mirror: 3 from every verb that takes a NAME.
for v in check status role down up delete demote promote wait-sync; do
	run 3 $v nosuch
done
# An open device: refused (4) by down, delete and demote alike.
dev mx mirrorx "/dev/a /dev/b 128 1 1 10.0.0.2:7789 sync"
echo 1 >"$MX_FAKEDM/mx/open"
for v in down delete demote; do
	if run 4 $v mx; then
		expect "$tmp/err" "open|in use" "$v of an open device"
	fi
done
n=$((n + 1))
[ -d "$MX_FAKEDM/mx" ] || fail "a refused verb removed the open device"
# A config file that cannot be parsed: bad input (2), naming file and line.
reset
printf 'name = mx\nnode_id = nine\n' >"$MIRRORX_CONF_DIR/mx.conf"
for v in status up check "set --resync-rate 1M" down demote promote delete adjust resize; do
	# shellcheck disable=SC2086 # the verb and its options
	if run 2 $v mx; then
		expect "$tmp/err" "mx.conf line 2" "$v with a bad config"
	fi
done
# role: no device, so nothing runs here whatever the config says.
if run 0 role mx; then
	expect "$tmp/out" "^down$" "role of a stopped mirror with a bad config"
	expect "$tmp/err" "^mirrorctl: role: warning: .*mx.conf line 2: .*; mx does not run here: down" "role of a stopped mirror warns of the bad config"
fi
# Running: the read-only verbs report the table, and warn of the config;
# the verbs that change it still refuse (2).
dev mx mirrorx "/dev/a /dev/b 128 1 1 10.0.0.2:7789 sync" \
	"source UpToDate 128 0/4096 1 1 Connected InSync sync 0 0/0 0 0 0"
if run 0 role mx; then
	expect "$tmp/out" "^source$" "role of a running source with a bad config"
	expect "$tmp/err" "^mirrorctl: role: warning: .*mx.conf line 2: .*; mx runs: shown from its table, without its config" "role warns of the bad config"
fi
if run 0 status mx; then
	expect "$tmp/out" "^mx: source" "status of a running source with a bad config"
	expect "$tmp/err" "warning: .*mx.conf line 2" "status warns of the bad config"
fi
if run 0 check mx --role source; then
	expect "$tmp/out" "^mx: healthy" "check of a running source with a bad config"
	expect "$tmp/err" "warning: .*mx.conf line 2" "check warns of the bad config"
	n=$((n + 1))
	[ "$(grep -c warning "$tmp/err")" = 1 ] || fail "check warned $(grep -c warning "$tmp/err") times"
fi
if run 0 list; then
	expect "$tmp/out" "^mx +source +up +- +/dev/a +/dev/b" "list of a running source with a bad config"
	expect "$tmp/err" "warning: .*mx.conf line 2" "list warns of the bad config"
fi
if run 0 metrics --sample-ms 0; then
	expect "$tmp/out" '^mirrorx_mirror_role\{mirror="mx",role="source"\} 1$' "metrics of a running source with a bad config"
fi
for v in demote down; do
	if run 2 $v mx; then
		expect "$tmp/err" "mx.conf line 2" "$v with a bad config"
	fi
done
n=$((n + 1))
grep -q " mirrorx /dev/a" "$MX_FAKEDM/mx/table" || fail "a verb with a bad config changed the table"

# ---- defect 8: config comments, option names, rate suffixes, lock ----
reset
conf mx source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync # the target" \
	"resync_rate = 0 # unlimited"
if run 0 status mx; then
	expect "$tmp/out" "^mx: down" "status with inline comments"
fi
if run 0 set mx --resync-rate 100M; then
	expect "$MIRRORX_CONF_DIR/mx.conf" "^resync_rate = 102400$" "set --resync-rate 100M"
fi
if run 2 set mx --resync-rate 100X; then
	expect "$tmp/err" "bad rate '100X' for --resync-rate" "set names the option"
fi
if run 2 create mx2 --role source --peer 1,nosuch.invalid:7789 --data /dev/a --meta /dev/b --no-start; then
	expect "$tmp/err" "peer 1: cannot resolve 'nosuch.invalid'" "create resolves names before saving"
fi
n=$((n + 1))
[ ! -e "$MIRRORX_CONF_DIR/mx2.conf" ] || fail "create saved a config with an unresolvable peer"
# Config writers take DIR/.NAME.lock: a set waits for the holder.
if command -v flock >/dev/null; then
	: >"$MIRRORX_CONF_DIR/.mx.lock"
	flock "$MIRRORX_CONF_DIR/.mx.lock" sleep 1.5 &
	holder=$!
	sleep 0.3
	t0=$(date +%s%N)
	run 0 set mx --on-congestion behind
	t1=$(date +%s%N)
	wait $holder
	n=$((n + 1))
	[ $(((t1 - t0) / 1000000)) -ge 900 ] || fail "set did not wait for the config lock ($(((t1 - t0) / 1000000)) ms)"
	expect "$MIRRORX_CONF_DIR/mx.conf" "^on_congestion = behind" "set after the lock"
	# Readers do not lock.
	flock "$MIRRORX_CONF_DIR/.mx.lock" sleep 1.5 &
	holder=$!
	sleep 0.3
	t0=$(date +%s%N)
	run 0 status mx
	t1=$(date +%s%N)
	wait $holder
	n=$((n + 1))
	[ $(((t1 - t0) / 1000000)) -lt 900 ] || fail "status waited for the config lock"
	# --all locks each mirror's config in turn, not only the first's.
	conf a source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync"
	conf b source 0 /dev/c /dev/d "peer.1 = 10.0.0.2:7789 sync"
	dev a mirrorx "/dev/a /dev/b 128 1 1 10.0.0.2:7789 sync"
	dev b mirrorx "/dev/c /dev/d 128 1 1 10.0.0.2:7789 sync"
	: >"$MIRRORX_CONF_DIR/.b.lock"
	flock "$MIRRORX_CONF_DIR/.b.lock" sleep 1.5 &
	holder=$!
	sleep 0.3
	t0=$(date +%s%N)
	run 0 down --all
	t1=$(date +%s%N)
	wait $holder
	n=$((n + 1))
	[ $(((t1 - t0) / 1000000)) -ge 900 ] || fail "down --all did not wait for b's config lock ($(((t1 - t0) / 1000000)) ms)"
	n=$((n + 1))
	[ ! -d "$MX_FAKEDM/a" ] && [ ! -d "$MX_FAKEDM/b" ] || fail "down --all left a or b running"
	# The first mirror's lock is not held while the next one is handled.
	dev a mirrorx "/dev/a /dev/b 128 1 1 10.0.0.2:7789 sync"
	dev b mirrorx "/dev/c /dev/d 128 1 1 10.0.0.2:7789 sync"
	flock "$MIRRORX_CONF_DIR/.b.lock" sleep 1.5 &
	holder=$!
	sleep 0.3
	"$CTL" down --all >/dev/null 2>&1 &
	downer=$!
	sleep 0.5
	n=$((n + 1))
	flock -n "$MIRRORX_CONF_DIR/.a.lock" true || fail "down --all held a's lock while waiting for b's"
	wait $downer $holder
else
	skip "config lock: no flock(1)"
fi

# ---- defect 5: wait-sync progress ----
reset
conf mx source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync" "peer.2 = 10.0.0.3:7789 async"
dev mx mirrorx "/dev/a /dev/b 128 2 1 10.0.0.2:7789 sync 2 10.0.0.3:7789 async" \
	"source UpToDate 128 12/4096 2 1 Connected Resyncing sync 100 20/120 0 0 0 2 Connected Resyncing async 50 10/60 0 0 0"
# Not a terminal: every peer's line, flushed as it comes.
"$CTL" wait-sync mx >"$tmp/progress" 2>"$tmp/err" &
waiter=$!
sleep 1.5
n=$((n + 1))
grep -q "^mx: peer 1 Connected/Resyncing .*16.7%" "$tmp/progress" &&
	grep -q "^mx: peer 2 Connected/Resyncing .*16.7%" "$tmp/progress" ||
	fail "wait-sync to a file: no progress of both peers while running: $(cat "$tmp/progress")"
kill $waiter 2>/dev/null
wait $waiter 2>/dev/null
# An async peer in sync with a queue: not "in sync", then a timeout.
echo "source UpToDate 128 0/4096 2 1 Connected InSync sync 0 0/0 0 0 0 2 Connected InSync async 0 0/0 4096 3 250" \
	>"$MX_FAKEDM/mx/status"
if run 5 wait-sync mx --timeout 1; then
	expect "$tmp/out" "peer 2 Connected/InSync async queue 4.0 KiB to drain" "wait-sync async queue"
	n=$((n + 1))
	! grep -q "in sync$" "$tmp/out" || fail "wait-sync said in sync before a timeout"
fi
# A terminal of 60 columns: no line wider.
if command -v script >/dev/null; then
	echo "source UpToDate 128 12/4096 2 1 Connected Resyncing sync 100 20/120 0 0 0 2 Connected Resyncing async 50 10/60 0 0 0" \
		>"$MX_FAKEDM/mx/status"
	script -qec "stty cols 60 rows 24; $CTL wait-sync mx --timeout 2" /dev/null >"$tmp/tty" 2>&1
	n=$((n + 1))
	sed 's/\x1b\[[0-9]*[AJK]//g' "$tmp/tty" | tr '\r' '\n' | grep -q 'peer 2' ||
		fail "wait-sync on a terminal: no peer 2 line: $(head -c 300 "$tmp/tty")"
	n=$((n + 1))
	long=$(sed 's/\x1b\[[0-9]*[AJK]//g' "$tmp/tty" | tr '\r' '\n' | awk 'length > 59' | head -n1)
	[ -z "$long" ] || fail "wait-sync on 60 columns drew: $long"
else
	skip "wait-sync on a terminal: no script(1)"
fi

# ---- defect 7: JSON, one model, schema-checked ----
JSONCHECK=$(dirname "$0")/jsoncheck.py
# json WANT-RC JQ-FILTER WHAT ARGS...: output valid by the schema, and the filter true.
json() {
	local want=$1 filter=$2 what=$3
	shift 3
	run "$want" "$@" || return 0
	n=$((n + 1))
	python3 "$JSONCHECK" "$tmp/out" 2>"$tmp/jerr" ||
		fail "$what: mirrorctl $* --json output not valid: $(cat "$tmp/jerr") $(head -c 300 "$tmp/out")"
	n=$((n + 1))
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1], encoding="utf-8")); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$tmp/out" "$filter" 2>"$tmp/jerr" || fail "$what: not $filter: $(head -c 400 "$tmp/out")"
}
reset
conf stopped source 0 "/dev/disk/by-label/caf$(printf '\xe9')" /dev/b "peer.1 = 10.0.0.2:7789 sync" \
	"peer.2 = 10.0.0.3:7789 async"
conf run source 0 /dev/a /dev/c "peer.1 = 10.0.0.2:7789 sync" "peer.2 = 10.0.0.3:7789 async"
dev run mirrorx "/dev/a /dev/c 128 2 1 10.0.0.2:7789 sync 2 10.0.0.3:7789 async" \
	"source UpToDate 128 12/4096 2 1 Connected Resyncing sync 100 20/120 0 0 0 2 Connecting Idle async 7 5/9 0 0 0"
dev bare mirrorx-recv "/dev/x /dev/y 0.0.0.0:7789" "target Consistent 128 0/4096 1 - Connected InSync - 0 0/0 0 0 0"
json 0 'len(d) == 1 and d[0]["name"] == "run" and d[0]["active"] and d[0]["peers"][0]["address"] == "10.0.0.2:7789"' \
	"one name" status run --json --sample-ms 0
json 0 'len(d) == 3 and [m["name"] for m in d] == ["bare", "run", "stopped"]' "every mirror" status --json --sample-ms 0
json 0 'set(d[0]) == set(d[1]) == set(d[2]) and set(d[1]["peers"][0]) == set(d[2]["peers"][0])' \
	"same keys, running or stopped" status --json --sample-ms 0
json 0 'd[0]["data_dev"] == "/dev/disk/by-label/caf\u00e9" and not d[0]["active"] and d[0]["peers"][1]["mode"] == "async"' \
	"byte 0xe9" status stopped run bare --json --sample-ms 0
json 0 'd[1]["data_dev"] == "/dev/x" and d[1]["role"] == "target" and d[1]["peers"][0]["id"] is None' \
	"a target without config" status stopped bare --json --sample-ms 0
json 3 'len(d) == 1 and d[0]["name"] == "nosuch" and d[0]["error"]["code"] == 3 and "unknown mirror" in d[0]["error"]["message"]' \
	"status nosuch" status nosuch --json
json 3 'len(d) == 2 and d[0]["error"] is None and d[1]["error"]["code"] == 3' "a good and an unknown one" \
	status run nosuch --json --sample-ms 0
json 0 'len(d) == 3 and d[1]["peers"][0]["repl"] == "Resyncing" and d[2]["configured_role"] == "source"' \
	"list" list --json
MX_FAKEDM='' json 1 'len(d) == 1 and d[0]["error"]["code"] == 1 and d[0]["name"] is None' "list without device-mapper" list --json
MX_FAKEDM='' json 1 'len(d) == 1 and d[0]["name"] == "run"' "status without device-mapper" status run --json
reset
json 0 'd == []' "no mirrors" status --json
json 0 'd == []' "no mirrors" list --json

# ---- defect 9: status: no stale resync %, the address, open, suspended ----
reset
conf mx source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync" "peer.2 = node-c.example:7790 async"
dev mx mirrorx "/dev/a /dev/c 128 2 1 10.0.0.2:7789 sync 2 10.0.0.3:7790 async" \
	"source UpToDate 128 12/4096 2 1 Connected InSync sync 0 120/120 0 0 0 2 Connecting Idle async 7 5/9 0 0 0"
echo 2 >"$MX_FAKEDM/mx/open"
: >"$MX_FAKEDM/mx/suspended"
if run 0 status mx --sample-ms 0; then
	expect "$tmp/out" "^mx: .*SUSPENDED, open 2$" "status: suspended and open count"
	expect "$tmp/out" "^  1 +10.0.0.2:7789 +Connected +InSync .* 100.0%" "status: address of peer 1"
	expect "$tmp/out" "^  2 +node-c.example:7790 +Connecting +Idle +async +448.0 KiB +- " "status: Connecting Idle, no stale %"
fi
json 0 'd[0]["peers"][1]["resync_percent"] is None and d[0]["peers"][1]["address"] == "node-c.example:7790" and d[0]["suspended"] and d[0]["open_count"] == 2' \
	"status --json of an idle peer" status mx --json

# ---- defect 10: the kernel's reason about this device, not another's ----
reset
conf mx source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync"
dev mx mirrorx "/dev/a /dev/b 128 1 1 10.0.0.2:7789 sync" \
	"source UpToDate 128 0/4096 1 1 Connected Idle sync 0 0/0 0 0 0"
echo 7 >"$MX_FAKEDM/mx/minor"
echo "invalid message: peer 1 is busy" >"$MX_FAKEDM/fail-message"
if run 1 resync mx 1; then
	expect "$tmp/err" "message 'resync 1' to mx failed: mirrorx: invalid message: peer 1 is busy" "message failure reason"
	n=$((n + 1))
	! grep -q "Invalid argument count" "$tmp/err" || fail "another device's kernel message taken for mx's"
fi
rm -f "$MX_FAKEDM/fail-message"

# ---- dump: the effective config ----
reset
conf mx source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync # B" "resync_rate = 100" \
	"hot_set = 2048"
conf my target 1 /dev/c /dev/d "peer.0 = 10.0.0.1:7789 async" "listen = 10.0.0.3:7789"
dev my mirrorx-recv "/dev/c /dev/d 10.0.0.3:7789" "target Consistent 128 0/4096 1 0 Connected InSync - 0 0/0 0 0 0"
dev orphan mirrorx "/dev/x /dev/y 128 1 1 1.2.3.4:5 sync" "source UpToDate 128 0/4096 1 1 Connected InSync sync 0 0/0 0 0 0"
if run 0 dump mx; then
	expect "$tmp/out" "^region_size = 64K$" "dump fills in defaults"
	expect "$tmp/out" "^peer.1 = 10.0.0.2:7789 sync$" "dump: no comments in values"
	expect "$tmp/out" "^on_disconnect = continue$" "dump: every key"
	expect "$tmp/out" "^hot_set = 2048$" "dump: hot_set"
fi
if run 0 dump --all; then
	n=$((n + 1))
	[ "$(grep -c '^name = ' "$tmp/out")" = 2 ] || fail "dump --all: not the two configured mirrors: $(cat "$tmp/out")"
fi
json 0 'len(d) == 1 and d[0]["config"]["resync_rate_kib"] == 100 and d[0]["config"]["hot_set_mib"] == 2048 and d[0]["config"]["region_bytes"] == 65536 and d[0]["config"]["peers"] == [{"id": 1, "address": "10.0.0.2:7789", "mode": "sync"}]' \
	"dump --json" dump mx --json
json 0 '[m["name"] for m in d] == ["mx", "my"] and d[1]["config"]["listen"] == "10.0.0.3:7789" and d[1]["config"]["hot_set_mib"] is None and d[1]["active"]' \
	"dump --all --json" dump --all --json
json 3 'd[0]["error"]["code"] == 3 and d[0]["config"] is None' "dump of a mirror without config" dump orphan --json
json 0 'd[2]["config"] is None and d[0]["config"]["name"] == "mx"' "status carries the config" status --json --sample-ms 0
run 2 dump
run 2 dump mx --all

# ---- metrics: OpenMetrics text, parsed ----
reset
conf mx source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync" "peer.2 = 10.0.0.3:7789 async"
conf stopped source 0 /dev/c /dev/d "peer.1 = 10.0.0.2:7789 sync"
dev mx mirrorx "/dev/a /dev/b 128 2 1 10.0.0.2:7789 sync 2 10.0.0.3:7789 async" \
	"source UpToDate 128 12/4096 2 1 Connected Resyncing sync 100 30/120 0 0 0 2 Connecting Idle async 7 5/9 4096 3 250"
dev tgt mirrorx-recv "/dev/x /dev/y 0.0.0.0:7789" "target Consistent 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0"
# The stats message's result (a key of a later version is skipped).
printf 'peer 1 resync_regions 30 compared_bytes 0 sent_bytes 1966080 zero_bytes 65536 later_key 7\npeer 2 resync_regions 5 compared_bytes 327680 sent_bytes 0 zero_bytes 0\n' \
	>"$MX_FAKEDM/mx/reply.stats"
if run 0 metrics --sample-ms 0; then
	n=$((n + 1))
	if python3 "$(dirname "$0")/omcheck.py" "$tmp/out" >"$tmp/samples" 2>"$tmp/err"; then
		for want in 'mirrorx_mirror_up{mirror="mx"} 1' 'mirrorx_mirror_up{mirror="stopped"} 0' \
			'mirrorx_mirror_role{mirror="tgt",role="target"} 1' \
			'mirrorx_peer_state{mirror="mx",peer="2",conn="Connecting",repl="Idle"} 1' \
			'mirrorx_peer_out_of_sync_bytes{mirror="mx",peer="1"} 1048576' \
			'mirrorx_peer_resync_progress_ratio{mirror="mx",peer="1"} 0.25' \
			'mirrorx_peer_async_queue_bytes{mirror="mx",peer="2"} 4096' \
			'mirrorx_peer_async_lag_seconds{mirror="mx",peer="2"} 0.25' \
			'mirrorx_peer_connected{mirror="tgt",peer="none"} 0' \
			'mirrorx_peer_resync_sent_bytes{mirror="mx",peer="1"} 1966080' \
			'mirrorx_peer_resync_compared_bytes{mirror="mx",peer="2"} 327680' \
			'mirrorx_mirror_dirty_bytes{mirror="mx"} 786432'; do
			n=$((n + 1))
			grep -qxF "$want" "$tmp/samples" || fail "metrics: no sample $want"
		done
		n=$((n + 1))
		! grep -q 'resync_progress_ratio{mirror="mx",peer="2"}' "$tmp/samples" ||
			fail "metrics: a progress ratio for an idle peer"
	else
		fail "metrics: not OpenMetrics: $(cat "$tmp/err")"
	fi
fi
# status: the stats message's counters per peer of a source, none on a target.
if run 0 status mx --sample-ms 0; then
	expect "$tmp/out" "^ +resync: 30 regions, 0 B compared, 1.9 MiB sent, 64.0 KiB as zeroes$" "status: resync counters"
	expect "$tmp/out" "^ +resync: 5 regions, 320.0 KiB compared, 0 B sent, 0 B as zeroes$" "status: checksum resync counters"
fi
json 0 'd[0]["peers"][0]["resync_sent_bytes"] == 1966080 and d[0]["peers"][0]["resync_zero_bytes"] == 65536 and d[0]["peers"][1]["resync_compared_bytes"] == 327680 and d[0]["peers"][1]["resync_regions"] == 5 and d[2]["peers"][0]["resync_sent_bytes"] is None' \
	"status --json: resync counters" status mx stopped tgt --json --sample-ms 0
n=$((n + 1))
grep -qx stats "$MX_FAKEDM/mx/messages" || fail "status did not ask the source for its stats"
! grep -q stats "$MX_FAKEDM/tgt/messages" 2>/dev/null || fail "status sent stats to a target"
# A result this mirrorctl cannot read: the counters are unknown, status works.
echo "peer one resync_regions x" >"$MX_FAKEDM/mx/reply.stats"
json 0 'd[0]["peers"][0]["resync_sent_bytes"] is None and d[0]["peers"][0]["repl"] == "Resyncing"' \
	"status --json: unreadable stats" status mx --json --sample-ms 0

# ---- bash completion: --conf-dir on the line, peers from dump ----
reset
mkdir -p "$tmp/other" "$tmp/bin"
MIRRORX_CONF_DIR=$tmp/other conf alt source 0 /dev/a /dev/b "peer.3 = 10.0.0.2:7789 sync # B" "peer.5 = 10.0.0.5:7789 async"
conf mx source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync"
ln -sf "$CTL" "$tmp/bin/mirrorctl"
comp() { # WORDS...: the completions of the last word
	PATH=$tmp/bin:$PATH bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_mirrorctl; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$(dirname "$0")/../bash-completion/mirrorctl" "$@" 2>"$tmp/err"
}
n=$((n + 1))
[ "$(comp mirrorctl --conf-dir "$tmp/other" status '')" = alt ] || fail "completion ignores --conf-dir: $(comp mirrorctl --conf-dir "$tmp/other" status '')"
n=$((n + 1))
[ "$(comp mirrorctl status '')" = mx ] || fail "completion without --conf-dir: $(comp mirrorctl status '')"
n=$((n + 1))
[ "$(comp mirrorctl "--conf-dir=$tmp/other" pause alt '' | tr '\n' ' ')" = "3 5 " ] ||
	fail "completion of peers: $(comp mirrorctl "--conf-dir=$tmp/other" pause alt '')"
# Every verb of mirrorctl --help, and every option of its VERB --help.
verbs=$("$CTL" --help | sed -n '/^Verbs:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
n=$((n + 1))
[ "$(comp mirrorctl '' | sort)" = "$(sort <<<"$verbs")" ] ||
	fail "completion of verbs: $(diff <(comp mirrorctl '' | sort) <(sort <<<"$verbs") | tr '\n' ' ')"
for v in $verbs; do
	got=$(comp mirrorctl "$v" --)
	for o in $("$CTL" "$v" --help | sed -n '/^Options:/,$p' | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		n=$((n + 1))
		grep -qx -- "$o" <<<"$got" || fail "completion of $v options: no $o"
	done
done
# Values: --fencing's; an option's value is no positional argument.
n=$((n + 1))
[ "$(comp mirrorctl set mx --fencing '' | tr '\n' ' ')" = "none resource " ] ||
	fail "completion of --fencing: $(comp mirrorctl set mx --fencing '')"
n=$((n + 1))
[ "$(comp mirrorctl resize --size 10G '')" = mx ] || fail "completion after resize --size 10G: '$(comp mirrorctl resize --size 10G '')'"
n=$((n + 1))
[ "$(comp mirrorctl peer-outdated mx '')" = 1 ] || fail "completion of peer-outdated's peer: '$(comp mirrorctl peer-outdated mx '')'"

# ---- audit: state-changing verbs to syslog, before and with their exit ----
reset
dev mx mirrorx "/dev/vda /dev/vdb 128 1 1 10.0.0.2:7789 sync" \
	"source UpToDate 128 0/4096 1 1 Connected Resyncing sync 0 10/4096 0 0 0"
run 0 pause mx 1
run 0 status mx
run 3 disconnect nosuch all
uid=$(id -u)
n=$((n + 1))
want="5 uid $uid: pause mx 1
5 uid $uid: pause mx 1: exit 0
5 uid $uid: disconnect nosuch all
4 uid $uid: disconnect nosuch all: exit 3"
[ "$(cat "$MX_FAKEDM/audit" 2>/dev/null)" = "$want" ] ||
	fail "audit lines: got '$(cat "$MX_FAKEDM/audit" 2>/dev/null)', want '$want'"
# Arguments longer than the line: cut ("..."), the exit status kept; the
# command line as typed, not as getopt reordered it.
rm -f "$MX_FAKEDM/audit"
long=$(printf 'x%.0s' {1..1100})
run 2 resync "$long" 1
run 2 resync mx 1 --force
n=$((n + 1))
[ "$(sed -n 2p "$MX_FAKEDM/audit" | grep -c "^4 uid $uid: resync xxx*\.\.\.: exit 2$")" = 1 ] ||
	fail "audit of a long line: $(sed -n 2p "$MX_FAKEDM/audit" | tail -c 80)"
n=$((n + 1))
[ "$(sed -n 2p "$MX_FAKEDM/audit" | cut -c3- | wc -c)" = 1024 ] || fail "audit line not 1023 bytes: $(sed -n 2p "$MX_FAKEDM/audit" | cut -c3- | wc -c)"
n=$((n + 1))
[ "$(sed -n 4p "$MX_FAKEDM/audit")" = "4 uid $uid: resync mx 1 --force: exit 2" ] ||
	fail "audit end line not as typed: $(sed -n 4p "$MX_FAKEDM/audit")"

# ---- adjust: the running mirror in line with an edited config ----
if have_loop && mkloop && D=$LOOP && mkloop && M=$LOOP; then
	reset
	export MIRRORX_RUN_DIR=$tmp/run
	run 0 create mx --role source --data "$D" --meta "$M" \
		--peer 1,10.0.0.2:7789 --resync-rate 100 --force
	cf=$MIRRORX_CONF_DIR/mx.conf
	if run 0 adjust mx; then expect "$tmp/out" "mx: in line with its config" "adjust: nothing to do"; fi
	sed -i 's/^resync_rate = .*/resync_rate = 200/' "$cf"
	if run 0 adjust mx --dry-run; then
		expect "$tmp/out" "would set the resync rate 100 -> 200 KiB/s" "adjust --dry-run: the rate"
	fi
	n=$((n + 1))
	! grep -q "resync_rate 200" "$MX_FAKEDM/mx/messages" 2>/dev/null || fail "adjust --dry-run sent a message"
	run 0 adjust mx
	expect "$MX_FAKEDM/mx/messages" "^resync_rate 200$" "adjust: rate by message"
	cp "$MX_FAKEDM/mx/table" "$tmp/t1"
	if run 0 adjust mx; then expect "$tmp/out" "in line with its config" "adjust twice: nothing"; fi
	n=$((n + 1))
	[ "$(grep -c resync_rate "$MX_FAKEDM/mx/messages")" = 1 ] || fail "second adjust sent the rate again"
	sed -i -e 's/^on_disconnect = .*/on_disconnect = suspend/' \
		-e 's/^peer.1 = .*/peer.1 = 10.0.0.3:7789 sync/' "$cf"
	if run 0 adjust mx --dry-run; then
		expect "$tmp/out" "would reload the mirrorx table" "adjust --dry-run: the reload"
		expect "$tmp/out" "config: .*10.0.0.3:7789.*on_disconnect suspend" "adjust --dry-run: the new table"
	fi
	n=$((n + 1))
	cmp -s "$MX_FAKEDM/mx/table" "$tmp/t1" || fail "adjust --dry-run changed the table"
	run 0 adjust mx
	expect "$MX_FAKEDM/mx/table" "10.0.0.3:7789 sync .*on_disconnect suspend.*resync_rate 200" "adjust: reloaded"
	if run 0 adjust mx; then expect "$tmp/out" "in line with its config" "adjust after the reload: nothing"; fi
	# hot_set is a table option: a reload, never a message.
	echo "hot_set = 512" >>"$cf"
	if run 0 adjust mx --dry-run; then
		expect "$tmp/out" "would reload the mirrorx table" "adjust --dry-run: hot_set reloads"
		expect "$tmp/out" "config: .* 6 on_disconnect suspend resync_rate 200 hot_set 512$" "adjust --dry-run: hot_set in the table"
	fi
	run 0 adjust mx
	expect "$MX_FAKEDM/mx/table" " 6 on_disconnect suspend resync_rate 200 hot_set 512$" "adjust: hot_set reloaded"
	n=$((n + 1))
	! grep -q hot_set "$MX_FAKEDM/mx/messages" || fail "adjust sent hot_set as a message"
	if run 0 adjust mx; then expect "$tmp/out" "in line with its config" "adjust after hot_set: nothing"; fi
	# set's message is remembered too: adjust then has nothing to do.
	run 0 set mx --resync-rate 300
	if run 0 adjust --all; then expect "$tmp/out" "mx: in line with its config" "adjust after set"; fi
	run 2 adjust --all mx
	unset MIRRORX_RUN_DIR
else
	skip "adjust: needs root and losetup"
fi

# ---- resize: grow after the data device grew; no shrink ----
if have_loop && mkloop && D=$LOOP && mkloop && M=$LOOP; then
	reset
	run 0 create mx --role source --data "$D" --meta "$M" \
		--peer 1,10.0.0.2:7789 --force
	expect "$MX_FAKEDM/mx/table" "^0 16384 mirrorx " "resize: created at 8 MiB"
	if run 0 resize mx; then expect "$tmp/out" "already 16384 sectors" "resize: the same size"; fi
	truncate -s 12M "$(losetup -n -O BACK-FILE "$D")"
	losetup -c "$D"
	if run 2 resize mx --size 16M; then expect "$tmp/err" "larger than the data device" "resize: past the device"; fi
	if run 4 resize mx --size 4M; then expect "$tmp/err" "shrinking a mirror is not supported" "resize: shrink refused"; fi
	run 2 resize mx --size 1000
	if run 0 resize mx; then expect "$tmp/out" "grown from 16384 to 24576 sectors" "resize: grown"; fi
	expect "$MX_FAKEDM/mx/table" "^0 24576 mirrorx " "resize: the table's new length"
	run 0 down mx
	if run 4 resize mx; then expect "$tmp/err" "not running" "resize: not running"; fi
else
	skip "resize: needs root and losetup"
fi

# ---- up --all / down --all (mirrorx.service) ----
run 2 up --all mx
run 2 up
run 2 down --all mx
if have_loop && mkloop && D1=$LOOP && mkloop && M1=$LOOP && mkloop && D2=$LOOP && mkloop && M2=$LOOP; then
	reset
	run 0 create a --role source --data "$D1" --meta "$M1" --peer 1,10.0.0.2:7789 --no-start --force
	run 0 create b --role target --node-id 1 --data "$D2" --meta "$M2" --peer 0,10.0.0.1:7789 --no-start --force
	conf c source 0 /dev/nonexistent "$M2" "peer.1 = 10.0.0.2:7789 sync"
	# c cannot start; a and b still do, and the exit status says so.
	if run 1 up --all; then
		expect "$tmp/err" "up: c: .*nonexistent" "up --all names the mirror that failed"
	fi
	n=$((n + 1))
	[ -d "$MX_FAKEDM/a" ] && [ -d "$MX_FAKEDM/b" ] && [ ! -d "$MX_FAKEDM/c" ] ||
		fail "up --all: not exactly a and b up: $(ls "$MX_FAKEDM")"
	expect "$MX_FAKEDM/b/table" "mirrorx-recv" "up --all: b in its configured role"
	# Again: a and b are already up (no change), c still fails.
	if run 1 up --all; then
		expect "$tmp/out" "a: already up as source" "up --all again"
	fi
	rm -f "$MIRRORX_CONF_DIR/c.conf"
	run 0 up --all
	run 0 down --all
	n=$((n + 1))
	[ ! -d "$MX_FAKEDM/a" ] && [ ! -d "$MX_FAKEDM/b" ] || fail "down --all left: $(ls "$MX_FAKEDM")"
else
	skip "up/down --all: needs root and losetup"
fi

# ---- modprobe's own error is shown (a refused signature) ----
if have_loop && mkloop && D=$LOOP && mkloop && M=$LOOP; then
	reset
	run 0 create mx --role source --data "$D" --meta "$M" \
		--peer 1,10.0.0.2:7789 --no-start --force
	touch "$MX_FAKEDM/no-module"
	mkdir -p "$tmp/bin"
	# Warnings first (more than mirrorctl keeps), then the reason.
	{
		echo '#!/bin/sh'
		echo 'i=0; while [ $i -lt 40 ]; do echo "modprobe: WARNING: could not open modules.builtin.modinfo ($i)" >&2; i=$((i + 1)); done'
		echo "echo \"modprobe: ERROR: could not insert 'dm_mirrorx': Key was rejected by service\" >&2"
		echo 'echo "modprobe: WARNING: a last warning" >&2'
		echo 'exit 1'
	} >"$tmp/bin/modprobe"
	chmod +x "$tmp/bin/modprobe"
	if PATH=$tmp/bin:$PATH run 1 up mx; then
		expect "$tmp/err" "not loaded: modprobe dm-mirrorx: ERROR: could not insert 'dm_mirrorx': Key was rejected by service" "modprobe's reason"
	fi
	rm -f "$MX_FAKEDM/no-module"
else
	skip "modprobe's error: needs root and losetup"
fi

# ---- events: device-mapper's event wait, lines in order ----
reset
dev mx mirrorx "/dev/vda /dev/vdb 128 1 1 10.0.0.2:7789 sync" \
	"source UpToDate 128 0/4096 1 1 Connected InSync sync 0 4096/4096 0 0 0"
# st STATUS: the kernel's status changes and it raises a dm event.
ev=0
st() {
	echo "$1" >"$MX_FAKEDM/mx/status"
	ev=$((ev + 1))
	echo $ev >"$MX_FAKEDM/mx/event"
}
# lines N: wait (10 s at most) until the events output has N lines.
lines() {
	local i
	for i in $(seq 100); do
		[ "$(wc -l <"$tmp/ev")" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "events: no line $1 within 10 s: $(cat "$tmp/ev")"
	return 1
}
"$CTL" events --now --timeout 30 >"$tmp/ev" 2>"$tmp/everr" &
evpid=$!
lines 3
st "source UpToDate 128 3/4096 1 1 Connecting Idle sync 3 4096/4096 0 0 0"
lines 4
st "source UpToDate 128 3/4096 1 1 Connected Resyncing sync 3 0/3 0 0 0"
lines 6
st "source UpToDate 128 0/4096 1 1 Connected InSync sync 0 3/3 0 0 0"
lines 8
"$CTL" events mx --json --timeout 1 >"$tmp/evj0" 2>&1 # nothing happens: no line
rm -rf "$MX_FAKEDM/mx"
lines 10
kill "$evpid" 2>/dev/null
wait "$evpid" 2>/dev/null
n=$((n + 1))
want="exists mirror name:mx role:source data:UpToDate suspended:no
exists peer name:mx peer:1 conn:Connected repl:InSync
exists -
change peer name:mx peer:1 conn:Connecting repl:Idle
change peer name:mx peer:1 conn:Connected repl:Resyncing
resync-start peer name:mx peer:1 repl:Resyncing regions:3
change peer name:mx peer:1 repl:InSync
resync-end peer name:mx peer:1 result:done
destroy peer name:mx peer:1
destroy mirror name:mx"
[ "$(cat "$tmp/ev")" = "$want" ] || fail "events: got
$(cat "$tmp/ev")
want
$want"
n=$((n + 1))
! grep -q 'Sanitizer\|runtime error' "$tmp/everr" || fail "events: sanitizer: $(cat "$tmp/everr")"
# Woken by the event wait (a thread blocked in DM_DEVICE_WAITEVENT).
expect "$MX_FAKEDM/log" '^waitevent mx$' "events waits for dm events"
n=$((n + 1))
[ ! -s "$tmp/evj0" ] || fail "events --json without a change printed: $(cat "$tmp/evj0")"
# JSON: one object per line, schema_version, time, the keys of the line.
dev mx mirrorx "/dev/vda /dev/vdb 128 1 1 10.0.0.2:7789 sync" \
	"source UpToDate 128 0/4096 1 1 Connected InSync sync 0 4096/4096 0 0 0"
run 0 events mx --now --json --timeout 1
n=$((n + 1))
jq -e -s 'length == 3 and .[0].schema_version == 1 and .[0].type == "exists"
	and .[0].object == "mirror" and .[0].role == "source" and .[1].peer == 1
	and .[1].conn == "Connected" and .[2].object == "-"
	and (.[0].time | test("^[0-9-]+T[0-9:.]+Z$"))' "$tmp/out" >/dev/null ||
	fail "events --json: $(cat "$tmp/out")"
run 2 events mx --timeout 0
run 2 events 'bad/name'

# ---- defect 8 (cross-check): one node's listen against the other's peer.N ----
reset
conf mx source 0 /dev/a /dev/b "listen = 10.0.0.1:7789" "peer.1 = 10.0.0.2:7789 sync"
mkdir -p "$tmp/b"
cat >"$tmp/b/mx.conf" <<'CONF'
name = mx
node_id = 1
role = target
data_dev = /dev/a
meta_dev = /dev/b
listen = 10.0.0.2:7789
peer.0 = 10.0.0.1:7789 sync
CONF
if run 0 check mx --peer-config "$tmp/b/mx.conf"; then
	expect "$tmp/out" "node 0's config \(this one\) and node 1's .* agree" "configs that agree"
fi
run 0 check mx --peer-config - <"$tmp/b/mx.conf"
# B listens on another port than A's peer.1: found, named, exit 1.
sed -i 's/^listen = .*/listen = 10.0.0.2:7790/' "$tmp/b/mx.conf"
if run 1 check mx --peer-config "$tmp/b/mx.conf"; then
	expect "$tmp/out" "^mx: this config's peer.1 is 10.0.0.2:7789, but node 1 \(the other config\) listens on 10.0.0.2:7790" "a port mismatch"
fi
# The same node id on both: one problem, said plainly.
sed -i 's/^node_id = 1/node_id = 0/; s/^peer.0 /peer.1 /' "$tmp/b/mx.conf"
if run 1 check mx --peer-config "$tmp/b/mx.conf"; then
	expect "$tmp/out" "both configs say node_id = 0" "the same node id"
fi
# A config that cannot be read or parsed is bad input (2); an unknown
# mirror 3; --peer-config takes no --wait.
run 2 check mx --peer-config "$tmp/b/nosuch.conf"
printf 'name = mx\nnode_id = nine\n' >"$tmp/b/bad.conf"
if run 2 check mx --peer-config "$tmp/b/bad.conf"; then
	expect "$tmp/err" "bad.conf line 2" "a bad peer config"
fi
run 3 check nosuch --peer-config "$tmp/b/mx.conf"
run 2 check mx --peer-config "$tmp/b/mx.conf" --wait 5

# ---- Outdated data: promote refuses it, --force overrides (logged) ----
reset
conf mx target 1 /dev/a /dev/b "peer.0 = 10.0.0.1:7789 sync" "fencing = resource"
tline="/dev/a /dev/b 0.0.0.0:7789 2 node_id 1"
dev mx mirrorx-recv "$tline" "target Outdated 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0"
if run 4 promote mx; then
	expect "$tmp/err" "is Outdated .*cannot become the source.*--force" "promote refuses Outdated"
fi
n=$((n + 1))
grep -q "mirrorx-recv" "$MX_FAKEDM/mx/table" || fail "a refused promote changed the table"
dev mx mirrorx-recv "$tline" "target Inconsistent 128 5/4096 1 - Listening Idle - 0 0/0 0 0 0"
if run 4 promote mx; then
	expect "$tmp/err" "is Inconsistent" "promote refuses Inconsistent"
fi
dev mx mirrorx-recv "$tline" "target Outdated 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0"
if run 0 promote mx --force; then
	expect "$tmp/out" "data Outdated: promoting anyway" "promote --force says so"
	expect "$MX_FAKEDM/mx/table" "mirrorx .* fencing resource force_promote node_id 1" "promote --force: force_promote in the table"
	expect "$MIRRORX_CONF_DIR/mx.conf" "^role = source$" "promote --force saved the role"
	n=$((n + 1))
	! grep -q force_promote "$MIRRORX_CONF_DIR/mx.conf" || fail "force_promote saved in the config"
fi
# A connected source: --force goes past it, and says so (and logs it).
dev mx mirrorx-recv "$tline" "target Consistent 128 0/4096 1 0 Connected InSync - 0 0/0 0 0 0"
rm -f "$MX_FAKEDM/audit"
if run 0 promote mx --force; then
	expect "$tmp/out" "^mx: node 0 is connected here as the source: promoting anyway \(--force\)" "promote --force over a connected source says so"
	expect "$MX_FAKEDM/audit" "^4 promote mx --force: node 0 is connected here as the source; promoting anyway$" "promote --force over a connected source: audited"
fi
# Fresh data: --force goes past it, and says so (and logs it).
dev mx mirrorx-recv "$tline" "target Fresh 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0"
run 4 promote mx
rm -f "$MX_FAKEDM/audit"
if run 0 promote mx --force; then
	expect "$tmp/out" "^mx: data Fresh \(it never received mirrored data\): promoting anyway \(--force\)" "promote --force over Fresh data says so"
	expect "$MX_FAKEDM/audit" "^4 promote mx --force: data Fresh \(it never received mirrored data\); promoting anyway$" "promote --force over Fresh data: audited"
fi
# The same for a stopped target whose metadata is blank.
if have_loop && mkloop && D=$LOOP && mkloop && M=$LOOP; then
	rm -rf "$MX_FAKEDM"
	mkdir -p "$MX_FAKEDM"
	conf mx target 1 "$D" "$M" "peer.0 = 10.0.0.1:7789 sync"
	if run 4 promote mx; then
		expect "$tmp/err" "the data of mx here is Fresh" "promote of a stopped Fresh target refused"
	fi
	if run 0 promote mx --force; then
		expect "$tmp/out" "^mx: data Fresh \(it never received mirrored data\): promoting anyway \(--force\)" "promote --force of a stopped Fresh target says so"
		expect "$MX_FAKEDM/audit" "^4 promote mx --force: data Fresh \(it never received mirrored data\); promoting anyway$" "promote --force of a stopped Fresh target: audited"
	fi
	conf mx target 1 /dev/a /dev/b "peer.0 = 10.0.0.1:7789 sync" "fencing = resource"
else
	skipped=$((skipped + 1))
fi
# Consistent data: no force_promote.
dev mx mirrorx-recv "$tline" "target Consistent 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0"
if run 0 promote mx; then
	n=$((n + 1))
	! grep -q force_promote "$MX_FAKEDM/mx/table" || fail "force_promote without --force"
fi

# ---- a reload keeps the running disks; a resume that fails puts the old table back ----
reset
conf mx target 1 /dev/a /dev/b "peer.0 = 10.0.0.1:7789 sync"
tline="/dev/a /dev/b 0.0.0.0:7789 2 node_id 1"
dev mx mirrorx-recv "$tline" "target Consistent 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0"
cp "$MX_FAKEDM/mx/table" "$tmp/table.before"
# The config edited to name another data disk: no reload moves the mirror.
sed -i 's|^data_dev = .*|data_dev = /dev/c|' "$MIRRORX_CONF_DIR/mx.conf"
for verb in "promote mx" "set mx --listen 0.0.0.0:7790"; do
	if run 1 $verb; then
		expect "$tmp/err" "mx runs on data device /dev/a and metadata device /dev/b, but its config names data_dev /dev/c and meta_dev /dev/b: a reload does not move a running mirror to other disks" "$verb: other disks refused"
	fi
	n=$((n + 1))
	cmp -s "$MX_FAKEDM/mx/table" "$tmp/table.before" || fail "$verb reloaded onto other disks"
done
sed -i 's|^data_dev = .*|data_dev = /dev/a|' "$MIRRORX_CONF_DIR/mx.conf"
# The source's table loads but refuses to resume: the target's comes back.
echo "refusing to start as the source: this node's data is older" >"$MX_FAKEDM/fail-resume-once"
if run 1 promote mx; then
	expect "$tmp/err" "refusing to start as the source.*\(the old mirrorx-recv table runs on\)" "a failed resume: the old table back"
fi
n=$((n + 1))
cmp -s "$MX_FAKEDM/mx/table" "$tmp/table.before" || fail "a failed resume left the new table: $(cat "$MX_FAKEDM/mx/table")"
n=$((n + 1))
[ ! -e "$MX_FAKEDM/mx/suspended" ] || fail "a failed resume left mx suspended"
expect "$MIRRORX_CONF_DIR/mx.conf" "^role = target$" "a failed promote saved no role"
# Nothing resumes: suspended, said so; no later verb calls that done.
echo "refusing to start as the source: this node's data is older" >"$MX_FAKEDM/fail-resume"
if run 1 promote mx; then
	expect "$tmp/err" "mx is SUSPENDED, its I/O waits: see dmsetup table mx, then dmsetup resume mx or mirrorctl down mx" "a failed resume and rollback: said"
fi
n=$((n + 1))
[ -e "$MX_FAKEDM/mx/suspended" ] || fail "the stand-in did not keep mx suspended: nothing tested"
expect "$tmp/err" "promote: resuming mx failed: mirrorx: refusing to start as the source: this node's data is older; putting the old mirrorx-recv table back failed too \\(resuming mx failed: mirrorx: refusing" "both causes, once each"
# The stand-in has the old table back (as the kernel would: its resume
# failed), suspended: not "already a target".
if run 1 demote mx; then
	expect "$tmp/err" "mx is up as target here but SUSPENDED .*dmsetup resume mx" "demote on a suspended target"
fi
if run 1 check mx --role target; then
	expect "$tmp/out" "^mx: SUSPENDED: its I/O waits" "check: a suspended mirror is a problem"
fi
rm -f "$MX_FAKEDM/fail-resume"

# The devices compared are those the table holds (its IMA status), not
# what its line's paths resolve to now: a rename under a running mirror
# (lvrename), the config corrected, reloads; a path relinked to another
# disk does not.
if have_loop && mkloop && D=$LOOP && mkloop && M=$LOOP && mkloop && E=$LOOP; then
	reset
	ln -s "$D" "$tmp/data-old"
	run 0 create mx --role source --data "$tmp/data-old" --meta "$M" \
		--peer 1,10.0.0.2:7789 --force
	mv "$tmp/data-old" "$tmp/data-new"
	sed -i "s|^data_dev = .*|data_dev = $tmp/data-new|" "$MIRRORX_CONF_DIR/mx.conf"
	if run 0 set mx --async-limit 8M; then
		expect "$MX_FAKEDM/mx/table" "mirrorx $tmp/data-new $M .*async_limit 8388608" "a reload after a rename, the config corrected"
	fi
	ln -sfn "$E" "$tmp/data-new"
	cp "$MX_FAKEDM/mx/table" "$tmp/table.before"
	if run 1 set mx --async-limit 16M; then
		expect "$tmp/err" "mx runs on data device $(stat -c '%t:%T' "$D" | { IFS=: read -r a b; echo "$((16#$a)):$((16#$b))"; }) .* config names data_dev $tmp/data-new" "a path relinked to another disk refused"
	fi
	n=$((n + 1))
	cmp -s "$MX_FAKEDM/mx/table" "$tmp/table.before" || fail "a reload followed a relinked path onto another disk"
	rm -f "$tmp/data-new"
else
	skip "reload after a rename: no loop devices"
fi

# ---- outdate (target) and peer-outdated (source) send their messages ----
reset
conf mx target 1 /dev/a /dev/b "peer.0 = 10.0.0.1:7789 sync"
dev mx mirrorx-recv "$tline" "target Consistent 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0"
if run 0 outdate mx; then
	expect "$MX_FAKEDM/mx/messages" "^outdate$" "outdate sends the message"
fi
# A source still connected: refused once --timeout passed, nothing sent.
dev mx mirrorx-recv "$tline" "target Consistent 128 0/4096 1 0 Connected InSync - 0 0/0 0 0 0"
rm -f "$MX_FAKEDM/mx/messages"
if run 4 outdate mx --timeout 0; then
	expect "$tmp/err" "source node 0 is connected" "outdate while connected"
fi
n=$((n + 1))
[ ! -s "$MX_FAKEDM/mx/messages" ] || fail "outdate sent a message while connected"
dev mx mirrorx "/dev/a /dev/b 128 1 0 10.0.0.1:7789 sync 4 fencing resource node_id 1" \
	"source UpToDate 128 3/4096 1 0 Connecting Idle sync 3 0/0 0 0 0 Pending"
if run 4 outdate mx; then
	expect "$tmp/err" "only a target can be outdated" "outdate on a source"
fi
if run 0 status mx; then
	expect "$tmp/out" "fencing: Pending \(writes held" "status shows fencing"
fi
if run 0 status mx --json --sample-ms 0; then
	n=$((n + 1))
	jq -e '.[0].peers[0].fencing == "Pending" and .[0].config.fencing == "none"' \
		"$tmp/out" >/dev/null || fail "status --json fencing: $(cat "$tmp/out")"
fi
if run 1 check mx; then
	expect "$tmp/out" "fencing Pending: writes held .*peer-outdated mx 0" "check names the fencing"
fi
if run 0 peer-outdated mx 0; then
	expect "$MX_FAKEDM/mx/messages" "^peer_outdated 0$" "peer-outdated sends the message"
fi
run 2 peer-outdated mx 2
run 2 peer-outdated mx
# fence-handler: the command runs for the Pending peer, then peer_outdated.
rm -f "$MX_FAKEDM/mx/messages"
if run 1 fence-handler mx --exec 'exit 3' --once; then
	n=$((n + 1))
	[ ! -s "$MX_FAKEDM/mx/messages" ] || fail "fence-handler sent peer_outdated after a failed command"
fi
if run 0 fence-handler mx --exec "echo \$MIRRORX_NAME \$MIRRORX_PEER \$MIRRORX_PEER_ADDRESS >$tmp/fenced" --once; then
	expect "$MX_FAKEDM/mx/messages" "^peer_outdated 0$" "fence-handler sends peer_outdated"
	expect "$tmp/fenced" "^mx 0 10.0.0.1:7789$" "fence-handler's command environment"
	expect "$tmp/out" "peer 0 outdated: held writes complete" "fence-handler says so"
fi
run 2 fence-handler mx --once
dev mx mirrorx "/dev/a /dev/b 128 1 0 10.0.0.1:7789 sync 2 node_id 1" \
	"source UpToDate 128 3/4096 1 0 Connecting Idle sync 3 0/0 0 0 0"
if run 2 fence-handler mx --exec true --once; then
	expect "$tmp/err" "has no fencing resource" "fence-handler without fencing"
fi

# The config's fence_peer when there is no --exec; neither: refused.
if run 2 fence-handler mx --follow; then
	expect "$tmp/err" "no fence-peer command for mx: give --exec CMD, or set fence_peer" "fence-handler without a command"
fi
fline="/dev/a /dev/b 128 1 0 10.0.0.1:7789 sync 4 fencing resource node_id 1"
pending="source UpToDate 128 3/4096 1 0 Connecting Idle sync 3 0/0 0 0 0 Pending"
conf mx source 1 /dev/a /dev/b "peer.0 = 10.0.0.1:7789 sync" "fencing = resource" \
	"fence_peer = echo conf \$MIRRORX_PEER >>$tmp/fenced"
dev mx mirrorx "$fline" "$pending"
rm -f "$MX_FAKEDM/mx/messages" "$tmp/fenced"
if run 0 fence-handler mx --once; then
	expect "$tmp/fenced" "^conf 0$" "fence-handler runs the config's fence_peer"
	expect "$MX_FAKEDM/mx/messages" "^peer_outdated 0$" "then sends peer_outdated"
fi
# fence_peer_timeout: a command that hangs is killed, nothing is sent.
conf mx source 1 /dev/a /dev/b "peer.0 = 10.0.0.1:7789 sync" "fencing = resource" \
	"fence_peer = sleep 60; echo late >$tmp/late" "fence_peer_timeout = 1"
rm -f "$MX_FAKEDM/mx/messages"
t0=$EPOCHSECONDS
if run 1 fence-handler mx --once; then
	expect "$tmp/out" "still running after fence_peer_timeout 1 s: killed" "a hanging fence command"
	n=$((n + 1))
	[ $((EPOCHSECONDS - t0)) -lt 20 ] || fail "the hanging command was not killed at fence_peer_timeout"
	[ ! -s "$MX_FAKEDM/mx/messages" ] || fail "peer_outdated sent after the command was killed"
fi
# --follow (mirrorx-fence@.service, the OCF agent): waits while the
# mirror is a target or down, fences every loss, never ends by itself.
conf mx source 1 /dev/a /dev/b "peer.0 = 10.0.0.1:7789 sync" "fencing = resource" \
	"fence_peer = echo follow \$MIRRORX_PEER >>$tmp/fenced"
rm -f "$MX_FAKEDM/mx/messages" "$tmp/fenced"
dev mx mirrorx-recv "$tline" "target Consistent 128 0/4096 1 0 Connected InSync - 0 0/0 0 0 0"
"$CTL" fence-handler mx --follow >"$tmp/follow.out" 2>"$tmp/follow.err" &
fpid=$!
# wait_file FILE PATTERN: up to 20 s.
wait_file() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
n=$((n + 1))
wait_file "$tmp/follow.out" "mx: a target here: waiting" || fail "fence-handler --follow on a target: $(cat "$tmp/follow.out" "$tmp/follow.err")"
dev mx mirrorx "$fline" "$pending"
n=$((n + 1))
wait_file "$MX_FAKEDM/mx/messages" "^peer_outdated 0$" || fail "fence-handler --follow: no peer_outdated after the promotion"
dev mx mirrorx "$fline" "source UpToDate 128 3/4096 1 0 Connected InSync sync 3 0/0 0 0 0 -"
sleep 1.5
rm -f "$MX_FAKEDM/mx/messages"
dev mx mirrorx "$fline" "$pending"
n=$((n + 1))
wait_file "$MX_FAKEDM/mx/messages" "^peer_outdated 0$" || fail "fence-handler --follow: the second loss not fenced"
rm -rf "$MX_FAKEDM/mx"
n=$((n + 1))
wait_file "$tmp/follow.out" "mx: not running here: waiting" || fail "fence-handler --follow after down: $(cat "$tmp/follow.out")"
n=$((n + 1))
kill -0 "$fpid" 2>/dev/null || fail "fence-handler --follow ended: $(cat "$tmp/follow.err")"
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null
expect "$tmp/fenced" "^follow 0$" "fence-handler --follow ran the config's command"
n=$((n + 1))
[ "$(grep -c . "$tmp/fenced")" = 2 ] || fail "fence-handler --follow: $(grep -c . "$tmp/fenced") commands for two losses"
! grep -q 'Sanitizer\|runtime error' "$tmp/follow.err" || fail "fence-handler --follow: sanitizer report"

# The peer's address as the config says at the fencing, not at the start
# (a set --peer meanwhile).
conf mx source 1 /dev/a /dev/b "peer.0 = 10.0.0.1:7789 sync" "fencing = resource" \
	"fence_peer = echo \$MIRRORX_PEER_ADDRESS >>$tmp/fenced"
rm -f "$MX_FAKEDM/mx/messages" "$tmp/fenced"
dev mx mirrorx "$fline" "source UpToDate 128 3/4096 1 0 Connected InSync sync 3 0/0 0 0 0 -"
"$CTL" fence-handler mx --follow >"$tmp/follow.out" 2>"$tmp/follow.err" &
fpid=$!
n=$((n + 1))
wait_file "$tmp/follow.out" "mx: the source with fencing resource: watching" || fail "fence-handler --follow did not start: $(cat "$tmp/follow.out" "$tmp/follow.err")"
sed -i 's/^peer.0 = .*/peer.0 = 10.0.0.9:7789 sync/' "$MIRRORX_CONF_DIR/mx.conf"
dev mx mirrorx "$fline" "$pending"
n=$((n + 1))
wait_file "$MX_FAKEDM/mx/messages" "^peer_outdated 0$" || fail "fence-handler --follow: no peer_outdated"
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null
n=$((n + 1))
[ "$(cat "$tmp/fenced" 2>/dev/null)" = 10.0.0.9:7789 ] || fail "fence command got MIRRORX_PEER_ADDRESS '$(cat "$tmp/fenced" 2>/dev/null)', want the config's new 10.0.0.9:7789"

# set --fence-peer: config only (no table reload); bad values refused.
dev mx mirrorx "$fline" "source UpToDate 128 3/4096 1 0 Connected InSync sync 3 0/0 0 0 0 -"
cp "$MX_FAKEDM/mx/table" "$tmp/table.before"
if run 0 set mx --fence-peer '/usr/lib/mirrorx/mirrorx-fence-peer fence mx' --fence-peer-timeout 45; then
	expect "$MIRRORX_CONF_DIR/mx.conf" "^fence_peer = /usr/lib/mirrorx/mirrorx-fence-peer fence mx$" "set --fence-peer saved"
	expect "$MIRRORX_CONF_DIR/mx.conf" "^fence_peer_timeout = 45$" "set --fence-peer-timeout saved"
	n=$((n + 1))
	cmp -s "$MX_FAKEDM/mx/table" "$tmp/table.before" || fail "set --fence-peer changed the table"
fi
cp "$MIRRORX_CONF_DIR/mx.conf" "$tmp/conf.before"
if run 2 set mx --fence-peer 'echo # x'; then
	expect "$tmp/err" "bad --fence-peer 'echo # x'" "set --fence-peer with a comment"
fi
if run 2 set mx --fence-peer-timeout 0x; then
	expect "$tmp/err" "bad --fence-peer-timeout '0x'" "set --fence-peer-timeout refused"
fi
n=$((n + 1))
cmp -s "$MIRRORX_CONF_DIR/mx.conf" "$tmp/conf.before" || fail "a refused --fence-peer changed the config"
if run 0 dump mx --json; then
	n=$((n + 1))
	jq -e '.[0].config.fence_peer == "/usr/lib/mirrorx/mirrorx-fence-peer fence mx" and .[0].config.fence_peer_timeout_s == 45' \
		"$tmp/out" >/dev/null || fail "dump --json fence_peer: $(cat "$tmp/out")"
fi
if run 0 set mx --no-fence-peer; then
	n=$((n + 1))
	! grep -q "^fence_peer =" "$MIRRORX_CONF_DIR/mx.conf" || fail "--no-fence-peer left fence_peer"
fi
printf 'fence_peer = a\nfence_peer = b\n' >>"$MIRRORX_CONF_DIR/mx.conf"
if run 2 fence-handler mx --once; then
	expect "$tmp/err" "mx.conf line [0-9]+: duplicate key 'fence_peer'" "fence-handler with a bad config"
fi

# ---- resync all --full does not discard a refused peer's data unasked ----
reset
conf mx source 0 /dev/a /dev/b "peer.1 = 10.0.0.2:7789 sync" \
	"peer.2 = 10.0.0.3:7789 sync" "peer.3 = 10.0.0.4:7789 sync"
dev mx mirrorx "/dev/a /dev/b 128 3 1 10.0.0.2:7789 sync 2 10.0.0.3:7789 sync 3 10.0.0.4:7789 sync" \
	"source UpToDate 128 3/4096 3 1 StandAlone TargetNewer sync 3 0/0 0 0 0 2 StandAlone SplitBrain sync 3 0/0 0 0 0 3 Connecting Idle sync 3 0/0 0 0 0"
if run 4 resync mx all --full; then
	expect "$tmp/err" "resync mx all --full would discard the data of peer 1 \(its data is newer than this node's\), peer 2 \(split brain: its data diverged\), peer 3 \(Connecting Idle, not replicating: its data goes when it connects\): .*mirrorctl resync mx PEER --full, PEER one of: 1 2 3\), or give --force" "resync all --full over refused peers and an away one"
fi
n=$((n + 1))
[ ! -s "$MX_FAKEDM/mx/messages" ] || fail "a refused resync all --full sent: $(cat "$MX_FAKEDM/mx/messages")"
# Partial: nothing is discarded, nothing refused.
if run 0 resync mx all; then
	expect "$MX_FAKEDM/mx/messages" "^resync all$" "resync all (partial) over refused peers"
fi
# One peer named: its data goes, said so.
if run 0 resync mx 2 --full; then
	expect "$tmp/out" "^mx: discarding the data of peer 2 \(split brain: its data diverged\)" "resync PEER --full names the loss"
	expect "$MX_FAKEDM/mx/messages" "^resync 2 full$" "resync PEER --full sent"
fi
run 2 resync mx all --force
if run 0 resync mx all --full --force; then
	expect "$tmp/out" "^mx: discarding the data of peer 1 \(its data is newer than this node's\), peer 2 .*, peer 3 \(Connecting Idle, not replicating" "resync all --full --force names the loss"
	expect "$MX_FAKEDM/mx/messages" "^resync all full$" "resync all --full --force sent"
fi
# A peer whose verdict is not known yet: the kernel marks a full sync for
# it too (it keeps the mark until the peer connects), so it is at stake:
# away (Connecting), refused for another reason (StandAlone Refused), in its
# handshake (Connected Idle). Replicating peers (InSync, Resyncing, Paused,
# Behind, Verifying) are not.
for st in "Connecting Idle" "StandAlone Refused" "Connected Refused" "Connected Idle" "StandAlone Idle"; do
	dev mx mirrorx "/dev/a /dev/b 128 3 1 10.0.0.2:7789 sync 2 10.0.0.3:7789 sync 3 10.0.0.4:7789 sync" \
		"source UpToDate 128 3/4096 3 1 Connected InSync sync 0 0/0 0 0 0 2 $st sync 3 0/0 0 0 0 3 Connected Resyncing sync 3 1/3 0 0 0"
	rm -f "$MX_FAKEDM/mx/messages"
	if run 4 resync mx all --full; then
		expect "$tmp/err" "would discard the data of peer 2 \($st, not replicating: its data goes when it connects\): .*PEER one of: 2\), or give --force" "resync all --full with peer 2 $st"
	fi
	n=$((n + 1))
	[ ! -s "$MX_FAKEDM/mx/messages" ] || fail "resync all --full with peer 2 $st sent: $(cat "$MX_FAKEDM/mx/messages")"
done
if run 0 resync mx 2 --full; then
	expect "$tmp/out" "^mx: discarding the data of peer 2 \(StandAlone Idle, not replicating" "resync PEER --full names a peer that is away"
	expect "$MX_FAKEDM/mx/messages" "^resync 2 full$" "resync PEER --full to a peer that is away sent"
fi
rm -f "$MX_FAKEDM/mx/messages"
if run 0 resync mx all --full --force; then
	expect "$tmp/out" "^mx: discarding the data of peer 2 \(StandAlone Idle" "resync all --full --force names a peer that is away"
	! grep -q "peer [13] (" "$tmp/out" || fail "resync all --full --force listed a replicating peer: $(cat "$tmp/out")"
	n=$((n + 1))
fi
# Every peer replicates: all --full as before.
dev mx mirrorx "/dev/a /dev/b 128 2 1 10.0.0.2:7789 sync 2 10.0.0.3:7789 sync" \
	"source UpToDate 128 3/4096 2 1 Connected InSync sync 0 0/0 0 0 0 2 Connected Paused sync 3 1/3 0 0 0"
rm -f "$MX_FAKEDM/mx/messages"
if run 0 resync mx all --full; then
	expect "$MX_FAKEDM/mx/messages" "^resync all full$" "resync all --full without refused peers"
fi

echo "fakedm.sh: $n checks, $fails failed, $skipped skipped"
[ $fails -eq 0 ]
