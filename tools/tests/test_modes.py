#!/usr/bin/env python3
"""Tests of test mode's selections (tools/harness/session.py) through the
real tool against fake QEMU: --list, --fresh-boot (each case from a restored
snapshot, or one boot per case), --shuffle, --repeat and --retries, and the
words each boot or run gets.

Run: python3 tools/tests/test_modes.py (meson: suite `harness`).
"""

from __future__ import annotations

import json
import re
import unittest

from harness_support import (FAILURE, PASSING, QEMU_FAIL, QEMU_PASS, QEMU_RESET, Ktap,
                             ToolTest, echoing, fresh_run, rerun_lines, when)

THREE = Ktap('fmt.decimal', 'not ok fmt.hex', 'heap.alloc')


def exact_glob(name: str) -> str:
    """The filter glob selecting only the result name, as the harness
    writes it: a space, comma, '*' or '?' as a backslash and its code."""
    return re.sub(r'[ ,*?]', lambda m: f'\\{ord(m.group()):02x}', name)


def fresh_when(run: Ktap, crash: str = '') -> list[dict]:
    """Scenario entries of an image that lists run's cases and runs
    whichever one a boot's filter names; the case crash crashes."""
    entries = [{'cmdline': 'ktest.list', 'steps': echoing(run.listing())}]
    for case in run.cases:
        glob = exact_glob(case.full)
        one = Ktap(case.spec, logs={case.full: case.log}, options={'ktest.filter': glob})
        status = QEMU_PASS if case.ok else QEMU_FAIL
        out, status = ((one.boot(crash_at=0), QEMU_RESET) if case.full == crash
                       else (one.boot(), status))
        entries.append({'cmdline': f'ktest.filter={glob}', 'steps': echoing(out, status)})
    return entries


def snapshot_when(run: Ktap, crash: str = '', hang: str = '', exits: str = '') -> list[dict]:
    """Scenario entries of a snapshot machine that lists run's cases and
    runs whichever one a run's filter names: case crash resets the machine,
    hang hangs it, exits writes the passing exit code itself."""
    entries = [{'cmdline': 'ktest.list', 'steps': fresh_run(run.listing())}]
    for case in run.cases:
        glob = exact_glob(case.full)
        one = Ktap(case.spec, logs={case.full: case.log}, options={'ktest.filter': glob})
        if case.full in (crash, hang, exits):
            status = QEMU_RESET if case.full == crash else None
            played = fresh_run(one.boot(crash_at=0), status)
            if case.full == exits:
                played[-1] = {'exit': QEMU_PASS}
        else:
            played = fresh_run(one.boot(), QEMU_PASS if case.ok else QEMU_FAIL)
        entries.append({'cmdline': f'ktest.filter={glob}', 'steps': played})
    return entries


class ListTest(ToolTest):
    """--list: the selected names, one per line, from a ktest.list boot."""

    def test_list(self) -> None:
        run = Ktap(*PASSING.names, options={'ktest.filter': 'fmt.*,heap.*'})
        result = self.run_tool('--list', self.image(run.listing()), '--filter', 'fmt.*,heap.*')
        self.assertEqual((result.returncode, result.stdout),
                         (0, 'fmt.decimal\nfmt.hex\nheap.alloc\n'))
        self.assertEqual(self.cmdlines(), ['ktest.filter=fmt.*,heap.* ktest.list'])

    def test_list_in_shuffled_order(self) -> None:
        result = self.run_tool('--list', self.image(steps_=echoing(PASSING.listing())),
                               '--shuffle', '9', '--repeat', '3')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.cmdlines(), ['ktest.shuffle=9 ktest.list'])

    def test_list_failure(self) -> None:
        result = self.run_tool('--list', self.image(PASSING.listing(), QEMU_RESET))
        self.assertEqual((result.returncode, result.stdout), (99, ''))
        self.assertEqual(result.stderr, 'run_qemu.py: error: could not list the cases: the '
                                        'machine reset after the last case (triple fault?) '
                                        'instead of writing an exit code\n')

    def test_list_must_echo_its_words(self) -> None:
        result = self.run_tool('--list', self.image(PASSING.listing()), '--filter', 'fmt.*')
        self.assertEqual(result.returncode, 99)
        self.assertIn('the image read ktest.filter=, the harness passed ktest.filter=fmt.*',
                      result.stderr)


