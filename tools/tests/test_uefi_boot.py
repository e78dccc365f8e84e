#!/usr/bin/env python3
"""One disk image, two firmwares: boot the kernel image and a test image
under OVMF (UEFI) and SeaBIOS (BIOS) on the machines and disks a user has
(pc and q35; IDE, virtio-blk, USB storage), start the loader from the UEFI
Shell with arguments, and boot damaged copies under OVMF to see each UEFI
loader failure print its own "loader: ..." line on COM1 exactly once. Prints TAP for meson's `harness` suite; the UEFI cases
are skipped when the OVMF firmware file is missing.

Usage: test_uefi_boot.py QEMU OVMF KERNEL_IMAGE TEST_IMAGE IMAGE_H
"""
import concurrent.futures
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

from guest import Guest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mkimage import read_layout  # noqa: E402  (tools/, after the path is set)

WAIT_S = 120         # generous: firmware under emulation on a busy machine
POLL_S = 0.05
ELF_PHDR_SIZE = 56
KTEST_PASSED = 33    # isa-debug-exit: (0x10 << 1) | 1
GREETING = "Hello from the kernel"
MEMORY_MAP = "Memory map ("
USB = ["-device", "qemu-xhci", "-device", "usb-storage,drive=stick"]


class Case:
    """One boot: which image, how it is damaged, firmware, machine, disk,
    extra QEMU arguments, the text COM1 must show, and how it must end."""

    def __init__(self, name, image="kernel", damage=None, uefi=True, machine="pc",
                 disk="ide", extra=(), expect=(GREETING, MEMORY_MAP), once=False,
                 ktap=False):
        self.name, self.image, self.damage, self.uefi = name, image, damage, uefi
        self.machine, self.disk, self.extra = machine, disk, list(extra)
        self.expect, self.once, self.ktap = list(expect), once, ktap


def failure(name, damage, text, extra=()):
    """A damaged image under OVMF whose loader line must show exactly once."""
    return Case(name, damage=damage, extra=extra, expect=[text], once=True)


CASES = [
    Case("uefi_pc"), Case("uefi_q35", machine="q35"),
    Case("uefi_virtio", disk="virtio"), Case("uefi_usb", disk="usb"),
    Case("bios_pc", uefi=False), Case("bios_q35", uefi=False, machine="q35"),
    Case("bios_virtio", uefi=False, disk="virtio"),
    Case("bios_usb", uefi=False, disk="usb"),
    Case("uefi_ktap_exit_33", image="test", ktap=True, expect=["KTAP version 1"]),
    Case("uefi_framebuffer_console", expect=["screen: framebuffer"]),
    # The loader and kernel copied to another FAT disk and started from the
    # UEFI Shell with arguments: no image header there, so no built-in words.
    Case("uefi_shell_arguments", image="shell",
         expect=['command line "log=debug shell words"']),
    Case("uefi_cmdline_merged", damage="builtin",
         extra=["-fw_cfg", "name=opt/cmdline,string=passed"],
         expect=['command line "log=warn bi passed"']),
    Case("uefi_cmdline_longest",
         extra=["-fw_cfg", "name=opt/cmdline,string=" + "a" * 4093 + "zz"],
         expect=['aazz"']),
    failure("uefi_cmdline_too_long", None, "loader: command line too long",
            ["-fw_cfg", "name=opt/cmdline,string=" + "a" * 4096]),
    failure("uefi_not_x86_64_elf", "machine", "loader: kernel is not a valid x86-64 ELF"),
    failure("uefi_writable_and_executable", "wx",
            "loader: kernel segment is both writable and executable"),
    failure("uefi_segment_not_aligned", "align", "loader: kernel segment is not page aligned"),
    failure("uefi_not_linked_high", "low", "loader: kernel is not linked in the top 2 GiB"),
    failure("uefi_segments_overlap", "overlap", "loader: kernel segments overlap"),
    failure("uefi_no_kernel_file", "no_file", "loader: cannot open EFI/ktest/kernel.elf"),
    failure("uefi_empty_kernel_file", "empty_file", "loader: the image holds no kernel"),
]


