#!/usr/bin/env python3
"""Tests of run_qemu.py's command line (tools/harness/cli.py, qemu.py,
interactive.py): options and environment variables, the QEMU command lines
of both modes (--dry-run), the tool's own errors (one line on stderr, exit
2, never a traceback), the help text, and run mode against fake QEMU.

Run: python3 tools/tests/test_cli.py (meson: suite `harness`).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import unittest
from typing import Optional

from harness_support import (PASSING, TOOL, Ktap, ToolTest, clean_env, echoing, wait_gone)
from harness import options, protocol, qemu

DEBUG_EXIT = 'isa-debug-exit,iobase=0xf4,iosize=0x04'
CYLINDER = 16 * 63 * 512


class DryRunTest(ToolTest):
    """The QEMU command lines, as --dry-run prints them."""

    def dry(self, *args: str, env: Optional[dict] = None) -> list[str]:
        """The command a --dry-run prints, split into words."""
        result = self.run_tool('--dry-run', *args, env=env, qemu=False)
        self.assertEqual((result.returncode, result.stderr), (0, ''))
        return shlex.split(result.stdout.splitlines()[0])

    def test_run_mode_headless(self) -> None:
        self.assertEqual(self.dry('build/kernel.img'), [
            'qemu-system-x86_64', '-machine', 'pc', '-m', '128', '-drive',
            'format=raw,file=build/kernel.img,snapshot=on', '-device', DEBUG_EXIT,
            '-serial', 'mon:stdio', '-display', 'none'])

    def test_run_mode_window_and_curses(self) -> None:
        for env in ({'DISPLAY': ':0'}, {'WAYLAND_DISPLAY': 'wayland-0'}):
            window = self.dry('k.img', env=env)
            self.assertNotIn('-display', window)
            self.assertIn('mon:stdio', window)
        curses = self.dry('k.img', '--display', 'curses', env={'DISPLAY': ':0'})
        self.assertEqual(curses[-2:], ['-display', 'curses'])
        self.assertNotIn('-serial', curses)
        self.assertEqual(self.dry('k.img', '--headless', env={'DISPLAY': ':0'})[-2:],
                         ['-display', 'none'])

    def test_run_mode_options(self) -> None:
        words = self.dry('--headless', '-m', '512', '--machine', 'q35', '--cmdline',
                         'log=debug', '--cmdline', 'x=1', '--qemu-arg', '-smp', '--qemu-arg',
                         '2', 'k.img', '--gdb', '--', '-d', 'int')
        self.assertEqual(words[1:5], ['-machine', 'q35', '-m', '512'])
        self.assertEqual(words[-9:], ['-fw_cfg', 'name=opt/cmdline,string=log=debug x=1',
                                      '-S', '-gdb', 'tcp::1234', '-smp', '2', '-d', 'int'])

    def test_test_mode_command(self) -> None:
        words = self.dry('--test', 'u.img', '--filter', 'fmt.*,heap.a?', '--cmdline',
                         'log=warn', '--case-timeout', '500', '--memory', '64',
                         '--repeat', '2', '--shuffle', '3')
        self.assertEqual(words, [
            'qemu-system-x86_64', '-nodefaults', '-no-reboot', '-display', 'none', '-vga',
            'std', '-machine', 'pc', '-m', '64', '-drive', 'format=raw,file=u.img,snapshot=on',
            '-device', DEBUG_EXIT, '-serial', 'stdio', '-fw_cfg',
            'name=opt/cmdline,string=ktest.filter=fmt.*,,heap.a? ktest.shuffle=3 '
            'ktest.repeat=2 ktest.timeout=500 log=warn'])

    def test_list_and_fresh_boot_start_with_a_listing(self) -> None:
        self.assertEqual(self.dry('--list', 'u.img', '--repeat', '2')[-1],
                         'name=opt/cmdline,string=ktest.list')
        result = self.run_tool('--dry-run', '--fresh-boot', '--keys', 'a', 'u.img', qemu=False)
        first, then = result.stdout.splitlines()
        self.assertTrue(first.endswith('name=opt/cmdline,string=ktest.list'), first)
        self.assertNotIn('-qmp', first)
        self.assertEqual(then, '# then one boot per listed case, with ktest.filter=<case>')

    def test_fresh_boot_from_a_snapshot(self) -> None:
        words = self.dry('--fresh-boot', 'u.img', '--case-timeout', '500', '--cmdline', 'x=1')
        self.assertEqual(words[words.index('-serial'):-2], [
            '-serial', 'stdio', '-fw_cfg', 'name=opt/cmdline,string=ktest.timeout=500 x=1 '
            'ktest.fresh'])
        self.assertEqual(words[-2], '-qmp')
        self.assertRegex(words[-1], r'^unix:.*/control\.sock,server=on,wait=off$')
        pvh = self.dry('--fresh-boot=snapshot', '--boot', 'pvh', 'u.img')
        self.assertEqual(pvh[pvh.index('-append'):pvh.index('-qmp')], [
            '-append', 'ktest.fresh', '-drive',
            'if=none,id=ktest-state,format=raw,snapshot=on,file=u.img'])
        self.assertEqual(pvh[pvh.index('-kernel'):pvh.index('-kernel') + 4],
                         ['-kernel', 'u.elf', '-initrd', 'u.elf'])   # with its symbols

    def test_exec_command(self) -> None:
        words = self.dry('--exec', 'build/ktest/fmt_host', '--filter', 'fmt.*',
                         '--cmdline', 'a=1 b=2')
        self.assertEqual(words, [os.path.abspath('build/ktest/fmt_host'),
                                 'ktest.filter=fmt.*', 'a=1 b=2'])

    def test_disk_on_virtio_from_one_cylinder(self) -> None:
        for size, virtio in ((512, False), (CYLINDER - 512, False), (CYLINDER, True),
                             (1 << 20, True)):
            with self.subTest(size=size):
                image = self.tmp / f'disk-{size}.img'
                image.write_bytes(bytes(size))
                drive = f'format=raw,file={image},snapshot=on'
                self.assertIn(drive + (',if=virtio' if virtio else ''),
                              self.dry('--test', str(image)))
                self.assertIn(drive, self.dry(str(image)))     # run mode: QEMU's IDE

    def test_disk_option_and_environment(self) -> None:
        small, big = self.tmp / 'small.img', self.tmp / 'big.img'
        small.write_bytes(bytes(512))
        big.write_bytes(bytes(1 << 20))
        self.assertIn(f'format=raw,file={big},snapshot=on',
                      self.dry('--test', '--disk', 'ide', str(big)))
        self.assertIn(f'format=raw,file={small},snapshot=on,if=virtio',
                      self.dry('--test', '--disk', 'virtio', str(small)))
        self.assertIn(f'format=raw,file={small},snapshot=on,if=virtio',
                      self.dry('--test', str(small), env={'KTEST_DISK': 'virtio'}))
        self.assertIn(f'format=raw,file={big},snapshot=on',
                      self.dry('--test', str(big), '--disk', 'ide', env={'KTEST_DISK': 'virtio'}))
        self.assertIn(f'format=raw,file={self.tmp}/none.img,snapshot=on',
                      self.dry('--test', str(self.tmp / 'none.img')))

    def test_commas_doubled(self) -> None:
        words = self.dry('a,b.img', '--cmdline', 'x=1,2')
        self.assertIn('format=raw,file=a,,b.img,snapshot=on', words)
        self.assertIn('name=opt/cmdline,string=x=1,,2', words)
        words = self.dry('--test', '--keys', 'a', 'a,b.img')
        self.assertRegex(words[words.index('-qmp') + 1],
                         r'^unix:.*/qmp\.sock,server=on,wait=off$')

    def test_environment_defaults(self) -> None:
        env = {'KTEST_IMAGE': 'e.img', 'KTEST_QEMU': '/opt/q', 'KTEST_MEMORY': '256',
               'KTEST_MACHINE': 'q35', 'KTEST_DISPLAY': 'curses'}
        words = self.dry(env=env)
        self.assertEqual(words[:5], ['/opt/q', '-machine', 'q35', '-m', '256'])
        self.assertIn('format=raw,file=e.img,snapshot=on', words)
        self.assertEqual(words[-2:], ['-display', 'curses'])
        self.assertEqual(self.dry('--memory', '32', 'o.img', '--qemu', 'q', env=env)[:5],
                         ['q', '-machine', 'q35', '-m', '32'])
        self.assertIn('-nodefaults', self.dry('--test', env=env))   # KTEST_DISPLAY unused

    def test_boot_pvh_starts_the_elf_with_the_words_appended(self) -> None:
        image = self.tmp / 'u.img'
        image.write_bytes(bytes(512 * qemu.IMG_HEADER_LBA) + b'KTIMAGE1'.ljust(64, b'\0') +
                          b'ktest.timeout=300\0')
        words = self.dry('--test', str(image), '--boot', 'pvh', '--filter', 'a.*')
        qboot = qemu.find_qboot('qemu-system-x86_64')
        self.assertEqual(words[5:], [
            '-vga', 'std', '-machine', 'pc', '-m', '128', *(['-bios', qboot] if qboot else []),
            '-kernel', f'{self.tmp}/u.elf', '-initrd', f'{self.tmp}/u.elf',
            '-device', DEBUG_EXIT, '-serial', 'stdio',
            '-append', 'ktest.timeout=300 ktest.filter=a.*'])
        fake = self.tmp / 'prefix'
        (fake / 'bin').mkdir(parents=True)
        (fake / 'share' / 'qemu').mkdir(parents=True)
        (fake / 'share' / 'qemu' / 'qboot.rom').write_bytes(b'')
        self.assertEqual(qemu.find_qboot(str(fake / 'bin' / 'qemu')),
                         str(fake / 'share' / 'qemu' / 'qboot.rom'))
        elf = self.dry('--test', str(image), '--boot', 'pvh', '--elf', 'k.elf')
        self.assertEqual(elf[elf.index('-kernel') + 1], 'k.elf')
        self.assertEqual(elf[elf.index('-initrd') + 1], 'k.elf')   # its symbols
        run = self.dry(str(image), '--boot', 'pvh')
        self.assertEqual(run[run.index('-kernel'):run.index('-kernel') + 4],
                         ['-kernel', f'{self.tmp}/u.elf', '-initrd', f'{self.tmp}/u.elf'])
        micro = self.dry('--test', str(image), '--machine', 'microvm',
                         env={'KTEST_BOOT': 'pvh'})
        self.assertEqual(micro[5:9], ['-machine', 'microvm', '-m', '128'])
        self.assertNotIn('-vga', micro)
        self.assertNotIn('-bios', micro)
        self.assertEqual(self.dry(str(image), '--boot', 'pvh', '--cmdline', 'log=debug')[-2:],
                         ['-append', 'ktest.timeout=300 log=debug'])

    def test_boot_uefi_and_from_disk(self) -> None:
        words = self.dry('--test', 'u.img', '--boot', 'uefi', '--ovmf', '/fw/OVMF.fd')
        self.assertEqual(words[5:13], ['-vga', 'std', '-machine', 'pc', '-m', '128', '-bios',
                                       '/fw/OVMF.fd'])
        self.assertIn('format=raw,file=u.img,snapshot=on', words)
        self.assertIn('/usr/share/ovmf/OVMF.fd', self.dry('u.img', '--firmware', 'uefi'))
        self.assertIn('/x.fd', self.dry('u.img', env={'KTEST_BOOT': 'uefi', 'KTEST_OVMF': '/x.fd'}))
        disk = self.dry('--test', 'u.img', '--from-disk', env={'KTEST_BOOT': 'pvh'})
        self.assertIn('format=raw,file=u.img,snapshot=on', disk)
        self.assertNotIn('-kernel', disk)
        self.assertIn('/x.fd', self.dry('--test', 'u.img', '--from-disk',
                                        env={'KTEST_BOOT': 'uefi', 'KTEST_OVMF': '/x.fd'}))

    def test_usb_stick(self) -> None:
        words = self.dry('--test', 'u.img', '--disk', 'usb')
        self.assertEqual(words[11:17], [
            '-device', 'qemu-xhci', '-drive', 'if=none,id=stick,format=raw,file=u.img,snapshot=on',
            '-device', 'usb-storage,drive=stick'])

    def test_accel(self) -> None:
        kvm = self.dry('--test', 'u.img', '--accel', 'kvm')
        self.assertEqual(kvm[5:13], ['-vga', 'std', '-machine', 'pc', '-m', '128', '-accel',
                                     'kvm'])
        self.assertNotIn('-accel', self.dry('--test', 'u.img', env={'KTEST_ACCEL': 'tcg'}))

    def test_boot_needs_its_pieces(self) -> None:
        image = self.tmp / 'u.img'
        image.write_bytes(bytes(512))
        for args, message in (
                (['--machine', 'microvm'], '--machine microvm boots only with --boot pvh'),
                (['--boot', 'pvh'], f'kernel ELF not found: {self.tmp}/u.elf'),
                (['--boot', 'uefi', '--ovmf', str(self.tmp / 'no.fd')],
                 f'UEFI firmware not found: {self.tmp}/no.fd'),
                (['--boot', 'floppy'], "argument --boot: invalid choice: 'floppy'")):
            with self.subTest(args=args):
                result = self.run_tool('--test', str(image), *args)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
                self.assertIn(message, result.stderr)
        result = self.run_tool('--test', str(image), env={'KTEST_BOOT': 'disk'})
        self.assertIn('environment variable KTEST_BOOT: expected one of bios, uefi, pvh',
                      result.stderr)

    def test_image_after_optional_value_options(self) -> None:
        words = self.dry('--shuffle', 'u.img')
        self.assertIn('format=raw,file=u.img,snapshot=on', words)
        self.assertRegex(words[-1], r'^name=opt/cmdline,string=ktest\.shuffle=[0-9]+$')
        self.assertIn('tcp::1234', self.dry('--gdb', 'u.img'))
        self.assertIn('tcp::4444', self.dry('u.img', '--gdb', '4444'))
        self.assertIn('name=opt/cmdline,string=ktest.shuffle=0', self.dry('u.img', '--shuffle',
                                                                          '0'))


MESON_ARGV = ['build/ktest/heap_test.img', '--test', '--qemu', 'qemu-system-x86_64',
              '--ovmf', '/usr/share/ovmf/OVMF.fd', '--keys', 'shift-h i',
              '--qemu-arg=-cpu', '--qemu-arg=qemu64,-nx', '--machine', 'pc', '--memory',
              '128', '--from-disk', '--tap']


class SmallParserTest(unittest.TestCase):
    """The small parser (options.fast_parse) gives argparse's namespace for
    what it takes, and leaves the rest to argparse."""

    AGREE = [
        MESON_ARGV, [], ['k.img'], ['--headless', 'k.img', '-m', '64', '--gdb'],
        ['k.img', '--gdb', '4444', '--cmdline', 'a=1', '--cmdline=b=2'],
        ['--shuffle', 'k.img'], ['k.img', '--shuffle', '7', '--repeat=3', '--list'],
        ['--firmware', 'uefi', 'k.img', '--display', 'curses'], ['--boot=pvh', 'k.img'],
        ['k.img', '--filter', 'a.*', '--filter=b.c', '--case-timeout', '9', '--retries', '0'],
        ['--exec', 'x', '--json', 'o.json', '--log', '--max-boots', '2', '--fresh-boot'],
        ['k.img', '--elf', 'k.elf', '--disk', 'ide', '--dry-run', '--machine', 'microvm'],
        ['--fresh-boot', 'k.img'], ['--fresh-boot=boot', 'k.img'],
        ['k.img', '--fresh-boot', 'snapshot', '--log'],
    ]
    FALL_BACK = [
        ['--help'], ['-h'], ['k.img', '--memory', '0'], ['k.img', '--memory=x'],
        ['k.img', '--machine', 'vax'], ['a.img', 'b.img'], ['k.img', '--unknown'],
        ['k.img', '--filt', 'a.*'], ['k.img', '-m64'], ['k.img', '--test=1'],
        ['k.img', '--repeat'], ['k.img', '--json', '--log'], ['k.img', '--retries', '-1'],
    ]

    def test_agrees_with_argparse(self) -> None:
        for argv in self.AGREE:
            with self.subTest(argv=argv):
                fast = options.fast_parse(argv)
                self.assertIsNotNone(fast)
                self.assertEqual(vars(fast), vars(options.build_parser().parse_args(argv)))

    def test_leaves_help_and_mistakes_to_argparse(self) -> None:
        for argv in self.FALL_BACK:
            with self.subTest(argv=argv):
                self.assertIsNone(options.fast_parse(argv))

    def test_no_argparse_or_re_before_qemu_starts(self) -> None:
        code = (
            'import sys\n'
            f'sys.path.insert(0, {str(TOOL.parent)!r})\n'
            'from harness import cli, testmode, words, process, qemu\n'
            f'cfg = cli.parse_args({MESON_ARGV[:6] + MESON_ARGV[8:]!r}, {{}})\n'
            'qemu.test_command(cfg, words.ktest_words(cfg), None)\n'
            "print(sorted(m for m in ('argparse', 're', 'harness.ktap', 'harness.session',"
            " 'harness.report') if m in sys.modules))\n")
        result = subprocess.run([sys.executable, '-S', '-c', code], capture_output=True,
                                text=True, timeout=60)
        self.assertEqual((result.stdout, result.stderr), ('[]\n', ''))


class UsageErrorTest(ToolTest):
    """A mistake in how the tool is called: one line on stderr, exit 2."""

    def assert_usage_error(self, result: subprocess.CompletedProcess, text: str) -> None:
        """One line on stderr naming the mistake, nothing on stdout, no traceback."""
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertEqual(result.stdout, '')
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        self.assertTrue(result.stderr.startswith('run_qemu.py: error: '), result.stderr)
        self.assertIn(text, result.stderr)

    def test_bad_options(self) -> None:
        image = self.image(PASSING.boot())
        cases = [(['--memory', 'lots', image], "argument -m/--memory: expected a whole "
                                               "number >= 1, got 'lots'"),
                 (['--machine', 'isapc', image], "invalid choice: 'isapc'"),
                 (['--disk', 'sata', image], "invalid choice: 'sata'"),
                 (['--case-timeout', '0', image], 'argument --case-timeout: expected a '
                                                  "whole number >= 1, got '0'"),
                 (['--repeat', '-1', image], 'argument --repeat'),
                 (['--max-boots', 'x', image], 'argument --max-boots'),
                 (['--timeout', '5', image], 'unrecognized arguments: --timeout'),
                 (['--frobnicate', image], 'unrecognized arguments: --frobnicate'),
                 ([image, '--shuffle', 'x'], "--shuffle: expected a whole number, got 'x'"),
                 ([image, '--shuffle', str(2**64)], '--shuffle: 18446744073709551616 is out '
                                                    'of range 0..18446744073709551615'),
                 ([image, '--gdb', '99999'], '--gdb: 99999 is out of range 1..65535'),
                 ([image, '--filter', 'a,,b'], "--filter: bad glob ''"),
                 ([image, '--filter', 'a b'], "--filter: bad glob 'a b'"),
                 ([image, '--filter', 'caf\u00e9'], "--filter: bad glob"),
                 ([image, '--keys', 'shift-'], "--keys: bad key 'shift-'"),
                 ([image, '--keys', ' '], '--keys: empty key list'),
                 ([image, '--cmdline', 'a=\x01'], "--cmdline: 'a=\\x01' is not printable"),
                 ([image, '--test', '--display', 'window'], '--display and --headless are '
                                                            'run-mode options'),
                 ([image, '--tap', '--headless'], '--display and --headless'),
                 ([image, '--exec', '--keys', 'a'], '--exec runs a host test: no --keys'),
                 ([image, '--exec', '--gdb'], '--exec runs a host test'),
                 ([], 'no IMAGE given and KTEST_IMAGE is not set')]
        for args, text in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.run_tool(*args), text)

    def test_bad_environment_values(self) -> None:
        for var, value, text in (('KTEST_MEMORY', 'big', "expected a whole number >= 1, "
                                                        "got 'big'"),
                                 ('KTEST_DISK', 'scsi', "expected one of auto, virtio, ide, usb, "
                                                        "got 'scsi'"),
                                 ('KTEST_MACHINE', 'isapc', 'expected one of pc, q35'),
                                 ('KTEST_DISPLAY', 'sdl', 'expected one of auto, window')):
            with self.subTest(var=var):
                result = self.run_tool('--dry-run', 'u.img', env={var: value})
                self.assert_usage_error(result, f'environment variable {var}: {text}')

    def test_missing_qemu(self) -> None:
        image = self.image(PASSING.boot())
        for args in (['--test', image], [image]):
            with self.subTest(args=args):
                result = self.run_tool('--qemu', str(self.tmp / 'no-qemu'), *args, qemu=False,
                                       process=args[0] == '--test')
                self.assert_usage_error(result, "QEMU not found: '" + str(self.tmp) +
                                        "/no-qemu'; install it with 'sudo apt-get install "
                                        "qemu-system-x86'")

    def test_missing_image(self) -> None:
        for args in (['--test'], [], ['--exec']):
            with self.subTest(args=args):
                result = self.run_tool(*args, str(self.tmp / 'none.img'),
                                       process=args == ['--test'])
                self.assert_usage_error(result, f"image not found: {self.tmp}/none.img; build "
                                                "it first with 'meson compile -C build'")

    def test_command_line_too_long(self) -> None:
        glob = 'x' * (protocol.CMDLINE_MAX - len('ktest.filter='))
        exe = self.host_test(steps_=echoing(Ktap(f'x.{glob[2:]}').boot(), 0))
        fits = self.run_tool('--exec', exe, '--filter', glob, qemu=False)
        self.assertEqual(fits.returncode, 0, fits.stdout + fits.stderr)
        too_long = self.run_tool('--exec', exe, '--filter', glob + 'x', qemu=False)
        self.assert_usage_error(too_long, f'the kernel command line would be '
                                          f'{protocol.CMDLINE_MAX + 1} bytes, more than the '
                                          f'{protocol.CMDLINE_MAX} an image takes: use fewer '
                                          'or shorter --filter globs or --cmdline words')

    def test_built_in_words_count(self) -> None:
        image = self.tmp / 'builtin.img'
        builtin = b'ktest.filter=' + b'b' * 200
        image.write_bytes(bytes(512 * qemu.IMG_HEADER_LBA) + b'KTIMAGE1'.ljust(64, b'\0') +
                          builtin + b'\0')
        cmdline = 'x' * (protocol.CMDLINE_MAX - 200)
        result = self.run_tool('--test', str(image), '--cmdline', cmdline)
        self.assert_usage_error(result, f'the kernel command line would be '
                                        f'{len(builtin) + 1 + len(cmdline)} bytes')
        self.assertEqual(self.runs(), [])


class ProgramTest(ToolTest):
    """The tool as a program: help, run mode, the gdb hint, SIGTERM."""

    def test_help(self) -> None:
        result = self.run_tool('--help', qemu=False, process=True)
        self.assertEqual((result.returncode, result.stderr), (0, ''))
        for word in ('--tap', '--keys', '--fresh-boot', '--case-timeout', '--max-boots',
                     '--exec', '--disk', 'KTEST_IMAGE', 'KTEST_DISK', 'NO_COLOR',
                     '0 every case passed, 1 a case failed, 77 every case was skipped, 99 error',
                     'Ctrl-A then X', 'ktest_ask_for_input()', 'twice its budget'):
            self.assertIn(word, ' '.join(result.stdout.split()))

    def test_run_mode_runs_qemu(self) -> None:
        result = self.run_tool(self.image('hello from COM1\n', 3), process=True)
        self.assertEqual((result.returncode, result.stdout), (3, 'hello from COM1\n'))
        self.assertIn('quit with Ctrl-A then X', result.stderr)
        argv = self.runs()[0]['argv']
        self.assertIn('snapshot=on', argv[argv.index('-drive') + 1])
        self.assertEqual(argv[argv.index('-serial') + 1], 'mon:stdio')

    def test_gdb_hint(self) -> None:
        image = self.image('', 0, name='kernel.img')
        result = self.run_tool('--gdb', '4321', image)
        self.assertIn(f"gdb -ex 'target remote localhost:4321' {self.tmp}/kernel.elf "
                      f"(note: {self.tmp}/kernel.elf does not exist", result.stderr)
        (self.tmp / 'kernel.elf').write_text('')
        self.assertNotIn('(note:', self.run_tool('--gdb', image).stderr)
        other = self.run_tool('--gdb', '--elf', 'k.debug', image)
        self.assertIn("localhost:1234' k.debug (note: k.debug does not exist", other.stderr)

    def test_sigterm_ends_qemu_too(self) -> None:
        out = PASSING.boot(crash_at=1)
        proc = subprocess.Popen([sys.executable, str(TOOL), '--qemu', str(self.qemu), '--test',
                                 self.image(out, None)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=clean_env(), text=True)
        self.addCleanup(proc.kill)
        line = proc.stdout.readline()              # the first result: QEMU is running
        self.assertEqual(line, 'PASS fmt.decimal (10 us)\n')
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=60), 128 + signal.SIGTERM)
        self.assertNotIn('Traceback', proc.stderr.read())
        proc.stdout.close()
        proc.stderr.close()
        self.assertTrue(wait_gone(self.runs()[0]['pid']))


if __name__ == '__main__':
    unittest.main()
