"""A calibration file (`configs/calibration/`): the cases, the priors by key path, the
statistics and their scales, and the ABC-SMC settings; read and checked before any run.

    name: history_before_2019
    cases: [sk_sma7, sk_sma9]            # files of configs/cases/, or paths from this file
    reference: baseline_2019              # a shipped scenario's name, or a path from this file
    priors:
      choice_precision: {low: 5, high: 60}
      hosts.south_korea.alliance_value_usd_bn: {low: 4, high: 12, per_payment: true}
    statistics: {first_year_change_pct: {scale: 2.5}, months_to_deal: {scale: 1.0}}
    abc: {population_size: 200, generations: 6, root_seed: 2019}

A prior's key path is one of the reference scenario's numbers (the 2019 baseline): the posterior
is read in the baseline's units. A case takes the priors of the tables it has (a `hosts.japan.`
prior is not used by a South Korean case); a `per_payment` value is scaled to the case's own
status-quo payment, as the case files scale the baseline's money values (docs/calibration.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.calibration.cases import STATISTICS, Case, load_case
from sim.config import (
    ScenarioError,
    _read_yaml,
    excerpt,
    explain,
    field_bounds,
    load_scenario,
    with_changes,
)
from sim.experiment.design import numeric_leaves
from sim.schema import PlainName, Scenario
from sim.shipped import configs, scenario_file

CASES, CALIBRATIONS = configs("cases"), configs("calibration")


def calibration_path(text: str) -> Path:
    """A calibration as named on the command line: a file by its path, or a shipped one by its
    name (`history`, `quick`)."""
    path = Path(text)
    shipped = CALIBRATIONS / f"{path.stem}.yaml"
    if not path.exists() and len(path.parts) == 1 and path.suffix in ("", ".yaml") and shipped.is_file():
        return shipped
    return path


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Prior(_Part):
    """Uniform over [low, high] of the reference scenario's unit; `per_payment`: a money value
    given at the reference's payment and scaled to each case's (the template's rule)."""

    low: float
    high: float
    per_payment: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"a prior needs low < high (got {self.low:g}, {self.high:g})")
        return self


class StatisticUse(_Part):
    """How far off one unit of misfit is: a simulated value `scale` outside the observed value
    (or range) adds 1 to the distance."""

    scale: float = Field(..., gt=0, description="one unit of misfit [unit of the statistic]")


class Epsilon(_Part):
    """The acceptance threshold per generation: a quantile of the last generation's distances
    (pyabc's QuantileEpsilon), or a list, one per generation."""

    quantile: float = Field(0.5, gt=0, lt=1, description="of the previous generation's distances")
    schedule: list[Annotated[float, Field(gt=0)]] | None = None
    minimum: float = Field(0.0, ge=0, description="stop once epsilon is at or below it")


class Abc(_Part):
    population_size: int = Field(200, ge=10, le=100_000, description="accepted particles per generation")
    generations: int = Field(6, ge=1, le=100, description="generations of ABC-SMC, the prior's included")
    epsilon: Epsilon = Epsilon()
    root_seed: int = Field(2019, ge=0, lt=2**63)
    min_acceptance_rate: float = Field(0.0, ge=0, lt=1, description="stop when a generation accepts fewer")


class Predictive(_Part):
    draws: int = Field(200, ge=10, le=100_000, description="posterior draws for the predictive checks")


class CalibrationFile(_Part):
    name: PlainName
    description: str = ""
    cases: list[str] = Field(..., min_length=1)
    reference: str = "baseline_2019"
    priors: dict[str, Prior] = Field(..., min_length=1)
    statistics: dict[Literal[STATISTICS], StatisticUse] = Field(..., min_length=1)  # type: ignore[valid-type]
    no_deal_penalty: float = Field(3.0, gt=0, description="distance of a known statistic a run without a deal lacks")
    abc: Abc = Abc()
    predictive: Predictive = Predictive()


