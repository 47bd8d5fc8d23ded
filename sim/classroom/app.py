"""The classroom's pages (Solara), served by `allysim classroom`: the join page (`/`), a
student's seat (`/seat?token=...`) and the instructor's view (`/teacher?key=...`). The class
itself lives on the server (`sim.classroom.session`); every page polls it for changes.
"""

from __future__ import annotations

import os
import threading
import time
from typing import cast
from urllib.parse import parse_qs

import solara

from sim.classroom.figures import class_histogram, summary_lines
from sim.classroom.game import DEADLINE_CHOICES, Chair, Game
from sim.classroom.session import ClassPlan, Classroom
from sim.moves import HELP, MOVES, Move, parse_move
from sim.play import GOALS, SCORING
from sim.plots import trace
from sim.words import country, describe, story, title, usd

POLL_SECONDS = 0.3
CLASS = Classroom(ClassPlan.read(os.environ["ALLYSIM_CLASSROOM"]))
CLASS.start()
BIG = {"font-size": "18px"}


def use_changes() -> tuple[int, int]:
    """Render again whenever the class changes, and each second (the round's clock). Returns
    what changed, for the page to hand its parts: a part renders again only when its arguments change."""
    seen, set_seen = solara.use_state((CLASS.version, 0))

    def poll(cancel: threading.Event) -> None:
        last = None
        while not cancel.wait(POLL_SECONDS):
            now = (CLASS.version, int(time.monotonic()))
            if now != last:
                last = now
                set_seen(now)

    solara.use_thread(poll, dependencies=[], intrusive_cancel=False)
    return seen


def query(name: str) -> str:
    search = solara.use_router().search or ""
    return (parse_qs(search).get(name) or [""])[0]


@solara.component
def Layout(children=[]):  # noqa: B006 (solara's signature): the pages, without a navigation bar
    solara.Style(".v-application {font-size: 18px} .allysim-line {margin: 2px 0}")
    solara.Column(children=children)


@solara.component
def SeatRoute():
    SeatPage(query("token"))


@solara.component
def TeacherRoute():
    TeacherPage(query("key"))


def heading(text: str, level: int = 2) -> None:
    """A heading (not Markdown: its renderer would load a diagram library from a CDN)."""
    solara.v.Html(tag=f"h{level}", children=[text], style_="margin: 12px 0 4px 0")


def lines(texts: list[str], style: dict | None = None) -> None:
    """Each text on a line of its own."""
    css = "; ".join(f"{k}: {v}" for k, v in {**BIG, **(style or {})}.items())
    for text in texts:
        solara.v.Html(tag="div", children=[text], class_="allysim-line", style_=css)


# ------------------------------------------------------------------ the join page
@solara.component
def JoinPage():
    use_changes()  # the free seats
    code, set_code = solara.use_state("")
    problem, set_problem = solara.use_state("")
    router = solara.use_router()

    def take(number: int, government: str) -> None:
        try:
            token = CLASS.join(code, number, government)
        except ValueError as exc:
            set_problem(str(exc))
            return
        router.push(f"/seat?token={token}")

    with solara.Column(style={"padding": "24px", "max-width": "900px"}):
        heading(f"allysim classroom: {CLASS.scenario.name}", 1)
        solara.InputText("Class code", value=code, on_value=set_code, continuous_update=True)
        free = CLASS.free_chairs()
        if not free:
            solara.Text("Every seat is taken.", style=BIG)
        for number, government in free:
            solara.Button(f"Game {number}: {title(government)}", on_click=lambda n=number, g=government: take(n, g),
                          style={"margin": "4px", "font-size": "18px"}).key(f"{number}-{government}")  # fmt: skip
        if problem:
            solara.Error(problem)


# ------------------------------------------------------------------ a student's seat
@solara.component
def SeatPage(token: str):
    now = use_changes()
    found = CLASS.seat(token)
    # the choices made so far, kept on the server with the seat: a reloaded page shows them again
    form, set_form = solara.use_state(cast(dict, dict(found[1].draft) if found else {}))
    if found is None:
        with solara.Column(style={"padding": "24px"}):
            solara.Error("This page's seat is not known to the class: join from the class's first page.")
        return
    game, chair = found
    with CLASS.lock:
        with solara.Column(style={"padding": "24px", "max-width": "1100px"}):
            Heading(game, chair, now)
            if game.finished:
                heading("The game is over")
                lines(story(game.result) if game.result else [])
            elif not chair.moving:
                solara.Text("Nothing to decide this round: waiting for the others.", style=BIG)
            else:
                Moves(game, chair, form, set_form, now)


