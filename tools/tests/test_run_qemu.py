"""Tests of tools/run_qemu.py, the QEMU runner and ktest harness.

Most tests run the tool as a program against fake_qemu.py, which plays a
scenario the test writes into the "image". Run from the top of the tree:
    python3 -m unittest discover -s tools/tests -v
Two end-to-end checks run only where their tools exist: meson scoring the TAP
output, and a real QEMU booting a tiny hand-assembled boot sector.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path
from typing import Optional
from unittest import mock

HERE = Path(__file__).resolve().parent
TOOL = HERE.parent / 'run_qemu.py'
FAKE = HERE / 'fake_qemu.py'

spec = importlib.util.spec_from_file_location('run_qemu', TOOL)
run_qemu = importlib.util.module_from_spec(spec)
sys.modules['run_qemu'] = run_qemu       # dataclasses look their module up
spec.loader.exec_module(run_qemu)


def ktap(*suites: tuple[str, list[str]], summary: bool = True, layout: str = 'kernel') -> str:
    """A valid KTAP run: suites as (name, ['ok a', 'not ok b', 'ok c # SKIP why']).

    layout 'kernel' prints a case's diagnostics and duration before its result,
    as ktest/core.c does; 'doc' prints them after it, as docs/protocol.md shows.
    """
    lines = ['KTAP version 1', '# ktest: fake run, seed 0']
    parsed = [(suite, [parse_case(case) for case in cases]) for suite, cases in suites]
    lines += [f'# plan: {suite}.{name}' for suite, cases in parsed for _, name, _ in cases]
    lines.append(f'1..{len(suites)}')
    for number, (suite, cases) in enumerate(parsed, 1):
        lines += ['    KTAP version 1', f'    # Subtest: {suite}', f'    1..{len(cases)}']
        for index, (status, name, directive) in enumerate(cases, 1):
            diags = [f'    # {name}: kernel/x_test.c:7: EXPECT_EQ(1, n) failed'] \
                if status == 'not ok' else []
            diags.append(f'    # {name}: {10 * index} us')
            result = [f'    {status} {index} {name}{directive}']
            lines += diags + result if layout == 'kernel' else result + diags
        failed = any(status == 'not ok' for status, _, _ in cases)
        lines.append(f'{"not ok" if failed else "ok"} {number} {suite}')
    if summary:
        lines.append('# ktest: done')
    return '\n'.join(lines) + '\n'


def parse_case(text: str) -> tuple[str, str, str]:
    """'not ok hex # TIMEOUT x' -> ('not ok', 'hex', ' # TIMEOUT x')."""
    head, _, directive = text.partition(' # ')
    status, name = head.rsplit(' ', 1)
    return status, name, f' # {directive}' if directive else ''


PASSING = ktap(('fmt', ['ok decimal', 'ok hex']), ('heap', ['ok alloc']))
FAILING = ktap(('fmt', ['ok decimal', 'not ok hex']), ('heap', ['ok alloc']))
SKIPPING = ktap(('fmt', ['ok decimal # SKIP no FPU']), ('heap', ['ok alloc # SKIP']))
HEADER = ('KTAP version 1\n# plan: fmt.decimal\n# plan: fmt.hex\n# plan: heap.alloc\n'
          '1..2\n    KTAP version 1\n    # Subtest: fmt\n    1..2\n')


class ToolTest(unittest.TestCase):
    """Runs run_qemu.py with fake_qemu.py as QEMU."""

    def setUp(self) -> None:
        """A temporary directory with a fake QEMU wrapper in it."""
        self.tmp = Path(tempfile.mkdtemp(prefix='run-qemu-test-'))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.qemu = self.tmp / 'fake-qemu'
        self.qemu.write_text(f'#!/bin/sh\nexec {sys.executable} -S {FAKE} "$@"\n')
        self.qemu.chmod(0o755)
        self.record = self.tmp / 'argv.jsonl'

    def image(self, out: str = '', status: Optional[int] = 33, steps: Optional[list] = None,
              when: Optional[list] = None, name: str = 'test.img') -> str:
        """Write a scenario image: print out, then exit with status (None: hang)."""
        if steps is None:
            steps = [{'out': out}, {'exit': status} if status is not None else {'hang': 1}]
        scenario = {'record': str(self.record), 'steps': steps, 'when': when or []}
        path = self.tmp / name
        path.write_text(json.dumps(scenario))
        return str(path)

    def run_tool(self, *args: str, env: Optional[dict] = None, qemu: bool = True,
                 process: bool = False) -> subprocess.CompletedProcess:
        """Run the tool, in this process (fast) or as a program (process=True).

        Fake QEMU comes first so the image can come anywhere.
        """
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith('KTEST_') and k not in ('DISPLAY', 'WAYLAND_DISPLAY')}
        clean.update(env or {})
        argv = (['--qemu', str(self.qemu)] if qemu else []) + list(args)
        if process:
            return subprocess.run([sys.executable, str(TOOL)] + argv, capture_output=True,
                                  text=True, env=clean, timeout=60, stdin=subprocess.DEVNULL)
        out, err = io.StringIO(), io.StringIO()
        sigterm = signal.getsignal(signal.SIGTERM)
        try:
            with mock.patch.dict(os.environ, clean, clear=True), \
                    contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = run_qemu.main(argv)
        finally:
            signal.signal(signal.SIGTERM, sigterm)
        return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())

    def runs(self) -> list[dict]:
        """What fake QEMU recorded, one dict per boot."""
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def assert_verdict(self, result: subprocess.CompletedProcess, code: int,
                       verdict: str) -> None:
        """Exit status and the final verdict line of a standalone run."""
        self.assertEqual(result.returncode, code, result.stdout + result.stderr)
        last = result.stdout.splitlines()[-1]
        self.assertTrue(last.startswith(verdict), last)
        self.assertNotIn('Traceback', result.stderr)


class VerdictTest(ToolTest):
    """Every verdict, standalone output (exit 0 / 1 / 77 / 99)."""

    def test_pass(self) -> None:
        result = self.run_tool('--test', self.image(PASSING, 33), process=True)
        self.assert_verdict(result, 0, 'PASS')
        self.assertIn('PASS fmt.decimal (10 us)\nPASS fmt.hex (20 us)\nPASS heap.alloc (10 us)\n',
                      result.stdout)
        self.assertIn('3 passed, 0 failed, 0 skipped\n', result.stdout)

    def test_fail_shows_diagnostics(self) -> None:
        result = self.run_tool('--test', self.image(FAILING, 35))
        self.assert_verdict(result, 1, 'FAIL')
        self.assertIn('FAIL fmt.hex (20 us)\n    kernel/x_test.c:7: EXPECT_EQ(1, n) failed\n',
                      result.stdout)
        self.assertIn('2 passed, 1 failed, 0 skipped\n', result.stdout)

    def test_all_skipped(self) -> None:
        result = self.run_tool('--test', self.image(SKIPPING, 33))
        self.assert_verdict(result, 77, 'SKIP')
        self.assertIn('SKIP fmt.decimal: no FPU (10 us)', result.stdout)

    def test_some_skipped_is_pass(self) -> None:
        out = ktap(('fmt', ['ok decimal', 'ok hex # SKIP later']))
        self.assert_verdict(self.run_tool('--test', self.image(out, 33)), 0, 'PASS')

    def test_kernel_timeout_is_failure(self) -> None:
        out = ktap(('fmt', ['ok decimal', 'not ok hex # TIMEOUT after 100 ms']))
        result = self.run_tool('--test', self.image(out, 35))
        self.assert_verdict(result, 1, 'FAIL')
        self.assertIn('TIMEOUT fmt.hex: after 100 ms (20 us)', result.stdout)
        self.assertIn('1 passed, 1 failed, 0 skipped (1 timed out)', result.stdout)

    def test_hang_names_running_case(self) -> None:
        out = HEADER + '    ok 1 decimal\n    # decimal: 3 us\n    # hex: log line\n'
        result = self.run_tool('--test', '--timeout', '0.8', self.image(out, None))
        self.assert_verdict(result, 99, 'ERROR: timeout: no case result for 0.8 s '
                                        'while running case fmt.hex')
        self.assertIn('PASS fmt.decimal', result.stdout)
        self.assertIn('NOT RUN fmt.hex: timeout', result.stdout)
        self.assertIn('NOT RUN heap.alloc\n', result.stdout)
        self.assertIn('    |     # hex: log line', result.stdout)

    def test_result_restarts_inactivity_clock(self) -> None:
        # Three gaps of 0.5 s: longer than the timeout together, not alone
        # (the first one also holds fake QEMU's start-up).
        steps = [{'out': HEADER}, {'sleep': 0.5}, {'out': '    ok 1 decimal\n'},
                 {'sleep': 0.5}, {'out': '    ok 2 hex\nok 1 fmt\n    KTAP version 1\n'
                  '    # Subtest: heap\n    1..1\n'}, {'sleep': 0.5},
                 {'out': '    ok 1 alloc\nok 2 heap\n'}, {'exit': 33}]
        result = self.run_tool('--test', '--timeout', '1.2', self.image(steps=steps))
        self.assert_verdict(result, 0, 'PASS')

    def test_triple_fault(self) -> None:
        result = self.run_tool('--test', self.image(HEADER + '    ok 1 decimal\n', 0))
        self.assert_verdict(result, 99, 'ERROR: QEMU exited with status 0 while running '
                                        'case fmt.hex: the machine reset (triple fault?)')

    def test_panic_outside_case(self) -> None:
        out = 'KTAP version 1\n# panic: heap: double free (kernel/mm/heap.c:88)\n'
        result = self.run_tool('--test', self.image(out, 37))
        self.assert_verdict(result, 99, 'ERROR: kernel panic or error (QEMU status 37) '
                                        'before its test plan was complete: # panic: heap: '
                                        'double free (kernel/mm/heap.c:88)')

    def test_error_exit_shows_last_diagnostic(self) -> None:
        out = 'KTAP version 1\n# ktest: no case matches ktest.filter=nope.*\n'
        result = self.run_tool('--test', '--filter', 'nope.*', self.image(out, 37))
        self.assert_verdict(result, 99, 'ERROR: kernel panic or error (QEMU status 37) '
                                        'before its test plan was complete: # ktest: no '
                                        'case matches ktest.filter=nope.*')

    def test_long_log_of_failed_case_is_cut(self) -> None:
        log = ''.join(f'    # line {i}\n' for i in range(30))
        out = FAILING.replace('    # hex: kernel', log + '    # hex: kernel')
        result = self.run_tool('--test', self.image(out, 35))
        self.assertIn('FAIL fmt.hex (20 us)\n    (10 earlier log lines not shown)\n'
                      '    line 10\n', result.stdout)
        self.assertIn('    line 29\n    kernel/x_test.c:7: EXPECT_EQ(1, n) failed\n',
                      result.stdout)

    def test_doc_layout_diagnostics_after_result(self) -> None:
        result = self.run_tool('--test', self.image(ktap(
            ('fmt', ['ok decimal', 'not ok hex']), ('heap', ['ok alloc']), layout='doc'), 35))
        self.assert_verdict(result, 1, 'FAIL')
        self.assertIn('PASS fmt.decimal (10 us)\nFAIL fmt.hex (20 us)\n'
                      '    kernel/x_test.c:7: EXPECT_EQ(1, n) failed\nPASS heap.alloc',
                      result.stdout)

    def test_exit_33_with_failure(self) -> None:
        result = self.run_tool('--test', self.image(FAILING, 33))
        self.assert_verdict(result, 99, 'ERROR: QEMU status 33 says every case passed, '
                                        'but 1 failed')

    def test_exit_35_without_failure(self) -> None:
        result = self.run_tool('--test', self.image(PASSING, 35))
        self.assert_verdict(result, 99, 'ERROR: QEMU status 35 says a case failed, but '
                                        'none did')

    def test_other_exit_status(self) -> None:
        result = self.run_tool('--test', self.image(PASSING, 1))
        self.assert_verdict(result, 99, 'ERROR: QEMU exited with status 1 after the last '
                                        'case, which is not a ktest exit')

    def test_truncated_mid_case_names_cases(self) -> None:
        result = self.run_tool('--test', self.image(HEADER + '    ok 1 decimal\n', 33))
        self.assert_verdict(result, 99, 'ERROR: output ended while running case fmt.hex '
                                        'although QEMU exited with status 33')
        self.assertIn('NOT RUN fmt.hex: output ended', result.stdout)
        self.assertIn('NOT RUN heap.alloc', result.stdout)
        self.assertIn('1 passed, 0 failed, 0 skipped, 2 not run', result.stdout)

    def test_output_ends_mid_line(self) -> None:
        result = self.run_tool('--test', self.image(PASSING + '# ktest: bye', 33))
        self.assert_verdict(result, 99, 'ERROR: the output ended in the middle of a line')

    def test_garbage_bytes(self) -> None:
        steps = [{'out': HEADER}, {'raw': '20202020006f6b0a'}, {'exit': 33}]
        result = self.run_tool('--test', self.image(steps=steps))
        self.assert_verdict(result, 99, "ERROR: protocol error: garbage on the serial port: "
                                        "b'    \\x00ok'")

    def test_invalid_utf8(self) -> None:
        steps = [{'out': HEADER}, {'raw': 'ff0a'}, {'exit': 33}]
        result = self.run_tool('--test', self.image(steps=steps))
        self.assert_verdict(result, 99, 'ERROR: protocol error: garbage on the serial port')

    def test_malformed_line(self) -> None:
        result = self.run_tool('--test', self.image(HEADER + '    okay 1 decimal\n', 33))
        self.assert_verdict(result, 99, "ERROR: protocol error: malformed line "
                                        "'    okay 1 decimal'")

    def test_missing_version_line(self) -> None:
        result = self.run_tool('--test', self.image(PASSING.split('\n', 1)[1], 33))
        self.assert_verdict(result, 99, "ERROR: protocol error: expected 'KTAP version 1' "
                                        'as the first line')

    def test_no_output(self) -> None:
        result = self.run_tool('--test', self.image('', 33))
        self.assert_verdict(result, 99, 'ERROR: no output, although QEMU exited with '
                                        'status 33')

    def test_no_cases_is_error(self) -> None:
        result = self.run_tool('--test', self.image('KTAP version 1\n1..0\n', 33))
        self.assert_verdict(result, 99, 'ERROR: no results: the image ran no test case')

    def test_no_case_matches_filter_is_skip(self) -> None:
        result = self.run_tool('--test', '--filter', 'nope.*',
                               self.image('KTAP version 1\n1..0\n', 33))
        self.assert_verdict(result, 77, 'SKIP: no case matches --filter')

    def test_suite_reports_fewer_cases_than_plan(self) -> None:
        out = HEADER.replace('    1..2', '    1..1') + '    ok 1 decimal\nok 1 fmt\n'
        result = self.run_tool('--test', self.image(out, 33))
        self.assert_verdict(result, 99, 'ERROR: protocol error: suite fmt ended without '
                                        'case fmt.hex of the plan')

    def test_top_plan_mismatch(self) -> None:
        result = self.run_tool('--test', self.image(PASSING.replace('\n1..2\n', '\n1..3\n'), 33))
        self.assert_verdict(result, 99, 'ERROR: protocol error: top-level plan 1..3 does not '
                                        'fit the 2 suite(s)')

    def test_more_results_than_suite_plan(self) -> None:
        out = HEADER.replace('    1..2', '    1..1') + '    ok 1 decimal\n    ok 2 hex\n'
        result = self.run_tool('--test', self.image(out, 33))
        self.assert_verdict(result, 99, 'ERROR: protocol error: suite fmt: more results '
                                        'than its plan 1..1')

    def test_case_not_in_plan(self) -> None:
        result = self.run_tool('--test', self.image(HEADER + '    ok 1 octal\n', 33))
        self.assert_verdict(result, 99, 'ERROR: protocol error: case fmt.octal is not in '
                                        'the plan')

    def test_case_out_of_plan_order(self) -> None:
        result = self.run_tool('--test', self.image(HEADER + '    ok 1 hex\n', 33))
        self.assert_verdict(result, 99, 'ERROR: protocol error: case fmt.hex reported where '
                                        'the plan has fmt.decimal')

    def test_wrong_numbering(self) -> None:
        result = self.run_tool('--test', self.image(HEADER + '    ok 2 decimal\n', 33))
        self.assert_verdict(result, 99, 'ERROR: protocol error: suite fmt: result 2 '
                                        '(decimal) where 1 was due')

    def test_missing_suite_plan(self) -> None:
        out = HEADER.replace('    1..2\n', '') + '    ok 1 decimal\n'
        result = self.run_tool('--test', self.image(out, 33))
        self.assert_verdict(result, 99, 'ERROR: protocol error: suite fmt: missing suite plan')

    def test_suite_result_contradicts_cases(self) -> None:
        out = FAILING.replace('not ok 1 fmt', 'ok 1 fmt')
        result = self.run_tool('--test', self.image(out, 35))
        self.assert_verdict(result, 99, 'ERROR: protocol error: suite fmt result does not '
                                        'agree with its cases')

    def test_unknown_directive(self) -> None:
        out = ktap(('fmt', ['ok decimal', 'ok hex # TODO later']))
        result = self.run_tool('--test', self.image(out, 33))
        self.assert_verdict(result, 99, "ERROR: protocol error: bad directive in "
                                        "'    ok 2 hex # TODO later'")

    def test_skip_on_not_ok_is_bad_directive(self) -> None:
        out = ktap(('fmt', ['ok decimal', 'not ok hex # SKIP why']))
        result = self.run_tool('--test', self.image(out, 35))
        self.assert_verdict(result, 99, 'ERROR: protocol error: bad directive')

    def test_output_after_last_suite(self) -> None:
        result = self.run_tool('--test', self.image(PASSING + 'hello\n', 33))
        self.assert_verdict(result, 99, "ERROR: protocol error: unexpected line after the "
                                        "last suite: 'hello'")

    def test_carriage_returns_are_accepted(self) -> None:
        result = self.run_tool('--test', self.image(PASSING.replace('\n', '\r\n'), 33))
        self.assert_verdict(result, 0, 'PASS')

    def test_qemu_stderr_shown_on_error(self) -> None:
        steps = [{'err': 'qemu: could not load PC BIOS\n'}, {'exit': 1}]
        result = self.run_tool('--test', self.image(steps=steps))
        self.assert_verdict(result, 99, 'ERROR: QEMU exited with status 1 before any '
                                        'output, which is not a ktest exit')
        self.assertIn('  QEMU stderr:\n    | qemu: could not load PC BIOS\n', result.stdout)

    def test_parameterized_results_share_plan_entry(self) -> None:
        out = ('KTAP version 1\n# plan: fmt.width\n1..1\n    KTAP version 1\n'
               '    # Subtest: fmt\n    1..2\n    ok 1 width[w=1]\n    # width[w=1]: 3 us\n'
               '    not ok 2 width[w=8]\n    # width[w=8]: got 7\nnot ok 1 fmt\n')
        result = self.run_tool('--test', '--tap', self.image(out, 35))
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, 'TAP version 13\n1..1\nnot ok 1 fmt.width\n'
                                        '# width[w=8]: got 7\n')

    def test_parameterized_kernel_layout(self) -> None:
        out = ('KTAP version 1\n# plan: fmt.width\n# plan: fmt.hex\n1..1\n'
               '    KTAP version 1\n    # Subtest: fmt\n    1..3\n'
               '    # width[w=1]: 3 us\n    ok 1 width[w=1]\n'
               '    # width[size 8]: got 7\n    # width[size 8]: 4 us\n'
               '    not ok 2 width[size 8]\n    # hex: 5 us\n    ok 3 hex\nnot ok 1 fmt\n')
        result = self.run_tool('--test', self.image(out, 35))
        self.assert_verdict(result, 1, 'FAIL')
        self.assertIn('PASS fmt.width[w=1] (3 us)\nFAIL fmt.width[size 8] (4 us)\n'
                      '    got 7\nPASS fmt.hex (5 us)\n', result.stdout)

    def test_repeat_with_plan_listed_once(self) -> None:
        suite = PASSING.split('\n1..2\n')[1].split('# ktest: done')[0]
        again = suite.replace('ok 1 fmt', 'ok 3 fmt').replace('ok 2 heap', 'ok 4 heap')
        out = PASSING.split('\n1..2\n')[0] + '\n1..4\n' + suite + again
        result = self.run_tool('--test', '--repeat', '2', self.image(out, 33))
        self.assert_verdict(result, 0, 'PASS')
        self.assertIn('6 passed, 0 failed, 0 skipped', result.stdout)
        self.assertIn('ktest.repeat=2', self.runs()[0]['cmdline'])

    def test_no_colour_when_not_a_tty(self) -> None:
        result = self.run_tool('--test', self.image(FAILING, 35))
        self.assertNotIn('\033[', result.stdout)


class TapTest(ToolTest):
    """--tap: the TAP 13 stream meson reads."""

    def test_fail_lines(self) -> None:
        out = ktap(('fmt', ['ok decimal', 'not ok hex', 'ok oct # SKIP no octal',
                            'not ok bin # TIMEOUT after 5 ms']))
        result = self.run_tool('--tap', self.image(out, 35))
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, textwrap.dedent('''\
            TAP version 13
            1..4
            ok 1 fmt.decimal
            not ok 2 fmt.hex
            # hex: kernel/x_test.c:7: EXPECT_EQ(1, n) failed
            ok 3 fmt.oct # SKIP no octal
            not ok 4 fmt.bin # TIMEOUT after 5 ms
            # bin: kernel/x_test.c:7: EXPECT_EQ(1, n) failed
            '''))
        self.assertIn('FAIL fmt.hex (20 us)\n    kernel/x_test.c:7', result.stderr)

    def test_pass_and_skip_exit_zero(self) -> None:
        for out, status in ((PASSING, 33), (SKIPPING, 33)):
            result = self.run_tool('--tap', self.image(out, status))
            self.assertEqual(result.returncode, 0)
            self.assertRegex(result.stdout, r'^TAP version 13\n1\.\.[23]\nok 1 fmt\.decimal')

    def test_error_bails_out_and_reports_not_run(self) -> None:
        result = self.run_tool('--tap', self.image(HEADER + '    ok 1 decimal\n', 0))
        self.assertEqual(result.returncode, 99)
        lines = result.stdout.splitlines()
        reason = ('QEMU exited with status 0 while running case fmt.hex: the machine '
                  'reset (triple fault?) instead of writing an exit code')
        self.assertEqual(lines, ['TAP version 13', '1..3', 'ok 1 fmt.decimal',
                                 f'not ok 2 fmt.hex # not run: {reason}',
                                 f'not ok 3 heap.alloc # not run: {reason}',
                                 f'Bail out! {reason}'])
        self.assertIn('last output from the image:\n    | KTAP version 1\n', result.stderr)

    def test_case_before_hang_is_reported(self) -> None:
        result = self.run_tool('--tap', '--timeout', '0.8',
                               self.image(HEADER + '    ok 1 decimal\n', None))
        self.assertEqual(result.returncode, 99)
        self.assertEqual([line.split(' #')[0] for line in result.stdout.splitlines()[1:5]],
                         ['1..3', 'ok 1 fmt.decimal', 'not ok 2 fmt.hex',
                          'not ok 3 heap.alloc'])

    def test_error_before_plan(self) -> None:
        result = self.run_tool('--tap', self.image('', None), '--timeout', '0.3')
        self.assertEqual(result.returncode, 99)
        self.assertEqual(result.stdout, 'TAP version 13\nBail out! timeout: no case result '
                                        'for 0.3 s before any output (hang; see --timeout)\n')

    def test_no_case_matches_filter(self) -> None:
        result = self.run_tool('--tap', '--filter', 'x.*',
                               self.image('KTAP version 1\n1..0\n', 33))
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, 'TAP version 13\n1..0 # SKIP no case matches --filter\n')

    def test_shuffle_seed_is_printed(self) -> None:
        result = self.run_tool('--tap', self.image(PASSING, 33), '--shuffle')
        match = re.search(r'^# shuffle seed: ([0-9]+)$', result.stdout, re.M)
        self.assertIsNotNone(match, result.stdout)
        self.assertIn(f'ktest.shuffle={match.group(1)}', self.runs()[0]['cmdline'])
        self.assertTrue(result.stdout.startswith('TAP version 13\n'))


class ModeTest(ToolTest):
    """--list, --fresh-boot, --shuffle, --keys."""

    LIST = ('KTAP version 1\n# ktest: 3 cases in 2 suites, seed 0\n# case: fmt.decimal\n'
            '# case: fmt.hex\n# case: heap.alloc\n1..0\n')

    def fresh_image(self, crash: str = '') -> str:
        """An image that lists three cases and runs whichever one is asked for."""
        when = [{'cmdline': 'ktest.list', 'steps': [{'out': self.LIST}, {'exit': 33}]}]
        for suite, case in (('fmt', 'decimal'), ('fmt', 'hex'), ('heap', 'alloc')):
            name = f'{suite}.{case}'
            out = ktap((suite, [f'{"not ok" if name == "fmt.hex" else "ok"} {case}']))
            steps = [{'out': out}, {'exit': 35 if name == 'fmt.hex' else 33}]
            if name == crash:
                steps = [{'out': out.split('    ok 1')[0]}, {'exit': 0}]
            when.append({'cmdline': f'ktest.filter={name}', 'steps': steps})
        return self.image(when=when, steps=[{'exit': 1}])

    def test_list(self) -> None:
        result = self.run_tool('--list', self.image(self.LIST, 33), '--filter', 'fmt.*,heap.*')
        self.assertEqual((result.returncode, result.stdout),
                         (0, 'fmt.decimal\nfmt.hex\nheap.alloc\n'))
        self.assertEqual(self.runs()[0]['cmdline'], 'ktest.filter=fmt.*,heap.* ktest.list')

    def test_list_in_shuffled_order(self) -> None:
        self.run_tool('--list', self.image(self.LIST, 33), '--shuffle', '9')
        self.assertEqual(self.runs()[0]['cmdline'], 'ktest.shuffle=9 ktest.list')

    def test_list_accepts_plan_lines(self) -> None:
        out = self.LIST.replace('# case:', '# plan:')
        result = self.run_tool('--list', self.image(out, 33))
        self.assertEqual(result.stdout, 'fmt.decimal\nfmt.hex\nheap.alloc\n')

    def test_list_failure(self) -> None:
        result = self.run_tool('--list', self.image(self.LIST, 0))
        self.assertEqual(result.returncode, 99)
        self.assertIn('run_qemu.py: error: could not list the cases: QEMU exited with '
                      'status 0', result.stderr)

    def test_fresh_boot_merges_boots(self) -> None:
        result = self.run_tool('--tap', '--fresh-boot', self.fresh_image())
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout.splitlines(), [
            'TAP version 13', '1..3', 'ok 1 fmt.decimal', 'not ok 2 fmt.hex',
            '# hex: kernel/x_test.c:7: EXPECT_EQ(1, n) failed', 'ok 3 heap.alloc'])
        self.assertEqual([run['cmdline'] for run in self.runs()], [
            'ktest.list', 'ktest.filter=fmt.decimal', 'ktest.filter=fmt.hex',
            'ktest.filter=heap.alloc'])

    def test_fresh_boot_crash_is_isolated(self) -> None:
        result = self.run_tool('--test', '--fresh-boot', self.fresh_image(crash='fmt.decimal'))
        self.assert_verdict(result, 99, 'ERROR: QEMU exited with status 0 while running '
                                        'case fmt.decimal')
        self.assertIn('NOT RUN fmt.decimal: QEMU exited with status 0', result.stdout)
        self.assertIn('FAIL fmt.hex', result.stdout)
        self.assertIn('PASS heap.alloc', result.stdout)
        self.assertIn('1 passed, 1 failed, 0 skipped, 1 not run', result.stdout)

    def test_fresh_boot_wrong_case_is_error(self) -> None:
        when = [{'cmdline': 'ktest.list', 'steps': [{'out': self.LIST}, {'exit': 33}]}]
        result = self.run_tool('--test', '--fresh-boot', '--filter', 'fmt.decimal',
                               self.image(PASSING, 33, when=when))
        self.assertEqual(result.returncode, 99)
        self.assertIn('booted with ktest.filter=fmt.decimal, the image planned fmt.decimal, '
                      'fmt.hex, heap.alloc', result.stdout)

    def test_fresh_boot_one_boot_per_parameter(self) -> None:
        listing = 'KTAP version 1\n# case: fmt.w[1]\n# case: fmt.w[size 8]\n1..0\n'
        head = 'KTAP version 1\n# plan: fmt.w\n1..1\n    KTAP version 1\n' \
            '    # Subtest: fmt\n    1..1\n'
        when = [{'cmdline': 'ktest.list', 'steps': [{'out': listing}, {'exit': 33}]},
                {'cmdline': 'ktest.filter=fmt.w[1]', 'steps': [
                    {'out': head + '    ok 1 w[1]\nok 1 fmt\n'}, {'exit': 33}]},
                {'cmdline': 'ktest.filter=fmt.w[size?8]', 'steps': [
                    {'out': head + '    ok 1 w[size 8] # SKIP big\nok 1 fmt\n'},
                    {'exit': 33}]}]
        result = self.run_tool('--tap', '--fresh-boot', self.image(when=when, steps=[]))
        self.assertEqual((result.returncode, result.stdout),
                         (0, 'TAP version 13\n1..2\nok 1 fmt.w[1]\n'
                             'ok 2 fmt.w[size 8] # SKIP big\n'))

    def test_fresh_boot_shuffle_and_repeat(self) -> None:
        result = self.run_tool('--test', '--fresh-boot', '--shuffle', '7', '--repeat', '2',
                               self.fresh_image())
        self.assert_verdict(result, 1, 'FAIL')
        cmdlines = [run['cmdline'] for run in self.runs()[1:]]
        self.assertEqual(len(cmdlines), 6)
        self.assertEqual(cmdlines[:3], cmdlines[3:])
        self.assertEqual(sorted(cmdlines[:3]), ['ktest.filter=fmt.decimal',
                                                'ktest.filter=fmt.hex',
                                                'ktest.filter=heap.alloc'])
        self.assertNotIn('shuffle seed', result.stdout)

    def test_shuffle_without_seed_prints_it(self) -> None:
        result = self.run_tool('--shuffle', self.image(PASSING, 33))
        match = re.match(r'shuffle seed: ([0-9]+)\n', result.stdout)
        self.assertIsNotNone(match, result.stdout)
        self.assertEqual(self.runs()[0]['cmdline'], f'ktest.shuffle={match.group(1)}')
        self.assert_verdict(result, 0, 'PASS')

    def test_keys_typed_at_prompt(self) -> None:
        keys = self.tmp / 'keys.jsonl'
        prompt = HEADER + '    # ktest: waiting for input\n'
        steps = [{'out': prompt}, {'keys': 3, 'log': str(keys)},
                 {'out': PASSING.split('1..2\n', 1)[1].split('    # Subtest: fmt\n    1..2\n')[1]},
                 {'exit': 33}]
        result = self.run_tool('--test', '--keys', 'a shift-a 0x1e', self.image(steps=steps))
        self.assert_verdict(result, 0, 'PASS')
        typed = [json.loads(line) for line in keys.read_text().splitlines()]
        self.assertEqual(typed, [['a'], ['shift', 'a'], [30]])
        self.assertIn('-qmp', self.runs()[0]['argv'])

    def test_key_refused_is_error(self) -> None:
        keys = self.tmp / 'keys.jsonl'
        steps = [{'out': HEADER + '    # ktest: waiting for input\n'},
                 {'keys': 1, 'log': str(keys)}, {'hang': 1}]
        result = self.run_tool('--test', '--keys', 'nosuchkey', '--timeout', '30',
                               self.image(steps=steps))
        self.assert_verdict(result, 99, "ERROR: could not type --keys 'nosuchkey': QEMU "
                                        "refused key 'nosuchkey'")


class CommandLineTest(ToolTest):
    """QEMU command lines (--dry-run) and the tool's own errors."""

    def dry(self, *args: str, env: Optional[dict] = None) -> list[str]:
        """The command a --dry-run prints, split into words."""
        result = self.run_tool('--dry-run', *args, env=env, qemu=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        return shlex.split(result.stdout.splitlines()[0])

    def test_run_mode_headless(self) -> None:
        self.assertEqual(self.dry('build/kernel.img'), [
            'qemu-system-x86_64', '-machine', 'pc', '-m', '128', '-drive',
            'format=raw,file=build/kernel.img,snapshot=on', '-device',
            'isa-debug-exit,iobase=0xf4,iosize=0x04', '-serial', 'mon:stdio',
            '-display', 'none'])

    def test_run_mode_window_and_curses(self) -> None:
        window = self.dry('k.img', env={'DISPLAY': ':0'})
        self.assertNotIn('-display', window)
        self.assertIn('mon:stdio', window)
        curses = self.dry('k.img', '--display', 'curses')
        self.assertEqual(curses[-2:], ['-display', 'curses'])
        self.assertNotIn('-serial', curses)

    def test_run_mode_options(self) -> None:
        words = self.dry('--headless', '-m', '512', '--machine', 'q35', '--cmdline',
                         'log=debug', '--qemu-arg', '-smp', '--qemu-arg', '2', 'k.img',
                         '--gdb', '--', '-d', 'int')
        self.assertEqual(words[1:5], ['-machine', 'q35', '-m', '512'])
        self.assertEqual(words[-9:], ['-fw_cfg', 'name=opt/cmdline,string=log=debug',
                                       '-S', '-gdb', 'tcp::1234', '-smp', '2', '-d', 'int'])

    def test_test_mode_command(self) -> None:
        words = self.dry('--test', 'u.img', '--filter', 'fmt.*,heap.a?', '--cmdline',
                         'log=warn', '--case-timeout', '500', '--memory', '64')
        self.assertEqual(words, [
            'qemu-system-x86_64', '-nodefaults', '-no-reboot', '-display', 'none', '-vga',
            'std', '-machine', 'pc', '-m', '64', '-drive',
            'format=raw,file=u.img,snapshot=on', '-device',
            'isa-debug-exit,iobase=0xf4,iosize=0x04', '-serial', 'stdio', '-fw_cfg',
            'name=opt/cmdline,string=ktest.filter=fmt.*,,heap.a? ktest.timeout=500 '
            'log=warn'])

    def test_test_mode_disk_on_virtio_from_one_cylinder(self) -> None:
        cylinder = 16 * 63 * 512
        for size, virtio in ((512, False), (cylinder - 512, False), (cylinder, True),
                             (1 << 20, True)):
            with self.subTest(size=size):
                image = self.tmp / f'disk-{size}.img'
                image.write_bytes(bytes(size))
                drive = f'format=raw,file={image},snapshot=on' + (',if=virtio' if virtio else '')
                self.assertIn(drive, self.dry('--test', str(image)))
                # Run mode keeps QEMU's default disk, as a user's plain QEMU would.
                self.assertIn(f'format=raw,file={image},snapshot=on', self.dry(str(image)))

    def test_disk_option_overrides_auto(self) -> None:
        small, big = self.tmp / 'small.img', self.tmp / 'big.img'
        small.write_bytes(bytes(512))
        big.write_bytes(bytes(1 << 20))
        self.assertIn(f'format=raw,file={big},snapshot=on',
                      self.dry('--disk', 'ide', str(big)))
        self.assertIn(f'format=raw,file={small},snapshot=on,if=virtio',
                      self.dry('--disk', 'virtio', str(small)))
        self.assertIn(f'format=raw,file={small},snapshot=on,if=virtio',
                      self.dry('--test', str(small), env={'KTEST_DISK': 'virtio'}))
        self.assertIn(f'format=raw,file={big},snapshot=on',
                      self.dry('--test', str(big), '--disk', 'ide',
                               env={'KTEST_DISK': 'virtio'}))

    def test_bad_disk(self) -> None:
        result = self.run_tool('--disk', 'sata', 'u.img')
        self.assertEqual(result.returncode, 2)
        self.assertIn("invalid choice: 'sata'", result.stderr)
        result = self.run_tool('--test', 'u.img', env={'KTEST_DISK': 'scsi'})
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr, "run_qemu.py: error: environment variable KTEST_DISK: "
                                         "expected one of auto, virtio, ide, got 'scsi'\n")

    def test_commas_doubled(self) -> None:
        words = self.dry('a,b.img', '--cmdline', 'x=1,2')
        self.assertIn('format=raw,file=a,,b.img,snapshot=on', words)
        self.assertIn('name=opt/cmdline,string=x=1,,2', words)

    def test_environment_defaults(self) -> None:
        env = {'KTEST_IMAGE': 'e.img', 'KTEST_QEMU': '/opt/q', 'KTEST_MEMORY': '256',
               'KTEST_MACHINE': 'q35', 'KTEST_DISPLAY': 'curses'}
        words = self.dry(env=env)
        self.assertEqual(words[:5], ['/opt/q', '-machine', 'q35', '-m', '256'])
        self.assertIn('format=raw,file=e.img,snapshot=on', words)
        self.assertEqual(words[-2:], ['-display', 'curses'])
        self.assertEqual(self.dry('--memory', '32', env=env)[4], '32')

    def test_image_after_optional_value_options(self) -> None:
        words = self.dry('--shuffle', 'u.img')
        self.assertIn('format=raw,file=u.img,snapshot=on', words)
        self.assertRegex(words[-1], r'^name=opt/cmdline,string=ktest\.shuffle=[0-9]+$')
        self.assertIn('tcp::1234', self.dry('--gdb', 'u.img'))
        self.assertIn('tcp::4444', self.dry('u.img', '--gdb', '4444'))

    def test_keys_add_qmp_socket(self) -> None:
        words = self.dry('--keys', 'a', 'u.img')
        self.assertRegex(words[words.index('-qmp') + 1],
                         r'^unix:.*/qmp\.sock,server=on,wait=off$')

    def assert_usage_error(self, result: subprocess.CompletedProcess, text: str,
                           code: int = 2) -> None:
        """One line on stderr, no traceback, the right status."""
        self.assertEqual(result.returncode, code)
        self.assertEqual(result.stdout, '')
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        self.assertIn(text, result.stderr)
        self.assertTrue(result.stderr.startswith('run_qemu.py: error: '))

    def test_missing_qemu(self) -> None:
        image = self.image(PASSING)
        for args in (['--test', image], [image]):
            result = self.run_tool('--qemu', str(self.tmp / 'no-qemu'), *args, qemu=False,
                                   process=True)
            self.assert_usage_error(result, "install it with 'sudo apt-get install "
                                            "qemu-system-x86'")

    def test_missing_image(self) -> None:
        result = self.run_tool('--test', str(self.tmp / 'none.img'), process=True)
        self.assert_usage_error(result, "none.img; build it first with 'meson compile -C "
                                        "build'")

    def test_bad_options(self) -> None:
        image = self.image(PASSING)
        cases = [(['--memory', 'lots', image], "argument -m/--memory: expected a whole "
                                               "number >= 1, got 'lots'"),
                 (['--machine', 'isapc', image], "invalid choice: 'isapc'"),
                 (['--timeout', '-1', '--test', image], 'argument --timeout'),
                 (['--frobnicate', image], 'unrecognized arguments: --frobnicate'),
                 ([image, '--shuffle', 'x'], "--shuffle: expected a whole number, got 'x'"),
                 ([image, '--gdb', '99999'], '--gdb: 99999 is out of range 1..65535'),
                 ([image, '--filter', 'a,,b'], "--filter: bad glob ''"),
                 ([image, '--keys', 'shift-'], "--keys: bad key 'shift-'"),
                 ([image, '--test', '--display', 'window'], '--display and --headless are '
                                                            'run-mode options'),
                 ([], 'no IMAGE given and KTEST_IMAGE is not set')]
        for args, text in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.run_tool(*args), text)

    def test_bad_environment_value(self) -> None:
        result = self.run_tool(self.image(PASSING), env={'KTEST_MEMORY': 'big'},
                               process=True)
        self.assert_usage_error(result, "environment variable KTEST_MEMORY: expected a "
                                        "whole number >= 1, got 'big'")

    def test_help_documents_everything(self) -> None:
        result = self.run_tool('--help', qemu=False, process=True)
        self.assertEqual(result.returncode, 0)
        for word in ('--tap', '--keys', '--fresh-boot', 'KTEST_TIMEOUT', 'KTEST_IMAGE',
                     '77', '99', 'Ctrl-A then X', 'waiting for input'):
            self.assertIn(word, result.stdout)

    def test_run_mode_runs_qemu(self) -> None:
        result = self.run_tool(self.image('hello from COM1\n', 3), process=True)
        self.assertEqual((result.returncode, result.stdout), (3, 'hello from COM1\n'))
        self.assertIn('quit with Ctrl-A then X', result.stderr)
        self.assertIn('snapshot=on', ' '.join(self.runs()[0]['argv']))

    def test_gdb_hint(self) -> None:
        image = self.image('', 0, name='kernel.img')
        result = self.run_tool('--gdb', '4321', image, process=True)
        self.assertIn(f"gdb -ex 'target remote localhost:4321' {self.tmp}/kernel.elf "
                      f"(note: {self.tmp}/kernel.elf does not exist", result.stderr)
        (self.tmp / 'kernel.elf').write_text('')
        self.assertNotIn('(note:', self.run_tool('--gdb', image, process=True).stderr)


