"""Test mode's start: check what the run needs, start its first boot, and
only then import the rest of the harness (session.py and the modules it
brings: the KTAP parser, the reporters), which loads while QEMU boots.

A plain run (no --list, --fresh-boot, --keys or gdb) starts QEMU with the
words of its first boot straight away; the session takes that process for
its first boot.
"""

from __future__ import annotations

import sys

from .accel import choose
from .config import Config
from .qemu import check_boot, check_image, find_qemu, gdb_hint, test_command
from .words import check_length, ktest_words


def plain(cfg: Config) -> bool:
    """Whether the first boot's words and command are known now."""
    return not (cfg.list or cfg.fresh_boot or cfg.keys or cfg.gdb is not None or
                cfg.coverage)


def run_tests(cfg: Config) -> int:
    """Test mode: check, start the first boot, run the session; the exit status."""
    if cfg.dry_run:
        from .session import dry_run
        return dry_run(cfg)
    check_image(cfg.image)
    if not cfg.exec:
        check_boot(cfg)
        cfg = cfg._replace(qemu=find_qemu(cfg.qemu))
        cfg = cfg._replace(accel=choose(cfg))
    if cfg.gdb and not cfg.gdb_case:
        print(gdb_hint(cfg), file=sys.stderr, flush=True)
    early = None
    if plain(cfg):
        from .process import start
        words = ktest_words(cfg)
        check_length(cfg, words)
        early = (words, start(test_command(cfg, words, None)))
    try:
        from .session import run_session
        return run_session(cfg, early)
    finally:
        if early is not None:
            from .process import stop
            stop(early[1])