class FreshBootTest(ToolTest):
    """--fresh-boot=boot: list the cases, then one boot per case, merged."""

    def test_boots_merge(self) -> None:
        image = self.image(when_=fresh_when(THREE))
        result = self.run_tool('--tap', '--fresh-boot=boot', image)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.splitlines(), [
            'TAP version 13', 'ok 1 fmt.decimal', 'not ok 2 fmt.hex # FAIL', f'# {FAILURE}',
            'ok 3 heap.alloc', *rerun_lines(image, '--fresh-boot=boot', failed='fmt.hex'), '1..3'])
        self.assertEqual(self.cmdlines(), ['ktest.list', 'ktest.filter=fmt.decimal',
                                           'ktest.filter=fmt.hex', 'ktest.filter=heap.alloc'])

    def test_a_crash_costs_only_its_case(self) -> None:
        image = self.image(when_=fresh_when(THREE, crash='fmt.decimal'))
        result = self.run_tool('--test', '--fresh-boot=boot', image)
        self.assert_verdict(result, 1, 'FAIL: 2 of 3 cases failed')
        self.assertIn('CRASHED fmt.decimal: the machine reset while running case '
                      'fmt.decimal', result.stdout)
        self.assertIn('FAIL fmt.hex', result.stdout)
        self.assertIn('PASS heap.alloc', result.stdout)
        self.assertEqual(len(self.runs()), 4)

    def test_one_boot_per_parameter(self) -> None:
        run = Ktap('fmt.w[1]', 'ok fmt.w[size 8] # SKIP big')
        result = self.run_tool('--tap', '--fresh-boot=boot', self.image(when_=fresh_when(run)))
        self.assertEqual((result.returncode, result.stdout),
                         (0, 'TAP version 13\nok 1 fmt.w[1]\nok 2 fmt.w[size 8] # SKIP big\n'
                             '1..2\n'))
        self.assertEqual(self.cmdlines()[1:], ['ktest.filter=fmt.w[1]',
                                               'ktest.filter=fmt.w[size\\208]'])

    def test_shuffle_and_repeat_in_the_harness(self) -> None:
        result = self.run_tool('--test', '--fresh-boot=boot', '--shuffle', '7', '--repeat', '2',
                               self.image(when_=fresh_when(THREE)))
        self.assert_verdict(result, 1, 'FAIL: 2 of 6 cases failed')
        cmdlines = self.cmdlines()
        self.assertEqual(cmdlines[0], 'ktest.list')     # the harness shuffles
        self.assertEqual(cmdlines[1:4], cmdlines[4:])
        self.assertEqual(sorted(cmdlines[1:4]), ['ktest.filter=fmt.decimal',
                                                 'ktest.filter=fmt.hex',
                                                 'ktest.filter=heap.alloc'])
        self.assertNotIn('shuffle seed', result.stdout)

    def test_a_boot_running_other_cases_is_an_error(self) -> None:
        entries = fresh_when(THREE)
        entries[1] = {'cmdline': 'ktest.filter=fmt.decimal',
                      'steps': echoing(Ktap(*PASSING.names).boot())}
        result = self.run_tool('--test', '--fresh-boot=boot', self.image(when_=entries))
        self.assert_verdict(result, 99, 'ERROR: a boot planned fmt.decimal, fmt.hex, '
                                        'heap.alloc, not the 1 case planned before')
        self.assertIn('NOT RUN fmt.hex\nNOT RUN heap.alloc\n', result.stdout)


