"""Sweep files and experimental designs: uncertainties and levers by key path, sampled by a
grid, random, Latin hypercube (scipy.stats.qmc), Sobol or Morris (SALib) design; replicates;
one root seed from which every run's seed is derived.

A run is (run_id, point, replicate, seed, values); run ids number the design points'
replicates in order, and run i's seed is 64 bits of the i-th child of the root `SeedSequence`
(as `SeedSequence(root).spawn(n)[i]`; with common random numbers, of the replicate's child),
computed on demand (`sim/experiment/seeds.py`) so that designs of any size cost no memory in
the parent.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim import shipped
from sim.config import (
    PlainName,
    Scenario,
    ScenarioError,
    _read_yaml,
    excerpt,
    field_bounds,
    load_scenario,
    named_file,
    validate,
    with_changes,
)
from sim.experiment.seeds import run_seeds


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # every float finite


class Parameter(_Part):
    """One swept input: discrete `values`, or a `range` [low, high] (with `levels` for a grid)."""

    values: list[Any] | None = None
    range: tuple[float, float] | None = None
    levels: int = Field(5, ge=2, le=1000, description="grid points over a range [count]")
    integer: bool = False
    kind: Literal["uncertainty", "lever"] = "uncertainty"

    @model_validator(mode="after")
    def _one_of(self) -> Parameter:
        if (self.values is None) == (self.range is None):
            raise ValueError("give either values: [...] or range: [low, high]")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range must be [low, high] with low < high (got {list(self.range)})")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """[low, high] of a parameter given by its range (one given by values has none)."""
        if self.range is None:
            raise ValueError("a parameter given by values has no range")
        return self.range


class ScreenAll(_Part):
    """Sweep every numeric parameter of the base scenario by a relative spread (for Morris)."""

    spread: float = Field(0.25, gt=0, le=1, description="each value v ranges over v(1 +- spread)")
    exclude: list[str] = []


class Design(_Part):
    sampler: Literal["grid", "random", "lhs", "sobol", "morris"] = "grid"
    samples: int = Field(
        64,
        ge=1,
        le=1_000_000,
        description="points (random, lhs), base samples N (sobol), trajectories (morris)",
    )
    levels: int = Field(4, ge=2, le=100, description="Morris grid levels")
    common_random_numbers: bool = False


class Sweep(_Part):
    name: PlainName
    description: str = ""
    scenario: str
    set: dict[str, Any] = {}
    parameters: dict[str, Parameter] = {}
    screen_all_numeric: ScreenAll | None = None
    design: Design = Design()
    replicates: int = Field(1, ge=1, le=100_000)
    root_seed: int = Field(2019, ge=0)
    outcomes: list[str] = Field(["*"], description="summary columns to keep: names or shell patterns")
    analysis_outcomes: list[str] = []
    posterior: str | None = Field(None, description="a calibration's folder: parameters drawn per replicate")

    @model_validator(mode="after")
    def _something_to_sweep(self) -> Sweep:
        if not self.parameters and self.screen_all_numeric is None:
            raise ValueError("a sweep needs parameters: or screen_all_numeric:")
        if self.design.sampler in ("sobol", "morris"):
            for key, p in self.parameters.items():
                if p.range is None:
                    raise ValueError(f"{self.design.sampler} needs a range for every parameter ({key} has values)")
        return self


@dataclass(frozen=True)
class Run:
    run_id: int
    point: int
    replicate: int
    seed: int


@dataclass
class Plan:
    """The expanded design: points (value per key path) and how runs map onto them."""

    sweep: Sweep
    path: Path
    base: Scenario
    keys: list[str]
    points: list[dict[str, Any]]
    problem: dict | None  # SALib's problem (names, bounds), for sobol/morris
    samples: np.ndarray | None  # the raw sample matrix, for Morris analysis
    drawn: list[dict[str, Any]] | None = None  # per replicate: the posterior's draw (`posterior:`)

    @property
    def drawn_keys(self) -> list[str]:
        return list(self.drawn[0]) if self.drawn else []

    def changes(self, run: Run) -> dict[str, Any]:
        """What a run changes of the base scenario: its design point, and its replicate's
        draw from the posterior, if the sweep names one."""
        point = self.points[run.point]
        return {**point, **self.drawn[run.replicate]} if self.drawn else point

    @property
    def runs_total(self) -> int:
        return len(self.points) * self.sweep.replicates

    def runs(self, run_ids: list[int]) -> list[Run]:
        """The runs of these ids, each with its seed: the child of the root SeedSequence by run
        id, or by replicate with common random numbers (every point of a replicate, one seed)."""
        ids = np.asarray(run_ids, dtype=np.int64)
        points, replicates = np.divmod(ids, self.sweep.replicates)
        keys = replicates if self.sweep.design.common_random_numbers else ids
        seeds = run_seeds(self.sweep.root_seed, keys)
        return [Run(*map(int, row)) for row in zip(ids, points, replicates, seeds, strict=True)]

    def run(self, run_id: int) -> Run:
        return self.runs([run_id])[0]

    def digest(self) -> str:
        text = json.dumps(
            {"sweep": self.sweep.model_dump(mode="json"), "base": self.base.model_dump(mode="json"),
             **({"drawn": self.drawn} if self.drawn else {})},  # fmt: skip
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def scenario_for(self, point: int) -> Scenario:
        return with_changes(self.base, self.points[point])


# ------------------------------------------------------------------ loading


def load_sweep(path: str | Path) -> Plan:
    """Read, validate and expand a sweep file; raise ScenarioError naming file and key."""
    path = Path(path)
    sweep = validate(Sweep, _read_yaml(path), path)
    base_path = shipped.scenario_file(sweep.scenario, path, "scenario")
    try:
        base = load_scenario(base_path, merge=sweep.set)
    except ScenarioError as exc:
        raise ScenarioError(path, f"scenario ({exc.file}: {exc.key_path})", exc.message) from None
    parameters = dict(sweep.parameters)
    if sweep.screen_all_numeric is not None:
        parameters.update(screened(base, sweep.screen_all_numeric, set(parameters)))
    _check_bounds(path, base, parameters)
    keys = list(parameters)
    points, problem, samples = sample(sweep.design, parameters, sweep.root_seed)
    return Plan(sweep, path, base, keys, points, problem, samples, _drawn(sweep, path, base, keys))


def _drawn(sweep: Sweep, path: Path, base: Scenario, keys: list[str]) -> list[dict[str, Any]] | None:
    """One draw from the posterior per replicate (seeded by the root seed and the replicate)."""
    if sweep.posterior is None:
        return None
    from sim.calibration.posterior import load_posterior

    folder = named_file(sweep.posterior, path.parent, path, "posterior")
    posterior = load_posterior(folder, path, "posterior")
    both = sorted(set(keys) & set(posterior.names))
    if both:
        raise ScenarioError(path, "posterior", f"{both[0]} is both swept and drawn from the posterior; drop one")
    fixed = [key for key, _ in _set_keys(sweep.set)]
    return [posterior.apply(base, sweep.root_seed, r, fixed=fixed, source=path)[1]["values"]
            for r in range(sweep.replicates)]  # fmt: skip


def _set_keys(data: dict, prefix: str = "") -> list[tuple[str, Any]]:
    """A sweep's `set:` as key paths (its keys may be paths or nested mappings)."""
    out = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        out += _set_keys(value, path + ".") if isinstance(value, dict) else [(path, value)]
    return out


