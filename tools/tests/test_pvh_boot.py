#!/usr/bin/env python3
"""PVH direct boot: boot the kernel ELF with QEMU -kernel on the microvm
machine and on pc with qboot, and check the greeting, the memory map the
kernel prints (RAM where QEMU put it; on pc with SeaBIOS, the same map as the
BIOS disk boot of the same machine), the command line (-append) arriving
whole up to the longest that fits and a clear error one byte past it, the
loader's CPU and ELF checks, and the kernel's symbols: from its own ELF
passed as the PVH module (-initrd), kept out of the frame allocator, named
in a test image's fault report; none, and no crash, from a module that is
not this kernel's ELF, is damaged, or lies over the loader's pages. Prints
TAP for meson's `harness` suite.

Usage: test_pvh_boot.py QEMU KERNEL_ELF KERNEL_IMAGE FAULT_ELF
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import struct
import sys
import tempfile

from guest import Guest
from tap_report import result

WAIT_S = 30          # generous: the machine may be busy
CMDLINE_MAX = 4095   # BOOT_CMDLINE_MAX - 1 (boot/boot_info.h)
GREETING = "Hello from the kernel!"
MAP_END = "Usable:"  # the line after the memory map
MIB = 1 << 20
SMALL_MIB = (2, 3, 4, 6, 8)   # RAM sizes to try for the kernel and its module
GIB = 1 << 30
LOW_RAM_TOP = 3 * GIB  # both machines split 4 GiB of RAM at 3 GiB
PT_LOAD = 1
PF_RWX = 7
ELF_PHOFF, ELF_PHENTSIZE, ELF_PHNUM = 32, 54, 56  # ELF64 header offsets
P_FLAGS, P_PADDR = 4, 24                           # program header offsets
E_SHOFF, E_SHNUM, E_SHSTRNDX = 40, 60, 62
SH_SIZE, SH_OFFSET, SH_TYPE, SH_LINK = 64, 24, 4, 40   # section header
SHT_SYMTAB = 2
PAGE = 4096
MAP_ENTRY = re.compile(r"^\s*([0-9a-f]{16})-([0-9a-f]{16})\s+\d+ KiB\s+(.+)$")
SYMBOLS = re.compile(r"Symbols: (\d+), from the kernel's ELF file at 0x([0-9a-f]+)-0x([0-9a-f]+)")
NO_SYMBOLS = "Symbols: none"
LOADED = re.compile(r"Loaded at physical 0x([0-9a-f]+)-0x([0-9a-f]+)")
FRAMES = re.compile(r"Frames: \d+ free, \d+ used of (\d+)")
EXIT_DEVICE = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
FAULT_DONE = "ok 2 runs_after_the_fault"   # the fault image's last case
FAULT_NAMED = "ktest_fn_broken_reads_unmapped_memory+0x"

FIRMWARES = {
    "microvm": ["-machine", "microvm"],
    "qboot": ["-machine", "pc", "-bios", "qboot.rom"],
}
# QEMU's words when it lacks a firmware or machine: a skip, not a failure.
MISSING = ("could not load", "unsupported machine type", "Unable to find")


def ram_ranges(mem: int) -> list:
    """The RAM above 1 MiB that QEMU gives a machine of mem bytes."""
    low = min(mem, LOW_RAM_TOP)
    ranges = [(MIB, low)]
    if mem > low:
        ranges.append((4 * GIB, 4 * GIB + mem - low))
    return ranges


def parse_map(text: str) -> list:
    """The memory map the kernel printed: (start, end exclusive, type)."""
    entries = []
    for line in text.splitlines():
        m = MAP_ENTRY.match(line)
        if m:
            entries.append((int(m.group(1), 16), int(m.group(2), 16) + 1,
                            m.group(3).strip()))
    return entries


def line_done(seen: bytes, text: str) -> bool:
    """Whether a whole line holding text (or a loader error) has arrived."""
    for word in (text.encode(), b"loader:"):
        at = seen.find(word)
        if at >= 0 and b"\n" in seen[at:]:
            return True
    return False


def boot(qemu: str, args: list, until: str) -> str:
    """Boot with args until a line holding `until` or a loader error is
    complete on COM1, or QEMU ends; returns COM1 and QEMU's messages."""
    guest = Guest([qemu, "-nodefaults", "-no-reboot", "-display", "none",
                   "-serial", "stdio"] + args, WAIT_S)
    try:
        guest.wait(lambda seen: line_done(seen, until))
    finally:
        guest.stop()
    return guest.text()


