"""Human play: a student negotiates round by round as one government against the agents.

`allysim play SCENARIO --as south_korea` seats the student at that government's table (as the
patron: at every table), through the model's two doors: a `HumanStrategy` in the table's
Negotiator takes its offers and acceptances from the student's moves, typed or read from a file
(replayable in class), and the `Seat` is that government's decision policy, answering the
choices the moves stand for (stalling, hedging; walkouts, threats) with the student's moves.
The classroom (`sim.classroom`) seats students the same way, with moves a browser sends.
A finished game is saved with its trace; a debrief (`sim.debrief`) places the outcome among
the agents' own runs of the scenario.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim import talks
from sim.config import Scenario, ScenarioError, load_scenario
from sim.model import AllianceModel
from sim.moves import HEDGE_STEP, HELP, Keyboard, Move, MoveFile, MoveSource
from sim.outcomes import RunResult, collect
from sim.policies import AGENTS, DEADLINE, PRESS, STALL, Policy
from sim.strategies import HOST, PATRON, TOLERANCE, Strategy
from sim.words import capital, country, describe, possessive, title, usd

EXIT_BAD_INPUT = 2
QUIET_KINDS = {"offer", "counter"}  # shown as the sides' moves, not as news
GOALS = {
    HOST: "Your goal: the best outcome for {who} by its own utility. Pay as little as you can, but keep "
    "the US troops and the alliance's reliability, and a figure your public accepts before your election: "
    "a lapse of the agreement, a drawdown and an angry public all cost you.",
    PATRON: "Your goal: the best outcome for {who} by its own utility. A higher payment from each host "
    "(a deal short of what you think fair costs you more than the same sum gained), troops kept where "
    "they serve, and your word kept: backing down from a threat costs you face, a drawdown its price.",
}
SCORING = ("Your score: your government's utility, in US$bn a year over the game's rounds, set beside the "
           "agents' own runs in your chair.")  # fmt: skip


# ------------------------------------------------------------------ the student's chair


@dataclass(frozen=True)
class Turn:
    move: Move
    price: float  # the payment the move puts on the table: the counter, or the demand


class HumanStrategy(Strategy):
    """The student at one table: its offers and acceptances are the student's moves.

    Not in the registry: it needs a seat to take moves from.
    """

    name = "human"
    source = "a student at the keyboard"
    classifier = {"stochastic": True, "memory": float("inf"), "uses_time": True, "seated": True}

    def __init__(self, seat: Seat, table: str):
        super().__init__()
        self.seat, self.table = seat, table

    def target(self, s) -> float:
        return self.seat.turn(self.table).price

    def offer(self, s) -> float:
        return self.seat.turn(self.table).price

    def accepts(self, offer: float, s) -> bool:
        """An offer at least as good as the student's own this round (AC_next). After `accept`
        the student's own is the offer accepted: the demand, or the host's last counter."""
        return s.side * (offer - self.seat.turn(self.table).price) >= -TOLERANCE


class Seat(Policy):
    """The student's chair, and that government's decision policy: the government played, its
    tables, its moves and what it is shown."""

    def __init__(self, model: AllianceModel, government: str, moves: MoveSource,
                 write: Callable[[str], None] = print):  # fmt: skip
        self.model, self.government, self.moves, self.write = model, government, moves, write
        self.side = PATRON if government == model.patron.name else HOST
        self.tables = list(model.tables) if self.side == PATRON else [government]
        self.turns: dict[tuple[int, str], Turn] = {}
        self.current = ""  # the table of the latest turn
        self.extra_hedging = 0.0  # what the student's hedge moves add to the host's hedging target
        self.seen = 0  # events of the log already shown

    def install(self) -> None:
        """Seat the student: a HumanStrategy at each of its tables (a new posture keeps it), and
        this seat as the government's policy (the model's code is untouched)."""
        self.take_chairs()
        self.model.policies[self.government] = self

    def take_chairs(self) -> None:
        for name in self.tables:
            table = self.model.tables[name]
            negotiator = table.patron if self.side == PATRON else table.counterpart
            if not isinstance(negotiator.strategy, HumanStrategy):
                negotiator.strategy = HumanStrategy(self, name)

    # ------------------------------------------------------------ the policy
    def choose(self, model, actor: str, decision: str, table: str, values: dict[str, float]) -> str:
        """The student's move where one stands for the choice (a walkout, a threat, a stall);
        continue or counter otherwise. At a threat's deadline the student's choice where the
        moves give one, else the agents' own choice by the government's values."""
        if decision == DEADLINE:
            wanted = self.moves.deadline(table, list(values))
            if wanted in values:
                return wanted
            chosen = AGENTS.choose(model, actor, decision, table, values)
            if wanted is not None:  # the month's calendar closed it (a troop floor passed into law)
                self.write(f"At the {title(table)} deadline {wanted} was no longer open: {chosen} was chosen by "
                           "your government's values.")  # fmt: skip
            return chosen
        if decision == STALL:
            return "stall" if self.turn(table).move.kind == "stall" else "counter"
        if decision == PRESS:
            kind = self.turns[(model.round, table)].move.kind
            wanted = {"walkout": "walkout", "threaten": "threaten"}.get(kind, "continue")
            return wanted if wanted in values else "continue"
        return AGENTS.choose(model, actor, decision, table, values)

    def hedging(self, model, host, target: float) -> float:
        return min(1.0, target + self.extra_hedging)

    # ------------------------------------------------------------ a turn
    def turn(self, name: str) -> Turn:
        """This round's move at the table: asked once, at the first question the protocol asks."""
        key = (self.model.round, name)
        if key not in self.turns:
            table = self.model.tables[name]
            if self.moves.briefs:
                for line in self.briefing(table):
                    self.write(line)
            move, note = self.moves.next("Your move: ", lambda move: self.problem(move, table), name,
                                         lambda move: self.doubt(move, table))  # fmt: skip
            if note is not None:
                self.write(f"Your move: {move}   {note}")
            self.turns[key] = self.take(move, table)
        self.current = name
        return self.turns[key]

    def take(self, move: Move, table) -> Turn:
        if move.kind == "hedge":
            self.hedge(table)
        if move.amount_usd_bn is not None:
            price = move.amount_usd_bn
        elif self.side == HOST:
            price = table.demand if move.kind == "accept" else table.counter
        else:
            price = table.counter if move.kind == "accept" else table.demand
        if self.side == PATRON:  # the table keeps every patron demand between r_P and the ceiling
            floor, ceiling = table.reservation_patron, talks.ratifiable_ceiling(self.model, table)
            heard = max(floor, min(price, ceiling))
            if abs(heard - price) > 1e-9:
                why = "your reservation" if heard == floor else "the most you expect ratified"
                self.write(f"  (the table hears {usd(heard)}: {why})")
        elif move.kind != "accept" and table.demand <= price + TOLERANCE:
            self.write(f"  (the demand, {usd(table.demand)}, is within your offer: you accept it)")
        return Turn(move, price)

    def doubt(self, move: Move, table) -> str | None:
        """A question before a move that may be a slip: a figure that accepts the other side's."""
        amount = move.amount_usd_bn
        if amount is None or move.kind == "accept":
            return None
        if self.side == HOST and amount >= table.demand - TOLERANCE:
            return (f"{usd(amount)} is at or above the demand of {usd(table.demand)}: it accepts the demand "
                    f"and pays {usd(table.demand)} a year.")  # fmt: skip
        if self.side == PATRON and table.counters and amount <= table.counter + TOLERANCE:
            return (f"{usd(amount)} is at or below {possessive(table.host)} offer of {usd(table.counter)}: "
                    f"the table hears {usd(table.counter)}, the offer itself.")  # fmt: skip
        return None

    def problem(self, move: Move, table, round_: int | None = None) -> str | None:
        """Why the move cannot be made at this table in the round (this one by default), or None."""
        model, modules = self.model, self.model.config.modules
        r = model.round if round_ is None else round_
        host = model.hosts[table.host]
        if move.kind == "hedge" and not modules.hedging:
            return "hedging is switched off in this scenario"
        if move.kind == "hedge" and host.hedging >= 1.0 - TOLERANCE:
            return "your hedging is already complete"
        if move.kind == "accept" and self.side == PATRON and not table.counters:
            return "there is no counter to accept yet"
        if move.kind == "walkout" and not modules.walkouts:
            return "walkouts are switched off in this scenario"
        if move.kind != "threaten":
            return None
        if not modules.threats:
            return "threats are switched off in this scenario"
        if table.threat is not None:
            return "a threat already stands at this table"
        if host.troops <= host.troop_floor:
            return "the troops are at their legal floor: there is no drawdown to threaten"
        if not model.config.patron.threat.before_expiry and r < table.expiry_round:
            return "threats come only after the agreement expires in this scenario"
        return None

    def hedge(self, table) -> None:
        model, host = self.model, self.model.hosts[table.host]
        before = host.hedging
        host.hedging = min(1.0, before + HEDGE_STEP)
        self.extra_hedging += host.hedging - before
        model.hedging_peak[host.name] = max(model.hedging_peak[host.name], host.hedging)
        r = model.round
        model.log.add(r, model.calendar.label(r), host.name, "hedge", host.name, host.hedging,
                      f"{host.hedging - before:+.2f}, the student's move")  # fmt: skip
        patron_public = model.config.patron.public
        if patron_public in model.news:  # the patron's public minds a hedge, as in the model's rule
            model.news[patron_public].hedges += 1

    # ------------------------------------------------------------ what the student sees
    def briefing(self, table, round_: int | None = None) -> list[str]:
        """What the student sees before a move in the round (this one by default)."""
        model = self.model
        r = model.round if round_ is None else round_
        host = model.hosts[table.host]
        p0, demand, counter = host.config.payment_usd_bn, table.demand, table.counter
        lines = ["", f"=== Round {r} ({model.calendar.label(r)}): the {title(host.name)} table ==="]
        news = self.news()
        if news:
            lines += ["Since your last move:" if self.turns else "So far:", *news]
        if self.side == HOST:
            rise = f"{100 * (demand / p0 - 1):+.0f}% on the old agreement's {usd(p0)}"
            lines.append(f"On the table: {country(model.patron.name)} demands {usd(demand)} a year ({rise}).")
            figures = {f"paying {usd(demand)}": demand}
            if table.counters:
                figures[f"your last counter of {usd(counter)}"] = counter
            lines.append(f"Your public: {self.opposition(host, figures)}.")
            theirs, mine = table.demands, table.counters
        else:
            if table.counters:
                offer = f"{possessive(host.name)} last counter is {usd(counter)} a year"
            else:
                offer = f"talks open; {country(host.name)} has paid {usd(p0)} a year"
            lines.append(f"On the table: {offer}; your demand stands at {usd(demand)}.")
            figures = {f"its counter of {usd(counter)}": counter} if table.counters else {}
            figures[f"your demand of {usd(demand)}"] = demand
            lines.append(f"{capital(possessive(host.name))} public: {self.opposition(host, figures)}.")
            ceiling = talks.ratifiable_ceiling(model, table)
            limit = usd(ceiling) if ceiling < float("inf") else "no limit"
            reservation = table.reservation_patron
            if reservation != reservation:  # not computed before the table's first round: as it will be
                reservation = model.patron.reservation(host, table.threat is not None)
            lines.append(
                f"Your bounds: your reservation {usd(reservation)} (below it a lapse serves "
                f"you better); the most you expect ratified: {limit}."
            )
            theirs, mine = table.counters, table.demands
        lines.append(f"Election clock: {self.clock(host, r)}.")
        other = model.patron.name if self.side == HOST else host.name
        if theirs:
            lines.append(f"{capital(possessive(other))} moves so far: " + ", ".join(usd(x) for x in theirs[-6:]))
        if mine:
            lines.append("Yours so far: " + ", ".join(usd(x) for x in mine[-6:]))
        lines.append(f"State: {self.state(table, r)}.")
        return lines

    def news(self) -> list[str]:
        """The events since the student last moved, at its tables or everywhere ('' table)."""
        rows, self.seen = self.model.log.rows[self.seen :], len(self.model.log.rows)
        mine = [e for e in rows if e.kind not in QUIET_KINDS and e.table in (*self.tables, "")]
        lines = []
        for event in mine:
            text = describe(event)
            if event.kind == "posture change" and self.side == PATRON:
                text += "; you negotiate for the new administration, and your demands stay yours"
            lines.append(f"  {event.date}  {text}")
        return lines

    def opposition(self, host, figures: dict[str, float]) -> str:
        if host.public is None:
            return "not modelled in this scenario"
        return "; ".join(f"{host.public.opposition(x):.0%} oppose {what}" for what, x in figures.items())

    def clock(self, host, round_: int) -> str:
        """The next elections, as the news tells them: an election in this round's month is held
        (the news reports it), so the clock counts to the one after."""
        model, cal = self.model, self.model.calendar
        parts = []
        for name, days, kinds in (
            (host.name, host.election_dates, {e.date: f"{e.kind} " for e in host.config.elections}),
            (model.patron.name, model.patron.elections, {}),
        ):  # fmt: skip
            who = "your" if (self.side == HOST) == (name == host.name) else possessive(name)
            held = [d for d in days if cal.round_of(d) == round_]
            if held:
                parts.append(f"{who} {kinds.get(held[0], '')}election is held this month ({held[0]})")
            nxt = cal.next_on_or_after(round_ + 1, days)
            if nxt is not None:
                months = max(cal.months_until(round_, nxt), 0.0)
                parts.append(f"{months:.1f} months to {who} {kinds.get(nxt, '')}election ({nxt})")
        return "; ".join(parts) or "no election ahead within the horizon"

    def state(self, table, round_: int) -> str:
        model, host = self.model, self.model.hosts[table.host]
        if table.status == "deal" and table.price is not None:
            agreement = f"a new agreement at {usd(table.price)} a year"
        elif host.lapsed or round_ >= table.expiry_round:
            agreement = "the old agreement has lapsed"
        else:
            agreement = f"the old agreement runs through {model.calendar.label(table.expiry_round - 1)}"
        threat = "no threat"
        if table.threat is not None:
            threat = f"a drawdown threatened by {model.calendar.label(table.threat.deadline_round)}"
        troops = f"US troops {host.troops:,} (legal floor {host.troop_floor:,})"
        hedging = f"{possessive(host.name)} hedging toward China {host.hedging:.2f}"
        return f"{agreement}; {troops}; {hedging}; {threat}"


