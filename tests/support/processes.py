"""Stopping what a test started: child processes and background threads, always, within a bound."""

import subprocess
import threading


def stop_process(proc: subprocess.Popen, grace_s: float = 15) -> int | None:
    """SIGTERM a child, SIGKILL it if it has not exited after `grace_s`; its exit status."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:  # stuck in shutdown: a test must not leave it running
            proc.kill()
            proc.wait(timeout=10)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    return proc.returncode


class Stopped(Exception):
    """Raised inside a background worker once its test asked it to stop."""


class StopSignal:
    """A flag a test sets in teardown; the worker's sleep and callbacks raise Stopped once it is set."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def set(self) -> None:
        """Ask the worker to stop at its next sleep or callback."""
        self.event.set()

    def check(self) -> None:
        """Raise Stopped when the test asked to stop."""
        if self.event.is_set():
            raise Stopped

    def sleep(self, seconds: float) -> None:
        """A sleep that ends early, raising Stopped, when the test asks to stop."""
        if self.event.wait(seconds):
            raise Stopped