def load_phdrs(img: bytes, elf: int) -> list:
    """Offsets in the image of the kernel ELF's PT_LOAD program headers."""
    phoff, = struct.unpack_from("<Q", img, elf + 32)
    phnum, = struct.unpack_from("<H", img, elf + 56)
    offs = [elf + phoff + i * ELF_PHDR_SIZE for i in range(phnum)]
    return [o for o in offs if struct.unpack_from("<I", img, o)[0] == 1]


def damage(image: bytes, lay: dict, kind: str) -> bytes:
    """A copy of image broken in one way (both loaders read the same ELF)."""
    img = bytearray(image)
    hdr = lay["IMG_HEADER_LBA"] * lay["IMG_SECTOR_SIZE"]
    elf = struct.unpack_from("<I", img, hdr + lay["IMG_HDR_KERNEL_LBA"])[0] \
        * lay["IMG_SECTOR_SIZE"]
    loads = load_phdrs(img, elf)
    entry = img.find(b"KERNEL  ELF", lay["IMG_ESP_LBA"] * lay["IMG_SECTOR_SIZE"])
    vaddr0 = struct.unpack_from("<Q", img, loads[0] + 16)[0]
    if kind == "machine":
        struct.pack_into("<H", img, elf + 18, 3)                  # EM_386
    elif kind == "wx":
        struct.pack_into("<I", img, loads[0] + 4, 7)              # RWX
    elif kind == "align":
        struct.pack_into("<Q", img, loads[0] + 16, vaddr0 + 0x10)
    elif kind == "low":
        struct.pack_into("<Q", img, loads[0] + 16, 0x200000)
    elif kind == "overlap":
        struct.pack_into("<Q", img, loads[1] + 16, vaddr0)
    elif kind == "no_file":
        img[entry:entry + 11] = b"KERNEL  OLD"
    elif kind == "empty_file":
        struct.pack_into("<I", img, entry + 28, 0)
    elif kind == "builtin":
        at = hdr + lay["IMG_HDR_CMDLINE"]
        img[at:at + 12] = b"log=warn bi\0"
    return bytes(img)


