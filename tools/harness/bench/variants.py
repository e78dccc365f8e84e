"""--variants: where the time goes. The floor and the bench images with one
QEMU option changed at a time, the firmware's share of the floor, and
Python's start-up."""

from __future__ import annotations

import os
import re
import sys
import time

from .build import Build, run_checked
from .common import progress
from .figures import EXTRA_CASES, Figure, minus
from .images import FLOOR_CODE, FLOOR_PRINT, bench_args, dry_run, floor_args, write_floor
from .timing import Boot, Image, time_boot

Run = tuple[str, str, str, list[str]]      # group, id, label, QEMU command


def without(cmd: list[str], option: str) -> list[str]:
    """cmd without option and its value."""
    out = list(cmd)
    if option in out:
        i = out.index(option)
        del out[i:i + 2]
    return out


def with_value(cmd: list[str], option: str, value: str) -> list[str]:
    """cmd with option set to value."""
    out = without(cmd, option)
    return out[:1] + [option, value] + out[1:]


def with_image(cmd: list[str], image: str) -> list[str]:
    """cmd booting another image file."""
    return [re.sub(r'file=[^,]*', 'file=' + image.replace(',', ',,'), a)
            if a.startswith('format=raw') else a for a in cmd]


def floor_runs(floor: Image, build: Build, tmp: str) -> list[Run]:
    """The floor as the tests run it, padded to 1 MiB on each disk, without
    the VGA card, and printing one byte first."""
    printing = with_image(floor.qemu_cmd, write_floor(tmp, code=FLOOR_PRINT + FLOOR_CODE,
                                                      name='floor-print'))
    padded = write_floor(tmp, 1 << 20)

    def padded_on(disk: str) -> list[str]:
        """The 1 MiB floor's test-mode command with its disk on disk."""
        return dry_run(build.run_qemu, floor_args(padded, build, disk), build.dir,
                       dict(os.environ))

    return [
        ('floor', 'floor', 'floor, as the tests run QEMU', floor.qemu_cmd),
        ('floor', 'floor-1m', 'floor padded to 1 MiB, on IDE', padded_on('ide')),
        ('floor', 'floor-1m-virtio', 'floor padded to 1 MiB on virtio-blk, as test images boot',
         padded_on('virtio')),
        ('floor', 'floor-novga', 'floor without -vga std', without(floor.qemu_cmd, '-vga')),
        ('floor', 'floor-print', 'floor printing one byte on COM1 first', printing),
    ]


def bench_runs(one: Image, many: Image, pvh: list[Run]) -> list[Run]:
    """trivial_1 and trivial_1000 as the tests run them, and with one option
    changed; the pvh runs join trivial_1's group."""
    return [
        ('trivial_1', 't1', 'trivial_1, as the tests run QEMU', one.qemu_cmd),
        ('trivial_1', 't1-novga', 'trivial_1 without -vga std', without(one.qemu_cmd, '-vga')),
        ('trivial_1', 't1-m32', 'trivial_1 with -m 32', with_value(one.qemu_cmd, '-m', '32')),
        ('trivial_1', 't1-m1024', 'trivial_1 with -m 1024',
         with_value(one.qemu_cmd, '-m', '1024')),
        ('trivial_1', 't1-q35', 'trivial_1 with -machine q35',
         with_value(one.qemu_cmd, '-machine', 'q35')),
    ] + pvh + [
        ('trivial_1000', 't1000', 'trivial_1000, as the tests run QEMU', many.qemu_cmd),
        ('trivial_1000', 't1000-novga', 'trivial_1000 without -vga std',
         without(many.qemu_cmd, '-vga')),
    ]


def pvh_runs(build: Build) -> list[Run]:
    """trivial_1 booted PVH, QEMU alone: on pc through qboot, and on microvm."""
    runs = []
    for machine, ident in (('pc', 't1-pvh'), ('microvm', 't1-pvh-microvm')):
        args = bench_args(build, 'trivial_1')
        args[args.index('--machine') + 1] = machine
        cmd = dry_run(build.run_qemu, args + ['--boot', 'pvh'], build.dir, dict(os.environ))
        runs.append(('trivial_1', ident, f'trivial_1 booted PVH on {machine}', cmd))
    return runs


