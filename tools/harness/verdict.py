"""What a run of a test image comes to: each case's status and the run's
verdict. Neutral: the reporters (report.py) turn these into TAP for meson,
a summary for a person, JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

# A case's status. TIMEOUT: the kernel stopped it, or it hung the machine;
# CRASHED: it reset or stopped the machine (triple fault, an exit of its
# own); NOT RUN: the run ended before it.
PASS, FAIL, SKIP, TIMEOUT, CRASHED, NOT_RUN = (
    'PASS', 'FAIL', 'SKIP', 'TIMEOUT', 'CRASHED', 'NOT RUN')
FAILED = (FAIL, TIMEOUT, CRASHED)

# The run's verdict.
ERROR = 'ERROR'


@dataclass
class CaseResult:
    """One result: a case, or one parameter of a parameterized case."""

    name: str                        # suite.case or suite.case[param]
    status: str                      # one of the statuses above
    reason: str = ''                 # of SKIP, TIMEOUT, CRASHED, NOT RUN
    log: list[str] = field(default_factory=list)   # its diagnostics
    duration_us: Optional[int] = None
    where: str = ''                  # file:line of its first failed check


@dataclass
class Verdict:
    """PASS, FAIL, SKIP or ERROR, with why; for an ERROR, the output to show."""

    kind: str
    reason: str
    tail: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """Every planned result of a run, in order, and the run's own error."""

    results: list[CaseResult] = field(default_factory=list)
    error: Optional[Verdict] = None  # set when the run itself went wrong
    boots: int = 0
    filtered: bool = False           # a filter chose the cases

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
        return Verdict(PASS, f'{plural(len(self.results) - len(skipped), "case")} passed')


def plural(count: int, word: str) -> str:
    """'1 case', '2 cases'."""
    return f'{count} {word}' + ('' if count == 1 else 's')
