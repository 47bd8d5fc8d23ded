"""The class on the server: its games, who sits where, the round timer, and what is saved.

One `Classroom` per server process holds every game. A student joins with the class code and
takes a free chair; the chair's secret token (in the page's address) is then the only way to
move for it, so a reloaded page keeps its seat and no student can act for another. A timer
thread closes each game's round when all its students have moved or its time is up (the
instructor may pause, resume and advance). A finished game is written at once to the class's
folder, and the moves of every game after each round played (a class stopped mid-game keeps
them); the agents' own runs of the scenario (100 seeds) are computed beside the games for the
class histogram.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from sim.classroom.game import Chair, Game
from sim.config import Scenario, load_scenario
from sim.moves import Move
from sim.outcomes import TableSummary, simulate
from sim.words import title

AGENT_SEEDS = 100
TICK_SECONDS = 0.2
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a projector


def new_code(length: int = 5) -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(length))


@dataclass
class ClassPlan:
    """What `allysim classroom` hands the server: the scenario, the games and their student
    chairs, the round's time, the seed, the class folder and the two secrets."""

    scenario: str
    overrides: list[str]
    games: list[list[str]]
    round_seconds: float
    seed: int
    out: str
    code: str = field(default_factory=new_code)  # students join with it
    key: str = field(default_factory=lambda: secrets.token_urlsafe(12))  # the instructor's page
    agent_seeds: int = AGENT_SEEDS

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def read(cls, path: str | Path) -> ClassPlan:
        return cls(**json.loads(Path(path).read_text()))