def esp_file(img: bytes, lay: dict, name: bytes) -> bytes:
    """The file whose 8.3 directory entry is name, read from the image's ESP
    (FAT12/16 with one-sector clusters, files in one run, as mkimage.py
    writes it)."""
    esp = lay["IMG_ESP_LBA"] * 512
    reserved, fats, root_entries, _, _, fat_sectors = struct.unpack_from("<HBHHBH", img, esp + 14)
    data = esp + (reserved + fats * fat_sectors + root_entries * 32 // 512) * 512
    entry = img.find(name, esp)
    cluster, size = struct.unpack_from("<HI", img, entry + 26)
    return img[data + (cluster - 2) * 512:data + (cluster - 2) * 512 + size]


def shell_disk(img: bytes, lay: dict, directory: str) -> None:
    """A directory for QEMU's virtual FAT disk: the loader, the kernel, and a
    startup.nsh that the UEFI Shell runs, passing arguments."""
    os.makedirs(os.path.join(directory, "EFI", "ktest"))
    for path, name in (("loader.efi", b"BOOTX64 EFI"), ("EFI/ktest/kernel.elf", b"KERNEL  ELF")):
        with open(os.path.join(directory, path), "wb") as f:
            f.write(esp_file(img, lay, name))
    with open(os.path.join(directory, "startup.nsh"), "w", encoding="ascii") as f:
        f.write("fs0:\r\nloader.efi log=debug shell words\r\n")


def qemu_command(qemu: str, ovmf: str, case: Case, path: str, qmp: str) -> list:
    """The QEMU command line of one case."""
    cmd = [qemu, "-nodefaults", "-no-reboot", "-display", "none", "-vga", "std",
           "-serial", "stdio", "-machine", case.machine, "-m", "128",
           "-qmp", f"unix:{qmp},server=on,wait=off"]
    if case.uefi:
        cmd += ["-bios", ovmf]
    drive = f"format=raw,file={path},snapshot=on"
    if case.image == "shell":
        cmd += ["-drive", f"file=fat:{path},format=vvfat,snapshot=on"]
    elif case.disk == "usb":
        cmd += ["-drive", f"if=none,id=stick,{drive}"] + USB
    else:
        cmd += ["-drive", drive + (",if=virtio" if case.disk == "virtio" else "")]
    if case.ktap:
        cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    return cmd + case.extra


def gpt_problem(img: bytes, lba: int, other: int) -> str:
    """What is wrong with the GPT header at lba (UEFI 2.10, 5.3.2), or ""."""
    hdr = img[lba * 512:lba * 512 + 92]
    sig, _, size, crc, _, mine, alt = struct.unpack_from("<8sIIIIQQ", hdr)
    entries_lba, count, entry_size, entries_crc = struct.unpack_from("<QIII", hdr, 72)
    zeroed = hdr[:16] + b"\0\0\0\0" + hdr[20:]
    entries = img[entries_lba * 512:entries_lba * 512 + count * entry_size]
    if sig != b"EFI PART" or size != 92 or zlib.crc32(zeroed) != crc:
        return f"GPT header at LBA {lba}: bad signature, size or CRC"
    if (mine, alt) != (lba, other) or zlib.crc32(entries) != entries_crc:
        return f"GPT header at LBA {lba}: wrong LBAs or entry array CRC"
    return ""


def layout_problem(img: bytes, lay: dict) -> str:
    """The image's partitioning as UEFI firmware and BIOSes read it: a
    protective 0xEE record from LBA 1 (what OVMF looks for), an active one
    over the ESP, both GPT headers, and a FAT boot sector at the ESP."""
    last = len(img) // 512 - 1
    records = [struct.unpack_from("<B3xB3xII", img, 446 + 16 * i) for i in range(4)]
    esp = lay["IMG_ESP_LBA"]
    if (0, 0xEE, 1, esp - 1) not in records or (0x80, 0xEF, esp, last - 32 - esp) not in records:
        return f"MBR records {records}: want a 0xEE one from LBA 1 and an active 0xEF ESP"
    problem = gpt_problem(img, 1, last) or gpt_problem(img, last, 1)
    boot = img[esp * 512:(esp + 1) * 512]
    if not problem and (boot[510:] != b"\x55\xaa" or boot[54:58] != b"FAT1"):
        problem = "no FAT12/16 boot sector at the ESP"
    return problem


def qmp_halted(path: str) -> bool:
    """Whether the guest CPU sits in HLT, asked through QMP's human monitor."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(WAIT_S)
        sock.connect(path)
        f = sock.makefile("rwb")
        f.readline()                                   # greeting
        for cmd in ({"execute": "qmp_capabilities"},
                    {"execute": "human-monitor-command",
                     "arguments": {"command-line": "info registers"}}):
            f.write(json.dumps(cmd).encode() + b"\n")
            f.flush()
            while True:
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
        return "HLT=1" in str(reply.get("return", ""))


def ktap_problem(text: str) -> str:
    """"" when text (COM1 of a test image, firmware lines first) holds one
    valid KTAP document whose every case passed; else what is wrong."""
    lines = [l for l in text.replace("\r", "").split("\n")]
    if "KTAP version 1" not in lines:
        return "no KTAP version line"
    body = [l for l in lines[lines.index("KTAP version 1") + 1:]
            if l.strip() and not l.lstrip().startswith("#")]
    plan = re.fullmatch(r"1\.\.(\d+)", body[0]) if body else None
    if not plan:
        return "no top-level plan after the version line"
    pos, suites = 1, int(plan.group(1))
    for n in range(1, suites + 1):
        if body[pos:pos + 1] != ["    KTAP version 1"]:
            return f"suite {n}: no version line"
        cases = re.fullmatch(r"    1\.\.(\d+)", body[pos + 1] if pos + 1 < len(body) else "")
        if not cases:
            return f"suite {n}: no plan"
        count = int(cases.group(1))
        results = body[pos + 2:pos + 2 + count]
        for i, line in enumerate(results, 1):
            if not re.fullmatch(rf"    ok {i} \w+", line):
                return f"suite {n}: expected case {i} to pass, got {line!r}"
        pos += 2 + count
        if not re.fullmatch(rf"ok {n} \w+", body[pos] if pos < len(body) else ""):
            return f"suite {n}: no passing suite result"
        pos += 1
    return "" if pos == len(body) else f"unexpected lines after the last suite: {body[pos:]}"


def finish(run: Guest, case: Case, qmp: str) -> str:
    """Check how a boot whose expected text showed ends; "" when right."""
    if case.ktap:
        try:
            run.proc.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            return "the test image did not exit"
        run.stop()
        if run.proc.returncode != KTEST_PASSED:
            return f"QEMU exited {run.proc.returncode}, not {KTEST_PASSED}"
        return ktap_problem(run.text())
    if case.once:
        end = time.monotonic() + WAIT_S
        while not qmp_halted(qmp):
            if time.monotonic() > end:
                return "the loader printed its line but did not halt"
            time.sleep(POLL_S)
        run.read()
        count = run.out.count(case.expect[0].encode())
        if count != 1:
            return f"{case.expect[0]!r} appears {count} times on COM1"
    return ""


def run_case(qemu: str, ovmf: str, images: dict, lay: dict, tmp: str, case: Case) -> str:
    """Prepare one case's image, boot it and check it; the problem or ""."""
    path = os.path.join(tmp, case.name + ".img")
    if case.image == "shell":
        shell_disk(images["kernel"], lay, path)
    else:
        with open(path, "wb") as f:
            image = images[case.image]
            f.write(damage(image, lay, case.damage) if case.damage else image)
    qmp = os.path.join(tmp, case.name + ".qmp")
    run = Guest(qemu_command(qemu, ovmf, case, path, qmp), WAIT_S)
    try:
        for text in case.expect:
            if not run.wait_for(text.encode()):
                run.stop()
                return f"wanted {text!r} on COM1; got:\n{run.text()}"
        return finish(run, case, qmp)
    finally:
        run.stop()


def main(argv: list) -> int:
    """Entry point: TAP on stdout."""
    if len(argv) != 5:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    qemu, ovmf, kernel_image, test_image, image_h = argv
    images = {}
    for key, path in (("kernel", kernel_image), ("test", test_image)):
        with open(path, "rb") as f:
            images[key] = f.read()
    lay = read_layout(image_h)
    have_ovmf = os.path.isfile(ovmf)
    print("TAP version 13")
    print(f"1..{len(CASES) + 1}")
    problem = layout_problem(images["kernel"], lay)
    print(f"{'not ok' if problem else 'ok'} 1 image_layout{' # ' + problem if problem else ''}")
    with tempfile.TemporaryDirectory(prefix="uefi-test-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runnable = [c for c in CASES if have_ovmf or not c.uefi]
        problems = dict(zip((c.name for c in runnable), pool.map(
            lambda c: run_case(qemu, ovmf, images, lay, tmp, c), runnable)))
        for n, case in enumerate(CASES, 2):
            if case.name not in problems:
                print(f"ok {n} {case.name} # SKIP no OVMF firmware at {ovmf}")
                continue
            problem = problems[case.name]
            print(f"{'not ok' if problem else 'ok'} {n} {case.name}")
            for line in problem.splitlines()[-20:]:
                print(f"# {line}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
