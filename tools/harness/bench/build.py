"""The meson build directory: what the benchmark reads from it (its
introspection files, the cross files it was configured with, the harness
arguments ktest/meson.build gives a test image), and running its tools."""

from __future__ import annotations

import ast
import configparser
import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Optional

from ..config import DEFAULT_MEMORY_MIB, DEFAULT_OVMF, DEFAULT_QEMU, UsageError
from .common import BenchError, last_line


@dataclass
class Build:
    """What the benchmark reads from a configured meson build directory."""

    dir: str
    source: str
    tests: list[dict]
    options: dict[str, object]
    python_cmd: list[str]   # the interpreter meson starts run_qemu.py with, and its flags

    @property
    def python(self) -> str:
        """The interpreter meson starts run_qemu.py with."""
        return self.python_cmd[0]

    @property
    def run_qemu(self) -> str:
        """The harness's entry point in the source tree."""
        return os.path.join(self.source, 'tools', 'run_qemu.py')

    @property
    def qemu(self) -> str:
        """The QEMU binary the build's tests use (the `qemu` option)."""
        return str(self.options.get('qemu', DEFAULT_QEMU))


def read_json(path: str) -> Any:
    """Load a JSON file, or raise a UsageError naming it."""
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise UsageError(f'cannot read {path}: {exc}') from None


def harness_at(cmd: list[str]) -> int:
    """Where run_qemu.py is in a meson test's command `PYTHON [FLAGS] run_qemu.py
    ...` (meson runs it as `python3 -S run_qemu.py`), or 0 when it is not there."""
    for i, arg in enumerate(cmd[1:], 1):
        if arg.endswith('run_qemu.py'):
            return i
        if not arg.startswith('-'):
            return 0
    return 0


def runs_harness(test: dict) -> bool:
    """A meson test whose command is `PYTHON [FLAGS] run_qemu.py ...`."""
    return harness_at(test['cmd']) > 0


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
        python = next((t['cmd'][:harness_at(t['cmd'])] for t in tests if runs_harness(t)),
                      [sys.executable])
    except (KeyError, TypeError, IndexError):
        raise UsageError(f'{info_dir}: unexpected introspection data; reconfigure with '
                         f"'meson setup --reconfigure {build_dir}'") from None
    return Build(os.path.abspath(build_dir), source, tests, options, python)


def cross_from_cmd_line(build_dir: str) -> list[str]:
    """The cross files meson recorded in meson-private/cmd_line.txt."""
    cmd_line = os.path.join(build_dir, 'meson-private', 'cmd_line.txt')
    if not os.path.isfile(cmd_line):
        return []
    config = configparser.ConfigParser()
    config.read(cmd_line, encoding='utf-8')
    value = config.get('properties', 'cross_file', fallback='')
    return list(ast.literal_eval(value)) if value else []


def cross_from_log(build_dir: str) -> list[str]:
    """The --cross-file options of the `Build Options:` line of meson's log."""
    log = os.path.join(build_dir, 'meson-logs', 'meson-log.txt')
    if not os.path.isfile(log):
        return []
    with open(log, encoding='utf-8', errors='replace') as f:
        for line in f:
            if line.startswith('Build Options:'):
                words = shlex.split(line.split(':', 1)[1])
                return [w.split('=', 1)[1] for w in words if w.startswith('--cross-file=')]
    return []


def cross_files(build: Build) -> list[str]:
    """The cross file(s) the build directory was configured with."""
    found = cross_from_cmd_line(build.dir) or cross_from_log(build.dir)
    return [path if os.path.isabs(path) else os.path.join(build.source, path)
            for path in found]


def harness_args(build: Build) -> list[str]:
    """The run_qemu.py options, after `IMAGE --test`, that ktest/meson.build
    gives an image with no settings of its own (no keys, QEMU arguments,
    machine or memory), in its order; a test then adds --tap. Keep in step
    with `harness_args` and `args` there."""
    opts = build.options
    args = ['--qemu', build.qemu, '--ovmf', str(opts.get('ovmf', DEFAULT_OVMF))]
    case_timeout = int(opts.get('case_timeout', 0) or 0)   # 0: the image's own budget
    if case_timeout > 0:
        args += ['--case-timeout', str(case_timeout)]
    return args + ['--machine', str(opts.get('machine', 'pc')),
                   '--memory', str(opts.get('memory', DEFAULT_MEMORY_MIB))]


def is_image_test(test: dict) -> bool:
    """A meson test that boots a disk image through run_qemu.py --test."""
    cmd = test['cmd']
    return (runs_harness(test) and '--test' in cmd
            and '--exec' not in cmd and any(a.endswith('.img') for a in cmd))


def test_env(test: dict) -> dict[str, str]:
    """The environment meson gives a test."""
    env = dict(os.environ)
    env.update(test.get('env') or {})
    return env


def suite_of(test: dict) -> str:
    """A test's first suite without the project prefix ('unit', 'integration')."""
    return test['suite'][0].split(':')[-1] if test['suite'] else ''


def run_checked(cmd: list[str], what: str, cwd: Optional[str] = None) -> str:
    """Run cmd to completion; return its output or raise BenchError with its last line."""
    proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors='replace')
    if proc.returncode != 0:
        raise BenchError(f'{what} failed: '
                         f'{last_line(proc.stdout, f"exit status {proc.returncode}")}')
    return proc.stdout
