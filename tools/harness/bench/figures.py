"""Figures: a measured quantity's samples, its formatting, and the figures
derived from the floor and the bench images (ktest's cost per case, serial
throughput), with the project's targets."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable, Optional

from .timing import Image, seconds_of

# The project's targets for the loop (benchmarks, never tests).
TARGET_FLOOR_RATIO = 1.5
TARGET_CASES_S = 0.100
TARGET_SUITE_RATIO = 1.25
TARGET_REBUILD_S = 2.0
TARGET_PVH_RATIO = 0.5      # trivial_1 and basic_boot through the harness, PVH, ÷ SeaBIOS floor
TARGET_OVERHEAD_S = 0.100   # a unit image through the harness, above its own test work
TARGET_START_S = 0.025      # the harness's Python, from its start until QEMU starts
TARGET_FRESH_CASE_S = 0.020     # per case under --fresh-boot
SUITE_BEFORE_S = 45.0       # meson test, whole suite, 2 processes, before PVH boots
TARGET_SUITE_S = SUITE_BEFORE_S / 2
# A rate is bytes over a time difference between two boots; below this the
# difference is noise, and the rate would be meaningless (or negative).
MIN_RATE_TIME_S = 0.010
EXTRA_CASES = 999           # trivial_1000 has this many cases more than trivial_1


@dataclass
class Figure:
    """One measured figure: its samples and, for the project's targets, the verdict."""

    key: str
    label: str
    unit: str                       # 's', 'x', 'B/s' or 'B'
    samples: list[float]
    target: str = ''
    met: Optional[bool] = None
    note: str = ''

    @property
    def min(self) -> Optional[float]:
        """Smallest sample (None without samples)."""
        return min(self.samples) if self.samples else None

    @property
    def median(self) -> Optional[float]:
        """Median sample (None without samples)."""
        return statistics.median(self.samples) if self.samples else None

    @property
    def max(self) -> Optional[float]:
        """Largest sample (None without samples)."""
        return max(self.samples) if self.samples else None


def fmt_value(value: Optional[float], unit: str) -> str:
    """A value for the table, in the unit a reader expects ('n/a' for None)."""
    if value is None:
        return 'n/a'
    if unit == 'x':
        return f'{value:.2f}×'
    if unit == 'B/s':
        return f'{value / 1024:.0f} KiB/s'
    if unit == 'B':
        return f'{value:.0f} B'
    size = abs(value)
    if size >= 10:
        return f'{value:.1f} s'
    if size >= 0.01:
        return f'{value * 1000:.0f} ms'
    return f'{value * 1000:.2f} ms'


def at_most(samples: list[float], target: float) -> Optional[bool]:
    """Whether the median of samples is at most target (None without samples)."""
    return statistics.median(samples) <= target if samples else None


def verdict(met: Optional[bool]) -> str:
    """The 'met' column."""
    return '' if met is None else ('yes' if met else '**no**')


def paired(a: list[float], b: list[float], op: Callable[[float, float], float]) -> list[float]:
    """op over samples taken in the same repetition."""
    return [op(x, y) for x, y in zip(a, b)]


def minus(a: list[float], b: list[float]) -> list[float]:
    """a − b, repetition by repetition."""
    return paired(a, b, lambda x, y: x - y)


def rates(sizes: list[float], times: list[float]) -> tuple[list[float], str]:
    """Bytes per second for each repetition whose time is above the noise
    (MIN_RATE_TIME_S), and a note on how many were left out."""
    kept = [s / t for s, t in zip(sizes, times) if t >= MIN_RATE_TIME_S]
    left = len(sizes) - len(kept)
    if not left:
        return kept, ''
    note = (f'{left} of {len(sizes)} repetitions left out: their time difference was under '
            f'{MIN_RATE_TIME_S * 1000:.0f} ms, within the noise')
    return kept, note


def floor_figures(floor: Image) -> list[Figure]:
    """The floor row."""
    return [Figure('floor', 'SeaBIOS floor: 512-byte boot sector to isa-debug-exit, QEMU alone',
                   's', seconds_of(floor))]


def minimal_figures(floor: Image, one: Image) -> list[Figure]:
    """The minimal image alone, against the floor, and through the harness."""
    t1 = seconds_of(one)
    ratio = paired(t1, seconds_of(floor), lambda a, b: a / b)
    return [
        Figure('minimal_image', 'minimal test image (trivial_1: one empty case), QEMU alone',
               's', t1),
        Figure('minimal_image_ratio', 'minimal test image ÷ floor', 'x', ratio,
               f'≤ {TARGET_FLOOR_RATIO}×', statistics.median(ratio) <= TARGET_FLOOR_RATIO),
        Figure('harness_overhead', 'run_qemu.py --test --tap on trivial_1, minus QEMU alone',
               's', minus(one.harness, t1)),
    ]


def per_case_figures(one: Image, many: Image) -> list[Figure]:
    """The extra cases of trivial_1000, QEMU alone and through run_qemu.py."""
    alone = minus(seconds_of(many), seconds_of(one))
    through = minus(many.harness, one.harness)
    target = f'< {TARGET_CASES_S * 1000:.0f} ms'
    return [
        Figure('cases_1000_alone', '1000 trivial cases minus 1 (trivial_1000 − trivial_1), '
               'QEMU alone', 's', alone, target, statistics.median(alone) < TARGET_CASES_S),
        Figure('cases_1000_harness', '1000 trivial cases minus 1, through run_qemu.py', 's',
               through, target, statistics.median(through) < TARGET_CASES_S),
        Figure('per_case', 'per case, through run_qemu.py ((trivial_1000 − trivial_1) ÷ 999)',
               's', [d / EXTRA_CASES for d in through]),
    ]


def serial_figures(floor: Image, one: Image, many: Image) -> list[Figure]:
    """trivial_1000's serial output, and how fast it goes QEMU alone and
    through run_qemu.py."""
    size = [float(len(b.output)) for b in many.boots]
    rate, rate_note = rates(size, minus(seconds_of(many), seconds_of(floor)))
    extra = minus(size, [float(len(b.output)) for b in one.boots])
    rate_harness, harness_note = rates(extra, minus(many.harness, one.harness))
    cases = many.boots[-1].results
    return [
        Figure('serial_bytes', f'serial output of trivial_1000 ({cases} case results)',
               'B', size),
        Figure('serial_rate_alone', 'serial throughput: trivial_1000 bytes ÷ its time above '
               'the floor, QEMU alone', 'B/s', rate, note=rate_note),
        Figure('serial_rate_harness', 'serial throughput as run_qemu.py consumes it: the '
               '999 extra cases\' bytes ÷ their time, through run_qemu.py', 'B/s',
               rate_harness, note=harness_note),
    ]


def case_figures(floor: Image, one: Image, many: Image) -> list[Figure]:
    """The minimal image against the floor, ktest's cost per case and serial throughput."""
    return (minimal_figures(floor, one) + per_case_figures(one, many)
            + serial_figures(floor, one, many))
