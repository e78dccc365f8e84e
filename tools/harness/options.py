"""run_qemu.py's options: one table, read by a small parser of its own for
the command lines meson passes (so a test run starts QEMU without loading
argparse), and by argparse for --help, mistakes and everything unusual.

Both parsers give the same namespace; tools/tests/test_cli.py checks that
they agree. Converters raise BadValue, which argparse reports as it reports
its own errors.
"""

from __future__ import annotations

import os
import sys

from .config import (ACCELS, BOOTS, DEFAULT_GDB_PORT, DEFAULT_MAX_BOOTS, DEFAULT_MEMORY_MIB,
                     DEFAULT_OVMF, DEFAULT_QEMU, DISKS, DISPLAYS, MACHINES, UsageError)

PROG = 'run_qemu.py'

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

ways to boot (--boot):
  bios (default) and uefi boot the disk image as a PC does, through SeaBIOS or
  OVMF; pvh starts the image's kernel ELF directly (QEMU -kernel, qboot on pc,
  or -machine microvm), the fastest, and passes the same ELF as -initrd for
  the kernel's symbols. meson's default test setup boots test images pvh;
  `meson test --setup bios` and `--setup uefi` boot them from disk.

environment (used when the option is not given; meson sets them):
  KTEST_IMAGE    IMAGE              KTEST_QEMU     --qemu
  KTEST_MEMORY   --memory           KTEST_MACHINE  --machine
  KTEST_DISPLAY  --display          KTEST_DISK     --disk
  KTEST_RETRIES  --retries          KTEST_BOOT     --boot
  KTEST_OVMF     --ovmf
  NO_COLOR       set and not empty: no colour in test reports

examples:
  run_qemu.py build/kernel/kernel.img
  run_qemu.py --gdb build/kernel/kernel.img
  run_qemu.py --test build/ktest/heap_test.img --filter 'heap.*' --repeat 3
  meson test -C build --test-args='--filter fmt.* --shuffle'
"""




class Namespace:
    """The parsed options as attributes, as argparse's Namespace has them."""

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


class BadValue(ValueError):
    """An option or environment value that does not convert."""


def whole_number(text: str) -> bool:
    """Whether text is a decimal number (ASCII digits only)."""
    return text.isascii() and text.isdigit()


def positive_int(text: str) -> int:
    """Parse a whole number >= 1."""
    if not whole_number(text) or int(text, 10) < 1:
        raise BadValue(f'expected a whole number >= 1, got {text!r}')
    return int(text, 10)


def count(text: str) -> int:
    """Parse a whole number >= 0."""
    if not whole_number(text):
        raise BadValue(f'expected a whole number >= 0, got {text!r}')
    return int(text, 10)


def one_of(choices: tuple[str, ...]):
    """A converter accepting only one of choices (for environment values)."""
    def convert(text: str) -> str:
        """Return text if it is one of the choices."""
        if text not in choices:
            raise BadValue(f'expected one of {", ".join(choices)}, got {text!r}')
        return text
    return convert


# The options: (group, flags, argparse keywords). The groups are the
# sections of --help; 'test mode' options imply --test.
OPTIONS: list[tuple[str, tuple[str, ...], dict]] = []


def option(group: str, *flags: str, **kwargs: object) -> None:
    """Add one option to the table."""
    OPTIONS.append((group, flags, kwargs))


BOTH, RUN, TEST = 'both modes', 'run mode', 'test mode'
option(BOTH, '--test', action='store_true',
       help='test mode: run IMAGE as a ktest image and report its cases')
option(BOTH, '--qemu', metavar='PATH',
       help=f'QEMU binary (default $KTEST_QEMU or {DEFAULT_QEMU})')
option(BOTH, '-m', '--memory', metavar='MIB', type=positive_int,
       help=f'guest RAM in MiB (default $KTEST_MEMORY or {DEFAULT_MEMORY_MIB})')
option(BOTH, '--machine', choices=MACHINES,
       help='QEMU machine type (default $KTEST_MACHINE or pc; microvm only with --boot pvh)')
option(BOTH, '--boot', choices=BOOTS,
       help='bios: SeaBIOS boots the disk image; uefi: OVMF boots it; pvh: QEMU starts '
            'the kernel ELF directly (--elf), the fastest (default $KTEST_BOOT or bios)')
option(BOTH, '--firmware', choices=('bios', 'uefi'), dest='boot',
       help='the same as --boot bios or --boot uefi')
