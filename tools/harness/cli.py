"""run_qemu.py's command line: options and environment into a Config, then
the mode. Only what the chosen mode needs is imported."""

from __future__ import annotations

import os
import sys

try:        # the C module: `signal` itself imports enum, which costs start-up time
    import _signal as signal
except ImportError:             # another Python than CPython
    import signal  # type: ignore[no-redef]

from .config import (ACCELS, BOOTS, DEFAULT_GDB_PORT, DEFAULT_MAX_BOOTS, DEFAULT_MEMORY_MIB,
                     DEFAULT_OVMF, DEFAULT_QEMU, DISKS, DISPLAYS, FRESH_BOOTS, MACHINES,
                     Config, UsageError, fresh_default)
from .options import PROG, BadValue, count, one_of, parse, positive_int
EXIT_USAGE = 2
EXIT_ERROR = 99
EXIT_INTERRUPTED = 130

ENV_DEFAULTS: list[tuple[str, str, object, object]] = [
    ('image', 'KTEST_IMAGE', str, None),
    ('qemu', 'KTEST_QEMU', str, DEFAULT_QEMU),
    ('memory', 'KTEST_MEMORY', positive_int, DEFAULT_MEMORY_MIB),
    ('machine', 'KTEST_MACHINE', one_of(MACHINES), 'pc'),
    ('display', 'KTEST_DISPLAY', one_of(DISPLAYS), 'auto'),
    ('disk', 'KTEST_DISK', one_of(DISKS), 'auto'),
    ('retries', 'KTEST_RETRIES', count, 0),
    ('boot', 'KTEST_BOOT', one_of(BOOTS), 'bios'),
    ('ovmf', 'KTEST_OVMF', str, DEFAULT_OVMF),
    ('accel', 'KTEST_ACCEL', one_of(ACCELS), 'auto'),
]

TEST_ONLY = ('tap', 'json', 'log', 'filter', 'list', 'shuffle', 'repeat', 'case_timeout',
             'fresh_boot', 'keys', 'exec', 'max_boots', 'retries', 'coverage',
             'coverage_per_case')


def apply_env(args: object, env: dict[str, str]) -> None:
    """Fill options left unset from their KTEST_* variable, else the default."""
    for attr, var, convert, fallback in ENV_DEFAULTS:
        if getattr(args, attr) is not None:
            continue
        raw = env.get(var, '')
        try:
            value = convert(raw) if raw else fallback
        except BadValue as exc:
            raise UsageError(f'environment variable {var}: {exc}') from None
        setattr(args, attr, value)


def take_optional_number(args: object, attr: str, low: int, high: int) -> None:
    """Convert an option with an optional value (--shuffle, --gdb) to int.

    argparse gives such an option the next word even when it is IMAGE
    (`--shuffle build/unit.img`): then that word is IMAGE, and the option
    keeps its default value.
    """
    value = getattr(args, attr)
    if value is None or value in ('random', 'default'):
        return
    option = '--' + attr.replace('_', '-')
    if value.isascii() and value.isdigit():
        if not low <= int(value) <= high:
            raise UsageError(f'{option}: {value} is out of range {low}..{high}')
        setattr(args, attr, int(value))
    elif args.image is None:
        args.image = value
        setattr(args, attr, 'random' if attr == 'shuffle' else 'default')
    else:
        raise UsageError(f'{option}: expected a whole number, got {value!r}')


def identifier(text: str) -> bool:
    """A C identifier: ASCII letters, digits, '_', not starting with a digit."""
    return (text.isascii() and text.replace('_', 'a').isalnum() and
            not text[0].isdigit())


def is_case_name(text: str) -> bool:
    """suite.case or suite.case[param], as results are named."""
    head, bracket, param = text.partition('[')
    if bracket and (not param.endswith(']') or ']' in param[:-1]):
        return False
    suite, dot, case = head.partition('.')
    return bool(dot) and identifier(suite) and identifier(case)


