#!/usr/bin/env python3
"""Tests of the benchmark's logic that needs no QEMU (tools/bench.py, the
package tools/harness/bench/): reading the build, the harness arguments and
QEMU commands of the images, counting results, the test-order replay, the
rebuild classification, the report, the docs update and the command-line
errors. run_qemu.py --dry-run and a stand-in for QEMU replace QEMU.

Run: python3 tools/tests/test_bench.py (meson: suite `harness`).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
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
from harness.bench import cli, doc, figures, images, rebuild, report, suite  # noqa: E402
from harness.bench import timing, variants      # noqa: E402

RUN_QEMU = str(TOOLS / 'run_qemu.py')

# A run of three cases as ktest prints it: a packed plan line, a duration
# line before each result, and kernel text that looks like a result.
KTAP = ('KTAP version 1\n'
        '# ktest: options ktest.filter= ktest.shuffle=0 ktest.repeat=1\n'
        '# plan: trivial.c000 c001 c002\n'
        '1..1\n'
        '    KTAP version 1\n'
        '    # Subtest: trivial\n'
        '    1..3\n'
        '    # c000: 10 us\n'
        '    ok 1 c000\n'
        '    # c001: | ok 2 c001\n'
        '    # c001: 11 us\n'
        '    ok 2 c001\n'
        '    # c002: 12 us\n'
        '    not ok 3 c002\n'
        'not ok 1 trivial\n').encode()


# The figures' logic under a known environment: meson's test setups set
# KTEST_BOOT, which would change the QEMU commands these tests expect.
os.environ.pop('KTEST_BOOT', None)

def meson_test_entry(name: str, args: list[str], suite: str = 'unit') -> dict:
    """An intro-tests.json entry of a test run by the harness, as meson writes it."""
    return {'name': name, 'suite': [f'ktest-kernel:{suite}'], 'workdir': None, 'env': {},
            'cmd': [sys.executable, '-S', RUN_QEMU] + args}


def fake_build(directory: str, **options: object) -> B.Build:
    """A Build of the default options (overridden by options), without meson."""
    values = {'qemu': 'qemu-system-x86_64', 'memory': 128, 'machine': 'pc',
              'case_timeout': 0}
    values.update(options)
    return B.Build(directory, str(TOOLS.parent), [], values, [sys.executable, '-S'])


class TempDirTest(unittest.TestCase):
    """A test with a temporary directory, self.tmp, removed afterwards."""

    def setUp(self) -> None:
        """Make the temporary directory."""
        self.tmp = Path(tempfile.mkdtemp(prefix='bench-test-'))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)


class ReplayTest(unittest.TestCase):
    """makespan(): meson's order on N slots, each test on the first free slot."""

    def test_one_slot_is_the_sum(self) -> None:
        """On one slot the tests run one after the other."""
        self.assertEqual(suite.makespan([3.0, 1.0, 2.0], 1), 6.0)

    def test_order_matters(self) -> None:
        """A long test started last makes the run longer."""
        # 1 and 1 on two slots, then 4 on the first free one: 5; longest first: 4.
        self.assertEqual(suite.makespan([1.0, 1.0, 4.0], 2), 5.0)
        self.assertEqual(suite.makespan([4.0, 1.0, 1.0], 2), 4.0)

    def test_more_slots_than_tests(self) -> None:
        """With slots to spare the longest test is the run."""
        self.assertEqual(suite.makespan([2.0, 5.0], 8), 5.0)
        self.assertEqual(suite.makespan([], 2), 0.0)

    def test_log_path_names_the_setup(self) -> None:
        """meson test --setup S writes LOGBASE-S.json, without it LOGBASE.json."""
        self.assertEqual(suite.log_path('b', 'x', ['--setup', 'bios']),
                         os.path.join('b', 'meson-logs', 'x-bios.json'))
        self.assertEqual(suite.log_path('b', 'x', ['--num-processes', '1']),
                         os.path.join('b', 'meson-logs', 'x.json'))
        self.assertEqual(suite.log_path('b', 'x', ['--setup']),
                         os.path.join('b', 'meson-logs', 'x.json'))

    def test_paired_keeps_repetitions_together(self) -> None:
        """Samples of the same repetition are combined."""
        self.assertEqual(figures.paired([4.0, 9.0], [2.0, 3.0], lambda a, b: a / b),
                         [2.0, 3.0])


