"""Throughput of `allysim calibrate` against the sweep executor, all figures from one invocation.

1. a calibration (configs/calibration/quick.yaml with --quick, else history.yaml) with the
   processes executor: its runs per second while it fits (the manifest's runs / fit_seconds);
2. the same model through `allysim sweep` with the same executor and workers: each case's
   scenario, as many runs per case as the calibration played;
3. the ratio of the two (the goal: at least 0.85), and the calibration's wall time.

Usage: python benchmarks/bench_calibrate.py [--quick] [--workers N] [--sweep-runs N] [--keep DIR] [--json]

`--sweep-runs N` plays N runs per case in step 2 instead of as many as the calibration played
(a sweep's rate is steady after a few thousand runs; the shipped calibration's 166,650 runs
would double the benchmark's time); `--keep DIR` keeps the calibration's outputs in DIR.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SWEEP = """
name: bench_{case}
scenario: {scenario}
parameters:
  choice_precision: {{values: [{precision}]}}
replicates: {replicates}
root_seed: 1
"""


def allysim(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the quick calibration (under 2 minutes)")
    parser.add_argument("--workers", default="2")
    parser.add_argument("--sweep-runs", type=int, default=None, metavar="N", help="runs per case in the sweep")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR", help="keep the calibration's outputs here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sim.calibration.spec import load_calibration

    file = ROOT / "configs" / "calibration" / ("quick.yaml" if args.quick else "history.yaml")
    calibration = load_calibration(file)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep if args.keep is not None else Path(tmp) / "calibration"
        started = time.perf_counter()
        allysim("calibrate", str(file), "--out", str(out), "--workers", args.workers, "--quiet")
        wall = time.perf_counter() - started
        manifest = json.loads((out / "manifest.json").read_text())
        calibration_rate = manifest["runs"] / manifest["fit_seconds"]
        per_case = manifest["evaluations"] if args.sweep_runs is None else args.sweep_runs
        sweep_runs, sweep_seconds = 0, 0.0
        for case in calibration.cases:
            scenario = Path(tmp) / f"{case.name}.yaml"
            scenario.write_text(case.scenario.to_yaml())
            sweep = Path(tmp) / f"sweep_{case.name}.yaml"
            sweep.write_text(SWEEP.format(case=case.name, scenario=scenario, replicates=per_case,
                                          precision=case.scenario.choice_precision))  # fmt: skip
            folder = Path(tmp) / f"out_{case.name}"
            allysim("sweep", str(sweep), "--out", str(folder), "--workers", args.workers, "--quiet")
            done = json.loads((folder / "manifest.json").read_text())
            sweep_runs += done["runs_done"]
            sweep_seconds += done["wall_seconds"]
    sweep_rate = sweep_runs / sweep_seconds
    figures = {
        "calibration": file.name,
        "workers": int(args.workers),
        "calibration_runs": manifest["runs"],
        "calibration_fit_seconds": manifest["fit_seconds"],
        "calibration_wall_seconds": round(wall, 1),
        "calibration_runs_per_second": round(calibration_rate, 1),
        "sweep_runs": sweep_runs,
        "sweep_runs_per_second": round(sweep_rate, 1),
        "ratio": round(calibration_rate / sweep_rate, 3),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{file.name}: {manifest['runs']:,} runs fitted in {manifest['fit_seconds']:,.1f} s "
              f"({calibration_rate:,.1f} runs/s; whole command {wall:,.1f} s) on {args.workers} workers")  # fmt: skip
        print(f"allysim sweep, the same cases: {sweep_runs:,} runs at {sweep_rate:,.1f} runs/s")
        print(f"calibration / sweep throughput: {figures['ratio']:.2f} (goal: at least 0.85)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
