"""`allysim analyze DIR`: the tables, indices and rules of a finished (or partial) sweep, written in
full to DIR/analysis/ and summed up in a page of text."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.analysis import discovery, rates, sensitivity
from sim.experiment.design import load_sweep
from sim.outcomes import OUTCOMES

# what PRIM looks for, per host: a name and how it follows from the outcome flags
TARGETS = {
    OUTCOMES["drawdown"].title: lambda f: f.get("drawdown"),
    OUTCOMES["hedging"].title: lambda f: f.get("hedging"),
    f"no {OUTCOMES['deal'].title}": lambda f: ~f["deal"] if "deal" in f else None,
}


def write_table(frame: pd.DataFrame, folder: Path, name: str) -> None:
    frame.to_csv(folder / f"{name}.csv", index=False)
    frame.to_parquet(folder / f"{name}.parquet", index=False)


def _with_intervals(entry: dict, name: str, cases: int, runs: int) -> dict:
    low, high = rates.wilson_interval(cases, runs)
    return {**entry, name: cases / runs, f"{name}_low95": low, f"{name}_high95": high}


def discover(runs: pd.DataFrame, parameters: list[str]) -> tuple[list[dict], pd.DataFrame]:
    """PRIM boxes for each of TARGETS (drawdown, hedging above the line, no deal), per host, and their trajectories.
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


def _percent(value: float) -> str:
    return f"{value:.1%}" if value == value else "-"


def rate_lines(overall: pd.DataFrame, runs: pd.DataFrame) -> list[str]:
    lines = ["Outcome rates over all runs, with 95% Wilson intervals, and the spread of the design points' rates:"]
    for host, group in overall.groupby("host", sort=False):
        lines.append(f"  {host:<22} {'rate':>7}  {'95% interval':<17} points: lowest  median  highest")
        for r in group.itertuples():
            interval = f"[{_percent(float(r.rate_low95))}, {_percent(float(r.rate_high95))}]"  # type: ignore[arg-type]
            lines.append(f"    {OUTCOMES[str(r.outcome)].title:<20} {_percent(float(r.rate)):>7}  {interval:<17}"  # type: ignore[arg-type]
                         f"{r.point_lowest:>14.0%} {r.point_median:>7.0%} {r.point_highest:>8.0%}")  # fmt: skip
        if f"{host}.payment_usd_bn" in runs:
            paid = runs.loc[runs[f"{host}.deal"].astype(bool), f"{host}.payment_usd_bn"]
            mean, low, high = (f"{v:.2f}" if v == v else "-" for v in rates.mean_interval(paid))
            interval = f"[{low}, {high}]"
            deals = f"US$bn a year, over {len(paid):,} deals"
            lines.append(f"    {'mean deal payment':<20} {mean:>7}  {interval:<17}{deals}")
    return lines


def sensitivity_lines(indices: pd.DataFrame) -> list[str]:
    score = "ST" if "ST" in indices else "mu_star"
    label = "Sobol total index" if score == "ST" else "Morris mu*"
    lines = [f"Most influential parameters ({label} ± its 95% interval; all in sensitivity.csv):"]
    for outcome, group in indices.groupby("outcome", sort=False):
        top = group.nlargest(3, score)
        line = f"  {outcome}: " + ", ".join(
            f"{r.parameter} {getattr(r, score):.2f} ± {getattr(r, f'{score}_conf'):.2f}" for r in top.itertuples()
        )
        if score == "ST" and (group["ST"] > 1.0).any():
            line += "  (a total index above 1: noise dominates this outcome; add replicates or samples)"
        lines.append(line)
    return lines


def box_lines(boxes: list[dict]) -> list[str]:
    lines = ["Scenario discovery (PRIM; each box's peeling trajectory in prim_trajectory.csv):"]
    for b in boxes:
        share = f"{b['cases']:,} of {b['runs']:,} runs, {_percent(b['base_rate'])}"
        if "rules" not in b:
            lines.append(f"  {b['host']} {b['outcome']} ({share}): no such runs, so no box")
            continue
        lines.append(f"  {b['host']} {b['outcome']} ({share}): {b['rules']}")
        density = f"{_percent(b['density'])} [{_percent(b['density_low95'])}, {_percent(b['density_high95'])}]"
        coverage = f"{_percent(b['coverage'])} [{_percent(b['coverage_low95'])}, {_percent(b['coverage_high95'])}]"
        lines.append(f"      {b['runs_in_box']:,} runs in the box: density {density}, coverage {coverage}")
    return lines


