"""Figures of the ways in, each with its target: the PVH floors against the
SeaBIOS floor, the harness's start, the test images through the harness
booted PVH and BIOS (against the SeaBIOS floor, and above their own test
work), and --fresh-boot per case; and the per-image table."""

from __future__ import annotations

import statistics
from typing import Optional

from .figures import (TARGET_FRESH_CASE_S, TARGET_OVERHEAD_S, TARGET_PVH_RATIO,
                      TARGET_START_S, Figure, at_most, fmt_value, minus, paired)
from .fresh import FRESH_IMAGE, FreshRun
from .start import StartRuns
from .through import WAYS, HarnessImage, Way
from .timing import Image, seconds_of

WAY_NAMES = {'pvh': 'PVH', 'bios': 'BIOS'}
PVH_TARGET_IMAGES = ('trivial_1', 'basic_boot')
THROUGH_HEADING = '### Each test image through the harness, booted PVH and BIOS'
THROUGH_INTRO = ('As `meson test` runs it (`python3 -S run_qemu.py ... --tap`, the command and '
                 'environment of `meson introspect --tests`, KTEST_BOOT of the default setup '
                 '`pvh` or of `--setup bios`), from the harness\'s start to its exit, '
                 'min / median / max. "Test work" is the sum of the cases\' durations in the '
                 'run\'s JSON report; "÷ floor" is the median ratio to the SeaBIOS floor, '
                 'booted (QEMU alone) right before each pair of runs.')


def pvh_floor_figures(floor: Image, pvh_floors: list[Image]) -> list[Figure]:
    """Each PVH floor, and its ratio to the SeaBIOS floor, repetition by repetition."""
    figures = []
    for image in pvh_floors:
        samples = seconds_of(image)
        figures += [
            Figure('pvh_floor', f'{image.name}: PVH ELF that only exits, QEMU alone', 's',
                   samples),
            Figure('pvh_floor_ratio', f'{image.name} ÷ SeaBIOS floor', 'x',
                   paired(samples, seconds_of(floor), lambda a, b: a / b)),
        ]
    return figures


def start_figures(runs: StartRuns) -> list[Figure]:
    """The harness's start, Python's floor and the difference."""
    return [
        Figure('python_floor', "Python's floor: python3 -S starting a program at once", 's',
               runs.floor),
        Figure('harness_start', 'harness start: run_qemu.py --test --tap --boot pvh, from its '
               'start until it starts QEMU (a stand-in)', 's', runs.harness,
               f'≤ {TARGET_START_S * 1000:.0f} ms', at_most(runs.harness, TARGET_START_S)),
        Figure('harness_own', "the harness's own part (harness start − Python's floor)", 's',
               minus(runs.harness, runs.floor)),
    ]


def pvh_target_figures(through: list[HarnessImage]) -> list[Figure]:
    """trivial_1 and basic_boot through the harness each way, and their
    ratio to the SeaBIOS floor (the target is PVH's)."""
    figures = []
    target = f'≤ {TARGET_PVH_RATIO}×'
    for image in (i for i in through if i.name in PVH_TARGET_IMAGES):
        for way in WAYS:
            runs, name = image.ways[way], WAY_NAMES[way]
            ratio = runs.ratio()
            figures += [
                Figure(f'through_{way}', f'{image.name} through the harness, {name}, start to '
                       'exit', 's', runs.seconds),
                Figure(f'through_{way}_ratio', f'{image.name} through the harness, {name} ÷ '
                       'SeaBIOS floor', 'x', ratio, target if way == 'pvh' else '',
                       at_most(ratio, TARGET_PVH_RATIO) if way == 'pvh' else None),
            ]
        figures.append(Figure('through_pvh_boot_ratio', f'{image.name} through the harness, '
                              'PVH, minus its test work, ÷ SeaBIOS floor', 'x',
                              image.ways['pvh'].overhead_ratio()))
    return figures


