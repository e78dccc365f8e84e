#!/usr/bin/env python3
"""run_qemu.py: boot a kernel disk image in QEMU, or run a ktest image as a test.

Run mode (the default) is this project's `cargo run`: it boots IMAGE in
qemu-system-x86_64 with the kernel's COM1 serial port in this terminal.

Test mode (--test) is the harness `meson test` runs for every test image: it
boots the image headless, reads the KTAP that the in-kernel ktest runner prints
on COM1, checks it against the status the image ends QEMU with (isa-debug-exit)
and reports every case, to a person or (--tap) as flat TAP for meson. The wire
contract between a test image and this tool is docs/protocol.md.

Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import random
import re
import shlex
import shutil

import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from typing import IO, Callable, Optional

PROG = 'run_qemu.py'

# Exit codes of this tool (GNU/automake test conventions, which meson follows).
EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_SKIP = 77
EXIT_ERROR = 99
EXIT_INTERRUPTED = 130

# QEMU exit statuses a test image produces: (value << 1) | 1 of what the
# kernel writes to the isa-debug-exit port (docs/protocol.md, "Exit").
QEMU_PASSED = 33        # 0x10: run completed, every case passed or skipped
QEMU_FAILED = 35        # 0x11: run completed, at least one case failed
QEMU_PANIC = 37         # 0x12: the kernel gave up outside any case

DEBUG_EXIT_DEVICE = 'isa-debug-exit,iobase=0xf4,iosize=0x04'
VIRTIO_MIN_DISK_BYTES = 16 * 63 * 512   # one cylinder: 16 heads of 63 sectors
DEFAULT_QEMU = 'qemu-system-x86_64'
DEFAULT_MEMORY_MIB = 128
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_GDB_PORT = 1234
MACHINES = ('pc', 'q35')
DISPLAYS = ('auto', 'window', 'curses', 'none')
DISKS = ('auto', 'virtio', 'ide')

TAIL_LINES = 20             # raw output lines kept to show on errors
LOG_LINES = 20              # plain log lines shown with a failed case
MAX_LINE_BYTES = 4096       # a longer "line" is not KTAP
EXIT_GRACE_S = 5.0          # QEMU closed the serial port: time left to exit
KEY_HOLD_MS = 50            # how long each key of --keys is held down
KEY_GAP_MS = 30             # pause after a key is released
INPUT_PROMPT = '# ktest: waiting for input'

DESCRIPTION = ('Boot a kernel disk image in QEMU (run mode), or run a ktest image '
               'and report its cases (test mode).')

EPILOG = """\
run mode:
  Boots IMAGE with the serial port (COM1) on this terminal. Headless, quit with
  Ctrl-A then X. With --display curses the VGA text screen is drawn in the
  terminal: Esc then 3 shows the serial port, Esc then 1 the screen, and Esc
  then 2 the QEMU monitor, where `quit` ends QEMU. Exits with QEMU's status.

test mode (--test, implied by any test option):
  Boots the image headless with -nodefaults, reads KTAP from COM1 and reports
  each case. Exit status: 0 every case passed, 1 a case failed, 77 every case
  was skipped, 99 error (the image crashed, hung, rebooted, panicked, stopped
  mid-output, printed no results or broke docs/protocol.md). With --tap the
  output is TAP for `meson test` and the status is 0, or 99 after "Bail out!"
  when the run did not complete. 2 means this tool was called wrongly, or the
  image or QEMU was not found, in both modes; 130 means interrupted.

  --keys: when the kernel prints the diagnostic `# ktest: waiting for input`,
  the harness types SPEC through QEMU's QMP socket (send-key), key by key in
  order. SPEC is a space-separated list of QEMU `sendkey` names and combos:
  "a shift-a ret up kp_1 ctrl-alt-delete 0x1e". Give --keys once per prompt;
  the Nth prompt gets the Nth SPEC.

  The inactivity timeout restarts at every case result; it must be longer
  than the kernel's own per-case timeout (--case-timeout, 10 times that for
  slow cases) for a hung case to be reported by the kernel as TIMEOUT.

environment (used when the option is not given; meson sets them):
  KTEST_IMAGE    IMAGE              KTEST_QEMU     --qemu
  KTEST_MEMORY   --memory           KTEST_MACHINE  --machine
  KTEST_DISPLAY  --display          KTEST_TIMEOUT  --timeout
  KTEST_DISK     --disk
  NO_COLOR       set and not empty: no colour in test reports

examples:
  run_qemu.py build/kernel.img
  run_qemu.py --gdb build/kernel.img
  run_qemu.py --test build/ktest/unit.img --filter 'heap.*' --repeat 3
  meson test -C build --test-args='--filter fmt.* --shuffle'
"""


class UsageError(Exception):
    """A mistake in how the tool was called or set up: one line on stderr, exit 2."""


class ProtocolError(Exception):
    """The serial output broke the wire protocol (docs/protocol.md)."""


class BootError(Exception):
    """A boot that had to succeed (listing the cases) did not."""

    def __init__(self, verdict: 'Verdict') -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

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


def seconds(text: str) -> float:
    """Parse a duration in seconds >= 0; 0 means no limit (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float('inf'):
        raise argparse.ArgumentTypeError(f'expected a number of seconds >= 0, got {text!r}')
    return value


def one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    """Return a converter accepting only one of choices (for environment values)."""
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
                       help='kernel command line words, passed through fw_cfg as '
                            'opt/cmdline (repeatable; in test mode added after the '
                            'ktest.* words)')
    group.add_argument('--qemu-arg', metavar='ARG', dest='qemu_args', action='append',
                       default=[], help='one extra QEMU argument (repeatable); '
                                        'everything after a final -- is passed too')
    group.add_argument('--gdb', metavar='PORT', nargs='?', const='default',
                       help='start paused with a gdb server on PORT (default '
                            f'{DEFAULT_GDB_PORT}) and print how to attach')
    group.add_argument('--elf', metavar='PATH',
                       help='kernel ELF with symbols for the --gdb hint '
                            '(default: IMAGE with .img replaced by .elf)')
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
                       help='print flat TAP 13 for meson (protocol tap) on stdout')
    group.add_argument('--timeout', metavar='SECONDS', type=seconds,
                       help='inactivity timeout, restarted at every case result; '
                            '0 = none (default $KTEST_TIMEOUT or 10)')
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
                       help="the kernel's per-case timeout in milliseconds")
    group.add_argument('--fresh-boot', action='store_true',
                       help='list the cases, then boot once per case (per parameter '
                            'of a parameterized case) and merge the results')
    group.add_argument('--keys', metavar='SPEC', action='append', default=[],
                       help='keys to type when the kernel waits for input (see below)')
    group.add_argument('--disk', choices=DISKS,
                       help='how IMAGE is attached: virtio (virtio-blk), ide, or auto: '
                            'virtio when IMAGE is at least one disk cylinder (504 KiB), '
                            'the smallest that SeaBIOS boots from virtio '
                            '(default $KTEST_DISK or auto)')
    group.add_argument('--exec', action='store_true',
                       help='IMAGE is a native ktest executable (a host test): run '
                            'it instead of QEMU, with the ktest words as arguments')


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for both modes."""
    parser = Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image', metavar='IMAGE', nargs='?',
                        help='raw disk image to boot (default $KTEST_IMAGE); never '
                             'modified (snapshot=on)')
    add_common_options(parser)
    add_run_options(parser)
    add_test_options(parser)
    return parser


ENV_DEFAULTS: list[tuple[str, str, Callable[[str], object], object]] = [
    ('image', 'KTEST_IMAGE', str, None),
    ('qemu', 'KTEST_QEMU', str, DEFAULT_QEMU),
    ('memory', 'KTEST_MEMORY', positive_int, DEFAULT_MEMORY_MIB),
    ('machine', 'KTEST_MACHINE', one_of(MACHINES), 'pc'),
    ('display', 'KTEST_DISPLAY', one_of(DISPLAYS), 'auto'),
    ('timeout', 'KTEST_TIMEOUT', seconds, DEFAULT_TIMEOUT_S),
    ('disk', 'KTEST_DISK', one_of(DISKS), 'auto'),
]

TEST_ONLY = ('tap', 'timeout', 'filter', 'list', 'shuffle', 'repeat',
             'case_timeout', 'fresh_boot', 'keys', 'exec', 'disk')

# A host test executable exits 0 / 1 / 2 where a test image makes QEMU exit
# 33 / 35 / 37; other statuses (a sanitizer abort, a signal) stay as they are
# and so can never pass.
EXEC_STATUS = {0: 33, 1: 35, 2: 37}


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


def split_filters(values: list[str]) -> list[str]:
    """Split --filter values on commas; a glob may not hold spaces."""
    globs = [glob for value in values for glob in value.split(',')]
    for glob in globs:
        if not glob or re.search(r'\s', glob):
            raise UsageError(f'--filter: bad glob {glob!r} (no spaces, none empty)')
    return globs


def check_keys(specs: list[str]) -> None:
    """Reject --keys specs that QEMU's sendkey syntax cannot mean."""
    for spec in specs:
        if not spec.split():
            raise UsageError('--keys: empty key list')
        for key in spec.split():
            if not re.fullmatch(r'[A-Za-z0-9_]+(-[A-Za-z0-9_]+)*', key):
                raise UsageError(f'--keys: bad key {key!r} (QEMU sendkey names '
                                 'joined by -, like shift-a)')


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


