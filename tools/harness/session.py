"""Test mode: run an image's cases over as many boots as it takes, so that
every case gets its own verdict, and report them (docs/verdicts.md).

A boot that ends in the middle of a case (it hung, reset, stopped the
machine, or broke the output) costs that case its verdict, TIMEOUT or
CRASHED, and the image boots again with ktest.start after it. A boot the
image itself ends early (ktest's restart exit: a case broke the machine)
is resumed the same way. Anything else that goes wrong is an error of the
whole run.
"""

from __future__ import annotations

import os
import re
import sys

from . import protocol as P
from .boot import BootOutcome, boot, time_limit
from .process import stop
from .config import Config, UsageError
from .ktap import KtapParser
from .qemu import test_command
from .words import check_length, ktest_words
from .report import Reporter, make_reporter, report_paths, short_name, write_json
from .verdict import (CRASHED, ERROR, FAILED, FLAKY, NOT_RUN, PASS, SKIP, TIMEOUT,
                      CaseResult, RunResult, Verdict, plural)

SUMMARY_RE = re.compile(r'([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped, '
                        r'([0-9]+) timed out')
EXIT_PASS, EXIT_ERROR = 0, 99


class RunError(Exception):
    """The run itself went wrong: no case can be blamed."""


def passed_options(words: list[str]) -> dict[str, str]:
    """The ktest.* words passed, as the image should echo them."""
    found = {}
    for word in words:
        key, _, value = word.partition('=')
        if key.startswith('ktest.'):
            found[key] = value
    return found


def name_glob(name: str) -> str:
    """A filter glob selecting exactly name: a space or comma (which would
    end the glob), '*' and '?' as "\\NN", the character's code in hex
    (docs/protocol.md)."""
    return re.sub(r'[ ,*?]', lambda m: f'\\{ord(m.group()):02x}', name)


# ---------------------------------------------------------------------------
# Why a boot did not complete

def position(parser: KtapParser) -> str:
    """Where the image was when it stopped."""
    if not parser.seen_output:
        return 'before any output'
    if parser.state in ('version', 'header'):
        return 'before its test plan was complete'
    if parser.in_fixture:
        return 'in a suite fixture'
    running = parser.running_case()
    return f'while running case {running}' if running else 'after the last case'


def status_problem(outcome: BootOutcome, where: str) -> str:
    """What QEMU's (or the executable's) exit status says went wrong."""
    status = outcome.status
    if status == 0:
        return (f'the machine reset {where} (triple fault?) instead of writing '
                'an exit code')
    if status is not None and status < 0:
        return f'killed by signal {-status} {where}'
    if outcome.end is not None:
        return f'exit code "{outcome.end}" {where}, not written by ktest'
    return f'exit status {status} {where}, which is not a ktest exit'


def boot_problem(parser: KtapParser, outcome: BootOutcome, limit: float | None) -> str | None:
    """Why a boot did not complete as ktest ends a run, or None if it did."""
    where = position(parser)
    if outcome.error:
        return f'{outcome.error} ({where})'
    if outcome.timed_out:
        return f'no result for {limit:g} s {where}: hung (see --case-timeout)'
    if outcome.partial:
        return f'the output ended in the middle of a line {where}'
    if outcome.end == 'restart' and parser.restart_at is not None:
        return None
    if outcome.end == 'error' and parser.errors:
        return None
    if outcome.end in ('pass', 'fail') and parser.complete:
        return None
    if outcome.end in ('pass', 'fail', 'error') and not parser.seen_output:
        return f'no output, although it exited with "{outcome.end}"'
    return status_problem(outcome, where)


def options_problem(echoed: dict[str, str], words: list[str]) -> str | None:
    """How the options the image echoed differ from the words passed, or None."""
    flags = (P.OPT_LIST, P.OPT_FRESH)
    for key, value in passed_options(words).items():
        if echoed.get(key) == value:
            continue
        if key in flags:
            return f'the image read no {key}, the harness passed {key}'
        return (f'the image read {key}={echoed.get(key, "(nothing)")}, the harness '
                f'passed {key}={value}')
    return None