class ParserTest(unittest.TestCase):
    """The KTAP reader, in process."""

    def feed(self, text: str, list_mode: bool = False) -> run_qemu.KtapParser:
        """Feed every line of text to a new parser."""
        parser = run_qemu.KtapParser(list_mode)
        for line in text.splitlines():
            parser.feed(line)
        parser.finish()
        return parser

    def test_complete_run(self) -> None:
        parser = self.feed(FAILING)
        self.assertTrue(parser.complete)
        self.assertEqual([(r.name, r.status, r.duration_us) for r in parser.results()],
                         [('fmt.decimal', 'PASS', 10), ('fmt.hex', 'FAIL', 20),
                          ('heap.alloc', 'PASS', 10)])
        self.assertEqual(parser.results()[1].log,
                         ['hex: kernel/x_test.c:7: EXPECT_EQ(1, n) failed'])

    def test_kernel_layout_attribution(self) -> None:
        out = FAILING.replace('    # hex: kernel', '    # [info] log\n    # hex: kernel')
        parser = self.feed(out)
        decimal, hexa = parser.results()[:2]
        self.assertEqual((decimal.log, decimal.details), ([], []))
        self.assertEqual(hexa.log, ['[info] log',
                                    'hex: kernel/x_test.c:7: EXPECT_EQ(1, n) failed'])
        self.assertEqual((hexa.details, hexa.duration_us), ([], 20))

    def test_doc_layout_attribution(self) -> None:
        out = ktap(('fmt', ['ok decimal', 'not ok hex']), layout='doc')
        out = out.replace('    not ok 2 hex', '    # hex: about to fail\n    not ok 2 hex')
        parser = self.feed(out)
        decimal, hexa = parser.results()
        self.assertEqual((decimal.log, decimal.details), ([], []))
        self.assertEqual(hexa.log, ['hex: about to fail'])
        self.assertEqual(hexa.details, ['hex: kernel/x_test.c:7: EXPECT_EQ(1, n) failed'])
        self.assertEqual(hexa.duration_us, 20)

    def test_plan_listing_every_repeat(self) -> None:
        one = ktap(('fmt', ['ok a', 'ok b']), summary=False)
        header, body = one.split('1..1\n')
        out = header + '# plan: fmt.a\n# plan: fmt.b\n1..2\n' + body + \
            body.replace('ok 1 fmt', 'ok 2 fmt')
        parser = self.feed(out)
        self.assertTrue(parser.complete)
        self.assertEqual(len(parser.entries), 4)

    def test_packed_plan_lines(self) -> None:
        one = ktap(('fmt', ['ok a', 'ok b', 'ok c']), ('heap', ['ok d']), summary=False)
        header, body = one.split('1..2\n')
        header = header.split('# plan:')[0]
        out = header + '# plan: fmt.a b\n# plan: fmt.c\n# plan: heap.d\n1..2\n' + body
        parser = self.feed(out)
        self.assertTrue(parser.complete)
        self.assertEqual([e.name for e in parser.entries],
                         ['fmt.a', 'fmt.b', 'fmt.c', 'heap.d'])
        self.assertEqual([e.status() for e in parser.entries], ['PASS'] * 4)

    def test_packed_plan_names_cases_that_never_ran(self) -> None:
        out = ('KTAP version 1\n# plan: fmt.a b c\n1..1\n    KTAP version 1\n'
               '    # Subtest: fmt\n    1..3\n    # a: 3 us\n    ok 1 a\n')
        parser = self.feed(out)
        self.assertFalse(parser.complete)
        self.assertEqual([(e.name, e.status()) for e in parser.entries],
                         [('fmt.a', 'PASS'), ('fmt.b', 'NOT RUN'), ('fmt.c', 'NOT RUN')])

    def test_malformed_plan_lines(self) -> None:
        for line in ('# plan: fmt', '# plan: fmt.a b.c', '# plan: fmt.a  b', '# plan: fmt.a b ',
                     '# plan: fmt.a b[1]', '# plan: fmt.a[1] b', '# plan: 1fmt.a',
                     '# plan: fmt.a-b', '# plan: .a'):
            with self.subTest(line=line):
                with self.assertRaisesRegex(run_qemu.ProtocolError, 'malformed plan line'):
                    self.feed(f'KTAP version 1\n{line}\n1..1\n')

    def test_parameterized_plan_line(self) -> None:
        parser = run_qemu.KtapParser()
        for line in ('KTAP version 1', '# plan: fmt.width[w=1, pad _]', '# plan: fmt.width[x]'):
            parser.feed(line)
        self.assertEqual(parser.listed, ['fmt.width[w=1, pad _]', 'fmt.width[x]'])

    def test_events_come_at_once(self) -> None:
        for layout in ('kernel', 'doc'):
            parser = run_qemu.KtapParser()
            out = ktap(('fmt', ['ok decimal', 'not ok hex']), ('heap', ['ok alloc']),
                       layout=layout)
            events = [(number, event[0]) for number, line in enumerate(out.splitlines())
                      for event in parser.feed(line)]
            results = [number for number, kind in events if kind == 'result']
            entries = [number for number, kind in events if kind == 'entry']
            self.assertEqual(events[0][1], 'plan')
            # A case is over at its result (kernel layout), or at the duration
            # line after it (doc layout: one line later, two for the failure).
            after = [0, 0, 0] if layout == 'kernel' else [1, 2, 1]
            self.assertEqual([r + a for r, a in zip(results, after)], entries)

    def test_input_prompt_event(self) -> None:
        parser = self.feed(HEADER)
        self.assertEqual(parser.feed('    # ktest: waiting for input'), [('input', None)])

    def test_list_mode(self) -> None:
        parser = self.feed(ModeTest.LIST, list_mode=True)
        self.assertTrue(parser.complete)
        self.assertEqual(parser.listed, ['fmt.decimal', 'fmt.hex', 'heap.alloc'])

    def test_bad_indentation(self) -> None:
        with self.assertRaisesRegex(run_qemu.ProtocolError, 'malformed line'):
            self.feed(HEADER + '  ok 1 decimal\n')

    def test_blank_line(self) -> None:
        with self.assertRaisesRegex(run_qemu.ProtocolError, 'malformed line'):
            self.feed(HEADER + '\n')