class SuiteRunsTest(unittest.TestCase):
    """SuiteRuns: the rows of the meson test runs, from meson's test logs."""

    def test_rows_and_notes(self) -> None:
        """Ideal time, ratio, replay and the notes come from the test logs."""
        runs = suite.SuiteRuns(cores=2, jobs='2')
        runs.serial.append((10.0, [{'name': 'a', 'duration': 1.0, 'result': 'OK'},
                                   {'name': 'b', 'duration': 1.0, 'result': 'FAIL'},
                                   {'name': 'c', 'duration': 4.0, 'result': 'SKIP'}]))
        runs.parallel.append((4.0, [{'name': 'a', 'duration': 1.0, 'result': 'OK'},
                                    {'name': 'b', 'duration': 1.0, 'result': 'OK'},
                                    {'name': 'c', 'duration': 4.0, 'result': 'TIMEOUT'}]))
        rows = {f.key: f for f in runs.figures()}
        self.assertEqual(rows['suite_ideal'].samples, [3.0])         # 6 s of tests ÷ 2 cores
        self.assertEqual(rows['suite_ratio'].samples, [4.0 / 3.0])
        self.assertIs(rows['suite_ratio'].met, False)
        self.assertEqual(rows['suite_replay'].samples, [5.0])
        self.assertIn('3 tests; the longest, c, takes 4.0 s alone', rows['suite_serial'].note)
        self.assertIn('not OK in some run: b, c', rows['suite_serial'].note)
        self.assertIn('longest first would take 4000 ms', rows['suite_replay'].note)


class RateTest(unittest.TestCase):
    """rates(): bytes per second only where the time is above the noise."""

    def test_all_kept(self) -> None:
        """Rates above the noise are all kept."""
        self.assertEqual(figures.rates([1000.0, 2000.0], [0.5, 0.5]), ([2000.0, 4000.0], ''))

    def test_noise_left_out_with_a_note(self) -> None:
        """Rates from times within the noise are left out, and counted."""
        kept, note = figures.rates([1000.0, 1000.0, 1000.0], [0.5, -0.01, 0.001])
        self.assertEqual(kept, [2000.0])
        self.assertIn('2 of 3 repetitions left out', note)

    def test_nothing_left_prints_n_a(self) -> None:
        """A figure without samples reads n/a, with its note below the table."""
        kept, note = figures.rates([1000.0], [0.0])
        figure = figures.Figure('k', 'a rate', 'B/s', kept, note=note)
        self.assertEqual((figure.min, figure.median, figure.max), (None, None, None))
        row, _, line = report.table([figure])[2:5]
        self.assertEqual(row, '| a rate | n/a | n/a | n/a |  |  |')
        self.assertIn('1 of 1 repetitions left out', line)

    def test_units(self) -> None:
        """Each unit is written the way a reader expects."""
        self.assertEqual(figures.fmt_value(2048.0, 'B/s'), '2 KiB/s')
        self.assertEqual(figures.fmt_value(0.0123, 's'), '12 ms')
        self.assertEqual(figures.fmt_value(1.5, 'x'), '1.50×')


