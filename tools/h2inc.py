#!/usr/bin/env python3
"""Turn the numeric #define lines of a C header into a nasm include file.

The loader's nasm code and the kernel's C code share constants (boot_info
offsets, the disk layout) through one C header; this keeps them in step.
Usage: h2inc.py INPUT.h OUTPUT.inc
"""
import re
import sys

DEFINE = re.compile(r"^\s*#define\s+([A-Z_][A-Z0-9_]*)\s+(0x[0-9a-fA-F]+|[0-9]+)\b")


def convert(text: str) -> str:
    """Return nasm %define lines for every numeric #define in text."""
    out = ["; generated from a C header by tools/h2inc.py; do not edit"]
    for line in text.splitlines():
        m = DEFINE.match(line)
        if m:
            out.append(f"%define {m.group(1)} {m.group(2)}")
    return "\n".join(out) + "\n"


def main(argv: list) -> int:
    """Entry point: convert argv[1] into argv[2]."""
    if len(argv) != 3:
        print("usage: h2inc.py INPUT.h OUTPUT.inc", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            text = f.read()
        with open(argv[2], "w", encoding="utf-8") as f:
            f.write(convert(text))
    except OSError as e:
        print(f"h2inc: {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
