"""One classroom game: a model of the scenario with some governments' chairs taken by students.

Each round every student seat sees the table as it stands (the briefing of `allysim play`) and
sends its moves at once; when all have moved, or the timer ends, the model plays the round with
them through the same `Seat` and `HumanStrategy` as `allysim play` (a seat that sent nothing
stalls, or holds as the US). The moves come from a `Ballot`: a move source the browser fills.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sim.config import Scenario
from sim.model import AllianceModel
from sim.moves import MOVES, WHEN_SILENT, Check, Move, MoveSource, never
from sim.outcomes import RunResult, collect
from sim.play import Seat
from sim.strategies import HOST, PATRON, TOLERANCE
from sim.words import country, title, usd

DEADLINE_CHOICES = {"drawdown": "carry out the threat: draw down", "back down": "back down",
                    "accept": "accept the offer on the table"}  # fmt: skip


class Ballot(MoveSource):
    """The moves a student sent for the round, per table, and the choice at a threat's deadline."""

    briefs = False  # the page showed the briefing before the round

    def __init__(self, side: int):
        self.side = side
        self.moves: dict[str, Move] = {}
        self.choices: dict[str, str] = {}

    def next(self, prompt: str, check: Check, table: str = "", doubt: Check = never) -> tuple[Move, str | None]:
        silent = Move(WHEN_SILENT[self.side])
        move = self.moves.pop(table, None)
        if move is None:
            return silent, "(no move sent in time)"
        problem = check(move)
        if problem is not None:  # the round's calendar changed the table since the move was sent
            return silent, f"({move} could not be played: {problem})"
        return move, None

    def deadline(self, table: str, options: list[str]) -> str | None:
        return self.choices.pop(table, None)


def meets(model: AllianceModel, name: str, round_: int) -> bool:
    """Whether the table's two sides meet in the round: open, opening, or resuming after a walkout."""
    table = model.tables[name]
    if table.status == "open":
        return True
    if table.status == "waiting":
        return round_ >= table.opens_round
    return table.status == "suspended" and round_ > table.suspended_until


@dataclass
class Chair:
    """A student's seat in a game: the government, its Seat and Ballot, and this round's questions."""

    government: str
    seat: Seat
    ballot: Ballot
    token: str | None = None  # the secret of the student who took it
    asks: dict[str, list[str]] = field(default_factory=dict)  # table -> the moves open there
    deadlines: dict[str, list[str]] = field(default_factory=dict)  # table -> the choices at its deadline
    briefing: dict[str, list[str]] = field(default_factory=dict)
    news: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the table made of the last round's moves
    sent: bool = False
    sent_at: float | None = None
    draft: dict = field(default_factory=dict)  # (round, field) -> what the page has chosen so far, unsent

    @property
    def side(self) -> int:
        return self.seat.side

    @property
    def moving(self) -> bool:
        return bool(self.asks or self.deadlines)


