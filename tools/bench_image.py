#!/usr/bin/env python3
"""bench_image.py: run a benchmark image and print what it measured.

A benchmark image is a ktest image whose cases print results as KTAP `#`
diagnostic lines (kernel/mm/alloc/alloc_bench_kernel.c is one). This tool
boots it headless through run_qemu.py's run mode, prints those lines without
their `#` prefix, and turns QEMU's isa-debug-exit status into an exit status
meson's benchmark() understands: 0 when the run completed and every case
passed, 1 when a case failed, 99 for anything else (a crash, a hang cut short
by meson's timeout, no exit device).

    bench_image.py IMAGE [run_qemu.py options...]

Standard library only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

PROG = 'bench_image.py'
RUN_QEMU = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'run_qemu.py')

# QEMU's exit status for the isa-debug-exit values of docs/protocol.md.
QEMU_PASSED = 33
QEMU_FAILED = 35

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_ERROR = 99

# KTAP framing that carries no measurement.
FRAMING = ('# ktest:', '# plan:', '# Subtest:')


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The image, and the options passed through to run_qemu.py."""
    parser = argparse.ArgumentParser(
        prog=PROG, description='Run a benchmark image headless and print its results.')
    parser.add_argument('image', help='the benchmark disk image')
    return parser.parse_known_args(argv)


def diagnostics(line: str) -> str | None:
    """The text of a `#` diagnostic line, or None for any other line."""
    text = line.strip()
    if not text.startswith('#') or text.startswith(FRAMING):
        return None
    return text[1:].strip()


def main(argv: list[str] | None = None) -> int:
    """Boot the image, print its diagnostics, map QEMU's status."""
    args, passthrough = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.path.isfile(args.image):
        print(f'{PROG}: error: no image {args.image}', file=sys.stderr)
        return EXIT_USAGE
    cmd = [sys.executable, RUN_QEMU, args.image, '--headless'] + passthrough
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, errors='backslashreplace', check=False)
    except OSError as exc:
        print(f'{PROG}: error: cannot run {RUN_QEMU}: {exc.strerror}', file=sys.stderr)
        return EXIT_ERROR
    for line in proc.stdout.splitlines():
        text = diagnostics(line)
        if text is not None:
            print(text)
    if proc.returncode == QEMU_PASSED:
        return EXIT_PASS
    if proc.returncode == QEMU_FAILED:
        print(f'{PROG}: a benchmark case failed', file=sys.stderr)
        return EXIT_FAIL
    print(f'{PROG}: the image did not complete (status {proc.returncode})', file=sys.stderr)
    return EXIT_ERROR


if __name__ == '__main__':
    sys.exit(main())
