#!/usr/bin/env python3
"""Coverage counts exactly what ran: the coverage_count image
(ktest/coverage/count.c) is run through run_qemu.py --coverage in every way
a run can end, and after each run the merged .gcda must hold exactly the
calls the selected cases make, as the build's gcov tool reads them: a dump
lost or merged twice, a run's counters not added to the last run's, or two
parallel runs losing one's update all fail. The kernel function the cases
call is checked per case (--coverage-per-case), where no other image adds
to it. Prints TAP for meson's `harness` suite; a skip in builds without
-Db_coverage=true.

Usage: test_coverage.py RUN_QEMU IMAGE --gcov 'TOOL [ARGS]' [-- run_qemu options]
       test_coverage.py --skip REASON
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / 'ktest' / 'coverage' / 'count.c'
CALLS = {m.group(1): int(m.group(2)) for m in
         re.finditer(r'#define CALLS_([A-Z]+)\s+(\d+)', SOURCE.read_text())}
CASE = {'PASSES': 'coverage.passes', 'FAILS': 'coverage.fails',
        'BREAKS': 'coverage.breaks_the_machine'}
FUNCTION_RE = re.compile(r'^function (\S+) called (\d+) ', re.M)
RUNS_RE = re.compile(r'^\s*-:\s*0:Runs:(\d+)$', re.M)


class Setup:
    """What every check needs: how to run the image and read counts."""

    def __init__(self, argv: list[str]) -> None:
        options = argv[argv.index('--') + 1:] if '--' in argv else []
        argv = argv[:argv.index('--')] if '--' in argv else argv
        self.run_qemu, self.image = argv[0], os.path.abspath(argv[1])
        self.gcov = shlex.split(argv[argv.index('--gcov') + 1])
        self.options = options
        stem = os.path.splitext(os.path.basename(self.image))[0]
        found = glob.glob(os.path.join(os.path.dirname(self.image), stem + '.elf.p',
                                       '*count.c.gcno'))
        if len(found) != 1:
            raise SystemExit(f'Bail out! no .gcno of count.c beside {self.image}')
        self.gcda = found[0][:-len('.gcno')] + '.gcda'
        self.root = os.path.dirname(self.image)
        while not os.path.isdir(os.path.join(self.root, 'meson-private')):
            if self.root == os.path.dirname(self.root):
                raise SystemExit(f'Bail out! {self.image} is not in a meson build directory')
            self.root = os.path.dirname(self.root)
        self.tmp = tempfile.mkdtemp(prefix='ktest-coverage-test-')

    def start(self, *args: str) -> subprocess.Popen:
        """Start one run of the image with --coverage and args."""
        return subprocess.Popen([sys.executable, self.run_qemu, self.image, '--coverage',
                                 *args, *self.options], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def run(self, *args: str) -> tuple[int, str]:
        """One run: its exit status and output."""
        proc = self.start(*args)
        out = proc.communicate()[0]
        return proc.returncode, out

    def counts(self, gcda: str) -> tuple[dict[str, int], int | None]:
        """(calls per function, runs) of a .gcda, as the gcov tool says it
        on stdout (-t), run where the compiler ran (the source paths in the
        .gcno are relative to it)."""
        text = subprocess.run(self.gcov + ['-t', '-b', '-o', gcda, 'count'], cwd=self.root,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, errors='replace', check=False).stdout
        calls = {name: int(n) for name, n in FUNCTION_RE.findall(text)}
        found = RUNS_RE.search(text)
        return calls, int(found.group(1)) if found else None


def expect(setup: Setup, gcda: str, function: str, calls: int, runs: int) -> str:
    """'' if the .gcda says function was called calls times over runs runs."""
    got, got_runs = setup.counts(gcda)
    if (got.get(function), got_runs) != (calls, runs):
        return (f'{os.path.basename(gcda)}: {function} called {got.get(function)} times '
                f'over {got_runs} runs, expected {calls} over {runs}')
    return ''


def ran(setup: Setup, status: int, out: str, want: int) -> str:
    """'' if a run ended with status want; else why not, with its output."""
    return '' if status == want else f'exit status {status}, expected {want}\n{out}'


def filter_of(*keys: str) -> str:
    """--filter selecting the cases of keys."""
    return '--filter=' + ','.join(CASE[k] for k in keys)


def check_pass(setup: Setup) -> str:
    """A run that passes: its counts, from nothing."""
    return (ran(setup, *setup.run(filter_of('PASSES')), 0) or
            expect(setup, setup.gcda, 'counted', CALLS['PASSES'], 1))


def check_fail(setup: Setup) -> str:
    """A run that fails: added to the first run's, not replacing them."""
    total = 2 * CALLS['PASSES'] + CALLS['FAILS']
    return (ran(setup, *setup.run(filter_of('PASSES', 'FAILS')), 1) or
            expect(setup, setup.gcda, 'counted', total, 2))


