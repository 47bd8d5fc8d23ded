"""`allysim analyze DIR`: the tables, indices and rules of a finished (or partial) sweep."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.analysis import discovery, rates, sensitivity
from sim.experiment.design import load_sweep

# what PRIM looks for, per host: a name and how it follows from the outcome flags
TARGETS = {"drawdown": lambda f: f.get("drawdown"), "hedging above 0.3": lambda f: f.get("hedging"),
           "no deal": lambda f: ~f["deal"] if "deal" in f else None}  # fmt: skip


def write_table(frame: pd.DataFrame, folder: Path, name: str) -> None:
    frame.to_csv(folder / f"{name}.csv", index=False)
    frame.to_parquet(folder / f"{name}.parquet", index=False)


def _with_intervals(entry: dict, name: str, cases: int, runs: int) -> dict:
    low, high = rates.wilson_interval(cases, runs)
    return {**entry, name: cases / runs, f"{name}_low95": low, f"{name}_high95": high}


def discover(runs: pd.DataFrame, parameters: list[str]) -> tuple[list[dict], pd.DataFrame]:
    """PRIM boxes for drawdown, hedging above 0.3 and no deal, per host, and their trajectories.
    Always the project's own PRIM, so that the result does not depend on what else is installed."""
    varied = [p for p in parameters if runs[p].nunique() > 1]
    if not varied:
        return [], pd.DataFrame()
    x = runs[varied]
    found, trajectories = [], []
    for host in rates.hosts_in(runs):
        flags = rates.event_flags(runs, host)
        for name, target in TARGETS.items():
            y = target(flags)
            if y is None:
                continue
            result = discovery.prim(x, y.to_numpy())
            entry = _with_intervals({"host": host, "outcome": name, "cases": int(y.sum()), "runs": len(y)},
                                    "base_rate", int(y.sum()), len(y))  # fmt: skip
            if result is not None:
                box = result.box
                entry.update(rules=box.rules(), limits=box.limits, kept=box.kept,
                             quasi_p=discovery.quasi_p(x, y.to_numpy(), box.limits, box.kept), runs_in_box=box.runs,
                             cases_in_box=box.cases, mass=box.mass, step=result.step,
                             steps=len(result.trajectory))  # fmt: skip
                entry = _with_intervals(entry, "density", box.cases, box.runs)
                entry = _with_intervals(entry, "coverage", box.cases, box.total_cases)
                steps = discovery.trajectory_table(result)
                steps = rates.with_wilson(steps, "density", steps["cases"], steps["runs"])
                steps = rates.with_wilson(steps, "coverage", steps["cases"], [box.total_cases] * len(steps))
                trajectories.append(steps.assign(host=host, outcome=name))
            found.append(entry)
    if not trajectories:
        return found, pd.DataFrame()
    table = pd.concat(trajectories, ignore_index=True)
    first = ["host", "outcome", "step", "phase", "chosen", "runs", "cases", "coverage", "coverage_low95",
             "coverage_high95", "density", "density_low95", "density_high95", "mass", "restricted",
             "rules"]  # fmt: skip
    return found, table[first + [c for c in table.columns if c not in first]]


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

    boxes, trajectories = discover(runs, plan.keys)
    (out / "discovery.json").write_text(json.dumps(boxes, indent=2, default=_plain) + "\n")
    if not trajectories.empty:
        write_table(trajectories, out, "prim_trajectory")
    if boxes:
        echo("\nScenario discovery (PRIM):")
    for b in boxes:
        if "rules" in b:
            echo(f"  {b['host']} {b['outcome']} ({b['cases']} of {b['runs']} runs): {b['rules']}")
            echo(
                f"      coverage {b['coverage']:.0%}, density {b['density']:.0%} (base rate {b['base_rate']:.0%}); "
                f"{b['runs_in_box']} runs in the box"
            )
        else:
            echo(f"  {b['host']} {b['outcome']}: no runs")
    return {"points": points, "sensitivity": indices, "prim_trajectory": trajectories}


def _plain(value):
    """numpy scalars and tuples of them, as JSON takes them."""
    return value.item() if hasattr(value, "item") else str(value)
