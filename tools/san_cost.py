#!/usr/bin/env python3
"""What the kernel sanitizers cost the unit suite: `meson test --suite unit`
in a build directory whose test images carry KASAN and UBSan and in one
configured with -Dkasan=false -Dubsan=false, alternately, several times.
Prints the medians of the suite's wall time and of the sum of the unit
images' boot-to-verdict durations (meson's testlog.json), as the table in
docs/performance.md ("Kernel sanitizers").

Usage: tools/san_cost.py --with build --without build-nosan [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def run_suite(build: Path) -> tuple[float, dict[str, float]]:
    """One `meson test --suite unit` run: its wall time and each image's
    duration in seconds."""
    start = time.monotonic()
    proc = subprocess.run(['meson', 'test', '-C', str(build), '--no-rebuild', '--suite', 'unit'],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f'meson test in {build} failed (status {proc.returncode}): '
                           f'{proc.stderr.strip()[-300:]}')
    durations = {}
    with open(build / 'meson-logs' / 'testlog.json', encoding='utf-8') as log:
        for line in log:
            test = json.loads(line)
            durations[test['name']] = test['duration']
    return wall, durations


def medians(runs: list[tuple[float, dict[str, float]]], names: set[str]) -> tuple[float, float]:
    """Median wall time and median sum of the named images' durations."""
    walls = [wall for wall, _ in runs]
    sums = [sum(durations[name] for name in names) for _, durations in runs]
    return statistics.median(walls), statistics.median(sums)


def measure(builds: dict[str, Path], count: int) -> dict[str, list]:
    """Run the suite count times in each build, alternating."""
    runs: dict[str, list] = {label: [] for label in builds}
    for i in range(count):
        for label, build in builds.items():
            runs[label].append(run_suite(build))
            print(f'run {i + 1}/{count} {label}: {runs[label][-1][0]:.1f} s', file=sys.stderr)
    return runs


def report(runs: dict[str, list]) -> None:
    """Print the table: medians, and the ratio of with to without."""
    names = set.intersection(*(set(durations) for label in runs
                               for _, durations in runs[label]))
    figures = {label: medians(found, names) for label, found in runs.items()}
    (wall_on, sum_on), (wall_off, sum_off) = figures['with'], figures['without']
    count = len(runs['with'])
    print(f'| unit suite ({len(names)} images, median of {count} runs) '
          '| sanitizers off | KASAN + UBSan | ratio |')
    print('|---|---|---|---|')
    print(f'| wall time of `meson test --suite unit` | {wall_off:.1f} s | {wall_on:.1f} s '
          f'| {wall_on / wall_off:.2f}x |')
    print(f'| sum of the images\' durations | {sum_off:.1f} s | {sum_on:.1f} s '
          f'| {sum_on / sum_off:.2f}x |')


def main() -> int:
    """Entry point; exit 0, or 1 with one line on stderr."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--with', dest='on', type=Path, required=True,
                        help='build directory whose test images carry the sanitizers')
    parser.add_argument('--without', dest='off', type=Path, required=True,
                        help='build directory configured -Dkasan=false -Dubsan=false')
    parser.add_argument('--runs', type=int, default=5, help='runs per build (default 5)')
    args = parser.parse_args()
    for build in (args.on, args.off):
        if not (build / 'build.ninja').exists():
            print(f'san_cost.py: {build} is not a meson build directory', file=sys.stderr)
            return 1
    if args.runs < 1:
        print('san_cost.py: --runs must be at least 1', file=sys.stderr)
        return 1
    try:
        report(measure({'with': args.on, 'without': args.off}, args.runs))
    except (RuntimeError, OSError) as err:
        print(f'san_cost.py: {err}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
