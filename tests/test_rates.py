"""Outcome rates and their intervals (sim/analysis/rates.py): Wilson's interval as scipy gives it,
per design point and over all runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import rates


@pytest.mark.parametrize(
    "cases, runs, low, high",
    [(0, 4, 0.0, 0.4899), (4, 4, 0.5101, 1.0), (5, 10, 0.2366, 0.7634), (1, 20, 0.0089, 0.2361)],
)
def test_wilson_interval_matches_the_formula(cases, runs, low, high):
    # z = 1.96: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), Wilson (1927)
    assert rates.wilson_interval(cases, runs) == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_of_no_runs_is_undefined():
    assert all(np.isnan(rates.wilson_interval(0, 0)))


def runs_table() -> pd.DataFrame:
    """Two design points of four runs each: deals in 4 and in 1 of them."""
    return pd.DataFrame({"point": [0] * 4 + [1] * 4, "x": [1.0] * 4 + [2.0] * 4,
                         "korea.deal": [True] * 4 + [True, False, False, False],
                         "korea.walkouts": [0, 1, 2, 0, 0, 0, 0, 0],
                         "korea.payment_usd_bn": [1.0, 1.2, 1.4, 1.6, 2.0, 0.0, 0.0, 0.0]})  # fmt: skip


def test_every_rate_per_point_has_its_wilson_interval():
    points = rates.per_point(runs_table(), ["x"])
    assert points["korea.deal_rate"].tolist() == [1.0, 0.25]
    assert points["korea.walkout_rate"].tolist() == [0.5, 0.0]
    assert points.loc[1, ["korea.deal_rate_low95", "korea.deal_rate_high95"]].tolist() == pytest.approx(
        rates.wilson_interval(1, 4))  # fmt: skip
    assert points.loc[0, "korea.payment_mean"] == pytest.approx(1.3)
    assert np.isnan(points.loc[1, "korea.payment_low95"])  # one deal: no interval of a mean


def test_overall_rates_pool_the_runs_and_show_the_spread_of_the_points():
    runs = runs_table()
    table = rates.overall(runs, rates.per_point(runs, ["x"])).set_index("outcome")
    deal = table.loc["deal"]
    assert (deal["cases"], deal["runs"], deal["rate"]) == (5, 8, 5 / 8)
    assert (deal["rate_low95"], deal["rate_high95"]) == pytest.approx(rates.wilson_interval(5, 8))
    assert (deal["point_lowest"], deal["point_median"], deal["point_highest"]) == (0.25, 0.625, 1.0)
