"""`sim.moves`: the grammar of a student's moves, and their two sources (the keyboard asks
again after an invalid move; a moves file stops at it, naming the line)."""

from __future__ import annotations

import pytest

from sim.config import ScenarioError
from sim.moves import ACCEPTED, Keyboard, Move, MoveFile, parse_move
from sim.strategies import HOST, PATRON


@pytest.mark.parametrize(
    "text, side, move",
    [
        ("counter 1.2", HOST, Move("counter", 1.2)),
        ("  COUNTER $1.25bn  # my first offer", HOST, Move("counter", 1.25)),
        ("hedge", HOST, Move("hedge")),
        ("hedge 1.1", HOST, Move("hedge", 1.1)),
        ("stall", HOST, Move("stall")),
        ("demand 5", PATRON, Move("demand", 5.0)),
        ("walkout", PATRON, Move("walkout")),
    ],
)
def test_a_move_is_read_with_its_amount(text, side, move):
    assert parse_move(text, side) == move


@pytest.mark.parametrize(
    "text, side, problem",
    [
        ("", HOST, "is not a move"),
        ("demand 5", HOST, "is not a move"),  # the patron's move, not a host's
        ("walkout", HOST, "is not a move"),
        ("counter", HOST, "write counter AMOUNT"),
        ("accept 3", HOST, "write accept"),
        ("hedge 1 2", HOST, "write hedge [AMOUNT]"),
        ("counter lots", HOST, "'lots' is not an amount in US$bn"),
        ("counter 0", HOST, "a positive figure"),
        ("demand 5000", PATRON, "a positive figure"),
    ],
)
def test_an_invalid_move_says_why(text, side, problem):
    with pytest.raises(ValueError, match=problem.replace("$", r"\$").replace("[", r"\[")):
        parse_move(text, side)


def test_a_long_line_is_echoed_only_in_part():
    with pytest.raises(ValueError) as caught:
        parse_move("x" * 5000, HOST)
    assert len(str(caught.value)) < 200


def test_the_keyboard_explains_an_invalid_move_and_asks_again():
    typed, written = iter(["counter", "surrender", "counter 9", "counter 1.4"]), []
    board = Keyboard(HOST, read=lambda prompt: next(typed), write=written.append)
    move, note = board.next("> ", check=lambda m: "above the demand" if m.amount_usd_bn == 9 else None)
    assert (move, note) == (Move("counter", 1.4), None)
    hint = f"accepted moves: {ACCEPTED[HOST]} (help: what each does)"
    assert written == [f"  'counter': write counter AMOUNT; {hint}",
                       f"  'surrender' is not a move; {hint}",
                       "  counter 9: above the demand"]  # fmt: skip


def test_at_the_end_of_the_input_every_move_is_the_sides_default():
    def closed(prompt):
        raise EOFError

    board = Keyboard(PATRON, read=closed, write=lambda text: None)
    assert board.next("> ", lambda m: None) == (Move("hold"), "(no more input)")
    assert board.silent and board.next("> ", lambda m: None) == (Move("hold"), "(no more input)")


def test_a_moves_file_plays_its_lines_then_the_default(tmp_path):
    path = tmp_path / "moves.txt"
    path.write_text("# my plan\ncounter 1.2\n\nhedge  # a little\n")
    moves = MoveFile(path, HOST)
    assert moves.unused == 2
    assert moves.next("", lambda m: None) == (Move("counter", 1.2), "(line 2)")
    assert moves.next("", lambda m: None) == (Move("hedge"), "(line 4)")
    assert moves.next("", lambda m: None) == (Move("stall"), "(the moves file has run out)")


def test_a_bad_line_of_a_moves_file_is_named(tmp_path):
    path = tmp_path / "moves.txt"
    path.write_text("counter 1.2\ncounter 1.3x\n")
    with pytest.raises(ScenarioError) as caught:
        MoveFile(path, HOST)
    assert caught.value.key_path == "line 2" and "is not an amount" in caught.value.message
    path.write_text("counter 1.2\ncounter 9\n")
    moves = MoveFile(path, HOST)
    moves.next("", lambda m: None)
    with pytest.raises(ScenarioError) as caught:
        moves.next("", lambda m: "above the demand")
    assert caught.value.key_path == "line 2"
    assert "'counter 9' cannot be played now: above the demand" in str(caught.value)
    with pytest.raises(ScenarioError, match="moves file not found"):
        MoveFile(tmp_path / "nowhere.txt", HOST)
