#!/usr/bin/env python3
"""Tests of ktest on the host: ktest/core/ + host/host.c + the self-test
programs.

Builds selftest_{pass,fail,error}_test.c (and the benchmark's thousand-case
bench/trivial_1000.c, for ordering and plan lines at scale) with every C
compiler found (gcc, clang) under ASan and UBSan into a temporary directory,
runs them and
compares their whole KTAP output with what docs/protocol.md asks for, line
by line, plus exit statuses and the ktest.* options. Also checks that
ktest/core/ compiles freestanding with the kernel's flags and needs nothing
but the backend (and the memcpy/memset every freestanding C compiler may
call).

Run: python3 ktest/tests/test_host_backend.py [-v]   (standard library only)
"""

import concurrent.futures
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import zlib
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
JOBS = 2              # compilers at once: the suite runs two tests at a time too
KTEST = HERE.parent

WARNINGS = ["-std=gnu11", "-Wall", "-Wextra", "-Werror"]
HOST_FLAGS = WARNINGS + [
    "-O1", "-g", "-fno-omit-frame-pointer",
    "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
    "-DKTEST_HOST", "-I../include", "-I..", "-I../core", "-I../../kernel",
    "-I../../boot",
]
KERNEL_FLAGS = WARNINGS + [
    "-O2", "-ffreestanding", "-nostdinc", "-mno-sse", "-mno-red-zone",
    "-mcmodel=kernel", "-fno-pic", "-fno-stack-protector",
    "-Iinclude", "-I.", "-Icore",
]
CORE_SOURCES = sorted(str(p.relative_to(KTEST)) for p in (KTEST / "core").glob("*.c"))
HOST_SOURCES = [f"../{source}" for source in CORE_SOURCES] + [
    "../host/host.c", "../../kernel/arch/x86_64/vectors.c"]
# Symbols core.o may leave undefined: the backend, the linker's section
# bounds, and what a freestanding compiler may emit calls to.
CORE_IMPORTS = {
    "ktest_backend_abort", "ktest_backend_cmdline", "ktest_backend_exit",
    "ktest_backend_now_us", "ktest_backend_run", "ktest_backend_try",
    "ktest_backend_vformat", "ktest_backend_write", "ktest_backend_lock",
    "ktest_backend_unlock", "ktest_backend_vector_name", "ktest_backend_fixture",
    "ktest_backend_sum",
    "ktest_backend_case_start", "ktest_backend_case_check",
    "ktest_backend_read_words", "ktest_backend_park",
    "__start_ktest_cases", "__stop_ktest_cases",
    "memcpy", "memset", "memmove", "memcmp",
}
# Sanitizer reports are slow to symbolize; the fail program's 100 ms budget
# is for its timeout case, not for llvm-symbolizer.
RUN_ENV = dict(os.environ, ASAN_OPTIONS="symbolize=0",
               UBSAN_OPTIONS="print_stacktrace=0")


def markers(source: Path) -> Dict[str, int]:
    """Map each `/* @name */` marker in a C file to its line number."""
    found = {}
    for number, text in enumerate(source.read_text().splitlines(), 1):
        for match in re.finditer(r"/\* @(\w+) \*/", text):
            found[match.group(1)] = number
    return found


def expected(text: str, source: str) -> List[str]:
    """Expected output lines: {marker}s replaced by the source's lines."""
    return text.strip("\n").format(**markers(HERE / source)).split("\n")


# A case's own text kept in the comparison: what the self-tests print, and
# panics; a sanitizer's report differs between compilers and runs.
KEPT_TEXT = ("# | out:", "# | panic:", "# |     ok")


SUM_LINE = re.compile(r"\s*# ktest: sums? \S+$")


def sums_problem(output: str) -> str:
    """"" when every result line of output comes right after a "# ktest:
    sum" line holding the CRC-32 of the document before it (docs/protocol.md,
    "Sums"); else the first line that does not."""
    crc, summed = 0, False
    for line in output.split("\n"):
        if line == "KTAP version 1":
            crc = 0
        sum_line = re.fullmatch(r"\s*# ktest: sum ([0-9a-f]{8})", line)
        if sum_line and int(sum_line.group(1), 16) != crc:
            return f"wrong sum: {line!r}, the output's is {crc:08x}"
        if re.fullmatch(r"    (not )?ok \d+ .*", line) and not summed:
            return f"no sum before {line!r}"
        summed = bool(sum_line)
        crc = zlib.crc32(line.encode() + b"\n", crc)
    return ""


