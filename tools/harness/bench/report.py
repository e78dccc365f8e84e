"""The report: the markdown section (machine, figures, per-image boots,
variants) and the same figures as JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from typing import Optional

from .. import protocol as P
from .doc import DOC_HEADING
from .figures import Figure, fmt_value, verdict
from .start import StartRuns
from .through import HarnessImage
from .timing import Image, seconds_of
from .ways import (IMPORTS_HEADING, IMPORTS_INTRO, THROUGH_HEADING, THROUGH_INTRO,
                   imports_table, through_table)

IMAGES_HEADING = '### Boot to exit of each test image, QEMU alone'
IMAGES_INTRO = ('The exact QEMU command `run_qemu.py --test --dry-run` gives for the image; '
                '"to first byte" is from starting QEMU to the first byte on COM1 (firmware, '
                'loader, kernel start), "after last byte" from the last byte to QEMU\'s exit.')
VARIANTS_HEADING = '### Variants: one QEMU option changed at a time'
QEMU_PASSED = P.qemu_status(P.EXIT_PASS)


@dataclass
class Results:
    """Everything one run measured, for the report and for --json."""

    info: dict[str, object]         # the machine (machine.machine_info)
    settings: dict[str, object]     # command, repetitions, skipped sections
    main: list[Figure]
    floor: Optional[Image]
    images: list[Image]
    variants: list[Figure]
    through: list[HarnessImage] = field(default_factory=list)
    start: Optional[StartRuns] = None       # with --variants: the imports


def table(figures: list[Figure]) -> list[str]:
    """A markdown table of figures."""
    lines = ['| figure | min | median | max | target | met |',
             '|---|---:|---:|---:|---|---|']
    for f in figures:
        lines.append(f'| {f.label} | {fmt_value(f.min, f.unit)} | {fmt_value(f.median, f.unit)} '
                     f'| {fmt_value(f.max, f.unit)} | {f.target} | {verdict(f.met)} |')
    notes = [f'- {f.label}: {f.note}' for f in figures if f.note]
    return lines + ([''] + notes if notes else [])


def image_row(image: Image, base: float) -> str:
    """One image's row: its boots' times against the floor's median (base)."""
    if image.skipped:
        return f'| {image.name} | {image.suite} | | | | | | | | {image.skipped} |'
    t = seconds_of(image)
    firsts = [b.first_byte for b in image.boots if b.first_byte is not None]
    lasts = [b.after_last for b in image.boots if b.after_last is not None]
    last = image.boots[-1]
    cells = [image.name, image.suite, str(last.results),
             f'{len(last.output)} B', fmt_value(min(t), 's'),
             fmt_value(statistics.median(t), 's'), fmt_value(max(t), 's'),
             fmt_value(statistics.median(t) / base, 'x'),
             fmt_value(statistics.median(firsts), 's') if firsts else '',
             fmt_value(statistics.median(lasts), 's') if lasts else '']
    failed = [b.status for b in image.boots if b.status != QEMU_PASSED]
    if failed:
        cells[0] += f' (exit {failed[0]} in {len(failed)} of {len(image.boots)})'
    return '| ' + ' | '.join(cells) + ' |'


def image_table(floor: Image, images: list[Image]) -> list[str]:
    """Per-image boot to exit, with QEMU alone."""
    base = statistics.median(seconds_of(floor))
    return (['| image | suite | cases | serial | min | median | max | × floor '
             '| to first byte | after last byte |',
             '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|']
            + [image_row(image, base) for image in [floor] + images])


def variant_table(figures: list[Figure]) -> list[str]:
    """Variants, each compared with the first figure of its group."""
    lines = ['| variant | min | median | max | median vs first of group |',
             '|---|---:|---:|---:|---:|']
    base: dict[str, Optional[float]] = {}
    for f in figures:
        first = f.key not in base
        base.setdefault(f.key, f.median)
        start, median = base[f.key], f.median
        delta = ''
        if not first and start is not None and median is not None:
            diff = median - start
            delta = ('+' if diff >= 0 else '−') + fmt_value(abs(diff), f.unit)
        lines.append(f'| {f.label} | {fmt_value(f.min, f.unit)} | '
                     f'{fmt_value(f.median, f.unit)} | {fmt_value(f.max, f.unit)} | {delta} |')
    return lines


