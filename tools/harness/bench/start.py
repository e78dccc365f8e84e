"""The harness's own start: how long Python takes from the harness's start
until it starts QEMU. A stand-in for QEMU, compiled here with the host's C
compiler, records when it starts (CLOCK_MONOTONIC, the clock of Python's
time.monotonic) and exits; the benchmark takes the time just before it
starts `python3 -S run_qemu.py IMAGE --test --tap --boot pvh --qemu
STAND-IN ...`. Python's floor is the same interpreter starting the stand-in
at once. --variants adds `-X importtime`: the modules imported before QEMU
starts, by their own import time."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field

from .build import Build, run_checked
from .common import BenchError
from .images import bench_args
from .through import meson_env

STAMP_VARIABLE = 'KTEST_BENCH_STAMP'
START_LIMIT_S = 60.0
STANDIN_SOURCE = r'''/* A stand-in for QEMU (tools/bench.py): appends when it started
 * (CLOCK_MONOTONIC) to the file $KTEST_BENCH_STAMP names, and exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec now;
	const char *path = getenv("KTEST_BENCH_STAMP");
	FILE *f;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-accel") == 0)
			return 1;	/* the harness's KVM probe: say no KVM */
	f = path ? fopen(path, "a") : NULL;
	if (!f)
		return 2;
	fprintf(f, "%lld.%09ld\n", (long long)now.tv_sec, now.tv_nsec);
	return fclose(f) ? 2 : 0;
}
'''
# Python's floor: start the program named on the command line at once.
SPAWN_AT_ONCE = ('import os, sys; os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ); '
                 'os.wait()')
IMPORT_PREFIX = 'import time:'
FIRST_AFTER_QEMU = 'harness.session'    # testmode.py imports it once QEMU is started


def build_standin(cc: str, directory: str) -> str:
    """Compile the stand-in into directory; its path."""
    source = os.path.join(directory, 'standin.c')
    with open(source, 'w', encoding='utf-8') as f:
        f.write(STANDIN_SOURCE)
    program = os.path.join(directory, 'standin')
    run_checked([cc, '-O2', '-o', program, source], f'compiling the QEMU stand-in with {cc}')
    return program


def harness_start_command(build: Build, standin: str) -> list[str]:
    """run_qemu.py on trivial_1 as meson would start it, booting PVH, with
    the stand-in for QEMU."""
    args = bench_args(build, 'trivial_1')
    args[args.index('--qemu') + 1] = standin
    return build.python_cmd + [build.run_qemu] + args + ['--boot', 'pvh']


def python_floor_command(build: Build, standin: str) -> list[str]:
    """The same interpreter, with the same flags, starting the stand-in at once."""
    return build.python_cmd + ['-c', SPAWN_AT_ONCE, standin]


def first_stamp(path: str) -> float:
    """The first start time the stand-in wrote."""
    try:
        with open(path, encoding='ascii') as f:
            return float(f.readline())
    except (OSError, ValueError):
        raise BenchError('the QEMU stand-in was not started (or wrote no time)') from None


def time_start(cmd: list[str], cwd: str, env: dict[str, str]) -> tuple[float, str]:
    """Seconds from just before starting cmd until it started the stand-in,
    and cmd's stderr."""
    stamp = env[STAMP_VARIABLE]
    if os.path.exists(stamp):
        os.unlink(stamp)
    began = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              errors='replace', timeout=START_LIMIT_S)
    except subprocess.TimeoutExpired:
        raise BenchError(f'{cmd[0]}: no end within {START_LIMIT_S:.0f} s') from None
    return first_stamp(stamp) - began, proc.stderr


def import_lines(stderr: str) -> list[tuple[str, int, int, int]]:
    """(module, depth, self us, cumulative us) of each `-X importtime` line,
    in the order Python wrote them (a module after the modules it imported)."""
    found = []
    for line in stderr.splitlines():
        fields = line[len(IMPORT_PREFIX):].split('|') if line.startswith(IMPORT_PREFIX) else []
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        name = fields[2].rstrip()
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        found.append((name.strip(), depth, int(fields[0]), int(fields[1])))
    return found


def before_qemu(lines: list[tuple[str, int, int, int]]) -> list[tuple[str, int, int, int]]:
    """The imports made before the harness starts QEMU: those before the
    first module testmode.py imports after it (and that module's own)."""
    at = next((i for i, line in enumerate(lines) if line[0] == FIRST_AFTER_QEMU), len(lines))
    depth = lines[at][1] if at < len(lines) else 0
    while at > 0 and lines[at - 1][1] > depth:
        at -= 1
    return lines[:at]


@dataclass
class StartRuns:
    """The harness's start and Python's floor, run by run; with imports,
    each module's own import times before QEMU starts."""

    harness_cmd: list[str]
    floor_cmd: list[str]
    cwd: str
    env: dict[str, str]
    imports: bool = False
    harness: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    import_us: dict[str, list[int]] = field(default_factory=dict)
    cumulative_us: dict[str, list[int]] = field(default_factory=dict)
    total_us: list[int] = field(default_factory=list)  # all own import time, run by run

    def once(self) -> None:
        """The floor and the harness's start, one after the other; then,
        with imports, the harness under -X importtime."""
        self.floor.append(time_start(self.floor_cmd, self.cwd, self.env)[0])
        self.harness.append(time_start(self.harness_cmd, self.cwd, self.env)[0])
        if self.imports:
            self.import_once()

    def import_once(self) -> None:
        """The harness under -X importtime: each module imported before QEMU starts."""
        cmd = self.harness_cmd[:1] + ['-X', 'importtime'] + self.harness_cmd[1:]
        lines = before_qemu(import_lines(time_start(cmd, self.cwd, self.env)[1]))
        for name, _, own, cumulative in lines:
            self.import_us.setdefault(name, []).append(own)
            self.cumulative_us.setdefault(name, []).append(cumulative)
        self.total_us.append(sum(line[2] for line in lines))

    def top_imports(self, count: int) -> list[tuple[str, float, float]]:
        """The count modules of the largest median own import time before
        QEMU starts: (module, median own us, median cumulative us)."""
        medians = [(name, statistics.median(us), statistics.median(self.cumulative_us[name]))
                   for name, us in self.import_us.items()]
        return sorted(medians, key=lambda m: -m[1])[:count]


def start_runs(build: Build, cc: str, directory: str, imports: bool) -> StartRuns:
    """The stand-in, compiled into directory, and the two commands, with
    meson's environment for the default setup. The harness's accelerator
    choice is kept in directory, away from the real QEMU's."""
    standin = build_standin(cc, directory)
    env = meson_env(dict(os.environ), 'pvh', os.path.join(directory, 'start-reports'))
    env[STAMP_VARIABLE] = os.path.join(directory, 'standin.stamp')
    env['XDG_RUNTIME_DIR'] = directory
    runs = StartRuns(harness_start_command(build, standin),
                     python_floor_command(build, standin), build.dir, env, imports)
    time_start(runs.harness_cmd, runs.cwd, runs.env)      # a first run, not counted
    return runs
