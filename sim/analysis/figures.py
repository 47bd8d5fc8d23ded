"""`allysim plot DIR`: outcome-probability heatmaps over two swept parameters, distributions of
the deal payment and round, sensitivity bar charts and PRIM's trade-off of coverage against
density, as PNG and SVG in DIR/plots/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis import rates, sensitivity
from sim.experiment.design import load_sweep
from sim.outcomes import OUTCOMES


def _subplots(*grid: int, figsize: tuple[float, float], **options: Any) -> tuple[Figure, Any]:
    """A figure and its axes, as pyplot.subplots makes them, without pyplot's global state."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*grid, **options)


def _save(fig: Figure, folder: Path, name: str) -> list[Path]:
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    for path in paths:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return paths


def _short(key: str) -> str:
    return key.replace("hosts.", "").replace("_usd_bn", " ($bn)").replace("_", " ").replace(".", ": ", 1)


def _axis_values(series: pd.Series, bins: int = 6) -> pd.Series:
    """Grid levels as they are; continuous samples binned into quantiles (labelled by mid-point)."""
    if series.nunique() <= 12:
        return series
    cut = pd.qcut(series, bins, duplicates="drop")
    return cut.map(lambda iv: round(iv.mid, 3)).astype(float)


def heatmaps(runs: pd.DataFrame, keys: list[str], host: str, folder: Path) -> list[Path]:
    numeric = [k for k in keys if pd.api.types.is_numeric_dtype(runs[k]) and runs[k].nunique() > 1]
    if len(numeric) < 2:
        return []
    xkey, ykey = numeric[0], numeric[1]
    flags = rates.event_flags(runs, host)
    frame = flags.assign(x=_axis_values(runs[xkey]).to_numpy(), y=_axis_values(runs[ykey]).to_numpy())
    names = list(flags.columns)
    fig, axes = _subplots(1, len(names), figsize=(3.6 * len(names), 3.6), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        grid = frame.groupby(["y", "x"])[name].mean().unstack("x").sort_index(ascending=False)
        image = ax.imshow(grid.to_numpy(float), vmin=0, vmax=1, cmap="viridis", aspect="auto")
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns], rotation=45)
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
        for (i, j), value in np.ndenumerate(grid.to_numpy(float)):
            if not np.isnan(value):
                ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7,
                        color="white" if value < 0.6 else "black")  # fmt: skip
        ax.set_title(f"P({OUTCOMES[name].title})", fontsize=11)
        ax.set_xlabel(_short(xkey))
    axes[0][0].set_ylabel(_short(ykey))
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8, label="share of runs")
    fig.suptitle(f"{host.replace('_', ' ').title()}: outcome probabilities", x=0.01, ha="left")
    return _save(fig, folder, f"heatmap_{host}")


def distributions(runs: pd.DataFrame, host: str, folder: Path) -> list[Path]:
    if f"{host}.payment_usd_bn" not in runs or f"{host}.deal_round" not in runs:
        return []
    deals = runs[runs[f"{host}.deal"].astype(bool)]
    if deals.empty:
        return []
    fig, (left, right) = _subplots(1, 2, figsize=(10, 3.6))
    left.hist(deals[f"{host}.payment_usd_bn"], bins=30, color="#4393c3", edgecolor="white")
    left.set_xlabel("deal payment (US$bn per year)")
    left.set_ylabel("runs")
    right.hist(deals[f"{host}.deal_round"], bins=np.arange(0.5, deals[f"{host}.deal_round"].max() + 1.5),
               color="#d6604d", edgecolor="white")  # fmt: skip
    right.set_xlabel("round of the deal (months from the start)")
    title = f"{host.replace('_', ' ').title()}: {len(deals):,} deals in {len(runs):,} runs"
    fig.suptitle(f"{title} ({len(deals) / len(runs):.0%})", x=0.01, ha="left")
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, folder, f"distributions_{host}")