def repetitions(settings: dict[str, object]) -> str:
    """How many times each kind of figure was measured."""
    skipped = settings['skipped']
    parts = [f"{settings['reps']} repetitions of each boot and rebuild",
             f"{settings.get('harness_reps', settings['reps'])} of each test image through "
             'the harness']
    if 'suite' not in skipped:     # type: ignore[operator]
        parts.append(f"{settings['suite_reps']} of each `meson test` run")
    if 'clean' not in skipped:     # type: ignore[operator]
        parts.append(f"{settings['build_reps']} of the clean build")
    return ', '.join(parts)


def measured(info: dict[str, object], settings: dict[str, object]) -> str:
    """The paragraph that says where, when and how the figures were measured."""
    during = info.get('load_during')
    load = (f"load average {info['load_average']} at the start, "
            + (f'{during[0]}-{during[1]} at the start of each repetition, ' if during else '')
            + f"{info['load_average_end']} at the end")
    return (f"Measured {info['date']} on {info['cpu']}, {info['cores']} cores, "
            f"QEMU {info['qemu']}, Python {info['python']} (the build runs "
            f"`{info['build_python']}`), commit {info['commit']}, {load}, with "
            f"`tools/bench.py {settings['command']}` ({repetitions(settings)}). "
            'Times are wall clock; QEMU runs under TCG.')


def report(results: Results) -> str:
    """The markdown section: machine, the figures, per-image times, variants."""
    out = [DOC_HEADING, '', measured(results.info, results.settings), '']
    out += table(results.main)
    if results.through:
        out += ['', THROUGH_HEADING, '', THROUGH_INTRO, '']
        out += through_table(results.through)
    if results.floor is not None and results.images:
        out += ['', IMAGES_HEADING, '', IMAGES_INTRO, '']
        out += image_table(results.floor, results.images)
    if results.variants:
        out += ['', VARIANTS_HEADING, '']
        out += variant_table(results.variants)
    if results.start is not None and results.start.import_us:
        out += ['', IMPORTS_HEADING, '', IMPORTS_INTRO, '']
        out += imports_table(results.start)
    return '\n'.join(out) + '\n'


def image_json(image: Image) -> dict[str, object]:
    """One image's samples for --json."""
    return {'name': image.name, 'suite': image.suite, 'skipped': image.skipped,
            'qemu_cmd': image.qemu_cmd, 'seconds': seconds_of(image),
            'status': [b.status for b in image.boots],
            'serial_bytes': [len(b.output) for b in image.boots],
            'first_byte': [b.first_byte for b in image.boots],
            'after_last_byte': [b.after_last for b in image.boots],
            'harness_seconds': image.harness}


def through_json(image: HarnessImage) -> dict[str, object]:
    """One image's runs through the harness for --json."""
    return {'name': image.name, 'suite': image.suite, 'cmd': image.cmd,
            'ways': {way: asdict(runs) for way, runs in image.ways.items()}}


def figure_json(figure: Figure) -> dict[str, object]:
    """A figure with its statistics, for --json."""
    return dict(asdict(figure), min=figure.min, median=figure.median, max=figure.max)


def write_json(path: str, results: Results) -> None:
    """Write every figure, with min/median/max and the raw samples, as JSON."""
    floor = [results.floor] if results.floor is not None else []
    data = {'machine': results.info, 'settings': results.settings,
            'figures': [figure_json(f) for f in results.main],
            'images': [image_json(i) for i in floor + results.images],
            'variants': [figure_json(f) for f in results.variants],
            'through_the_harness': [through_json(i) for i in results.through]}
    if results.start is not None:
        data['imports_before_qemu_us'] = results.start.import_us
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=2)
        f.write('\n')