option(BOTH, '--from-disk', action='store_true',
       help='this image must boot from its disk: --boot pvh means bios')
option(BOTH, '--ovmf', metavar='PATH',
       help=f'UEFI firmware for --boot uefi (default $KTEST_OVMF or {DEFAULT_OVMF})')
option(BOTH, '--accel', choices=ACCELS,
       help='kvm or tcg (emulation); auto: KVM when a first probe shows it works here, '
            'else TCG (default $KTEST_ACCEL or auto)')
option(BOTH, '--cmdline', metavar='STRING', action='append', default=[],
       help="kernel command line words, after the image's built-in ones (repeatable; "
            'in test mode after the ktest.* words)')
option(BOTH, '--qemu-arg', metavar='ARG', dest='qemu_args', action='append', default=[],
       help='one extra QEMU argument (repeatable); everything after a final -- is '
            'passed too')
option(BOTH, '--gdb', metavar='PORT|CASE', nargs='?', const='default',
       help=f'start paused with a gdb server on PORT (default {DEFAULT_GDB_PORT}) and '
            'print how to attach; given a test case (suite.case) instead: run only it '
            "and start gdb ($KTEST_GDB, default gdb) with the kernel's symbols and a "
            "breakpoint on the case's function")
option(BOTH, '--elf', metavar='PATH',
       help='the kernel ELF, with symbols, for --boot pvh and gdb (default: IMAGE with '
            '.img replaced by .elf)')
option(BOTH, '--disk', choices=DISKS,
       help='how IMAGE is attached in test mode: virtio (virtio-blk), ide, usb (a USB '
            'stick), or auto: virtio when IMAGE is at least one disk cylinder (504 KiB) '
            '(default $KTEST_DISK or auto)')
option(BOTH, '--dry-run', action='store_true',
       help='print the QEMU command line and exit without running it')
option(RUN, '--display', choices=DISPLAYS,
       help='auto: a window when $DISPLAY or $WAYLAND_DISPLAY is set, else none '
            '(headless); default $KTEST_DISPLAY or auto')
option(RUN, '--headless', dest='display', action='store_const', const='none',
       help='same as --display none')
option(TEST, '--tap', action='store_true',
       help='print TAP 13 for meson (protocol tap) on stdout')
option(TEST, '--json', metavar='FILE', help='also write every result as JSON to FILE')
option(TEST, '--log', action='store_true',
       help="show every case's log lines, not only a failed case's")
option(TEST, '--filter', metavar='GLOB', action='append', default=[],
       help="run only cases matching GLOB: 'suite.case', 'suite.*' (repeatable or "
            'comma-separated)')
option(TEST, '--list', action='store_true',
       help='print the selected case names, one per line, and exit')
option(TEST, '--shuffle', metavar='SEED', nargs='?', const='random',
       help='shuffle the run order; without SEED a random one is picked and printed so '
            'the run can be replayed')
option(TEST, '--repeat', metavar='N', type=positive_int, help='run the selection N times')
option(TEST, '--case-timeout', metavar='MS', type=positive_int,
       help="a case's time budget in milliseconds (slow cases get ten times it)")
option(TEST, '--fresh-boot', metavar='HOW', nargs='?', const='default',
       help='run each case (each parameter of a parameterized case) alone on a fresh '
            'machine: snapshot (the default) restores one saved after boot, boot boots '
            'anew; --keys, --gdb and --exec runs boot anew')
option(TEST, '--keys', metavar='SPEC', action='append', default=[],
       help='keys to type when a case asks for input (see below)')
option(TEST, '--max-boots', metavar='N', type=positive_int,
       help='boots of one image at most, after cases that crash or hang the machine '
            f'(default {DEFAULT_MAX_BOOTS})')
option(TEST, '--retries', metavar='N', type=count,
       help='run the cases that failed again, up to N times; one that passes then is '
            'reported FLAKY, not PASS (default $KTEST_RETRIES or 0)')
COVERAGE = 'coverage (test mode, -Db_coverage=true builds)'
option(COVERAGE, '--coverage', action='store_true',
       help="collect the image's counters and merge them into the .gcda files beside "
            'its objects (meson test passes it)')
option(COVERAGE, '--coverage-per-case', metavar='DIR',
       help="--coverage, and also write each case's counters to DIR/IMAGE/CASE/ (the "
            ".gcda under the build directory's paths, beside links to the .gcno)")
option(TEST, '--exec', action='store_true',
       help='IMAGE is a native ktest executable (a host test): run it instead of QEMU, '
            'with the ktest words as arguments')


