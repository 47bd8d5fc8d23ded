"""`allysim tournament`: a round robin of patron against host strategies on the same seeds, its
outputs and rankings, a student's strategy joining from a file, determinism, and bad files."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, ROOT

from sim import cli, policies, strategies
from sim.config import load_scenario
from sim.outcomes import simulate
from sim.standings import ranking
from sim.tournament import derive_seeds, load_tournament, run_tournament, score

TOURNAMENTS = ROOT / "configs" / "tournaments"
OUTPUTS = {"pairings.csv", "pairings.parquet", "ranking.csv", "runs.parquet", "heatmap.png", "manifest.json"}
SWEEP_FILES = {"runs", "sweep.yaml", "scenario.yaml", ".lock"}  # the engine's: the parts, the design, the lock
STUDENT = '''\
from sim.strategies import Strategy, register


@register
class Stubborn(Strategy):
    """Concedes a tenth of the way, once, then holds."""

    name = "stubborn_test_entry"

    def target(self, s):
        return s.anchor + 0.1 * (s.reservation - s.anchor)
'''


@pytest.fixture(autouse=True)
def registry():
    """Strategies and policies a test loads from files leave the registries as they were."""
    registries = (strategies.STRATEGIES, policies.POLICIES)
    before = [dict(r) for r in registries]
    yield
    for r, old in zip(registries, before, strict=True):
        r.clear()
        r.update(old)


@pytest.fixture
def allysim():
    """The command line, as a function returning the exit code."""
    return cli.main


def tournament_file(tmp_path, body: str, name: str = "small.yaml"):
    scenario = os.path.relpath(BASELINE, tmp_path)  # relative to the tournament file, as shipped files are
    path = tmp_path / name
    path.write_text(f"scenario: {scenario}\n{body}")
    return path


SMALL = """\
patron_strategies: [boulware, {name: linear, label: steady}]
host_strategies: [conceder, hardliner]
tables: [south_korea]
seeds: 5
root_seed: 7
"""


def test_small_tournament_writes_every_output_and_ranks(allysim, tmp_path, capsys):
    out = tmp_path / "out"
    assert allysim(["tournament", str(tournament_file(tmp_path, SMALL)), "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == OUTPUTS | SWEEP_FILES
    pairings = pd.read_csv(out / "pairings.csv")
    assert list(zip(pairings.patron, pairings.host, strict=True)) == [
        ("boulware", "conceder"), ("boulware", "hardliner"), ("steady", "conceder"), ("steady", "hardliner")
    ]  # fmt: skip
    assert (pairings.runs == 5).all() and pairings.deal_rate.between(0, 1).all()
    for column in ("patron_utility", "host_utility", "rounds_to_deal", "payment_usd_bn"):
        assert column in pairings
    stored = pd.read_parquet(out / "pairings.parquet")  # the same table as the CSV, with its types
    assert list(stored.columns) == list(pairings.columns) and len(stored) == len(pairings)
    assert stored.runs.dtype.kind == "i" and stored.deal_rate.dtype.kind == "f"
    pd.testing.assert_frame_equal(stored, pairings, check_dtype=False, check_exact=False, rtol=1e-9)
    ranks = pd.read_csv(out / "ranking.csv")
    for side, names in (("patron", {"boulware", "steady"}), ("host", {"conceder", "hardliner"})):
        mine = ranks[ranks.side == side]
        assert set(mine.strategy) == names and mine["rank"].tolist() == [1, 2]
        assert mine.utility.is_monotonic_decreasing
    assert (out / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == derive_seeds(7, 5) and manifest["tables"] == ["south_korea"]
    printed = capsys.readouterr().out
    assert "Patron strategies by mean utility" in printed and "Host strategies by mean utility" in printed
    assert f"Results in {out}/" in printed


def test_every_pairing_plays_the_same_seeds_from_the_root_seed(tmp_path):
    t = load_tournament(tournament_file(tmp_path, SMALL))
    runs = run_tournament(t)
    expected = [int(s.generate_state(1, np.uint64)[0]) for s in np.random.SeedSequence(7).spawn(5)]
    for _, pairing in runs.groupby(["patron", "host"]):
        assert pairing.seed.tolist() == expected


@pytest.mark.slow
def test_the_round_robin_is_deterministic(allysim, tmp_path):
    path = tournament_file(tmp_path, SMALL)
    outs = [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    assert allysim(["tournament", str(path), "--out", str(outs[0]), "--quiet"]) == 0
    assert allysim(["tournament", str(path), "--out", str(outs[1]), "--quiet", "--workers", "0"]) == 0
    assert allysim(["tournament", str(path), "--out", str(outs[2]), "--quiet", "--workers", "2"]) == 0
    assert json.loads((outs[1] / "manifest.json").read_text())["workers"] == os.cpu_count()  # 0: one per core
    first = (outs[0] / "pairings.csv").read_bytes()
    assert first == (outs[1] / "pairings.csv").read_bytes() == (outs[2] / "pairings.csv").read_bytes()
    assert (outs[0] / "ranking.csv").read_bytes() == (outs[2] / "ranking.csv").read_bytes()


@pytest.mark.slow  # whole tournaments (sweeps on the engine) or games: `make test-fast` leaves them out
def test_a_students_strategy_joins_from_its_file(allysim, tmp_path, capsys):
    (tmp_path / "mine.py").write_text(STUDENT)
    body = SMALL.replace("host_strategies: [conceder, hardliner]", "host_strategies: [stubborn_test_entry, linear]")
    path = tournament_file(tmp_path, "strategy_files: [mine.py]\n" + body)
    out = tmp_path / "out"
    assert allysim(["tournament", str(path), "--out", str(out), "--quiet"]) == 0
    pairings = pd.read_csv(out / "pairings.csv")
    assert "stubborn_test_entry" in set(pairings.host)
    cls = strategies.STRATEGIES["stubborn_test_entry"]
    assert not cls.__module__.startswith("sim")  # loaded from the file, not from the package
    # loading it again (a second tournament in the same session) is no clash
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "again"), "--quiet"]) == 0


POLICY = '''\
from sim.policies import DEADLINE, Policy, register_policy


@register_policy
class Calm(Policy):
    """Never walks out or threatens."""

    name = "calm_test"

    def choose(self, model, actor, decision, table, values):
        calm = {m: v for m, v in values.items() if m not in ("walkout", "threaten")}
        return super().choose(model, actor, decision, table, calm)


@register_policy
class Confused(Policy):
    """At a threat's deadline answers with a move never open; only in a real game (its
    rehearsal runs the tournament's scenario, whose patron plays another strategy)."""

    name = "confused_test"

    def choose(self, model, actor, decision, table, values):
        if decision == DEADLINE and model.config.patron.strategy.name == "hardliner":
            return "surrender"
        return super().choose(model, actor, decision, table, values)