@unittest.skipUnless(shutil.which('meson'), 'meson is not installed')
class MesonTest(ToolTest):
    """meson test scores the --tap output: OK, FAIL, SKIP, ERROR, never wrongly OK."""

    def test_meson_scores(self) -> None:
        images = {'pass': (PASSING, 33), 'fail': (FAILING, 35), 'skip': (SKIPPING, 33),
                  'crash': (HEADER + '    ok 1 decimal\n', 0), 'liar': (FAILING, 33),
                  'timeout': (ktap(('fmt', ['not ok hex # TIMEOUT after 1 ms'])), 35)}
        src = self.tmp / 'project'
        src.mkdir()
        tests = ''.join(
            f"test('{name}', python, args: [tool, '--tap', '{self.image(out, code, name=name)}',"
            f" '--qemu', '{self.qemu}'], protocol: 'tap')\n"
            for name, (out, code) in images.items())
        (src / 'meson.build').write_text(
            f"project('t', [])\npython = find_program('{sys.executable}')\n"
            f"tool = files('{TOOL}')\n{tests}")
        build = self.tmp / 'build'
        subprocess.run(['meson', 'setup', str(build), str(src)], check=True,
                       capture_output=True)
        subprocess.run(['meson', 'test', '-C', str(build)], capture_output=True)
        log = json.loads('[' + ','.join((build / 'meson-logs/testlog.json').read_text()
                                         .splitlines()) + ']')
        scores = {entry['name']: entry['result'] for entry in log}
        self.assertEqual(scores, {'pass': 'OK', 'fail': 'FAIL', 'skip': 'SKIP',
                                  'crash': 'ERROR', 'liar': 'ERROR', 'timeout': 'FAIL'})


