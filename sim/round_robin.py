"""A tournament as a sweep on the experiment engine (`sim/experiment/`): a grid over two
categorical parameters, the patron's entrant and the hosts', with one replicate per seed and
common random numbers (every pairing plays the same seeds), played by a game that seats a
pairing's entrants and scores each run at each scored table.

So a tournament has the sweep's executors, `--resume`, manifest and progress. A pairing is one
task, played within the time limit: by default each in a process of its own (the `isolated`
executor), so that a student's strategy that raises, hangs or exits is disqualified with its
line and the rest of the tournament completes (`sim/isolation.py`, `sim/standings.py`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim import entrants, isolation, standings
from sim.config import Scenario, with_changes
from sim.entrants import Entrant
from sim.experiment.design import Design, Parameter, Plan, Sweep, sample
from sim.experiment.runner import Game, Outcome, Task
from sim.model import AllianceModel
from sim.outcomes import OUTCOMES, summarize
from sim.policies import POLICIES

if TYPE_CHECKING:
    from sim.tournament import Tournament

SIDES = ("patron", "host")  # the design's two parameters: an entrant's label on each side
SCORES = [("table", "string"), ("patron_utility", "float64"), ("host_utility", "float64"), ("deal", "bool_"),
          ("rounds_to_deal", "float64"), ("payment_usd_bn", "float64"), ("lapsed", "bool_"),
          ("walkouts", "int64"), ("drawdowns", "int64")]  # fmt: skip


# ------------------------------------------------------------------ one pairing, one run


def seat_policies(scenario: Scenario, patron: Entrant | None, host: Entrant | None, tables: list[str]) -> dict:
    """The decision policies of a pairing's seats: the patron's, and the host's at every scored
    table (a seat without one keeps the agents' own)."""
    policies = {}
    if patron is not None and patron.policy:
        policies[scenario.patron.name] = POLICIES[patron.policy]()
    if host is not None and host.policy:
        policies.update({name: POLICIES[host.policy]() for name in tables})
    return policies


def pairing_scenario(base: Scenario, tables: list[str], patron: Entrant, host: Entrant) -> Scenario:
    """The scenario with the patron's strategy and the host's at every scored table."""
    changes = {"patron.strategy": {"name": patron.name, "params": dict(patron.params)}}
    for name in tables:
        changes[f"hosts.{name}.strategy"] = {"name": host.name, "params": dict(host.params)}
    return with_changes(base, changes)


def score(scenario: Scenario, seed: int, tables: list[str], policies: dict | None = None) -> list[dict]:
    """One run, scored at each table: both sides' utilities (US$bn a year) and the outcome."""
    model = AllianceModel(scenario, rng=seed, policies=policies).run()
    summary = summarize(model, seed)
    years = max(len(model.record), 1) / 12
    out = []
    for name in tables:
        table, t = model.tables[name], summary.tables[name]
        flow = float(np.mean(model.record.column(f"{name}.patron_utility")))
        deal = OUTCOMES["deal"].happened(t)
        out.append({
            "seed": seed, "table": name,
            "patron_utility": flow - model.patron.one_offs[name] / years,
            "host_utility": summary.utilities[name],
            "deal": deal,
            "rounds_to_deal": t.deal_round - table.opens_round + 1 if deal and t.deal_round else math.nan,
            "payment_usd_bn": t.payment_usd_bn if deal else math.nan,
            "lapsed": t.lapsed, "walkouts": t.walkouts, "drawdowns": t.drawdowns,
        })  # fmt: skip
    return out


# ------------------------------------------------------------------ the design


@dataclass
class Pairings(Plan):
    """The tournament's plan: points {"patron": label, "host": label}, replicates its seeds."""

    tournament: Tournament = field(kw_only=True)

    def entrants(self, point: int) -> tuple[Entrant, Entrant]:
        labels = self.points[point]
        return self.tournament.entrant("patron", labels["patron"]), self.tournament.entrant("host", labels["host"])

    def scenario_for(self, point: int) -> Scenario:
        return pairing_scenario(self.base, self.tournament.tables, *self.entrants(point))

    def digest(self) -> str:
        """The sweep's, the entrants', the tables' and the strategy files' contents: a folder
        resumed with any of them changed holds another tournament."""
        t = self.tournament
        text = json.dumps({"plan": super().digest(), "tables": t.tables, "files": entrants.digest(t.strategy_files),
                           "patron": [e.model_dump() for e in t.patrons], "host": [e.model_dump() for e in t.hosts]},
                          sort_keys=True)  # fmt: skip
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def design(t: Tournament) -> Pairings:
    """A grid over the two sides' entrants (patron-major, in the file's order) with the
    tournament's seeds as replicates of common random numbers: run i of every pairing plays
    the 64-bit seed of the root SeedSequence's child i, as before the engine played them."""
    parameters = {side: Parameter(values=[e.shown for e in entrants_]) for side, entrants_ in
                  (("patron", t.patrons), ("host", t.hosts))}  # fmt: skip
    sweep = Sweep(name=t.name, description=t.spec.description, scenario=t.spec.scenario, set=dict(t.spec.set),
                  parameters=parameters,
                  design=Design(sampler="grid", common_random_numbers=True), replicates=len(t.seeds),
                  root_seed=t.spec.root_seed, outcomes=[name for name, _ in SCORES])  # fmt: skip
    points, _, _ = sample(sweep.design, parameters, sweep.root_seed)
    return Pairings(sweep, t.path, t.scenario, list(SIDES), points, None, None, tournament=t)


# ------------------------------------------------------------------ the game


class RoundRobin(Game):
    """Plays a task, one pairing's runs, with fresh seat policies per run (a policy may keep state
    within a run, never across runs); a fault ends the pairing and is recorded with each of its
    runs. In the parent it passes over the pairings of an entrant already disqualified."""

    noun = "tournament"
    whole_points = True

    def __init__(self, t: Tournament, time_limit: float):
        self.tournament, self.limit, self.files = t, time_limit, tuple(t.strategy_files)
        self.time_limit = time_limit  # for the isolated executor, which ends a pairing that cannot stop itself
        self.out: set[tuple[str, str]] = set()  # (side, label) of the disqualified, in the parent

    def play(self, task: Task) -> Outcome:
        t = self.tournament
        try:
            entrants.ensure_loaded(t.strategy_files, t.registered)
            patron, host = (t.entrant(side, task.points[0][side]) for side in SIDES)
            scenario = pairing_scenario(task.base, t.tables, patron, host)
            rows = []
            with isolation.time_limit(self.limit, "the pairing"):
                for run in task.runs:
                    meta = {"run_id": run.run_id, "point": run.point, "replicate": run.replicate,
                            "patron": patron.shown, "host": host.shown}  # fmt: skip
                    policies = seat_policies(scenario, patron, host, t.tables)
                    rows += [{**meta, **row} for row in score(scenario, run.seed, t.tables, policies)]
        except (Exception, SystemExit) as exc:  # a student's sys.exit() ends nothing but its pairing
            fault = isolation.describe(exc, list(self.files))
            if isinstance(exc, isolation.TimeLimit):
                fault = replace(fault, reason=f"took longer than {exc.seconds:g} s")
            return self.faulted(task, fault)
        return Outcome(rows=rows)

    def schema(self, plan: Plan):
        import pyarrow as pa

        fields = [("run_id", pa.int64()), ("point", pa.int64()), ("replicate", pa.int64()), ("patron", pa.string()),
                  ("host", pa.string()), ("seed", pa.uint64())]  # fmt: skip
        return pa.schema(fields + [(name, getattr(pa, kind)()) for name, kind in SCORES])

    def faulted(self, task: Task, fault: isolation.Fault) -> Outcome:
        return Outcome(failures=[{**_meta(task, run), "fault": asdict(fault)} for run in task.runs])

    def unwanted(self, task: Task) -> Outcome | None:
        gone = [f"{side} {task.points[0][side]}" for side in SIDES if (side, task.points[0][side]) in self.out]
        if not gone:
            return None
        why = f"not played: {gone[0]} was disqualified in another pairing"
        return Outcome(failures=[{**_meta(task, run), "passed_over": why} for run in task.runs])

    def observe(self, outcome: Outcome) -> None:
        t = self.tournament
        for failure in outcome.failures[:1]:  # a pairing's runs share its fault
            if "fault" in failure:
                patron, host = t.entrant("patron", failure["patron"]), t.entrant("host", failure["host"])
                found = standings.culprits(isolation.Fault(**failure["fault"]), patron, host, t.registered)
                self.out.update((side, e.shown) for side, e in found)


def _meta(task: Task, run) -> dict[str, Any]:
    return {"run_id": run.run_id, "point": run.point, "replicate": run.replicate, "seed": run.seed,
            **{side: task.points[0][side] for side in SIDES}}  # fmt: skip


# ------------------------------------------------------------------ reading the results


def results(out: Path, t: Tournament) -> tuple[pd.DataFrame, list[dict]]:
    """The runs of the pairings ranked (in the design's order: pairing, seed, table) and the
    disqualifications (each entrant's first failed pairing, in the file's order). A fault that
    points at an entrant leaves all its pairings out of the tables."""
    faults: dict[int, dict] = {}  # point -> its first failure's record
    failures = Path(out) / "failures.jsonl"
    for line in failures.read_text(encoding="utf-8").splitlines() if failures.exists() else []:
        record = json.loads(line)
        if "fault" in record:
            faults.setdefault(record["point"], record)
    disqualified: dict[tuple[str, str], dict] = {}
    gone: set[tuple[str, str]] = set()
    for _, record in sorted(faults.items()):
        patron, host = t.entrant("patron", record["patron"]), t.entrant("host", record["host"])
        fault = isolation.Fault(**record["fault"])
        found = standings.culprits(fault, patron, host, t.registered)
        gone.update((side, e.shown) for side, e in found)
        for side, entrant in found or [("pairing", None)]:
            key = (side, entrant.shown if entrant else f"{patron.shown} x {host.shown}")
            disqualified.setdefault(key, standings.disqualification(side, entrant, patron, host, fault))
    parts = sorted((Path(out) / "runs").glob("part-*.parquet"))
    columns = ["patron", "host", "seed", *(name for name, _ in SCORES)]
    if not parts:
        return pd.DataFrame(columns=columns), list(disqualified.values())
    runs = pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)
    runs = runs.sort_values("run_id", kind="stable")
    kept = ~runs.patron.map(lambda p: ("patron", p) in gone) & ~runs.host.map(lambda h: ("host", h) in gone)
    return runs.loc[kept, columns].reset_index(drop=True), list(disqualified.values())
