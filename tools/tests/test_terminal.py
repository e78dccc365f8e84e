#!/usr/bin/env python3
"""Tests of run mode's terminal paths: where QEMU's standard input comes
from when run_qemu.py boots an image for a person.

- stdin is a terminal: QEMU inherits it.
- stdin is not a terminal (meson compile runs the `run` target with stdin
  at /dev/null) but the process has a controlling terminal: QEMU gets that
  terminal, so Ctrl-A X and typing reach it.
- no terminal at all: QEMU reads nothing and a one-line note says how to
  stop it.

A stand-in QEMU records what its stdin is. The terminal is a pseudo
terminal made the child's controlling terminal.

Run: python3 tools/tests/test_terminal.py   (standard library only)
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import termios
import unittest
from pathlib import Path

from harness_support import stand_in

TOOL = Path(__file__).resolve().parents[1] / 'run_qemu.py'

FAKE_QEMU = '''\
import json, os, sys
tty = os.isatty(0)
typed = os.read(0, 100).decode() if tty else None
with open(os.environ['TERMINAL_TEST_RECORD'], 'w') as f:
    json.dump({'tty': tty, 'typed': typed}, f)
'''


class TerminalTest(unittest.TestCase):
    """run_qemu.py in run mode with a stand-in QEMU."""

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix='terminal-test-'))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.qemu = stand_in(self.tmp, FAKE_QEMU)
        self.image = self.tmp / 'kernel.img'
        self.image.write_bytes(bytes(512))
        self.record = self.tmp / 'record.json'

    def run_tool(self, stdin: int | None, terminal: int | None) -> subprocess.CompletedProcess:
        """run_qemu.py headless in a new session; terminal (a pty's slave)
        becomes its controlling terminal when given."""
        def take_terminal() -> None:
            if terminal is not None:
                fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)
        env = {k: v for k, v in os.environ.items() if not k.startswith('KTEST_')}
        env['TERMINAL_TEST_RECORD'] = str(self.record)
        env['KTEST_ACCEL'] = 'tcg'       # no KVM probe of the stand-in QEMU
        result = subprocess.run(
            [sys.executable, str(TOOL), str(self.image), '--qemu', str(self.qemu),
             '--headless'],
            stdin=stdin, capture_output=True, text=True, env=env, timeout=60,
            start_new_session=True, preexec_fn=take_terminal)
        self.assertEqual(0, result.returncode, result.stderr)
        return result

    def recorded(self) -> dict:
        """What the stand-in QEMU saw."""
        return json.loads(self.record.read_text())

    def pty(self) -> tuple[int, int]:
        """A pseudo terminal (master, slave), closed after the test."""
        master, slave = os.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        return master, slave

    def test_stdin_not_a_terminal_gets_the_controlling_terminal(self) -> None:
        master, slave = self.pty()
        os.write(master, b'typed on the terminal\n')
        result = self.run_tool(subprocess.DEVNULL, slave)
        seen = self.recorded()
        self.assertTrue(seen['tty'], 'QEMU did not get the terminal')
        self.assertEqual('typed on the terminal\n', seen['typed'])
        self.assertNotIn('no terminal', result.stderr)
        self.assertIn('quit with Ctrl-A then X', result.stderr)

    def test_terminal_stdin_is_inherited(self) -> None:
        master, slave = self.pty()
        os.write(master, b'help\n')
        self.run_tool(slave, slave)
        self.assertEqual('help\n', self.recorded()['typed'])

    def test_no_terminal_says_how_to_stop(self) -> None:
        result = self.run_tool(subprocess.DEVNULL, None)
        self.assertFalse(self.recorded()['tty'])
        notes = [line for line in result.stderr.splitlines() if 'no terminal here' in line]
        self.assertEqual(1, len(notes), result.stderr)
        self.assertIn('Ctrl-C', notes[0])


if __name__ == '__main__':
    unittest.main()
