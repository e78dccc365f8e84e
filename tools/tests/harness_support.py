"""Shared by the harness's tests (tools/tests/test_*.py): the paths, a
builder of the KTAP a test image prints, and a base class that runs
run_qemu.py against fake_qemu.py (a stand-in for QEMU, or for a host test
executable, that plays a scenario written into the "image").

Not a test itself. Standard library only.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional
from unittest import mock

HERE = Path(__file__).resolve().parent
TOOLS = HERE.parent
TOOL = TOOLS / 'run_qemu.py'
FAKE = HERE / 'fake_qemu.py'
HEADER = TOOLS.parent / 'ktest' / 'include' / 'ktest_protocol.h'

sys.path.insert(0, str(TOOLS))
from harness import boot, cli, protocol  # noqa: E402  (after the path is set)

# QEMU's exit statuses for ktest's exit values, and the statuses of a
# host test executable.
QEMU_PASS = protocol.qemu_status(protocol.EXIT_PASS)          # 33
QEMU_FAIL = protocol.qemu_status(protocol.EXIT_FAIL)          # 35
QEMU_ERROR = protocol.qemu_status(protocol.EXIT_ERROR)        # 37
QEMU_RESTART = protocol.qemu_status(protocol.EXIT_RESTART)    # 39
QEMU_RESET = 0        # QEMU's status after a triple fault with -no-reboot

DEFAULT_OPTIONS = {'ktest.filter': '', 'ktest.shuffle': '0', 'ktest.repeat': '1',
                   'ktest.timeout': str(protocol.CASE_TIMEOUT_MS), 'ktest.start': '0'}
SPEC_RE = re.compile(r'(?:(ok|not ok) )?([A-Za-z_]\w*)\.([^#]*[^#\s])(?: # (.*))?')
FAILURE = 'kernel/x_test.c:7: EXPECT_EQ(1, n) failed'


# ---------------------------------------------------------------------------
# What a test image prints

@dataclass
class Case:
    """One result of a fake run: 'fmt.hex', 'not ok fmt.hex',
    'ok fmt.oct # SKIP why', 'not ok fmt.bin # TIMEOUT why', 'fmt.w[1]'."""

    suite: str
    name: str                        # case, or case[param]
    ok: bool
    directive: str                   # '' or 'SKIP why' or 'TIMEOUT why'
    log: list[str] = field(default_factory=list)   # lines before the duration

    @classmethod
    def parse(cls, spec: str) -> 'Case':
        """A Case from its spec; a plain failure gets a check's message."""
        match = SPEC_RE.fullmatch(spec)
        if not match:
            raise ValueError(f'bad case spec {spec!r}')
        verb, suite, name, directive = match.groups()
        ok = verb != 'not ok'
        log = [f'{name}: {FAILURE}'] if not ok and not directive else []
        return cls(suite, name, ok, directive or '', log)

    @property
    def full(self) -> str:
        """suite.case[param]"""
        return f'{self.suite}.{self.name}'

    @property
    def spec(self) -> str:
        """The spec this case was made from."""
        directive = f' # {self.directive}' if self.directive else ''
        return f'{"ok" if self.ok else "not ok"} {self.full}{directive}'


def groups_of(cases: list[Case]) -> list[tuple[str, list[Case]]]:
    """Consecutive cases of one suite, as the runner prints suites."""
    groups: list[tuple[str, list[Case]]] = []
    for case in cases:
        if groups and groups[-1][0] == case.suite:
            groups[-1][1].append(case)
        else:
            groups.append((case.suite, [case]))
    return groups


def plan_lines(cases: list[Case], tag: str = 'plan', packed: bool = True) -> list[str]:
    """`# plan:` lines: a suite's consecutive plain cases packed on one line,
    each parameter alone, as ktest/core/select.c prints them."""
    lines: list[str] = []
    packing: Optional[str] = None
    for case in cases:
        plain = '[' not in case.name
        if packed and plain and packing == case.suite:
            lines[-1] += f' {case.name}'
            continue
        lines.append(f'# {tag}: {case.full}')
        packing = case.suite if packed and plain else None
    return lines


def options_line(options: dict[str, str], start: int = 0, listing: bool = False) -> str:
    """The runner's echo of the ktest.* options it uses."""
    values = dict(DEFAULT_OPTIONS, **options)
    values['ktest.start'] = str(start)
    words = ' '.join(f'{key}={value}' for key, value in values.items())
    return f'# ktest: options {words}' + (' ktest.list' if listing else '')


