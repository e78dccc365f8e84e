#!/usr/bin/env python3
"""The verdict catalog (docs/verdicts.md): every image of ktest/catalog/ and
ktest/broken/ run through run_qemu.py, each result and the image's verdict
checked against what its source says. Prints TAP, one line per image run,
for meson's `harness` suite.

An image's source states its expectations in comments:
    expect: image FAIL                  the run's verdict (default run)
    expect: suite.case[param] CRASHED   one result; every result must be listed
    run NAME: --filter x --repeat 2     another run of the image, with options
    expect NAME: image PASS             ... and its expectations

Usage: test_catalog.py RUN_QEMU IMAGE_DIR [run_qemu options...]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tap_report import check_all

HERE = Path(__file__).resolve().parent
SOURCES = [HERE.parent.parent / 'ktest' / d for d in ('catalog', 'broken')]
EXPECT_RE = re.compile(r'expect(?: (\w+))?: (.+) (PASS|FAIL|SKIP|TIMEOUT|CRASHED|NOT RUN|ERROR)'
                       r'\s*(?:\*/)?$')
RUN_RE = re.compile(r'run (\w+): (.*?)\s*(?:\*/)?$')
# Images whose source cannot carry a built-in selection of runs: their
# expectations, per --cmdline word.
BROKEN = {
    'raw_output': {'lie': ('ERROR', {'broken.first': 'FAIL', 'broken.second': 'PASS'}),
                   'garbage': ('ERROR', {}),
                   'truncated': ('FAIL', {'broken.first': 'PASS', 'broken.second': 'CRASHED'})},
    'silent': {'': ('ERROR', {})},
}
STATUS_LINE = re.compile(r'\s*/?\*+\s?|\s*//\s?')


def expectations(source: Path) -> dict[str, dict]:
    """The runs a catalog source asks for: {run: {'args': [...],
    'image': verdict, 'results': {name: status}}}; the default run is ''."""
    runs: dict[str, dict] = {}
    for line in source.read_text().splitlines():
        text = STATUS_LINE.sub('', line, count=1).strip()
        run = RUN_RE.fullmatch(text)
        expect = EXPECT_RE.fullmatch(text)
        if run:
            runs.setdefault(run.group(1), {'results': {}})['args'] = run.group(2).split()
        elif expect:
            entry = runs.setdefault(expect.group(1) or '', {'results': {}})
            if expect.group(2) == 'image':
                entry['image'] = expect.group(3)
            else:
                entry['results'].setdefault(expect.group(2), []).append(expect.group(3))
    return runs


def catalog() -> list[tuple[str, str, list[str], str, dict]]:
    """Every image run to check: (label, image name, args, verdict, results)."""
    runs = []
    for source in sorted(SOURCES[0].glob('*.c')):
        for name, run in expectations(source).items():
            label = source.stem + (f' ({name})' if name else '')
            runs.append((label, source.stem, run.get('args', []), run.get('image', '?'),
                         run['results']))
    for image, variants in BROKEN.items():
        for word, (verdict, results) in variants.items():
            args = ['--cmdline', word] if word else []
            runs.append((f'{image} {word}'.strip(), image, args, verdict,
                         {k: [v] for k, v in results.items()}))
    return runs


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


def check(base: list[str], image_dir: str, run: tuple) -> str:
    """Run one image as meson would, with --json; '' or what went wrong."""
    label, image, args, verdict, results = run
    with tempfile.TemporaryDirectory(prefix='catalog-') as tmp:
        report = os.path.join(tmp, 'report.json')
        cmd = base + [os.path.join(image_dir, f'{image}_test.img'), '--test', '--tap',
                      '--json', report] + args
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, errors='replace', timeout=300,
                              env=dict(os.environ, NO_COLOR='1'))
        if not os.path.exists(report):
            return f'no JSON report; status {proc.returncode}\n{proc.stderr}'
        with open(report, encoding='utf-8') as f:
            got = json.load(f)
    problems = []
    if got['verdict'] != verdict:
        problems.append(f'verdict {got["verdict"]} ({got["reason"]}), want {verdict}')
    if grouped(got['results']) != results:
        problems.append(f'results {grouped(got["results"])}\n want {results}')
    problems.append(tap_problem(proc.stdout, proc.returncode, verdict))
    detail = '\n'.join(p for p in problems if p)
    return detail + ('\n' + proc.stdout + proc.stderr if detail else '')


def main(argv: list[str]) -> int:
    """Entry point: TAP on stdout; exit 0 (meson scores the lines)."""
    if len(argv) < 2:
        print('usage: test_catalog.py RUN_QEMU IMAGE_DIR [run_qemu options...]',
              file=sys.stderr)
        return 2
    base = [sys.executable, argv[0]] + argv[2:]
    return check_all(catalog(), lambda run: check(base, argv[1], run),
                     lambda run: run[0], tail=60)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
