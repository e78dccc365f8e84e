#!/usr/bin/env python3
"""PVH direct boot: boot the kernel ELF with QEMU -kernel on the microvm
machine and on pc with qboot, and check the greeting, the memory map the
kernel prints (RAM where QEMU put it; on pc with SeaBIOS, the same map as the
BIOS disk boot of the same machine), the command line (-append) arriving
whole up to the longest that fits and a clear error one byte past it, and
the loader's CPU and ELF checks. Prints TAP for meson's `harness` suite.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

WAIT_S = 30          # generous: the machine may be busy
CMDLINE_MAX = 4095   # BOOT_CMDLINE_MAX - 1 (boot/boot_info.h)
GREETING = "Hello from the kernel!"
MAP_END = "Usable:"  # the line after the memory map
MIB = 1 << 20
GIB = 1 << 30
LOW_RAM_TOP = 3 * GIB  # both machines split 4 GiB of RAM at 3 GiB
PT_LOAD = 1
PF_RWX = 7
ELF_PHOFF, ELF_PHENTSIZE, ELF_PHNUM = 32, 54, 56  # ELF64 header offsets
P_FLAGS, P_PADDR = 4, 24                           # program header offsets
MAP_ENTRY = re.compile(r"^\s*([0-9a-f]{16})-([0-9a-f]{16})\s+\d+ KiB\s+(.+)$")

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
    cmd = [qemu, "-nodefaults", "-no-reboot", "-display", "none",
           "-serial", "stdio"] + args
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    os.set_blocking(proc.stdout.fileno(), False)
    seen = b""
    end = time.monotonic() + WAIT_S
    try:
        while time.monotonic() < end and not line_done(seen, until):
            chunk = proc.stdout.read()
            if chunk:
                seen += chunk
            elif proc.poll() is not None:
                break
            else:
                time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    return seen.decode(errors="replace")


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


def report(n: int, name: str, verdict: str, details: str) -> None:
    """One TAP line, then the last lines of any details as diagnostics."""
    if verdict == "skip":
        print(f"ok {n} {name} # SKIP {details}")
        return
    print(f"{verdict} {n} {name}")
    for line in details.splitlines()[-25:]:
        print(f"# {line[:200]}")
    sys.stdout.flush()


def main(argv: list) -> int:
    """Entry point: TAP on stdout."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("qemu", help="qemu-system-x86_64 binary")
    p.add_argument("kernel_elf", help="the kernel ELF (build/kernel/kernel.elf)")
    p.add_argument("kernel_image", help="the BIOS disk image of the same kernel")
    args = p.parse_args(argv)
    for path in (args.kernel_elf, args.kernel_image):
        if not os.path.isfile(path):
            p.error(f"no such file: {path}")
    if not shutil.which(args.qemu):
        p.error(f"cannot run QEMU: {args.qemu}")
    with tempfile.TemporaryDirectory(prefix="pvh-test-") as tmp:
        return run_all(args, cases(args.kernel_elf, damaged_copies(args.kernel_elf, tmp)))


def run_all(args: argparse.Namespace, todo: list) -> int:
    """Run the cases and the SeaBIOS comparison, two QEMUs at a time."""
    print("TAP version 13")
    print(f"1..{len(todo) + 1}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        disk = pool.submit(same_map_as_disk, args.qemu, args.kernel_elf,
                           args.kernel_image)
        results = pool.map(lambda c: run_case(args.qemu, c), todo)
        for n, (case, (verdict, details)) in enumerate(zip(todo, results), 1):
            report(n, case[0], verdict, details)
        problem = disk.result()
        report(len(todo) + 1, "seabios_map_same_as_disk_boot",
               "not ok" if problem else "ok", problem)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