class ResultCountTest(unittest.TestCase):
    """result_count(): results as the harness's KTAP parser reads them."""

    def test_counts_results_not_lookalikes(self) -> None:
        """Kernel text that looks like a result is not one."""
        # The kernel text '| ok 2 c001' is a diagnostic, not a result.
        self.assertEqual(timing.result_count(KTAP), 3)
        self.assertEqual(timing.result_count(KTAP.replace(b'\n', b'\r\n')), 3)

    def test_cut_short_counts_what_came(self) -> None:
        """A boot cut short counts the results before the cut."""
        cut = KTAP.index(b'    # c002')
        self.assertEqual(timing.result_count(KTAP[:cut]), 2)
        self.assertEqual(timing.result_count(KTAP[:cut - 1]), 1)   # unfinished line

    def test_stops_where_the_protocol_breaks(self) -> None:
        """Results after a protocol error do not count."""
        self.assertEqual(timing.result_count(b'    ok 1 c000\n    ok 2 c001\n'), 0)
        broken = KTAP.replace(b'    # c001: 11 us\n', b'')      # no duration line
        self.assertEqual(timing.result_count(broken), 1)
        self.assertEqual(timing.result_count(b''), 0)


class BootTest(TempDirTest):
    """time_boot() and check_end(): a stand-in for QEMU instead of QEMU."""

    def fake_qemu(self, output: bytes, status: int, err: str = '') -> list[str]:
        """A command that prints output on stdout, err on stderr, and exits status."""
        script = self.tmp / 'qemu.py'
        script.write_text('import sys\n'
                          f'sys.stdout.buffer.write({output!r}); sys.stdout.flush()\n'
                          f'sys.stderr.write({err!r})\n'
                          f'sys.exit({status})\n')
        return [sys.executable, str(script)]

    def test_every_protocol_end_is_a_boot(self) -> None:
        """Every QEMU status of the protocol's ends is a timed boot."""
        for status in sorted(P.QEMU_ENDS):
            with self.subTest(status=status):
                boot = timing.time_boot(self.fake_qemu(KTAP, status), str(self.tmp))
                self.assertEqual((boot.status, boot.output, boot.results), (status, KTAP, 3))
                self.assertGreater(boot.seconds, 0)
                self.assertTrue(0 <= boot.first_byte <= boot.seconds)
                self.assertTrue(0 <= boot.after_last <= boot.seconds)

    def test_no_output(self) -> None:
        """A silent boot has no first or last byte."""
        boot = timing.time_boot(self.fake_qemu(b'', P.qemu_status(P.EXIT_PASS)), str(self.tmp))
        self.assertEqual((boot.output, boot.first_byte, boot.after_last), (b'', None, None))

    def test_other_status_is_an_error_with_qemus_last_line(self) -> None:
        """Any other status is an error naming QEMU's last line."""
        cmd = self.fake_qemu(b'', 1, 'warning\nqemu: could not open disk\n\n')
        with self.assertRaisesRegex(timing.BenchError, r'QEMU exited 1: qemu: could not open '
                                                       r'disk$'):
            timing.time_boot(cmd, str(self.tmp))

    def test_a_failed_harness_run_says_why(self) -> None:
        """A harness run that fails names its Bail out! reason, else its last words."""
        cmd = self.fake_qemu(b'ok 1 a\nBail out! gave up after 16 boots\n', 99, 'tail\n')
        with self.assertRaisesRegex(timing.BenchError, r'qemu\.py: Bail out! gave up after '
                                                       r'16 boots$'):
            timing.time_harness(cmd, str(self.tmp), dict(os.environ))
        cmd = self.fake_qemu(b'', 2, 'run_qemu.py: error: no image\n')
        with self.assertRaisesRegex(timing.BenchError, r'qemu\.py: run_qemu\.py: error: no '
                                                       r'image$'):
            timing.time_harness(cmd, str(self.tmp), dict(os.environ))
        self.assertGreater(timing.time_harness(self.fake_qemu(KTAP, 0), str(self.tmp),
                                               dict(os.environ)), 0)

    def test_killed_is_a_hang(self) -> None:
        """A boot killed at the limit is reported as a hang."""
        with tempfile.TemporaryFile() as err:
            with self.assertRaisesRegex(timing.BenchError, 'no exit within 120 s'):
                timing.check_end(['qemu'], -9, err)


