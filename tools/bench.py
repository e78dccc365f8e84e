#!/usr/bin/env python3
"""bench.py: measure the edit-build-test loop of this kernel, in one run.

Figures, each the min / median / max of several repetitions:
  * the floor: QEMU booting a 512-byte boot sector that only writes 0x10 to
    isa-debug-exit, with the exact test-mode QEMU options (run_qemu.py
    --test --dry-run);
  * boot to exit of every test image, QEMU alone (no harness), and its ratio
    to the floor; the time to the first serial byte and after the last one;
  * ktest's cost per case: ktest/bench/trivial_1000.c against trivial_1.c,
    with QEMU alone and through run_qemu.py;
  * serial throughput: bytes of KTAP per second above the floor;
  * `meson test` wall time for the whole suite at --num-processes 1 and at
    the default, against the sum of the test times divided by the cores;
  * a clean configure and build in a fresh directory, and the rebuild after
    touching one test file, with the outputs ninja rebuilt.

--variants adds where the time goes: the floor and the bench images with one
QEMU option changed at a time (-vga, -m, -machine, image size), the firmware's
share of the floor, and Python's start-up.

Prints a markdown table; --json writes the figures as JSON, --doc puts the
tables into a markdown file (docs/performance.md) under the heading
"## Edit-build-test loop", keeping the file's other sections.

Benchmark targets (never tests): the minimal test image within 1.5x of the
floor; 1000 trivial cases < 100 ms above 1; the parallel suite within 1.25x
of (sum of test times / cores); touching one test file rebuilds that image
only, in under 2 s.

Standard library only.
"""

from __future__ import annotations

import argparse
import ast
import configparser
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional

from harness.cli import positive_int   # the same argparse type as the harness

PROG = 'bench.py'
EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130

SECTIONS = ('images', 'cases', 'rebuild', 'suite', 'clean')
DOC_HEADING = '## Edit-build-test loop'
DOC_END = '<!-- end of the part tools/bench.py writes; notes below it are kept -->'
DEFAULT_TOUCH = 'kernel/lib/string_test.c'
BENCH_IMAGES = ('trivial_1', 'trivial_1000')
BOOT_LIMIT_S = 120.0        # a QEMU-alone boot that takes longer is a hang
QEMU_PASSED = 33            # isa-debug-exit 0x10
QEMU_FAILED = 35            # isa-debug-exit 0x11: a case failed, run complete
QEMU_PANIC = 37             # isa-debug-exit 0x12: the kernel gave up
MESON_OK = ('OK', 'SKIP', 'EXPECTEDFAIL')

# Targets of issue 7.
TARGET_FLOOR_RATIO = 1.5
TARGET_CASES_S = 0.100
TARGET_SUITE_RATIO = 1.25
TARGET_REBUILD_S = 2.0
# A rate is bytes over a time difference between two boots; below this the
# difference is noise, and the rate would be meaningless (or negative).
MIN_RATE_TIME_S = 0.010

# The floor image: a boot sector that ends QEMU at once, as a passing test
# image would (docs/protocol.md, "Exit"), assembled by hand.
FLOOR_CODE = bytes([
    0xBA, 0xF4, 0x00,                    # mov dx, 0xf4      ; isa-debug-exit
    0x66, 0xB8, 0x10, 0x00, 0x00, 0x00,  # mov eax, 0x10     ; run completed, passed
    0x66, 0xEF,                          # out dx, eax       ; QEMU exits 33
    0xF4,                                # hlt               ; not reached
    0xEB, 0xFD,                          # jmp short hlt
])
# For --variants: print one byte on COM1 before exiting, to time the firmware.
FLOOR_PRINT = bytes([
    0xBA, 0xF8, 0x03,                    # mov dx, 0x3f8     ; COM1 data
    0xB0, 0x46,                          # mov al, 'F'
    0xEE,                                # out dx, al
])
SECTOR = 512
BOOT_SIGNATURE = b'\x55\xaa'

CASE_RESULT = re.compile(rb'^    (?:not )?ok \d+ ', re.MULTILINE)
NINJA_DIRTY = re.compile(r'^ninja explain: (\S+) is dirty$', re.MULTILINE)
NINJA_STEP = re.compile(r'^\[\d+/(\d+)\]', re.MULTILINE)


class UsageError(Exception):
    """A mistake in how the tool was called or set up: one line, exit 2."""


class BenchError(Exception):
    """Something the benchmark needs failed (a build, a boot): one line, exit 1."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports mistakes as one line (UsageError)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Turn argparse's usage error into a UsageError."""
        raise UsageError(f'{message} (see --help)')


# --------------------------------------------------------------------------
# Figures and their formatting
# --------------------------------------------------------------------------

@dataclass
class Figure:
    """One measured figure: its samples and, for the issue's targets, the verdict."""

    key: str
    label: str
    unit: str                       # 's', 'x', 'B/s' or 'B'
    samples: list[float]
    target: str = ''
    met: Optional[bool] = None
    note: str = ''

    @property
    def min(self) -> Optional[float]:
        """Smallest sample (None without samples)."""
        return min(self.samples) if self.samples else None

    @property
    def median(self) -> Optional[float]:
        """Median sample (None without samples)."""
        return statistics.median(self.samples) if self.samples else None

    @property
    def max(self) -> Optional[float]:
        """Largest sample (None without samples)."""
        return max(self.samples) if self.samples else None


@dataclass
class Boot:
    """One QEMU-alone boot: wall time, exit status, serial output and its timing."""

    seconds: float
    status: int
    output: bytes
    first_byte: Optional[float]     # seconds from start to the first serial byte
    after_last: Optional[float]     # seconds from the last serial byte to exit


@dataclass
class Image:
    """A bootable image to time: its QEMU command and, optionally, its harness command."""

    name: str
    suite: str
    qemu_cmd: list[str]
    harness_cmd: list[str]
    cwd: str
    env: dict[str, str]
    boots: list[Boot] = field(default_factory=list)
    harness: list[float] = field(default_factory=list)
    skipped: str = ''               # why it is not timed with QEMU alone