class Missing(Exception):
    """QEMU lacks the machine or firmware a check boots: a skip."""


def boot_known(qemu: str, args: list, until: str) -> str:
    """boot(), raising Missing when QEMU lacks the machine or firmware."""
    out = boot(qemu, args, until)
    if any(word in out for word in MISSING) and GREETING not in out:
        raise Missing(out.strip().splitlines()[-1])
    return out


def expect_boot(text: str):
    """A check: the kernel booted (no loader error) and printed text."""
    def check(out: str) -> str:
        """The problem with COM1's output out, or ""."""
        if "loader:" in out or text not in out:
            return f"wanted {text!r} on COM1 and no loader error"
        return ""
    return check


def expect_error(text: str):
    """A check: the loader stopped with the error line text."""
    def check(out: str) -> str:
        """The problem with COM1's output out, or ""."""
        return "" if text in out else f"wanted {text!r} on COM1"
    return check


def expect_ram(mem: int):
    """A check: the greeting, and QEMU's RAM reported usable in the map."""
    def check(out: str) -> str:
        """The problem with COM1's output out, or ""."""
        problem = expect_boot(GREETING)(out)
        if problem or MAP_END not in out:
            return problem or "wanted the memory map on COM1"
        usable = [(s, e) for s, e, t in parse_map(out) if t == "usable"]
        missing = [r for r in ram_ranges(mem) if r not in usable]
        if missing:
            return "RAM " + ", ".join(f"{s:#x}-{e:#x}" for s, e in missing) + \
                " is not one usable map entry"
        return ""
    return check


def load_headers(elf: bytes) -> list:
    """File offsets of the ELF's PT_LOAD program headers."""
    phoff, = struct.unpack_from("<Q", elf, ELF_PHOFF)
    size, count = struct.unpack_from("<HH", elf, ELF_PHENTSIZE)
    offsets = [phoff + i * size for i in range(count)]
    return [o for o in offsets if struct.unpack_from("<I", elf, o)[0] == PT_LOAD]


def damaged_copies(elf_path: str, tmp: str) -> dict:
    """Copies of the kernel ELF each broken one way, by kind: 'moved' (the
    rodata segment, which the PVH entry does not run from, loaded 1 MiB above
    its place), 'wx' (text also writable)."""
    with open(elf_path, "rb") as f:
        elf = f.read()
    loads = load_headers(elf)
    moved, wx = bytearray(elf), bytearray(elf)
    paddr, = struct.unpack_from("<Q", elf, loads[1] + P_PADDR)
    struct.pack_into("<Q", moved, loads[1] + P_PADDR, paddr + MIB)
    struct.pack_into("<I", wx, loads[0] + P_FLAGS, PF_RWX)
    paths = {}
    for kind, data in (("moved", moved), ("wx", wx)):
        paths[kind] = os.path.join(tmp, f"kernel-{kind}.elf")
        with open(paths[kind], "wb") as f:
            f.write(data)
    return paths


def symbols_line(out: str) -> tuple:
    """(count, start, end) from the kernel's "Symbols:" line, or ()."""
    m = SYMBOLS.search(out)
    return (int(m.group(1)), int(m.group(2), 16), int(m.group(3), 16)) if m else ()


