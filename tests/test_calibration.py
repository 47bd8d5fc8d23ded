"""`allysim calibrate`: bad input refused before anything is written; the same posterior on one
worker, two processes and a real Dask cluster; a calibration killed mid-generation resumes to
the posterior of one never stopped; parameters that generated the observations are recovered."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT

from sim.calibration.cases import STATISTICS
from sim.calibration.figures import posterior_table
from sim.calibration.simulate import CaseModel, Distance
from sim.calibration.spec import load_calibration
from sim.cli import main

CASES = ROOT / "configs" / "cases"

TINY = """
name: {name}
cases: [{cases}]
reference: baseline_2019
priors:
  patron.strategy.params.beta: {{low: 0.05, high: 1.0}}
  hosts.south_korea.strategy.params.beta: {{low: 0.1, high: 3.0}}
statistics:
  first_year_change_pct: {{scale: 2.5}}
  months_to_deal: {{scale: 1.0}}
abc: {{population_size: {population}, generations: {generations}, root_seed: 11}}
predictive: {{draws: 20}}
"""


def calibration_file(tmp_path: Path, name="tiny", cases="sk_sma9", population=20, generations=2, text=TINY) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.format(name=name, cases=cases, population=population, generations=generations))
    return path


def calibrate(*args) -> int:
    return main(["calibrate", *map(str, args), "--quiet"])


# ------------------------------------------------------------------ statistics and distance


def test_a_case_run_gives_the_five_statistics_and_the_distance_scales_misfits(tmp_path):
    calibration = load_calibration(calibration_file(tmp_path, cases="sk_sma9, sk_sma10"))
    model = CaseModel(calibration)
    stats = model.simulate({"patron.strategy.params.beta": 0.3, "hosts.south_korea.strategy.params.beta": 1.0}, 5)
    assert set(stats) == {
        f"{c}.{s}" for c in ("sk_sma9", "sk_sma10") for s in ("first_year_change_pct", "months_to_deal")
    }
    distance = Distance(calibration)
    observed = {key: (low + high) / 2 for key, (low, high) in calibration.observed().items()}
    assert distance(observed) == 0.0  # the record itself is at distance 0
    moved = dict(observed, **{"sk_sma9.months_to_deal": observed["sk_sma9.months_to_deal"] + 3.0})
    assert distance(moved) == pytest.approx(3.0)  # three months off at a scale of one month
    lacking = dict(observed, **{"sk_sma10.first_year_change_pct": float("nan")})  # no deal
    assert distance(lacking) == pytest.approx(calibration.file.no_deal_penalty)


def test_a_money_prior_is_scaled_to_each_cases_payment(tmp_path):
    value = "hosts.south_korea.alliance_value_usd_bn"
    text = TINY.replace("statistics:", f"  {value}: {{{{low: 4, high: 12, per_payment: true}}}}\nstatistics:")
    calibration = load_calibration(calibration_file(tmp_path, cases="sk_sma9, sk_sma10, jp_2016", text=text))
    reference = calibration.reference.hosts["south_korea"].payment_usd_bn
    korean, japanese = calibration.cases[:2], calibration.cases[2]
    for case in korean:
        ratio = case.scenario.hosts["south_korea"].payment_usd_bn / reference
        assert calibration.changes(case, {value: 8.0})[value] == pytest.approx(8.0 * ratio)
    assert calibration.changes(japanese, {value: 8.0}) == {}  # a South Korean parameter leaves Japan's case


# ------------------------------------------------------------------ bad input


BAD = [
    ("unknown key path", ("patron.strategy.params.beta", "patron.strategy.parms.beta"),
     "priors.patron.strategy.parms.beta: names no numeric parameter"),
    ("outside the schema", ("statistics:", "  patron.discount: {{low: 0.5, high: 1.5}}\nstatistics:"),
     "priors.patron.discount: [0.5, 1.5] goes outside what the scenario accepts"),
    ("wrong type", ("population_size: {population}", "population_size: many"), "abc.population_size"),
    ("misspelt key", ("statistics:", "statistic:"), "statistic: unknown key; accepted keys here"),
    ("unknown case", ("cases: [{cases}]", "cases: [sk_sma99]"), "cases.0: no case 'sk_sma99'"),
    ("broken yaml", ("cases: [{cases}]", "cases: [{cases}"), ""),
    ("a fact as a prior", ("cases: [{cases}]\nreference: baseline_2019\npriors:\n  patron.strategy.params.beta",
                           "cases: [sk_sma10]\nreference: baseline_2019\npriors:\n  hosts.south_korea.demand_usd_bn"),
     "priors.hosts.south_korea.demand_usd_bn: case sk_sma10 draws this input over its reported range"),
]  # fmt: skip


@pytest.mark.parametrize("what, change, message", BAD, ids=[b[0] for b in BAD])
def test_bad_calibration_gives_one_line_exit_2_and_writes_nothing(tmp_path, capsys, what, change, message):
    path = calibration_file(tmp_path, text=TINY.replace(*change))
    out = tmp_path / "out"
    assert calibrate(path, "--out", out) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and message in err, err
    assert not out.exists()


def test_leaving_out_the_only_case_is_refused(tmp_path, capsys):
    path = calibration_file(tmp_path)  # one case: sk_sma9
    out = tmp_path / "out"
    assert calibrate(path, "--out", out, "--leave-out", "sk_sma9") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: cases: --leave-out sk_sma9 leaves no case to fit" in err, err
    assert not out.exists()


def test_a_case_that_knows_none_of_the_statistics_used_is_refused(tmp_path, capsys):
    case = yaml.safe_load((CASES / "jp_2008.yaml").read_text())
    (tmp_path / "_template.yaml").write_text((CASES / "_template.yaml").read_text())
    (tmp_path / "blind.yaml").write_text(yaml.safe_dump(case))  # jp_2008 knows no walkouts nor threats
    text = TINY.replace(
        "first_year_change_pct: {{scale: 2.5}}\n  months_to_deal: {{scale: 1.0}}", "walkouts: {{scale: 1}}"
    )
    text = text.replace("hosts.south_korea.strategy.params.beta", "hosts.japan.strategy.params.beta")
    path = calibration_file(tmp_path, cases="blind.yaml", text=text)
    assert calibrate(path, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "blind.yaml: observed: the case knows none of the statistics" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_missing_file_a_used_folder_and_a_report_of_nothing_are_one_line_each(tmp_path, capsys):
    assert calibrate(tmp_path / "nowhere.yaml") == 2
    assert "nowhere.yaml" in capsys.readouterr().err
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    assert calibrate(calibration_file(tmp_path), "--out", used) == 2
    assert "holds files that are not a calibration's" in capsys.readouterr().err
    assert (used / "notes.txt").read_text() == "mine"
    (used / "manifest.json").write_text('{"kind": "run"}')  # a folder of another command: resuming would not help
    assert calibrate(calibration_file(tmp_path), "--out", used) == 2
    err = capsys.readouterr().err
    assert "is not a calibration's folder" in err and "--resume" not in err, err
    assert (used / "manifest.json").read_text() == '{"kind": "run"}' and not (used / ".lock").exists()
    assert main(["calibrate", "--report", str(tmp_path)]) == 2
    assert "holds no finished calibration" in capsys.readouterr().err


# ------------------------------------------------------------------ a whole calibration


@pytest.mark.slow
def test_a_calibration_writes_its_posterior_database_manifest_figures_and_report(tmp_path, capsys):
    out = tmp_path / "out"
    assert calibrate(calibration_file(tmp_path), "--out", out, "--executor", "serial") == 0
    for name in ("posterior.parquet", "predictive.parquet", "calibration.db", "manifest.json", "calibration.yaml",
                 "marginals.png", "pairs.png", "epsilon.png", "predictive.png"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert list(posterior.columns) == [
        "patron.strategy.params.beta",
        "hosts.south_korea.strategy.params.beta",
        "weight",
    ]
    assert len(posterior) == 20 and posterior.weight.sum() == pytest.approx(1.0)
    assert posterior["patron.strategy.params.beta"].between(0.05, 1.0).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["generations_done"] == 2
    assert manifest["runs"] == manifest["evaluations"] >= 40 and "pyabc" in manifest["versions"]
    assert manifest["epsilons"][1] <= manifest["epsilons"][0]
    predictive = pd.read_parquet(out / "predictive.parquet")
    assert len(predictive) == 20 and set(predictive.case) == {"sk_sma9"}
    capsys.readouterr()
    assert main(["calibrate", "--report", str(out)]) == 0
    report = capsys.readouterr().out
    assert "patron.strategy.params.beta" in report and "90% interval" in report
    assert "observed statistics inside their predictive 90% interval" in report


@pytest.mark.slow
def test_the_same_root_seed_gives_the_same_posterior_on_one_worker_two_processes_and_dask(tmp_path):
    from dask.distributed import LocalCluster

    path = calibration_file(tmp_path, population=16)
    posteriors = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        for executor, extra in (("serial", []), ("processes", ["--workers", "2"]),
                                ("dask", ["--scheduler", cluster.scheduler_address])):  # fmt: skip
            out = tmp_path / executor
            assert calibrate(path, "--out", out, "--executor", executor, *extra) == 0
            posteriors[executor] = pd.read_parquet(out / "posterior.parquet")
    first = posteriors["serial"]
    for executor, posterior in posteriors.items():
        pd.testing.assert_frame_equal(posterior, first, check_exact=True, obj=executor)


def _generations(db: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as con:
            return con.execute("SELECT COUNT(*) FROM populations WHERE t >= 0").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_a_calibration_killed_mid_generation_resumes_to_the_same_posterior(tmp_path):
    path = calibration_file(tmp_path, population=30, generations=4)
    whole = tmp_path / "whole"
    assert calibrate(path, "--out", whole, "--executor", "serial") == 0
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "sim", "calibrate", str(path), "--out", str(killed), "--executor", "processes",
               "--workers", "2", "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while _generations(killed / "calibration.db") < 2 and process.poll() is None:
            assert time.monotonic() < deadline, "no two generations stored in 120 s"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # mid-way through the third generation (or later)
        process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    done = _generations(killed / "calibration.db")
    assert 2 <= done, done
    if done < 4:  # else it outran the kill: the resume below then only writes the results again
        assert not (killed / "posterior.parquet").exists()
        assert json.loads((killed / "manifest.json").read_text())["status"] == "running"
    assert calibrate(path, "--out", killed) == 2  # a used folder needs --resume
    assert calibrate(path, "--out", killed, "--resume") == 0
    pd.testing.assert_frame_equal(pd.read_parquet(killed / "posterior.parquet"),
                                  pd.read_parquet(whole / "posterior.parquet"), check_exact=True)  # fmt: skip
    manifest = json.loads((killed / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["generations_done"] == 4
    other = calibration_file(tmp_path, name="other", population=31, generations=4)
    assert calibrate(other, "--out", killed, "--resume") == 2  # another calibration's folder


@pytest.mark.parametrize("how", ["Ctrl-C", "half written"])
def test_an_interrupt_while_a_generation_is_written_loses_that_generation_only(tmp_path, monkeypatch, how):
    """Ctrl-C that comes while pyabc writes a generation (here at its 30th parameter value, of
    40) waits for the write to end; a database that an interrupt did leave half written (as an
    earlier version let pyabc commit) has that generation taken out on --resume. Either way the
    resumed calibration ends with the posterior of one never stopped."""
    import pyabc.storage.db_model as db_model

    path = calibration_file(tmp_path)  # 20 particles of 2 parameters
    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    assert calibrate(path, "--out", whole, "--executor", "serial") == 0
    made, start = [0], db_model.Parameter.__init__

    def parameter(self, *args, **kwargs):
        made[0] += 1
        if made[0] == 30:
            if how == "Ctrl-C":
                os.kill(os.getpid(), signal.SIGINT)  # a real signal, at the worst moment
            else:
                raise KeyboardInterrupt
        start(self, *args, **kwargs)

    monkeypatch.setattr(db_model.Parameter, "__init__", parameter)
    assert calibrate(path, "--out", stopped, "--executor", "serial") == 130
    monkeypatch.undo()
    with contextlib.closing(sqlite3.connect(stopped / "calibration.db")) as con:
        particles = dict(con.execute("SELECT p.t, COUNT(pa.id) FROM populations p JOIN models m ON "
                                     "m.population_id = p.id JOIN particles pa ON pa.model_id = m.id "
                                     "WHERE p.t >= 0 GROUP BY p.t"))  # fmt: skip
    assert particles == ({0: 20} if how == "Ctrl-C" else {0: 15}), particles  # whole, or as a kill left it
    assert calibrate(path, "--out", stopped, "--resume", "--executor", "serial") == 0
    pd.testing.assert_frame_equal(pd.read_parquet(stopped / "posterior.parquet"),
                                  pd.read_parquet(whole / "posterior.parquet"), check_exact=True)  # fmt: skip
    assert json.loads((stopped / "manifest.json").read_text())["generations_done"] == 2


# ------------------------------------------------------------------ parameter recovery


RECOVERY = """
name: recovery
cases: [synthetic_sma9.yaml, synthetic_sma10.yaml]
reference: baseline_2019
priors:
  patron.strategy.params.beta: {low: 0.05, high: 1.0}
  hosts.south_korea.strategy.params.beta: {low: 0.1, high: 3.0}
  hosts.south_korea.alliance_value_usd_bn: {low: 4.0, high: 12.0, per_payment: true}