@register_policy
class Lost(Policy):
    name = "lost_test"

    def hedging(self, model, host, target):
        return "a lot"
'''


def policy_tournament(tmp_path, patrons: str, seeds: int):
    """SMALL with POLICY's file loaded, these patron entrants and this many seeds."""
    (tmp_path / "mine.py").write_text(POLICY)
    body = SMALL.replace("[boulware, {name: linear, label: steady}]", patrons).replace("seeds: 5", f"seeds: {seeds}")
    return tournament_file(tmp_path, "strategy_files: [mine.py]\n" + body)


@pytest.mark.slow  # whole tournaments (sweeps on the engine) or games: `make test-fast` leaves them out
def test_a_students_policy_takes_a_seat_and_changes_its_choices(allysim, tmp_path):
    path = policy_tournament(tmp_path, "[boulware, {name: boulware, policy: calm_test}]", seeds=10)
    out = tmp_path / "out"
    assert allysim(["tournament", str(path), "--out", str(out), "--quiet"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    moves = runs.groupby("patron")[["walkouts"]].sum()
    print(moves)
    assert moves.loc["boulware + calm_test", "walkouts"] == 0 < moves.loc["boulware", "walkouts"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [p["policy"] for p in manifest["patron_strategies"]] == [None, "calm_test"]


@pytest.mark.slow
def test_a_policy_that_answers_no_option_is_disqualified_with_its_line(allysim, tmp_path, capsys):
    path = policy_tournament(tmp_path, "[boulware, {name: hardliner, policy: confused_test}]", seeds=40)
    out = tmp_path / "out"
    assert allysim(["tournament", str(path), "--out", str(out), "--quiet"]) == 1
    dq = pd.read_csv(out / "disqualified.csv")
    assert list(dq.strategy) == ["hardliner + confused_test"] and list(dq.side) == ["patron"]
    assert "answered 'surrender' at a deadline decision" in dq.reason[0] and "options: accept" in dq.reason[0]
    assert dq["where"][0] == "mine.py, line 24"  # the line that answered, not its method's def
    assert set(pd.read_csv(out / "ranking.csv").query("side == 'patron'").strategy) == {"boulware"}


LATE_NAN = """\
from sim.strategies import Strategy, register


@register
class LateNan(Strategy):
    name = "late_nan_test"

    def target(self, s):  # line 8: finite in the rehearsal's situations only
        return s.anchor if s.reservation in (1.5, 1.8) else float("nan")
"""


def test_a_strategy_that_offers_nan_only_in_a_game_is_disqualified_with_its_method(allysim, tmp_path, capsys):
    (tmp_path / "late.py").write_text(LATE_NAN)
    body = SMALL.replace("[conceder, hardliner]", "[conceder, late_nan_test]").replace("seeds: 5", "seeds: 2")
    path = tournament_file(tmp_path, "strategy_files: [late.py]\n" + body)
    out = tmp_path / "out"
    assert allysim(["tournament", str(path), "--out", str(out), "--quiet", "--executor", "serial"]) == 1
    dq = pd.read_csv(out / "disqualified.csv")
    assert list(dq.strategy) == ["late_nan_test"] and list(dq.side) == ["host"]
    assert dq.reason[0] == ("OfferError: strategy late_nan_test (host) offered nan; "
                            "a strategy must offer a finite payment")  # fmt: skip
    assert dq["where"][0] == "late.py, line 8"
    ranks = pd.read_csv(out / "ranking.csv")
    assert set(ranks.query("side == 'host'").strategy) == {"conceder"}  # no NaN among the ranked
    assert ranks.select_dtypes("number").notna().all().all()


def test_a_policy_that_fails_its_rehearsal_is_one_line(allysim, tmp_path, capsys):
    (tmp_path / "mine.py").write_text(POLICY)
    body = SMALL.replace("[conceder, hardliner]", "[conceder, {name: linear, policy: lost_test}]")
    path = tournament_file(tmp_path, "strategy_files: [mine.py]\n" + body)
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "host_strategies.1: linear + lost_test fails a rehearsal" in err
    assert "answered 'a lot' as its hedging target" in err and "(mine.py, line 33)" in err  # its return
    assert not (tmp_path / "out").exists()


def test_an_unknown_policy_is_one_line_naming_the_key(allysim, tmp_path, capsys):
    body = SMALL.replace("{name: linear, label: steady}", "{name: linear, policy: no_such_policy}")
    path = tournament_file(tmp_path, body)
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "patron_strategies.1.policy: unknown policy 'no_such_policy'" in err
    assert "accepted: agents" in err and not (tmp_path / "out").exists()
    path.write_text(path.read_text().replace("policy: no_such_policy", "policy: ''"))
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "patron_strategies.1.policy" in err and "at least 1 character" in err


@pytest.mark.slow
def test_the_shipped_tournaments_load_and_the_student_example_plays(tmp_path):
    for name, cls in list(strategies.STRATEGIES.items()):  # `all` means the package's, plus files'
        if cls.__module__ != "sim.strategies":
            del strategies.STRATEGIES[name]
    classic = load_tournament(TOURNAMENTS / "classic.yaml")
    names = {e.name for e in classic.patrons}
    assert names == {e.name for e in classic.hosts} >= {"boulware", "linear", "conceder", "tit_for_tat",
                                                         "hardliner", "rubinstein", "nash"}  # fmt: skip
    assert classic.tables == ["south_korea"] and len(classic.seeds) == 20
    example = load_tournament(TOURNAMENTS / "student_example.yaml")
    assert "meet_halfway" in {e.name for e in example.hosts}
    assert "no_walkouts" in {e.policy for e in example.patrons}
    assert len((TOURNAMENTS / "student_strategy.py").read_text().splitlines()) <= 35
    example.seeds = example.seeds[:2]
    runs = run_tournament(example)
    assert len(runs) == len(example.patrons) * len(example.hosts) * 2


def test_the_patrons_table_scores_sum_to_its_utility():
    scenario = load_scenario(BASELINE)
    for seed in (0, 3):
        rows = score(scenario, seed, ["south_korea", "japan"])
        summary = simulate(scenario, seed).summary
        assert sum(r["patron_utility"] for r in rows) == pytest.approx(summary["utilities"]["united_states"], abs=1e-5)
        assert [r["host_utility"] for r in rows] == [summary["utilities"][h] for h in ("south_korea", "japan")]


def test_ties_are_broken_by_deal_rate_then_rounds_to_deal():
    rows = []
    for host, deals, rounds in (
        ("a", [True, False], 3.0),
        ("b", [True, True], 9.0),
        ("c", [True, True], 4.0),
    ):
        for seed, deal in enumerate(deals):
            nan = float("nan")
            rows.append({"patron": "p", "host": host, "seed": seed, "table": "t", "patron_utility": 0.0,
                         "host_utility": 1.0, "deal": deal, "rounds_to_deal": rounds if deal else nan,
                         "payment_usd_bn": 1.0 if deal else nan})  # fmt: skip
    hosts = ranking(pd.DataFrame(rows)).query("side == 'host'")
    assert hosts.strategy.tolist() == ["c", "b", "a"]


@pytest.mark.parametrize(
    "body, key, what",
    [
        (SMALL + "seedz: 3\n", "seedz", "unknown key; did you mean seeds? accepted keys here: name, description"),
        (SMALL.replace("seeds: 5", "seed: 5"), "seed", "unknown key; did you mean seeds?"),  # not "seeds missing"
        (SMALL.replace("conceder", "concede"), "host_strategies.0", "unknown strategy 'concede'; accepted:"),
        (SMALL.replace("{name: linear, label: steady}", "{name: linear, params: {beta: 2}}"),
         "patron_strategies.1", "has no parameter 'beta'"),
        (SMALL.replace("[south_korea]", "[korea]"), "tables.0", "accepted: south_korea, japan"),
        (SMALL.replace("seeds: 5", "seeds: 0"), "seeds", "greater than or equal to 1"),
        (SMALL.replace("boulware,", "boulware, boulware,"), "patron_strategies", "entered twice"),
        ("strategy_files: [nowhere.py]\n" + SMALL, "strategy_files.0", "file not found"),
        ("strategy_files: [empty.py]\n" + SMALL, "strategy_files.0", "registers no strategy"),
        ("strategy_files: [broken.py]\n" + SMALL, "strategy_files.0", "does not load: SyntaxError"),
        ("strategy_files: [clash.py]\n" + SMALL, "strategy_files.0", "'linear', a name already taken"),
        ("set: {patron.aspiration_spread: 7}\n" + SMALL, "set.patron.aspiration_spread", "less than or equal to 1"),
        ("set: {patron.tuffness: 0.5}\n" + SMALL, "set.patron.tuffness", "unknown key; accepted keys here:"),
        (SMALL.replace("host_strategies: [conceder, hardliner]", "host_strategies: [{name: boulware, params: "
                       "{beta: 0}}]"), "host_strategies.0", "fails a rehearsal: ZeroDivisionError"),
    ],
)  # fmt: skip
def test_a_bad_tournament_file_gives_one_line_and_exit_2(allysim, tmp_path, capsys, body, key, what):
    (tmp_path / "empty.py").write_text("x = 1\n")
    (tmp_path / "broken.py").write_text("def (:\n")
    (tmp_path / "clash.py").write_text(STUDENT.replace("stubborn_test_entry", "linear"))
    path = tournament_file(tmp_path, body)
    out = tmp_path / "out"
    assert allysim(["tournament", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"allysim: error: {path}: {key}")
    assert what in err
    assert not out.exists()
    assert strategies.STRATEGIES["linear"].__module__ == "sim.strategies"  # a clash leaves the registry whole


def test_a_missing_scenario_names_the_key(allysim, tmp_path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text("scenario: nowhere.yaml\n" + SMALL)
    assert allysim(["tournament", str(path)]) == 2
    assert f"{path}: scenario: file not found" in capsys.readouterr().err


BAD_STRATEGIES = """\
import sys
import time

from sim.strategies import Strategy, register

REHEARSED = (1.5, 1.8)  # the rehearsal's reservations: each misbehaves only in a real game


@register
class Raiser(Strategy):
    name = "raiser_test"

    def target(self, s):
        if s.reservation not in REHEARSED:
            raise RuntimeError("lost my way")  # line 15
        return s.anchor


@register
class BadAccepts(Strategy):
    name = "bad_accepts_test"

    def target(self, s):
        return s.anchor

    def accepts(self, offer, s):
        if s.reservation not in REHEARSED:
            return {}[offer]  # line 28
        return False


@register
class Sleeper(Strategy):
    name = "sleeper_test"

    def target(self, s):
        if s.reservation not in REHEARSED:
            time.sleep(3600)  # line 38
        return s.anchor


@register
class Quitter(Strategy):
    name = "quitter_test"

    def target(self, s):
        if s.reservation not in REHEARSED:
            sys.exit(0)  # line 48
        return s.anchor
"""


@pytest.mark.slow
def test_a_strategy_that_raises_hangs_or_exits_is_disqualified_and_the_rest_completes(allysim, tmp_path, capsys):
    (tmp_path / "bad.py").write_text(BAD_STRATEGIES)
    body = SMALL.replace("host_strategies: [conceder, hardliner]", "host_strategies: [conceder, raiser_test, "
                         "bad_accepts_test, sleeper_test, quitter_test]").replace("seeds: 5", "seeds: 2")  # fmt: skip
    path = tournament_file(tmp_path, "strategy_files: [bad.py]\n" + body)
    out = tmp_path / "out"
    assert allysim(["tournament", str(path), "--out", str(out), "--time-limit", "3", "--workers", "2"]) == 1
    captured = capsys.readouterr()
    assert "4 disqualified; the rest of the tournament completed (2 of 10 pairings ranked)" in captured.err
    assert "The rest of the tournament completed" in captured.out
    ranks = pd.read_csv(out / "ranking.csv")
    assert set(ranks[ranks.side == "host"].strategy) == {"conceder"}
    assert set(ranks[ranks.side == "patron"].strategy) == {"boulware", "steady"}
    dq = pd.read_csv(out / "disqualified.csv").set_index("strategy")
    assert set(dq.index) == {"raiser_test", "bad_accepts_test", "sleeper_test", "quitter_test"}
    assert (dq.side == "host").all()
    assert dq.loc["raiser_test", "reason"] == "RuntimeError: lost my way"
    assert dq.loc["bad_accepts_test", "reason"].startswith("KeyError")
    assert dq.loc["sleeper_test", "reason"] == "took longer than 3 s"
    assert dq.loc["quitter_test", "reason"] == "SystemExit: 0"
    for name, line in (("raiser_test", 15), ("bad_accepts_test", 28), ("sleeper_test", 38), ("quitter_test", 48)):
        assert dq.loc[name, "where"] == f"bad.py, line {line}"
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["disqualified"]) == 4


@pytest.mark.parametrize("code, words", [("import sys\nsys.exit(0)\n", "does not load: SystemExit: 0 (bad.py, line 2)"),
                                         ("import time\ntime.sleep(60)\n", "took longer than 1 s")])  # fmt: skip
def test_a_strategy_file_that_exits_or_hangs_as_it_loads_is_one_line(allysim, tmp_path, capsys, monkeypatch,
                                                                       code, words):  # fmt: skip
    from sim import entrants

    monkeypatch.setattr(entrants, "LOAD_SECONDS", 1.0)
    (tmp_path / "bad.py").write_text(code)
    path = tournament_file(tmp_path, "strategy_files: [bad.py]\n" + SMALL)
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and not (tmp_path / "out").exists()


def test_a_strategy_file_outside_the_tournaments_folder_needs_an_absolute_path(allysim, tmp_path, capsys):
    (tmp_path / "mine.py").write_text(STUDENT)
    (tmp_path / "sub").mkdir()
    body = SMALL.replace("host_strategies: [conceder, hardliner]", "host_strategies: [stubborn_test_entry]")
    path = tournament_file(tmp_path / "sub", "strategy_files: [../mine.py]\n" + body)
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "lies outside" in capsys.readouterr().err
    path.write_text(path.read_text().replace("../mine.py", str(tmp_path / "mine.py")))
    assert load_tournament(path).hosts[0].name == "stubborn_test_entry"


def test_a_policy_answering_a_numpy_number_plays_and_a_name_that_is_not_one_word_is_refused(allysim, tmp_path, capsys):
    (tmp_path / "mine.py").write_text(
        "import numpy as np\nfrom sim.policies import Policy, register_policy\n\n\n@register_policy\n"
        "class Small(Policy):\n    name = 'small_test'\n\n    def hedging(self, model, host, target):\n"
        "        return np.float32(min(target, 0.1))\n"
    )  # fmt: skip
    body = SMALL.replace("[conceder, hardliner]", "[conceder, {name: linear, policy: small_test}]")
    path = tournament_file(tmp_path, "strategy_files: [mine.py]\n" + body.replace("seeds: 5", "seeds: 2"))
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (tmp_path / "bad.py").write_text(
        "from sim.policies import Policy, register_policy\n\n\n@register_policy\nclass Odd(Policy):\n"
        "    name = 'no walk\\nouts'\n"
    )  # fmt: skip
    path = tournament_file(tmp_path, "strategy_files: [bad.py]\n" + SMALL, name="bad.yaml")
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.py does not load" in err and "letters, digits" in err


# ------------------------------------------------------------------ on the experiment engine

INTERRUPTER = '''\
from pathlib import Path