@solara.component
def Heading(game: Game, chair: Chair, now: tuple[int, int]):
    cfg = game.scenario
    heading(f"{game.name.title()}: you are the government of {country(chair.government)}", 1)
    if game.round <= 1 and not chair.sent:
        lines([GOALS[chair.side].format(who=country(chair.government)), SCORING], {"color": "#555"})
    date = game.model.calendar.label(game.round)
    if game.finished:  # no clock runs once the game is over
        lines([f"Ended in round {game.round} of {cfg.rounds} ({date})"], {"font-weight": "bold"})
    else:
        clock = "paused" if CLASS.paused else f"{CLASS.time_left(game):.0f} s left"
        lines([f"Round {game.round} of {cfg.rounds} ({date}) · {clock}"], {"font-weight": "bold"})
    if chair.news:
        heading("Since your last move", 3)
        lines(chair.news)
    if chair.notes:
        heading("What the table made of your last moves", 3)
        lines(chair.notes)


@solara.component
def Moves(game: Game, chair: Chair, form: dict, set_form, now: tuple[int, int]):
    r = game.round

    def get(key: str, default=None):
        return form.get((r, key), default)

    def put(key: str, value) -> None:  # from the latest form: two changes in a row both stay
        if key != "confirming":
            with CLASS.lock:
                chair.draft = {k: v for k, v in chair.draft.items() if k[0] == r} | {(r, key): value}
        set_form(lambda latest: {**latest, (r, key): value})

    for name, briefing in chair.briefing.items():
        with solara.Column(classes=[f"allysim-table-{name}"]):
            heading(f"The {title(name)} table")
            lines(briefing)
            if chair.sent:
                continue
            solara.ToggleButtonsSingle(value=get(f"{name}.kind"), values=chair.asks[name], mandatory=False,
                                       on_value=setter(put, f"{name}.kind"))  # fmt: skip
            kind = get(f"{name}.kind")
            if kind is not None and MOVES[chair.side][kind] is not False:
                solara.InputText(f"Amount at the {title(name)} table (US$bn a year)", value=get(f"{name}.amount", ""),
                                 on_value=setter(put, f"{name}.amount"), continuous_update=True)  # fmt: skip
    for name, open_choices in chair.deadlines.items():
        with solara.Column(classes=[f"allysim-deadline-{name}"]):
            heading(f"The threat's deadline at the {title(name)} table")
            if not chair.sent:
                labels = [DEADLINE_CHOICES[c] for c in open_choices]
                solara.ToggleButtonsSingle(value=get(f"{name}.deadline"), values=labels, mandatory=False,
                                           on_value=setter(put, f"{name}.deadline"))  # fmt: skip
    if chair.sent:
        waiting = ", ".join(title(g) for g in game.waiting_for) or "no one"
        solara.Success(f"Your move is sent. Waiting for: {waiting}.")
        return
    solara.Text(f"Moves: {HELP[chair.side]}", style={"color": "#555", "font-size": "15px"})
    moves, choices, problem = read_form(chair, get)
    if not get("confirming"):
        solara.Button("Send move", on_click=lambda: put("confirming", True), color="primary",
                      disabled=problem is not None, style={"font-size": "18px"})  # fmt: skip
        if problem:
            solara.Text(problem, style={"color": "#b00020", "font-size": "16px"})
        return
    Confirm(game, chair, moves, choices, put, now)


def setter(put, key: str):
    def set_value(value) -> None:
        put(key, value)

    return set_value


def read_form(chair: Chair, get) -> tuple[dict[str, Move], dict[str, str], str | None]:
    """The moves the form holds, or why it holds none yet."""
    moves: dict[str, Move] = {}
    for name in chair.asks:
        kind = get(f"{name}.kind")
        if kind is None:
            return moves, {}, f"Choose your move at the {title(name)} table."
        amount = (get(f"{name}.amount") or "").strip() if MOVES[chair.side][kind] is not False else ""
        try:
            moves[name] = parse_move(f"{kind} {amount}", chair.side)
        except ValueError as exc:
            return moves, {}, f"At the {title(name)} table: {exc}."
    by_label = {label: choice for choice, label in DEADLINE_CHOICES.items()}
    choices = {name: by_label[get(f"{name}.deadline")] for name in chair.deadlines if get(f"{name}.deadline")}
    if len(choices) < len(chair.deadlines):
        return moves, choices, "Choose what to do at the threat's deadline."
    return moves, choices, None


@solara.component
def Confirm(game: Game, chair: Chair, moves: dict[str, Move], choices: dict[str, str], put, now: tuple[int, int]):
    refused, set_refused = solara.use_state("")
    sent = [f"{move} at the {title(name)} table" for name, move in moves.items()]
    sent += [f"{DEADLINE_CHOICES[c]} at the {title(name)} table" for name, c in choices.items()]
    with solara.Card("Confirm your move", style={"border": "2px solid #d6604d"}):
        lines(["You will send: " + "; ".join(sent) + "."])
        for name, move in moves.items():
            doubt = game.doubt(chair.government, name, move)
            if doubt:
                solara.Warning(doubt)

        def send() -> None:
            problem = CLASS.send(chair.token or "", moves, choices)
            set_refused(problem or "")
            if problem is None:
                put("confirming", False)

        with solara.Row():
            solara.Button("Confirm and send", on_click=send, color="primary", style={"font-size": "18px"})
            solara.Button("Change", on_click=lambda: put("confirming", False), style={"font-size": "18px"})
        if refused:
            solara.Error(refused)


