#!/usr/bin/env python3
"""A stand-in for qemu-system-x86_64, or for a host test executable, in the
tests of the harness (tools/harness/, tools/run_qemu.py).

As QEMU it takes QEMU's arguments and reads a JSON scenario from the disk
image named by `-drive ...,file=IMAGE` (the tests write the scenario as the
"image"). As a host test executable (`fake_qemu.py --exec SCENARIO WORDS...`,
started through a small wrapper script that run_qemu.py --exec runs) it
takes the kernel command line words as its arguments. Either way it records
how it was started, picks the steps for its command line and plays them on
stdout, which run_qemu.py reads as COM1 (`-serial stdio`) or as the
executable's output.

Scenario:

    {"record": "/tmp/x/argv.jsonl",      optional: append one JSON line per
                                         run: {"argv": [...], "cmdline": "...",
                                         "pid": its process id}
     "steps": [STEP, ...],               what to do by default
     "when": [{"cmdline": "ktest.start=2", "steps": [...]}, ...]}
                                         the first entry whose text is part of
                                         the command line wins

The command line is the fw_cfg opt/cmdline string or -append's (QEMU; ',,'
read as ',') or the words joined by spaces (--exec).

A command line with ktest.fresh makes it a snapshot machine (docs/protocol.md,
"Fresh runs"): it plays "fresh" (default: the version and ready lines), then
answers savevm and loadvm on every -qmp socket (the reply text is
"monitor_error" when the scenario has one) and, for each line of words on
stdin, plays the steps chosen for the command line followed by the words.
Steps that end without "exit" or "kill" park it until the next line; a
"hang" lasts until the next loadvm. It records each line ({"words": ...})
and each monitor command ({"monitor": "loadvm ktest"}).

STEP is one of:
    {"out": "text"}      write text to stdout, at once
    {"raw": "00ff"}      write bytes given in hex to stdout
    {"err": "text"}      write text to stderr
    {"sleep": 0.2}       sleep that many seconds
    {"keys": 2, "log": PATH}
                         serve QMP on the -qmp socket until 2 send-key
                         commands came; append each one's keys to PATH as a
                         JSON list; the key name "nosuchkey" is refused
    {"echo": true}       write the runner's "# ktest: options ..." line for
                         the command line, as ktest/core/options.c does
    {"hang": true}       sleep until killed
    {"kill": 9}          end by that signal, as a killed QEMU would
    {"exit": 33}         exit with that status
The run ends with status 0 (what QEMU does after a triple fault with
-no-reboot) when no "exit" or "kill" step ends it first.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

# Imported when needed: starting fast keeps the tests fast.
# socket (qmp_listen), threading (a snapshot machine), typing (annotations).


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
    """The kernel command line passed as fw_cfg opt/cmdline or -append."""
    if option(argv, '-append') is not None:
        return option(argv, '-append')
    for i, arg in enumerate(argv[:-1]):
        if arg == '-fw_cfg':
            opts = split_options(argv[i + 1])
            if opts.get('name') == 'opt/cmdline':
                return opts.get('string', '')
    return ''


def qmp_listen(argv: list[str]) -> list[socket.socket]:
    """Listen on every -qmp unix socket, as QEMU does at startup."""
    import socket
    servers = []
    for i, arg in enumerate(argv[:-1]):
        if arg != '-qmp':
            continue
        path = split_options(argv[i + 1].removeprefix('unix:'))
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(next(iter(path)))
        server.listen(1)
        servers.append(server)
    return servers


def qmp_accept(server: socket.socket) -> tuple[object, Callable[[dict], None]]:
    """Take a QMP client: its stream, and how to send it a message (after
    the greeting, which is sent)."""
    conn, _ = server.accept()
    stream = conn.makefile('rwb')

    def send(message: dict) -> None:
        """Write one QMP message."""
        stream.write(json.dumps(message).encode() + b'\r\n')
        stream.flush()

    send({'QMP': {'version': {}, 'capabilities': []}})
    return stream, send


def serve_keys(server: socket.socket, count: int, log: str) -> None:
    """Answer QMP until count send-key commands came; log each one's keys."""
    stream, send = qmp_accept(server)
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


def options_echo(cmdline: str) -> str:
    """The runner's echo of the ktest.* options a command line sets (the
    last word of a key wins), as ktest/core/options.c prints it."""
    values = {'ktest.filter': '', 'ktest.shuffle': '0', 'ktest.repeat': '1',
              'ktest.timeout': '5000', 'ktest.start': '0'}
    listing = False
    for word in cmdline.split():
        key, equals, value = word.partition('=')
        if word == 'ktest.list':
            listing = True
        elif equals and key in values:
            values[key] = value
    words = ' '.join(f'{key}={value}' for key, value in values.items())
    return (f'# ktest: options {words}' + (' ktest.list' if listing else '') +
            (' ktest.fresh' if 'ktest.fresh' in cmdline.split() else '') + '\n')