# ------------------------------------------------------------------ the game


def opening(seat: Seat, scenario: Scenario, seed: int) -> list[str]:
    """Who the student is, the goal, the scoring and the moves: said before the first round."""
    tables = " and ".join(title(t) for t in seat.tables)
    at = f"at the table{'s' if len(seat.tables) > 1 else ''} of {tables}"
    return [
        f"allysim play: you are the government of {country(seat.government)}, {at} ({scenario.name}, seed {seed}).",
        GOALS[seat.side].format(who=country(seat.government)),
        SCORING,
        f"Payments are in US$bn a year; the game has {scenario.rounds} rounds, one a month.",
        f"Moves: {HELP[seat.side]}; help lists them again.",
    ]


def play(scenario: Scenario, government: str, seed: int, moves: MoveSource,
         write: Callable[[str], None] = print) -> tuple[RunResult, Seat]:  # fmt: skip
    """Run the scenario with the student in the government's chair; returns the run and the seat."""
    model = AllianceModel(scenario, rng=seed)
    seat = Seat(model, government, moves, write)
    seat.install()
    for line in opening(seat, scenario, seed):
        write(line)
    model.run()
    return collect(model, seed), seat


def moves_played(seat: Seat, header: str) -> str:
    """The moves of a game, one a line in the order they were played: a moves file that replays it."""
    lines = [f"# {header}"]
    for (round_, table), turn in seat.turns.items():
        lines.append(f"{turn.move}   # round {round_} ({seat.model.calendar.label(round_)}), {title(table)} table")
    return "\n".join(lines) + "\n"


