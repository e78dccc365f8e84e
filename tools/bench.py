#!/usr/bin/env python3
"""bench.py: measure the edit-build-test loop of this kernel, in one run:
the SeaBIOS and PVH floors, every test image through the harness booted PVH
and BIOS, the harness's start, --fresh-boot per case, every test image's
boot to exit with QEMU alone, ktest's cost per case, serial throughput,
`meson test` wall time, a clean build and a one-file rebuild
(docs/performance.md). The tool is the package tools/harness/bench/.
Standard library only.
"""

import sys

from harness.bench.cli import main

if __name__ == '__main__':
    sys.exit(main())
