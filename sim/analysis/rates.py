"""Outcome rates and mean payments per design point, with 95% intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiment.folder import check_parts, read_manifest

# outcome name -> (summary column, test on it): the events a researcher counts
EVENTS = {
    "deal": ("deal", lambda s: s.astype(bool)),
    "walkout": ("walkouts", lambda s: s > 0),
    "lapse": ("lapsed", lambda s: s.astype(bool)),
    "drawdown": ("troops_withdrawn", lambda s: s > 0),
    "hedging": ("hedging_peak", lambda s: s > 0.3),
}


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
    for name, (column, test) in EVENTS.items():
        if f"{host}.{column}" in runs:
            out[name] = test(runs[f"{host}.{column}"])
    return pd.DataFrame(out)


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
    """Rates of deal, walkout, lapse, drawdown and hedging above 0.3, and the mean deal payment
    with its 95% interval, per design point and host."""
    rows = []
    for point, group in runs.groupby("point", sort=True):
        row = {"point": point, "runs": len(group)}
        row.update({p: group[p].iloc[0] for p in parameters})
        for host in hosts_in(runs):
            for name, flag in event_flags(group, host).items():
                row[f"{host}.{name}_rate"] = float(flag.mean())
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