def write(stream: object, data: bytes) -> None:
    """Write data at once and flush it."""
    stream.write(data)
    stream.flush()


class Monitor:
    """A snapshot machine's QMP sockets: savevm and loadvm, recorded; loaded
    is set by every loadvm (it ends a hang)."""

    def __init__(self, servers: list, scenario: dict) -> None:
        import threading
        self.scenario = scenario
        self.loaded = threading.Event()
        for server in servers:
            threading.Thread(target=self.serve, args=(server,), daemon=True).start()

    def serve(self, server: socket.socket) -> None:
        """Answer one client's commands, one client after another."""
        while True:
            stream, send = qmp_accept(server)
            for line in stream:
                request = json.loads(line)
                send({'event': 'NOISE', 'data': {}})
                hmp = request.get('arguments', {}).get('command-line', '')
                if hmp:
                    record(self.scenario, {'monitor': hmp})
                    if hmp.startswith('loadvm'):
                        self.loaded.set()
                send({'return': self.scenario.get('monitor_error', '') if hmp else {}})


def record(scenario: dict, entry: dict) -> None:
    """Append entry (with this process's id) to the scenario's record."""
    if 'record' in scenario:
        with open(scenario['record'], 'a', encoding='utf-8') as out:
            out.write(json.dumps(dict(entry, pid=os.getpid())) + '\n')


def steps_for(scenario: dict, cmdline: str) -> list[dict]:
    """The steps of the first "when" entry that cmdline holds, else "steps"."""
    for case in scenario.get('when', []):
        if case['cmdline'] in cmdline:
            return case['steps']
    return scenario.get('steps', [])


def serve_fresh(scenario: dict, cmdline: str, servers: list) -> int:
    """A snapshot machine: the ready line, then one run per line on stdin."""
    monitor = Monitor(servers, scenario)
    status = play(scenario.get('fresh', [{'out': 'KTAP version 1\n# ktest: ready\n'}]),
                  cmdline, None, monitor)
    if status is not None:
        return status
    for line in sys.stdin:
        words = line.rstrip('\n')
        record(scenario, {'words': words})
        status = play(steps_for(scenario, f'{cmdline} {words}'), f'{cmdline} {words}',
                      None, monitor)
        if status is not None:
            return status
    return 0


def play(steps: list[dict], cmdline: str, server: Optional[socket.socket],
         monitor: Optional[Monitor] = None) -> Optional[int]:
    """Play the steps; return the exit status (None: a snapshot machine's
    steps ended, it parks)."""
    for step in steps:
        if 'out' in step:
            write(sys.stdout.buffer, step['out'].encode())
        elif 'echo' in step:
            write(sys.stdout.buffer, options_echo(cmdline).encode())
        elif 'raw' in step:
            write(sys.stdout.buffer, bytes.fromhex(step['raw']))
        elif 'err' in step:
            write(sys.stderr.buffer, step['err'].encode())
        elif 'sleep' in step:
            time.sleep(step['sleep'])
        elif 'keys' in step:
            serve_keys(server, step['keys'], step['log'])
        elif 'hang' in step and monitor is not None:
            monitor.loaded.clear()
            monitor.loaded.wait(3600)
            return None
        elif 'hang' in step:
            time.sleep(3600)
        elif 'kill' in step:
            if step['kill'] not in (signal.SIGKILL, signal.SIGSTOP):
                signal.signal(step['kill'], signal.SIG_DFL)
            os.kill(os.getpid(), step['kill'])
            time.sleep(3600)
        elif 'exit' in step:
            return step['exit']
    return None if monitor is not None else 0


def how_started(argv: list[str]) -> tuple[str, str]:
    """(scenario file, command line) of a QEMU or an --exec invocation."""
    if argv[:1] == ['--exec']:
        return argv[1], ' '.join(argv[2:])
    return split_options(option(argv, '-drive') or '').get('file', ''), cmdline_of(argv)


def main() -> int:
    """Record the arguments, then play the scenario the image holds."""
    argv = sys.argv[1:]
    image, cmdline = how_started(argv)
    with open(image, encoding='utf-8') as source:
        scenario = json.load(source)
    record(scenario, {'argv': argv, 'cmdline': cmdline})
    servers = qmp_listen(argv) if argv[:1] != ['--exec'] else []
    if 'ktest.fresh' in cmdline.split():
        return serve_fresh(scenario, cmdline, servers)
    return play(steps_for(scenario, cmdline), cmdline, servers[0] if servers else None)


if __name__ == '__main__':
    sys.exit(main())