from sim.strategies import Strategy, register

MARK = Path(__file__).with_name("interrupted.mark")


@register
class Interrupter(Strategy):
    """Plays as linear, except that the first real game it sees is stopped as by Ctrl-C."""

    name = "interrupter_test"

    def target(self, s):
        if s.reservation not in (1.5, 1.8) and not MARK.exists():  # not in its rehearsal
            MARK.write_text("once")
            raise KeyboardInterrupt
        return s.anchor + min(s.clock / 12, 1) * (s.reservation - s.anchor)
'''


def interrupter_tournament(tmp_path):
    (tmp_path / "mine.py").write_text(INTERRUPTER)
    body = SMALL.replace("[conceder, hardliner]", "[conceder, interrupter_test]").replace("seeds: 5", "seeds: 3")
    return tournament_file(tmp_path, "strategy_files: [mine.py]\n" + body)


@pytest.mark.slow  # whole tournaments (sweeps on the engine) or games: `make test-fast` leaves them out
def test_an_interrupted_tournament_resumes_to_the_standings_of_one_uninterrupted(allysim, tmp_path, capsys):
    path = interrupter_tournament(tmp_path)
    out = tmp_path / "out"
    assert allysim(["tournament", str(path), "--out", str(out), "--executor", "serial", "--quiet"]) == 130
    err = capsys.readouterr().err
    assert f"complete them with: allysim tournament {path} --out {out} --resume" in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["runs_done"] == 3  # boulware x conceder only
    assert not (out / "pairings.csv").exists()
    assert allysim(["tournament", str(path), "--out", str(out), "--executor", "serial", "--quiet", "--resume"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs_done_before"] == 3 and manifest["runs_done"] == 12 and manifest["status"] == "complete"
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "whole"), "--quiet"]) == 0  # the mark is left
    for name in ("pairings.csv", "ranking.csv"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), pd.read_parquet(tmp_path / "whole" /
                                                                                          "runs.parquet"))  # fmt: skip


@pytest.mark.slow  # whole tournaments (sweeps on the engine) or games: `make test-fast` leaves them out
def test_resuming_with_a_changed_strategy_file_is_refused_and_a_new_run_replaces_the_old(allysim, tmp_path, capsys):
    (tmp_path / "interrupted.mark").write_text("never interrupts")
    path = interrupter_tournament(tmp_path)
    out = tmp_path / "out"
    assert allysim(["tournament", str(path), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    first = (out / "pairings.csv").read_bytes()
    (tmp_path / "mine.py").write_text(INTERRUPTER.replace("min(s.clock / 12, 1)", "0.5"))
    assert allysim(["tournament", str(path), "--out", str(out), "--quiet", "--resume"]) == 2
    assert "holds a different sweep" in capsys.readouterr().err
    assert (out / "pairings.csv").read_bytes() == first  # refused: left as it was
    assert allysim(["tournament", str(path), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    assert (out / "pairings.csv").read_bytes() != first  # played again with the changed file
    (out / "notes.txt").write_text("mine")
    assert allysim(["tournament", str(path), "--out", str(out), "--quiet"]) == 2
    assert "holds what a tournament would not write there (notes.txt)" in capsys.readouterr().err


@pytest.mark.slow  # whole tournaments (sweeps on the engine) or games: `make test-fast` leaves them out
def test_progress_counts_the_tournaments_runs_unless_quiet(allysim, tmp_path, capsys):
    path = tournament_file(tmp_path, SMALL.replace("seeds: 5", "seeds: 2"))
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "a"), "--executor", "serial"]) == 0
    assert "tournament: 8/8 runs" in capsys.readouterr().err  # off a terminal: plain lines, the last at the end
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "b"), "--executor", "serial", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_every_executor_plays_the_same_tournament_with_a_students_file(allysim, tmp_path):
    """Serial, local processes and a real Dask cluster give the isolated executor's standings:
    each of their workers loads the student's file itself."""
    (tmp_path / "mine.py").write_text(POLICY)
    body = SMALL.replace("[boulware, {name: linear, label: steady}]", "[boulware, {name: boulware, policy: "
                         "calm_test}]").replace("seeds: 5", "seeds: 3")  # fmt: skip
    path = tournament_file(tmp_path, "strategy_files: [mine.py]\n" + body)
    outputs = {}
    for label, args in {"isolated": ["--workers", "2"], "serial": ["--executor", "serial"],
                        "processes": ["--executor", "processes", "--workers", "2"],
                        "dask": ["--executor", "dask", "--workers", "2"]}.items():  # fmt: skip
        out = tmp_path / label
        assert allysim(["tournament", str(path), "--out", str(out), "--quiet", *args]) == 0, label
        assert json.loads((out / "manifest.json").read_text())["executor"] == label
        outputs[label] = (out / "pairings.csv").read_bytes() + (out / "ranking.csv").read_bytes()
    assert len(set(outputs.values())) == 1


def test_a_policy_may_not_take_a_strategys_name(allysim, tmp_path, capsys):
    (tmp_path / "mine.py").write_text(POLICY.replace('"calm_test"', '"linear"'))
    path = tournament_file(tmp_path, "strategy_files: [mine.py]\n" + SMALL)
    assert allysim(["tournament", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "strategy_files.0: mine.py does not load" in err
    assert "registers as 'linear', a strategy's name" in err and "(mine.py, line 4)" in err
    assert policies.POLICIES.keys().isdisjoint(strategies.STRATEGIES)


@pytest.mark.slow
def test_a_second_tournament_on_a_folder_being_written_is_refused_and_the_first_completes(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    path = tournament_file(tmp_path, SMALL.replace("seeds: 5", "seeds: 40"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "tournament", str(path), "--out", str(out), "--executor", "serial",
               "--quiet"]  # fmt: skip
    first = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not ((out / ".lock").exists() and (out / ".lock").read_text().strip() == str(first.pid)):
            assert first.poll() is None and time.monotonic() < deadline, "the first tournament took no lock"
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGSTOP)  # holding its lock, whatever the machine's load
        second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stderr
        assert second.stderr.count("\n") == 1 and "is being written by another" in second.stderr
        assert str(first.pid) in second.stderr
        assert (out / ".lock").read_text().strip() == str(first.pid)  # the folder is left to the first
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert OUTPUTS <= {p.name for p in out.iterdir()}
