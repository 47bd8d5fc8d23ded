"""The patron's, the hosts' and the rival's decisions, one at a time, on a model built from the
baseline (sim/agents/): each option's value and the rule that picks among them."""

from __future__ import annotations

import pytest
from conftest import BASELINE, scenario

from sim import decisions
from sim.config import load_scenario, with_changes
from sim.model import AllianceModel

SK, JP = "south_korea", "japan"


def model(**changes) -> AllianceModel:
    m = AllianceModel(scenario("baseline_2019", **changes), rng=0)
    m.step()  # the tables are open and their first offers made
    return m


# ------------------------------------------------------------------ the host
def test_the_hosts_fear_is_updated_by_bayes_rule_and_drifts_to_its_prior():
    m = model()
    host = m.hosts[SK]
    ev = host.config.reactions.evidence
    host.fear = 0.3
    host.observe(walkouts=1, threats=0, credibility=0.0, drawdowns=0, backdowns=0)
    drift = 0.3 + host.config.reactions.forgetting * (host.fear0 - 0.3)
    assert host.fear == pytest.approx(decisions.posterior(drift, ev.walkout))
    before = host.fear
    host.observe(walkouts=0, threats=0, credibility=0.0, drawdowns=0, backdowns=1)
    assert host.fear < before  # a threat dropped lowers the belief in resolve


def test_a_threat_frightens_as_far_as_it_is_believed():
    host = model().hosts[SK]
    ev = host.config.reactions.evidence
    assert host.threat_ratio(1.0) == ev.credible_threat and host.threat_ratio(0.0) == ev.empty_threat


def test_credibility_is_the_patrons_own_gain_from_carrying_out_and_the_law():
    m = model()
    host, patron = m.hosts[SK], m.patron
    transactional = host.credibility(patron)
    assert 0.0 < transactional <= 1.0
    m2 = model(**{"patron.transactionalism": 0.2})  # a patron that values its troops far above their cost
    assert m2.hosts[SK].credibility(m2.patron) < transactional
    host.troop_floor = host.troops  # the bill passed: no drawdown is possible
    assert host.credibility(patron) == 0.0


def test_more_fear_widens_the_win_set_and_a_tolerating_less_public_narrows_it():
    m = model()
    host = m.hosts[SK]
    r = m.round
    assert host.reservation(r, fear=0.9) > host.reservation(r, fear=0.1)
    assert host.reservation(r, tolerance_scale=0.8) < host.reservation(r)


def test_nothing_to_wait_for_means_no_stalling():
    m = model(**{"calendar.administration_changes": [], "patron.elections": [], "hosts.south_korea.elections": []})
    host = m.hosts[SK]
    assert host.stall_value(m.round, 5.0, 3.0, None) is None


def test_waiting_for_a_friendlier_patron_pays_before_the_expiry_and_costs_after_it():
    host = model().hosts[SK]
    outlook = (14.0, 0.9)  # the new posture in 14 months, believed likely
    free = host.stall_value(2, 5.0, months_to_expiry=20.0, outlook=outlook)
    costly = host.stall_value(2, 5.0, months_to_expiry=0.0, outlook=outlook)
    assert free > costly
    threatened = host.stall_value(2, 5.0, months_to_expiry=20.0, outlook=outlook, threat=(3.0, 1.0))
    assert threatened < free  # a credible threat due before the change makes waiting dearer


# ------------------------------------------------------------------ the patron
def test_drawdown_is_chosen_only_when_it_beats_both_accepting_and_backing_down():
    for changes in ({}, {"calendar.floor_bills": [], "hosts.south_korea.patron_value_usd_bn": 2.0}):
        m = model(**changes)
        table, host, patron = m.tables[SK], m.hosts[SK], m.patron
        for counter in (0.5, 1.0, 1.5, 2.0, 3.0):
            values = patron.deadline_options(table, host, table.demand, counter)
            best = decisions.choose(values, decisions.BEST_RESPONSE, None)
            if best == "drawdown":
                assert values["drawdown"] > values.get("accept", -1e9) and values["drawdown"] > values["back down"]
            if "accept" in values and values["accept"] >= values.get("drawdown", -1e9):
                assert best != "drawdown"


def test_the_patron_accepts_a_generous_offer_at_the_deadline_rather_than_drawing_down():
    m = model(**{"calendar.floor_bills": []})
    table, host, patron = m.tables[SK], m.hosts[SK], m.patron
    values = patron.deadline_options(table, host, table.demand, counter=3.0)
    assert decisions.choose(values, decisions.BEST_RESPONSE, None) == "accept"


def test_a_patron_never_accepts_below_its_reservation_at_a_deadline():
    m = model()
    table, host, patron = m.tables[SK], m.hosts[SK], m.patron
    r_p = patron.reservation(host, threat_stands=False)
    assert "accept" not in patron.deadline_options(table, host, table.demand, counter=r_p - 0.01)


def test_walking_out_is_worth_less_to_a_patron_that_values_the_alliance():
    def margin(tau: float) -> float:
        m = model(**{"patron.transactionalism": tau})
        table = m.tables[SK]
        values = m.patron.table_options(table, table.demand, 0.0, may_walk=True, may_threaten=False)
        return values["walkout"] - values["continue"]

    assert margin(0.8) > margin(0.1)


def test_linkage_moves_the_aspiration_toward_the_precedent_up_or_down():
    patron = model().patron
    a = patron.aspiration[JP]
    assert patron.learn_precedent(JP, -50.0) < 1.0 and patron.aspiration[JP] < a  # a small increase
    patron.aspiration[JP] = a
    assert patron.learn_precedent(JP, 300.0) > 1.0 and patron.aspiration[JP] > a  # a large one
    patron.aspiration[JP] = a
    rate = patron.config.linkage.rate
    patron.learn_precedent(JP, 50.0)
    assert patron.aspiration[JP] == pytest.approx(a + rate * (1.8 * 1.5 - a))


def test_an_administration_change_sets_its_opening_from_its_own_aspiration():
    m = AllianceModel(scenario("baseline_2019"), rng=0)
    posture = m.config.calendar.administration_changes[0].posture
    m.step()
    m.change_posture(posture)
    table = m.tables[JP]
    assert table.patron.anchor == pytest.approx(
        max(m.patron.aspiration[JP], m.patron.reservation(m.hosts[JP], table.threat is not None))
    )


# ------------------------------------------------------------------ the rival
def test_the_rival_courts_a_host_more_after_walkouts_and_drawdowns():
    m = model()
    rival, host = m.rival, m.hosts[SK]
    calm = rival.court(host, walkouts=0, drawdowns=0, threat_stands=False)
    m2 = model()
    angry = m2.rival.court(m2.hosts[SK], walkouts=2, drawdowns=1, threat_stands=True)
    assert angry > calm


def test_a_floor_bill_above_the_troops_serving_binds_at_those_troops():
    """The bill forbids any drawdown below its floor; where fewer troops serve than it names,
    the floor becomes the troops serving (never above them), and it never lowers a floor."""
    from sim.outcomes import simulate

    base = load_scenario(BASELINE)
    certain = [bill.model_dump(mode="json") | {"probability": 1.0} for bill in base.calendar.floor_bills]
    for troops, expected in ((24_000, 24_000), (30_000, 28_500)):
        changed = with_changes(base, {"hosts.south_korea.troops": troops, "calendar.floor_bills": certain})
        rounds = simulate(changed, 3).rounds
        floor, serving = rounds["south_korea.troop_floor"], rounds["south_korea.troops"]
        assert floor.iloc[0] == 22_000 and floor.iloc[-1] == expected
        assert (floor <= serving).all()