def save(result: RunResult, seat: Seat, out: Path, header: str) -> Path:
    """The game as a run's results (rounds, events, summary, scenario, manifest), its moves
    (moves.txt, replayable with --moves) and its trace (trace.png)."""
    from sim import plots
    from sim.experiment import store

    manifest = store.manifest(result.scenario.digest(), store.now(), scenario=result.scenario.name,
                              seed=result.seed, government=seat.government)  # fmt: skip
    extras: dict[str, store.Writer] = {
        "moves.txt": lambda path: path.write_text(moves_played(seat, header)),
        "trace.png": lambda path: plots.trace(result, path),
    }
    return store.write_run(result, out, manifest, extras)


def new_folder(default: Path) -> Path:
    """The default folder, or the first of `<default>-2`, `-3`, ... not yet there: a game saved
    by default never replaces an earlier one (only --out names a folder to replace)."""
    folder, n = default, 1
    while folder.exists():
        n += 1
        folder = default.with_name(f"{default.name}-{n}")
    return folder


def cmd_play(args: argparse.Namespace) -> int:
    from sim.debrief import debrief
    from sim.paths import check_output_folder

    scenario = load_scenario(args.scenario, args.overrides)
    governments = [scenario.patron.name, *scenario.hosts]
    if args.government not in governments:
        raise ScenarioError(args.scenario, "--as", f"{args.government!r} is not a government of this "
                            f"scenario; accepted: {', '.join(governments)}")  # fmt: skip
    if args.debrief_seeds < 0:
        print(f"allysim: error: --debrief-seeds must be 0 or more (got {args.debrief_seeds})", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = args.out or new_folder(Path("results") / f"play-{scenario.name}-{args.government}-seed{args.seed}")
    if not args.no_save:
        check_output_folder(out)  # before the game: a folder it may not replace is refused at once
    side = PATRON if args.government == scenario.patron.name else HOST
    moves = MoveFile(args.moves, side) if args.moves else Keyboard(side, echo=not sys.stdin.isatty())
    result, seat = play(scenario, args.government, args.seed, moves)
    if not args.no_save:
        header = f"allysim play {args.scenario} --as {args.government} --seed {args.seed}"
        print(f"The game is saved in {save(result, seat, out, header)}/ (its moves in moves.txt, "
              "its trace in trace.png)")  # fmt: skip
    for line in debrief(result, seat.tables, args.government, args.debrief_seeds):
        print(line)
    if isinstance(moves, MoveFile) and moves.unused:
        print(f"({moves.unused} move{'s' if moves.unused > 1 else ''} of {args.moves} left unplayed)")
    return 0