def consistency(parser: KtapParser, outcome: BootOutcome, start: int,
                words: list[str]) -> str | None:
    """What a completed boot says that does not add up, or None."""
    mine = parser.results[start:]
    failed = sum(r.status in FAILED for r in mine)
    problem = options_problem(parser.options or {}, words)
    if problem:
        return problem
    if any(r.status != SKIP for r in parser.results[:start]):
        return f'the image ran cases before {P.OPT_START}={start}'
    if outcome.end == 'restart' and (parser.restart_at != len(parser.results) or
                                     parser.restart_at <= start):
        return (f'the image restarts at {P.OPT_START}={parser.restart_at} after '
                f'{plural(len(parser.results), "result")}')
    if outcome.end == 'pass' and failed:
        return f'exit code "pass" says every case passed, but {failed} failed'
    if outcome.end == 'fail' and not failed and parser.complete:
        return 'exit code "fail" says a case failed, but none did'
    return summary_problem(parser)


def summary_problem(parser: KtapParser) -> str | None:
    """The image's own count of its results against what it printed."""
    counts = [SUMMARY_RE.fullmatch(text) for text in parser.said]
    counts = [m for m in counts if m]
    if not counts:
        return None if not parser.complete or not parser.plan else 'no summary line'
    said = tuple(int(n) for n in counts[-1].groups())
    statuses = [r.status for r in parser.results]
    seen = (statuses.count('PASS'), statuses.count('FAIL'), statuses.count(SKIP),
            statuses.count(TIMEOUT))
    if said != seen:
        return f'the summary counts {said} but the results are {seen}'
    return None


# ---------------------------------------------------------------------------
# Boots

