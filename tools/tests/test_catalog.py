#!/usr/bin/env python3
"""Testing the tester: run each deliberately broken image (ktest/broken/)
through run_qemu.py and check the exact verdict, both standalone (exit status
and message) and as meson sees it (--tap: "Bail out!" and status 99 for runs
that did not complete). Prints TAP, one line per check, for meson's `harness`
suite.

Usage: test_broken_images.py RUN_QEMU IMAGE_DIR [run_qemu options...]
"""
import os
import subprocess
import sys

PASS, FAIL, SKIP, ERROR = 0, 1, 77, 99

# image (without _test.img), extra run_qemu.py arguments, expected standalone
# status, phrases the standalone output must contain.
CASES = [
    ("failing_check", [], FAIL,
     ["broken.fails_a_check", "EXPECT_EQ(42, answer)", "41"]),
    ("page_fault", [], FAIL,
     ["broken.reads_unmapped_memory", "page fault", "PASS broken.runs_after_the_fault"]),
    ("spin", ["--case-timeout", "300"], FAIL,
     ["TIMEOUT broken.spins_forever", "PASS broken.runs_after_the_timeout"]),
    ("cli_hlt", ["--timeout", "3"], ERROR,
     ["broken.halts_with_interrupts_off", "broken.never_runs"]),
    ("triple_fault", [], ERROR,
     ["broken.triple_faults", "broken.never_runs"]),
    ("panic_outside_case", [], ERROR,
     ["deliberate panic in a suite init"]),
    ("silent", [], ERROR, []),
    ("raw_output", ["--cmdline", "lie"], ERROR, ["broken.first"]),
    ("raw_output", ["--cmdline", "garbage"], ERROR, []),
    ("raw_output", ["--cmdline", "truncated"], ERROR, ["broken.second"]),
]


def run(cmd: list) -> subprocess.CompletedProcess:
    """Run cmd, capturing its output as text (never raising on a bad exit)."""
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace", timeout=120,
                          env=dict(os.environ, NO_COLOR="1"))


def check_standalone(base: list, image: str, args: list, status: int,
                     phrases: list) -> str:
    """Return "" if the standalone verdict is right, else what went wrong."""
    r = run(base + [image, "--test"] + args)
    if r.returncode != status:
        return f"exit status {r.returncode}, want {status}\n{r.stdout}"
    missing = [p for p in phrases if p not in r.stdout]
    if missing:
        return f"output lacks {missing!r}\n{r.stdout}"
    return ""


def check_tap(base: list, image: str, args: list, status: int) -> str:
    """Return "" if meson would score the run right, else what went wrong."""
    r = run(base + [image, "--test", "--tap"] + args)
    lines = r.stdout.splitlines()
    if status == ERROR:
        if r.returncode != ERROR or not any(l.startswith("Bail out!") for l in lines):
            return f"want Bail out! and status 99, got {r.returncode}\n{r.stdout}"
    elif r.returncode != 0 or not any(l.startswith("not ok") for l in lines):
        return f"want a 'not ok' line and status 0, got {r.returncode}\n{r.stdout}"
    return ""


def report(n: int, name: str, problem: str) -> bool:
    """Print one TAP result; the problem (if any) as diagnostics."""
    print(f"{'not ok' if problem else 'ok'} {n} {name}")
    for line in problem.splitlines()[-40:]:
        print(f"# {line}")
    sys.stdout.flush()
    return not problem


def main(argv: list) -> int:
    """Entry point: TAP on stdout; exit 0 (meson scores the lines)."""
    if len(argv) < 2:
        print("usage: test_broken_images.py RUN_QEMU IMAGE_DIR [options...]",
              file=sys.stderr)
        return 2
    base = [sys.executable, argv[0]] + argv[2:]
    print("TAP version 13")
    print(f"1..{2 * len(CASES)}")
    n = 0
    for name, args, status, phrases in CASES:
        image = os.path.join(argv[1], f"{name}_test.img")
        label = name + "".join(f" {v}" for a, v in zip(args, args[1:])
                               if a == "--cmdline")
        n += 1
        report(n, f"{label} standalone", check_standalone(base, image, args, status, phrases))
        n += 1
        report(n, f"{label} tap", check_tap(base, image, args, status))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