def fmt_value(value: Optional[float], unit: str) -> str:
    """A value for the table, in the unit a reader expects ('n/a' for None)."""
    if value is None:
        return 'n/a'
    if unit == 'x':
        return f'{value:.2f}×'
    if unit == 'B/s':
        return f'{value / 1024:.0f} KiB/s'
    if unit == 'B':
        return f'{value:.0f} B'
    size = abs(value)
    if size >= 10:
        return f'{value:.1f} s'
    if size >= 0.01:
        return f'{value * 1000:.0f} ms'
    return f'{value * 1000:.2f} ms'


def verdict(met: Optional[bool]) -> str:
    """The 'met' column."""
    return '' if met is None else ('yes' if met else '**no**')


def progress(text: str) -> None:
    """A progress line on stderr (the report goes to stdout)."""
    print(f'{PROG}: {text}', file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# The build directory
# --------------------------------------------------------------------------

@dataclass
class Build:
    """What the benchmark reads from a configured meson build directory."""

    dir: str
    source: str
    tests: list[dict]
    options: dict[str, object]
    python: str             # the interpreter meson starts run_qemu.py with


def read_json(path: str) -> Any:
    """Load a JSON file, or raise a UsageError naming it."""
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise UsageError(f'cannot read {path}: {exc}') from None


def load_build(build_dir: str) -> Build:
    """Read the introspection files of build_dir (raise UsageError if it is not one)."""
    info_dir = os.path.join(build_dir, 'meson-info')
    if not os.path.isfile(os.path.join(info_dir, 'meson-info.json')):
        raise UsageError(f'{build_dir} is not a configured meson build directory; '
                         f"configure it with 'meson setup {build_dir} "
                         "--cross-file cross/x86_64-elf.ini' or pass -C DIR")
    info = read_json(os.path.join(info_dir, 'meson-info.json'))
    tests = read_json(os.path.join(info_dir, 'intro-tests.json'))
    raw = read_json(os.path.join(info_dir, 'intro-buildoptions.json'))
    try:
        source = info['directories']['source']
        options = {o['name']: o['value'] for o in raw}
        python = next((t['cmd'][0] for t in tests
                       if len(t['cmd']) > 1 and t['cmd'][1].endswith('run_qemu.py')),
                      sys.executable)
    except (KeyError, TypeError, IndexError):
        raise UsageError(f'{info_dir}: unexpected introspection data; reconfigure with '
                         f"'meson setup --reconfigure {build_dir}'") from None
    return Build(os.path.abspath(build_dir), source, tests, options, python)


def cross_files(build: Build) -> list[str]:
    """The cross file(s) the build directory was configured with."""
    found: list[str] = []
    cmd_line = os.path.join(build.dir, 'meson-private', 'cmd_line.txt')
    if os.path.isfile(cmd_line):
        config = configparser.ConfigParser()
        config.read(cmd_line, encoding='utf-8')
        value = config.get('properties', 'cross_file', fallback='')
        if value:
            found = list(ast.literal_eval(value))
    if not found:
        log = os.path.join(build.dir, 'meson-logs', 'meson-log.txt')
        if os.path.isfile(log):
            with open(log, encoding='utf-8', errors='replace') as f:
                for line in f:
                    if line.startswith('Build Options:'):
                        words = shlex.split(line.split(':', 1)[1])
                        found = [w.split('=', 1)[1] for w in words
                                 if w.startswith('--cross-file=')]
                        break
    resolved = []
    for path in found:
        if not os.path.isabs(path):
            path = os.path.join(build.source, path)
        resolved.append(path)
    return resolved


def harness_args(build: Build) -> list[str]:
    """The run_qemu.py options every test image gets (harness_args in ktest/meson.build)."""
    opts = build.options
    return ['--qemu', str(opts.get('qemu', 'qemu-system-x86_64')),
            '--memory', str(opts.get('memory', 128)),
            '--machine', str(opts.get('machine', 'pc')),
            '--timeout', str(opts.get('test_timeout', 20)),
            '--case-timeout', str(opts.get('case_timeout', 5000))]


def find_tool(name: str, hint: str) -> str:
    """The path of a program, or a UsageError saying how to get it."""
    path = shutil.which(name)
    if path is None:
        raise UsageError(f'{name} not found; {hint}')
    return path


def run_checked(cmd: list[str], what: str, cwd: Optional[str] = None) -> str:
    """Run cmd to completion; return its output or raise BenchError with its last line."""
    proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors='replace')
    if proc.returncode != 0:
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        last = lines[-1] if lines else f'exit status {proc.returncode}'
        raise BenchError(f'{what} failed: {last}')
    return proc.stdout


# --------------------------------------------------------------------------
# Booting with QEMU alone
# --------------------------------------------------------------------------

def dry_run(run_qemu: str, args: list[str], cwd: str, env: dict[str, str]) -> list[str]:
    """The QEMU command line run_qemu.py would start for these arguments."""
    proc = subprocess.run([sys.executable, run_qemu] + args + ['--dry-run'], cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or not lines:
        message = (proc.stderr.strip().splitlines() or ['no output'])[-1]
        raise BenchError(f'run_qemu.py --dry-run {shlex.join(args)}: {message}')
    return shlex.split(lines[0])


def time_boot(cmd: list[str], cwd: str, env: Optional[dict[str, str]] = None) -> Boot:
    """Start cmd, read its stdout (COM1) to the end, wait for it; time all of it."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=err)
        killer = threading.Timer(BOOT_LIMIT_S, proc.kill)
        killer.start()
        chunks: list[bytes] = []
        first = last = None
        try:
            assert proc.stdout is not None
            fd = proc.stdout.fileno()
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                last = time.perf_counter()
                first = first if first is not None else last
                chunks.append(chunk)
            status = proc.wait()
            end = time.perf_counter()
        finally:
            killer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()     # type: ignore[union-attr]
        if status < 0:
            raise BenchError(f'{shlex.join(cmd)}: no exit within {BOOT_LIMIT_S:.0f} s '
                             '(the image hangs?)')
        if status not in (QEMU_PASSED, QEMU_FAILED, QEMU_PANIC):
            err.seek(0)
            message = err.read().decode('utf-8', 'replace').strip().splitlines()
            raise BenchError(f'{shlex.join(cmd)}: QEMU exited {status}'
                             + (f': {message[-1]}' if message else ''))
    return Boot(end - start, status, b''.join(chunks),
                None if first is None else first - start,
                None if last is None else end - last)


def time_harness(cmd: list[str], cwd: str, env: dict[str, str]) -> float:
    """Wall time of one run_qemu.py --test --tap run (what meson test starts)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              errors='replace', timeout=BOOT_LIMIT_S)
    except subprocess.TimeoutExpired:
        raise BenchError(f'{shlex.join(cmd)}: no end within {BOOT_LIMIT_S:.0f} s') from None
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        message = (proc.stderr.strip().splitlines() or [f'exit {proc.returncode}'])[-1]
        raise BenchError(f'{shlex.join(cmd)}: {message}')
    return seconds