def parse_args(argv: list[str], env: dict[str, str]) -> argparse.Namespace:
    """Parse the command line, fill defaults from env and check the values."""
    passthrough: list[str] = []
    if '--' in argv:
        cut = argv.index('--')
        argv, passthrough = argv[:cut], argv[cut + 1:]
    args = build_parser().parse_args(glue_qemu_args(argv))
    args.qemu_args += passthrough
    take_optional_number(args, 'shuffle', 0, 2**64 - 1)
    take_optional_number(args, 'gdb', 1, 65535)
    explicit_display = args.display is not None
    if any(given(getattr(args, name)) for name in TEST_ONLY):
        args.test = True
    if args.test and explicit_display:
        raise UsageError('--display and --headless are run-mode options; '
                         'test mode is always headless')
    apply_env(args, env)
    if args.image is None:
        raise UsageError('no IMAGE given and KTEST_IMAGE is not set (see --help)')
    args.filter = split_filters(args.filter)
    check_keys(args.keys)
    args.repeat = args.repeat or 1
    args.seed_picked = args.shuffle == 'random'
    if args.seed_picked:
        args.shuffle = random.randrange(1, 2**32)
    if args.gdb == 'default':
        args.gdb = DEFAULT_GDB_PORT
    return args


# --------------------------------------------------------------------------
# QEMU command lines
# --------------------------------------------------------------------------

def qemu_escape(value: str) -> str:
    """Escape a value for QEMU's option parser, which splits on commas."""
    return value.replace(',', ',,')


def image_args(args: argparse.Namespace, virtio: bool = False) -> list[str]:
    """Machine, memory and the image as a drive that is never written to
    (on virtio-blk with virtio, else QEMU's default IDE disk)."""
    drive = f'format=raw,file={qemu_escape(args.image)},snapshot=on'
    if virtio:
        drive += ',if=virtio'
    return ['-machine', args.machine, '-m', str(args.memory), '-drive', drive]


def cmdline_args(cmdline: str) -> list[str]:
    """The kernel command line as a fw_cfg file; nothing when it is empty."""
    if not cmdline:
        return []
    return ['-fw_cfg', f'name=opt/cmdline,string={qemu_escape(cmdline)}']


def gdb_args(args: argparse.Namespace) -> list[str]:
    """Make QEMU wait for a debugger when --gdb was given."""
    if args.gdb is None:
        return []
    return ['-S', '-gdb', f'tcp::{args.gdb}']


def resolve_display(choice: str, env: dict[str, str]) -> str:
    """Turn --display auto into window or none."""
    if choice != 'auto':
        return choice
    return 'window' if env.get('DISPLAY') or env.get('WAYLAND_DISPLAY') else 'none'


def run_command(args: argparse.Namespace, display: str) -> list[str]:
    """The QEMU command line of run mode."""
    cmd = [args.qemu] + image_args(args) + ['-device', DEBUG_EXIT_DEVICE]
    if display == 'curses':
        # The terminal belongs to curses: serial and monitor stay on QEMU's
        # default virtual consoles (Esc 3 and Esc 2).
        cmd += ['-display', 'curses']
    else:
        cmd += ['-serial', 'mon:stdio']
        if display == 'none':
            cmd += ['-display', 'none']
    return cmd + cmdline_args(' '.join(args.cmdline)) + gdb_args(args) + args.qemu_args


def virtio_disk(disk: str, image: str) -> bool:
    """Whether a test boot puts the image on virtio-blk rather than IDE
    (--disk; what follows is about auto).

    The loader reads the disk through the BIOS either way, but on virtio-blk
    the firmware moves the sectors by DMA, where on IDE it makes one emulated
    port access per 16-bit word: about 25 ms per test image under TCG.
    SeaBIOS only boots virtio disks of at least one CHS cylinder, so smaller
    images (a bare boot sector) stay on IDE; tools/mkimage.py pads ours to
    1 MiB.
    """
    if disk != 'auto':
        return disk == 'virtio'
    try:
        return os.path.getsize(image) >= VIRTIO_MIN_DISK_BYTES
    except OSError:
        return False


def test_command(args: argparse.Namespace, cmdline: str, qmp: Optional[str]) -> list[str]:
    """The QEMU command line of one test-mode boot.

    Only the devices a test needs: COM1 on stdout (the harness reads it from a
    pipe), the exit device, and a VGA card so VGA text-mode tests can read
    back what they wrote. -no-reboot turns a triple fault into an exit.
    See virtio_disk() for the disk.
    """
    if args.exec:
        return [os.path.abspath(args.image)] + cmdline.split()
    cmd = [args.qemu, '-nodefaults', '-no-reboot', '-display', 'none', '-vga', 'std']
    cmd += image_args(args, virtio_disk(args.disk, args.image))
    cmd += ['-device', DEBUG_EXIT_DEVICE, '-serial', 'stdio']
    cmd += cmdline_args(cmdline)
    if qmp:
        cmd += ['-qmp', f'unix:{qemu_escape(qmp)},server=on,wait=off']
    return cmd + gdb_args(args) + args.qemu_args


def run_words(args: argparse.Namespace) -> list[str]:
    """Kernel command line words of a normal test run."""
    words = [f'ktest.filter={",".join(args.filter)}'] if args.filter else []
    if args.shuffle is not None:
        words.append(f'ktest.shuffle={args.shuffle}')
    if args.repeat > 1:
        words.append(f'ktest.repeat={args.repeat}')
    return words + case_timeout_words(args) + args.cmdline


def list_words(args: argparse.Namespace) -> list[str]:
    """Kernel command line words of the boot that lists the selected cases
    (in their shuffled order for --list; --fresh-boot shuffles by itself)."""
    words = [f'ktest.filter={",".join(args.filter)}'] if args.filter else []
    if args.list and args.shuffle is not None:
        words.append(f'ktest.shuffle={args.shuffle}')
    return words + ['ktest.list'] + args.cmdline


def case_words(args: argparse.Namespace, glob: str) -> list[str]:
    """Kernel command line words of a --fresh-boot boot running one case."""
    return [f'ktest.filter={glob}'] + case_timeout_words(args) + args.cmdline


