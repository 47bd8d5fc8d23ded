"""Strategy tournaments: every patron strategy plays every host strategy on the same scenario and
seeds (a round robin, as in Axelrod's tournaments), scored at the host tables a file names.

`allysim tournament configs/tournaments/classic.yaml` prints the pairings and the rankings and
writes them to results/tournament-<name>/. A student's strategy joins from its own Python file
(`strategy_files:`), loaded from its path, without editing the package. See docs/strategies.md.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim import arguments, isolation, rehearsal, standings
from sim.config import (
    PlainName,
    Scenario,
    ScenarioError,
    StrategyChoice,
    _read_yaml,
    load_scenario,
    named_file,
    plain_name,
    validate,
    with_changes,
)
from sim.experiment import store
from sim.experiment.runner import worker_context
from sim.experiment.seeds import run_seeds
from sim.model import AllianceModel
from sim.outcomes import OUTCOMES, summarize
from sim.policies import POLICIES
from sim.strategies import STRATEGIES

LOAD_SECONDS = 10.0  # to import a strategy file, and for each rehearsal
PAIRING_SECONDS = arguments.PAIRING_SECONDS  # default time limit of one pairing (all its seeds)

# ------------------------------------------------------------------ the tournament file


class Entrant(StrategyChoice):
    """A strategy from the registry, its parameters, the decision policy of its seat, and the
    label it plays under."""

    policy: str | None = Field(
        None, min_length=1, description="a registered Policy for the seat's other decisions (default: the agents' own)"
    )
    label: str | None = Field(None, description="its name in the tables (default: name(params) + policy)")

    @property
    def shown(self) -> str:
        if self.label:
            return self.label
        params = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        strategy = f"{self.name}({params})" if params else self.name
        return f"{strategy} + {self.policy}" if self.policy else strategy


class TournamentFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: PlainName | None = Field(None, description="the tournament's name (default: the file's stem)")
    description: str = ""
    scenario: str = Field(..., description="the scenario file, relative to this file")
    set: dict[str, Any] = Field({}, description="key.path: value, merged as an extending file would")
    strategy_files: list[str] = Field([], description="Python files that @register strategies")
    patron_strategies: list[Entrant] = Field(..., min_length=1, description="a list, or 'all'")
    host_strategies: list[Entrant] = Field(..., min_length=1, description="a list, or 'all'")
    tables: list[str] = Field([], description="the host tables scored (default: every table)")
    seeds: int = Field(..., ge=1, le=100_000, description="runs per pairing")
    root_seed: int = Field(0, ge=0, description="every run's seed derives from it")
    heatmap: Literal["payment", "deal_rate"] = "payment"

    @field_validator("patron_strategies", "host_strategies", mode="before")
    @classmethod
    def _all(cls, value: Any) -> Any:
        return sorted(STRATEGIES) if value == "all" else value

    @model_validator(mode="after")
    def _distinct(self) -> TournamentFile:
        for side in ("patron_strategies", "host_strategies"):
            labels = [e.shown for e in getattr(self, side)]
            twice = next((x for x in labels if labels.count(x) > 1), None)
            if twice:
                raise ValueError(f"{side}: {twice!r} is entered twice; give one a label")
        return self


@dataclass
class Tournament:
    name: str
    path: Path
    spec: TournamentFile
    scenario: Scenario
    tables: list[str]
    seeds: list[int]
    strategy_files: list[Path]
    registered: dict[str, list[str]] = field(default_factory=dict)  # strategy file -> the names it adds

    @property
    def patrons(self) -> list[Entrant]:
        return list(self.spec.patron_strategies)

    @property
    def hosts(self) -> list[Entrant]:
        return list(self.spec.host_strategies)


def derive_seeds(root_seed: int, n: int) -> list[int]:
    """The seeds of the n runs every pairing plays: 64 bits of each child of one SeedSequence,
    as a sweep's runs have them (`sim/experiment/seeds.py`)."""
    return [int(seed) for seed in run_seeds(root_seed, range(n))]