class Ktap:
    """The output of a fake test image: every boot of it, as ktest prints it.

    specs are Case specs; logs maps a spec's full name to its diagnostic
    lines (without '# '); options are the ktest.* values the image echoes
    (as it would read them from the command line); budgets maps a case
    (suite.case) to its announced budget in ms.
    """

    def __init__(self, *specs: str, logs: Optional[dict[str, list[str]]] = None,
                 options: Optional[dict[str, str]] = None,
                 budgets: Optional[dict[str, int]] = None, repeat: int = 1,
                 packed: bool = True) -> None:
        self.cases = [Case.parse(spec) for spec in specs]
        for case in self.cases:
            case.log = list((logs or {}).get(case.full, case.log))
        self.options = dict(options or {})
        if repeat > 1:
            self.options.setdefault('ktest.repeat', str(repeat))
        self.budgets = budgets or {}
        self.repeat = repeat
        self.packed = packed

    @property
    def names(self) -> list[str]:
        """Every result's name, in run order (the repeats included)."""
        return [case.full for case in self.cases] * self.repeat

    def header(self, start: int = 0) -> list[str]:
        """From the version line to the top-level plan."""
        groups = groups_of(self.cases)
        return (['KTAP version 1', options_line(self.options, start),
                 f'# ktest: {len(self.cases)} cases in {len(groups)} suites, seed 0']
                + plan_lines(self.cases, packed=self.packed)
                + [f'# budget: {name} {ms} ms' for name, ms in self.budgets.items()]
                + [f'1..{len(groups) * self.repeat}'])

    def listing(self) -> str:
        """What the image prints with ktest.list."""
        lines = (['KTAP version 1', options_line(self.options, listing=True),
                  f'# ktest: {len(self.cases)} cases, seed 0']
                 + plan_lines(self.cases, tag='case', packed=False)
                 + [f'# budget: {name} {ms} ms' for name, ms in self.budgets.items()]
                 + ['1..0'])
        return '\n'.join(lines) + '\n'

    def boot(self, start: int = 0, crash_at: Optional[int] = None,
             restart_after: Optional[int] = None, summary: bool = True) -> str:
        """One boot's output. start: results before it are skipped (ktest.start);
        crash_at: the output stops inside that result's case, after its log;
        restart_after: after that result the runner restarts the machine."""
        out = BootWriter(self, start)
        out.lines = self.header(start)
        stopped = out.suites(crash_at, restart_after)
        if stopped == 'restart':
            out.summary()
            out.lines.append(f'# ktest: restart ktest.start={restart_after + 1}: '
                             'the last case left the machine unusable')
        elif stopped is None and summary:
            out.summary()
        return '\n'.join(out.lines) + '\n'


class BootWriter:
    """Writes the suites of one boot of a Ktap (Ktap.boot)."""

    def __init__(self, ktap: Ktap, start: int) -> None:
        self.ktap = ktap
        self.start = start
        self.lines: list[str] = []
        self.counts = {'passed': 0, 'failed': 0, 'skipped': 0, 'timed out': 0}
        self.index = 0

    def suites(self, crash_at: Optional[int], restart_after: Optional[int]) -> Optional[str]:
        """Every suite, repeated; 'crash' or 'restart' if the boot stopped early."""
        number = 0
        for _ in range(self.ktap.repeat):
            for suite, cases in groups_of(self.ktap.cases):
                number += 1
                self.lines += ['    KTAP version 1', f'    # Subtest: {suite}',
                               f'    1..{len(cases)}']
                failed = False
                for n, case in enumerate(cases, 1):
                    if self.index == crash_at:
                        self.lines += [f'    # {line}' for line in case.log]
                        return 'crash'
                    failed |= self.result(case, n)
                    self.index += 1
                    if self.index - 1 == restart_after:
                        return 'restart'
                self.lines.append(f'{"not ok" if failed else "ok"} {number} {suite}')
        return None

    def result(self, case: Case, number: int) -> bool:
        """A case's lines: its log, its duration, its result; True if it failed."""
        if self.index < self.start:
            self.lines += [f'    # {case.name}: 0 us',
                           f'    ok {number} {case.name} # SKIP before ktest.start']
            self.counts['skipped'] += 1
            return False
        directive = f' # {case.directive}' if case.directive else ''
        self.lines += [f'    # {line}' for line in case.log]
        self.lines += [f'    # {case.name}: {10 * number} us',
                       f'    {"ok" if case.ok else "not ok"} {number} {case.name}{directive}']
        kind = ('skipped' if case.directive.startswith('SKIP') else
                'timed out' if case.directive.startswith('TIMEOUT') else
                'passed' if case.ok else 'failed')
        self.counts[kind] += 1
        return not case.ok

    def summary(self) -> None:
        """The runner's count of the results it printed."""
        c = self.counts
        self.lines.append(f'# ktest: {c["passed"]} passed, {c["failed"]} failed, '
                          f'{c["skipped"]} skipped, {c["timed out"]} timed out')


