"""The harness's settings, decided once from the command line and the
environment (cli.py) and read by everything else."""

from __future__ import annotations

DEFAULT_QEMU = 'qemu-system-x86_64'
DEFAULT_MEMORY_MIB = 128
DEFAULT_GDB_PORT = 1234
DEFAULT_MAX_BOOTS = 16
MACHINES = ('pc', 'q35', 'microvm')
# How a machine boots: SeaBIOS or OVMF from the disk image, or the kernel
# ELF directly through its PVH entry (qboot on pc, microvm's own firmware).
BOOTS = ('bios', 'uefi', 'pvh')
DEFAULT_OVMF = '/usr/share/ovmf/OVMF.fd'
ACCELS = ('auto', 'kvm', 'tcg')
QBOOT = 'qboot.rom'            # QEMU finds it in its data directory
DISPLAYS = ('auto', 'window', 'curses', 'none')
DISKS = ('auto', 'virtio', 'ide', 'usb')
# How --fresh-boot gives each case a fresh machine: restored from a state
# saved once per image, or booted anew (docs/testing.md); the first is the
# default, the faster (docs/performance.md, "Fresh boots").
FRESH_BOOTS = ('snapshot', 'boot')


def fresh_default(keys: object, gdb: object, exec_: bool, coverage: bool = False) -> str:
    """--fresh-boot's way without a value: snapshot, but boot for a run
    that types keys, waits for gdb, runs a host executable or collects
    coverage (each boot's counters on a channel of its own), which a
    restored machine cannot serve."""
    return 'boot' if keys or gdb or exec_ or coverage else FRESH_BOOTS[0]


class UsageError(Exception):
    """A mistake in how the tool was called or set up: one line on stderr, exit 2."""


# Everything one invocation does, decided once (cli.py) and never changed:
# an immutable record (Config._replace makes a changed copy). Test-mode
# fields are ignored in run mode.
CONFIG_FIELDS = (
    ('image', None),
    ('test', False),               # test mode; else run mode
    ('exec', False),               # image is a host test executable
    ('qemu', DEFAULT_QEMU),
    ('memory', DEFAULT_MEMORY_MIB),
    ('machine', 'pc'),
    ('display', 'auto'),           # run mode
    ('disk', 'auto'),
    ('boot', 'bios'),              # one of BOOTS
    ('ovmf', DEFAULT_OVMF),        # UEFI firmware for boot uefi
    ('accel', 'auto'),             # one of ACCELS; auto: chosen before a run
    ('cmdline', ()),               # extra kernel command line words
    ('qemu_args', ()),
    ('gdb', None),                 # port QEMU waits on for a debugger
    ('gdb_case', None),            # test mode: the case gdb breaks in
    ('elf', None),                 # kernel ELF with symbols, for gdb
    ('dry_run', False),
    ('tap', False),                # test mode: TAP for meson on stdout
    ('json', None),                # test mode: results as JSON to this file
    ('log', False),                # test mode: show every case's log
    ('filter', ()),
    ('list', False),
    ('shuffle', None),
    ('seed_picked', False),        # the shuffle seed was chosen here
    ('repeat', 1),
    ('case_timeout', None),        # ms; None: the image's own
    ('fresh_boot', None),          # None, or one of FRESH_BOOTS
    ('keys', ()),
    ('max_boots', DEFAULT_MAX_BOOTS),
    ('retries', 0),                # boots again for cases that failed
    ('coverage', False),           # test mode: collect the image's counters
    ('coverage_per_case', None),   # test mode: also each case's, under this dir
)

FIELD_NAMES = tuple(name for name, _ in CONFIG_FIELDS)


class Config:
    """The fields above, immutable: _replace() makes a changed copy. (A
    plain class rather than collections.namedtuple: the harness builds it
    before it starts QEMU, and the collections module costs start-up time.)"""

    __slots__ = FIELD_NAMES

    def __init__(self, **values: object) -> None:
        for name, default in CONFIG_FIELDS:
            object.__setattr__(self, name, values.pop(name, default))
        if values:
            raise TypeError(f'Config has no field {", ".join(sorted(values))}')

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError('a Config is immutable; use _replace()')

    def _replace(self, **changes: object) -> 'Config':
        """A copy with changes."""
        values = {name: getattr(self, name) for name in FIELD_NAMES}
        values.update(changes)
        return Config(**values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and all(
            getattr(self, name) == getattr(other, name) for name in FIELD_NAMES)

    def __repr__(self) -> str:
        return 'Config(' + ', '.join(f'{n}={getattr(self, n)!r}' for n in FIELD_NAMES) + ')'
