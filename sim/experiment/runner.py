"""Running a sweep: runs batched into tasks, executed serially, on local processes or on a Dask
cluster, with results streamed to Parquet parts as tasks finish.

The parent alone writes `runs/` (each part whole, by rename), so an interruption loses at
most the runs in flight, and `--resume` runs exactly the run ids no part holds. A run that
raises is recorded in `failures.jsonl` and the sweep goes on.

A `Game` says how a task's runs are played and scored: the sweep's own plays each point's
scenario and keeps its summary's outcomes; a tournament's (`sim/round_robin.py`) seats a
pairing's entrants and scores each table.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import itertools
import multiprocessing
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim import stopping
from sim.config import Scenario, with_changes
from sim.experiment import folder, store
from sim.experiment.design import Plan, Run, check_points
from sim.isolation import Fault
from sim.model import AllianceModel
from sim.outcomes import collect, keep, summarize


@dataclass
class Outcome:
    rows: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)


class Game:
    """How a sweep's runs are played (in a worker) and which tasks the parent still wants: the
    sweep's own game plays each point's scenario and keeps its summary's outcomes, one row a run."""

    noun = "sweep"  # what the progress lines count the runs of
    whole_points = False  # True: a task holds all the missing runs of one design point, and no other
    time_limit: float | None = None  # seconds of one task, for the executor that enforces it
    files: tuple[Path, ...] = ()  # code that is not the package's, where a fault is looked for

    def play(self, task: Task) -> Outcome:
        """Run a task's runs: one row per run, or a failure record."""
        out = Outcome()
        kept_rounds = []
        for run, point in zip(task.runs, task.points, strict=True):
            meta = {"run_id": run.run_id, "point": run.point, "replicate": run.replicate, "seed": run.seed}
            try:
                model = AllianceModel(with_changes(task.base, point), rng=run.seed).run()
                summary = summarize(model, run.seed)  # the tables are built only when kept
            except Exception:
                out.failures.append({**meta, "parameters": point, "traceback": traceback.format_exc()})
                continue
            out.rows.append({**meta, **point, **keep(summary.row(), task.outcomes)})
            if run.run_id in task.keep_rounds:
                kept_rounds.append(collect(model, run.seed).rounds.assign(run_id=run.run_id))
        if kept_rounds and task.rounds_dir:
            store.write_rounds(Path(task.rounds_dir), kept_rounds)
        return out

    def schema(self, plan: Plan):
        """The Arrow schema of every part of the runs table."""
        return store.runs_schema(plan)

    def faulted(self, task: Task, fault: Fault) -> Outcome:
        """The outcome of a task whose own process gave no result (it overran or died)."""
        return Outcome(failures=[{"run_id": r.run_id, "point": r.point, "replicate": r.replicate, "seed": r.seed,
                                  "parameters": p, "traceback": f"{fault.reason} ({fault.where})"}
                                 for r, p in zip(task.runs, task.points, strict=True)])  # fmt: skip

    def unwanted(self, task: Task) -> Outcome | None:
        """In the parent, before a task is handed out: None to play it, or what to record instead."""
        return None

    def observe(self, outcome: Outcome) -> None:
        """In the parent, as each task's outcome arrives."""


SWEEP = Game()


@dataclass
class Task:
    """A batch of runs, with all a worker needs to play them."""

    base: Scenario
    runs: list[Run]
    points: list[dict]
    outcomes: list[str]
    rounds_dir: str | None = None  # where to write per-round tables, if kept
    keep_rounds: frozenset[int] = frozenset()  # run ids whose rounds are kept
    game: Game = SWEEP


def play(task: Task) -> Outcome:
    """Run a task's runs (in a worker), as its game plays them."""
    return task.game.play(task)


# ------------------------------------------------------------------ executors


def _serial(tasks: Iterator[Task], workers: int) -> Iterator[Outcome]:
    for task in tasks:
        yield play(task)


def _windowed(submit, tasks: Iterator[Task], window: int, wait_first) -> Iterator[Outcome]:
    """Keep at most `window` tasks in flight; yield outcomes as they finish."""
    pending = set()
    try:
        for task in tasks:
            pending.add(submit(task))
            if len(pending) >= window:
                done, pending = wait_first(pending)
                for future in done:
                    yield future.result()
        while pending:
            done, pending = wait_first(pending)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()