def case_timeout_words(args: argparse.Namespace) -> list[str]:
    """The ktest.timeout word when --case-timeout was given."""
    return [f'ktest.timeout={args.case_timeout}'] if args.case_timeout else []


# --------------------------------------------------------------------------
# Checks before starting QEMU, and hints
# --------------------------------------------------------------------------

def find_qemu(name: str) -> str:
    """Return the path of the QEMU binary, or raise a UsageError saying how to get it."""
    path = shutil.which(name)
    if path is None:
        raise UsageError(f'QEMU not found: {name!r}; install it with '
                         "'sudo apt-get install qemu-system-x86' (Debian/Ubuntu package "
                         'qemu-system-x86) or pass --qemu PATH')
    return path


def check_image(image: str) -> None:
    """Raise a UsageError when the image is not a readable file."""
    if not os.path.isfile(image):
        raise UsageError(f'image not found: {image}; build it first with '
                         "'meson compile -C build'")
    if not os.access(image, os.R_OK):
        raise UsageError(f'image not readable: {image}')


def gdb_hint(args: argparse.Namespace) -> str:
    """The line telling how to attach gdb to a paused QEMU."""
    elf = args.elf
    if elf is None:
        stem = args.image[:-4] if args.image.endswith('.img') else args.image
        elf = stem + '.elf'
    command = f"gdb -ex 'target remote localhost:{args.gdb}' {shlex.quote(elf)}"
    hint = f'{PROG}: QEMU waits for a debugger; attach with: {command}'
    if not os.path.isfile(elf):
        hint += f' (note: {elf} does not exist; pass the kernel ELF with --elf PATH)'
    return hint


def display_hint(display: str) -> Optional[str]:
    """The line telling how to get out of QEMU for a display kind."""
    if display == 'none':
        return (f'{PROG}: QEMU runs headless with the serial port on this terminal; '
                'quit with Ctrl-A then X (Ctrl-A then C toggles the QEMU monitor)')
    if display == 'curses':
        return (f'{PROG}: QEMU draws the VGA text screen in this terminal; Esc then 3 '
                'shows the serial port, Esc then 1 the screen; to quit press Esc '
                'then 2 and type quit')
    return None


# --------------------------------------------------------------------------
# Run mode
# --------------------------------------------------------------------------

def run_interactive(args: argparse.Namespace) -> int:
    """Boot the image for a person; return QEMU's exit status."""
    display = resolve_display(args.display, dict(os.environ))
    cmd = run_command(args, display)
    if args.dry_run:
        print(shlex.join(cmd))
        return 0
    for hint in (display_hint(display), gdb_hint(args) if args.gdb else None):
        if hint:
            print(hint, file=sys.stderr, flush=True)
    try:
        proc = subprocess.Popen(cmd)
    except OSError as exc:
        raise UsageError(f'cannot start {args.qemu}: {exc.strerror}') from None
    try:
        status = proc.wait()
    except KeyboardInterrupt:
        stop_process(proc, grace=2.0)
        return EXIT_INTERRUPTED
    return status if status >= 0 else 128 - status


def stop_process(proc: subprocess.Popen, grace: float = 0.0) -> None:
    """Make sure a child QEMU is gone: wait up to grace seconds, then kill it."""
    if proc.poll() is None and grace:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    if getattr(proc, 'own_group', False):
        # A host test forks a process per case: end whatever it left behind.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


# --------------------------------------------------------------------------
# KTAP: what a test image prints (docs/protocol.md)
# --------------------------------------------------------------------------

FAILED = ('FAIL', 'TIMEOUT')
RESULT_RE = re.compile(r'(ok|not ok) ([0-9]+) ([^\s#](?:[^#]*[^\s#])?)(?: # (.*))?')
DIRECTIVE_RE = re.compile(r'(SKIP|TIMEOUT)(?: (.*))?')
PLAN_RE = re.compile(r'1\.\.([0-9]+)')
CASE_NAME = r'[A-Za-z_][A-Za-z0-9_]*'   # suite and case names are C identifiers
NAME_LINE_RE = re.compile(rf'# (?:plan|case): ({CASE_NAME}\.{CASE_NAME}(?:\[[^#]*\])?)')
PACKED_PLAN_RE = re.compile(rf'# plan: ({CASE_NAME})\.({CASE_NAME}(?: {CASE_NAME})+)')
SUBTEST_RE = re.compile(r'# Subtest: (\S+)')
DURATION_RE = re.compile(r'(.+): ([0-9]+) us')
PARAM_RE = re.compile(r'(.+?)\[.*\]')
IN_SUITES = ('suites', 'subtest', 'suite_plan', 'cases')   # parser states


@dataclass
class CaseResult:
    """One result line: a case, or one parameter of a parameterized case."""

    name: str                        # suite.case or suite.case[param]
    status: str                      # PASS, FAIL, SKIP or TIMEOUT
    reason: str = ''                 # of SKIP and TIMEOUT
    log: list[str] = field(default_factory=list)       # diagnostics before it
    details: list[str] = field(default_factory=list)   # diagnostics after it
    duration_us: Optional[int] = None


@dataclass
class PlanEntry:
    """One case of the plan (one `# plan:` line) and the results it got."""

    name: str
    results: list[CaseResult] = field(default_factory=list)
    param: bool = False              # results are case[param] lines

    def status(self) -> str:
        """The case's status: its worst result, or NOT RUN without results."""
        kinds = {result.status for result in self.results}
        for kind in ('FAIL', 'TIMEOUT'):
            if kind in kinds:
                return kind
        if not kinds:
            return 'NOT RUN'
        return 'SKIP' if kinds == {'SKIP'} else 'PASS'

    def reason(self) -> str:
        """The first SKIP or TIMEOUT reason matching the case's status."""
        status = self.status()
        return next((r.reason for r in self.results if r.status == status and r.reason), '')


@dataclass
class SuiteBlock:
    """The suite subtest being read."""

    name: str
    group: int                       # index into KtapParser.groups
    planned: Optional[int] = None
    count: int = 0
    failed: int = 0


Event = tuple[str, object]           # ('plan', n) ('result', CaseResult)
                                     # ('entry', PlanEntry) ('input', None)


def split_groups(names: list[str]) -> list[list[str]]:
    """Cut plan names into suite runs: a new run at a suite change or a repeated case."""
    groups: list[list[str]] = []
    seen: set[str] = set()           # names in groups[-1]
    for name in names:
        suite = name.split('.', 1)[0]
        last = groups[-1] if groups else None
        if last and last[0].split('.', 1)[0] == suite and name not in seen:
            last.append(name)
        else:
            groups.append([name])
            seen = set()
        seen.add(name)
    return groups


