"""Running code that is not the package's (a student's strategy file) so that it cannot take a
tournament down: each pairing plays in its own process with a time limit, and a strategy that
raises, hangs or exits is named with the last line of its traceback and its line number.

A strategy file runs as Python with the user's rights (docs/strategies.md): isolation here
protects the tournament from mistakes, not the machine from a hostile file.
"""

from __future__ import annotations

import contextlib
import faulthandler
import math
import multiprocessing.connection
import re
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Fault:
    """Why a job gave no result: what happened, and where in the code (if a file of `files`)."""

    reason: str  # the traceback's last line, "took longer than N s", "ended without a result (...)"
    file: str | None = None
    line: int | None = None
    function: str | None = None
    strategy: str | None = None  # the registry name of the strategy whose method was running
    side: int | None = None  # the side it played (PATRON or HOST), when known

    @property
    def where(self) -> str:
        return f"{Path(self.file).name}, line {self.line}" if self.file else "outside the strategy files"


class TimeLimit(TimeoutError):
    """Raised by `time_limit` where the code ran when its time was up."""

    def __init__(self, what: str, seconds: float):
        super().__init__(f"{what} took longer than {seconds:g} s")
        self.seconds = seconds


@contextlib.contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise TimeLimit (a TimeoutError) in the main thread after `seconds` (a no-op in other
    threads: a Dask worker's, for one)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum, frame):
        raise TimeLimit(what, seconds)

    before = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


def describe(exc: BaseException, files: list[Path]) -> Fault:
    """The fault of an exception: its last line, and the innermost frame in one of `files`
    or in a strategy's method."""
    reason = traceback.format_exception_only(type(exc), exc)[-1].strip().removeprefix(f"{type(exc).__module__}.")
    names = {str(Path(f).resolve()) for f in files}
    found: dict[str, Any] = {}
    tb = exc.__traceback__
    while tb is not None:  # outermost first: the last match is the innermost
        frame, code = tb.tb_frame, tb.tb_frame.f_code
        me = frame.f_locals.get("self")
        if _is_strategy(me):
            situation = frame.f_locals.get("s")
            found.update(strategy=getattr(type(me), "name", None), side=getattr(situation, "side", None))
        if str(Path(code.co_filename).resolve()) in names or _is_strategy(me):
            found.update(file=code.co_filename, line=tb.tb_lineno, function=code.co_name)
        tb = tb.tb_next
    # a PolicyError or an OfferError: an answer checked after its method returned names that
    # method, which no frame of the traceback still shows
    answer: Any = exc
    if getattr(answer, "file", None):
        found.update(file=answer.file, line=answer.line, function=answer.function)
    return Fault(reason, **found)


def _is_strategy(value: Any) -> bool:
    from sim.strategies import Strategy

    return isinstance(value, Strategy)


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<function>\S+)')


def describe_dump(text: str, files: list[Path], limit: float) -> Fault:
    """The fault of a job stopped at its time limit, from faulthandler's dump of its threads:
    the innermost frame in one of `files`."""
    names = {str(Path(f).resolve()) for f in files}
    for match in _FRAME.finditer(text):  # most recent call first
        if str(Path(match["file"]).resolve()) in names:
            return Fault(f"took longer than {limit:g} s", match["file"], int(match["line"]), match["function"])
    return Fault(f"took longer than {limit:g} s")


GRACE_SECONDS = 5.0  # past a job's limit before its threads are dumped and it is ended


def _child(conn, job: Callable[..., Any], args: tuple, files: list[Path], limit: float | None, dump: str,
           parent: int) -> None:  # fmt: skip
    from sim.experiment.runner import end_with_parent

    end_with_parent(parent)
    with open(dump, "w") as stream:
        if limit is not None:  # a job may stop itself at its limit (time_limit); if it cannot, this ends it
            faulthandler.dump_traceback_later(limit + GRACE_SECONDS, exit=True, file=stream)
        try:
            conn.send(("result", job(*args)))
        except BaseException as exc:  # SystemExit too: a strategy's sys.exit() ends nothing but its job
            conn.send(("fault", describe(exc, files)))


@dataclass
class Job:
    key: Any
    job: Callable[..., Any]
    args: tuple


def run_isolated(
    jobs: Iterable[Job], files: list[Path], limit: float | None, workers: int, context, skip=None
) -> Iterator[tuple[Any, Any, Fault | None]]:
    """Run each job in its own process (at most `workers` at once), each within `limit` seconds
    (None: no limit); yield (key, result, None) or (key, None, fault) as they end. A job is
    taken from `jobs` only when a process is free for it, and `skip(key)` drops a job not yet
    started (a disqualified strategy's)."""
    import os

    from sim.stopping import deferring

    queue, running = iter(jobs), dict[Any, Any]()
    waiting = True
    with tempfile.TemporaryDirectory(prefix="allysim-jobs-") as tmp, _ending(running):
        while waiting or running:
            while waiting and len(running) < workers:
                job = next(queue, None)
                if job is None:
                    waiting = False
                    break
                if skip is not None and skip(job.key):
                    continue
                dump = str(Path(tmp) / f"job-{len(running)}-{time.monotonic_ns()}.txt")
                here, there = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(there, job.job, job.args, files, limit, dump,
                                                               os.getpid()), daemon=True)  # fmt: skip
                deadline = time.monotonic() + limit + 2 * GRACE_SECONDS if limit is not None else math.inf
                deferring(_start)(process, running, here, (job, process, dump, deadline))  # then a Ctrl-C ends it
                there.close()
            ready = multiprocessing.connection.wait(list(running), timeout=0.5)
            for conn in list(running):
                job, process, dump, deadline = running[conn]
                if conn in ready or time.monotonic() > deadline:
                    yield job.key, *_collect(conn, process, dump, files, limit, time.monotonic() > deadline)
                    del running[conn]


def _start(process, running: dict[Any, Any], key, entry: tuple) -> None:
    process.start()
    running[key] = entry


@contextlib.contextmanager
def _ending(running: dict[Any, Any]) -> Iterator[None]:
    """End the jobs still running when the block ends, however it ends (Ctrl-C, an error, the
    caller leaving early): before their folder goes, and without their tracebacks."""
    try:
        yield
    finally:
        for _job, process, _dump, _deadline in running.values():
            with contextlib.suppress(OSError, ValueError):
                process.kill()
        for _job, process, _dump, _deadline in running.values():
            with contextlib.suppress(OSError, ValueError, AssertionError):
                process.join(timeout=5)


def _collect(conn, process, dump: str, files: list[Path], limit: float | None, late: bool) -> tuple[Any, Fault | None]:
    message = None
    if not late:
        with contextlib.suppress(EOFError, OSError):
            message = conn.recv()
    conn.close()
    process.join(timeout=5 if message else 1)
    if process.is_alive():
        process.kill()
        process.join()
    if message is not None:
        kind, value = message
        return (value, None) if kind == "result" else (None, value)
    text = Path(dump).read_text(errors="replace") if Path(dump).exists() else ""
    if late or "most recent call first" in text:
        return None, describe_dump(text, files, limit if limit is not None else math.inf)
    return None, Fault(f"ended without a result (exit code {process.exitcode})")