@dataclass(frozen=True)
class Calibration:
    """A checked calibration file: its cases read, its priors valid for each case."""

    file: CalibrationFile
    path: Path
    reference: Scenario
    cases: tuple[Case, ...]
    left_out: Case | None = None  # the case left out, which the calibration predicts

    @property
    def checked(self) -> tuple[Case, ...]:
        """The cases of the predictive checks: those fitted, and the one left out."""
        return self.cases + ((self.left_out,) if self.left_out else ())

    @property
    def names(self) -> list[str]:
        """The parameters' key paths, in the file's order."""
        return list(self.file.priors)

    @cached_property
    def whole_numbers(self) -> frozenset[str]:
        """The parameters the schema counts in whole numbers (troops): read once, from the
        reference, which holds every parameter with the type every case gives it."""
        numbers = numeric_leaves(self.reference.model_dump(mode="json"))
        whole = (k for k, v in numbers if isinstance(v, int) and not isinstance(v, bool))
        return frozenset(k for k in whole if k in self.file.priors)

    def changes(self, case: Case, values: dict[str, float]) -> dict[str, float]:
        """The key paths and values that a parameter set makes of one case."""
        out = {}
        for key, value in values.items():
            prior = self.file.priors[key]
            table = table_of(key)
            if table is not None and table not in case.scenario.hosts:
                continue
            if prior.per_payment and table is not None:
                value *= case.scenario.hosts[table].payment_usd_bn / self.reference.hosts[table].payment_usd_bn
            out[key] = int(round(value)) if key in self.whole_numbers else float(value)
        return out

    def observed(self) -> dict[str, tuple[float, float]]:
        """`case.statistic` -> (low, high) of every known statistic the calibration uses."""
        out = {}
        for case in self.cases:
            for stat in self.file.statistics:
                bounds = getattr(case.observed, stat).bounds
                if bounds is not None:
                    out[f"{case.name}.{stat}"] = bounds
        return out

    def digest(self) -> str:
        text = json.dumps(
            {
                "file": self.file.model_dump(mode="json"),
                # of the reference, what the fit reads: the payments that per_payment values scale by
                "reference": {name: host.payment_usd_bn for name, host in self.reference.hosts.items()},
                "left_out": self.left_out.name if self.left_out else None,
                "cases": {c.name: [c.scenario.model_dump(mode="json"), c.observed.model_dump(mode="json")]
                          for c in self.cases},
            },
            sort_keys=True,
        )  # fmt: skip
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def without(self, case_name: str) -> Calibration:
        """The calibration without one case (leave-one-case-out)."""
        if case_name not in [c.name for c in self.cases]:
            raise ScenarioError(self.path, "cases", f"no case {excerpt(case_name)}; the cases: "
                                                    f"{', '.join(c.name for c in self.cases)}")  # fmt: skip
        kept = tuple(c for c in self.cases if c.name != case_name)
        if not kept:
            raise ScenarioError(self.path, "cases", f"--leave-out {case_name} leaves no case to fit; "
                                                    "leaving a case out needs at least two")  # fmt: skip
        left_out = next(c for c in self.cases if c.name == case_name)
        names = [c for c, k in zip(self.file.cases, self.cases, strict=True) if k.name != case_name]
        file = self.file.model_copy(update={"cases": names})
        return Calibration(file, self.path, self.reference, kept, left_out)


def table_of(key: str) -> str | None:
    """The host table a key path belongs to (`hosts.X.` or `publics.X.`), None for a shared one."""
    parts = key.split(".")
    return parts[1] if parts[0] in ("hosts", "publics") and len(parts) > 2 else None