def write_floor(directory: str, size: int = SECTOR, code: bytes = FLOOR_CODE,
                name: str = 'floor') -> str:
    """Write a boot sector of code, padded with zeros to size bytes; return its path."""
    sector = code + bytes(SECTOR - len(code) - 2) + BOOT_SIGNATURE
    path = os.path.join(directory, f'{name}-{size}.img')
    with open(path, 'wb') as f:
        f.write(sector + bytes(size - SECTOR))
    return path


def is_image_test(test: dict) -> bool:
    """A meson test that boots a disk image through run_qemu.py --test."""
    cmd = test['cmd']
    return (len(cmd) > 2 and cmd[1].endswith('run_qemu.py') and '--test' in cmd
            and '--exec' not in cmd and any(a.endswith('.img') for a in cmd))


def test_env(test: dict) -> dict[str, str]:
    """The environment meson gives a test."""
    env = dict(os.environ)
    env.update(test.get('env') or {})
    return env


def image_tests(build: Build) -> list[Image]:
    """Every registered image test (unit, integration, ...) with its exact commands."""
    images = []
    for test in build.tests:
        if not is_image_test(test):
            continue
        cwd = test.get('workdir') or build.dir
        env = test_env(test)
        suite = test['suite'][0].split(':')[-1] if test['suite'] else ''
        image = Image(test['name'], suite, [], test['cmd'], cwd, env)
        needs_harness = [a for a in test['cmd'][2:] if a in ('--keys', '--fresh-boot')]
        if needs_harness:
            image.skipped = f'needs the harness ({needs_harness[0]})'
        else:
            image.qemu_cmd = dry_run(test['cmd'][1], test['cmd'][2:], cwd, env)
        images.append(image)
    images.sort(key=lambda i: (i.suite, i.name))
    return images


def bench_image(build: Build, name: str) -> Image:
    """One of ktest/bench's images, with the options a test image gets."""
    run_qemu = os.path.join(build.source, 'tools', 'run_qemu.py')
    path = os.path.join(build.dir, 'ktest', f'{name}_test.img')
    args = [path, '--test', '--tap'] + harness_args(build)
    env = dict(os.environ)
    return Image(name, 'bench', dry_run(run_qemu, args, build.dir, env),
                 [build.python, run_qemu] + args, build.dir, env)


# --------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------

def paired(a: list[float], b: list[float], op: Callable[[float, float], float]) -> list[float]:
    """op over samples taken in the same repetition."""
    return [op(x, y) for x, y in zip(a, b)]


def boot_rounds(floor: Image, images: list[Image], cases: list[Image], reps: int) -> None:
    """Boot everything round-robin, reps times, so load changes hit all images alike."""
    for rep in range(reps):
        progress(f'boots, repetition {rep + 1} of {reps}')
        for image in [floor] + images + cases:
            if not image.skipped:
                image.boots.append(time_boot(image.qemu_cmd, image.cwd, image.env))
        for image in cases:
            image.harness.append(time_harness(image.harness_cmd, image.cwd, image.env))


def seconds_of(image: Image) -> list[float]:
    """Boot-to-exit samples of an image."""
    return [b.seconds for b in image.boots]


def floor_figures(floor: Image) -> list[Figure]:
    """The floor row."""
    return [Figure('floor', 'floor: 512-byte boot sector to isa-debug-exit, QEMU alone',
                   's', seconds_of(floor))]


def rates(sizes: list[float], times: list[float]) -> tuple[list[float], str]:
    """Bytes per second for each repetition whose time is above the noise
    (MIN_RATE_TIME_S), and a note on how many were left out."""
    kept = [s / t for s, t in zip(sizes, times) if t >= MIN_RATE_TIME_S]
    left = len(sizes) - len(kept)
    if not left:
        return kept, ''
    note = (f'{left} of {len(sizes)} repetitions left out: their time difference was under '
            f'{MIN_RATE_TIME_S * 1000:.0f} ms, within the noise')
    return kept, note


def case_figures(floor: Image, one: Image, many: Image) -> list[Figure]:
    """The minimal image against the floor, ktest's cost per case and serial throughput."""
    t1, t1000, tf = seconds_of(one), seconds_of(many), seconds_of(floor)
    ratio = paired(t1, tf, lambda a, b: a / b)
    alone = paired(t1000, t1, lambda a, b: a - b)
    through = paired(many.harness, one.harness, lambda a, b: a - b)
    size = [float(len(b.output)) for b in many.boots]
    rate, rate_note = rates(size, paired(t1000, tf, lambda a, b: a - b))
    extra = paired(size, [float(len(b.output)) for b in one.boots], lambda a, b: a - b)
    rate_harness, harness_note = rates(extra, through)
    cases = len(CASE_RESULT.findall(many.boots[-1].output))
    return [
        Figure('minimal_image', 'minimal test image (trivial_1: one empty case), QEMU alone',
               's', t1),
        Figure('minimal_image_ratio', 'minimal test image ÷ floor', 'x', ratio,
               f'≤ {TARGET_FLOOR_RATIO}×', statistics.median(ratio) <= TARGET_FLOOR_RATIO),
        Figure('harness_overhead', 'run_qemu.py --test --tap on trivial_1, minus QEMU alone',
               's', paired(one.harness, t1, lambda a, b: a - b)),
        Figure('cases_1000_alone', '1000 trivial cases minus 1 (trivial_1000 − trivial_1), '
               'QEMU alone', 's', alone, f'< {TARGET_CASES_S * 1000:.0f} ms',
               statistics.median(alone) < TARGET_CASES_S),
        Figure('cases_1000_harness', '1000 trivial cases minus 1, through run_qemu.py', 's',
               through, f'< {TARGET_CASES_S * 1000:.0f} ms',
               statistics.median(through) < TARGET_CASES_S),
        Figure('per_case', 'per case, through run_qemu.py ((trivial_1000 − trivial_1) ÷ 999)',
               's', [d / 999 for d in through]),
        Figure('serial_bytes', f'serial output of trivial_1000 ({cases} case results)',
               'B', size),
        Figure('serial_rate_alone', 'serial throughput: trivial_1000 bytes ÷ its time above '
               'the floor, QEMU alone', 'B/s', rate, note=rate_note),
        Figure('serial_rate_harness', 'serial throughput as run_qemu.py consumes it: the '
               '999 extra cases\' bytes ÷ their time, through run_qemu.py', 'B/s',
               rate_harness, note=harness_note),
    ]


