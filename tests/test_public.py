"""The citizens inside a Public: calibration, aggregates and opinion dynamics."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import scenario

from sim.agents import News
from sim.model import AllianceModel


@pytest.fixture
def korea():
    return AllianceModel(scenario("baseline_2019"), rng=3).publics["south_korea"]


def test_tolerance_is_anchored_to_the_december_2019_poll(korea):
    # Chicago Council 2019-12-11: 25% refuse any increase (tolerance below 0.92), 4% accept $5bn
    assert korea.opposition(0.92) == pytest.approx(0.25, abs=0.06)
    assert 1 - korea.opposition(5.0) == pytest.approx(0.04, abs=0.03)
    assert korea.median_tolerance == pytest.approx(1.35, rel=0.12)


def test_japans_public_accepts_the_status_quo_and_refuses_much_more():
    # Kyodo 2016: 86% see no need to raise $1.8bn, 9% would; Nikkei 2017: 30% "Japan pays too much"
    japan = AllianceModel(scenario("baseline_2019"), rng=3).publics["japan"]
    assert 0.3 <= japan.opposition(1.8) <= 0.5  # below the status quo
    assert 0.4 <= japan.opposition(1.8 * 1.02) <= 0.7  # a +2% deal is contested, not unanimously opposed
    assert japan.opposition(1.8 * 1.2) >= 0.85  # +20%: most refuse
    assert 1 - japan.opposition(1.8 * 1.1) == pytest.approx(0.25, abs=0.1)


def test_korean_groups_follow_the_realmeter_split_by_ideology(korea):
    # RealMeter 2019-11-22, oppose the demand: progressive 84%, centrist 71%, conservative 51%:
    # progressives tolerate least, conservatives most
    groups = korea.group_opposition(1.5)
    assert groups["progressive"] > groups["centrist"] > groups["conservative"]


def test_opposition_and_shortfall_match_their_definitions(korea):
    for payment in (0.5, 1.0, 1.7, 5.0):
        assert korea.opposition(payment) == pytest.approx(np.mean(korea.tolerance < payment))
        assert korea.shortfall(payment) == pytest.approx(np.mean(np.maximum(0, payment - korea.tolerance)))
    groups = korea.group_opposition(1.5)
    assert list(groups) == ["progressive", "centrist", "conservative"]
    assert groups["progressive"] > groups["centrist"] > groups["conservative"]  # RealMeter's ordering


def test_shortfall_does_not_saturate_where_opposition_does(korea):
    assert korea.opposition(4.0) > 0.9 and korea.opposition(5.0) > 0.9
    assert korea.shortfall(5.0) - korea.shortfall(4.0) > 0.8  # still rising by about $1bn per $1bn


def test_walkout_lowers_tolerance_and_raises_anti_us_sentiment(korea):
    before_tol, before_anti = korea.median_tolerance, korea.mean_anti_us
    korea.absorb(News(walkouts=1))
    korea.discuss()
    assert korea.median_tolerance < before_tol and korea.mean_anti_us > before_anti


def test_opinions_decay_back_to_each_citizens_baseline(korea):
    korea.absorb(News(walkouts=3, threats=2))
    for _ in range(120):
        korea.absorb(News())
    assert np.allclose(korea.anti_us, korea.anti_us0, atol=1e-4)


def test_encounters_conserve_the_mean_and_pull_close_opinions_together(korea):
    mean = korea.anti_us.mean()
    spread = korea.anti_us.std()
    for _ in range(30):
        korea.model._pairs = {}
        korea.discuss()
    assert korea.anti_us.mean() == pytest.approx(mean, abs=1e-12)
    assert korea.anti_us.std() < spread


def test_a_crowd_moves_every_public_exactly_as_each_would_alone():
    """The model's one pass over all publics of a size (shocks, decay, encounters) gives each
    public the same opinions and means, to the last bit, as its own with the same pairs."""
    together, alone = (AllianceModel(scenario("baseline_2019"), rng=5) for _ in range(2))
    assert [p.country for p in together.crowds[0].publics] == ["south_korea", "japan"]
    assert together.publics["south_korea"].anti_us.base is together.crowds[0].opinions  # views, not copies
    for round_ in range(5):
        together._pairs, alone._pairs = {}, {}
        a, b = together.pairs(together.config.citizens)
        alone._pairs[together.config.citizens] = (a, b)
        news = {name: News(walkouts=round_ % 2, threats=round_ // 3, hedges=round_ % 3) for name in together.publics}
        together.crowds[0].absorb(news)
        together.crowds[0].discuss(a, b)
        for name in ("south_korea", "japan"):
            alone.publics[name].absorb(news[name])
            alone.publics[name].discuss()
            mine, own = together.publics[name], alone.publics[name]
            assert (mine.mean_anti_us, mine.mean_support) == (own.mean_anti_us, own.mean_support)
            assert np.array_equal(mine.support, own.support)
    for name in ("south_korea", "japan"):
        assert np.array_equal(together.publics[name].opinions, alone.publics[name].opinions)
        assert np.array_equal(together.publics[name].tolerance_sorted, alone.publics[name].tolerance_sorted)
    assert not np.array_equal(together.publics["south_korea"].opinions, together.publics["south_korea"].opinions0)


def test_a_layout_is_shared_by_equal_groups_read_only():
    from sim.agents.public import layout_of

    groups = (("left", 0.5, 0.1, 0.7, 0.4, 1.0, 0.5, 1.0, 0.0), ("right", 0.5, 0.1, 0.9, 0.2, 1.2, 0.5, 1.0, 0.0))
    same = layout_of(100, groups)
    assert layout_of(100, groups) is same and layout_of(101, groups) is not same
    assert not same.sensitivity.flags.writeable and not same.group.flags.writeable
    with pytest.raises(ValueError):
        same.sensitivity[:] = 0.0  # a run cannot change the next one's citizens
