"""Strategy tournaments: every patron strategy plays every host strategy on the same scenario and
seeds (a round robin, as in Axelrod's tournaments), scored at the host tables a file names.

`allysim tournament configs/tournaments/classic.yaml` prints the pairings and the rankings and
writes them to results/tournament-<name>/. A student's strategy joins from its own Python file
(`strategy_files:`), loaded from its path, without editing the package. See docs/strategies.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import importlib.util
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim import rehearsal, standings
from sim.config import (
    PlainName,
    Scenario,
    ScenarioError,
    StrategyChoice,
    _read_yaml,
    load_scenario,
    plain_name,
    validate,
    with_changes,
)
from sim.experiment import store
from sim.experiment.design import spawned_seed
from sim.experiment.runner import worker_context
from sim.model import AllianceModel
from sim.outcomes import collect
from sim.strategies import STRATEGIES

# ------------------------------------------------------------------ the tournament file


class Entrant(StrategyChoice):
    """A strategy from the registry, its parameters, and the label it plays under."""

    label: str | None = Field(None, description="its name in the tables (default: name(params))")

    @property
    def shown(self) -> str:
        if self.label:
            return self.label
        params = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.name}({params})" if params else self.name


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

    @property
    def patrons(self) -> list[Entrant]:
        return list(self.spec.patron_strategies)

    @property
    def hosts(self) -> list[Entrant]:
        return list(self.spec.host_strategies)


def derive_seeds(root_seed: int, n: int) -> list[int]:
    """The seeds of the n runs every pairing plays: children of one SeedSequence."""
    return [spawned_seed(root_seed, i) for i in range(n)]


def load_strategy_file(file: Path) -> list[str]:
    """Import a Python file by its path; its `@register` adds strategies. Returns their names."""
    module_name = "allysim_entrant_" + hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:12]
    before = dict(STRATEGIES)
    spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        STRATEGIES.clear()
        STRATEGIES.update(before)
        raise ValueError(f"{file.name} does not load: {type(exc).__name__}: {exc}") from None
    sys.modules[module_name] = module  # its classes pickle by reference, as a package's do
    mine = [name for name, cls in STRATEGIES.items() if cls.__module__ == module_name]
    taken = [n for n in mine if n in before and before[n].__module__ != module_name]
    if taken:
        STRATEGIES.clear()
        STRATEGIES.update(before)
        raise ValueError(f"{file.name} registers {taken[0]!r}, a name already taken; choose another")
    if not mine:
        raise ValueError(f"{file.name} registers no strategy (decorate a Strategy subclass with @register)")
    return mine


def load_tournament(path: str | Path) -> Tournament:
    """Read and validate a tournament file (loading its strategy files first); ScenarioError on
    any problem, naming the file, the key path and what is accepted."""
    path = Path(path)
    data = _read_yaml(path)
    files = data.get("strategy_files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ScenarioError(path, "strategy_files", "expected a list of paths of Python files")
    resolved = []
    for i, name in enumerate(files):
        file = (path.parent / name).resolve()
        if not file.is_file():
            raise ScenarioError(path, f"strategy_files.{i}", f"file not found: {file}")
        try:
            load_strategy_file(file)
        except ValueError as exc:
            raise ScenarioError(path, f"strategy_files.{i}", str(exc)) from None
        resolved.append(file)
    spec = validate(TournamentFile, data, path)
    scenario_path = (path.parent / spec.scenario).resolve()
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
            problem = rehearse(entrant)
            if problem:
                raise ScenarioError(path, f"{side}.{i}", problem)
    tables = list(spec.tables) or list(scenario.hosts)
    name = spec.name or path.stem
    try:
        plain_name(name)
    except ValueError as exc:
        raise ScenarioError(path, "name", f"the file's stem names the results: {exc}") from None
    return Tournament(name, path, spec, scenario, tables, derive_seeds(spec.root_seed, spec.seeds), resolved)


def rehearse(entrant: Entrant) -> str | None:
    """Why the strategy cannot play (it raises, or offers no finite payment), or None."""
    return rehearsal.rehearse(entrant.name, dict(entrant.params), entrant.shown)


# ------------------------------------------------------------------ playing it


class ScoredModel(AllianceModel):
    """The model with the patron's utility kept per table: its flow in the rows, and its one-off
    costs (backing down, drawdowns) charged to the table they fell on. They sum to its utility."""

    def __init__(self, config: Scenario, rng: int | None = None):
        super().__init__(config, rng=rng)
        self.one_offs = {name: 0.0 for name in self.hosts}

    def _charged(self, table, act):
        before = self.patron.audience_costs_paid + self.patron.domestic_costs_paid
        result = act()
        self.one_offs[table.host] += self.patron.audience_costs_paid + self.patron.domestic_costs_paid - before
        return result

    def close_deal(self, table, price: float) -> None:
        self._charged(table, lambda: super(ScoredModel, self).close_deal(table, price))

    def threat_deadline(self, table) -> int:
        return self._charged(table, lambda: super(ScoredModel, self).threat_deadline(table))

    def record_phase(self) -> None:
        super().record_phase()
        for name, host in self.hosts.items():
            self.rows[-1][f"{name}.patron_utility"] = self.patron.table_utility(host)


def score(scenario: Scenario, seed: int, tables: list[str]) -> list[dict]:
    """One run, scored at each table: both sides' utilities (US$bn a year) and the outcome."""
    model = ScoredModel(scenario, rng=seed).run()
    summary = collect(model, seed).summary
    years = max(len(model.rows), 1) / 12
    out = []
    for name in tables:
        table, t = model.tables[name], summary["tables"][name]
        flow = float(np.mean([row[f"{name}.patron_utility"] for row in model.rows]))
        out.append({
            "seed": seed, "table": name,
            "patron_utility": flow - model.one_offs[name] / years,
            "host_utility": summary["utilities"][name],
            "deal": t["deal"],
            "rounds_to_deal": t["deal_round"] - table.opens_round + 1 if t["deal"] else math.nan,
            "payment_usd_bn": t["payment_usd_bn"] if t["deal"] else math.nan,
            "lapsed": t["lapsed"], "walkouts": t["walkouts"], "drawdowns": t["drawdowns"],
        })  # fmt: skip
    return out


