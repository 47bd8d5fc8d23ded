"""Deals, lapses and failed ratifications emerge (MODEL.md, "What must be able to emerge"): each
is common in one region of the parameters and rare in another, with every mechanism on; the
rarity comes from the utilities, the calendar and the publics, not from switching anything off.
Thresholds sit at least three standard errors from the rates measured over 200 seeds."""

from __future__ import annotations

import pytest
from conftest import common_and_rare, sk

pytestmark = pytest.mark.slow  # many seeds: `make test-fast` leaves it out

# a host that loses nothing in a lapse: no value of the alliance or the troops, no interim cost
INDIFFERENT_HOST = {"hosts.south_korea.alliance_value_usd_bn": 0.0, "hosts.south_korea.troop_value_usd_bn": 0.0,
                    "hosts.south_korea.lapse_cost_usd_bn": 0.0}  # fmt: skip


def test_a_deal_needs_a_host_with_something_to_lose():
    """Offers cross inside both reservations: a conventional patron and a host that values the
    alliance always meet; a host that loses nothing in a lapse has no win-set above it."""
    common_and_rare("deal", lambda r: sk(r)["deal"], ("conciliatory_patron", {}),
                    ("baseline_2019", INDIFFERENT_HOST), common=0.9, rare=0.05)  # fmt: skip


def test_a_lapse_follows_talks_that_open_too_late():
    """No deal by the expiry: talks that open a month before it with a host that concedes late
    lapse; with the expiry a year and a half away they rarely do."""
    late = {"hosts.south_korea.talks_open": "2019-12-01", "hosts.south_korea.strategy": "boulware"}
    common_and_rare("lapse", lambda r: sk(r)["lapsed"], ("baseline_2019", late),
                    ("baseline_2019", {"hosts.south_korea.agreement_expires": "2021-06-30"}),
                    common=0.8, rare=0.2)  # fmt: skip


def test_ratification_fails_near_an_election_and_not_far_from_one():
    """Putnam's level II: a deal the public opposes fails in the legislature near an election
    (here a patron that demands whatever the polls say and an election during the talks); with
    no election ahead the legislature ratifies."""
    near = {"hosts.south_korea.ratification_max_failure": 1.0, "patron.ratification_risk_accepted": 1.0,
            "hosts.south_korea.elections": [{"date": "2019-12-15", "kind": "legislative"}]}  # fmt: skip
    common_and_rare("failed ratification", lambda r: sk(r)["ratification_failures"] > 0, ("baseline_2019", near),
                    ("no_election_ahead", {}), common=0.25, rare=0.05)  # fmt: skip
