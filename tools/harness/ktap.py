"""The one reader of what a test image prints (docs/protocol.md).

KtapParser is strict and streaming: feed() takes one line and returns the
events it produced; the first line that breaks the protocol raises
ProtocolError. The benchmark and the tests use this parser too.
"""

from __future__ import annotations

import re
import zlib

from . import protocol as P
from .verdict import FAILED, CaseResult

INDENT = P.INDENT
DIAG = P.DIAG
TEXT = DIAG + P.TEXT_MARK.rstrip()
NAME = r'[A-Za-z_][A-Za-z0-9_]*'       # suite and case names: C identifiers
RESULT_RE = re.compile(r'(ok|not ok) ([0-9]+) ([^\s#](?:[^#]*[^\s#])?)(?: # (.*))?')
DIRECTIVE_RE = re.compile(rf'({P.DIRECTIVE_SKIP}|{P.DIRECTIVE_TIMEOUT})(?: (.*))?')
PLAN_RE = re.compile(r'1\.\.([0-9]+)')
NAME_RE = re.compile(rf'({NAME}\.{NAME}(?:\[[^\[\]#]*\])?)')
PACKED_RE = re.compile(rf'({NAME})\.({NAME}(?: {NAME})+)')
BUDGET_RE = re.compile(rf'({NAME}\.{NAME}) ([0-9]+) ms')
DURATION_RE = re.compile(r'(.+): ([0-9]+) us')
PARAM_RE = re.compile(r'(.+?)\[.*\]')
RESTART_RE = re.compile(rf'{P.SAY_RESTART} {re.escape(P.OPT_START)}=([0-9]+)\b.*')
FIXTURE_RE = re.compile(rf'{P.SAY_FIXTURE} (begin|end)\b.*')
DONE_RE = re.compile(rf'{P.SAY_DONE} ([0-9]+)')
SUM_RE = re.compile(rf'{P.SAY_SUM} ([0-9a-f]{{8}})')
SUMS = f'{P.SAY_SUMS} {P.SUM_KIND}'


class ProtocolError(Exception):
    """The output broke the wire protocol."""


Event = tuple[str, object]   # ('options', dict) ('plan', n) ('result', CaseResult)
                             # ('input', None) ('restart', k) ('fixture', bool)
                             # ('ready', None) ('done', status): ktest.fresh


def split_groups(names: list[str]) -> list[list[str]]:
    """Cut plan names into suite runs: a new run at a suite change or a
    repeated case."""
    groups: list[list[str]] = []
    seen: set[str] = set()
    for name in names:
        suite = name.split('.', 1)[0]
        if groups and groups[-1][0].split('.', 1)[0] == suite and name not in seen:
            groups[-1].append(name)
        else:
            groups.append([name])
            seen = set()
        seen.add(name)
    return groups


