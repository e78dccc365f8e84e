#!/usr/bin/env python3
"""Tests of test mode's verdicts (tools/harness/session.py) through the real
tool against fake QEMU (fake_qemu.py): every case's status, the reboots
after a case that crashes, the kernel's restart exit, keys typed through
QMP, and the run errors when what an image says does not add up. Hung
cases are test_timeouts.py's. Also the firmware's text before a UEFI boot.

Run: python3 tools/tests/test_session.py (meson: suite `harness`).
"""

from __future__ import annotations

import json
import unittest
from typing import Optional
from unittest import mock

from harness_support import (FAILING, FAILURE, PASSING, QEMU_ERROR, QEMU_FAIL, QEMU_PASS,
                             QEMU_RESET, QEMU_RESTART, SKIPPING, Ktap, ToolTest, no_match,
                             when)
from harness import boot

FOUR = Ktap('fmt.decimal', 'fmt.hex', 'fmt.oct', 'heap.alloc',
            logs={'fmt.hex': ['| about to crash', 'hex: step 1']})


class VerdictTest(ToolTest):
    """Complete runs: PASS, FAIL, SKIP (exit 0 / 1 / 77) and their report."""

    def test_pass(self) -> None:
        result = self.run_tool('--test', self.image(PASSING.boot()), process=True)
        self.assert_verdict(result, 0, 'PASS: 3 cases passed')
        self.assertIn('PASS fmt.decimal (10 us)\nPASS fmt.hex (20 us)\nPASS heap.alloc (10 us)\n'
                      '3 passed, 0 failed, 0 skipped\n', result.stdout)
        self.assertEqual(len(self.runs()), 1)

    def test_fail_shows_the_case_diagnostics(self) -> None:
        result = self.run_tool('--test', self.image(FAILING.boot(), QEMU_FAIL))
        self.assert_verdict(result, 1, 'FAIL: 1 of 3 cases failed')
        self.assertIn(f'FAIL fmt.hex (20 us)\n    {FAILURE}\nPASS heap.alloc', result.stdout)
        self.assertIn('2 passed, 1 failed, 0 skipped\n', result.stdout)

    def test_all_skipped(self) -> None:
        result = self.run_tool('--test', self.image(SKIPPING.boot()))
        self.assert_verdict(result, 77, 'SKIP: all 2 cases were skipped')
        self.assertIn('SKIP fmt.decimal: no FPU (10 us)', result.stdout)

    def test_some_skipped_is_a_pass(self) -> None:
        out = Ktap('fmt.decimal', 'ok fmt.hex # SKIP later').boot()
        self.assert_verdict(self.run_tool('--test', self.image(out)), 0, 'PASS: 1 case passed')

    def test_kernel_timeout_is_a_failure(self) -> None:
        out = Ktap('fmt.decimal', 'not ok fmt.hex # TIMEOUT ran past 5 ms').boot()
        result = self.run_tool('--test', self.image(out, QEMU_FAIL))
        self.assert_verdict(result, 1, 'FAIL: 1 of 2 cases failed')
        self.assertIn('TIMEOUT fmt.hex: ran past 5 ms (20 us)', result.stdout)

    def test_no_case_matches_the_filter(self) -> None:
        result = self.run_tool('--test', '--filter', 'nope.*',
                               self.image(no_match('nope.*')))
        self.assert_verdict(result, 77, 'SKIP: no case matches the filter')

    def test_no_case_matches_a_filter_from_the_command_line(self) -> None:
        result = self.run_tool('--test', '--cmdline', 'ktest.filter=nope.*',
                               self.image(no_match('nope.*')))
        self.assert_verdict(result, 77, 'SKIP: no case matches the filter')

    def test_an_image_without_cases(self) -> None:
        out = ('KTAP version 1\n' + PASSING.header()[1] +
               '\n# ktest: error: no test cases in this image\n')
        result = self.run_tool('--test', self.image(out, QEMU_ERROR))
        self.assert_verdict(result, 99, 'ERROR: no test cases in this image')

    def test_run_error_after_the_cases(self) -> None:
        out = FAILING.boot() + '# ktest: error: 1 failure(s) outside any case\n'
        result = self.run_tool('--test', self.image(out, QEMU_ERROR))
        self.assert_verdict(result, 99, 'ERROR: 1 failure(s) outside any case')
        self.assertIn('FAIL fmt.hex', result.stdout)
        self.assertIn('    | # ktest: error: 1 failure(s) outside any case\n', result.stdout)

    def test_text_of_a_failed_case_is_cut(self) -> None:
        log = [f'| line {i}' for i in range(30)] + [f'hex: {FAILURE}']
        out = Ktap('fmt.decimal', 'not ok fmt.hex', logs={'fmt.hex': log}).boot()
        result = self.run_tool('--test', self.image(out, QEMU_FAIL))
        self.assertIn('FAIL fmt.hex (20 us)\n    (10 earlier lines of text not shown)\n'
                      '    | line 10\n', result.stdout)
        self.assertIn(f'    | line 29\n    {FAILURE}\n', result.stdout)

    def test_log_shows_every_case_log(self) -> None:
        out = Ktap('fmt.decimal', logs={'fmt.decimal': ['decimal: said', '| printed']}).boot()
        quiet = self.run_tool('--test', self.image(out))
        self.assertNotIn('said', quiet.stdout)
        result = self.run_tool('--test', '--log', self.image(out))
        self.assertIn('PASS fmt.decimal (10 us)\n    said\n    | printed\n', result.stdout)


