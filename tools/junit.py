#!/usr/bin/env python3
"""junit.py: the test images' results as one JUnit XML file, with the why
of every failure, for CI test reporters; and, with --github, each failed
check as an annotation on the pull request's diff.

    tools/junit.py -C build                  # build/meson-logs/ktest.junit.xml
    tools/junit.py -C build --github         # also ::error file=..,line=..:: lines
    tools/junit.py -o all.xml --summary shard1/ shard2/   # merge shards' reports

It reads the JSON reports run_qemu.py leaves in meson-logs/ktest/ (meson
sets KTEST_REPORT_DIR for every test image and host test), or those in the
directories and files given. One <testsuite> per image, one <testcase> per
result (its time, a <failure> with the failed checks' messages and the
first one's file:line, <skipped> with the reason); a run error is an
<error> on a testcase named ktest.run; a case that failed and then passed
on a retry is a passing testcase whose output says FLAKY. The file follows
the Ant/Jenkins JUnit schema. Exit status 0, or 2 for bad input (one line
on stderr; nothing is written). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import time
import xml.etree.ElementTree as ET

PROG = 'junit.py'
REPORTS = os.path.join('meson-logs', 'ktest')
DEFAULT_OUT = os.path.join('meson-logs', 'ktest.junit.xml')
FAILED = ('FAIL', 'TIMEOUT', 'CRASHED', 'NOT RUN')
# A failed check as the case's log shows it: "path/file.c:42: EXPECT_EQ(..) failed".
CHECK_RE = re.compile(r'(?P<file>[\w./-]+\.[ch]):(?P<line>\d+): (?P<what>.*)')


class InputError(Exception):
    """Reports that cannot be read: one line on stderr, exit 2."""


def report_files(args: argparse.Namespace) -> list[str]:
    """The JSON reports to gather, sorted."""
    sources = args.reports or [os.path.join(args.build or '.', REPORTS)]
    files = []
    for source in sources:
        if os.path.isdir(source):
            files += [os.path.join(source, n) for n in os.listdir(source) if n.endswith('.json')]
        elif os.path.isfile(source):
            files.append(source)
        else:
            raise InputError(f'no reports at {source} (run meson test first)')
    if not files:
        raise InputError(f'no JSON reports in {", ".join(sources)}')
    return sorted(files, key=os.path.basename)


def load(path: str) -> dict:
    """One report, checked for the fields used."""
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
        data['verdict'], data['results']          # noqa: B018 (checked here)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f'{path}: not a run_qemu.py report ({exc})') from None
    data['suite'] = os.path.basename(path).removesuffix('.json')
    data['timestamp'] = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(os.path.getmtime(path)))
    return data


def own_lines(result: dict) -> list[str]:
    """The case's log as a reader wants it: its tag dropped."""
    tag = result['name'].split('.', 1)[-1] + ': '
    return [line.removeprefix(tag) for line in result.get('log', [])]


def first_check(result: dict) -> re.Match | None:
    """The first failed check of a result's log, if any."""
    for line in own_lines(result):
        match = CHECK_RE.match(line)
        if match:
            return match
    return None


def failure_message(result: dict) -> str:
    """One line: the first failed check with its place, else the status and reason."""
    check = first_check(result)
    place = f'{check["file"]}:{check["line"]}: {check["what"]}' if check else None
    if result['status'] == 'FLAKY':
        return f'FLAKY: {result.get("reason")}' + (f'; it failed at {place}' if place else '')
    return place or f'{result["status"]}: {result.get("reason") or "failed"}'


def add_testcase(suite: ET.Element, classname: str, result: dict) -> None:
    """One result as a <testcase>."""
    seconds = (result.get('duration_us') or 0) / 1e6
    case = ET.SubElement(suite, 'testcase', name=result['name'], classname=classname,
                         time=f'{seconds:.6f}')
    status = result['status']
    if status == 'SKIP':
        ET.SubElement(case, 'skipped', message=result.get('reason') or 'skipped')
    elif status in FAILED:
        failure = ET.SubElement(case, 'failure', message=failure_message(result), type=status)
        failure.text = '\n'.join(own_lines(result)) or result.get('reason', '')
    elif status == 'FLAKY':
        ET.SubElement(case, 'system-out').text = (
            f'FLAKY: {result.get("reason", "")}\n' + '\n'.join(own_lines(result)))


