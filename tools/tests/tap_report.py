"""TAP for meson from a test that checks a list of things in parallel: one
result line per thing, its problem (if any) as diagnostics."""

from __future__ import annotations

import concurrent.futures
import sys
from typing import Callable, Sequence, TypeVar

Item = TypeVar('Item')


def result(number: int, name: str, problem: str = '', skip: str = '',
           tail: int = 25) -> None:
    """One TAP line: `ok`, `ok ... # SKIP why` when skip says why, or
    `not ok` and the last tail lines of problem as diagnostics."""
    if skip:
        print(f'ok {number} {name} # SKIP {skip[:150]}')
    elif not problem:
        print(f'ok {number} {name}')
    else:
        print(f'not ok {number} {name}')
        for line in problem.splitlines()[-tail:]:
            print(f'# {line[:200]}')
    sys.stdout.flush()


def check_all(items: Sequence[Item], check: Callable[[Item], str],
              name: Callable[[Item], str], tail: int = 40, workers: int = 2) -> int:
    """Check every item (two at a time: each boots QEMU) and print TAP:
    `ok N name`, or `not ok N name` and the last tail lines of its problem.
    Returns 0: meson scores the lines."""
    print('TAP version 13')
    print(f'1..{len(items)}')
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for number, (item, problem) in enumerate(zip(items, pool.map(check, items)), 1):
            result(number, name(item), problem, tail=tail)
    return 0
