"""`allysim analyze DIR`: the tables, indices and rules of a finished (or partial) sweep."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.analysis import discovery, rates, sensitivity
from sim.experiment.design import load_sweep


def write_table(frame: pd.DataFrame, folder: Path, name: str) -> None:
    frame.to_csv(folder / f"{name}.csv", index=False)
    frame.to_parquet(folder / f"{name}.parquet", index=False)


def discover(runs: pd.DataFrame, parameters: list[str]) -> list[dict]:
    """PRIM boxes for drawdown, hedging above 0.3 and no deal, per host."""
    numeric = [p for p in parameters if pd.api.types.is_numeric_dtype(runs[p]) and runs[p].nunique() > 1]
    if not numeric:
        return []
    x = runs[numeric].astype(float)
    found = []
    for host in rates.hosts_in(runs):
        flags = rates.event_flags(runs, host)
        targets = {"drawdown": flags.get("drawdown"), "hedging above 0.3": flags.get("hedging"),
                   "no deal": ~flags["deal"] if "deal" in flags else None}  # fmt: skip
        for name, y in targets.items():
            if y is None:
                continue
            box = discovery.prim(x, y.to_numpy())
            entry = {"host": host, "outcome": name, "cases": int(y.sum()), "runs": len(y)}
            if box is not None:
                entry.update(rules=box.rules(), limits=box.limits, coverage=box.coverage, density=box.density,
                             mass=box.mass, base_rate=box.base_rate)  # fmt: skip
            found.append(entry)
    return found


def analyze(folder: Path, echo=print) -> dict[str, pd.DataFrame]:
    folder = Path(folder)
    runs, manifest = rates.load_runs(folder)
    plan = load_sweep(folder / "sweep.yaml")
    out = folder / "analysis"
    out.mkdir(exist_ok=True)

    points = rates.per_point(runs, plan.keys)
    write_table(points, out, "points")
    echo(f"{len(runs):,} runs over {points.shape[0]} design points ({manifest.get('status', '?')}); "
         f"tables in {out}/")  # fmt: skip
    with pd.option_context("display.width", 160, "display.max_columns", 12, "display.max_rows", 40,
                           "display.float_format", "{:.3f}".format):  # fmt: skip
        shown = [c for c in points.columns if c.endswith("_rate") or c.endswith("payment_mean")][:8]
        echo(points[plan.keys[:3] + ["runs"] + shown].to_string(index=False))

    indices = sensitivity.indices(runs, plan, sensitivity.default_outcomes(runs))
    if not indices.empty:
        write_table(indices, out, "sensitivity")
        score = "ST" if "ST" in indices else "mu_star"
        echo(f"\nMost influential parameters ({'Sobol total index' if score == 'ST' else 'Morris mu*'}):")
        for outcome, group in indices.groupby("outcome", sort=False):
            top = group.nlargest(3, score)
            line = f"  {outcome}: " + ", ".join(f"{r.parameter} {getattr(r, score):.2f}" for r in top.itertuples())
            if score == "ST" and (group["ST"] > 1.0).any():
                line += "  (a total index above 1: noise dominates this outcome; add replicates or samples)"
            echo(line)

    boxes = discover(runs, plan.keys)
    (out / "discovery.json").write_text(json.dumps(boxes, indent=2, default=float) + "\n")
    if boxes:
        echo("\nScenario discovery (PRIM):")
    for b in boxes:
        if "rules" in b:
            echo(f"  {b['host']} {b['outcome']} ({b['cases']} of {b['runs']} runs): {b['rules']}")
            echo(f"      coverage {b['coverage']:.0%}, density {b['density']:.0%} (base rate {b['base_rate']:.0%})")
        else:
            echo(f"  {b['host']} {b['outcome']}: no runs")
    return {"points": points, "sensitivity": indices}