def expect_symbols(size: int):
    """A check: the kernel took its ELF file (size bytes) from the module,
    and says where it is: inside one usable entry of the map, apart from the
    kernel's segments."""
    def check(out: str) -> str:
        """The problem with COM1's output out, or ""."""
        problem = expect_boot(MAP_END)(out)
        loaded, symbols = LOADED.search(out), symbols_line(out)
        if problem or not loaded or not symbols:
            return problem or "wanted the Loaded and the Symbols lines"
        count, start, end = symbols
        usable = [(s, e) for s, e, t in parse_map(out) if t == "usable"]
        if count == 0 or end - start != size:
            return f"{count} symbols from {end - start} bytes; wanted the {size}-byte ELF"
        if not any(s <= start and end <= e for s, e in usable):
            return f"the ELF file {start:#x}-{end:#x} is not inside one usable entry"
        if start < int(loaded.group(2), 16) and int(loaded.group(1), 16) < end:
            return f"the ELF file {start:#x}-{end:#x} overlaps the kernel's segments"
        return ""
    return check


def expect_no_symbols(out: str) -> str:
    """A check: the kernel booted to its memory map without symbols."""
    if expect_boot(MAP_END)(out) or NO_SYMBOLS not in out:
        return f"wanted {NO_SYMBOLS!r} and the memory map on COM1, no loader error"
    return ""


def symtab_strings(elf: bytes) -> tuple:
    """(file offset, size) of the string table of the ELF's .symtab."""
    shoff, = struct.unpack_from("<Q", elf, E_SHOFF)
    shnum, = struct.unpack_from("<H", elf, E_SHNUM)
    for at in range(shoff, shoff + shnum * SH_SIZE, SH_SIZE):
        if struct.unpack_from("<I", elf, at + SH_TYPE)[0] == SHT_SYMTAB:
            link, = struct.unpack_from("<I", elf, at + SH_LINK)
            strtab = shoff + link * SH_SIZE
            return struct.unpack_from("<QQ", elf, strtab + SH_OFFSET)
    raise ValueError("the kernel ELF has no .symtab")


def damaged_modules(elf_path: str, tmp: str) -> dict:
    """Copies of the kernel ELF whose headers still match the loaded kernel,
    each with its symbols damaged one way: 'truncated' (cut before its
    section headers), 'unterminated' (the string table's last NUL gone),
    'misaligned' (the section headers' offset moved by 4 bytes)."""
    with open(elf_path, "rb") as f:
        elf = f.read()
    shoff, = struct.unpack_from("<Q", elf, E_SHOFF)
    str_off, str_size = symtab_strings(elf)
    unterminated, misaligned = bytearray(elf), bytearray(elf)
    unterminated[str_off + str_size - 1] = ord("x")
    struct.pack_into("<Q", misaligned, E_SHOFF, shoff + 4)
    paths = {}
    for kind, data in (("truncated", elf[:shoff]), ("unterminated", unterminated),
                       ("misaligned", misaligned)):
        paths[kind] = os.path.join(tmp, f"module-{kind}.elf")
        with open(paths[kind], "wb") as f:
            f.write(data)
    return paths


def module_cases(fw: str, machine: list, files: dict) -> list:
    """The symbol cases of one firmware: the kernel's own ELF as the module,
    other modules, and a fault report in a test image."""
    kernel = machine + ["-m", "64", "-kernel", files["elf"], "-initrd"]
    fault = files["fault"]
    out = [(f"{fw}_symbols_from_the_module", kernel + [files["elf"]], MAP_END,
            expect_symbols(os.path.getsize(files["elf"]))),
           (f"{fw}_module_not_an_elf", kernel + [files["image"]], MAP_END, expect_no_symbols),
           (f"{fw}_module_another_kernel", kernel + [fault], MAP_END, expect_no_symbols),
           (f"{fw}_fault_report_names_the_function",
            machine + ["-m", "128", "-kernel", fault, "-initrd", fault] + EXIT_DEVICE,
            FAULT_DONE, expect_boot(FAULT_NAMED))]
    for kind, path in files["damaged_modules"].items():
        out.append((f"{fw}_module_{kind}", kernel + [path], MAP_END, expect_no_symbols))
    return out


