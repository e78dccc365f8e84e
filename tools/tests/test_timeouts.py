#!/usr/bin/env python3
"""Tests of hung runs through the real tool against fake QEMU: a case that
gives no result within its limit (twice the budget the image announces,
plus a grace) is TIMEOUT and the image boots again after it; a hang
outside any case is a run error. The grace is shortened in this process so
that the tests are quick; the limits are checked through the reasons the
tool gives, never by timing it.

Run: python3 tools/tests/test_timeouts.py (meson: suite `harness`).
"""

from __future__ import annotations

import unittest
from unittest import mock

from harness_support import Ktap, ToolTest, when
from harness import boot

GRACE_S = 0.5          # in place of boot.GRACE_S: hung cases are found sooner


class TimeoutTest(ToolTest):
    """A case that gives no result within its limit (twice its announced
    budget, plus a grace) is TIMEOUT; the image boots again after it."""

    RUN = Ktap('fmt.decimal', 'fmt.hex', 'fmt.slow', 'heap.alloc',
               options={'ktest.timeout': '100'}, budgets={'fmt.slow': 300})
    # The boot after the hang reads no ktest.timeout from the harness, so
    # it may announce the default budget: then a busy machine cannot make
    # its end late for a short limit.
    AFTER = Ktap(*RUN.names)

    def hanging(self, at: int) -> str:
        """RUN hanging in case at; the boot after it runs the rest."""
        return self.image(self.RUN.boot(crash_at=at), None, when_=[
            when(f'ktest.start={at + 1}', self.AFTER.boot(start=at + 1))])

    def test_hung_case_gets_its_budget(self) -> None:
        for at, limit in ((1, 2 * 0.1 + GRACE_S), (2, 2 * 0.3 + GRACE_S)):
            name = self.RUN.names[at]
            with self.subTest(case=name):
                result = self.run_tool('--test', self.hanging(at), grace_s=GRACE_S)
                self.assert_verdict(result, 1, 'FAIL: 1 of 4 cases failed')
                self.assertIn(f'TIMEOUT {name}: no result for {limit:g} s while running '
                              f'case {name}: hung (see --case-timeout)\n', result.stdout)
                self.assertIn('PASS heap.alloc', result.stdout)

    def test_hung_case_with_the_real_grace(self) -> None:
        result = self.run_tool('--test', self.hanging(1), process=True)
        self.assert_verdict(result, 1, 'FAIL: 1 of 4 cases failed')
        self.assertIn('TIMEOUT fmt.hex: no result for 3.2 s while running case fmt.hex',
                      result.stdout)

    def test_case_timeout_option(self) -> None:
        run = Ktap(*self.RUN.names, options={'ktest.timeout': '200'})
        image = self.image(run.boot(crash_at=3), None)    # the last case: no boot after
        result = self.run_tool('--test', image, '--case-timeout', '200', grace_s=GRACE_S)
        self.assertIn(f'TIMEOUT heap.alloc: no result for {0.4 + GRACE_S:g} s', result.stdout)
        self.assertEqual(self.cmdlines(), ['ktest.timeout=200'])

    def test_hangs_outside_a_case_are_run_errors(self) -> None:
        fixture = self.RUN.boot(crash_at=0).replace(
            '    1..3\n', '    1..3\n    # ktest: fixture begin fmt init\n')
        for out, where in ((fixture, 'in a suite fixture'),
                           (self.RUN.boot(summary=False), 'after the last case')):
            with self.subTest(where=where):
                result = self.run_tool('--test', self.image(out, None), grace_s=GRACE_S)
                self.assert_verdict(result, 99, f'ERROR: no result for {0.2 + GRACE_S:g} s '
                                                f'{where}: hung')
                self.assertEqual(len(self.runs()), 1)
                self.record.unlink()

    def test_hang_before_the_plan(self) -> None:
        with mock.patch.object(boot, 'BOOT_LIMIT_S', 1.0):
            result = self.run_tool('--test', self.image('KTAP version 1\n', None))
        self.assert_verdict(result, 99, 'ERROR: no result for 1 s before its test plan was '
                                        'complete: hung')


if __name__ == '__main__':
    unittest.main()
