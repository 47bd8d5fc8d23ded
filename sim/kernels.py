"""Compiled loops (numba) over the citizens' arrays: the crowd's passes a round, the win-set.

Each loop does per element the arithmetic of the numpy expression it replaces (`Public.absorb`'s
decay, `encounter`), in the same order and without fused or reordered operations, so a run's
results are the same to the last bit (`tests/test_public.py` checks a crowd against each
public's own numpy passes). What the loops save is numpy's temporaries and calls: a round's
decay and encounters over four rows of 2,000 opinions take one pass each instead of a dozen.
Compiled on first use and cached beside this file (numba's `cache=True`).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def decay(opinions: np.ndarray, baseline: np.ndarray, rate: np.ndarray) -> None:
    """opinions[r] += rate[r] * (baseline[r] - opinions[r]), row by row, in place."""
    rows, n = opinions.shape
    for r in range(rows):
        k = rate[r]
        for i in range(n):
            x = opinions[r, i]
            opinions[r, i] = x + k * (baseline[r, i] - x)


@njit(cache=True)
def meet(opinions: np.ndarray, a: np.ndarray, b: np.ndarray, convergence: np.ndarray, bound: np.ndarray) -> None:
    """Deffuant-Weisbuch encounters in every row: the pair (a[i], b[i]) of row r moves together by
    convergence[r] of its gap when the gap is under bound[r] (`encounter` on each row)."""
    rows = opinions.shape[0]
    for r in range(rows):
        c, limit = convergence[r], bound[r]
        for i in range(a.shape[0]):
            j, k = a[i], b[i]
            va, vb = opinions[r, j], opinions[r, k]
            gap = vb - va
            move = c * gap * (1.0 if abs(gap) < limit else 0.0)
            opinions[r, j] = va + move
            opinions[r, k] = vb - move


@njit(cache=True)
def group_shares(tolerance: np.ndarray, starts: np.ndarray, sizes: np.ndarray, payment: float) -> np.ndarray:
    """Each group's share of citizens whose tolerance is below the payment; the groups are
    contiguous runs of `sizes[g]` citizens from `starts[g]` (an empty group's share is 0)."""
    shares = np.zeros(sizes.shape[0])
    for g in range(sizes.shape[0]):
        if sizes[g] == 0:
            continue
        below = 0
        for i in range(starts[g], starts[g] + sizes[g]):
            if tolerance[i] < payment:
                below += 1
        shares[g] = below / sizes[g]
    return shares


@njit(cache=True)
def win_set_end(willingness: float, pressure: float, tolerances: np.ndarray, below: np.ndarray, scale: float) -> float:
    """`utility.host_reservation` on sorted tolerances (`below[i]`: the sum of the i lowest): the
    bisection for how many breakpoints cost no more than W, then the exact solution between two."""
    n = tolerances.shape[0]
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if scale * (tolerances[mid] + pressure * (mid * tolerances[mid] - below[mid]) / n) <= willingness:
            lo = mid + 1
        else:
            hi = mid
    return (willingness + pressure * scale * below[lo] / n) / (1.0 + pressure * lo / n)


@njit(cache=True)
def relax(values: np.ndarray, baseline: np.ndarray, rate: float) -> None:
    """values += rate * (baseline - values), in place (one row of `decay`)."""
    for i in range(values.shape[0]):
        x = values[i]
        values[i] = x + rate * (baseline[i] - x)
