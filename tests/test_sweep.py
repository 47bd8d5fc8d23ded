"""Sweeps end to end: validation, identical results on every executor (a real Dask cluster
among them), resuming after SIGKILL, failures, progress, analysis and plots."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, ROOT

from sim.cli import main
from sim.strategies import STRATEGIES, Strategy, register

GRID = """
name: {name}
scenario: {base}
set: {{rounds: 14}}
parameters:
  hosts.south_korea.demand_usd_bn: {{values: [2.0, 5.0], kind: lever}}
  patron.aspiration_spread: {{range: [0.2, 0.9], levels: 2}}
design: {{sampler: grid}}
replicates: {replicates}
root_seed: 7
"""


def sweep_file(tmp_path, name="tiny", replicates=3, text=GRID, **extra) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.format(name=name, base=BASELINE, replicates=replicates, **extra))
    return str(path)


def table_bytes(folder) -> bytes:
    frame = pd.read_parquet(folder / "runs").sort_values("run_id").reset_index(drop=True)
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    return sink.getvalue()


def run(*args) -> int:
    return main(["sweep", *map(str, args), "--quiet"])


def test_rows_carry_run_point_replicate_seed_parameters_and_outcomes(tmp_path):
    out = tmp_path / "out"
    assert run(sweep_file(tmp_path), "--out", out, "--executor", "serial") == 0
    runs = pd.read_parquet(out / "runs")
    assert len(runs) == 12 and sorted(runs["run_id"]) == list(range(12))
    assert {"run_id", "point", "replicate", "seed", "hosts.south_korea.demand_usd_bn", "patron.aspiration_spread",
            "south_korea.deal", "japan.payment_usd_bn", "utilities.united_states"} <= set(runs.columns)  # fmt: skip
    assert runs.groupby("point").size().tolist() == [3, 3, 3, 3]
    assert runs["seed"].nunique() == 12
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_done"] == 12 and manifest["runs_failed"] == 0
    assert manifest["design"]["runs"] == 12 and manifest["runs_per_second"] > 0
    assert (out / "sweep.yaml").exists() and (out / "scenario.yaml").exists()


def test_a_run_of_a_sweep_is_replayed_by_allysim_run_with_its_64_bit_seed(tmp_path):
    out = tmp_path / "out"
    assert run(sweep_file(tmp_path), "--out", out, "--executor", "serial") == 0
    runs = pd.read_parquet(out / "runs")
    assert pq.read_schema(next((out / "runs").glob("*.parquet"))).field("seed").type == pa.uint64()
    row = runs[runs["seed"] > 2**63].iloc[0]  # beyond int64: stored and read back whole
    changes = [f"--set={key}={row[key]}" for key in ("hosts.south_korea.demand_usd_bn", "patron.aspiration_spread")]
    single = tmp_path / "single"
    assert main(["run", str(out / "scenario.yaml"), *changes, "--seed", str(int(row["seed"])), "--no-plot",
                 "--out", str(single)]) == 0  # fmt: skip
    summary = json.loads((single / "summary.json").read_text())
    assert summary["seed"] == int(row["seed"])
    for host, table in summary["tables"].items():
        for key in ("deal", "deal_round", "payment_usd_bn", "walkouts", "hedging_peak"):
            assert table[key] == row[f"{host}.{key}"] or (table[key] is None and pd.isna(row[f"{host}.{key}"]))
    assert summary["utilities"]["united_states"] == pytest.approx(row["utilities.united_states"], abs=1e-9)


@pytest.mark.slow
def test_every_executor_gives_byte_identical_results(tmp_path):
    path = sweep_file(tmp_path, replicates=4)
    outputs = {}
    for label, args in {"serial": ["--executor", "serial"],
                        "processes-1": ["--executor", "processes", "--workers", "1"],
                        "processes-2": ["--executor", "processes", "--workers", "2", "--batch-size", "3"],
                        "dask-2": ["--executor", "dask", "--workers", "2", "--batch-size", "5"]}.items():  # fmt: skip
        assert run(path, "--out", tmp_path / label, *args) == 0
        outputs[label] = table_bytes(tmp_path / label)
    assert len(set(outputs.values())) == 1, {k: len(v) for k, v in outputs.items()}


def as_in_a_terminal() -> None:
    """Ctrl-C's default meaning for the sweep, as in a terminal's foreground job: a test run from
    a background job (a CI script started with `&`) would otherwise pass SIGINT on as ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stopped_mid_way(command, runs_dir, all_parts: int, parts: int = 2) -> subprocess.Popen | None:
    """Start a sweep, wait until `parts` parts are stored (the sweep's own state, not time) and
    freeze its process group there; None if it finished first, or stored all its `all_parts`
    parts before it froze (a starved test process): a signal would then find nothing to stop."""
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE, text=True,
                               preexec_fn=as_in_a_terminal)  # fmt: skip
    deadline = time.monotonic() + 120  # only ends a test that would otherwise hang
    while len(list(runs_dir.glob("part-*.parquet"))) < parts and process.poll() is None:
        assert time.monotonic() < deadline, f"the sweep stored no {parts} parts in 120 s"
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGSTOP)  # frozen: nothing changes until the signal is sent
    stored = len(list(runs_dir.glob("part-*.parquet")))
    if process.poll() is None and stored < all_parts and (runs_dir.parent / "manifest.json").exists():
        manifest = json.loads((runs_dir.parent / "manifest.json").read_text())
        if manifest["status"] == "running":
            return process
    os.killpg(process.pid, signal.SIGCONT)
    process.communicate(timeout=60)
    return None


