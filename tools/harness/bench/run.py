"""One benchmark run, in order: check the setup, bring the build up to date,
boot the images, time the builds and the suite, report."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Iterator

from ..config import UsageError
from .build import Build, cross_files, load_build, run_checked
from .common import progress
from .figures import Figure, case_figures, floor_figures
from .images import BENCH_IMAGES, bench_args, bench_image, floor_image, image_tests
from .machine import machine_info
from .plan import Plan, run_rounds
from .pvh import pvh_floor_images
from .report import Results, report, write_json
from .through import harness_images
from .timing import Image, time_harness
from .fresh import FRESH_IMAGE
from .ways import fresh_figures, pvh_floor_figures, start_figures, through_figures


RUNTIME_DIR = 'XDG_RUNTIME_DIR'      # where the harness keeps its KVM-or-TCG answer


@dataclass
class Tools:
    """Programs the benchmark runs."""

    meson: str
    ninja: str
    cc: str         # the host's C compiler, for the QEMU stand-in ('' when not needed)


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


def check_tools(args: argparse.Namespace, build: Build) -> Tools:
    """The programs the run needs (raise UsageError for one that is missing)."""
    meson = find_tool('meson', "install it with 'sudo apt-get install meson'")
    ninja = shutil.which('ninja') or shutil.which('samu') or ''
    if not ninja:
        raise UsageError("ninja not found; install it with 'sudo apt-get install ninja-build'")
    find_tool(build.qemu, "install it with 'sudo apt-get install qemu-system-x86'")
    cc = ''
    if 'start' not in args.skip:
        cc = find_tool(os.environ.get('CC', 'cc'), "the harness's start is timed with a "
                       "program built by the host's C compiler: install gcc, set CC, or "
                       '--skip start')
    return Tools(meson, ninja, cc)


def check_setup(args: argparse.Namespace, build: Build) -> tuple[Tools, list[str], str]:
    """Everything that can be wrong before minutes of measuring: raise UsageError."""
    tools = check_tools(args, build)
    touch = args.touch if os.path.isabs(args.touch) else os.path.join(build.source, args.touch)
    if 'rebuild' not in args.skip and not os.path.isfile(touch):
        raise UsageError(f'--touch: no such file in the source tree: {args.touch}')
    cross = check_cross(args, build)
    for path in (args.json, args.doc):
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise UsageError(f'no such directory for {path}')
    return tools, cross, touch


def build_bench_images(ninja: str, build: Build, skip: list[str]) -> list[Image]:
    """Bring the build up to date, and build the images of ktest/bench that
    the measurements use (built on demand only): trivial_1 always, trivial_1000
    for the cases, trivial_100 for --fresh-boot. The case images, to time."""
    progress(f'bringing {build.dir} up to date and building the bench images')
    run_checked([ninja, '-C', build.dir], f'ninja -C {build.dir}')
    names = ['trivial_1'] + ([] if 'cases' in skip else list(BENCH_IMAGES[1:]))
    names += [] if 'fresh' in skip else [FRESH_IMAGE]
    run_checked([ninja, '-C', build.dir] + [f'ktest/{name}_test{ext}' for name in names
                                            for ext in ('.img', '.elf')],
                'building ktest/bench images')
    return [] if 'cases' in skip else [bench_image(build, name) for name in BENCH_IMAGES]


@contextlib.contextmanager
def accel_apart(tmp: str, build: Build) -> Iterator[None]:
    """Keep the harness's KVM-or-TCG answer in this run's own directory
    while measuring (the harness keeps one answer per user, which other
    sessions' QEMU binaries and the start's stand-in would replace, each
    time costing a new probe), and have the harness find it there once,
    before the measurements."""
    old = os.environ.get(RUNTIME_DIR)
    os.environ[RUNTIME_DIR] = subdir(tmp, 'accel')
    try:
        progress('a first harness run (the accelerator probe), not counted')
        time_harness(build.python_cmd + [build.run_qemu] + bench_args(build, 'trivial_1'),
                     build.dir, dict(os.environ))
        yield
    finally:
        if old is None:
            os.environ.pop(RUNTIME_DIR, None)
        else:
            os.environ[RUNTIME_DIR] = old


def subdir(tmp: str, name: str) -> str:
    """A new directory in tmp."""
    path = os.path.join(tmp, name)
    os.makedirs(path)
    return path


def make_plan(args: argparse.Namespace, tools: Tools, build: Build, cases: list[Image],
              tmp: str) -> Plan:
    """Everything the rounds measure, as the sections not skipped ask."""
    plan = Plan(floor_image(build, tmp), pvh_floor_images(build, tmp),
                [] if 'images' in args.skip else image_tests(build), cases)
    if 'start' not in args.skip:
        from .start import start_runs
        plan.start = start_runs(build, tools.cc, subdir(tmp, 'start'), args.variants)
    if 'harness' not in args.skip:
        plan.through = harness_images(build, subdir(tmp, 'through'))
        plan.through_reps = args.harness_reps
    if 'fresh' not in args.skip:
        from .fresh import fresh_runs
        plan.fresh = fresh_runs(build, subdir(tmp, 'fresh'), args.quick)
    return plan


def boot_figures(args: argparse.Namespace, plan: Plan) -> list[Figure]:
    """The main table's figures of the rounds, in the table's order."""
    figures = floor_figures(plan.floor) + pvh_floor_figures(plan.floor, plan.pvh_floors)
    if plan.start is not None:
        figures += start_figures(plan.start)
    figures += through_figures(plan.through)
    if plan.cases:
        figures += case_figures(plan.floor, plan.cases[0], plan.cases[1])
    if 'fresh' not in args.skip:
        figures += fresh_figures(plan.fresh)
    return figures


def build_figures(args: argparse.Namespace, tools: Tools, build: Build, cross: list[str],
                  touch: str) -> list[Figure]:
    """The rebuild, the meson test runs and the clean build, unless skipped."""
    figures: list[Figure] = []
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


def measure_all(args: argparse.Namespace, tools: Tools, build: Build, cross: list[str],
                touch: str) -> Results:
    """Boot and run everything, in rounds, then time the builds and the suite."""
    info = machine_info(build)
    cases = build_bench_images(tools.ninja, build, args.skip)
    with tempfile.TemporaryDirectory(prefix='ktest-bench-') as tmp, \
            accel_apart(tmp, build):
        plan = make_plan(args, tools, build, cases, tmp)
        run_rounds(plan, args.reps)
        main = boot_figures(args, plan)
        variants: list[Figure] = []
        if args.variants and cases:
            from .variants import variant_figures
            variants = variant_figures(plan.floor, cases[0], cases[1], build, tmp, args.reps)
        main += build_figures(args, tools, build, cross, touch)
    info['load_average_end'] = round(os.getloadavg()[0], 1)
    info['load_during'] = [round(min(plan.load), 1), round(max(plan.load), 1)]
    settings = {'command': args.command, 'reps': args.reps, 'harness_reps': args.harness_reps,
                'suite_reps': args.suite_reps, 'build_reps': args.build_reps,
                'skipped': args.skip}
    return Results(info, settings, main, plan.floor, plan.images, variants, plan.through,
                   plan.start if args.variants else None)


def measure(args: argparse.Namespace) -> int:
    """Run the selected measurements and print (and save) the report."""
    build = load_build(args.build_dir)
    tools, cross, touch = check_setup(args, build)
    results = measure_all(args, tools, build, cross, touch)
    text = report(results)
    print(text, end='')
    if args.json:
        write_json(args.json, results)
    if args.doc:
        from .doc import update_doc
        update_doc(args.doc, text)
        progress(f'updated {args.doc}')
    return 0