def normalize(output: str) -> List[str]:
    """Replace what changes from run to run: durations, addresses, and
    sanitizer reports in a case's text; drop the sums."""
    output = "\n".join(line for line in output.split("\n")
                       if (not line.lstrip().startswith("# | ") or
                           line.lstrip().startswith(KEPT_TEXT)) and
                       not SUM_LINE.match(line))
    output = re.sub(r"\d+ us$", "N us", output, flags=re.M)
    output = re.sub(r"(?<== )0x[0-9a-f]{6,}$", "ADDR", output, flags=re.M)
    output = re.sub(r"at address 0x[0-9a-f]{6,}", "at address ADDR", output)
    return output.rstrip("\n").split("\n")


PASS_OUTPUT = """
KTAP version 1
# ktest: options ktest.filter= ktest.shuffle=0 ktest.repeat=1 ktest.timeout=5000 ktest.start=0
# ktest: 17 cases in 6 suites, seed 0
# plan: checks.integers booleans_and_pointers strings_and_memory message_variants log_lines
# plan: checks.printed_text
# plan: ends.expected_panic expected_segv
# plan: fixtures.priv_is_set case_exit_runs_after_skip
# plan: params.squares[zero]
# plan: params.squares[three]
# plan: params.squares[minus_four]
# plan: params.by_index[0]
# plan: params.by_index[1]
# plan: params.by_index[2]
# plan: skips.with_reason without_reason kernel_only expected_fault_is_kernel_only
# plan: zeta.defined_first_sorted_last
# budget: params.by_index 50000 ms
1..6
    KTAP version 1
    # Subtest: checks
    1..6
    # integers: N us
    ok 1 integers
    # booleans_and_pointers: N us
    ok 2 booleans_and_pointers
    # strings_and_memory: N us
    ok 3 strings_and_memory
    # message_variants: N us
    ok 4 message_variants
    # log_lines: hello world
    # log_lines: two
    # log_lines: lines
    # log_lines: N us
    ok 5 log_lines
    # | out: printed
    # |     ok 9 printed_text
    # | out: to stderr \\x1b[1m
    # | out: no newline
    # printed_text: N us
    ok 6 printed_text
ok 1 checks
    KTAP version 1
    # Subtest: ends
    1..2
    # expected_panic: case_exit ran
    # | panic: heap: double free of 0x1000 (selftest_pass_test.c:{panic})
    # expected_panic: N us
    ok 1 expected_panic
    # expected_segv: N us
    ok 2 expected_segv
ok 2 ends
    KTAP version 1
    # Subtest: fixtures
    1..2
    # ktest: fixture begin fixtures init
    # ktest: fixture end
    # priv_is_set: case_exit: priv 8, 1 case_init(s), 1 case_exit(s)
    # priv_is_set: N us
    ok 1 priv_is_set
    # case_exit_runs_after_skip: case_exit: priv 7, 1 case_init(s), 1 case_exit(s)
    # case_exit_runs_after_skip: N us
    ok 2 case_exit_runs_after_skip # SKIP skipped with priv 7
    # ktest: fixture begin fixtures exit
    # log: suite exit: 1 init(s), 0 case_init(s) here
    # ktest: fixture end
ok 3 fixtures
    KTAP version 1
    # Subtest: params
    1..6
    # squares[zero]: N us
    ok 1 squares[zero]
    # squares[three]: N us
    ok 2 squares[three]
    # squares[minus_four]: N us
    ok 3 squares[minus_four]
    # by_index[0]: N us
    ok 4 by_index[0]
    # by_index[1]: N us
    ok 5 by_index[1]
    # by_index[2]: N us
    ok 6 by_index[2]
ok 4 params
    KTAP version 1
    # Subtest: skips
    1..4
    # with_reason: N us
    ok 1 with_reason # SKIP no ps/2 device
    # without_reason: N us
    ok 2 without_reason # SKIP skipped
    # kernel_only: N us
    ok 3 kernel_only # SKIP kernel only
    # expected_fault_is_kernel_only: N us
    ok 4 expected_fault_is_kernel_only # SKIP kernel only
ok 5 skips
    KTAP version 1
    # Subtest: zeta
    1..1
    # defined_first_sorted_last: N us
    ok 1 defined_first_sorted_last
ok 6 zeta
# ktest: 16 passed, 0 failed, 5 skipped, 0 timed out
"""

