"""Every strategy in the registry keeps the same invariants; each has a few expected traces."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.strategies import HOST, PATRON, STRATEGIES, Information, OfferError, Situation, Strategy, make, register

money = st.floats(min_value=0.0, max_value=20.0, allow_nan=False)


@st.composite
def situations(draw):
    side = draw(st.sampled_from([PATRON, HOST]))
    deadline = draw(st.one_of(st.none(), st.integers(1, 30)))
    opponent = tuple(draw(st.lists(money, max_size=6)))
    own = tuple(draw(st.lists(money, max_size=6)))
    info = Information(
        complete=draw(st.booleans()),
        opponent_reservation=draw(st.one_of(st.none(), money)),
        own_discount=draw(st.floats(0.5, 1.0)),
        opponent_discount=draw(st.floats(0.5, 1.0)),
        nash_price=draw(st.one_of(st.none(), money)),
    )
    return Situation(side, draw(money), draw(money), draw(st.integers(0, 40)), deadline, own, opponent, info)


def never_past(offer: float, s: Situation) -> bool:
    return s.side * (offer - s.reservation) >= -1e-9


@pytest.mark.parametrize("name", sorted(STRATEGIES))
class TestEveryStrategy:
    """The invariants every concession strategy owes its user."""

    @given(s=situations())
    @settings(max_examples=300, deadline=None)
    def test_offer_is_finite_and_never_past_the_reservation(self, name, s):
        offer = make(name).offer(s)
        assert offer == offer and abs(offer) < 1e6
        assert never_past(offer, s)

    @given(s=situations())
    @settings(max_examples=300, deadline=None)
    def test_offer_stays_within_bounds(self, name, s):
        """Between its anchor and its reservation, or (equilibrium strategies) inside the zone."""
        offer = make(name).offer(s)
        known = [s.anchor, s.reservation]
        if s.information.opponent_reservation is not None:
            known.append(s.information.opponent_reservation)
        if s.information.nash_price is not None:
            known.append(s.information.nash_price)
        assert min(known) - 1e-9 <= offer <= max(known) + 1e-9

    @given(s=situations(), offer=money)
    @settings(max_examples=300, deadline=None)
    def test_never_accepts_past_its_reservation(self, name, s, offer):
        if make(name).accepts(offer, s):
            assert never_past(offer, s)

    @given(s=situations(), offer=money)
    @settings(max_examples=100, deadline=None)
    def test_deterministic(self, name, s, offer):
        a, b = make(name), make(name)
        assert a.offer(s) == b.offer(s)
        assert a.accepts(offer, s) == b.accepts(offer, s)

    def test_declares_its_source_and_properties(self, name):
        cls = STRATEGIES[name]
        assert cls.source and cls.__doc__
        assert {"stochastic", "memory", "uses_time"} <= set(cls.classifier)


def trace(strategy: Strategy, side: int, anchor: float, reservation: float, deadline: int | None, rounds: int,
          opponent: list[float] | None = None) -> list[float]:  # fmt: skip
    offers: list[float] = []
    for t in range(rounds):
        opp = tuple(opponent[:t]) if opponent else ()  # what the other side offered before
        s = Situation(side, anchor, reservation, t, deadline, tuple(offers), opp)
        offers.append(round(strategy.offer(s), 6))
    return offers


def test_linear_concedes_the_same_amount_each_round_then_holds():
    assert trace(make("linear"), PATRON, 5.0, 1.0, 4, 6) == [5.0, 4.0, 3.0, 2.0, 1.0, 1.0]
    assert trace(make("linear"), HOST, 1.0, 2.0, 2, 4) == [1.0, 1.5, 2.0, 2.0]


def test_boulware_holds_firm_and_conceder_gives_way_early():
    boulware = trace(make("boulware"), PATRON, 5.0, 1.0, 4, 5)
    conceder = trace(make("conceder"), PATRON, 5.0, 1.0, 4, 5)
    assert boulware[2] == pytest.approx(5.0 - 4.0 * 0.5**5, abs=1e-6)
    assert conceder[2] == pytest.approx(5.0 - 4.0 * 0.5**0.2, abs=1e-6)
    assert boulware[-1] == conceder[-1] == 1.0
    assert all(b >= c for b, c in zip(boulware, conceder, strict=True))


def test_past_its_last_deadline_a_strategy_holds_its_last_offer():
    s = Situation(PATRON, 5.0, 1.0, 3, None, own_offers=(5.0, 4.2, 3.3))
    for name in ("linear", "boulware", "conceder"):
        assert make(name).offer(s) == 3.3


def test_tit_for_tat_mirrors_the_opponents_concessions():
    host_offers = [1.0, 1.0, 1.4, 1.4, 2.0]
    got = trace(make("tit_for_tat"), PATRON, 5.0, 0.5, None, 5, host_offers)
    # opens, makes its one opening concession (5% of 4.5), then returns what it receives
    assert got == pytest.approx([5.0, 4.775, 4.775, 4.375, 4.375], abs=1e-6)


def test_hardliner_never_moves():
    assert trace(make("hardliner"), HOST, 1.0, 3.0, 5, 8) == [1.0] * 8
    s = Situation(HOST, 1.0, 3.0, 2, 5)
    assert make("hardliner").accepts(0.9, s) and not make("hardliner").accepts(1.1, s)


def test_rubinstein_offers_and_thresholds():
    info = Information(True, 3.0, 0.9, 0.9)  # patron's view: host reservation 3, both discount 0.9
    s = Situation(PATRON, 5.0, 1.0, 0, None, information=info)
    share = 0.1 / (1 - 0.81)
    assert make("rubinstein").offer(s) == pytest.approx(1.0 + 2.0 * share)
    host_view = Situation(HOST, 1.0, 3.0, 0, None, information=Information(True, 1.0, 0.9, 0.9))
    assert make("rubinstein").accepts(1.0 + 2.0 * share, host_view)
    assert not make("rubinstein").accepts(1.0 + 2.0 * share + 1e-3, host_view)
    assert make("rubinstein").offer(host_view) == pytest.approx(1.0 + 0.9 * 2.0 * share)


def test_a_strategy_written_in_ten_lines_joins_the_registry():
    @register
    class Halfway(Strategy):
        """Moves half of the remaining way to its reservation each round."""

        name = "halfway_test"
        source = "a seminar exercise"

        def target(self, s):
            last = s.own_offers[-1] if s.own_offers else s.anchor
            return last + 0.5 * (s.reservation - last)

    try:
        assert trace(make("halfway_test"), PATRON, 5.0, 1.0, 4, 3) == [3.0, 2.0, 1.5]
    finally:
        del STRATEGIES["halfway_test"]


def test_unknown_strategy_and_parameter_are_refused():
    with pytest.raises(KeyError, match="accepted"):
        make("tough_guy")
    with pytest.raises(ValueError, match="unknown parameters"):
        make("linear", {"beta": 2.0})


def test_the_talks_refuse_an_offer_that_is_not_a_finite_payment():
    s = Situation(PATRON, 5.0, 1.5, 0, 12, (), (), Information(False, 1.6, 0.98, 0.98, None))
    linear = make("linear", {})
    assert linear.next_offer(s) == linear.offer(s)
    for wrong in (float("nan"), float("inf"), "2.0", None, True):
        linear.offer = lambda s, wrong=wrong: wrong  # type: ignore[method-assign]
        with pytest.raises(OfferError, match=f"strategy linear \\(patron\\) offered {re.escape(repr(wrong))}"):
            linear.next_offer(s)
    linear.offer = lambda s: np.float32(2.5)  # type: ignore[method-assign]
    assert linear.next_offer(s) == 2.5
