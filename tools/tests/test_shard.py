#!/usr/bin/env python3
"""Tests of tools/shard.py: the split is a partition, the same on every
machine, balanced by durations; and four shards of a suite give the same
per-case verdicts as one unsharded run (meson run inside this test, on the
build directory given).

Usage: test_shard.py BUILD_DIR [SUITE]   (standard library only)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import shard  # noqa: E402  (tools/shard.py)

BUILD = sys.argv[1] if len(sys.argv) > 1 else 'build'
SUITE = sys.argv[2] if len(sys.argv) > 2 else 'integration'
RESULT_RE = re.compile(r'(ok|not ok) \d+ (\S+)')


class SplitTest(unittest.TestCase):
    """shard.split() on made-up names and durations."""

    NAMES = [f't{i:02d}' for i in range(23)]

    def test_a_partition(self) -> None:
        for count in (1, 2, 4, 7, 30):
            shards = shard.split(self.NAMES, count, {})
            self.assertEqual(count, len(shards))
            flat = [name for s in shards for name in s]
            self.assertEqual(sorted(self.NAMES), sorted(flat))

    def test_the_same_whatever_the_input_order(self) -> None:
        seconds = {name: float(len(name) + i % 5) for i, name in enumerate(self.NAMES)}
        self.assertEqual(shard.split(self.NAMES, 4, seconds),
                         shard.split(list(reversed(self.NAMES)), 4, seconds))

    def test_balanced_by_duration(self) -> None:
        seconds = {'long': 40.0, 'a': 10.0, 'b': 10.0, 'c': 10.0, 'd': 10.0}
        shards = shard.split(list(seconds), 2, seconds)
        loads = sorted(sum(seconds[n] for n in s) for s in shards)
        self.assertEqual([40.0, 40.0], loads)
        self.assertIn(['long'], shards)


def verdicts(logbase: Path) -> dict[str, str]:
    """Per-case verdicts of a meson run, from the TAP in its testlog."""
    found = {}
    with open(logbase, encoding='utf-8') as f:
        for line in f:
            entry = json.loads(line)
            for match in RESULT_RE.finditer(entry.get('stdout', '')):
                found[f'{entry["name"]} {match.group(2)}'] = match.group(1)
    return found


class ShardRunTest(unittest.TestCase):
    """Four shards of a suite against the unsharded run, as CI would do."""

    def meson_test(self, cmd: list[str], logbase: str) -> dict[str, str]:
        """Run one meson test command with its own log; its verdicts."""
        subprocess.run(cmd + ['--logbase', logbase], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=900, check=False)
        return verdicts(Path(BUILD) / 'meson-logs' / f'{logbase}.json')

    def test_four_shards_give_the_verdicts_of_one_run(self) -> None:
        if not shutil.which('meson') or not os.path.isdir(BUILD):
            self.skipTest('meson or the build directory is missing')
        whole = self.meson_test(['meson', 'test', '-C', BUILD, '--no-rebuild',
                                 '--suite', SUITE], 'shardtest-whole')
        parts: dict[str, str] = {}
        for index in range(1, 5):
            part = self.meson_test([sys.executable, str(HERE.parent / 'shard.py'), '-C',
                                    BUILD, '--shard', f'{index}/4', '--suite', SUITE, '--'],
                                   f'shardtest-{index}')
            self.assertFalse(set(part) & set(parts), 'a case ran in two shards')
            parts.update(part)
        self.assertTrue(whole)
        self.assertEqual(whole, parts)


if __name__ == '__main__':
    unittest.main(argv=sys.argv[:1])
