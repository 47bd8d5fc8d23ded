"""A calibration's posterior as an input: `allysim run --posterior DIR` and a sweep's
`posterior: DIR` draw one parameter set per run (per replicate in a sweep), so that results
carry the parameters' uncertainty beside the seed's noise.

A draw picks one particle of the posterior by its weight, with a generator seeded from the
run's seed (the sweep's root seed and the replicate), so that a run is replayed with the same
draw. Its values are in the units of the calibration's reference scenario (the 2019
baseline); a `per_payment` value is scaled to the scenario's own payment, as in the fit; a
value of a table the scenario does not have is left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.spec import table_of
from sim.config import ScenarioError, _read_yaml, with_changes
from sim.schema import Scenario

POSTERIOR_KEY = 0x706F7374  # mixed into a draw's seed: a draw and the run's own stream differ


@dataclass(frozen=True)
class Posterior:
    folder: Path
    names: tuple[str, ...]
    values: np.ndarray  # particles x parameters
    weights: np.ndarray
    per_payment: dict[str, bool]
    reference_payments: dict[str, float]
    reference_strategies: dict[str, str]  # "patron", "hosts.X" -> the strategy the fit's values are for

    def draw(self, *seed: int) -> tuple[int, dict[str, float]]:
        """(the particle's index, its values by key path), chosen by weight."""
        rng = np.random.default_rng([*seed, POSTERIOR_KEY])
        index = int(rng.choice(len(self.weights), p=self.weights))
        return index, {name: float(v) for name, v in zip(self.names, self.values[index], strict=True)}

    def changes(self, scenario: Scenario, values: dict[str, float], skipped: dict[str, str] | None = None):
        """The key paths and values a draw makes of this scenario (see `not_drawn` for those left out)."""
        out: dict[str, Any] = {}
        skipped = self.not_drawn(scenario) if skipped is None else skipped
        for key, value in values.items():
            if key in skipped:
                continue
            table = table_of(key)
            if self.per_payment.get(key) and table is not None:
                value *= scenario.hosts[table].payment_usd_bn / self.reference_payments[table]
            out[key] = value
        return out

    def not_drawn(self, scenario: Scenario) -> dict[str, str]:
        """The posterior's parameters this scenario does not take, each with the reason: a table
        it lacks, or a strategy's parameter fitted for another strategy than the one it plays."""
        out = {}
        for key in self.names:
            table = table_of(key)
            if table is not None and table not in scenario.hosts:
                out[key] = f"the scenario has no {table} table"
                continue
            owner, _, rest = key.partition(".strategy.params.")
            if rest:
                fitted = self.reference_strategies.get(owner)
                plays = (scenario.patron if owner == "patron" else scenario.hosts[owner.split(".")[1]]).strategy.name
                if fitted is not None and plays != fitted:
                    out[key] = f"fitted for {fitted}; the scenario's {owner.removeprefix('hosts.')} plays {plays}"
        return out

    def apply(self, scenario: Scenario, *seed: int, fixed: Iterable[str] = (), source: str | Path = "--posterior"):
        """The scenario with one draw applied, and what was drawn (for the manifest). A key the
        user fixed (`--set`, a sweep's `set:`) and the posterior would draw is refused."""
        skipped = self.not_drawn(scenario)
        both = sorted(set(fixed) & (set(self.names) - set(skipped)))
        if both:
            raise ScenarioError(source, both[0], f"is both set and drawn from the posterior in {self.folder}; drop one")
        index, values = self.draw(*seed)
        changes = self.changes(scenario, values, skipped)
        drawn = {"folder": str(self.folder.resolve()), "particle": index, "values": changes, "not_drawn": skipped}
        try:
            return with_changes(scenario, changes), drawn
        except ScenarioError as exc:
            message = f"a draw from {self.folder} is not valid here: {exc.message}"
            raise ScenarioError(source, exc.key_path, message) from None


def posterior_damage(table, names: tuple[str, ...]) -> str | None:
    """What is wrong with a posterior table (a column missing, a value that is not a finite
    number, a weight below zero, no particle or no weight at all), or None."""
    import pandas as pd

    for column in ("weight", *names):
        if column not in table:
            return f"has no column {column!r}"
        if not pd.api.types.is_numeric_dtype(table[column]) or pd.api.types.is_bool_dtype(table[column]):
            return f"holds a column {column!r} that is not numbers"
    if len(table) == 0:
        return "holds no particle"
    numbers = table[["weight", *names]].to_numpy(float)
    if not np.isfinite(numbers).all():
        return "holds weights or values that are not finite numbers"
    weights = numbers[:, 0]
    if (weights < 0).any() or weights.sum() <= 0:
        return "holds weights below zero or none above it"
    return None


def load_posterior(folder: str | Path, source: str | Path = "--posterior", key: str = "") -> Posterior:
    """A finished calibration's posterior; ScenarioError naming where it was asked for otherwise."""
    import pyarrow.parquet as pq

    from sim.calibration.spec import CalibrationFile
    from sim.config import load_scenario
    from sim.shipped import scenario_file

    folder = Path(folder)
    where = f"{source}" if not key else source
    missing = [n for n in ("posterior.parquet", "calibration.yaml", "manifest.json") if not (folder / n).is_file()]
    if missing:
        raise ScenarioError(where, key, f"{folder} holds no finished calibration ({missing[0]} is missing)")
    try:
        table = pq.read_table(folder / "posterior.parquet").to_pandas()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except Exception as exc:  # a damaged Parquet or JSON file: Arrow's and json's errors alike
        raise ScenarioError(where, key, f"{folder}: the posterior cannot be read ({type(exc).__name__}); "
                                        "it is damaged") from None  # fmt: skip
    if manifest.get("status") != "complete":
        raise ScenarioError(where, key, f"{folder} holds no finished calibration (status {manifest.get('status')})")
    file = CalibrationFile.model_validate(_read_yaml(folder / "calibration.yaml"))
    reference = load_scenario(scenario_file(file.reference, folder / "calibration.yaml", "reference"))
    payments = manifest.get("reference_payments") or {n: host.payment_usd_bn for n, host in reference.hosts.items()}
    strategies = {"patron": reference.patron.strategy.name}
    strategies.update({f"hosts.{name}": host.strategy.name for name, host in reference.hosts.items()})
    names = tuple(k for k in file.priors if k in table)
    damaged = posterior_damage(table, names)
    if damaged:
        raise ScenarioError(where, key, f"{folder / 'posterior.parquet'} {damaged}; it is damaged")
    weights = table["weight"].to_numpy(float)
    values = table[list(names)].to_numpy(float)
    return Posterior(folder, names, values, weights / weights.sum(), {k: file.priors[k].per_payment for k in names},
                     dict(payments), strategies)  # fmt: skip