def overhead_figure(unit: list[HarnessImage], way: str) -> Figure:
    """The unit image furthest above its test work, one way; the target
    (PVH, meson's default) holds when every unit image is within it."""
    medians = {i.name: statistics.median(i.ways[way].overhead())
               for i in unit if i.ways[way].seconds}
    if not medians:
        return Figure(f'overhead_{way}', f'unit images through the harness, {WAY_NAMES[way]}: '
                      'start to exit − test work', 's', [], note='no run completed')
    worst = max(medians, key=lambda name: medians[name])
    over = [f'{n} ({fmt_value(m, "s")})' for n, m in sorted(medians.items(),
                                                            key=lambda item: -item[1])
            if m > TARGET_OVERHEAD_S]
    note = (f'{len(medians) - len(over)} of {len(unit)} unit images within '
            f'{TARGET_OVERHEAD_S * 1000:.0f} ms of their test work'
            + (f'; above: {", ".join(over)}' if over else ''))
    pvh = way == 'pvh'
    return Figure(f'overhead_{way}', f'unit images through the harness, {WAY_NAMES[way]}: '
                  f'start to exit − test work, the furthest ({worst})', 's',
                  next(i for i in unit if i.name == worst).ways[way].overhead(),
                  f'≤ {TARGET_OVERHEAD_S * 1000:.0f} ms, each' if pvh else '',
                  (not over and len(medians) == len(unit)) if pvh else None, note)


def through_figures(through: list[HarnessImage]) -> list[Figure]:
    """The targets of the images through the harness."""
    unit = [i for i in through if i.suite == 'unit']
    return (pvh_target_figures(through)
            + [overhead_figure(unit, way) for way in WAYS if unit])


def fresh_figures(runs: list[FreshRun]) -> list[Figure]:
    """--fresh-boot per case, each way the harness offers."""
    target = f'≤ {TARGET_FRESH_CASE_S * 1000:.0f} ms'
    return [Figure('fresh', f'{FRESH_IMAGE} under {run.label}: wall time ÷ cases', 's',
                   run.per_case, target, at_most(run.per_case, TARGET_FRESH_CASE_S),
                   f'{run.cases} cases a run' + (f'; failed: {run.problem}' if run.problem
                                                 else ''))
            for run in runs]


def spread(samples: list[float], unit: str = 's') -> str:
    """min / median / max of samples, or blank."""
    if not samples:
        return ''
    return ' / '.join(fmt_value(v, unit) for v in (min(samples), statistics.median(samples),
                                                   max(samples)))


def way_cells(runs: Way) -> list[str]:
    """One way's cells of an image's row: times, ratio to the floor, above the work."""
    ratio = runs.ratio()
    return [spread(runs.seconds),
            fmt_value(statistics.median(ratio), 'x') if ratio else '',
            fmt_value(statistics.median(runs.overhead()), 's') if runs.seconds else '']


def work_cell(image: HarnessImage) -> Optional[float]:
    """The image's median test work (PVH's runs, else BIOS's)."""
    work = image.ways['pvh'].work or image.ways['bios'].work
    return statistics.median(work) if work else None


def way_problems(name: str, way: str, runs: Way) -> list[str]:
    """The notes under the table for one image one way."""
    notes = [f'- {name}, {WAY_NAMES[way]}: {problem}' for problem in runs.problems]
    fast = runs.clock_fast()
    if fast:
        notes.append(f'- {name}, {WAY_NAMES[way]}: its cases\' durations add up to more than '
                     f'the run\'s wall time in {fast} of {len(runs.seconds)} runs (the kernel '
                     'calibrates its TSC against the PIT over 2 ms, which a loaded host can '
                     'throw off)')
    return notes


def through_table(through: list[HarnessImage]) -> list[str]:
    """Each image through the harness, both ways, and what went wrong."""
    lines = ['| image | suite | cases | test work | PVH | ÷ floor | PVH − work | BIOS '
             '| ÷ floor | BIOS − work |',
             '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|']
    problems = []
    for image in through:
        cases = max(runs.cases for runs in image.ways.values())
        work = work_cell(image)
        cells = [image.name, image.suite, str(cases), '' if work is None else fmt_value(work, 's')]
        for way in WAYS:
            cells += way_cells(image.ways[way])
            problems += way_problems(image.name, way, image.ways[way])
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines + ([''] + problems if problems else [])


IMPORTS_HEADING = "### The harness's imports before it starts QEMU"
IMPORTS_INTRO = ('`python3 -S -X importtime run_qemu.py ... --boot pvh` with the stand-in for '
                 'QEMU: the modules imported before QEMU starts, by their own import time '
                 '(medians; -X importtime itself slows imports down).')


def imports_table(runs: StartRuns, count: int = 10) -> list[str]:
    """The modules of the largest own import time before QEMU starts."""
    top = runs.top_imports(count)
    total = runs.total_us
    lines = ['| module | own | with what it imports |', '|---|---:|---:|']
    lines += [f'| {name} | {fmt_value(own / 1e6, "s")} | {fmt_value(cumulative / 1e6, "s")} |'
              for name, own, cumulative in top]
    if total:
        lines.append(f'| all modules imported before QEMU starts | '
                     f'{fmt_value(statistics.median(total) / 1e6, "s")} | |')
    return lines
