"""The utilities' shapes, and the reservations solved from them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import utility

P = np.linspace(0.0, 6.0, 601)


def patron(p, tau=0.8, aspiration=2.0, loss=0.5, troops=28500, hedging=0.0):
    return utility.patron_table_utility(p, troops, 28500, hedging, aspiration, tau, loss, 6.0, 1.2e-4)


def test_patron_utility_rises_in_payment_with_a_kink_at_its_aspiration():
    u = patron(P)
    slopes = np.diff(u) / np.diff(P)
    assert u.shape == P.shape and np.all(slopes > 0)
    assert slopes[P[:-1] < 1.9].mean() == pytest.approx(0.8 * 1.5)  # tau (1 + lambda) below A
    assert slopes[P[:-1] > 2.1].mean() == pytest.approx(0.8)  # tau above A


def test_a_conventional_patron_values_its_troops_more_than_their_cost():
    keep, leave = patron(1.0, tau=0.3), patron(1.0, tau=0.3, troops=0)
    assert keep > leave  # (1 - tau) v > c T0 in the baseline
    assert patron(1.0, tau=0.9) < patron(1.0, tau=0.9, troops=0)  # a transactional one does not


def test_host_utility_falls_in_payment_and_in_electoral_cost():
    shortfall = np.maximum(0, P - 1.35)
    args = dict(reliability=0.8, troop_ratio=1.0, hedging=0.1, inducement=0.2, alliance_value=8.0,
                troop_value=4.0, inducement_weight=1.0, hedging_cost=2.0)  # fmt: skip
    calm = utility.host_utility(P, pressure=0.5, shortfall=shortfall, **args)
    tense = utility.host_utility(P, pressure=2.5, shortfall=shortfall, **args)
    assert calm.shape == P.shape and np.all(np.diff(calm) < 0)
    assert np.all(tense <= calm) and np.all(tense[P > 1.35] < calm[P > 1.35])


def test_electoral_pressure_peaks_at_the_election():
    values = [utility.electoral_pressure(m, 0.5, 2.0, 6.0) for m in (0, 3, 12, 48)]
    assert values[0] == pytest.approx(2.5) and values == sorted(values, reverse=True)
    assert utility.electoral_pressure(None, 0.5, 2.0, 6.0) == 0.5


def test_hedging_target_is_the_maximizer_of_the_hedging_terms_clipped():
    args = dict(inducement_weight=1.0, reliability_weight=0.6, anti_us_weight=0.6, coercion_weight=1.0,
                support_weight=0.3, cost=2.0)  # fmt: skip
    h = utility.hedging_target(0.5, 0.7, 0.4, 0.0, 0.9, **args)
    assert h == pytest.approx((0.5 + 0.6 * 0.3 + 0.6 * 0.4 - 0.3 * 0.9) / 2.0)
    assert utility.hedging_target(0.0, 1.0, 0.0, 1.0, 1.0, **args) == 0.0
    assert utility.hedging_target(9.0, 0.0, 1.0, 0.0, 0.0, **args) == 1.0


@given(
    willingness=st.floats(0.0, 5.0),
    pressure=st.floats(0.0, 5.0),
    tolerances=st.lists(st.floats(0.05, 8.0), min_size=1, max_size=60),
)
@settings(max_examples=300, deadline=None)
def test_host_reservation_solves_its_equation_exactly(willingness, pressure, tolerances):
    t = np.sort(np.array(tolerances))
    r = utility.host_reservation(willingness, pressure, t)
    cost = r + pressure * np.mean(np.maximum(0, r - t))
    assert cost == pytest.approx(willingness, abs=1e-9)
    assert r <= willingness + 1e-12


def test_patron_reservation_is_where_a_deal_stops_beating_the_best_lapse():
    # keeping the troops is the better lapse: any payment above the lapse's beats it
    assert utility.patron_reservation(0.8, 0.5, 2.0, 0.0, keep_minus_drawdown=0.3) == utility.DEAL_MARGIN
    assert utility.patron_reservation(0.8, 0.5, 2.0, 0.5, keep_minus_drawdown=0.3) == 0.5 + utility.DEAL_MARGIN
    # drawing down is better by 0.6: the patron needs f(P) - f(0) >= 0.6, f(P) = tau P - lam tau (A - P)
    r = utility.patron_reservation(0.8, 0.5, 2.0, 0.0, keep_minus_drawdown=-0.6)
    assert 0.8 * r * 1.5 == pytest.approx(0.6)
    # above the aspiration the slope is tau alone
    r = utility.patron_reservation(0.5, 1.0, 1.0, 0.0, keep_minus_drawdown=-2.0)
    f = lambda p: 0.5 * p - 1.0 * 0.5 * max(0.0, 1.0 - p)  # noqa: E731
    assert f(r) - f(0.0) == pytest.approx(2.0)


def test_rival_utility_counts_hedging_and_withdrawn_troops_net_of_its_spending():
    assert utility.rival_utility([0.5, 0.0], [0.8, 1.0], [0.2, 0.0], [0.0, 0.1], 1.0, 1.0, 1.0) == pytest.approx(
        0.5 + 0.2 - 0.3
    )
