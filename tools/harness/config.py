"""The harness's settings, decided once from the command line and the
environment (cli.py) and read by everything else."""

from __future__ import annotations

from collections import namedtuple

DEFAULT_QEMU = 'qemu-system-x86_64'
DEFAULT_MEMORY_MIB = 128
DEFAULT_GDB_PORT = 1234
DEFAULT_MAX_BOOTS = 16
MACHINES = ('pc', 'q35')
DISPLAYS = ('auto', 'window', 'curses', 'none')
DISKS = ('auto', 'virtio', 'ide')


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
    ('fresh_boot', False),
    ('keys', ()),
    ('max_boots', DEFAULT_MAX_BOOTS),
    ('retries', 0),                # boots again for cases that failed
    ('coverage', False),           # test mode: collect the image's counters
    ('coverage_per_case', None),   # test mode: also each case's, under this dir
)

Config = namedtuple('Config', [name for name, _ in CONFIG_FIELDS],
                    defaults=[value for _, value in CONFIG_FIELDS])
