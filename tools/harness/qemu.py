"""QEMU command lines for both modes, and the checks before starting one."""

from __future__ import annotations

import os

from . import protocol as P
from .config import QBOOT, Config, UsageError

PROG = 'run_qemu.py'
DEBUG_EXIT_DEVICE = (f'isa-debug-exit,iobase={P.EXIT_PORT:#x},iosize=0x04')
VIRTIO_MIN_DISK_BYTES = 16 * 63 * 512   # one cylinder: 16 heads of 63 sectors
SECTOR = 512
# The image header (boot/image.h; tools/tests/test_protocol.py checks that
# these agree with it): where it is, its magic, its built-in command line.
IMG_HEADER_LBA = 2049
IMG_HEADER_MAGIC = b'KTIMAGE1'
IMG_HDR_CMDLINE = 64
IMG_HDR_CMDLINE_MAX = 256


def qemu_escape(value: str) -> str:
    """Escape a value for QEMU's option parser, which splits on commas."""
    return value.replace(',', ',,')


def which(name: str) -> str | None:
    """The executable name on PATH (or name itself when it holds a '/')."""
    dirs = [''] if os.sep in name else os.environ.get('PATH', os.defpath).split(os.pathsep)
    for directory in dirs:
        path = os.path.join(directory, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def find_qemu(name: str) -> str:
    """The path of the QEMU binary, or a UsageError saying how to get it."""
    path = which(name)
    if path is None:
        raise UsageError(f'QEMU not found: {name!r}; install it with '
                         "'sudo apt-get install qemu-system-x86' (Debian/Ubuntu package "
                         'qemu-system-x86) or pass --qemu PATH')
    return path


def check_image(image: str) -> None:
    """A UsageError when the image is not a readable file."""
    if not os.path.isfile(image):
        raise UsageError(f'image not found: {image}; build it first with '
                         "'meson compile -C build'")
    if not os.access(image, os.R_OK):
        raise UsageError(f'image not readable: {image}')


def check_boot(cfg: Config) -> None:
    """A UsageError when what cfg's way to boot needs is missing."""
    if cfg.boot == 'pvh':
        elf = elf_of(cfg)
        if not os.path.isfile(elf):
            raise UsageError(f'kernel ELF not found: {elf} (booting PVH needs it; '
                             'pass --elf PATH or --boot bios)')
    elif cfg.boot == 'uefi' and not os.path.isfile(cfg.ovmf):
        raise UsageError(f'UEFI firmware not found: {cfg.ovmf}; install it with '
                         "'sudo apt-get install ovmf' or pass --ovmf PATH")


def builtin_cmdline(image: str) -> str:
    """The command line words built into a disk image (mkimage --cmdline),
    which the loader puts before the passed ones; '' for other files."""
    try:
        with open(image, 'rb') as f:
            f.seek(IMG_HEADER_LBA * SECTOR)
            header = f.read(IMG_HDR_CMDLINE + IMG_HDR_CMDLINE_MAX)
    except OSError:
        return ''
    if not header.startswith(IMG_HEADER_MAGIC):
        return ''
    raw = header[IMG_HDR_CMDLINE:].split(b'\0', 1)[0]
    return raw.decode('ascii', 'replace')


def disk_kind(disk: str, image: str) -> str:
    """How a test boot attaches the image: 'virtio' (virtio-blk), 'ide', or
    'usb' (a USB stick on an xHCI controller, as a PC boots a stick).

    The loader reads the disk through the firmware either way, but on
    virtio-blk the firmware moves the sectors by DMA, where on IDE it makes
    one emulated port access per 16-bit word. SeaBIOS only boots virtio
    disks of at least one CHS cylinder, so smaller images (a bare boot
    sector) stay on IDE; tools/mkimage.py pads ours to whole MiB.
    """
    if disk != 'auto':
        return disk
    try:
        return 'virtio' if os.path.getsize(image) >= VIRTIO_MIN_DISK_BYTES else 'ide'
    except OSError:
        return 'ide'


def elf_of(cfg: Config) -> str:
    """The image's kernel ELF: --elf, else IMAGE with .img -> .elf."""
    if cfg.elf:
        return cfg.elf
    return (cfg.image[:-4] if cfg.image.endswith('.img') else cfg.image) + '.elf'


def machine_args(cfg: Config) -> list[str]:
    """Machine, accelerator (KVM when chosen; TCG is QEMU's default),
    firmware and memory of cfg's way to boot."""
    args = ['-machine', cfg.machine, '-m', str(cfg.memory)]
    if cfg.accel == 'kvm':
        args += ['-accel', 'kvm']
    if cfg.boot == 'uefi':
        args += ['-bios', cfg.ovmf]
    elif cfg.boot == 'pvh' and cfg.machine != 'microvm':
        qboot = find_qboot(cfg.qemu)
        args += ['-bios', qboot] if qboot else []
    return args


def find_qboot(qemu: str) -> str | None:
    """qboot's ROM in QEMU's data directory (<prefix>/share/qemu, as QEMU
    looks for it); None when this QEMU ships none: then SeaBIOS starts the
    PVH kernel, more slowly (its pvh.bin option ROM)."""
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(qemu))) if os.sep in qemu else '/usr'
    for directory in (os.path.join(prefix, 'share', 'qemu'), '/usr/share/qemu',
                      '/usr/local/share/qemu'):
        path = os.path.join(directory, QBOOT)
        if os.path.isfile(path):
            return path
    return None


