"""One run of a test image in QEMU, or of a host test executable: start it,
feed what it prints to the KTAP parser, stop it when a case goes past its
time limit, and say how it ended."""

from __future__ import annotations

import os
import select
import time
from collections import deque
from collections.abc import Callable

from . import protocol as P
from .ktap import Event, KtapParser, ProtocolError
from .process import Process, start, stop

TAIL_LINES = 20           # output lines kept to show with an error
GRACE_S = 3.0             # beyond twice a case's budget, before it is hung
BOOT_LIMIT_S = 30.0       # from start to the end of the plan
FIRMWARE_LIMIT_S = 120.0  # the same when UEFI firmware starts first (seconds under TCG)
EXIT_GRACE_S = 5.0        # output closed: time left for the process to exit
KEYS_POLL_S = 0.1         # how often the pump looks at the key sender


class BootOutcome:
    """How one run ended: end, what the exit status says (pass, fail, error,
    restart); status, the exit status (None when it was killed); error, a
    protocol error or the harness's trouble; partial, the output ended in
    the middle of a line; tail and stderr, the last lines of each."""

    def __init__(self) -> None:
        self.end: str | None = None
        self.status: int | None = None
        self.timed_out = False
        self.error: str | None = None
        self.partial = False
        self.tail: deque = deque(maxlen=TAIL_LINES)
        self.stderr: deque = deque(maxlen=TAIL_LINES)


def time_limit(parser: KtapParser, unlimited: bool, prelude: bool = False) -> float | None:
    """Seconds the run may go without a result now: twice the budget of
    what runs (the kernel's own stop, then case_exit's), plus a grace;
    before the plan, the time to boot (longer after UEFI firmware)."""
    if unlimited:
        return None
    if parser.state in ('version', 'header'):
        return FIRMWARE_LIMIT_S if prelude else BOOT_LIMIT_S
    due = None if parser.in_fixture else parser.running_case()
    return 2 * parser.budget_ms(due) / 1000 + GRACE_S


def printable(raw: bytes) -> str:
    """A raw line shown safely: bad bytes and control characters escaped."""
    text = raw.decode('utf-8', 'backslashreplace')
    return ''.join(ch if ' ' <= ch < '\x7f' else f'\\x{ord(ch):02x}' for ch in text)


def decode_line(raw: bytes) -> str:
    """One line as the protocol allows it: printable ASCII only."""
    if raw.endswith(b'\r'):
        raw = raw[:-1]
    if any(b < 0x20 or b >= 0x7f for b in raw):
        raise ProtocolError(f'garbage on the serial port: {raw[:60]!r}')
    return raw.decode('ascii')