def failed_runs(folder: Path) -> int:
    path = folder / "failures.jsonl"
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()) if path.exists() else 0


def missing_lines(plan, analysed: set[int], shown: int = 5) -> list[str]:
    """Which design points have no run to analyse (every run failed or is still to come): the
    region of the design that the rates, indices and boxes say nothing of."""
    missing = [i for i in range(len(plan.points)) if i not in analysed]
    if not missing:
        return []
    lines = [f"No run to analyse at {len(missing):,} design point{'s' * (len(missing) != 1)}; "
             "the tables below say nothing of them:"]  # fmt: skip
    for i in missing[:shown]:
        values = ", ".join(f"{key} = {_plain(value)}" for key, value in plan.points[i].items())
        lines.append(f"  point {i}: {values}")
    if len(missing) > shown:
        lines.append(f"  ... and {len(missing) - shown:,} more (points {', '.join(map(str, missing[shown:shown + 10]))}"
                     f"{', ...' if len(missing) > shown + 10 else ''})")  # fmt: skip
    return lines


def analyze(folder: Path, echo=print) -> dict[str, pd.DataFrame]:
    folder = Path(folder)
    failed = failed_runs(folder)
    if failed and not any((folder / "runs").glob("*.parquet")):
        raise FileNotFoundError(f"{folder}: no run succeeded; the {failed:,} failures are in {folder}/failures.jsonl")
    runs, manifest = rates.load_runs(folder)
    plan = load_sweep(folder / "sweep.yaml")
    out = folder / "analysis"
    out.mkdir(exist_ok=True)

    points = rates.per_point(runs, plan.keys)
    write_table(points, out, "points")
    overall = rates.overall(runs, points)
    write_table(overall, out, "rates")
    found = sensitivity.indices(runs, plan, sensitivity.default_outcomes(runs))
    indices = found.table
    for suffix in ("csv", "parquet"):  # no stale indices beside a new analysis
        (out / f"sensitivity.{suffix}").unlink(missing_ok=True)
    if not indices.empty:
        write_table(indices, out, "sensitivity")
    boxes, trajectories = discover(runs, plan.keys)
    (out / "discovery.json").write_text(json.dumps(boxes, indent=2, default=_plain) + "\n")
    if not trajectories.empty:
        write_table(trajectories, out, "prim_trajectory")

    failures = f"; {failed:,} runs failed, see {folder}/failures.jsonl" if failed else ""
    echo(f"{plan.sweep.name}: {len(runs):,} runs over {len(points):,} of {len(plan.points):,} design points "
         f"({manifest.get('status', '?')}{failures})")  # fmt: skip
    for line in missing_lines(plan, set(points["point"]) if not points.empty else set()):
        echo(line)
    echo(f"Every design point's rates and mean payment, with 95% intervals: {out}/points.csv (and .parquet)\n")
    for line in rate_lines(overall, runs):
        echo(line)
    if found.basis:
        echo(f"\n{found.basis}.")
    if not indices.empty:
        echo("")
        for line in sensitivity_lines(indices):
            echo(line)
    if found.missing:
        echo("\nNo index for:")
        for outcome, why in found.missing.items():
            echo(f"  {outcome}: {why}")
    if boxes:
        echo("")
        for line in box_lines(boxes):
            echo(line)
    tables = ["points", "rates", *["sensitivity"] * (not indices.empty),
              *["prim_trajectory"] * (not trajectories.empty)]  # fmt: skip
    echo(f"\nWritten to {out}/: {', '.join(tables)} (.csv and .parquet), discovery.json")
    return {"points": points, "rates": overall, "sensitivity": indices, "prim_trajectory": trajectories}


def _plain(value):
    """numpy scalars and tuples of them, as JSON takes them."""
    return value.item() if hasattr(value, "item") else str(value)
