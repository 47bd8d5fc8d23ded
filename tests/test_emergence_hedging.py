"""Hedging toward China emerges as the host's best response (MODEL.md): the level that maximizes
its utility's hedging terms, given China's inducement, the patron's reliability and its public's
anger. Thresholds sit at least three standard errors from the rates measured over 200 seeds."""

from __future__ import annotations

import pytest
from conftest import common_and_rare, rate, region, sk

pytestmark = pytest.mark.slow  # many seeds: `make test-fast` leaves it out


def hedges(r) -> bool:
    return sk(r)["hedging_peak"] > 0.3


def test_hedging_follows_a_large_inducement_and_stays_symbolic_in_2019():
    """China's $1.5bn a year outweighs hedging's cost; the baseline's $0.6bn does not."""
    common_and_rare("hedging above 0.3", hedges, ("baseline_2019", {"rival.inducement_max_usd_bn": 1.5}),
                    ("baseline_2019", {}), common=0.8, rare=0.15)  # fmt: skip


def test_a_host_for_which_hedging_costs_more_hedges_less():
    """The same inducement, a host that pays more for each step toward China (Japan's rho)."""
    big = {"rival.inducement_max_usd_bn": 1.5}
    cheap = rate(region("baseline_2019", **big), hedges)
    dear = rate(region("baseline_2019", **big, **{"hosts.south_korea.hedging.cost": 4.0}), hedges)
    print(f"hedging above 0.3 with China's $1.5bn: cost 2 (Seoul's): {cheap:.0%}; cost 4: {dear:.0%}")
    assert cheap - dear >= 0.3


def test_the_abandonment_spiral_needs_hedging():
    """Snyder (1984): a drawdown lowers reliability, the host hedges, hedging lowers the patron's
    strategic stake, and the next drawdown pays more: more troops leave with hedging than without."""
    loose = {"calendar.floor_bills": [], "hosts.south_korea.troop_floor": 0,
             "hosts.south_korea.patron_value_usd_bn": 4.0, "rival.inducement_max_usd_bn": 1.0}  # fmt: skip
    with_hedging = [sk(r)["troops_withdrawn"] for r in region("baseline_2019", 100, **loose)]
    without = [sk(r)["troops_withdrawn"] for r in region("baseline_2019", 100, **loose, **{"modules.hedging": False})]
    print(f"troops withdrawn, mean: {sum(with_hedging) / 100:.0f} with hedging, {sum(without) / 100:.0f} without")
    assert sum(with_hedging) > sum(without)