def load_strategy_file(file: Path) -> list[str]:
    """Import a Python file by its path; its `@register` adds strategies and its
    `@register_policy` decision policies. Returns the names it adds."""
    module_name = "allysim_entrant_" + hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:12]
    registries: tuple[dict[str, Any], ...] = (STRATEGIES, POLICIES)
    before = [dict(registry) for registry in registries]

    def restore() -> None:
        for registry, old in zip(registries, before, strict=True):
            registry.clear()
            registry.update(old)

    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise ValueError(f"{file.name} does not load: not a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        with isolation.time_limit(LOAD_SECONDS, "loading it"):
            spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # sys.exit() in a file ends its loading, not the tournament
        restore()
        fault = isolation.describe(exc, [file])
        raise ValueError(f"{file.name} does not load: {fault.reason} ({fault.where})") from None
    sys.modules[module_name] = module  # its classes pickle by reference, as a package's do
    mine, taken = [], []
    for registry, old in zip(registries, before, strict=True):
        added = [name for name, cls in registry.items() if cls.__module__ == module_name]
        mine += added
        taken += [n for n in added if n in old and old[n].__module__ != module_name]
    if taken:
        restore()
        raise ValueError(f"{file.name} registers {taken[0]!r}, a name already taken; choose another")
    if not mine:
        raise ValueError(f"{file.name} registers no strategy (decorate a Strategy subclass with @register) "
                         f"and no policy (a Policy subclass with @register_policy)")  # fmt: skip
    return mine


def load_tournament(path: str | Path) -> Tournament:
    """Read and validate a tournament file (loading its strategy files first); ScenarioError on
    any problem, naming the file, the key path and what is accepted."""
    path = Path(path)
    data = _read_yaml(path)
    files = data.get("strategy_files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ScenarioError(path, "strategy_files", "expected a list of paths of Python files")
    resolved, registered = [], {}
    for i, name in enumerate(files):
        file = named_file(name, path.parent, path, f"strategy_files.{i}", tree=path.parent)
        if not file.is_file():
            raise ScenarioError(path, f"strategy_files.{i}", f"file not found: {file}")
        try:
            registered[str(file.resolve())] = load_strategy_file(file)
        except ValueError as exc:
            raise ScenarioError(path, f"strategy_files.{i}", str(exc)) from None
        resolved.append(file)
    spec = validate(TournamentFile, data, path)
    scenario_path = named_file(spec.scenario, path.parent, path, "scenario")
    if not scenario_path.is_file():
        raise ScenarioError(path, "scenario", f"file not found: {scenario_path}")
    try:
        scenario = load_scenario(scenario_path, merge=spec.set)
    except ScenarioError as exc:
        changed = [k for k in spec.set if exc.key_path == k or exc.key_path.startswith(k + ".")]
        key = f"set.{changed[0]}" if changed else f"scenario ({exc.file}: {exc.key_path})"
        raise ScenarioError(path, key, exc.message) from None
    for i, table in enumerate(spec.tables):
        if table not in scenario.hosts:
            raise ScenarioError(path, f"tables.{i}", f"{table!r} is not a host table of {scenario.name}; "
                                f"accepted: {', '.join(scenario.hosts)}")  # fmt: skip
    for side, entrants in (
        ("patron_strategies", spec.patron_strategies),
        ("host_strategies", spec.host_strategies),
    ):
        for i, entrant in enumerate(entrants):
            if entrant.policy is not None and entrant.policy not in POLICIES:
                known = ", ".join(sorted(POLICIES))
                raise ScenarioError(path, f"{side}.{i}.policy", f"unknown policy {entrant.policy!r}; accepted: "
                                    f"{known} (or one that a strategy file registers)")  # fmt: skip
            try:
                with isolation.time_limit(LOAD_SECONDS, "its rehearsal"):
                    problem = rehearse(entrant) or rehearse_policy(entrant, side, scenario, resolved)
            except (TimeoutError, SystemExit) as exc:
                problem = f"{entrant.shown} fails a rehearsal: {isolation.describe(exc, resolved).reason}"
            if problem:
                raise ScenarioError(path, f"{side}.{i}", problem)
    tables = list(spec.tables) or list(scenario.hosts)
    name = spec.name or path.stem
    try:
        plain_name(name)
    except ValueError as exc:
        raise ScenarioError(path, "name", f"the file's stem names the results: {exc}") from None
    seeds = derive_seeds(spec.root_seed, spec.seeds)
    return Tournament(name, path, spec, scenario, tables, seeds, resolved, registered)


def rehearse(entrant: Entrant) -> str | None:
    """Why the strategy cannot play (it raises, or offers no finite payment), or None."""
    return rehearsal.rehearse(entrant.name, dict(entrant.params), entrant.shown)


def seat_policies(scenario: Scenario, patron: Entrant | None, host: Entrant | None, tables: list[str]) -> dict:
    """The decision policies of a pairing's seats: the patron's, and the host's at every scored
    table (a seat without one keeps the agents' own)."""
    policies = {}
    if patron is not None and patron.policy:
        policies[scenario.patron.name] = POLICIES[patron.policy]()
    if host is not None and host.policy:
        policies.update({name: POLICIES[host.policy]() for name in tables})
    return policies


def rehearse_policy(entrant: Entrant, side: str, scenario: Scenario, files: list[Path]) -> str | None:
    """Why the entrant's policy cannot play (it cannot be made, raises or answers with no option
    open to it in one run of the scenario), or None."""
    if entrant.policy is None:
        return None
    patron, host = (entrant, None) if side == "patron_strategies" else (None, entrant)
    try:
        AllianceModel(scenario, rng=0, policies=seat_policies(scenario, patron, host, list(scenario.hosts))).run()
    except Exception as exc:
        where = isolation.describe(exc, files).where
        return f"{entrant.shown} fails a rehearsal: policy {entrant.policy!r}: {type(exc).__name__}: {exc} ({where})"
    return None


# ------------------------------------------------------------------ playing it


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


def play_pairing(scenario: Scenario, seeds: list[int], tables: list[str], patron: Entrant, host: Entrant) -> list[dict]:
    """A pairing's rows: each seed scored, with fresh seat policies per run (a policy may keep
    state within a run, never across runs)."""
    return [{"patron": patron.shown, "host": host.shown, **row} for seed in seeds
            for row in score(scenario, seed, tables, seat_policies(scenario, patron, host, tables))]  # fmt: skip


def pairing_scenario(t: Tournament, patron: Entrant, host: Entrant) -> Scenario:
    changes = {"patron.strategy": {"name": patron.name, "params": dict(patron.params)}}
    for name in t.tables:
        changes[f"hosts.{name}.strategy"] = {"name": host.name, "params": dict(host.params)}
    return with_changes(t.scenario, changes)


def _load_files(files: list[Path]) -> None:  # in each pairing's process: the entrants' strategy files
    for file in files:
        load_strategy_file(file)


def play_entrants(t: Tournament, patron: Entrant, host: Entrant) -> list[dict]:
    """One pairing's rows, in its own process: the strategy files loaded there first."""
    _load_files(t.strategy_files)
    return play_pairing(pairing_scenario(t, patron, host), t.seeds, t.tables, patron, host)


def play_tournament(t: Tournament, workers: int = 1, limit: float = PAIRING_SECONDS) -> tuple[pd.DataFrame, list]:
    """Every pairing over the same seeds, each in its own process within `limit` seconds: one
    row per (pairing, seed, scored table), in order, and the disqualifications. A strategy that
    raises, hangs or exits is disqualified: its pairings are left out of the tables, and those
    not yet begun are not played."""
    jobs = [isolation.Job((p, h), play_entrants, (t, p, h)) for p in t.patrons for h in t.hosts]
    order = {(p.shown, h.shown): i for i, (p, h) in enumerate(job.key for job in jobs)}
    played: dict[tuple[str, str], list[dict]] = {}
    faults: list[tuple[Entrant, Entrant, isolation.Fault]] = []
    out: set[tuple[str, str]] = set()  # (side, label) of the disqualified

    def skip(key: tuple[Entrant, Entrant]) -> bool:
        return ("patron", key[0].shown) in out or ("host", key[1].shown) in out

    for (p, h), rows, fault in isolation.run_isolated(jobs, t.strategy_files, limit, workers, worker_context(), skip):
        if fault is None:
            played[(p.shown, h.shown)] = rows
        else:
            faults.append((p, h, fault))
            out.update((side, e.shown) for side, e in standings.culprits(fault, p, h, t.registered))
    disqualified: dict[tuple[str, str], dict] = {}  # each entrant's first failed pairing, in the file's order
    for p, h, fault in sorted(faults, key=lambda f: order[(f[0].shown, f[1].shown)]):
        for side, entrant in standings.culprits(fault, p, h, t.registered) or [("pairing", None)]:
            key = (side, entrant.shown if entrant else f"{p.shown} x {h.shown}")
            disqualified.setdefault(key, standings.disqualification(side, entrant, p, h, fault))
    kept = [row for key in sorted(played, key=lambda k: order[k]) if ("patron", key[0]) not in out
            and ("host", key[1]) not in out for row in played[key]]  # fmt: skip
    return pd.DataFrame(kept), list(disqualified.values())


def run_tournament(t: Tournament, workers: int = 1) -> pd.DataFrame:
    """Every pairing over the same seeds: one row per (pairing, seed, scored table), in order."""
    return play_tournament(t, workers)[0]


# ------------------------------------------------------------------ outputs


def write_results(out: Path, files: dict[str, Any]) -> None:
    """Write every file into `out` at once: all or nothing."""
    store.write_folder(out, files)


def cmd_tournament(args: argparse.Namespace) -> int:
    t = load_tournament(args.tournament)
    out = args.out or Path("results") / f"tournament-{t.name}"
    store.check_output_folder(out)
    started, clock = store.now(), time.perf_counter()
    workers = arguments.worker_count(args.workers)
    runs, disqualified = play_tournament(t, workers, args.time_limit)
    total = len(t.patrons) * len(t.hosts)
    if runs.empty:
        print("\n".join(standings.disqualified_lines(disqualified, 0, total)[1:-1]), file=sys.stderr)
        print("allysim: error: no pairing completed; nothing is ranked or written", file=sys.stderr)
        return 1
    table, ranks = standings.pairings(runs), standings.ranking(runs)
    manifest = store.manifest(
        t.scenario.digest(), started, tournament_file=str(args.tournament), tournament=t.name,
        scenario=t.scenario.name, tables=t.tables, root_seed=t.spec.root_seed, seeds=t.seeds,
        patron_strategies=[p.model_dump() | {"label": p.shown} for p in t.patrons],
        host_strategies=[h.model_dump() | {"label": h.shown} for h in t.hosts],
        strategy_files=[str(f) for f in t.strategy_files], workers=workers,
        time_limit_seconds=args.time_limit, disqualified=disqualified,
        run_seconds=round(time.perf_counter() - clock, 3),
    )  # fmt: skip
    files = {
        "pairings.csv": lambda path: table.to_csv(path, index=False),
        "pairings.parquet": lambda path: table.to_parquet(path, index=False),
        "ranking.csv": lambda path: ranks.to_csv(path, index=False),
        "runs.parquet": lambda path: runs.to_parquet(path, index=False),
        "heatmap.png": lambda path: standings.heatmap(table, t, path, t.spec.heatmap),
    }  # fmt: skip
    if disqualified:
        files["disqualified.csv"] = lambda path: pd.DataFrame(disqualified).to_csv(path, index=False)
    files["manifest.json"] = lambda path: path.write_text(store.dump_json(store.finished(manifest)))
    write_results(out, files)
    lines = standings.disqualified_lines(disqualified, len(table), total)
    if not args.quiet:
        print("\n".join(standings.report(table, ranks, t) + lines) + "\n")
    print(f"Results in {out}/ ({', '.join(files)})")
    if disqualified:
        print(f"allysim: {len(disqualified)} disqualified; the rest of the tournament completed "
              f"({len(table)} of {total} pairings ranked); see {out}/disqualified.csv", file=sys.stderr)  # fmt: skip
        return 1
    return 0