def meson_test(meson: str, build: Build, extra: list[str],
               logbase: str) -> tuple[float, list[dict]]:
    """One `meson test` run of the whole suite: wall time and meson's per-test log."""
    cmd = [meson, 'test', '-C', build.dir, '--no-rebuild', '--logbase', logbase] + extra
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, errors='replace')
    seconds = time.perf_counter() - start
    log = os.path.join(build.dir, 'meson-logs', logbase + '.json')
    try:
        with open(log, encoding='utf-8') as f:
            entries = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError):
        message = (proc.stderr.strip().splitlines() or [f'exit {proc.returncode}'])[-1]
        raise BenchError(f'{shlex.join(cmd)}: no test log ({message})') from None
    return seconds, entries


def makespan(durations: list[float], jobs: int) -> float:
    """Wall time of running tests in the given order on jobs slots, each test
    starting on the first slot that frees up (as meson test does), with no
    contention between them."""
    slots = [0.0] * max(jobs, 1)
    for duration in durations:
        slots.sort()
        slots[0] += duration
    return max(slots)


def suite_figures(meson: str, build: Build, reps: int) -> list[Figure]:
    """meson test wall time, serial and parallel, against sum of test times / cores."""
    cores = os.cpu_count() or 1
    jobs = os.environ.get('MESON_TESTTHREADS', '')
    jobs = jobs if jobs.isdigit() and int(jobs) > 0 else str(cores)
    serial: list[float] = []
    parallel: list[float] = []
    sums: list[float] = []
    replay: list[float] = []
    longest_first: list[float] = []
    failed: set[str] = set()
    longest = ('', 0.0)
    for rep in range(reps):
        progress(f'meson test --num-processes 1, repetition {rep + 1} of {reps}')
        seconds, log = meson_test(meson, build, ['--num-processes', '1'], 'bench-serial')
        serial.append(seconds)
        durations = [e['duration'] for e in log]       # in the order meson started them
        sums.append(sum(durations))
        replay.append(makespan(durations, int(jobs)))
        longest_first.append(makespan(sorted(durations, reverse=True), int(jobs)))
        failed |= {e['name'] for e in log if e['result'] not in MESON_OK}
        top = max(log, key=lambda e: e['duration'], default=None)
        if top and top['duration'] > longest[1]:
            longest = (top['name'], top['duration'])
        progress(f'meson test (default: {jobs} processes), repetition {rep + 1} of {reps}')
        seconds, log = meson_test(meson, build, [], 'bench-parallel')
        parallel.append(seconds)
        failed |= {e['name'] for e in log if e['result'] not in MESON_OK}
    ideal = [s / cores for s in sums]
    ratio = paired(parallel, ideal, lambda a, b: a / b)
    note = (f'{len(log)} tests; the longest, {longest[0]}, takes {longest[1]:.1f} s alone, '
            'a floor under any parallel run')
    order_note = (f'the serial test times replayed on {jobs} slots in the order meson starts '
                  f'them; longest first would take '
                  f'{fmt_value(statistics.median(longest_first), "s")}')
    if failed:
        note += f'; not OK in some run: {", ".join(sorted(failed))}'
    return [
        Figure('suite_serial', 'meson test, whole suite, --num-processes 1', 's', serial,
               note=note),
        Figure('suite_parallel', f'meson test, whole suite, default ({jobs} processes)', 's',
               parallel),
        Figure('suite_ideal', f'sum of the test times (at --num-processes 1) ÷ {cores} cores',
               's', ideal),
        Figure('suite_ratio', 'parallel ÷ (sum of test times ÷ cores)', 'x', ratio,
               f'≤ {TARGET_SUITE_RATIO}×', statistics.median(ratio) <= TARGET_SUITE_RATIO),
        Figure('suite_replay', f'best case of meson\'s test order on {jobs} processes '
               '(no contention)', 's', replay, note=order_note),
    ]


def ninja_up_to_date(ninja: str, build: Build) -> bool:
    """Build everything; True when ninja then has nothing left to do (nobody edited meanwhile)."""
    for _ in range(3):
        run_checked([ninja, '-C', build.dir], f'ninja -C {build.dir}')
        dry = run_checked([ninja, '-C', build.dir, '-n'], f'ninja -C {build.dir} -n')
        if 'no work to do' in dry:
            return True
    return False


def classify_rebuilt(outputs: list[str]) -> tuple[list[str], list[str]]:
    """Split ninja's rebuilt outputs into (images, others not part of that one image
    or of the native build of the same test)."""
    images = [o for o in outputs if o.endswith('.img')]
    if len(images) != 1:
        return images, [o for o in outputs if not o.endswith('.img')]
    stem = images[0][:-len('_test.img')] if images[0].endswith('_test.img') else images[0]
    own = (stem + '_test.', stem + '_host')
    return images, [o for o in outputs if not o.startswith(own)]


