"""A sweep's output folder: one writer at a time, a manifest before anything else, damaged or
doubled parts named in one line, and no worker left behind when the sweep's process dies."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE, ROOT

from sim.cli import main

GRID = """
name: {name}
scenario: {base}
set: {{rounds: 6}}
parameters:
  hosts.south_korea.demand_usd_bn: {{values: [2.0, 5.0]}}
replicates: {replicates}
root_seed: 3
"""


def sweep_file(tmp_path, name="small", replicates=3) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(GRID.format(name=name, base=BASELINE, replicates=replicates))
    return path


def sweep(*args) -> int:
    return main(["sweep", *map(str, args), "--quiet"])


def start(path, out, *extra) -> subprocess.Popen:
    command = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), "--quiet", *extra]
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE, text=True)


def wait_for(condition, what: str, limit: float = 120) -> None:
    """Wait on the sweep's own state; the limit only ends a test that would otherwise hang."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"waited {limit:.0f} s for {what}"
        time.sleep(0.02)


def parts(out) -> list[Path]:
    return sorted((Path(out) / "runs").glob("part-*.parquet"))


def descendants(pid: int) -> set[int]:
    """Every process below `pid` in the process tree (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_a_second_writer_is_refused_with_one_line_while_the_first_runs(tmp_path, capsys):
    path, out = sweep_file(tmp_path, replicates=40), tmp_path / "out"
    first = start(path, out, "--workers", "1", "--batch-size", "1")
    try:
        wait_for(lambda: parts(out), "the first part")
        os.killpg(first.pid, signal.SIGSTOP)  # mid-way, whatever the machine's load
        assert sweep(path, "--out", out, "--resume") == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is being written by another allysim command" in err and str(first.pid) in err
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate(timeout=60)
    assert sweep(path, "--out", out, "--resume", "--executor", "serial") == 0  # the lock died with its holder
    runs = pd.read_parquet(out / "runs")
    assert len(runs) == 80 and runs["run_id"].is_unique


@pytest.mark.slow
def test_the_manifest_comes_first_so_resume_completes_any_folder_a_sweep_began(tmp_path):
    from sim.experiment import folder, store
    from sim.experiment.design import load_sweep, to_yaml
    from sim.experiment.runner import Options

    path, out = sweep_file(tmp_path), tmp_path / "out"
    plan = load_sweep(path)
    out.mkdir()
    folder.write_manifest(out, store.sweep_manifest(plan, Options(), 1, 0))  # killed right after it
    assert sweep(path, "--out", out) == 2  # a plain run sends to --resume,
    assert sweep(path, "--out", out, "--resume") == 0  # which completes it
    assert len(pd.read_parquet(out / "runs")) == 6
    old = tmp_path / "old"  # an earlier version's folder, killed before its manifest
    (old / "runs").mkdir(parents=True)
    (old / "sweep.yaml").write_text(to_yaml(plan))
    assert sweep(path, "--out", old, "--resume") == 0 and len(pd.read_parquet(old / "runs")) == 6


def test_temporary_files_have_unique_names(tmp_path):
    from sim.experiment.store import temporary_path

    names = {temporary_path(tmp_path / "manifest.json") for _ in range(20)}
    assert len(names) == 20 and all(p.name.startswith(".manifest.json.") for p in names)


def truncate(part: Path) -> None:
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])


def test_a_damaged_part_or_manifest_is_one_line_and_resume_plays_its_runs_again(tmp_path, capsys):
    path, out = sweep_file(tmp_path), tmp_path / "out"
    assert sweep(path, "--out", out, "--batch-size", "2", "--executor", "serial") == 0
    whole = pd.read_parquet(out / "runs").sort_values("run_id").reset_index(drop=True)
    truncate(parts(out)[1])
    capsys.readouterr()
    for command in ("analyze", "plot"):
        assert main([command, str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("part-000000002-2.parquet is damaged" in line for line in err)
    assert sweep(path, "--out", out, "--resume") == 0
    assert "damaged; moved to" in capsys.readouterr().err
    again = pd.read_parquet(out / "runs").sort_values("run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(again, whole)
    (out / "manifest.json").write_text('{"sweep": "sm')
    assert sweep(path, "--out", out, "--resume") == 2
    assert "manifest.json is damaged" in capsys.readouterr().err
    assert main(["analyze", str(out)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_analyze_refuses_run_ids_that_two_parts_hold(tmp_path, capsys):
    path, out = sweep_file(tmp_path), tmp_path / "out"
    assert sweep(path, "--out", out, "--batch-size", "3", "--executor", "serial") == 0
    first = parts(out)[0]
    (first.parent / "part-000000000-3-copy.parquet").write_bytes(first.read_bytes())  # as two writers left it
    assert main(["analyze", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run id 0 is in both" in err
    assert not (out / "analysis").exists()


def test_an_unreachable_scheduler_is_one_line_within_seconds_and_makes_no_folder(tmp_path, capsys):
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    assert sweep(sweep_file(tmp_path), "--out", tmp_path / "out", "--scheduler", f"tcp://127.0.0.1:{port}") == 2
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no Dask scheduler answers" in err and not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_no_process_outlives_a_sweep_whose_parent_alone_is_stopped(tmp_path, stop):
    path, out = sweep_file(tmp_path, replicates=100), tmp_path / "out"
    process = start(path, out, "--workers", "2", "--batch-size", "1")
    try:
        wait_for(lambda: parts(out), "the first part")
        os.killpg(process.pid, signal.SIGSTOP)  # mid-way, whatever the machine's load
        below = descendants(process.pid)
        assert len(below) >= 3  # the fork server, the resource tracker and the workers
        process.send_signal(stop)  # the parent alone, as `kill PID` does
        os.killpg(process.pid, signal.SIGCONT)
        err = process.communicate(timeout=60)[1]
        wait_for(lambda: not any(alive(pid) for pid in below), "the workers to end", limit=20)
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of its process group
            os.killpg(process.pid, signal.SIGKILL)
    if stop == signal.SIGTERM:
        assert process.returncode == 143 and "--resume" in err and err.count("\n") == 1
        assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