def boot_sector(text: bytes, status_value: int, wait_key: bool) -> bytes:
    """A boot sector that prints text on COM1 and writes status_value to port 0xf4.

    With wait_key it stops after the first line containing 'input' until a key
    arrives on the PS/2 controller. 16-bit real mode, assembled by hand.
    """
    first, _, rest = text.partition(b'input\n') if wait_key else (text, b'', b'')
    first += b'input\n' if wait_key else b''

    def print_at(code: bytearray) -> int:
        """Append a print loop; return where its message address goes."""
        code += b'\xbe\x00\x00\xba\xf8\x03'               # mov si, MSG; mov dx, 0x3f8
        code += b'\xac\x84\xc0\x74\x03\xee\xeb\xf8'       # lodsb; test al,al; jz +3; out; jmp
        return len(code) - 13
    code = bytearray(b'\xfa\x31\xc0\x8e\xd8')             # cli; xor ax,ax; mov ds,ax
    fixes = [print_at(code)]
    if wait_key:
        code += b'\xe4\x64\xa8\x01\x74\xfa\xe4\x60'      # poll port 0x64, read port 0x60
        fixes.append(print_at(code))
    code += b'\xba\xf4\x00\x66\xb8' + struct.pack('<I', status_value) + b'\x66\xef'
    code += b'\xf4\xeb\xfd'                               # hlt; jmp back
    for fix, message in zip(fixes, (first, rest)):
        struct.pack_into('<H', code, fix, 0x7c00 + len(code))
        code += message + b'\0'
    return bytes(code.ljust(510, b'\0') + b'\x55\xaa')


