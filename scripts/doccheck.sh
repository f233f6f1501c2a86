#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lint the documentation (make check, step "docs"): every
# Documentation/*.rst must parse with docutils without a warning (a
# malformed table or a broken `link`_ renders as garbage), every man page
# must format with groff without a warning.
set -euo pipefail

cd "$(dirname "$0")/.."
bad=0

for f in Documentation/*.rst; do
	if ! /usr/bin/python3 - "$f" <<'PY'; then
import io
import sys

import docutils.core

path = sys.argv[1]
err = io.StringIO()
with open(path, encoding="utf-8") as src:
    docutils.core.publish_string(
        src.read(), source_path=path, writer_name="null",
        settings_overrides={"warning_stream": err, "report_level": 2,
                            "halt_level": 5})
if err.getvalue():
    sys.stderr.write(err.getvalue())
    sys.exit(1)
PY
		echo "doccheck: $f: docutils warnings (above)" >&2
		bad=1
	else
		echo "doccheck: $f: clean"
	fi
done

for f in Documentation/*.[1-8]; do
	out=$(groff -man -ww -z "$f" 2>&1)
	if [ -n "$out" ]; then
		echo "$out" >&2
		echo "doccheck: $f: groff warnings (above)" >&2
		bad=1
	else
		echo "doccheck: $f: clean"
	fi
done

exit $bad
