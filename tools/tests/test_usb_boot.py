#!/usr/bin/env python3
"""A test image booted from an emulated USB stick (xHCI + usb-storage), as
`dd` to a stick and a PC boot it, through both firmwares: SeaBIOS with our
BIOS loader and OVMF with our UEFI loader. Each must give the image's
verdict, PASS. Prints TAP for meson's `harness` suite; the UEFI case is a
skip without OVMF.

Usage: test_usb_boot.py RUN_QEMU IMAGE [run_qemu options...]
"""

import os
import subprocess
import sys

LIMIT_S = 600        # OVMF takes seconds to start under emulation; a loaded host more


def run(run_qemu: str, image: str, boot: str, extra: list) -> tuple:
    """(exit status, output) of the image on a USB stick booted by boot."""
    cmd = [sys.executable, run_qemu, image, '--test', '--disk', 'usb', '--boot', boot] + extra
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=LIMIT_S,
                          stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout + proc.stderr


def ovmf_of(extra: list) -> str:
    """The --ovmf path among the options, else the default."""
    if '--ovmf' in extra[:-1]:
        return extra[extra.index('--ovmf') + 1]
    return os.environ.get('KTEST_OVMF', '/usr/share/ovmf/OVMF.fd')


def main() -> int:
    """Boot the image from USB both ways; TAP on stdout."""
    run_qemu, image, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    print('TAP version 13')
    for number, boot in enumerate(('bios', 'uefi'), 1):
        name = f'usb_{boot}'
        if boot == 'uefi' and not os.path.isfile(ovmf_of(extra)):
            print(f'ok {number} {name} # SKIP no OVMF ({ovmf_of(extra)})')
            continue
        status, output = run(run_qemu, image, boot, extra)
        verdict = output.strip().splitlines()[-1] if output.strip() else '(no output)'
        if status == 0 and verdict.startswith('PASS'):
            print(f'ok {number} {name}')
        else:
            print(f'not ok {number} {name}')
            for line in output.splitlines()[-20:]:
                print(f'# {line}')
    print('1..2')
    return 0


if __name__ == '__main__':
    sys.exit(main())
