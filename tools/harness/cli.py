"""run_qemu.py's command line: options and environment into a Config, then
the mode. Only what the chosen mode needs is imported."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from collections.abc import Callable

from .config import (DEFAULT_GDB_PORT, DEFAULT_MAX_BOOTS, DEFAULT_MEMORY_MIB,
                     DEFAULT_QEMU, DISKS, DISPLAYS, MACHINES, Config, UsageError)

PROG = 'run_qemu.py'
EXIT_USAGE = 2
EXIT_ERROR = 99
EXIT_INTERRUPTED = 130

DESCRIPTION = ('Boot a kernel disk image in QEMU (run mode), or run a ktest image '
               'and report its cases (test mode).')

EPILOG = """\
run mode:
  Boots IMAGE with the serial port (COM1) on this terminal. Headless, quit with
  Ctrl-A then X. With --display curses the VGA text screen is drawn in the
  terminal: Esc then 3 shows the serial port, Esc then 1 the screen, and Esc
  then 2 the QEMU monitor, where `quit` ends QEMU. Exits with QEMU's status.

test mode (--test, implied by any test option):
  Boots the image headless, reads its KTAP (docs/protocol.md) and reports
  each case. A case that hangs the machine, resets it or stops it is named
  (TIMEOUT, CRASHED) and the image is booted again from the next case, so
  every case gets its own verdict (at most --max-boots boots). Exit status:
  0 every case passed, 1 a case failed, 77 every case was skipped, 99 error
  (the run itself failed: a crash outside any case, garbage, a broken
  protocol). With --tap the output is TAP for `meson test` and the status is
  0, or 99 after "Bail out!" when the run failed. 2 means this tool was called
  wrongly, or the image or QEMU was not found; 130 means interrupted.

  Time limits come from the image: it announces each case's budget (5000 ms,
  or --case-timeout; ten times that for slow cases), and a case that gives no
  result for twice its budget plus a grace period is named TIMEOUT.

  --keys: when a case calls ktest_ask_for_input(), the harness types the next
  SPEC through QEMU's QMP socket (send-key), key by key. SPEC is a
  space-separated list of QEMU `sendkey` names and combos:
  "a shift-a ret up kp_1 ctrl-alt-delete 0x1e", or serial:TEXT, which sends
  TEXT to COM1 as a terminal would ("serial:help\\r"; \\n \\r \\t \\\\).

environment (used when the option is not given; meson sets them):
  KTEST_IMAGE    IMAGE              KTEST_QEMU     --qemu
  KTEST_MEMORY   --memory           KTEST_MACHINE  --machine
  KTEST_DISPLAY  --display          KTEST_DISK     --disk
  KTEST_RETRIES  --retries
  NO_COLOR       set and not empty: no colour in test reports

examples:
  run_qemu.py build/kernel/kernel.img
  run_qemu.py --gdb build/kernel/kernel.img
  run_qemu.py --test build/ktest/heap_test.img --filter 'heap.*' --repeat 3
  meson test -C build --test-args='--filter fmt.* --shuffle'
"""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports mistakes as one line (UsageError)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Turn argparse's usage error into a UsageError."""
        raise UsageError(f'{message} (see --help)')


def positive_int(text: str) -> int:
    """Parse a whole number >= 1 (argparse type)."""
    try:
        value = int(text, 10)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'expected a whole number >= 1, got {text!r}')
    return value


def count(text: str) -> int:
    """Parse a whole number >= 0 (argparse type)."""
    if not re.fullmatch(r'[0-9]+', text):
        raise argparse.ArgumentTypeError(f'expected a whole number >= 0, got {text!r}')
    return int(text, 10)