class Game:
    """A game of the class: students in the chairs named, the agents in the others."""

    def __init__(self, number: int, scenario: Scenario, seed: int, students: list[str]):
        self.number, self.scenario, self.seed = number, scenario, seed
        self.model = AllianceModel(scenario, rng=seed)
        self.chairs: dict[str, Chair] = {}
        for government in students:
            side = PATRON if government == scenario.patron.name else HOST
            ballot = Ballot(side)
            chair = Chair(government, Seat(self.model, government, ballot), ballot)
            chair.seat.write = chair.notes.append
            chair.seat.install()
            self.chairs[government] = chair
        self.moves: list[dict] = []  # one row per question a student was asked
        self.opened_at = time.monotonic()
        self.result: RunResult | None = None
        self.open_round()

    @property
    def name(self) -> str:
        return f"game {self.number}"

    @property
    def round(self) -> int:
        """The round being played (or the last, once finished)."""
        return self.model.round + (0 if self.finished else 1)

    @property
    def finished(self) -> bool:
        return not self.model.running

    @property
    def waiting_for(self) -> list[str]:
        return [g for g, c in self.chairs.items() if c.moving and not c.sent]

    # ------------------------------------------------------------ a round
    def open_round(self) -> None:
        """Ask each student what the coming round asks of it; rounds that ask nothing of any
        student are played at once."""
        while self.model.running:
            r = self.model.round + 1
            for chair in self.chairs.values():
                self.ask(chair, r)
            if any(c.moving for c in self.chairs.values()):
                self.opened_at = time.monotonic()
                return
            self.play()
        self.result = collect(self.model, self.seed)

    def ask(self, chair: Chair, round_: int) -> None:
        model, seat = self.model, chair.seat
        chair.sent, chair.sent_at, chair.draft = False, None, {}
        chair.asks = {name: self.options(chair, name, round_) for name in seat.tables if meets(model, name, round_)}
        chair.deadlines = {}
        if chair.side == PATRON:
            for name in seat.tables:
                table = model.tables[name]
                if table.threat is not None and round_ >= table.threat.deadline_round:
                    counter = table.counter if table.counters else None
                    values = model.patron.deadline_options(table, model.hosts[name], table.demand, counter)
                    chair.deadlines[name] = [c for c in DEADLINE_CHOICES if c in values]
        chair.news = seat.news()
        chair.briefing = {name: seat.briefing(model.tables[name], round_)[2:] for name in chair.asks}

    def options(self, chair: Chair, name: str, round_: int) -> list[str]:
        """The kinds of move open at the table in the round (an amount does not change which)."""
        table = self.model.tables[name]
        kinds = []
        for kind, amount in MOVES[chair.side].items():
            move = Move(kind, 1.0 if amount else None)
            if chair.seat.problem(move, table, round_) is None:
                kinds.append(kind)
        return kinds

    def problem(self, government: str, moves: dict[str, Move], choices: dict[str, str]) -> str | None:
        """Why these moves cannot be sent for the seat this round, or None."""
        chair = self.chairs.get(government)
        if chair is None or self.finished:
            return "the game is over" if chair else f"no student plays {title(government)} in {self.name}"
        if chair.sent:
            return "your move for this round is already sent"
        if set(moves) != set(chair.asks):
            return "a move is needed at each of your open tables: " + ", ".join(title(t) for t in chair.asks)
        for name, move in moves.items():
            if move.kind not in chair.asks[name]:
                return f"{move.kind} is not open at the {title(name)} table now"
        for name, choice in choices.items():
            if choice not in chair.deadlines.get(name, []):
                return f"{choice!r} is not a choice at the {title(name)} table's deadline"
        if set(choices) != set(chair.deadlines):
            return "the threat's deadline needs your choice"
        return None

    def doubt(self, government: str, name: str, move: Move) -> str | None:
        """The question `allysim play` asks before a move that may be a slip."""
        return self.chairs[government].seat.doubt(move, self.model.tables[name])

    def send(self, government: str, moves: dict[str, Move], choices: dict[str, str]) -> str | None:
        """Take the seat's moves for the round; returns why not, or None."""
        problem = self.problem(government, moves, choices)
        if problem is not None:
            return problem
        chair = self.chairs[government]
        chair.ballot.moves = {name: self.pinned(chair, name, move) for name, move in moves.items()}
        chair.ballot.choices = dict(choices)
        chair.sent, chair.sent_at = True, time.monotonic()
        return None

    def pinned(self, chair: Chair, name: str, move: Move) -> Move:
        """`accept` as the figure the student saw: both sides move at once, so the other side's
        figure may change in the round, and an acceptance is of the one on the screen. A host's
        counter at or above the demand on the screen is pinned to that demand too: the page said
        it accepts the demand and pays it, so a higher figure is not offered to a demand sent in
        the same round."""
        table = self.model.tables[name]
        if move.kind == "accept":
            return Move("accept", table.demand if chair.side == HOST else table.counter)
        amount = move.amount_usd_bn
        if chair.side == HOST and move.kind == "counter" and amount is not None and amount >= table.demand - TOLERANCE:
            return Move("counter", table.demand)
        return move

    def close(self) -> None:
        """The round ends (all moved, or the timer): play it, then open the next."""
        if self.finished:
            return
        self.play()
        self.open_round()

    def play(self) -> None:
        r = self.model.round + 1
        asked = {g: (dict(c.asks), dict(c.deadlines), dict(c.ballot.moves), dict(c.ballot.choices), c.sent_at)
                 for g, c in self.chairs.items() if c.moving}  # fmt: skip
        for government in asked:  # a seat asked nothing keeps its notes of the round it last moved in
            self.chairs[government].notes.clear()
        self.model.step()
        for government, (asks, deadlines, sent, chosen, sent_at) in asked.items():
            seat = self.chairs[government].seat
            seconds = None if sent_at is None else round(max(sent_at - self.opened_at, 0.0), 1)
            for name in asks:
                turn = seat.turns.get((r, name))
                self.record(r, government, name, str(sent[name]) if name in sent else "",
                            str(turn.move) if turn else "", seconds)  # fmt: skip
            for name in deadlines:
                self.record(r, government, name, f"deadline: {chosen[name]}" if name in chosen else "",
                            self.deadline_outcome(r, name), seconds)  # fmt: skip
            self.chairs[government].ballot.moves.clear()
            self.chairs[government].ballot.choices.clear()

    def deadline_outcome(self, round_: int, name: str) -> str:
        kinds = {e.kind for e in self.model.log.rows if e.round == round_ and e.table == name}
        for kind, played in (("drawdown", "deadline: drawdown"), ("backing down", "deadline: back down"),
                             ("accept", "deadline: accept"), ("ratification failed", "deadline: accept")):  # fmt: skip
            if kind in kinds:
                return played
        return ""

    def record(self, round_: int, government: str, table: str, sent: str, played: str, seconds: float | None) -> None:
        self.moves.append({
            "game": self.number, "round": round_, "date": self.model.calendar.label(round_),
            "government": government, "table": table, "sent": sent, "played": played,
            "by": "student" if sent else "timer", "seconds": seconds,
        })  # fmt: skip

    # ------------------------------------------------------------ what the instructor sees
    def tables_now(self) -> list[str]:
        """A line per table: its state and the figures on it."""
        lines = []
        for name, table in self.model.tables.items():
            if table.status == "deal":
                state = f"deal at {usd(table.price)} in {self.model.calendar.label(table.deal_round or 0)}"
            elif table.demands:
                offer = f", {country(name)} offers {usd(table.counter)}" if table.counters else ""
                state = f"{table.status}: the US demands {usd(table.demand)}{offer}"
            else:
                state = table.status
            extras = [f"{table.walkouts} walkout{'s' * (table.walkouts != 1)}"] if table.walkouts else []
            extras += ["threat pending"] if table.threat else []
            extras += [f"{table.drawdowns} drawdown{'s' * (table.drawdowns != 1)}"] if table.drawdowns else []
            lines.append(f"{title(name)}: {state}" + (f" ({', '.join(extras)})" if extras else ""))
        return lines
