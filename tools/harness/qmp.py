"""Typing keys into a test image through QEMU's QMP socket (send-key)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time

KEY_HOLD_MS = 50            # how long each key is held down
KEY_GAP_MS = 30             # pause after a key is released
CONNECT_TIMEOUT_S = 5.0


class QmpError(Exception):
    """QEMU answered a QMP command with an error."""


class Qmp:
    """A minimal QMP client on a unix socket: connect, negotiate, run commands."""

    def __init__(self, path: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
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
        """The next message that is not an asynchronous event."""
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError('QEMU closed the QMP socket')
            message = json.loads(line)
            if 'event' not in message:
                return message

    def command(self, name: str, arguments: dict | None = None) -> object:
        """Run one command; QmpError with QEMU's message if it fails."""
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


SERIAL = 'serial:'
ESCAPES = {'n': '\n', 'r': '\r', 't': '\t', '\\': '\\'}


def serial_bytes(text: str) -> bytes:
    """The bytes a serial:TEXT spec sends: \\n, \\r, \\t, \\\\ escaped."""
    out, i = [], 0
    while i < len(text):
        if text[i] == '\\' and text[i + 1:i + 2] in ESCAPES:
            out.append(ESCAPES[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return ''.join(out).encode('ascii')


def uses_serial(specs: list[str]) -> bool:
    """Whether any spec types on COM1 (QEMU's stdin must then be a pipe)."""
    return any(spec.startswith(SERIAL) for spec in specs)


class KeyRefused(Exception):
    """QEMU refused a send-key command (a bad key name)."""


def key_to_qmp(key: str) -> list[dict]:
    """A sendkey name or combo (shift-a, 0x1e) as QMP KeyValues."""
    values = []
    for part in key.split('-'):
        if re.fullmatch(r'0[xX][0-9a-fA-F]+', part):
            values.append({'type': 'number', 'data': int(part, 16)})
        else:
            values.append({'type': 'qcode', 'data': part})
    return values


class KeySender:
    """Types the --keys specs into the guest, one spec per input prompt, in a
    thread of its own.

    error: QEMU refused a key (the run is an error). lost: the connection
    failed, which is expected when the guest ended QEMU before the last key;
    it is only shown as context when the run went wrong anyway.
    """

    def __init__(self, path: str, specs: list[str]) -> None:
        self.serial: Callable[[bytes], None] | None = None   # COM1's input
        self.wants_serial = uses_serial(specs)
        self.path = path
        self.specs = specs               # shared: what is typed is gone
        self.error: str | None = None
        self.lost: str | None = None
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def prompt(self) -> None:
        """The guest waits for input: start typing the next spec, if any."""
        if not self.specs or self.error:
            return
        spec = self.specs.pop(0)
        previous = self.thread
        self.thread = threading.Thread(target=self._type, args=(spec, previous), daemon=True)
        self.thread.start()

    def _type(self, spec: str, previous: threading.Thread | None) -> None:
        """Send each key of spec in order (after any earlier spec is done)."""
        if previous:
            previous.join()
        if spec.startswith(SERIAL):
            self._send_serial(spec)
            return
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
        except (OSError, ValueError, QmpError) as exc:
            with self.lock:
                self.lost = self.lost or f'could not type --keys {spec!r}: {exc}'

    def _send_serial(self, spec: str) -> None:
        """Write a serial:TEXT spec to COM1, a character at a time."""
        try:
            for byte in serial_bytes(spec[len(SERIAL):]):
                self.serial(bytes([byte]))
                time.sleep(KEY_GAP_MS / 1000)
        except (OSError, TypeError) as exc:
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