FAIL_OUTPUT = r"""
KTAP version 1
# ktest: options ktest.filter= ktest.shuffle=0 ktest.repeat=1 ktest.timeout=100 ktest.start=0
# ktest: 22 cases in 4 suites, seed 0
# plan: bad_case_init.never_runs
# plan: bad_suite_init.first
# plan: bad_suite_init.params[1]
# plan: bad_suite_init.params[2]
# plan: checks.integers booleans_and_pointers strings memory messages
# plan: ends.assert_ends_case fail_now skip_after_failure segfault stack_overflow timeout
# plan: ends.unexpected_panic should_panic_returns wrong_exception fault_expected_returns abort trap
# plan: ends.exit heap_overflow
# budget: ends.stack_overflow 1000 ms
# budget: ends.exit 1000 ms
# budget: ends.heap_overflow 1000 ms
1..4
    KTAP version 1
    # Subtest: bad_case_init
    1..1
    # never_runs: case_init returned -5
    # never_runs: N us
    not ok 1 never_runs
not ok 1 bad_case_init
    KTAP version 1
    # Subtest: bad_suite_init
    1..3
    # ktest: fixture begin bad_suite_init init
    # ktest: fixture end
    # ktest: suite bad_suite_init: init returned 1
    # first: N us
    ok 1 first # SKIP suite init failed
    # params[1]: N us
    ok 2 params[1] # SKIP suite init failed
    # params[2]: N us
    ok 3 params[2] # SKIP suite init failed
ok 2 bad_suite_init # SKIP suite init failed
    KTAP version 1
    # Subtest: checks
    1..5
    # integers: selftest_fail_test.c:{eq}: EXPECT_EQ(MINUS_ONE, 1) failed
    # integers:   MINUS_ONE == -1 (0xffffffffffffffff)
    # integers:   1 == 1 (0x1)
    # integers: selftest_fail_test.c:{ne}: EXPECT_NE(x, -1) failed
    # integers:   expected x != -1
    # integers:   x == -1 (0xffffffffffffffff)
    # integers:   -1 == -1 (0xffffffffffffffff)
    # integers: selftest_fail_test.c:{lt}: EXPECT_LT(x, -1) failed
    # integers:   expected x < -1
    # integers:   x == -1 (0xffffffffffffffff)
    # integers:   -1 == -1 (0xffffffffffffffff)
    # integers: selftest_fail_test.c:{le}: EXPECT_LE(big, 0) failed
    # integers:   expected big <= 0
    # integers:   big == 18446744073709551615 (0xffffffffffffffff)
    # integers:   0 == 0 (0x0)
    # integers: selftest_fail_test.c:{gt}: EXPECT_GT(x, 1u) failed
    # integers:   expected x > 1u
    # integers:   x == -1 (0xffffffffffffffff)
    # integers:   1u == 1 (0x1)
    # integers: selftest_fail_test.c:{gt_equal}: EXPECT_GT(x, -1) failed
    # integers:   expected x > -1
    # integers:   x == -1 (0xffffffffffffffff)
    # integers:   -1 == -1 (0xffffffffffffffff)
    # integers: selftest_fail_test.c:{ge}: EXPECT_GE(-2, x) failed
    # integers:   expected -2 >= x
    # integers:   -2 == -2 (0xfffffffffffffffe)
    # integers:   x == -1 (0xffffffffffffffff)
    # integers: N us
    not ok 1 integers
    # booleans_and_pointers: selftest_fail_test.c:{true}: EXPECT_TRUE(p == NULL) failed
    # booleans_and_pointers: selftest_fail_test.c:{false}: EXPECT_FALSE(p != NULL) failed
    # booleans_and_pointers: selftest_fail_test.c:{null}: EXPECT_NULL(p) failed
    # booleans_and_pointers:   p == 0x1000
    # booleans_and_pointers: selftest_fail_test.c:{not_null}: EXPECT_NOT_NULL((void *)0) failed
    # booleans_and_pointers:   (void *)0 == NULL
    # booleans_and_pointers: selftest_fail_test.c:{ptr_eq}: EXPECT_PTR_EQ(p, NULL) failed
    # booleans_and_pointers:   p == 0x1000
    # booleans_and_pointers:   NULL == NULL
    # booleans_and_pointers: selftest_fail_test.c:{ptr_ne}: EXPECT_PTR_NE(p, p) failed
    # booleans_and_pointers:   p == 0x1000
    # booleans_and_pointers:   p == 0x1000
    # booleans_and_pointers: N us
    not ok 2 booleans_and_pointers
    # strings: selftest_fail_test.c:{streq}: EXPECT_STREQ("tab\there", "quote\"\\\x01") failed
    # strings:   "tab\there" == "tab\there"
    # strings:   "quote\"\\\x01" == "quote\"\\\x01"
    # strings: selftest_fail_test.c:{streq_null}: EXPECT_STREQ(NULL, "x") failed
    # strings:   NULL == NULL
    # strings:   "x" == "x"
    # strings: selftest_fail_test.c:{strne}: EXPECT_STRNE("same", "same") failed
    # strings:   "same" == "same"
    # strings:   "same" == "same"
    # strings: selftest_fail_test.c:{streq_long}: EXPECT_STREQ(long_text, "") failed
    # strings:   long_text == "0123456789012345678901234567890123456789012345678901234567890123"... (80 bytes)
    # strings:   "" == ""
    # strings: N us
    not ok 3 strings
    # memory: selftest_fail_test.c:{memeq}: EXPECT_MEMEQ(a, b, 12) failed
    # memory:   first difference at offset 3 of 12
    # memory:   a[3..]: 04 05 06 07 08 09 0a 0b ...
    # memory:   b[3..]: ff 05 06 07 08 09 0a 0b ...
    # memory: selftest_fail_test.c:{memeq_null}: EXPECT_MEMEQ(NULL, b, 1) failed
    # memory:   NULL == NULL
    # memory:   b == ADDR
    # memory: N us
    not ok 4 memory
    # messages: selftest_fail_test.c:{msg}: EXPECT_EQ(1, 2) failed
    # messages:   1 == 1 (0x1)
    # messages:   2 == 2 (0x2)
    # messages:   seed 7
    # messages: selftest_fail_test.c:{msg2}: EXPECT_TRUE(0) failed
    # messages:   first
    # messages:   second
    # messages: N us
    not ok 5 messages
not ok 3 checks
    KTAP version 1
    # Subtest: ends
    1..14
    # assert_ends_case: selftest_fail_test.c:{assert}: ASSERT_EQ(1, 2) failed
    # assert_ends_case:   1 == 1 (0x1)
    # assert_ends_case:   2 == 2 (0x2)
    # assert_ends_case: case_exit ran, 1 failure(s)
    # assert_ends_case: N us
    not ok 1 assert_ends_case
    # fail_now: selftest_fail_test.c:{fail}: KTEST_FAIL
    # fail_now:   gave up after 3 tries
    # fail_now: case_exit ran, 1 failure(s)
    # fail_now: N us
    not ok 2 fail_now
    # skip_after_failure: selftest_fail_test.c:{skip_after}: EXPECT_TRUE(0) failed
    # skip_after_failure: case_exit ran, 1 failure(s)
    # skip_after_failure: N us
    not ok 3 skip_after_failure
    # segfault: unexpected page fault (vector 14): SIGSEGV at address 0x10 (host approximation)
    # segfault: N us
    not ok 4 segfault
    # stack_overflow: unexpected page fault (vector 14): SIGSEGV at address ADDR (host approximation)
    # stack_overflow: N us
    not ok 5 stack_overflow
    # timeout: N us
    not ok 6 timeout # TIMEOUT ran past 100 ms
    # unexpected_panic: case_exit ran, 0 failure(s)
    # | panic: bad state 3 (selftest_fail_test.c:{panic})
    # unexpected_panic: unexpected panic: bad state 3 (selftest_fail_test.c:{panic})
    # unexpected_panic: N us
    not ok 7 unexpected_panic
    # should_panic_returns: case_exit ran, 0 failure(s)
    # should_panic_returns: expected panic, case returned
    # should_panic_returns: N us
    not ok 8 should_panic_returns
    # wrong_exception: expected page fault (vector 14), got divide error (vector 0): SIGFPE (host approximation)
    # wrong_exception: N us
    not ok 9 wrong_exception
    # fault_expected_returns: case_exit ran, 0 failure(s)
    # fault_expected_returns: expected page fault (vector 14), case returned
    # fault_expected_returns: N us
    not ok 10 fault_expected_returns
    # abort: unexpected crash: killed by SIGABRT (6)
    # abort: N us
    not ok 11 abort
    # trap: unexpected invalid opcode (vector 6): SIGILL (host approximation)
    # trap: N us
    not ok 12 trap
    # exit: unexpected crash: case process exited with status 3 before the case finished (a sanitizer report on stderr?)
    # exit: N us
    not ok 13 exit
    # heap_overflow: unexpected crash: case process exited with status 1 before the case finished (a sanitizer report on stderr?)
    # heap_overflow: N us
    not ok 14 heap_overflow
not ok 4 ends
# ktest: 0 passed, 19 failed, 3 skipped, 1 timed out
"""

