"""Calibration cases: one past negotiation each, a scenario plus the statistics it is matched on.

A case file (`configs/cases/`) is a scenario with one more top-level key, `observed:`, which
holds the five statistics every case carries (first-year change, months from the first round to
the deal, days of lapse, walkouts, threats carried out) and the reported inputs on which sources
disagree. This module takes `observed:` out, validates it, and leaves the rest to the scenario
loader, so that `extends:`, `--set` and every error message work as for any scenario.

    >>> case = load_case("configs/cases/sk_sma9.yaml")
    >>> case.host, case.observed.first_year_change_pct.value
    ('south_korea', 5.8)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from sim.config import Part, Scenario, ScenarioError, excerpt, explain, resolve_extends, scenario_from_data
from sim.experiment.design import numeric_leaves

STATISTICS = ("first_year_change_pct", "months_to_deal", "lapse_days", "walkouts", "threats_carried_out")
DAYS_PER_MONTH = 365.25 / 12  # months_to_deal is days / DAYS_PER_MONTH


class Statistic(Part):
    """One observed statistic: a `value`, or a `low`-`high` range where sources disagree or a
    date is known only to the month, each with its `source`; or `value: null` with the `reason`
    it is not known (a case is then not matched on it, and says so)."""

    value: float | None = None
    low: float | None = None
    high: float | None = None
    source: str | None = Field(None, max_length=1000)
    reason: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _one_form(self) -> Statistic:
        ranged = self.low is not None or self.high is not None
        if ranged and self.value is not None:
            raise ValueError("give a value or a low-high range, not both")
        if ranged and (self.low is None or self.high is None):
            raise ValueError("a range needs both low and high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        if self.known and not self.source:
            raise ValueError("an observed statistic needs its source")
        if not self.known and not self.reason:
            raise ValueError("a statistic without a value needs the reason it is not known (reason: ...)")
        return self

    @property
    def known(self) -> bool:
        return self.value is not None or self.low is not None

    @property
    def bounds(self) -> tuple[float, float] | None:
        """(low, high), a point as (value, value); None when not known."""
        if self.value is not None:
            return self.value, self.value
        return (self.low, self.high) if self.low is not None and self.high is not None else None


class ReportedRange(Part):
    """A scenario input that sources report differently: the scenario holds one value inside
    [low, high], and the calibration treats the input as uncertain over the range."""

    low: float
    high: float
    source: str = Field(..., min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _ordered(self) -> ReportedRange:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        return self


class Observed(Part):
    """What a case is matched on: every statistic is required (known, a range, or null with a reason)."""

    first_year_change_pct: Statistic = Field(..., description="first-year payment against the last one [%]")
    months_to_deal: Statistic = Field(..., description="first round to the deal reached [months]")
    lapse_days: Statistic = Field(..., description="days from the expiry to the deal, 0 when none [days]")
    walkouts: Statistic = Field(..., description="walkouts of the patron's negotiators [count]")
    threats_carried_out: Statistic = Field(..., description="drawdowns or other threats carried out [count]")
    uncertain_inputs: dict[str, ReportedRange] = Field({}, description="key path -> reported range [unit of the key]")

    @model_validator(mode="after")
    def _not_negative(self) -> Observed:
        for name in STATISTICS[1:]:
            bounds = getattr(self, name).bounds
            if bounds is not None and bounds[0] < 0:
                raise ValueError(f"{name}: a count or a duration is not negative (got {bounds[0]:g})")
        return self


@dataclass(frozen=True)
class Case:
    """A past negotiation: its scenario (one host table) and what was observed."""

    name: str
    path: Path
    scenario: Scenario
    observed: Observed

    @property
    def host(self) -> str:
        return next(iter(self.scenario.hosts))


def is_case(data: dict) -> bool:
    """Whether a file's mapping (its `extends:` resolved) is a case: it has `observed:`."""
    return "observed" in data


def load_case(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Case:
    """Read a case file: its observations validated, the rest validated as a scenario; a
    ScenarioError naming the file and the key path on any problem."""
    path = Path(path)
    return _case(resolve_extends(path), path, overrides)


def scenario_of(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """The scenario of a scenario file, or of a case file (its observations checked, then set
    aside): what `allysim run` and `allysim check` run."""
    path = Path(path)
    data = resolve_extends(path)
    return _case(data, path, overrides).scenario if is_case(data) else scenario_from_data(data, path, overrides)


def _case(data: dict, path: Path, overrides: list[str] | tuple[str, ...]) -> Case:
    raw = data.pop("observed", None)
    if not isinstance(raw, dict):
        raise ScenarioError(path, "observed", f"a case needs the statistics it is matched on: {', '.join(STATISTICS)}")
    unknown = next((key for key in raw if key not in Observed.model_fields), None)
    if unknown is not None:  # named before the statistic it misspells is reported missing
        accepted = ", ".join(Observed.model_fields)
        raise ScenarioError(path, f"observed.{unknown}", f"unknown key; accepted keys here: {accepted}")
    try:
        observed = Observed.model_validate(raw)
    except ValidationError as exc:
        key_path, message = explain(exc, Observed)
        raise ScenarioError(path, f"observed.{key_path}", message) from None
    scenario = scenario_from_data(data, path, overrides)
    if len(scenario.hosts) != 1:
        raise ScenarioError(path, "hosts", f"a case concerns one host's table; found {', '.join(scenario.hosts)} "
                                           "(drop the others with `name: null`)")  # fmt: skip
    _check_inputs(observed, scenario, path)
    return Case(str(scenario.name), path, scenario, observed)


def _check_inputs(observed: Observed, scenario: Scenario, path: Path) -> None:
    """Each uncertain input names a number of the scenario, and the scenario's value lies in its range."""
    numbers = dict(numeric_leaves(scenario.model_dump(mode="json")))
    for key_path, reported in observed.uncertain_inputs.items():
        where = f"observed.uncertain_inputs.{key_path}"
        value = numbers.get(key_path)
        if value is None:
            raise ScenarioError(path, where, "names no numeric parameter of the scenario")
        if not reported.low <= value <= reported.high:
            raise ScenarioError(path, where, f"the scenario's value {excerpt(value)} lies outside the reported "
                                             f"range [{reported.low:g}, {reported.high:g}]")  # fmt: skip
