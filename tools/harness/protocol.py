"""The wire contract, read from the one C header that defines it.

ktest/include/ktest_protocol.h is the single definition of every constant a
test image, a host test executable and this harness share; this module
parses its `#define KTEST_NAME value` lines, so the two sides cannot
disagree. Names lose their KTEST_ prefix: EXIT_PASS, TAG_PLAN, ...
"""

from __future__ import annotations

import os
import re

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                      os.pardir, 'ktest', 'include', 'ktest_protocol.h')
DEFINE = re.compile(r'#define\s+KTEST_([A-Z0-9_]+)\s+(0x[0-9a-fA-F]+|[0-9]+|"[^"]*")')


def parse(text: str) -> dict[str, object]:
    """Every `#define KTEST_NAME value` of text: numbers as int, strings as str."""
    values: dict[str, object] = {}
    for name, raw in DEFINE.findall(text):
        values[name] = raw[1:-1] if raw.startswith('"') else int(raw, 0)
    return values


def load(path: str = HEADER) -> dict[str, object]:
    """The definitions of the protocol header."""
    with open(path, encoding='utf-8') as f:
        return parse(f.read())


_VALUES = load()
globals().update(_VALUES)


def qemu_status(exit_value: int) -> int:
    """QEMU's exit status for a value written to isa-debug-exit."""
    return (exit_value << 1) | 1


# How a run ended, by QEMU status (test images) or exit status (host
# executables): the same four words for both.
ENDS = ('pass', 'fail', 'error', 'restart')
QEMU_ENDS = {qemu_status(_VALUES['EXIT_' + end.upper()]): end for end in ENDS}
EXEC_ENDS = {_VALUES['STATUS_' + end.upper()]: end for end in ENDS}