class ConsistencyTest(ToolTest):
    """What an image says must add up, or the run is an ERROR (exit 99)."""

    def test_pass_exit_with_a_failure(self) -> None:
        result = self.run_tool('--test', self.image(FAILING.boot(), QEMU_PASS))
        self.assert_verdict(result, 99, 'ERROR: exit code "pass" says every case passed, '
                                        'but 1 failed')

    def test_fail_exit_without_a_failure(self) -> None:
        result = self.run_tool('--test', self.image(PASSING.boot(), QEMU_FAIL))
        self.assert_verdict(result, 99, 'ERROR: exit code "fail" says a case failed, but '
                                        'none did')

    def test_options_echo_must_match_the_words_passed(self) -> None:
        image = self.image(PASSING.boot())
        for args, passed in ((['--filter', 'fmt.*,heap.*'], 'ktest.filter=fmt.*,heap.*'),
                             (['--case-timeout', '500'], 'ktest.timeout=500'),
                             (['--shuffle', '7'], 'ktest.shuffle=7'),
                             (['--cmdline', 'ktest.repeat=2'], 'ktest.repeat=2')):
            with self.subTest(args=args):
                result = self.run_tool('--test', image, *args)
                key = passed.split('=')[0]
                read = PASSING.header()[1].split(f'{key}=')[1].split(' ')[0]
                self.assert_verdict(result, 99, f'ERROR: the image read {key}={read}, the '
                                                f'harness passed {passed}')

    def test_options_echo_checked_in_a_boot_that_crashes(self) -> None:
        result = self.run_tool('--test', self.image(FOUR.boot(crash_at=3), QEMU_RESET),
                               '--filter', '*')
        self.assert_verdict(result, 99, 'ERROR: the image read ktest.filter=, the harness '
                                        'passed ktest.filter=*')

    def test_options_echo_is_required(self) -> None:
        out = PASSING.boot().replace(PASSING.header()[1] + '\n', '')
        result = self.run_tool('--test', self.image(out))
        self.assert_verdict(result, 99, 'ERROR: protocol error: no "# ktest: options" line '
                                        'before the plan')

    def test_summary_must_count_the_results(self) -> None:
        out = FAILING.boot().replace('2 passed, 1 failed', '3 passed, 0 failed')
        result = self.run_tool('--test', self.image(out, QEMU_FAIL))
        self.assert_verdict(result, 99, 'ERROR: the summary counts (3, 0, 0, 0) but the '
                                        'results are (2, 1, 0, 0)')
        out = PASSING.boot(summary=False)
        self.assert_verdict(self.run_tool('--test', self.image(out)), 99,
                            'ERROR: no summary line')

    def test_other_exit_statuses(self) -> None:
        for status, reason in ((1, 'exit status 1 after the last case, which is not a ktest '
                                   'exit'),
                               (QEMU_RESTART, 'exit code "restart" after the last case, not '
                                              'written by ktest'),
                               (QEMU_RESET, 'the machine reset after the last case')):
            with self.subTest(status=status):
                result = self.run_tool('--test', self.image(PASSING.boot(), status))
                self.assert_verdict(result, 99, f'ERROR: {reason}')

    def test_no_output(self) -> None:
        result = self.run_tool('--test', self.image('', QEMU_PASS))
        self.assert_verdict(result, 99, 'ERROR: no output, although it exited with "pass"')

    def test_qemu_stderr_is_shown(self) -> None:
        image = self.image(steps_=[{'err': 'qemu: could not load PC BIOS\n'}, {'exit': 1}])
        result = self.run_tool('--test', image)
        self.assert_verdict(result, 99, 'ERROR: exit status 1 before any output, which is '
                                        'not a ktest exit')
        self.assertIn('  stderr:\n    | qemu: could not load PC BIOS\n', result.stdout)

    def test_protocol_errors_outside_a_case(self) -> None:
        for out, reason in ((PASSING.boot() + 'hello\n', "unexpected line after the last "
                                                         "suite: 'hello'"),
                            (PASSING.boot().split('\n', 1)[1], "expected 'KTAP version 1'"),
                            (PASSING.boot() + '# ktest: bye', 'the output ended in the '
                                                              'middle of a line after')):
            with self.subTest(reason=reason):
                result = self.run_tool('--test', self.image(out))
                self.assert_verdict(result, 99, 'ERROR: ')
                self.assertIn(reason, result.stdout)


