#!/usr/bin/env python3
"""run_qemu.py --gdb CASE, with gdb in batch mode: gdb gets the image's
symbols, breaks on the case's function and stops at its first line; the
run then goes on and reports the case. Prints TAP for meson's `harness`
suite; skipped without gdb.

Usage: test_gdb.py RUN_QEMU IMAGE_DIR [run_qemu options...]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tap_report import check_all

CATALOG = Path(__file__).resolve().parents[2] / 'ktest' / 'catalog'
# image, case, the function gdb must stop in, source file, the case's line
CASES = [
    ('failing_check', 'broken.fails_a_check', 'ktest_fn_broken_fails_a_check',
     'failing_check.c', 'KTEST(broken, fails_a_check)'),
    ('output', 'output.odd_parameter_names[plain]', 'ktest_pbody_output_odd_parameter_names',
     'output.c', 'KTEST_PARAM(output, odd_parameter_names'),
]
BODY_LINES = 12     # the first line gdb shows lies this close to the case's start


def case_line(source: str, marker: str) -> int:
    """The line number of marker in a catalog source."""
    lines = (CATALOG / source).read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text)


def check(base: list[str], image_dir: str, case: tuple) -> str:
    """One --gdb run; '' or what went wrong."""
    image, name, function, source, marker = case
    cmd = base + [os.path.join(image_dir, f'{image}_test.img'), '--gdb', name]
    env = dict(os.environ, KTEST_GDB='gdb -batch -nx', NO_COLOR='1')
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors='replace', timeout=300, env=env, stdin=subprocess.DEVNULL)
    stop = re.search(rf'Breakpoint 1, (?:0x[0-9a-f]+ in )?{function} \(.*\) at \S*{source}:(\d+)',
                     proc.stdout)
    start = case_line(source, marker)
    if not stop:
        return f'gdb did not stop in {function}\n{proc.stdout}'
    if not start <= int(stop.group(1)) <= start + BODY_LINES:
        return f'stopped at line {stop.group(1)}, not the case at line {start}\n{proc.stdout}'
    if not re.search(rf'(PASS|FAIL) {re.escape(name)} ', proc.stdout):
        return f'the run did not report the case after gdb detached\n{proc.stdout}'
    return ''


def main(argv: list[str]) -> int:
    """Entry point: TAP on stdout."""
    if not shutil.which('gdb'):
        print('1..0 # SKIP gdb not found')
        return 0
    base = [sys.executable, argv[0]] + argv[2:]
    return check_all(CASES, lambda case: check(base, argv[1], case),
                     lambda case: f'--gdb {case[1]}', workers=1)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
