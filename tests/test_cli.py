"""The command line end to end: a run's files, `check`, and one clear line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from conftest import BASELINE, ROOT

from sim.cli import main

OUTPUTS = {"rounds.parquet", "events.parquet", "events.csv", "summary.json", "scenario.yaml",
           "manifest.json", "trace.png"}  # fmt: skip


def test_run_writes_every_output_and_tells_the_story(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), "--seed", "7", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == OUTPUTS
    printed = capsys.readouterr().out
    assert "South Korea:" in printed and "Japan:" in printed
    rounds = pd.read_parquet(out / "rounds.parquet")
    assert len(rounds) == 28 and rounds["round"].tolist() == list(range(1, 29))
    events = pd.read_parquet(out / "events.parquet")
    assert list(events.columns) == ["round", "date", "actor", "kind", "table", "value", "details"]
    assert len(pd.read_csv(out / "events.csv")) == len(events)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "baseline_2019" and summary["seed"] == 7 and summary["rounds"] == 28
    for host in ("south_korea", "japan"):
        keys = {"deal", "deal_round", "deal_date", "payment_usd_bn", "increase_pct", "walkouts", "lapsed",
                "troops_withdrawn", "hedging_peak", "hedging_final", "opposition_final"}  # fmt: skip
        assert keys <= set(summary["tables"][host])
    assert {"united_states", "south_korea", "japan", "china"} <= set(summary["utilities"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["versions"]["mesa"].startswith("3.")
    assert {"scenario_hash", "started", "finished", "git_commit"} <= set(manifest)
    assert (out / "trace.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_default_output_folder_and_rounds_override(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(BASELINE), "--seed", "2", "--rounds", "6", "--no-plot"]) == 0
    out = tmp_path / "results" / "baseline_2019-seed2"
    assert len(pd.read_parquet(out / "rounds.parquet")) == 6


def test_set_overrides_any_value(tmp_path):
    out = tmp_path / "run"
    main(["run", str(BASELINE), "--set", "patron.aspiration_spread=0.1", "--set", "hosts.japan.troops=40000",
          "--no-plot", "--out", str(out)])  # fmt: skip
    resolved = (out / "scenario.yaml").read_text()
    assert "aspiration_spread: 0.1" in resolved and "troops: 40000" in resolved


def test_check_prints_the_resolved_scenario(capsys):
    path = ROOT / "configs" / "scenarios" / "no_election_ahead.yaml"
    assert main(["check", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "valid" in printed and "name: no_election_ahead" in printed
    assert "2020-04-15" not in printed  # the variant removed the election


@pytest.mark.parametrize("variant", ["conciliatory_patron", "no_chinese_inducements", "no_election_ahead", "analytic"])
def test_variants_extend_the_baseline(variant):
    text = (ROOT / "configs" / "scenarios" / f"{variant}.yaml").read_text()
    assert "extends: baseline_2019.yaml" in text
    assert main(["check", str(ROOT / "configs" / "scenarios" / f"{variant}.yaml")]) == 0


# ------------------------------------------------------------------ bad input


def write(tmp_path, text: str, name: str = "bad.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


BAD = {
    "misspelt key": ("extends: {base}\nname: x\npatron: {{aspiration_sprad: 0.5}}\n",
                     ["patron.aspiration_sprad", "unknown key", "aspiration_spread"]),
    "wrong type": ("extends: {base}\nname: x\nhosts: {{south_korea: {{troops: many}}}}\n",
                   ["hosts.south_korea.troops", "integer"]),
    "out of range": ("extends: {base}\nname: x\npatron: {{transactionalism: 1.7}}\n",
                     ["patron.transactionalism", "less than or equal to 1"]),
    "unknown strategy": ("extends: {base}\nname: x\npatron: {{strategy: {{name: bully}}}}\n",
                         ["patron.strategy", "bully", "boulware", "rubinstein"]),
    "invalid yaml": ("extends: {base}\nname: [x\n", ["invalid YAML", "line"]),
    "not a mapping": ("- just\n- a list\n", ["mapping"]),
    "unknown host reference": ("extends: {base}\nname: x\nhosts: {{japan: {{public: mars}}}}\n",
                               ["mars", "publics"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_gives_one_line_exit_2_and_writes_nothing(tmp_path, capsys, case):
    text, words = BAD[case]
    path = write(tmp_path, text.format(base=BASELINE))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("allysim: error: ")
    assert str(path) in err
    for word in words:
        assert word in err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["bad.yaml"]


def test_missing_file(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nowhere.yaml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "nowhere.yaml" in err and "file not found" in err and not (tmp_path / "out").exists()


def test_extends_loop(tmp_path, capsys):
    write(tmp_path, "extends: b.yaml\nname: a\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\nname: b\n", "b.yaml")
    assert main(["check", str(tmp_path / "a.yaml")]) == 2
    err = capsys.readouterr().err
    assert "extends loop" in err and "a.yaml -> b.yaml -> a.yaml" in err


def test_bad_override_names_the_key(tmp_path, capsys):
    assert main(["run", str(BASELINE), "--set", "patron.discount=2", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "patron.discount" in err and "(--set patron.discount=2)" in err and not (tmp_path / "o").exists()


def test_bad_arguments_exit_2_with_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(BASELINE), "--seed", "abc"],
                          capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--seed" in done.stderr
    assert not (tmp_path / "results").exists()


def test_a_failed_write_leaves_no_half_written_folder(tmp_path, monkeypatch):
    from sim import plots

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(plots, "trace", broken)
    out = tmp_path / "run"
    with pytest.raises(OSError):
        main(["run", str(BASELINE), "--out", str(out)])
    assert not out.exists() and list(tmp_path.iterdir()) == []