def cases(elf: str, damaged: dict) -> list:
    """(name, QEMU args, text to wait for, check) for each firmware."""
    longest = "a" * (CMDLINE_MAX - 2) + "zz"
    out = []
    for fw, machine in FIRMWARES.items():
        kernel = machine + ["-kernel", elf]
        out += [
            (f"{fw}_boots_64m", kernel + ["-m", "64"], MAP_END, expect_ram(64 * MIB)),
            (f"{fw}_boots_4g", kernel + ["-m", "4G"], MAP_END, expect_ram(4 * GIB)),
            (f"{fw}_cmdline_words", kernel + ["-append", "log=info a=b  c"],
             MAP_END, expect_boot('command line "log=info a=b  c"')),
            (f"{fw}_cmdline_longest", kernel + ["-append", longest],
             MAP_END, expect_boot(f'command line "{longest}"')),
            (f"{fw}_cmdline_too_long", kernel + ["-append", longest + "z"],
             "loader:", expect_error("loader: command line too long")),
            (f"{fw}_no_nx", kernel + ["-cpu", "qemu64,-nx"], MAP_END,
             expect_boot(GREETING)),
            (f"{fw}_no_long_mode", kernel + ["-cpu", "qemu32"], "loader:",
             expect_error("loader: this CPU has no long mode")),
            (f"{fw}_segment_moved", machine + ["-kernel", damaged["moved"]], "loader:",
             expect_error("loader: kernel segments are not at their physical")),
            (f"{fw}_segment_wx", machine + ["-kernel", damaged["wx"]], "loader:",
             expect_error("loader: kernel segment is both writable and executable")),
        ]
    return out


