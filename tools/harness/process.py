"""Starting and stopping a test run's process (QEMU, or a host test
executable) with os.posix_spawn: light on imports (the subprocess module
brings locale and re), so the harness starts QEMU before it imports the
rest of itself."""

from __future__ import annotations

import os
import time

from .config import UsageError

WAIT_POLL_S = 0.005
SIGKILL = 9                  # POSIX; the signal module would bring enum


class Process:
    """A started run: its pid, its pipes (stdin only when the harness types
    on COM1), and its exit status once known (negative: killed by a signal),
    as subprocess.Popen has them."""

    def __init__(self, pid: int, stdin: int | None, stdout: int, stderr: int) -> None:
        self.pid = pid
        self.stdin = os.fdopen(stdin, 'wb', buffering=0) if stdin is not None else None
        self.stdout = os.fdopen(stdout, 'rb', buffering=0)
        self.stderr = os.fdopen(stderr, 'rb', buffering=0)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit status if the process has ended, else None."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the end (TimeoutError after timeout seconds)."""
        if timeout is None:
            if self.returncode is None:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode
        end = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= end:
                raise TimeoutError(f'process {self.pid} still running')
            time.sleep(WAIT_POLL_S)
        return self.returncode

    def kill(self) -> None:
        """SIGKILL it."""
        try:
            os.kill(self.pid, SIGKILL)
        except ProcessLookupError:
            pass


def start(cmd: list[str], stdin_pipe: bool = False) -> Process:
    """Start a run in a session of its own: stdin is not the terminal (a
    pipe when the harness types on COM1, which is QEMU's stdin)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r, in_w = os.pipe() if stdin_pipe else (os.open(os.devnull, os.O_RDONLY), None)
    actions = [(os.POSIX_SPAWN_DUP2, in_r, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
               (os.POSIX_SPAWN_DUP2, err_w, 2)]
    try:
        pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=actions, setsid=True)
    except OSError as exc:
        for fd in (out_r, err_r, in_w):
            if fd is not None:
                os.close(fd)
        raise UsageError(f'cannot start {cmd[0]}: {exc.strerror}') from None
    finally:
        for fd in (in_r, out_w, err_w):
            os.close(fd)
    return Process(pid, in_w, out_r, err_r)


def stop(proc: Process) -> None:
    """Make sure the run is gone, and whatever it started (a host test forks
    a process per case)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    try:
        os.killpg(proc.pid, SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass
