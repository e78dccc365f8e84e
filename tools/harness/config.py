"""The harness's settings, decided once from the command line and the
environment (cli.py) and read by everything else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

DEFAULT_QEMU = 'qemu-system-x86_64'
DEFAULT_MEMORY_MIB = 128
DEFAULT_GDB_PORT = 1234
DEFAULT_MAX_BOOTS = 16
MACHINES = ('pc', 'q35')
DISPLAYS = ('auto', 'window', 'curses', 'none')
DISKS = ('auto', 'virtio', 'ide')


class UsageError(Exception):
    """A mistake in how the tool was called or set up: one line on stderr, exit 2."""


@dataclass(frozen=True)
class Config:
    """Everything one invocation does. Test-mode fields are ignored in run mode."""

    image: str
    test: bool = False               # test mode; else run mode
    exec: bool = False               # image is a host test executable
    qemu: str = DEFAULT_QEMU
    memory: int = DEFAULT_MEMORY_MIB
    machine: str = 'pc'
    display: str = 'auto'            # run mode
    disk: str = 'auto'
    cmdline: tuple[str, ...] = ()    # extra kernel command line words
    qemu_args: tuple[str, ...] = ()
    gdb: Optional[int] = None        # port QEMU waits on for a debugger
    elf: Optional[str] = None        # kernel ELF with symbols, for gdb
    dry_run: bool = False
    tap: bool = False                # test mode: TAP for meson on stdout
    json: Optional[str] = None       # test mode: results as JSON to this file
    log: bool = False                # test mode: show every case's log
    filter: tuple[str, ...] = ()
    list: bool = False
    shuffle: Optional[int] = None
    seed_picked: bool = False        # the shuffle seed was chosen here
    repeat: int = 1
    case_timeout: Optional[int] = None   # ms; None: the image's own
    fresh_boot: bool = False
    keys: tuple[str, ...] = ()
    max_boots: int = DEFAULT_MAX_BOOTS