class Session:
    """One test-mode invocation: its boots, the results and the reporter."""

    def __init__(self, cfg: Config, reporter: Reporter, early: tuple | None = None) -> None:
        self.cfg = cfg
        self.reporter = reporter
        self.early = early                # (words, process) of a started first boot
        self.run = RunResult(filtered=bool(cfg.filter))
        self.plan: list[str | None] = None
        self.specs = list(cfg.keys)       # --keys left to type, across boots
        self.coverage = None              # a coverage.Collector with --coverage
        self.machine = None               # --fresh-boot=snapshot: its Machine

    def sink(self, words: list[str], parser: KtapParser, start: int) -> callable:
        """What takes a boot's events: its new results; its plan is checked."""
        def take(event: tuple[str, object]) -> None:
            """Take this boot's new results; check its plan."""
            if event[0] == 'options':
                self.take_options(event[1], words)
            elif event[0] == 'plan':
                self.take_plan(parser.plan)
            elif event[0] == 'result' and len(parser.results) > start:
                self.run.results.append(event[1])
                self.reporter.result(event[1])
        return take

    def boot(self, words: list[str], parser: KtapParser, start: int) -> BootOutcome:
        """One boot with words; results from index start on are the run's.
        With a snapshot machine, a run restored from its saved state, whose
        words are the machine's, then the rest of words."""
        if self.machine is not None:
            from .snapshot import SnapshotError
            check_length(self.cfg, words)
            self.run.boots += 1
            try:
                return self.machine.run(words[len(self.machine.words):], parser,
                                        self.sink(words, parser, start))
            except SnapshotError as exc:
                raise RunError(str(exc)) from None
        if self.coverage is None:
            return self.boot_with(words, parser, start, None)
        outcome = self.boot_with(words + self.coverage.words(), parser, start,
                                 self.coverage.qemu_args())
        self.coverage.take_boot(outcome.end is not None)
        return outcome

    def boot_with(self, words: list[str], parser: KtapParser, start: int,
                  extra: list[str] | None) -> BootOutcome:
        """One boot of a new QEMU, with extra QEMU arguments (the coverage
        channel)."""
        sink = self.sink(words, parser, start)
        check_length(self.cfg, words)
        self.run.boots += 1
        ends = P.EXEC_ENDS if self.cfg.exec else P.QEMU_ENDS
        unlimited = self.cfg.gdb is not None
        prelude = self.cfg.boot == 'uefi' and not self.cfg.exec
        if self.cfg.gdb_case:
            from .debug import Debugger
            debugger = Debugger(self.cfg)
            outcome = boot(test_command(self.cfg, words, None, extra), parser, sink, ends,
                           None, unlimited, debugger.start, prelude)
            debugger.wait()
            return outcome
        if not self.specs or self.cfg.exec:
            return boot(test_command(self.cfg, words, None, extra), parser, sink, ends,
                        None, unlimited, prelude=prelude, proc=self.take_early(words, extra))
        return self.boot_typing(words, parser, sink, ends, unlimited, prelude, extra)

    def take_early(self, words: list[str], extra: list[str] | None) -> object | None:
        """The first boot's process, started early (testmode.py), if it was
        started with these words and nothing extra; else it is stopped and None."""
        early, self.early = self.early, None
        if early and (early[0] != words or extra):
            stop(early[1])
            return None
        return early[1] if early else None

    def boot_typing(self, words: list[str], parser: KtapParser, sink: object, ends: dict,
                    unlimited: bool, prelude: bool, extra: list[str] | None) -> BootOutcome:
        """A boot whose cases ask for keys: QEMU with a QMP socket to type them."""
        import tempfile
        from .qmp import KeySender
        with tempfile.TemporaryDirectory(prefix='ktest-') as tmp:
            sender = KeySender(os.path.join(tmp, 'qmp.sock'), self.specs)
            outcome = boot(test_command(self.cfg, words, sender.path, extra), parser, sink,
                           ends, sender, unlimited, prelude=prelude)
            sender.wait()
            if sender.error:
                raise RunError(sender.error)
            if sender.lost:
                outcome.stderr.append(f'(run_qemu.py: {sender.lost})')
        return outcome

    def take_options(self, echoed: dict[str, str], words: list[str]) -> None:
        """The image's echo of its options must match the words of the boot
        (the command line arrived whole), whatever the boot comes to. A
        filter it read, from --filter, --cmdline or its built-in words, makes
        a selection of nothing a SKIP."""
        problem = options_problem(echoed, words)
        if problem:
            raise RunError(problem)
        if echoed.get(P.OPT_FILTER):
            self.run.filtered = True

    def take_plan(self, plan: list[str]) -> None:
        """The first boot's plan is the run's; every later one must match it."""
        if self.plan is None:
            self.plan = list(plan)
            self.reporter.plan(len(plan))
        elif plan != self.plan:
            raise RunError(f'a boot planned {", ".join(plan) or "nothing"}, not the '
                           f'{plural(len(self.plan), "case")} planned before')

    def fail(self, reason: str, outcome: BootOutcome | None = None) -> None:
        """The run went wrong: the rest of the plan is NOT RUN."""
        done = len(self.run.results)
        for name in (self.plan or [])[done:]:
            result = CaseResult(name, NOT_RUN, reason if name == self.plan[done] else '')
            self.run.results.append(result)
            self.reporter.result(result)
        self.run.error = Verdict(ERROR, reason,
                                 list(outcome.tail) if outcome else [],
                                 list(outcome.stderr) if outcome else [])

    def blame(self, parser: KtapParser, outcome: BootOutcome, problem: str) -> int:
        """The due case ended the boot: it gets TIMEOUT or CRASHED."""
        status = TIMEOUT if outcome.timed_out else CRASHED
        result = CaseResult(parser.running_case(), status, problem, parser.pending,
                            None)
        self.run.results.append(result)
        self.reporter.result(result)
        return len(self.run.results)

    def settle(self, parser: KtapParser, outcome: BootOutcome, start: int,
               words: list[str]) -> int | None:
        """After a boot: where the next boot starts, or None when the run is
        over (completed, or failed as a whole)."""
        limit = time_limit(parser, False, self.cfg.boot == 'uefi')
        problem = boot_problem(parser, outcome, limit)
        if problem is None:
            problem = consistency(parser, outcome, start, words)
            if problem is not None:
                self.fail(problem, outcome)
                return None
            if outcome.end == 'restart':
                return parser.restart_at
            if outcome.end == 'error':
                self.fail('; '.join(parser.errors), outcome)
            return None
        if (parser.running_case() is None or parser.in_fixture or
                parser.state not in ('suites', 'subtest', 'suite_plan', 'cases')):
            self.fail(problem, outcome)
            return None
        if len(parser.results) < start:
            self.fail(f'{problem}, before ktest.start={start} was reached', outcome)
            return None
        return self.blame(parser, outcome, problem)

    def run_selection(self, words_at: callable) -> None:
        """Boot (again after each crash) until every planned case has a
        verdict, the run fails, or --max-boots is reached."""
        start, boots = 0, 0
        while True:
            parser = KtapParser()
            boots += 1
            words = words_at(start)
            try:
                outcome = self.boot(words, parser, start)
                start = self.settle(parser, outcome, start, words)
            except RunError as exc:
                self.fail(str(exc))
                return
            if start is None or (self.plan is not None and start >= len(self.plan)):
                return
            if boots >= self.cfg.max_boots:
                self.fail(f'gave up after {boots} boots (--max-boots)', outcome)
                return


