"""bench.py's command line: options, the checks argparse can make, and the
one-line errors. The measuring modules are imported only to measure."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from typing import Optional

from ..config import UsageError
from ..options import for_argparse
from ..options import positive_int as whole_number_at_least_1

positive_int = for_argparse(whole_number_at_least_1)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports mistakes as one line (UsageError)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Turn argparse's usage error into a UsageError."""
        raise UsageError(f'{message} (see --help)')
from .common import PROG, BenchError
from .doc import DOC_HEADING

EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130

SECTIONS = ('images', 'harness', 'start', 'fresh', 'cases', 'rebuild', 'suite', 'clean')
QUICK_SKIPS = {'images', 'suite', 'clean'}
DEFAULT_TOUCH = 'kernel/lib/string_test.c'

DESCRIPTION = ('Measure the edit-build-test loop: the SeaBIOS and PVH floors, every test '
               'image through the harness booted PVH and BIOS, the harness\'s start, '
               '--fresh-boot per case, boot to exit of every test image with QEMU alone, '
               'ktest cost per case, serial throughput, meson test wall time (default setup '
               'and --setup bios), clean build and one-file rebuild. Prints a markdown table.')

EPILOG = ('sections for --skip: images (every test image, QEMU alone), harness (every '
          'test image through the harness, PVH and BIOS), start (the harness\'s start, with '
          'a stand-in for QEMU), fresh (--fresh-boot per case), cases (trivial_1 against '
          'trivial_1000, serial throughput), rebuild (touch one test file), suite (meson '
          'test: serial, parallel, --setup bios), clean (fresh configure and build).\n'
          'The floors are always measured. With the defaults a run takes about 10 minutes '
          'on an idle 2-core machine; --quick (no QEMU-alone image table, meson test or clean '
          'build, one run of each image through the harness, ten --fresh-boot cases) about '
          'a minute.\n\n'
          'examples:\n'
          '  tools/bench.py                           # build dir build, 5 repetitions\n'
          '  tools/bench.py -C build-clang --quick\n'
          '  tools/bench.py --doc docs/performance.md --json bench.json\n'
          '  meson test -C build --benchmark loop -v  # the same, as a meson benchmark')


def section_list(text: str) -> list[str]:
    """Parse --skip: comma-separated section names (argparse type)."""
    names = [n.strip() for n in text.split(',') if n.strip()]
    bad = [n for n in names if n not in SECTIONS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f'unknown section {", ".join(bad) or text!r}; '
                                         f'choose from {", ".join(SECTIONS)}')
    return names


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """What to measure, and how many times."""
    parser.add_argument('-C', '--build-dir', default='build', metavar='DIR',
                        help='configured meson build directory (default: build)')
    parser.add_argument('--reps', type=positive_int, metavar='N',
                        help='repetitions of each boot and of the rebuild (default 5; 3 '
                             'with --quick)')
    parser.add_argument('--harness-reps', type=positive_int, metavar='N',
                        help='repetitions of each test image through the harness (default '
                             '--reps; 1 with --quick)')
    parser.add_argument('--suite-reps', type=positive_int, default=1, metavar='N',
                        help='repetitions of the three meson test runs (default 1: a '
                             'run takes minutes)')
    parser.add_argument('--build-reps', type=positive_int, default=1, metavar='N',
                        help='repetitions of the clean configure and build (default 1)')
    parser.add_argument('--quick', action='store_true',
                        help='fewer repetitions; no QEMU-alone image table, meson test or '
                             'clean build')
    parser.add_argument('--skip', type=section_list, action='append', default=[],
                        metavar='SECTION[,SECTION]', help='leave sections out (see below)')
    parser.add_argument('--variants', action='store_true',
                        help='also time the floor and the bench images with one QEMU option '
                             'changed at a time (-vga, -m, -machine, image size), the '
                             "firmware's share of the floor and Python's start-up, and list "
                             "the harness's slowest imports (-X importtime)")


def add_input_output_options(parser: argparse.ArgumentParser) -> None:
    """The files the run touches, reads and writes."""
    parser.add_argument('--touch', default=DEFAULT_TOUCH, metavar='FILE',
                        help=f'test file to touch for the rebuild (default {DEFAULT_TOUCH}, '
                             'relative to the source tree)')
    parser.add_argument('--cross-file', action='append', metavar='FILE',
                        help="cross file for the clean build (default: the build "
                             "directory's own)")
    parser.add_argument('--json', metavar='FILE', help='also write the figures as JSON')
    parser.add_argument('--doc', metavar='FILE',
                        help=f'put the tables into FILE under "{DOC_HEADING}", keeping its '
                             'other sections (e.g. docs/performance.md)')


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_options(parser)
    add_input_output_options(parser)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse argv and apply --quick."""
    args = build_parser().parse_args(argv)
    args.skip = sorted({name for names in args.skip for name in names})
    if args.quick:
        args.skip = sorted(set(args.skip) | QUICK_SKIPS)
    if args.reps is None:
        args.reps = 3 if args.quick else 5
    if args.harness_reps is None:
        args.harness_reps = 1 if args.quick else args.reps
    args.harness_reps = min(args.harness_reps, args.reps)
    args.command = shlex.join(argv) if argv else '(defaults)'
    return args


def terminate(signum: int, frame: object) -> None:
    """SIGTERM (meson's benchmark timeout): unwind so children and temp dirs are cleaned."""
    raise SystemExit(128 + signum)


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point: one line on stderr for any mistake or failure, never a traceback."""
    signal.signal(signal.SIGTERM, terminate)
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        from .run import measure
        return measure(args)
    except UsageError as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return EXIT_USAGE
    except (BenchError, OSError) as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f'{PROG}: interrupted', file=sys.stderr)
        return EXIT_INTERRUPTED
