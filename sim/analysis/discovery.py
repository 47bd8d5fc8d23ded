"""Scenario discovery with PRIM (Friedman & Fisher 1999, as in Bryant & Lempert 2010): the box
of parameter values in which an outcome of interest concentrates, as readable rules with
their coverage (share of the cases of interest inside the box) and density (share of the box
that are cases of interest)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Box:
    limits: dict[str, tuple[float, float]]  # only the restricted dimensions
    coverage: float
    density: float
    mass: float
    base_rate: float
    ranges: dict[str, tuple[float, float]]  # each restricted dimension's whole range

    def rules(self) -> str:
        if not self.limits:
            return "(no restriction beats the whole space)"
        parts = []
        for key, (lo, hi) in self.limits.items():
            low_cut, high_cut = lo > self.ranges[key][0], hi < self.ranges[key][1]
            if low_cut and high_cut:
                parts.append(f"{lo:.3g} <= {key} <= {hi:.3g}")
            else:
                parts.append(f"{key} >= {lo:.3g}" if low_cut else f"{key} <= {hi:.3g}")
        return " and ".join(parts)


def _peel_once(x: pd.DataFrame, y: np.ndarray, inside: np.ndarray, alpha: float) -> np.ndarray | None:
    """The peel (one side of one dimension, about alpha of the box) that leaves the densest box."""
    best, best_density = None, -1.0
    for column in x.columns:
        values = x[column].to_numpy()[inside]
        lo, hi = np.quantile(values, alpha), np.quantile(values, 1 - alpha)
        uniq = np.unique(values)
        if len(uniq) < 2:
            continue
        if lo <= uniq[0]:
            lo = uniq[1]  # discrete values: peel the lowest level
        if hi >= uniq[-1]:
            hi = uniq[-2]
        col = x[column].to_numpy()
        for keep in (inside & (col >= lo), inside & (col <= hi)):
            n = keep.sum()
            if 0 < n < inside.sum():
                density = y[keep].mean()
                if density > best_density:
                    best, best_density = keep, density
    return best


def prim(x: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05,
         min_coverage: float = 0.5) -> Box | None:  # fmt: skip
    """Peel toward the densest box; return the densest box with at least `min_coverage`."""
    y = np.asarray(y, dtype=bool)
    if y.sum() == 0:
        return None
    inside = np.ones(len(y), dtype=bool)
    trajectory = [inside]
    while inside.mean() > min_mass:
        peeled = _peel_once(x, y, inside, alpha)
        if peeled is None or y[peeled].sum() == 0:
            break
        inside = peeled
        trajectory.append(inside)
    best = None
    for box in trajectory:
        coverage, density = y[box].sum() / y.sum(), y[box].mean()
        if coverage >= min_coverage and (best is None or density > best[2] + 1e-12):
            best = (box, coverage, density)
    box = best[0]
    limits = {}
    for column in x.columns:
        lo, hi = x[column][box].min(), x[column][box].max()
        if lo > x[column].min() or hi < x[column].max():
            limits[column] = (float(lo), float(hi))
    limits = simplify(x, y, limits)
    inside = within(x, limits)
    coverage, density = y[inside].sum() / y.sum(), y[inside].mean()
    ranges = {c: (float(x[c].min()), float(x[c].max())) for c in limits}
    return Box(limits, float(coverage), float(density), float(inside.mean()), float(y.mean()), ranges)


def within(x: pd.DataFrame, limits: dict[str, tuple[float, float]]) -> np.ndarray:
    inside = np.ones(len(x), dtype=bool)
    for column, (lo, hi) in limits.items():
        inside &= (x[column].to_numpy() >= lo) & (x[column].to_numpy() <= hi)
    return inside


def simplify(x: pd.DataFrame, y: np.ndarray, limits: dict, tolerance: float = 0.05) -> dict:
    """Drop, one at a time, the restrictions whose removal costs less than `tolerance` of the
    box's density: peeling trims many dimensions a little, and only a few of them matter."""
    limits = dict(limits)
    while limits:
        density = y[within(x, limits)].mean()
        losses = {c: density - y[within(x, {k: v for k, v in limits.items() if k != c})].mean() for c in limits}
        column, loss = min(losses.items(), key=lambda kv: kv[1])
        if loss > tolerance * density:
            break
        del limits[column]
    return limits
