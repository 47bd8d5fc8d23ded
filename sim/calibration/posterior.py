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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

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

    def draw(self, *seed: int) -> tuple[int, dict[str, float]]:
        """(the particle's index, its values by key path), chosen by weight."""
        rng = np.random.default_rng([*seed, POSTERIOR_KEY])
        index = int(rng.choice(len(self.weights), p=self.weights))
        return index, {name: float(v) for name, v in zip(self.names, self.values[index], strict=True)}

    def changes(self, scenario: Scenario, values: dict[str, float]) -> dict[str, Any]:
        """The key paths and values a draw makes of this scenario."""
        out: dict[str, Any] = {}
        for key, value in values.items():
            parts = key.split(".")
            table = parts[1] if parts[0] in ("hosts", "publics") and len(parts) > 2 else None
            if table is not None and table not in scenario.hosts:
                continue
            if self.per_payment.get(key) and table is not None:
                value *= scenario.hosts[table].payment_usd_bn / self.reference_payments[table]
            out[key] = value
        return out

    def apply(self, scenario: Scenario, *seed: int) -> tuple[Scenario, dict[str, Any]]:
        """The scenario with one draw applied, and what was drawn (for the manifest)."""
        index, values = self.draw(*seed)
        changes = self.changes(scenario, values)
        return with_changes(scenario, changes), {"folder": str(self.folder), "particle": index, "values": changes}


def load_posterior(folder: str | Path, source: str | Path = "--posterior", key: str = "") -> Posterior:
    """A finished calibration's posterior; ScenarioError naming where it was asked for otherwise."""
    import pyarrow.parquet as pq

    from sim.calibration.spec import CalibrationFile, _reference_path
    from sim.config import load_scenario

    folder = Path(folder)
    where = f"{source}" if not key else source
    missing = [n for n in ("posterior.parquet", "calibration.yaml", "manifest.json") if not (folder / n).is_file()]
    if missing:
        raise ScenarioError(where, key, f"{folder} holds no finished calibration ({missing[0]} is missing)")
    try:
        table = pq.read_table(folder / "posterior.parquet").to_pandas()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(where, key, f"{folder}: the posterior cannot be read ({type(exc).__name__})") from None
    if manifest.get("status") != "complete" or "weight" not in table:
        raise ScenarioError(where, key, f"{folder} holds no finished calibration (status {manifest.get('status')})")
    file = CalibrationFile.model_validate(_read_yaml(folder / "calibration.yaml"))
    payments = manifest.get("reference_payments")
    if not payments:
        reference = load_scenario(_reference_path(file.reference, folder / "calibration.yaml"))
        payments = {name: host.payment_usd_bn for name, host in reference.hosts.items()}
    names = tuple(k for k in file.priors if k in table)
    weights = table["weight"].to_numpy(float)
    return Posterior(folder, names, table[list(names)].to_numpy(float), weights / weights.sum(),
                     {k: file.priors[k].per_payment for k in names}, dict(payments))  # fmt: skip