def dest_of(flags: tuple[str, ...], kwargs: dict) -> str:
    """The namespace attribute of an option, as argparse names it."""
    return kwargs.get('dest') or flags[-1].lstrip('-').replace('-', '_')


def defaults() -> dict[str, object]:
    """Every attribute with its value when no option is given."""
    values: dict[str, object] = {'image': None}
    for _, flags, kwargs in OPTIONS:
        action = kwargs.get('action', 'store')
        default = kwargs.get('default', False if action == 'store_true' else None)
        values.setdefault(dest_of(flags, kwargs), list(default)
                          if isinstance(default, list) else default)
    return values


FLAGS = {flag: (dest_of(flags, kwargs), kwargs) for _, flags, kwargs in OPTIONS
         for flag in flags}


class Fallback(Exception):
    """Something the small parser leaves to argparse."""


def value_for(kwargs: dict, word: str, inline: str | None, rest: list[str]) -> object:
    """The value of one option: from --opt=value, the next word, or none."""
    if inline is not None:
        text = inline
    elif kwargs.get('nargs') == '?':
        if not rest or rest[0].startswith('-'):
            return kwargs['const']
        text = rest.pop(0)
    elif rest and not rest[0].startswith('-'):
        text = rest.pop(0)
    else:
        raise Fallback(word)
    if 'choices' in kwargs and text not in kwargs['choices']:
        raise Fallback(word)
    convert = kwargs.get('type')
    try:
        return convert(text) if convert else text
    except BadValue:
        raise Fallback(word) from None


def take(values: dict[str, object], word: str, rest: list[str]) -> None:
    """Apply the option word (and the value it takes from rest)."""
    flag, eq, inline = word.partition('=')
    if flag not in FLAGS:
        raise Fallback(word)
    dest, kwargs = FLAGS[flag]
    action = kwargs.get('action', 'store')
    if action in ('store_true', 'store_const'):
        if eq:
            raise Fallback(word)
        values[dest] = True if action == 'store_true' else kwargs['const']
        return
    value = value_for(kwargs, word, inline if eq else None, rest)
    if action == 'append':
        values[dest].append(value)
    else:
        values[dest] = value


def fast_parse(argv: list[str]) -> Namespace | None:
    """argv as argparse would parse it, or None when argparse should (help,
    a mistake, an abbreviation, anything unusual)."""
    values = defaults()
    rest, images = list(argv), []
    try:
        while rest:
            word = rest.pop(0)
            if word.startswith('-') and word != '-':
                take(values, word, rest)
            else:
                images.append(word)
    except Fallback:
        return None
    if len(images) > 1:
        return None
    values['image'] = images[0] if images else None
    return Namespace(**values)


def help_formatter(prog: str):
    """argparse's formatter sized to the terminal without importing shutil
    (argparse builds one for every option it adds)."""
    import argparse
    try:
        width = os.get_terminal_size(sys.stderr.fileno()).columns - 2
    except (OSError, ValueError):
        width = 78
    return argparse.RawDescriptionHelpFormatter(prog, width=max(width, 40))


def for_argparse(convert):
    """A converter whose BadValue argparse reports with its message."""
    import argparse

    def wrapped(text: str) -> object:
        try:
            return convert(text)
        except BadValue as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    wrapped.__name__ = convert.__name__
    return wrapped


def build_parser():
    """argparse's parser of the same options, which reports a mistake as a
    UsageError of one line."""
    import argparse

    class Parser(argparse.ArgumentParser):
        """An ArgumentParser whose usage errors are UsageErrors."""

        def error(self, message: str) -> None:  # type: ignore[override]
            raise UsageError(f'{message} (see --help)')

    parser = Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                    formatter_class=help_formatter)
    parser.add_argument('image', metavar='IMAGE', nargs='?',
                        help='disk image to boot, or host test executable with '
                             '--exec (default $KTEST_IMAGE); never modified')
    groups: dict[str, object] = {}
    for group, flags, kwargs in OPTIONS:
        if group not in groups:
            groups[group] = parser.add_argument_group(group)
        kwargs = dict(kwargs)
        if 'type' in kwargs:
            kwargs['type'] = for_argparse(kwargs['type'])
        groups[group].add_argument(*flags, **kwargs)
    return parser


def parse(argv: list[str]):
    """The options of argv: the small parser's, else argparse's."""
    fast = fast_parse(argv)
    return fast if fast is not None else build_parser().parse_args(argv)