class FreshSnapshotTest(ToolTest):
    """--fresh-boot (snapshot): one QEMU booted to ktest's ready line and
    its state saved; the listing and then each case from that state, each
    run's words on COM1."""

    CASES = ['ktest.filter=fmt.decimal', 'ktest.filter=fmt.hex', 'ktest.filter=heap.alloc']

    def test_runs_merge(self) -> None:
        image = self.image(when_=snapshot_when(THREE))
        result = self.run_tool('--tap', '--fresh-boot', image)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.splitlines(), [
            'TAP version 13', 'ok 1 fmt.decimal', 'not ok 2 fmt.hex # FAIL', f'# {FAILURE}',
            'ok 3 heap.alloc', *rerun_lines(image, '--fresh-boot', failed='fmt.hex'), '1..3'])
        self.assertEqual(self.cmdlines(), ['ktest.fresh'])
        self.assertEqual(self.words_sent(), ['ktest.list'] + self.CASES)
        self.assertEqual(self.monitor(), ['savevm ktest'] + ['loadvm ktest'] * 3)

    def test_a_crash_costs_its_case_and_a_boot(self) -> None:
        image = self.image(when_=snapshot_when(THREE, crash='fmt.decimal'))
        result = self.run_tool('--test', '--fresh-boot', image)
        self.assert_verdict(result, 1, 'FAIL: 2 of 3 cases failed')
        self.assertIn('CRASHED fmt.decimal: the machine reset while running case '
                      'fmt.decimal', result.stdout)
        self.assertIn('FAIL fmt.hex', result.stdout)
        self.assertIn('PASS heap.alloc', result.stdout)
        self.assertEqual(len(self.runs()), 2)
        self.assertEqual(self.words_sent(), ['ktest.list'] + self.CASES)
        self.assertEqual(self.monitor(), ['savevm ktest', 'loadvm ktest'] * 2)

    def test_a_hang_is_restored_over(self) -> None:
        image = self.image(when_=snapshot_when(THREE, hang='fmt.hex'))
        result = self.run_tool('--test', '--fresh-boot', '--case-timeout', '50', image,
                               grace_s=0.2)
        self.assert_verdict(result, 1, 'FAIL: 1 of 3 cases failed')
        self.assertIn('TIMEOUT fmt.hex: no result for 0.3 s while running case fmt.hex: '
                      'hung', result.stdout)
        self.assertIn('PASS heap.alloc', result.stdout)
        self.assertEqual(self.cmdlines(), ['ktest.timeout=50 ktest.fresh'])
        self.assertEqual(self.monitor(), ['savevm ktest'] + ['loadvm ktest'] * 3)

    def test_an_exit_code_written_by_a_case(self) -> None:
        image = self.image(when_=snapshot_when(THREE, exits='heap.alloc'))
        result = self.run_tool('--test', '--fresh-boot', image)
        self.assert_verdict(result, 1, 'FAIL: 2 of 3 cases failed')
        self.assertIn('CRASHED heap.alloc: exit code "pass" while running case heap.alloc, '
                      'not written by ktest', result.stdout)

    def test_a_run_must_echo_its_words(self) -> None:
        entries = snapshot_when(THREE)
        entries[1] = {'cmdline': 'ktest.filter=fmt.decimal',
                      'steps': [{'out': Ktap('fmt.decimal').boot().replace(
                          'ktest.start=0', 'ktest.start=0 ktest.fresh') + '# ktest: done 0\n'}]}
        result = self.run_tool('--test', '--fresh-boot', self.image(when_=entries))
        self.assert_verdict(result, 99, 'ERROR: the image read ktest.filter=, the harness '
                                        'passed ktest.filter=fmt.decimal')
        self.assertIn('NOT RUN fmt.hex\nNOT RUN heap.alloc\n', result.stdout)

    def test_no_ready_line(self) -> None:
        fresh = [{'out': "KTAP version 1\n# ktest: unknown option 'ktest.x'\n"},
                 {'exit': 37}]
        result = self.run_tool('--test', '--fresh-boot', self.image(extra={'fresh': fresh}))
        self.assert_verdict(result, 99, 'ERROR: ktest.fresh: QEMU ended (status 37) before '
                                        "the ready line (the image said: unknown option "
                                        "'ktest.x')")
        self.assertEqual(self.monitor(), [])

    def test_a_machine_that_cannot_be_saved(self) -> None:
        refusal = "Error: Device 'disk' is writable but does not support snapshots\r\n"
        image = self.image(when_=snapshot_when(THREE), extra={'monitor_error': refusal})
        result = self.run_tool('--test', '--fresh-boot', image)
        self.assert_verdict(result, 99, "ERROR: QEMU could not save the machine state: "
                                        "Error: Device 'disk' is writable but does not "
                                        'support snapshots (try --fresh-boot=boot)')
        self.assertEqual(self.words_sent(), [])

    def test_one_run_per_parameter(self) -> None:
        run = Ktap('fmt.w[1]', 'ok fmt.w[size 8] # SKIP big', 'fmt.w[*]')
        result = self.run_tool('--tap', '--fresh-boot', self.image(when_=snapshot_when(run)))
        self.assertEqual((result.returncode, result.stdout), (0, (
            'TAP version 13\nok 1 fmt.w[1]\nok 2 fmt.w[size 8] # SKIP big\nok 3 fmt.w[*]\n'
            '1..3\n')))
        self.assertEqual(self.words_sent()[1:], ['ktest.filter=fmt.w[1]',
                                                 'ktest.filter=fmt.w[size\\208]',
                                                 'ktest.filter=fmt.w[\\2a]'])

    def test_shuffle_and_repeat_in_the_harness(self) -> None:
        result = self.run_tool('--test', '--fresh-boot', '--shuffle', '7', '--repeat', '2',
                               self.image(when_=snapshot_when(THREE)))
        self.assert_verdict(result, 1, 'FAIL: 2 of 6 cases failed')
        words = self.words_sent()
        self.assertEqual(words[0], 'ktest.list')
        self.assertEqual(words[1:4], words[4:])
        self.assertEqual(sorted(words[1:4]), self.CASES)

    def test_pvh_saves_into_an_unseen_drive(self) -> None:
        image = self.image(when_=snapshot_when(THREE))
        (self.tmp / 'test.elf').write_bytes(b'')
        result = self.run_tool('--test', '--fresh-boot', '--boot', 'pvh', image)
        self.assert_verdict(result, 1, 'FAIL: 1 of 3 cases failed')
        argv = self.runs()[0]['argv']
        self.assertEqual(argv[argv.index('-kernel') + 1], str(self.tmp / 'test.elf'))
        self.assertIn(f'if=none,id=ktest-state,format=raw,snapshot=on,file={image}', argv)
        self.assertEqual(argv[argv.index('-append') + 1], 'ktest.fresh')

    def test_the_way_to_fresh_boot(self) -> None:
        image = self.image()
        result = self.run_tool('--dry-run', '--fresh-boot', image)
        first, second = result.stdout.splitlines()
        self.assertIn('ktest.fresh', first)
        self.assertTrue(second.startswith('# savevm at "# ktest: ready"'), second)
        result = self.run_tool('--dry-run', '--fresh-boot', '--keys', 'a', image)
        self.assertIn('# then one boot per listed case', result.stdout)
        result = self.run_tool('--dry-run', '--fresh-boot', '--coverage', image)
        self.assertIn('# then one boot per listed case', result.stdout)
        for other in (['--keys', 'a'], ['--coverage'], ['--coverage-per-case', 'cov']):
            result = self.run_tool('--fresh-boot=snapshot', *other, image)
            self.assertEqual((result.returncode, result.stderr), (2, (
                'run_qemu.py: error: --fresh-boot=snapshot cannot type --keys, wait for '
                '--gdb, run --exec or collect --coverage: use --fresh-boot=boot\n')))
        result = self.run_tool('--fresh-boot=fast', image)
        self.assertEqual((result.returncode, result.stderr), (2, (
            "run_qemu.py: error: --fresh-boot: expected snapshot or boot, got 'fast'\n")))


