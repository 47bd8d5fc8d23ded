"""The one unit of every decision and the choice rule (sim/decisions.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import decisions


def test_present_value_of_a_year_undiscounted_is_the_flow():
    assert decisions.present_value(1.2, 0, 12, 1.0) == pytest.approx(1.2)
    assert decisions.present_value(1.0, 12, 12, 0.98) == 0.0


@given(st.floats(0.5, 0.999), st.floats(0.1, 30))
def test_a_one_off_and_its_flow_over_the_term_have_the_same_present_value(discount, term):
    flow = decisions.as_flow(2.0, term, discount)
    assert decisions.present_value(flow, 0, 12 * term, discount) == pytest.approx(2.0)


def test_best_response_picks_the_highest_value_and_ties_to_the_first():
    assert decisions.choose({"a": 0.0, "b": 1.0, "c": 0.5}, decisions.BEST_RESPONSE, np.random.default_rng(0)) == "b"
    assert decisions.choose({"a": 1.0, "b": 1.0}, 5.0, None) == "a"


def test_logit_shares_follow_exp_of_precision_times_value():
    rng = np.random.default_rng(1)
    picks = [decisions.choose({"a": 0.0, "b": 0.1}, 10.0, rng) for _ in range(20_000)]
    expected = 1 / (1 + np.exp(-1.0))  # P(b) = e^(10*0.1) / (1 + e^(10*0.1))
    share = picks.count("b") / len(picks)
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / len(picks))


def test_bayes_rule_on_odds():
    assert decisions.posterior(0.5, 3.0) == pytest.approx(0.75)
    assert decisions.posterior(0.25, 1.0) == pytest.approx(0.25)
    assert decisions.posterior(0.2, 0.5) < 0.2
    assert decisions.posterior(0.2, 3.0) == pytest.approx(decisions.posterior(decisions.posterior(0.2, 1.5), 2.0))
