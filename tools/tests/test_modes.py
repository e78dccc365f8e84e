#!/usr/bin/env python3
"""Tests of test mode's selections (tools/harness/session.py) through the
real tool against fake QEMU: --list, --fresh-boot (one boot per case),
--shuffle and --repeat, and the words each boot gets.

Run: python3 tools/tests/test_modes.py (meson: suite `harness`).
"""

from __future__ import annotations

import re
import unittest

from harness_support import (FAILURE, PASSING, QEMU_FAIL, QEMU_PASS, QEMU_RESET, Ktap,
                             ToolTest, echoing)

THREE = Ktap('fmt.decimal', 'not ok fmt.hex', 'heap.alloc')


def fresh_when(run: Ktap, crash: str = '') -> list[dict]:
    """Scenario entries of an image that lists run's cases and runs
    whichever one a boot's filter names; the case crash crashes."""
    entries = [{'cmdline': 'ktest.list', 'steps': echoing(run.listing())}]
    for case in run.cases:
        glob = re.sub(r'[\s,]', '?', case.full)
        one = Ktap(case.spec, logs={case.full: case.log}, options={'ktest.filter': glob})
        status = QEMU_PASS if case.ok else QEMU_FAIL
        out, status = ((one.boot(crash_at=0), QEMU_RESET) if case.full == crash
                       else (one.boot(), status))
        entries.append({'cmdline': f'ktest.filter={glob}', 'steps': echoing(out, status)})
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
    """--fresh-boot: list the cases, then one boot per case, merged."""

    def test_boots_merge(self) -> None:
        result = self.run_tool('--tap', '--fresh-boot', self.image(when_=fresh_when(THREE)))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.splitlines(), [
            'TAP version 13', 'ok 1 fmt.decimal', 'not ok 2 fmt.hex # FAIL', f'# {FAILURE}',
            'ok 3 heap.alloc', '1..3'])
        self.assertEqual(self.cmdlines(), ['ktest.list', 'ktest.filter=fmt.decimal',
                                           'ktest.filter=fmt.hex', 'ktest.filter=heap.alloc'])

    def test_a_crash_costs_only_its_case(self) -> None:
        image = self.image(when_=fresh_when(THREE, crash='fmt.decimal'))
        result = self.run_tool('--test', '--fresh-boot', image)
        self.assert_verdict(result, 1, 'FAIL: 2 of 3 cases failed')
        self.assertIn('CRASHED fmt.decimal: the machine reset while running case '
                      'fmt.decimal', result.stdout)
        self.assertIn('FAIL fmt.hex', result.stdout)
        self.assertIn('PASS heap.alloc', result.stdout)
        self.assertEqual(len(self.runs()), 4)

    def test_one_boot_per_parameter(self) -> None:
        run = Ktap('fmt.w[1]', 'ok fmt.w[size 8] # SKIP big')
        result = self.run_tool('--tap', '--fresh-boot', self.image(when_=fresh_when(run)))
        self.assertEqual((result.returncode, result.stdout),
                         (0, 'TAP version 13\nok 1 fmt.w[1]\nok 2 fmt.w[size 8] # SKIP big\n'
                             '1..2\n'))
        self.assertEqual(self.cmdlines()[1:], ['ktest.filter=fmt.w[1]',
                                               'ktest.filter=fmt.w[size?8]'])

    def test_shuffle_and_repeat_in_the_harness(self) -> None:
        result = self.run_tool('--test', '--fresh-boot', '--shuffle', '7', '--repeat', '2',
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
        result = self.run_tool('--test', '--fresh-boot', self.image(when_=entries))
        self.assert_verdict(result, 99, 'ERROR: a boot planned fmt.decimal, fmt.hex, '
                                        'heap.alloc, not the 1 case planned before')
        self.assertIn('NOT RUN fmt.hex\nNOT RUN heap.alloc\n', result.stdout)


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


if __name__ == '__main__':
    unittest.main()
