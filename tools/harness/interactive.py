"""Run mode: boot a disk image for a person, the serial port (or the VGA
screen) on this terminal."""

from __future__ import annotations

import os
import subprocess
import sys

from .accel import choose
from .config import Config, UsageError
from .qemu import PROG, check_boot, check_image, find_qemu, gdb_hint, run_command

EXIT_INTERRUPTED = 130


def resolve_display(choice: str, env: dict[str, str]) -> str:
    """Turn --display auto into window or none."""
    if choice != 'auto':
        return choice
    return 'window' if env.get('DISPLAY') or env.get('WAYLAND_DISPLAY') else 'none'


def display_hint(display: str) -> str | None:
    """The line telling how to get out of QEMU for a display kind."""
    if display == 'none':
        return (f'{PROG}: QEMU runs headless with the serial port on this terminal; '
                'quit with Ctrl-A then X (Ctrl-A then C toggles the QEMU monitor)')
    if display == 'curses':
        return (f'{PROG}: QEMU draws the VGA text screen in this terminal; Esc then 3 '
                'shows the serial port, Esc then 1 the screen; to quit press Esc '
                'then 2 and type quit')
    return None


NO_TERMINAL = (f'{PROG}: no terminal here: QEMU cannot take keys, so Ctrl-A X does '
               'not reach it; stop it with Ctrl-C or kill (the kernel\'s shell '
               'also takes `reboot` on a serial terminal)')


def terminal_input() -> tuple[int | None, str | None]:
    """QEMU's stdin: this process's when it is a terminal (None: inherit),
    else the process's controlling terminal (meson compile runs the `run`
    target with stdin at /dev/null, its output still on the terminal), else
    nothing, with a note saying how to stop QEMU."""
    if sys.stdin.isatty():
        return None, None
    try:
        return os.open('/dev/tty', os.O_RDWR | os.O_NOCTTY), None
    except OSError:
        return subprocess.DEVNULL, NO_TERMINAL


def wait(proc: subprocess.Popen) -> int:
    """Wait for QEMU; on Ctrl-C give it two seconds, then kill it."""
    try:
        status = proc.wait()
    except KeyboardInterrupt:
        try:
            proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return EXIT_INTERRUPTED
    return status if status >= 0 else 128 - status


def run_interactive(cfg: Config) -> int:
    """Boot the image for a person; return QEMU's exit status."""
    display = resolve_display(cfg.display, dict(os.environ))
    if cfg.dry_run:
        cmd = run_command(cfg, display)
        import shlex
        print(shlex.join(cmd))
        return 0
    check_image(cfg.image)
    check_boot(cfg)
    cfg = cfg._replace(qemu=find_qemu(cfg.qemu))
    cmd = run_command(cfg._replace(accel=choose(cfg)), display)
    stdin, note = terminal_input()
    for hint in (display_hint(display), note, gdb_hint(cfg) if cfg.gdb else None):
        if hint:
            print(hint, file=sys.stderr, flush=True)
    try:
        proc = subprocess.Popen(cmd, stdin=stdin)
    except OSError as exc:
        raise UsageError(f'cannot start {cfg.qemu}: {exc.strerror}') from None
    finally:
        if isinstance(stdin, int) and stdin >= 0:
            os.close(stdin)
    return wait(proc)