def workers_of(pgid: int) -> list[int]:
    """The worker processes of a sweep whose process group is `pgid` (from /proc): those its
    fork server started, not the sweep's own children (the fork server, the resource tracker)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and int(fields[1]) != pgid and int(stat.parent.name) != pgid:
            members.append(int(stat.parent.name))
    return members


WORKERS_KILLED = "workers killed"  # kill -9 of the sweep's worker processes alone, as the OOM killer does


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT, WORKERS_KILLED], ids=["SIGKILL", "Ctrl-C", "workers"])
def test_an_interrupted_sweep_resumes_to_the_same_result(tmp_path, stop):
    path = sweep_file(tmp_path, name="long", replicates=30)  # 120 runs
    whole = tmp_path / "whole"
    assert run(path, "--out", whole, "--executor", "serial") == 0
    for attempt in range(3):  # a fresh folder if the sweep outran a starved test process
        killed = tmp_path / f"killed{attempt}"
        command = [sys.executable, "-m", "sim", "sweep", path, "--out", str(killed), "--executor", "processes",
                   "--workers", "2", "--batch-size", "2", "--quiet"]  # fmt: skip
        process = stopped_mid_way(command, killed / "runs", all_parts=60)  # 120 runs, 2 a part
        if process is not None:
            break
    else:
        pytest.fail("the sweep finished three times before it could be interrupted")
    try:
        if stop == WORKERS_KILLED:
            workers = workers_of(process.pid)
            assert workers, "the sweep's workers were not found"
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
        else:
            os.killpg(process.pid, stop)  # the whole process group, as Ctrl-C in a terminal does
        os.killpg(process.pid, signal.SIGCONT)
        err = process.communicate(timeout=60)[1]
    finally:  # never a frozen sweep left behind, whatever failed
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    if stop == signal.SIGINT:
        assert process.returncode == 130 and "--resume" in err
        assert "Traceback" not in err, err  # the workers leave Ctrl-C to the sweep, which ends them
        assert json.loads((killed / "manifest.json").read_text())["status"] == "interrupted"
    if stop == WORKERS_KILLED:
        assert process.returncode == 1 and err.count("\n") == 1, err
        assert "a worker process died" in err and "--resume" in err
        assert json.loads((killed / "manifest.json").read_text())["status"] == "stopped"
    stored = len(pd.read_parquet(killed / "runs"))
    assert 0 < stored < 120, "the sweep should have been killed mid-way"
    assert run(path, "--out", killed, "--resume") == 0
    resumed = pd.read_parquet(killed / "runs")
    assert len(resumed) == 120 and resumed["run_id"].is_unique
    assert table_bytes(killed) == table_bytes(whole)
    manifest = json.loads((killed / "manifest.json").read_text())
    assert manifest["runs_done_before"] == stored and manifest["runs_done"] == 120
    assert run(path, "--out", killed, "--resume") == 0  # nothing left: runs nothing, changes nothing
    assert table_bytes(killed) == table_bytes(whole)


@pytest.mark.slow
def test_ctrl_c_while_a_sweep_starts_is_one_line(tmp_path):
    """Ctrl-C in a sweep's first seconds, while the command imports, the fork server imports
    the package and the workers start: one line and 130 each time, never a traceback."""
    path = sweep_file(tmp_path, name="long", replicates=30)
    for i, delay in enumerate((0.3, 0.8, 1.2, 1.6, 2.0, 2.4)):
        command = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(tmp_path / f"out{i}"),
                   "--executor", "processes", "--workers", "2", "--quiet"]  # fmt: skip
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            time.sleep(delay)
            os.killpg(process.pid, signal.SIGINT)
            err = process.communicate(timeout=60)[1]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        if process.returncode == 0:
            continue  # it finished first
        # 130, or ended by SIGINT itself (-2, which a shell shows as 130): Python does that after
        # a Ctrl-C that came while an import ran code through C, however the command handled it
        assert process.returncode in (130, -signal.SIGINT), (delay, process.returncode, err)
        assert err.count("\n") == 1 and "interrupted" in err, (delay, err)


def test_resume_refuses_a_different_sweep_and_a_used_folder_needs_resume(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(sweep_file(tmp_path), "--out", out, "--executor", "serial") == 0
    assert run(sweep_file(tmp_path), "--out", out) == 2
    assert "--resume" in capsys.readouterr().err
    assert run(sweep_file(tmp_path, replicates=5), "--out", out, "--resume") == 2
    assert "different sweep" in capsys.readouterr().err
    assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(out), "--resume"]) == 0  # complete already
    assert "all there before: none to run" in capsys.readouterr().out


class Exploding(Strategy):
    """Raises on its second and third moves (after passing the rehearsal, which plays a first and
    a fourth): to test how a sweep records runs that fail mid-way."""

    name = "exploding_test"
    source = "the test suite"

    def target(self, s):
        if len(s.own_offers) in (1, 2):
            raise RuntimeError("boom")
        return s.anchor


FAILING = """
name: failing
scenario: {base}
set: {{rounds: 6}}
parameters:
  patron.strategy: {{values: [linear, exploding_test]}}
