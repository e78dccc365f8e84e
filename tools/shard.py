#!/usr/bin/env python3
"""shard.py: run one shard of the test suite, for CI that scales out over
several machines (a job matrix).

    tools/shard.py -C build --shard 2/4                  # the second of four
    tools/shard.py -C build --shard 1/4 --suite unit -- --print-errorlogs
    tools/shard.py -C build --shard 1/4 --list           # what it would run
    tools/shard.py -C build --durations old-testlog.json --shard 3/4

The tests meson knows (optionally only those of the given suites) are split
into N shards deterministically: every test lands in exactly one, and each
machine computes the same split. With the durations of an earlier run
(meson's testlog.json), the longest tests are dealt first, each to the
shard with the least work so far; without, every test counts the same.
The shard runs `meson test -C BUILD --no-rebuild NAMES... [MESON_ARGS]`
and exits with its status. Merge the shards' meson-logs/ktest/ with
tools/junit.py. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

PROG = 'shard.py'
DEFAULT_SECONDS = 1.0


class UsageError(Exception):
    """A bad option or input: one line on stderr, exit 2."""


def shard_spec(text: str) -> tuple[int, int]:
    """I/N with 1 <= I <= N (argparse type)."""
    try:
        index, count = (int(part) for part in text.split('/'))
    except ValueError:
        index = count = 0
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f'expected I/N with 1 <= I <= N, got {text!r}')
    return index, count


def meson_tests(build: str, suites: list[str]) -> list[dict]:
    """The tests meson would run (in the suites given), from its introspection."""
    path = os.path.join(build, 'meson-info', 'intro-tests.json')
    try:
        with open(path, encoding='utf-8') as f:
            tests = json.load(f)
    except (OSError, ValueError) as exc:
        raise UsageError(f'cannot read {path} ({exc}): is {build} a meson build '
                         'directory?') from None
    if suites:
        tests = [t for t in tests if any(entry in suites or entry.split(':', 1)[-1] in suites
                                          for entry in t['suite'])]
    return sorted(tests, key=lambda t: t['name'])


def durations(path: str | None) -> dict[str, float]:
    """Seconds per test name from an earlier run's testlog.json, if given."""
    if not path:
        return {}
    found = {}
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                entry = json.loads(line)
                found[entry['name'].split(' / ')[-1]] = float(entry['duration'])
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f'cannot read durations from {path} ({exc})') from None
    return found


def split(names: list[str], count: int, seconds: dict[str, float]) -> list[list[str]]:
    """count shards of names: the longest first (ties by name), each to the
    shard with the least work so far (the lowest index on a tie)."""
    shards: list[list[str]] = [[] for _ in range(count)]
    load = [0.0] * count
    for name in sorted(names, key=lambda n: (-seconds.get(n, DEFAULT_SECONDS), n)):
        least = min(range(count), key=lambda i: (load[i], i))
        shards[least].append(name)
        load[least] += seconds.get(name, DEFAULT_SECONDS)
    return [sorted(shard) for shard in shards]


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The options; what follows -- goes to meson test."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-C', dest='build', required=True, help='the meson build directory')
    parser.add_argument('--shard', type=shard_spec, required=True, metavar='I/N',
                        help='run the I-th of N shards')
    parser.add_argument('--suite', action='append', default=[],
                        help='only tests of this suite (repeatable)')
    parser.add_argument('--durations', metavar='TESTLOG_JSON',
                        help="an earlier run's meson-logs/testlog.json, to balance by time")
    parser.add_argument('--list', action='store_true', help="print the shard's tests and exit")
    parser.add_argument('meson_args', nargs='*', help='after --: arguments for meson test')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run (or list) one shard."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        names = [t['name'] for t in meson_tests(args.build, args.suite)]
        if len(set(names)) != len(names):
            raise UsageError('two tests share a name; a shard cannot name them apart')
        index, count = args.shard
        mine = split(names, count, durations(args.durations))[index - 1]
    except UsageError as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return 2
    if args.list:
        print('\n'.join(mine))
        return 0
    if not mine:
        print(f'{PROG}: shard {index}/{count} has no tests', file=sys.stderr)
        return 0
    cmd = ['meson', 'test', '-C', args.build, '--no-rebuild'] + mine + args.meson_args
    return subprocess.run(cmd, check=False).returncode


if __name__ == '__main__':
    sys.exit(main())
