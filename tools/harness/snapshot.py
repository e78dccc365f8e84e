"""--fresh-boot=snapshot: every case starts from one saved machine state.

One QEMU boots the image with ktest.fresh, up to ktest's "ready" line, where
the kernel is up and ktest waits for the words of a run on COM1
(docs/protocol.md, "Fresh runs"). The harness saves the machine's state
there (savevm), and each run restores it (loadvm), sends its words, and
reads its KTAP up to the "done" line, after which the guest parks. A run
that kills QEMU (a triple fault, an exit code written by a case) costs a
new QEMU booted to the same point; one that hangs is simply restored over.

The state goes into a qcow2 overlay QEMU makes itself (snapshot=on): over
the disk image when it boots from disk, else over an extra drive the guest
never sees. Neither touches the image.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from . import protocol as P
from .boot import BootOutcome, Pump, Streams, time_limit, wait_for_exit
from .config import Config
from .ktap import KtapParser
from .process import Process, start, stop
from .qemu import qemu_escape, test_command

TAG = 'ktest'                  # the name of the saved state
QMP_TIMEOUT_S = 30.0           # one QMP command (savevm, loadvm) at most


class SnapshotError(Exception):
    """The machine could not be booted to its ready line, saved or restored."""


def state_drive(cfg: Config) -> list[str]:
    """Where savevm puts the state: booting PVH there is no disk, so a drive
    the guest never sees (the image, read through a temporary overlay);
    booting from disk, the disk's own overlay."""
    if cfg.boot != 'pvh':
        return []
    return ['-drive', f'if=none,id=ktest-state,format=raw,snapshot=on,'
                      f'file={qemu_escape(cfg.image)}']


class Machine:
    """A QEMU whose state after ktest's "ready" line is saved; run() gives
    each run a machine restored to that state.

    words are the boot's words (ktest.fresh among them); a run's words come
    after them on its command line.
    """

    def __init__(self, cfg: Config, words: list[str]) -> None:
        self.cfg = cfg
        self.words = list(words)
        self.tmp: str | None = None
        self.proc: Process | None = None
        self.qmp = None
        self.streams: Streams | None = None
        self.fresh = False          # running as saved: no restore needed

    def command(self) -> list[str]:
        """QEMU's command line: a test boot's, with the control socket."""
        control = os.path.join(self.tmp, 'control.sock')
        return (test_command(self.cfg, self.words, None) + state_drive(self.cfg) +
                ['-qmp', f'unix:{qemu_escape(control)},server=on,wait=off'])

    def start(self) -> None:
        """Boot to the ready line and save the state (SnapshotError if not)."""
        from .qmp import Qmp
        self.close()
        self.tmp = tempfile.mkdtemp(prefix='ktest-')
        self.proc = start(self.command(), stdin_pipe=True)
        outcome = BootOutcome()
        self.streams = Streams(self.proc, outcome)
        parser = KtapParser()
        pump = Pump(parser, lambda event: None, None, False, stop_on='ready',
                    slow_start=self.cfg.boot == 'uefi', prelude=self.cfg.boot == 'uefi')
        pump.run(self.streams, outcome)
        if not pump.stopped:
            raise SnapshotError(self.no_ready(parser, outcome))
        try:
            self.qmp = Qmp(os.path.join(self.tmp, 'control.sock'), QMP_TIMEOUT_S)
        except (OSError, ValueError) as exc:
            raise SnapshotError(f'cannot reach QEMU\'s monitor: {exc}') from None
        self.monitor(f'savevm {TAG}', 'save the machine state')
        self.fresh = True

    def no_ready(self, parser: KtapParser, outcome: BootOutcome) -> str:
        """Why the boot did not come to the ready line."""
        said = '; '.join(parser.errors + parser.said)
        if outcome.timed_out:
            why = f'no ready line in {time_limit(parser, False, self.cfg.boot == "uefi"):g} s'
        elif outcome.error:
            why = outcome.error
        else:
            status = wait_for_exit(self.proc, outcome)
            why = f'QEMU ended (status {status}) before the ready line'
        tail = f' (the image said: {said})' if said else ''
        stderr = f' ({"; ".join(outcome.stderr)})' if outcome.stderr else ''
        return f'{P.OPT_FRESH}: {why}{tail}{stderr}'

    def monitor(self, command: str, what: str) -> None:
        """One HMP command through QMP; it says nothing when it worked."""
        from .qmp import QmpError
        try:
            said = self.qmp.command('human-monitor-command', {'command-line': command})
        except (OSError, ValueError, QmpError) as exc:
            said = str(exc) or type(exc).__name__
        if said:
            raise SnapshotError(f'QEMU could not {what}: {said.strip()} (try '
                                '--fresh-boot=boot)')

    def restore(self) -> None:
        """Back to the saved state; a new QEMU if this one is gone or fails."""
        if self.fresh:
            return
        if self.proc is None or self.proc.poll() is not None:
            self.start()
            return
        try:
            self.monitor(f'loadvm {TAG}', 'restore the machine state')
        except SnapshotError:
            self.start()
            return
        self.fresh = True

    def run(self, words: list[str], parser: KtapParser, sink: object) -> BootOutcome:
        """One run from the saved state with words after the boot's: its
        output into parser and sink; ends like a boot (end, status)."""
        self.restore()
        self.fresh = False
        outcome = BootOutcome()
        self.streams.outcome = outcome
        self.streams.drain()
        try:
            self.proc.stdin.write((' '.join(words) + '\n').encode('ascii'))
        except OSError:
            pass                    # QEMU is gone: the pump sees its end
        pump = Pump(parser, sink, None, False, prelude=True, slow_start=False,
                    stop_on='done')
        pump.run(self.streams, outcome)
        if pump.stopped:
            outcome.end = P.EXEC_ENDS.get(pump.stopped_with)   # "done S": S as a status
        elif not (outcome.timed_out or outcome.error):
            outcome.status = wait_for_exit(self.proc, outcome)
            outcome.end = P.QEMU_ENDS.get(outcome.status)
        return outcome

    def close(self) -> None:
        """Stop QEMU and remove the control socket's directory."""
        if self.qmp is not None:
            self.qmp.close()
            self.qmp = None
        if self.proc is not None:
            stop(self.proc)
            self.proc = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
