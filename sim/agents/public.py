"""A country's public: N citizens held as numpy arrays inside one Mesa agent.

Each citizen has an ideology group, alliance support and anti-US sentiment in [0, 1], and a
payment tolerance (the largest yearly payment it accepts, log-normal by group). Events shock
them by group; opinions decay toward each citizen's baseline and then move by
bounded-confidence encounters between random pairs (Deffuant et al. 2000).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mesa
import numpy as np

from sim import kernels
from sim.schema import Public as PublicConfig


@dataclass
class News:
    """What happened to this public's country last round (counts of events)."""

    walkouts: int = 0
    threats: int = 0
    drawdowns: int = 0
    lapsed: int = 0
    coercions: int = 0
    hedges: int = 0

    def clear(self) -> None:
        self.walkouts = self.threats = self.drawdowns = self.lapsed = self.coercions = self.hedges = 0

    def any(self) -> bool:
        return bool(self.walkouts or self.threats or self.drawdowns or self.lapsed or self.coercions or self.hedges)


_GROUP_FIELDS = ("share", "opinion_sd", "alliance_support", "anti_us", "tolerance_median_usd_bn", "tolerance_log_sd",
                 "sensitivity", "anxiety")  # fmt: skip


@dataclass(frozen=True)
class _Layout:
    """What a public's groups make of its citizens before any draw: each citizen's group and
    its group's parameters (read-only arrays, shared by every run of the same groups)."""

    names: tuple[str, ...]
    group: np.ndarray
    sizes: np.ndarray
    first: np.ndarray  # groups are contiguous: group g's citizens are sizes[g] from first[g]
    opinion_sd: np.ndarray
    alliance_support: np.ndarray
    anti_us: np.ndarray
    log_median: np.ndarray  # zeros for a public not asked about payments
    tolerance_log_sd: np.ndarray
    sensitivity: np.ndarray
    mean_sensitivity: float
    anxiety: np.ndarray
    asks_tolerance: bool


LAYOUTS_KEPT, LARGEST_KEPT = 8, 100_000  # at most 8 layouts of 9 arrays of up to 100,000 citizens (58 MB)


def layout_of(citizens: int, groups: tuple[tuple, ...]) -> _Layout:
    """A public's layout, kept for the runs that follow unless its public is very large."""
    build = _layout if citizens <= LARGEST_KEPT else _layout.__wrapped__
    return build(citizens, groups)


@lru_cache(maxsize=LAYOUTS_KEPT)  # a scenario's three publics and a sweep's variants of them
def _layout(citizens: int, groups: tuple[tuple, ...]) -> _Layout:
    """`groups`: per group its name and the values of _GROUP_FIELDS. (-0.0 and 0.0, equal as
    keys, give the same layout: every value below is read as `value or 0.0`, the shares floored.)"""
    names = tuple(g[0] for g in groups)
    per = [dict(zip(_GROUP_FIELDS, g[1:], strict=True)) for g in groups]
    shares = np.array([g["share"] for g in per])
    counts = np.floor(shares * citizens).astype(int)
    counts[np.argsort(-(shares * citizens - counts))[: citizens - counts.sum()]] += 1
    group = np.repeat(np.arange(len(names)), counts)

    def by_group(field: str) -> np.ndarray:
        return np.array([g[field] or 0.0 for g in per])[group]

    asks_tolerance = all(g["tolerance_median_usd_bn"] for g in per)
    sizes = np.bincount(group, minlength=len(names))
    sensitivity = by_group("sensitivity")
    layout = _Layout(
        names, group, sizes, np.concatenate(([0], np.cumsum(sizes)[:-1])), by_group("opinion_sd"),
        by_group("alliance_support"), by_group("anti_us"),
        np.log(by_group("tolerance_median_usd_bn")) if asks_tolerance else np.zeros(citizens),
        by_group("tolerance_log_sd"),
        sensitivity, float(sensitivity.mean()), by_group("anxiety"), asks_tolerance,
    )  # fmt: skip
    for value in vars(layout).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return layout