ERROR_OUTSIDE_OUTPUT = """
KTAP version 1
# ktest: options ktest.filter=outside.* ktest.shuffle=0 ktest.repeat=1 ktest.timeout=5000 ktest.start=0
# ktest: 1 cases in 1 suites, seed 0
# plan: outside.still_runs
1..1
    KTAP version 1
    # Subtest: outside
    1..1
    # ktest: fixture begin outside init
    # log: selftest_error_test.c:{outside_expect}: EXPECT_EQ(1, 2) failed outside a case
    # log:   1 == 1 (0x1)
    # log:   2 == 2 (0x2)
    # log: selftest_error_test.c:{outside_assert}: ASSERT_TRUE(0) failed outside a case
    # log:   init goes on
    # log: after the ASSERT
    # ktest: fixture end
    # still_runs: N us
    ok 1 still_runs
ok 1 outside
# ktest: 1 passed, 0 failed, 0 skipped, 0 timed out
# ktest: error: 2 failure(s) outside any case
"""

ERROR_PANIC_OUTPUT = """
KTAP version 1
# ktest: options ktest.filter=panic_outside.* ktest.shuffle=0 ktest.repeat=1 ktest.timeout=5000 ktest.start=0
# ktest: 1 cases in 1 suites, seed 0
# plan: panic_outside.passes
1..1
    KTAP version 1
    # Subtest: panic_outside
    1..1
    # passes: N us
    ok 1 passes
    # ktest: fixture begin panic_outside exit
    # ktest: panic: suite exit broke: 42 (selftest_error_test.c:{outside_panic})
    # ktest: fixture end
    # ktest: error: suite panic_outside: exit panic: suite exit broke: 42 (selftest_error_test.c:{outside_panic})
ok 1 panic_outside
# ktest: 1 passed, 0 failed, 0 skipped, 0 timed out
# ktest: error: 1 failure(s) outside any case
"""