replicates: 2
"""


@pytest.fixture
def exploding():
    register(Exploding)
    yield
    STRATEGIES.pop(Exploding.name, None)


def test_failing_runs_are_recorded_and_the_sweep_goes_on(tmp_path, capsys, exploding):
    out = tmp_path / "out"
    assert run(sweep_file(tmp_path, text=FAILING), "--out", out, "--executor", "serial") == 1
    assert "2 runs failed" in capsys.readouterr().err
    assert len(pd.read_parquet(out / "runs")) == 2
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert len(failures) == 2
    assert {"run_id", "seed", "parameters", "traceback"} <= set(failures[0])
    assert failures[0]["parameters"] == {"patron.strategy": "exploding_test"} and "boom" in failures[0]["traceback"]
    assert json.loads((out / "manifest.json").read_text())["runs_failed"] == 2
    capsys.readouterr()
    assert main(["analyze", str(out)]) == 0  # the region that failed is named, not left out unsaid
    printed = capsys.readouterr().out
    assert "2 runs over 1 of 2 design points" in printed
    assert "No run to analyse at 1 design point; the tables below say nothing of them:" in printed
    assert "  point 1: patron.strategy = exploding_test" in printed


BAD_SWEEPS = {
    "misspelt key": ("name: x\nscenario: {base}\nparameters: {{patron.discount: {{valuez: [1]}}}}\n",
                     "parameters.patron.discount.valuez"),
    "sobol with values": ("name: x\nscenario: {base}\nparameters: {{patron.discount: {{values: [0.1]}}}}\n"
                          "design: {{sampler: sobol}}\n", "needs a range"),
    "out of the scenario's range": ("name: x\nscenario: {base}\nparameters: {{patron.discount: {{range: [0, 2]}}}}\n",
                                    "parameters.patron.discount"),
    "unknown sampler": ("name: x\nscenario: {base}\nparameters: {{patron.discount: {{values: [0.1]}}}}\n"
                        "design: {{sampler: latin}}\n", "design.sampler"),
    "missing scenario": ("name: x\nscenario: nowhere.yaml\nparameters: {{patron.discount: {{values: [0.1]}}}}\n",
                         "file not found"),
    "invalid yaml": ("name: x\nparameters: [\n", "invalid YAML"),
    "infinite range": ("name: x\nscenario: {base}\nparameters: {{hosts.japan.demand_usd_bn: {{range: [1, .inf]}}}}\n",
                       "finite number"),
    "ranges that clash": ("name: x\nscenario: {base}\nparameters:\n"
                          "  hosts.south_korea.troop_floor: {{range: [20000, 27000], integer: true}}\n"
                          "  hosts.south_korea.troops: {{range: [24000, 32000], integer: true}}\n"
                          "design: {{sampler: lhs, samples: 50}}\n",
                          "hosts.south_korea.troop_floor, hosts.south_korea.troops: 3 of 50 design points"),
    "NUL in the scenario's path": ("name: x\nscenario: \"a\\0b\"\nparameters: {{patron.discount: {{values: [0.5]}}}}\n",
                                   "is not a path"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_SWEEPS))
def test_bad_sweep_gives_one_line_exit_2_and_writes_nothing(tmp_path, capsys, case):
    text, words = BAD_SWEEPS[case]
    path = tmp_path / "bad.yaml"
    path.write_text(text.format(base=BASELINE))
    assert run(path, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.yaml" in err and words in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_progress_is_plain_lines_off_a_terminal_and_silent_when_quiet(tmp_path):
    path = sweep_file(tmp_path)
    loud = subprocess.run([sys.executable, "-m", "sim", "sweep", path, "--out", str(tmp_path / "a"),
                           "--executor", "serial"], capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert loud.returncode == 0 and "sweep: 12/12 runs" in loud.stderr and "runs/s" in loud.stderr
    quiet = subprocess.run([sys.executable, "-m", "sim", "sweep", path, "--out", str(tmp_path / "b"),
                            "--executor", "serial", "--quiet"], capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""


def test_keep_rounds_for_a_sample_of_runs(tmp_path):
    out = tmp_path / "out"
    assert run(sweep_file(tmp_path), "--out", out, "--keep-rounds", "5", "--workers", "2") == 0
    rounds = pd.read_parquet(out / "rounds")
    assert rounds["run_id"].nunique() == 5 and len(rounds) == 5 * 14


def test_shipped_sweeps_are_valid():
    from sim.experiment.design import check_points, load_sweep

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    shipped = readme[readme.index("Shipped sweeps (`configs/sweeps/`):") :].split(". ")[0]
    for path in sorted((ROOT / "configs" / "sweeps").glob("*.yaml")):
        plan = load_sweep(path)
        assert plan.runs_total >= 100, path.name
        check_points(plan)  # every design point a valid scenario, not only each range's ends
        counted = re.search(rf"`{plan.sweep.name}` \([^`]*?([\d,]+) runs\)", shipped)  # the README's count
        assert counted and counted.group(1) == f"{plan.runs_total:,}", (path.name, plan.runs_total)
    assert len(load_sweep(ROOT / "configs" / "sweeps" / "sobol_drivers.yaml").keys) >= 8
    morris = load_sweep(ROOT / "configs" / "sweeps" / "morris_screening.yaml")
    assert len(morris.keys) > 100 and "patron.transactionalism" in morris.keys


SCREEN_NEAR_FLOOR = """
name: near_floor
scenario: {base}
set: {{hosts: {{south_korea: {{troop_floor: 28000}}}}}}   # 500 below the troops
screen_all_numeric:
  spread: 0.25
  exclude: [rounds, citizens, min_deadline_rounds, choice_precision, patron, rival, publics, hosts.japan]