def play_pairing(task: tuple[Scenario, list[int], list[str], str, str]) -> list[dict]:
    scenario, seeds, tables, patron, host = task
    return [{"patron": patron, "host": host, **row} for seed in seeds for row in score(scenario, seed, tables)]


def pairing_scenario(t: Tournament, patron: Entrant, host: Entrant) -> Scenario:
    changes = {"patron.strategy": {"name": patron.name, "params": dict(patron.params)}}
    for name in t.tables:
        changes[f"hosts.{name}.strategy"] = {"name": host.name, "params": dict(host.params)}
    return with_changes(t.scenario, changes)


def _load_files(files: list[Path]) -> None:  # in each worker: the entrants' strategy files
    for file in files:
        load_strategy_file(file)


def run_tournament(t: Tournament, workers: int = 1) -> pd.DataFrame:
    """Every pairing over the same seeds: one row per (pairing, seed, scored table), in order."""
    tasks = [(pairing_scenario(t, p, h), t.seeds, t.tables, p.shown, h.shown) for p in t.patrons for h in t.hosts]
    if workers <= 1:
        parts = [play_pairing(task) for task in tasks]
    else:
        with cf.ProcessPoolExecutor(workers, mp_context=worker_context(), initializer=_load_files,
                                    initargs=(t.strategy_files,)) as pool:  # fmt: skip
            parts = list(pool.map(play_pairing, tasks))
    return pd.DataFrame([row for part in parts for row in part])


# ------------------------------------------------------------------ outputs


def write_results(out: Path, files: dict[str, Any]) -> None:
    """Write every file into `out` at once: all or nothing."""
    store.write_folder(out, files)


def add_command(subparsers) -> None:
    p = subparsers.add_parser("tournament", help="round robin of patron against host strategies")
    p.add_argument("tournament", type=Path, help="tournament YAML file (configs/tournaments/)")
    p.add_argument("--out", type=Path, help="output folder (default results/tournament-<name>/)")
    p.add_argument("--quiet", action="store_true", help="print only where the results are")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1; same results)")
    p.set_defaults(handler=cmd_tournament)


def cmd_tournament(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print(f"allysim: error: --workers must be 1 or more (got {args.workers})", file=sys.stderr)
        return 2
    t = load_tournament(args.tournament)
    out = args.out or Path("results") / f"tournament-{t.name}"
    store.check_output_folder(out)
    started, clock = store.now(), time.perf_counter()
    runs = run_tournament(t, args.workers)
    table, ranks = standings.pairings(runs), standings.ranking(runs)
    manifest = {
        "command": "allysim " + " ".join(sys.argv[1:]), "tournament_file": str(args.tournament),
        "tournament": t.name, "scenario": t.scenario.name, "scenario_hash": t.scenario.digest(),
        "tables": t.tables, "root_seed": t.spec.root_seed, "seeds": t.seeds,
        "patron_strategies": [p.model_dump() | {"label": p.shown} for p in t.patrons],
        "host_strategies": [h.model_dump() | {"label": h.shown} for h in t.hosts],
        "strategy_files": [str(f) for f in t.strategy_files], "workers": args.workers,
        "versions": store.versions(), "git_commit": store.git_commit(), "started": started,
        "run_seconds": round(time.perf_counter() - clock, 3),
    }  # fmt: skip
    write_results(out, {
        "pairings.csv": lambda path: table.to_csv(path, index=False),
        "pairings.parquet": lambda path: table.to_parquet(path, index=False),
        "ranking.csv": lambda path: ranks.to_csv(path, index=False),
        "runs.parquet": lambda path: runs.to_parquet(path, index=False),
        "heatmap.png": lambda path: standings.heatmap(table, t, path, t.spec.heatmap),
        "manifest.json": lambda path: path.write_text(store.dump_json({**manifest, "finished": store.now()})),
    })  # fmt: skip
    if not args.quiet:
        print("\n".join(standings.report(table, ranks, t)) + "\n")
    print(f"Results in {out}/ (pairings.csv, pairings.parquet, ranking.csv, runs.parquet, heatmap.png, "
          "manifest.json)")  # fmt: skip
    return 0