class HarnessArgsTest(TempDirTest):
    """The harness arguments of ktest/meson.build's images, and the commands
    run_qemu.py --dry-run gives for them."""

    def test_a_bench_image_gets_a_test_images_arguments(self) -> None:
        """A bench image gets the arguments meson gives a plain test image."""
        # intro-tests.json's command of `string`, an image with no settings of its own.
        test = ['ktest/string_test.img', '--test', '--qemu', 'qemu-system-x86_64',
                '--ovmf', '/usr/share/ovmf/OVMF.fd', '--machine', 'pc', '--memory', '128',
                '--tap']
        args = images.bench_args(fake_build(str(self.tmp)), 'string')
        self.assertEqual(args[0], str(self.tmp / 'ktest' / 'string_test.img'))
        self.assertEqual(args[1:], test[1:])

    def test_case_timeout_only_when_set(self) -> None:
        """--case-timeout only when the case_timeout option is set."""
        self.assertNotIn('--case-timeout', B.harness_args(fake_build('b')))
        args = B.harness_args(fake_build('b', case_timeout=300, machine='q35', memory=64))
        self.assertEqual(args, ['--qemu', 'qemu-system-x86_64', '--ovmf',
                                '/usr/share/ovmf/OVMF.fd', '--case-timeout', '300',
                                '--machine', 'q35', '--memory', '64'])

    def test_the_harness_accepts_them(self) -> None:
        """run_qemu.py's own parser accepts the arguments."""
        for options in ({}, {'case_timeout': 300}):
            build = fake_build('b', **options)
            cfg = harness_cli.parse_args(images.bench_args(build, 'trivial_1'), {})
            self.assertTrue(cfg.test and cfg.tap)
            self.assertEqual(cfg.case_timeout, options.get('case_timeout'))

    def test_floor_is_a_boot_sector_that_exits_passed(self) -> None:
        """The floor writes EXIT_PASS to EXIT_PORT from a valid boot sector."""
        path = images.write_floor(str(self.tmp))
        sector = Path(path).read_bytes()
        self.assertEqual((len(sector), sector[-2:]), (512, b'\x55\xaa'))
        self.assertEqual(sector[0], 0xBA)                       # mov dx, imm16
        self.assertEqual(int.from_bytes(sector[1:3], 'little'), P.EXIT_PORT)
        self.assertEqual(sector[3:5], b'\x66\xB8')              # mov eax, imm32
        self.assertEqual(int.from_bytes(sector[5:9], 'little'), P.EXIT_PASS)
        padded = images.write_floor(str(self.tmp), 1 << 20)
        self.assertEqual(Path(padded).read_bytes(), sector + bytes((1 << 20) - 512))

    def test_floor_command_is_test_mode_on_ide(self) -> None:
        """The floor's command is test mode's, on IDE; padded, it can go on virtio."""
        floor = images.floor_image(fake_build(str(self.tmp)), str(self.tmp))
        text = ' '.join(floor.qemu_cmd)
        self.assertEqual(floor.qemu_cmd[0], 'qemu-system-x86_64')
        self.assertIn(f'file={self.tmp}/floor-512.img,snapshot=on -device', text)
        self.assertIn(f'isa-debug-exit,iobase={P.EXIT_PORT:#x}', text)
        self.assertIn('-vga std', text)
        padded = images.write_floor(str(self.tmp), 1 << 20)
        cmd = images.dry_run(RUN_QEMU, images.floor_args(padded, fake_build('b'), 'virtio'),
                             str(self.tmp), dict(os.environ))
        self.assertIn('snapshot=on,if=virtio', ' '.join(cmd))

    def test_dry_run_failure_is_one_line(self) -> None:
        """A refused --dry-run is an error with run_qemu.py's message."""
        with self.assertRaisesRegex(timing.BenchError, r'--dry-run x\.img --memory 0: '
                                    r'run_qemu\.py: error: .*--memory'):
            images.dry_run(RUN_QEMU, ['x.img', '--memory', '0'], str(self.tmp), {})