def ninja_log_times(build: Build, outputs: list[str]) -> dict[str, tuple[int, int]]:
    """(start, end) in ms since ninja started, of the last build of each output
    (from .ninja_log, whose lines are: start, end, mtime, output, hash)."""
    times: dict[str, tuple[int, int]] = {}
    try:
        with open(os.path.join(build.dir, '.ninja_log'), encoding='utf-8',
                  errors='replace') as f:
            for line in f:
                fields = line.rstrip('\n').split('\t')
                if len(fields) >= 4 and fields[3] in outputs and fields[0].isdigit():
                    times[fields[3]] = (int(fields[0]), int(fields[1]))
    except OSError:
        pass
    return times


def rebuild_figures(ninja: str, build: Build, touch: str, reps: int) -> list[Figure]:
    """Touch one test file, time ninja, and name what it rebuilt."""
    samples: list[float] = []
    image_ready: list[float] = []
    rebuilt: list[str] = []
    steps: dict[str, tuple[int, int]] = {}
    quiet = True
    rel = os.path.relpath(touch, build.source)
    for rep in range(reps):
        progress(f'rebuild after touching {rel}, repetition {rep + 1} of {reps}')
        quiet = ninja_up_to_date(ninja, build) and quiet
        os.utime(touch)
        start = time.perf_counter()
        out = run_checked([ninja, '-C', build.dir, '-d', 'explain'], 'ninja after touching')
        samples.append(time.perf_counter() - start)
        dirty = [o for o in NINJA_DIRTY.findall(out)      # files, not phony targets
                 if os.path.exists(os.path.join(build.dir, o))]
        rebuilt += [o for o in dict.fromkeys(dirty) if o not in rebuilt]
        steps = ninja_log_times(build, dirty)
        ends = [end for o, (_, end) in steps.items() if o.endswith('.img')]
        if ends:
            image_ready.append(max(ends) / 1000)
    images, others = classify_rebuilt(rebuilt)
    ok = len(images) == 1 and not others and statistics.median(samples) < TARGET_REBUILD_S
    ordered = sorted(steps.items(), key=lambda item: item[1])
    note = ('ninja rebuilt ' + (', '.join(f'{o} ({end - begin} ms)'
                                          for o, (begin, end) in ordered)
                                or 'nothing')
            + ' (step times of the last repetition, from .ninja_log)')
    if others:
        note += f'; not part of that image: {", ".join(others)}'
    if not quiet:
        note += '; the tree changed under the build (concurrent edits may be included)'
    figures = [Figure('rebuild', f'rebuild (ninja) after touching {rel}', 's', samples,
                      f'< {TARGET_REBUILD_S:.0f} s, that image only', ok, note)]
    if len(image_ready) == reps:
        figures.append(Figure('rebuild_image', f'rebuild: until {images[0]} is written',
                              's', image_ready))
    return figures


def clean_figures(meson: str, ninja: str, build: Build, cross: list[str],
                  reps: int) -> list[Figure]:
    """Configure and build in a fresh temporary directory."""
    setup: list[float] = []
    compile_: list[float] = []
    steps = 0
    for rep in range(reps):
        progress(f'clean configure and build, repetition {rep + 1} of {reps}')
        with tempfile.TemporaryDirectory(prefix='ktest-bench-') as tmp:
            target = os.path.join(tmp, 'build')
            cmd = [meson, 'setup', target, build.source]
            for path in cross:
                cmd += ['--cross-file', path]
            start = time.perf_counter()
            run_checked(cmd, 'meson setup in a fresh directory', cwd=build.source)
            setup.append(time.perf_counter() - start)
            start = time.perf_counter()
            out = run_checked([ninja, '-C', target], 'ninja in a fresh directory')
            compile_.append(time.perf_counter() - start)
            steps = max([steps] + [int(n) for n in NINJA_STEP.findall(out)])
    files = ', '.join(os.path.relpath(p, build.source) for p in cross)
    return [
        Figure('clean_configure', f'clean configure (meson setup --cross-file {files})', 's',
               setup),
        Figure('clean_build', 'clean build (ninja, everything built by default)', 's',
               compile_, note=f'{steps} ninja steps'),
    ]


# --------------------------------------------------------------------------
# Variants: where the time goes
# --------------------------------------------------------------------------

def without(cmd: list[str], option: str) -> list[str]:
    """cmd without option and its value."""
    out = list(cmd)
    if option in out:
        i = out.index(option)
        del out[i:i + 2]
    return out


def with_value(cmd: list[str], option: str, value: str) -> list[str]:
    """cmd with option set to value."""
    out = without(cmd, option)
    return out[:1] + [option, value] + out[1:]


def with_image(cmd: list[str], image: str) -> list[str]:
    """cmd booting another image file."""
    return [re.sub(r'file=[^,]*', 'file=' + image.replace(',', ',,'), a)
            if a.startswith('format=raw') else a for a in cmd]


