"""What must be able to emerge (MODEL.md): each outcome happens in most runs of one region of
the parameter space and in few or none of another, over 50 seeds each. Nothing is scripted:
the regions differ only in parameters."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import rate, runs, scenario

SEEDS = 50
SK, JP = "south_korea", "japan"


def table(result, host=SK):
    return result.summary["tables"][host]


def deal(r):
    return table(r)["deal"]


def walkout(r):
    return table(r)["walkouts"] > 0


def lapse(r):
    return table(r)["lapsed"]


def hedging(r):
    return table(r)["hedging_peak"] > 0.3


def drawdown(r):
    return table(r)["troops_withdrawn"] > 0


def linkage(r):
    return table(r, JP)["linkage_factor"] > 1.0


def backlash(r):
    """The public's median tolerance falls more than 3% below where it started."""
    median = r.rounds[f"{SK}.median_tolerance_usd_bn"].to_numpy()
    return median.min() < 0.97 * median[0]


# outcome: (region where it happens in most runs, region where in few or none)
REGIONS = {
    "deal": (deal, ("conciliatory_patron", {}),
             ("baseline_2019", {"patron.strategy": "hardliner", "hosts.south_korea.strategy": "hardliner",
                                "calendar.administration_changes": []})),
    "walkout": (walkout, ("baseline_2019", {}), ("conciliatory_patron", {})),
    "lapse": (lapse, ("baseline_2019", {}),
              ("conciliatory_patron", {"hosts.south_korea.agreement_expires": "2020-12-31"})),
    "hedging": (hedging, ("baseline_2019", {"rival.inducement_max_usd_bn": 1.0}),
                ("no_chinese_inducements", {})),
    "drawdown": (drawdown, ("baseline_2019", {}), ("conciliatory_patron", {})),
    "linkage": (linkage, ("conciliatory_patron", {"patron.linkage.reference_increase_pct": 5.0}),
                ("conciliatory_patron", {"patron.linkage.reference_increase_pct": 60.0})),
    "backlash": (backlash, ("baseline_2019", {}),
                 ("conciliatory_patron", {"modules.walkouts": False, "modules.threats": False})),
}  # fmt: skip
RATES: dict[str, tuple[float, float]] = {}


@pytest.mark.parametrize("outcome", list(REGIONS))
def test_outcome_emerges_in_one_region_and_not_in_another(outcome):
    predicate, (often_name, often), (rarely_name, rarely) = REGIONS[outcome]
    high = rate(runs(scenario(often_name, **often), SEEDS), predicate)
    low = rate(runs(scenario(rarely_name, **rarely), SEEDS), predicate)
    RATES[outcome] = (high, low)
    print(f"{outcome}: {high:.0%} of runs in {often_name} {often}, {low:.0%} in {rarely_name} {rarely}")
    assert high >= 0.6, f"{outcome} in only {high:.0%} of runs where it should be common"
    assert low <= 0.1, f"{outcome} in {low:.0%} of runs where it should be rare"


def test_a_walkout_lowers_the_publics_tolerance_the_next_round():
    """Backlash, event by event: after a walkout the host public tolerates less."""
    lower = total = 0
    for r in runs(scenario("baseline_2019"), SEEDS):
        walkouts = r.events[(r.events["kind"] == "walkout") & (r.events["table"] == SK)]
        if walkouts.empty:
            continue
        w = int(walkouts["round"].iloc[0])
        median = r.rounds.set_index("round")[f"{SK}.median_tolerance_usd_bn"]
        if w + 1 in median.index:
            total += 1
            lower += median[w + 1] < median[w]
    assert total >= 20
    assert lower / total >= 0.9


