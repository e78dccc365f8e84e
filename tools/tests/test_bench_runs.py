#!/usr/bin/env python3
"""Tests of the benchmark's runs through the harness that need no QEMU
(tools/bench.py; tools/harness/bench/ pvh, through, start, fresh, ways):
the PVH floor's ELF, the commands and environments meson would give, the
harness's start with the stand-in, the import times, the --fresh-boot
ways, and the targets' verdicts. A small script stands in for the harness.

Run: python3 tools/tests/test_bench_runs.py (meson: suite `harness`).
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOLS = HERE.parent
sys.path.insert(0, str(TOOLS))

from harness import cli as harness_cli          # noqa: E402
from harness import protocol as P               # noqa: E402
from harness.bench import build as B            # noqa: E402
from harness.bench import fresh, pvh, start, suite, through, ways  # noqa: E402

RUN_QEMU = str(TOOLS / 'run_qemu.py')
os.environ.pop('KTEST_BOOT', None)      # meson's test setups set it

# A stand-in for the harness: prints TAP, and leaves the JSON report the
# harness leaves in $KTEST_REPORT_DIR, with the durations given as arguments.
FAKE_HARNESS = '''import json, os, sys, time
durations = [int(a) for a in sys.argv[1:]]
report = {'verdict': 'PASS', 'reason': '', 'results': [
    {'name': f'x.c{i}', 'status': 'PASS', 'duration_us': d} for i, d in enumerate(durations)]}
with open(os.path.join(os.environ['KTEST_REPORT_DIR'], 'x_test.json'), 'w') as f:
    json.dump(report, f)
print('TAP version 13')
print(os.environ['KTEST_BOOT'], os.environ['MALLOC_PERTURB_'], file=sys.stderr)
'''


def fake_build(directory: str) -> B.Build:
    """A Build of the default options, without meson."""
    options = {'qemu': 'qemu-system-x86_64', 'memory': 128, 'machine': 'pc', 'case_timeout': 0}
    return B.Build(directory, str(TOOLS.parent), [], options, [sys.executable, '-S'])


class TempDirTest(unittest.TestCase):
    """A test with a temporary directory, self.tmp, removed afterwards."""

    def setUp(self) -> None:
        """Make the temporary directory."""
        self.tmp = Path(tempfile.mkdtemp(prefix='bench-runs-test-'))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)


def parse_elf(data: bytes) -> tuple[tuple, list[tuple]]:
    """The ELF64 header's fields and the program headers, read with the
    gABI's layouts (independently of the code under test)."""
    header = struct.unpack_from('<16sHHIQQQIHHHHHH', data)
    phoff, phentsize, phnum = header[5], header[9], header[10]
    phdrs = [struct.unpack_from('<IIQQQQQQ', data, phoff + i * phentsize)
             for i in range(phnum)]
    return header, phdrs


def read_notes(data: bytes, offset: int, size: int, align: int) -> list[tuple]:
    """(name, type, desc) of each note in a PT_NOTE segment, stepping as
    QEMU does: name and desc each padded to the segment's alignment."""
    notes, at = [], offset
    while at < offset + size:
        namesz, descsz, kind = struct.unpack_from('<III', data, at)
        name_at = at + 12
        desc_at = name_at + (namesz + align - 1) // align * align
        notes.append((data[name_at:name_at + namesz], kind, data[desc_at:desc_at + descsz]))
        at = desc_at + (descsz + align - 1) // align * align
    return notes


