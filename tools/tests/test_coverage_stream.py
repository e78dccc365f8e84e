#!/usr/bin/env python3
"""The harness's side of coverage (tools/harness/coverage.py) without QEMU:
the coverage channel's stream as kernel/coverage/coverage.c writes it, the
.gcda files it reads and writes, merging. The .gcda round trip checks
against libgcov and gcov themselves when the host has gcc. Runs in every
build (suite `harness`); the `coverage` test covers the images.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import coverage as cov  # noqa: E402

C = cov.C


def number(v: int) -> bytes:
    """Unsigned LEB128, as coverage.c's put_number()."""
    out = bytearray()
    while True:
        b, v = v & 0x7f, v >> 7
        out.append(b | 0x80 if v else b)
        if not v:
            return bytes(out)


def string(s: str) -> bytes:
    """A length, then the bytes."""
    return number(len(s)) + s.encode()


def dump(label: str, objects: list[tuple[str, list[tuple[int, list[int]]]]]) -> bytes:
    """One whole dump: objects of (path, [(ident, arcs)]), version 'B22*'."""
    body, records = bytearray(), 0
    for path, functions in objects:
        body += bytes([C['TAG_OBJECT']]) + string(path) + number(0x4232322a) + number(7) + number(9)
        records += 1
        for ident, arcs in functions:
            body += bytes([C['TAG_FUNCTION']]) + number(ident) + number(11) + number(12)
            body += bytes([C['TAG_ARCS']]) + number(len(arcs)) + b''.join(map(number, arcs))
            records += 2
    return (bytes([C['TAG_DUMP']]) + string(label) + body + bytes([C['TAG_END']]) +
            number(records))


class StreamTest(unittest.TestCase):
    """Dumps as the kernel writes them."""

    def test_a_dump_reads_back(self):
        data = dump('heap.grows', [('/b/x.gcda', [(1, [0, 5, 2**64 - 1])])])
        dumps, problem = cov.parse_stream(data)
        self.assertIsNone(problem)
        (label, objects), = dumps
        self.assertEqual('heap.grows', label)
        counts = objects['/b/x.gcda']
        self.assertEqual((0x4232322a, 7, 9), (counts.version, counts.stamp, counts.checksum))
        self.assertEqual({1: [11, 12, [0, 5, 2**64 - 1]]}, counts.functions)

    def test_a_cut_dump_is_dropped_whole(self):
        whole = dump('', [('/b/x.gcda', [(1, [3])])])
        for cut in range(1, len(whole)):
            dumps, problem = cov.parse_stream(whole + whole[:cut])
            self.assertEqual(1, len(dumps), cut)
            self.assertIsNotNone(problem, cut)

    def test_a_miscounted_or_garbled_dump_is_refused(self):
        good = dump('', [('/b/x.gcda', [(1, [3])])])
        for bad in (good[:-1] + number(5), b'X' + good[1:], good[:2] + b'Q' + good[3:],
                    bytes([C['TAG_DUMP']]) + string('a\x01b') + good[2:]):
            dumps, problem = cov.parse_stream(bad)
            self.assertEqual([], dumps)
            self.assertIsNotNone(problem)


class MergeTest(unittest.TestCase):
    """Counters added in memory and on disk."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def counts(self, stamp: int, arcs: list[int], version: int = 0x4232322a) -> cov.Counts:
        """One object with one function."""
        c = cov.Counts(version, stamp, 0, runs=1)
        c.functions[5] = [1, 2, list(arcs)]
        return c

    def test_runs_add_up(self):
        table: dict = {}
        cov.add_into(table, 'x', self.counts(1, [1, 2]))
        cov.add_into(table, 'x', self.counts(1, [10, 20]))
        self.assertEqual([11, 22], table['x'].functions[5][2])
        self.assertEqual(2, table['x'].runs)

    def test_another_compilation_replaces(self):
        table: dict = {}
        cov.add_into(table, 'x', self.counts(1, [1, 2]))
        cov.add_into(table, 'x', self.counts(2, [7]))
        self.assertEqual([7], table['x'].functions[5][2])
        self.assertEqual(1, table['x'].runs)

    def test_files_merge_in_both_formats(self):
        for version in (0x4232322a, 0x3430382a):     # gcc 12.2, clang's 4.8
            path = os.path.join(self.tmp, f'{version:x}.gcda')
            for _ in range(3):
                cov.merge_files({path: self.counts(1, [1, 2**40])})
            with open(path, 'rb') as f:
                back = cov.decode_gcda(f.read())
            self.assertEqual((3, [3, 3 * 2**40]), (back.runs, back.functions[5][2]))
            cov.merge_file(path, self.counts(2, [4]))
            with open(path, 'rb') as f:
                self.assertEqual([4], cov.decode_gcda(f.read()).functions[5][2])


PROGRAM = '''
static int never(int x) { return x * 3; }
static int twice(int x) { return x > 1 ? x : -x; }
int main(int argc, char **argv)
{
	int r = twice(argc) + twice(2);

	(void)argv;
	return argc > 5 ? never(r) : 0;
}
'''


@unittest.skipUnless(shutil.which('gcc') and shutil.which('gcov'), 'no gcc and gcov')
class LibgcovTest(unittest.TestCase):
    """A .gcda libgcov wrote, decoded and written again, reads the same in gcov."""

    def test_round_trip(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        run = lambda *cmd: subprocess.run(cmd, cwd=tmp, check=True, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, text=True).stdout
        Path(tmp, 'p.c').write_text(PROGRAM)
        run('gcc', '--coverage', '-O0', 'p.c', '-o', 'p')
        run('./p')
        gcda = str(next(Path(tmp).glob('*.gcda')))
        before = run('gcov', '-t', '-b', gcda)
        with open(gcda, 'rb') as f:
            counts = cov.decode_gcda(f.read())
        self.assertIsNotNone(counts)
        with open(gcda, 'wb') as f:
            f.write(cov.encode_gcda(counts))
        self.assertEqual(before, run('gcov', '-t', '-b', gcda))
        self.assertIn('function twice called 2', before)
        self.assertIn('function never called 0', before)


if __name__ == '__main__':
    unittest.main()