def test_linkage_reprices_japan_and_changes_its_outcome():
    """After a South Korean deal above the reference increase, the demand on Japan rises and
    Japan's own talks end differently than the same seeds without linkage."""
    linked = runs(scenario("conciliatory_patron"), SEEDS)
    unlinked = runs(scenario("conciliatory_patron", **{"patron.linkage.strength": 0.0}), SEEDS)
    fired = [(a, b) for a, b in zip(linked, unlinked, strict=True) if linkage(a)]
    assert len(fired) >= 20
    first_demand = [a.rounds[f"{JP}.demand_usd_bn"].dropna().iloc[0] for a, _ in fired]
    assert min(first_demand) > scenario("conciliatory_patron").hosts[JP].demand_usd_bn
    later = sum(table(a, JP)["deal_round"] > table(b, JP)["deal_round"] for a, b in fired
                if table(a, JP)["deal"] and table(b, JP)["deal"])  # fmt: skip
    earlier = sum(table(a, JP)["deal_round"] < table(b, JP)["deal_round"] for a, b in fired
                  if table(a, JP)["deal"] and table(b, JP)["deal"])  # fmt: skip
    assert later >= 5 and later > 3 * earlier


def test_schelling_conjecture_tied_hands_bargain_better_but_risk_no_deal():
    """More electoral pressure on the host: a lower mean payment and more talks without a deal."""
    payments, no_deal = [], []
    for scale in (0.0, 1.0, 2.0):
        key = "hosts.south_korea.electoral_pressure"
        config = scenario("baseline_2019", **{f"{key}.base": 0.5 * scale, f"{key}.peak": 2.0 * scale})
        results = runs(config, SEEDS)
        paid = [table(r)["payment_usd_bn"] for r in results if deal(r)]
        payments.append(float(np.mean(paid)))
        no_deal.append(1 - rate(results, deal))
    print(f"mean payment {payments}, no-deal rate {no_deal}")
    assert payments[0] > payments[1] > payments[2]
    assert no_deal[0] < no_deal[1] < no_deal[2]


def test_a_costly_threat_frightens_the_host_more_than_a_cheap_one():
    """Fearon (1994): audience costs make a threat credible; the host reads them."""

    def fear_jumps(audience_cost: float) -> list[float]:
        changes = {"patron.transactionalism": 0.6, "patron.audience_cost_usd_bn": audience_cost}
        config = scenario("baseline_2019", **changes)
        jumps = []
        for r in runs(config, SEEDS):
            threats = r.events[(r.events["kind"] == "threat") & (r.events["table"] == SK)]
            if not threats.empty:
                k = int(threats["round"].iloc[0])
                fear = r.rounds.set_index("round")[f"{SK}.fear"]
                jumps.append(fear[k] - fear[k - 1])
        return jumps

    cheap, costly = fear_jumps(0.0), fear_jumps(1.5)
    assert len(cheap) >= 20 and len(costly) >= 20
    assert np.mean(costly) > 2 * np.mean(cheap) > 0


def test_moving_the_election_moves_the_deal():
    """MODEL.md: the host waits out its election; a later election means a later deal."""
    medians = []
    for day in ("2020-04-15", "2020-10-15", "2021-04-15"):
        elections = [{"date": day, "kind": "legislative"}, {"date": "2022-03-09", "kind": "presidential"}]
        results = runs(scenario("baseline_2019", **{"hosts.south_korea.elections": elections}), SEEDS)
        medians.append(float(np.median([table(r)["deal_round"] for r in results if deal(r)])))
    print(f"median deal round with the election in 2020-04, 2020-10, 2021-04: {medians}")
    assert medians[0] < medians[1] < medians[2]


def test_the_abandonment_spiral_needs_hedging():
    """Snyder (1984): a drawdown lowers reliability, the host hedges, hedging lowers the patron's
    strategic stake, and the next drawdown pays: down to the floor only when hedging is on."""

    def to_the_floor(hedging: bool) -> float:
        config = scenario("baseline_2019", **{"patron.audience_cost_usd_bn": 0.0, "modules.hedging": hedging})
        floor = config.hosts[SK].troops - config.hosts[SK].troop_floor
        return rate(runs(config, SEEDS), lambda r: table(r)["troops_withdrawn"] >= floor)

    with_hedging, without = to_the_floor(True), to_the_floor(False)
    assert with_hedging >= 0.15 and without <= 0.02
