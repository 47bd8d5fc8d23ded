"""What the calibration simulates and how far it lands from the record.

A parameter set is played once on every case, each case with its own seed and its uncertain
inputs (`observed.uncertain_inputs`) drawn uniformly over their reported ranges, and each run
is reduced to the five statistics the cases carry:

- `first_year_change_pct`: the deal's payment against the status quo, in %;
- `months_to_deal`: from the first round (`talks_open`) to the deal, taken at the middle of the
  month (round) in which it is reached, in months of 30.44 days;
- `lapse_days`: from the old agreement's expiry to the deal, 0 when the deal comes before it;
- `walkouts`: the patron's walkouts; `threats_carried_out`: drawdowns carried out.

A run that ends without a deal has no first-year change, and its months to the deal and days of
lapse are what had passed at the horizon (lower bounds). The distance (`Distance`) adds, over
the cases and the statistics the calibration uses, how far each simulated value lies outside
the observed value or range in units of the statistic's `scale`; a statistic the run lacks (no
deal) adds `no_deal_penalty`.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np

from sim.calibration.cases import DAYS_PER_MONTH, Case
from sim.calibration.spec import Calibration
from sim.config import with_changes
from sim.experiment.seeds import run_seeds

MID_MONTH = timedelta(days=14)


def statistics(case: Case, model) -> dict[str, float]:
    """The five statistics of one finished run of a case (NaN where the run has none)."""
    host = case.host
    config = model.config.hosts[host]
    table = model.tables[host]
    if table.status == "deal":
        day = model.calendar.date_of(table.deal_round) + MID_MONTH
        change = 100.0 * (table.price / config.payment_usd_bn - 1.0)
    else:
        day = model.calendar.date_of(len(model.record)) + timedelta(days=30)
        change = math.nan
    return {
        "first_year_change_pct": change,
        "months_to_deal": max(0.0, (day - config.talks_open).days / DAYS_PER_MONTH),
        "lapse_days": float(max(0, (day - config.agreement_expires - timedelta(days=1)).days)),
        "walkouts": float(table.walkouts),
        "threats_carried_out": float(table.drawdowns),
    }


class CaseModel:
    """pyabc's model: a parameter set (a mapping by key path) -> the statistics of every case,
    keyed `case.statistic`. Its randomness comes from numpy's global generator, which the
    sampler seeds for each particle (sim/calibration/sampler.py)."""

    def __init__(self, calibration: Calibration):
        self.calibration = calibration
        self.cases = calibration.cases
        self.used = list(calibration.file.statistics)

    def __call__(self, parameters) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
        return self.simulate(dict(parameters), seed)

    def simulate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        from sim.model import AllianceModel

        out: dict[str, float] = {}
        seeds = run_seeds(seed, np.arange(len(self.cases)))
        for case, case_seed in zip(self.cases, seeds, strict=True):
            scenario = self.scenario(case, values, np.random.default_rng(int(case_seed)))
            model = AllianceModel(scenario, rng=int(case_seed)).run()
            for stat, value in statistics(case, model).items():
                if stat in self.used:
                    out[f"{case.name}.{stat}"] = value
        return out

    def scenario(self, case: Case, values: dict[str, float], rng: np.random.Generator):
        changes = self.calibration.changes(case, values)
        for key, reported in case.observed.uncertain_inputs.items():
            changes[key] = float(rng.uniform(reported.low, reported.high))
        return with_changes(case.scenario, changes)


class Distance:
    """The scaled distance of simulated statistics from the observed ones (see the module)."""

    def __init__(self, calibration: Calibration):
        scales = {s: u.scale for s, u in calibration.file.statistics.items()}
        observed = calibration.observed()
        self.terms = [(key, low, high, scales[key.split(".", 1)[1]]) for key, (low, high) in observed.items()]
        self.penalty = calibration.file.no_deal_penalty

    def __call__(self, simulated: dict, observed: dict | None = None) -> float:
        return float(sum(self.parts(simulated).values()))

    def parts(self, simulated: dict) -> dict[str, float]:
        out = {}
        for key, low, high, scale in self.terms:
            value = simulated[key]
            if value is None or math.isnan(value):
                out[key] = self.penalty
            else:
                out[key] = max(0.0, low - value, value - high) / scale
        return out


def observed_point(calibration: Calibration) -> dict[str, float]:
    """The observations as pyabc stores them: the middle of each known value or range."""
    return {key: (low + high) / 2 for key, (low, high) in calibration.observed().items()}