def variant_figures(floor: Image, one: Image, many: Image, build: Build, tmp: str,
                    reps: int) -> list[Figure]:
    """Time the floor and the bench images with one QEMU option changed at a time.

    Each figure's key names its group; the first figure of a group is the
    baseline the others are compared with.
    """
    run_qemu = os.path.join(build.source, 'tools', 'run_qemu.py')
    printing = with_image(floor.qemu_cmd, write_floor(tmp, code=FLOOR_PRINT + FLOOR_CODE,
                                                      name='floor-print'))
    padded = write_floor(tmp, 1 << 20)

    def padded_on(disk: str) -> list[str]:
        """The 1 MiB floor's test-mode command with its disk on disk."""
        return dry_run(run_qemu, [padded, '--test', '--disk', disk] + harness_args(build),
                       build.dir, dict(os.environ))

    runs: list[tuple[str, str, str, list[str]]] = [   # group, id, label, command
        ('floor', 'floor', 'floor, as the tests run QEMU', floor.qemu_cmd),
        ('floor', 'floor-1m', 'floor padded to 1 MiB, on IDE', padded_on('ide')),
        ('floor', 'floor-1m-virtio', 'floor padded to 1 MiB on virtio-blk, as test images boot',
         padded_on('virtio')),
        ('floor', 'floor-novga', 'floor without -vga std', without(floor.qemu_cmd, '-vga')),
        ('floor', 'floor-print', 'floor printing one byte on COM1 first', printing),
        ('trivial_1', 't1', 'trivial_1, as the tests run QEMU', one.qemu_cmd),
        ('trivial_1', 't1-novga', 'trivial_1 without -vga std', without(one.qemu_cmd, '-vga')),
        ('trivial_1', 't1-m32', 'trivial_1 with -m 32', with_value(one.qemu_cmd, '-m', '32')),
        ('trivial_1', 't1-m1024', 'trivial_1 with -m 1024',
         with_value(one.qemu_cmd, '-m', '1024')),
        ('trivial_1', 't1-q35', 'trivial_1 with -machine q35',
         with_value(one.qemu_cmd, '-machine', 'q35')),
        ('trivial_1000', 't1000', 'trivial_1000, as the tests run QEMU', many.qemu_cmd),
        ('trivial_1000', 't1000-novga', 'trivial_1000 without -vga std',
         without(many.qemu_cmd, '-vga')),
    ]
    boots: dict[str, list[Boot]] = {ident: [] for _, ident, _, _ in runs}
    starts = [('python3 -c pass (this interpreter\'s start-up)', [sys.executable, '-c', 'pass'])]
    if os.path.realpath(build.python) != os.path.realpath(sys.executable):
        starts.append((f'{build.python} -c pass (the python meson runs tests and mkimage.py with)',
                       [build.python, '-c', 'pass']))
    starts.append(('run_qemu.py --test --dry-run with that python (start-up, no QEMU)',
                   [build.python, run_qemu, '--test', '--dry-run', one.harness_cmd[2]]))
    python: dict[str, list[float]] = {label: [] for label, _ in starts}
    for rep in range(reps):
        progress(f'variants, repetition {rep + 1} of {reps}')
        for _, ident, _, cmd in runs:
            boots[ident].append(time_boot(cmd, build.dir))
        for label, cmd in starts:
            start = time.perf_counter()
            run_checked(cmd, label)
            python[label].append(time.perf_counter() - start)

    def secs(ident: str) -> list[float]:
        """Boot-to-exit samples of one variant."""
        return [b.seconds for b in boots[ident]]

    figures = [Figure(group, label, 's', secs(ident)) for group, ident, label, _ in runs]
    figures += [Figure('per_case', f'per case, (trivial_1000 − trivial_1) ÷ 999, {how}', 's',
                       paired(secs(t1000), secs(t1), lambda a, b: (a - b) / 999))
                for how, t1, t1000 in (('as the tests run QEMU', 't1', 't1000'),
                                       ('without -vga std', 't1-novga', 't1000-novga'))]
    figures += [
        Figure('split', 'QEMU start to the boot sector running (first byte of the printing '
               'floor)', 's', [b.first_byte or 0.0 for b in boots['floor-print']]),
        Figure('split', 'trivial_1: QEMU start to the first KTAP byte (+ loader, kernel init)',
               's', [b.first_byte or 0.0 for b in boots['t1']]),
        Figure('tail', 'trivial_1: last KTAP byte to QEMU exit', 's',
               [b.after_last or 0.0 for b in boots['t1']]),
    ]
    return figures + [Figure('python', label, 's', samples) for label, samples in python.items()]