def expand_plan(names: list[str], suites: int) -> list[list[str]]:
    """Match the `# plan:` names to the top-level plan 1..suites.

    The names list every run in order (then there is one suite run per
    suite), or, with ktest.repeat, the selection once (then the top-level
    plan is a multiple of the suite runs, and the list is repeated).
    """
    groups = split_groups(names)
    if len(groups) == suites:
        return groups
    if groups and suites % len(groups) == 0:
        return groups * (suites // len(groups))
    raise ProtocolError(f'top-level plan 1..{suites} does not fit the {len(groups)} '
                        'suite(s) named by the "# plan:" lines')


class KtapParser:
    """Strict, streaming reader of a test image's serial output.

    feed() takes one line and returns the events it produced: ('plan', n) when
    the plan is known, ('result', r) at every case result, ('entry', e) when a
    case is over (its diagnostics read), ('input', None) when the kernel waits
    for keys. It raises ProtocolError at the first line that breaks the
    protocol. With list_mode, the image only lists its cases (ktest.list).
    """

    def __init__(self, list_mode: bool = False) -> None:
        self.list_mode = list_mode
        self.state = 'version'
        self.seen_output = False
        self.listed: list[str] = []
        self.entries: list[PlanEntry] = []
        self.groups: list[tuple[str, int, int]] = []   # suite, first entry, end
        self.suites_done = 0
        self.block: Optional[SuiteBlock] = None
        self.cursor = 0                  # next plan entry to report
        self.open: Optional[PlanEntry] = None
        self.result: Optional[CaseResult] = None       # collecting details
        self.pending_log: list[str] = []
        self.panic: Optional[str] = None
        self.last_diag: Optional[str] = None
        self.events: list[Event] = []

    @property
    def complete(self) -> bool:
        """True once everything the protocol requires has been read."""
        if self.list_mode:
            return self.state in ('header', 'listed')
        return self.state == 'done'

    def feed(self, line: str) -> list[Event]:
        """Read one line (without its newline)."""
        self.events = []
        self.seen_output = True
        body = line.lstrip(' ')
        indent = len(line) - len(body)
        if indent not in (0, 4) or not body:
            raise ProtocolError(f'malformed line {line!r}')
        if body.startswith('#'):
            self._diagnostic(indent, body)
        else:
            getattr(self, '_in_' + self.state)(indent, body, line)
        return self.events

    def finish(self) -> list[Event]:
        """Call at the end of the output: closes the last case."""
        self.events = []
        self._close_open()
        return self.events

    def unreported(self) -> list[PlanEntry]:
        """Planned cases that got no result, in plan order."""
        return [entry for entry in self.entries if not entry.results]

    def running_case(self) -> Optional[str]:
        """The case after the last reported one: what was running if the image died."""
        missing = self.unreported()
        return missing[0].name if missing else None

    def results(self) -> list[CaseResult]:
        """Every result read so far."""
        return [result for entry in self.entries for result in entry.results]

    # States: what a line that is not a diagnostic may be.

    def _in_version(self, indent: int, body: str, line: str) -> None:
        """First line: the KTAP version."""
        if line != 'KTAP version 1':
            raise ProtocolError(f"expected 'KTAP version 1' as the first line, got {line!r}")
        self.state = 'header'

    def _in_header(self, indent: int, body: str, line: str) -> None:
        """After the version: `# plan:` lines, then the top-level plan."""
        match = PLAN_RE.fullmatch(line)
        if not match:
            raise ProtocolError(f'expected the top-level plan 1..N, got {line!r}')
        self._top_plan(int(match.group(1)))

    def _in_suites(self, indent: int, body: str, line: str) -> None:
        """Between suites: the next suite's version line."""
        if line != '    KTAP version 1':
            raise ProtocolError(f"expected a suite ('    KTAP version 1'), got {line!r}")
        if self.suites_done >= len(self.groups):
            raise ProtocolError('more suites than the top-level plan')
        self.state = 'subtest'

    def _in_subtest(self, indent: int, body: str, line: str) -> None:
        """After a suite's version line only its `# Subtest:` line may come."""
        raise ProtocolError(f"expected '    # Subtest: NAME', got {line!r}")

    def _in_suite_plan(self, indent: int, body: str, line: str) -> None:
        """After `# Subtest:`: the suite's plan."""
        match = PLAN_RE.fullmatch(body)
        if indent != 4 or not match:
            raise ProtocolError(f'suite {self.block.name}: missing suite plan, got {line!r}')
        self.block.planned = int(match.group(1))
        self.state = 'cases'

    def _in_cases(self, indent: int, body: str, line: str) -> None:
        """Inside a suite: case results, then the suite's own result line."""
        match = RESULT_RE.fullmatch(body)
        if not match:
            raise ProtocolError(f'malformed line {line!r}')
        ok, number, name, directive = match.groups()
        status, reason = result_status(ok == 'ok', directive, line)
        if indent == 4:
            self._case(int(number), name, status, reason)
        else:
            self._suite_end(int(number), name, status)

    def _in_listed(self, indent: int, body: str, line: str) -> None:
        """List mode after the plan: only diagnostics."""
        raise ProtocolError(f'unexpected line in a case list: {line!r}')

    def _in_done(self, indent: int, body: str, line: str) -> None:
        """After the last suite: only diagnostics."""
        raise ProtocolError(f'unexpected line after the last suite: {line!r}')

    # What the lines mean.

    def _diagnostic(self, indent: int, body: str) -> None:
        """A `#` line: plan line, subtest name, or a diagnostic of a case."""
        if self.state == 'version':
            raise ProtocolError(f"expected 'KTAP version 1' as the first line, got {body!r}")
        self.last_diag = body
        if body.startswith('# panic:'):
            self.panic = body
        if body.startswith(INPUT_PROMPT):
            self.events.append(('input', None))
        if self.state == 'header' and body.startswith(self._name_line()):
            self._plan_line(indent, body)
        elif self.state == 'subtest' and indent == 4:
            self._subtest(body)
        elif self.state in IN_SUITES:
            self._attach(body[1:].removeprefix(' '))
        # Diagnostics of the header and after the last suite are not a case's.

    def _name_line(self) -> tuple[str, ...]:
        """Header lines naming cases: `# plan:`, and in a list `# case:` too."""
        return ('# plan: ', '# case: ') if self.list_mode else ('# plan: ',)

    def _plan_line(self, indent: int, body: str) -> None:
        """`# plan: suite.case` or `# plan: suite.a b c` (plain cases of one
        suite), or `# case: suite.case[param]` in a list."""
        packed = PACKED_PLAN_RE.fullmatch(body)
        match = NAME_LINE_RE.fullmatch(body)
        if indent or not (packed or match):
            raise ProtocolError(f'malformed plan line {body!r}')
        if packed:
            suite = packed.group(1)
            self.listed += [f'{suite}.{case}' for case in packed.group(2).split(' ')]
        else:
            self.listed.append(match.group(1))

    def _top_plan(self, suites: int) -> None:
        """The top-level plan 1..S ends the header."""
        if self.list_mode:
            self.state = 'listed'
            return
        first = 0
        for group in expand_plan(self.listed, suites):
            self.entries += [PlanEntry(name) for name in group]
            self.groups.append((group[0].split('.', 1)[0], first, first + len(group)))
            first += len(group)
        self.state = 'suites' if suites else 'done'
        self.events.append(('plan', len(self.entries)))

    def _subtest(self, body: str) -> None:
        """`# Subtest: NAME` opens the suite the plan expects next."""
        match = SUBTEST_RE.fullmatch(body)
        if not match:
            raise ProtocolError(f"expected '    # Subtest: NAME', got {body!r}")
        expected = self.groups[self.suites_done][0]
        if match.group(1) != expected:
            raise ProtocolError(f'suite {match.group(1)} reported where the plan has '
                                f'suite {expected}')
        self.block = SuiteBlock(expected, self.suites_done)
        self.state = 'suite_plan'

    def _attach(self, text: str) -> None:
        """Give a diagnostic to the case it belongs to.

        Diagnostics before a result are that case's log. After a result, the
        ones prefixed with its name (`name: ...`) are its details, up to its
        duration line (`name: N us`); anything else starts the next case.
        """
        result = self.result
        if result is not None:
            short = result.name.split('.', 1)[1]
            duration = duration_of(text, short)
            if duration is not None:
                result.duration_us = duration
                self._case_over()
                return
            if text.startswith(short + ': '):
                result.details.append(text)
                return
            self._case_over()
        self.pending_log.append(text)

    def _case_over(self) -> None:
        """The current result has all its diagnostics; a plain case is over."""
        self.result = None
        if self.open and not self.open.param:
            self._close_open()

    def _case(self, number: int, name: str, status: str, reason: str) -> None:
        """A case result inside a suite."""
        block = self.block
        if number != block.count + 1:
            raise ProtocolError(f'suite {block.name}: result {number} ({name}) where '
                                f'{block.count + 1} was due')
        if number > block.planned:
            raise ProtocolError(f'suite {block.name}: more results than its plan '
                                f'1..{block.planned}')
        block.count = number
        block.failed += status in FAILED
        result = CaseResult(f'{block.name}.{name}', status, reason, self.pending_log)
        self.pending_log = []
        self._match(result)
        self.result = result
        self.events.append(('result', result))
        if result.log and duration_of(result.log[-1], name) is not None:
            # The duration came just before the result: the case is over.
            result.duration_us = duration_of(result.log.pop(), name)
            self._case_over()

    def _match(self, result: CaseResult) -> None:
        """Find the plan entry of a result: the next one, or the open parameterized one."""
        name = result.name
        param = PARAM_RE.fullmatch(name)
        base = param.group(1) if param else None
        if self.open and self.open.param and base == self.open.name:
            self.open.results.append(result)
            return
        self._close_open()
        end = self.groups[self.block.group][2]
        entry = self.entries[self.cursor] if self.cursor < end else None
        if entry is None or name != entry.name and base != entry.name:
            raise ProtocolError(self._mismatch(name, entry))
        entry.param = name != entry.name
        entry.results.append(result)
        self.cursor += 1
        self.open = entry

    def _mismatch(self, name: str, expected: Optional[PlanEntry]) -> str:
        """Say how a result fails to match the plan."""
        param = PARAM_RE.fullmatch(name)
        known = {entry.name for entry in self.entries}
        if name not in known and not (param and param.group(1) in known):
            return f'case {name} is not in the plan'
        due = expected.name if expected else f'the end of suite {self.block.name}'
        return f'case {name} reported where the plan has {due}'

    def _close_open(self) -> None:
        """The open case is over: hand it out."""
        if self.open is not None:
            self.events.append(('entry', self.open))
            self.open = None

    def _suite_end(self, number: int, name: str, status: str) -> None:
        """The suite's own result line, unindented."""
        block = self.block
        self._close_open()
        self.result = None
        if block.count != block.planned:
            raise ProtocolError(f'suite {block.name} ended after {block.count} of the '
                                f'{block.planned} results in its plan')
        if self.cursor != self.groups[block.group][2]:
            raise ProtocolError(f'suite {block.name} ended without case '
                                f'{self.entries[self.cursor].name} of the plan')
        if number != self.suites_done + 1 or name != block.name:
            raise ProtocolError(f'suite result {number} {name} where '
                                f'{self.suites_done + 1} {block.name} was due')
        if (status in FAILED) != (block.failed > 0):
            raise ProtocolError(f'suite {block.name} result does not agree with its cases')
        self.suites_done += 1
        self.block = None
        self.state = 'done' if self.suites_done == len(self.groups) else 'suites'


def duration_of(text: str, short: str) -> Optional[int]:
    """The microseconds of a duration diagnostic `short: N us`, else None."""
    match = DURATION_RE.fullmatch(text)
    return int(match.group(2)) if match and match.group(1) == short else None


def result_status(ok: bool, directive: Optional[str], line: str) -> tuple[str, str]:
    """Status and reason of a result line: ok [# SKIP r] or not ok [# TIMEOUT r]."""
    if directive is None:
        return ('PASS' if ok else 'FAIL'), ''
    match = DIRECTIVE_RE.fullmatch(directive)
    if match and match.group(1) == ('SKIP' if ok else 'TIMEOUT'):
        return match.group(1), match.group(2) or ''
    raise ProtocolError(f'bad directive in {line!r}')


def decode_line(raw: bytes) -> str:
    """Decode one serial line, refusing what is not printable text."""
    if raw.endswith(b'\r'):
        raw = raw[:-1]
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        text = None
    if text is None or any(ch != '\t' and unicodedata.category(ch) == 'Cc' for ch in text):
        raise ProtocolError(f'garbage on the serial port: {raw[:60]!r}')
    return text


def printable(raw: bytes) -> str:
    """Show a raw serial line safely: bad bytes and control characters escaped."""
    text = raw.decode('utf-8', 'backslashreplace')
    return ''.join(ch if ch == '\t' or unicodedata.category(ch) != 'Cc'
                   else f'\\x{ord(ch):02x}' for ch in text)


# --------------------------------------------------------------------------
# Typing keys through QMP
# --------------------------------------------------------------------------

class QmpError(Exception):
    """QEMU answered a QMP command with an error."""


class Qmp:
    """A minimal QMP client on a unix socket: connect, negotiate, run commands."""

    def __init__(self, path: str, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.file = self.sock.makefile('rwb')
        self._read()                                   # the greeting
        self.command('qmp_capabilities')

    def _read(self) -> dict:
        """Read the next message that is not an asynchronous event."""
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError('QEMU closed the QMP socket')
            message = json.loads(line)
            if 'event' not in message:
                return message

    def command(self, name: str, arguments: Optional[dict] = None) -> object:
        """Run one QMP command; raise QmpError with QEMU's message if it fails."""
        request: dict = {'execute': name}
        if arguments is not None:
            request['arguments'] = arguments
        self.file.write(json.dumps(request).encode() + b'\n')
        self.file.flush()
        reply = self._read()
        if 'error' in reply:
            raise QmpError(reply['error'].get('desc', str(reply['error'])))
        return reply.get('return')

    def close(self) -> None:
        """Close the connection."""
        self.file.close()
        self.sock.close()


class KeyRefused(Exception):
    """QEMU answered a send-key command with an error (a bad key name)."""


def key_to_qmp(key: str) -> list[dict]:
    """Turn a sendkey name or combo (shift-a, 0x1e) into QMP KeyValues."""
    values = []
    for part in key.split('-'):
        if re.fullmatch(r'0[xX][0-9a-fA-F]+', part):
            values.append({'type': 'number', 'data': int(part, 16)})
        else:
            values.append({'type': 'qcode', 'data': part})
    return values


class KeySender:
    """Types the --keys specs into the guest, one spec per input prompt.

    error: QEMU refused a key (the run is an error). lost: the QMP connection
    failed, which is expected when the guest ended QEMU before the last key;
    it is only shown as context when the run went wrong anyway.
    """

    def __init__(self, path: str, specs: list[str]) -> None:
        self.path = path
        self.specs = list(specs)
        self.error: Optional[str] = None
        self.lost: Optional[str] = None
        self.abort: Callable[[str], None] = lambda reason: None
        self.lock = threading.Lock()
        self.thread: Optional[threading.Thread] = None

    def prompt(self) -> None:
        """The kernel waits for input: start typing the next spec, if any."""
        if not self.specs or self.error:
            return
        spec = self.specs.pop(0)
        previous = self.thread
        self.thread = threading.Thread(target=self._type, args=(spec, previous), daemon=True)
        self.thread.start()

    def _type(self, spec: str, previous: Optional[threading.Thread]) -> None:
        """Send each key of spec in order (after any earlier spec is done)."""
        if previous:
            previous.join()
        try:
            qmp = Qmp(self.path)
            try:
                for key in spec.split():
                    self._send(qmp, key)
            finally:
                qmp.close()
        except KeyRefused as exc:
            with self.lock:
                self.error = self.error or f'could not type --keys {spec!r}: {exc}'
            self.abort(self.error)
        except (OSError, ValueError, QmpError) as exc:
            with self.lock:
                self.lost = self.lost or f'could not type --keys {spec!r}: {exc}'

    @staticmethod
    def _send(qmp: Qmp, key: str) -> None:
        """Press and release one key or combo."""
        try:
            qmp.command('send-key', {'keys': key_to_qmp(key), 'hold-time': KEY_HOLD_MS})
        except QmpError as exc:
            raise KeyRefused(f'QEMU refused key {key!r}: {exc}') from None
        time.sleep((KEY_HOLD_MS + KEY_GAP_MS) / 1000)

    def wait(self) -> None:
        """Wait briefly for typing to end (QEMU is gone or going)."""
        if self.thread:
            self.thread.join(timeout=1.0)


# --------------------------------------------------------------------------
# One boot in test mode
# --------------------------------------------------------------------------

@dataclass
class BootOutcome:
    """How one test-mode QEMU run ended."""

    status: Optional[int] = None     # QEMU's exit status; None if it was killed
    timed_out: bool = False
    error: Optional[str] = None      # a protocol or harness failure
    partial: bool = False            # the output ended in the middle of a line
    tail: deque = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    stderr: list[str] = field(default_factory=list)


class Deadline:
    """The inactivity clock: restarted at every case result; 0 s = never expires."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.end: Optional[float] = None
        self.restart()

    def restart(self) -> None:
        """Start counting again."""
        self.end = time.monotonic() + self.limit if self.limit else None

    def remaining(self) -> Optional[float]:
        """Seconds left, or None without a limit."""
        return None if self.end is None else max(0.0, self.end - time.monotonic())


def read_serial(stream: IO[bytes], lines: queue.Queue) -> None:
    """Thread: cut QEMU's stdout (COM1) into lines for the harness.

    Puts ('line', bytes), ('long', bytes) or at the end ('eof', rest); the key
    sender may put ('abort', reason) into the same queue.
    """
    while True:
        chunk = stream.readline(MAX_LINE_BYTES + 1)
        if chunk.endswith(b'\n'):
            lines.put(('line', chunk[:-1]))
        elif len(chunk) > MAX_LINE_BYTES:
            lines.put(('long', chunk))
        else:
            lines.put(('eof', chunk))
            return


def read_stderr(stream: IO[bytes], keep: deque) -> None:
    """Thread: keep the last lines QEMU prints on stderr."""
    for raw in iter(stream.readline, b''):
        keep.append(raw.decode('utf-8', 'replace').rstrip())


def start_qemu(cmd: list[str]) -> subprocess.Popen:
    """Start a test-mode QEMU: stdin is not the terminal, COM1 and stderr are pipes."""
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        raise UsageError(f'cannot start {cmd[0]}: {exc.strerror}') from None
    proc.own_group = True    # type: ignore[attr-defined]
    return proc


def boot(cmd: list[str], parser: KtapParser, sink: Callable[[Event], None],
         timeout: float, keys: Optional[KeySender]) -> BootOutcome:
    """Run one QEMU to its end, feeding COM1 to parser and its events to sink."""
    outcome = BootOutcome()
    proc = start_qemu(cmd)
    stderr: deque = deque(maxlen=TAIL_LINES)
    lines: queue.Queue = queue.Queue()
    readers = [threading.Thread(target=read_serial, args=(proc.stdout, lines), daemon=True),
               threading.Thread(target=read_stderr, args=(proc.stderr, stderr), daemon=True)]
    for reader in readers:
        reader.start()
    if keys:
        keys.abort = lambda reason: lines.put(('abort', reason))
    try:
        pump(lines, parser, sink, Deadline(timeout), keys, outcome)
        for event in parser.finish():    # the last case, however the run ended
            sink(event)
        if not (outcome.timed_out or outcome.error):
            outcome.status = wait_for_exit(proc, outcome)
    finally:
        stop_process(proc)
    for reader in readers:
        reader.join(timeout=1.0)
    outcome.stderr = list(stderr)
    return outcome


def pump(lines: queue.Queue, parser: KtapParser, sink: Callable[[Event], None],
         deadline: Deadline, keys: Optional[KeySender], outcome: BootOutcome) -> None:
    """Read serial lines until the output ends, the timeout expires or a protocol error."""
    while True:
        try:
            kind, raw = lines.get(timeout=deadline.remaining())
        except queue.Empty:
            outcome.timed_out = True
            return
        if kind == 'abort':
            outcome.error = raw
            return
        if raw:
            outcome.tail.append(printable(raw))
        try:
            if kind == 'eof':
                outcome.partial = bool(raw)
                return
            if kind == 'long':
                raise ProtocolError(f'a line longer than {MAX_LINE_BYTES} bytes')
            dispatch_events(parser.feed(decode_line(raw)), sink, deadline, keys)
        except ProtocolError as exc:
            outcome.error = f'protocol error: {exc}'
            return


def dispatch_events(events: list[Event], sink: Callable[[Event], None],
                    deadline: Deadline, keys: Optional[KeySender]) -> None:
    """Act on parser events: restart the clock, type keys, pass them on."""
    for event in events:
        if event[0] == 'result':
            deadline.restart()
        elif event[0] == 'input' and keys:
            keys.prompt()
        sink(event)


def wait_for_exit(proc: subprocess.Popen, outcome: BootOutcome) -> Optional[int]:
    """QEMU closed COM1: give it a moment to exit and return its status."""
    try:
        return proc.wait(timeout=EXIT_GRACE_S)
    except subprocess.TimeoutExpired:
        outcome.error = 'QEMU closed the serial port but did not exit'
        return None


def run_boot(args: argparse.Namespace, words: list[str], parser: KtapParser,
             sink: Callable[[Event], None], keys: list[str]) -> BootOutcome:
    """One test-mode boot with the given kernel words (QMP socket when typing keys)."""
    with tempfile.TemporaryDirectory(prefix='ktest-') as tmp:
        qmp = os.path.join(tmp, 'qmp.sock') if keys else None
        sender = KeySender(qmp, keys) if qmp else None
        cmd = test_command(args, ' '.join(words), qmp)
        timeout = 0.0 if args.gdb else args.timeout
        outcome = boot(cmd, parser, sink, timeout, sender)
        if args.exec and outcome.status is not None:
            outcome.status = EXEC_STATUS.get(outcome.status, outcome.status)
        if sender:
            sender.wait()
            if sender.error:
                outcome.error = sender.error
            elif sender.lost:
                outcome.stderr.append(f'({PROG}: {sender.lost})')
    return outcome


# --------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------

@dataclass
class Verdict:
    """PASS, FAIL, SKIP or ERROR, with why, and the output to show for an ERROR."""

    kind: str
    reason: str
    tail: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def plural(count: int, word: str) -> str:
    """'1 case', '2 cases'."""
    return f'{count} {word}' + ('' if count == 1 else 's')


def position(parser: KtapParser) -> str:
    """Where the image was when it stopped."""
    if not parser.seen_output:
        return 'before any output'
    if parser.state in ('version', 'header'):
        return 'before its test plan was complete'
    running = parser.running_case()
    return f'while running case {running}' if running else 'after the last case'


def status_problem(status: Optional[int], parser: KtapParser, where: str,
                   accepted: tuple[int, ...]) -> Optional[str]:
    """What is wrong with QEMU's exit status, if anything."""
    if status in accepted:
        return None
    if status == QEMU_PANIC:
        said = parser.panic or parser.last_diag or 'it printed no diagnostic'
        return f'kernel panic or error (QEMU status 37) {where}: {said}'
    if status == 0:
        return (f'QEMU exited with status 0 {where}: the machine reset (triple '
                'fault?) instead of writing an exit code')
    if status is not None and status < 0:
        return f'QEMU was killed by signal {-status} {where}'
    return f'QEMU exited with status {status} {where}, which is not a ktest exit'


def boot_problem(parser: KtapParser, outcome: BootOutcome, timeout: float,
                 accepted: tuple[int, ...]) -> Optional[str]:
    """Why a boot did not complete, or None if it did."""
    where = position(parser)
    if outcome.error:
        return outcome.error
    if outcome.timed_out:
        return (f'timeout: no case result for {timeout:g} s {where} '
                '(hang; see --timeout)')
    problem = status_problem(outcome.status, parser, where, accepted)
    if problem:
        return problem
    if not parser.seen_output:
        return f'no output, although QEMU exited with status {outcome.status}'
    if not parser.complete:
        return f'output ended {where} although QEMU exited with status {outcome.status}'
    if outcome.partial:
        return 'the output ended in the middle of a line'
    return None


def score(parser: KtapParser, status: Optional[int], filtered: bool) -> Verdict:
    """The verdict of a boot that completed: results against the exit status."""
    results = parser.results()
    failed = sum(result.status in FAILED for result in results)
    skipped = sum(result.status == 'SKIP' for result in results)
    if not results:
        if filtered and status == QEMU_PASSED:
            return Verdict('SKIP', 'no case matches --filter')
        return Verdict('ERROR', 'no results: the image ran no test case')
    if status == QEMU_PASSED and failed:
        return Verdict('ERROR', f'QEMU status 33 says every case passed, but {failed} '
                                'failed')
    if status == QEMU_FAILED and not failed:
        return Verdict('ERROR', 'QEMU status 35 says a case failed, but none did')
    if failed:
        return Verdict('FAIL', f'{failed} of {plural(len(results), "case")} failed')
    if skipped == len(results):
        return Verdict('SKIP', f'all {skipped} cases were skipped')
    return Verdict('PASS', f'{plural(len(results) - skipped, "case")} passed')


def decide(parser: KtapParser, outcome: BootOutcome, args: argparse.Namespace,
           accepted: tuple[int, ...] = (QEMU_PASSED, QEMU_FAILED)) -> Verdict:
    """The verdict of one boot. Only a complete, valid, consistent run can pass."""
    problem = boot_problem(parser, outcome, args.timeout, accepted)
    if problem is None:
        verdict = score(parser, outcome.status, bool(args.filter))
    else:
        verdict = Verdict('ERROR', problem)
    if verdict.kind == 'ERROR':
        verdict.tail, verdict.stderr = list(outcome.tail), outcome.stderr
    return verdict


def combine(verdicts: list[Verdict]) -> Verdict:
    """The verdict of several boots: any error, else any failure, else all skipped."""
    errors = [verdict for verdict in verdicts if verdict.kind == 'ERROR']
    if len(verdicts) == 1 or len(errors) == 1:
        return errors[0] if errors else verdicts[0]
    if errors:
        return Verdict('ERROR', f'{len(errors)} of {len(verdicts)} boots did not '
                                f'complete; the first: {errors[0].reason}')
    for kind in ('FAIL', 'PASS'):
        if any(verdict.kind == kind for verdict in verdicts):
            return Verdict(kind, '')
    return Verdict('SKIP', verdicts[0].reason if len(verdicts) == 1 else 'all skipped')


# --------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------

def strip_name(text: str, result: CaseResult) -> str:
    """Drop the `name: ` prefix the kernel puts on a case's diagnostics."""
    return text.removeprefix(result.name.split('.', 1)[1] + ': ')


def failure_lines(result: CaseResult) -> list[str]:
    """The diagnostics to show with a failed case: every line the kernel
    gave the case's name (checks, faults), and the last LOG_LINES others."""
    lines = result.log + result.details
    prefix = result.name.split('.', 1)[1] + ': '
    plain = [i for i, text in enumerate(lines) if not text.startswith(prefix)]
    dropped = set(plain[:-LOG_LINES])
    shown = [text for i, text in enumerate(lines) if i not in dropped]
    if dropped:
        shown.insert(0, f'({len(dropped)} earlier log lines not shown)')
    return shown


class Reporter:
    """Counts the cases it is given; subclasses show them."""

    def __init__(self) -> None:
        self.counts = {'PASS': 0, 'FAIL': 0, 'TIMEOUT': 0, 'SKIP': 0, 'NOT RUN': 0}
        self.number = 0

    def note(self, text: str) -> None:
        """Say something that is not a result (the shuffle seed)."""

    def plan(self, count: int) -> None:
        """The number of planned cases is known."""

    def entry(self, entry: PlanEntry) -> None:
        """A case is over."""
        self.number += 1
        for result in entry.results:
            self.counts[result.status] += 1
        self.show_entry(entry)

    def boot_done(self, verdict: Verdict, unreported: list[PlanEntry]) -> None:
        """A boot ended: report the cases it never reported, and its error."""
        for index, entry in enumerate(unreported):
            self.number += 1
            self.counts['NOT RUN'] += 1
            self.show_not_run(entry, verdict.reason, first=index == 0)
        if verdict.kind == 'ERROR':
            self.show_error(verdict)

    def summary(self) -> str:
        """`N passed, N failed, N skipped` (+ timed out, not run)."""
        counts = self.counts
        text = (f'{counts["PASS"]} passed, {counts["FAIL"] + counts["TIMEOUT"]} failed, '
                f'{counts["SKIP"]} skipped')
        if counts['TIMEOUT']:
            text += f' ({counts["TIMEOUT"]} timed out)'
        if counts['NOT RUN']:
            text += f', {counts["NOT RUN"]} not run'
        return text

    def show_entry(self, entry: PlanEntry) -> None:
        """Show one case."""

    def show_not_run(self, entry: PlanEntry, reason: str, first: bool) -> None:
        """Show a case that never reported (first: the one that was due)."""

    def show_error(self, verdict: Verdict) -> None:
        """Show why a boot did not complete."""

    def finish(self, verdict: Verdict) -> int:
        """Show the end of the report and return the exit status."""
        raise NotImplementedError


COLOURS = {'PASS': '32', 'FAIL': '31', 'TIMEOUT': '31', 'ERROR': '31',
           'NOT RUN': '31', 'SKIP': '33'}


class HumanReporter(Reporter):
    """Readable lines, one per case, then a summary (exit 0/1/77/99)."""

    def __init__(self, out: IO[str], colour: bool) -> None:
        super().__init__()
        self.out = out
        self.colour = colour

    def label(self, kind: str) -> str:
        """A status word, coloured on a terminal."""
        if self.colour and kind in COLOURS:
            return f'\033[{COLOURS[kind]}m{kind}\033[0m'
        return kind

    def say(self, text: str) -> None:
        """Print one line now."""
        print(text, file=self.out, flush=True)

    def note(self, text: str) -> None:
        self.say(text)

    def show_entry(self, entry: PlanEntry) -> None:
        for result in entry.results:
            line = f'{self.label(result.status)} {result.name}'
            if result.reason:
                line += f': {result.reason}'
            if result.duration_us is not None:
                line += f' ({result.duration_us} us)'
            self.say(line)
            if result.status in FAILED:
                for text in failure_lines(result):
                    self.say('    ' + strip_name(text, result))

    def show_not_run(self, entry: PlanEntry, reason: str, first: bool) -> None:
        self.say(f'{self.label("NOT RUN")} {entry.name}' + (f': {reason}' if first else ''))

    def show_error(self, verdict: Verdict) -> None:
        self.say(f'{self.label("ERROR")}: {verdict.reason}')
        for title, lines in (('last output from the image', verdict.tail),
                             ('QEMU stderr', verdict.stderr)):
            if lines:
                self.say(f'  {title}:')
                for line in lines:
                    self.say(f'    | {line}')

    def finish(self, verdict: Verdict) -> int:
        self.say(self.summary())
        reason = f': {verdict.reason}' if verdict.reason else ''
        self.say(f'{self.label(verdict.kind)}{reason}')
        return {'PASS': EXIT_PASS, 'FAIL': EXIT_FAIL, 'SKIP': EXIT_SKIP}.get(
            verdict.kind, EXIT_ERROR)


class TapReporter(Reporter):
    """Flat TAP 13 for meson on stdout; readable details on stderr, which meson
    shows for failed TAP tests."""

    def __init__(self, out: IO[str], err: IO[str]) -> None:
        super().__init__()
        self.out = out
        self.planned = False
        self.details = HumanReporter(err, colour=False)
        self.say('TAP version 13')

    def say(self, text: str) -> None:
        """Print one TAP line now."""
        print(text, file=self.out, flush=True)

    def note(self, text: str) -> None:
        self.say(f'# {text}')

    def plan(self, count: int) -> None:
        if count and not self.planned:
            self.say(f'1..{count}')
            self.planned = True

    def show_entry(self, entry: PlanEntry) -> None:
        status, name = entry.status(), entry.name
        if status == 'PASS':
            self.say(f'ok {self.number} {name}')
            return
        if status == 'SKIP':
            self.say(f'ok {self.number} {name} # SKIP {entry.reason()}'.rstrip())
            return
        # Meson only knows the SKIP and TODO directives, so "# TIMEOUT" is part
        # of a plain "not ok" line to it: the case scores as a failure.
        extra = f' # TIMEOUT {entry.reason()}'.rstrip() if status == 'TIMEOUT' else ''
        self.say(f'not ok {self.number} {name}{extra}')
        for result in entry.results:
            if result.status in FAILED:
                for text in failure_lines(result):
                    self.say(f'# {text}')
        self.details.show_entry(entry)

    def show_not_run(self, entry: PlanEntry, reason: str, first: bool) -> None:
        self.say(f'not ok {self.number} {entry.name} # not run: {reason}')

    def show_error(self, verdict: Verdict) -> None:
        self.details.show_error(verdict)

    def finish(self, verdict: Verdict) -> int:
        self.details.say(self.summary())
        if verdict.kind == 'ERROR':
            self.say(f'Bail out! {verdict.reason}')
            return EXIT_ERROR
        if not self.planned:
            self.say(f'1..0 # SKIP {verdict.reason}')
        return EXIT_PASS


def make_reporter(args: argparse.Namespace) -> Reporter:
    """The reporter for --tap or for a person."""
    if args.tap:
        return TapReporter(sys.stdout, sys.stderr)
    colour = sys.stdout.isatty() and not os.environ.get('NO_COLOR')
    return HumanReporter(sys.stdout, colour)


# --------------------------------------------------------------------------
# Test mode
# --------------------------------------------------------------------------

def single_boot(args: argparse.Namespace, reporter: Reporter) -> Verdict:
    """Run the whole selection in one boot."""
    parser = KtapParser()

    def sink(event: Event) -> None:
        """Pass the plan and finished cases to the reporter."""
        if event[0] == 'plan':
            reporter.plan(event[1])
        elif event[0] == 'entry':
            reporter.entry(event[1])

    outcome = run_boot(args, run_words(args), parser, sink, args.keys)
    verdict = decide(parser, outcome, args)
    reporter.boot_done(verdict, parser.unreported())
    return verdict


def list_cases(args: argparse.Namespace) -> list[str]:
    """Boot with ktest.list and return the selected case names (BootError if it fails)."""
    parser = KtapParser(list_mode=True)
    outcome = run_boot(args, list_words(args), parser, lambda event: None, [])
    problem = boot_problem(parser, outcome, args.timeout, (QEMU_PASSED,))
    if problem:
        raise BootError(Verdict('ERROR', f'could not list the cases: {problem}',
                                list(outcome.tail), outcome.stderr))
    return parser.listed


def name_glob(name: str) -> str:
    """A ktest.filter glob selecting exactly name: a space or comma (which
    would end the glob) becomes '?'."""
    return re.sub(r'[\s,]', '?', name)


def boot_one_case(args: argparse.Namespace, reporter: Reporter, name: str) -> Verdict:
    """A --fresh-boot boot that runs one listed case (or one parameter of it)."""
    glob = name_glob(name)
    parser = KtapParser()
    param = PARAM_RE.fullmatch(name)

    allowed = [[name], [param.group(1)]] if param else [[name]]

    def sink(event: Event) -> None:
        """Stop at once when the image plans another case than name."""
        planned = [entry.name for entry in parser.entries]
        if event[0] == 'plan' and planned not in allowed:
            raise ProtocolError(f'booted with ktest.filter={glob}, the image planned '
                                f'{", ".join(planned) or "nothing"}')

    outcome = run_boot(args, case_words(args, glob), parser, sink, args.keys)
    verdict = decide(parser, outcome, args)
    results = parser.results()
    if [result.name for result in results] == [name]:
        reporter.entry(PlanEntry(name, results))
        reporter.boot_done(verdict, [])
        return verdict
    if verdict.kind != 'ERROR':
        ran = ', '.join(result.name for result in results) or 'nothing'
        verdict = Verdict('ERROR', f'booted with ktest.filter={glob}, the image ran '
                                   f'{ran}', list(outcome.tail), outcome.stderr)
    reporter.boot_done(verdict, [PlanEntry(name)])
    return verdict


def fresh_boot(args: argparse.Namespace, reporter: Reporter) -> list[Verdict]:
    """List the cases, then boot once per case; returns one verdict per boot."""
    try:
        names = list_cases(args)
    except BootError as exc:
        reporter.boot_done(exc.verdict, [])
        return [exc.verdict]
    if args.shuffle:
        random.Random(args.shuffle).shuffle(names)
    names *= args.repeat
    reporter.plan(len(names))
    if not names:
        verdict = (Verdict('SKIP', 'no case matches --filter') if args.filter else
                   Verdict('ERROR', 'no results: the image lists no test case'))
        reporter.boot_done(verdict, [])
        return [verdict]
    return [boot_one_case(args, reporter, name) for name in names]


def run_list(args: argparse.Namespace) -> int:
    """--list: print the selected case names, one per line."""
    if args.seed_picked:
        print(f'shuffle seed: {args.shuffle}', file=sys.stderr)
    try:
        names = list_cases(args)
    except BootError as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        HumanReporter(sys.stderr, colour=False).show_error(exc.verdict)
        return EXIT_ERROR
    for name in names:
        print(name)
    return EXIT_PASS


def dry_run_tests(args: argparse.Namespace) -> int:
    """--dry-run in test mode: print the first QEMU command of the run."""
    qmp = os.path.join(tempfile.gettempdir(), 'ktest-XXXXXX', 'qmp.sock')
    if args.list or args.fresh_boot:
        print(shlex.join(test_command(args, ' '.join(list_words(args)), None)))
        if not args.list:
            print('# then one boot per listed case, with ktest.filter=<case>')
    else:
        print(shlex.join(test_command(args, ' '.join(run_words(args)),
                                      qmp if args.keys else None)))
    return EXIT_PASS


def run_tests(args: argparse.Namespace) -> int:
    """Test mode: run the image's cases and report them; returns the exit status."""
    if args.dry_run:
        return dry_run_tests(args)
    if args.gdb:
        print(gdb_hint(args), file=sys.stderr, flush=True)
    if args.list:
        return run_list(args)
    reporter = make_reporter(args)
    if args.seed_picked:
        reporter.note(f'shuffle seed: {args.shuffle}')
    if args.fresh_boot:
        verdicts = fresh_boot(args, reporter)
    else:
        verdicts = [single_boot(args, reporter)]
    return reporter.finish(combine(verdicts))


def terminate(signum: int, frame: object) -> None:
    """SIGTERM (meson's timeout): unwind so QEMU gets killed on the way out."""
    raise SystemExit(128 + signum)


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point: parse the command line and run one of the modes."""
    signal.signal(signal.SIGTERM, terminate)
    if hasattr(sys.stdout, 'reconfigure'):
        sys.stdout.reconfigure(errors='backslashreplace')
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv, dict(os.environ))
        if args.exec and (args.keys or args.gdb or not args.test):
            raise UsageError('--exec runs a host test: no --keys, --gdb or run mode')
        if not args.dry_run:
            check_image(args.image)
            if not args.exec:
                args.qemu = find_qemu(args.qemu)
        return run_tests(args) if args.test else run_interactive(args)
    except UsageError as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        sys.stdout = open(os.devnull, 'w')   # nobody reads the report any more
        return EXIT_ERROR


if __name__ == '__main__':
    sys.exit(main())