class PvhFloorTest(TempDirTest):
    """The PVH floor's bytes are an ELF QEMU's -kernel boots through PVH."""

    def test_header_and_segments(self) -> None:
        """ELF64 x86-64 executable; one PT_LOAD at 1 MiB holding the whole file, R+X."""
        data = pvh.pvh_floor_elf()
        header, phdrs = parse_elf(data)
        self.assertEqual(header[0][:7], b'\x7fELF\x02\x01\x01')      # ELF64, LSB, current
        self.assertEqual((header[1], header[2]), (2, 62))             # ET_EXEC, EM_X86_64
        loads = [p for p in phdrs if p[0] == 1]
        self.assertEqual(len(loads), 1)
        _, flags, offset, vaddr, paddr, filesz, memsz, _ = loads[0]
        self.assertEqual((flags, offset, paddr, filesz, memsz), (5, 0, 0x100000, len(data),
                                                                 len(data)))
        self.assertEqual(vaddr, paddr)

    def test_xen_note_names_the_code(self) -> None:
        """The PT_NOTE holds Xen's PHYS32_ENTRY note, 8 bytes, at the code
        that writes EXIT_PASS to EXIT_PORT and halts."""
        data = pvh.pvh_floor_elf()
        _, phdrs = parse_elf(data)
        note = next(p for p in phdrs if p[0] == 4)
        self.assertEqual(note[7], 4)                                  # aligned as the kernel's
        notes = read_notes(data, note[2], note[5], note[7])
        self.assertEqual([(n[0], n[1], len(n[2])) for n in notes], [(b'Xen\0', 18, 8)])
        entry = int.from_bytes(notes[0][2], 'little')
        code = data[entry - 0x100000:]
        self.assertEqual(code[:4], b'\x66\xBA' + P.EXIT_PORT.to_bytes(2, 'little'))
        self.assertEqual(code[4:9], b'\xB8' + P.EXIT_PASS.to_bytes(4, 'little'))
        self.assertEqual(code[9:11], b'\xEF\xF4')                     # out dx, eax; hlt
        self.assertEqual(parse_elf(data)[0][4], entry)                # e_entry as well

    def test_commands(self) -> None:
        """The harness accepts the floor's arguments; --dry-run boots the ELF
        with -kernel on each machine."""
        build = fake_build(str(self.tmp))
        elf = pvh.write_pvh_floor(str(self.tmp))
        for machine in pvh.PVH_MACHINES:
            with self.subTest(machine=machine):
                args = pvh.pvh_floor_args(elf, build, machine)
                cfg = harness_cli.parse_args(args, {})
                self.assertEqual((cfg.boot, cfg.machine, cfg.elf), ('pvh', machine, elf))
        pc, micro = pvh.pvh_floor_images(build, str(self.tmp))
        self.assertIn(f'-kernel {elf}', ' '.join(pc.qemu_cmd))
        self.assertIn('-machine microvm', ' '.join(micro.qemu_cmd))
        self.assertNotIn('-vga', micro.qemu_cmd)


class MesonCommandTest(TempDirTest):
    """The commands and environments of the runs through the harness."""

    def test_harness_at(self) -> None:
        """run_qemu.py is found after the interpreter and its flags only."""
        self.assertEqual(B.harness_at(['py', '-S', '/t/run_qemu.py', 'x.img']), 2)
        self.assertEqual(B.harness_at(['py', '/t/run_qemu.py']), 1)
        self.assertEqual(B.harness_at(['py', 'test_x.py', '/t/run_qemu.py']), 0)

    def test_meson_env(self) -> None:
        """KTEST_BOOT of the setup, the report directory, MALLOC_PERTURB_ as meson sets it."""
        env = through.meson_env({'A': '1'}, 'bios', '/r')
        self.assertEqual((env['A'], env['KTEST_BOOT'], env['KTEST_REPORT_DIR']),
                         ('1', 'bios', '/r'))
        self.assertTrue(1 <= int(env['MALLOC_PERTURB_']) <= 255)
        self.assertEqual(through.meson_env({'MALLOC_PERTURB_': '0'}, 'pvh', '/r')
                         ['MALLOC_PERTURB_'], '0')

    def test_harness_images(self) -> None:
        """trivial_1 as meson would run it, then each image test's own command."""
        build = fake_build(str(self.tmp))
        cmd = [sys.executable, '-S', RUN_QEMU, 'ktest/a_test.img', '--test', '--tap']
        build.tests = [{'name': 'a', 'suite': ['ktest-kernel:unit'], 'env': {'E': '2'},
                        'workdir': None, 'cmd': cmd},
                       {'name': 'h', 'suite': ['ktest-kernel:harness'], 'env': {},
                        'cmd': [sys.executable, 'test_h.py']}]
        one, image = through.harness_images(build, str(self.tmp))
        self.assertEqual(one.cmd[:3], [sys.executable, '-S', RUN_QEMU])
        self.assertTrue(harness_cli.parse_args(one.cmd[3:], {}).tap)
        self.assertEqual((image.name, image.suite, image.cmd, image.env['E']),
                         ('a', 'unit', cmd, '2'))


