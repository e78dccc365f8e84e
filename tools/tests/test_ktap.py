#!/usr/bin/env python3
"""Tests of the KTAP parser (tools/harness/ktap.py), in process: what it
reads from a test image's output, and every way that output may break the
protocol (docs/protocol.md; the kernel side is ktest/core/out.c, runner.c,
select.c).

Run: python3 tools/tests/test_ktap.py (meson: suite `harness`).
"""

from __future__ import annotations

import re
import unittest
import zlib
from typing import Optional

from harness_support import FAILING, FAILURE, PASSING, Ktap, options_line
from harness.ktap import KtapParser, ProtocolError, expand_plan, parse_options, split_groups

OPTIONS = options_line({})
HEADER = ['KTAP version 1', OPTIONS, '# plan: fmt.decimal hex', '# plan: heap.alloc', '1..2',
          '    KTAP version 1', '    # Subtest: fmt', '    1..2']


def feed(text: str, list_mode: bool = False) -> KtapParser:
    """A new parser fed every line of text."""
    parser = KtapParser(list_mode)
    for line in text.splitlines():
        parser.feed(line)
    return parser


def outcome(parser: KtapParser) -> list[tuple[str, str, str]]:
    """(name, status, reason) of every result read."""
    return [(r.name, r.status, r.reason) for r in parser.results]


class ParserTest(unittest.TestCase):
    """Base: helpers to check that some output breaks the protocol."""

    def assert_breaks(self, lines: list[str], message: str, list_mode: bool = False) -> None:
        """Feeding lines raises a ProtocolError whose text holds message."""
        with self.assertRaises(ProtocolError) as caught:
            feed('\n'.join(lines) + '\n', list_mode)
        self.assertIn(message, str(caught.exception))


class CompleteRunTest(ParserTest):
    """Runs that keep to the protocol."""

    def test_results_durations_and_logs(self) -> None:
        parser = feed(FAILING.boot())
        self.assertTrue(parser.complete)
        self.assertEqual([(r.name, r.status, r.duration_us) for r in parser.results],
                         [('fmt.decimal', 'PASS', 10), ('fmt.hex', 'FAIL', 20),
                          ('heap.alloc', 'PASS', 10)])
        self.assertEqual(parser.results[1].log, [f'hex: {FAILURE}'])
        self.assertEqual(parser.results[0].log, [])
        self.assertEqual(parser.plan, ['fmt.decimal', 'fmt.hex', 'heap.alloc'])
        self.assertEqual(parser.said, ['3 cases in 2 suites, seed 0',
                                       '2 passed, 1 failed, 0 skipped, 0 timed out'])

    def test_events_in_order(self) -> None:
        parser = KtapParser()
        events = [event for line in PASSING.boot().splitlines() for event in parser.feed(line)]
        self.assertEqual([kind for kind, _ in events],
                         ['options', 'plan', 'result', 'result', 'result'])
        self.assertEqual(events[1], ('plan', 3))
        self.assertEqual(events[0][1]['ktest.timeout'], '5000')

    def test_result_event_comes_with_its_line(self) -> None:
        parser = KtapParser()
        lines = FAILING.boot().splitlines()
        at = [i for i, line in enumerate(lines) for kind, _ in parser.feed(line)
              if kind == 'result']
        self.assertEqual([lines[i].strip() for i in at],
                         ['ok 1 decimal', 'not ok 2 hex', 'ok 1 alloc'])

    def test_directives(self) -> None:
        parser = feed(Ktap('ok fmt.a # SKIP no FPU', 'ok fmt.b # SKIP',
                           'not ok fmt.c # TIMEOUT ran past 5 ms', 'fmt.d').boot())
        self.assertEqual(outcome(parser), [('fmt.a', 'SKIP', 'no FPU'), ('fmt.b', 'SKIP', ''),
                                           ('fmt.c', 'TIMEOUT', 'ran past 5 ms'),
                                           ('fmt.d', 'PASS', '')])

    def test_nothing_selected(self) -> None:
        parser = feed(f'KTAP version 1\n{OPTIONS}\n# ktest: no case matches x\n1..0\n')
        self.assertTrue(parser.complete)
        self.assertEqual((parser.plan, parser.results), ([], []))

    def test_running_case(self) -> None:
        parser = feed('\n'.join(HEADER) + '\n')
        self.assertEqual(parser.running_case(), 'fmt.decimal')
        parser = feed(PASSING.boot())
        self.assertIsNone(parser.running_case())


