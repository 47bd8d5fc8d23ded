"""`sim.standings`: a tournament's pairings (side utilities with intervals over the seeds),
rankings, culprits of a fault, disqualification lines, the report and the heatmaps, on small
runs tables whose answers are worked out by hand."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import BASELINE
from scipy import stats

from sim import standings
from sim.config import load_scenario
from sim.entrants import Entrant
from sim.isolation import Fault
from sim.strategies import HOST, PATRON

NAN = math.nan


def row(patron, host, seed, table, patron_utility, host_utility, deal=True, payment=1.0, rounds=3.0):
    return {"patron": patron, "host": host, "seed": seed, "table": table, "patron_utility": patron_utility,
            "host_utility": host_utility, "deal": deal, "rounds_to_deal": rounds if deal else NAN,
            "payment_usd_bn": payment if deal else NAN, "lapsed": not deal, "walkouts": 0, "drawdowns": 0}  # fmt: skip


RUNS = pd.DataFrame([
    row("p", "h", 0, "south_korea", 1.0, 4.0), row("p", "h", 0, "japan", 2.0, 6.0),  # a run: US 3, host 5
    row("p", "h", 1, "south_korea", 3.0, 2.0, deal=False), row("p", "h", 1, "japan", 4.0, 4.0, payment=2.0),
    row("q", "h", 0, "south_korea", 0.0, 1.0), row("q", "h", 0, "japan", 0.0, 1.0),
    row("q", "h", 1, "south_korea", 0.5, 1.0), row("q", "h", 1, "japan", 0.5, 1.0),
])  # fmt: skip


def test_a_pairings_utilities_sum_the_patrons_tables_and_average_the_hosts_with_t_intervals():
    table = standings.pairings(RUNS).set_index(["patron", "host"])
    p = table.loc[("p", "h")]
    assert p.runs == 2 and p.patron_utility == pytest.approx((3 + 7) / 2) and p.host_utility == pytest.approx(4)
    half = stats.t.ppf(0.975, 1) * stats.tstd([3, 7]) / math.sqrt(2)
    assert (p.patron_utility_low95, p.patron_utility_high95) == pytest.approx((5 - half, 5 + half))
    assert p.deal_rate == 0.75 and p.payment_usd_bn == pytest.approx(4 / 3) and p.lapse_rate == 0.25
    assert table.loc[("q", "h"), "patron_utility"] == pytest.approx(0.5)


def test_each_side_is_ranked_by_its_mean_utility():
    ranks = standings.ranking(RUNS)
    patrons = ranks[ranks.side == "patron"]
    assert patrons.strategy.tolist() == ["p", "q"] and patrons["rank"].tolist() == [1, 2]
    assert patrons.utility.tolist() == pytest.approx([5.0, 0.5])
    hosts = ranks[ranks.side == "host"]
    assert hosts.strategy.tolist() == ["h"] and hosts.utility.iloc[0] == pytest.approx((5 + 3 + 1 + 1) / 4)


PATRON_ENTRANT, HOST_ENTRANT = Entrant(name="boulware"), Entrant(name="linear", policy="calm")


def test_a_fault_points_at_the_strategy_that_ran_on_its_side_or_at_the_file_that_registered_it(tmp_path):
    mine = tmp_path / "mine.py"
    registered = {str(mine.resolve()): ["calm"]}  # the file registers the host's policy
    in_method = Fault("KeyError: 1", str(mine), 3, "target", strategy="boulware", side=PATRON)
    assert standings.culprits(in_method, PATRON_ENTRANT, HOST_ENTRANT, registered) == [("patron", PATRON_ENTRANT)]
    other_side = Fault("KeyError: 1", strategy="boulware", side=HOST)  # boulware ran, but not as this patron
    assert standings.culprits(other_side, PATRON_ENTRANT, HOST_ENTRANT, registered) == []
    in_file = Fault("took longer than 3 s", str(mine), 9, "choose")
    assert standings.culprits(in_file, PATRON_ENTRANT, HOST_ENTRANT, registered) == [("host", HOST_ENTRANT)]
    elsewhere = Fault("ended without a result (exit code 9)")
    assert standings.culprits(elsewhere, PATRON_ENTRANT, HOST_ENTRANT, registered) == []


def test_a_disqualification_is_a_row_and_a_line_of_the_report(tmp_path):
    fault = Fault("RuntimeError: lost", str(tmp_path / "mine.py"), 15, "target")
    row = standings.disqualification("host", HOST_ENTRANT, PATRON_ENTRANT, HOST_ENTRANT, fault)
    assert row == {"side": "host", "strategy": "linear + calm", "pairing": "boulware x linear + calm",
                   "reason": "RuntimeError: lost", "where": "mine.py, line 15"}  # fmt: skip
    lines = standings.disqualified_lines([row], 3, 4)
    assert lines[2] == "  host linear + calm, in boulware x linear + calm: RuntimeError: lost (mine.py, line 15)"
    assert lines[-1] == "The rest of the tournament completed: 3 of 4 pairings ranked."
    assert standings.disqualified_lines([], 4, 4) == []


def described(tables=("south_korea", "japan")):
    return SimpleNamespace(name="unit", tables=list(tables), seeds=[0, 1], scenario=load_scenario(BASELINE))


def test_the_report_lists_the_pairings_and_both_rankings():
    table, ranks = standings.pairings(RUNS), standings.ranking(RUNS)
    lines = standings.report(table, ranks, described())
    assert lines[0] == ("Tournament unit: 2 patron x 1 host strategies, 2 seeds each, scored at the south_korea, "
                        "japan tables")
    assert any(line.startswith("  1. p ") and "utility    5.00" in line for line in lines)
    assert any(line.startswith("  2. q ") and "rounds to deal 3.0" in line for line in lines)


@pytest.mark.parametrize("metric", ["payment", "deal_rate"])
def test_the_heatmaps_are_written_with_a_failed_pairing_left_grey(tmp_path, metric):
    runs = pd.concat([RUNS, pd.DataFrame([row("p", "g", 0, "south_korea", 1.0, 1.0)])], ignore_index=True)
    table = standings.pairings(runs)  # q x g never played: a grey cell, "failed"
    path = tmp_path / "heatmap.tmp"  # a temporary name, as the atomic writer gives it
    standings.heatmap(table, described(), path, metric, runs)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_payment_is_compared_with_its_own_tables_payment_before_the_talks():
    before = {"south_korea": 0.5, "japan": 2.0}
    change = standings._payment_change(RUNS, before)
    # p x h: Korea 1.0 on 0.5 (+100%), Japan 1.0 and 2.0 on 2.0 (-50%, 0%); q x h: +100%, -50% twice
    assert change.loc[("p", "h")] == pytest.approx((1.0 - 0.5 + 0.0) / 3)
    assert change.loc[("q", "h")] == pytest.approx((1.0 - 0.5 + 1.0 - 0.5) / 4)