class ThroughTest(TempDirTest):
    """Runs through a stand-in harness: times, test work, problems."""

    def image(self, *durations: int) -> through.HarnessImage:
        """An image whose 'harness' reports cases of these durations (us)."""
        script = self.tmp / 'harness.py'
        script.write_text(FAKE_HARNESS)
        return through.HarnessImage('x', 'unit', [sys.executable, str(script)]
                                    + [str(d) for d in durations], str(self.tmp), {},
                                    str(self.tmp / 'reports'))

    def test_each_way(self) -> None:
        """One run each way after one floor boot; work from the report."""
        image = self.image(1000, 2500)
        image.once_each_way(lambda: 2.0)
        for way in through.WAYS:
            runs = image.ways[way]
            self.assertEqual((runs.work, runs.floor, runs.cases, runs.problems),
                             ([0.0035], [2.0], 2, []))
            self.assertAlmostEqual(runs.ratio()[0], runs.seconds[0] / 2.0)
            self.assertAlmostEqual(runs.overhead()[0], runs.seconds[0] - 0.0035)

    def test_a_failed_run_is_a_problem_not_a_sample(self) -> None:
        """A run that fails is noted, and leaves no sample."""
        image = self.image(10)
        image.cmd = [sys.executable, '-c', 'import sys; print("Bail out! broken"); sys.exit(99)']
        image.once('pvh', 1.0)
        self.assertEqual(image.ways['pvh'].seconds, [])
        self.assertIn('Bail out! broken', image.ways['pvh'].problems[0])

    def test_clock_running_fast_is_noted(self) -> None:
        """Cases longer than their run are flagged under the table."""
        image = self.image(5_000_000)
        image.once('bios', 1.0)
        rows = ways.through_table([image])
        self.assertIn('| x | unit | 1 | 5000 ms |', rows[2])
        self.assertIn('x, BIOS: its cases\' durations add up to more than the run\'s wall '
                      'time in 1 of 1 runs', rows[-1])


class TargetTest(unittest.TestCase):
    """The targets' verdicts, from known samples."""

    @staticmethod
    def image(name: str, suite_name: str, pvh_s: float, work_s: float,
              floor_s: float = 0.1) -> through.HarnessImage:
        """An image with one PVH and one BIOS run of the given times."""
        image = through.HarnessImage(name, suite_name, [], '.', {}, '.')
        for way in through.WAYS:
            image.ways[way] = through.Way([pvh_s], [work_s], [floor_s], 1)
        return image

    def test_pvh_ratio(self) -> None:
        """trivial_1 and basic_boot, PVH, at most half the SeaBIOS floor."""
        figures = {f.label: f for f in ways.pvh_target_figures(
            [self.image('trivial_1', 'bench', 0.04, 0.001),
             self.image('basic_boot', 'integration', 0.3, 0.25)])}
        met = figures['trivial_1 through the harness, PVH ÷ SeaBIOS floor']
        self.assertAlmostEqual(met.samples[0], 0.4)
        self.assertIs(met.met, True)
        self.assertIs(figures['basic_boot through the harness, PVH ÷ SeaBIOS floor'].met, False)
        self.assertIsNone(figures['basic_boot through the harness, BIOS ÷ SeaBIOS floor'].met)
        boot = figures['basic_boot through the harness, PVH, minus its test work, ÷ SeaBIOS floor']
        self.assertAlmostEqual(boot.samples[0], 0.5)

    def test_every_unit_image_within_its_work(self) -> None:
        """Met only when every unit image is within 100 ms of its own test work."""
        ok = [self.image('a', 'unit', 1.05, 1.0), self.image('b', 'unit', 0.09, 0.0)]
        figure = ways.overhead_figure(ok, 'pvh')
        self.assertIs(figure.met, True)
        self.assertIn('2 of 2 unit images within 100 ms', figure.note)
        slow = ok + [self.image('c', 'unit', 0.5, 0.2)]
        figure = ways.overhead_figure(slow, 'pvh')
        self.assertEqual((figure.met, figure.label.endswith('the furthest (c)')), (False, True))
        self.assertIn('above: c (300 ms)', figure.note)
        self.assertIsNone(ways.overhead_figure(slow, 'bios').met)

    def test_start_fresh_and_suite(self) -> None:
        """The harness's start, --fresh-boot per case, the whole suite."""
        runs = start.StartRuns([], [], '.', {}, harness=[0.02, 0.03, 0.024], floor=[0.01] * 3)
        figures = {f.key: f for f in ways.start_figures(runs)}
        self.assertIs(figures['harness_start'].met, True)
        self.assertEqual(figures['harness_own'].median, 0.014)
        run = fresh.FreshRun('snapshot', [], '.', {}, '.', per_case=[0.03], cases=100)
        (figure,) = ways.fresh_figures([run])
        self.assertEqual((figure.met, figure.label),
                         (False, 'trivial_100 under --fresh-boot=snapshot: wall time ÷ cases'))
        runs = suite.SuiteRuns(cores=2, jobs='2')
        log = [{'name': 'a', 'duration': 20.0, 'result': 'OK'}]
        runs.serial, runs.parallel, runs.bios = [(40.0, log)], [(22.0, log)], [(30.0, log)]
        rows = {f.key: f for f in runs.figures()}
        self.assertEqual((rows['suite_parallel'].met, rows['suite_bios'].samples), (True, [30.0]))
        self.assertEqual(rows['suite_parallel'].target, '≤ 22.5 s (half of 45 s)')