def frames_without_the_module(qemu: str, machine: list, elf: str) -> str:
    """Without a module the kernel has no symbols; with its ELF as the
    module, the frame allocator's total shrinks by the module's frames."""
    base = machine + ["-m", "64", "-kernel", elf]
    without = boot_known(qemu, base, MAP_END)
    with_module = boot_known(qemu, base + ["-initrd", elf], MAP_END)
    totals = [FRAMES.search(out) for out in (without, with_module)]
    if expect_no_symbols(without) or not totals[0]:
        return f"without a module, wanted {NO_SYMBOLS!r} and the frames:\n{without}"
    if not totals[1] or not symbols_line(with_module):
        return f"wanted the Symbols and Frames lines:\n{with_module}"
    _, start, end = symbols_line(with_module)
    want = (-(-end // PAGE) - start // PAGE)
    got = int(totals[0].group(1)) - int(totals[1].group(1))
    if got != want:
        return f"the module spans {want} frames, but {got} left the frame allocator"
    return ""


def module_over_loader_pages(qemu: str, machine: list, elf: str, tmp: str) -> str:
    """A module where the loader writes its page tables is ignored, with no
    crash. QEMU puts the module at the top of the low RAM, so a longer copy
    starts lower: find where the ELF lands in the least RAM that holds it
    (2 MiB, more for a larger ELF: a coverage build's), then pad a copy to start
    16 pages past the kernel, among the loader's tables and stack; with room
    (64 MiB) the same copy gives the symbols."""
    for mib in SMALL_MIB:       # the least RAM that holds kernel and module
        small = machine + ["-m", str(mib), "-kernel", elf, "-initrd"]
        first = boot_known(qemu, small + [elf], MAP_END)
        loaded, symbols = LOADED.search(first), symbols_line(first)
        if loaded and symbols:
            break
    else:
        return f"wanted the Loaded and Symbols lines in {SMALL_MIB[-1]} MiB:\n{first}"
    pad = symbols[1] - (int(loaded.group(2), 16) + 16 * PAGE)
    if pad <= 0:
        return f"the ELF already starts {symbols[1]:#x}: no room to move it lower"
    padded = os.path.join(tmp, f"module-padded-{machine[1]}.elf")
    with open(elf, "rb") as src, open(padded, "wb") as dst:
        dst.write(src.read() + bytes(pad))
    out = boot_known(qemu, small + [padded], MAP_END)
    if expect_no_symbols(out):
        return f"{expect_no_symbols(out)}; got:\n{out}"
    roomy = boot_known(qemu, machine + ["-m", "64", "-kernel", elf, "-initrd", padded], MAP_END)
    problem = expect_symbols(os.path.getsize(padded))(roomy)
    return f"with 64 MiB: {problem}; got:\n{roomy}" if problem else ""


def same_map_as_disk(qemu: str, elf: str, image: str) -> str:
    """On pc with SeaBIOS, PVH and the BIOS disk boot see the same map."""
    drive = ["-machine", "pc", "-m", "64",
             "-drive", f"format=raw,file={image},snapshot=on"]
    disk = boot(qemu, drive, MAP_END)
    pvh = boot(qemu, drive + ["-kernel", elf], MAP_END)
    if GREETING not in pvh or not parse_map(pvh):
        return f"wanted {GREETING!r} and the memory map on COM1:\n{pvh}"
    if parse_map(pvh) != parse_map(disk):
        return f"PVH map differs from the disk boot's:\n{pvh}\n--- disk:\n{disk}"
    return ""


def run_case(qemu: str, case: tuple) -> tuple:
    """Boot one case: ('ok' | 'skip' | 'not ok', details)."""
    _, args, until, check = case
    out = boot(qemu, args, until)
    if any(word in out for word in MISSING) and GREETING not in out:
        return "skip", out.strip().splitlines()[-1]
    problem = check(out)
    return ("not ok", f"{problem}; got:\n{out}") if problem else ("ok", "")


def main(argv: list) -> int:
    """Entry point: TAP on stdout."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("qemu", help="qemu-system-x86_64 binary")
    p.add_argument("kernel_elf", help="the kernel ELF (build/kernel/kernel.elf)")
    p.add_argument("kernel_image", help="the BIOS disk image of the same kernel")
    p.add_argument("fault_elf", help="a test image's ELF whose first case faults "
                   "(build/ktest/page_fault_test.elf)")
    args = p.parse_args(argv)
    for path in (args.kernel_elf, args.kernel_image, args.fault_elf):
        if not os.path.isfile(path):
            p.error(f"no such file: {path}")
    if not shutil.which(args.qemu):
        p.error(f"cannot run QEMU: {args.qemu}")
    with tempfile.TemporaryDirectory(prefix="pvh-test-") as tmp:
        files = {"elf": args.kernel_elf, "image": args.kernel_image, "fault": args.fault_elf,
                 "damaged_modules": damaged_modules(args.kernel_elf, tmp)}
        todo = cases(args.kernel_elf, damaged_copies(args.kernel_elf, tmp))
        for fw, machine in FIRMWARES.items():
            todo += module_cases(fw, machine, files)
        return run_all(args, todo, specials(args, tmp))


def specials(args: argparse.Namespace, tmp: str) -> list:
    """(name, function giving the problem or "") of the checks that boot
    more than once."""
    out = [("seabios_map_same_as_disk_boot",
            lambda: same_map_as_disk(args.qemu, args.kernel_elf, args.kernel_image))]
    for fw, machine in FIRMWARES.items():
        out += [(f"{fw}_module_kept_from_the_frame_allocator",
                 lambda m=machine: frames_without_the_module(args.qemu, m, args.kernel_elf)),
                (f"{fw}_module_over_the_loader_pages",
                 lambda m=machine: module_over_loader_pages(args.qemu, m, args.kernel_elf, tmp))]
    return out


def run_all(args: argparse.Namespace, todo: list, multi: list) -> int:
    """Run the cases and the checks that boot more than once, two QEMUs at a
    time."""
    print("TAP version 13")
    print(f"1..{len(todo) + len(multi)}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        pending = [pool.submit(fn) for _, fn in multi]
        results = pool.map(lambda c: run_case(args.qemu, c), todo)
        for n, (case, (verdict, details)) in enumerate(zip(todo, results), 1):
            result(n, case[0], (details or "failed") if verdict == "not ok" else "",
                   details if verdict == "skip" else "")
        for n, ((name, _), future) in enumerate(zip(multi, pending), len(todo) + 1):
            try:
                problem = future.result()
                result(n, name, problem)
            except Missing as missing:
                result(n, name, skip=str(missing))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
