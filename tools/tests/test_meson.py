#!/usr/bin/env python3
"""End to end: meson itself scores run_qemu.py --tap right. A throw-away
meson project in a temporary directory has one test per fake image (TAP
protocol, fake QEMU); `meson test` must score each OK, FAIL, SKIP or ERROR
as the design says (never OK otherwise), and its JUnit report must hold a
failing `ktest.run` testcase when a run errs. Skipped without meson.

Run: python3 tools/tests/test_meson.py (meson: suite `harness`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

from harness_support import (FAILING, PASSING, QEMU_FAIL, QEMU_PASS, QEMU_RESET, SKIPPING,
                             TOOL, Ktap, ToolTest, clean_env, no_match, when)

FOUR = Ktap('fmt.decimal', 'fmt.hex', 'fmt.oct', 'heap.alloc')


@unittest.skipUnless(shutil.which('meson'), 'meson is not installed')
class MesonTest(ToolTest):
    """meson test scores the --tap output: OK, FAIL, SKIP, ERROR."""

    def images(self) -> dict[str, tuple[str, list[str], str]]:
        """Each test: (image, extra run_qemu.py arguments, meson's score)."""
        crashing = self.image(FOUR.boot(crash_at=1), QEMU_RESET, name='crash.img',
                              when_=[when('ktest.start=2', FOUR.boot(start=2))])
        timeout = Ktap('fmt.decimal', 'not ok fmt.hex # TIMEOUT ran past 5 ms').boot()
        return {
            'pass': (self.image(PASSING.boot(), name='pass.img'), [], 'OK'),
            'fail': (self.image(FAILING.boot(), QEMU_FAIL, name='fail.img'), [], 'FAIL'),
            'skip': (self.image(SKIPPING.boot(), name='skip.img'), [], 'SKIP'),
            'nothing': (self.image(no_match('x.*'), name='nothing.img'), ['--filter', 'x.*'],
                        'SKIP'),
            'timeout': (self.image(timeout, QEMU_FAIL, name='timeout.img'), [], 'FAIL'),
            'crash': (crashing, [], 'FAIL'),
            'liar': (self.image(FAILING.boot(), QEMU_PASS, name='liar.img'), [], 'ERROR'),
            'silent': (self.image('', 1, name='silent.img'), [], 'ERROR'),
        }

    def project(self, images: dict[str, tuple[str, list[str], str]]) -> None:
        """Write the meson project: one TAP test per image."""
        src = self.tmp / 'project'
        src.mkdir()
        tests = ''.join(
            f"test('{name}', python, args: [tool, '--tap', '--qemu', '{self.qemu}', "
            f"'{image}'] + {args!r}, protocol: 'tap')\n"
            for name, (image, args, _) in images.items())
        (src / 'meson.build').write_text(
            f"project('t', [])\npython = find_program('{sys.executable}')\n"
            f"tool = files('{TOOL}')\n{tests}")

    def meson(self, *args: str) -> subprocess.CompletedProcess:
        """Run meson in the temporary directory."""
        return subprocess.run(['meson', *args], cwd=self.tmp, capture_output=True, text=True,
                              env=clean_env(), timeout=300)

    def test_meson_scores(self) -> None:
        images = self.images()
        self.project(images)
        setup = self.meson('setup', 'build', 'project')
        self.assertEqual(setup.returncode, 0, setup.stdout + setup.stderr)
        self.meson('test', '-C', 'build', '--num-processes', '2')
        logs = self.tmp / 'build' / 'meson-logs'
        entries = [json.loads(line) for line in (logs / 'testlog.json').read_text().splitlines()]
        self.assertEqual({e['name']: e['result'] for e in entries},
                         {name: score for name, (_, _, score) in images.items()})
        self.assert_junit_run_errors(ET.parse(logs / 'testlog.junit.xml'), ['liar', 'silent'])

    def assert_junit_run_errors(self, junit: ET.ElementTree, names: list[str]) -> None:
        """The JUnit report has a failing ktest.run testcase for each test of
        names and for no other."""
        failing = sorted(suite.get('name').split('.')[-1]
                         for suite in junit.getroot().iter('testsuite')
                         for case in suite.iter('testcase')
                         if case.get('name').endswith('ktest.run')
                         and case.find('failure') is not None)
        self.assertEqual(failing, sorted(names))


if __name__ == '__main__':
    unittest.main()
