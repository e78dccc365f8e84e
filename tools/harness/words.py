"""The words of a test boot's kernel command line, decided before QEMU
starts: light on imports (docs/performance.md, the harness's start)."""

from __future__ import annotations

from . import protocol as P
from .config import Config, UsageError
from .qemu import builtin_cmdline


def ktest_words(cfg: Config, start: int = 0, globs: tuple[str, ... | None] = None,
                listing: bool = False) -> list[str]:
    """The words of one boot: the ktest.* options, then --cmdline's.
    globs replaces --filter (a --fresh-boot boot of one case, which shuffles
    and repeats in the harness instead)."""
    single = globs is not None
    globs = cfg.filter if globs is None else globs
    words = [f'{P.OPT_FILTER}={",".join(globs)}'] if globs else []
    if cfg.shuffle is not None and not single and (cfg.list or not listing):
        words.append(f'{P.OPT_SHUFFLE}={cfg.shuffle}')
    if cfg.repeat > 1 and not single and not listing:
        words.append(f'{P.OPT_REPEAT}={cfg.repeat}')
    if cfg.case_timeout:
        words.append(f'{P.OPT_TIMEOUT}={cfg.case_timeout}')
    if start:
        words.append(f'{P.OPT_START}={start}')
    if listing:
        words.append(P.OPT_LIST)
    return words + list(cfg.cmdline)


def check_length(cfg: Config, words: list[str]) -> None:
    """The whole command line must reach the image: it holds
    P.CMDLINE_MAX bytes, the image's built-in words included."""
    builtin = '' if cfg.exec else builtin_cmdline(cfg.image)
    line = ' '.join(([builtin] if builtin else []) + words)
    if len(line) > P.CMDLINE_MAX:
        raise UsageError(f'the kernel command line would be {len(line)} bytes, more than '
                         f'the {P.CMDLINE_MAX} an image takes: use fewer or shorter '
                         '--filter globs or --cmdline words')