def boot_args(cfg: Config, disk: str = 'ide') -> list[str]:
    """What the machine boots: the disk image (never written to) attached
    as disk says, or, booting PVH, the kernel ELF, with the same file as the
    PVH module (QEMU's -initrd) so that the kernel has its symbol table
    (docs/boot.md)."""
    if cfg.boot == 'pvh':
        elf = elf_of(cfg)
        return ['-kernel', elf, '-initrd', elf]
    drive = f'format=raw,file={qemu_escape(cfg.image)},snapshot=on'
    if disk == 'usb':
        return ['-device', 'qemu-xhci', '-drive', f'if=none,id=stick,{drive}',
                '-device', 'usb-storage,drive=stick']
    return ['-drive', drive + (',if=virtio' if disk == 'virtio' else '')]


def words_args(cfg: Config, words: list[str]) -> list[str]:
    """The words of the kernel command line: as fw_cfg file opt/cmdline,
    which the loaders put after the image's built-in words; booting PVH
    there is no loader, so the built-in words and then these are -append's."""
    if cfg.boot == 'pvh':
        builtin = builtin_cmdline(cfg.image)
        line = ' '.join(([builtin] if builtin else []) + list(words))
        return ['-append', line] if line else []
    return cmdline_args(' '.join(words))


def cmdline_args(cmdline: str) -> list[str]:
    """The kernel command line as fw_cfg file opt/cmdline; nothing when empty."""
    if not cmdline:
        return []
    return ['-fw_cfg', f'name=opt/cmdline,string={qemu_escape(cmdline)}']


def gdb_args(cfg: Config) -> list[str]:
    """Make QEMU wait for a debugger when --gdb was given."""
    if cfg.gdb is None:
        return []
    return ['-S', '-gdb', f'tcp::{cfg.gdb}']


def run_command(cfg: Config, display: str) -> list[str]:
    """The QEMU command line of run mode (the disk on IDE, as plain QEMU
    attaches it)."""
    cmd = [cfg.qemu] + machine_args(cfg) + boot_args(cfg) + ['-device', DEBUG_EXIT_DEVICE]
    if display == 'curses':
        # The terminal belongs to curses: serial and monitor stay on QEMU's
        # default virtual consoles (Esc 3 and Esc 2).
        cmd += ['-display', 'curses']
    else:
        cmd += ['-serial', 'mon:stdio']
        if display == 'none':
            cmd += ['-display', 'none']
    cmd += words_args(cfg, list(cfg.cmdline))
    return cmd + gdb_args(cfg) + list(cfg.qemu_args)


def test_command(cfg: Config, words: list[str], qmp: str | None,
                 coverage: list[str] | None = None) -> list[str]:
    """The command of one test-mode run: a host executable with the words as
    arguments, or QEMU with only what a test needs: COM1 on stdout, the exit
    device, a VGA card for the VGA tests (microvm has none), the coverage
    channel's device (coverage.py) when given; -no-reboot turns a triple
    fault into an exit."""
    if cfg.exec:
        return [os.path.abspath(cfg.image)] + words
    cmd = [cfg.qemu, '-nodefaults', '-no-reboot', '-display', 'none']
    cmd += [] if cfg.machine == 'microvm' else ['-vga', 'std']
    cmd += machine_args(cfg)
    cmd += boot_args(cfg, disk_kind(cfg.disk, cfg.image))
    cmd += ['-device', DEBUG_EXIT_DEVICE, '-serial', 'stdio'] + words_args(cfg, words)
    if qmp:
        cmd += ['-qmp', f'unix:{qemu_escape(qmp)},server=on,wait=off']
    return cmd + (coverage or []) + gdb_args(cfg) + list(cfg.qemu_args)


def gdb_hint(cfg: Config) -> str:
    """The line telling how to attach gdb to a paused QEMU."""
    import shlex
    elf = elf_of(cfg)
    command = f"gdb -ex 'target remote localhost:{cfg.gdb}' {shlex.quote(elf)}"
    hint = f'{PROG}: QEMU waits for a debugger; attach with: {command}'
    if not os.path.isfile(elf):
        hint += f' (note: {elf} does not exist; pass the kernel ELF with --elf PATH)'
    return hint