def load_calibration(path: str | Path) -> Calibration:
    """Read and check a calibration file; ScenarioError naming the file and the key on any problem."""
    path = Path(path)
    data = _read_yaml(path)
    unknown = next((key for key in data if key not in CalibrationFile.model_fields), None)
    if unknown is not None:  # named before the key it misspells is reported missing
        accepted = ", ".join(CalibrationFile.model_fields)
        raise ScenarioError(path, str(unknown), f"unknown key; accepted keys here: {accepted}")
    try:
        file = CalibrationFile.model_validate(data)
    except ValidationError as exc:
        key_path, message = explain(exc, CalibrationFile)
        raise ScenarioError(path, key_path, message) from None
    reference_path = scenario_file(file.reference, path, "reference")
    reference = load_scenario(reference_path)
    cases = []
    for i, name in enumerate(file.cases):
        case_path = _case_path(name, path, f"cases.{i}")
        cases.append(load_case(case_path))
    if len({c.name for c in cases}) < len(cases):
        raise ScenarioError(path, "cases", "a case is named twice")
    calibration = Calibration(file, path, reference, tuple(cases))
    _check_priors(calibration)
    _check_statistics(calibration)
    return calibration


def _case_path(name: str, source: Path, key: str) -> Path:
    relative = source.parent / name
    if relative.suffix in (".yaml", ".yml") and relative.is_file():
        return relative
    shipped = CASES / f"{name}.yaml"
    if name.replace("_", "").isalnum() and shipped.is_file():
        return shipped
    known = ", ".join(sorted(p.stem for p in CASES.glob("[!_]*.yaml")))
    raise ScenarioError(source, key, f"no case {excerpt(name)}: a name of configs/cases/ ({known}) or a .yaml path "
                                     "from the calibration file")  # fmt: skip


def _check_priors(calibration: Calibration) -> None:
    path, reference = calibration.path, calibration.reference
    numbers = dict(numeric_leaves(reference.model_dump(mode="json")))
    for key, prior in calibration.file.priors.items():
        where = f"priors.{key}"
        if key not in numbers:
            raise ScenarioError(path, where, f"names no numeric parameter of the reference scenario "
                                             f"{calibration.file.reference}")  # fmt: skip
        low, high = field_bounds(key)
        if prior.low < low or prior.high > high:
            raise ScenarioError(path, where, f"[{prior.low:g}, {prior.high:g}] goes outside what the scenario "
                                             f"accepts for it, [{low:g}, {high:g}]")  # fmt: skip
        if prior.per_payment and table_of(key) is None:
            raise ScenarioError(path, f"{where}.per_payment", "only a value of one host table (hosts.X. or "
                                                              "publics.X.) is scaled to its payment")  # fmt: skip
        drawing = next((c.name for c in calibration.cases if key in c.observed.uncertain_inputs), None)
        if drawing is not None:
            raise ScenarioError(path, where, f"case {drawing} draws this input over its reported range "
                                             "(observed.uncertain_inputs): a fact of the record, not a parameter "
                                             "to fit")  # fmt: skip
        used = False
        for case in calibration.cases:
            for value in (prior.low, prior.high):
                changes = calibration.changes(case, {key: value})
                if not changes:
                    continue
                used = True
                try:
                    with_changes(case.scenario, changes)
                except ScenarioError as exc:
                    raise ScenarioError(path, where, f"{value:g} does not make a valid scenario of case "
                                                     f"{case.name}: {exc.message}") from None  # fmt: skip
        if not used:
            raise ScenarioError(path, where, "no case of this calibration has this table")


def _check_statistics(calibration: Calibration) -> None:
    for case in calibration.cases:
        if not any(getattr(case.observed, s).known for s in calibration.file.statistics):
            used = ", ".join(calibration.file.statistics)
            raise ScenarioError(case.path, "observed", f"the case knows none of the statistics {calibration.path} "
                                                       f"uses ({used})")  # fmt: skip


def parameters_of(calibration: Calibration, values: Any) -> dict[str, float]:
    """A parameter set as {key path: value} from a mapping with those keys."""
    return {key: float(values[key]) for key in calibration.names}
