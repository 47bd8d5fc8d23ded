"""`sim.rehearsal`: a strategy's rehearsal on both sides of a table, which refuses one that
raises or offers no finite payment, naming it."""

from __future__ import annotations

import math

import pytest

from sim import strategies
from sim.rehearsal import rehearse, situations
from sim.strategies import HOST, PATRON, Strategy, register


@pytest.fixture(autouse=True)
def registry():
    before = dict(strategies.STRATEGIES)
    yield
    strategies.STRATEGIES.clear()
    strategies.STRATEGIES.update(before)


def test_the_situations_are_an_opening_and_a_later_one_on_each_side():
    seen = situations()
    assert [s.side for s in seen] == [PATRON, PATRON, HOST, HOST]
    openings, later = seen[0::2], seen[1::2]
    assert all(s.clock == 0 and not s.own_offers and not s.opponent_offers for s in openings)
    assert all(s.clock > 0 and s.own_offers and s.opponent_offers for s in later)
    for s in seen:  # each side's anchor lies beyond its reservation, as at a real table
        assert s.side * (s.anchor - s.reservation) > 0


def test_every_registry_strategy_passes_its_rehearsal():
    for name in strategies.STRATEGIES:
        assert rehearse(name, {}) is None, name


def entrant(answer):
    @register
    class Odd(Strategy):
        name = "odd_rehearsal_test"

        def target(self, s):
            return answer(s)

    return Odd.name


def test_a_strategy_that_raises_is_named_with_its_error():
    name = entrant(lambda s: 1 / 0 if s.clock else s.anchor)  # fails only after the opening
    assert rehearse(name, {}, "odd + label") == "odd + label fails a rehearsal: ZeroDivisionError: division by zero"
    assert rehearse("boulware", {"beta": 0}).startswith("boulware fails a rehearsal: ZeroDivisionError")


def test_a_strategy_that_offers_no_finite_payment_is_refused():
    name = entrant(lambda s: math.nan if s.side == HOST else s.anchor)
    assert rehearse(name, {}) == "odd_rehearsal_test offers nan; a strategy must offer a finite payment"


def test_an_infinite_target_is_kept_within_the_reservation_and_plays():
    assert rehearse(entrant(lambda s: math.inf), {}) is None