class ImageTestsTest(TempDirTest):
    """image_tests(): which meson tests are timed, with which QEMU command."""

    def tests(self) -> list[dict]:
        """Tests as ktest/meson.build and tools/meson.build register them."""
        base = ['--test', '--qemu', 'qemu-system-x86_64']
        tail = ['--machine', 'pc', '--memory', '128', '--tap']
        return [
            meson_test_entry('paging_nonx', ['ktest/paging_nonx_test.img'] + base
                             + ['--qemu-arg=-cpu', '--qemu-arg=qemu64,-nx'] + tail),
            meson_test_entry('keyboard_echo', ['ktest/keyboard_echo_test.img'] + base
                             + ['--keys', 'shift-h i'] + tail, 'integration'),
            meson_test_entry('string', ['ktest/string_host', '--exec', '--tap'], 'host'),
            {'name': 'bench', 'suite': ['ktest-kernel:harness'], 'env': {},
             'cmd': [sys.executable, str(HERE / 'test_bench.py')]},
        ]

    def test_image_tests(self) -> None:
        """Image tests only; those needing the harness are listed but not booted."""
        build = fake_build(str(self.tmp))
        build.tests = self.tests()
        found = images.image_tests(build)
        self.assertEqual([(i.name, i.suite) for i in found],
                         [('keyboard_echo', 'integration'), ('paging_nonx', 'unit')])
        keys, nonx = found
        self.assertEqual((keys.skipped, keys.qemu_cmd), ('needs the harness (--keys)', []))
        self.assertEqual(nonx.skipped, '')
        self.assertEqual(nonx.harness_cmd, build.tests[0]['cmd'])
        self.assertEqual(nonx.qemu_cmd[-2:], ['-cpu', 'qemu64,-nx'])
        self.assertIn('file=ktest/paging_nonx_test.img,snapshot=on', ' '.join(nonx.qemu_cmd))


class LoadBuildTest(TempDirTest):
    """load_build() and cross_files(): meson's introspection files."""

    def write_info(self, tests: object) -> None:
        """A meson-info directory of the given tests and the default options."""
        info = self.tmp / 'meson-info'
        info.mkdir()
        (info / 'meson-info.json').write_text(json.dumps(
            {'directories': {'source': '/src'}}))
        (info / 'intro-tests.json').write_text(json.dumps(tests))
        (info / 'intro-buildoptions.json').write_text(json.dumps(
            [{'name': 'qemu', 'value': 'qemu-x'}, {'name': 'case_timeout', 'value': 0}]))

    def test_reads_options_and_the_harness_python(self) -> None:
        """Options, source and the python that runs run_qemu.py."""
        test = meson_test_entry('string', ['ktest/string_test.img', '--test'])
        test['cmd'][0] = '/opt/python3'
        self.write_info([{'name': 'b', 'cmd': ['/other/python', 'x.py']}, test])
        build = B.load_build(str(self.tmp))
        self.assertEqual((build.source, build.qemu, build.python, build.options['case_timeout']),
                         ('/src', 'qemu-x', '/opt/python3', 0))
        self.assertEqual(build.python_cmd, ['/opt/python3', '-S'])
        self.assertEqual(build.run_qemu, '/src/tools/run_qemu.py')

    def test_unexpected_data_is_a_usage_error(self) -> None:
        """Introspection data of another shape is a usage error."""
        self.write_info([{'name': 'b'}])
        with self.assertRaisesRegex(B.UsageError, 'unexpected introspection data'):
            B.load_build(str(self.tmp))

    def test_cross_files(self) -> None:
        """cmd_line.txt first, else meson's log; relative to the source tree."""
        private = self.tmp / 'meson-private'
        private.mkdir()
        (private / 'cmd_line.txt').write_text(
            "[properties]\ncross_file = ['cross/x86_64-elf.ini', '/abs/c.ini']\n")
        build = fake_build(str(self.tmp))
        self.assertEqual(B.cross_files(build),
                         [os.path.join(build.source, 'cross/x86_64-elf.ini'), '/abs/c.ini'])
        (private / 'cmd_line.txt').unlink()
        logs = self.tmp / 'meson-logs'
        logs.mkdir()
        (logs / 'meson-log.txt').write_text(
            'x\nBuild Options: --cross-file=/abs/d.ini -Dqemu=q\n')
        self.assertEqual(B.cross_files(build), ['/abs/d.ini'])


