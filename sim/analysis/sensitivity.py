"""Global sensitivity with SALib: Sobol first-order and total indices, or Morris mu* and sigma,
of outcomes averaged over each design point's replicates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.rates import event_flags, hosts_in


def default_outcomes(runs: pd.DataFrame) -> dict[str, pd.Series]:
    """Per run: each host's deal, walkout, drawdown and hedging events and its utility."""
    out = {}
    for host in hosts_in(runs):
        for name, flag in event_flags(runs, host).items():
            out[f"{host}.{name}"] = flag.astype(float)
        if f"utilities.{host}" in runs:
            out[f"utilities.{host}"] = runs[f"utilities.{host}"].astype(float)
    return out


def point_means(runs: pd.DataFrame, values: pd.Series, points: int) -> np.ndarray | None:
    means = values.groupby(runs["point"]).mean().reindex(range(points))
    if means.isna().any() or np.isclose(means.std(), 0.0):
        return None  # SALib cannot take gaps, and a constant outcome has no sensitivity
    return means.to_numpy()


def indices(runs: pd.DataFrame, plan, outcomes: dict[str, pd.Series]) -> pd.DataFrame:
    """A long table: outcome, parameter and the indices with their 95% intervals."""
    sampler = plan.sweep.design.sampler
    if sampler not in ("sobol", "morris") or plan.problem is None:
        return pd.DataFrame()
    from SALib.analyze import morris, sobol

    rows = []
    for name, values in outcomes.items():
        y = point_means(runs, values, len(plan.points))
        if y is None:
            continue
        if sampler == "sobol":
            res = sobol.analyze(plan.problem, y, calc_second_order=False, seed=plan.sweep.root_seed)
            columns = ("S1", "S1_conf", "ST", "ST_conf")
            for i, key in enumerate(plan.keys):
                rows.append({"outcome": name, "parameter": key, **{c: res[c][i] for c in columns}})
        else:
            res = morris.analyze(plan.problem, plan.samples.astype(float), y, num_levels=plan.sweep.design.levels,
                                 seed=plan.sweep.root_seed)  # fmt: skip
            columns = ("mu_star", "mu_star_conf", "sigma")
            for i, key in enumerate(plan.keys):
                rows.append({"outcome": name, "parameter": key, **{c: res[c][i] for c in columns}})
    return pd.DataFrame(rows)
