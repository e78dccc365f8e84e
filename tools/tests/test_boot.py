#!/usr/bin/env python3
"""Tests of one run (tools/harness/boot.py): the time limits derived from
the budgets an image announces, measured on a fake clock so that no test
depends on how fast this machine is; and how a real process's output is cut
into lines, checked and ended.

Run: python3 tools/tests/test_boot.py (meson: suite `harness`).
"""

from __future__ import annotations

import sys
import types
import unittest
from typing import Optional
from unittest import mock

from harness_support import FAKE, PASSING, Ktap, ToolTest, steps, wait_gone
from harness import boot, protocol
from harness.ktap import KtapParser


class Clock:
    """A monotonic clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        """The current fake time."""
        return self.now


class ScriptedStreams:
    """Stands in for boot.Streams: each line arrives at a given time on the
    clock; a line of None is the end of the output."""

    def __init__(self, clock: Clock, script: list[tuple[float, Optional[str]]]) -> None:
        self.clock = clock
        self.script = list(script)

    def line(self, timeout: Optional[float]) -> tuple[str, bytes]:
        """The next line, or a timeout if it comes later than timeout."""
        at, text = self.script[0] if self.script else (self.clock.now, None)
        if timeout is not None and at > self.clock.now + timeout:
            self.clock.now += timeout
            return 'timeout', b''
        self.clock.now = max(self.clock.now, at)
        if self.script:
            self.script.pop(0)
        return ('eof', b'') if text is None else ('line', text.encode())


def timed(text: str, gaps: dict[str, float]) -> list[tuple[float, Optional[str]]]:
    """text's lines on a clock: each line in gaps comes that many seconds
    after the line before it, every other line at once; then the end."""
    script, now = [], 0.0
    for line in text.splitlines():
        now += gaps.get(line.strip(), 0.0)
        script.append((now, line))
    return script + [(now, None)]


class TimeLimitTest(unittest.TestCase):
    """How long a run may go without a result, and the pump that enforces it."""

    def pump(self, text: str, gaps: dict[str, float], unlimited: bool = False
             ) -> tuple[boot.BootOutcome, KtapParser, Clock]:
        """Pump text, timed by gaps, through a parser on a fake clock."""
        clock, parser, outcome = Clock(), KtapParser(), boot.BootOutcome()
        with mock.patch.object(boot, 'time', types.SimpleNamespace(monotonic=clock.monotonic)):
            boot.Pump(parser, lambda event: None, None, unlimited).run(
                ScriptedStreams(clock, timed(text, gaps)), outcome)
        return outcome, parser, clock

    def limit(self, budget_ms: int) -> float:
        """The limit of a case with that budget: twice it, plus the grace."""
        return 2 * budget_ms / 1000 + boot.GRACE_S

    def test_limit_by_state(self) -> None:
        parser = KtapParser()
        self.assertEqual(boot.time_limit(parser, False), boot.BOOT_LIMIT_S)
        run = Ktap('fmt.a', 'fmt.b', options={'ktest.timeout': '250'}, budgets={'fmt.b': 4000})
        lines = run.boot().splitlines()
        for line in lines[:lines.index('1..1')]:
            parser.feed(line)
        self.assertEqual(boot.time_limit(parser, False), boot.BOOT_LIMIT_S)
        parser.feed('1..1')
        self.assertEqual(boot.time_limit(parser, False), self.limit(250))
        for line in ('    KTAP version 1', '    # Subtest: fmt', '    1..2', '    # a: 1 us',
                     '    ok 1 a'):
            parser.feed(line)
        self.assertEqual(boot.time_limit(parser, False), self.limit(4000))
        parser.feed('    # ktest: fixture begin fmt exit')
        self.assertEqual(boot.time_limit(parser, False), self.limit(250))
        self.assertIsNone(boot.time_limit(parser, True))

    def test_each_result_restarts_the_clock(self) -> None:
        run = Ktap('fmt.a', 'fmt.b', 'fmt.c', options={'ktest.timeout': '100'})
        gap = 0.9 * self.limit(100)
        outcome, parser, _ = self.pump(run.boot(), {'ok 1 a': gap, 'ok 2 b': gap, 'ok 3 c': gap})
        self.assertFalse(outcome.timed_out)
        self.assertTrue(parser.complete)

    def test_a_case_past_its_limit(self) -> None:
        run = Ktap('fmt.a', 'fmt.b', options={'ktest.timeout': '100'})
        outcome, parser, clock = self.pump(run.boot(), {'ok 1 a': 0.5,
                                                        'ok 2 b': 1.1 * self.limit(100)})
        self.assertTrue(outcome.timed_out)
        self.assertEqual(parser.running_case(), 'fmt.b')
        self.assertAlmostEqual(clock.now, 0.5 + self.limit(100))

    def test_a_slow_case_gets_its_announced_budget(self) -> None:
        run = Ktap('fmt.a', 'fmt.slow', options={'ktest.timeout': '100'},
                   budgets={'fmt.slow': 2000})
        gap = 0.9 * self.limit(2000)
        outcome, _, _ = self.pump(run.boot(), {'ok 2 slow': gap})
        self.assertFalse(outcome.timed_out)
        outcome, _, clock = self.pump(run.boot(), {'ok 2 slow': 2 * gap})
        self.assertTrue(outcome.timed_out)
        self.assertAlmostEqual(clock.now, self.limit(2000))

    def test_boot_limit_until_the_plan(self) -> None:
        outcome, _, clock = self.pump(PASSING.boot(), {'1..2': boot.BOOT_LIMIT_S + 1})
        self.assertTrue(outcome.timed_out)
        self.assertAlmostEqual(clock.now, boot.BOOT_LIMIT_S)

    def test_no_limit_under_a_debugger(self) -> None:
        outcome, parser, _ = self.pump(PASSING.boot(), {'1..2': 1e6, 'ok 1 alloc': 1e6},
                                       unlimited=True)
        self.assertFalse(outcome.timed_out)
        self.assertTrue(parser.complete)


class LineTest(unittest.TestCase):
    """What may travel on the serial line."""

    def test_decode_line(self) -> None:
        self.assertEqual(boot.decode_line(b'ok 1 x\r'), 'ok 1 x')
        for raw in (b'ok\x00', b'\xff', b'caf\xc3\xa9', b'a\tb', b'x\r\r', b'\x7f'):
            with self.subTest(raw=raw):
                with self.assertRaises(boot.ProtocolError):
                    boot.decode_line(raw)

    def test_printable(self) -> None:
        self.assertEqual(boot.printable(b'a\x00b\xffc\x1b'), 'a\\x00b\\xffc\\x1b')


class RunTest(ToolTest):
    """boot.boot() on a real process: fake_qemu.py playing a host test."""

    def run_steps(self, steps_: list[dict], parser: Optional[KtapParser] = None,
                  ends: Optional[dict] = None) -> tuple[boot.BootOutcome, KtapParser]:
        """Run a scenario of steps to its end."""
        parser = parser or KtapParser()
        scenario = self.image(steps_=steps_, name='scenario.json')
        outcome = boot.boot([sys.executable, '-S', str(FAKE), '--exec', scenario], parser,
                            lambda event: None, ends or protocol.EXEC_ENDS)
        return outcome, parser

    def test_complete_run(self) -> None:
        outcome, parser = self.run_steps(steps(PASSING.boot(), 0))
        self.assertEqual((outcome.end, outcome.status, outcome.error), ('pass', 0, None))
        self.assertTrue(parser.complete)
        self.assertEqual(list(outcome.tail)[-1], '# ktest: 3 passed, 0 failed, 0 skipped, '
                                                 '0 timed out')

    def test_carriage_returns(self) -> None:
        outcome, parser = self.run_steps(steps(PASSING.boot().replace('\n', '\r\n'), 1))
        self.assertEqual((outcome.end, outcome.error), ('fail', None))
        self.assertTrue(parser.complete)

    def test_exit_statuses(self) -> None:
        for status, end in ((2, 'error'), (3, 'restart'), (4, None), (33, None)):
            with self.subTest(status=status):
                outcome, _ = self.run_steps(steps('', status))
                self.assertEqual((outcome.status, outcome.end), (status, end))
        outcome, _ = self.run_steps(steps('', 33), ends=protocol.QEMU_ENDS)
        self.assertEqual(outcome.end, 'pass')

    def test_killed_by_a_signal(self) -> None:
        outcome, _ = self.run_steps([{'out': 'KTAP version 1\n'}, {'kill': 9}])
        self.assertEqual((outcome.status, outcome.end), (-9, None))

    def test_garbage(self) -> None:
        for raw in ('202020006f6b0a', 'ff0a', '1b5b33316d0a'):
            with self.subTest(raw=raw):
                outcome, _ = self.run_steps([{'out': 'KTAP version 1\n'}, {'raw': raw},
                                             {'hang': True}])
                self.assertIn('protocol error: garbage on the serial port', outcome.error)
                self.assertIsNone(outcome.status)

    def test_line_length_limit(self) -> None:
        longest = '# | ' + 'x' * (protocol.LINE_MAX - 5)
        outcome, parser = self.run_steps(steps(f'KTAP version 1\n{longest}\n', 0))
        self.assertEqual((outcome.error, parser.pending), (None, [longest[2:]]))
        for tail in ('x\n', 'x' * 20000):
            with self.subTest(tail=tail[:3]):
                outcome, _ = self.run_steps([{'out': f'KTAP version 1\n{longest}{tail}'},
                                             {'hang': True}])
                self.assertEqual(outcome.error, 'protocol error: a line longer than '
                                                f'{protocol.LINE_MAX} bytes')

    def test_output_ends_mid_line(self) -> None:
        outcome, _ = self.run_steps(steps('KTAP version 1\n# ktest: bye', 0))
        self.assertTrue(outcome.partial)
        self.assertEqual(list(outcome.tail), ['KTAP version 1', '# ktest: bye'])

    def test_stderr_is_kept(self) -> None:
        err = ''.join(f'line {i}\n' for i in range(30)) + 'bad \x01 byte\n'
        outcome, _ = self.run_steps([{'err': err}, {'exit': 1}])
        self.assertEqual(len(outcome.stderr), boot.TAIL_LINES)
        self.assertEqual(list(outcome.stderr)[-2:], ['line 29', 'bad \\x01 byte'])

    def test_protocol_error_stops_the_run(self) -> None:
        outcome, _ = self.run_steps([{'out': 'KTAP version 1\nhello\n'}, {'hang': True}])
        self.assertEqual(outcome.error, "protocol error: expected the top-level plan 1..N, "
                                        "got 'hello'")

    def test_timeout_ends_what_the_run_started(self) -> None:
        pidfile = self.tmp / 'child.pid'
        script = self.tmp / 'forks.py'
        header = Ktap('fmt.a', options={'ktest.timeout': '10'}).boot().split('    # a:')[0]
        script.write_text('import os, sys, time\n'          # the child, then the plan
                          'pid = os.fork()\n'
                          'if pid == 0:\n    time.sleep(600); os._exit(0)\n'
                          f'open({str(pidfile)!r}, "w").write(str(pid))\n'
                          f'sys.stdout.write({header!r}); sys.stdout.flush()\n'
                          'time.sleep(600)\n')
        with mock.patch.object(boot, 'GRACE_S', 0.2):
            outcome = boot.boot([sys.executable, str(script)], KtapParser(), lambda e: None,
                                protocol.EXEC_ENDS)
        self.assertTrue(outcome.timed_out)
        self.assertTrue(wait_gone(int(pidfile.read_text())))


if __name__ == '__main__':
    unittest.main()
