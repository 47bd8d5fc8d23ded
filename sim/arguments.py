"""Types of the command line's numeric arguments: a count out of range is refused by argparse
with one line and exit 2, before any folder is made (`--workers -1`, `--batch-size -5`).

`--workers` means the same in every command: a number of worker processes, 0 for one per core."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable

SEED_MAX = 2**64 - 1  # a sweep's run seeds are 64 bits (sim/experiment/seeds.py), stored as uint64


PAIRING_SECONDS = 120.0  # a tournament's default time limit of one pairing (all its seeds)

def count(low: int, high: int) -> Callable[[str], int]:
    """A whole number in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low:,} to {high:,}, got {value:,}")
        return value

    parse.__name__ = "count"
    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    """A finite number of seconds in [low, high]."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text[:40]!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low:g} to {high:g} seconds, got {text[:40]}")
        return value

    parse.__name__ = "seconds"
    return parse


seed = count(0, SEED_MAX)
workers = count(0, 1024)
WORKERS_HELP = "worker processes, 0 for one per core"


SWEEP_EXECUTORS = ("serial", "processes", "dask")


def add_execution(parser: argparse.ArgumentParser, resume: str, executors: tuple[str, ...] = SWEEP_EXECUTORS,
                  default: str = "processes", executor_help: str | None = None, default_workers: int = 0,
                  workers_note: str = "") -> None:  # fmt: skip
    """The options of every command that plays many runs: where they run and how a stopped one goes on."""
    parser.add_argument("--executor", choices=list(executors), default=None,
                        help=executor_help or f"where the runs play (default {default}; dask with --scheduler)")
    parser.set_defaults(executor_default=default)
    parser.add_argument("--workers", type=workers, default=default_workers,
                        help=f"{WORKERS_HELP} (default {default_workers}{workers_note})")  # fmt: skip
    parser.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--resume", action="store_true", help=resume)


SCHEDULER_WITHOUT_DASK = "--scheduler runs on a Dask cluster: leave --executor out, or give --executor dask"


def executor_of(args: argparse.Namespace) -> str | None:
    """The executor the options ask for: --executor, else dask with --scheduler, else the
    command's default; None when --scheduler comes with an executor that is not dask."""
    if args.scheduler:
        return "dask" if args.executor in (None, "dask") else None
    return args.executor or args.executor_default


def worker_count(requested: int) -> int:
    """The worker processes that `--workers requested` stands for."""
    return requested or os.cpu_count() or 1
