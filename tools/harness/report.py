"""Reporters of a test run: TAP for meson, a summary for a person, JSON."""

from __future__ import annotations

import io
import os
import sys

from . import protocol as P
from .config import Config, fresh_default
from .verdict import (ERROR, FAIL, FAILED, FLAKY, NOT_RUN, PASS, SKIP, CaseResult,
                      RunResult, Verdict)

TEXT_LINES = 20               # kernel text lines shown with a failed case
TEXT = P.TEXT_MARK.rstrip()
EXIT_STATUS = {PASS: 0, FAIL: 1, SKIP: 77, ERROR: 99}
COLOURS = {PASS: '32', SKIP: '33', FLAKY: '33'}
RED = '31'


def short_name(result: CaseResult) -> str:
    """`case` or `case[param]`: the tag of the case's own diagnostics."""
    return result.name.split('.', 1)[1]


def shown_log(result: CaseResult) -> list[str]:
    """A case's log as shown: its own diagnostics without their tag, and
    the last TEXT_LINES lines of text it printed."""
    own = short_name(result) + ': '
    text = [i for i, line in enumerate(result.log) if not line.startswith(own)]
    dropped = set(text[:-TEXT_LINES])
    shown = [line.removeprefix(own) for i, line in enumerate(result.log)
             if i not in dropped]
    if dropped:
        shown.insert(0, f'({len(dropped)} earlier lines of text not shown)')
    return shown


def command_line(cfg: Config, filters: tuple[str, ...]) -> str:
    """The run_qemu.py command that runs cfg's image again as cfg did, with
    filters as its selection."""
    import shlex
    tool = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        'run_qemu.py')
    words = [os.path.relpath(tool), os.path.relpath(cfg.image), '--test']
    words += ['--exec'] if cfg.exec else ['--machine', cfg.machine, '--memory', str(cfg.memory)]
    words += [f'--boot={cfg.boot}'] if cfg.boot != 'bios' and not cfg.exec else []
    words += [f'--filter={",".join(filters)}'] if filters else []
    words += [f'--shuffle={cfg.shuffle}'] if cfg.shuffle is not None else []
    words += [f'--repeat={cfg.repeat}'] if cfg.repeat > 1 else []
    words += [f'--case-timeout={cfg.case_timeout}'] if cfg.case_timeout else []
    if cfg.fresh_boot:
        plain = cfg.fresh_boot == fresh_default(cfg.keys, cfg.gdb, cfg.exec)
        words.append('--fresh-boot' if plain else f'--fresh-boot={cfg.fresh_boot}')
    words += [f'--keys={k}' for k in cfg.keys] + [f'--cmdline={w}' for w in cfg.cmdline]
    words += [f'--qemu-arg={a}' for a in cfg.qemu_args]
    return shlex.join(words)


def reproduction(cfg: Config, run: RunResult) -> list[str]:
    """How to rerun a failed run exactly, and its failed cases alone."""
    failed = tuple(dict.fromkeys(r.name for r in run.results if r.status in FAILED))
    lines = [f'rerun: {command_line(cfg, cfg.filter)}']
    if failed and failed != cfg.filter and len(failed) < len(run.results):
        lines.append(f'rerun the failed cases: {command_line(cfg, failed)}')
    return lines


class Reporter:
    """Counts the results it is given; subclasses show them."""

    cfg: Config | None = None       # set by make_reporter: for the rerun line

    def __init__(self) -> None:
        self.counts = {PASS: 0, FLAKY: 0, SKIP: 0, 'FAILED': 0, NOT_RUN: 0}
        self.number = 0

    def note(self, text: str) -> None:
        """Say something that is not a result (the shuffle seed)."""

    def plan(self, count: int) -> None:
        """The number of planned results is known."""

    def result(self, result: CaseResult) -> None:
        """One result, as it comes."""
        self.number += 1
        key = 'FAILED' if result.status in FAILED else result.status
        self.counts[key] = self.counts.get(key, 0) + 1
        self.show(result)

    def show(self, result: CaseResult) -> None:
        """Show one result."""

    def summary(self) -> str:
        """`N passed, N failed, N skipped` (+ flaky, not run)."""
        c = self.counts
        text = f'{c[PASS]} passed' + (f', {c[FLAKY]} flaky' if c[FLAKY] else '')
        text += f', {c["FAILED"]} failed, {c[SKIP]} skipped'
        return text + (f', {c[NOT_RUN]} not run' if c[NOT_RUN] else '')

    def finish(self, run: RunResult) -> int:
        """Show the end of the report; the exit status."""
        raise NotImplementedError


