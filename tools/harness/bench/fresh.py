"""Fresh boots: `run_qemu.py --fresh-boot` on trivial_100 (a hundred empty
cases), every case from a restored snapshot against a boot per case, each
way to boot (--boot pvh and bios), as a user waits for it: from starting
run_qemu.py to its exit. A plain run of the same image (all cases in one
boot) is timed in the same repetition, for what the fresh machines add."""

from __future__ import annotations

import os
import statistics

from .build import Build, run_checked
from .common import progress
from .figures import Figure, minus
from .images import bench_args
from .timing import time_harness

FRESH_IMAGE = 'trivial_100'
FRESH_CASES = 100
FRESH_BOOTS = ('pvh', 'bios')
TARGET_FRESH_CASE_S = 0.020     # issue 12: --fresh-boot, per case, at most


def per_case(samples: list[float]) -> list[float]:
    """Seconds per case of whole runs of FRESH_IMAGE."""
    return [s / FRESH_CASES for s in samples]


def fresh_rounds(build: Build, boot: str, reps: int) -> dict[str, list[float]]:
    """Wall times of the three runs, round-robin, reps times: plain, snapshot, boot."""
    cmd = [build.python, build.run_qemu] + bench_args(build, FRESH_IMAGE) + ['--boot', boot]
    ways = {'plain': [], 'snapshot': ['--fresh-boot=snapshot'], 'boot': ['--fresh-boot=boot']}
    times: dict[str, list[float]] = {way: [] for way in ways}
    for rep in range(reps):
        progress(f'fresh boots ({boot}), repetition {rep + 1} of {reps}')
        for way, extra in ways.items():
            times[way].append(time_harness(cmd + extra, build.dir, dict(os.environ)))
    return times


def boot_figures(boot: str, times: dict[str, list[float]]) -> list[Figure]:
    """The figures of one way to boot."""
    snapshot = per_case(times['snapshot'])
    met = statistics.median(snapshot) <= TARGET_FRESH_CASE_S
    where = f'{FRESH_IMAGE}, --boot {boot}'
    return [
        Figure(f'fresh_{boot}_plain', f'{where}: plain run (every case in one boot)', 's',
               times['plain']),
        Figure(f'fresh_{boot}_snapshot_case', f'{where}: --fresh-boot=snapshot, per case '
               f'(whole run ÷ {FRESH_CASES})', 's', snapshot,
               f'≤ {TARGET_FRESH_CASE_S * 1000:.0f} ms', met),
        Figure(f'fresh_{boot}_snapshot_extra', f'{where}: --fresh-boot=snapshot minus the '
               f'plain run, per case', 's', per_case(minus(times['snapshot'], times['plain']))),
        Figure(f'fresh_{boot}_boot_case', f'{where}: --fresh-boot=boot, per case (whole run '
               f'÷ {FRESH_CASES})', 's', per_case(times['boot'])),
        Figure(f'fresh_{boot}_ratio', f'{where}: --fresh-boot=boot ÷ --fresh-boot=snapshot',
               'x', [b / s for b, s in zip(times['boot'], times['snapshot'])]),
    ]


def fresh_figures(ninja: str, build: Build, reps: int) -> list[Figure]:
    """Build FRESH_IMAGE (built on demand only), then time it both ways
    under each way to boot."""
    run_checked([ninja, '-C', build.dir, f'ktest/{FRESH_IMAGE}_test.img',
                 f'ktest/{FRESH_IMAGE}_test.elf'], f'building ktest/{FRESH_IMAGE}')
    figures: list[Figure] = []
    for boot in FRESH_BOOTS:
        figures += boot_figures(boot, fresh_rounds(build, boot, reps))
    return figures
