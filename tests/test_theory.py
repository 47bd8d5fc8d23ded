"""The analytic reductions: the simulation, with everything but two bargainers switched off,
agrees with the closed forms of sim/theory.py (and those with independent computations)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import scenario

from sim import theory
from sim.outcomes import simulate
from sim.strategies import STRATEGIES, Strategy


def analytic(patron: str, host: str, **changes):
    return scenario("analytic", **{"patron.strategy": patron, "hosts.south_korea.strategy": host, **changes})


def zone(result):
    first = result.rounds.iloc[0]
    return first["south_korea.reservation_patron_usd_bn"], first["south_korea.reservation_host_usd_bn"]


def test_rubinstein_share_is_the_textbook_formula():
    assert theory.rubinstein_share(0.9, 0.8) == pytest.approx(0.2 / 0.28)
    assert theory.rubinstein_share(0.999999, 0.999999) == pytest.approx(0.5, abs=1e-5)
    assert theory.rubinstein_share(0.5, 0.0) == 1.0  # an impatient responder gets nothing
    assert theory.rubinstein_price(2.0, 1.0, 0.9, 0.9) is None  # empty zone


@pytest.mark.parametrize("d_p, d_h", [(0.98, 0.98), (0.9, 0.7), (0.7, 0.95), (0.5, 0.5)])
def test_two_rubinstein_players_agree_in_round_one_at_the_closed_form(d_p, d_h):
    config = analytic("rubinstein", "rubinstein", **{"patron.discount": d_p, "hosts.south_korea.discount": d_h})
    result = simulate(config, seed=0)
    table = result.summary["tables"]["south_korea"]
    r_p, r_h = zone(result)
    assert r_h > r_p
    assert table["deal"] and table["deal_round"] == 1
    expected = r_p + (1 - d_h) / (1 - d_p * d_h) * (r_h - r_p)
    assert table["payment_usd_bn"] == pytest.approx(expected, abs=1e-6 * (r_h - r_p) + 1e-6)


def test_rubinstein_players_hold_when_the_zone_is_empty():
    # A patron that draws down in any lapse and wants more than the host can give.
    config = analytic("rubinstein", "rubinstein", **{"hosts.south_korea.alliance_value_usd_bn": 0.5,
                                                      "patron.audience_cost_usd_bn": 0.0,
                                                      "patron.drawdown_domestic_cost_usd_bn": 0.0,
                                                      "hosts.south_korea.troop_floor": 0,
                                                      "patron.transactionalism": 1.0})  # fmt: skip
    result = simulate(config, seed=0)
    r_p, r_h = zone(result)
    assert r_p > r_h
    assert not result.summary["tables"]["south_korea"]["deal"]


@pytest.mark.parametrize("opening_pct, demand", [(5.0, 5.0), (0.0, 3.0), (20.0, 8.0)])
def test_two_linear_players_agree_in_the_predicted_round(opening_pct, demand):
    config = analytic("linear", "linear", **{"hosts.south_korea.opening_increase_pct": opening_pct,
                                              "hosts.south_korea.demand_usd_bn": demand})  # fmt: skip
    result = simulate(config, seed=0)
    r_p, r_h = zone(result)
    host = config.hosts["south_korea"]
    # both sides' deadline is the expiry (the lapse begins in round 22, June 2021), never the horizon
    patron_deadline = host_deadline = 21
    predicted = theory.linear_deal(
        demand, r_p, patron_deadline, host.payment_usd_bn * (1 + opening_pct / 100), r_h, host_deadline
    )
    table = result.summary["tables"]["south_korea"]
    assert predicted is not None and table["deal"]
    assert table["deal_round"] == predicted[0]
    assert table["payment_usd_bn"] == pytest.approx(predicted[1], abs=1e-6)


def test_linear_deal_is_the_discrete_protocol_not_the_continuous_crossing():
    # Continuous crossing of 10 - t and 0 + t is t = 5; the protocol accepts when the
    # demand is at or below this round's counter, or the counter meets the next demand.
    assert theory.linear_deal(10.0, 0.0, 10, 0.0, 10.0, 10) == (6, 5.0)
    # 10 - t and 3.2 + 0.5 t cross at t = 4.53; the patron takes 5.2 in round 5 (t = 4)
    # because it is above its own next demand, 5.0
    assert theory.linear_deal(10.0, 0.0, 10, 3.2, 8.2, 10) == (5, pytest.approx(5.2))


def test_two_nash_players_agree_at_the_product_maximizing_payment():
    # the patron's aspiration inside the zone puts a kink of loss aversion in its gains
    config = analytic("nash", "nash", **{"patron.loss_aversion": 3.0, "hosts.south_korea.aspiration_usd_bn": 0.4})
    result = simulate(config, seed=0)
    r_p, r_h = zone(result)
    table = result.summary["tables"]["south_korea"]
    assert table["deal"] and table["deal_round"] == 1
    # the product of gains over the lapse, by brute force on the utilities themselves
    patron, host = config.patron, config.hosts["south_korea"]
    p = np.linspace(r_p, r_h, 200_001)
    tau, lam, aspiration = patron.transactionalism, patron.loss_aversion, host.aspiration_usd_bn
    gain_patron = (
        tau * p - lam * tau * np.maximum(0, aspiration - p) - (tau * r_p - lam * tau * max(0, aspiration - r_p))
    )
    gain_host = r_h - p
    best = p[np.argmax(gain_patron * gain_host)]
    assert abs(table["payment_usd_bn"] - best) <= 0.01 * (r_h - r_p)
    assert r_p < 0.4 < r_h
    # so the solution is not the midpoint
    assert abs(best - (r_p + r_h) / 2) > 0.02 * (r_h - r_p)


def test_nash_price_linear_is_the_midpoint():
    got = theory.nash_price(lambda p: 2.0 * (p - 1.0), lambda p: 0.5 * (3.0 - p), 1.0, 3.0)
    assert got == pytest.approx(theory.nash_price_linear(1.0, 3.0), abs=1e-4)
    assert theory.nash_price(lambda p: p - 3.0, lambda p: 1.0 - p, 3.0, 1.0) is None


# ---------------------------------------------------------------- Rubinstein as an equilibrium
# A counter costs its maker a period (two offers a round: a deal on the host's counter in round k
# is in period 2k - 1, one later than the patron's demand of that round). Each side's gain is
# its share of the zone discounted by its own factor per period; no deal gains nothing.


class Grabby(Strategy):
    """Rejects every demand and counters at the least the patron accepts at once."""

    name = "test_grabby"

    def target(self, s):
        r_p, r_h = s.information.opponent_reservation, s.reservation
        d_p, d_h = s.information.opponent_discount, s.information.own_discount
        return r_p + d_p * theory.rubinstein_share(d_p, d_h) * (r_h - r_p)

    def offer(self, s):
        return self.target(s)

    def accepts(self, offer, s):
        return False


class Lowball(Grabby):
    """Counters at the patron's reservation once, then accepts whatever comes."""

    name = "test_lowball"

    def offer(self, s):
        return s.information.opponent_reservation

    def accepts(self, offer, s):
        return bool(s.own_offers) and offer <= s.reservation


