"""One run's results: the rounds table, the event log and the summary per table and actor.

`simulate(scenario, seed)` is the one entry point of a run: a pure function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import AllianceModel
from sim.schema import Scenario


@dataclass
class RunResult:
    scenario: Scenario
    seed: int
    rounds: pd.DataFrame
    events: pd.DataFrame
    summary: dict


def simulate(scenario: Scenario, seed: int, rounds: int | None = None) -> RunResult:
    """Run the scenario with one seed (optionally fewer or more rounds) and collect its results."""
    if rounds is not None and rounds != scenario.rounds:
        scenario = scenario.model_copy(update={"rounds": rounds})
    model = AllianceModel(scenario, rng=seed).run()
    return collect(model, seed)


def collect(model: AllianceModel, seed: int) -> RunResult:
    return RunResult(model.config, seed, model.record.frame(), model.log.frame(), summarize(model, seed))


def _num(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), 6)


def summarize(model: AllianceModel, seed: int) -> dict:
    """The summary of a run: per table and per actor (utilities are mean yearly flows)."""
    cfg, record = model.config, model.record
    years = max(len(record), 1) / 12
    publics_on = cfg.modules.publics
    tables = {}
    for name, table in model.tables.items():
        host = model.hosts[name]
        p0 = host.config.payment_usd_bn
        price = table.price
        final = price if price is not None else table.demand
        tables[name] = {
            "deal": table.status == "deal",
            "deal_round": table.deal_round,
            "deal_period": table.deal_period,
            "deal_date": model.calendar.label(table.deal_round) if table.deal_round else None,
            "payment_usd_bn": _num(price),
            "increase_pct": _num(100 * (price / p0 - 1)) if price is not None else None,
            "walkouts": table.walkouts,
            "threats": table.threats,
            "drawdowns": table.drawdowns,
            "lapsed": table.ever_lapsed,
            "troops_withdrawn": int(host.troops0 - host.troops),
            "hedging_peak": _num(model.hedging_peak[name]),
            "hedging_final": _num(host.hedging),
            "opposition_final": _num(host.public.opposition(final)) if host.public and publics_on else None,
            "ratification_failures": table.ratification_failures,
            "stalled_rounds": table.stalled_rounds,
            "final_demand_usd_bn": _num(table.demand),
            "final_counter_usd_bn": _num(table.counter) if table.counters else None,
            "linkage_factor": _num(model.patron.linkage_factor[name]),
            "aspiration_usd_bn": _num(model.patron.aspiration[name]),
            "backdowns": model.log.count("backing down", name),
            "troop_floor_final": int(host.troop_floor),
            "patron_one_offs_usd_bn": _num(model.patron.one_offs[name]),
        }

    def mean_of(column: str) -> float | None:
        values = record.column(column)
        return _num(float(np.mean(values))) if values else None

    patron_one_offs = sum(model.patron.one_offs.values()) / years
    utilities = {cfg.patron.name: _num((mean_of("patron.utility") or 0.0) - patron_one_offs)}
    for name in model.hosts:
        utilities[name] = mean_of(f"{name}.utility")
    utilities[cfg.rival.name] = mean_of("rival.utility")
    actors = {
        cfg.patron.name: {
            "utility": utilities[cfg.patron.name],
            "one_off_costs_usd_bn": _num(sum(model.patron.one_offs.values())),
            "posture_changes": model.log.count("posture change"),
            "transactionalism_final": _num(model.patron.transactionalism),
        },
        cfg.rival.name: {
            "utility": utilities[cfg.rival.name],
            "inducements": model.log.count("inducement"),
            "coercions": model.log.count("coercion"),
        },
    }
    for name, host in model.hosts.items():
        actors[name] = {
            "utility": utilities[name],
            "reliability_final": _num(host.reliability),
            "fear_final": _num(host.fear),
            "inducement_final_usd_bn": _num(host.inducement),
        }
    return {
        "scenario": cfg.name,
        "seed": seed,
        "rounds": len(record),
        "start": model.calendar.label(1),
        "end": model.calendar.label(max(len(record), 1)),
        "tables": tables,
        "utilities": utilities,
        "actors": actors,
    }
