#!/usr/bin/env python3
"""Tests of the reports of test mode (tools/harness/report.py) through the
real tool against fake QEMU: the TAP stream meson reads (one line per
result, the plan last, a run error as a `not ok ... ktest.run` entry before
`Bail out!`), the JSON file, and the summary for a person.

Run: python3 tools/tests/test_report.py (meson: suite `harness`).
"""

from __future__ import annotations

import io
import json
import os
import re
import textwrap
import unittest
from unittest import mock

from harness_support import (FAILING, FAILURE, PASSING, QEMU_FAIL, QEMU_RESET,
                             SKIPPING, Ktap, ToolTest, echoing, no_match, rerun_lines,
                             when)
from harness import report
from harness.config import Config
from harness.verdict import CaseResult

FOUR = Ktap('fmt.decimal', 'fmt.hex', 'fmt.oct', 'heap.alloc')


class TapTest(ToolTest):
    """--tap: TAP 13 on stdout, exit 0 for a completed run, 99 after Bail out!."""

    def test_every_status(self) -> None:
        out = Ktap('fmt.decimal', 'not ok fmt.hex', 'ok fmt.oct # SKIP no octal',
                   'not ok fmt.bin # TIMEOUT ran past 5 ms').boot()
        image = self.image(out, QEMU_FAIL)
        result = self.run_tool('--tap', image)
        self.assertEqual(result.returncode, 0)
        rerun = '\n'.join(rerun_lines(image, failed='fmt.hex,fmt.bin'))
        self.assertEqual(result.stdout, textwrap.dedent(f'''\
            TAP version 13
            ok 1 fmt.decimal
            not ok 2 fmt.hex # FAIL
            # {FAILURE}
            ok 3 fmt.oct # SKIP no octal
            not ok 4 fmt.bin # TIMEOUT ran past 5 ms
            ''') + rerun + '\n1..4\n')
        self.assertIn(f'FAIL fmt.hex (20 us)\n    {FAILURE}\n', result.stderr)
        self.assertIn('1 passed, 2 failed, 1 skipped\n', result.stderr)

    def test_pass_and_skip(self) -> None:
        for run, plan in ((PASSING, '1..3'), (SKIPPING, '1..2')):
            result = self.run_tool('--tap', self.image(run.boot()))
            self.assertEqual(result.returncode, 0)
            lines = result.stdout.splitlines()
            self.assertEqual((lines[0], lines[-1]), ('TAP version 13', plan))
            self.assertNotIn('not ok', result.stdout)

    def test_crashed_case_and_reboot(self) -> None:
        image = self.image(FOUR.boot(crash_at=1), QEMU_RESET,
                           when_=[when('ktest.start=2', FOUR.boot(start=2))])
        result = self.run_tool('--tap', image)
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout.splitlines(), [
            'TAP version 13', 'ok 1 fmt.decimal',
            'not ok 2 fmt.hex # CRASHED the machine reset while running case fmt.hex '
            '(triple fault?) instead of writing an exit code',
            'ok 3 fmt.oct', 'ok 4 heap.alloc', *rerun_lines(image, failed='fmt.hex'), '1..4'])

    def test_run_error_is_a_result_then_bail_out(self) -> None:
        image = self.image(FOUR.boot(crash_at=1), QEMU_RESET)
        result = self.run_tool('--tap', '--max-boots', '1', image)
        self.assertEqual(result.returncode, 99)
        reason = 'gave up after 1 boots (--max-boots)'
        self.assertEqual(result.stdout.splitlines()[3:], [
            f'not ok 3 fmt.oct # NOT RUN {reason}', 'not ok 4 heap.alloc # NOT RUN',
            *rerun_lines(image, failed='fmt.hex'),
            f'not ok 5 ktest.run # ERROR {reason}', '1..5', f'Bail out! {reason}'])
        self.assertIn(f'ERROR: {reason}\n  last output from the image:\n', result.stderr)

    def test_run_error_before_any_result(self) -> None:
        image = self.image('', 1)
        result = self.run_tool('--tap', image)
        self.assertEqual(result.returncode, 99)
        reason = 'exit status 1 before any output, which is not a ktest exit'
        self.assertEqual(result.stdout, f'TAP version 13\n{rerun_lines(image)[0]}\n'
                                        f'not ok 1 ktest.run # ERROR {reason}\n'
                                        f'1..1\nBail out! {reason}\n')

    def test_no_case_matches_the_filter(self) -> None:
        result = self.run_tool('--tap', '--filter', 'x.*', self.image(no_match('x.*')))
        self.assertEqual((result.returncode, result.stdout),
                         (0, 'TAP version 13\n1..0 # SKIP no case matches the filter\n'))

    def test_shuffle_seed_is_a_comment(self) -> None:
        result = self.run_tool('--tap', '--shuffle', self.image(steps_=echoing(PASSING.boot())))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        match = re.search(r'^# shuffle seed: ([0-9]+)$', result.stdout, re.M)
        self.assertIsNotNone(match, result.stdout)
        self.assertEqual(self.cmdlines(), [f'ktest.shuffle={match.group(1)}'])
        self.assertTrue(result.stdout.startswith('TAP version 13\n# shuffle seed:'))