class Greedy(Strategy):
    """A patron that asks for the whole zone and takes the first counter."""

    name = "test_greedy"

    def offer(self, s):
        return s.information.opponent_reservation

    def accepts(self, offer, s):
        return offer >= s.reservation


class Modest(Strategy):
    """A patron that asks for half its equilibrium share."""

    name = "test_modest"

    def offer(self, s):
        r_p, r_h = s.reservation, s.information.opponent_reservation
        return r_p + 0.5 * theory.rubinstein_share(s.information.own_discount, s.information.opponent_discount) * (
            r_h - r_p
        )

    def accepts(self, offer, s):
        return offer >= s.reservation


def gains(patron: str, host: str, d_p: float, d_h: float) -> tuple[float, float]:
    config = analytic(patron, host, **{"patron.discount": d_p, "hosts.south_korea.discount": d_h})
    result = simulate(config, seed=0)
    table = result.summary["tables"]["south_korea"]
    r_p, r_h = zone(result)
    if not table["deal"]:
        return 0.0, 0.0
    price, period = table["payment_usd_bn"], table["deal_period"]
    return d_p**period * (price - r_p) / (r_h - r_p), d_h**period * (r_h - price) / (r_h - r_p)


HOST_DEVIATIONS = ["test_grabby", "test_lowball", "linear", "conceder", "boulware", "hardliner", "tit_for_tat"]
PATRON_DEVIATIONS = ["test_greedy", "test_modest", "linear", "conceder", "boulware", "hardliner"]


@pytest.mark.parametrize("d_p, d_h", [(0.98, 0.98), (0.9, 0.7), (0.7, 0.95), (0.5, 0.5)])
def test_neither_side_gains_by_deviating_from_rubinstein(monkeypatch, d_p, d_h):
    for cls in (Grabby, Lowball, Greedy, Modest):
        monkeypatch.setitem(STRATEGIES, cls.name, cls)
    patron_eq, host_eq = gains("rubinstein", "rubinstein", d_p, d_h)
    share = theory.rubinstein_share(d_p, d_h)
    assert patron_eq == pytest.approx(share, abs=1e-6) and host_eq == pytest.approx(1 - share, abs=1e-6)
    for deviation in HOST_DEVIATIONS:
        _, host_gain = gains("rubinstein", deviation, d_p, d_h)
        print(f"d_P {d_p}, d_H {d_h}: host plays {deviation}: {host_gain:.4f} (equilibrium {host_eq:.4f})")
        assert host_gain <= host_eq + 1e-6, deviation
    for deviation in PATRON_DEVIATIONS:
        patron_gain, _ = gains(deviation, "rubinstein", d_p, d_h)
        print(f"d_P {d_p}, d_H {d_h}: patron plays {deviation}: {patron_gain:.4f} (equilibrium {patron_eq:.4f})")
        assert patron_gain <= patron_eq + 1e-6, deviation
