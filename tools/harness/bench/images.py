"""The images the benchmark boots, each with the exact QEMU command that
`run_qemu.py --test --dry-run` gives for it: the floor (a boot sector that
only ends QEMU), every registered image test, and ktest/bench's images."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from .. import protocol as P
from ..qemu import SECTOR
from .build import Build, harness_args, harness_at, is_image_test, suite_of, test_env
from .common import BenchError, last_line
from .timing import Image

BENCH_IMAGES = ('trivial_1', 'trivial_1000')
NEEDS_HARNESS = ('--keys', '--fresh-boot')   # options QEMU alone cannot stand in for

# The floor image: a boot sector that ends QEMU at once, as a passing test
# image would (docs/protocol.md, "Exit"), assembled by hand.
FLOOR_CODE = (
    bytes([0xBA]) + P.EXIT_PORT.to_bytes(2, 'little')          # mov dx, EXIT_PORT
    + bytes([0x66, 0xB8]) + P.EXIT_PASS.to_bytes(4, 'little')  # mov eax, EXIT_PASS
    + bytes([0x66, 0xEF,                 # out dx, eax       ; QEMU exits, passed
             0xF4,                       # hlt               ; not reached
             0xEB, 0xFD]))               # jmp short hlt
# For --variants: print one byte on COM1 before exiting, to time the firmware.
FLOOR_PRINT = bytes([
    0xBA, 0xF8, 0x03,                    # mov dx, 0x3f8     ; COM1 data
    0xB0, 0x46,                          # mov al, 'F'
    0xEE,                                # out dx, al
])
BOOT_SIGNATURE = b'\x55\xaa'


def dry_run(run_qemu: str, args: list[str], cwd: str, env: dict[str, str]) -> list[str]:
    """The QEMU command line run_qemu.py would start for these arguments."""
    proc = subprocess.run([sys.executable, run_qemu] + args + ['--dry-run'], cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or not lines:
        raise BenchError(f'run_qemu.py --dry-run {shlex.join(args)}: '
                         f'{last_line(proc.stderr, "no output")}')
    return shlex.split(lines[0])


def write_floor(directory: str, size: int = SECTOR, code: bytes = FLOOR_CODE,
                name: str = 'floor') -> str:
    """Write a boot sector of code, padded with zeros to size bytes; return its path."""
    sector = code + bytes(SECTOR - len(code) - 2) + BOOT_SIGNATURE
    path = os.path.join(directory, f'{name}-{size}.img')
    with open(path, 'wb') as f:
        f.write(sector + bytes(size - SECTOR))
    return path


def floor_args(path: str, build: Build, disk: str = 'ide') -> list[str]:
    """run_qemu.py's arguments for a floor image: test mode, the options of a
    test image, on disk through SeaBIOS whatever $KTEST_BOOT says. The
    512-byte floor stays on IDE whatever $KTEST_DISK says: SeaBIOS boots no
    virtio disk this small."""
    return [path, '--test'] + harness_args(build) + ['--boot', 'bios', '--disk', disk,
                                                     '--tap']


def floor_image(build: Build, directory: str) -> Image:
    """The floor, written into directory, with its test-mode QEMU command."""
    env = dict(os.environ)
    cmd = dry_run(build.run_qemu, floor_args(write_floor(directory), build), build.dir, env)
    return Image('floor', '', cmd, [], build.dir, env)


def image_test(build: Build, test: dict) -> Image:
    """One registered image test with its exact commands (no QEMU command
    when it needs the harness to run)."""
    cwd = test.get('workdir') or build.dir
    env = test_env(test)
    image = Image(test['name'], suite_of(test), [], test['cmd'], cwd, env)
    at = harness_at(test['cmd'])
    needs_harness = [a for a in test['cmd'][at + 1:] if a in NEEDS_HARNESS]
    if needs_harness:
        image.skipped = f'needs the harness ({needs_harness[0]})'
    else:
        image.qemu_cmd = dry_run(test['cmd'][at], test['cmd'][at + 1:], cwd, env)
    return image


def image_tests(build: Build) -> list[Image]:
    """Every registered image test (unit, integration, ...) with its exact commands."""
    images = [image_test(build, test) for test in build.tests if is_image_test(test)]
    images.sort(key=lambda i: (i.suite, i.name))
    return images


def bench_args(build: Build, name: str) -> list[str]:
    """run_qemu.py's arguments for one of ktest/bench's images: those
    ktest/meson.build would give it as a test."""
    path = os.path.join(build.dir, 'ktest', f'{name}_test.img')
    return [path, '--test'] + harness_args(build) + ['--tap']


def bench_image(build: Build, name: str) -> Image:
    """One of ktest/bench's images, with the options a test image gets."""
    args = bench_args(build, name)
    env = dict(os.environ)
    return Image(name, 'bench', dry_run(build.run_qemu, args, build.dir, env),
                 build.python_cmd + [build.run_qemu] + args, build.dir, env)
