"""The compiled loops give, bit for bit, what the numpy expressions they replace give."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import scenario

from sim import kernels
from sim.model import AllianceModel


def same_bits(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.array_equal(a.view(np.int64), b.view(np.int64))


@pytest.fixture
def rng():
    return np.random.default_rng(20191119)


def test_decay_and_relax_are_numpys_decay(rng):
    opinions, baseline = rng.random((4, 2001)), rng.random((4, 2001))
    rate = np.array([0.1, 0.1, 0.07, 0.07])
    expected = opinions + rate[:, None] * (baseline - opinions)
    totals = np.empty(2)
    kernels.decay(opinions, baseline, rate, totals)
    assert same_bits(opinions, expected)
    assert same_bits(totals, np.add.reduce(expected[:2], axis=1))
    row = rng.random(999)
    expected = row + 0.13 * (baseline[0, :999] - row)
    kernels.relax(row, baseline[0, :999], 0.13)
    assert same_bits(row, expected)


def test_encounters_are_numpys_over_many_rounds(rng):
    n = 2000
    opinions = rng.standard_normal((4, n))
    reference, initial = opinions.copy(), opinions.copy()
    convergence, bound = np.array([0.3, 0.3, 0.2, 0.2]), np.array([0.2, 0.6, 0.25, 0.8])
    for _ in range(50):
        order = rng.permutation(n)
        a, b = order[: n // 2], order[n // 2 :]
        kernels.meet(opinions, a, b, convergence, bound)
        for r in range(4):
            va, vb = reference[r, a], reference[r, b]
            gap = vb - va
            move = convergence[r] * gap * (np.abs(gap) < bound[r])
            reference[r, a], reference[r, b] = va + move, vb - move
    assert same_bits(opinions, reference)
    assert not np.allclose(opinions, initial)  # they did move


def test_sums_are_numpys_pairwise_sums(rng):
    """The sum of the k lowest tolerances, as `np.add.reduce` adds them (numpy's pairwise
    order), for every length across the block sizes and signed, unsorted values too."""
    for n in [*range(0, 300), 1000, 1999, 2000, 2001, 4096, 8191, 20000]:
        values = np.sort(np.exp(rng.standard_normal(n))) if n % 2 else rng.standard_normal(n)
        for k in {0, n // 3, n}:
            assert same_bits(kernels.sum_first(values, k), np.add.reduce(values[:k])), (n, k)
    assert np.signbit(kernels.sum_first(np.array([-0.0]), 1)) == np.signbit(np.add.reduce(np.array([-0.0])))


def test_counts_below_are_searchsorted(rng):
    ordered = np.sort(np.exp(rng.standard_normal(2000)))
    ordered[100:110] = ordered[100]  # ties
    for payment in [*rng.uniform(0, 6, 200), 0.0, ordered[100], ordered[-1], np.inf, -np.inf, np.nan]:
        assert kernels.count_below(ordered, payment) == ordered.searchsorted(payment)


def test_shortfall_and_group_shares_are_numpys(rng):
    ordered = np.sort(np.exp(rng.standard_normal(2000)))
    below = np.concatenate(([0.0], np.cumsum(ordered)))
    tolerance = rng.permutation(ordered)
    starts, sizes = np.array([0, 700, 700, 1500]), np.array([700, 0, 800, 500])
    for payment in rng.uniform(0, 5, 50):
        k = int(ordered.searchsorted(payment))
        assert same_bits(kernels.shortfall(ordered, below, True, payment), (k * payment - below[k]) / 2000)
        assert same_bits(kernels.shortfall(ordered, below, False, payment),
                         (k * payment - np.add.reduce(ordered[:k])) / 2000)  # fmt: skip
        shares = kernels.group_shares(tolerance, starts, sizes, payment)
        expected = [np.count_nonzero(tolerance[s : s + z] < payment) / z if z else 0.0
                    for s, z in zip(starts, sizes, strict=True)]  # fmt: skip
        assert shares.tolist() == expected


def test_the_win_set_end_is_the_bisection_on_sorted_tolerances(rng):
    ordered = np.sort(np.exp(rng.standard_normal(2000)))
    below = np.concatenate(([0.0], np.cumsum(ordered)))
    n = len(ordered)
    draws = zip(rng.uniform(0, 6, 100), rng.uniform(0.01, 3, 100), rng.uniform(0.5, 1, 100), strict=True)
    for willingness, pressure, scale in draws:
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            cost = scale * (ordered[mid] + pressure * (mid * ordered[mid] - below[mid]) / n)
            lo, hi = (mid + 1, hi) if cost <= willingness else (lo, mid)
        expected = (willingness + pressure * scale * below[lo] / n) / (1.0 + pressure * lo / n)
        assert same_bits(kernels.win_set_end(willingness, pressure, ordered, below, scale), expected)


def test_shocks_are_numpys(rng):
    anti_us, log_tolerance = rng.random(2000), rng.standard_normal(2000)
    sensitivity, anxiety = rng.uniform(0.5, 1.5, 2000), rng.uniform(0, 0.1, 2000)
    for us_pressure, threats, shift in [(0.05, 1, -0.02), (0.3, 0, 0.0), (-0.4, 2, 0.1), (0.0, 0, 0.03), (2.0, 3, 0.0)]:
        expected_anti = np.clip(anti_us + us_pressure * sensitivity, 0, 1) if us_pressure else anti_us.copy()
        moved = log_tolerance + (anxiety * threats - shift * sensitivity)
        expected_log = moved if shift or threats else log_tolerance.copy()
        kernels.shock(anti_us, log_tolerance, sensitivity, anxiety, us_pressure, threats, shift)
        assert same_bits(anti_us, expected_anti) and same_bits(log_tolerance, expected_log)
    assert anti_us.max() == 1.0  # the clip did its work


def test_a_publics_figures_in_one_call_are_its_own_methods():
    model = AllianceModel(scenario("baseline_2019"), rng=3)
    for _ in range(4):
        model.step()
    public = model.hosts["south_korea"].public
    for payment in (0.5, 0.92, 1.3, 2.0, 5.0, float("nan")):
        own = (public.opposition(payment), public.shortfall(payment), public.opposition_gap(payment),
               public.median_tolerance)  # fmt: skip
        assert all(same_bits(a, b) for a, b in zip(public.figures(payment), own, strict=True)), payment


def test_a_shift_of_support_is_numpys_clip(rng):
    support = rng.random(2000)
    for amount in (0.05, -0.3, 0.6, -1.5):
        expected = np.clip(support + amount, 0, 1)
        kernels.shift(support, amount)
        assert same_bits(support, expected)


@pytest.mark.slow
def test_a_damaged_cache_is_rebuilt_and_a_missing_place_for_one_is_survived(tmp_path):
    """numba's cache files cut short or overwritten: the next process warns, rebuilds them and
    runs; the one after runs without a word. With nowhere to keep a cache it compiles and runs."""
    import os
    import subprocess
    import sys

    code = "import sim.kernels as k; print(k.sum_first(__import__('numpy').arange(200.0), 150))"

    def run(env):
        return subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True,
                              env={**os.environ, **env}, timeout=300)  # fmt: skip

    cache = tmp_path / "cache"
    first = run({"NUMBA_CACHE_DIR": str(cache)})
    assert first.returncode == 0 and first.stdout.strip() == "11175.0", first.stderr
    files = sorted(cache.rglob("kernels.*.nb[ic]"))
    assert files
    for damaged in files[::2]:
        damaged.write_bytes(b"not a cache")
    second, third = run({"NUMBA_CACHE_DIR": str(cache)}), run({"NUMBA_CACHE_DIR": str(cache)})
    assert second.returncode == 0 and second.stdout.strip() == "11175.0", second.stderr
    assert "could not be used" in second.stderr and "rebuilt" in second.stderr
    assert third.returncode == 0 and "could not be used" not in third.stderr, third.stderr
