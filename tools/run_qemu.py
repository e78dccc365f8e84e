#!/usr/bin/env python3
"""run_qemu.py: boot a kernel disk image in QEMU (run mode), or run a ktest
image, or a host test executable, as a test and report its cases (test
mode). The harness itself is the package tools/harness/; the wire contract
is docs/protocol.md. Standard library only.
"""

import sys

from harness.cli import main

if __name__ == '__main__':
    sys.exit(main())
