"""One run's results: the rounds table, the event log and the summary per table and actor, and
the outcomes a researcher counts in them, each defined here once.

`simulate(scenario, seed)` is the one entry point of a run: a pure function. Its summary is a
typed record (`RunSummary`, a `TableSummary` per host table) that summary.json, a sweep's runs
table, the analysis, the plots and the debrief all read.
"""

from __future__ import annotations

import fnmatch
import math
import typing
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.schema import Scenario

if TYPE_CHECKING:
    from sim.model import AllianceModel


@dataclass(frozen=True)
class TableSummary:
    """How one host table ended (payments in US$bn a year; a None where there is no such figure)."""

    deal: bool
    deal_round: int | None
    deal_period: int | None
    deal_date: str | None
    payment_usd_bn: float | None
    increase_pct: float | None
    walkouts: int
    threats: int
    drawdowns: int
    lapsed: bool
    troops_withdrawn: int
    hedging_peak: float | None
    hedging_final: float | None
    opposition_final: float | None
    ratification_failures: int
    stalled_rounds: int
    final_demand_usd_bn: float | None
    final_counter_usd_bn: float | None
    linkage_factor: float | None
    aspiration_usd_bn: float | None
    backdowns: int
    troop_floor_final: int
    patron_one_offs_usd_bn: float | None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def kinds(cls) -> dict[str, type]:
        """Each field's plain type (bool, int, float or str), None allowed or not."""
        hints = typing.get_type_hints(cls)
        return {f.name: next(t for t in typing.get_args(hints[f.name]) or (hints[f.name],) if t is not type(None))
                for f in fields(cls)}  # fmt: skip


@dataclass(frozen=True)
class RunSummary:
    """A run's summary: per host table, each actor's utility (mean yearly flow, US$bn) and the
    actors' final states. `to_dict()` is summary.json; `row()` is the run's row of a sweep."""

    scenario: str
    seed: int
    rounds: int
    start: str
    end: str
    tables: dict[str, TableSummary]
    utilities: dict[str, float | None]
    actors: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "rounds": self.rounds,
            "start": self.start,
            "end": self.end,
            "tables": {name: table.to_dict() for name, table in self.tables.items()},
            "utilities": dict(self.utilities),
            "actors": {name: dict(state) for name, state in self.actors.items()},
        }

    def row(self) -> dict[str, Any]:
        """The summary as one flat row: `<host>.<key>` per table, `utilities.<actor>`."""
        row = {f"{host}.{key}": value for host, table in self.tables.items() for key, value in table.to_dict().items()}
        row.update({f"utilities.{actor}": value for actor, value in self.utilities.items()})
        return row


def row_kinds(scenario: Scenario) -> dict[str, type]:
    """The columns of a run's row (`RunSummary.row`) for this scenario and the type of each, in order."""
    kinds = {f"{host}.{key}": kind for host in scenario.hosts for key, kind in TableSummary.kinds().items()}
    actors = [scenario.patron.name, *scenario.hosts, scenario.rival.name]
    kinds.update({f"utilities.{actor}": float for actor in actors})
    return kinds


def keep(row: dict, patterns: list[str]) -> dict:
    """The entries of a row whose names match any of the patterns (names or shell patterns)."""
    if patterns == ["*"]:
        return row
    return {k: v for k, v in row.items() if any(fnmatch.fnmatchcase(k, p) for p in patterns)}


# ------------------------------------------------------------------ the outcomes counted


@dataclass(frozen=True)
class CountedOutcome:
    """An outcome of a table that happened in a run when its summary `key` is above `above`."""

    name: str
    key: str
    above: float
    title: str

    def happened(self, table: TableSummary) -> bool:
        value = getattr(table, self.key)
        return value is not None and value > self.above

    def flags(self, column: pd.Series) -> pd.Series:
        """Whether it happened, run by run, from the key's column of a runs table (NaN: no)."""
        return (pd.to_numeric(column, errors="coerce") > self.above).astype(bool)


HEDGING_LINE = 0.3  # the hedging index above which a host is said to hedge

OUTCOMES = {
    o.name: o
    for o in (
        CountedOutcome("deal", "deal", 0, "deal"),
        CountedOutcome("walkout", "walkouts", 0, "walkout"),
        CountedOutcome("lapse", "lapsed", 0, "lapse"),
        CountedOutcome("drawdown", "troops_withdrawn", 0, "drawdown"),
        CountedOutcome("hedging", "hedging_peak", HEDGING_LINE, f"hedging above {HEDGING_LINE:g}"),
    )
}


@dataclass
class RunResult:
    scenario: Scenario
    seed: int
    rounds: pd.DataFrame
    events: pd.DataFrame
    outcome: RunSummary

    @property
    def summary(self) -> dict[str, Any]:
        """The summary as summary.json holds it: nested mappings."""
        return self.outcome.to_dict()


def simulate(scenario: Scenario, seed: int, rounds: int | None = None) -> RunResult:
    """Run the scenario with one seed (optionally fewer or more rounds) and collect its results."""
    if rounds is not None and rounds != scenario.rounds:
        scenario = scenario.model_copy(update={"rounds": rounds})
    from sim.model import AllianceModel  # here: the summary's types and outcomes are read without the model

    model = AllianceModel(scenario, rng=seed).run()
    return collect(model, seed)


def collect(model: AllianceModel, seed: int) -> RunResult:
    return RunResult(model.config, seed, model.record.frame(), model.log.frame(), summarize(model, seed))


def _num(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), 6)


def summarize(model: AllianceModel, seed: int) -> RunSummary:
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
        tables[name] = TableSummary(
            deal=table.status == "deal",
            deal_round=table.deal_round,
            deal_period=table.deal_period,
            deal_date=model.calendar.label(table.deal_round) if table.deal_round else None,
            payment_usd_bn=_num(price),
            increase_pct=_num(100 * (price / p0 - 1)) if price is not None else None,
            walkouts=table.walkouts,
            threats=table.threats,
            drawdowns=table.drawdowns,
            lapsed=table.ever_lapsed,
            troops_withdrawn=int(host.troops0 - host.troops),
            hedging_peak=_num(model.hedging_peak[name]),
            hedging_final=_num(host.hedging),
            opposition_final=_num(host.public.opposition(final)) if host.public and publics_on else None,
            ratification_failures=table.ratification_failures,
            stalled_rounds=table.stalled_rounds,
            final_demand_usd_bn=_num(table.demand),
            final_counter_usd_bn=_num(table.counter) if table.counters else None,
            linkage_factor=_num(model.patron.linkage_factor[name]),
            aspiration_usd_bn=_num(model.patron.aspiration[name]),
            backdowns=model.log.count("backing down", name),
            troop_floor_final=int(host.troop_floor),
            patron_one_offs_usd_bn=_num(model.patron.one_offs[name]),
        )

    def mean_of(column: str) -> float | None:
        values = record.column(column)
        # np.mean's own sum and division, without its wrappers
        return _num(float(np.add.reduce(np.asarray(values, dtype=np.float64))) / len(values)) if values else None

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
    return RunSummary(
        scenario=cfg.name,
        seed=seed,
        rounds=len(record),
        start=model.calendar.label(1),
        end=model.calendar.label(max(len(record), 1)),
        tables=tables,
        utilities=utilities,
        actors=actors,
    )