statistics:
  first_year_change_pct: {scale: 2.5}
  months_to_deal: {scale: 1.0}
  lapse_days: {scale: 30.0}
  walkouts: {scale: 1.0}
abc: {population_size: 100, generations: 4, root_seed: 3}
predictive: {draws: 20}
"""
TRUTH = {"patron.strategy.params.beta": 0.4, "hosts.south_korea.strategy.params.beta": 0.6,
         "hosts.south_korea.alliance_value_usd_bn": 9.0}  # fmt: skip


@pytest.mark.slow
def test_parameters_that_generated_the_observations_are_recovered(tmp_path):
    """Observations made by the model itself at known parameters (the median of 9 runs of each
    case, as a record is one history): each true value lies in its 90% credible interval, and
    the data narrow the posterior below the prior."""
    (tmp_path / "_template.yaml").write_text((CASES / "_template.yaml").read_text())
    for name in ("sk_sma9", "sk_sma10"):
        data = yaml.safe_load((CASES / f"{name}.yaml").read_text())
        data["name"] = f"synthetic_{name[3:]}"
        data["observed"].pop("uncertain_inputs", None)  # the synthetic record knows its inputs
        (tmp_path / f"synthetic_{name[3:]}.yaml").write_text(yaml.safe_dump(data))
    path = tmp_path / "recovery.yaml"
    path.write_text(RECOVERY)
    calibration = load_calibration(path)
    model = CaseModel(calibration)
    model.used = list(STATISTICS)
    runs = pd.DataFrame([model.simulate(TRUTH, seed) for seed in range(9)])
    for case in calibration.cases:
        data = yaml.safe_load(case.path.read_text())
        for stat in STATISTICS:
            value = float(np.nanmedian(runs[f"{case.name}.{stat}"]))
            data["observed"][stat] = {"value": round(value, 3), "source": "the model at known parameters"}
        case.path.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    assert calibrate(path, "--out", out) == 0
    table = posterior_table(load_calibration(path), pd.read_parquet(out / "posterior.parquet")).set_index("parameter")
    print(table.to_string())
    for key, truth in TRUTH.items():
        assert table.low_90[key] <= truth <= table.high_90[key], (key, truth, table.loc[key].to_dict())
    assert (table.width_share < 0.75).sum() >= 2, table.width_share  # learnt from the data, not the prior back


# ------------------------------------------------------------------ the posterior as an input


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("calibrated")
    path = calibration_file(folder, cases="sk_sma9, sk_sma10", population=20, generations=2)
    assert calibrate(path, "--out", folder / "out", "--executor", "serial") == 0
    return folder / "out"


def particle_of(posterior: pd.DataFrame, values: dict) -> int:
    """The posterior particle whose values these are (a South Korean value scaled or not)."""
    matches = np.ones(len(posterior), bool)
    for key, value in values.items():
        matches &= np.isclose(posterior[key], value, rtol=0, atol=1e-12)
    assert matches.sum() >= 1, values
    return int(np.flatnonzero(matches)[0])


@pytest.mark.slow
def test_a_run_draws_its_parameters_from_the_posterior_by_its_seed(calibrated, tmp_path, capsys):
    posterior = pd.read_parquet(calibrated / "posterior.parquet")
    drawn = {}
    for seed in (1, 2, 1):
        out = tmp_path / f"seed{seed}-{len(drawn)}"
        assert main(["run", "--seed", str(seed), "--posterior", str(calibrated), "--out", str(out), "--no-plot"]) == 0
        manifest = json.loads((out / "manifest.json").read_text())
        values = manifest["posterior"]["values"]
        assert particle_of(posterior, values) >= 0
        scenario = yaml.safe_load((out / "scenario.yaml").read_text())
        assert scenario["patron"]["strategy"]["params"]["beta"] == values["patron.strategy.params.beta"]
        drawn.setdefault(seed, []).append(values)
    assert drawn[1][0] == drawn[1][1]  # the same seed, the same draw
    capsys.readouterr()
    assert main(["run", "--posterior", str(tmp_path), "--no-plot"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds no finished calibration" in err


@pytest.mark.slow
def test_a_sweep_draws_one_parameter_set_per_replicate_from_the_posterior(calibrated, tmp_path, capsys):
    text = f"""
