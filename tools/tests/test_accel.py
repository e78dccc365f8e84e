#!/usr/bin/env python3
"""Tests of the accelerator choice (tools/harness/accel.py): KVM only when
/dev/kvm is usable and a bounded probe shows guests run faster under it
than emulated; the answer kept until the host reboots; -icount forcing
TCG; --accel and $KTEST_ACCEL forcing either.

The probes run a stand-in QEMU that behaves as KVM does on the machines
in question: fast, hanging, or slower than TCG.

Run: python3 tools/tests/test_accel.py (meson: suite `harness`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from harness_support import TOOLS, stand_in  # noqa: F401  (puts tools/ on sys.path)
from harness import accel, cli

# A stand-in QEMU: it records each run's -accel, then behaves as $FAKE_KVM
# says under KVM ('fast', 'hang', 'slow') and exits as a passing guest.
FAKE = '''\
import os, sys, time
mode = sys.argv[sys.argv.index('-accel') + 1]
with open(os.environ['FAKE_RECORD'], 'a') as f:
    f.write(mode + '\\n')
if mode == 'kvm':
    kind = os.environ['FAKE_KVM']
    if kind == 'hang':
        time.sleep(60)
    if kind == 'slow':
        time.sleep(0.6)
else:
    time.sleep(0.2)
sys.exit(33)
'''


class ChooseTest(unittest.TestCase):
    """accel.choose() in this process, with a stand-in /dev/kvm and QEMU."""

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix='accel-test-'))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.kvm = self.tmp / 'kvm'
        self.kvm.write_text('')
        self.qemu = stand_in(self.tmp, FAKE)
        self.record = self.tmp / 'record'
        for patch in (mock.patch.object(accel, 'KVM_DEVICE', str(self.kvm)),
                      mock.patch.object(accel, 'PROBE_LIMIT_S', 2.0),
                      mock.patch.dict(os.environ, {'XDG_RUNTIME_DIR': str(self.tmp),
                                                   'FAKE_RECORD': str(self.record)})):
            patch.start()
            self.addCleanup(patch.stop)

    def choose(self, kvm: str, *args: str) -> str:
        """The accelerator for a run with args, KVM behaving as kvm says."""
        os.environ['FAKE_KVM'] = kvm
        cfg = cli.parse_args(['k.img', '--test', '--qemu', str(self.qemu), *args], {})
        return accel.choose(cfg)

    def probes(self) -> list[str]:
        """The -accel of every stand-in QEMU run so far."""
        return self.record.read_text().split() if self.record.exists() else []

    def test_kvm_when_it_works_and_is_faster(self) -> None:
        self.assertEqual(self.choose('fast'), 'kvm')
        self.assertEqual(self.probes(), ['kvm', 'tcg'])

    def test_a_hanging_kvm_is_caught_by_the_probe(self) -> None:
        with mock.patch('sys.stderr') as err:
            self.assertEqual(self.choose('hang'), 'tcg')
        self.assertIn('did not finish under KVM within 2 s', str(err.write.call_args_list))
        self.assertEqual(self.probes(), ['kvm'])

    def test_kvm_slower_than_emulation_is_not_used(self) -> None:
        with mock.patch('sys.stderr'):
            self.assertEqual(self.choose('slow'), 'tcg')

    def test_the_answer_is_kept_until_the_host_reboots(self) -> None:
        self.assertEqual(self.choose('fast'), 'kvm')
        self.assertEqual(self.choose('hang'), 'kvm')      # not probed again
        self.assertEqual(len(self.probes()), 2)
        with mock.patch.object(accel, 'boot_id', return_value='after-a-reboot'), \
                mock.patch('sys.stderr'):
            self.assertEqual(self.choose('hang'), 'tcg')

    def test_no_usable_device_or_icount_is_tcg_without_a_probe(self) -> None:
        self.assertEqual(self.choose('fast', '--qemu-arg=-icount', '--qemu-arg=shift=4'),
                         'tcg')
        with mock.patch.object(accel, 'KVM_DEVICE', str(self.tmp / 'no-kvm')):
            self.assertEqual(self.choose('fast'), 'tcg')
        self.assertEqual(self.probes(), [])

    def test_forced(self) -> None:
        self.assertEqual(self.choose('hang', '--accel', 'kvm'), 'kvm')
        os.environ['KTEST_ACCEL'] = 'tcg'
        try:
            cfg = cli.parse_args(['k.img', '--test'], dict(os.environ))
        finally:
            del os.environ['KTEST_ACCEL']
        self.assertEqual(accel.choose(cfg), 'tcg')
        self.assertEqual(self.probes(), [])


if __name__ == '__main__':
    unittest.main()