def variant_table(figures: list[Figure]) -> list[str]:
    """Variants, each compared with the first figure of its group."""
    lines = ['| variant | min | median | max | median vs first of group |',
             '|---|---:|---:|---:|---:|']
    base: dict[str, Optional[float]] = {}
    for f in figures:
        first = f.key not in base
        base.setdefault(f.key, f.median)
        start, median = base[f.key], f.median
        delta = ''
        if not first and start is not None and median is not None:
            diff = median - start
            delta = ('+' if diff >= 0 else '−') + fmt_value(abs(diff), f.unit)
        lines.append(f'| {f.label} | {fmt_value(f.min, f.unit)} | '
                     f'{fmt_value(f.median, f.unit)} | {fmt_value(f.max, f.unit)} | {delta} |')
    return lines


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def machine_info(build: Build) -> dict[str, object]:
    """CPU, cores, QEMU and tool versions, date, load, commit."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    qemu = str(build.options.get('qemu', 'qemu-system-x86_64'))
    version = subprocess.run([qemu, '--version'], capture_output=True, text=True).stdout
    match = re.search(r'version (\S+)', version)
    commit = subprocess.run(['git', '-C', build.source, 'rev-parse', '--short', 'HEAD'],
                            capture_output=True, text=True).stdout.strip()
    changes = subprocess.run(['git', '-C', build.source, 'status', '--porcelain',
                              '--untracked-files=no'], capture_output=True, text=True).stdout
    if commit and changes.strip():
        commit += ' with uncommitted changes'
    return {
        'cpu': cpu,
        'cores': os.cpu_count() or 1,
        'qemu': match.group(1) if match else version.strip(),
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'load_average': round(os.getloadavg()[0], 1),
        'commit': commit or 'unknown',
        'python': platform.python_version(),
        'build_python': build.python,
    }


def table(figures: list[Figure]) -> list[str]:
    """A markdown table of figures."""
    lines = ['| figure | min | median | max | target | met |',
             '|---|---:|---:|---:|---|---|']
    for f in figures:
        lines.append(f'| {f.label} | {fmt_value(f.min, f.unit)} | {fmt_value(f.median, f.unit)} '
                     f'| {fmt_value(f.max, f.unit)} | {f.target} | {verdict(f.met)} |')
    notes = [f'- {f.label}: {f.note}' for f in figures if f.note]
    return lines + ([''] + notes if notes else [])


def image_table(floor: Image, images: list[Image]) -> list[str]:
    """Per-image boot to exit, with QEMU alone."""
    base = statistics.median(seconds_of(floor))
    lines = ['| image | suite | cases | serial | min | median | max | × floor '
             '| to first byte | after last byte |',
             '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|']
    for image in [floor] + images:
        if image.skipped:
            lines.append(f'| {image.name} | {image.suite} | | | | | | | | {image.skipped} |')
            continue
        t = seconds_of(image)
        firsts = [b.first_byte for b in image.boots if b.first_byte is not None]
        lasts = [b.after_last for b in image.boots if b.after_last is not None]
        out = image.boots[-1].output
        cells = [image.name, image.suite, str(len(CASE_RESULT.findall(out))),
                 f'{len(out)} B', fmt_value(min(t), 's'),
                 fmt_value(statistics.median(t), 's'), fmt_value(max(t), 's'),
                 fmt_value(statistics.median(t) / base, 'x'),
                 fmt_value(statistics.median(firsts), 's') if firsts else '',
                 fmt_value(statistics.median(lasts), 's') if lasts else '']
        failed = [b.status for b in image.boots if b.status != QEMU_PASSED]
        if failed:
            cells[0] += f' (exit {failed[0]} in {len(failed)} of {len(image.boots)})'
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def repetitions(settings: dict[str, object]) -> str:
    """How many times each kind of figure was measured."""
    skipped = settings['skipped']
    parts = [f"{settings['reps']} repetitions of each boot and rebuild"]
    if 'suite' not in skipped:     # type: ignore[operator]
        parts.append(f"{settings['suite_reps']} of each `meson test` run")
    if 'clean' not in skipped:     # type: ignore[operator]
        parts.append(f"{settings['build_reps']} of the clean build")
    return ', '.join(parts)


def report(info: dict[str, object], settings: dict[str, object], main: list[Figure],
           floor: Optional[Image], images: list[Image], variants: list[Figure]) -> str:
    """The markdown section: machine, the figures, per-image times, variants."""
    out = [DOC_HEADING, '',
           f"Measured {info['date']} on {info['cpu']}, {info['cores']} cores, "
           f"QEMU {info['qemu']}, Python {info['python']} (the build runs "
           f"`{info['build_python']}`), commit {info['commit']}, "
           f"load average {info['load_average']} at the start and "
           f"{info['load_average_end']} at the end, with "
           f"`tools/bench.py {settings['command']}` ({repetitions(settings)}). "
           'Times are wall clock; QEMU runs under TCG.', '']
    out += table(main)
    if floor is not None and images:
        out += ['', '### Boot to exit of each test image, QEMU alone', '',
                'The exact QEMU command `run_qemu.py --test --dry-run` gives for the image; '
                '"to first byte" is from starting QEMU to the first byte on COM1 (firmware, '
                'loader, kernel start), "after last byte" from the last byte to QEMU\'s exit.',
                '']
        out += image_table(floor, images)
    if variants:
        out += ['', '### Variants: one QEMU option changed at a time', '']
        out += variant_table(variants)
    return '\n'.join(out) + '\n'


def update_doc(path: str, section: str) -> None:
    """Replace (or add) the Edit-build-test loop section of a markdown file.

    Only the generated part is replaced: hand-written notes that follow the
    DOC_END marker inside the section, and every other section, are kept.
    """
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except FileNotFoundError:
        text = '# Performance\n'
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == DOC_HEADING), None)
    generated = section + '\n' + DOC_END + '\n'
    if start is None:
        new = text.rstrip('\n') + '\n\n' + generated
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith('## ')),
                   len(lines))
        old = lines[start:end]
        mark = next((i for i, line in enumerate(old) if line.rstrip() == DOC_END), None)
        notes = ''.join(old[mark + 1:]) if mark is not None else ''
        rest = ''.join(lines[end:])
        body = generated + notes
        new = ''.join(lines[:start]) + body.rstrip('\n') + '\n' + ('\n' + rest if rest else '')
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(new)
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def section_list(text: str) -> list[str]:
    """Parse --skip: comma-separated section names (argparse type)."""
    names = [n.strip() for n in text.split(',') if n.strip()]
    bad = [n for n in names if n not in SECTIONS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f'unknown section {", ".join(bad) or text!r}; '
                                         f'choose from {", ".join(SECTIONS)}')
    return names


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = Parser(
        prog=PROG,
        description='Measure the edit-build-test loop (issue 7): QEMU floor, boot to exit '
                    'of every test image, ktest cost per case, serial throughput, meson test '
                    'wall time, clean build and one-file rebuild. Prints a markdown table.',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='sections for --skip: images (every test image), cases (trivial_1 against '
               'trivial_1000, serial throughput), rebuild (touch one test file), suite '
               '(meson test, serial and parallel), clean (fresh configure and build).\n'
               'The floor is always measured. With the defaults a run takes about 4 minutes '
               'on an idle 2-core machine (most of it meson test and the clean build); '
               '--quick takes under a minute.\n\n'
               'examples:\n'
               '  tools/bench.py                           # build dir build, 5 repetitions\n'
               '  tools/bench.py -C build-clang --quick\n'
               '  tools/bench.py --doc docs/performance.md --json bench.json\n'
               '  meson test -C build --benchmark loop -v  # the same, as a meson benchmark')
    parser.add_argument('-C', '--build-dir', default='build', metavar='DIR',
                        help='configured meson build directory (default: build)')
    parser.add_argument('--reps', type=positive_int, metavar='N',
                        help='repetitions of each boot and of the rebuild (default 5; 3 '
                             'with --quick)')
    parser.add_argument('--suite-reps', type=positive_int, default=1, metavar='N',
                        help='repetitions of the two meson test runs (default 1: a run '
                             'takes minutes)')
    parser.add_argument('--build-reps', type=positive_int, default=1, metavar='N',
                        help='repetitions of the clean configure and build (default 1)')
    parser.add_argument('--quick', action='store_true',
                        help='fewer repetitions and no meson test or clean build')
    parser.add_argument('--skip', type=section_list, action='append', default=[],
                        metavar='SECTION[,SECTION]', help='leave sections out (see below)')
    parser.add_argument('--variants', action='store_true',
                        help='also time the floor and the bench images with one QEMU option '
                             'changed at a time (-vga, -m, -machine, image size), the '
                             "firmware's share of the floor and Python's start-up")
    parser.add_argument('--touch', default=DEFAULT_TOUCH, metavar='FILE',
                        help=f'test file to touch for the rebuild (default {DEFAULT_TOUCH}, '
                             'relative to the source tree)')
    parser.add_argument('--cross-file', action='append', metavar='FILE',
                        help="cross file for the clean build (default: the build "
                             "directory's own)")
    parser.add_argument('--json', metavar='FILE', help='also write the figures as JSON')
    parser.add_argument('--doc', metavar='FILE',
                        help=f'put the tables into FILE under "{DOC_HEADING}", keeping its '
                             'other sections (e.g. docs/performance.md)')
    return parser


@dataclass
class Tools:
    """Programs the benchmark runs."""

    meson: str
    ninja: str


def check_setup(args: argparse.Namespace, build: Build) -> tuple[Tools, list[str], str]:
    """Everything that can be wrong before minutes of measuring: raise UsageError."""
    meson = find_tool('meson', "install it with 'sudo apt-get install meson'")
    ninja = shutil.which('ninja') or shutil.which('samu') or ''
    if not ninja:
        raise UsageError("ninja not found; install it with 'sudo apt-get install ninja-build'")
    find_tool(str(build.options.get('qemu', 'qemu-system-x86_64')),
              "install it with 'sudo apt-get install qemu-system-x86'")
    touch = args.touch if os.path.isabs(args.touch) else os.path.join(build.source, args.touch)
    if 'rebuild' not in args.skip and not os.path.isfile(touch):
        raise UsageError(f'--touch: no such file in the source tree: {args.touch}')
    cross = [os.path.abspath(p) for p in args.cross_file] if args.cross_file else []
    if 'clean' not in args.skip:
        cross = cross or cross_files(build)
        if not cross:
            raise UsageError(f'cannot tell which cross file {build.dir} was configured with; '
                             'pass --cross-file FILE')
        missing = [p for p in cross if not os.path.isfile(p)]
        if missing:
            raise UsageError(f'cross file not found: {missing[0]}')
    for path in (args.json, args.doc):
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise UsageError(f'no such directory for {path}')
    return Tools(meson, ninja), cross, touch


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse argv and apply --quick."""
    args = build_parser().parse_args(argv)
    args.skip = sorted({name for names in args.skip for name in names})
    if args.quick:
        args.skip = sorted(set(args.skip) | {'suite', 'clean'})
    if args.reps is None:
        args.reps = 3 if args.quick else 5
    args.command = shlex.join(argv) if argv else '(defaults)'
    return args


