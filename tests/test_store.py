"""The store: folders written whole or not at all, strict JSON, the runs table's parts and
schema, and the manifest every results folder carries."""

from __future__ import annotations

import json
import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE

from sim.experiment import store
from sim.experiment.design import load_sweep
from sim.outcomes import keep, simulate

SWEEP = """
name: tiny
scenario: {base}
set: {{rounds: 3}}
parameters:
  hosts.south_korea.demand_usd_bn: {{values: [2.0, 5.0]}}
  hosts.south_korea.troops: {{values: [28500, 25000]}}
outcomes: {outcomes}
"""


def plan(tmp_path, outcomes='["*"]'):
    path = tmp_path / "tiny.yaml"
    path.write_text(SWEEP.format(base=BASELINE, outcomes=outcomes))
    return load_sweep(path)


def hidden(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def result_manifest() -> str:
    return json.dumps({"versions": {"allysim": "0"}})


# ------------------------------------------------------------------ whole or not at all


def test_a_folder_is_written_whole(tmp_path):
    out = tmp_path / "out"
    store.write_folder(out, {"a.txt": lambda p: p.write_text("a"), "manifest.json": lambda p: p.write_text("{}")})
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "manifest.json"]
    assert hidden(tmp_path) == []


def test_a_writer_that_fails_leaves_no_folder_and_no_staging(tmp_path):
    out = tmp_path / "out"

    def fail(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.write_folder(out, {"a.txt": lambda p: p.write_text("a"), "b.txt": fail})
    assert not out.exists() and hidden(tmp_path) == []


def test_a_failed_write_keeps_the_earlier_result(tmp_path):
    out = tmp_path / "out"
    store.write_folder(out, {"manifest.json": lambda p: p.write_text(result_manifest())})
    with pytest.raises(ValueError):
        store.write_folder(out, {"manifest.json": lambda p: (_ for _ in ()).throw(ValueError("bug"))})
    assert (out / "manifest.json").read_text() == result_manifest() and hidden(tmp_path) == []


def test_an_earlier_result_is_replaced_and_a_foreign_folder_is_not(tmp_path):
    out = tmp_path / "out"
    store.write_folder(out, {"manifest.json": lambda p: p.write_text(result_manifest())})
    store.write_folder(out, {"manifest.json": lambda p: p.write_text(result_manifest()), "x": lambda p: p.touch()})
    assert (out / "x").exists() and hidden(tmp_path) == []
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(store.OutputFolderError):
        store.write_folder(mine, {"manifest.json": lambda p: p.write_text(result_manifest())})
    assert (mine / "notes.txt").read_text() == "keep me" and sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_write_atomic_leaves_the_old_file_when_the_writer_fails(tmp_path):
    path = tmp_path / "f.json"
    path.write_text("old")

    def fail(tmp):
        tmp.write_text("new, half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        store.write_atomic(path, fail)
    assert path.read_text() == "old" and hidden(tmp_path) == []
    store.write_atomic(path, lambda tmp: tmp.write_text("new"))
    assert path.read_text() == "new" and hidden(tmp_path) == []


def test_json_is_strict_and_names_the_first_non_finite_number():
    assert json.loads(store.dump_json({"a": [1.0, {"b": None}]})) == {"a": [1.0, {"b": None}]}
    with pytest.raises(store.NonFiniteError, match=r"tables\.south_korea\.payment_usd_bn"):
        store.dump_json({"tables": {"south_korea": {"deal": True, "payment_usd_bn": math.nan}}})
    with pytest.raises(store.NonFiniteError, match=r"x\.1"):
        store.dump_json({"x": [0.0, math.inf]})


def test_write_run_writes_every_file_and_a_finished_manifest(tmp_path):
    result = simulate(plan(tmp_path).base, 5)
    out = store.write_run(result, tmp_path / "run", {"seed": 5, "versions": {"allysim": "0"}})
    names = {"rounds.parquet", "events.parquet", "events.csv", "summary.json", "scenario.yaml", "manifest.json"}
    assert {p.name for p in out.iterdir()} == names
    assert json.loads((out / "summary.json").read_text()) == result.summary
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["finished"] >= "2020"


# ------------------------------------------------------------------ the runs table


def test_the_schema_has_the_design_then_the_summary_columns_in_a_runs_order(tmp_path):
    p = plan(tmp_path)
    schema = store.runs_schema(p)
    row = simulate(p.scenario_for(0), 3).outcome.row()
    assert schema.names == ["run_id", "point", "replicate", "seed", *p.keys, *row]
    assert schema.field("seed").type == pa.uint64()
    assert schema.field("hosts.south_korea.demand_usd_bn").type == pa.float64()
    assert schema.field("hosts.south_korea.troops").type == pa.int64()
    kinds = {"south_korea.deal": pa.bool_(), "south_korea.deal_round": pa.int64(), "south_korea.lapsed": pa.bool_(),
             "south_korea.deal_date": pa.string(), "south_korea.hedging_peak": pa.float64(),
             "utilities.united_states": pa.float64()}  # fmt: skip
    for key, kind in kinds.items():
        assert schema.field(key).type == kind, key


def test_the_schema_keeps_only_the_outcomes_the_sweep_names(tmp_path):
    p = plan(tmp_path, outcomes='["*.deal", "utilities.*"]')
    outcomes = store.runs_schema(p).names[4 + len(p.keys) :]
    assert outcomes and all(k.endswith(".deal") or k.startswith("utilities.") for k in outcomes)
    assert outcomes == list(keep(simulate(p.scenario_for(0), 3).outcome.row(), p.sweep.outcomes))


def test_a_part_holds_its_rows_sorted_under_the_schema_named_by_its_first_run(tmp_path):
    p = plan(tmp_path)
    schema = store.runs_schema(p)
    rows = []
    for run in reversed(p.runs([2, 3])):
        point = p.points[run.point]
        summary = simulate(p.scenario_for(run.point), run.seed).outcome
        rows.append({"run_id": run.run_id, "point": run.point, "replicate": run.replicate, "seed": run.seed,
                     **point, **summary.row()})  # fmt: skip
    (tmp_path / "runs").mkdir()
    part = store.write_part(tmp_path, rows, schema)
    assert part.name == "part-000000002-2.parquet" and hidden(tmp_path / "runs") == []
    table = pq.read_table(part)
    assert table.schema == schema and table.column("run_id").to_pylist() == [2, 3]
    assert max(table.column("seed").to_pylist()) == max(r["seed"] for r in rows)  # 64 bits, unsigned


def test_failures_are_appended_one_json_line_each(tmp_path):
    store.append_failures(tmp_path, [])
    assert not (tmp_path / "failures.jsonl").exists()
    store.append_failures(tmp_path, [{"run_id": 1, "traceback": "boom"}])
    store.append_failures(tmp_path, [{"run_id": 2, "parameters": {"x": 1}}])
    lines = (tmp_path / "failures.jsonl").read_text().splitlines()
    assert [json.loads(line)["run_id"] for line in lines] == [1, 2]


# ------------------------------------------------------------------ the manifest


def test_the_manifest_has_the_common_fields_around_the_commands_own():
    manifest = store.manifest("abc123", "2024-01-01T00:00:00+00:00", seed=4, scenario="x")
    assert manifest["command"].startswith("allysim") and manifest["seed"] == 4 and manifest["scenario"] == "x"
    assert manifest["scenario_hash"] == "abc123" and manifest["started"] == "2024-01-01T00:00:00+00:00"
    assert manifest["versions"]["allysim"] and manifest["versions"]["mesa"].startswith("3.")
    assert "git_commit" in manifest
    done = store.finished(manifest, status="complete")
    assert done["status"] == "complete" and done["finished"] >= manifest["started"] and "finished" not in manifest


def test_a_sweeps_manifest_is_built_by_the_same_builder(tmp_path):
    from sim.experiment.runner import Options

    p = plan(tmp_path)
    manifest = store.sweep_manifest(p, Options(executor="serial"), 1, 0)
    common = set(store.manifest("h", "t"))
    assert common <= set(manifest) and manifest["scenario_hash"] == p.base.digest()
    assert manifest["plan_hash"] == p.digest() and manifest["design"]["runs"] == 4 and manifest["status"] == "running"