class OrderTest(ToolTest):
    """--shuffle and --repeat in one boot: the words, and the seed shown."""

    def test_repeat(self) -> None:
        run = Ktap(*PASSING.names, repeat=2)
        result = self.run_tool('--test', '--repeat', '2', self.image(run.boot()))
        self.assert_verdict(result, 0, 'PASS: 6 cases passed')
        self.assertEqual(self.cmdlines(), ['ktest.repeat=2'])

    def test_shuffle_without_a_seed_shows_it(self) -> None:
        result = self.run_tool('--shuffle', self.image(steps_=echoing(PASSING.boot())))
        match = re.match(r'shuffle seed: ([0-9]+)\n', result.stdout)
        self.assertIsNotNone(match, result.stdout)
        self.assertEqual(self.cmdlines(), [f'ktest.shuffle={match.group(1)}'])
        self.assert_verdict(result, 0, 'PASS')

    def test_shuffled_order_is_the_images(self) -> None:
        run = Ktap('heap.alloc', 'fmt.hex', 'fmt.decimal', options={'ktest.shuffle': '5'})
        result = self.run_tool('--test', '--shuffle', '5', self.image(run.boot()))
        self.assert_verdict(result, 0, 'PASS')
        self.assertRegex(result.stdout, r'heap\.alloc.*\n.*fmt\.hex.*\n.*fmt\.decimal')