def no_match(glob: str) -> str:
    """What an image prints when ktest.filter=glob selects none of its cases."""
    return (f'KTAP version 1\n{options_line({"ktest.filter": glob})}\n'
            f'# ktest: no case matches ktest.filter={glob}\n1..0\n')


PASSING = Ktap('fmt.decimal', 'fmt.hex', 'heap.alloc')
FAILING = Ktap('fmt.decimal', 'not ok fmt.hex', 'heap.alloc')
SKIPPING = Ktap('ok fmt.decimal # SKIP no FPU', 'ok heap.alloc # SKIP')


# ---------------------------------------------------------------------------
# Running the tool against fake QEMU

def wait_gone(pid: int, patience_s: float = 20.0) -> bool:
    """Whether process pid ends (or is a zombie) within patience_s: its end
    is asynchronous, so this waits rather than times anything."""
    end = time.monotonic() + patience_s
    while time.monotonic() < end:
        try:
            state = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ('Z', 'X'):
            return True
        time.sleep(0.05)
    return False


def when(text: str, out: str, status: Optional[int] = QEMU_PASS) -> dict:
    """A scenario entry: on a command line holding text, print out, then exit
    with status (None: hang)."""
    return {'cmdline': text, 'steps': steps(out, status)}


def steps(out: str, status: Optional[int] = QEMU_PASS) -> list[dict]:
    """Print out, then exit with status (None: hang until killed)."""
    return [{'out': out}, {'exit': status} if status is not None else {'hang': True}]


def echoing(text: str, status: Optional[int] = QEMU_PASS) -> list[dict]:
    """Print text with its options line replaced by fake QEMU's echo of the
    command line it got, then exit with status (None: hang)."""
    head, options, rest = re.split(r'^(# ktest: options .*\n)', text, maxsplit=1, flags=re.M)
    return [{'out': head}, {'echo': True}] + steps(rest, status)


def fresh_run(text: str, status: Optional[int] = QEMU_PASS) -> list[dict]:
    """A snapshot machine's run: text with its options line echoed, then
    the "done" line with the status that status (QEMU's) stands for; a
    status that is no ktest exit (a reset, 0) ends QEMU instead; None hangs."""
    done = {QEMU_PASS: 0, QEMU_FAIL: 1, QEMU_ERROR: 2, QEMU_RESTART: 3}
    played = echoing(text, status)
    if status in done:
        played[-1] = {'out': f'# ktest: done {done[status]}\n'}
    return played


def rerun_lines(image: str, *options: str, failed: str = '') -> list[str]:
    """The `# rerun:` comments a failed --tap run ends with: the run again
    (options after the machine and memory), and its failed cases alone."""
    import shlex
    base = [os.path.relpath(TOOL), os.path.relpath(image), '--test', '--machine', 'pc',
            '--memory', '128']
    lines = [f'# rerun: {shlex.join(base + list(options))}']
    if failed:
        lines.append(f'# rerun the failed cases: '
                     f'{shlex.join(base + [f"--filter={failed}"] + list(options))}')
    return lines


def clean_env(extra: Optional[dict[str, str]] = None) -> dict[str, str]:
    """The environment without the variables the tool reads, plus extra."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('KTEST_') and k not in ('DISPLAY', 'WAYLAND_DISPLAY')}
    env['KTEST_ACCEL'] = 'tcg'     # no KVM probe of fake QEMU (test_accel.py's)
    env.update(extra or {})
    return env


def stand_in(directory: Path, script: str, name: str = 'qemu') -> Path:
    """An executable directory/name that runs the Python script (with this
    interpreter, -S): a stand-in for QEMU that a test writes itself."""
    source = directory / f'{name}.py'
    source.write_text(script)
    program = directory / name
    program.write_text(f'#!/bin/sh\nexec {sys.executable} -S {source} "$@"\n')
    program.chmod(0o755)
    return program


@contextlib.contextmanager
def grace(seconds: Optional[float]) -> Iterator[None]:
    """Run with boot.GRACE_S set to seconds (in this process), so that a
    test's hung case is named quickly; None leaves it."""
    if seconds is None:
        yield
        return
    with mock.patch.object(boot, 'GRACE_S', seconds):
        yield


