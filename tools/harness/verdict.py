"""What a run of a test image comes to: each case's status and the run's
verdict. Neutral: the reporters (report.py) turn these into TAP for meson,
a summary for a person, JSON.
"""

from __future__ import annotations


# A case's status. TIMEOUT: the kernel stopped it, or it hung the machine;
# CRASHED: it reset or stopped the machine (triple fault, an exit of its
# own); NOT RUN: the run ended before it; FLAKY: it failed, then passed
# when run again (--retries), which is never reported as a plain PASS.
PASS, FAIL, SKIP, TIMEOUT, CRASHED, NOT_RUN, FLAKY = (
    'PASS', 'FAIL', 'SKIP', 'TIMEOUT', 'CRASHED', 'NOT RUN', 'FLAKY')
FAILED = (FAIL, TIMEOUT, CRASHED)

# The run's verdict.
ERROR = 'ERROR'


class CaseResult:
    """One result: a case, or one parameter of a parameterized case.

    name: suite.case or suite.case[param]; status: one of the statuses
    above; reason: of SKIP, TIMEOUT, CRASHED, NOT RUN; log: its diagnostics
    and text, in order; duration_us: as the image measured it.
    """

    __slots__ = ('name', 'status', 'reason', 'log', 'duration_us')

    def __init__(self, name: str, status: str, reason: str = '',
                 log: list[str] | None = None, duration_us: int | None = None) -> None:
        self.name = name
        self.status = status
        self.reason = reason
        self.log = [] if log is None else log
        self.duration_us = duration_us

    def __repr__(self) -> str:
        return f'CaseResult({self.name!r}, {self.status!r}, {self.reason!r})'


class Verdict:
    """PASS, FAIL, SKIP or ERROR, with why; for an ERROR, the output to show."""

    __slots__ = ('kind', 'reason', 'tail', 'stderr')

    def __init__(self, kind: str, reason: str, tail: list[str] | None = None,
                 stderr: list[str] | None = None) -> None:
        self.kind = kind
        self.reason = reason
        self.tail = tail or []
        self.stderr = stderr or []

    def __repr__(self) -> str:
        return f'Verdict({self.kind!r}, {self.reason!r})'


class RunResult:
    """Every planned result of a run, in order, and the run's own error
    (set when the run itself went wrong); filtered: a filter chose the cases."""

    def __init__(self, filtered: bool = False) -> None:
        self.results: list[CaseResult] = []
        self.error: Verdict | None = None
        self.boots = 0
        self.filtered = filtered

    def verdict(self) -> Verdict:
        """The run's verdict: never PASS unless every result passed or was
        skipped and the run itself completed."""
        if self.error is not None:
            return self.error
        failed = [r for r in self.results if r.status in FAILED or r.status == NOT_RUN]
        skipped = [r for r in self.results if r.status == SKIP]
        if failed:
            return Verdict(FAIL, f'{len(failed)} of {plural(len(self.results), "case")} failed')
        if not self.results:
            if self.filtered:
                return Verdict(SKIP, 'no case matches the filter')
            return Verdict(ERROR, 'no results: the image ran no test case')
        if len(skipped) == len(self.results):
            return Verdict(SKIP, f'all {len(skipped)} cases were skipped')
        flaky = sum(r.status == FLAKY for r in self.results)
        return Verdict(PASS, f'{plural(len(self.results) - len(skipped), "case")} passed'
                       + (f', {flaky} of them only when run again (FLAKY)' if flaky else ''))


def plural(count: int, word: str) -> str:
    """'1 case', '2 cases'."""
    return f'{count} {word}' + ('' if count == 1 else 's')
