"""The command line end to end: a run's files, `check`, and one clear line for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE, ROOT

from sim import cli
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
    (out,) = (tmp_path / "results").iterdir()
    assert out.name.startswith("baseline_2019-seed2-set-")  # not the plain run's folder
    assert len(pd.read_parquet(out / "rounds.parquet")) == 6


def test_a_run_with_set_changes_does_not_replace_the_plain_runs_results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = tmp_path / "results"
    assert main(["run", str(BASELINE), "--no-plot"]) == 0
    assert main(["run", str(BASELINE), "--rounds", "2", "--no-plot"]) == 0
    assert main(["run", str(BASELINE), "--rounds", "2", "--no-plot", "--set", "patron.transactionalism=0.3"]) == 0
    folders = sorted(p.name for p in results.iterdir())
    assert folders[0] == "baseline_2019-seed1" and len(folders) == 3
    for name in folders[1:]:  # each named by the hash of the scenario it ran
        digest = json.loads((results / name / "manifest.json").read_text())["scenario_hash"]
        assert name == f"baseline_2019-seed1-set-{digest[:8]}"
    plain = json.loads((results / folders[0] / "summary.json").read_text())
    assert plain["scenario"] == "baseline_2019" and plain["rounds"] == 28
    # changes that leave the scenario as it is write where the same scenario was written
    assert main(["run", str(BASELINE), "--no-plot", "--set", "rounds=28"]) == 0
    assert main(["run", str(BASELINE), "--no-plot", "--rounds", "2", "--set", "rounds=2"]) == 0
    assert sorted(p.name for p in results.iterdir()) == folders
    (tmp_path / "mended.yaml").write_text(f"extends: {BASELINE}\nname: mended\npatron: {{transactionalism: 1.7}}\n")
    assert main(["run", str(tmp_path / "mended.yaml"), "--no-plot", "--rounds", "2",
                 "--set", "patron.transactionalism=0.5"]) == 0  # valid only as changed: its own folder  # fmt: skip
    assert any(p.name.startswith("mended-seed1-set-") for p in results.iterdir())


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


def test_a_failed_write_leaves_no_half_written_folder_and_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    from sim import plots

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device", "trace.png")

    monkeypatch.setattr(plots, "trace", broken)
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == "allysim: error: trace.png: No space left on device\n"
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", str(BASELINE), "--seed", "-1"], "--seed: expected 0 to"),
        (["sweep", "x.yaml", "--workers", "-1"], "--workers: expected 0 to"),
        (["sweep", "x.yaml", "--batch-size", "-5"], "--batch-size: expected 1 to"),
        (["sweep", "x.yaml", "--workers", "1025"], "--workers: expected 0 to 1,024"),
        (["tournament", "x.yaml", "--workers", "-1"], "--workers: expected 0 to"),
        (["tournament", "x.yaml", "--time-limit", "nan"], "--time-limit: expected"),
    ],
)
def test_a_count_out_of_range_is_one_line_before_any_folder(tmp_path, monkeypatch, capsys, args, words):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(args)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and words in err
    assert list(tmp_path.iterdir()) == []


def test_out_naming_a_file_or_inside_a_read_only_folder_is_one_line(tmp_path, capsys):
    (tmp_path / "afile").write_text("mine")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    read_only = locked if os.geteuid() != 0 else Path("/sys")  # root writes in any folder, not in /sys
    try:
        for out in (tmp_path / "afile", tmp_path / "afile" / "x", read_only / "allysim-run"):
            assert main(["run", str(BASELINE), "--no-plot", "--rounds", "2", "--out", str(out)]) == 2
    finally:
        locked.chmod(0o755)
    lines = capsys.readouterr().err.splitlines()
    assert (tmp_path / "afile").read_text() == "mine" and list(locked.iterdir()) == []
    assert len(lines) == 3 and all(line.startswith("allysim: error: ") for line in lines)
    assert lines[2].startswith(f"allysim: error: {read_only / 'allysim-run'}: ")


def test_results_are_strict_json_and_a_non_finite_number_is_refused_by_name():
    from sim.experiment.store import NonFiniteError, dump_json

    assert json.loads(dump_json({"a": [1.5, None]})) == {"a": [1.5, None]}
    with pytest.raises(NonFiniteError, match=r"tables\.japan\.payment_usd_bn is not a finite number"):
        dump_json({"tables": {"japan": {"payment_usd_bn": float("-inf")}}})


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_folders_honour_the_umask(tmp_path, mask):
    out = tmp_path / "run"
    before = os.umask(mask)
    try:
        assert main(["run", str(BASELINE), "--rounds", "2", "--no-plot", "--out", str(out)]) == 0
    finally:
        os.umask(before)
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask
    assert (out / "summary.json").stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize(
    "args, hint",
    [([], "(see 'allysim --help')"), (["walk"], "(see 'allysim --help')"),
     (["run", str(BASELINE), "--seed", "x"], "(see 'allysim run --help')")],
)  # fmt: skip
def test_the_hint_after_a_bad_argument_names_the_help_to_read(capsys, args, hint):
    with pytest.raises(SystemExit) as stop:
        main(args)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and err.rstrip().endswith(hint), err


@pytest.mark.parametrize("args", [["run", "--workers", "2"], ["check", "--seed", "3", str(BASELINE)],
                                  ["sweep", "x.yaml", "--wrkers=2"]])  # fmt: skip
def test_an_option_the_command_lacks_is_named_not_its_value_taken_for_a_file(capsys, args):
    with pytest.raises(SystemExit) as stop:
        main(args)
    err = capsys.readouterr().err
    unknown = next(a for a in args[1:] if a.startswith("--")).split("=")[0]
    assert stop.value.code == 2 and err.startswith(f"allysim: error: unrecognized arguments: {unknown} "), err


def test_building_the_parser_imports_neither_the_model_nor_pandas_nor_matplotlib():
    heavy = {"mesa", "matplotlib", "pandas", "solara"}
    code = "import sys, sim.cli; sim.cli.build_parser(); print(sorted({m.split('.')[0] for m in sys.modules} & HEAVY))"
    code = code.replace("HEAVY", repr(heavy))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_help_lists_every_command_and_each_command_s_defaults_are_its_module_s(capsys):
    from sim import tournament

    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    printed = capsys.readouterr().out
    assert stop.value.code == 0
    for command in ("run", "check", "play", "tournament", "sweep", "analyze", "plot", "dashboard"):
        assert f"    {command} " in printed
    assert cli.PAIRING_SECONDS == tournament.PAIRING_SECONDS


def test_workers_0_means_one_per_core_in_every_command_that_has_workers():
    from sim.arguments import worker_count

    commands = cli.build_parser()._subparsers._group_actions[0].choices
    having = {name: p for name, p in commands.items() if "--workers" in p._option_string_actions}
    assert {"sweep", "tournament"} <= set(having)
    for name, parser in having.items():
        assert "0 for one per core" in parser.format_help(), name
        assert parser.parse_args(["x.yaml", "--workers", "0"]).workers == 0
    assert worker_count(0) == os.cpu_count() and worker_count(3) == 3


def test_a_shipped_scenario_is_named_without_its_folder_and_the_baseline_is_the_default(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--rounds", "2", "--no-plot"]) == 0
    (out,) = (tmp_path / "results").iterdir()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"] == "baseline_2019" and Path(manifest["scenario_file"]) == BASELINE
    assert main(["check", "no_election_ahead"]) == 0
    assert "name: no_election_ahead" in capsys.readouterr().out
    assert main(["check", "no_election_ahead.yaml"]) == 0  # as the README's table spells it
    assert "name: no_election_ahead" in capsys.readouterr().out
    (tmp_path / "baseline_2019").write_text("extends: " + str(BASELINE) + "\nname: mine\n")
    assert main(["check", "baseline_2019"]) == 0  # a file by that name here comes first
    assert "name: mine" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        main(["run", "walkout_2019"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert "no file 'walkout_2019' here, nor a shipped scenario of that name (analytic, baseline_2019," in err


def test_version_is_the_installed_package_s_and_every_run_records_it(tmp_path, capsys):
    from importlib import metadata

    import sim

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"allysim {metadata.version('allysim')}\n"
    assert sim.__version__ == metadata.version("allysim")
    out = tmp_path / "run"
    assert main(["run", "--rounds", "2", "--no-plot", "--out", str(out)]) == 0
    assert json.loads((out / "manifest.json").read_text())["versions"]["allysim"] == sim.__version__


@pytest.mark.parametrize("command", ["sweep", "calibrate", "tournament"])
def test_a_scheduler_with_an_executor_that_is_not_dask_is_refused(tmp_path, capsys, command):
    """--scheduler means a Dask cluster: with --executor processes it is a contradiction, not dask in silence."""
    files = {"sweep": "configs/sweeps/demand_x_pressure.yaml", "calibrate": "configs/calibration/quick.yaml",
             "tournament": "configs/tournaments/classic.yaml"}  # fmt: skip
    out = tmp_path / "out"
    code = main([command, str(ROOT / files[command]), "--scheduler", "tcp://127.0.0.1:1", "--executor", "processes",
                 "--out", str(out)])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--scheduler runs on a Dask cluster" in err, err
    assert not out.exists()
