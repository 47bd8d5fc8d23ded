"""One table's protocol (sim/talks.py): two offers a round, a counter one period after the demand,
walkouts that suspend, and a threat's deadline where the patron chooses instead of its tactic."""

from __future__ import annotations

from conftest import scenario

from sim.model import AllianceModel
from sim.outcomes import simulate
from sim.policies import DEADLINE, PRESS, Policy

SK = "south_korea"


def analytic(patron: str, host: str):
    return scenario("analytic", **{"patron.strategy": patron, "hosts.south_korea.strategy": host})


def test_a_deal_on_the_demand_is_one_period_before_a_deal_on_the_counter():
    on_demand = simulate(analytic("rubinstein", "rubinstein"), 0).summary["tables"][SK]
    assert on_demand["deal_round"] == 1 and on_demand["deal_period"] == 0
    on_counter = simulate(analytic("hardliner", "conceder"), 0).summary["tables"][SK]
    if on_counter["deal"]:
        assert on_counter["deal_period"] in (2 * (on_counter["deal_round"] - 1), 2 * on_counter["deal_round"] - 1)


class Always(Policy):
    """A policy that takes one option whenever it is open (for testing the doors)."""

    def __init__(self, decision: str, option: str):
        self.decision, self.option = decision, option

    def choose(self, model, actor, decision, table, values):
        if decision == self.decision and self.option in values:
            return self.option
        return super().choose(model, actor, decision, table, values)


def test_a_walkout_suspends_the_table_for_its_rounds_and_the_talks_resume():
    config = scenario("baseline_2019")
    m = AllianceModel(config, rng=0, policies={config.patron.name: Always(PRESS, "walkout")})
    m.step()
    table = m.tables[SK]
    assert table.status == "suspended" and table.walkouts == 1
    for _ in range(config.patron.walkout.suspend_rounds):  # no talks in these rounds
        m.step()
        assert table.status == "suspended"
    m.step()
    kinds = [e.kind for e in m.log.rows if e.table == SK]
    assert "resume" in kinds


def test_at_a_threats_deadline_the_patron_chooses_by_its_policy():
    config = scenario("baseline_2019", **{"calendar.floor_bills": []})
    m = AllianceModel(config, rng=0, policies={config.patron.name: Always(PRESS, "threaten")})
    m.step()
    table = m.tables[SK]
    assert table.threat is not None
    deadline = table.threat.deadline_round
    m.policies[config.patron.name] = Always(DEADLINE, "drawdown")
    while m.round < deadline:
        m.step()
    assert table.drawdowns == 1 and m.hosts[SK].troops == config.hosts[SK].troops - config.hosts[SK].drawdown_step
    assert table.threat is None


def test_the_host_concedes_toward_a_threats_deadline():
    config = scenario("baseline_2019")
    m = AllianceModel(config, rng=0, policies={config.patron.name: Always(PRESS, "threaten")})
    m.step()
    table = m.tables[SK]
    assert table.threat.deadline_round in table.counterpart.deadlines
    assert table.threat.deadline_round not in table.patron.deadlines  # the patron decides at it instead