def worker_context() -> multiprocessing.context.BaseContext:
    """A fork server, started once with the package imported, forks each worker: nearly as
    quick as fork, and safe although the parent runs threads (Arrow's); spawn where there is none."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.experiment.runner"])
        _start_fork_server()
        return context
    return multiprocessing.get_context("spawn")


def _start_fork_server() -> None:
    """Start the fork server (if it is not running) ignoring Ctrl-C from its first instant: a
    terminal sends Ctrl-C to the whole process group, and the fork server, which ignores it
    only once its half-second import of the package is done, would print the import's
    traceback. Its workers ignore Ctrl-C too (`pool_worker`); the command ends them. A Ctrl-C
    in the few milliseconds that starting it takes is lost."""
    import multiprocessing.forkserver

    if threading.current_thread() is not threading.main_thread():
        multiprocessing.forkserver.ensure_running()
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited, and kept by Python at start-up
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, before)


def end_with_parent(parent: int) -> None:
    """In a worker: end as soon as the process `parent` ends, however it ends (SIGKILL too), so
    that no worker outlives its sweep. Its parent in the process tree is the fork server, so
    it watches the sweep's process itself: a pidfd on Linux, else a check every second."""
    try:
        watched = os.pidfd_open(parent) if hasattr(os, "pidfd_open") else None
    except ProcessLookupError:
        os._exit(1)
    except OSError:
        watched = None

    def watch() -> None:
        if watched is not None:
            select.select([watched], [], [])
        else:
            while _alive(parent):
                time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def pool_worker(parent: int) -> None:
    """A pool's worker: it ends with `parent` (`end_with_parent`) and leaves Ctrl-C, which a
    terminal sends to the whole process group, to the parent, which ends it (`abandon`): a
    worker interrupted inside the pool's queues could leave the others waiting on its lock."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with_parent(parent)


def abandon(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool at once, after an interrupt or an error: what has not started is cancelled
    and the workers are ended. They hold nothing but runs in progress (this process stores the
    runs done), and waiting for them, here or when the interpreter exits, could wait forever."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        with contextlib.suppress(OSError, ValueError):
            worker.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _processes(tasks: Iterator[Task], workers: int) -> Iterator[Outcome]:
    with cf.ProcessPoolExecutor(workers, mp_context=worker_context(), initializer=pool_worker,
                                initargs=(os.getpid(),)) as pool:  # fmt: skip

        def wait_first(pending):
            done, rest = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            return done, rest

        try:
            submit = stopping.deferring(pool.submit)  # a worker half started on Ctrl-C would print a traceback
            yield from _windowed(lambda t: submit(play, t), tasks, 2 * workers, wait_first)
        except BaseException:
            abandon(pool)
            raise


class SchedulerError(Exception):
    """A --scheduler address that is malformed or does not answer."""


CONNECT_SECONDS = 5.0


def reach_scheduler(address: str, timeout: float = CONNECT_SECONDS) -> None:
    """Refuse within `timeout` seconds, with one line, a scheduler that cannot be reached."""
    scheme, _, rest = address.rpartition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("", "tcp", "tls") or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SchedulerError(f"--scheduler {address[:80]!r} is not an address such as tcp://host:8786")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise SchedulerError(
            f"no Dask scheduler answers at {address[:80]} ({exc.strerror or exc}); is it running?"
        ) from None


def _dask(tasks: Iterator[Task], workers: int, scheduler: str | None = None) -> Iterator[Outcome]:
    from dask.distributed import Client, LocalCluster, wait

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)  # fmt: skip
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout=CONNECT_SECONDS)
    try:
        window = 2 * max(1, len(client.scheduler_info().get("workers", {})) or workers)

        def wait_first(pending):
            done, rest = wait(list(pending), return_when="FIRST_COMPLETED")
            return set(done), set(rest)

        yield from _windowed(lambda t: client.submit(play, t, pure=False), tasks, window, wait_first)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _isolated(tasks: Iterator[Task], workers: int, limit: float | None = None, files: tuple[Path, ...] = ()
              ) -> Iterator[Outcome]:  # fmt: skip
    """Each task in a process of its own, within `limit` seconds: a task that hangs, exits or
    kills its process fails alone, its fault located in `files` (`sim/isolation.py`)."""
    from sim import isolation

    jobs = (isolation.Job(task, play, (task,)) for task in tasks)
    for task, outcome, fault in isolation.run_isolated(jobs, list(files), limit, workers, worker_context()):
        yield outcome if fault is None else task.game.faulted(task, fault)


EXECUTORS = {"serial": _serial, "processes": _processes, "dask": _dask, "isolated": _isolated}


# ------------------------------------------------------------------ the sweep


@dataclass
class Options:
    executor: str = "processes"
    workers: int = 0  # 0: one per core
    scheduler: str | None = None
    batch_size: int = 0  # 0: chosen from the sweep's size
    keep_rounds: str | None = None  # None, "all", or a number of runs to sample
    quiet: bool = False


def batch_size(missing: int, workers: int, requested: int) -> int:
    """About eight tasks per worker, between 1 and 200 runs each."""
    if requested:
        return requested
    return max(1, min(200, missing // (8 * workers) or 1))


def kept_round_ids(plan: Plan, keep_rounds: str | None) -> frozenset[int]:
    if keep_rounds is None:
        return frozenset()
    if keep_rounds == "all":
        return frozenset(range(plan.runs_total))
    n = min(int(keep_rounds), plan.runs_total)
    rng = np.random.default_rng(plan.sweep.root_seed)
    return frozenset(int(i) for i in rng.choice(plan.runs_total, size=n, replace=False))


def run_sweep(plan: Plan, out: Path, options: Options, resume: bool = False, warn=None, game: Game = SWEEP,
              about: dict | None = None) -> dict:  # fmt: skip
    """Run the plan's missing runs into `out`, holding its lock, as `game` plays them; returns
    the final manifest (with the fields of `about`). `warn` receives a line for each damaged
    part set aside (whose runs are played again)."""
    out = Path(out)
    check_points(plan)  # a point that is not a valid scenario is refused before any folder is made
    folder.refuse_foreign(out)  # before the lock, whose file would land among a user's own
    with folder.locked(out):
        done, damaged = folder.prepare(plan, out, resume)
        for part in damaged:
            (warn or print)(f"allysim: {part.name} was damaged; moved to {part.parent}/, its runs are played again")
        return _run(plan, out, options, done, game, about or {})


def batches(plan: Plan, missing: list[int], size: int, whole_points: bool) -> Iterator[list[int]]:
    """The missing run ids in tasks of `size`, or (`whole_points`) of one design point each."""
    if not whole_points:
        yield from (missing[start : start + size] for start in range(0, len(missing), size))
        return
    for _, ids in itertools.groupby(missing, key=lambda i: i // plan.sweep.replicates):
        yield list(ids)


def _run(plan: Plan, out: Path, options: Options, done: set[int], game: Game, about: dict) -> dict:
    workers = options.workers or os.cpu_count() or 1
    missing = [i for i in range(plan.runs_total) if i not in done]
    size = batch_size(len(missing), workers, options.batch_size)
    keep_ids = kept_round_ids(plan, options.keep_rounds)
    outcomes = plan.sweep.outcomes
    manifest = {**store.sweep_manifest(plan, options, workers, len(done)), **about}
    folder.write_manifest(out, manifest)  # first: a folder with anything in it has a manifest
    folder.lay_out(plan, out)
    passed_over: list[Outcome] = []  # tasks the game no longer wants, recorded as they are passed

    def tasks() -> Iterator[Task]:
        for ids in batches(plan, missing, size, game.whole_points):
            runs = plan.runs(ids)
            rounds_dir = str(out / "rounds") if keep_ids else None
            task = Task(plan.base, runs, [plan.changes(r) for r in runs], outcomes, rounds_dir,
                        frozenset(r.run_id for r in runs) & keep_ids, game)  # fmt: skip
            instead = game.unwanted(task)
            if instead is None:
                yield task
            else:
                passed_over.append(instead)

    executor = EXECUTORS[options.executor]
    kwargs: dict = {"scheduler": options.scheduler} if options.executor == "dask" else {}
    if options.executor == "isolated":
        kwargs = {"limit": game.time_limit, "files": game.files}
    progress = Progress(plan.runs_total, len(done), options.quiet, noun=game.noun)
    schema = game.schema(plan)
    started = time.perf_counter()
    stored, failed, status = len(done), 0, "complete"

    def record(outcome: Outcome) -> None:
        nonlocal stored, failed
        if outcome.rows:
            store.write_part(out, outcome.rows, schema)
        store.append_failures(out, outcome.failures)
        ran = len({row["run_id"] for row in outcome.rows})  # a game may give a run several rows
        stored += ran
        failed += len(outcome.failures)
        progress.update(ran + len(outcome.failures))

    try:
        for outcome in itertools.chain(executor(tasks(), workers, **kwargs), [None]):
            if outcome is not None:
                game.observe(outcome)
                record(outcome)
            while passed_over:
                record(passed_over.pop(0))
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BaseException:  # a worker killed (the OOM killer, kill -9), a disk full: not complete
        status = "stopped"
        raise
    finally:
        progress.close()
        elapsed = time.perf_counter() - started
        ran = stored - len(done)
        manifest = store.finished(
            manifest, status=status if not failed or status != "complete" else "complete with failures",
            runs_done=stored, runs_failed=failed, wall_seconds=round(elapsed, 3),
            runs_per_second=round(ran / elapsed, 2) if elapsed > 0 else None,
        )  # fmt: skip
        folder.write_manifest(out, manifest)
    return manifest


class Progress:
    """tqdm's bar in a terminal; a plain line every few seconds otherwise; nothing when quiet."""

    def __init__(self, total: int, done: int, quiet: bool, stream=None, noun: str = "sweep"):
        stream = stream or sys.stderr  # the one of the moment, not of the import
        self.total, self.done, self.quiet, self.stream, self.noun = total, done, quiet, stream, noun
        self.start_done, self.started, self.last = done, time.perf_counter(), 0.0
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.bar = None
        if self.tty and not quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit=" runs", file=stream, ascii=True, dynamic_ncols=True)

    def update(self, n: int) -> None:
        self.done += n
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.perf_counter()
        if now - self.last < 5.0 and self.done < self.total:
            return
        self.last = now
        rate = (self.done - self.start_done) / max(now - self.started, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta = f"{left:,.0f} s left" if left != float("inf") else "--"
        self.stream.write(f"{self.noun}: {self.done:,}/{self.total:,} runs  {rate:,.1f} runs/s  {eta}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
