"""`meson test` of the whole suite, at --num-processes 1 and at the default
(meson's default test setup, which boots the test images PVH), against the
sum of the test times divided by the cores; and at the default with
`--setup bios` (every image from its disk through SeaBIOS)."""

from __future__ import annotations

import json
import os
import shlex
import statistics
import subprocess
import time
from dataclasses import dataclass, field

from .build import Build
from .common import BenchError, last_line, progress
from .figures import (SUITE_BEFORE_S, TARGET_SUITE_RATIO, TARGET_SUITE_S, Figure, at_most,
                      fmt_value, paired)

MESON_OK = ('OK', 'SKIP', 'EXPECTEDFAIL')


def meson_test(meson: str, build: Build, extra: list[str],
               logbase: str) -> tuple[float, list[dict]]:
    """One `meson test` run of the whole suite: wall time and meson's per-test log."""
    cmd = [meson, 'test', '-C', build.dir, '--no-rebuild', '--logbase', logbase] + extra
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, errors='replace')
    seconds = time.perf_counter() - start
    log = log_path(build.dir, logbase, extra)
    try:
        with open(log, encoding='utf-8') as f:
            entries = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError):
        message = last_line(proc.stderr, f'exit {proc.returncode}')
        raise BenchError(f'{shlex.join(cmd)}: no test log ({message})') from None
    return seconds, entries


def log_path(build_dir: str, logbase: str, extra: list[str]) -> str:
    """Where meson test writes its JSON log: named after --logbase, and with
    --setup S after the setup too (LOGBASE-S.json)."""
    setup = extra[extra.index('--setup') + 1] if '--setup' in extra[:-1] else ''
    return os.path.join(build_dir, 'meson-logs', logbase + (f'-{setup}' if setup else '') + '.json')


def makespan(durations: list[float], jobs: int) -> float:
    """Wall time of running tests in the given order on jobs slots, each test
    starting on the first slot that frees up (as meson test does), with no
    contention between them."""
    slots = [0.0] * max(jobs, 1)
    for duration in durations:
        slots.sort()
        slots[0] += duration
    return max(slots)


def test_jobs(cores: int) -> str:
    """How many tests meson runs at once by default ($MESON_TESTTHREADS or the cores)."""
    jobs = os.environ.get('MESON_TESTTHREADS', '')
    return jobs if jobs.isdigit() and int(jobs) > 0 else str(cores)


Run = tuple[float, list[dict]]        # wall time, meson's log of the run


@dataclass
class SuiteRuns:
    """The meson test runs, repetition by repetition."""

    cores: int
    jobs: str
    serial: list[Run] = field(default_factory=list)       # --num-processes 1
    parallel: list[Run] = field(default_factory=list)     # the default
    bios: list[Run] = field(default_factory=list)         # the default, --setup bios

    def failed(self) -> list[str]:
        """The tests that were not OK in some run."""
        return sorted({e['name'] for _, log in self.serial + self.parallel + self.bios
                       for e in log if e['result'] not in MESON_OK})

    def longest(self) -> tuple[str, float]:
        """The longest test of the serial runs, and its time."""
        top = max((e for _, log in self.serial for e in log), key=lambda e: e['duration'],
                  default=None)
        return (top['name'], top['duration']) if top and top['duration'] > 0 else ('', 0.0)

    def replays(self, longest_first: bool = False) -> list[float]:
        """Each serial run's test times replayed on jobs slots, in the order
        meson started them or longest first."""
        times = [[e['duration'] for e in log] for _, log in self.serial]
        return [makespan(sorted(t, reverse=True) if longest_first else t, int(self.jobs))
                for t in times]

    def notes(self) -> tuple[str, str]:
        """The notes of the serial run and of the replayed order."""
        name, seconds = self.longest()
        tests = len(self.parallel[-1][1]) if self.parallel else 0
        note = (f'{tests} tests; the longest, {name}, takes {seconds:.1f} s alone, '
                'a floor under any parallel run')
        if self.failed():
            note += f'; not OK in some run: {", ".join(self.failed())}'
        order_note = (f'the serial test times replayed on {self.jobs} slots in the order '
                      f'meson starts them; longest first would take '
                      f'{fmt_value(statistics.median(self.replays(True)), "s")}')
        return note, order_note

    def figures(self) -> list[Figure]:
        """The suite's rows."""
        serial, parallel = [s for s, _ in self.serial], [s for s, _ in self.parallel]
        ideal = [sum(e['duration'] for e in log) / self.cores for _, log in self.serial]
        ratio = paired(parallel, ideal, lambda a, b: a / b)
        note, order_note = self.notes()
        return [
            Figure('suite_serial', 'meson test, whole suite, --num-processes 1', 's',
                   serial, note=note),
            Figure('suite_parallel', f'meson test, whole suite, default setup (PVH), '
                   f'{self.jobs} processes', 's', parallel,
                   f'≤ {TARGET_SUITE_S:.1f} s (half of {SUITE_BEFORE_S:.0f} s)',
                   at_most(parallel, TARGET_SUITE_S)),
            Figure('suite_bios', f'meson test --setup bios, whole suite, {self.jobs} processes',
                   's', [s for s, _ in self.bios]),
            Figure('suite_ideal', 'sum of the test times (at --num-processes 1) ÷ '
                   f'{self.cores} cores', 's', ideal),
            Figure('suite_ratio', 'parallel ÷ (sum of test times ÷ cores)', 'x', ratio,
                   f'≤ {TARGET_SUITE_RATIO}×', statistics.median(ratio) <= TARGET_SUITE_RATIO),
            Figure('suite_replay', f'best case of meson\'s test order on {self.jobs} '
                   'processes (no contention)', 's', self.replays(), note=order_note),
        ]


def suite_figures(meson: str, build: Build, reps: int) -> list[Figure]:
    """meson test wall time, serial and parallel, against sum of test times / cores."""
    cores = os.cpu_count() or 1
    runs = SuiteRuns(cores, test_jobs(cores))
    for rep in range(reps):
        progress(f'meson test --num-processes 1, repetition {rep + 1} of {reps}')
        runs.serial.append(meson_test(meson, build, ['--num-processes', '1'], 'bench-serial'))
        progress(f'meson test (default: {runs.jobs} processes), repetition {rep + 1} of {reps}')
        runs.parallel.append(meson_test(meson, build, [], 'bench-parallel'))
        progress(f'meson test --setup bios, repetition {rep + 1} of {reps}')
        runs.bios.append(meson_test(meson, build, ['--setup', 'bios'], 'bench-bios'))
    return runs.figures()
