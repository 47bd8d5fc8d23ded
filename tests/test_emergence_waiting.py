"""Stalemates and waiting emerge (MODEL.md): a host stalls while the value of waiting for an
election or a friendlier posture beats conceding, and moving its election moves the deal.
Thresholds sit at least three standard errors from the rates measured over 200 seeds."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import common_and_rare, rate, region, sk

pytestmark = pytest.mark.slow  # many seeds: `make test-fast` leaves it out


def test_a_host_waits_for_the_patrons_election_when_waiting_costs_no_lapse():
    """Seoul can wait for the US election of November 2020 when its agreement runs to mid-2021;
    when it expires at the end of 2019, waiting means a year of lapse and it rarely stalls."""
    common_and_rare("stall", lambda r: sk(r)["stalled_rounds"] > 0,
                    ("baseline_2019", {"hosts.south_korea.agreement_expires": "2021-06-30"}),
                    ("baseline_2019", {}), common=0.6, rare=0.1)  # fmt: skip


def test_waiting_grows_with_the_belief_in_a_friendlier_patron():
    """The value of waiting is p (P_now - E[d_after]): the more the host believes in a change,
    the more it stalls."""
    later = {"hosts.south_korea.agreement_expires": "2021-06-30"}  # no election of its own to wait for
    rates = [rate(region("no_election_ahead", **later, **{"hosts.south_korea.stalling.p_friendlier": p}),
                  lambda r: sk(r)["stalled_rounds"] > 0) for p in (0.0, 0.4, 0.9)]  # fmt: skip
    print(f"stalling with p_friendlier 0, 0.4, 0.9: {rates}")
    assert rates[0] < rates[1] <= rates[2] and rates[2] - rates[0] >= 0.3


def test_moving_the_election_moves_the_deal():
    """Putnam: before its election the host's win-set is too small for a patron that holds at
    +40% (and waiting for the election beats conceding); after it, the win-set grows. A later
    election means a later deal, for a host that concedes at a steady pace (linear). One that
    concedes late, as the calibrated host does (beta 0.38), holds until its deadline, the
    agreement's expiry, whenever the election falls."""
    holds = {"patron.strategy": "hardliner", "patron.elections": [], "hosts.south_korea.stalling.p_friendlier": 0.0,
             "hosts.south_korea.agreement_expires": "2021-06-30",
             "hosts.south_korea.strategy": {"name": "linear"}}  # fmt: skip
    medians = []
    for day in ("2020-04-15", "2020-10-15", "2021-04-15"):
        elections = [{"date": day, "kind": "legislative"}, {"date": "2022-03-09", "kind": "presidential"}]
        runs = region("conciliatory_patron", 100, **holds, **{"hosts.south_korea.elections": elections})
        medians.append(float(np.median([sk(r)["deal_round"] for r in runs if sk(r)["deal"]])))
    print(f"median deal round with the election in 2020-04, 2020-10, 2021-04: {medians}")
    assert medians[0] < medians[1] < medians[2]
