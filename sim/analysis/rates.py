"""Outcome rates and mean payments, per design point and over all runs, with 95% intervals: Wilson's
for a rate (sound at 0 and 1 and with few runs, unlike the normal one), Student's t for a mean."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiment.folder import check_parts, read_manifest
from sim.outcomes import OUTCOMES


def load_runs(folder: Path) -> tuple[pd.DataFrame, dict]:
    """The runs table of a sweep (sorted by run id) and its manifest."""
    folder = Path(folder)
    if not (folder / "runs").is_dir() or not any((folder / "runs").glob("*.parquet")):
        raise FileNotFoundError(f"{folder}: no sweep results here (expected {folder}/runs/*.parquet)")
    manifest = read_manifest(folder)
    if manifest is None:
        raise FileNotFoundError(f"{folder}: no sweep results here (no manifest.json)")
    check_parts(folder)  # a damaged part, or a run id in two parts, is named in one line
    runs = pd.read_parquet(folder / "runs").sort_values("run_id").reset_index(drop=True)
    return runs, manifest


def hosts_in(runs: pd.DataFrame) -> list[str]:
    return [c.split(".")[0] for c in runs.columns if c.endswith(".deal") and c.count(".") == 1]


def event_flags(runs: pd.DataFrame, host: str) -> pd.DataFrame:
    """One boolean column per outcome event of one host (those the sweep kept)."""
    out = {}
    for name, outcome in OUTCOMES.items():
        if f"{host}.{outcome.key}" in runs:
            out[name] = outcome.flags(runs[f"{host}.{outcome.key}"])
    return pd.DataFrame(out)


@lru_cache(maxsize=65_536)  # a sweep's points share few (cases, runs) pairs: 5 with 4 replicates
def wilson_interval(cases: int, runs: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a rate of `cases` in `runs`; NaN where there are no runs."""
    if runs == 0:
        return np.nan, np.nan
    interval = stats.binomtest(int(cases), int(runs)).proportion_ci(confidence_level=0.95, method="wilson")
    return float(interval.low), float(interval.high)


def rate_columns(name: str, flag: pd.Series) -> dict[str, float]:
    """`name`, `name_low95` and `name_high95`: the share of True in `flag` and its Wilson interval."""
    cases, runs = int(flag.sum()), int(flag.count())
    low, high = wilson_interval(cases, runs)
    return {name: cases / runs if runs else np.nan, f"{name}_low95": low, f"{name}_high95": high}


def with_wilson(frame: pd.DataFrame, name: str, cases, runs) -> pd.DataFrame:
    """`frame` with the columns `name_low95` and `name_high95`: the Wilson interval of each row's rate."""
    bounds = [wilson_interval(c, n) for c, n in zip(cases, runs, strict=True)]
    return frame.assign(**{f"{name}_low95": [b[0] for b in bounds], f"{name}_high95": [b[1] for b in bounds]})


def mean_interval(values: pd.Series) -> tuple[float, float, float]:
    """Mean and a 95% t-interval; NaN where fewer than two values."""
    values = values.dropna().astype(float)
    if len(values) == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, np.nan, np.nan
    half = float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
    return mean, mean - half, mean + half


def per_point(runs: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """Rates of each outcome counted (`sim.outcomes.OUTCOMES`) and the mean deal payment,
    each with its 95% interval, per design point and host."""
    rows = []
    for point, group in runs.groupby("point", sort=True):
        row = {"point": point, "runs": len(group)}
        row.update({p: group[p].iloc[0] for p in parameters})
        for host in hosts_in(runs):
            for name, flag in event_flags(group, host).items():
                row.update(rate_columns(f"{host}.{name}_rate", flag))
            if f"{host}.payment_usd_bn" in group:
                paid = group.loc[group[f"{host}.deal"].astype(bool), f"{host}.payment_usd_bn"]
                mean, low, high = mean_interval(paid)
                row.update(
                    {
                        f"{host}.payment_mean": mean,
                        f"{host}.payment_low95": low,
                        f"{host}.payment_high95": high,
                    }
                )
        rows.append(row)
    return pd.DataFrame(rows)


def overall(runs: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """Per host and outcome over all runs: the rate with its Wilson interval, and the spread of
    the design points' own rates (lowest, median, highest)."""
    rows = []
    for host in hosts_in(runs):
        for name, flag in event_flags(runs, host).items():
            spread = points[f"{host}.{name}_rate"]
            rows.append({"host": host, "outcome": name, "cases": int(flag.sum()), "runs": int(flag.count()),
                         **rate_columns("rate", flag), "point_lowest": spread.min(),
                         "point_median": spread.median(), "point_highest": spread.max()})  # fmt: skip
    return pd.DataFrame(rows)