class RetriesTest(ToolTest):
    """--retries N: the failed cases run again, each time with a filter
    naming them; one whose reruns all pass is FLAKY, never PASS."""

    def retry_image(self, first: Ktap, *again: tuple[str, Ktap, int]) -> str:
        """An image that runs first, and again[i] on a boot whose command
        line holds again[i][0]."""
        entries = [when(text, run.boot(), status) for text, run, status in again]
        return self.image(first.boot(), QEMU_FAIL, when_=entries)

    def test_a_case_that_passes_when_run_again_is_flaky(self) -> None:
        image = self.retry_image(THREE, ('ktest.filter=fmt.hex', Ktap(
            'fmt.hex', options={'ktest.filter': 'fmt.hex'}), QEMU_PASS))
        report = self.tmp / 'report.json'
        result = self.run_tool('--tap', '--retries', '2', '--json', str(report), image)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.splitlines(), [
            'TAP version 13', '# run 2: 1 failed case again', 'ok 1 fmt.decimal',
            'ok 2 fmt.hex # FLAKY FAIL on run 1 (a check failed), passed on run 2',
            f'# {FAILURE}', 'ok 3 heap.alloc', '1..3'])
        self.assertIn('2 passed, 1 flaky, 0 failed, 0 skipped', result.stderr)
        self.assertEqual(self.cmdlines(), ['', 'ktest.filter=fmt.hex'])
        saved = json.loads(report.read_text())
        self.assertEqual((saved['verdict'], saved['boots']), ('PASS', 2))
        self.assertEqual([r['status'] for r in saved['results']], ['PASS', 'FLAKY', 'PASS'])

    def test_a_case_that_fails_every_time_stays_failed(self) -> None:
        image = self.retry_image(THREE, ('ktest.filter=fmt.hex', Ktap(
            'not ok fmt.hex', options={'ktest.filter': 'fmt.hex'}), QEMU_FAIL))
        result = self.run_tool('--test', '--retries', '2', image)
        self.assert_verdict(result, 1, 'FAIL: 1 of 3 cases failed')
        self.assertIn('FAIL fmt.hex (20 us)\n    kernel/x_test.c:7: EXPECT_EQ(1, n) failed\n'
                      '    run 2: FAIL again\n    run 3: FAIL again\n', result.stdout)
        self.assertEqual(self.cmdlines(), ['', 'ktest.filter=fmt.hex', 'ktest.filter=fmt.hex'])

    def test_a_crashed_case_is_retried(self) -> None:
        four = Ktap('fmt.decimal', 'fmt.hex', 'heap.alloc')
        image = self.image(four.boot(crash_at=1), QEMU_RESET, when_=[
            when('ktest.start=2', four.boot(start=2)),
            when('ktest.filter=fmt.hex', Ktap('fmt.hex', options={'ktest.filter': 'fmt.hex'})
                 .boot())])
        result = self.run_tool('--test', '--retries', '1', image)
        self.assert_verdict(result, 0, 'PASS: 3 cases passed, 1 of them only when run again')
        self.assertIn('FLAKY fmt.hex: CRASHED on run 1 (the machine reset while running case '
                      'fmt.hex', result.stdout)

    def test_repeats_are_retried_with_the_repeat(self) -> None:
        image = self.retry_image(Ktap('not ok fmt.hex', repeat=2), (
            'ktest.filter=fmt.hex', Ktap('fmt.hex', repeat=2, options={
                'ktest.filter': 'fmt.hex'}), QEMU_PASS))
        result = self.run_tool('--test', '--retries', '1', '--repeat', '2', image)
        self.assert_verdict(result, 0, 'PASS: 2 cases passed, 2 of them only when run again')
        self.assertEqual(self.cmdlines(), ['ktest.repeat=2',
                                           'ktest.filter=fmt.hex ktest.repeat=2'])

    def test_a_run_error_is_not_retried(self) -> None:
        image = self.image(THREE.boot(summary=False) + 'garbage \x01\n', QEMU_FAIL)
        result = self.run_tool('--test', '--retries', '3', image)
        self.assertEqual(result.returncode, 99, result.stdout)
        self.assertEqual(len(self.runs()), 1)

    def test_no_retries_unless_asked(self) -> None:
        image = self.retry_image(THREE, ('ktest.filter=fmt.hex', Ktap(
            'fmt.hex', options={'ktest.filter': 'fmt.hex'}), QEMU_PASS))
        result = self.run_tool('--test', image)
        self.assert_verdict(result, 1, 'FAIL: 1 of 3 cases failed')
        self.assertEqual(len(self.runs()), 1)
        result = self.run_tool('--test', image, env={'KTEST_RETRIES': '1'})
        self.assert_verdict(result, 0, 'PASS')


if __name__ == '__main__':
    unittest.main()
