#!/usr/bin/env python3
"""The verdict catalog (docs/verdicts.md): every image of ktest/catalog/ and
ktest/broken/ run through run_qemu.py, each result and the image's verdict
checked against what its source says. Prints TAP, one line per image run,
for meson's `harness` suite.

An image's source states its expectations in comments:
    expect: image FAIL                  the run's verdict (default run)
    expect: suite.case[param] CRASHED   one result; every result must be listed
    expect-log: suite.case TEXT         a line of that result's log holds TEXT
    run NAME: --filter x --repeat 2     another run of the image, with options
    expect NAME: image PASS             ... and its expectations
    needs: kasan ubsan                  checked only when the test images
                                        carry these sanitizers
    twin: host                          its host build (IMAGE_DIR/NAME_host,
                                        run with --exec) meets the same
                                        expectations (default run)

Usage: test_catalog.py RUN_QEMU IMAGE_DIR [--sanitizers a,b] [run_qemu options...]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from tap_report import check_all

HERE = Path(__file__).resolve().parent
SOURCES = [HERE.parent.parent / 'ktest' / d for d in ('catalog', 'broken')]
EXPECT_RE = re.compile(r'expect(?: (\w+))?: (.+) (PASS|FAIL|SKIP|TIMEOUT|CRASHED|NOT RUN|ERROR)'
                       r'\s*(?:\*/)?$')
RUN_RE = re.compile(r'run (\w+): (.*?)\s*(?:\*/)?$')
LOG_RE = re.compile(r'expect-log(?: (\w+))?: (\S+) (.+?)\s*(?:\*/)?$')
WORDS_RE = re.compile(r'(needs|twin): ([\w ]+?)\s*(?:\*/)?$')
# Images whose source cannot carry a built-in selection of runs: their
# expectations, per --cmdline word.
BROKEN = {
    'raw_output': {'lie': ('ERROR', {'broken.first': 'FAIL', 'broken.second': 'PASS'}),
                   'garbage': ('ERROR', {}),
                   'truncated': ('FAIL', {'broken.first': 'PASS', 'broken.second': 'CRASHED'})},
    'silent': {'': ('ERROR', {})},
}
STATUS_LINE = re.compile(r'\s*/?\*+\s?|\s*//\s?')


class Run(NamedTuple):
    """One image run to check and what it must give."""
    label: str
    path: str              # the image, or the host executable of a twin
    args: list[str]
    verdict: str
    results: dict[str, list[str]]
    logs: dict[str, list[str]]


def parse_line(text: str, runs: dict[str, dict], words: dict[str, list[str]]) -> None:
    """Fold one comment line of a catalog source into runs and words."""
    run, expect, log = RUN_RE.fullmatch(text), EXPECT_RE.fullmatch(text), LOG_RE.fullmatch(text)
    marker = WORDS_RE.fullmatch(text)
    if run:
        entry(runs, run.group(1))['args'] = run.group(2).split()
    elif log:
        entry(runs, log.group(1))['logs'].setdefault(log.group(2), []).append(log.group(3))
    elif expect and expect.group(2) == 'image':
        entry(runs, expect.group(1))['image'] = expect.group(3)
    elif expect:
        entry(runs, expect.group(1))['results'].setdefault(expect.group(2), []).append(
            expect.group(3))
    elif marker:
        words[marker.group(1)] = marker.group(2).split()


def entry(runs: dict[str, dict], name: str | None) -> dict:
    """The run named name ('' for the default run), created empty."""
    return runs.setdefault(name or '', {'results': {}, 'logs': {}})


def expectations(source: Path) -> tuple[dict[str, dict], dict[str, list[str]]]:
    """The runs a catalog source asks for: {run: {'args': [...],
    'image': verdict, 'results': {name: [status]}, 'logs': {name: [text]}}},
    the default run being ''; and its needs: and twin: words."""
    runs: dict[str, dict] = {}
    words: dict[str, list[str]] = {}
    for line in source.read_text().splitlines():
        parse_line(STATUS_LINE.sub('', line, count=1).strip(), runs, words)
    return runs, words


def source_runs(source: Path, image_dir: str, sanitizers: set[str]) -> tuple[list[Run], str]:
    """The runs of one catalog source, or none and why they are left out."""
    runs, words = expectations(source)
    missing = set(words.get('needs', [])) - sanitizers
    if missing:
        return [], f'{source.stem}: left out, the test images have no {" ".join(sorted(missing))}'
    image = os.path.join(image_dir, f'{source.stem}_test.img')
    found = [Run(source.stem + (f' ({name})' if name else ''), image, run.get('args', []),
                 run.get('image', '?'), run['results'], run['logs'])
             for name, run in runs.items()]
    if 'host' in words.get('twin', []):
        default = runs.get('', {'results': {}, 'logs': {}})
        found.append(Run(f'{source.stem} (host twin)',
                         os.path.join(image_dir, f'{source.stem}_host'), ['--exec'],
                         default.get('image', '?'), default['results'], default['logs']))
    return found, ''


def catalog(image_dir: str, sanitizers: set[str]) -> tuple[list[Run], list[str]]:
    """Every image run to check, and notes on the sources left out."""
    runs: list[Run] = []
    notes: list[str] = []
    for source in sorted(SOURCES[0].glob('*.c')):
        found, note = source_runs(source, image_dir, sanitizers)
        runs += found
        notes += [note] if note else []
    for image, variants in BROKEN.items():
        for word, (verdict, results) in variants.items():
            args = ['--cmdline', word] if word else []
            runs.append(Run(f'{image} {word}'.strip(), os.path.join(image_dir, f'{image}_test.img'),
                            args, verdict, {k: [v] for k, v in results.items()}, {}))
    return runs, notes


def grouped(results: list[dict]) -> dict[str, list[str]]:
    """The statuses of each result name, in run order."""
    found: dict[str, list[str]] = {}
    for result in results:
        found.setdefault(result['name'], []).append(result['status'])
    return found


def tap_problem(stdout: str, status: int, verdict: str) -> str:
    """What is wrong with the TAP meson reads, for the expected verdict."""
    lines = stdout.splitlines()
    bailed = any(line.startswith('Bail out!') for line in lines)
    if verdict == 'ERROR':
        if status != 99 or not bailed or not any('ktest.run # ERROR' in l for l in lines):
            return f'want "not ok N ktest.run # ERROR", Bail out! and status 99, got {status}'
        return ''
    if status != 0 or bailed:
        return f'want status 0 and no Bail out!, got {status}'
    failed = any(line.startswith('not ok') for line in lines)
    if failed != (verdict == 'FAIL'):
        return f'"not ok" lines {"present" if failed else "absent"} for a {verdict}'
    return ''


def missing_logs(results: list[dict], logs: dict[str, list[str]]) -> list[str]:
    """The expect-log texts no log line of their result holds."""
    problems = []
    for name, texts in logs.items():
        lines = [line for result in results if result['name'] == name for line in result['log']]
        problems += [f'{name}: no log line holds "{text}"' for text in texts
                     if not any(text in line for line in lines)]
    return problems


def check(base: list[str], run: Run) -> str:
    """Run one image as meson would, with --json; '' or what went wrong."""
    if not os.path.exists(run.path):
        return f'{run.path} was not built'
    with tempfile.TemporaryDirectory(prefix='catalog-') as tmp:
        report = os.path.join(tmp, 'report.json')
        cmd = base + [run.path, '--test', '--tap', '--json', report] + run.args
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, errors='replace', timeout=300,
                              env=dict(os.environ, NO_COLOR='1'))
        if not os.path.exists(report):
            return f'no JSON report; status {proc.returncode}\n{proc.stderr}'
        with open(report, encoding='utf-8') as f:
            got = json.load(f)
    problems = []
    if got['verdict'] != run.verdict:
        problems.append(f'verdict {got["verdict"]} ({got["reason"]}), want {run.verdict}')
    if grouped(got['results']) != run.results:
        problems.append(f'results {grouped(got["results"])}\n want {run.results}')
    problems += missing_logs(got['results'], run.logs)
    problems.append(tap_problem(proc.stdout, proc.returncode, run.verdict))
    detail = '\n'.join(p for p in problems if p)
    return detail + ('\n' + proc.stdout + proc.stderr if detail else '')


def main(argv: list[str]) -> int:
    """Entry point: TAP on stdout; exit 0 (meson scores the lines)."""
    if len(argv) < 2:
        print('usage: test_catalog.py RUN_QEMU IMAGE_DIR [--sanitizers a,b] '
              '[run_qemu options...]', file=sys.stderr)
        return 2
    options = argv[2:]
    sanitizers: set[str] = set()
    if options[:1] == ['--sanitizers'] and len(options) > 1:
        sanitizers = {name for name in options[1].split(',') if name}
        options = options[2:]
    runs, notes = catalog(argv[1], sanitizers)
    base = [sys.executable, argv[0]] + options
    status = check_all(runs, lambda run: check(base, run), lambda run: run.label, tail=60)
    for note in notes:
        print(f'# {note}')
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
