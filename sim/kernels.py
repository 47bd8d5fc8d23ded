"""Compiled loops (numba) over the citizens' arrays: a crowd's passes each round (decay,
encounters, shocks), a public's figures at a payment (opposition, shortfall, opposition by
group, median) and the win-set's bisection.

Each loop does per element the arithmetic of the numpy it replaces, in the same order (numba
fuses and reorders nothing without `fastmath`), and where numpy sums a slice the loop adds in
numpy's own pairwise order: a run's results are the same to the last bit. `tests/test_kernels.py`
checks every loop against its numpy, `tests/test_public.py` a crowd against each public's own
numpy passes. What the loops save is numpy's calls and temporaries (a round's decay and
encounters over four rows of 2,000 opinions take one pass each instead of a dozen) and, for the
figures, the Python between them. Compiled on first use and cached beside this file (numba's
`cache=True`). Note: numba checks no index; every caller passes arrays of the lengths given here.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from numba import njit

_uncached: list[str] = []  # the loops compiled without a cache, for want of a place to keep it


def _jit(function):
    """numba's njit with its cache on disk; without one where numba finds nowhere to keep it (a
    read-only install with no writable home or NUMBA_CACHE_DIR): compiled in each process then."""
    try:
        return njit(cache=True)(function)
    except RuntimeError as exc:  # numba: "cannot cache function ...: no locator available"
        if not _uncached:  # said once, for the first loop
            warnings.warn(f"{exc}: the compiled loops are compiled in each process (a few seconds); set "
                          f"NUMBA_CACHE_DIR to a folder you can write to keep them",
                          RuntimeWarning, stacklevel=2)  # fmt: skip
        _uncached.append(function.__name__)
        return njit(function)


@_jit
def decay(opinions: np.ndarray, baseline: np.ndarray, rate: np.ndarray, totals: np.ndarray) -> None:
    """opinions[r] += rate[r] * (baseline[r] - opinions[r]), row by row, in place; then
    totals[i] = the sum of row i (a crowd's first rows: its anti-US ones), as `np.add.reduce` adds it."""
    rows, n = opinions.shape
    for r in range(rows):
        k = rate[r]
        for i in range(n):
            x = opinions[r, i]
            opinions[r, i] = x + k * (baseline[r, i] - x)
    for i in range(totals.shape[0]):
        totals[i] = sum_first(opinions[i], n)


@_jit
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


@_jit
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


@_jit
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


@_jit
def relax(values: np.ndarray, baseline: np.ndarray, rate: float) -> None:
    """values += rate * (baseline - values), in place (one row of `decay`)."""
    for i in range(values.shape[0]):
        x = values[i]
        values[i] = x + rate * (baseline[i] - x)


@_jit
def count_below(ordered: np.ndarray, payment: float) -> int:
    """`ordered.searchsorted(payment)`: how many of the sorted values lie below the payment
    (numpy's order: a NaN payment lies above every number)."""
    lo, hi = 0, ordered.shape[0]
    nan = payment != payment
    while lo < hi:
        mid = (lo + hi) // 2
        if ordered[mid] < payment or (nan and ordered[mid] == ordered[mid]):
            lo = mid + 1
        else:
            hi = mid
    return lo


@_jit
def _block(values: np.ndarray, start: int, n: int) -> float:
    # numpy's pairwise summation of float64 (loops_utils.h.src) on at most 128 values
    if n < 8:
        total = -0.0
        for i in range(start, start + n):
            total += values[i]
        return total
    r0, r1, r2, r3 = values[start], values[start + 1], values[start + 2], values[start + 3]
    r4, r5, r6, r7 = values[start + 4], values[start + 5], values[start + 6], values[start + 7]
    i, whole = 8, n - n % 8
    while i < whole:
        j = start + i
        r0 += values[j]
        r1 += values[j + 1]
        r2 += values[j + 2]
        r3 += values[j + 3]
        r4 += values[j + 4]
        r5 += values[j + 5]
        r6 += values[j + 6]
        r7 += values[j + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += values[start + i]
        i += 1
    return total


@_jit
def _pairwise(values: np.ndarray, start: int, n: int) -> float:
    """numpy's pairwise sum: above 128 values, the sum of the two halves (the first half's
    length a multiple of 8). Written with an explicit stack: numba cannot cache recursion."""
    if n <= 128:
        return _block(values, start, n)
    starts, sizes = np.empty(64, np.int64), np.empty(64, np.int64)
    stage, left = np.zeros(64, np.int64), np.empty(64)
    starts[0], sizes[0], depth = start, n, 1
    while True:
        top = depth - 1
        m = sizes[top]
        if m > 128:  # descend into its next half (a frame is popped once both are summed)
            half = m // 2
            half -= half % 8
            first = stage[top] == 0
            stage[top] += 1
            starts[depth] = starts[top] if first else starts[top] + half
            sizes[depth] = half if first else m - half
            stage[depth] = 0
            depth += 1
            continue
        value = _block(values, starts[top], m)
        depth -= 1
        while depth > 0:  # hand the value to the frame that asked for it
            parent = depth - 1
            if stage[parent] == 1:  # its first half: keep it, go on to the second
                left[parent] = value
                break
            value = left[parent] + value  # its second half: the parent's sum is done
            depth -= 1
        if depth == 0:
            return value


@_jit
def sum_first(values: np.ndarray, k: int) -> float:
    """`np.add.reduce(values[:k])` of a float64 array, to the last bit (numpy's pairwise order)."""
    return 0.0 + _pairwise(values, 0, k)


@_jit
def shortfall(ordered: np.ndarray, below: np.ndarray, fresh: bool, payment: float) -> float:
    """`Public.shortfall`: mean of max(0, payment - tolerance) over the sorted tolerances, the sum
    of those below taken from `below` (cumulative sums) when fresh, else summed as numpy would."""
    k = count_below(ordered, payment)
    under = below[k] if fresh else sum_first(ordered, k)
    return (k * payment - under) / ordered.shape[0]


@_jit
def shock(anti_us: np.ndarray, log_tolerance: np.ndarray, sensitivity: np.ndarray, anxiety: np.ndarray,
          us_pressure: float, threats: int, tolerance_shift: float) -> None:  # fmt: skip
    """`Public._shock` on the opinions: anti-US sentiment rises by us_pressure * sensitivity
    (kept in [0, 1]); when a threat or a tolerance shift came, log tolerance moves by
    anxiety * threats - tolerance_shift * sensitivity."""
    n = anti_us.shape[0]
    if us_pressure != 0.0:
        for i in range(n):
            anti_us[i] = min(max(anti_us[i] + us_pressure * sensitivity[i], 0.0), 1.0)
    if tolerance_shift != 0.0 or threats != 0:
        for i in range(n):
            log_tolerance[i] = log_tolerance[i] + (anxiety[i] * threats - tolerance_shift * sensitivity[i])


@_jit
def figures(ordered: np.ndarray, below: np.ndarray, fresh: bool, tolerance: np.ndarray, starts: np.ndarray,
            sizes: np.ndarray, payment: float) -> tuple[float, float, float, float]:  # fmt: skip
    """A public's recorded figures at a payment in one call: the opposition, the shortfall, the
    gap between the most and the least opposed group and the median tolerance."""
    n = ordered.shape[0]
    shares = group_shares(tolerance, starts, sizes, payment)
    return (count_below(ordered, payment) / n, shortfall(ordered, below, fresh, payment),
            shares.max() - shares.min(), ordered[n // 2])  # fmt: skip


@_jit
def shift(values: np.ndarray, amount: float) -> None:
    """values = clip(values + amount, 0, 1), in place."""
    for i in range(values.shape[0]):
        values[i] = min(max(values[i] + amount, 0.0), 1.0)


KERNELS = tuple(name for name, value in globals().items() if hasattr(value, "py_func"))  # every loop above


def _exercise() -> None:
    """Call every loop once on small arrays of the types a run passes (the layouts' read-only
    ones among them), so that each is compiled, or loaded from the cache, here and not mid-run."""
    n = 16
    opinions, baseline = np.linspace(0.0, 1.0, 2 * n).reshape(2, n), np.full((2, n), 0.5)
    pairs = np.arange(n, dtype=np.int64)
    decay(opinions, baseline, np.full(2, 0.1), np.empty(1))
    meet(opinions, pairs[: n // 2], pairs[n // 2 :], np.full(2, 0.3), np.full(2, 0.2))
    ordered = np.sort(opinions[1] + 0.5)
    below = np.concatenate(([0.0], np.cumsum(ordered)))
    starts, sizes, weights = np.array([0, 8]), np.array([8, 8]), np.ones(n)
    for frozen in (starts, sizes, weights):
        frozen.flags.writeable = False
    figures(ordered, below, True, opinions[1], starts, sizes, 1.0)
    group_shares(opinions[1], starts, sizes, 1.0)
    win_set_end(1.0, 0.5, ordered, below, 1.0)
    shortfall(ordered, below, False, 1.0)
    relax(opinions[0], baseline[0], 0.1)
    shock(opinions[0], opinions[1], weights, weights, 0.1, 1, 0.1)
    shift(opinions[0], 0.1)


def _recompile(cached: bool) -> None:
    for name in KERNELS:
        function = globals()[name].py_func
        globals()[name] = _jit(function) if cached else njit(function)


try:
    _exercise()
except Exception as exc:  # a cache file numba cannot read (damaged, cut short) or write (a full disk)
    _where = Path(getattr(getattr(decay, "_cache", None), "_cache_path", Path(__file__).parent / "__pycache__"))
    _why = f"{type(exc).__name__}: {exc}"
    try:  # these files are this module's own: remove them and compile again into a fresh cache
        for _file in _where.glob(f"{Path(__file__).stem}.*.nb[ic]"):
            _file.unlink()
        _recompile(cached=True)
        _exercise()
        warnings.warn(f"numba's cache of the compiled loops in {_where} could not be used ({_why}); it is "
                      f"rebuilt.", RuntimeWarning, stacklevel=1)  # fmt: skip
    except Exception:
        _recompile(cached=False)
        _exercise()
        warnings.warn(f"numba's cache of the compiled loops in {_where} could not be used ({_why}); they are "
                      f"compiled in this process without it. Delete its files {Path(__file__).stem}.*.nbi and "
                      f".nbc, or set NUMBA_CACHE_DIR to a folder you can write.",
                      RuntimeWarning, stacklevel=1)  # fmt: skip