def one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    """A converter accepting only one of choices (for environment values)."""
    def convert(text: str) -> str:
        """Return text if it is one of the choices."""
        if text not in choices:
            raise argparse.ArgumentTypeError(
                f'expected one of {", ".join(choices)}, got {text!r}')
        return text
    return convert


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by run and test mode."""
    group = parser.add_argument_group('both modes')
    group.add_argument('--test', action='store_true',
                       help='test mode: run IMAGE as a ktest image and report its cases')
    group.add_argument('--qemu', metavar='PATH',
                       help=f'QEMU binary (default $KTEST_QEMU or {DEFAULT_QEMU})')
    group.add_argument('-m', '--memory', metavar='MIB', type=positive_int,
                       help=f'guest RAM in MiB (default $KTEST_MEMORY or {DEFAULT_MEMORY_MIB})')
    group.add_argument('--machine', choices=MACHINES,
                       help='QEMU machine type (default $KTEST_MACHINE or pc)')
    group.add_argument('--cmdline', metavar='STRING', action='append', default=[],
                       help='kernel command line words, after the image\'s built-in '
                            'ones (repeatable; in test mode after the ktest.* words)')
    group.add_argument('--qemu-arg', metavar='ARG', dest='qemu_args', action='append',
                       default=[], help='one extra QEMU argument (repeatable); '
                                        'everything after a final -- is passed too')
    group.add_argument('--gdb', metavar='PORT|CASE', nargs='?', const='default',
                       help='start paused with a gdb server on PORT (default '
                            f'{DEFAULT_GDB_PORT}) and print how to attach; given a '
                            'test case (suite.case) instead: run only it and start '
                            'gdb ($KTEST_GDB, default gdb) with the kernel\'s symbols '
                            'and a breakpoint on the case\'s function')
    group.add_argument('--elf', metavar='PATH',
                       help='kernel ELF with symbols for the --gdb hint '
                            '(default: IMAGE with .img replaced by .elf)')
    group.add_argument('--disk', choices=DISKS,
                       help='how IMAGE is attached in test mode: virtio (virtio-blk), '
                            'ide, or auto: virtio when IMAGE is at least one disk '
                            'cylinder (504 KiB) (default $KTEST_DISK or auto)')
    group.add_argument('--dry-run', action='store_true',
                       help='print the QEMU command line and exit without running it')


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options of run mode."""
    group = parser.add_argument_group('run mode')
    group.add_argument('--display', choices=DISPLAYS,
                       help='auto: a window when $DISPLAY or $WAYLAND_DISPLAY is '
                            'set, else none (headless); default $KTEST_DISPLAY or auto')
    group.add_argument('--headless', dest='display', action='store_const', const='none',
                       help='same as --display none')


def add_test_options(parser: argparse.ArgumentParser) -> None:
    """Options of test mode (each one implies --test)."""
    group = parser.add_argument_group('test mode')
    group.add_argument('--tap', action='store_true',
                       help='print TAP 13 for meson (protocol tap) on stdout')
    group.add_argument('--json', metavar='FILE',
                       help='also write every result as JSON to FILE')
    group.add_argument('--log', action='store_true',
                       help="show every case's log lines, not only a failed case's")
    group.add_argument('--filter', metavar='GLOB', action='append', default=[],
                       help="run only cases matching GLOB: 'suite.case', 'suite.*' "
                            '(repeatable or comma-separated)')
    group.add_argument('--list', action='store_true',
                       help='print the selected case names, one per line, and exit')
    group.add_argument('--shuffle', metavar='SEED', nargs='?', const='random',
                       help='shuffle the run order; without SEED a random one is '
                            'picked and printed so the run can be replayed')
    group.add_argument('--repeat', metavar='N', type=positive_int,
                       help='run the selection N times')
    group.add_argument('--case-timeout', metavar='MS', type=positive_int,
                       help="a case's time budget in milliseconds (slow cases get "
                            'ten times it)')
    group.add_argument('--fresh-boot', action='store_true',
                       help='list the cases, then boot once per case (per parameter '
                            'of a parameterized case) and merge the results')
    group.add_argument('--keys', metavar='SPEC', action='append', default=[],
                       help='keys to type when a case asks for input (see below)')
    group.add_argument('--max-boots', metavar='N', type=positive_int,
                       help='boots of one image at most, after cases that crash or '
                            f'hang the machine (default {DEFAULT_MAX_BOOTS})')
    group.add_argument('--retries', metavar='N', type=count,
                       help='run the cases that failed again, up to N times; one '
                            'that passes then is reported FLAKY, not PASS '
                            '(default $KTEST_RETRIES or 0)')
    group.add_argument('--exec', action='store_true',
                       help='IMAGE is a native ktest executable (a host test): run '
                            'it instead of QEMU, with the ktest words as arguments')


def add_coverage_options(parser: argparse.ArgumentParser) -> None:
    """Options of test mode for coverage builds (each one implies --test)."""
    group = parser.add_argument_group('coverage (test mode, -Db_coverage=true builds)')
    group.add_argument('--coverage', action='store_true',
                       help='collect the image\'s counters and merge them into the '
                            '.gcda files beside its objects (meson test passes it)')
    group.add_argument('--coverage-per-case', metavar='DIR',
                       help='--coverage, and also write each case\'s counters to '
                            'DIR/IMAGE/CASE/ (the .gcda under the build directory\'s '
                            'paths, beside links to the .gcno)')


