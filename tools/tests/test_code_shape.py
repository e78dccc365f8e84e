#!/usr/bin/env python3
"""The code's shape, as the project keeps it: no source file over 600
lines (tests aside), no function over 40 lines (C and Python, tests
included). Prints TAP, one line per rule and language, for meson's
`harness` suite; a failing line lists each offender with its size.

Usage: test_code_shape.py [SOURCE_ROOT]
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 40
SOURCES = ('*.c', '*.h', '*.py', '*.asm')
# A C function starts with its name at the start of a line and its body's
# brace alone on the next one, and ends with a brace alone at column 0.
C_START = re.compile(r'^[A-Za-z_].*\)\s*$')


def tracked(root: Path) -> list[Path]:
    """The project's source files (git's list when there is one)."""
    try:
        out = subprocess.run(['git', '-C', str(root), 'ls-files', *SOURCES],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True, check=True).stdout
        return [root / line for line in out.splitlines() if (root / line).is_file()]
    except (OSError, subprocess.CalledProcessError):
        return [p for pattern in SOURCES for p in root.rglob(pattern)
                if 'build' not in p.parts]


def is_test(path: Path) -> bool:
    """Test code: test files, test images, the harness's own tests."""
    parts = path.parts
    return (path.stem.endswith('_test') or path.stem.startswith('test_') or
            'tests' in parts or 'catalog' in parts or 'broken' in parts or
            path.name == 'fake_qemu.py')


def c_functions(text: str) -> list[tuple[str, int]]:
    """(name, body lines) of each C function defined in text."""
    lines = text.split('\n')
    found = []
    for i in range(len(lines) - 1):
        if not (C_START.match(lines[i]) and lines[i + 1] == '{'):
            continue
        end = next((j for j in range(i + 2, len(lines)) if lines[j] == '}'), None)
        if end is not None:
            name = re.search(r'(\w+)\s*\(', lines[i])
            found.append((name.group(1) if name else lines[i], end - i - 2))
    return found


def python_functions(text: str) -> list[tuple[str, int]]:
    """(name, lines) of each Python function, its docstring not counted."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            size = node.end_lineno - node.lineno + 1
            doc = node.body[0] if node.body else None
            if isinstance(doc, ast.Expr) and isinstance(getattr(doc, 'value', None), ast.Constant) \
                    and isinstance(doc.value.value, str):
                size -= doc.end_lineno - doc.lineno + 1
            found.append((node.name, size))
    return found


def long_functions(paths: list[Path], root: Path) -> dict[str, list[str]]:
    """Functions over the limit, per language."""
    over: dict[str, list[str]] = {'C': [], 'Python': []}
    for path in paths:
        text = path.read_text(errors='replace')
        if path.suffix == '.c':
            kind, functions = 'C', c_functions(text)
        elif path.suffix == '.py':
            kind, functions = 'Python', python_functions(text)
        else:
            continue
        over[kind] += [f'{path.relative_to(root)}: {name}() {size} lines'
                       for name, size in functions if size > MAX_FUNCTION_LINES]
    return over


def long_files(paths: list[Path], root: Path) -> list[str]:
    """Non-test source files over the limit."""
    found = []
    for path in paths:
        count = len(path.read_text(errors='replace').splitlines())
        if count > MAX_FILE_LINES and not is_test(path):
            found.append(f'{path.relative_to(root)}: {count} lines')
    return found


def report(number: int, name: str, offenders: list[str]) -> None:
    """One TAP line, offenders as diagnostics."""
    print(f'{"not ok" if offenders else "ok"} {number} {name}')
    for line in offenders:
        print(f'# {line}')


def main(argv: list[str]) -> int:
    """Entry point: TAP on stdout."""
    root = Path(argv[0]).resolve() if argv else ROOT
    paths = tracked(root)
    functions = long_functions(paths, root)
    print('TAP version 13')
    print('1..3')
    report(1, f'no source file over {MAX_FILE_LINES} lines', long_files(paths, root))
    report(2, f'no C function over {MAX_FUNCTION_LINES} lines', functions['C'])
    report(3, f'no Python function over {MAX_FUNCTION_LINES} lines', functions['Python'])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
