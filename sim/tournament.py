"""Strategy tournaments: every patron strategy plays every host strategy on the same scenario and
seeds (a round robin, as in Axelrod's tournaments), scored at the host tables a file names.

`allysim tournament configs/tournaments/classic.yaml` prints the pairings and the rankings and
writes them to results/tournament-<name>/. A student's strategy joins from its own Python file
(`strategy_files:`), loaded from its path, without editing the package. See docs/strategies.md.
The tournament is played as a sweep on the experiment engine (`sim/round_robin.py`).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim import arguments, isolation, rehearsal, round_robin, standings
from sim.config import (
    PlainName,
    Scenario,
    ScenarioError,
    _read_yaml,
    excerpt,
    load_scenario,
    named_file,
    plain_name,
    validate,
)
from sim.entrants import LOAD_SECONDS, Entrant, load_strategy_file
from sim.experiment import folder, store
from sim.experiment.runner import Options, run_sweep
from sim.experiment.seeds import run_seeds
from sim.model import AllianceModel
from sim.policies import POLICIES
from sim.round_robin import score, seat_policies  # noqa: F401  (the tournament's scoring, where it was)
from sim.strategies import STRATEGIES

PAIRING_SECONDS = arguments.PAIRING_SECONDS  # default time limit of one pairing (all its seeds)
__all__ = ["Entrant", "LOAD_SECONDS", "load_strategy_file", "score"]

# ------------------------------------------------------------------ the tournament file


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

    def entrant(self, side: str, label: str) -> Entrant:
        """The entrant of a side ("patron" or "host") by the label it plays under."""
        return next(e for e in (self.patrons if side == "patron" else self.hosts) if e.shown == label)


def derive_seeds(root_seed: int, n: int) -> list[int]:
    """The seeds of the n runs every pairing plays: 64 bits of each child of one SeedSequence,
    as a sweep's runs have them (`sim/experiment/seeds.py`)."""
    return [int(seed) for seed in run_seeds(root_seed, range(n))]


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
            raise ScenarioError(path, f"tables.{i}", f"{excerpt(table)} is not a host table of {scenario.name}; "
                                f"accepted: {', '.join(scenario.hosts)}")  # fmt: skip
    for side, entrants in (
        ("patron_strategies", spec.patron_strategies),
        ("host_strategies", spec.host_strategies),
    ):
        for i, entrant in enumerate(entrants):
            if entrant.policy is not None and entrant.policy not in POLICIES:
                known = ", ".join(sorted(POLICIES))
                raise ScenarioError(path, f"{side}.{i}.policy", f"unknown policy {excerpt(entrant.policy)}; accepted: "
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


def play_tournament(t: Tournament, out: Path, options: Options, limit: float = PAIRING_SECONDS, resume: bool = False,
                    warn=None) -> tuple[pd.DataFrame, list[dict], dict]:  # fmt: skip
    """Play the tournament's missing pairings into `out` as a sweep (`sim/round_robin.py`): the
    runs of the pairings ranked (one row per pairing, seed and scored table, in order), the
    disqualifications and the sweep's manifest. A strategy that raises, hangs or exits is
    disqualified: its pairings are left out of the tables, and those not yet begun are not played.
    Each pairing plays within `limit` seconds."""
    about = {"tournament_file": str(t.path), "tournament": t.name, "scenario": t.scenario.name, "tables": t.tables,
             "seeds": t.seeds, "patron_strategies": [p.model_dump() | {"label": p.shown} for p in t.patrons],
             "host_strategies": [h.model_dump() | {"label": h.shown} for h in t.hosts],
             "strategy_files": [str(f) for f in t.strategy_files], "time_limit_seconds": limit}  # fmt: skip
    game = round_robin.RoundRobin(t, limit)
    manifest = run_sweep(round_robin.design(t), out, options, resume, warn, game=game, about=about)
    runs, disqualified = round_robin.results(out, t)
    return runs, disqualified, manifest


def run_tournament(t: Tournament, workers: int = 1) -> pd.DataFrame:
    """Every pairing over the same seeds, each in its own process: one row per (pairing, seed,
    scored table), in order."""
    with tempfile.TemporaryDirectory(prefix="allysim-tournament-") as tmp:
        return play_tournament(t, Path(tmp) / "out", Options("isolated", workers, quiet=True))[0]


# ------------------------------------------------------------------ outputs

STANDINGS = ("pairings.csv", "pairings.parquet", "ranking.csv", "runs.parquet", "heatmap.png", "disqualified.csv")
ENGINE = {"manifest.json", "sweep.yaml", "scenario.yaml", "runs", "failures.jsonl", "damaged", folder.LOCK}


def check_earlier(out: Path) -> None:
    """Refuse `out` for a tournament that is not resumed unless it is new, empty (but for a
    lock), or an earlier allysim result that holds nothing but what a tournament writes."""
    if out.is_dir() and not out.is_symlink() and all(p.name == folder.LOCK for p in out.iterdir()):
        return
    store.check_output_folder(out)
    if not out.is_dir():
        return
    foreign = sorted(p.name for p in out.iterdir() if p.name not in {*STANDINGS, *ENGINE}
                     and not p.name.startswith("failures-before-"))  # fmt: skip
    if foreign:
        raise store.OutputFolderError(f"{out} holds what a tournament would not write there ({', '.join(foreign[:3])})"
                                      "; it is left untouched: choose another --out or move them away")  # fmt: skip


def clear_earlier(out: Path) -> None:
    """Before a tournament that is not resumed, holding the folder's lock: remove an earlier
    allysim result at `out` (one that holds nothing but what a tournament writes), as an earlier
    run's files are replaced; the lock file stays, so no other process can take the folder meanwhile."""
    check_earlier(out)
    if not out.is_dir():
        return
    for path in out.iterdir():  # all but the lock, which the caller holds
        if path.name == folder.LOCK:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def cmd_tournament(args: argparse.Namespace) -> int:
    from concurrent.futures.process import BrokenProcessPool

    from sim.experiment.runner import SchedulerError, reach_scheduler
    from sim.stopping import exit_code

    t = load_tournament(args.tournament)
    out = args.out or Path("results") / f"tournament-{t.name}"
    executor = arguments.executor_of(args)
    if executor is None:
        print(f"allysim: error: {arguments.SCHEDULER_WITHOUT_DASK}", file=sys.stderr)
        return 2
    options = Options(executor, args.workers, args.scheduler, quiet=args.quiet)
    again = f"allysim tournament {args.tournament} --out {out} --resume"
    clock = time.perf_counter()
    with contextlib.ExitStack() as held:  # the folder's lock, from before it is cleared to the last standing written
        try:
            if args.scheduler:
                reach_scheduler(args.scheduler)  # before any folder is made
            if not args.resume:
                check_earlier(out)  # before the lock makes the folder: a refused one is left as it was
            held.enter_context(folder.locked(out))
            if not args.resume:
                clear_earlier(out)
            runs, disqualified, manifest = play_tournament(t, out, options, args.time_limit, args.resume,
                                                           warn=lambda line: print(line, file=sys.stderr))  # fmt: skip
        except (folder.SweepFolderError, SchedulerError) as exc:
            print(f"allysim: error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt as exc:
            print(f"allysim: interrupted; finished pairings are stored in {out}/runs/; complete them with: {again}",
                  file=sys.stderr)  # fmt: skip
            return exit_code(exc)
        except BrokenProcessPool:
            print(f"allysim: error: a worker process died (killed, out of memory, or a strategy that ended it: "
                  f"--executor isolated plays each pairing in a process of its own); complete it with: {again}",
                  file=sys.stderr)  # fmt: skip
            return 1
        total = len(t.patrons) * len(t.hosts)
        if runs.empty:
            print("\n".join(standings.disqualified_lines(disqualified, 0, total)[1:-1]), file=sys.stderr)
            print(f"allysim: error: no pairing completed; nothing is ranked (the runs are in {out}/)", file=sys.stderr)
            return 1
        table, ranks = standings.pairings(runs), standings.ranking(runs)
        seconds = round(time.perf_counter() - clock, 3)
        manifest = store.finished(manifest, disqualified=disqualified, run_seconds=seconds)
        files: dict[str, store.Writer] = {
            "pairings.csv": lambda path: table.to_csv(path, index=False),
            "pairings.parquet": lambda path: table.to_parquet(path, index=False),
            "ranking.csv": lambda path: ranks.to_csv(path, index=False),
            "runs.parquet": lambda path: runs.to_parquet(path, index=False),
            "heatmap.png": lambda path: standings.heatmap(table, t, path, t.spec.heatmap, runs),
        }  # fmt: skip
        if disqualified:
            files["disqualified.csv"] = lambda path: pd.DataFrame(disqualified).to_csv(path, index=False)
        files["manifest.json"] = lambda path: path.write_text(store.dump_json(manifest))
        for name, writer in files.items():
            store.write_atomic(out / name, writer)
        lines = standings.disqualified_lines(disqualified, len(table), total)
        if not args.quiet:
            print("\n".join(standings.report(table, ranks, t) + lines) + "\n")
        print(f"Results in {out}/ ({', '.join(files)})")
        if disqualified:
            print(f"allysim: {len(disqualified)} disqualified; the rest of the tournament completed "
                  f"({len(table)} of {total} pairings ranked); see {out}/disqualified.csv",
                  file=sys.stderr)  # fmt: skip
            return 1
        return 0