def measure(args: argparse.Namespace) -> int:
    """Run the selected measurements and print (and save) the report."""
    build = load_build(args.build_dir)
    tools, cross, touch = check_setup(args, build)
    info = machine_info(build)
    progress(f'bringing {build.dir} up to date and building the bench images')
    run_checked([tools.ninja, '-C', build.dir], f'ninja -C {build.dir}')
    if 'cases' in args.skip:
        cases: list[Image] = []
    else:
        run_checked([tools.ninja, '-C', build.dir]
                    + [f'ktest/{name}_test.img' for name in BENCH_IMAGES],
                    'building ktest/bench images')
        cases = [bench_image(build, name) for name in BENCH_IMAGES]
    main: list[Figure] = []
    variants: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix='ktest-bench-') as tmp:
        # On IDE whatever $KTEST_DISK says: SeaBIOS boots no virtio disk this small.
        floor_args = [write_floor(tmp), '--test', '--tap', '--disk', 'ide'] + harness_args(build)
        floor = Image('floor', '', dry_run(os.path.join(build.source, 'tools', 'run_qemu.py'),
                                           floor_args, build.dir, dict(os.environ)),
                      [], build.dir, dict(os.environ))
        images = [] if 'images' in args.skip else image_tests(build)
        boot_rounds(floor, images, cases, args.reps)
        main += floor_figures(floor)
        if cases:
            main += case_figures(floor, cases[0], cases[1])
            if args.variants:
                variants = variant_figures(floor, cases[0], cases[1], build, tmp, args.reps)
    if 'rebuild' not in args.skip:
        main += rebuild_figures(tools.ninja, build, touch, args.reps)
    if 'suite' not in args.skip:
        main += suite_figures(tools.meson, build, args.suite_reps)
    if 'clean' not in args.skip:
        main += clean_figures(tools.meson, tools.ninja, build, cross, args.build_reps)
    settings = {'command': args.command, 'reps': args.reps, 'suite_reps': args.suite_reps,
                'build_reps': args.build_reps, 'skipped': args.skip}
    info['load_average_end'] = round(os.getloadavg()[0], 1)
    text = report(info, settings, main, floor, images, variants)
    print(text, end='')
    if args.json:
        write_json(args.json, info, settings, main, floor, images, variants)
    if args.doc:
        update_doc(args.doc, text)
        progress(f'updated {args.doc}')
    return 0


def image_json(image: Image) -> dict[str, object]:
    """One image's samples for --json."""
    return {'name': image.name, 'suite': image.suite, 'skipped': image.skipped,
            'qemu_cmd': image.qemu_cmd, 'seconds': seconds_of(image),
            'status': [b.status for b in image.boots],
            'serial_bytes': [len(b.output) for b in image.boots],
            'first_byte': [b.first_byte for b in image.boots],
            'after_last_byte': [b.after_last for b in image.boots],
            'harness_seconds': image.harness}


def write_json(path: str, info: dict[str, object], settings: dict[str, object],
               main: list[Figure], floor: Image, images: list[Image],
               variants: list[Figure]) -> None:
    """Write every figure, with min/median/max and the raw samples, as JSON."""
    def figure(f: Figure) -> dict[str, object]:
        """A figure with its statistics."""
        return dict(asdict(f), min=f.min, median=f.median, max=f.max)
    data = {'machine': info, 'settings': settings,
            'figures': [figure(f) for f in main],
            'images': [image_json(i) for i in [floor] + images],
            'variants': [figure(f) for f in variants]}
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=2)
        f.write('\n')


def terminate(signum: int, frame: object) -> None:
    """SIGTERM (meson's benchmark timeout): unwind so children and temp dirs are cleaned."""
    raise SystemExit(128 + signum)


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point: one line on stderr for any mistake or failure, never a traceback."""
    signal.signal(signal.SIGTERM, terminate)
    try:
        return measure(parse_args(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return EXIT_USAGE
    except BenchError as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f'{PROG}: interrupted', file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == '__main__':
    sys.exit(main())
