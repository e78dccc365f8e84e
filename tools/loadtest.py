#!/usr/bin/env python3
"""loadtest.py: run the whole test suite several times while other
processes keep the CPUs busy, and report every failure: the check that a
suite holds on a loaded CI runner.

    tools/loadtest.py -C build                 # 5 runs beside 2 busy loops
    tools/loadtest.py -C build --runs 3 --load 4 -- --suite unit

Each run is `meson test -C BUILD --no-rebuild [MESON_ARGS]`; the log of a
run with a failure is kept as meson-logs/loadtest-N.json. Exit status: 0
when every run passed, 1 when one failed, 2 for a usage error. Standard
library only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from typing import Optional

PROG = 'loadtest.py'
BUSY_LOOP = 'while True:\n    pass\n'
BAD = ('FAIL', 'ERROR', 'TIMEOUT', 'UNEXPECTEDPASS', 'INTERRUPT')


def positive(text: str) -> int:
    """Parse a whole number >= 1 (argparse type)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f'expected a whole number >= 1, got {text!r}')
    return int(text)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The options; what follows -- goes to meson test."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-C', dest='build', required=True, help='the meson build directory')
    parser.add_argument('--runs', type=positive, default=5, help='runs of the suite (5)')
    parser.add_argument('--load', type=int, default=2, metavar='N',
                        help='busy processes beside the suite (2; 0 for none)')
    parser.add_argument('meson_args', nargs='*', help='after --: arguments for meson test')
    args = parser.parse_args(argv)
    if args.load < 0:
        parser.error('--load must be 0 or more')
    if not os.path.isfile(os.path.join(args.build, 'meson-private', 'coredata.dat')):
        parser.error(f'{args.build} is not a configured meson build directory')
    return args


def failures(build: str) -> list[str]:
    """The tests the last `meson test` did not pass, from its JSON log."""
    path = os.path.join(build, 'meson-logs', 'testlog.json')
    bad = []
    with open(path, encoding='utf-8') as log:
        for line in log:
            entry = json.loads(line)
            if entry['result'] in BAD:
                bad.append(f'{entry["name"]} {entry["result"]}')
    return bad


def one_run(args: argparse.Namespace, number: int) -> list[str]:
    """One run of the suite; the tests that did not pass."""
    meson = shutil.which('meson') or 'meson'
    start = time.monotonic()
    proc = subprocess.run([meson, 'test', '-C', args.build, '--no-rebuild'] +
                          args.meson_args, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    bad = failures(args.build)
    if proc.returncode and not bad:
        bad = [f'meson test exited with status {proc.returncode}']
    seconds = time.monotonic() - start
    print(f'run {number}: {seconds:.1f} s, ' +
          (f'{len(bad)} failed: {", ".join(bad)}' if bad else 'all passed'), flush=True)
    if bad:
        shutil.copy(os.path.join(args.build, 'meson-logs', 'testlog.json'),
                    os.path.join(args.build, 'meson-logs', f'loadtest-{number}.json'))
    return bad


def start_load(count: int) -> list[subprocess.Popen]:
    """count CPU-bound processes."""
    return [subprocess.Popen([sys.executable, '-c', BUSY_LOOP]) for _ in range(count)]


def main(argv: Optional[list[str]] = None) -> int:
    """Run the suite args.runs times under load; report every failure."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(f'{args.runs} runs of meson test beside {args.load} busy processes '
          f'on {os.cpu_count()} CPUs', flush=True)
    load = start_load(args.load)
    try:
        bad = [one_run(args, n) for n in range(1, args.runs + 1)]
    except KeyboardInterrupt:
        return 130
    finally:
        for proc in load:
            proc.kill()
            proc.wait()
    failed = sum(1 for run in bad if run)
    print(f'{args.runs - failed} of {args.runs} runs passed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
