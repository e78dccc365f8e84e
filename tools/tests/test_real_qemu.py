#!/usr/bin/env python3
"""Real QEMU runs the harness's command lines: a hand-assembled boot sector
prints a KTAP run on COM1 and ends QEMU through isa-debug-exit, so the
serial pipe, the exit device, fw_cfg with doubled commas, the IDE and
virtio disks, -no-reboot and QMP key typing are checked against the QEMU
installed ($KTEST_QEMU, else qemu-system-x86_64; skipped without it).

Run: python3 tools/tests/test_real_qemu.py (meson: suite `harness`).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Optional

from harness_support import TOOL, Ktap, clean_env
from harness import protocol

QEMU = os.environ.get('KTEST_QEMU') or 'qemu-system-x86_64'   # meson passes its option
SECTOR = 512
LOAD_ADDRESS = 0x7c00          # where the BIOS puts the boot sector
EMPTY_IDT = 0x1f0              # offset of 6 zero bytes in the sector: a 0-limit IDT
PROMPT = b'# ktest: waiting for input\n'
RUN = Ktap('t.a', 'not ok t.b')


def print_loop(code: bytearray) -> int:
    """Append code printing a NUL-terminated message on COM1; return where
    the message's address goes."""
    code += b'\xbe\x00\x00\xba\xf8\x03'               # mov si, MSG; mov dx, 0x3f8
    code += b'\xac\x84\xc0\x74\x03\xee\xeb\xf8'       # lodsb; test al,al; jz +3; out; jmp
    return len(code) - 13


def boot_sector(text: bytes, exit_value: Optional[int], wait_key: bool = False) -> bytes:
    """A boot sector (16-bit real mode, assembled by hand) that prints text
    on COM1, then writes exit_value to isa-debug-exit, or with None triple
    faults. With wait_key it stops after the prompt line until a key comes
    to the PS/2 controller."""
    first, _, rest = text.partition(PROMPT) if wait_key else (text, b'', b'')
    messages = [first + PROMPT, rest] if wait_key else [first]
    code = bytearray(b'\xfa\x31\xc0\x8e\xd8')         # cli; xor ax,ax; mov ds,ax
    fixes = [print_loop(code)]
    if wait_key:
        code += b'\xe4\x64\xa8\x01\x74\xfa\xe4\x60'  # poll port 0x64, read port 0x60
        fixes.append(print_loop(code))
    if exit_value is None:                            # lidt [EMPTY_IDT]; int3
        code += b'\x0f\x01\x1e' + struct.pack('<H', LOAD_ADDRESS + EMPTY_IDT) + b'\xcc'
    else:                                             # mov dx, port; mov eax, v; out dx, eax
        code += (b'\xba' + struct.pack('<H', protocol.EXIT_PORT) + b'\x66\xb8' +
                 struct.pack('<I', exit_value) + b'\x66\xef')
    code += b'\xf4\xeb\xfd'                           # hlt; jmp back
    for fix, message in zip(fixes, messages):
        struct.pack_into('<H', code, fix, LOAD_ADDRESS + len(code))
        code += message + b'\0'
    if len(code) > EMPTY_IDT:
        raise ValueError(f'boot sector code and text too long: {len(code)} bytes')
    return bytes(code.ljust(SECTOR - 2, b'\0') + b'\x55\xaa')


@unittest.skipUnless(shutil.which(QEMU), 'QEMU is not installed')
class RealQemuTest(unittest.TestCase):
    """Boot the real QEMU through run_qemu.py --test."""

    def run_image(self, sector: bytes, *args: str, size: int = SECTOR
                  ) -> subprocess.CompletedProcess:
        """Run the tool on an image of size bytes starting with sector."""
        with tempfile.TemporaryDirectory(prefix='real-qemu-') as tmp:
            image = Path(tmp) / 'boot,sector.img'         # a comma to escape
            image.write_bytes(sector.ljust(size, b'\0'))
            return subprocess.run([sys.executable, str(TOOL), '--qemu', QEMU, '--test',
                                   str(image), *args],
                                  capture_output=True, text=True, timeout=120,
                                  stdin=subprocess.DEVNULL, env=clean_env())

    def assert_run(self, result: subprocess.CompletedProcess, code: int, text: str) -> None:
        """The tool's exit status and a piece of its report."""
        self.assertEqual(result.returncode, code, result.stdout + result.stderr)
        self.assertIn(text, result.stdout)

    def test_fail_on_ide_with_a_command_line(self) -> None:
        sector = boot_sector(RUN.boot().encode(), protocol.EXIT_FAIL)
        result = self.run_image(sector, '--cmdline', 'a,b=c,d', '--disk', 'ide')
        self.assert_run(result, 1, 'PASS t.a (10 us)\nFAIL t.b (20 us)\n')

    def test_pass_on_virtio(self) -> None:
        run = Ktap('t.a', 't.b')
        sector = boot_sector(run.boot().encode(), protocol.EXIT_PASS)
        result = self.run_image(sector, size=1 << 20)
        self.assert_run(result, 0, 'PASS: 2 cases passed')

    def test_triple_fault_is_a_crashed_case(self) -> None:
        sector = boot_sector(RUN.boot(crash_at=1).encode(), None)
        result = self.run_image(sector)
        self.assert_run(result, 1, 'CRASHED t.b: the machine reset while running case t.b '
                                   '(triple fault?)')

    def test_keys(self) -> None:
        head = RUN.boot(crash_at=1)
        text = head + '    ' + PROMPT.decode() + RUN.boot()[len(head):]
        sector = boot_sector(text.encode(), protocol.EXIT_FAIL, wait_key=True)
        result = self.run_image(sector, '--keys', 'shift-a ret')
        self.assert_run(result, 1, 'FAIL t.b')


if __name__ == '__main__':
    unittest.main()
