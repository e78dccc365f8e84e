"""The machine a run measured on: CPU, cores, QEMU and Python versions,
date, load and the commit of the source tree."""

from __future__ import annotations

import datetime
import os
import platform
import re
import subprocess

from .build import Build


def cpu_name() -> str:
    """The CPU's model name (/proc/cpuinfo), else what platform knows."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return cpu


def qemu_version(qemu: str) -> str:
    """QEMU's version number, or its whole --version line."""
    version = subprocess.run([qemu, '--version'], capture_output=True, text=True).stdout
    match = re.search(r'version (\S+)', version)
    return match.group(1) if match else version.strip()


def git_commit(source: str) -> str:
    """The short commit of the source tree, saying when it has uncommitted changes."""
    commit = subprocess.run(['git', '-C', source, 'rev-parse', '--short', 'HEAD'],
                            capture_output=True, text=True).stdout.strip()
    changes = subprocess.run(['git', '-C', source, 'status', '--porcelain',
                              '--untracked-files=no'], capture_output=True, text=True).stdout
    if commit and changes.strip():
        commit += ' with uncommitted changes'
    return commit or 'unknown'


def machine_info(build: Build) -> dict[str, object]:
    """CPU, cores, QEMU and tool versions, date, load, commit."""
    return {
        'cpu': cpu_name(),
        'cores': os.cpu_count() or 1,
        'qemu': qemu_version(build.qemu),
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'load_average': round(os.getloadavg()[0], 1),
        'commit': git_commit(build.source),
        'python': platform.python_version(),
        'build_python': build.python,
    }
