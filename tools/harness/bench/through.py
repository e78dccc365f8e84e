"""Each test image through the harness, as `meson test` runs it, both ways
in: the command and environment of meson's introspection (`python3 -S
run_qemu.py IMAGE --test ... --tap`), the test setup's KTEST_BOOT (pvh,
meson's default setup, or bios: `meson test --setup bios`) and the
MALLOC_PERTURB_ meson adds, timed from the harness's start to its exit.
An image's own test work is the sum of its cases' durations in the run's
JSON report ($KTEST_REPORT_DIR, pointed at a directory of the benchmark)."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from typing import Callable

from .build import Build, is_image_test, suite_of, test_env
from .common import BenchError
from .images import bench_args
from .timing import time_harness

WAYS = ('pvh', 'bios')          # meson's test setups: the default, and --setup bios
BOOT_VARIABLE = 'KTEST_BOOT'
REPORT_VARIABLE = 'KTEST_REPORT_DIR'
PERTURB_VARIABLE = 'MALLOC_PERTURB_'
REPORT_OK = ('PASS', 'SKIP', 'FLAKY')


def meson_env(base: dict[str, str], way: str, report_dir: str) -> dict[str, str]:
    """The environment meson gives a test under setup way: the test's own
    (base), KTEST_BOOT, and MALLOC_PERTURB_ as meson sets it when the
    environment has none; the JSON report goes to report_dir."""
    env = dict(base)
    env[BOOT_VARIABLE] = way
    env[REPORT_VARIABLE] = report_dir
    if not env.get(PERTURB_VARIABLE):
        env[PERTURB_VARIABLE] = str(random.randint(1, 255))
    return env


def read_report(directory: str) -> dict:
    """The JSON report a harness run left in directory (the only file there)."""
    names = [n for n in os.listdir(directory) if n.endswith('.json')]
    if len(names) != 1:
        raise BenchError(f'{directory}: expected one JSON report, found {len(names)}')
    with open(os.path.join(directory, names[0]), encoding='utf-8') as f:
        return json.load(f)


def test_work(report: dict) -> float:
    """Seconds of test work in a report: the sum of its results' durations."""
    return sum(r.get('duration_us') or 0 for r in report.get('results', [])) / 1e6


@dataclass
class Way:
    """One image's runs one way: wall times, test work, what went wrong."""

    seconds: list[float] = field(default_factory=list)
    work: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)  # the SeaBIOS floor booted just before
    cases: int = 0
    problems: list[str] = field(default_factory=list)

    def overhead(self) -> list[float]:
        """Wall time minus test work, run by run."""
        return [s - w for s, w in zip(self.seconds, self.work)]

    def ratio(self) -> list[float]:
        """Wall time over the floor's, run by run."""
        return [s / f for s, f in zip(self.seconds, self.floor)]

    def overhead_ratio(self) -> list[float]:
        """Wall time minus test work, over the floor's time, run by run."""
        return [o / f for o, f in zip(self.overhead(), self.floor)]

    def clock_fast(self) -> int:
        """Runs whose cases' durations add up to more than the run's wall
        time: the kernel measured them with a TSC rate calibrated wrong."""
        return sum(1 for s, w in zip(self.seconds, self.work) if w > s)


@dataclass
class HarnessImage:
    """A test image run through the harness, each way."""

    name: str
    suite: str
    cmd: list[str]
    cwd: str
    env: dict[str, str]
    report_dir: str
    ways: dict[str, Way] = field(default_factory=lambda: {w: Way() for w in WAYS})

    def once(self, way: str, floor: float) -> None:
        """Run it once the given way; keep the time, the report's work and
        the time of the floor booted just before."""
        directory = os.path.join(self.report_dir, way)
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
        runs = self.ways[way]
        try:
            seconds = time_harness(self.cmd, self.cwd, meson_env(self.env, way, directory))
            report = read_report(directory)
        except (BenchError, OSError, ValueError) as exc:
            runs.problems.append(str(exc))
            return
        if report.get('verdict') not in REPORT_OK:
            runs.problems.append(f"verdict {report.get('verdict')}: {report.get('reason')}")
        runs.seconds.append(seconds)
        runs.work.append(test_work(report))
        runs.floor.append(floor)
        runs.cases = len(report.get('results', []))

    def once_each_way(self, floor: Callable[[], float]) -> None:
        """Boot the floor (a function that times one boot of it), then run
        the image each way, one right after the other."""
        before = floor()
        for way in WAYS:
            self.once(way, before)


def harness_images(build: Build, directory: str) -> list[HarnessImage]:
    """trivial_1 (as ktest/meson.build would register it) and every
    registered image test, with meson's commands and environments."""
    one = HarnessImage('trivial_1', 'bench', build.python_cmd + [build.run_qemu]
                       + bench_args(build, 'trivial_1'), build.dir, dict(os.environ),
                       os.path.join(directory, 'trivial_1'))
    tests = sorted((t for t in build.tests if is_image_test(t)),
                   key=lambda t: (suite_of(t), t['name']))
    return [one] + [HarnessImage(t['name'], suite_of(t), t['cmd'], t.get('workdir') or build.dir,
                                 test_env(t), os.path.join(directory, t['name']))
                    for t in tests]

