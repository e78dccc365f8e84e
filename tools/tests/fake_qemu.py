#!/usr/bin/env python3
"""A stand-in for qemu-system-x86_64 in the tests of tools/run_qemu.py.

It takes QEMU's arguments, reads a JSON scenario from the disk image named by
`-drive ...,file=IMAGE` (the tests write the scenario as the "image"), records
its arguments, and plays the scenario on stdout, which run_qemu.py reads as
COM1 (`-serial stdio`). Scenario:

    {"record": "/tmp/x/argv.jsonl",          optional: append one JSON line per run
     "steps": [STEP, ...],                   what to do by default
     "when": [{"cmdline": "ktest.list", "steps": [...]}]}
                                             first entry whose text is in the
                                             fw_cfg opt/cmdline wins
STEP is one of:
    {"out": "text"}      write text to stdout     {"raw": "00ff"}   write bytes (hex)
    {"err": "text"}      write text to stderr     {"sleep": 0.2}    sleep seconds
    {"keys": 2, "log": PATH}   serve QMP on the -qmp socket until 2 send-key
                         commands came; append each one's keys to PATH
    {"hang": true}       sleep until killed       {"exit": 33}      exit status
The scenario ends with status 0 (what QEMU does after a triple fault with
-no-reboot) when no "exit" step comes.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from typing import Optional


def split_options(value: str) -> dict[str, str]:
    """Split a QEMU option string (a=1,b=2) where ',,' is a literal comma."""
    parts, current, i = [], '', 0
    while i < len(value):
        if value[i] == ',' and value[i + 1:i + 2] == ',':
            current += ','
            i += 2
        elif value[i] == ',':
            parts.append(current)
            current, i = '', i + 1
        else:
            current += value[i]
            i += 1
    parts.append(current)
    return dict(part.split('=', 1) if '=' in part else (part, '') for part in parts)


def option(argv: list[str], name: str) -> Optional[str]:
    """The value after the first `name` argument, if any."""
    return argv[argv.index(name) + 1] if name in argv[:-1] else None


def cmdline_of(argv: list[str]) -> str:
    """The kernel command line passed as fw_cfg opt/cmdline."""
    for i, arg in enumerate(argv[:-1]):
        if arg == '-fw_cfg':
            opts = split_options(argv[i + 1])
            if opts.get('name') == 'opt/cmdline':
                return opts.get('string', '')
    return ''


def qmp_listen(argv: list[str]) -> Optional[socket.socket]:
    """Listen on the -qmp unix socket, as QEMU does at startup."""
    spec = option(argv, '-qmp')
    if spec is None:
        return None
    path = split_options(spec.removeprefix('unix:'))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(next(iter(path)))
    server.listen(1)
    return server


def serve_keys(server: socket.socket, count: int, log: str) -> None:
    """Answer QMP until count send-key commands came; log each one's keys."""
    conn, _ = server.accept()
    stream = conn.makefile('rwb')

    def send(message: dict) -> None:
        """Write one QMP message."""
        stream.write(json.dumps(message).encode() + b'\r\n')
        stream.flush()

    send({'QMP': {'version': {}, 'capabilities': []}})
    while count:
        line = stream.readline()
        if not line:
            return
        request = json.loads(line)
        send({'event': 'NOISE', 'data': {}})      # events come between replies
        if request['execute'] != 'send-key':
            send({'return': {}})
            continue
        keys = [key['data'] for key in request['arguments']['keys']]
        if 'nosuchkey' in keys:
            send({'error': {'class': 'GenericError',
                            'desc': "Parameter 'data' does not accept value 'nosuchkey'"}})
            continue
        with open(log, 'a', encoding='utf-8') as out:
            out.write(json.dumps(keys) + '\n')
        send({'return': {}})
        count -= 1


def play(steps: list[dict], server: Optional[socket.socket]) -> int:
    """Play the steps; return the exit status."""
    for step in steps:
        if 'out' in step:
            sys.stdout.buffer.write(step['out'].encode())
            sys.stdout.buffer.flush()
        elif 'raw' in step:
            sys.stdout.buffer.write(bytes.fromhex(step['raw']))
            sys.stdout.buffer.flush()
        elif 'err' in step:
            sys.stderr.write(step['err'])
            sys.stderr.flush()
        elif 'sleep' in step:
            time.sleep(step['sleep'])
        elif 'keys' in step:
            serve_keys(server, step['keys'], step['log'])
        elif 'hang' in step:
            time.sleep(3600)
        elif 'exit' in step:
            return step['exit']
    return 0


def main() -> int:
    """Record the arguments, then play the scenario the image holds."""
    argv = sys.argv[1:]
    image = split_options(option(argv, '-drive') or '').get('file', '')
    with open(image, encoding='utf-8') as source:
        scenario = json.load(source)
    cmdline = cmdline_of(argv)
    if 'record' in scenario:
        with open(scenario['record'], 'a', encoding='utf-8') as out:
            out.write(json.dumps({'argv': argv, 'cmdline': cmdline}) + '\n')
    steps = scenario.get('steps', [])
    for case in scenario.get('when', []):
        if case['cmdline'] in cmdline:
            steps = case['steps']
            break
    return play(steps, qmp_listen(argv))


if __name__ == '__main__':
    sys.exit(main())
