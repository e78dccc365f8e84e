"""The PVH floor: the smallest kernel QEMU's -kernel boots through the PVH
entry (Xen's x86/HVM direct boot ABI), which only ends QEMU as a passing
test image would. An ELF64 file, written here byte by byte: one PT_LOAD at
1 MiB holding 32-bit code, and a PT_NOTE with the XEN_ELFNOTE_PHYS32_ENTRY
note, laid out as kernel/arch/x86_64/pvh.asm and linker.ld lay out the
kernel's (docs/boot.md, "PVH direct boot")."""

from __future__ import annotations

import os
import struct

from .. import protocol as P
from .build import Build, harness_args
from .images import dry_run
from .timing import Image

# ELF (System V gABI; the x86-64 psABI).
ELF_MAGIC = b'\x7fELF'
ELFCLASS64, ELFDATA2LSB, EV_CURRENT = 2, 1, 1
ET_EXEC, EM_X86_64 = 2, 62
PT_LOAD, PT_NOTE = 1, 4
PF_X, PF_R = 1, 4
EHDR = struct.Struct('<16sHHIQQQIHHHHHH')   # Elf64_Ehdr: 64 bytes
PHDR = struct.Struct('<IIQQQQQQ')           # Elf64_Phdr: 56 bytes
NHDR = struct.Struct('<III')                # Elf64_Nhdr: namesz, descsz, type
PAGE = 0x1000
NOTE_ALIGN = 4              # QEMU steps through notes by the segment's alignment

# Xen public/elfnote.h. QEMU reads the entry as 8 bytes from an ELF64 note.
XEN_ELFNOTE_PHYS32_ENTRY = 18
XEN_NOTE_NAME = b'Xen\0'
PVH_LOAD = 0x100000         # where the segment loads: 1 MiB, as the kernel's do

# Entered in 32-bit protected mode, paging off (the PVH ABI).
PVH_FLOOR_CODE = (
    bytes([0x66, 0xBA]) + P.EXIT_PORT.to_bytes(2, 'little')    # mov dx, EXIT_PORT
    + bytes([0xB8]) + P.EXIT_PASS.to_bytes(4, 'little')        # mov eax, EXIT_PASS
    + bytes([0xEF,                       # out dx, eax       ; QEMU exits, passed
             0xF4,                       # hlt               ; not reached
             0xEB, 0xFD]))               # jmp short hlt
PVH_MACHINES = ('pc', 'microvm')         # pc boots it through qboot


def align(value: int, to: int) -> int:
    """value rounded up to a multiple of to."""
    return (value + to - 1) // to * to


def xen_note(entry: int) -> bytes:
    """The PHYS32_ENTRY note: its header, the name and the 8-byte entry address."""
    desc = entry.to_bytes(8, 'little')
    return NHDR.pack(len(XEN_NOTE_NAME), len(desc), XEN_ELFNOTE_PHYS32_ENTRY) + \
        XEN_NOTE_NAME + desc


def pvh_floor_elf(code: bytes = PVH_FLOOR_CODE) -> bytes:
    """The PVH floor's ELF file: header, two program headers, the code, the
    note; the whole file is the one PT_LOAD segment, loaded at PVH_LOAD."""
    code_at = EHDR.size + 2 * PHDR.size
    note_at = align(code_at + len(code), NOTE_ALIGN)
    entry = PVH_LOAD + code_at
    note = xen_note(entry)
    size = note_at + len(note)
    ident = ELF_MAGIC + bytes([ELFCLASS64, ELFDATA2LSB, EV_CURRENT]) + bytes(9)
    header = EHDR.pack(ident, ET_EXEC, EM_X86_64, EV_CURRENT, entry, EHDR.size, 0, 0,
                       EHDR.size, PHDR.size, 2, 0, 0, 0)
    load = PHDR.pack(PT_LOAD, PF_R | PF_X, 0, PVH_LOAD, PVH_LOAD, size, size, PAGE)
    notes = PHDR.pack(PT_NOTE, PF_R, note_at, PVH_LOAD + note_at, PVH_LOAD + note_at,
                      len(note), len(note), NOTE_ALIGN)
    body = header + load + notes + code
    return body + bytes(note_at - len(body)) + note


def write_pvh_floor(directory: str) -> str:
    """Write the PVH floor's ELF into directory; its path."""
    path = os.path.join(directory, 'pvh-floor.elf')
    with open(path, 'wb') as f:
        f.write(pvh_floor_elf())
    return path


def pvh_floor_args(elf: str, build: Build, machine: str) -> list[str]:
    """run_qemu.py's arguments for the PVH floor: test mode, a test image's
    options, booted PVH on machine (QEMU -kernel: qboot on pc)."""
    image = elf[:-len('.elf')] + '.img'      # never read: PVH boots the ELF (--elf)
    args = harness_args(build)
    args[args.index('--machine') + 1] = machine
    return [image, '--test'] + args + ['--boot', 'pvh', '--elf', elf, '--tap']


def pvh_floor_images(build: Build, directory: str) -> list[Image]:
    """The PVH floor, written into directory, on each of PVH_MACHINES, with
    the test-mode QEMU command run_qemu.py --dry-run gives for it."""
    env = dict(os.environ)
    elf = write_pvh_floor(directory)
    return [Image(f'pvh floor ({machine})', '', dry_run(build.run_qemu,
                                                         pvh_floor_args(elf, build, machine),
                                                         build.dir, env), [], build.dir, env)
            for machine in PVH_MACHINES]