def help_formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's formatter sized to the terminal without importing shutil
    (argparse builds one for every option it adds)."""
    try:
        width = os.get_terminal_size(sys.stderr.fileno()).columns - 2
    except (OSError, ValueError):
        width = 78
    return argparse.RawDescriptionHelpFormatter(prog, width=max(width, 40))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for both modes."""
    parser = Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                    formatter_class=help_formatter)
    parser.add_argument('image', metavar='IMAGE', nargs='?',
                        help='disk image to boot, or host test executable with '
                             '--exec (default $KTEST_IMAGE); never modified')
    add_common_options(parser)
    add_run_options(parser)
    add_test_options(parser)
    add_coverage_options(parser)
    return parser


ENV_DEFAULTS: list[tuple[str, str, Callable[[str], object], object]] = [
    ('image', 'KTEST_IMAGE', str, None),
    ('qemu', 'KTEST_QEMU', str, DEFAULT_QEMU),
    ('memory', 'KTEST_MEMORY', positive_int, DEFAULT_MEMORY_MIB),
    ('machine', 'KTEST_MACHINE', one_of(MACHINES), 'pc'),
    ('display', 'KTEST_DISPLAY', one_of(DISPLAYS), 'auto'),
    ('disk', 'KTEST_DISK', one_of(DISKS), 'auto'),
    ('retries', 'KTEST_RETRIES', count, 0),
]

TEST_ONLY = ('tap', 'json', 'log', 'filter', 'list', 'shuffle', 'repeat', 'case_timeout',
             'fresh_boot', 'keys', 'exec', 'max_boots', 'retries', 'coverage',
             'coverage_per_case')