class JsonTest(ToolTest):
    """--json FILE: every result and the verdict, written whole."""

    def read(self, *args: str) -> dict:
        """Run with --json and return what it wrote (and nothing else left)."""
        path = self.tmp / 'out' / 'report.json'
        path.parent.mkdir()
        self.run_tool('--test', '--json', str(path), *args)
        self.assertEqual(os.listdir(path.parent), ['report.json'])
        return json.loads(path.read_text())

    def test_results(self) -> None:
        image = self.image(FAILING.boot(), QEMU_FAIL)
        self.assertEqual(self.read(image), {
            'image': image, 'verdict': 'FAIL', 'reason': '1 of 3 cases failed', 'boots': 1,
            'rerun': rerun_lines(image)[0].removeprefix('# rerun: '),
            'results': [
                {'name': 'fmt.decimal', 'status': 'PASS', 'reason': '', 'duration_us': 10,
                 'log': []},
                {'name': 'fmt.hex', 'status': 'FAIL', 'reason': '', 'duration_us': 20,
                 'log': [f'hex: {FAILURE}']},
                {'name': 'heap.alloc', 'status': 'PASS', 'reason': '', 'duration_us': 10,
                 'log': []}]})

    def test_run_error(self) -> None:
        got = self.read(self.image(FOUR.boot(crash_at=1), QEMU_RESET), '--max-boots', '1')
        self.assertEqual((got['verdict'], got['reason'], got['boots']),
                         ('ERROR', 'gave up after 1 boots (--max-boots)', 1))
        self.assertEqual([(r['name'], r['status'], r['duration_us']) for r in got['results']],
                         [('fmt.decimal', 'PASS', 10), ('fmt.hex', 'CRASHED', None),
                          ('fmt.oct', 'NOT RUN', None), ('heap.alloc', 'NOT RUN', None)])


class HumanTest(ToolTest):
    """The report for a person: a line per result, a summary, the verdict."""

    def test_not_run_and_crashed_in_the_summary(self) -> None:
        result = self.run_tool('--test', '--max-boots', '1',
                               self.image(FOUR.boot(crash_at=1), QEMU_RESET))
        self.assertIn('1 passed, 1 failed, 0 skipped, 2 not run\n', result.stdout)

    def test_colour_only_on_a_terminal(self) -> None:
        class Terminal(io.StringIO):
            """A StringIO that says it is a terminal."""

            def isatty(self) -> bool:
                """Yes."""
                return True
        cfg = Config(image='x.img', test=True)
        base = {k: v for k, v in os.environ.items() if k != 'NO_COLOR'}
        for env, coloured in (({}, True), ({'NO_COLOR': '1'}, False), ({'NO_COLOR': ''}, True)):
            with mock.patch('sys.stdout', Terminal()), \
                    mock.patch.dict(os.environ, {**base, **env}, clear=True):
                reporter = report.make_reporter(cfg)
                reporter.result(CaseResult('fmt.hex', 'FAIL'))
                self.assertEqual('\033[31mFAIL\033[0m' in reporter.out.getvalue(), coloured)
        self.assertNotIn('\033[', self.run_tool('--test', self.image(FAILING.boot(),
                                                                     QEMU_FAIL)).stdout)

    def test_shown_log_keeps_the_last_text(self) -> None:
        log = [f'| {i}' for i in range(25)] + ['hex: own 1'] + ['| 25', 'hex: own 2']
        shown = report.shown_log(CaseResult('fmt.hex', 'FAIL', log=log))
        self.assertEqual(shown[:2], ['(6 earlier lines of text not shown)', '| 6'])
        self.assertEqual(shown[-3:], ['own 1', '| 25', 'own 2'])
        self.assertEqual(len(shown), 1 + 20 + 2)


if __name__ == '__main__':
    unittest.main()