class HostBackendTests:
    """The checks, run once per compiler (CC set by the subclasses)."""

    CC = ""
    build: Path
    _tmp: tempfile.TemporaryDirectory

    @classmethod
    def setUpClass(cls) -> None:
        if not shutil.which(cls.CC):
            raise unittest.SkipTest(f"{cls.CC} not found")
        cls._tmp = tempfile.TemporaryDirectory(prefix=f"ktest-{cls.CC}-")
        cls.build = Path(cls._tmp.name)
        programs = [(name, [f"selftest_{name}_test.c"]) for name in ("pass", "fail", "error")]
        programs += [("empty", []), ("many", ["../bench/trivial_1000.c"])]
        with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
            cls.objects = list(pool.map(cls.compile_object, HOST_SOURCES))
            list(pool.map(lambda program: cls.compile(*program), programs))

    @classmethod
    def tearDownClass(cls) -> None:
        cls._tmp.cleanup()

    @classmethod
    def compile_object(cls, source: str) -> str:
        """Compile one of ktest's host sources into build/; its object file.
        Compiled from ktest/tests so that __FILE__ is the bare file name."""
        obj = str(cls.build / (source.strip("./").replace("/", "_") + ".o"))
        subprocess.run([cls.CC] + HOST_FLAGS + ["-c", source, "-o", obj], cwd=HERE, check=True)
        return obj

    @classmethod
    def compile(cls, name: str, tests: List[str]) -> None:
        """Link ktest's core, the host backend and the test files into
        build/name."""
        cmd = [cls.CC] + HOST_FLAGS + cls.objects + tests
        cmd += ["-o", str(cls.build / name)]
        subprocess.run(cmd, cwd=HERE, check=True)

    def run_test(self, name: str, *args: str, stdin: str = "") -> Tuple[int, List[str]]:
        """Run a self-test program (stdin: its input): its exit status and
        normalized stdout."""
        proc = subprocess.run([str(self.build / name), *args], env=RUN_ENV,
                              input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=120)
        self.assertEqual("", sums_problem(proc.stdout), proc.stdout)
        return proc.returncode, normalize(proc.stdout)

    def test_results_come_after_their_sums(self) -> None:
        proc = subprocess.run([str(self.build / "pass")], env=RUN_ENV, stdout=subprocess.PIPE,
                              text=True, timeout=120)
        lines = proc.stdout.split("\n")
        self.assertEqual(["KTAP version 1", "# ktest: sums crc32"], lines[:2])
        self.assertEqual("", sums_problem(proc.stdout))
        first = next(i for i, line in enumerate(lines) if line.startswith("    ok "))
        forged = lines[:first - 2] + ["    ok 1 forged"] + lines[first - 2:]
        self.assertIn("no sum before", sums_problem("\n".join(forged)))
        extra = lines[:first - 2] + ["    # | one more byte"] + lines[first - 2:]
        self.assertIn("wrong sum", sums_problem("\n".join(extra)))

    def assertOutput(self, name: str, args: List[str], status: int,
                     want: List[str]) -> None:
        """Assert the exact output lines and the exit status of a run."""
        got_status, got = self.run_test(name, *args)
        self.assertEqual(want, got)
        self.assertEqual(status, got_status)

    # -- whole runs -------------------------------------------------------

    def test_passing_cases(self) -> None:
        self.assertOutput("pass", [], 0,
                          expected(PASS_OUTPUT, "selftest_pass_test.c"))

    def test_failing_cases(self) -> None:
        self.assertOutput("fail", ["ktest.timeout=100"], 1,
                          expected(FAIL_OUTPUT, "selftest_fail_test.c"))

    def test_failed_checks_outside_a_case_are_an_error(self) -> None:
        self.assertOutput("error", ["ktest.filter=outside.*"], 2,
                          expected(ERROR_OUTSIDE_OUTPUT,
                                   "selftest_error_test.c"))

    def test_panic_outside_a_case_is_an_error_of_the_run(self) -> None:
        self.assertOutput("error", ["ktest.filter=panic_outside.*"], 2,
                          expected(ERROR_PANIC_OUTPUT,
                                   "selftest_error_test.c"))

    def test_no_cases_linked(self) -> None:
        self.assertOutput("empty", [], 2, [
            "KTAP version 1", "# ktest: options ktest.filter= ktest.shuffle=0 ktest.repeat=1 ktest.timeout=5000 ktest.start=0",
            "# ktest: error: no test cases in this image"])

    def test_sanitizer_report_is_the_case_text(self) -> None:
        proc = subprocess.run([str(self.build / "fail"), "ktest.filter=ends.heap_overflow"],
                              env=RUN_ENV, stdout=subprocess.PIPE, text=True, timeout=120)
        self.assertEqual(1, proc.returncode)
        with_text = proc.stdout.splitlines()
        result = with_text.index("    not ok 1 heap_overflow")
        text = [line for line in with_text[:result] if line.startswith("    # | ")]
        self.assertTrue(any("runtime error" in line or "AddressSanitizer" in line
                            for line in text), with_text)

    def test_a_case_defined_twice_does_not_link(self) -> None:
        source = self.build / "twice.c"
        source.write_text('#include "ktest.h"\nKTEST_SUITE(dup);\n'
                          'KTEST(dup, same) { }\n')
        other = self.build / "twice_too.c"
        other.write_text('#include "ktest.h"\nKTEST(dup, same) { }\n')
        proc = subprocess.run([self.CC] + HOST_FLAGS + self.objects +
                              [str(source), str(other), "-o", str(self.build / "twice")],
                              cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
        self.assertNotEqual(0, proc.returncode)
        self.assertIn("ktest_case_id_dup__same", proc.stdout)

    # -- options ----------------------------------------------------------

    def test_list(self) -> None:
        self.assertOutput("pass", ["ktest.list", "ktest.filter=params.*,zeta.*"],
                          0, [
                              "KTAP version 1",
                              "# ktest: options ktest.filter=params.*,zeta.* ktest.shuffle=0 ktest.repeat=1 ktest.timeout=5000 ktest.start=0 ktest.list",
                              "# ktest: 3 cases in 2 suites, seed 0",
                              "# case: params.squares[zero]",
                              "# case: params.squares[three]",
                              "# case: params.squares[minus_four]",
                              "# case: params.by_index[0]",
                              "# case: params.by_index[1]",
                              "# case: params.by_index[2]",
                              "# case: zeta.defined_first_sorted_last",
                              "# budget: params.by_index 50000 ms",
                              "1..0",
                          ])

    def test_filter_on_one_parameter(self) -> None:
        self.assertOutput("pass", ["ktest.filter=params.squares[th*]"], 0, [
            "KTAP version 1",
            "# ktest: options ktest.filter=params.squares[th*] ktest.shuffle=0 ktest.repeat=1 ktest.timeout=5000 ktest.start=0",
            "# ktest: 1 cases in 1 suites, seed 0",
            "# plan: params.squares[three]",
            "1..1",
            "    KTAP version 1",
            "    # Subtest: params",
            "    1..1",
            "    # squares[three]: N us",
            "    ok 1 squares[three]",
            "ok 1 params",
            "# ktest: 1 passed, 0 failed, 0 skipped, 0 timed out",
        ])

    def test_last_filter_wins_and_other_words_are_ignored(self) -> None:
        status, out = self.run_test(
            "pass", "log=debug", "ktest.filter=zeta.*", "quiet",
            "ktest.filter=skips.with_?eason,zeta.*")
        self.assertEqual(0, status)
        self.assertIn("# plan: skips.with_reason", out)
        self.assertIn("# plan: zeta.defined_first_sorted_last", out)
        self.assertEqual(2, sum(line.startswith("# plan:") for line in out))
        status, out = self.run_test("pass", "ktest.filter=zeta.*", "ktest.filter=")
        self.assertIn("# ktest: 17 cases in 6 suites, seed 0", out)

    def test_glob_escapes_name_one_character_exactly(self) -> None:
        status, out = self.run_test("pass", "ktest.list",
                                    "ktest.filter=params.squares[\\74h*],zeta.*\\2a")
        self.assertEqual(0, status)
        self.assertEqual(["# case: params.squares[three]"],
                         [line for line in out if line.startswith("# case:")])

    def test_fresh_runs_read_their_words(self) -> None:
        status, out = self.run_test("pass", "ktest.fresh", "ktest.filter=zeta.*",
                                    stdin="ktest.filter=params.squares[three]\n")
        self.assertEqual(0, status)
        self.assertEqual([
            "KTAP version 1",
            "# ktest: ready",
            "KTAP version 1",
            "# ktest: options ktest.filter=params.squares[three] ktest.shuffle=0 ktest.repeat=1 ktest.timeout=5000 ktest.start=0 ktest.fresh",
            "# ktest: 1 cases in 1 suites, seed 0",
            "# plan: params.squares[three]",
            "1..1",
            "    KTAP version 1",
            "    # Subtest: params",
            "    1..1",
            "    # squares[three]: N us",
            "    ok 1 squares[three]",
            "ok 1 params",
            "# ktest: 1 passed, 0 failed, 0 skipped, 0 timed out",
            "# ktest: done 0",
        ], out)
        status, out = self.run_test("pass", "ktest.fresh", stdin="ktest.nope\n")
        self.assertEqual((2, out[2:]), (2, [
            "KTAP version 1", "# ktest: unknown option 'ktest.nope'", "# ktest: done 2"]))

    def test_filter_matching_nothing_is_a_skip(self) -> None:
        self.assertOutput("pass", ["ktest.filter=x", "ktest.filter=nope*"], 0, [
            "KTAP version 1",
            "# ktest: options ktest.filter=nope* ktest.shuffle=0 ktest.repeat=1 ktest.timeout=5000 ktest.start=0",
            "# ktest: no case matches ktest.filter=nope*",
            "1..0",
        ])

    def test_bad_options_are_errors(self) -> None:
        self.assertOutput("pass", [
            "ktest.bogus", "ktest.repeat=0", "ktest.timeout=10ms",
            "ktest.shuffle=", "ktest.list=1", "ktest.repeat=0x10",
            "ktest.filter=a,,b", "ktest.start=-1",
        ], 2, [
            "KTAP version 1",
            "# ktest: unknown option 'ktest.bogus'",
            "# ktest: bad number in 'ktest.repeat=0': want 1 to 1000000",
            "# ktest: bad number in 'ktest.timeout=10ms': want 1 to 3600000",
            "# ktest: bad number in 'ktest.shuffle=': want 0 to 18446744073709551615",
            "# ktest: unknown option 'ktest.list=1'",
            "# ktest: empty glob in 'ktest.filter=a,,b'",
            "# ktest: bad number in 'ktest.start=-1': want 0 to 18446744073709551615",
        ])

    def test_repeat_numbers_suites_across_runs(self) -> None:
        self.assertOutput("pass", ["ktest.repeat=2", "ktest.filter=zeta.*"], 0, [
            "KTAP version 1",
            "# ktest: options ktest.filter=zeta.* ktest.shuffle=0 ktest.repeat=2 ktest.timeout=5000 ktest.start=0",
            "# ktest: 1 cases in 1 suites, seed 0",
            "# plan: zeta.defined_first_sorted_last",
            "1..2",
            "    KTAP version 1",
            "    # Subtest: zeta",
            "    1..1",
            "    # defined_first_sorted_last: N us",
            "    ok 1 defined_first_sorted_last",
            "ok 1 zeta",
            "    KTAP version 1",
            "    # Subtest: zeta",
            "    1..1",
            "    # defined_first_sorted_last: N us",
            "    ok 1 defined_first_sorted_last",
            "ok 2 zeta",
            "# ktest: 2 passed, 0 failed, 0 skipped, 0 timed out",
        ])

    def test_shuffle_is_deterministic_and_keeps_suites_whole(self) -> None:
        plain = self.plan("ktest.list")
        first = self.plan("ktest.list", "ktest.shuffle=12345")
        self.assertEqual(first, self.plan("ktest.list", "ktest.shuffle=12345"))
        self.assertEqual(first, self.plan("ktest.shuffle=12345"))
        self.assertNotEqual(plain, first)
        self.assertEqual(sorted(plain), sorted(first))
        suites = [name.split(".")[0] for name in first]
        runs = [s for i, s in enumerate(suites) if i == 0 or suites[i - 1] != s]
        self.assertEqual(len(set(suites)), len(runs), "a suite was split")
        status, out = self.run_test("pass", "ktest.shuffle=12345")
        self.assertEqual(0, status)
        self.assertIn("# ktest: 17 cases in 6 suites, seed 12345", out)

    def plan(self, *args: str) -> List[str]:
        """Case names in run order, from `# plan:` or `# case:` lines
        (a plan line may pack several cases: `# plan: suite.a b c`).

        Parameters are dropped so that list and run output compare.
        """
        _, out = self.run_test("pass", *args)
        names = []
        for line in out:
            if line.startswith("# case: ") or (line.startswith("# plan: ") and "[" in line):
                names.append(line.split(": ", 1)[1])
            elif line.startswith("# plan: "):
                suite, cases = line.split(": ", 1)[1].split(".", 1)
                names += [f"{suite}.{case}" for case in cases.split(" ")]
        names = [re.sub(r"\[.*\]$", "", name) for name in names]
        return [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]

    def test_plan_lines_pack_a_suite_within_100_columns(self) -> None:
        # trivial_1000.c: one suite of c000..c999, so plan lines must wrap.
        status, out = self.run_test("many", "ktest.filter=trivial.c0*,trivial.c999",
                                    "ktest.shuffle=7")
        self.assertEqual(0, status)
        plan = [line for line in out if line.startswith("# plan: ")]
        self.assertGreater(len(plan), 1)
        for line in plan:
            self.assertLessEqual(len(line), 100, line)
            self.assertRegex(line, r"^# plan: trivial\.c\d{3}( c\d{3})*$")
        names = [name for line in plan
                 for name in line[len("# plan: trivial."):].split(" ")]
        ran = [m.group(1) for m in map(re.compile(r"    ok \d+ (\S+)$").match, out) if m]
        self.assertEqual(names, ran)
        self.assertEqual(sorted(names), [f"c{i:03d}" for i in range(100)] + ["c999"])
        self.assertNotEqual(names, sorted(names))   # shuffled, in run order

    def test_cases_sorted_whatever_the_section_order(self) -> None:
        _, out = self.run_test("many", "ktest.list")
        names = [line.split(": ", 1)[1] for line in out if line.startswith("# case: ")]
        self.assertEqual(names, [f"trivial.c{i:03d}" for i in range(1000)])

    def test_help(self) -> None:
        status, out = self.run_test("pass", "--help")
        self.assertEqual(0, status)
        self.assertTrue(out[0].startswith("usage: "))

    # -- the kernel build -------------------------------------------------

    def test_core_builds_freestanding_for_the_kernel(self) -> None:
        include = subprocess.run([self.CC, "-print-file-name=include"],
                                 stdout=subprocess.PIPE, text=True,
                                 check=True).stdout.strip()
        objects = []
        for source in CORE_SOURCES:
            obj = self.build / (Path(source).stem + "_kernel.o")
            subprocess.run([self.CC] + KERNEL_FLAGS +
                           ["-isystem", include, "-c", source, "-o", str(obj)],
                           cwd=KTEST, check=True)
            objects.append(obj)
        if not shutil.which("ld"):
            self.skipTest("ld not found")
        core = self.build / "core_kernel.o"
        subprocess.run(["ld", "-r", "-o", str(core)] + [str(o) for o in objects],
                       check=True)
        undefined = subprocess.run(["nm", "-u", str(core)],
                                   stdout=subprocess.PIPE, text=True,
                                   check=True).stdout.split()
        names = {word for word in undefined if len(word) > 1}
        self.assertLessEqual(names, CORE_IMPORTS)


class GccTests(HostBackendTests, unittest.TestCase):
    CC = "gcc"


class ClangTests(HostBackendTests, unittest.TestCase):
    CC = "clang"


if __name__ == "__main__":
    unittest.main()