class RebootTest(ToolTest):
    """A case that stops the machine is CRASHED; the image boots again after it."""

    def crashing(self, status: int = QEMU_RESET) -> str:
        """FOUR, whose case 2 ends the boot with status; the boot with
        ktest.start=2 runs the rest."""
        return self.image(FOUR.boot(crash_at=1), status, when_=[
            when('ktest.start=2', FOUR.boot(start=2))])

    def test_crashed_case_and_reboot(self) -> None:
        result = self.run_tool('--test', self.crashing(), '--memory', '64')
        self.assert_verdict(result, 1, 'FAIL: 1 of 4 cases failed')
        self.assertIn('PASS fmt.decimal (10 us)\nCRASHED fmt.hex: the machine reset while '
                      'running case fmt.hex (triple fault?) instead of writing an exit code\n'
                      '    | about to crash\n    step 1\nPASS fmt.oct (30 us)\n'
                      'PASS heap.alloc (10 us)\n', result.stdout)
        first, second = self.runs()
        self.assertNotIn('-fw_cfg', first['argv'])
        at = second['argv'].index('-fw_cfg')
        self.assertEqual(second['argv'][at:at + 2], ['-fw_cfg', 'name=opt/cmdline,string='
                                                                'ktest.start=2'])
        self.assertEqual(second['argv'][:at] + second['argv'][at + 2:], first['argv'])
        self.assertIn('-no-reboot', first['argv'])

    def test_words_of_every_boot(self) -> None:
        run = Ktap(*[case.full for case in FOUR.cases],
                   options={'ktest.filter': '*', 'ktest.timeout': '900'})
        image = self.image(run.boot(crash_at=1), QEMU_RESET,
                           when_=[when('ktest.start=2', run.boot(start=2))])
        result = self.run_tool('--test', image, '--filter', '*', '--case-timeout', '900',
                               '--cmdline', 'log=debug')
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertEqual(self.cmdlines(), ['ktest.filter=* ktest.timeout=900 log=debug',
                                           'ktest.filter=* ktest.timeout=900 ktest.start=2 '
                                           'log=debug'])

    def test_how_a_case_stops_the_machine(self) -> None:
        for status, reason in ((QEMU_PASS, 'exit code "pass" while running case fmt.hex, not '
                                           'written by ktest'),
                               (QEMU_ERROR, 'exit code "error" while running case fmt.hex'),
                               (QEMU_RESTART, 'exit code "restart" while running case fmt.hex'),
                               (3, 'exit status 3 while running case fmt.hex, which is not a '
                                   'ktest exit')):
            with self.subTest(status=status):
                result = self.run_tool('--test', self.crashing(status))
                self.assert_verdict(result, 1, 'FAIL: 1 of 4 cases failed')
                self.assertIn(f'CRASHED fmt.hex: {reason}', result.stdout)

    def test_killed_qemu(self) -> None:
        image = self.image(steps_=[{'out': FOUR.boot(crash_at=1)}, {'kill': 9}],
                           when_=[when('ktest.start=2', FOUR.boot(start=2))])
        result = self.run_tool('--test', image)
        self.assertIn('CRASHED fmt.hex: killed by signal 9 while running case fmt.hex',
                      result.stdout)

    def test_broken_output_mid_case(self) -> None:
        for tail, status, reason in (
                ('    ok 2 hex\n', None, 'protocol error: case fmt.hex: no duration line '
                                         'before its result (while running case fmt.hex)'),
                ('    # | \x00\n', None, 'protocol error: garbage on the serial port'),
                ('    # | half a li', QEMU_PASS, 'the output ended in the middle of a line '
                                                 'while running case fmt.hex')):
            with self.subTest(reason=reason):
                image = self.image(FOUR.boot(crash_at=1) + tail, status, when_=[
                    when('ktest.start=2', FOUR.boot(start=2))])
                result = self.run_tool('--test', image)
                self.assert_verdict(result, 1, 'FAIL: 1 of 4 cases failed')
                self.assertIn(f'CRASHED fmt.hex: {reason}', result.stdout)

    def test_crash_of_the_last_case_ends_the_run(self) -> None:
        result = self.run_tool('--test', self.image(FOUR.boot(crash_at=3), QEMU_RESET))
        self.assert_verdict(result, 1, 'FAIL: 1 of 4 cases failed')
        self.assertIn('CRASHED heap.alloc: the machine reset', result.stdout)
        self.assertEqual(len(self.runs()), 1)

    def test_every_case_crashes(self) -> None:
        crashes = [when(f'ktest.start={i}', FOUR.boot(start=i, crash_at=i), QEMU_RESET)
                   for i in range(1, 4)]
        result = self.run_tool('--test', self.image(FOUR.boot(crash_at=0), QEMU_RESET,
                                                    when_=crashes))
        self.assert_verdict(result, 1, 'FAIL: 4 of 4 cases failed')
        self.assertEqual(result.stdout.count('CRASHED '), 4)
        self.assertEqual(self.cmdlines(), ['', 'ktest.start=1', 'ktest.start=2',
                                           'ktest.start=3'])

    def test_max_boots(self) -> None:
        crashes = [when(f'ktest.start={i}', FOUR.boot(start=i, crash_at=i), QEMU_RESET)
                   for i in range(1, 4)]
        image = self.image(FOUR.boot(crash_at=0), QEMU_RESET, when_=crashes)
        result = self.run_tool('--test', image, '--max-boots', '2')
        self.assert_verdict(result, 99, 'ERROR: gave up after 2 boots (--max-boots)')
        self.assertIn('CRASHED fmt.decimal: the machine reset', result.stdout)
        self.assertIn('CRASHED fmt.hex: the machine reset', result.stdout)
        self.assertIn('NOT RUN fmt.oct: gave up after 2 boots (--max-boots)\n'
                      'NOT RUN heap.alloc\n', result.stdout)
        self.assertIn('0 passed, 2 failed, 0 skipped, 2 not run', result.stdout)
        self.assertEqual(len(self.runs()), 2)


