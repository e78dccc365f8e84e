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

SECTIONS = ('images', 'cases', 'fresh', 'rebuild', 'suite', 'clean')
DEFAULT_TOUCH = 'kernel/lib/string_test.c'

DESCRIPTION = ('Measure the edit-build-test loop (issue 7): QEMU floor, boot to exit '
               'of every test image, ktest cost per case, serial throughput, meson test '
               'wall time, clean build and one-file rebuild. Prints a markdown table.')

EPILOG = ('sections for --skip: images (every test image), cases (trivial_1 against '
          'trivial_1000, serial throughput), fresh (--fresh-boot of trivial_100 from a '
          'snapshot and by booting, under --boot pvh and bios), rebuild (touch one test '
          'file), suite (meson test, serial and parallel), clean (fresh configure and '
          'build).\n'
          'The floor is always measured. With the defaults a run takes about 4 minutes '
          'on an idle 2-core machine (most of it meson test and the clean build); '
          '--quick takes under a minute.\n\n'
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
    parser.add_argument('--suite-reps', type=positive_int, default=1, metavar='N',
                        help='repetitions of the two meson test runs (default 1: a run '
                             'takes minutes)')
    parser.add_argument('--build-reps', type=positive_int, default=1, metavar='N',
                        help='repetitions of the clean configure and build (default 1)')
    parser.add_argument('--quick', action='store_true',
                        help='fewer repetitions and no meson test, clean build or fresh boots')
    parser.add_argument('--skip', type=section_list, action='append', default=[],
                        metavar='SECTION[,SECTION]', help='leave sections out (see below)')
    parser.add_argument('--variants', action='store_true',
                        help='also time the floor and the bench images with one QEMU option '
                             'changed at a time (-vga, -m, -machine, image size), the '
                             "firmware's share of the floor and Python's start-up")


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
        args.skip = sorted(set(args.skip) | {'suite', 'clean', 'fresh'})
    if args.reps is None:
        args.reps = 3 if args.quick else 5
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