def add_suite(root: ET.Element, report: dict) -> None:
    """One image's report as a <testsuite>; a run error adds ktest.run."""
    results = report['results']
    statuses = [r['status'] for r in results]
    error = report['verdict'] == 'ERROR'
    seconds = sum((r.get('duration_us') or 0) for r in results) / 1e6
    suite = ET.SubElement(root, 'testsuite', name=report['suite'],
                          tests=str(len(results) + error),
                          failures=str(sum(s in FAILED for s in statuses)),
                          errors=str(int(error)), skipped=str(statuses.count('SKIP')),
                          time=f'{seconds:.6f}', timestamp=report['timestamp'],
                          hostname=socket.gethostname() or 'localhost')
    for result in results:
        add_testcase(suite, report['suite'], result)
    if error:
        case = ET.SubElement(suite, 'testcase', name='ktest.run', classname=report['suite'],
                             time='0')
        element = ET.SubElement(case, 'error', message=report.get('reason', ''), type='ERROR')
        element.text = f'{report.get("reason", "")}\nrerun: {report.get("rerun", "")}'


def junit(reports: list[dict]) -> ET.ElementTree:
    """All reports as one <testsuites> tree, with totals."""
    root = ET.Element('testsuites', name='ktest')
    for report in reports:
        add_suite(root, report)
    for total in ('tests', 'failures', 'errors'):
        root.set(total, str(sum(int(s.get(total)) for s in root)))
    root.set('time', f'{sum(float(s.get("time")) for s in root):.6f}')
    ET.indent(root)
    return ET.ElementTree(root)


def escape_command(text: str) -> str:
    """A GitHub workflow command's data, escaped as the runner reads it."""
    return text.replace('%', '%25').replace('\r', '%0D').replace('\n', '%0A')


def annotations(reports: list[dict]) -> list[str]:
    """::error lines for GitHub Actions: failed checks at their file:line."""
    lines = []
    for report in reports:
        for result in report['results']:
            if result['status'] not in FAILED and result['status'] != 'FLAKY':
                continue
            check = first_check(result)
            where = f'file={check["file"]},line={check["line"]},' if check else ''
            level = 'warning' if result['status'] == 'FLAKY' else 'error'
            lines.append(f'::{level} {where}title={escape_command(result["name"])}::'
                         f'{escape_command(failure_message(result))}')
        if report['verdict'] == 'ERROR':
            lines.append(f'::error title={report["suite"]}::'
                         f'{escape_command(report.get("reason", "run error"))}')
    return lines


def summary(reports: list[dict]) -> list[str]:
    """A reader's summary: counts per status, every failed case and run error."""
    counts: dict[str, int] = {}
    lines = []
    for report in reports:
        for result in report['results']:
            counts[result['status']] = counts.get(result['status'], 0) + 1
            if result['status'] in FAILED or result['status'] == 'FLAKY':
                lines.append(f'  {result["status"]} {result["name"]} ({report["suite"]}): '
                             f'{failure_message(result)}')
        if report['verdict'] == 'ERROR':
            lines.append(f'  ERROR {report["suite"]}: {report.get("reason", "")}')
    head = ', '.join(f'{n} {status.lower()}' for status, n in sorted(counts.items()))
    return [f'{len(reports)} images: {head or "no results"}'] + lines


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The options."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-C', dest='build', help='a meson build directory: read its '
                        f'{REPORTS}/, write its {DEFAULT_OUT}')
    parser.add_argument('-o', '--output', help='the JUnit file to write')
    parser.add_argument('--github', action='store_true',
                        help='also print failures as GitHub Actions annotations')
    parser.add_argument('--summary', action='store_true',
                        help='also print counts per status and every failure')
    parser.add_argument('reports', nargs='*', help='report files or directories')
    args = parser.parse_args(argv)
    if not args.output:
        if not args.build:
            parser.error('give -C BUILD or -o FILE')
        args.output = os.path.join(args.build, DEFAULT_OUT)
    return args


def main(argv: list[str] | None = None) -> int:
    """Gather the reports, write the JUnit file atomically."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        reports = [load(path) for path in report_files(args)]
    except InputError as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return 2
    tmp = f'{args.output}.tmp{os.getpid()}'
    junit(reports).write(tmp, encoding='utf-8', xml_declaration=True)
    os.replace(tmp, args.output)
    for line in annotations(reports) if args.github else []:
        print(line)
    for line in summary(reports) if args.summary else []:
        print(line)
    print(f'{PROG}: {sum(len(r["results"]) for r in reports)} results of '
          f'{len(reports)} images in {args.output}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