def expand_plan(names: list[str], suites: int) -> list[list[str]]:
    """Match the plan names to the top-level plan 1..suites: the names list
    the selection once, repeated ktest.repeat times."""
    groups = split_groups(names)
    if len(groups) == suites:
        return groups
    if groups and suites % len(groups) == 0:
        return groups * (suites // len(groups))
    raise ProtocolError(f'top-level plan 1..{suites} does not fit the {len(groups)} '
                        'suite(s) named by the plan lines')


def parse_options(text: str) -> dict[str, str]:
    """`ktest.filter=a,b ktest.repeat=2 ktest.list` as a dict ('' for a bare word)."""
    words = text.split(' ')
    return {w.split('=', 1)[0]: (w.split('=', 1)[1] if '=' in w else '')
            for w in words if w}


def result_status(ok: bool, directive: str | None, line: str) -> tuple[str, str]:
    """Status and reason of a result line: ok [# SKIP r] or not ok [# TIMEOUT r]."""
    if directive is None:
        return ('PASS' if ok else 'FAIL'), ''
    match = DIRECTIVE_RE.fullmatch(directive)
    if match and match.group(1) == (P.DIRECTIVE_SKIP if ok else P.DIRECTIVE_TIMEOUT):
        return match.group(1), match.group(2) or ''
    raise ProtocolError(f'bad directive in {line!r}')


class Suite:
    """The suite subtest being read: its plan, results so far, failures;
    group is its index into KtapParser.groups."""

    def __init__(self, name: str, group: int) -> None:
        self.name = name
        self.group = group
        self.planned: int | None = None
        self.count = 0
        self.failed = 0


class KtapParser:
    """Strict, streaming reader of one boot's output (docs/protocol.md).

    plan holds the full name of every result the run will give, in order;
    results the results read so far (results[i] is plan[i]'s). With
    list_mode the image only lists its cases (ktest.list) into listed.
    """

    def __init__(self, list_mode: bool = False) -> None:
        self.list_mode = list_mode
        self.state = 'version'
        self.seen_output = False
        self.options: dict[str, str] | None = None
        self.listed: list[str] = []
        self.budgets: dict[str, int] = {}
        self.plan: list[str] = []
        self.results: list[CaseResult] = []
        self.groups: list[tuple[str, int, int]] = []   # suite, first, end
        self.suite: Suite | None = None
        self.suites_done = 0
        self.pending: list[str] = []    # diagnostics since the last result
        self.said: list[str] = []       # the runner's other "# ktest:" lines
        self.errors: list[str] = []     # "# ktest: error: ..." lines
        self.in_fixture = False
        self.restart_at: int | None = None
        self.events: list[Event] = []
        self.sums = False               # results come after their sums (ktest said so)
        self.sum = 0                    # CRC-32 of the document so far
        self.before = 0                 # ... before the line being read
        self.summed = False             # this line is a sum that matched
        self.after_sum = False          # the line before was

    @property
    def complete(self) -> bool:
        """True once everything the protocol requires has been read."""
        return self.state == ('listed' if self.list_mode else 'done')

    def running_case(self) -> str | None:
        """The result due next: what was running if the image stopped now."""
        return self.plan[len(self.results)] if len(self.results) < len(self.plan) else None

    def budget_ms(self, name: str | None) -> int:
        """The time budget of a case (its base name, without a parameter)."""
        default = int((self.options or {}).get(P.OPT_TIMEOUT, P.CASE_TIMEOUT_MS))
        if name is None:
            return default
        param = PARAM_RE.fullmatch(name)
        return self.budgets.get(param.group(1) if param else name, default)

    def feed(self, line: str) -> list[Event]:
        """Read one line (without its newline)."""
        self.events = []
        self.seen_output = True
        self.after_sum, self.summed = self.summed, False
        if line == P.VERSION_LINE:
            self.sum = 0                # a document starts, and its sum
        self.before = self.sum
        self.sum = zlib.crc32(line.encode() + b'\n', self.sum)
        body = line.lstrip(' ')
        indent = len(line) - len(body)
        if indent not in (0, len(INDENT)) or not body:
            raise ProtocolError(f'malformed line {line!r}')
        if body.startswith('#'):
            self._diagnostic(indent, body)
        else:
            getattr(self, '_in_' + self.state)(indent, body, line)
        return self.events

    # Diagnostics.

    def _diagnostic(self, indent: int, body: str) -> None:
        """A `#` line: the runner's, a plan line, a subtest name, or a case's."""
        if self.state == 'version':
            raise ProtocolError(f'expected {P.VERSION_LINE!r} as the first line, got {body!r}')
        runner = DIAG + P.TAG_RUNNER + ': '
        if body.startswith(runner):
            self._runner(body[len(runner):])
        elif self.state == 'header' and not body.startswith(TEXT):
            self._header_line(indent, body)
        elif self.state == 'subtest' and indent and not body.startswith(TEXT):
            self._subtest(body)
        else:
            self.pending.append(body[len(DIAG):] if body.startswith(DIAG) else body[1:])

    def _runner(self, text: str) -> None:
        """A "# ktest:" line: options, input prompts, restarts, errors,
        fixtures, and a fresh run's "ready" and "done"."""
        restart = RESTART_RE.fullmatch(text)
        fixture = FIXTURE_RE.fullmatch(text)
        done = DONE_RE.fullmatch(text)
        if text.startswith(P.SAY_OPTIONS + ' ') and self.options is None:
            self.options = parse_options(text[len(P.SAY_OPTIONS) + 1:])
            self.events.append(('options', self.options))
        elif text == P.SAY_INPUT:
            self.events.append(('input', None))
        elif restart:
            self.restart_at = int(restart.group(1))
            self.events.append(('restart', self.restart_at))
        elif text.startswith(P.SAY_ERROR + ': '):
            self.errors.append(text[len(P.SAY_ERROR) + 2:])
        elif fixture:
            self.in_fixture = fixture.group(1) == 'begin'
        elif text == P.SAY_READY:
            self.events.append(('ready', None))
        elif done:
            self.events.append(('done', int(done.group(1))))
        elif text == SUMS:
            self.sums = True
        elif SUM_RE.fullmatch(text):
            self._sum(int(SUM_RE.fullmatch(text).group(1), 16))
        else:
            self.said.append(text)

    def _sum(self, value: int) -> None:
        """A result's sum: the CRC-32 of everything since the version line
        must be what ktest wrote, or something else wrote on the port."""
        if value != self.before:
            raise ProtocolError(f'bytes on the serial port that ktest did not write '
                                f'(its sum {value:08x}, the output\'s {self.before:08x})')
        self.summed = True

    def _header_line(self, indent: int, body: str) -> None:
        """Before the top-level plan: plan, case and budget lines."""
        tag, _, text = body[len(DIAG):].partition(': ')
        names = (P.TAG_PLAN, P.TAG_CASE) if self.list_mode else (P.TAG_PLAN,)
        if indent:
            raise ProtocolError(f'malformed header line {body!r}')
        if tag in names:
            self._plan_line(text)
        elif tag == P.TAG_BUDGET and BUDGET_RE.fullmatch(text):
            match = BUDGET_RE.fullmatch(text)
            self.budgets[match.group(1)] = int(match.group(2))
        else:
            raise ProtocolError(f'malformed header line {body!r}')

    def _plan_line(self, text: str) -> None:
        """`suite.case`, `suite.case[param]` or `suite.a b c` (packed)."""
        packed = PACKED_RE.fullmatch(text)
        if packed:
            self.listed += [f'{packed.group(1)}.{c}' for c in packed.group(2).split(' ')]
        elif NAME_RE.fullmatch(text):
            self.listed.append(text)
        else:
            raise ProtocolError(f'malformed plan line {text!r}')

    def _subtest(self, body: str) -> None:
        """`# Subtest: NAME` opens the suite the plan expects next."""
        expected = self.groups[self.suites_done][0]
        if body != f'{DIAG}{P.SUBTEST}: {expected}':
            raise ProtocolError(f'expected {INDENT}{DIAG}{P.SUBTEST}: {expected}, got {body!r}')
        self.suite = Suite(expected, self.suites_done)
        self.state = 'suite_plan'

    # What a line that is not a diagnostic may be, in each state.

    def _in_version(self, indent: int, body: str, line: str) -> None:
        """First line: the KTAP version."""
        if line != P.VERSION_LINE:
            raise ProtocolError(f'expected {P.VERSION_LINE!r} as the first line, got {line!r}')
        self.state = 'header'

    def _in_header(self, indent: int, body: str, line: str) -> None:
        """After the version: the top-level plan ends the header."""
        match = PLAN_RE.fullmatch(line)
        if not match:
            raise ProtocolError(f'expected the top-level plan 1..N, got {line!r}')
        if self.options is None:
            raise ProtocolError('no "# ktest: options" line before the plan')
        if self.list_mode:
            self.state = 'listed'
            return
        for group in expand_plan(self.listed, int(match.group(1))) if self.listed else []:
            self.groups.append((group[0].split('.', 1)[0], len(self.plan),
                                len(self.plan) + len(group)))
            self.plan += group
        if int(match.group(1)) and not self.groups:
            raise ProtocolError(f'top-level plan {line!r} without plan lines')
        self.state = 'suites' if self.groups else 'done'
        self.events.append(('plan', len(self.plan)))

    def _in_suites(self, indent: int, body: str, line: str) -> None:
        """Between suites: the next suite's version line."""
        if line != INDENT + P.VERSION_LINE:
            raise ProtocolError(f'expected a suite ({INDENT + P.VERSION_LINE!r}), got {line!r}')
        self.state = 'subtest'

    def _in_subtest(self, indent: int, body: str, line: str) -> None:
        """After a suite's version line only its `# Subtest:` line may come."""
        raise ProtocolError(f'expected {INDENT}{DIAG}{P.SUBTEST}: NAME, got {line!r}')

    def _in_suite_plan(self, indent: int, body: str, line: str) -> None:
        """After `# Subtest:`: the suite's plan."""
        match = PLAN_RE.fullmatch(body)
        if indent != len(INDENT) or not match:
            raise ProtocolError(f'suite {self.suite.name}: missing suite plan, got {line!r}')
        self.suite.planned = int(match.group(1))
        self.state = 'cases'

    def _in_cases(self, indent: int, body: str, line: str) -> None:
        """Inside a suite: case results, then the suite's own result line."""
        match = RESULT_RE.fullmatch(body)
        if not match:
            raise ProtocolError(f'malformed line {line!r}')
        if indent and self.sums and not self.after_sum:
            raise ProtocolError(f'a result ktest did not write, no sum before it: {line!r}')
        ok, number, name, directive = match.groups()
        status, reason = result_status(ok == 'ok', directive, line)
        if indent:
            self._case(int(number), name, status, reason)
        else:
            self._suite_end(int(number), name, status)

    def _in_listed(self, indent: int, body: str, line: str) -> None:
        """List mode after the plan: only diagnostics."""
        raise ProtocolError(f'unexpected line in a case list: {line!r}')

    def _in_done(self, indent: int, body: str, line: str) -> None:
        """After the last suite: only diagnostics."""
        raise ProtocolError(f'unexpected line after the last suite: {line!r}')

    # Results.

    def _case(self, number: int, name: str, status: str, reason: str) -> None:
        """A case's result: numbered in its suite, due in the plan, right
        after its duration line."""
        suite, due = self.suite, self.running_case()
        if number != suite.count + 1 or number > suite.planned:
            raise ProtocolError(f'suite {suite.name}: result {number} ({name}) where '
                                f'{suite.count + 1} of {suite.planned} was due')
        if len(self.results) >= self.groups[suite.group][2] or due != f'{suite.name}.{name}':
            raise ProtocolError(f'case {suite.name}.{name} reported where the plan has '
                                f'{due if due else "no more cases"}')
        duration = DURATION_RE.fullmatch(self.pending[-1]) if self.pending else None
        if not duration or duration.group(1) != name:
            raise ProtocolError(f'case {suite.name}.{name}: no duration line before its result')
        self.pending.pop()
        suite.count = number
        suite.failed += status in FAILED
        result = CaseResult(due, status, reason, self.pending, int(duration.group(2)))
        self.pending = []
        self.results.append(result)
        self.events.append(('result', result))

    def _suite_end(self, number: int, name: str, status: str) -> None:
        """The suite's own result line, unindented."""
        suite = self.suite
        if suite.count != suite.planned:
            raise ProtocolError(f'suite {suite.name} ended after {suite.count} of the '
                                f'{suite.planned} results in its plan')
        if number != self.suites_done + 1 or name != suite.name:
            raise ProtocolError(f'suite result {number} {name} where '
                                f'{self.suites_done + 1} {suite.name} was due')
        if (status in FAILED) != (suite.failed > 0):
            raise ProtocolError(f'suite {suite.name} result does not agree with its cases')
        self.suites_done += 1
        self.suite = None
        self.pending = []
        self.state = 'done' if self.suites_done == len(self.groups) else 'suites'