class PlanTest(ParserTest):
    """Plan lines: packed, parameterized, repeated, and malformed."""

    def test_packed_and_single_lines(self) -> None:
        specs = ('fmt.a', 'fmt.b', 'fmt.w[1]', 'fmt.w[size 8]', 'fmt.c', 'heap.d')
        packed = Ktap(*specs).boot()
        self.assertIn('# plan: fmt.a b\n# plan: fmt.w[1]\n# plan: fmt.w[size 8]\n'
                      '# plan: fmt.c\n# plan: heap.d\n', packed)
        for text in (packed, Ktap(*specs, packed=False).boot()):
            parser = feed(text)
            self.assertTrue(parser.complete)
            self.assertEqual(parser.plan, list(specs))
            self.assertEqual([r.name for r in parser.results], list(specs))

    def test_repeat_lists_the_selection_once(self) -> None:
        run = Ktap('fmt.a', 'fmt.b', 'heap.c', repeat=3)
        parser = feed(run.boot())
        self.assertTrue(parser.complete)
        self.assertEqual(parser.plan, ['fmt.a', 'fmt.b', 'heap.c'] * 3)
        self.assertEqual(len(parser.results), 9)

    def test_top_plan_must_fit_the_suites(self) -> None:
        lines = PASSING.boot().splitlines()
        lines[lines.index('1..2')] = '1..3'
        self.assert_breaks(lines, 'top-level plan 1..3 does not fit the 2 suite(s)')

    def test_top_plan_without_plan_lines(self) -> None:
        self.assert_breaks(['KTAP version 1', OPTIONS, '1..1'], 'without plan lines')

    def test_split_groups(self) -> None:
        self.assertEqual(split_groups(['a.x', 'a.y', 'b.z', 'a.x', 'a.x']),
                         [['a.x', 'a.y'], ['b.z'], ['a.x'], ['a.x']])
        self.assertEqual(expand_plan(['a.x', 'b.y'], 4), [['a.x'], ['b.y']] * 2)
        with self.assertRaises(ProtocolError):
            expand_plan(['a.x', 'b.y'], 3)

    def test_malformed_plan_lines(self) -> None:
        for line in ('# plan: fmt', '# plan: fmt.a b.c', '# plan: fmt.a  b', '# plan: fmt.a b ',
                     '# plan: fmt.a b[1]', '# plan: fmt.a[1] b', '# plan: 1fmt.a',
                     '# plan: fmt.a-b', '# plan: .a', '# plan: fmt.a[x#y]', '# plan: fmt.a[[x]]'):
            with self.subTest(line=line):
                self.assert_breaks(['KTAP version 1', OPTIONS, line, '1..1'],
                                   'malformed plan line')

    def test_malformed_header_lines(self) -> None:
        for line in ('    # plan: fmt.a', '# case: fmt.a', '# budget: fmt.a 5',
                     '# budget: fmt 5 ms', '# budget: fmt.a x ms', '# note: hello',
                     '#plan: fmt.a'):
            with self.subTest(line=line):
                self.assert_breaks(['KTAP version 1', OPTIONS, line, '# plan: fmt.a', '1..1'],
                                   'malformed header line')


