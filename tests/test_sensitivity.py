"""Sensitivity indices, and why an outcome has none: a design without them, design points
without runs (failed or not yet run), a constant outcome."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE

from sim.analysis import sensitivity
from sim.cli import main
from sim.experiment.design import load_sweep
from sim.strategies import STRATEGIES, Strategy, register

MORRIS = """
name: small_morris
scenario: {base}
set: {{rounds: 10, hosts: {{japan: null, south_korea: {{troop_floor: 28500{host}}}}}, publics: {{japan: null}}}}
parameters:
  patron.transactionalism: {{range: [0.2, 1.0]}}
  hosts.south_korea.demand_usd_bn: {{range: [1.5, 6.0]}}
  {extra}
design: {{sampler: {sampler}, samples: 8}}
"""


def sweep_file(tmp_path, sampler="morris", extra="", host=""):
    path = tmp_path / "sweep.yaml"
    path.write_text(MORRIS.format(base=BASELINE, sampler=sampler, extra=extra, host=host))
    return path


def plan_of(tmp_path, sampler="morris"):
    return load_sweep(sweep_file(tmp_path, sampler))


def fake_runs(plan, points) -> pd.DataFrame:
    """One run per point: walkouts where the demand is high, never a drawdown."""
    demand = np.array([plan.points[p]["hosts.south_korea.demand_usd_bn"] for p in points])
    return pd.DataFrame({"point": points, "south_korea.deal": demand < 4.0, "south_korea.walkouts": (demand > 3) * 1,
                         "south_korea.troops_withdrawn": 0})  # fmt: skip


def test_morris_indices_of_a_whole_design_and_why_a_constant_outcome_has_none(tmp_path):
    plan = plan_of(tmp_path)
    runs = fake_runs(plan, list(range(len(plan.points))))
    found = sensitivity.indices(runs, plan, sensitivity.default_outcomes(runs))
    assert found.basis is None
    walkout = found.table[found.table["outcome"] == "south_korea.walkout"].set_index("parameter")["mu_star"]
    assert walkout["hosts.south_korea.demand_usd_bn"] > 0 and walkout["patron.transactionalism"] == 0
    assert found.missing == {"south_korea.drawdown": "constant (0 at every design point): no effect to measure"}


def test_indices_rest_on_the_whole_trajectories_when_points_have_no_run(tmp_path):
    plan = plan_of(tmp_path)
    size = len(plan.keys) + 1
    lost = [size * 2 + 1, size * 5]  # a point of the third and of the sixth trajectory
    runs = fake_runs(plan, [p for p in range(len(plan.points)) if p not in lost])
    found = sensitivity.indices(runs, plan, sensitivity.default_outcomes(runs))
    assert found.basis == "Indices from 6 of 8 trajectories: 2 of 24 design points have no run"
    whole = fake_runs(plan, [p for p in range(len(plan.points)) if p // size not in (2, 5)])
    alone = sensitivity.indices(whole, plan, sensitivity.default_outcomes(whole)).table
    assert found.table.equals(alone)  # the same as the six trajectories alone

    runs = fake_runs(plan, [p for p in range(len(plan.points)) if p % size])  # each trajectory loses its first
    found = sensitivity.indices(runs, plan, sensitivity.default_outcomes(runs))
    assert found.table.empty and found.basis == (
        "No sensitivity indices: every trajectory has a design point without a run (8 of 24 points have none)"
    )


def test_a_design_without_indices_says_so(tmp_path):
    plan = plan_of(tmp_path, sampler="lhs")
    runs = fake_runs(plan, list(range(len(plan.points))))
    found = sensitivity.indices(runs, plan, sensitivity.default_outcomes(runs))
    assert found.table.empty and "a lhs design has none" in found.basis


class Fragile(Strategy):
    """Plays linear until its second offer, which raises where its fuse is above 0.9 (past the
    rehearsal, which plays only a first and a fourth offer)."""

    name = "fragile_test"
    source = "the test suite"
    parameters = {"fuse": 0.0}

    def target(self, s):
        if len(s.own_offers) == 1 and self.params["fuse"] > 0.9:
            raise RuntimeError("the fuse blew")
        return s.anchor


@pytest.fixture
def fragile():
    register(Fragile)
    yield
    STRATEGIES.pop(Fragile.name, None)


def test_analyze_says_why_indices_are_missing_or_partial(tmp_path, capsys, fragile):
    extra = "hosts.south_korea.strategy.params.fuse: {range: [0.0, 1.0]}"
    path = sweep_file(tmp_path, extra=extra, host=", strategy: fragile_test")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--executor", "serial", "--quiet"]) == 1
    failed = len((out / "failures.jsonl").read_text().splitlines())
    assert 0 < failed < 32
    capsys.readouterr()
    assert main(["analyze", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"{failed} runs failed, see {out}/failures.jsonl" in printed
    assert f"of 8 trajectories: {failed} of 32 design points have no run." in printed
    assert "No index for:\n  south_korea.drawdown: constant (0 at every design point)" in printed
    assert "Most influential parameters (Morris mu*" in printed


SCREEN_JAPAN = """
name: screen_japan
scenario: {base}
set: {{rounds: 14}}
parameters:
  patron.transactionalism: {{range: [0.2, 1.0]}}
  hosts.south_korea.demand_usd_bn: {{range: [1.5, 6.0]}}
screen_all_numeric:
  spread: 0.25
  exclude: [rounds, citizens, min_deadline_rounds, choice_precision, patron, rival, publics, hosts.south_korea]
design: {{sampler: morris, samples: 3, levels: 4, common_random_numbers: {crn}}}
"""


@pytest.mark.slow
@pytest.mark.parametrize("crn", [True, False])
def test_common_random_numbers_leave_japan_alone_no_effect_on_south_korea(tmp_path, crn):
    """With one seed per replicate a parameter of Japan's table alone moves nothing at South
    Korea's; with a seed per point every parameter seems to, by the seeds' noise."""
    path = tmp_path / "screen.yaml"
    path.write_text(SCREEN_JAPAN.format(base=BASELINE, crn=str(crn).lower()))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    assert main(["analyze", str(out)]) == 0
    table = pd.read_parquet(out / "analysis" / "sensitivity.parquet")
    japan = table[table["parameter"].str.startswith("hosts.japan.")]
    assert japan["parameter"].nunique() > 30
    at_korea = japan[japan["outcome"].str.startswith("south_korea.") | (japan["outcome"] == "utilities.south_korea")]
    moved = at_korea.groupby("outcome")["mu_star"].apply(lambda e: (e > 0).mean())
    if crn:  # South Korea's events are the same at every point here: only its utility has indices
        assert "utilities.south_korea" in moved and (moved == 0).all(), moved.to_dict()
    else:
        assert moved["utilities.south_korea"] > 0.9 and moved["south_korea.walkout"] > 0.3, moved.to_dict()
    korea = table[(table["outcome"] == "utilities.south_korea") & ~table["parameter"].str.startswith("hosts.japan.")]
    assert korea["mu_star"].min() > 0  # what acts at South Korea's table still shows
