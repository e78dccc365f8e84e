"""The benchmark of the edit-build-test loop (tools/bench.py), in one run.

Figures, each the min / median / max of several repetitions:
  * the floor: QEMU booting a 512-byte boot sector that only writes the
    passing value to isa-debug-exit, with the exact test-mode QEMU options
    (run_qemu.py --test --dry-run);
  * boot to exit of every test image, QEMU alone (no harness), and its ratio
    to the floor; the time to the first serial byte and after the last one;
  * ktest's cost per case: ktest/bench/trivial_1000.c against trivial_1.c,
    with QEMU alone and through run_qemu.py;
  * serial throughput: bytes of KTAP per second above the floor;
  * `meson test` wall time for the whole suite at --num-processes 1 and at
    the default, against the sum of the test times divided by the cores;
  * a clean configure and build in a fresh directory, and the rebuild after
    touching one test file, with the outputs ninja rebuilt.

--variants adds where the time goes: the floor and the bench images with one
QEMU option changed at a time (-vga, -m, -machine, image size), the
firmware's share of the floor, and Python's start-up.

Prints a markdown table; --json writes the figures as JSON, --doc puts the
tables into a markdown file (docs/performance.md) under the heading
"## Edit-build-test loop", keeping the file's other sections.

Benchmark targets (never tests): the minimal test image within 1.5x of the
floor; 1000 trivial cases < 100 ms above 1; the parallel suite within 1.25x
of (sum of test times / cores); touching one test file rebuilds that image
only, in under 2 s.

Modules: cli (command line), run (the order of the measurements), build
(meson introspection), images (what is booted, and how), timing (boots and
harness runs), figures, suite (meson test), rebuild (one-file rebuild and
clean build), variants, machine, report (markdown and JSON), doc (the
docs/performance.md section). cli imports the others only to measure.
"""
