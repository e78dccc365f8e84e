#!/usr/bin/env python3
"""Tests of tools/junit.py: run_qemu.py's JSON reports into one JUnit file
(the why of every failure, run errors as errors, skips with reasons,
totals that add up) and GitHub annotations at the failed check's line.

Run: python3 tools/tests/test_junit.py   (standard library only)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

TOOL = Path(__file__).resolve().parents[1] / 'junit.py'

FAILED_CHECK = {
    'name': 'fmt.hex', 'status': 'FAIL', 'reason': '', 'duration_us': 1500,
    'log': ['| a line the case printed',
            'hex: kernel/lib/printf_test.c:30: EXPECT_EQ(0x2a, n) failed',
            'hex:   0x2a == 42 (0x2a)', 'hex:   n == 41 (0x29)']}
REPORTS = {
    'printf_test': {'image': 'p.img', 'verdict': 'FAIL', 'reason': '1 of 4 cases failed',
                    'boots': 1, 'rerun': 'run_qemu.py p.img --test', 'results': [
                        {'name': 'fmt.dec', 'status': 'PASS', 'reason': '',
                         'duration_us': 10, 'log': []},
                        FAILED_CHECK,
                        {'name': 'fmt.fpu', 'status': 'SKIP', 'reason': 'no FPU',
                         'duration_us': 3, 'log': []},
                        {'name': 'crash.triple', 'status': 'CRASHED',
                         'reason': 'the machine reset (triple fault?)',
                         'duration_us': None, 'log': ['| lidt']}]},
    'heap_test': {'image': 'h.img', 'verdict': 'PASS', 'reason': '1 case passed',
                  'boots': 2, 'rerun': 'run_qemu.py h.img --test', 'results': [
                      {'name': 'heap.grow', 'status': 'FLAKY',
                       'reason': 'TIMEOUT on run 1 (no result for 11 s), passed on run 2',
                       'duration_us': 900, 'log': ['grow: 2 of 3 blocks']}]},
    'fixture_test': {'image': 'f.img', 'verdict': 'ERROR',
                     'reason': 'suite s: init panic: boom', 'boots': 1,
                     'rerun': 'run_qemu.py f.img --test', 'results': [
                         {'name': 's.a', 'status': 'SKIP', 'reason': 'suite init failed',
                          'duration_us': 0, 'log': []}]},
}


class JunitTest(unittest.TestCase):
    """junit.py on made-up reports."""

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix='junit-test-'))
        self.reports = self.tmp / 'meson-logs' / 'ktest'
        self.reports.mkdir(parents=True)
        for name, report in REPORTS.items():
            (self.reports / f'{name}.json').write_text(json.dumps(report))

    def run_tool(self, *args: str) -> subprocess.CompletedProcess:
        """junit.py with args; its output as text."""
        return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True,
                              text=True, timeout=60)

    def junit(self) -> ET.Element:
        """Run on the build directory; the root of the file it wrote."""
        result = self.run_tool('-C', str(self.tmp))
        self.assertEqual(0, result.returncode, result.stderr)
        return ET.parse(self.tmp / 'meson-logs' / 'ktest.junit.xml').getroot()

    def test_one_suite_per_image_one_case_per_result(self) -> None:
        root = self.junit()
        suites = {s.get('name'): s for s in root.iter('testsuite')}
        self.assertEqual({'printf_test', 'heap_test', 'fixture_test'}, set(suites))
        printf = suites['printf_test']
        self.assertEqual(['fmt.dec', 'fmt.hex', 'fmt.fpu', 'crash.triple'],
                         [c.get('name') for c in printf.iter('testcase')])
        self.assertEqual(('4', '2', '0', '1'), (printf.get('tests'), printf.get('failures'),
                                                printf.get('errors'), printf.get('skipped')))
        self.assertEqual('0.001500', printf.find("testcase[@name='fmt.hex']").get('time'))

    def test_failure_says_why_and_where(self) -> None:
        case = self.junit().find(".//testcase[@name='fmt.hex']")
        failure = case.find('failure')
        self.assertEqual('kernel/lib/printf_test.c:30: EXPECT_EQ(0x2a, n) failed',
                         failure.get('message'))
        self.assertEqual('FAIL', failure.get('type'))
        self.assertIn('n == 41 (0x29)', failure.text)
        crash = self.junit().find(".//testcase[@name='crash.triple']/failure")
        self.assertEqual('CRASHED: the machine reset (triple fault?)', crash.get('message'))

    def test_skip_reason_and_run_error(self) -> None:
        root = self.junit()
        self.assertEqual('no FPU', root.find(".//testcase[@name='fmt.fpu']/skipped").get('message'))
        error = root.find(".//testsuite[@name='fixture_test']/testcase[@name='ktest.run']/error")
        self.assertEqual('suite s: init panic: boom', error.get('message'))
        self.assertIn('rerun: run_qemu.py f.img --test', error.text)
        self.assertEqual(('7', '2', '1'), (root.get('tests'), root.get('failures'),
                                           root.get('errors')))

    def test_flaky_passes_but_says_so(self) -> None:
        suite = self.junit().find(".//testsuite[@name='heap_test']")
        self.assertEqual(('1', '0', '0'), (suite.get('tests'), suite.get('failures'),
                                           suite.get('errors')))
        case = suite.find("testcase[@name='heap.grow']")
        self.assertIsNone(case.find('failure'))
        self.assertIsNone(case.find('skipped'))
        self.assertTrue(case.find('system-out').text.startswith(
            'FLAKY: TIMEOUT on run 1 (no result for 11 s), passed on run 2'))
        lines = self.run_tool('-C', str(self.tmp), '--github', '--summary').stdout.splitlines()
        self.assertIn('::warning title=heap.grow::FLAKY: TIMEOUT on run 1 (no result for '
                      '11 s), passed on run 2', lines)
        self.assertIn('  FLAKY heap.grow (heap_test): FLAKY: TIMEOUT on run 1 (no result '
                      'for 11 s), passed on run 2', lines)

    def test_github_annotations(self) -> None:
        result = self.run_tool('-C', str(self.tmp), '--github')
        lines = result.stdout.splitlines()
        self.assertIn('::error file=kernel/lib/printf_test.c,line=30,title=fmt.hex::'
                      'kernel/lib/printf_test.c:30: EXPECT_EQ(0x2a, n) failed', lines)
        self.assertIn('::error title=crash.triple::CRASHED: the machine reset (triple fault?)',
                      lines)
        self.assertIn('::error title=fixture_test::suite s: init panic: boom', lines)

    def test_merges_directories_of_shards(self) -> None:
        other = self.tmp / 'shard2'
        other.mkdir()
        (other / 'more_test.json').write_text(json.dumps(REPORTS['fixture_test']))
        out = self.tmp / 'all.xml'
        result = self.run_tool('-o', str(out), str(self.reports), str(other))
        self.assertEqual(0, result.returncode, result.stderr)
        names = [s.get('name') for s in ET.parse(out).getroot().iter('testsuite')]
        self.assertEqual(['fixture_test', 'heap_test', 'more_test', 'printf_test'], names)

    def test_summary(self) -> None:
        lines = self.run_tool('-C', str(self.tmp), '--summary').stdout.splitlines()
        self.assertEqual('3 images: 1 crashed, 1 fail, 1 flaky, 1 pass, 2 skip', lines[0])
        self.assertIn('  FAIL fmt.hex (printf_test): kernel/lib/printf_test.c:30: '
                      'EXPECT_EQ(0x2a, n) failed', lines)
        self.assertIn('  ERROR fixture_test: suite s: init panic: boom', lines)

    def test_bad_input_is_one_line_and_writes_nothing(self) -> None:
        (self.reports / 'broken.json').write_text('{"verdict": ')
        result = self.run_tool('-C', str(self.tmp))
        self.assertEqual(2, result.returncode)
        self.assertEqual(1, len(result.stderr.splitlines()), result.stderr)
        self.assertIn('broken.json: not a run_qemu.py report', result.stderr)
        self.assertFalse((self.tmp / 'meson-logs' / 'ktest.junit.xml').exists())
        missing = self.run_tool('-o', str(self.tmp / 'x.xml'), str(self.tmp / 'nowhere'))
        self.assertEqual(2, missing.returncode)
        self.assertNotIn('Traceback', missing.stderr)


if __name__ == '__main__':
    unittest.main()