class Streams:
    """The process's stdout cut into lines, and its stderr kept, read with
    select() in this thread."""

    def __init__(self, proc: Process, outcome: BootOutcome) -> None:
        self.out = proc.stdout.fileno()
        self.err = proc.stderr.fileno()
        self.open = {self.out, self.err}
        self.buf = b''
        self.err_buf = b''
        self.outcome = outcome

    def _read(self, fd: int) -> None:
        """Take what fd has; close it at its end."""
        data = os.read(fd, 65536)
        if not data:
            self.open.discard(fd)
        elif fd == self.out:
            self.buf += data
        else:
            self.err_buf += data
            *lines, self.err_buf = self.err_buf.split(b'\n')
            self.outcome.stderr.extend(printable(line) for line in lines)

    def drain(self) -> None:
        """Drop what the process has written so far (a fresh run does not
        read what an earlier run left)."""
        self.buf = b''
        while self.out in self.open and select.select([self.out], [], [], 0)[0]:
            self._read(self.out)
        self.buf = b''

    def line(self, timeout: float | None) -> tuple[str, bytes]:
        """('line', bytes), ('long', bytes), ('eof', rest) or ('timeout', b'')."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            cut = self.buf.find(b'\n')
            if cut >= 0:
                raw, self.buf = self.buf[:cut], self.buf[cut + 1:]
                return ('line', raw) if cut < P.LINE_MAX else ('long', raw)
            if len(self.buf) >= P.LINE_MAX:
                return 'long', self.buf
            if self.out not in self.open:
                return 'eof', self.buf
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                return 'timeout', b''
            ready, _, _ = select.select(list(self.open), [], [], left)
            for fd in ready:
                self._read(fd)


def wait_for_exit(proc: Process, outcome: BootOutcome) -> int | None:
    """The output closed: give the process a moment to exit."""
    try:
        return proc.wait(timeout=EXIT_GRACE_S)
    except TimeoutError:
        outcome.error = 'the run closed its output but did not exit'
        return None


class Pump:
    """Reads a run's lines into the parser until the output ends, a case
    overruns its limit, the protocol breaks or the key sender fails."""

    def __init__(self, parser: KtapParser, sink: Callable[[Event], None],
                 keys: object | None, unlimited: bool, prelude: bool = False,
                 stop_on: str | None = None, slow_start: bool | None = None) -> None:
        self.parser = parser
        self.sink = sink
        self.keys = keys
        self.unlimited = unlimited
        self.deadline: float | None = None
        # UEFI firmware writes its own text (and terminal escapes) to COM1
        # before our loader runs: skip it up to the image's first line.
        # (A fresh run skips what an earlier run left in the pipe.)
        self.prelude = prelude
        self.prelude_boot = prelude if slow_start is None else slow_start
        # Stop after the parser's first event of this kind (a fresh run's
        # "ready" or "done" line); its value then goes to stopped_with.
        self.stop_on = stop_on
        self.stopped = False
        self.stopped_with: object = None

    def restart_clock(self) -> None:
        """A result came (or the run started): count the next limit from now."""
        limit = time_limit(self.parser, self.unlimited, self.prelude_boot)
        self.deadline = None if limit is None else time.monotonic() + limit

    def wait_time(self) -> float | None:
        """How long the next read may wait."""
        left = None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
        if self.keys is not None:
            left = KEYS_POLL_S if left is None else min(left, KEYS_POLL_S)
        return left

    def run(self, streams: Streams, outcome: BootOutcome) -> None:
        """Pump until the run is over; fills outcome."""
        self.restart_clock()
        while True:
            if self.keys is not None and self.keys.error:
                outcome.error = self.keys.error
                return
            kind, raw = streams.line(self.wait_time())
            if kind == 'timeout':
                if self.deadline is not None and time.monotonic() >= self.deadline:
                    outcome.timed_out = True
                    return
                continue
            if raw:
                outcome.tail.append(printable(raw))
            if kind == 'eof':
                outcome.partial = bool(raw)
                return
            try:
                self.feed(kind, raw)
            except ProtocolError as exc:
                outcome.error = f'protocol error: {exc}'
                return
            if self.stopped:
                return

    def feed(self, kind: str, raw: bytes) -> None:
        """One line to the parser; act on its events."""
        if self.prelude:
            start = raw.find(P.VERSION_LINE.encode())
            if start < 0:
                return
            raw, self.prelude = raw[start:], False
        if kind == 'long':
            raise ProtocolError(f'a line longer than {P.LINE_MAX} bytes')
        for event in self.parser.feed(decode_line(raw)):
            if event[0] in ('result', 'plan'):
                self.restart_clock()
            elif event[0] == 'input' and self.keys is not None:
                self.keys.prompt()
            elif event[0] == self.stop_on:
                self.stopped, self.stopped_with = True, event[1]
            self.sink(event)


def boot(cmd: list[str], parser: KtapParser, sink: Callable[[Event], None],
         ends: dict[int, str], keys: object | None = None,
         unlimited: bool = False,
         on_start: Callable[[], None] | None = None,
         prelude: bool = False, proc: Process | None = None) -> BootOutcome:
    """Run cmd to its end, its output into parser and the events into sink;
    ends maps exit statuses to pass, fail, error, restart; on_start runs
    once the process is started (a debugger attaching to it); prelude: the
    firmware's text comes first, up to the image's KTAP version line; proc:
    cmd already started (the harness starts its first boot early)."""
    outcome = BootOutcome()
    if proc is None:
        proc = start(cmd, keys is not None and keys.wants_serial)
    if on_start is not None:
        on_start()
    if keys is not None and proc.stdin is not None:
        keys.serial = lambda data: (proc.stdin.write(data), proc.stdin.flush())
    try:
        Pump(parser, sink, keys, unlimited, prelude).run(Streams(proc, outcome), outcome)
        if not (outcome.timed_out or outcome.error):
            outcome.status = wait_for_exit(proc, outcome)
            outcome.end = ends.get(outcome.status)
    finally:
        stop(proc)
    return outcome
