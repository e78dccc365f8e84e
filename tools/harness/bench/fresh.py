"""--fresh-boot per case: ktest/bench/trivial_100.c (a hundred empty cases)
through the harness with --fresh-boot, as meson would run it under its
default setup; the time per case is the run's wall time over the cases it
reported: the default, then each way the harness offers (config.FRESH_BOOTS)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

from ..config import FRESH_BOOTS
from .build import Build
from .common import BenchError
from .images import bench_args
from .through import meson_env, read_report
from .timing import time_harness

FRESH_IMAGE = 'trivial_100'
FRESH_OPTION = '--fresh-boot'
QUICK_FILTER = 'trivial.c0*'        # --quick: ten of the hundred cases


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


def fresh_runs(build: Build, directory: str, quick: bool) -> list[FreshRun]:
    """The default --fresh-boot and each way of it, on trivial_100 (ten of
    its cases with quick)."""
    args = bench_args(build, FRESH_IMAGE)
    extra = ['--filter', QUICK_FILTER] if quick else []
    runs = []
    for way in (None,) + FRESH_BOOTS:
        option = FRESH_OPTION + (f'={way}' if way else '')
        report_dir = os.path.join(directory, f'fresh-{way or "default"}')
        runs.append(FreshRun(way, build.python_cmd + [build.run_qemu] + args + [option] + extra,
                             build.dir, meson_env(dict(os.environ), 'pvh', report_dir),
                             report_dir))
    return runs
