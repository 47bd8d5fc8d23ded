"""Leave-one-case-out validation: fit the calibration once without each of its cases (`allysim
calibrate FILE --leave-out CASE`), predict the case left out, and print the table of its
observed statistics against their predictive 90% intervals, with the hit rate, as Markdown.

Usage: python scripts/leave_one_out.py configs/calibration/leave_one_out.yaml [--out DIR] [--workers N]
A fit already complete in DIR is read, not run again; one stopped is resumed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.figures import calibration_of, checks_table
from sim.calibration.spec import load_calibration


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calibration", type=Path)
    parser.add_argument("--out", type=Path, default=Path("results/calibration/leave_one_out"))
    parser.add_argument("--workers", default="0")
    args = parser.parse_args(argv)
    calibration = load_calibration(args.calibration)
    rows = []
    for case in calibration.cases:
        folder = args.out / f"without-{case.name}"
        manifest = folder / "manifest.json"
        done = manifest.is_file() and json.loads(manifest.read_text()).get("status") == "complete"
        if not done:
            command = [sys.executable, "-m", "sim", "calibrate", str(args.calibration), "--leave-out", case.name,
                       "--out", str(folder), "--workers", args.workers, "--quiet"]  # fmt: skip
            if folder.exists():
                command.append("--resume")
            print(f"fitting without {case.name} ...", file=sys.stderr, flush=True)
            if subprocess.run(command).returncode != 0:
                return 1
        checks = checks_table(calibration_of(folder), pd.read_parquet(folder / "predictive.parquet"))
        rows.append(checks[checks.left_out & checks.used])
    table = pd.concat(rows, ignore_index=True)
    print("| case left out | statistic | observed | predictive 90% interval | inside |")
    print("| --- | --- | --- | --- | --- |")
    for row in table.to_dict("records"):
        low, high = row["observed_low"], row["observed_high"]
        observed = f"{low:g}" if low == high else f"{low:g} to {high:g}"
        interval = f"{row['low_90']:.3g} to {row['high_90']:.3g}" if np.isfinite(row["low_90"]) else "no deal"
        print(f"| `{row['case']}` | {row['statistic']} | {observed} | {interval} | {'yes' if row['hit'] else 'no'} |")
    print(f"\n{int(table.hit.sum())} of {len(table)} observed statistics of the cases left out lie inside their "
          f"predictive 90% interval ({table.hit.mean():.0%}).")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
