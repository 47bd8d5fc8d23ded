"""Shared fixtures: scenario paths, the analytic reduction, and running many seeds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sim.config import Scenario, load_scenario, with_changes
from sim.outcomes import RunResult, simulate

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "configs" / "scenarios"
BASELINE = SCENARIOS / "baseline_2019.yaml"
SHARED = ROOT.parent / "shared"


def stop(process: subprocess.Popen, timeout: float) -> None:
    """Stop a server the test started: asked to end, then killed if it has not within `timeout`."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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


# ---------------------------------------------------------------- regions of the parameter space
SEEDS = 200  # per region: a rate's standard error is at most 0.035
_REGIONS: dict[tuple, list[RunResult]] = {}


def region(name: str, seeds: int = SEEDS, **changes) -> list[RunResult]:
    """The runs of a shipped scenario with changes over seeds 0..seeds-1, computed once per session."""
    key = (name, seeds, tuple(sorted((k, repr(v)) for k, v in changes.items())))
    if key not in _REGIONS:
        _REGIONS[key] = runs(scenario(name, **changes), seeds)
    return _REGIONS[key]


def standard_error(p: float, n: int) -> float:
    return (max(p * (1 - p), 0.25 / n) / n) ** 0.5


def common_and_rare(outcome: str, predicate, often: tuple[str, dict], rarely: tuple[str, dict],
                    common: float, rare: float) -> tuple[float, float]:  # fmt: skip
    """Assert that `predicate` holds in at least `common` of the runs of one region and at most
    `rare` of another (both with every mechanism on), and print both rates."""
    high = rate(region(often[0], **often[1]), predicate)
    low = rate(region(rarely[0], **rarely[1]), predicate)
    print(f"{outcome}: {high:.0%} of {SEEDS} runs in {often[0]} {often[1]}; {low:.0%} in {rarely[0]} {rarely[1]}")
    assert high >= common, f"{outcome} in only {high:.0%} of runs where it should be common (>= {common:.0%})"
    assert low <= rare, f"{outcome} in {low:.0%} of runs where it should be rare (<= {rare:.0%})"
    return high, low


def sk(result: RunResult, host: str = "south_korea") -> dict:
    return result.summary["tables"][host]