# ---------------------------------------------------------------------------
# The modes

def list_cases(cfg: Config, session: Session) -> list[str]:
    """Boot with ktest.list: the selected case names (RunError if it fails)."""
    parser = KtapParser(list_mode=True)
    words = ktest_words(cfg, listing=True)
    if session.machine is not None:
        words = session.machine.words + selection_words(cfg.filter, 0) + [P.OPT_LIST]
    outcome = session.boot(words, parser, 0)
    problem = boot_problem(parser, outcome, time_limit(parser, False, cfg.boot == 'uefi'))
    if problem is None and outcome.end != 'pass':
        problem = f'listing the cases ended with "{outcome.end}": {"; ".join(parser.errors)}'
    if problem:
        raise RunError(f'could not list the cases: {problem}')
    return parser.listed


def fresh_words(cfg: Config) -> list[str]:
    """The boot words of a snapshot machine: the case budget, --cmdline's
    words and ktest.fresh; each run adds its selection."""
    return ktest_words(cfg, 0, ()) + [P.OPT_FRESH]


def selection_words(globs: tuple[str, ...], start: int) -> list[str]:
    """The words of a snapshot run's selection, after the machine's."""
    words = [f'{P.OPT_FILTER}={",".join(globs)}'] if globs else []
    return words + ([f'{P.OPT_START}={start}'] if start else [])


def case_words(cfg: Config, session: Session, name: str, start: int) -> list[str]:
    """The words of the run of case name alone (from result start on)."""
    glob = (name_glob(name),)
    if session.machine is None:
        return ktest_words(cfg, start, glob)
    return session.machine.words + selection_words(glob, start)


def fresh_boot(cfg: Config, session: Session) -> None:
    """List the cases, then run each alone (in the harness's own shuffled
    and repeated order, a filter selecting only it) from a fresh machine:
    restored from a snapshot, or booted (--fresh-boot=boot)."""
    if cfg.fresh_boot == 'snapshot':
        from .snapshot import Machine
        session.machine = Machine(cfg, fresh_words(cfg))
    try:
        fresh_cases(cfg, session)
    finally:
        if session.machine is not None:
            session.machine.close()


def fresh_cases(cfg: Config, session: Session) -> None:
    """fresh_boot()'s runs: the listing, then one run per case."""
    try:
        names = list_cases(cfg, session)
    except RunError as exc:
        session.fail(str(exc))
        return
    if cfg.shuffle:
        import random
        random.Random(cfg.shuffle).shuffle(names)
    names *= cfg.repeat
    session.reporter.plan(len(names))
    session.plan = names
    for index, name in enumerate(names):
        sub = Session(cfg, session.reporter)
        sub.plan, sub.specs = [name], session.specs
        sub.coverage, sub.machine = session.coverage, session.machine
        sub.run_selection(lambda start, n=name: case_words(cfg, session, n, start))
        session.run.results += sub.run.results
        session.run.boots += sub.run.boots
        if sub.run.error:
            session.run.error = sub.run.error
            for rest in names[index + 1:]:
                result = CaseResult(rest, NOT_RUN)
                session.run.results.append(result)
                session.reporter.result(result)
            return


def print_list(cfg: Config) -> int:
    """--list: the selected case names, one per line."""
    if cfg.seed_picked:
        print(f'shuffle seed: {cfg.shuffle}', file=sys.stderr)
    session = Session(cfg, make_reporter(cfg, quiet=True))
    try:
        names = list_cases(cfg, session)
    except RunError as exc:
        print(f'run_qemu.py: error: {exc}', file=sys.stderr)
        return EXIT_ERROR
    for name in names:
        print(name)
    return EXIT_PASS


