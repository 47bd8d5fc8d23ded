"""Decisions as choices among options (MODEL.md, "Decisions").

Every option is valued in one unit: US$bn of present value over the window of the agreement
sought (from now to the old agreement's expiry plus the new one's term), with a monthly
discount factor. One-off amounts (an audience cost, the domestic cost of a drawdown) are
present values already; a yearly flow becomes one by `present_value`, and a one-off becomes a
flow by `as_flow` (its annuity over the term). A choice among valued options is a logit
(quantal response, McKelvey & Palfrey 1995) with precision beta per US$bn; a very large beta is
best response.

>>> round(present_value(1.0, 0, 12, 1.0), 6)
1.0
>>> choose({"a": 1.0, "b": 0.0}, 1e6, None)
'a'
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

BEST_RESPONSE = 1e6  # a precision at or above this is best response (no draw)


def months_weight(discount: float, start: float, end: float) -> float:
    """sum of discount**k for the months k in [start, end): the weight of a flow over them."""
    start, end = max(start, 0.0), max(end, 0.0)
    if end <= start:
        return 0.0
    if discount >= 1.0:
        return end - start
    return (discount**start - discount**end) / (1.0 - discount)


def present_value(flow_per_year: float, start: float, end: float, discount: float) -> float:
    """A yearly flow received from month `start` to month `end`, as US$bn of present value."""
    return flow_per_year * months_weight(discount, start, end) / 12.0


def as_flow(one_off: float, term_years: float, discount: float) -> float:
    """The yearly flow over the term whose present value is the one-off amount."""
    weight = _annuity(term_years, discount)
    return one_off / weight if weight > 0 else 0.0


@lru_cache(maxsize=1024)
def _annuity(term_years: float, discount: float) -> float:
    return months_weight(discount, 0.0, 12.0 * term_years) / 12.0


def choose(values: dict[str, float], precision: float, rng: np.random.Generator | None) -> str:
    """Logit choice: P(option) proportional to exp(precision * value). Best response (ties to
    the first option listed) at or above BEST_RESPONSE, or without a generator."""
    names = list(values)
    if len(names) == 1:
        return names[0]
    best = max(values.values())
    if rng is None or precision >= BEST_RESPONSE:
        return next(n for n in names if values[n] == best)
    weights = [math.exp(max(precision * (values[n] - best), -700.0)) for n in names]
    u = rng.random() * sum(weights)
    for name, w in zip(names, weights, strict=True):
        u -= w
        if u <= 0.0:
            return name
    return names[-1]


def posterior(prior: float, likelihood_ratio: float) -> float:
    """Bayes' rule on odds: the belief after an event `likelihood_ratio` times as likely under
    the hypothesis as under its negation."""
    if prior <= 0.0 or prior >= 1.0:
        return prior
    odds = prior / (1.0 - prior) * likelihood_ratio
    return odds / (1.0 + odds)


def normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