def summed(lines: list[str]) -> list[str]:
    """lines as ktest writes them with sums: the announcement after the
    version line, and before each case result its sum."""
    out: list[str] = []
    crc = 0
    for line in lines:
        if re.fullmatch(r'    (not )?ok \d+ .*', line):
            sum_line = f'    # ktest: sum {crc:08x}'
            out.append(sum_line)
            crc = zlib.crc32(sum_line.encode() + b'\n', crc)
        out.append(line)
        crc = 0 if line == 'KTAP version 1' else crc
        crc = zlib.crc32(line.encode() + b'\n', crc)
        if line == 'KTAP version 1':
            out.append('# ktest: sums crc32')
            crc = zlib.crc32(b'# ktest: sums crc32\n', crc)
    return out


class SumTest(ParserTest):
    """With "# ktest: sums crc32", a result counts only right after a sum
    that matches every byte before it (docs/protocol.md, "Sums")."""

    RUN = HEADER + ['    # decimal: 3 us', '    ok 1 decimal', '    # hex: 4 us',
                    '    ok 2 hex']

    def test_summed_results_are_read(self) -> None:
        parser = feed('\n'.join(summed(self.RUN)) + '\n')
        self.assertEqual(outcome(parser), [('fmt.decimal', 'PASS', ''), ('fmt.hex', 'PASS', '')])

    def test_a_result_without_its_sum_breaks(self) -> None:
        lines = summed(self.RUN)
        del lines[lines.index('    ok 2 hex') - 1]
        self.assert_breaks(lines, "a result ktest did not write, no sum before it: '    ok 2 hex'")

    def test_a_byte_ktest_did_not_write_breaks_the_next_sum(self) -> None:
        for extra in ('    # | a line', '    # decimal: 3 us'):
            with self.subTest(extra=extra):
                lines = summed(self.RUN)
                lines.insert(lines.index('    # hex: 4 us'), extra)
                self.assert_breaks(lines, 'bytes on the serial port that ktest did not write')

    def test_a_forged_sum_breaks(self) -> None:
        lines = summed(self.RUN)
        at = lines.index('    ok 1 decimal') - 1
        lines[at] = '    # ktest: sum 00000000'
        self.assert_breaks(lines, 'its sum 00000000')

    def test_without_the_announcement_no_sum_is_needed(self) -> None:
        self.assertEqual(len(feed('\n'.join(self.RUN) + '\n').results), 2)