class RestartTest(ToolTest):
    """The kernel's own restart exit: the case gets its result, and the
    image boots again from the next one."""

    RUN = Ktap('fmt.decimal', 'not ok fmt.hex', 'fmt.oct', 'heap.alloc',
               logs={'fmt.hex': ['hex: left behind: a change that cannot be undone']})

    def test_restart(self) -> None:
        # The resumed boot's exit code counts only its own results.
        image = self.image(self.RUN.boot(restart_after=1), QEMU_RESTART,
                           when_=[when('ktest.start=2', self.RUN.boot(start=2), QEMU_PASS)])
        result = self.run_tool('--test', '--json', str(self.tmp / 'r.json'), image)
        self.assert_verdict(result, 1, 'FAIL: 1 of 4 cases failed')
        self.assertIn('PASS fmt.decimal (10 us)\nFAIL fmt.hex (20 us)\n    left behind: a '
                      'change that cannot be undone\nPASS fmt.oct (30 us)\nPASS heap.alloc',
                      result.stdout)
        self.assertEqual(self.cmdlines(), ['', 'ktest.start=2'])
        report = json.loads((self.tmp / 'r.json').read_text())
        self.assertEqual((report['boots'], len(report['results'])), (2, 4))

    def test_restart_after_the_last_case(self) -> None:
        image = self.image(self.RUN.boot(restart_after=3), QEMU_RESTART)
        result = self.run_tool('--test', image)
        self.assert_verdict(result, 1, 'FAIL: 1 of 4 cases failed')
        self.assertEqual(len(self.runs()), 1)

    def test_restart_must_name_the_next_result(self) -> None:
        for said in (0, 1, 3):
            with self.subTest(said=said):
                out = self.RUN.boot(restart_after=1).replace('ktest.start=2:',
                                                             f'ktest.start={said}:')
                image = self.image(out, QEMU_RESTART, when_=[
                    when(f'ktest.start={said}', self.RUN.boot(start=said), QEMU_PASS)])
                result = self.run_tool('--test', image)
                self.assert_verdict(result, 99, f'ERROR: the image restarts at '
                                                f'ktest.start={said} after 2 results')
                self.assertEqual(len(self.runs()), 1)
                self.record.unlink()

    def test_resumed_boot_must_skip_what_ran(self) -> None:
        resumed = self.RUN.boot(start=2).replace('ok 1 decimal # SKIP before ktest.start',
                                                 'ok 1 decimal')
        image = self.image(self.RUN.boot(restart_after=1), QEMU_RESTART,
                           when_=[when('ktest.start=2', resumed, QEMU_PASS)])
        result = self.run_tool('--test', image)
        self.assert_verdict(result, 99, 'ERROR: the image ran cases before ktest.start=2')

    def test_resumed_boot_must_plan_the_same(self) -> None:
        other = Ktap('fmt.decimal', 'fmt.hex', 'heap.alloc')
        image = self.image(self.RUN.boot(restart_after=1), QEMU_RESTART,
                           when_=[when('ktest.start=2', other.boot(start=2))])
        result = self.run_tool('--test', image)
        self.assert_verdict(result, 99, 'ERROR: a boot planned fmt.decimal, fmt.hex, '
                                        'heap.alloc, not the 4 cases planned before')
        self.assertIn('NOT RUN fmt.oct: a boot planned', result.stdout)

    def test_resumed_boot_crashing_too_early(self) -> None:
        image = self.image(self.RUN.boot(restart_after=1), QEMU_RESTART,
                           when_=[when('ktest.start=2', self.RUN.boot(start=2, crash_at=1),
                                       QEMU_RESET)])
        result = self.run_tool('--test', image)
        self.assert_verdict(result, 99, 'ERROR: the machine reset while running case fmt.hex '
                                        '(triple fault?) instead of writing an exit code, '
                                        'before ktest.start=2 was reached')


