"""The model time of this checkout against an earlier commit's, in one run, as a ratio.

Machines here are shared and their speed drifts from day to day, so a time in milliseconds
says little on its own; the ratio of two models timed in alternation on the same core does.
Each model runs in its own process (this checkout's, and the earlier commit's checked out into
a temporary folder with `git worktree`), both pinned to the same CPU; the parent asks them in
turn for one run of their own `configs/scenarios/baseline_2019.yaml` with the same seed, and
each answers the time of `AllianceModel(scenario, rng=seed).run()` plus `collect()` (what
`bench_run.py` calls the model time).

    .venv/bin/python benchmarks/bench_versus.py                 # against a472965, 200 runs
    .venv/bin/python benchmarks/bench_versus.py --ref 58db706 --runs 100 [--json]

The reference by default is a472965, the commit whose model time (8.8 ms on an idle machine
on 2026-11-28) the speed goal of 5 ms was set against: the goal is a ratio of 5 / 8.8 = 0.57.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "a472965"
GOAL_MS, REFERENCE_MS = 5.0, 8.8

# the worker: one model per process; reads a seed per line, answers its run's seconds
WORKER = r"""
import gc, sys, time
sys.path.insert(0, sys.argv[1])
from sim.config import load_scenario
from sim.model import AllianceModel
from sim.outcomes import collect
scenario = load_scenario(sys.argv[1] + "/configs/scenarios/baseline_2019.yaml")
collect(AllianceModel(scenario, rng=0).run(), 0)  # warm up
print("ready", flush=True)
for line in sys.stdin:
    seed = int(line)
    gc.collect()
    start = time.perf_counter()
    collect(AllianceModel(scenario, rng=seed).run(), seed)
    print(time.perf_counter() - start, flush=True)
"""


def last_cpu() -> int | None:
    if not hasattr(os, "sched_getaffinity"):
        return None
    return max(os.sched_getaffinity(0))


def start(tree: Path, cpu: int | None) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [sys.executable, "-c", WORKER, str(tree)]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=tree)
    assert worker.stdout is not None
    if worker.stdout.readline().strip() != "ready":
        raise SystemExit(f"bench_versus: the model in {tree} did not start")
    return worker


def ask(worker: subprocess.Popen, seed: int) -> float:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(f"{seed}\n")
    worker.stdin.flush()
    return float(worker.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default=REFERENCE, help=f"the earlier commit (default {REFERENCE})")
    parser.add_argument("--runs", type=int, default=200, help="runs of each model (default 200)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    cpu = last_cpu()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "reference"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.ref],
                       check=True, capture_output=True)  # fmt: skip
        try:
            reference, current = start(tree, cpu), start(ROOT, cpu)
            pairs = []
            for seed in range(args.runs):  # alternate, and alternate who goes first
                first, second = (reference, current) if seed % 2 == 0 else (current, reference)
                a, b = ask(first, seed), ask(second, seed)
                pairs.append((a, b) if seed % 2 == 0 else (b, a))
            for worker in (reference, current):
                worker.stdin.close()  # type: ignore[union-attr]
                worker.wait()
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
    ref_ms, cur_ms = (np.array(column) * 1e3 for column in zip(*pairs, strict=True))
    figures = {
        "reference": args.ref,
        "runs": args.runs,
        "cpu": cpu,
        "reference_median_ms": round(float(np.median(ref_ms)), 2),
        "current_median_ms": round(float(np.median(cur_ms)), 2),
        "ratio_of_medians": round(float(np.median(cur_ms) / np.median(ref_ms)), 3),
        "median_paired_ratio": round(float(np.median(cur_ms / ref_ms)), 3),
        "goal_ratio": round(GOAL_MS / REFERENCE_MS, 3) if args.ref == REFERENCE else None,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{args.runs} runs of each model, alternating, pinned to CPU {cpu}")
    print(f"reference {args.ref}: median {figures['reference_median_ms']} ms")
    print(f"this checkout:      median {figures['current_median_ms']} ms")
    print(f"ratio of medians {figures['ratio_of_medians']}, median of paired ratios {figures['median_paired_ratio']}")
    if figures["goal_ratio"] is not None:
        verdict = "meets" if figures["ratio_of_medians"] <= figures["goal_ratio"] else "misses"
        print(f"the goal (5 ms against the reference's 8.8 ms) is a ratio of {figures['goal_ratio']}: {verdict} it")


if __name__ == "__main__":
    main()