class Public(mesa.Agent):
    """The citizens of one country; publishes opposition, shortfall and mean opinions."""

    def __init__(self, model: mesa.Model, country: str, config: PublicConfig, citizens: int):
        super().__init__(model)
        self.country, self.config = country, config
        rng = model.rng
        groups = tuple((name, *(getattr(g, field) for field in _GROUP_FIELDS)) for name, g in config.groups.items())
        layout = layout_of(citizens, groups)
        self.group_names = list(layout.names)
        self.group, self.group_sizes, self.group_first = layout.group, layout.sizes, layout.first
        self.sensitivity, self.anxiety = layout.sensitivity, layout.anxiety
        self.mean_sensitivity = layout.mean_sensitivity
        self.asks_tolerance = layout.asks_tolerance
        sd = layout.opinion_sd
        self.support0 = np.clip(layout.alliance_support + sd * rng.standard_normal(citizens), 0, 1)
        # anti-US sentiment and log tolerance in one array (rows), so that decay and encounters
        # move both in one pass; the names are views of its rows
        self.opinions0 = np.zeros((2, citizens))
        np.clip(layout.anti_us + sd * rng.standard_normal(citizens), 0, 1, out=self.opinions0[0])
        if self.asks_tolerance:
            np.add(layout.log_median, layout.tolerance_log_sd * rng.standard_normal(citizens), out=self.opinions0[1])
        self.support = self.support0.copy()
        self.opinions = self.opinions0.copy()
        self.anti_us0, self.log_tolerance0 = self.opinions0
        self.anti_us, self.log_tolerance = self.opinions
        self.support_displaced = False  # support sits at baseline until an event moves it
        self._below = np.zeros(citizens + 1)
        self._below_fresh = False
        self.tolerance_sorted: np.ndarray | None = None
        self._refresh_means()
        self._refresh()

    # ------------------------------------------------------------ the opinion phase
    def absorb(self, news: News) -> None:
        """Shocks of last round's events, by group, then decay toward each baseline."""
        support_moved = self.shock(news)
        if self.asks_tolerance:  # the patron's public holds no views on payments
            self.opinions += self.config.decay * (self.opinions0 - self.opinions)
        # else the means stand as they were
        self._refresh_means(anti_us=self.asks_tolerance or news.any(), support=support_moved)

    def shock(self, news: News) -> bool:
        """The events' shocks by group, and the decay of support (opinions decay in `absorb`,
        or for every public of a crowd at once in `Crowd.absorb`); whether support moved."""
        if news.any():
            self._shock(news)
        if self.support_displaced:
            kernels.relax(self.support, self.support0, self.config.decay)
        return self.support_displaced

    def _shock(self, news: News) -> None:
        s = self.config.shocks
        us_pressure = (
            s.walkout_anti_us * news.walkouts
            + s.threat_anti_us * news.threats
            + s.drawdown_anti_us * news.drawdowns
            + s.lapse_blame * news.lapsed
        )
        tolerance_shift = s.walkout_log_tolerance * news.walkouts + s.threat_log_tolerance * news.threats
        if us_pressure or tolerance_shift or news.threats:
            kernels.shock(self.anti_us, self.log_tolerance, self.sensitivity, self.anxiety, float(us_pressure),
                          news.threats, float(tolerance_shift))  # fmt: skip
        support_shift = s.coercion_support * news.coercions - s.hedge_support * news.hedges
        if support_shift:
            kernels.shift(self.support, float(support_shift))
            self.support_displaced = True

    def discuss(self) -> None:
        """One round of Deffuant-Weisbuch encounters between random disjoint pairs.

        A public that is not asked about payments (the patron's) carries only its support
        for the troops, which moves by events; it has no encounters.
        """
        if not self.asks_tolerance:
            return
        a, b = self.model.pairs(len(self.group))
        mu = self.config.convergence
        for values, bound in ((self.anti_us, self.config.confidence_bound),
                              (self.log_tolerance, self.config.tolerance_confidence_bound)):  # fmt: skip
            encounter(values, a, b, mu, bound)
        self._refresh()

    def _refresh_means(self, anti_us: bool = True, support: bool = True) -> None:
        # encounters move both partners by the same amount: they never change a mean
        # (np.add.reduce: ndarray.mean's Python wrapper costs more than the sum itself)
        n = len(self.group)
        if anti_us:
            self.mean_anti_us = float(np.add.reduce(self.anti_us)) / n
        if support:
            self.mean_support = float(np.add.reduce(self.support)) / n

    def _refresh(self) -> None:
        """Recompute the published aggregates once per round."""
        if self.asks_tolerance:
            self.tolerance = np.exp(self.log_tolerance)
            self.tolerance_sorted = np.sort(self.tolerance)
            self._below_fresh = False
        else:
            self.tolerance_sorted = None

    @property
    def tolerance_below(self) -> np.ndarray | None:
        """below[i]: the sum of the i lowest tolerances (computed when first asked each round)."""
        if self.tolerance_sorted is None:
            return None
        if not self._below_fresh:
            self.tolerance_sorted.cumsum(out=self._below[1:])
            self._below_fresh = True
        return self._below

    # ------------------------------------------------------------ published aggregates
    def opposition(self, payment: float) -> float:
        """Share of citizens whose tolerance is below the payment."""
        if self.tolerance_sorted is None:
            return 0.0
        return kernels.count_below(self.tolerance_sorted, payment) / len(self.tolerance_sorted)

    def shortfall(self, payment: float) -> float:
        """Mean of max(0, P - tolerance) in US$bn: the non-saturating electoral cost."""
        if self.tolerance_sorted is None:
            return 0.0
        return kernels.shortfall(self.tolerance_sorted, self._below, self._below_fresh, payment)

    def ceiling(self, opposition: float) -> float:
        """The largest payment opposed by at most the given share."""
        if self.tolerance_sorted is None or opposition >= 1.0:
            return float("inf")
        i = int(opposition * len(self.tolerance_sorted))
        return float(self.tolerance_sorted[max(i, 0)])

    def group_opposition(self, payment: float) -> dict[str, float]:
        return dict(zip(self.group_names, self._group_shares(payment), strict=True))

    def _group_shares(self, payment: float) -> list[float]:
        """Each group's share of citizens whose tolerance is below the payment (0 for an empty group)."""
        if self.tolerance_sorted is None:
            return [0.0] * len(self.group_names)
        return kernels.group_shares(self.tolerance, self.group_first, self.group_sizes, payment).tolist()

    @property
    def median_tolerance(self) -> float:
        if self.tolerance_sorted is None:
            return float("nan")
        return float(self.tolerance_sorted[len(self.tolerance_sorted) // 2])

    def opposition_gap(self, payment: float) -> float:
        """Spread between the most and the least opposed group: small means rare unanimity."""
        shares = self._group_shares(payment)
        return max(shares) - min(shares)

    def figures(self, payment: float) -> tuple[float, float, float, float]:
        """(opposition, shortfall, opposition_gap, median_tolerance) at the payment, in one pass."""
        if self.tolerance_sorted is None:
            return 0.0, 0.0, 0.0, float("nan")
        return kernels.figures(self.tolerance_sorted, self._below, self._below_fresh, self.tolerance,
                               self.group_first, self.group_sizes, payment)  # fmt: skip


def encounter(values: np.ndarray, a: np.ndarray, b: np.ndarray, convergence, bound) -> None:
    """Deffuant-Weisbuch: each pair (a[i], b[i]) of `values` (1-d: gathers on 1-d arrays are the
    fast kind) moves together by `convergence` of its gap when the gap is under `bound`; both
    may be numbers or arrays of one per pair."""
    va, vb = values[a], values[b]
    gap = vb - va
    move = convergence * gap * (np.abs(gap) < bound)
    values[a] = va + move
    values[b] = vb - move


class Crowd:
    """The publics of one size that are asked about payments, whose decay, encounters and
    sorted tolerances are computed in one pass.

    Their opinions and their baselines become the rows of two arrays, every public's anti-US
    sentiment first, then every public's log tolerance (so that the exponentials read one block);
    the publics keep views of them. The round's pairs index every row at once, and each row keeps
    its own public's decay, convergence and confidence bound. Per citizen the arithmetic is that
    of `Public.absorb` and `Public.discuss`, so the result is the same to the last bit, in a
    quarter of the numpy calls.
    """

    def __init__(self, publics: list[Public]):
        self.publics = publics
        self.size = len(publics[0].group)
        k = len(publics)
        self.opinions = np.vstack([p.anti_us for p in publics] + [p.log_tolerance for p in publics])
        self.opinions0 = np.vstack([p.anti_us0 for p in publics] + [p.log_tolerance0 for p in publics])
        for i, public in enumerate(publics):
            public.opinions, public.opinions0 = self.opinions[i::k], self.opinions0[i::k]  # rows i and k + i
            public.anti_us, public.log_tolerance = public.opinions
            public.anti_us0, public.log_tolerance0 = public.opinions0
        # per row: its public's decay and convergence, and the bound of its opinion
        self.decay = np.tile([p.config.decay for p in publics], 2)
        self.convergence = np.tile([p.config.convergence for p in publics], 2)
        self.bound = np.array([p.config.confidence_bound for p in publics]
                              + [p.config.tolerance_confidence_bound for p in publics])  # fmt: skip
        # each round's tolerances and their sorted copy, rows of two arrays that the publics keep
        # views of (nothing holds a round's tolerances past it: they are rewritten in place)
        self.tolerance = np.vstack([p.tolerance for p in publics])
        self.ordered = np.vstack([p.tolerance_sorted for p in publics if p.tolerance_sorted is not None])
        assert len(self.ordered) == len(publics)  # every public of a crowd is asked about payments
        for public, row, sorted_row in zip(publics, self.tolerance, self.ordered, strict=True):
            public.tolerance, public.tolerance_sorted = row, sorted_row

    def absorb(self, news: dict[str, News]) -> None:
        """Each public's shocks (`news` by country), then every public's decay in one pass."""
        moved = [public.shock(news[public.country]) for public in self.publics]
        totals = np.empty(len(self.publics))  # each anti-US row's sum, as in Public.absorb
        kernels.decay(self.opinions, self.opinions0, self.decay, totals)
        for public, total, support_moved in zip(self.publics, totals.tolist(), moved, strict=True):
            public.mean_anti_us = total / self.size
            public._refresh_means(anti_us=False, support=support_moved)

    def discuss(self, a: np.ndarray, b: np.ndarray) -> None:
        """One round of encounters between the pairs (a[i], b[i]) in every public, then each
        public's aggregates."""
        kernels.meet(self.opinions, a, b, self.convergence, self.bound)
        np.exp(self.opinions[len(self.publics) :], out=self.tolerance)
        np.copyto(self.ordered, self.tolerance)
        self.ordered.sort(axis=1)
        for public in self.publics:
            public._below_fresh = False


def crowds(publics: list[Public]) -> list[Crowd]:
    """The publics asked about payments, one crowd per number of citizens."""
    by_size: dict[int, list[Public]] = {}
    for public in publics:
        if public.asks_tolerance:
            by_size.setdefault(len(public.group), []).append(public)
    return [Crowd(group) for group in by_size.values()]