class ToolTest(unittest.TestCase):
    """Runs run_qemu.py with fake_qemu.py as QEMU, in a temporary directory."""

    def setUp(self) -> None:
        """A temporary directory with a fake QEMU wrapper in it."""
        self.tmp = Path(tempfile.mkdtemp(prefix='harness-test-'))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.qemu = self.tmp / 'fake-qemu'
        self.qemu.write_text(f'#!/bin/sh\nexec {sys.executable} -S {FAKE} "$@"\n')
        self.qemu.chmod(0o755)
        self.record = self.tmp / 'argv.jsonl'

    def image(self, out: str = '', status: Optional[int] = QEMU_PASS,
              steps_: Optional[list] = None, when_: Optional[list] = None,
              name: str = 'test.img', extra: Optional[dict] = None) -> str:
        """Write a scenario image: by default print out, then exit with
        status (None: hang); when_ entries play for matching command lines;
        extra: more scenario keys (fake_qemu.py)."""
        scenario = {'record': str(self.record),
                    'steps': steps(out, status) if steps_ is None else steps_,
                    'when': when_ or [], **(extra or {})}
        path = self.tmp / name
        path.write_text(json.dumps(scenario))
        return str(path)

    def host_test(self, out: str = '', status: Optional[int] = 0,
                  steps_: Optional[list] = None, when_: Optional[list] = None,
                  name: str = 'host_test') -> str:
        """A fake host test executable playing a scenario (for --exec)."""
        scenario = self.image(out, status, steps_, when_, name=name + '.json')
        path = self.tmp / name
        path.write_text(f'#!/bin/sh\nexec {sys.executable} -S {FAKE} --exec {scenario} "$@"\n')
        path.chmod(0o755)
        return str(path)

    def run_tool(self, *args: str, env: Optional[dict] = None, qemu: bool = True,
                 process: bool = False, grace_s: Optional[float] = None
                 ) -> subprocess.CompletedProcess:
        """Run the tool, in this process (fast) or as a program (process=True);
        fake QEMU comes first so the image can come anywhere."""
        argv = (['--qemu', str(self.qemu)] if qemu else []) + list(args)
        if process:
            return subprocess.run([sys.executable, str(TOOL)] + argv, capture_output=True,
                                  text=True, env=clean_env(env), timeout=120,
                                  stdin=subprocess.DEVNULL)
        out, err = io.StringIO(), io.StringIO()
        sigterm = signal.getsignal(signal.SIGTERM)
        try:
            with mock.patch.dict(os.environ, clean_env(env), clear=True), grace(grace_s), \
                    contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli.main(argv)
        finally:
            signal.signal(signal.SIGTERM, sigterm)
        return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())

    def records(self) -> list[dict]:
        """Everything fake QEMU recorded, in order."""
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def runs(self) -> list[dict]:
        """What fake QEMU recorded, one dict per boot: argv, cmdline."""
        return [entry for entry in self.records() if 'argv' in entry]

    def words_sent(self) -> list[str]:
        """The lines of words a snapshot machine read, in order."""
        return [entry['words'] for entry in self.records() if 'words' in entry]

    def monitor(self) -> list[str]:
        """The monitor commands a snapshot machine got (savevm, loadvm)."""
        return [entry['monitor'] for entry in self.records() if 'monitor' in entry]

    def cmdlines(self) -> list[str]:
        """The kernel command line of each boot."""
        return [run['cmdline'] for run in self.runs()]

    def assert_verdict(self, result: subprocess.CompletedProcess, code: int,
                       verdict: str) -> None:
        """Exit status and the final verdict line of a standalone run."""
        self.assertEqual(result.returncode, code, result.stdout + result.stderr)
        self.assertNotIn('Traceback', result.stderr)
        lines = [line for line in result.stdout.splitlines()
                 if re.match(r'(PASS|FAIL|SKIP|ERROR): ', line)]
        self.assertTrue(lines, result.stdout)
        self.assertTrue(lines[-1].startswith(verdict), f'{lines[-1]!r}\n{result.stdout}')
