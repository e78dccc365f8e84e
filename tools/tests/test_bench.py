#!/usr/bin/env python3
"""Tests of tools/bench.py's logic that needs no QEMU: the test-order replay,
the rebuild classification, the docs update and the command-line errors.

Run: python3 tools/tests/test_bench.py (meson: suite `harness`).
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))        # bench.py imports the harness package
spec = importlib.util.spec_from_file_location('bench', HERE.parent / 'bench.py')
bench = importlib.util.module_from_spec(spec)
sys.modules['bench'] = bench                # dataclasses look their module up
spec.loader.exec_module(bench)


class ReplayTest(unittest.TestCase):
    """makespan(): meson's order on N slots, each test on the first free slot."""

    def test_one_slot_is_the_sum(self) -> None:
        self.assertEqual(bench.makespan([3.0, 1.0, 2.0], 1), 6.0)

    def test_order_matters(self) -> None:
        # 1 and 1 on two slots, then 4 on the first free one: 5; longest first: 4.
        self.assertEqual(bench.makespan([1.0, 1.0, 4.0], 2), 5.0)
        self.assertEqual(bench.makespan([4.0, 1.0, 1.0], 2), 4.0)

    def test_more_slots_than_tests(self) -> None:
        self.assertEqual(bench.makespan([2.0, 5.0], 8), 5.0)
        self.assertEqual(bench.makespan([], 2), 0.0)

    def test_paired_keeps_repetitions_together(self) -> None:
        self.assertEqual(bench.paired([4.0, 9.0], [2.0, 3.0], lambda a, b: a / b), [2.0, 3.0])


class RateTest(unittest.TestCase):
    """rates(): bytes per second only where the time is above the noise."""

    def test_all_kept(self) -> None:
        self.assertEqual(bench.rates([1000.0, 2000.0], [0.5, 0.5]), ([2000.0, 4000.0], ''))

    def test_noise_left_out_with_a_note(self) -> None:
        kept, note = bench.rates([1000.0, 1000.0, 1000.0], [0.5, -0.01, 0.001])
        self.assertEqual(kept, [2000.0])
        self.assertIn('2 of 3 repetitions left out', note)

    def test_nothing_left_prints_n_a(self) -> None:
        kept, note = bench.rates([1000.0], [0.0])
        figure = bench.Figure('k', 'a rate', 'B/s', kept, note=note)
        self.assertEqual((figure.min, figure.median, figure.max), (None, None, None))
        row, _, line = bench.table([figure])[2:5]
        self.assertEqual(row, '| a rate | n/a | n/a | n/a |  |  |')
        self.assertIn('1 of 1 repetitions left out', line)

    def test_units(self) -> None:
        self.assertEqual(bench.fmt_value(2048.0, 'B/s'), '2 KiB/s')
        self.assertEqual(bench.fmt_value(0.0123, 's'), '12 ms')
        self.assertEqual(bench.fmt_value(1.5, 'x'), '1.50×')


class RebuildTest(unittest.TestCase):
    """classify_rebuilt(): what a one-file rebuild should and should not touch."""

    def test_own_image_and_host_twin_only(self) -> None:
        outputs = ['ktest/string_test.elf.p/x.o', 'ktest/string_test.elf',
                   'ktest/string_test.img', 'ktest/string_host.p/x.o', 'ktest/string_host']
        self.assertEqual(bench.classify_rebuilt(outputs), (['ktest/string_test.img'], []))

    def test_other_outputs_are_reported(self) -> None:
        outputs = ['ktest/string_test.img', 'kernel/libkernel.a', 'ktest/strings_host']
        self.assertEqual(bench.classify_rebuilt(outputs)[1],
                         ['kernel/libkernel.a', 'ktest/strings_host'])

    def test_two_images_are_not_one(self) -> None:
        images, others = bench.classify_rebuilt(['ktest/a_test.img', 'ktest/b_test.img', 'x.o'])
        self.assertEqual((images, others), (['ktest/a_test.img', 'ktest/b_test.img'], ['x.o']))


