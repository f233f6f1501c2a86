#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Validate mirrorctl --json output (a file, or stdin) against
tools/tests/mirrorctl.schema.json with python3-jsonschema. Exit 0 when
valid, 1 with the reasons when not (or when it is not JSON at all)."""
import json
import os
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with open(os.path.join(HERE, "mirrorctl.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    raw = open(sys.argv[1], "rb").read() if len(sys.argv) > 1 else sys.stdin.buffer.read()
    try:
        # Strict: the bytes must be UTF-8, as RFC 8259 requires.
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        print(f"jsoncheck: not valid JSON: {e}", file=sys.stderr)
        return 1
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        print(f"jsoncheck: {'/'.join(map(str, e.path)) or '(top)'}: {e.message}",
              file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
