"""The benchmark of the edit-build-test loop (tools/bench.py), in one run.

Figures, each the min / median / max of several repetitions, interleaved
(every repetition runs each measurement once):
  * the floors: QEMU booting a 512-byte boot sector that only writes the
    passing value to isa-debug-exit through SeaBIOS, and a PVH ELF that does
    the same through QEMU -kernel on pc (qboot) and microvm, with the exact
    test-mode QEMU options (run_qemu.py --test --dry-run);
  * the harness's start: from run_qemu.py's start until it starts QEMU (a
    stand-in that records when it starts), against Python's own start;
  * every test image through the harness, as meson test runs it, booted PVH
    (the default setup) and BIOS (--setup bios): start to exit, its ratio to
    the SeaBIOS floor, and the time above its cases' own durations;
  * --fresh-boot per case on ktest/bench/trivial_100.c, each way the harness
    offers;
  * boot to exit of every test image, QEMU alone (no harness), and its ratio
    to the floor; the time to the first serial byte and after the last one;
  * ktest's cost per case: ktest/bench/trivial_1000.c against trivial_1.c,
    with QEMU alone and through run_qemu.py;
  * serial throughput: bytes of KTAP per second above the floor;
  * `meson test` wall time for the whole suite at --num-processes 1 and at
    the default, against the sum of the test times divided by the cores, and
    with --setup bios;
  * a clean configure and build in a fresh directory, and the rebuild after
    touching one test file, with the outputs ninja rebuilt.

--variants adds where the time goes: the floor and the bench images with one
QEMU option changed at a time (-vga, -m, -machine, image size), the
firmware's share of the floor, and Python's start-up; and the harness's
imports before it starts QEMU (-X importtime).

Prints a markdown table; --json writes the figures as JSON, --doc puts the
tables into a markdown file (docs/performance.md) under the heading
"## Edit-build-test loop", keeping the file's other sections.

Benchmark targets (never tests): the minimal test image within 1.5x of the
floor; 1000 trivial cases < 100 ms above 1; the parallel suite within 1.25x
of (sum of test times / cores), and at most half of 45 s; touching one test
file rebuilds that image only, in under 2 s; trivial_1 and basic_boot
through the harness booted PVH at most 0.5x the SeaBIOS floor; every unit
image through the harness within 0.1 s of its own test work; the harness's
start at most 25 ms; --fresh-boot at most 20 ms per case.

Modules: cli (command line), run (the order of the measurements), plan (the
interleaved rounds), build (meson introspection), images (what is booted,
and how), pvh (the PVH floor), timing (boots and harness runs), through
(test images through the harness), start (the harness's start), fresh
(--fresh-boot), figures and ways (the figures and targets), suite (meson
test), rebuild (one-file rebuild and clean build), variants, machine,
report (markdown and JSON), doc (the docs/performance.md section). cli
imports the others only to measure.
"""