design: {{sampler: morris, samples: 20, levels: 4}}
"""


def test_a_screening_keeps_the_troop_floor_below_the_troops_at_every_point(tmp_path):
    from sim.experiment.design import check_points, load_sweep

    plan = load_sweep(sweep_file(tmp_path, text=SCREEN_NEAR_FLOOR))
    floor, troops = "hosts.south_korea.troop_floor", "hosts.south_korea.troops"
    assert {floor, troops} <= set(plan.keys) and len(plan.points) == 20 * (len(plan.keys) + 1)
    low, high = (plan.problem["bounds"][plan.keys.index(k)] for k in (floor, troops))
    assert low[0] < 28000 <= low[1] <= high[0] <= 28500 < high[1]  # both still move, each about its base
    assert all(p[floor] <= p[troops] for p in plan.points)
    assert max(p[floor] for p in plan.points) == min(p[troops] for p in plan.points)  # the ranges meet
    check_points(plan)  # every point a valid scenario


def test_the_ordered_fields_are_orders_the_schema_keeps():
    from sim.config import ScenarioError, load_scenario, with_changes
    from sim.experiment.design import ORDERED

    base = load_scenario(BASELINE)
    for lower, upper in ORDERED:
        host = base.hosts["south_korea"]
        with_changes(base, {f"hosts.south_korea.{lower}": getattr(host, upper)})  # equal is valid
        with pytest.raises(ScenarioError):
            with_changes(base, {f"hosts.south_korea.{lower}": getattr(host, upper) + 1})


SOBOL = """
name: small_sobol
scenario: {base}
set: {{rounds: 10, hosts: {{japan: null}}, publics: {{japan: null}}}}
parameters:
  patron.aspiration_spread: {{range: [0.1, 1.0]}}
  patron.transactionalism: {{range: [0.2, 1.0]}}
  hosts.south_korea.demand_usd_bn: {{range: [1.5, 6.0]}}