class HumanReporter(Reporter):
    """Readable lines, one per result, then a summary (exit 0/1/77/99)."""

    def __init__(self, out: io.TextIOBase, colour: bool, all_logs: bool = False) -> None:
        super().__init__()
        self.out = out
        self.colour = colour
        self.all_logs = all_logs

    def label(self, kind: str) -> str:
        """A status word, coloured on a terminal."""
        if self.colour:
            return f'\033[{COLOURS.get(kind, RED)}m{kind}\033[0m'
        return kind

    def say(self, text: str) -> None:
        """Print one line now."""
        print(text, file=self.out, flush=True)

    def note(self, text: str) -> None:
        self.say(text)

    def show(self, result: CaseResult) -> None:
        line = f'{self.label(result.status)} {result.name}'
        if result.reason:
            line += f': {result.reason}'
        if result.duration_us is not None:
            line += f' ({result.duration_us} us)'
        self.say(line)
        if result.status in FAILED or result.status == FLAKY or self.all_logs:
            for text in shown_log(result):
                self.say('    ' + text)

    def show_error(self, verdict: Verdict) -> None:
        """Why the run failed, with the output around it."""
        self.say(f'{self.label(ERROR)}: {verdict.reason}')
        for title, lines in (('last output from the image', verdict.tail),
                             ('stderr', verdict.stderr)):
            if lines:
                self.say(f'  {title}:')
                for line in lines:
                    self.say(f'    | {line}')

    def show_rerun(self, run: RunResult) -> None:
        """After a failure or error: the command lines that reproduce it."""
        if self.cfg is not None and run.verdict().kind in (FAIL, ERROR):
            for line in reproduction(self.cfg, run):
                self.say(line)

    def finish(self, run: RunResult) -> int:
        verdict = run.verdict()
        self.say(self.summary())
        if verdict.kind == ERROR:
            self.show_error(verdict)
        else:
            self.say(f'{self.label(verdict.kind)}: {verdict.reason}')
        self.show_rerun(run)
        return EXIT_STATUS[verdict.kind]


class TapReporter(Reporter):
    """TAP 13 for meson on stdout, one line per result, the plan last;
    readable details on stderr, which meson shows for failed tests."""

    def __init__(self, out: io.TextIOBase, err: io.TextIOBase) -> None:
        super().__init__()
        self.out = out
        self.details = HumanReporter(err, colour=False)
        self.say('TAP version 13')

    def say(self, text: str) -> None:
        """Print one TAP line now."""
        print(text, file=self.out, flush=True)

    def note(self, text: str) -> None:
        self.say(f'# {text}')

    def show(self, result: CaseResult) -> None:
        # Meson knows only the SKIP and TODO directives: "# TIMEOUT" and the
        # others stay part of a plain "not ok" line, which it scores FAIL,
        # and "# FLAKY" of an "ok" line, which it scores OK.
        ok = result.status in (PASS, SKIP, FLAKY)
        directive = '' if result.status == PASS else f' # {result.status} {result.reason}'
        self.say(f'{"ok" if ok else "not ok"} {self.number} {result.name}{directive}'.rstrip())
        if result.status in FAILED or result.status == FLAKY:
            for text in shown_log(result):
                self.say(f'# {text}')
            self.details.show(result)

    def finish(self, run: RunResult) -> int:
        verdict = run.verdict()
        self.details.say(self.summary())
        self.details.cfg = self.cfg
        self.details.show_rerun(run)
        for line in reproduction(self.cfg, run) if self.cfg and verdict.kind in (FAIL, ERROR) else []:
            self.say(f'# {line}')
        if verdict.kind == ERROR:
            self.details.show_error(verdict)
            self.say(f'not ok {self.number + 1} ktest.run # ERROR {verdict.reason}')
            self.say(f'1..{self.number + 1}')
            self.say(f'Bail out! {verdict.reason}')
            return EXIT_STATUS[ERROR]
        self.say(f'1..{self.number}' + (f' # SKIP {verdict.reason}' if not self.number else ''))
        return 0


def make_reporter(cfg: Config, quiet: bool = False) -> Reporter:
    """The reporter for --tap or for a person (quiet: none that prints)."""
    if quiet:
        reporter = Reporter()
    elif cfg.tap:
        reporter = TapReporter(sys.stdout, sys.stderr)
    else:
        colour = sys.stdout.isatty() and not os.environ.get('NO_COLOR')
        reporter = HumanReporter(sys.stdout, colour, cfg.log)
    reporter.cfg = cfg
    return reporter


REPORT_DIR_VARIABLE = 'KTEST_REPORT_DIR'


def report_paths(cfg: Config, env: dict[str, str]) -> list[str]:
    """Where the JSON report goes: --json, and a file named after the image
    in $KTEST_REPORT_DIR (meson sets it for tools/junit.py to gather)."""
    paths = [cfg.json] if cfg.json else []
    directory = env.get(REPORT_DIR_VARIABLE)
    if directory:
        os.makedirs(directory, exist_ok=True)
        stem = os.path.basename(cfg.image).removesuffix('.img')
        paths.append(os.path.join(directory, stem + '.json'))
    return paths


def write_json(path: str, cfg: Config, run: RunResult) -> None:
    """Every result and the verdict as JSON (written whole, then renamed)."""
    import json
    verdict = run.verdict()
    data = {
        'image': cfg.image, 'verdict': verdict.kind, 'reason': verdict.reason,
        'boots': run.boots, 'rerun': command_line(cfg, cfg.filter),
        'results': [{'name': r.name, 'status': r.status, 'reason': r.reason,
                     'duration_us': r.duration_us, 'log': r.log} for r in run.results],
    }
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)
