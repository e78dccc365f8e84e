"""--fresh-boot per case: ktest/bench/trivial_100.c (a hundred empty cases)
through the harness with --fresh-boot, as meson would run it under its
default setup; the time per case is the run's wall time over the cases it
reported. Which ways --fresh-boot offers is read from run_qemu.py itself:
its --help, and the error a value it does not take gives."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import Optional

from .build import Build
from .common import BenchError
from .images import bench_args
from .through import meson_env, read_report
from .timing import time_harness

FRESH_IMAGE = 'trivial_100'
FRESH_OPTION = '--fresh-boot'
QUICK_FILTER = 'trivial.c0*'        # --quick: ten of the hundred cases
NOT_A_WAY = '?'                     # a value no --fresh-boot takes
# How argparse shows an option with an optional value: `[--fresh-boot [HOW]]`.
TAKES_VALUE = re.compile(r'\[--fresh-boot \[[A-Z_]+\]\]')
EXPECTED = re.compile(r'expected (?:one of )?(.+?),? got')     # the harness's own words
CHOOSE = re.compile(r'choose from (.+?)\)')                     # argparse's choices


def harness_text(cmd: list[str], cwd: str) -> tuple[int, str]:
    """Run a quick run_qemu.py command (--help, a refused option): its exit
    status and its output, both streams."""
    proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors='replace', timeout=60)
    return proc.returncode, proc.stdout


def named_ways(error: str) -> list[str]:
    """The ways a refused --fresh-boot value's error names: `expected
    snapshot or boot, got '?'` gives snapshot and boot."""
    match = EXPECTED.search(error) or CHOOSE.search(error)
    if not match:
        return []
    words = [w.strip("'\"") for w in re.split(r',\s*|\s+or\s+', match.group(1))]
    return [w for w in words if re.fullmatch(r'[a-z][a-z0-9_-]*', w)]


def fresh_ways(build: Build, image: str) -> Optional[list[str]]:
    """None when run_qemu.py has no --fresh-boot; else the ways it names
    (empty when the option takes no value)."""
    _, usage = harness_text(build.python_cmd + [build.run_qemu, '--help'], build.dir)
    if FRESH_OPTION not in usage:
        return None
    if not TAKES_VALUE.search(usage):
        return []
    _, error = harness_text(build.python_cmd + [build.run_qemu, image, '--test',
                                                f'{FRESH_OPTION}={NOT_A_WAY}', '--dry-run'],
                            build.dir)
    return named_ways(error)


@dataclass
class FreshRun:
    """trivial_100 with --fresh-boot one way (way None: the default)."""

    way: Optional[str]
    cmd: list[str]
    cwd: str
    env: dict[str, str]
    report_dir: str
    per_case: list[float] = field(default_factory=list)
    cases: int = 0
    problem: str = ''

    @property
    def label(self) -> str:
        """How the figure names the way."""
        return (f'{FRESH_OPTION}={self.way}' if self.way else f'{FRESH_OPTION} (the default)')

    def once(self) -> None:
        """One run: its wall time over the cases it reported. A way that
        fails is noted and not run again."""
        if self.problem:
            return
        os.makedirs(self.report_dir, exist_ok=True)
        for name in os.listdir(self.report_dir):
            os.unlink(os.path.join(self.report_dir, name))
        try:
            seconds = time_harness(self.cmd, self.cwd, self.env)
            results = len(read_report(self.report_dir).get('results', []))
        except (BenchError, OSError, ValueError) as exc:
            self.problem = str(exc)
            return
        if results:
            self.per_case.append(seconds / results)
            self.cases = results


def fresh_runs(build: Build, directory: str, quick: bool) -> tuple[list[FreshRun], str]:
    """The default --fresh-boot and each way it names, on trivial_100 (ten of
    its cases with quick); a note when the harness has no --fresh-boot."""
    args = bench_args(build, FRESH_IMAGE)
    ways = fresh_ways(build, args[0])
    if ways is None:
        return [], f'run_qemu.py has no {FRESH_OPTION}'
    extra = ['--filter', QUICK_FILTER] if quick else []
    runs = []
    for way in [None] + ways:
        option = FRESH_OPTION + (f'={way}' if way else '')
        report_dir = os.path.join(directory, f'fresh-{way or "default"}')
        runs.append(FreshRun(way, build.python_cmd + [build.run_qemu] + args + [option] + extra,
                             build.dir, meson_env(dict(os.environ), 'pvh', report_dir),
                             report_dir))
    return runs, ''
