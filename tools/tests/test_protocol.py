#!/usr/bin/env python3
"""The wire constants agree on both sides: a C program compiled with the
host compiler from ktest/include/ktest_protocol.h prints every KTEST_
constant as C sees it, and tools/harness/protocol.py must read the same
names and values from the header, every `#define KTEST_` line of it.

Run: python3 tools/tests/test_protocol.py (meson: suite `harness`).
The compiler is $CC, else cc; the C tests are skipped without one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness_support import HEADER
from harness import protocol

CC = os.environ.get('CC') or 'cc'
ANY_DEFINE = re.compile(r'^\s*#\s*define\s+KTEST_(\w+)(.*)$', re.M)
GUARD = re.compile(r'^\s*#\s*ifndef\s+KTEST_(\w+)', re.M)
PRINTER = r'''
#include <stdio.h>
#include "%s"

static void show_int(const char *name, long long value)
{
	printf("%%s\tint\t%%lld\n", name, value);
}

static void show_str(const char *name, const char *value)
{
	printf("%%s\tstr\t%%s\n", name, value);
}

#define SHOW(n) _Generic((n), char *: show_str, const char *: show_str, \
			 default: show_int)(#n, n)

int main(void)
{
%s
	return 0;
}
'''


def header_names(text: str) -> list[str]:
    """Every KTEST_ name a #define line of text defines, but the include guard."""
    guards = set(GUARD.findall(text))
    names = []
    for name, rest in ANY_DEFINE.findall(text):
        value = re.sub(r'/\*.*?\*/|//.*', '', rest).strip()
        if value or name not in guards:
            names.append(name)
    return names


def c_values(header: Path, workdir: str) -> dict[str, object]:
    """Every KTEST_ constant of header as a C program prints it."""
    names = header_names(header.read_text())
    source = Path(workdir) / 'show.c'
    source.write_text(PRINTER % (header.resolve(), '\n'.join(
        f'\tSHOW(KTEST_{name});' for name in names)))
    program = Path(workdir) / 'show'
    subprocess.run([CC, '-std=c11', '-Wall', '-Werror', '-o', str(program), str(source)],
                   check=True, capture_output=True, text=True)
    out = subprocess.run([str(program)], check=True, capture_output=True, text=True).stdout
    values: dict[str, object] = {}
    for line in out.splitlines():
        name, kind, value = line.split('\t', 2)
        values[name.removeprefix('KTEST_')] = int(value) if kind == 'int' else value
    return values


def disagreements(header: Path) -> list[str]:
    """Where the C compiler and protocol.py read header differently."""
    with tempfile.TemporaryDirectory(prefix='protocol-') as tmp:
        c_side = c_values(header, tmp)
    py_side = protocol.load(str(header))
    problems = [f'{name}: C {c_side.get(name)!r}, Python {py_side.get(name)!r}'
                for name in sorted(set(c_side) | set(py_side))
                if c_side.get(name) != py_side.get(name)]
    return problems


@unittest.skipUnless(shutil.which(CC), f'no C compiler ({CC})')
class AgreementTest(unittest.TestCase):
    """C and Python read the same constants from the one header."""

    def test_every_constant_agrees(self) -> None:
        self.assertEqual(disagreements(HEADER), [])

    def test_every_define_line_is_read(self) -> None:
        names = header_names(HEADER.read_text())
        self.assertGreater(len(names), 40)
        self.assertEqual(sorted(names), sorted(protocol.load()))

    def test_the_check_sees_a_define_python_cannot_read(self) -> None:
        with tempfile.TemporaryDirectory(prefix='protocol-') as tmp:
            doctored = Path(tmp) / 'ktest_protocol.h'
            text = HEADER.read_text().replace(
                '#endif', '#define KTEST_SHIFTED (1 << 3)\n# define KTEST_SPACED 4\n'
                          '#define KTEST_ESCAPED "a\\tb"\n#endif')
            doctored.write_text(text)
            problems = disagreements(doctored)
        self.assertEqual([p.split(':')[0] for p in problems], ['ESCAPED', 'SHIFTED', 'SPACED'])


class ImageHeaderTest(unittest.TestCase):
    """The harness reads an image's built-in words where boot/image.h puts them."""

    def test_constants_agree_with_image_h(self) -> None:
        from harness import qemu
        text = (HEADER.parents[2] / 'boot' / 'image.h').read_text()
        defines = dict(re.findall(r'^#define\s+(IMG_\w+)\s+(\w+)', text, re.M))
        for name in ('IMG_HEADER_LBA', 'IMG_HDR_CMDLINE', 'IMG_HDR_CMDLINE_MAX'):
            self.assertEqual(int(defines[name], 0), getattr(qemu, name), name)
        self.assertEqual(int(defines['IMG_SECTOR_SIZE'], 0), qemu.SECTOR)
        magic = (int(defines['IMG_HDR_MAGIC_LO'], 0).to_bytes(4, 'little') +
                 int(defines['IMG_HDR_MAGIC_HI'], 0).to_bytes(4, 'little'))
        self.assertEqual(magic, qemu.IMG_HEADER_MAGIC)


class ParseTest(unittest.TestCase):
    """protocol.parse() and what the module makes of the header."""

    def test_parse_forms(self) -> None:
        text = ('#define KTEST_A 0x1f /* c */\n#define  KTEST_B   12\n'
                '#define KTEST_C "x y" // c\n#define OTHER 3\n')
        self.assertEqual(protocol.parse(text), {'A': 31, 'B': 12, 'C': 'x y'})

    def test_module_constants(self) -> None:
        for name, value in protocol.load().items():
            self.assertEqual(getattr(protocol, name), value, name)

    def test_exit_values_and_statuses(self) -> None:
        self.assertEqual(protocol.qemu_status(0x10), 33)
        self.assertEqual(protocol.QEMU_ENDS, {
            protocol.qemu_status(protocol.EXIT_PASS): 'pass',
            protocol.qemu_status(protocol.EXIT_FAIL): 'fail',
            protocol.qemu_status(protocol.EXIT_ERROR): 'error',
            protocol.qemu_status(protocol.EXIT_RESTART): 'restart'})
        self.assertEqual(protocol.EXEC_ENDS, {
            protocol.STATUS_PASS: 'pass', protocol.STATUS_FAIL: 'fail',
            protocol.STATUS_ERROR: 'error', protocol.STATUS_RESTART: 'restart'})
        self.assertEqual(len(set(protocol.QEMU_ENDS) | set(protocol.EXEC_ENDS)), 8)


if __name__ == '__main__':
    unittest.main()