class CommandTest(unittest.TestCase):
    """The QEMU command variants."""

    CMD = ['qemu', '-m', '128', '-drive', 'format=raw,file=a.img,snapshot=on', '-vga', 'std']

    def test_with_image_keeps_the_other_options(self) -> None:
        cmd = list(self.CMD)
        cmd[4] += ',if=virtio'
        cmd = bench.with_image(cmd, '/t/b,c.img')
        self.assertEqual(cmd[4], 'format=raw,file=/t/b,,c.img,snapshot=on,if=virtio')

    def test_without_and_with_value(self) -> None:
        self.assertEqual(bench.without(self.CMD, '-vga'), self.CMD[:5])
        self.assertEqual(bench.with_value(self.CMD, '-m', '32')[:3], ['qemu', '-m', '32'])
        self.assertEqual(bench.with_value(self.CMD, '-m', '32').count('-m'), 1)


class DocTest(unittest.TestCase):
    """update_doc(): the generated part is replaced, everything else kept."""

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix='bench-test-'))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.doc = self.tmp / 'performance.md'

    def test_replaces_generated_part_keeps_notes_and_sections(self) -> None:
        self.doc.write_text('# Performance\n\n## Heap\n\nheap text\n\n'
                            f'{bench.DOC_HEADING}\n\nold table\n{bench.DOC_END}\n\n'
                            'hand notes\n\n## Later\n\nlater text\n')
        bench.update_doc(str(self.doc), f'{bench.DOC_HEADING}\n\nnew table\n')
        text = self.doc.read_text()
        self.assertNotIn('old table', text)
        for kept in ('heap text', 'new table', 'hand notes', '## Later\n\nlater text\n'):
            self.assertIn(kept, text)
        self.assertLess(text.index('new table'), text.index('hand notes'))
        self.assertLess(text.index('hand notes'), text.index('## Later'))
        self.assertEqual(os.listdir(self.tmp), ['performance.md'])   # no temp file left

    def test_adds_the_section_when_missing(self) -> None:
        self.doc.write_text('# Performance\n\n## Heap\n\nheap text\n')
        bench.update_doc(str(self.doc), f'{bench.DOC_HEADING}\n\ntable\n')
        text = self.doc.read_text()
        self.assertTrue(text.startswith('# Performance\n\n## Heap\n\nheap text\n\n'))
        self.assertTrue(text.endswith(f'table\n\n{bench.DOC_END}\n'))

    def test_same_update_twice_is_stable(self) -> None:
        self.doc.write_text('# Performance\n')
        for _ in range(2):
            bench.update_doc(str(self.doc), f'{bench.DOC_HEADING}\n\ntable\n')
        self.assertEqual(self.doc.read_text().count(bench.DOC_HEADING), 1)


class CommandLineTest(unittest.TestCase):
    """Mistakes end in one line on stderr and exit 2, before anything runs."""

    def run_main(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = bench.main(list(argv))
            except SystemExit as exc:       # argparse's own exit
                status = int(exc.code or 0)
        return status, out.getvalue(), err.getvalue()

    def assert_usage_error(self, argv: list[str], message: str) -> None:
        status, out, err = self.run_main(*argv)
        self.assertEqual(status, bench.EXIT_USAGE)
        self.assertEqual(out, '')
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn(message, err)
        self.assertTrue(err.startswith('bench.py: error: '), err)

    def test_bad_numbers(self) -> None:
        for value in ('0', '-3', 'x', '1.5'):
            with self.subTest(value=value):
                self.assert_usage_error(['--reps', value], 'expected a whole number >= 1')

    def test_unknown_section(self) -> None:
        self.assert_usage_error(['--skip', 'images,nope'], "unknown section 'nope'")

    def test_not_a_build_directory(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            self.assert_usage_error(['-C', tmp], 'is not a configured meson build directory')


if __name__ == '__main__':
    unittest.main(verbosity=2)
