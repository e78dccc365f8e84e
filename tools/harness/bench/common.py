"""What every part of the benchmark shares: its error and progress lines on
stderr. Light: the command line imports it."""

from __future__ import annotations

import sys

PROG = 'bench.py'


class BenchError(Exception):
    """Something the benchmark needs failed (a build, a boot): one line, exit 1."""


def progress(text: str) -> None:
    """A progress line on stderr (the report goes to stdout)."""
    print(f'{PROG}: {text}', file=sys.stderr, flush=True)


def last_line(text: str, fallback: str) -> str:
    """The last line of text that is not blank, or fallback."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else fallback
