"""--gdb CASE: run one case under gdb. QEMU starts paused with its gdb
server; gdb starts with the kernel's symbols, connects, breaks on the
case's function and continues, so it stops at the case's first line."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time

from .config import Config
from .qemu import PROG, elf_of, which

LISTEN_WAIT_S = 10.0
TCP_LISTEN = '0A'          # /proc/net/tcp state of a listening socket


def case_function(case: str) -> str:
    """The C function of a case: KTEST() makes ktest_fn_<suite>_<case>,
    KTEST_PARAM() runs the body in ktest_pbody_<suite>_<case>."""
    base, param, _ = case.partition('[')
    suite, _, name = base.partition('.')
    return f'ktest_{"pbody" if param else "fn"}_{suite}_{name}'


def gdb_command(cfg: Config) -> list[str]:
    """gdb (or $KTEST_GDB) with the symbols, a breakpoint, and a continue."""
    gdb = shlex.split(os.environ.get('KTEST_GDB', 'gdb'))
    return gdb + ['-q', elf_of(cfg), '-ex', f'target remote localhost:{cfg.gdb}',
                  '-ex', f'break {case_function(cfg.gdb_case)}', '-ex', 'continue']


def listening(port: int) -> bool:
    """Whether a socket on this machine listens on TCP port (Linux's /proc)."""
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table, encoding='ascii') as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[1].rsplit(':', 1)[1] == f'{port:04X}' and fields[3] == TCP_LISTEN:
                return True
    return False


class Debugger:
    """gdb started once QEMU's gdb server listens, in a thread so that the
    harness goes on reading COM1; wait() waits for gdb to end."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.proc: subprocess.Popen | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start gdb when QEMU is ready (call right after QEMU starts)."""
        cmd = gdb_command(self.cfg)
        if not which(cmd[0]):
            print(f'{PROG}: {cmd[0]} not found; attach with: {shlex.join(cmd)}',
                  file=sys.stderr, flush=True)
            return
        self.thread = threading.Thread(target=self._run, args=(cmd,), daemon=True)
        self.thread.start()

    def _run(self, cmd: list[str]) -> None:
        """Wait for the gdb server, then start gdb on this terminal."""
        end = time.monotonic() + LISTEN_WAIT_S
        while not listening(self.cfg.gdb) and time.monotonic() < end:
            time.sleep(0.02)
        print(f'{PROG}: {shlex.join(cmd)}', file=sys.stderr, flush=True)
        self.proc = subprocess.Popen(cmd)

    def wait(self) -> None:
        """Wait until gdb has ended."""
        if self.thread:
            self.thread.join()
        if self.proc:
            self.proc.wait()