class RebuildTest(TempDirTest):
    """classify_rebuilt(): what a one-file rebuild should and should not touch."""

    def test_own_image_and_host_twin_only(self) -> None:
        """The image's own outputs and its host twin are not others."""
        outputs = ['ktest/string_test.elf.p/x.o', 'ktest/string_test.elf',
                   'ktest/string_test.img', 'ktest/string_host.p/x.o', 'ktest/string_host']
        self.assertEqual(rebuild.classify_rebuilt(outputs), (['ktest/string_test.img'], []))

    def test_other_outputs_are_reported(self) -> None:
        """Outputs of other targets are reported."""
        outputs = ['ktest/string_test.img', 'kernel/libkernel.a', 'ktest/strings_host']
        self.assertEqual(rebuild.classify_rebuilt(outputs)[1],
                         ['kernel/libkernel.a', 'ktest/strings_host'])

    def test_two_images_are_not_one(self) -> None:
        """Two rebuilt images are not one image."""
        images_, others = rebuild.classify_rebuilt(['ktest/a_test.img', 'ktest/b_test.img',
                                                    'x.o'])
        self.assertEqual((images_, others), (['ktest/a_test.img', 'ktest/b_test.img'], ['x.o']))

    def test_ninja_log_times_keep_the_last_build(self) -> None:
        """The last build of an output in .ninja_log wins."""
        (self.tmp / '.ninja_log').write_text('# ninja log v5\n'
                                             '1\t20\t0\tktest/a.img\tff\n'
                                             '5\t9\t0\tother.o\tff\n'
                                             '30\t75\t0\tktest/a.img\tff\n')
        self.assertEqual(rebuild.ninja_log_times(fake_build(str(self.tmp)), ['ktest/a.img']),
                         {'ktest/a.img': (30, 75)})

    def test_note(self) -> None:
        """The note lists the steps in order, other outputs and concurrent edits."""
        runs = rebuild.Rebuilds(steps={'b.img': (40, 70), 'a.o': (0, 35)}, quiet=False)
        self.assertEqual(runs.note(['x.o']),
                         'ninja rebuilt a.o (35 ms), b.img (30 ms) (step times of the last '
                         'repetition, from .ninja_log); not part of that image: x.o; the '
                         'tree changed under the build (concurrent edits may be included)')


class CommandTest(unittest.TestCase):
    """The QEMU command variants."""

    CMD = ['qemu', '-m', '128', '-drive', 'format=raw,file=a.img,snapshot=on', '-vga', 'std']

    def test_with_image_keeps_the_other_options(self) -> None:
        """Only the drive's file changes, escaped for QEMU."""
        cmd = list(self.CMD)
        cmd[4] += ',if=virtio'
        cmd = variants.with_image(cmd, '/t/b,c.img')
        self.assertEqual(cmd[4], 'format=raw,file=/t/b,,c.img,snapshot=on,if=virtio')

    def test_without_and_with_value(self) -> None:
        """An option is removed, or set once."""
        self.assertEqual(variants.without(self.CMD, '-vga'), self.CMD[:5])
        self.assertEqual(variants.with_value(self.CMD, '-m', '32')[:3], ['qemu', '-m', '32'])
        self.assertEqual(variants.with_value(self.CMD, '-m', '32').count('-m'), 1)


