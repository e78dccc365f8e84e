#!/usr/bin/env python3
"""The screen after a PVH boot, where no VGA BIOS runs and the kernel sets
80x25 text mode up itself: on pc with qboot and -vga std, QEMU's screendump
shows the kernel's greeting drawn with the kernel's font in its colours,
and the screen's test images pass every case; on microvm and on pc without
a VGA card they pass too, the screen's cases skipped. Prints TAP for
meson's `harness` suite; a machine or firmware QEMU lacks is a skip.

Usage: test_pvh_screen.py QEMU KERNEL_ELF FB_FONT_C BASIC_BOOT_ELF VGA_ELF
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from guest import Guest  # noqa: E402
from tap_report import result  # noqa: E402
from harness.qmp import Qmp  # noqa: E402  (after the path is set)

WAIT_S = 60                  # generous: the machine may be busy
KTEST_PASSED = 33            # isa-debug-exit: (0x10 << 1) | 1
EXIT_DEVICE = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
QBOOT = ["-machine", "pc", "-bios", "qboot.rom"]
MICROVM = ["-machine", "microvm"]
VGA = ["-vga", "std"]
READY = b"Type commands"     # the kernel's last line before its shell
GREETING = "Hello from the kernel!"
GREETING_ROW = 1             # below the status line
LIGHT_GREEN, BLACK = 0x55ff55, 0x000000
CELL_W, CELL_H, GLYPH_W = 9, 16, 8   # mode 3: 9x16 cells, 8 columns of glyph
TEXT_W, TEXT_H = 80 * CELL_W, 25 * CELL_H
MISSING = ("could not load", "unsupported machine type", "Unable to find")
# The cases that need the screen: each must run when there is one, skip when not.
BASIC_BOOT_SCREEN = {"basic_boot.println_output_on_vga"}
VGA_SCREEN = {"vga.write_at_places_text_and_colour", "vga.reserved_rows_do_not_scroll",
              "vga.backspace_moves_back_within_the_line", "vga_mode.a_vga_card_gives_a_screen",
              "vga_mode.card_is_in_80x25_colour_text_mode",
              "vga_mode.hardware_cursor_follows_the_text"}
CASE_LINE = re.compile(r"^\s+(ok|not ok) \d+ (\S+)(?: # (\w+))?")
SUITE_LINE = re.compile(r"^(?:ok|not ok) \d+ (\S+)")
GLYPH_LINE = re.compile(r"\[0x([0-9a-f]{2})\] = \{([^}]*)\}")


def read_font(path: str) -> dict:
    """The glyphs of the generated fb_font.c: {byte: 16 row bytes}."""
    with open(path, encoding="utf-8") as f:
        return {int(m.group(1), 16): [int(b, 16) for b in m.group(2).split(",")]
                for m in GLYPH_LINE.finditer(f.read())}


def read_ppm(path: str) -> tuple:
    """(width, height, RGB bytes) of a binary PPM (P6, maxval 255)."""
    with open(path, "rb") as f:
        data = f.read()
    magic, size, maxval, pixels = data.split(b"\n", 3)
    if magic != b"P6" or maxval != b"255":
        raise ValueError(f"not an 8-bit P6 PPM: {path}")
    width, height = map(int, size.split())
    return width, height, pixels


def same_color(pixel: bytes, rgb: int) -> bool:
    """Whether pixel shows rgb as the VGA DAC can (6 bits a component)."""
    want = (rgb >> 16 & 0xff, rgb >> 8 & 0xff, rgb & 0xff)
    return all(p >> 2 == w >> 2 for p, w in zip(pixel, want))


def cell_problem(shot: tuple, font: dict, row: int, col: int, ch: str) -> str:
    """Where cell (row, col) of the screendump is not ch in light green on
    black, glyph from the font and a blank ninth column, or ""."""
    width, _, pixels = shot
    glyph = font[ord(ch)]
    for y in range(CELL_H):
        for x in range(CELL_W):
            lit = x < GLYPH_W and glyph[y] & (0x80 >> x)
            px, py = col * CELL_W + x, row * CELL_H + y
            at = (py * width + px) * 3
            if not same_color(pixels[at:at + 3], LIGHT_GREEN if lit else BLACK):
                return f"{ch!r} at row {row} column {col}: pixel ({px}, {py}) " \
                       f"is #{pixels[at:at + 3].hex()}"
    return ""


def screen_problem(qemu: str, elf: str, font: dict, tmp: str) -> str:
    """Boot the kernel on qboot with -vga std, dump the screen, and compare
    the greeting's cells with the font; the problem, or ""."""
    qmp, shot = os.path.join(tmp, "qmp.sock"), os.path.join(tmp, "screen.ppm")
    cmd = [qemu, "-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio",
           "-qmp", f"unix:{qmp},server=on,wait=off"] + QBOOT + VGA + ["-kernel", elf]
    guest = Guest(cmd, WAIT_S)
    try:
        if not guest.wait_for(READY):
            return f"{guest.text()}\nwanted {READY.decode()!r} on COM1"
        client = Qmp(qmp)
        client.command("screendump", {"filename": shot})
        client.close()
    finally:
        guest.stop()
    if not os.path.isfile(shot):
        return "QEMU wrote no screendump"
    width, height, pixels = read_ppm(shot)
    if (width, height) != (TEXT_W, TEXT_H):
        return f"the screen is {width}x{height}, not 80x25 text's {TEXT_W}x{TEXT_H}"
    for col, ch in enumerate(GREETING):
        problem = cell_problem((width, height, pixels), font, GREETING_ROW, col, ch)
        if problem:
            return "the greeting is not drawn in the kernel's font and colours: " + problem
    return ""


