"""Walkouts, threats and drawdowns emerge as the patron's choices (MODEL.md, "Decisions"): each is
common where it pays the patron by its own utility and rare where it does not, with every
mechanism on. Thresholds sit at least three standard errors from the rates measured over 200
seeds; the other tests follow the reasoning of the literature the model builds on."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS, common_and_rare, rate, region, sk

pytestmark = pytest.mark.slow  # many seeds: `make test-fast` leaves it out

SK = "south_korea"
# a patron whose institutions do not mind a withdrawal: no floor in law, no pending bill, little
# strategic value of the troops, little domestic cost
INDIFFERENT_INSTITUTIONS = {"calendar.floor_bills": [], "hosts.south_korea.troop_floor": 0,
                            "hosts.south_korea.patron_value_usd_bn": 2.0,
                            "patron.drawdown_domestic_cost_usd_bn": 0.5}  # fmt: skip


def test_walkouts_pay_a_transactional_patron_and_not_a_conventional_one():
    """A walkout raises the host's fear of abandonment, and with it its reservation; its damage
    (hedging, anger) weighs (1 - tau) v. A patron that values the alliance far above the money
    expects little from one."""
    common_and_rare("walkout", lambda r: sk(r)["walkouts"] > 0, ("baseline_2019", {}),
                    ("conciliatory_patron", {"patron.transactionalism": 0.1}), common=0.85, rare=0.2)  # fmt: skip


def test_threats_come_when_the_host_finds_them_credible():
    """A threat moves the host's belief only as far as the host believes it would be carried
    out: a conventional patron, whose drawdown would cost it more than backing down, rarely
    threatens."""
    common_and_rare("threat", lambda r: sk(r)["threats"] > 0, ("baseline_2019", {}), ("conciliatory_patron", {}),
                    common=0.85, rare=0.15)  # fmt: skip


def test_drawdowns_come_where_the_institutions_let_them_and_rarely_in_2019():
    """At a threat's deadline the patron draws down only when that beats both accepting the
    offer and backing down. Where Congress and the military mind little and no law binds, it
    usually does; with the 2019 institutions (a floor in law, a bill raising it, troops valued
    at three times their cost) it rarely does."""
    common_and_rare("drawdown", lambda r: sk(r)["drawdowns"] > 0, ("baseline_2019", INDIFFERENT_INSTITUTIONS),
                    ("baseline_2019", {}), common=0.8, rare=0.2)  # fmt: skip


def test_a_costly_threat_is_made_more_often_and_frightens_more():
    """Fearon (1994): an audience cost makes backing down dear, so a threat is believed; the
    host infers it from the patron's utility, and the patron, knowing that, threatens more."""

    def threats(audience_cost: float) -> tuple[float, float]:
        runs = region("baseline_2019", **{"patron.transactionalism": 0.6, "patron.audience_cost_usd_bn": audience_cost})
        fear = []
        for r in runs:
            made = r.events[(r.events["kind"] == "threat") & (r.events["table"] == SK)]
            if not made.empty:
                fear.append(r.rounds.set_index("round").loc[int(made["round"].iloc[0]), f"{SK}.fear"])
        return rate(runs, lambda r: sk(r)["threats"] > 0), float(np.mean(fear)) if fear else 0.0

    (cheap_rate, cheap_fear), (costly_rate, costly_fear) = threats(0.0), threats(3.0)
    print(f"threats at tau 0.6: audience cost 0: {cheap_rate:.0%} of runs, fear after {cheap_fear:.2f}; "
          f"3.0: {costly_rate:.0%}, fear after {costly_fear:.2f}")  # fmt: skip
    assert costly_rate >= cheap_rate + 0.3
    assert costly_fear > cheap_fear


def test_the_floor_bill_is_the_law_that_binds():
    """The patron is the President and its institutions: where the bill raising the floor to
    the troops present passes, no drawdown follows; where it fails, drawdowns are possible."""
    runs = region("baseline_2019")
    passed = [r for r in runs if sk(r)["troop_floor_final"] == 28500]
    failed = [r for r in runs if sk(r)["troop_floor_final"] == 22000]
    after, without = rate(passed, lambda r: sk(r)["drawdowns"] > 0), rate(failed, lambda r: sk(r)["drawdowns"] > 0)
    print(f"bill passed in {len(passed)} of {SEEDS} runs; drawdowns after it: {after:.0%}; without it: {without:.0%}")
    assert 0.6 * SEEDS < len(passed) < 0.9 * SEEDS

    def drawn_after_the_bill(r) -> bool:
        drawdowns = r.events[(r.events.kind == "drawdown") & (r.events.table == SK)]
        return bool((drawdowns["round"] > 4).any())

    drawn_after = [r for r in passed if drawn_after_the_bill(r)]
    assert not drawn_after