def sensitivity_bars(indices: pd.DataFrame, folder: Path, top: int = 12) -> list[Path]:
    if indices.empty:
        return []
    sobol = "ST" in indices
    written = []
    for key, group in indices.groupby("outcome", sort=False):
        outcome = str(key)
        score = "ST" if sobol else "mu_star"
        group = group.nlargest(top, score).iloc[::-1]
        fig, ax = _subplots(figsize=(8, 0.35 * len(group) + 1.5))
        y = np.arange(len(group))
        if sobol:
            ax.barh(y + 0.2, group["ST"], 0.4, xerr=group["ST_conf"], label="total (ST)", color="#2166ac")
            ax.barh(y - 0.2, group["S1"], 0.4, xerr=group["S1_conf"], label="first order (S1)", color="#92c5de")
            ax.set_xlabel("Sobol index (95% interval)")
        else:
            ax.barh(y, group["mu_star"], 0.6, xerr=group["mu_star_conf"], color="#2166ac", label="mu*")
            ax.plot(group["sigma"], y, "o", color="#d6604d", label="sigma")
            ax.set_xlabel("Morris elementary effects (95% interval of mu*)")
        ax.set_yticks(y, [_short(p) for p in group["parameter"]])
        ax.legend(frameon=False, loc="lower right")
        ax.set_title(f"Sensitivity of {outcome}", loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        written += _save(fig, folder, f"sensitivity_{outcome.replace('.', '_')}")
    return written


def prim_tradeoffs(steps: pd.DataFrame, boxes: list[dict], folder: Path) -> list[Path]:
    """Each peeling trajectory as coverage against density, coloured by the number of restricted
    parameters: the trade-off a box is chosen on (Bryant & Lempert 2010). Ringed, the step chosen;
    a star, the box reported (the chosen one without the restrictions that did not earn their place)."""
    if steps.empty:
        return []
    reported = {(b["host"], b["outcome"]): b for b in boxes if "rules" in b}
    groups = list(steps.groupby(["host", "outcome"], sort=False))
    fig, axes = _subplots(1, len(groups), figsize=(4 * len(groups), 3.8), squeeze=False)
    for ax, ((host, outcome), group) in zip(axes[0], groups, strict=True):
        dots = ax.scatter(group["coverage"], group["density"], c=group["restricted"], cmap="viridis", s=18,
                          vmin=0, vmax=max(steps["restricted"].max(), 1))  # fmt: skip
        chosen = group[group["chosen"]]
        ax.scatter(chosen["coverage"], chosen["density"], s=120, facecolors="none", edgecolors="#d6604d", lw=1.5)
        if (host, outcome) in reported:
            box = reported[host, outcome]
            ax.plot(box["coverage"], box["density"], "*", color="#d6604d", ms=12)
        ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="coverage", title=f"{str(host).replace('_', ' ')}: {outcome}")
        ax.spines[["top", "right"]].set_visible(False)
    axes[0][0].set_ylabel("density")
    fig.colorbar(dots, ax=axes[0].tolist(), shrink=0.8, label="restricted parameters")
    fig.suptitle("PRIM peeling trajectories (ringed: the step chosen; star: the box reported)", x=0.01, ha="left")
    return _save(fig, folder, "prim_tradeoff")


def plot_sweep(folder: Path) -> list[Path]:
    folder = Path(folder)
    runs, _ = rates.load_runs(folder)
    plan = load_sweep(folder / "sweep.yaml")
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    written: list[Path] = []
    for host in rates.hosts_in(runs):
        written += heatmaps(runs, plan.keys, host, out)
        written += distributions(runs, host, out)
    cached = folder / "analysis" / "sensitivity.parquet"
    indices = pd.read_parquet(cached) if cached.exists() else sensitivity.indices(
        runs, plan, sensitivity.default_outcomes(runs)).table  # fmt: skip
    written += sensitivity_bars(indices, out)
    steps, boxes = folder / "analysis" / "prim_trajectory.parquet", folder / "analysis" / "discovery.json"
    if steps.exists() and boxes.exists():  # written by `allysim analyze`
        written += prim_tradeoffs(pd.read_parquet(steps), json.loads(boxes.read_text()), out)
    return written
