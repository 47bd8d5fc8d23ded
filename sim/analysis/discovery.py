"""Scenario discovery with PRIM (Friedman & Fisher 1999, as in Bryant & Lempert 2010 and the EMA
Workbench of Kwakkel 2017): the box of parameter values in which an outcome of interest
concentrates, as readable rules with their coverage (share of the cases of interest inside the
box) and density (share of the runs in the box that are cases of interest).

Peeling removes, one side of one parameter at a time, the slice whose removal raises the box's
density most per run removed (the Workbench's default objective, `lenient1`): on an ordered
parameter the smallest run of whole values that holds at least `alpha` of the box, so that an
integer or grid parameter loses one level at a time; on a categorical one a single value.
Pasting then adds back slices while that raises the density. Every box on the way is kept: the
peeling trajectory, from which the densest box with enough coverage is chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class PrimSettings:
    alpha: float = 0.05  # share of the box's runs removed (or added back) by one peel (or paste)
    min_mass: float = 0.05  # a box keeps at least this share of all runs ...
    min_runs: int = 20  # ... and at least this many runs
    min_coverage: float = 0.5  # the chosen box holds at least this share of the cases of interest


@dataclass(frozen=True)
class Box:
    """Inclusive limits on ordered parameters and the values kept of categorical ones (each only
    where it restricts), with the counts that give the box's statistics."""

    limits: dict[str, tuple[float, float]]
    kept: dict[str, tuple]
    runs: int  # runs inside the box
    cases: int  # cases of interest inside the box
    total_runs: int
    total_cases: int
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # each ordered parameter's whole range

    @property
    def coverage(self) -> float:
        return self.cases / self.total_cases

    @property
    def density(self) -> float:
        return self.cases / self.runs

    @property
    def mass(self) -> float:
        return self.runs / self.total_runs

    @property
    def base_rate(self) -> float:
        return self.total_cases / self.total_runs

    @property
    def restricted(self) -> list[str]:
        return [*self.limits, *self.kept]

    def rules(self) -> str:
        if not self.limits and not self.kept:
            return ("(no restriction kept: none raises the density enough, or with a quasi-p-value of "
                    "at most 0.05; the peeling trajectory shows the boxes tried)")
        parts = []
        for key, (lo, hi) in self.limits.items():
            low_cut, high_cut = lo > self.ranges[key][0], hi < self.ranges[key][1]
            if lo == hi:
                parts.append(f"{key} = {lo:.3g}")
            elif low_cut and high_cut:
                parts.append(f"{lo:.3g} <= {key} <= {hi:.3g}")
            else:
                parts.append(f"{key} >= {lo:.3g}" if low_cut else f"{key} <= {hi:.3g}")
        for key, values in self.kept.items():
            parts.append(f"{key} = {values[0]}" if len(values) == 1 else f"{key} in {{{', '.join(map(str, values))}}}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Discovery:
    box: Box  # the chosen box, with the restrictions that did not earn their place dropped
    step: int  # where on the trajectory it was chosen
    trajectory: list[Box]  # the whole space, every peel, then every paste
    peels: int  # trajectory[1 : peels + 1] are peels, what follows are pastes


def is_ordered(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def within(x: pd.DataFrame, limits: dict, kept: dict | None = None) -> np.ndarray:
    inside = np.ones(len(x), dtype=bool)
    for column, (lo, hi) in limits.items():
        inside &= (x[column].to_numpy() >= lo) & (x[column].to_numpy() <= hi)
    for column, values in (kept or {}).items():
        inside &= x[column].isin(values).to_numpy()
    return inside


class _Space:
    """The runs and their flags, and the boxes over them as (limits, kept) pairs in which every
    parameter has its entry: the peeling's working state."""

    def __init__(self, x: pd.DataFrame, y: np.ndarray, settings: PrimSettings):
        self.x, self.y, self.settings = x.reset_index(drop=True), y, settings
        self.ordered = [c for c in x.columns if is_ordered(x[c])]
        self.values = {c: x[c].to_numpy(dtype=float) for c in self.ordered}
        self.categories = {c: tuple(sorted(x[c].unique(), key=str)) for c in x.columns if c not in self.ordered}
        self.ranges = {c: (float(v.min()), float(v.max())) for c, v in self.values.items()}
        self.smallest = max(math.ceil(settings.min_mass * len(y)), settings.min_runs)

    def whole(self) -> tuple[dict, dict]:
        return dict(self.ranges), dict(self.categories)

    def inside(self, limits: dict, kept: dict, skip: str | None = None) -> np.ndarray:
        mask = np.ones(len(self.y), dtype=bool)
        for c, (lo, hi) in limits.items():
            if c != skip:
                mask &= (self.values[c] >= lo) & (self.values[c] <= hi)
        for c, values in kept.items():
            if c != skip and len(values) < len(self.categories[c]):
                mask &= self.x[c].isin(values).to_numpy()
        return mask

    def box(self, limits: dict, kept: dict) -> Box:
        mask = self.inside(limits, kept)
        return Box({c: (float(lo), float(hi)) for c, (lo, hi) in limits.items() if (lo, hi) != self.ranges[c]},
                   {c: tuple(v) for c, v in kept.items() if len(v) < len(self.categories[c])},
                   int(mask.sum()), int(self.y[mask].sum()), len(self.y), int(self.y.sum()),
                   {c: self.ranges[c] for c in limits if limits[c] != self.ranges[c]})  # fmt: skip

    def restricted(self, limits: dict, kept: dict) -> int:
        return sum(limits[c] != self.ranges[c] for c in limits) + sum(
            len(kept[c]) < len(self.categories[c]) for c in kept)  # fmt: skip

    def peels(self, limits: dict, kept: dict, mask: np.ndarray):
        """Each candidate smaller box: the whole values at one end of an ordered parameter that hold
        at least alpha of the box (never all of them), or one value of a categorical parameter."""
        need = max(1, math.ceil(self.settings.alpha * mask.sum()))
        for c in self.ordered:
            levels, counts = np.unique(self.values[c][mask], return_counts=True)
            if len(levels) < 2:
                continue
            low = min(int(np.searchsorted(np.cumsum(counts), need)), len(levels) - 2)
            high = min(int(np.searchsorted(np.cumsum(counts[::-1]), need)), len(levels) - 2)
            yield {**limits, c: (levels[low + 1], limits[c][1])}, kept
            yield {**limits, c: (limits[c][0], levels[-high - 2])}, kept
        for c, values in kept.items():
            present = [v for v in values if (self.x[c].to_numpy()[mask] == v).any()]
            if len(present) > 1:
                for v in present:
                    yield limits, {**kept, c: tuple(w for w in present if w != v)}

    def pastes(self, limits: dict, kept: dict, mask: np.ndarray):
        """Each candidate larger box: the nearest whole values beyond one limit of a restricted
        parameter that hold at least alpha of the box, or one categorical value added back."""
        need = max(1, math.ceil(self.settings.alpha * mask.sum()))
        for c in self.ordered:
            lo, hi = limits[c]
            if (lo, hi) == self.ranges[c]:
                continue
            beside = self.inside(limits, kept, skip=c)
            below = np.unique(self.values[c][beside & (self.values[c] < lo)], return_counts=True)
            above = np.unique(self.values[c][beside & (self.values[c] > hi)], return_counts=True)
            if len(below[0]):
                i = min(int(np.searchsorted(np.cumsum(below[1][::-1]), need)), len(below[0]) - 1)
                yield {**limits, c: (below[0][-i - 1], hi)}, kept
            if len(above[0]):
                i = min(int(np.searchsorted(np.cumsum(above[1]), need)), len(above[0]) - 1)
                yield {**limits, c: (lo, above[0][i])}, kept
        for c, values in kept.items():
            for v in self.categories[c]:
                if v not in values:
                    yield limits, {**kept, c: tuple(w for w in self.categories[c] if w in values or w == v)}


def _gain(y: np.ndarray, old: np.ndarray, new: np.ndarray) -> float:
    """The Workbench's `lenient1` objective: the change in density per run removed or added."""
    moved = abs(int(old.sum()) - int(new.sum()))
    return (y[new].mean() - y[old].mean()) / moved if moved else 0.0


def _peel(space: _Space, limits: dict, kept: dict) -> list[tuple[dict, dict]]:
    boxes: list[tuple[dict, dict]] = []
    mask = space.inside(limits, kept)
    while True:
        best = None
        for new_limits, new_kept in space.peels(limits, kept, mask):
            new = space.inside(new_limits, new_kept)
            if new.sum() < space.smallest or new.sum() == mask.sum():
                continue
            # ties go to the peel that restricts no new parameter, as in the Workbench
            score = (_gain(space.y, mask, new), -space.restricted(new_limits, new_kept))
            if best is None or score > best[0]:
                best = (score, new_limits, new_kept, new)
        if best is None or best[0][0] <= 0:
            return boxes
        _, limits, kept, mask = best
        boxes.append((limits, kept))


def _paste(space: _Space, limits: dict, kept: dict) -> list[tuple[dict, dict]]:
    boxes: list[tuple[dict, dict]] = []
    mask = space.inside(limits, kept)
    while True:
        best = None
        for new_limits, new_kept in space.pastes(limits, kept, mask):
            new = space.inside(new_limits, new_kept)
            score = _gain(space.y, mask, new)
            if new.sum() > mask.sum() and (best is None or score > best[0]):
                best = (score, new_limits, new_kept, new)
        if best is None or best[0] <= 0:
            return boxes
        _, limits, kept, mask = best
        boxes.append((limits, kept))


def prim(x: pd.DataFrame, y: np.ndarray, settings: PrimSettings = PrimSettings()) -> Discovery | None:
    """Peel toward the densest box, paste back what raises the density, and choose the densest box
    on the way that holds at least `min_coverage` of the cases; None when there are no cases.
    Numeric columns are ordered (integers peel one level at a time), the others categorical."""
    y = np.asarray(y, dtype=bool)
    if y.sum() == 0:
        return None
    space = _Space(x, y, settings)
    start = space.whole()
    peeled = _peel(space, *start)
    pasted = _paste(space, *(peeled[-1] if peeled else start))
    trajectory = [space.box(*b) for b in [start, *peeled, *pasted]]
    step = 0
    for i, box in enumerate(trajectory):
        if box.coverage >= settings.min_coverage and box.density > trajectory[step].density + 1e-12:
            step = i
    limits, kept = simplify(x, y, trajectory[step].limits, trajectory[step].kept)
    mask = within(x, limits, kept)
    chosen = Box(limits, kept, int(mask.sum()), int(y[mask].sum()), len(y), int(y.sum()),
                 {c: space.ranges[c] for c in limits})  # fmt: skip
    return Discovery(chosen, step, trajectory, len(peeled))


def quasi_p(x: pd.DataFrame, y: np.ndarray, limits: dict, kept: dict) -> dict[str, float]:
    """Per restriction, Bryant & Lempert's (2010) quasi-p-value: the one-sided binomial chance of
    a density as high as the box's if the box's runs were drawn from the box without that
    restriction. A restriction with a high value buys a density that chance alone could give."""
    inside = within(x, limits, kept)
    values = {}
    for c in [*limits, *kept]:
        wider = y[within(x, {k: v for k, v in limits.items() if k != c}, {k: v for k, v in kept.items() if k != c})]
        test = stats.binomtest(int(y[inside].sum()), int(inside.sum()), float(wider.mean()), alternative="greater")
        values[c] = float(test.pvalue)
    return values


def simplify(x: pd.DataFrame, y: np.ndarray, limits: dict, kept: dict, tolerance: float = 0.05,
             significance: float = 0.05) -> tuple[dict, dict]:  # fmt: skip
    """Drop, one at a time and cheapest first, the restrictions whose removal costs less than
    `tolerance` of the box's density or whose quasi-p-value is above `significance`: peeling
    trims many dimensions a little, and only a few of them matter."""
    limits, kept = dict(limits), dict(kept)
    while limits or kept:
        density = y[within(x, limits, kept)].mean()
        significant = quasi_p(x, y, limits, kept)
        losses = {}
        for c in [*limits, *kept]:
            rest = ({k: v for k, v in limits.items() if k != c}, {k: v for k, v in kept.items() if k != c})
            loss = density - y[within(x, *rest)].mean()
            if loss <= tolerance * density or significant[c] > significance:
                losses[c] = loss
        if not losses:
            break
        column = min(losses, key=lambda c: losses[c])
        limits.pop(column, None)
        kept.pop(column, None)
    return limits, kept


def trajectory_table(found: Discovery) -> pd.DataFrame:
    """One row per box of the trajectory: its statistics and its limits on every parameter that
    any box of the trajectory restricts (the whole range where this one does not)."""
    restricted = list(dict.fromkeys(c for b in found.trajectory for c in b.restricted))
    ranges = {c: r for b in found.trajectory for c, r in b.ranges.items()}
    rows = []
    for i, box in enumerate(found.trajectory):
        row = {"step": i, "phase": "start" if i == 0 else "peel" if i <= found.peels else "paste",
               "chosen": i == found.step, "runs": box.runs, "cases": box.cases, "coverage": box.coverage,
               "density": box.density, "mass": box.mass, "restricted": len(box.restricted),
               "rules": box.rules()}  # fmt: skip
        for c in restricted:
            if c in ranges:
                row[f"{c}.low"], row[f"{c}.high"] = box.limits.get(c, ranges[c])
            else:
                row[f"{c}.kept"] = ", ".join(map(str, box.kept.get(c, ("(all)",))))
        rows.append(row)
    return pd.DataFrame(rows)