PROMPT = '    # ktest: waiting for input\n'


def prompting(run: Ktap, at: int, keys: int, keys_log: str, start: int = 0,
              then: Optional[str] = None, status: int = QEMU_PASS) -> list[dict]:
    """Steps of a boot of run whose case at asks for input and waits for
    that many keys, then prints the rest of the boot (or then) and exits."""
    head = run.boot(start=start, crash_at=at)
    rest = run.boot(start=start)[len(head):] if then is None else then
    return [{'out': head + PROMPT}, {'keys': keys, 'log': keys_log}, {'out': rest},
            {'exit': status}]


class KeysTest(ToolTest):
    """--keys: typed through QMP when a case asks for input."""

    RUN = Ktap('keyboard.first', 'keyboard.second', 'keyboard.third')

    def typed(self) -> list[list]:
        """Each key fake QEMU received, as a list of QMP key values."""
        return [json.loads(line) for line in (self.tmp / 'keys.jsonl').read_text().splitlines()]

    def test_keys_typed_at_the_prompt(self) -> None:
        image = self.image(steps_=prompting(self.RUN, 1, 3, str(self.tmp / 'keys.jsonl')))
        result = self.run_tool('--test', '--keys', 'a shift-a 0x1e', image)
        self.assert_verdict(result, 0, 'PASS: 3 cases passed')
        self.assertEqual(self.typed(), [['a'], ['shift', 'a'], [30]])
        argv = self.runs()[0]['argv']
        self.assertRegex(argv[argv.index('-qmp') + 1], r'^unix:.*/qmp\.sock,server=on,wait=off$')

    def test_each_prompt_takes_the_next_spec_across_boots(self) -> None:
        log = str(self.tmp / 'keys.jsonl')
        crash = self.RUN.boot(crash_at=1)[len(self.RUN.boot(crash_at=0)):]
        image = self.image(steps_=prompting(self.RUN, 0, 1, log, then=crash, status=QEMU_RESET),
                           when_=[{'cmdline': 'ktest.start=2',
                                   'steps': prompting(self.RUN, 2, 1, log, start=2)}])
        result = self.run_tool('--test', '--keys', 'a', '--keys', 'b', image)
        self.assert_verdict(result, 1, 'FAIL: 1 of 3 cases failed')
        self.assertIn('CRASHED keyboard.second', result.stdout)
        self.assertEqual(self.typed(), [['a'], ['b']])

    def test_a_refused_key_is_a_run_error(self) -> None:
        image = self.image(steps_=[{'out': self.RUN.boot(crash_at=1) + PROMPT},
                                   {'keys': 1, 'log': str(self.tmp / 'keys.jsonl')},
                                   {'hang': True}])
        result = self.run_tool('--test', '--keys', 'nosuchkey', image)
        self.assert_verdict(result, 99, "ERROR: could not type --keys 'nosuchkey': QEMU "
                                        "refused key 'nosuchkey'")
        self.assertIn('NOT RUN keyboard.second', result.stdout)
        self.assertEqual(len(self.runs()), 1)

    def test_no_socket_without_keys(self) -> None:
        self.run_tool('--test', self.image(self.RUN.boot()))
        self.assertNotIn('-qmp', self.runs()[0]['argv'])