def apply_env(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Fill options left unset from their KTEST_* variable, else the default."""
    for attr, var, convert, fallback in ENV_DEFAULTS:
        if getattr(args, attr) is not None:
            continue
        raw = env.get(var, '')
        try:
            value = convert(raw) if raw else fallback
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f'environment variable {var}: {exc}') from None
        setattr(args, attr, value)


def take_optional_number(args: argparse.Namespace, attr: str, low: int, high: int) -> None:
    """Convert an option with an optional value (--shuffle, --gdb) to int.

    argparse gives such an option the next word even when it is IMAGE
    (`--shuffle build/unit.img`): then that word is IMAGE, and the option
    keeps its default value.
    """
    value = getattr(args, attr)
    if value is None or value in ('random', 'default'):
        return
    option = '--' + attr.replace('_', '-')
    if re.fullmatch(r'[0-9]+', value):
        if not low <= int(value) <= high:
            raise UsageError(f'{option}: {value} is out of range {low}..{high}')
        setattr(args, attr, int(value))
    elif args.image is None:
        args.image = value
        setattr(args, attr, 'random' if attr == 'shuffle' else 'default')
    else:
        raise UsageError(f'{option}: expected a whole number, got {value!r}')


CASE_NAME_RE = re.compile(r'[A-Za-z_]\w*\.[A-Za-z_]\w*(\[[^\]]*\])?')


def gdb_case(args: argparse.Namespace) -> str | None:
    """--gdb CASE: the case named, which the run selects alone (the
    option's value then stands for the default port)."""
    value = args.gdb
    if value is None or not CASE_NAME_RE.fullmatch(value) or os.path.exists(value):
        return None
    args.gdb = 'default'
    args.filter = [value]
    args.test = True
    return value


def split_filters(values: list[str]) -> tuple[str, ...]:
    """Split --filter values on commas; a glob may not hold spaces or be empty."""
    globs = [glob for value in values for glob in value.split(',')]
    for glob in globs:
        if not glob or re.search(r'[\s\x00-\x1f\x7f-\uffff]', glob):
            raise UsageError(f'--filter: bad glob {glob!r} (printable ASCII, no '
                             'spaces, none empty)')
    return tuple(globs)


def check_keys(specs: list[str]) -> None:
    """Reject --keys specs that QEMU's sendkey syntax cannot mean (a
    `serial:TEXT` spec may hold any printable ASCII)."""
    for spec in specs:
        if spec.startswith('serial:'):
            if not spec[7:] or re.search(r'[^\x20-\x7e]', spec):
                raise UsageError(f'--keys: {spec!r}: serial: takes printable text '
                                 '(\\n, \\r, \\t, \\\\ for the others)')
            continue
        if not spec.split():
            raise UsageError('--keys: empty key list')
        for key in spec.split():
            if not re.fullmatch(r'[A-Za-z0-9_]+(-[A-Za-z0-9_]+)*', key):
                raise UsageError(f'--keys: bad key {key!r} (QEMU sendkey names '
                                 'joined by -, like shift-a)')


def check_words(words: list[str]) -> None:
    """--cmdline words travel on a space-separated line of printable ASCII."""
    for word in ' '.join(words).split():
        if re.search(r'[\x00-\x1f\x7f-\uffff]', word):
            raise UsageError(f'--cmdline: {word!r} is not printable ASCII')


def coverage_dir(path: str) -> str:
    """--coverage-per-case's directory, made if need be, as an absolute path."""
    if not path:
        raise UsageError('--coverage-per-case: empty directory name')
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise UsageError(f'--coverage-per-case: cannot make {path}: {exc.strerror}') from None
    if not os.access(path, os.W_OK):
        raise UsageError(f'--coverage-per-case: {path} is not writable')
    return os.path.abspath(path)


def glue_qemu_args(argv: list[str]) -> list[str]:
    """Write `--qemu-arg -smp` as `--qemu-arg=-smp`: argparse refuses a
    separate value starting with '-', and QEMU arguments mostly do."""
    glued: list[str] = []
    words = iter(argv)
    for word in words:
        if word == '--qemu-arg':
            word += '=' + next(words, '')
        glued.append(word)
    return glued


def given(value: object) -> bool:
    """True for an option value the user gave (0 counts, unset flags do not)."""
    return value is not None and value is not False and value != []


def parse_args(argv: list[str], env: dict[str, str]) -> Config:
    """Parse the command line, fill defaults from env and check the values."""
    passthrough: list[str] = []
    if '--' in argv:
        cut = argv.index('--')
        argv, passthrough = argv[:cut], argv[cut + 1:]
    args = build_parser().parse_args(glue_qemu_args(argv))
    take_optional_number(args, 'shuffle', 0, 2**64 - 1)
    args.gdb_case = gdb_case(args)
    take_optional_number(args, 'gdb', 1, 65535)
    test = args.test or any(given(getattr(args, name)) for name in TEST_ONLY)
    if test and args.display is not None:
        raise UsageError('--display and --headless are run-mode options; '
                         'test mode is always headless')
    apply_env(args, env)
    if args.image is None:
        raise UsageError('no IMAGE given and KTEST_IMAGE is not set (see --help)')
    check_keys(args.keys)
    check_words(args.cmdline)
    if args.coverage_per_case is not None:
        args.coverage_per_case = coverage_dir(args.coverage_per_case)
    if args.exec and (args.keys or args.gdb or not test):
        raise UsageError('--exec runs a host test: no --keys, --gdb or run mode')
    return make_config(args, test, passthrough)


def make_config(args: argparse.Namespace, test: bool, passthrough: list[str]) -> Config:
    """The Config of parsed, checked options."""
    seed_picked = args.shuffle == 'random'
    shuffle = args.shuffle
    if seed_picked:
        shuffle = int.from_bytes(os.urandom(4), 'little') or 1
    return Config(
        image=args.image, test=test, exec=args.exec, qemu=args.qemu,
        memory=args.memory, machine=args.machine, display=args.display,
        disk=args.disk, cmdline=tuple(args.cmdline),
        qemu_args=tuple(args.qemu_args + passthrough),
        gdb=DEFAULT_GDB_PORT if args.gdb == 'default' else args.gdb, elf=args.elf,
        gdb_case=args.gdb_case,
        dry_run=args.dry_run, tap=args.tap, json=args.json, log=args.log,
        filter=split_filters(args.filter), list=args.list, shuffle=shuffle,
        seed_picked=seed_picked, repeat=args.repeat or 1,
        case_timeout=args.case_timeout, fresh_boot=args.fresh_boot,
        keys=tuple(args.keys), max_boots=args.max_boots or DEFAULT_MAX_BOOTS,
        retries=args.retries, coverage=args.coverage or bool(args.coverage_per_case),
        coverage_per_case=args.coverage_per_case)


def terminate(signum: int, frame: object) -> None:
    """SIGTERM (meson's timeout): unwind so QEMU gets killed on the way out."""
    raise SystemExit(128 + signum)


def run(cfg: Config) -> int:
    """Run the chosen mode; only its modules are imported."""
    if cfg.test:
        from .session import run_tests
        return run_tests(cfg)
    from .interactive import run_interactive
    return run_interactive(cfg)


def main(argv: list[str] | None = None) -> int:
    """Entry point of run_qemu.py."""
    signal.signal(signal.SIGTERM, terminate)
    if hasattr(sys.stdout, 'reconfigure'):
        sys.stdout.reconfigure(errors='backslashreplace')
    try:
        return run(parse_args(sys.argv[1:] if argv is None else argv, dict(os.environ)))
    except UsageError as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        sys.stdout = open(os.devnull, 'w')   # nobody reads the report any more
        return EXIT_ERROR
