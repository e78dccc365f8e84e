"""The ktest harness: boots test images (or runs host test executables),
reads their KTAP and reports every case (docs/protocol.md).

Entry points: tools/run_qemu.py (run and test modes) and tools/bench.py.
Standard library only.
"""