class ResultTest(ParserTest):
    """Result lines: numbered, in plan order, each right after its duration."""

    def test_duration_line_required_right_before_a_result(self) -> None:
        for before in ([], ['    # decimal: x us'], ['    # hex: 3 us'],
                       ['    # decimal: 3 us', '    # decimal: a log line after it'],
                       ['    # decimal: 3 us', '    # | text after it']):
            with self.subTest(before=before):
                self.assert_breaks(HEADER + before + ['    ok 1 decimal'],
                                   'case fmt.decimal: no duration line before its result')

    def test_duration_line_is_not_log(self) -> None:
        parser = feed('\n'.join(HEADER + ['    # decimal: first', '    # decimal: 7 us',
                                          '    ok 1 decimal']) + '\n')
        self.assertEqual((parser.results[0].log, parser.results[0].duration_us),
                         (['decimal: first'], 7))

    def test_numbering(self) -> None:
        self.assert_breaks(HEADER + ['    # decimal: 1 us', '    ok 2 decimal'],
                           'suite fmt: result 2 (decimal) where 1 of 2 was due')

    def test_plan_order(self) -> None:
        self.assert_breaks(HEADER + ['    # hex: 1 us', '    ok 1 hex'],
                           'case fmt.hex reported where the plan has fmt.decimal')
        self.assert_breaks(HEADER + ['    # octal: 1 us', '    ok 1 octal'],
                           'case fmt.octal reported where the plan has fmt.decimal')

    def test_more_results_than_the_suite_plan(self) -> None:
        lines = HEADER[:-1] + ['    1..1', '    # decimal: 1 us', '    ok 1 decimal',
                               '    # hex: 1 us', '    ok 2 hex']
        self.assert_breaks(lines, 'suite fmt: result 2 (hex) where 2 of 1 was due')

    def test_suite_ends_early(self) -> None:
        lines = HEADER + ['    # decimal: 1 us', '    ok 1 decimal', 'ok 1 fmt']
        self.assert_breaks(lines, 'suite fmt ended after 1 of the 2 results in its plan')

    def test_suite_result_line(self) -> None:
        lines = HEADER + ['    # decimal: 1 us', '    ok 1 decimal', '    # hex: 1 us',
                          '    ok 2 hex']
        self.assert_breaks(lines + ['ok 2 fmt'], 'suite result 2 fmt where 1 fmt was due')
        self.assert_breaks(lines + ['ok 1 heap'], 'suite result 1 heap where 1 fmt was due')
        self.assert_breaks(lines + ['not ok 1 fmt'], 'suite fmt result does not agree')
        failing = FAILING.boot().replace('not ok 1 fmt', 'ok 1 fmt')
        self.assert_breaks(failing.splitlines(), 'suite fmt result does not agree')

    def test_bad_directives(self) -> None:
        for result in ('ok 1 decimal # TODO later', 'not ok 1 decimal # SKIP why',
                       'ok 1 decimal # TIMEOUT why', 'ok 1 decimal # skip why',
                       'ok 1 decimal # SKIPPED'):
            with self.subTest(result=result):
                self.assert_breaks(HEADER + ['    # decimal: 1 us', f'    {result}'],
                                   'bad directive')

    def test_malformed_results(self) -> None:
        for result in ('okay 1 decimal', 'ok decimal', 'ok 1', 'ok 1 decimal ', 'ok  1 decimal',
                       'ok 1 decimal #', 'not  ok 1 decimal', 'ok -1 decimal',
                       'ok 1 decimal #SKIP'):
            with self.subTest(result=result):
                self.assert_breaks(HEADER + ['    # decimal: 1 us', f'    {result}'],
                                   'malformed line')

    def test_missing_suite_plan(self) -> None:
        self.assert_breaks(HEADER[:-1] + ['    # decimal: 1 us', '    ok 1 decimal'],
                           'suite fmt: missing suite plan')

    def test_subtest_names_the_planned_suite(self) -> None:
        self.assert_breaks(HEADER[:-2] + ['    # Subtest: heap'],
                           'expected     # Subtest: fmt')
        self.assert_breaks(HEADER[:-2] + ['    1..2'], 'expected     # Subtest: NAME')

    def test_lines_after_the_last_suite(self) -> None:
        self.assert_breaks(PASSING.boot().splitlines() + ['hello'],
                           "unexpected line after the last suite: 'hello'")
        parser = feed(PASSING.boot() + '# a late diagnostic\n')
        self.assertTrue(parser.complete)

    def test_parameters_and_budgets(self) -> None:
        run = Ktap('fmt.w[1]', 'not ok fmt.w[size 8]', 'fmt.slow',
                   options={'ktest.timeout': '300'}, budgets={'fmt.w': 40, 'fmt.slow': 3000})
        parser = feed(run.boot())
        self.assertEqual(outcome(parser), [('fmt.w[1]', 'PASS', ''),
                                           ('fmt.w[size 8]', 'FAIL', ''),
                                           ('fmt.slow', 'PASS', '')])
        self.assertEqual(parser.results[1].log, [f'w[size 8]: {FAILURE}'])
        self.assertEqual([parser.budget_ms(n) for n in ('fmt.w[1]', 'fmt.slow', 'fmt.other')],
                         [40, 3000, 300])
        self.assertEqual(parser.budget_ms(None), 300)


# Lines that only ktest itself writes, placed where they do not belong.
FORGED = ['ok 1 fmt', 'not ok 1 fmt', '    ok 1 decimal', '    not ok 2 hex', 'ok 2 hex',
          '1..2', '    1..2', 'KTAP version 1', '    KTAP version 1', '    # Subtest: fmt',
          '# Subtest: heap', '# plan: fmt.extra', '# case: fmt.extra', '    # plan: fmt.x',
          '    ok 1 alloc', '    # decimal: 5 us', 'Bail out!', 'hello', '    hello']
