"""The classroom without a browser: the class on the server (seats, tokens, rounds, the timer,
pause and advance, the threat's deadline, what is saved) and the command's bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE

from sim import cli
from sim.classroom.figures import PANELS, class_histogram
from sim.classroom.session import ClassPlan, Classroom
from sim.config import load_scenario, with_changes
from sim.moves import Move
from sim.words import usd

EVERYONE = ["united_states", "south_korea", "japan"]


@pytest.fixture
def short(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text(f"extends: {BASELINE}\nname: short\nrounds: 4\nhosts:\n  japan:\n    talks_open: 2019-09-15\n")
    return path


def new_class(tmp_path, scenario, games, seconds: float = 30.0, seeds: int = 3) -> Classroom:
    plan = ClassPlan(str(scenario), [], games, seconds, 1, str(tmp_path / "class"), agent_seeds=seeds)
    return Classroom(plan)


def test_a_seat_is_taken_once_with_the_code_and_only_its_token_moves_for_it(tmp_path, short):
    room = new_class(tmp_path, short, [EVERYONE])
    with pytest.raises(ValueError, match="not this class's code"):
        room.join("WRONG", 1, "south_korea")
    for typed in ("É", room.plan.code + "É", "\u00e9" * 5):  # letters outside ASCII are a wrong code too
        with pytest.raises(ValueError, match="not this class's code"):
            room.join(typed, 1, "south_korea")
    token = room.join(room.plan.code.lower(), 1, "south_korea")  # the code as typed, in any case
    with pytest.raises(ValueError, match="is taken"):
        room.join(room.plan.code, 1, "south_korea")
    assert (1, "south_korea") not in room.free_chairs() and len(room.free_chairs()) == 2
    assert room.seat(token)[1].government == "south_korea" and room.seat("guessed") is None
    refused = room.send("guessed", {"south_korea": Move("counter", 1.0)}, {})
    assert refused == "this page's seat is not known to the class"
    # the US's move cannot be sent from South Korea's page: the token names the seat
    assert "a move is needed at each of your open tables" in room.send(token, {"japan": Move("counter", 2.0)}, {})
    refused = room.send(token, {"south_korea": Move("demand", 2.0)}, {})
    assert refused == "demand is not open at the South Korea table now"
    assert room.send(token, {"south_korea": Move("counter", 1.1)}, {}) is None
    assert room.send(token, {"south_korea": Move("counter", 1.2)}, {}) == "your move for this round is already sent"


def test_a_round_closes_when_all_have_moved_or_at_its_time_and_not_while_paused(tmp_path, short):
    room = new_class(tmp_path, short, [["south_korea", "japan"]], seconds=10)
    game = room.games[0]
    korea, japan = (room.join(room.plan.code, 1, g) for g in ("south_korea", "japan"))
    room.resume()  # start
    start = game.opened_at
    room.send(korea, {"south_korea": Move("counter", 1.0)}, {})
    room.tick(start + 5)
    assert game.round == 1 and game.waiting_for == ["japan"]
    room.send(japan, {"japan": Move("counter", 2.0)}, {})
    room.tick(start + 5)
    assert game.round == 2  # all moved: closed before its time
    room.tick(game.opened_at + 9.9)
    assert game.round == 2
    room.tick(game.opened_at + 10.1)
    assert game.round >= 3  # nobody moved: the timer closed it (a round that asks no one is played at once)
    rows = pd.DataFrame(game.moves)
    assert rows[rows["round"] == 2][["played", "by"]].values.tolist() == [["stall", "timer"]] * 2
    assert "(no move sent in time)" in game.chairs["south_korea"].notes[-1]
    room.pause()
    paused_in, left = game.round, room.time_left(game)
    room.tick(game.opened_at + 100)
    assert game.round == paused_in and room.time_left(game) == left  # paused: the clock stands
    room.resume()
    before = game.round
    room.advance()
    assert game.round > before or game.finished


def test_the_us_student_chooses_at_a_threat_s_deadline(tmp_path):
    plan = ClassPlan(str(BASELINE), [], [["united_states"]], 5, 1, str(tmp_path / "class"), agent_seeds=1)
    no_bill = with_changes(load_scenario(BASELINE), {"calendar.floor_bills": []})  # troops left to withdraw
    room = Classroom(plan, no_bill)
    game, token = room.games[0], None
    token = room.join(room.plan.code, 1, "united_states")
    room.resume()
    room.send(token, {"south_korea": Move("threaten")}, {})
    room.tick()
    chair = game.chairs["united_states"]
    while not chair.deadlines and not game.finished:
        room.send(token, {name: Move("hold") for name in chair.asks}, {})
        room.tick()
    assert chair.deadlines == {"south_korea": ["drawdown", "back down"]} or "accept" in chair.deadlines["south_korea"]
    holds = {name: Move("hold") for name in chair.asks}
    assert room.send(token, holds, {}) == "the threat's deadline needs your choice"
    assert room.send(token, {name: Move("hold") for name in chair.asks}, {"south_korea": "drawdown"}) is None
    r = game.round
    room.tick()
    drawdowns = [e for e in game.model.log.rows if e.kind == "drawdown" and e.round == r]
    assert len(drawdowns) == 1  # the student's choice, not the agents'
    row = next(m for m in game.moves if m["round"] == r and m["sent"].startswith("deadline"))
    assert row["sent"] == row["played"] == "deadline: drawdown"


def test_an_acceptance_is_of_the_figure_on_the_screen(tmp_path, short):
    room = new_class(tmp_path, short, [["south_korea"]])
    token = room.join(room.plan.code, 1, "south_korea")
    room.resume()
    game = room.games[0]
    seen = game.model.tables["south_korea"].demand
    room.send(token, {"south_korea": Move("accept")}, {})
    assert game.chairs["south_korea"].ballot.moves["south_korea"] == Move("accept", seen)


def test_a_counter_at_or_above_the_demand_pays_the_demand_the_page_named(tmp_path, short):
    room = new_class(tmp_path, short, [["united_states", "south_korea"]])
    us, korea = (room.join(room.plan.code, 1, g) for g in ("united_states", "south_korea"))
    room.resume()
    game = room.games[0]
    seen = game.model.tables["south_korea"].demand
    warning = game.doubt("south_korea", "south_korea", Move("counter", 100.0))
    assert warning is not None and f"pays {usd(seen)} a year" in warning
    # both sides move at once: the US raises its demand in the same round as the counter
    demands = {name: Move("demand", 50.0) for name in game.chairs["united_states"].asks}
    assert room.send(us, demands, {}) is None
    assert room.send(korea, {"south_korea": Move("counter", 100.0)}, {}) is None
    room.tick()
    table = game.model.tables["south_korea"]
    assert not (table.status == "deal" and table.price > seen + 1e-9), table.price  # never more than the card said
    row = next(m for m in game.moves if m["round"] == 1 and m["government"] == "south_korea")
    assert row["sent"] == str(Move("counter", seen))


def test_a_finished_class_is_saved_whole(tmp_path, short):
    room = new_class(tmp_path, short, [EVERYONE, ["south_korea"]], seeds=4)
    room.resume()
    for _ in range(load_scenario(short).rounds):
        room.advance()
    assert room.finished
    room.run_agents()
    room.save_finished()
    out = tmp_path / "class"
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert len(outcomes) == 4 and set(outcomes.game) == {1, 2} and room.all_saved
    assert pd.read_parquet(out / "agents.parquet").seed.nunique() == 4
    assert len(pd.read_csv(out / "moves.csv")) == len(room.moves()) > 0
    summary = pd.read_json(out / "game-1" / "summary.json", typ="series")
    assert summary["scenario"] == "short" and (out / "game-2" / "trace.png").stat().st_size > 0


@pytest.mark.parametrize(
    "extra, why",
    [
        (["--seats", "all", "korea"], "--seats: 'korea' is not a government of this scenario; accepted: united_states"),
        (["--seats", "japan,japan"], "name each government of a game once"),
        (["--round-seconds", "0"], "--round-seconds: expected 1 to 3600 seconds"),
        (["--set", "rounds=-1"], "rounds"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_and_nothing_written(tmp_path, monkeypatch, capsys, extra, why):
    monkeypatch.chdir(tmp_path)
    try:
        code = cli.main(["classroom", str(BASELINE), *extra])
    except SystemExit as stop:  # argparse's own refusals
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("allysim: error: ") and why in err, err
    assert not (tmp_path / "results").exists()


@pytest.fixture
def pages(tmp_path, monkeypatch, short):
    """The classroom's page module, rendered without a browser, on a class of this test's own."""
    plan = ClassPlan(str(short), [], [EVERYONE], 30.0, 1, str(tmp_path / "class"), agent_seeds=1)
    plan.dump(tmp_path / "class.json")
    monkeypatch.setenv("ALLYSIM_CLASSROOM", str(tmp_path / "class.json"))
    import importlib

    app = importlib.import_module("sim.classroom.app")
    room = Classroom(plan)
    monkeypatch.setattr(app, "CLASS", room)
    return app, room


def seat_page(app, token):
    import ipyvuetify as v
    import solara

    box, rc = solara.render(app.SeatPage(token), handle_error=False)
    toggles = rc.find(v.BtnToggle).widgets
    send = rc.find(v.Btn, children=["Send move"]).widget
    return rc, toggles, send


def test_a_seat_s_page_chooses_nothing_for_the_student_and_keeps_a_choice_on_reload(pages):
    app, room = pages
    token = room.join(room.plan.code, 1, "united_states")
    room.resume()
    chair = room.games[0].chairs["united_states"]
    rc, toggles, send = seat_page(app, token)
    assert len(toggles) == len(chair.asks) == 2
    for toggle in toggles:  # nothing highlighted, and the browser may not pick one (mandatory)
        assert toggle.v_model is None and not toggle.mandatory
    assert send.disabled and chair.draft == {}
    first = next(iter(chair.asks))
    toggles[0].v_model = 0  # the student clicks the first move at the first table
    assert chair.draft == {(1, f"{first}.kind"): chair.asks[first][0]}, "the choice is held with the seat"
    rc.close()
    # a reload shows the half-filled choice again, and still sends nothing by itself
    rc, toggles, send = seat_page(app, token)
    assert toggles[0].v_model == 0 and toggles[1].v_model is None and send.disabled
    assert chair.ballot.moves == {} and not chair.sent
    rc.close()


@pytest.mark.parametrize("command", ["classroom", "dashboard"])
@pytest.mark.parametrize("where, why", [("busy", "port {port} is in use; choose another --port"),
                                        ("no-such-host.invalid", "--host no-such-host.invalid does not resolve")])
def test_a_port_in_use_or_a_bad_host_is_one_line_before_anything_is_printed_or_made(tmp_path, monkeypatch, capsys,
                                                                                    command, where, why):  # fmt: skip
    import socket

    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        host = ["--host", where] if where != "busy" else []
        if command == "classroom":
            args = ["classroom", str(BASELINE), "--seats", "south_korea", "--out", str(tmp_path / "x")]
        else:
            args = ["dashboard", "--no-open"]
        code = cli.main([*args, "--port", str(port), *host])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.startswith("allysim: error: ") and err.count("\n") == 1, err
    assert why.format(port=port) in err
    assert list(tmp_path.iterdir()) == []  # no class folder, nothing else


def test_a_class_stopped_mid_game_keeps_the_moves_played(tmp_path, short):
    import time

    room = new_class(tmp_path, short, [["south_korea"]], seeds=1)
    token = room.join(room.plan.code, 1, "south_korea")
    room.start()  # the timer thread, as the server runs it
    try:
        room.resume()
        assert room.send(token, {"south_korea": Move("counter", 1.1)}, {}) is None
        moves = tmp_path / "class" / "moves.csv"
        deadline = time.monotonic() + 30
        while not (moves.exists() and len(pd.read_csv(moves)) > 0):
            assert time.monotonic() < deadline, "the round's moves were not written"
            time.sleep(0.1)
    finally:
        room.stopping.set()  # the class stops mid-game
    assert not room.games[0].finished
    rows = pd.read_csv(moves)
    first = rows[["round", "government", "sent", "by"]].values.tolist()[0]
    assert first == [1, "south_korea", "counter 1.1", "student"]
    assert pd.read_parquet(tmp_path / "class" / "moves.parquet").shape == rows.shape


def test_a_tables_panels_without_any_deal_say_so_instead_of_showing_bare_axes():
    rows = [{"table": t, "deal": t == "south_korea", "payment_usd_bn": 1.1 if t == "south_korea" else None,
             "deal_round": 3 if t == "south_korea" else None, "walkouts": 1, "drawdowns": 0}
            for t in ("south_korea", "japan") for _ in range(3)]  # fmt: skip
    outcomes = pd.DataFrame(rows)
    figure = class_histogram(outcomes, outcomes.assign(walkouts=0), ["south_korea", "japan"])
    axes = np.array(figure.axes).reshape(2, len(PANELS))
    said = [[" ".join(t.get_text() for t in ax.texts) for ax in row] for row in axes]
    assert said[0] == ["", "", "", ""] and all(ax.patches for ax in axes[0])  # South Korea: bars in every panel
    assert said[1][:2] == ["no deal at this table,\nin the class or among the agents"] * 2  # Japan: no deal
    assert said[1][2:] == ["", ""] and all(ax.patches for ax in axes[1][2:])  # its walkouts and drawdowns shown