def run_image(qemu: str, args: list) -> tuple:
    """Boot a test image PVH to its end: (QEMU's status, {case: verdict}),
    verdict 'ok', 'not ok' or 'SKIP'; the output as a third item."""
    cmd = [qemu, "-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio",
           "-m", "128"] + EXIT_DEVICE + args
    try:
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=WAIT_S * 2)
    except subprocess.TimeoutExpired as e:
        return None, {}, (e.stdout or b"").decode(errors="replace")
    out = done.stdout.decode(errors="replace")
    verdicts, cases = {}, []
    for line in out.splitlines():
        m = CASE_LINE.match(line)
        if m:
            cases.append((m.group(2), "SKIP" if m.group(3) == "SKIP" else m.group(1)))
        m = SUITE_LINE.match(line)
        if m:
            verdicts.update({f"{m.group(1)}.{c}": v for c, v in cases})
            cases = []
    return done.returncode, verdicts, out


def image_problem(qemu: str, args: list, screen_cases: set, screen: bool) -> str:
    """Boot a test image: status 33, no case failed, and each of
    screen_cases passed when screen is true, skipped when not; the
    problem, or ""."""
    status, verdicts, out = run_image(qemu, args)
    if status != KTEST_PASSED:
        return f"{out}\nQEMU exited {status}, not {KTEST_PASSED}"
    want = "ok" if screen else "SKIP"
    wrong = [f"{c}: {v}" for c, v in verdicts.items() if v == "not ok"]
    wrong += [f"{c}: {verdicts.get(c, 'no result')}" for c in sorted(screen_cases)
              if verdicts.get(c) != want]
    if wrong:
        return f"{out}\nwanted no case failed and the screen's cases {want}: " + \
               ", ".join(wrong)
    return ""


def cases(args: argparse.Namespace, font: dict, tmp: str) -> list:
    """(name, function returning a problem or "") for each check."""
    q, basic_boot, vga = args.qemu, ["-kernel", args.basic_boot], ["-kernel", args.vga]
    return [
        ("qboot_vga_shows_the_greeting_in_the_font",
         lambda: screen_problem(q, args.kernel_elf, font, tmp)),
        ("qboot_vga_basic_boot_reads_its_line_back",
         lambda: image_problem(q, QBOOT + VGA + basic_boot, BASIC_BOOT_SCREEN, True)),
        ("qboot_vga_vga_cases_pass",
         lambda: image_problem(q, QBOOT + VGA + vga, VGA_SCREEN, True)),
        ("qboot_no_vga_card_basic_boot_skips_the_screen",
         lambda: image_problem(q, QBOOT + basic_boot, BASIC_BOOT_SCREEN, False)),
        ("qboot_no_vga_card_vga_cases_skip",
         lambda: image_problem(q, QBOOT + vga, VGA_SCREEN, False)),
        ("microvm_basic_boot_skips_the_screen",
         lambda: image_problem(q, MICROVM + basic_boot, BASIC_BOOT_SCREEN, False)),
        ("microvm_vga_cases_skip",
         lambda: image_problem(q, MICROVM + vga, VGA_SCREEN, False)),
    ]


def skip_reason(problem: str) -> str:
    """The line of a problem that QEMU explains as a missing machine or
    firmware (then the check is a skip), or ""."""
    return next((line for line in problem.splitlines() if any(w in line for w in MISSING)), "")


def main(argv: list) -> int:
    """Entry point: TAP on stdout."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("qemu", help="qemu-system-x86_64 binary")
    p.add_argument("kernel_elf", help="the kernel ELF (build/kernel/kernel.elf)")
    p.add_argument("font", help="the generated glyph table (fb_font.c)")
    p.add_argument("basic_boot", help="basic_boot_test.elf")
    p.add_argument("vga", help="vga_test.elf")
    args = p.parse_args(argv)
    for path in (args.kernel_elf, args.font, args.basic_boot, args.vga):
        if not os.path.isfile(path):
            p.error(f"no such file: {path}")
    if not shutil.which(args.qemu):
        p.error(f"cannot run QEMU: {args.qemu}")
    font = read_font(args.font)
    if len(font) != 256:
        p.error(f"{args.font}: {len(font)} glyphs, not 256")
    with tempfile.TemporaryDirectory(prefix="pvh-screen-") as tmp:
        todo = cases(args, font, tmp)
        print("TAP version 13")
        print(f"1..{len(todo)}")
        for n, (name, check) in enumerate(todo, 1):
            problem = check()
            result(n, name, problem, skip_reason(problem))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
