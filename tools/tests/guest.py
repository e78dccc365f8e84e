"""A QEMU that a test script starts itself, its COM1 (and QEMU's own
messages) read from a pipe as they come: for the tests that boot images
on their own command lines (loaders, PVH, the screen, UEFI) rather than
through the harness."""

from __future__ import annotations

import os
import subprocess
import time
from typing import Callable

POLL_S = 0.02


class Guest:
    """A running QEMU whose output is collected in .out (bytes)."""

    def __init__(self, cmd: list, wait_s: float) -> None:
        """Start cmd with its output on a non-blocking pipe; wait_s bounds
        every wait."""
        self.wait_s = wait_s
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.out = b""

    def read(self) -> bool:
        """Take what QEMU printed; False once it has exited and all is read."""
        chunk = self.proc.stdout.read()
        if chunk:
            self.out += chunk
            return True
        return self.proc.poll() is None

    def wait(self, done: Callable[[bytes], bool]) -> bool:
        """Read until done(output) holds, QEMU ends or wait_s passes;
        whether done(output) holds."""
        end = time.monotonic() + self.wait_s
        while not done(self.out) and time.monotonic() < end:
            if not self.read():
                break
            time.sleep(POLL_S)
        return done(self.out)

    def wait_for(self, text: bytes) -> bool:
        """wait() until text shows."""
        return self.wait(lambda out: text in out)

    def stop(self) -> None:
        """End QEMU and read what is left."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.out += self.proc.stdout.read() or b""

    def text(self) -> str:
        """The output so far, decoded."""
        return self.out.decode(errors="replace")
