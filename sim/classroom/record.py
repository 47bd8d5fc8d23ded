"""What a class leaves behind, in its folder: each finished game as a run's results with its
moves and trace (`game-N/`), and the class's tables of outcomes, moves and the agents' own
runs, each as Parquet and CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim import plots
from sim.classroom.game import Game
from sim.experiment import store


def write_game(game: Game, out: Path) -> Path:
    """`game-N/`: rounds, events (Parquet and CSV), summary, scenario, manifest, the students'
    moves (Parquet and CSV) and the trace figure."""
    result = game.result
    assert result is not None, "a game is written once it is finished"
    moves = pd.DataFrame(game.moves, columns=["game", "round", "date", "government", "table", "sent", "played",
                                              "by", "seconds"])  # fmt: skip
    manifest = store.manifest(result.scenario.digest(), store.now(), scenario=result.scenario.name,
                              seed=result.seed, game=game.number, students=list(game.chairs))  # fmt: skip
    extras: dict[str, store.Writer] = {
        "moves.parquet": lambda p: moves.to_parquet(p, index=False),
        "moves.csv": lambda p: moves.to_csv(p, index=False),
        "trace.png": lambda p: plots.trace(result, p),
    }
    return store.write_run(result, out / f"game-{game.number}", manifest, extras)


def write_class(out: Path, outcomes: pd.DataFrame, moves: pd.DataFrame, agents: pd.DataFrame | None) -> None:
    """outcomes, moves and (once computed) agents, each as .parquet and .csv, each file whole."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {"outcomes": outcomes, "moves": moves, **({"agents": agents} if agents is not None else {})}
    for name, frame in tables.items():
        store.write_atomic(out / f"{name}.parquet", parquet_of(frame))
        store.write_atomic(out / f"{name}.csv", csv_of(frame))


def parquet_of(frame: pd.DataFrame) -> store.Writer:
    return lambda path: frame.to_parquet(path, index=False)


def csv_of(frame: pd.DataFrame) -> store.Writer:
    return lambda path: frame.to_csv(path, index=False)