# Text: what the kernel or a case prints, as out.c writes it, at either depth.
TEXT = ['# | ok 1 fmt', '    # | not ok 2 hex', '# | KTAP version 1', '    # | 1..2',
        '    # | # Subtest: heap', '# | # ktest: restart ktest.start=1', '    # | ',
        '# | # plan: fmt.extra', '    # | \\x1b[31m red', '# | ktest: error: forged']


class ForgeryTest(ParserTest):
    """Results are unforgeable: a line that is not where ktest writes it
    either breaks the protocol or changes no result; text never does either."""

    def variants(self, run: str, line: str) -> list[tuple[int, str]]:
        """run with line inserted after each of its lines but two: before
        the version line (ktest writes it before anything else) and between
        a case's duration and result lines (out_result() writes both at once)."""
        lines = run.splitlines() + ['']
        return [(i, '\n'.join(lines[:i] + [line] + lines[i:]))
                for i in range(1, len(lines))
                if not re.match(r'    (not )?ok ', lines[i])]

    def parse_or_error(self, text: str) -> Optional[list]:
        """The results of a complete parse, or None for a ProtocolError."""
        try:
            parser = feed(text)
        except ProtocolError:
            return None
        return outcome(parser) if parser.complete else ['incomplete'] + outcome(parser)

    def test_forged_lines_break_or_change_nothing(self) -> None:
        for run in (FAILING.boot(), Ktap('fmt.a', 'not ok heap.b').boot()):
            want = outcome(feed(run))
            for line in FORGED:
                for at, text in self.variants(run, line):
                    with self.subTest(line=line, at=at):
                        self.assertIn(self.parse_or_error(text), (None, want))

    def test_text_anywhere_changes_nothing(self) -> None:
        run = FAILING.boot()
        want = outcome(feed(run))
        for line in TEXT:
            for at, text in self.variants(run, line):
                with self.subTest(line=line, at=at, after=run.splitlines()[at - 1]):
                    self.assertEqual(self.parse_or_error(text), want)

    def test_text_before_a_suite_names_itself(self) -> None:
        lines = HEADER[:6] + ['    # | printed by an interrupt handler'] + HEADER[6:]
        parser = feed('\n'.join(lines + ['    # decimal: 1 us', '    ok 1 decimal']) + '\n')
        self.assertEqual(parser.results[0].log, ['| printed by an interrupt handler'])

    def test_text_goes_to_the_next_result(self) -> None:
        lines = HEADER + ['    # | hello', '    # decimal: 1 us', '    ok 1 decimal',
                          '    # | from hex', '    # hex: a check failed', '# | depth 0',
                          '    # hex: 1 us', '    not ok 2 hex']
        parser = feed('\n'.join(lines) + '\n')
        self.assertEqual([r.log for r in parser.results],
                         [['| hello'], ['| from hex', 'hex: a check failed', '| depth 0']])

    def test_a_case_log_cannot_end_the_case(self) -> None:
        lines = HEADER + ['    # decimal: ok 1 decimal', '    # decimal: 1 us', '    ok 1 decimal']
        self.assertEqual(feed('\n'.join(lines) + '\n').results[0].log,
                         ['decimal: ok 1 decimal'])