class ReportTest(unittest.TestCase):
    """The per-image table and the variants table."""

    def image(self, name: str, statuses: list[int], output: bytes = KTAP) -> timing.Image:
        """An image booted once per status, in 0.1 s, 0.2 s, ..."""
        image = timing.Image(name, 'unit', ['qemu'], [], '.', {})
        image.boots = [timing.Boot(0.1 * (i + 1), status, output, 0.05, 0.002)
                       for i, status in enumerate(statuses)]
        return image

    def test_image_rows(self) -> None:
        """Rows of a booted, a flaky and a skipped image."""
        passed, restart = P.qemu_status(P.EXIT_PASS), P.qemu_status(P.EXIT_RESTART)
        floor = self.image('floor', [passed, passed], b'')
        flaky = self.image('flaky', [passed, restart, restart])
        skipped = timing.Image('keys', 'integration', [], [], '.', {}, skipped='needs it')
        rows = report.image_table(floor, [flaky, skipped])[2:]
        self.assertEqual(rows[0], '| floor | unit | 0 | 0 B | 100 ms | 150 ms | 200 ms '
                                  '| 1.00× | 50 ms | 2.00 ms |')
        self.assertEqual(rows[1], f'| flaky (exit {restart} in 2 of 3) | unit | 3 '
                                  f'| {len(KTAP)} B | 100 ms | 200 ms | 300 ms | 1.33× '
                                  '| 50 ms | 2.00 ms |')
        self.assertEqual(rows[2], '| keys | integration | | | | | | | | needs it |')

    def test_variants_compare_with_the_first_of_their_group(self) -> None:
        """Each variant is compared with the first of its group."""
        rows = report.variant_table([figures.Figure('a', 'base', 's', [0.1]),
                                     figures.Figure('a', 'faster', 's', [0.07]),
                                     figures.Figure('b', 'other', 's', [0.5])])[2:]
        self.assertEqual([row.rsplit('|', 2)[1].strip() for row in rows],
                         ['', '−30 ms', ''])


class DocTest(TempDirTest):
    """update_doc(): the generated part is replaced, everything else kept."""

    def setUp(self) -> None:
        """Make the temporary directory."""
        super().setUp()
        self.doc = self.tmp / 'performance.md'

    def test_replaces_generated_part_keeps_notes_and_sections(self) -> None:
        """Only the generated part changes."""
        self.doc.write_text('# Performance\n\n## Heap\n\nheap text\n\n'
                            f'{doc.DOC_HEADING}\n\nold table\n{doc.DOC_END}\n\n'
                            'hand notes\n\n## Later\n\nlater text\n')
        doc.update_doc(str(self.doc), f'{doc.DOC_HEADING}\n\nnew table\n')
        text = self.doc.read_text()
        self.assertNotIn('old table', text)
        for kept in ('heap text', 'new table', 'hand notes', '## Later\n\nlater text\n'):
            self.assertIn(kept, text)
        self.assertLess(text.index('new table'), text.index('hand notes'))
        self.assertLess(text.index('hand notes'), text.index('## Later'))
        self.assertEqual(os.listdir(self.tmp), ['performance.md'])   # no temp file left

    def test_adds_the_section_when_missing(self) -> None:
        """A file without the section gets it at the end."""
        self.doc.write_text('# Performance\n\n## Heap\n\nheap text\n')
        doc.update_doc(str(self.doc), f'{doc.DOC_HEADING}\n\ntable\n')
        text = self.doc.read_text()
        self.assertTrue(text.startswith('# Performance\n\n## Heap\n\nheap text\n\n'))
        self.assertTrue(text.endswith(f'table\n\n{doc.DOC_END}\n'))

    def test_same_update_twice_is_stable(self) -> None:
        """Updating twice leaves one section."""
        self.doc.write_text('# Performance\n')
        for _ in range(2):
            doc.update_doc(str(self.doc), f'{doc.DOC_HEADING}\n\ntable\n')
        self.assertEqual(self.doc.read_text().count(doc.DOC_HEADING), 1)


