"""Timing: a QEMU-alone boot from start to exit (with the time to the first
serial byte and after the last one), and a harness run as meson test starts
it (run_qemu.py --test --tap)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import IO, Optional

from .. import protocol as P
from ..boot import decode_line
from ..ktap import KtapParser, ProtocolError
from .common import BenchError, last_line

BOOT_LIMIT_S = 120.0        # a QEMU-alone boot that takes longer is a hang
TAP_BAIL_OUT = 'Bail out!'  # TAP: the harness's run failed


def result_count(output: bytes) -> int:
    """How many results (cases, and parameters of parameterized cases) a
    boot's serial output reports, read by the harness's KTAP parser. Reading
    stops at an unfinished last line or at the first line that breaks the
    protocol: a QEMU-alone boot has no harness to resume it."""
    parser = KtapParser()
    for raw in output.split(b'\n')[:-1]:
        try:
            parser.feed(decode_line(raw))
        except ProtocolError:
            break
    return len(parser.results)


@dataclass
class Boot:
    """One QEMU-alone boot: wall time, exit status, serial output and its timing."""

    seconds: float
    status: int
    output: bytes
    first_byte: Optional[float]     # seconds from start to the first serial byte
    after_last: Optional[float]     # seconds from the last serial byte to exit

    @property
    def results(self) -> int:
        """The number of results in the output (result_count)."""
        return result_count(self.output)


@dataclass
class Image:
    """A bootable image to time: its QEMU command and, optionally, its harness command."""

    name: str
    suite: str
    qemu_cmd: list[str]
    harness_cmd: list[str]
    cwd: str
    env: dict[str, str]
    boots: list[Boot] = field(default_factory=list)
    harness: list[float] = field(default_factory=list)
    skipped: str = ''               # why it is not timed with QEMU alone


def seconds_of(image: Image) -> list[float]:
    """Boot-to-exit samples of an image."""
    return [b.seconds for b in image.boots]


def read_output(proc: subprocess.Popen) -> tuple[bytes, Optional[float], Optional[float]]:
    """Read proc's stdout to its end: the bytes, and when (time.perf_counter)
    the first and the last of them came."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    chunks: list[bytes] = []
    first = last = None
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b''.join(chunks), first, last
        last = time.perf_counter()
        first = first if first is not None else last
        chunks.append(chunk)


def check_end(cmd: list[str], status: int, err: IO[bytes]) -> None:
    """Raise BenchError unless the image ended QEMU through isa-debug-exit
    with one of the protocol's values (any of pass, fail, error, restart)."""
    if status < 0:
        raise BenchError(f'{shlex.join(cmd)}: no exit within {BOOT_LIMIT_S:.0f} s '
                         '(the image hangs?)')
    if status not in P.QEMU_ENDS:
        err.seek(0)
        message = last_line(err.read().decode('utf-8', 'replace'), '')
        raise BenchError(f'{shlex.join(cmd)}: QEMU exited {status}'
                         + (f': {message}' if message else ''))


def time_boot(cmd: list[str], cwd: str, env: Optional[dict[str, str]] = None) -> Boot:
    """Start cmd, read its stdout (COM1) to the end, wait for it; time all of it."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=err)
        killer = threading.Timer(BOOT_LIMIT_S, proc.kill)
        killer.start()
        try:
            output, first, last = read_output(proc)
            status = proc.wait()
            end = time.perf_counter()
        finally:
            killer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()     # type: ignore[union-attr]
        check_end(cmd, status, err)
    return Boot(end - start, status, output,
                None if first is None else first - start,
                None if last is None else end - last)


def harness_failure(stdout: str, stderr: str, status: int) -> str:
    """Why a harness run failed: the reason on its TAP "Bail out!" line, else
    its last line on stderr (its report ends with the image's last output)."""
    bail = [line for line in stdout.splitlines() if line.startswith(TAP_BAIL_OUT)]
    return bail[-1] if bail else last_line(stderr, f'exit {status}')


def time_harness(cmd: list[str], cwd: str, env: dict[str, str]) -> float:
    """Wall time of one run_qemu.py --test --tap run (what meson test starts;
    like meson, read its TAP)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors='replace',
                              timeout=BOOT_LIMIT_S)
    except subprocess.TimeoutExpired:
        raise BenchError(f'{shlex.join(cmd)}: no end within {BOOT_LIMIT_S:.0f} s') from None
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(f'{shlex.join(cmd)}: '
                         f'{harness_failure(proc.stdout, proc.stderr, proc.returncode)}')
    return seconds

