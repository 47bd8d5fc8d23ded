"""Throughput and memory of `allysim sweep`, all figures from one invocation.

1. runs/s of the sweep runner (processes executor) and of `mesa.batch_run` on the same model,
   the same 1,000- and 5,000-run designs and the same number of processes;
2. the two-core ceiling (two serial sweeps side by side, each half the runs) and the processes
   executor as a share of it;
3. a Dask LocalCluster with 2 workers as a share of the processes executor;
4. peak memory (max RSS) of the parent at 1,000, 10,000 and 50,000 runs, against the same
   process before the sweep (a short horizon there: the parent's bookkeeping per run is
   what is measured, not the model).

Usage: python benchmarks/bench_sweep.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "configs" / "scenarios" / "baseline_2019.yaml"
DEMANDS = [1.5, 2.5, 3.5, 5.0]
PEAKS = [0.0, 1.0, 2.0, 3.0, 4.0]  # 20 design points

SWEEP = """
name: bench
scenario: {base}
set: {{rounds: {rounds}}}
parameters:
  hosts.south_korea.demand_usd_bn: {{values: {demands}}}
  hosts.south_korea.electoral_pressure.peak: {{values: {peaks}}}
replicates: {replicates}
root_seed: 1
"""


def sweep_file(folder: Path, runs: int, rounds: int = 28) -> Path:
    path = folder / f"bench-{runs}-{rounds}.yaml"
    text = SWEEP.format(base=BASELINE, rounds=rounds, demands=DEMANDS, peaks=PEAKS, replicates=runs // 20)
    path.write_text(text)
    return path


def time_sweep(path: Path, out: Path, executor: str, workers: int) -> float:
    """Runs/s of a sweep run in a fresh process (as a user runs it)."""
    command = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), "--executor", executor,
               "--workers", str(workers), "--quiet"]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    return json.loads((out / "manifest.json").read_text())["runs_done"] / elapsed


BATCH = """
import sys, time
import mesa
from sim.config import load_scenario, with_changes
from sim.model import AllianceModel
from sim.outcomes import summarize

BASE = load_scenario({base!r})


class BatchModel(AllianceModel):
    def __init__(self, demand=5.0, peak=2.0, rng=None):
        config = with_changes(BASE, {{"hosts.south_korea.demand_usd_bn": demand,
                                      "hosts.south_korea.electoral_pressure.peak": peak}})
        super().__init__(config, rng=rng)
        self.datacollector = mesa.DataCollector(model_reporters={{
            "deal": lambda m: m.tables["south_korea"].status == "deal",
            "payment": lambda m: m.tables["south_korea"].price}})

    def step(self):
        super().step()
        if not self.running:
            self.summary = summarize(self, 0)
            self.datacollector.collect(self)


if __name__ == "__main__":
    started = time.perf_counter()
    rows = mesa.batch_run(BatchModel, {{"demand": {demands}, "peak": {peaks}}}, number_processes={workers},
                          rng=list(range({replicates})), max_steps=1000, display_progress=False)
    print(len(rows) / (time.perf_counter() - started))
"""


def time_batch_run(folder: Path, runs: int, workers: int) -> float:
    script = folder / "batch.py"
    script.write_text(textwrap.dedent(BATCH.format(base=str(BASELINE), demands=DEMANDS, peaks=PEAKS,
                                                   workers=workers, replicates=runs // 20)))  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(script)], check=True, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    return runs / elapsed, float(done.stdout.strip().splitlines()[-1])


def two_core_ceiling(folder: Path, runs: int) -> float:
    """Two serial sweeps of half the runs each, side by side: what two cores can do."""
    path = sweep_file(folder, runs // 2)
    commands = [[sys.executable, "-m", "sim", "sweep", str(path), "--out", str(folder / f"half{i}"),
                 "--executor", "serial", "--quiet"] for i in (1, 2)]  # fmt: skip
    started = time.perf_counter()
    procs = [subprocess.Popen(c, cwd=ROOT) for c in commands]
    for p in procs:
        p.wait()
    return runs / (time.perf_counter() - started)


PEAK = """
import resource, sys
from pathlib import Path
from sim.experiment.design import load_sweep
from sim.experiment.runner import Options, run_sweep
plan = load_sweep(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
run_sweep(plan, Path(sys.argv[2]), Options("processes", 2, quiet=True))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before / 1024, after / 1024)
"""


def parent_memory(folder: Path, runs: int) -> tuple[float, float]:
    path = sweep_file(folder, runs, rounds=3)
    done = subprocess.run([sys.executable, "-c", PEAK, str(path), str(folder / f"mem{runs}")], check=True,
                          cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    before, after = map(float, done.stdout.split())
    return before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller designs, for a check that it works")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = (200, 400) if args.quick else (1000, 5000)
    memory_sizes = (200, 1000, 2000) if args.quick else (1000, 10_000, 50_000)
    figures: dict = {"throughput": {}, "memory_mb": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for runs in sizes:
            ours = time_sweep(sweep_file(folder, runs), folder / f"ours{runs}", "processes", 2)
            batch_wall, batch_inner = time_batch_run(folder, runs, 2)
            figures["throughput"][runs] = {"allysim_runs_per_s": ours, "batch_run_runs_per_s": batch_wall,
                                           "batch_run_inner_runs_per_s": batch_inner,
                                           "ratio": ours / batch_wall}  # fmt: skip
        big = sizes[-1]
        ceiling = two_core_ceiling(folder, big)
        processes = figures["throughput"][big]["allysim_runs_per_s"]
        dask = time_sweep(sweep_file(folder, big), folder / "dask", "dask", 2)
        figures["ceiling"] = {"runs": big, "two_serial_runs_per_s": ceiling, "processes_share": processes / ceiling}
        figures["dask"] = {"runs": big, "dask_runs_per_s": dask, "share_of_processes": dask / processes}
        for runs in memory_sizes:
            before, after = parent_memory(folder, runs)
            figures["memory_mb"][runs] = {"before": before, "peak": after, "growth": after - before}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print("throughput, 2 processes (runs/s; wall time of the whole command, start-up included)")
    for runs, f in figures["throughput"].items():
        print(f"  {runs:>6,} runs: allysim sweep {f['allysim_runs_per_s']:7.1f}   mesa.batch_run "
              f"{f['batch_run_runs_per_s']:7.1f} (inside: {f['batch_run_inner_runs_per_s']:.1f})   "
              f"ratio {f['ratio']:.2f}x")  # fmt: skip
    c, d = figures["ceiling"], figures["dask"]
    print(f"two-core ceiling ({c['runs']:,} runs, two serial sweeps side by side): {c['two_serial_runs_per_s']:.1f} "
          f"runs/s; processes executor at {c['processes_share']:.0%} of it")  # fmt: skip
    print(f"Dask LocalCluster, 2 workers: {d['dask_runs_per_s']:.1f} runs/s = {d['share_of_processes']:.0%} "
          "of the processes executor")  # fmt: skip
    print("parent's peak memory (max RSS, MB)")
    for runs, m in figures["memory_mb"].items():
        print(f"  {runs:>6,} runs: before {m['before']:.0f}, peak {m['peak']:.0f}, growth {m['growth']:.1f}")


if __name__ == "__main__":
    main()
