#!/usr/bin/env python3
"""The BIOS loader's failure paths: boot damaged copies of the kernel image
(and a CPU without long mode) and check that each prints its own
"loader: ..." line on the serial port instead of hanging silently. The
undamaged image is booted too, as the control. Prints TAP for meson's
`harness` suite.

Usage: test_loader_errors.py QEMU KERNEL_IMAGE IMAGE_H
"""
import os
import struct
import sys
import tempfile

from guest import Guest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mkimage import read_layout  # noqa: E402  (tools/, after the path is set)
from tap_report import check_all  # noqa: E402

WAIT_S = 20          # generous: the machine may be busy
ELF_PHDR_SIZE = 56


def first_load_phdr(image: bytes, elf_off: int) -> int:
    """Offset in the image of the first PT_LOAD program header."""
    phoff, = struct.unpack_from("<Q", image, elf_off + 32)
    phnum, = struct.unpack_from("<H", image, elf_off + 56)
    for i in range(phnum):
        off = elf_off + phoff + i * ELF_PHDR_SIZE
        if struct.unpack_from("<I", image, off)[0] == 1:
            return off
    raise ValueError("no PT_LOAD in the kernel ELF")


def damage(image: bytes, lay: dict, kind: str) -> bytes:
    """A copy of image broken in one way."""
    img = bytearray(image)
    hdr = lay["IMG_HEADER_LBA"] * lay["IMG_SECTOR_SIZE"]
    elf = struct.unpack_from("<I", img, hdr + lay["IMG_HDR_KERNEL_LBA"])[0] \
        * lay["IMG_SECTOR_SIZE"]
    if kind == "magic":
        img[hdr] ^= 0xFF
    elif kind == "empty":
        struct.pack_into("<I", img, hdr + lay["IMG_HDR_KERNEL_BYTES"], 0)
    elif kind == "too_big":
        struct.pack_into("<I", img, hdr + lay["IMG_HDR_KERNEL_BYTES"],
                         lay["IMG_KERNEL_MAX_BYTES"] + 1)
    elif kind == "no_ram":
        struct.pack_into("<I", img, hdr + lay["IMG_HDR_KERNEL_BYTES"],
                         lay["IMG_KERNEL_MAX_BYTES"] - 4096)
    elif kind == "read_error":
        struct.pack_into("<I", img, hdr + lay["IMG_HDR_KERNEL_LBA"], 0x7FFFFF00)
    elif kind == "machine":
        struct.pack_into("<H", img, elf + 18, 3)          # EM_386
    elif kind == "wx":
        struct.pack_into("<I", img, first_load_phdr(img, elf) + 4, 7)
    elif kind == "builtin":
        cmdline = lay["IMG_HDR_CMDLINE"]
        img[hdr + cmdline:hdr + cmdline + 12] = b"log=warn bi\0"
    elif kind == "align":
        off = first_load_phdr(img, elf) + 16
        struct.pack_into("<Q", img, off, struct.unpack_from("<Q", img, off)[0] + 0x10)
    return bytes(img)


# name, damage kind (None: the image as built), extra QEMU args, expected text
CASES = [
    ("boots", None, [], "Hello from the kernel"),
    ("bad_header_magic", "magic", [], "loader: bad image header magic"),
    ("no_kernel", "empty", [], "loader: the image holds no kernel"),
    ("kernel_too_big", "too_big", [], "loader: kernel too big"),
    ("not_enough_memory", "no_ram", ["-m", "16"], "loader: not enough memory"),
    ("disk_read_error", "read_error", [], "loader: disk read error"),
    ("not_x86_64_elf", "machine", [], "loader: kernel is not a valid x86-64 ELF"),
    ("writable_and_executable", "wx", [], "loader: kernel segment is both writable and executable"),
    ("segment_not_aligned", "align", [], "loader: kernel segment is not page aligned"),
    ("no_long_mode", None, ["-cpu", "qemu32"], "loader: this CPU has no long mode"),
    # The command line: built-in words, then the passed ones; the longest
    # that fits arrives whole, one byte more stops the boot.
    ("cmdline_merged", "builtin", ["-fw_cfg", "name=opt/cmdline,string=passed"],
     'command line "log=warn bi passed"'),
    ("cmdline_longest", None, ["-fw_cfg", "name=opt/cmdline,string=" + "a" * 4093 + "zz"],
     'aazz"'),
    ("cmdline_too_long", None, ["-fw_cfg", "name=opt/cmdline,string=" + "a" * 4096],
     "loader: command line too long"),
]


def boot_until(qemu: str, path: str, extra: list, text: str) -> str:
    """Boot path until text appears on COM1 (""), or say what came instead."""
    guest = Guest([qemu, "-nodefaults", "-no-reboot", "-display", "none", "-serial",
                   "stdio", "-drive", f"format=raw,file={path},snapshot=on"] + extra, WAIT_S)
    try:
        if guest.wait_for(text.encode()):
            return ""
    finally:
        guest.stop()
    return f"wanted {text!r} on COM1; got:\n{guest.text()}"


def run_case(qemu: str, image: bytes, lay: dict, tmp: str, case: tuple) -> str:
    """Prepare one case's image and boot it; returns the problem or ""."""
    name, kind, extra, text = case
    path = os.path.join(tmp, name + ".img")
    with open(path, "wb") as f:
        f.write(damage(image, lay, kind) if kind else image)
    return boot_until(qemu, path, extra, text)


def main(argv: list) -> int:
    """Entry point: TAP on stdout."""
    if len(argv) != 3:
        print("usage: test_loader_errors.py QEMU KERNEL_IMAGE IMAGE_H", file=sys.stderr)
        return 2
    qemu, image_path, image_h = argv
    with open(image_path, "rb") as f:
        image = f.read()
    lay = read_layout(image_h)
    with tempfile.TemporaryDirectory(prefix="loader-test-") as tmp:
        return check_all(CASES, lambda c: run_case(qemu, image, lay, tmp, c),
                         lambda c: c[0], tail=20)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