def numeric_leaves(data: Any, prefix: str = "") -> list[tuple[str, float]]:
    """Key paths of the numbers (not booleans) in a nested mapping; lists are skipped."""
    out: list[tuple[str, float]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            out += numeric_leaves(value, f"{prefix}{key}.")
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        out.append((prefix[:-1], data))
    return out


# Fields the schema keeps in order (lower <= upper) within each host. Each parameter's extremes
# alone may be valid while a point that takes the one high and the other low is not.
ORDERED = [("troop_floor", "troops")]


def screened(base: Scenario, screen: ScreenAll, given: set[str]) -> dict[str, Parameter]:
    """A range of v(1 +- spread) for every numeric value v of the base scenario not excluded or
    `given`, within its schema bounds, such that every combination of values is a valid scenario."""
    ranges: dict[str, tuple[float, float]] = {}
    integer = set()
    for key, value in numeric_leaves(base.model_dump(mode="json")):
        if key in given or any(key.startswith(x) for x in screen.exclude):
            continue
        low, high = sorted((value * (1 - screen.spread), value * (1 + screen.spread)))
        floor, ceiling = field_bounds(key)
        low, high = max(low, floor), min(high, ceiling)
        if isinstance(value, int):
            low, high = math.ceil(low), math.floor(high)
            integer.add(key)
        ranges[key] = (_narrow(base, key, value, low), _narrow(base, key, value, high))
    ranges = _keep_order(base, ranges)
    # zero-valued parameters (and one-value integers) stay as they are
    return {key: Parameter(range=(low, high), integer=key in integer) for key, (low, high) in ranges.items()
            if low < high}  # fmt: skip


def _keep_order(base: Scenario, ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Where the ranges of two ordered fields overlap, the lower's range ends and the upper's
    begins at one value between their base values (the middle of the overlap, or nearest to it)."""
    ranges = dict(ranges)
    for host in base.hosts:
        for lower, upper in ORDERED:
            a, b = f"hosts.{host}.{lower}", f"hosts.{host}.{upper}"
            if a not in ranges or b not in ranges or ranges[a][1] <= ranges[b][0]:
                continue
            low_base, high_base = getattr(base.hosts[host], lower), getattr(base.hosts[host], upper)
            cut = min(max((ranges[b][0] + ranges[a][1]) / 2, low_base), high_base)
            cut = math.floor(cut) if isinstance(low_base, int) else cut
            ranges[a], ranges[b] = (ranges[a][0], cut), (cut, ranges[b][1])
    return ranges


def _narrow(base: Scenario, key: str, value: float, extreme: float) -> float:
    """Move an extreme halfway back toward the base value until the scenario accepts it
    (constraints between fields, such as a troop floor below the troops)."""
    for _ in range(8):
        try:
            with_changes(base, {key: extreme})
            return extreme
        except ScenarioError:
            extreme = (extreme + value) / 2
            extreme = round(extreme) if isinstance(value, int) else extreme
    return value


def _check_bounds(path: Path, base: Scenario, parameters: dict[str, Parameter]) -> None:
    """Each parameter's extreme values must make a valid scenario."""
    for key, p in parameters.items():
        for value in p.values if p.values is not None else list(p.bounds):
            if p.integer and p.range is not None:
                value = int(round(value))
            try:
                with_changes(base, {key: value})
            except ScenarioError as exc:
                message = f"{excerpt(value)} is not accepted: {exc.message}"
                raise ScenarioError(path, f"parameters.{key}", message) from None


def check_points(plan: Plan) -> None:
    """Before any run: every design point must make a valid scenario. Otherwise one ScenarioError
    names the sweep file, the parameters whose combination is refused and how many points fail."""
    failed = []
    for i in range(len(plan.points)):
        try:
            plan.scenario_for(i)
        except ScenarioError as exc:
            failed.append((i, exc))
    if not failed:
        return
    i, first = failed[0]
    point = plan.points[i]
    inside = [k for k in point if not first.key_path or k == first.key_path or k.startswith(first.key_path + ".")]
    # the parameters that make the point valid when each alone is put back to its base value
    culprits = [k for k in inside if _accepted(plan.base, {x: v for x, v in point.items() if x != k})] or inside
    raise ScenarioError(
        plan.path,
        ", ".join(culprits),
        f"{len(failed):,} of {len(plan.points):,} design points are not valid scenarios, though each parameter's "
        f"range alone is (point {i}: {first.message}); choose ranges whose every combination is valid",
    )


def _accepted(base: Scenario, changes: dict[str, Any]) -> bool:
    try:
        with_changes(base, changes)
    except ScenarioError:
        return False
    return True


# ------------------------------------------------------------------ samplers


def sample(
    design: Design, parameters: dict[str, Parameter], seed: int
) -> tuple[list[dict], dict | None, np.ndarray | None]:
    keys = list(parameters)
    params = [parameters[k] for k in keys]
    problem = {"num_vars": len(keys), "names": keys, "bounds": [list(p.range or (0, 1)) for p in params]}
    if design.sampler == "grid":
        axes = [p.values if p.values is not None else list(np.linspace(*p.bounds, p.levels)) for p in params]
        rows = [list(combo) for combo in itertools.product(*axes)]
        return [_point(keys, params, row) for row in rows], None, None
    if design.sampler == "sobol":
        from SALib.sample import sobol

        matrix = sobol.sample(problem, design.samples, calc_second_order=False, seed=seed)
    elif design.sampler == "morris":
        from SALib.sample import morris

        matrix = morris.sample(problem, design.samples, num_levels=design.levels, seed=seed)
    else:
        rng = np.random.default_rng(seed)
        if design.sampler == "lhs":
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(keys), seed=rng).random(design.samples)
        else:
            unit = rng.random((design.samples, len(keys)))
        matrix = np.empty_like(unit, dtype=object)
        for j, p in enumerate(params):
            if p.values is not None:
                idx = np.minimum((unit[:, j] * len(p.values)).astype(int), len(p.values) - 1)
                matrix[:, j] = [p.values[i] for i in idx]
            else:
                low, high = p.bounds
                matrix[:, j] = low + unit[:, j] * (high - low)
        return [_point(keys, params, list(row)) for row in matrix], None, None
    points = [_point(keys, params, list(row)) for row in matrix]
    return points, problem, matrix


def _point(keys: list[str], params: list[Parameter], row: list[Any]) -> dict[str, Any]:
    out = {}
    for key, p, value in zip(keys, params, row, strict=True):
        if isinstance(value, np.generic):
            value = value.item()
        if p.integer and isinstance(value, float):
            value = int(round(value))
        out[key] = value
    return out


def to_yaml(plan: Plan) -> str:
    """The sweep as run, loadable from its results folder (beside the resolved scenario.yaml)."""
    data = plan.sweep.model_dump(mode="json")
    data.update(scenario="scenario.yaml", set={})
    if plan.sweep.posterior is not None:  # the folder as found from the sweep's own file, which is elsewhere
        path = Path(plan.path)
        data["posterior"] = str(named_file(plan.sweep.posterior, path.parent, path, "posterior"))
    size = f"{len(plan.points)} design points x {plan.sweep.replicates} replicates = {plan.runs_total} runs"
    head = f"# The sweep as run: {plan.path} over {plan.sweep.scenario}\n# {size}\n"
    return head + yaml.safe_dump(data, sort_keys=False)
