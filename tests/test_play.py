"""`allysim play`: a student's moves drive one government's table, from a file (replayable) or
typed; invalid moves stop a file with one line; the debrief places the outcome among the agents'."""

from __future__ import annotations

import io
import re

import pytest
from conftest import BASELINE

from sim import cli
from sim.config import load_scenario
from sim.moves import Keyboard, Move, MoveFile, parse_move
from sim.outcomes import simulate
from sim.play import play
from sim.strategies import HOST, PATRON, STRATEGIES

SOUTH_KOREA = """\
# South Korea holds low, hedges, then meets the US
counter 1.0
stall
hedge
counter 1.1
counter 1.2   # at or above the demand: accepted
"""
UNITED_STATES = """\
# the United States: at the South Korean table, then at the Japanese one
demand 4.0
demand 3.0
threaten
walkout
demand 2.0
demand 7.0   # Japan's table opens
accept       # Japan's counter
"""


@pytest.fixture
def allysim(tmp_path, monkeypatch):
    """The command line, as a function returning the exit code, in a folder of its own (a game
    is saved in results/ of the current folder)."""
    monkeypatch.chdir(tmp_path)
    return cli.main


def moves_file(tmp_path, text: str, name: str = "moves.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_scripted_game_as_south_korea_reaches_a_deal_and_debriefs(allysim, tmp_path, capsys):
    path = moves_file(tmp_path, SOUTH_KOREA)
    argv = ["play", str(BASELINE), "--as", "south_korea", "--moves", str(path), "--debrief-seeds", "20"]
    assert allysim(argv) == 0
    out = capsys.readouterr().out
    assert "=== Round 1 (2019-09): the South Korea table ===" in out
    assert "On the table: the United States demands $5.00bn a year" in out
    assert re.search(r"Your public: \d+% oppose paying \$5\.00bn", out)
    assert "Election clock: 7.5 months to your legislative election (2020-04-15)" in out
    assert "Your move: hedge   (line 4)" in out
    assert re.search(r"South Korea: deal in \d{4}-\d\d \(round \d+\) at \$1\.\d\dbn", out)
    assert re.search(r"Your payment of \$1\.\d\dbn is lower than \d+% of the agents' deals", out)
    assert re.search(r"The agents reached a deal in \d+ of \d+ runs", out)
    assert re.search(r"the \d+ of the agents' 20 runs of baseline_2019 \(seeds 0-19\) with the same election", out)
    assert re.search(r"Your government's utility, -?\d+\.\d\d, is higher than \d+% of the agents' runs", out)


def test_the_moves_are_what_the_table_sees(tmp_path):
    scenario = load_scenario(BASELINE)
    result, _ = play(scenario, "south_korea", 1, MoveFile(moves_file(tmp_path, SOUTH_KOREA), HOST), lambda _: None)
    events = result.events[result.events.table == "south_korea"]
    counters = events[(events.kind == "counter") & (events.actor == "south_korea")].value.round(6).tolist()
    assert counters[:3] == [1.0, 1.0, 1.0]  # counter, stall, hedge (as before)
    assert (events.kind == "stall").sum() == 1  # the stall went through the model's own stall path
    hedges = events[(events.kind == "hedge") & events.details.str.contains("student")]
    assert len(hedges) == 1 and hedges.value.iloc[0] >= 0.1
    deal = result.summary["tables"]["south_korea"]
    assert deal["deal"] and deal["payment_usd_bn"] <= 1.2 + 1e-9
    assert "human" not in STRATEGIES  # the student's seat is no strategy of the registry


def test_as_the_united_states_the_student_demands_threatens_and_walks_out(allysim, tmp_path, capsys):
    path = moves_file(tmp_path, UNITED_STATES)
    argv = ["play", str(BASELINE), "--as", "united_states", "--moves", str(path), "--debrief-seeds", "20"]
    assert allysim(argv) == 0
    out = capsys.readouterr().out
    assert "at the tables of South Korea and Japan" in out
    assert "Your bounds: your reservation $" in out
    assert "Your move: threaten   (line 4)" in out and "=== Round 15 (2020-11): the Japan table ===" in out
    assert re.search(r"The agents reached a deal at the South Korea table in \d+ of \d+ runs", out)

    result, seat = play(load_scenario(BASELINE), "united_states", 1,
                        MoveFile(path, PATRON), lambda _: None)  # fmt: skip
    events = result.events
    by_round = {key[0]: turn.move.kind for key, turn in seat.turns.items() if key[1] == "south_korea"}
    assert by_round[1] == by_round[2] == "demand"
    demands = events[(events.kind == "offer") & (events.table == "south_korea")]
    assert demands.value.tolist()[:2] == [4.0, 3.0]
    # threats and walkouts happen only where the student chose them
    threats = events[events.kind == "threat"]
    assert threats["round"].tolist() == [r for r, kind in by_round.items() if kind == "threaten"]
    walkouts = events[events.kind == "walkout"]
    assert set(walkouts["round"]) <= {r for r, kind in by_round.items() if kind == "walkout"}


def test_when_the_file_runs_out_the_host_stalls(tmp_path):
    said = []
    path = moves_file(tmp_path, "counter 0.95\n")
    result, seat = play(load_scenario(BASELINE), "south_korea", 3, MoveFile(path, HOST), said.append)
    assert sum("stall   (the moves file has run out)" in line for line in said) == len(seat.turns) - 1 >= 1
    counters = result.events[(result.events.kind == "counter") & (result.events.actor == "south_korea")]
    assert set(counters.value.round(6)) == {0.95}


def test_same_moves_and_seed_replay_the_same_transcript(allysim, tmp_path, capsys):
    path = moves_file(tmp_path, SOUTH_KOREA)
    argv = ["play", str(BASELINE), "--as", "south_korea", "--no-save", "--moves", str(path), "--debrief-seeds", "5"]
    transcripts = []
    for _ in range(2):
        assert allysim(argv) == 0
        transcripts.append(capsys.readouterr().out)
    assert transcripts[0] == transcripts[1] and len(transcripts[0].splitlines()) > 40
    assert allysim([*argv[:-2], "--debrief-seeds", "5", "--seed", "2"]) == 0
    assert capsys.readouterr().out != transcripts[0]


@pytest.mark.parametrize(
    "government, text, where, why",
    [
        ("south_korea", "counter 1.0\ncountr 1.2\n", "line 2", "'countr 1.2' is not a move"),
        ("south_korea", "# fine\ncounter\n", "line 2", "write counter AMOUNT"),
        ("south_korea", "demand 3\n", "line 1", "'demand 3' is not a move"),
        ("south_korea", "counter -1\n", "line 1", "positive figure"),
        ("united_states", "accept\n", "line 1", "there is no counter to accept yet"),
    ],
)
def test_an_invalid_move_file_stops_with_one_line(allysim, tmp_path, capsys, government, text, where, why):
    path = moves_file(tmp_path, text)
    argv = ["play", str(BASELINE), "--as", government, "--moves", str(path), "--debrief-seeds", "0"]
    assert allysim(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("allysim: error: ")
    assert f"{path}: {where}: " in err and why in err and "accepted moves: " in err


def test_bad_government_and_missing_file_give_one_line(allysim, tmp_path, capsys):
    assert allysim(["play", str(BASELINE), "--as", "china"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--as: 'china'" in err and "south_korea, japan" in err
    assert allysim(["play", str(BASELINE), "--as", "japan", "--moves", str(tmp_path / "none.txt")]) == 2
    assert "moves file not found" in capsys.readouterr().err


def test_typed_moves_are_asked_again_until_valid(allysim, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("countr 1\ndemand 2\ncounter 1.05\n"))
    assert allysim(["play", str(BASELINE), "--as", "south_korea", "--debrief-seeds", "0"]) == 0
    out = capsys.readouterr().out
    assert out.count("'countr 1' is not a move; accepted moves: accept, counter AMOUNT") == 1
    assert out.count("'demand 2' is not a move") == 1
    assert "Your move: stall   (no more input)" in out
    assert "Debrief" not in out and "=== How it ended ===" in out


def test_a_move_the_situation_forbids_is_explained_and_asked_again():
    said, answers = [], iter(["hedge", "stall"])
    keyboard = Keyboard(HOST, read=lambda prompt: next(answers), write=said.append)
    move, note = keyboard.next("> ", lambda m: "hedging is switched off here" if m.kind == "hedge" else None)
    assert move == Move("stall") and note is None and said == ["  hedge: hedging is switched off here"]


def test_parse_move_reads_amounts_in_usd_bn():
    assert parse_move("counter $1.25bn  # a comment", HOST) == Move("counter", 1.25)
    assert parse_move("HEDGE", HOST) == Move("hedge") and parse_move("hedge 1.3", HOST) == Move("hedge", 1.3)
    assert parse_move("demand 3", PATRON) == Move("demand", 3.0)
    for bad, side in (("stall 2", HOST), ("accept 1", PATRON), ("counter x", HOST), ("", HOST)):
        with pytest.raises(ValueError):
            parse_move(bad, side)


def test_a_huge_move_line_is_echoed_as_a_short_excerpt_and_a_negative_seed_is_one_line(capsys):
    with pytest.raises(ValueError) as caught:
        parse_move("countr " + "9" * 5_000_000, HOST)
    assert len(str(caught.value)) < 100 and str(caught.value).endswith("is not a move")
    with pytest.raises(SystemExit) as stop:
        cli.main(["play", str(BASELINE), "--as", "south_korea", "--seed", "-1"])
    assert stop.value.code == 2 and "--seed: expected 0 to" in capsys.readouterr().err


def test_help_lists_the_moves_and_a_counter_above_the_demand_is_asked_first():
    said, answers = [], iter(["help", "counter 100", "n", "counter 100", "y"])
    keyboard = Keyboard(HOST, read=lambda prompt: next(answers), write=said.append)
    doubt = lambda m: "it accepts the demand." if m.amount_usd_bn and m.amount_usd_bn > 5 else None  # noqa: E731
    move, _ = keyboard.next("> ", lambda m: None, doubt=doubt)
    assert move == Move("counter", 100.0)
    assert said[0].startswith("  Moves: accept (the demand) | counter AMOUNT | stall")
    assert said.count("  Then your move again.") == 1  # 'n': asked again, not played


def test_a_typed_counter_above_the_demand_names_the_demand(allysim, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("counter 100\nn\ncounter 1.1\n"))
    assert allysim(["play", str(BASELINE), "--as", "south_korea", "--debrief-seeds", "0", "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "counter 100: $100.00bn is at or above the demand of $5.00bn: it accepts the demand" in out
    assert "Your goal: the best outcome for South Korea" in out and "Your score: your government's utility" in out


def test_the_election_clock_agrees_with_the_news_and_names_read_as_words(allysim, tmp_path, capsys):
    """Japan stalls all game long: in the month of an election the news reports it held and the
    clock counts to the next one; no name is shown as the scenario spells it (japan_...)."""
    path = moves_file(tmp_path, "counter 2.0\n")
    assert allysim(["play", str(BASELINE), "--as", "japan", "--moves", str(path), "--debrief-seeds", "0"]) == 0
    out = capsys.readouterr().out
    briefings = out.split("=== Round ")[1:]
    assert len(briefings) > 5
    for text in briefings:
        month = text[text.index("(") + 1 : text.index(")")]
        clock = next(line for line in text.splitlines() if line.startswith("Election clock:"))
        for date in re.findall(r"(\d{4}-\d\d)-\d\d\)", clock):
            held = f"election is held this month ({date}" in clock
            assert held == (date == month), clock  # a date of this month is said to be held, no other
            if held:
                assert re.search(rf"  {month}  .* holds its .*election", text), text
    transcript = [line for line in out.splitlines() if str(path) not in line and "results" not in line]
    assert not [line for line in transcript if re.search(r"\b[a-z]+(?:_[a-z]+)+\b", line)]


@pytest.mark.slow  # whole tournaments (sweeps on the engine) or games: `make test-fast` leaves them out
def test_a_finished_game_is_saved_with_its_trace_and_its_moves_replay_it(allysim, tmp_path, capsys):
    path = moves_file(tmp_path, SOUTH_KOREA)
    out = tmp_path / "game"
    argv = ["play", str(BASELINE), "--as", "south_korea", "--moves", str(path), "--debrief-seeds", "0"]
    assert allysim([*argv, "--out", str(out)]) == 0
    assert f"The game is saved in {out}/" in capsys.readouterr().out
    for name in ("rounds.parquet", "events.parquet", "events.csv", "summary.json", "moves.txt", "trace.png"):
        assert (out / name).stat().st_size > 0, name
    replay = tmp_path / "replay"
    assert allysim([*argv[:4], "--moves", str(out / "moves.txt"), "--debrief-seeds", "0", "--out", str(replay)]) == 0
    assert (replay / "summary.json").read_text() == (out / "summary.json").read_text()
    assert allysim([*argv, "--no-save"]) == 0 and not (tmp_path / "results").exists()
    assert allysim(argv) == 0 and (tmp_path / "results" / "play-baseline_2019-south_korea-seed1").is_dir()
    first = tmp_path / "results" / "play-baseline_2019-south_korea-seed1"
    kept = {p.name: p.stat().st_mtime_ns for p in first.iterdir()}
    capsys.readouterr()
    assert allysim(argv) == 0  # played again by default: saved beside the first, which is kept
    assert f"The game is saved in results/{first.name}-2/" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in first.iterdir()} == kept
    assert allysim(argv) == 0 and first.with_name(first.name + "-3").is_dir()


def test_the_debrief_compares_with_runs_of_the_same_election_outcome_and_says_why(tmp_path):
    from sim.debrief import debrief, postures

    scenario = load_scenario(BASELINE)
    result, seat = play(scenario, "united_states", 1, MoveFile(moves_file(tmp_path, UNITED_STATES), PATRON),
                        lambda _: None)  # fmt: skip
    lines = debrief(result, seat.tables, "united_states", 30)
    same = sum(postures(simulate(scenario, s).outcome) == postures(result.outcome) for s in range(30))
    assert 0 < same < 30  # the 2020 election went both ways among the agents' runs
    assert any(f"the {same} of the agents' 30 runs" in line for line in lines)
    assert any(re.search(rf"reached a deal at the South Korea table in \d+ of {same} runs", x) for x in lines)
    assert sum(line.startswith("Why ") for line in lines) == 2  # one reason per table
