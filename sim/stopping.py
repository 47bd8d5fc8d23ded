"""SIGTERM handled as Ctrl-C: a stopped command (by `kill`, a batch system, a closing terminal)
records what it finished, says how to go on, and exits 143 (130 for Ctrl-C), as shells expect."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class Stopped(KeyboardInterrupt):
    """A KeyboardInterrupt raised by SIGTERM; `signum` gives the exit code 128 + signum."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(exc: KeyboardInterrupt) -> int:
    return 128 + getattr(exc, "signum", signal.SIGINT)


def _raise(signum, frame) -> None:
    signal.signal(signum, signal.SIG_IGN)  # a second SIGTERM does not interrupt the clean-up
    raise Stopped(signum)


@contextmanager
def sigterm_as_interrupt():
    """Within this block SIGTERM raises `Stopped` in the main thread (elsewhere: a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
