"""Build times: the rebuild after touching one test file (and what ninja
rebuilt), and a clean configure and build in a fresh directory."""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field

from .build import Build, run_checked
from .common import progress
from .figures import TARGET_REBUILD_S, Figure

NINJA_DIRTY = re.compile(r'^ninja explain: (\S+) is dirty$', re.MULTILINE)
NINJA_STEP = re.compile(r'^\[\d+/(\d+)\]', re.MULTILINE)


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


@dataclass
class Rebuilds:
    """What the rebuilds measured and saw, repetition by repetition."""

    samples: list[float] = field(default_factory=list)
    image_ready: list[float] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)
    steps: dict[str, tuple[int, int]] = field(default_factory=dict)   # the last one's
    quiet: bool = True              # nothing else changed the tree meanwhile

    def note(self, others: list[str]) -> str:
        """What ninja rebuilt, with the step times of the last repetition."""
        ordered = sorted(self.steps.items(), key=lambda item: item[1])
        note = ('ninja rebuilt ' + (', '.join(f'{o} ({end - begin} ms)'
                                              for o, (begin, end) in ordered)
                                    or 'nothing')
                + ' (step times of the last repetition, from .ninja_log)')
        if others:
            note += f'; not part of that image: {", ".join(others)}'
        if not self.quiet:
            note += '; the tree changed under the build (concurrent edits may be included)'
        return note


def rebuild_once(ninja: str, build: Build, touch: str, runs: Rebuilds) -> None:
    """Bring the build up to date, touch the file, time ninja, record what it rebuilt."""
    runs.quiet = ninja_up_to_date(ninja, build) and runs.quiet
    os.utime(touch)
    start = time.perf_counter()
    out = run_checked([ninja, '-C', build.dir, '-d', 'explain'], 'ninja after touching')
    runs.samples.append(time.perf_counter() - start)
    dirty = [o for o in NINJA_DIRTY.findall(out)      # files, not phony targets
             if os.path.exists(os.path.join(build.dir, o))]
    runs.rebuilt += [o for o in dict.fromkeys(dirty) if o not in runs.rebuilt]
    runs.steps = ninja_log_times(build, dirty)
    ends = [end for o, (_, end) in runs.steps.items() if o.endswith('.img')]
    if ends:
        runs.image_ready.append(max(ends) / 1000)


def rebuild_figures(ninja: str, build: Build, touch: str, reps: int) -> list[Figure]:
    """Touch one test file, time ninja, and name what it rebuilt."""
    runs = Rebuilds()
    rel = os.path.relpath(touch, build.source)
    for rep in range(reps):
        progress(f'rebuild after touching {rel}, repetition {rep + 1} of {reps}')
        rebuild_once(ninja, build, touch, runs)
    images, others = classify_rebuilt(runs.rebuilt)
    ok = (len(images) == 1 and not others
          and statistics.median(runs.samples) < TARGET_REBUILD_S)
    figures = [Figure('rebuild', f'rebuild (ninja) after touching {rel}', 's', runs.samples,
                      f'< {TARGET_REBUILD_S:.0f} s, that image only', ok, runs.note(others))]
    if len(runs.image_ready) == reps:
        figures.append(Figure('rebuild_image', f'rebuild: until {images[0]} is written',
                              's', runs.image_ready))
    return figures


def clean_once(meson: str, ninja: str, build: Build,
               cross: list[str]) -> tuple[float, float, int]:
    """Configure and build in a fresh temporary directory: the two times and
    the number of ninja steps."""
    with tempfile.TemporaryDirectory(prefix='ktest-bench-') as tmp:
        target = os.path.join(tmp, 'build')
        cmd = [meson, 'setup', target, build.source]
        for path in cross:
            cmd += ['--cross-file', path]
        start = time.perf_counter()
        run_checked(cmd, 'meson setup in a fresh directory', cwd=build.source)
        setup = time.perf_counter() - start
        start = time.perf_counter()
        out = run_checked([ninja, '-C', target], 'ninja in a fresh directory')
        compile_ = time.perf_counter() - start
    return setup, compile_, max([0] + [int(n) for n in NINJA_STEP.findall(out)])


def clean_figures(meson: str, ninja: str, build: Build, cross: list[str],
                  reps: int) -> list[Figure]:
    """Configure and build in a fresh temporary directory."""
    setup: list[float] = []
    compile_: list[float] = []
    steps = 0
    for rep in range(reps):
        progress(f'clean configure and build, repetition {rep + 1} of {reps}')
        configure, built, count = clean_once(meson, ninja, build, cross)
        setup.append(configure)
        compile_.append(built)
        steps = max(steps, count)
    files = ', '.join(os.path.relpath(p, build.source) for p in cross)
    return [
        Figure('clean_configure', f'clean configure (meson setup --cross-file {files})', 's',
               setup),
        Figure('clean_build', 'clean build (ninja, everything built by default)', 's',
               compile_, note=f'{steps} ninja steps'),
    ]
