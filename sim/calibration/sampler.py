"""pyabc's sampling of one generation, seeded so that a root seed gives the same posterior on
one worker or many, on a laptop or a Dask cluster, and after a resume.

pyabc's own parallel samplers (multicore, Dask) keep the particles that arrive first, so the
posterior depends on timing; its `MappingSampler` reseeds every task from the system's entropy.
`SeededSampler` is pyabc's documented extension point (a `Sampler` subclass) with pyabc's
mapping scheme: a generation of n particles is n tasks, task i of generation t samples until it
has one accepted particle, with numpy's and Python's generators seeded from
`SeedSequence(root, spawn_key=(t + 1, i))`, and the tasks' results are taken in task order,
whichever worker ran them. pyabc draws every proposal and every model seed inside the task, so
nothing of a particle depends on where or when it ran.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import random
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from sim import stopping

_LOADED: dict[bytes, Any] = {}  # per worker: the generation's simulate_one, unpickled once


def task_seed(root_seed: int, t: int, i: int) -> np.ndarray:
    return np.random.SeedSequence(root_seed, spawn_key=(t + 1, i)).generate_state(4)


def sample_one(blob: bytes, key: bytes, seed: np.ndarray) -> tuple[Any, int]:
    """One task: sample with the task's seed until a particle is accepted."""
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = cloudpickle.loads(blob)
    simulate_one, new_sample = _LOADED[key]
    np.random.seed(seed)
    random.seed(int.from_bytes(seed.tobytes(), "little"))
    sample, evaluations = new_sample(), 0
    while True:
        particle = simulate_one()
        evaluations += 1
        sample.append(particle)
        if particle.accepted:
            return sample, evaluations


class Executor:
    """Where the tasks run: in this process, in a pool of worker processes, or on Dask workers
    (a LocalCluster, or the scheduler at an address). `map` yields results in task order."""

    def __init__(self, kind: str, workers: int, scheduler: str | None = None):
        self.kind, self.workers, self.scheduler = kind, max(1, workers), scheduler
        self._pool: cf.ProcessPoolExecutor | None = None
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> Executor:
        if self.kind == "processes":
            from sim.experiment.runner import pool_worker, worker_context

            self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=worker_context(),
                                                initializer=pool_worker, initargs=(os.getpid(),))  # fmt: skip
        elif self.kind == "dask":
            from dask.distributed import Client, LocalCluster

            from sim.experiment.runner import CONNECT_SECONDS

            if self.scheduler is None:
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=40)  # fmt: skip
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler, timeout=CONNECT_SECONDS)
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None and exc[0] is None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        elif self._pool is not None:
            from sim.experiment.runner import abandon

            abandon(self._pool)
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def map(self, fn: Callable, blob: bytes, key: bytes, items: list) -> Iterator:
        if self._pool is not None:
            submit = stopping.deferring(self._pool.submit)  # no worker half started on Ctrl-C
            futures = [submit(fn, blob, key, item) for item in items]
            try:
                for future in futures:
                    yield future.result()
            finally:
                for future in futures:
                    future.cancel()
        elif self._client is not None:
            shared = self._client.scatter(blob, broadcast=True)
            futures = self._client.map(fn, [shared] * len(items), [key] * len(items), items, pure=False)
            try:
                for future in futures:
                    yield future.result()
            finally:
                self._client.cancel(futures)
        else:
            for item in items:
                yield fn(blob, key, item)


class SeededSampler(Sampler):
    """A generation of n particles as n seeded tasks, gathered in task order (see the module)."""

    def __init__(self, root_seed: int, executor: Executor, progress: Callable[[int, int], Iterable] | None = None):
        super().__init__()
        self.root_seed, self.executor, self.progress = root_seed, executor, progress
        self.generation_evaluations: dict[int, int] = {}

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        blob = cloudpickle.dumps((simulate_one, self.sample_factory))
        key = f"{t}:{len(blob)}:{hash(blob)}".encode()
        seeds = [task_seed(self.root_seed, t, i) for i in range(n)]
        results = self.executor.map(sample_one, blob, key, seeds)
        if self.progress is not None:
            results = iter(self.progress(t, n)(results))
        sample = self._create_empty_sample()
        evaluations = 0
        for part, count in results:
            sample += part
            evaluations += count
        self.nr_evaluations_ = evaluations
        self.generation_evaluations[t] = evaluations
        return sample
