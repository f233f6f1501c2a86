#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the pure dm-mirrorx decoders (proto.c, meta_codec.c) for userspace
# with ASan and UBSan, and run the fuzzer over random and mutated packets
# and superblocks, checksummed (data_csum) and compressed writes included.
# Usage:
# tests/fuzz/run.sh [iterations [seed]] (default 400000 inputs, fixed
# seed). Exits non-zero on a crash, a sanitizer report, a broken invariant
# or a decoder that accepted no input at all.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$here/../../dm-mirrorx
out=$(mktemp -d "${TMPDIR:-/tmp}/mx-fuzz.XXXXXX")
trap 'rm -rf "$out"' EXIT

${CC:-gcc} -std=gnu11 -O1 -g -Wall -Wextra -Wno-sign-compare \
	-Wno-unused-parameter -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer \
	-I"$here/shim" -I"$src" \
	"$here/fuzz.c" "$here/shim/crc32c.c" "$src/proto.c" \
	"$src/meta_codec.c" -o "$out/fuzz"

"$out/fuzz" "${1:-400000}" "${2:-0x6d78726d}"