def python_starts(build: Build, one: Image) -> list[tuple[str, list[str]]]:
    """Python start-up: this interpreter, the build's (when another one), and
    run_qemu.py's --dry-run with the build's."""
    starts = [('python3 -c pass (this interpreter\'s start-up)', [sys.executable, '-c', 'pass'])]
    if os.path.realpath(build.python) != os.path.realpath(sys.executable):
        starts.append((f'{build.python} -c pass (the python meson runs tests and mkimage.py with)',
                       [build.python, '-c', 'pass']))
    image = one.harness_cmd[one.harness_cmd.index(build.run_qemu) + 1]
    starts.append(('run_qemu.py --test --dry-run with that python (start-up, no QEMU)',
                   build.python_cmd + [build.run_qemu, '--test', '--dry-run', image]))
    return starts


def time_variants(runs: list[Run], starts: list[tuple[str, list[str]]], cwd: str,
                  reps: int) -> tuple[dict[str, list[Boot]], dict[str, list[float]]]:
    """Boot every run and start every interpreter, round-robin, reps times."""
    boots: dict[str, list[Boot]] = {ident: [] for _, ident, _, _ in runs}
    python: dict[str, list[float]] = {label: [] for label, _ in starts}
    for rep in range(reps):
        progress(f'variants, repetition {rep + 1} of {reps}')
        for _, ident, _, cmd in runs:
            boots[ident].append(time_boot(cmd, cwd))
        for label, cmd in starts:
            start = time.perf_counter()
            run_checked(cmd, label)
            python[label].append(time.perf_counter() - start)
    return boots, python


def derived_figures(boots: dict[str, list[Boot]]) -> list[Figure]:
    """Per case with and without the VGA card, and the boot split at the serial bytes."""
    def secs(ident: str) -> list[float]:
        """Boot-to-exit samples of one variant."""
        return [b.seconds for b in boots[ident]]

    figures = [Figure('per_case', f'per case, (trivial_1000 − trivial_1) ÷ 999, {how}', 's',
                      [d / EXTRA_CASES for d in minus(secs(t1000), secs(t1))])
               for how, t1, t1000 in (('as the tests run QEMU', 't1', 't1000'),
                                      ('without -vga std', 't1-novga', 't1000-novga'))]
    return figures + [
        Figure('split', 'QEMU start to the boot sector running (first byte of the printing '
               'floor)', 's', [b.first_byte or 0.0 for b in boots['floor-print']]),
        Figure('split', 'trivial_1: QEMU start to the first KTAP byte (+ loader, kernel init)',
               's', [b.first_byte or 0.0 for b in boots['t1']]),
        Figure('split', 'trivial_1 booted PVH on pc: QEMU start to the first KTAP byte', 's',
               [b.first_byte or 0.0 for b in boots['t1-pvh']]),
        Figure('tail', 'trivial_1: last KTAP byte to QEMU exit', 's',
               [b.after_last or 0.0 for b in boots['t1']]),
    ]


def variant_figures(floor: Image, one: Image, many: Image, build: Build, tmp: str,
                    reps: int) -> list[Figure]:
    """Time the floor and the bench images with one QEMU option changed at a time.

    Each figure's key names its group; the first figure of a group is the
    baseline the others are compared with.
    """
    runs = floor_runs(floor, build, tmp) + bench_runs(one, many, pvh_runs(build))
    boots, python = time_variants(runs, python_starts(build, one), build.dir, reps)
    figures = [Figure(group, label, 's', [b.seconds for b in boots[ident]])
               for group, ident, label, _ in runs]
    figures += derived_figures(boots)
    return figures + [Figure('python', label, 's', samples) for label, samples in python.items()]