class Classroom:
    """Every game of the class, behind one lock; `version` counts the changes pages poll for."""

    def __init__(self, plan: ClassPlan, scenario: Scenario | None = None):
        self.plan = plan
        self.scenario = scenario or load_scenario(Path(plan.scenario), plan.overrides)
        self.lock = threading.RLock()
        self.version = 0
        self.started = False  # the instructor starts the class once the students have joined
        self.paused = True
        self.paused_at: float | None = time.monotonic()
        self.games = [Game(i + 1, self.scenario, plan.seed, students) for i, students in enumerate(plan.games)]
        self.tokens: dict[str, tuple[Game, Chair]] = {}
        self.saved: dict[int, Path] = {}
        self.all_saved = False  # every game and the class's tables, with the agents', are written
        self.agents: list[dict] | None = None  # the agents' own runs: one row per seed and table
        self.out = Path(plan.out)
        self.stopping = threading.Event()
        self.moves_written = 0  # the rows of moves.parquet and moves.csv, as last written

    # ------------------------------------------------------------ the timer
    def start(self) -> None:
        """The round timer and the agents' runs, each in a thread of its own."""
        threading.Thread(target=self.run_timer, name="classroom-timer", daemon=True).start()
        threading.Thread(target=self.run_agents, name="classroom-agents", daemon=True).start()

    def run_timer(self) -> None:
        while not self.stopping.wait(TICK_SECONDS):
            self.tick()
            self.save_finished()
            self.save_moves()

    def tick(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self.lock:
            if self.paused:
                return
            for game in self.games:
                if not game.finished and (not game.waiting_for or now - game.opened_at >= self.plan.round_seconds):
                    game.close()
                    self.version += 1

    def time_left(self, game: Game) -> float:
        now = self.paused_at if self.paused and self.paused_at is not None else time.monotonic()
        return max(0.0, self.plan.round_seconds - (now - game.opened_at))

    def pause(self) -> None:
        with self.lock:
            if not self.paused:
                self.paused, self.paused_at = True, time.monotonic()
                self.version += 1

    def resume(self) -> None:
        """Start the class, or go on after a pause with the time each round had left."""
        with self.lock:
            if not self.started:
                self.started, self.paused_at = True, time.monotonic()
                for game in self.games:  # the first round's time starts now
                    game.opened_at = self.paused_at
            if self.paused and self.paused_at is not None:
                held = time.monotonic() - self.paused_at
                for game in self.games:  # the time a round had left is what it has on resuming
                    game.opened_at += held
                self.paused, self.paused_at = False, None
                self.version += 1

    def advance(self) -> None:
        """Close every game's round now: a seat that has not moved stalls."""
        with self.lock:
            for game in self.games:
                game.close()
            if self.paused:
                self.paused_at = time.monotonic()
            self.version += 1

    # ------------------------------------------------------------ the seats
    def free_chairs(self) -> list[tuple[int, str]]:
        with self.lock:
            return [(g.number, name) for g in self.games for name, c in g.chairs.items() if c.token is None]

    def join(self, code: str, game_number: int, government: str) -> str:
        """Take a free chair with the class code; returns the chair's token. ValueError says why not."""
        with self.lock:
            typed = code.strip().upper().encode()  # bytes: compare_digest refuses a str with letters such as É
            if not secrets.compare_digest(typed, self.plan.code.encode()):
                raise ValueError("that is not this class's code")
            game = next((g for g in self.games if g.number == game_number), None)
            chair = game.chairs.get(government) if game else None
            if game is None or chair is None:
                raise ValueError(f"game {game_number} has no student chair for {title(government)}")
            if chair.token is not None:
                raise ValueError(f"{title(government)} in game {game_number} is taken")
            chair.token = secrets.token_urlsafe(16)
            self.tokens[chair.token] = (game, chair)
            self.version += 1
            return chair.token

    def seat(self, token: str | None) -> tuple[Game, Chair] | None:
        with self.lock:
            return self.tokens.get(token or "")

    def send(self, token: str, moves: dict[str, Move], choices: dict[str, str]) -> str | None:
        """The seat's moves for the round; returns why they were refused, or None."""
        with self.lock:
            found = self.tokens.get(token)
            if found is None:
                return "this page's seat is not known to the class"
            game, chair = found
            problem = game.send(chair.government, moves, choices)
            if problem is None:
                self.version += 1
            return problem

    # ------------------------------------------------------------ the record
    @property
    def finished(self) -> bool:
        return all(g.finished for g in self.games)

    def save_finished(self) -> None:
        """Write each newly finished game's folder, then the class's tables (outside the lock:
        a trace figure takes a second)."""
        with self.lock:
            due = [g for g in self.games if g.finished and g.number not in self.saved]
        for game in due:
            from sim.classroom.record import write_game

            folder = write_game(game, self.out)
            with self.lock:
                self.saved[game.number] = folder
                self.version += 1
        if due:
            self.write_class()

    def save_moves(self) -> None:
        """Write the class's tables whenever a round has been played since they were last written:
        the moves of games not yet finished are kept if the class is stopped (Ctrl-C) mid-game."""
        with self.lock:
            played = sum(len(g.moves) for g in self.games)
        if played > self.moves_written:
            self.write_class()

    def write_class(self) -> None:
        from sim.classroom.record import write_class

        with self.lock:
            outcomes, moves, agents = self.outcomes(), self.moves(), self.agents_frame()
            self.moves_written = len(moves)
            whole = self.finished and len(self.saved) == len(self.games) and agents is not None
        write_class(self.out, outcomes, moves, agents)
        with self.lock:
            self.all_saved = self.all_saved or whole
            self.version += 1

    def run_agents(self) -> None:
        rows = []
        for seed in range(self.plan.agent_seeds):
            if self.stopping.is_set():
                return
            outcome = simulate(self.scenario, seed).outcome
            rows += [{"seed": seed, "table": name, **t.to_dict()} for name, t in outcome.tables.items()]
        with self.lock:
            self.agents = rows
            self.version += 1
        if self.saved:
            self.write_class()

    def outcomes(self) -> pd.DataFrame:
        """One row per finished game and table: who played and how it ended."""
        rows = []
        for game in self.games:
            if game.result is None:
                continue
            tables: dict[str, TableSummary] = game.result.outcome.tables
            for name, t in tables.items():
                rows.append({"game": game.number, "students": ", ".join(game.chairs), "table": name,
                             "rounds_played": game.result.outcome.rounds, **t.to_dict()})  # fmt: skip
        return pd.DataFrame(rows)

    def moves(self) -> pd.DataFrame:
        columns = ["game", "round", "date", "government", "table", "sent", "played", "by", "seconds"]
        return pd.DataFrame([row for g in self.games for row in g.moves], columns=columns)

    def agents_frame(self) -> pd.DataFrame | None:
        return None if self.agents is None else pd.DataFrame(self.agents)