# ------------------------------------------------------------------ the instructor's view
@solara.component
def TeacherPage(key: str):
    now = use_changes()
    if not key or key != CLASS.plan.key:
        with solara.Column(style={"padding": "24px"}):
            solara.Error("The instructor's page needs the key that `allysim classroom` printed.")
        return
    with CLASS.lock:
        with solara.Column(style={"padding": "24px"}):
            heading(f"Classroom: {CLASS.scenario.name} · class code {CLASS.plan.code}", 1)
            state = "not started" if not CLASS.started else "paused" if CLASS.paused else "running"
            if CLASS.finished:
                state = "finished"
            lines([f"The class is {state}; a round lasts at most {CLASS.plan.round_seconds:g} s."])
            with solara.Row():
                if CLASS.paused:
                    label = "Start" if not CLASS.started else "Resume"
                    solara.Button(label, on_click=CLASS.resume, color="primary", disabled=CLASS.finished)
                else:
                    solara.Button("Pause", on_click=CLASS.pause, disabled=CLASS.finished)
                solara.Button("Advance round", on_click=CLASS.advance, disabled=CLASS.finished)
            with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
                for game in CLASS.games:
                    GameCard(game, now)
            if CLASS.finished:
                Results(now)


@solara.component
def GameCard(game: Game, now: tuple[int, int]):
    agents = [title(g) for g in [game.scenario.patron.name, *game.scenario.hosts] if g not in game.chairs]
    head = f"{game.name.title()}: round {game.round} of {game.scenario.rounds}"
    with solara.Card(head, style={"min-width": "560px", "margin": "8px"}):
        if game.finished:
            lines(["Finished."], {"font-weight": "bold"})
        else:
            lines([f"{CLASS.time_left(game):.0f} s left" if not CLASS.paused else "paused"])
        for government, chair in game.chairs.items():
            joined = "joined" if chair.token else "not joined"
            moved = "" if game.finished or not chair.moving else (" · moved" if chair.sent else " · to move")
            lines([f"{title(government)} (student): {joined}{moved}"])
        if agents:
            lines([f"Agents: {', '.join(agents)}"], {"color": "#555"})
        lines(game.tables_now(), {"font-weight": "bold"})
        events = [e for e in game.model.log.rows if e.kind not in ("offer", "counter")][-5:]
        lines([f"{e.date}  {describe(e)}" for e in events], {"font-size": "15px", "color": "#444"})


@solara.component
def Results(now: tuple[int, int]):
    tables = list(CLASS.scenario.hosts)
    ready = CLASS.agents is not None
    outcomes, agents = CLASS.outcomes(), CLASS.agents_frame()
    figure = solara.use_memo(lambda: class_histogram(outcomes, agents, tables), [len(outcomes), ready])
    heading("The class beside the agents")
    if not ready:
        lines([f"The agents' {CLASS.plan.agent_seeds} runs are still being computed."])
    solara.FigureMatplotlib(figure, format="png")
    lines(summary_lines(outcomes, agents, tables))
    if CLASS.all_saved:
        files = sorted(p.name for p in CLASS.out.iterdir() if not p.name.startswith("."))
        lines([f"All saved in {CLASS.out}: {', '.join(files)}"], {"font-family": "monospace", "font-size": "15px"})
    Replay(now)


@solara.component
def Replay(now: tuple[int, int]):
    finished = [g for g in CLASS.games if g.result is not None]
    chosen, set_chosen = solara.use_state(finished[0].name if finished else "")
    heading("Replay a game")
    solara.ToggleButtonsSingle(value=chosen, values=[g.name for g in finished], on_value=set_chosen)
    game = next((g for g in finished if g.name == chosen), None)
    result = game.result if game is not None else None
    figure = solara.use_memo(lambda: trace(result) if result is not None else None, [chosen])
    if result is not None and figure is not None:
        solara.FigureMatplotlib(figure, format="png")
        lines([f"{usd(t.payment_usd_bn)} a year at the {title(n)} table" if t.deal else f"no deal at {title(n)}"
               for n, t in result.outcome.tables.items()])  # fmt: skip


routes = [
    solara.Route(path="/", component=JoinPage, layout=Layout),
    solara.Route(path="seat", component=SeatRoute),
    solara.Route(path="teacher", component=TeacherRoute),
]