def gdb_case(args: object, env: dict[str, str]) -> str | None:
    """--gdb CASE: the case named, which the run selects alone (the
    option's value then stands for the default port). A value that names
    a file, or comes where IMAGE is missing, is IMAGE (`--gdb kernel.img`)."""
    value = args.gdb
    if value is None or not is_case_name(value) or os.path.exists(value):
        return None
    if args.image is None and not env.get('KTEST_IMAGE'):
        return None
    args.gdb = 'default'
    args.filter = [value]
    args.test = True
    return value


def fresh_boot(args: object) -> str | None:
    """--fresh-boot[=HOW]: snapshot or boot, or without HOW the default
    (config.fresh_default). A value that is not a HOW is IMAGE when none
    was given (`--fresh-boot build/x.img`)."""
    value = args.fresh_boot
    if value is not None and value not in FRESH_BOOTS + ('default',):
        if args.image is not None:
            raise UsageError(f'--fresh-boot: expected {" or ".join(FRESH_BOOTS)}, '
                             f'got {value!r}')
        args.image, value = value, 'default'
    coverage = bool(args.coverage or args.coverage_per_case)
    if value == 'snapshot' and (args.keys or args.gdb or args.exec or coverage):
        raise UsageError('--fresh-boot=snapshot cannot type --keys, wait for --gdb, '
                         'run --exec or collect --coverage: use --fresh-boot=boot')
    if value == 'default':
        return fresh_default(args.keys, args.gdb, args.exec, coverage)
    return value


def split_filters(values: list[str]) -> tuple[str, ...]:
    """Split --filter values on commas; a glob may not hold spaces or be empty."""
    globs = [glob for value in values for glob in value.split(',')]
    for glob in globs:
        if not glob or not all('!' <= ch <= '~' for ch in glob):
            raise UsageError(f'--filter: bad glob {glob!r} (printable ASCII, no '
                             'spaces, none empty)')
    return tuple(globs)


def check_keys(specs: list[str]) -> None:
    """Reject --keys specs that QEMU's sendkey syntax cannot mean (a
    `serial:TEXT` spec may hold any printable ASCII)."""
    for spec in specs:
        if spec.startswith('serial:'):
            if not spec[7:] or not all(' ' <= ch <= '~' for ch in spec):
                raise UsageError(f'--keys: {spec!r}: serial: takes printable text '
                                 '(\\n, \\r, \\t, \\\\ for the others)')
            continue
        if not spec.split():
            raise UsageError('--keys: empty key list')
        for key in spec.split():
            if not all(part and part.isascii() and part.replace('_', 'a').isalnum()
                       for part in key.split('-')):
                raise UsageError(f'--keys: bad key {key!r} (QEMU sendkey names '
                                 'joined by -, like shift-a)')


def check_words(words: list[str]) -> None:
    """--cmdline words travel on a space-separated line of printable ASCII."""
    for word in ' '.join(words).split():
        if not all(' ' < ch <= '~' for ch in word):
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
    args = parse(glue_qemu_args(argv))
    take_optional_number(args, 'shuffle', 0, 2**64 - 1)
    args.fresh_boot = fresh_boot(args)
    args.gdb_case = gdb_case(args, env)
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
    if args.from_disk and args.boot == 'pvh':
        args.boot = 'bios'
    if args.machine == 'microvm' and args.boot != 'pvh':
        raise UsageError('--machine microvm boots only with --boot pvh (it has no '
                         'firmware to boot a disk)')
    return make_config(args, test, passthrough)


def make_config(args: object, test: bool, passthrough: list[str]) -> Config:
    """The Config of parsed, checked options."""
    seed_picked = args.shuffle == 'random'
    shuffle = args.shuffle
    if seed_picked:
        shuffle = int.from_bytes(os.urandom(4), 'little') or 1
    return Config(
        image=args.image, test=test, exec=args.exec, qemu=args.qemu,
        memory=args.memory, machine=args.machine, display=args.display,
        disk=args.disk, boot=args.boot, ovmf=args.ovmf, accel=args.accel,
        cmdline=tuple(args.cmdline),
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
        from .testmode import run_tests
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
