#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A small OpenMetrics text parser for "mirrorctl metrics" output (file or
stdin): every line a TYPE/HELP comment, a sample or the final "# EOF";
names and labels well formed, values numbers, a family's samples together
after its TYPE, no family twice, no sample line twice. Prints the samples
as "name{labels} value" lines sorted, for the test to grep; exit 1 with
the reason on the first error."""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"^({NAME})(?:\{{((?:{LABEL})(?:,{LABEL})*)?\}})? (\S+)$")
META = re.compile(rf"^# (TYPE|HELP|UNIT) ({NAME})(?: (.*))?$")


def fail(lineno, line, why):
    print(f"omcheck: line {lineno}: {why}: {line!r}", file=sys.stderr)
    sys.exit(1)


def main():
    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
    if not text.endswith("\n"):
        fail(0, text[-40:], "no final newline")
    lines = text.split("\n")[:-1]
    if not lines or lines[-1] != "# EOF":
        fail(len(lines), lines[-1] if lines else "", "last line is not '# EOF'")
    done, current, seen, out = set(), None, set(), []
    for no, line in enumerate(lines[:-1], 1):
        m = META.match(line)
        if m:
            kind, name = m.group(1), m.group(2)
            if kind == "TYPE":
                if name in done:
                    fail(no, line, "family declared twice")
                if m.group(3) not in ("gauge", "counter", "info", "stateset",
                                      "unknown", "histogram", "summary",
                                      "gaugehistogram"):
                    fail(no, line, "bad type")
                if current:
                    done.add(current)
                current = name
            elif name != current:
                fail(no, line, "metadata of another family")
            continue
        m = SAMPLE.match(line)
        if not m:
            fail(no, line, "not a sample")
        if m.group(1) != current:
            fail(no, line, "sample outside its family")
        try:
            float(m.group(3))
        except ValueError:
            fail(no, line, "value is not a number")
        key = (m.group(1), m.group(2))
        if key in seen:
            fail(no, line, "sample twice")
        seen.add(key)
        out.append(line)
    print("\n".join(sorted(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