def check_restart(setup: Setup) -> str:
    """The restart exit's dump, then the second boot's: two more runs."""
    total = 3 * CALLS['PASSES'] + CALLS['FAILS'] + CALLS['BREAKS']
    return (ran(setup, *setup.run(filter_of('BREAKS', 'PASSES')), 1) or
            expect(setup, setup.gcda, 'counted', total, 4))


def check_error(setup: Setup) -> str:
    """A run error (a bad ktest word) still dumps: one more run, no calls."""
    total = 3 * CALLS['PASSES'] + CALLS['FAILS'] + CALLS['BREAKS']
    return (ran(setup, *setup.run(filter_of('PASSES'), '--cmdline', 'ktest.bogus=1'), 99) or
            expect(setup, setup.gcda, 'counted', total, 5))


def check_parallel(setup: Setup) -> str:
    """Two runs at once: both merged, neither lost."""
    total = 5 * CALLS['PASSES'] + CALLS['FAILS'] + CALLS['BREAKS']
    procs = [setup.start(filter_of('PASSES')) for _ in range(2)]
    problems = [ran(setup, p.returncode, out, 0)
                for p, out in ((p, p.communicate()[0]) for p in procs)]
    return ''.join(problems) or expect(setup, setup.gcda, 'counted', total, 7)


def check_per_case(setup: Setup) -> str:
    """--coverage-per-case: each case's own calls of the kernel function."""
    top = os.path.join(setup.tmp, 'cases')
    status, out = setup.run(filter_of('PASSES', 'FAILS'), '--coverage-per-case', top)
    problem = ran(setup, status, out, 1)
    for key in ('PASSES', 'FAILS'):
        trees = glob.glob(os.path.join(top, '*', CASE[key], '**', '*x86_64_pic.c.gcda'),
                          recursive=True)
        if len(trees) != 1:
            problem += f'{CASE[key]}: {len(trees)} pic.c.gcda in its tree, expected 1\n'
            continue
        problem += expect(setup, trees[0], 'pic_spurious_count', CALLS[key], 1)
    return problem


CHECKS = [('a passing run is counted exactly', check_pass),
          ('a failing run is added to the last one', check_fail),
          ('the restart exit and the boot after it are both counted', check_restart),
          ('a run error still hands its counters over', check_error),
          ('two parallel runs are both merged', check_parallel),
          ('--coverage-per-case counts a kernel function per case', check_per_case)]


def main(argv: list[str]) -> int:
    """TAP for meson; the checks build on each other's counts, in order."""
    if argv[:1] == ['--skip']:
        print(f'1..0 # SKIP {" ".join(argv[1:])}')
        return 0
    setup = Setup(argv)
    if os.path.exists(setup.gcda):
        os.unlink(setup.gcda)
    print(f'TAP version 13\n1..{len(CHECKS)}')
    for number, (name, check) in enumerate(CHECKS, 1):
        problem = check(setup)
        print(f'{"not ok" if problem else "ok"} {number} {name}')
        for line in problem.splitlines()[-30:]:
            print(f'# {line}')
        sys.stdout.flush()
    shutil.rmtree(setup.tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
