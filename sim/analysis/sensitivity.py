"""Global sensitivity with SALib: Sobol first-order and total indices, or Morris mu* and sigma,
of outcomes averaged over each design point's replicates. Whatever keeps an outcome from its
indices (a design without them, points without runs, a constant outcome) is said in one line."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.analysis.rates import event_flags, hosts_in


@dataclass
class Indices:
    """The long table (outcome, parameter, indices with their 95% intervals), a line on what
    it rests on when not on the whole design, and why each outcome left out has no index."""

    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    basis: str | None = None
    missing: dict[str, str] = field(default_factory=dict)


def default_outcomes(runs: pd.DataFrame) -> dict[str, pd.Series]:
    """Per run: each host's deal, walkout, drawdown and hedging events and its utility."""
    out = {}
    for host in hosts_in(runs):
        for name, flag in event_flags(runs, host).items():
            out[f"{host}.{name}"] = flag.astype(float)
        if f"utilities.{host}" in runs:
            out[f"utilities.{host}"] = runs[f"utilities.{host}"].astype(float)
    return out


def indices(runs: pd.DataFrame, plan, outcomes: dict[str, pd.Series]) -> Indices:
    """Sobol or Morris indices of each outcome, from the design's whole units only: a Morris
    trajectory (k + 1 points) or a Sobol base sample (k + 2 points) every point of which has a run.
    Each unit is an independent draw, so those whole units give the indices of a smaller design."""
    sampler = plan.sweep.design.sampler
    if sampler not in ("sobol", "morris") or plan.problem is None:
        return Indices(basis=f"No sensitivity indices: a {sampler} design has none (sobol and morris designs do)")
    if runs.empty or not outcomes:
        kept = ", ".join(plan.sweep.outcomes)
        why = "no runs" if runs.empty else f"no outcome to measure (the sweep kept {kept})"
        return Indices(basis=f"No sensitivity indices: {why}")
    size = len(plan.keys) + (1 if sampler == "morris" else 2)
    unit, units = ("trajectory", "trajectories") if sampler == "morris" else ("base sample", "base samples")
    n_points = len(plan.points)
    ran = np.zeros(n_points, dtype=bool)
    ran[runs["point"].to_numpy()] = True
    whole = ran.reshape(-1, size).all(axis=1)
    basis = None
    if not whole.all():
        basis = (f"Indices from {whole.sum():,} of {whole.size:,} {units}: {(~ran).sum():,} of {n_points:,} "
                 "design points have no run")  # fmt: skip
    if not whole.any():
        gaps = f"every {unit} has a design point without a run ({(~ran).sum():,} of {n_points:,} points have none)"
        return Indices(basis="No sensitivity indices: " + gaps)
    rows = np.repeat(whole, size)
    from SALib.analyze import morris, sobol

    table, missing = [], {}
    for name, values in outcomes.items():
        y = values.groupby(runs["point"]).mean().reindex(range(n_points)).to_numpy()[rows]
        if np.isnan(y).any():
            missing[name] = f"no value at {np.isnan(y).sum():,} design points that have runs"
            continue
        if np.isclose(y.std(), 0.0):
            missing[name] = f"constant ({y[0]:.3g} at every design point): no effect to measure"
            continue
        if sampler == "sobol":
            res = sobol.analyze(plan.problem, y, calc_second_order=False, seed=plan.sweep.root_seed)
            columns: tuple[str, ...] = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            x = plan.samples[rows].astype(float)
            res = morris.analyze(plan.problem, x, y, num_levels=plan.sweep.design.levels, seed=plan.sweep.root_seed)
            columns = ("mu_star", "mu_star_conf", "sigma")
        for i, key in enumerate(plan.keys):
            table.append({"outcome": name, "parameter": key, **{c: res[c][i] for c in columns}})
    return Indices(pd.DataFrame(table), basis, missing)