name: drawn
scenario: {ROOT / "configs" / "scenarios" / "baseline_2019.yaml"}
set: {{rounds: 12}}
parameters:
  hosts.south_korea.demand_usd_bn: {{values: [2.0, 5.0]}}
replicates: 6
root_seed: 5
posterior: {os.path.relpath(calibrated, tmp_path)}
"""  # relative to the sweep's file
    path = tmp_path / "drawn.yaml"
    path.write_text(text)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial", "--quiet"]) == 0
    runs = pd.read_parquet(tmp_path / "out" / "runs")
    posterior = pd.read_parquet(calibrated / "posterior.parquet")
    keys = ["patron.strategy.params.beta", "hosts.south_korea.strategy.params.beta"]
    by_replicate = runs.groupby("replicate")[keys].nunique()
    assert (by_replicate == 1).all().all()  # every point of a replicate has the same draw
    for _, row in runs.iterrows():
        particle_of(posterior, {k: row[k] for k in keys})
    assert runs.drop_duplicates("replicate")[keys].drop_duplicates().shape[0] > 1  # replicates differ
    stored = tmp_path / "out" / "sweep.yaml"  # the sweep as run replays from its results folder
    assert main(["sweep", str(stored), "--out", str(tmp_path / "again"), "--executor", "serial", "--quiet"]) == 0
    again = pd.read_parquet(tmp_path / "again" / "runs").sort_values("run_id")
    assert again[keys].to_numpy().tolist() == runs.sort_values("run_id")[keys].to_numpy().tolist()
    path.write_text(text.replace("hosts.south_korea.demand_usd_bn", "patron.strategy.params.beta")
                    .replace("[2.0, 5.0]", "[0.2, 0.5]"))  # fmt: skip
    assert main(["sweep", str(path), "--out", str(tmp_path / "other"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "posterior: patron.strategy.params.beta is both swept and drawn from the posterior" in err


def test_the_shipped_calibrations_are_valid():
    for path in sorted((ROOT / "configs" / "calibration").glob("*.yaml")):
        calibration = load_calibration(path)
        assert len(calibration.cases) >= 2 and len(calibration.names) >= 3, path.name


@pytest.mark.slow
def test_a_draw_never_overrides_what_the_user_set_nor_a_strategy_it_was_not_fitted_for(calibrated, tmp_path, capsys):
    args = ["run", "--posterior", str(calibrated), "--no-plot"]
    assert main([*args, "--set", "patron.strategy.params.beta=0.5", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "patron.strategy.params.beta: is both set and drawn from the posterior" in err
    assert not (tmp_path / "a").exists()
    assert main([*args, "conciliatory_patron", "--out", str(tmp_path / "b")]) == 0  # its patron plays conceder
    err = capsys.readouterr().err
    assert "patron.strategy.params.beta is not drawn from the posterior (fitted for boulware" in err
    scenario = yaml.safe_load((tmp_path / "b" / "scenario.yaml").read_text())
    assert scenario["patron"]["strategy"] == {"name": "conceder", "params": {"beta": 5.0}}  # as the scenario has it
    drawn = json.loads((tmp_path / "b" / "manifest.json").read_text())["posterior"]
    assert "patron.strategy.params.beta" in drawn["not_drawn"] and Path(drawn["folder"]).is_absolute()


@pytest.mark.slow
def test_a_damaged_database_or_posterior_is_named_and_left_as_it_is(calibrated, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(calibrated, copy)
    damaged = (copy / "calibration.db").read_bytes()[:5000]
    (copy / "calibration.db").write_bytes(damaged)
    path = Path(json.loads((copy / "manifest.json").read_text())["calibration_file"])
    assert calibrate(path, "--out", copy, "--resume") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "calibration.db is damaged" in err
    assert (copy / "calibration.db").read_bytes() == damaged  # never replaced
    (copy / "posterior.parquet").write_bytes(b"PAR1 not a table")
    assert main(["calibrate", "--report", str(copy)]) == 2
    assert "posterior.parquet is damaged" in capsys.readouterr().err
    assert main(["run", "--posterior", str(copy), "--no-plot", "--out", str(tmp_path / "r")]) == 2
    assert "the posterior cannot be read" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda t: t.assign(weight=np.where(np.arange(len(t)) == 0, -0.5, t.weight)), "weights below zero"),
        (lambda t: t.assign(weight=0.0), "weights below zero or none above it"),
        (lambda t: t.assign(**{t.columns[0]: "x"}), "that is not numbers"),
        (lambda t: t.drop(columns="weight"), "has no column 'weight'"),
        (lambda t: t.iloc[:0], "holds no particle"),
    ],
)
def test_a_posterior_with_wrong_weights_or_values_is_one_line_everywhere(calibrated, tmp_path, capsys, damage, words):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(calibrated, copy)
    table = damage(pd.read_parquet(copy / "posterior.parquet"))
    table.to_parquet(copy / "posterior.parquet")
    capsys.readouterr()
    for command in (["calibrate", "--report", str(copy)],
                    ["run", "--posterior", str(copy), "--no-plot", "--out", str(tmp_path / "r")]):  # fmt: skip
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(copy / "posterior.parquet") in err and words in err, err
    assert not (tmp_path / "r").exists()
