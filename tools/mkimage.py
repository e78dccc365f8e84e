#!/usr/bin/env python3
"""Build a BIOS-bootable raw disk image from the loader and a kernel ELF.

Layout (constants read from boot/image.h, the loader's own source of truth):
  LBA 0        boot sector (stage 1) with one partition entry over the rest
  LBA 1        image header: magic, kernel location and size, command line
  LBA 2..63    second stage
  LBA 64..     the kernel ELF file, unchanged
The image is padded to a whole MiB. It boots with
`qemu-system-x86_64 -drive format=raw,file=IMAGE` and can be written to a USB
stick with dd. The output is written to a temporary file and renamed, so a
failed build never leaves a half-written image behind.
"""
import argparse
import os
import re
import struct
import sys
import tempfile

PARTITION_TABLE = 446
PARTITION_TYPE = 0xDA          # "non-filesystem data"
BOOT_SIGNATURE = b"\x55\xaa"
ELF_MAGIC = b"\x7fELF"
PT_LOAD = 1


class ImageError(Exception):
    """A problem with the inputs, reported as one line."""


def read_layout(path: str) -> dict:
    """Return the numeric #define constants of boot/image.h as a dict."""
    pattern = re.compile(r"^\s*#define\s+(IMG_[A-Z0-9_]+)\s+(0x[0-9a-fA-F]+|\d+)")
    layout = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = pattern.match(line)
            if m:
                layout[m.group(1)] = int(m.group(2), 0)
    return layout


def read_file(path: str, what: str) -> bytes:
    """Read a whole input file, naming it in the error if that fails."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ImageError(f"cannot read {what} {path}: {e.strerror}") from None


def partition_entry(first_lba: int, sectors: int) -> bytes:
    """One active MBR partition entry covering everything after sector 0."""
    chs_first = bytes([0x00, 0x02, 0x00])      # cylinder 0, head 0, sector 2
    chs_last = bytes([0xFE, 0xFF, 0xFF])       # "beyond CHS": use the LBA
    return (bytes([0x80]) + chs_first + bytes([PARTITION_TYPE]) + chs_last
            + struct.pack("<II", first_lba, sectors))


def header_sector(lay: dict, kernel_size: int, cmdline: str) -> bytes:
    """The image header the second stage reads from IMG_HEADER_LBA."""
    raw = cmdline.encode("ascii", errors="strict")
    if len(raw) >= lay["IMG_HDR_CMDLINE_MAX"]:
        raise ImageError(f"command line is {len(raw)} bytes; at most "
                         f"{lay['IMG_HDR_CMDLINE_MAX'] - 1} fit")
    sector = bytearray(lay["IMG_SECTOR_SIZE"])
    struct.pack_into("<II", sector, lay["IMG_HDR_MAGIC"],
                     lay["IMG_HDR_MAGIC_LO"], lay["IMG_HDR_MAGIC_HI"])
    struct.pack_into("<II", sector, lay["IMG_HDR_KERNEL_LBA"],
                     lay["IMG_KERNEL_LBA"], 0)
    struct.pack_into("<I", sector, lay["IMG_HDR_KERNEL_BYTES"], kernel_size)
    sector[lay["IMG_HDR_CMDLINE"]:lay["IMG_HDR_CMDLINE"] + len(raw)] = raw
    return bytes(sector)


def load_span(kernel: bytes) -> int:
    """Bytes from the lowest to the highest address of the kernel's PT_LOAD
    segments (their memory sizes: .bss and coverage counters included)."""
    try:
        phoff, = struct.unpack_from("<Q", kernel, 32)
        phentsize, phnum = struct.unpack_from("<HH", kernel, 54)
        segments = [struct.unpack_from("<IIQQQQQ", kernel, phoff + i * phentsize)
                    for i in range(phnum)]
    except struct.error:
        raise ImageError("kernel ELF is truncated: its program headers are "
                         "missing") from None
    loads = [(p[3], p[3] + p[6]) for p in segments if p[0] == PT_LOAD]
    return max(end for _, end in loads) - min(start for start, _ in loads) if loads else 0


def check_inputs(lay: dict, stage1: bytes, stage2: bytes, kernel: bytes) -> None:
    """Refuse inputs the loader could not boot."""
    sector = lay["IMG_SECTOR_SIZE"]
    if len(stage1) != sector or stage1[510:512] != BOOT_SIGNATURE:
        raise ImageError("stage 1 must be one 512-byte sector ending in 55 aa")
    if len(stage2) > lay["IMG_STAGE2_MAX"] * sector:
        raise ImageError(f"stage 2 is {len(stage2)} bytes; at most "
                         f"{lay['IMG_STAGE2_MAX'] * sector} fit")
    if kernel[:4] != ELF_MAGIC or kernel[4] != 2:
        raise ImageError("kernel is not a 64-bit ELF file")
    if len(kernel) > lay["IMG_KERNEL_MAX_BYTES"]:
        raise ImageError(f"kernel is {len(kernel)} bytes; the loader takes at "
                         f"most {lay['IMG_KERNEL_MAX_BYTES']}")
    if load_span(kernel) > lay["IMG_KERNEL_MAX_BYTES"]:
        raise ImageError(f"kernel's segments span {load_span(kernel)} bytes in "
                         f"memory; the loader maps at most {lay['IMG_KERNEL_MAX_BYTES']}")


def build(lay: dict, stage1: bytes, stage2: bytes, kernel: bytes,
          cmdline: str) -> bytes:
    """Assemble the whole image in memory."""
    check_inputs(lay, stage1, stage2, kernel)
    sector = lay["IMG_SECTOR_SIZE"]
    kernel_off = lay["IMG_KERNEL_LBA"] * sector
    align = lay["IMG_ALIGN_SECTORS"] * sector
    total = -(-(kernel_off + len(kernel)) // align) * align
    image = bytearray(total)
    image[0:sector] = stage1
    entry = partition_entry(1, total // sector - 1)
    image[PARTITION_TABLE:PARTITION_TABLE + len(entry)] = entry
    hdr_off = lay["IMG_HEADER_LBA"] * sector
    image[hdr_off:hdr_off + sector] = header_sector(lay, len(kernel), cmdline)
    s2_off = lay["IMG_STAGE2_LBA"] * sector
    image[s2_off:s2_off + len(stage2)] = stage2
    image[kernel_off:kernel_off + len(kernel)] = kernel
    return bytes(image)


def write_atomically(path: str, data: bytes) -> None:
    """Write data to path through a temporary file in the same directory."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".mkimage-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def parse_args(argv: list) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--layout", required=True, help="boot/image.h")
    p.add_argument("--stage1", required=True, help="boot sector (512 bytes)")
    p.add_argument("--stage2", required=True, help="second stage binary")
    p.add_argument("--kernel", required=True, help="kernel ELF file")
    p.add_argument("--cmdline", default="", help="built-in command line")
    p.add_argument("-o", "--output", required=True, help="image to write")
    return p.parse_args(argv)


def main(argv: list) -> int:
    """Entry point."""
    args = parse_args(argv)
    try:
        lay = read_layout(args.layout)
        image = build(lay, read_file(args.stage1, "stage 1"),
                      read_file(args.stage2, "stage 2"),
                      read_file(args.kernel, "kernel"), args.cmdline)
        write_atomically(args.output, image)
    except ImageError as e:
        print(f"mkimage: {e}", file=sys.stderr)
        return 1
    except (OSError, UnicodeEncodeError) as e:
        print(f"mkimage: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
