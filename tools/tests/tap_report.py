"""TAP for meson from a test that checks a list of things in parallel: one
result line per thing, its problem (if any) as diagnostics."""

from __future__ import annotations

import concurrent.futures
import sys
from typing import Callable, Sequence, TypeVar

Item = TypeVar('Item')


def check_all(items: Sequence[Item], check: Callable[[Item], str],
              name: Callable[[Item], str], tail: int = 40, workers: int = 2) -> int:
    """Check every item (two at a time: each boots QEMU) and print TAP:
    `ok N name`, or `not ok N name` and the last tail lines of its problem.
    Returns 0: meson scores the lines."""
    print('TAP version 13')
    print(f'1..{len(items)}')
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for number, (item, problem) in enumerate(zip(items, pool.map(check, items)), 1):
            print(f'{"not ok" if problem else "ok"} {number} {name(item)}')
            for line in problem.splitlines()[-tail:]:
                print(f'# {line}')
            sys.stdout.flush()
    return 0
