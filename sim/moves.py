"""The student's moves: their grammar (`parse_move`) and where they come from, a `MoveSource`:
the keyboard (an invalid move is explained and asked again; `help` lists the moves; a doubtful
one is asked to be confirmed), a file, one move a line (an invalid move stops the game with one
line naming the file and the line: replayable in class), or a browser (`sim.classroom`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.config import ScenarioError, excerpt, read_text
from sim.strategies import HOST, PATRON

HEDGE_STEP = 0.1  # hedging added by one `hedge` move
# each side's moves and their amount: True required, False none, None optional
MOVES: dict[int, dict[str, bool | None]] = {  # True: takes an amount, False: none, None: may take one
    HOST: {"accept": False, "counter": True, "stall": False, "hedge": None},
    PATRON: {"demand": True, "accept": False, "hold": False, "walkout": False, "threaten": False},
}
ACCEPTED = {
    HOST: "accept, counter AMOUNT, stall, hedge [AMOUNT]",
    PATRON: "demand AMOUNT, accept, hold, walkout, threaten",
}
HELP = {
    HOST: "accept (the demand) | counter AMOUNT | stall (repeat your last counter) | "
    f"hedge [AMOUNT] (hedge {HEDGE_STEP:g} more toward China, then counter AMOUNT or as before)",
    PATRON: "demand AMOUNT | accept (the host's last counter) | hold (repeat your demand) | "
    "walkout (repeat it; leave if refused) | threaten (repeat it; threaten a drawdown)",
}
WHEN_SILENT = {HOST: "stall", PATRON: "hold"}  # every move once the moves run out


@dataclass(frozen=True)
class Move:
    kind: str
    amount_usd_bn: float | None = None

    def __str__(self) -> str:
        return self.kind if self.amount_usd_bn is None else f"{self.kind} {self.amount_usd_bn:g}"


def parse_move(text: str, side: int) -> Move:
    """The move in a line such as 'counter 1.2' (US$bn a year; '$' and 'bn' allowed)."""
    line = text.split("#", 1)[0].strip()
    shown = excerpt(line)  # what an error echoes of it: a short excerpt, however long the line
    words = line.lower().split()
    if not words or words[0] not in MOVES[side]:
        raise ValueError(f"{shown} is not a move")
    kind, rest = words[0], words[1:]
    wants = MOVES[side][kind]
    if len(rest) > 1 or (wants is True and not rest) or (wants is False and rest):
        usage = {True: f"{kind} AMOUNT", False: kind, None: f"{kind} [AMOUNT]"}[wants]
        raise ValueError(f"{shown}: write {usage}")
    if not rest:
        return Move(kind)
    try:
        amount = float(rest[0].removeprefix("$").removesuffix("bn"))
    except ValueError:
        raise ValueError(f"{shown}: {excerpt(rest[0], 20)} is not an amount in US$bn") from None
    if not 0 < amount < 1000:
        raise ValueError(f"{shown}: the amount must be a positive figure in US$bn a year")
    return Move(kind, amount)


Check = Callable[[Move], str | None]  # why a move cannot be made now (or a doubt about it), or None
YES = {"y", "yes"}


def never(move: Move) -> str | None:
    return None


class MoveSource:
    """Where a seat's moves come from. `next` gives the move at a table; `deadline` the choice at
    a threat's deadline (None: the government's own values choose, as the agents do)."""

    briefs = True  # the seat writes its briefing before each move (a browser shows its own)

    def next(self, prompt: str, check: Check, table: str = "", doubt: Check = never) -> tuple[Move, str | None]:
        """The move, and a note for the transcript (None: the move as typed already shows)."""
        raise NotImplementedError

    def deadline(self, table: str, options: list[str]) -> str | None:
        return None


class Keyboard(MoveSource):
    """Moves typed at the prompt; an invalid one is explained and asked again, `help` lists the
    moves, and a doubtful one (a counter above the demand) is asked to be confirmed. At the end
    of the input every move is the side's default (stall or hold)."""

    def __init__(self, side: int, read: Callable[[str], str] = input, write: Callable[[str], None] = print,
                 echo: bool = False):  # fmt: skip
        self.side, self.read, self.write = side, read, write
        self.echo = echo  # write what was read: piped input leaves it out of the transcript
        self.silent = False

    def line(self, prompt: str) -> str | None:
        """One line typed, or None at the end of the input."""
        if self.silent:
            return None
        try:
            text = self.read(prompt)
        except EOFError:
            self.silent = True
            self.write("")  # end the prompt's line
            return None
        if self.echo:
            self.write(text.rstrip("\n"))
        return text

    def next(self, prompt: str, check: Check, table: str = "", doubt: Check = never) -> tuple[Move, str | None]:
        while (text := self.line(prompt)) is not None:
            if text.strip().lower() in ("help", "?"):
                self.write(f"  Moves: {HELP[self.side]}")
                continue
            try:
                move = parse_move(text, self.side)
            except ValueError as exc:
                self.write(f"  {exc}; accepted moves: {ACCEPTED[self.side]} (help: what each does)")
                continue
            problem = check(move)
            if problem is not None:
                self.write(f"  {move}: {problem}")
                continue
            question = doubt(move)
            if question is None:
                return move, None
            answer = self.line(f"  {move}: {question} Play it? (y/n) ")
            if answer is not None and answer.strip().lower() in YES:
                return move, None
            if answer is not None:
                self.write("  Then your move again.")
        return Move(WHEN_SILENT[self.side]), "(no more input)"


class MoveFile(MoveSource):
    """Moves read from a file, one a line ('#' starts a comment); when it runs out, every move is
    the side's default (stall or hold). An invalid move is a ScenarioError naming the line."""

    def __init__(self, path: Path, side: int):
        self.path, self.side = Path(path), side
        if not self.path.is_file():
            raise ScenarioError(self.path, "", "moves file not found")
        lines = read_text(self.path).splitlines()  # UTF-8, bounded in size, or one line
        self.moves: list[tuple[int, Move]] = []
        for number, line in enumerate(lines, 1):
            if line.split("#", 1)[0].strip():
                try:
                    self.moves.append((number, parse_move(line, side)))
                except ValueError as exc:
                    raise self.error(number, str(exc)) from None
        self.position = 0

    def error(self, number: int, problem: str) -> ScenarioError:
        return ScenarioError(self.path, f"line {number}", f"{problem}; accepted moves: {ACCEPTED[self.side]}")

    @property
    def unused(self) -> int:
        return len(self.moves) - self.position

    def next(self, prompt: str, check: Check, table: str = "", doubt: Check = never) -> tuple[Move, str | None]:
        """The file's next move (a replay plays a doubtful move as written: the table's notes say
        what it did)."""
        if self.position >= len(self.moves):
            return Move(WHEN_SILENT[self.side]), "(the moves file has run out)"
        number, move = self.moves[self.position]
        self.position += 1
        problem = check(move)
        if problem is not None:
            raise self.error(number, f"{str(move)!r} cannot be played now: {problem}")
        return move, f"(line {number})"