class RunnerLineTest(ParserTest):
    """The runner's "# ktest:" lines: options, input, restart, error, fixture."""

    def test_options_line_required_before_the_plan(self) -> None:
        lines = [line for line in PASSING.boot().splitlines() if line != OPTIONS]
        self.assert_breaks(lines, 'no "# ktest: options" line before the plan')

    def test_options_parsed(self) -> None:
        parser = feed(Ktap('fmt.a', options={'ktest.filter': 'fmt.*,x?'}).boot())
        self.assertEqual(parser.options, {'ktest.filter': 'fmt.*,x?', 'ktest.shuffle': '0',
                                          'ktest.repeat': '1', 'ktest.timeout': '5000',
                                          'ktest.start': '0'})
        self.assertEqual(parse_options('a=1  ktest.list b=x=y'),
                         {'a': '1', 'ktest.list': '', 'b': 'x=y'})

    def test_only_the_first_options_line_counts(self) -> None:
        text = PASSING.boot().replace(OPTIONS, OPTIONS + '\n' + options_line(
            {'ktest.filter': 'other'}))
        self.assertEqual(feed(text).options['ktest.filter'], '')

    def test_input_restart_error(self) -> None:
        parser = feed('\n'.join(HEADER) + '\n')
        self.assertEqual(parser.feed('    # ktest: waiting for input'), [('input', None)])
        self.assertEqual(parser.feed('# ktest: error: suite fmt: init crashed'), [])
        self.assertEqual(parser.feed('# ktest: restart ktest.start=7: unusable'),
                         [('restart', 7)])
        self.assertEqual((parser.restart_at, parser.errors), (7, ['suite fmt: init crashed']))

    def test_malformed_restart_is_only_said(self) -> None:
        parser = feed('\n'.join(HEADER) + '\n')
        for line in ('# ktest: restart ktest.start=x', '# ktest: restart', '# ktest: restarted'):
            self.assertEqual(parser.feed(line), [])
        self.assertIsNone(parser.restart_at)

    def test_fixture_lines(self) -> None:
        parser = feed('\n'.join(HEADER) + '\n')
        self.assertFalse(parser.in_fixture)
        parser.feed('    # ktest: fixture begin fmt init')
        self.assertTrue(parser.in_fixture)
        parser.feed('    # | printed by the fixture')
        parser.feed('    # ktest: fixture end')
        self.assertFalse(parser.in_fixture)
        for line in ('    # decimal: 1 us', '    ok 1 decimal'):
            parser.feed(line)
        self.assertEqual(parser.results[0].log, ['| printed by the fixture'])


class ListModeTest(ParserTest):
    """ktest.list: the selected names, no results."""

    def test_listing(self) -> None:
        run = Ktap('fmt.a', 'fmt.w[1 2]', 'heap.b', budgets={'heap.b': 900})
        parser = feed(run.listing(), list_mode=True)
        self.assertTrue(parser.complete)
        self.assertEqual(parser.listed, ['fmt.a', 'fmt.w[1 2]', 'heap.b'])
        self.assertEqual(parser.budgets, {'heap.b': 900})
        self.assert_breaks(run.listing().splitlines(), "malformed header line '# case: fmt.a'")

    def test_plan_lines_are_accepted_too(self) -> None:
        parser = feed(PASSING.listing().replace('# case:', '# plan:'), list_mode=True)
        self.assertEqual(parser.listed, PASSING.names)

    def test_results_are_not(self) -> None:
        self.assert_breaks(PASSING.listing().splitlines() + ['    KTAP version 1'],
                           'unexpected line in a case list', list_mode=True)


class LineShapeTest(ParserTest):
    """Versions, indentation and blank lines."""

    def test_version_line_first(self) -> None:
        self.assert_breaks(PASSING.boot().splitlines()[1:], "expected 'KTAP version 1' as the "
                                                           'first line')
        self.assert_breaks(['KTAP version 2'], "expected 'KTAP version 1' as the first line")
        self.assert_breaks(['# | boot text'], "expected 'KTAP version 1' as the first line")

    def test_bad_indentation(self) -> None:
        for line in ('  ok 1 decimal', '        ok 1 decimal', '\tok 1 decimal', '   # x: 1 us'):
            with self.subTest(line=line):
                self.assert_breaks(HEADER + [line], 'malformed line')

    def test_blank_lines(self) -> None:
        for line in ('', '    '):
            with self.subTest(line=line):
                self.assert_breaks(HEADER + [line], 'malformed line')

    def test_suite_version_line(self) -> None:
        lines = HEADER[:5] + ['KTAP version 1']
        self.assert_breaks(lines, "expected a suite ('    KTAP version 1')")


if __name__ == '__main__':
    unittest.main()
