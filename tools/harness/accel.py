"""Which accelerator QEMU uses: KVM when it works here, else TCG.

/dev/kvm existing is not enough: on some nested machines a guest under
KVM runs a hundred times slower than emulated, or hangs. So the first
run after a boot of the host probes: a boot sector that only writes the
exit code is booted under KVM, with a time limit, and under TCG; KVM is
used when it finished, within the limit and faster than TCG. The answer
is kept until the host reboots (a file per user in $XDG_RUNTIME_DIR or
the temporary directory, keyed by the host's boot id and the QEMU
binary). --accel kvm or tcg skips the probe.
"""

from __future__ import annotations

import os
import sys
import time

from . import protocol as P
from .config import Config
from .process import start, stop

PROBE_LIMIT_S = 2.0
KVM_DEVICE = '/dev/kvm'
BOOT_ID = '/proc/sys/kernel/random/boot_id'
SECTOR = 512
PROBE_CODE = (bytes([0xBA]) + P.EXIT_PORT.to_bytes(2, 'little')      # mov dx, EXIT_PORT
              + bytes([0x66, 0xB8]) + P.EXIT_PASS.to_bytes(4, 'little')  # mov eax, PASS
              + bytes([0x66, 0xEF, 0xF4, 0xEB, 0xFD]))               # out; hlt; jmp $-1


def tcg_only(cfg: Config) -> bool:
    """Whether cfg's QEMU arguments need TCG (-icount) or pick their own."""
    return any(arg in ('-icount', '-accel', '-enable-kvm') or arg.startswith('-machine')
               and 'accel=' in arg for arg in cfg.qemu_args)


def cache_path() -> str:
    """Where the probe's answer is kept."""
    directory = os.environ.get('XDG_RUNTIME_DIR') or os.environ.get('TMPDIR') or '/tmp'
    return os.path.join(directory, f'ktest-accel-{os.getuid()}')


def boot_id() -> str:
    """This boot of the host."""
    try:
        with open(BOOT_ID, encoding='ascii') as f:
            return f.read().strip()
    except OSError:
        return 'unknown'


def cached(qemu: str) -> str | None:
    """The kept answer for qemu in this boot of the host, if any."""
    try:
        with open(cache_path(), encoding='utf-8') as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    key = f'{boot_id()} {qemu} '
    found = [line[len(key):] for line in lines if line.startswith(key)]
    return found[-1] if found and found[-1] in ('kvm', 'tcg') else None


def keep(qemu: str, accel: str) -> None:
    """Keep the answer (written whole, then renamed; best effort)."""
    path = cache_path()
    tmp = f'{path}.{os.getpid()}'
    try:
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(f'{boot_id()} {qemu} {accel}\n')
        os.replace(tmp, path)
    except OSError:
        pass


def boot_probe(qemu: str, accel: str, sector: str) -> float | None:
    """Seconds the probe sector took to exit under accel, or None when it
    failed or ran past the limit."""
    cmd = [qemu, '-accel', accel, '-nodefaults', '-no-reboot', '-display', 'none',
           '-machine', 'pc', '-m', '16', '-drive', f'format=raw,file={sector},snapshot=on',
           '-device', f'isa-debug-exit,iobase={P.EXIT_PORT:#x},iosize=0x04']
    began = time.monotonic()
    try:
        proc = start(cmd)
    except Exception:          # noqa: BLE001  (any failure to start: no KVM)
        return None
    try:
        status = proc.wait(timeout=PROBE_LIMIT_S)
    except TimeoutError:
        return None
    finally:
        stop(proc)
    return time.monotonic() - began if status == P.qemu_status(P.EXIT_PASS) else None


def probe(qemu: str) -> tuple[str, str]:
    """('kvm' or 'tcg', why) from booting the probe both ways."""
    sector = f'{cache_path()}.{os.getpid()}.img'
    with open(sector, 'wb') as f:
        f.write(PROBE_CODE.ljust(SECTOR - 2, b'\0') + b'\x55\xaa')
    try:
        kvm = boot_probe(qemu, 'kvm', sector)
        tcg = boot_probe(qemu, 'tcg', sector) if kvm is not None else None
    finally:
        os.unlink(sector)
    if kvm is None:
        return 'tcg', (f'a test guest did not finish under KVM within {PROBE_LIMIT_S:g} s')
    if tcg is not None and kvm >= tcg:
        return 'tcg', (f'a test guest took {kvm * 1000:.0f} ms under KVM, '
                       f'{tcg * 1000:.0f} ms emulated')
    return 'kvm', ''


def choose(cfg: Config) -> str:
    """The accelerator for cfg: --accel, else KVM when it works here."""
    if cfg.accel != 'auto':
        return cfg.accel
    if tcg_only(cfg) or not os.access(KVM_DEVICE, os.R_OK | os.W_OK):
        return 'tcg'
    accel = cached(cfg.qemu)
    if accel is not None:
        return accel
    with probing():            # one probe at a time: meson runs tests in parallel
        accel = cached(cfg.qemu)
        if accel is None:
            accel, why = probe(cfg.qemu)
            keep(cfg.qemu, accel)
            if why:
                print(f'run_qemu.py: {KVM_DEVICE} is here, but {why}: using TCG '
                      '(--accel kvm uses it anyway)', file=sys.stderr, flush=True)
    return accel


class probing:
    """Holds the probe's lock file while in use (best effort: without it,
    the probe runs anyway)."""

    def __enter__(self) -> None:
        import fcntl
        try:
            self.lock = open(cache_path() + '.lock', 'a')
        except OSError:
            self.lock = None
            return
        fcntl.flock(self.lock, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self.lock is not None:
            self.lock.close()