IMPORTTIME = '''import time: self [us] | cumulative | imported package
import time:       155 |        155 |   _io
import time:       381 |        918 | _frozen_importlib_external
import time:       573 |        573 |   harness.config
import time:      2025 |       9061 | harness.testmode
noise from the run
import time:        66 |         66 |       _sre
import time:      2673 |       9150 |   harness.boot
import time:      5499 |      19157 | harness.session
import time:       485 |        485 | shlex
'''


class StartTest(TempDirTest):
    """The harness's start: commands, the stand-in, -X importtime."""

    def test_commands(self) -> None:
        """The harness as meson starts it, booting PVH, QEMU replaced."""
        build = fake_build(str(self.tmp))
        cmd = start.harness_start_command(build, '/s/standin')
        self.assertEqual(cmd[:3], [sys.executable, '-S', build.run_qemu])
        cfg = harness_cli.parse_args(cmd[3:], {})
        self.assertEqual((cfg.test, cfg.tap, cfg.boot, cfg.qemu), (True, True, 'pvh',
                                                                   '/s/standin'))
        floor = start.python_floor_command(build, '/s/standin')
        self.assertEqual((floor[:3], floor[-1]), ([sys.executable, '-S', '-c'], '/s/standin'))

    def test_imports_before_qemu(self) -> None:
        """Lines are parsed with their depth; the session's imports come after QEMU."""
        lines = start.import_lines(IMPORTTIME)
        self.assertEqual(lines[0], ('_io', 1, 155, 155))
        self.assertEqual(lines[1], ('_frozen_importlib_external', 0, 381, 918))
        self.assertEqual([line[0] for line in start.before_qemu(lines)],
                         ['_io', '_frozen_importlib_external', 'harness.config',
                          'harness.testmode'])
        runs = start.StartRuns([], [], '.', {})
        runs.import_us = {'a': [10, 30, 20], 'b': [50]}
        runs.cumulative_us = {'a': [10, 30, 20], 'b': [90]}
        runs.total_us = [60]
        self.assertEqual(runs.top_imports(1), [('b', 50, 90)])
        self.assertIn('| all modules imported before QEMU starts | 0.06 ms | |',
                      ways.imports_table(runs))

    @unittest.skipUnless(shutil.which(os.environ.get('CC', 'cc')), 'no host C compiler')
    def test_stand_in_records_its_start(self) -> None:
        """The compiled stand-in records when Python started it."""
        standin = start.build_standin(os.environ.get('CC', 'cc'), str(self.tmp))
        env = dict(os.environ, KTEST_BENCH_STAMP=str(self.tmp / 'stamp'))
        seconds, _ = start.time_start(start.python_floor_command(fake_build('.'), standin),
                                      str(self.tmp), env)
        self.assertTrue(0 < seconds < 30, seconds)
        with self.assertRaisesRegex(start.BenchError, 'stand-in was not started'):
            start.time_start([sys.executable, '-c', 'pass'], str(self.tmp), env)


class FreshTest(unittest.TestCase):
    """The --fresh-boot runs: the default, then each way the harness offers."""

    def test_runs_each_way(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            runs = fresh.fresh_runs(fake_build(tmp), tmp, quick=True)
        self.assertEqual([r.way for r in runs], [None, 'snapshot', 'boot'])
        self.assertEqual([r.label for r in runs],
                         ['--fresh-boot (the default)', '--fresh-boot=snapshot',
                          '--fresh-boot=boot'])
        for run in runs:
            self.assertEqual(run.cmd[-2:], ['--filter', fresh.QUICK_FILTER])
            self.assertIn(run.label.split(' ')[0], run.cmd)
            self.assertTrue(run.report_dir.startswith(tmp))


if __name__ == '__main__':
    unittest.main(verbosity=2)
