"""Shared fixtures: scenario paths, the analytic reduction, and running many seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import Scenario, load_scenario, with_changes
from sim.outcomes import RunResult, simulate

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "configs" / "scenarios"
BASELINE = SCENARIOS / "baseline_2019.yaml"
SHARED = ROOT.parent / "shared"


def scenario(name: str = "baseline_2019", **changes) -> Scenario:
    """A shipped scenario with dotted-key changes: scenario('baseline_2019', **{'patron.aspiration_spread': 0.1})."""
    base = load_scenario(SCENARIOS / f"{name}.yaml")
    return with_changes(base, changes) if changes else base


def runs(config: Scenario, seeds: int | range = 50) -> list[RunResult]:
    seeds = range(seeds) if isinstance(seeds, int) else seeds
    return [simulate(config, seed) for seed in seeds]


def rate(results: list[RunResult], predicate) -> float:
    return sum(bool(predicate(r)) for r in results) / len(results)


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(BASELINE)
