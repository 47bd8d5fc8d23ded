"""A run is a pure function of (scenario, seed): the same inputs give byte-identical files."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import BASELINE, scenario

from sim.cli import main
from sim.model import AllianceModel

FILES = ["summary.json", "rounds.parquet", "events.parquet", "events.csv", "scenario.yaml"]


def run(tmp_path, seed: int, name: str):
    out = tmp_path / name
    assert main(["run", str(BASELINE), "--seed", str(seed), "--no-plot", "--out", str(out)]) == 0
    return out


def test_same_seed_same_bytes(tmp_path):
    a, b = run(tmp_path, 11, "a"), run(tmp_path, 11, "b")
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_different_seeds_differ_where_anything_is_random(tmp_path):
    a, b = run(tmp_path, 11, "a"), run(tmp_path, 12, "b")
    assert (a / "summary.json").read_bytes() != (b / "summary.json").read_bytes()
    ra, rb = pd.read_parquet(a / "rounds.parquet"), pd.read_parquet(b / "rounds.parquet")
    # citizens' opinions are drawn per seed, so opposition differs from the first round on
    assert ra["south_korea.opposition"].iloc[0] != rb["south_korea.opposition"].iloc[0]


def test_analytic_case_is_deterministic_across_seeds(tmp_path):
    """With every spread 0 and every probability 0 or 1 the seed does not matter."""
    scenario = BASELINE.parent / "analytic.yaml"
    outs = []
    for seed in (1, 2):
        out = tmp_path / f"s{seed}"
        assert main(["run", str(scenario), "--seed", str(seed), "--no-plot", "--out", str(out)]) == 0
        outs.append(out)
    a, b = (pd.read_parquet(o / "rounds.parquet") for o in outs)
    pd.testing.assert_frame_equal(a, b)


def test_run_plays_what_mesas_step_plays():
    """`run()` goes through Mesa's `step()`: the same rounds and events as stepping by hand, and
    Mesa's clock counts every round, so that Mesa's own `run_until` after `run()` plays none."""
    config = scenario("baseline_2019")
    for seed in (1, 7, 2019):
        direct = AllianceModel(config, rng=seed).run()
        stepped = AllianceModel(config, rng=seed)
        while stepped.running:
            stepped.step()
        mixed = AllianceModel(config, rng=seed)
        for _ in range(5):
            mixed.step()
        mixed.run()
        for model in (direct, stepped, mixed):
            assert model.steps == model.round == config.rounds and model.time == config.rounds
        for other in (stepped, mixed):
            assert other.record.frame().equals(direct.record.frame())
            assert other.log.frame().equals(direct.log.frame())
    with pytest.warns(RuntimeWarning):
        direct.run_until(5)  # Mesa's own: the clock is past it, nothing to play
    assert direct.round == config.rounds and len(direct.record) == config.rounds
