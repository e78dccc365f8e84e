"""One benchmark run, in order: check the setup, bring the build up to date,
boot the images, time the builds and the suite, report."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from dataclasses import dataclass

from ..config import UsageError
from .build import Build, cross_files, load_build, run_checked
from .common import progress
from .figures import Figure, case_figures, floor_figures
from .images import BENCH_IMAGES, bench_image, floor_image, image_tests
from .machine import machine_info
from .report import Results, report, write_json
from .timing import Image, boot_rounds


@dataclass
class Tools:
    """Programs the benchmark runs."""

    meson: str
    ninja: str


def find_tool(name: str, hint: str) -> str:
    """The path of a program, or a UsageError saying how to get it."""
    path = shutil.which(name)
    if path is None:
        raise UsageError(f'{name} not found; {hint}')
    return path


def check_cross(args: argparse.Namespace, build: Build) -> list[str]:
    """The cross files of the clean build: --cross-file, else the build
    directory's own; each must exist."""
    cross = [os.path.abspath(p) for p in args.cross_file] if args.cross_file else []
    if 'clean' in args.skip:
        return cross
    cross = cross or cross_files(build)
    if not cross:
        raise UsageError(f'cannot tell which cross file {build.dir} was configured with; '
                         'pass --cross-file FILE')
    missing = [p for p in cross if not os.path.isfile(p)]
    if missing:
        raise UsageError(f'cross file not found: {missing[0]}')
    return cross


def check_setup(args: argparse.Namespace, build: Build) -> tuple[Tools, list[str], str]:
    """Everything that can be wrong before minutes of measuring: raise UsageError."""
    meson = find_tool('meson', "install it with 'sudo apt-get install meson'")
    ninja = shutil.which('ninja') or shutil.which('samu') or ''
    if not ninja:
        raise UsageError("ninja not found; install it with 'sudo apt-get install ninja-build'")
    find_tool(build.qemu, "install it with 'sudo apt-get install qemu-system-x86'")
    touch = args.touch if os.path.isabs(args.touch) else os.path.join(build.source, args.touch)
    if 'rebuild' not in args.skip and not os.path.isfile(touch):
        raise UsageError(f'--touch: no such file in the source tree: {args.touch}')
    cross = check_cross(args, build)
    for path in (args.json, args.doc):
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise UsageError(f'no such directory for {path}')
    return Tools(meson, ninja), cross, touch


def build_bench_images(ninja: str, build: Build, skip: list[str]) -> list[Image]:
    """Bring the build up to date, and build ktest/bench's images (built on
    demand only) unless the cases are skipped; those images."""
    progress(f'bringing {build.dir} up to date and building the bench images')
    run_checked([ninja, '-C', build.dir], f'ninja -C {build.dir}')
    if 'cases' in skip:
        return []
    run_checked([ninja, '-C', build.dir] + [f'ktest/{name}_test.img' for name in BENCH_IMAGES],
                'building ktest/bench images')
    return [bench_image(build, name) for name in BENCH_IMAGES]


def boot_figures(args: argparse.Namespace, build: Build,
                 cases: list[Image]) -> tuple[Image, list[Image], list[Figure], list[Figure]]:
    """Boot the floor, the test images and the bench images: the floor, the
    test images, the main figures and the variants."""
    variants: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix='ktest-bench-') as tmp:
        floor = floor_image(build, tmp)
        images = [] if 'images' in args.skip else image_tests(build)
        boot_rounds(floor, images, cases, args.reps)
        main = floor_figures(floor)
        if cases:
            main += case_figures(floor, cases[0], cases[1])
            if args.variants:
                from .variants import variant_figures
                variants = variant_figures(floor, cases[0], cases[1], build, tmp, args.reps)
    return floor, images, main, variants


def build_figures(args: argparse.Namespace, tools: Tools, build: Build, cross: list[str],
                  touch: str) -> list[Figure]:
    """The fresh boots, the rebuild, the meson test runs and the clean build,
    unless skipped."""
    figures: list[Figure] = []
    if 'fresh' not in args.skip:
        from .fresh import fresh_figures
        figures += fresh_figures(tools.ninja, build, args.reps)
    if 'rebuild' not in args.skip:
        from .rebuild import rebuild_figures
        figures += rebuild_figures(tools.ninja, build, touch, args.reps)
    if 'suite' not in args.skip:
        from .suite import suite_figures
        figures += suite_figures(tools.meson, build, args.suite_reps)
    if 'clean' not in args.skip:
        from .rebuild import clean_figures
        figures += clean_figures(tools.meson, tools.ninja, build, cross, args.build_reps)
    return figures


def measure(args: argparse.Namespace) -> int:
    """Run the selected measurements and print (and save) the report."""
    build = load_build(args.build_dir)
    tools, cross, touch = check_setup(args, build)
    info = machine_info(build)
    cases = build_bench_images(tools.ninja, build, args.skip)
    floor, images, main, variants = boot_figures(args, build, cases)
    main += build_figures(args, tools, build, cross, touch)
    settings = {'command': args.command, 'reps': args.reps, 'suite_reps': args.suite_reps,
                'build_reps': args.build_reps, 'skipped': args.skip}
    info['load_average_end'] = round(os.getloadavg()[0], 1)
    results = Results(info, settings, main, floor, images, variants)
    text = report(results)
    print(text, end='')
    if args.json:
        write_json(args.json, results)
    if args.doc:
        from .doc import update_doc
        update_doc(args.doc, text)
        progress(f'updated {args.doc}')
    return 0