class FirmwarePreludeTest(ToolTest):
    """--boot uefi: OVMF writes its own text and terminal escapes to COM1
    before our loader runs; the harness reads from the image's first line.
    Booted any other way, the same bytes are garbage."""

    PRELUDE = (b'\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: loading Boot0001 '
               b'"UEFI Misc Device" from PciRoot(0x0)/Pci(0x3,0x0)\r\nBdsDxe: starting\r\n')

    def prelude_image(self, out: str, status: int = QEMU_PASS, joined: bool = False) -> str:
        """Firmware text, then out (on the firmware's last line if joined)."""
        raw = self.PRELUDE[:-2] if joined else self.PRELUDE
        return self.image(steps_=[{'raw': raw.hex()}, {'out': out}, {'exit': status}])

    def test_uefi_skips_the_firmware_text(self) -> None:
        for joined in (False, True):
            with self.subTest(joined=joined):
                image = self.prelude_image(PASSING.boot(), joined=joined)
                result = self.run_tool('--test', image, '--boot', 'uefi', '--ovmf', image)
                self.assert_verdict(result, 0, 'PASS: 3 cases passed')
                self.assertIn(f'-bios {image}', ' '.join(self.runs()[-1]['argv']))

    def test_other_boots_call_it_garbage(self) -> None:
        result = self.run_tool('--test', self.prelude_image(PASSING.boot()))
        self.assert_verdict(result, 99, 'ERROR: protocol error: garbage on the serial port')

    def test_a_loader_error_after_the_firmware_is_shown(self) -> None:
        image = self.image(steps_=[{'raw': self.PRELUDE.hex()},
                                   {'out': 'loader: cannot open EFI/ktest/kernel.elf\n'},
                                   {'hang': True}])
        with mock.patch.object(boot, 'FIRMWARE_LIMIT_S', 0.5):
            result = self.run_tool('--test', image, '--boot', 'uefi', '--ovmf', image)
        self.assert_verdict(result, 99, 'ERROR: no result for 0.5 s before any output')
        self.assertIn('| loader: cannot open EFI/ktest/kernel.elf', result.stdout)


if __name__ == '__main__':
    unittest.main()
