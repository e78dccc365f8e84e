#!/usr/bin/env python3
"""Tests of --exec, a host test executable run in place of QEMU (the same
ktest API built natively): the ktest words are its arguments, its exit
statuses 0/1/2/3 mean pass/fail/error/restart (protocol.EXEC_ENDS), and
any other end is judged as a QEMU end would be. The executable is
fake_qemu.py playing a scenario (ToolTest.host_test).

Run: python3 tools/tests/test_exec.py (meson: suite `harness`).
"""

from __future__ import annotations

import subprocess
import unittest
from typing import Optional

from harness_support import FAILING, PASSING, Ktap, ToolTest, echoing, when
from harness import protocol

PASS, FAIL, ERROR, RESTART = (protocol.STATUS_PASS, protocol.STATUS_FAIL,
                              protocol.STATUS_ERROR, protocol.STATUS_RESTART)
FOUR = Ktap('fmt.decimal', 'fmt.hex', 'fmt.oct', 'heap.alloc')


class ExecTest(ToolTest):
    """Exit statuses and words of a host test executable."""

    def run_exec(self, exe: str, *args: str, grace_s: Optional[float] = None
                 ) -> subprocess.CompletedProcess:
        """Run the tool on exe with --exec."""
        return self.run_tool('--exec', exe, *args, qemu=False, grace_s=grace_s)

    def test_pass_and_words_as_arguments(self) -> None:
        exe = self.host_test(steps_=echoing(PASSING.boot(), PASS))
        result = self.run_exec(exe, '--filter', 'fmt.*,heap.*', '--shuffle', '7',
                               '--cmdline', 'log=debug')
        self.assert_verdict(result, 0, 'PASS: 3 cases passed')
        self.assertEqual([run['argv'][2:] for run in self.runs()],
                         [['ktest.filter=fmt.*,heap.*', 'ktest.shuffle=7', 'log=debug']])

    def test_fail(self) -> None:
        result = self.run_exec(self.host_test(FAILING.boot(), FAIL))
        self.assert_verdict(result, 1, 'FAIL: 1 of 3 cases failed')

    def test_status_contradicting_the_results(self) -> None:
        for out, status, reason in (
                (FAILING.boot(), PASS, 'exit code "pass" says every case passed, but 1 '
                                       'failed'),
                (PASSING.boot(), FAIL, 'exit code "fail" says a case failed, but none did')):
            with self.subTest(status=status):
                result = self.run_exec(self.host_test(out, status))
                self.assert_verdict(result, 99, f'ERROR: {reason}')

    def test_error_status(self) -> None:
        out = PASSING.boot() + '# ktest: error: 1 failure(s) outside any case\n'
        result = self.run_exec(self.host_test(out, ERROR))
        self.assert_verdict(result, 99, 'ERROR: 1 failure(s) outside any case')

    def test_other_statuses_after_the_last_case(self) -> None:
        for status in (134, 4, 33):
            with self.subTest(status=status):
                result = self.run_exec(self.host_test(PASSING.boot(), status))
                self.assert_verdict(result, 99, f'ERROR: exit status {status} after the '
                                                'last case, which is not a ktest exit')

    def test_restart(self) -> None:
        exe = self.host_test(FOUR.boot(restart_after=1), RESTART,
                             when_=[when('ktest.start=2', FOUR.boot(start=2), PASS)])
        result = self.run_exec(exe, '--cmdline', 'x=1')
        self.assert_verdict(result, 0, 'PASS: 4 cases passed')
        self.assertEqual([run['argv'][2:] for run in self.runs()],
                         [['x=1'], ['ktest.start=2', 'x=1']])

    def test_killed_mid_case(self) -> None:
        for signal in (6, 11):
            with self.subTest(signal=signal):
                exe = self.host_test(steps_=[{'out': FOUR.boot(crash_at=1)}, {'kill': signal}],
                                     when_=[when('ktest.start=2', FOUR.boot(start=2), PASS)])
                result = self.run_exec(exe)
                self.assert_verdict(result, 1, 'FAIL: 1 of 4 cases failed')
                self.assertIn(f'CRASHED fmt.hex: killed by signal {signal} while running '
                              'case fmt.hex', result.stdout)

    def test_hung_case(self) -> None:
        run = Ktap(*FOUR.names, options={'ktest.timeout': '50'})
        # The run after the hang announces the default budget (no short
        # limit for its end to be late for on a busy machine).
        exe = self.host_test(run.boot(crash_at=2), None,
                             when_=[when('ktest.start=3', FOUR.boot(start=3), PASS)])
        result = self.run_exec(exe, grace_s=0.5)
        self.assert_verdict(result, 1, 'FAIL: 1 of 4 cases failed')
        self.assertIn('TIMEOUT fmt.oct: no result for 0.6 s while running case fmt.oct',
                      result.stdout)

    def test_not_executable(self) -> None:
        exe = self.host_test(PASSING.boot(), PASS)
        (self.tmp / 'host_test').chmod(0o644)
        result = self.run_exec(exe)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr, f'run_qemu.py: error: cannot start {exe}: '
                                        'Permission denied\n')


if __name__ == '__main__':
    unittest.main()