design: {{sampler: {sampler}, samples: {samples}}}
replicates: 1
"""


@pytest.mark.slow
@pytest.mark.parametrize("sampler, samples, column", [("sobol", 16, "ST"), ("morris", 6, "mu_star")])
def test_analyze_and_plot_a_sensitivity_sweep(tmp_path, capsys, sampler, samples, column):
    path = sweep_file(tmp_path, text=SOBOL, sampler=sampler, samples=samples)
    out = tmp_path / "out"
    assert run(path, "--out", out, "--workers", "2") == 0
    assert main(["analyze", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Most influential parameters" in printed and "Scenario discovery" in printed
    points = pd.read_csv(out / "analysis" / "points.csv")
    names = ["deal_rate", "walkout_rate", "lapse_rate", "drawdown_rate", "hedging_rate", "payment_mean"]
    assert {f"south_korea.{n}" for n in names} <= set(points.columns)
    assert (out / "analysis" / "points.parquet").exists()
    indices = pd.read_parquet(out / "analysis" / "sensitivity.parquet")
    assert column in indices and set(indices["parameter"]) == {"patron.aspiration_spread", "patron.transactionalism",
                                                               "hosts.south_korea.demand_usd_bn"}  # fmt: skip
    walkout = indices[indices["outcome"] == "south_korea.walkout"].set_index("parameter")[column]
    assert walkout.notna().all()
    if sampler == "morris":  # 16 Sobol base samples cannot rank three parameters; six trajectories can
        assert walkout.idxmax() == "patron.transactionalism"  # tau weighs a walkout's gain against its damage
    assert main(["plot", str(out)]) == 0
    names = {p.name for p in (out / "plots").iterdir()}
    for stem in ("heatmap_south_korea", "distributions_south_korea", "sensitivity_south_korea_walkout",
                 "prim_tradeoff"):  # fmt: skip
        assert {f"{stem}.png", f"{stem}.svg"} <= names


def test_analyze_a_grid_writes_every_rate_with_its_interval(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(sweep_file(tmp_path, replicates=6), "--out", out) == 0
    assert main(["analyze", str(out)]) == 0
    points = pd.read_csv(out / "analysis" / "points.csv")
    assert len(points) == 4 and (points["runs"] == 6).all()
    ok = points.dropna(subset=["south_korea.payment_low95"])
    assert (ok["south_korea.payment_low95"] <= ok["south_korea.payment_mean"]).all()
    assert (ok["south_korea.payment_mean"] <= ok["south_korea.payment_high95"]).all()
    overall = pd.read_csv(out / "analysis" / "rates.csv")
    for table, rates in ((points, [c for c in points if c.endswith("_rate")]), (overall, ["rate"])):
        assert rates and all({f"{r}_low95", f"{r}_high95"} <= set(table) for r in rates)
        for r in rates:
            assert (table[f"{r}_low95"] <= table[r]).all() and (table[r] <= table[f"{r}_high95"]).all()
    assert set(overall["host"]) == {"south_korea", "japan"} and (overall["runs"] == 24).all()
    deals = overall.set_index(["host", "outcome"]).loc[("south_korea", "deal")]
    runs = pd.read_parquet(out / "runs")
    assert deals["cases"] == runs["south_korea.deal"].sum()
    assert deals["point_lowest"] <= deals["rate"] <= deals["point_highest"]


def test_analyze_prints_a_summary_whatever_the_number_of_design_points(tmp_path, capsys):
    text = SOBOL.replace("replicates: 1", "replicates: 2")
    out = tmp_path / "out"
    assert run(sweep_file(tmp_path, text=text, sampler="random", samples=60), "--out", out, "--workers", "2") == 0
    assert main(["analyze", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) < 30, "\n".join(printed)  # 60 design points: no line for each
    assert any(str(out / "analysis" / "points.csv") in line for line in printed)
    deal = next(line for line in printed if line.strip().startswith("deal "))
    overall = pd.read_csv(out / "analysis" / "rates.csv").set_index("outcome").loc["deal"]
    assert f"[{overall['rate_low95']:.1%}, {overall['rate_high95']:.1%}]" in deal
    assert any(line.startswith("Scenario discovery (PRIM") for line in printed)
    assert any("runs in the box: density" in line and "coverage" in line for line in printed)
    boxes = json.loads((out / "analysis" / "discovery.json").read_text())
    steps = pd.read_csv(out / "analysis" / "prim_trajectory.csv")
    found = {(b["host"], b["outcome"]) for b in boxes if "rules" in b}
    assert found == set(zip(steps["host"], steps["outcome"], strict=True))
    for b in boxes:
        if "rules" in b:
            assert b["density_low95"] <= b["density"] <= b["density_high95"] and b["runs_in_box"] >= 20
            chosen = steps[(steps["host"] == b["host"]) & (steps["outcome"] == b["outcome"]) & steps["chosen"]]
            assert chosen["step"].item() == b["step"]


def test_analyze_says_clearly_when_there_is_nothing(tmp_path, capsys):
    assert main(["analyze", str(tmp_path)]) == 2
    assert "no sweep results" in capsys.readouterr().err


@pytest.mark.parametrize("sampler", ["random", "lhs"])
def test_random_and_latin_hypercube_designs_cover_their_ranges(tmp_path, sampler):
    from sim.experiment.design import load_sweep

    text = SOBOL.replace("replicates: 1", "replicates: 2")
    plan = load_sweep(sweep_file(tmp_path, text=text, sampler=sampler, samples=40))
    assert len(plan.points) == 40 and plan.runs_total == 80
    demand = np.array([p["hosts.south_korea.demand_usd_bn"] for p in plan.points])
    assert demand.min() >= 1.5 and demand.max() <= 6.0 and demand.std() > 0.8
    if sampler == "lhs":  # one point in each of the 40 strata of every dimension
        strata = np.floor((demand - 1.5) / 4.5 * 40).astype(int)
        assert sorted(strata) == list(range(40))
    again = load_sweep(sweep_file(tmp_path, text=text, sampler=sampler, samples=40))
    assert again.points == plan.points  # the design is a function of the root seed


def test_progress_draws_tqdms_bar_in_a_terminal():
    from sim.experiment.runner import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    bar = Progress(total=100, done=20, quiet=False, stream=screen)
    bar.update(30)
    bar.close()
    text = screen.getvalue()
    assert text.startswith("\r") and "50/100" in text and "runs/s" in text and "50%" in text
    assert "sweep:" not in text  # a bar, not the plain lines of a pipe