def dry_run(cfg: Config) -> int:
    """--dry-run: print the first command of the run."""
    import shlex
    import tempfile
    listing = cfg.list or cfg.fresh_boot
    tmp = os.path.join(tempfile.gettempdir(), 'ktest-XXXXXX')
    words = ktest_words(cfg, listing=listing)
    if cfg.fresh_boot == 'snapshot' and not cfg.list:
        from .snapshot import Machine
        machine = Machine(cfg, fresh_words(cfg))
        machine.tmp = tmp
        print(shlex.join(machine.command()))
        print(f'# savevm at "# ktest: {P.SAY_READY}", then per run loadvm and its words '
              f'on COM1: {P.OPT_LIST}, then {P.OPT_FILTER}=<case> for each case')
        return EXIT_PASS
    qmp = os.path.join(tmp, 'qmp.sock')
    print(shlex.join(test_command(cfg, words, qmp if cfg.keys and not listing else None)))
    if cfg.fresh_boot and not cfg.list:
        print(f'# then one boot per listed case, with {P.OPT_FILTER}=<case>')
    return EXIT_PASS


def run_selected(cfg: Config, session: Session) -> None:
    """Run cfg's selection in session, in one boot or (--fresh-boot) one per case."""
    if cfg.fresh_boot:
        fresh_boot(cfg, session)
    else:
        session.run_selection(lambda start: ktest_words(cfg, start))


def retry_failed(cfg: Config, session: Session) -> None:
    """--retries: run the cases that failed again, at most cfg.retries
    times. A case whose every result passes on a later run becomes FLAKY
    (its first failure kept in its log); one that fails again stays failed.
    A run that ended in an error is not retried: nothing in it is a case's."""
    run = session.run
    for attempt in range(2, cfg.retries + 2):
        failed = list(dict.fromkeys(r.name for r in run.results if r.status in FAILED))
        if run.error is not None or not failed:
            return
        globs = tuple(name_glob(name) for name in failed)
        if len(','.join(globs)) > P.CMDLINE_MAX // 2:
            globs = cfg.filter          # too many to name: the whole selection
        again = Session(cfg._replace(filter=globs, retries=0), Reporter())
        again.coverage = session.coverage
        session.reporter.note(f'run {attempt}: {plural(len(failed), "failed case")} again')
        run_selected(again.cfg, again)
        run.boots += again.run.boots
        if again.run.error is not None:
            session.reporter.note(f'run {attempt} ended in an error: '
                                  f'{again.run.error.reason}')
            return
        merge_retry(run, again.run, attempt)


def merge_retry(run: RunResult, again: RunResult, attempt: int) -> None:
    """Take a retry's results into run's failed ones, by name."""
    later: dict[str, list[CaseResult]] = {}
    for result in again.results:
        later.setdefault(result.name, []).append(result)
    for index, result in enumerate(run.results):
        mine = later.get(result.name)
        if result.status not in FAILED or not mine:
            continue
        if all(r.status == PASS for r in mine):
            why = result.reason or 'a check failed'
            run.results[index] = CaseResult(
                result.name, FLAKY, f'{result.status} on run 1 ({why}), passed on run '
                f'{attempt}', result.log, mine[-1].duration_us)
        else:
            again_failed = next(r for r in mine if r.status != PASS)
            result.log.append(f'{short_name(result)}: run {attempt}: {again_failed.status} '
                              f'again {again_failed.reason}'.rstrip())


def run_session(cfg: Config, early: tuple | None = None) -> int:
    """Test mode after the checks (testmode.py): run the image's cases and
    report them; the exit status. early: (words, process) of the first
    boot, already started. With --retries the results are held back until
    the retries are done."""
    if cfg.list:
        return print_list(cfg)
    reporter = make_reporter(cfg)
    session = Session(cfg, Reporter() if cfg.retries else reporter, early)
    if cfg.seed_picked:
        reporter.note(f'shuffle seed: {cfg.shuffle}')
    if cfg.coverage and not cfg.exec:
        from .coverage import Collector
        session.coverage = Collector(cfg.image, cfg.coverage_per_case)
    run_selected(cfg, session)
    if cfg.retries:
        session.reporter = reporter
        retry_failed(cfg, session)
        reporter.plan(len(session.run.results))
        for result in session.run.results:
            reporter.result(result)
    for path in report_paths(cfg, os.environ):
        write_json(path, cfg, session.run)
    if session.coverage:
        session.coverage.finish()
    return reporter.finish(session.run)