@unittest.skipUnless(shutil.which('qemu-system-x86_64'), 'QEMU is not installed')
class RealQemuTest(unittest.TestCase):
    """Boot real QEMU: the serial pipe, isa-debug-exit, fw_cfg and QMP keys work."""

    def run_image(self, text: str, status_value: int, *args: str,
                  wait_key: bool = False) -> subprocess.CompletedProcess:
        """Boot a boot sector printing text with the real QEMU."""
        with tempfile.TemporaryDirectory() as tmp:
            image = Path(tmp) / 'boot.img'
            image.write_bytes(boot_sector(text.encode(), status_value, wait_key))
            return subprocess.run([sys.executable, str(TOOL), '--test', str(image), *args],
                                  capture_output=True, text=True, timeout=60,
                                  stdin=subprocess.DEVNULL)

    def test_pass(self) -> None:
        result = self.run_image(PASSING, 0x10, '--cmdline', 'a,b')
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_fail(self) -> None:
        self.assertEqual(self.run_image(FAILING, 0x11).returncode, 1)

    def test_keys(self) -> None:
        out = HEADER + '    # ktest: waiting for input\n' + \
            PASSING.split('    # Subtest: fmt\n    1..2\n')[1]
        result = self.run_image(out, 0x10, '--keys', 'shift-a ret', '--timeout', '5',
                                wait_key=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


if __name__ == '__main__':
    unittest.main()


class ExecTest(ToolTest):
    """--exec: a native ktest executable (host test) instead of QEMU."""

    def program(self, out: str, status: int) -> str:
        """An executable that records its arguments, prints out, exits with status."""
        path = self.tmp / 'host_test'
        path.write_text(f'#!{sys.executable}\n'
                        'import json, sys\n'
                        f'open({str(self.record)!r}, "a").write(json.dumps(sys.argv[1:]) + "\\n")\n'
                        f'sys.stdout.write({out!r})\n'
                        f'sys.exit({status})\n')
        path.chmod(0o755)
        return str(path)

    def test_pass_and_words_as_arguments(self) -> None:
        exe = self.program(PASSING, 0)
        result = self.run_tool(exe, '--exec', '--filter', 'fmt.*', '--shuffle', '7',
                               qemu=False)
        self.assert_verdict(result, 0, 'PASS')
        self.assertEqual(self.runs(), [['ktest.filter=fmt.*', 'ktest.shuffle=7']])

    def test_failure_status_1(self) -> None:
        result = self.run_tool(self.program(FAILING, 1), '--exec', qemu=False)
        self.assert_verdict(result, 1, 'FAIL')

    def test_status_0_with_a_failure_is_error(self) -> None:
        result = self.run_tool(self.program(FAILING, 0), '--exec', qemu=False)
        self.assert_verdict(result, 99, 'ERROR')

    def test_sanitizer_abort_is_error(self) -> None:
        result = self.run_tool(self.program(PASSING, 134), '--exec', qemu=False)
        self.assert_verdict(result, 99, 'ERROR')

    def test_error_status_2_is_error(self) -> None:
        result = self.run_tool(self.program('KTAP version 1\n# ktest: bad option\n', 2),
                               '--exec', qemu=False)
        self.assert_verdict(result, 99, 'ERROR')

    def test_exec_refuses_keys(self) -> None:
        result = self.run_tool(self.program(PASSING, 0), '--exec', '--keys', 'a', qemu=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn('--exec runs a host test', result.stderr)

    def test_timeout_kills_forked_cases(self) -> None:
        pidfile = self.tmp / 'child.pid'
        path = self.tmp / 'hangs'
        path.write_text(f'#!{sys.executable}\n'
                        'import os, sys, time\n'
                        'sys.stdout.write("KTAP version 1\\n"); sys.stdout.flush()\n'
                        'pid = os.fork()\n'
                        'if pid == 0:\n'
                        '    time.sleep(60); os._exit(0)\n'
                        f'open({str(pidfile)!r}, "w").write(str(pid))\n'
                        'time.sleep(60)\n')
        path.chmod(0o755)
        result = self.run_tool(str(path), '--exec', '--timeout', '0.5', qemu=False)
        self.assert_verdict(result, 99, 'ERROR')
        child = int(pidfile.read_text())
        for _ in range(50):
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            import time
            time.sleep(0.05)
        else:
            self.fail(f'forked case process {child} still runs after the timeout')
