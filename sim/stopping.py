"""SIGTERM handled as Ctrl-C: a stopped command (by `kill`, a batch system, a closing terminal)
records what it finished, says how to go on, and exits 143 (130 for Ctrl-C), as shells expect."""

from __future__ import annotations

import functools
import os
import signal
import threading
from collections.abc import Callable
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


def deferring[**P, R](write: Callable[P, R]) -> Callable[P, R]:
    """`write` with Ctrl-C and SIGTERM held back until it returns, then acted on as they would
    have been: for a library's write that an interrupt midway would leave half done (pyabc
    commits whatever its session holds when it stops, a generation's first particles among it)."""

    @functools.wraps(write)
    def whole(*args: P.args, **kwargs: P.kwargs) -> R:
        if threading.current_thread() is not threading.main_thread():
            return write(*args, **kwargs)
        came: list[int] = []
        before = {signum: signal.signal(signum, lambda signum, frame: came.append(signum))
                  for signum in (signal.SIGINT, signal.SIGTERM)}  # fmt: skip
        try:
            result = write(*args, **kwargs)
        finally:
            for signum, handler in before.items():
                signal.signal(signum, handler)
        for number in came[:1]:  # now, as it would have come
            handler = before[signal.Signals(number)]
            if callable(handler):
                handler(number, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), number)
        return result

    return whole
