"""The wire contract, read from the one C header that defines it.

ktest/include/ktest_protocol.h is the single definition of every constant a
test image, a host test executable and this harness share; this module
parses its `#define KTEST_NAME value` lines, so the two sides cannot
disagree. Names lose their KTEST_ prefix: EXIT_PASS, TAG_PLAN, ...
"""

from __future__ import annotations

import os

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                      os.pardir, 'ktest', 'include', 'ktest_protocol.h')
HEX_DIGITS = '0123456789abcdefABCDEF'


def value_of(raw: str) -> object:
    """A #define's value, if it is one this module reads: a decimal or hex
    number, or a string without escapes; else None. (Without the re module:
    the harness reads this before it starts QEMU, and re costs time.)"""
    if raw.startswith('"'):
        end = raw.find('"', 1)
        return raw[1:end] if end > 0 and '\\' not in raw[:end] else None
    token = raw.split(None, 1)[0] if raw.split() else ''
    if token.isdigit() and token.isascii():
        return int(token, 10)
    if token[:2] in ('0x', '0X') and len(token) > 2 and all(c in HEX_DIGITS for c in token[2:]):
        return int(token, 16)
    return None


def parse(text: str) -> dict[str, object]:
    """Every `#define KTEST_NAME value` of text: numbers as int, strings as str."""
    values: dict[str, object] = {}
    for line in text.splitlines():
        head, _, rest = line.partition(' ')
        if head != '#define' and not line.startswith('#define\t'):
            continue
        words = line[len('#define'):].split(None, 1)
        if len(words) < 2 or not words[0].startswith('KTEST_'):
            continue
        name = words[0][len('KTEST_'):]
        value = value_of(words[1].strip()) if name.replace('_', '').isalnum() else None
        if value is not None:
            values[name] = value
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