class CommandLineTest(unittest.TestCase):
    """Mistakes end in one line on stderr and exit 2, before anything runs."""

    def run_main(self, *argv: str) -> tuple[int, str, str]:
        """cli.main(argv): its status, stdout and stderr."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = cli.main(list(argv))
            except SystemExit as exc:       # argparse's own exit
                status = int(exc.code or 0)
        return status, out.getvalue(), err.getvalue()

    def assert_usage_error(self, argv: list[str], message: str) -> None:
        """argv is refused with one line on stderr naming message."""
        status, out, err = self.run_main(*argv)
        self.assertEqual(status, cli.EXIT_USAGE)
        self.assertEqual(out, '')
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn(message, err)
        self.assertTrue(err.startswith('bench.py: error: '), err)

    def test_bad_numbers(self) -> None:
        """Counts must be whole numbers >= 1."""
        for value in ('0', '-3', 'x', '1.5'):
            with self.subTest(value=value):
                self.assert_usage_error(['--reps', value], 'expected a whole number >= 1')

    def test_unknown_section(self) -> None:
        """--skip names known sections only."""
        self.assert_usage_error(['--skip', 'images,nope'], "unknown section 'nope'")

    def test_not_a_build_directory(self) -> None:
        """-C must name a configured build directory."""
        with tempfile.TemporaryDirectory() as tmp:
            self.assert_usage_error(['-C', tmp], 'is not a configured meson build directory')

    def test_quick_skips_the_long_sections(self) -> None:
        """--quick leaves out meson test, the clean build and the QEMU-alone
        images, 3 repetitions, one run of each image through the harness."""
        args = cli.parse_args(['--quick', '--skip', 'fresh'])
        self.assertEqual((args.skip, args.reps, args.harness_reps),
                         (['clean', 'fresh', 'images', 'suite'], 3, 1))
        args = cli.parse_args([])
        self.assertEqual((args.reps, args.harness_reps), (5, 5))
        self.assertEqual(cli.parse_args(['--reps', '2', '--harness-reps', '9']).harness_reps, 2)


class EntryPointTest(unittest.TestCase):
    """tools/bench.py as a program."""

    def test_a_mistake_is_one_line(self) -> None:
        """The entry point reports a mistake in one line, exit 2."""
        proc = subprocess.run([sys.executable, str(TOOLS / 'bench.py'), '--reps', '0'],
                              capture_output=True, text=True)
        self.assertEqual((proc.returncode, proc.stdout), (cli.EXIT_USAGE, ''))
        self.assertEqual(proc.stderr, "bench.py: error: argument --reps: expected a whole "
                                      "number >= 1, got '0' (see --help)\n")

    def test_the_command_line_imports_no_measuring_module(self) -> None:
        """Parsing the command line imports nothing that measures."""
        code = ('import sys; sys.path.insert(0, sys.argv[1]); before = set(sys.modules); '
                'import harness.bench.cli; print(" ".join(set(sys.modules) - before))')
        proc = subprocess.run([sys.executable, '-c', code, str(TOOLS)], capture_output=True,
                              text=True, check=True)
        loaded = proc.stdout.split()
        self.assertIn('harness.bench.cli', loaded)
        for heavy in ('harness.bench.run', 'harness.bench.timing', 'harness.ktap',
                      'subprocess', 'threading', 'statistics'):
            self.assertNotIn(heavy, loaded)


if __name__ == '__main__':
    unittest.main(verbosity=2)
