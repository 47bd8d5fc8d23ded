"""Output locations: no name points outside the output root, and no folder that allysim did
not make is ever replaced (each case once lost a user's files)."""

from __future__ import annotations

import json

import pytest
from conftest import BASELINE, ROOT

from sim.cli import main
from sim.experiment.store import OutputFolderError, write_folder
from sim.schema import plain_name


@pytest.mark.parametrize("name", ["../../keep", "x/../../victim", "/tmp/abs", "a\\b", "..", ".", "", "a\x00b",
                                  "sp ace", "x" * 101])  # fmt: skip
def test_names_that_could_leave_the_output_root_are_refused(name):
    with pytest.raises(ValueError, match="not a plain name"):
        plain_name(name)


@pytest.mark.parametrize("name", ["baseline_2019", "my-run.v2", "A1"])
def test_plain_names_pass(name):
    assert plain_name(name) == name


def scenario_named(tmp_path, name: str):
    path = tmp_path / "configs" / "mine.yaml"
    path.parent.mkdir()
    path.write_text(f"extends: {BASELINE}\nname: {json.dumps(name)}\nrounds: 2\n")
    return path


def test_a_scenario_named_with_dots_writes_nothing_and_deletes_nothing(tmp_path, monkeypatch, capsys):
    keep = tmp_path / "keep-seed1"
    keep.mkdir()
    (keep / "thesis.txt").write_text("three years of work")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    path = scenario_named(work, "../../keep")
    assert main(["run", str(path), "--no-plot"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "name" in err and "plain name" in err
    assert (keep / "thesis.txt").read_text() == "three years of work"
    assert not (work / "results").exists()


def test_a_tournament_named_with_dots_is_refused(tmp_path, capsys):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.txt").write_text("keep")
    spec = tmp_path / "t.yaml"
    spec.write_text(f"name: x/../../victim\nscenario: {ROOT / 'configs/scenarios/analytic.yaml'}\n"
                    "patron_strategies: [linear]\nhost_strategies: [linear]\nseeds: 1\n")  # fmt: skip
    assert main(["tournament", str(spec)]) == 2
    assert "plain name" in capsys.readouterr().err
    assert (victim / "thesis.txt").read_text() == "keep"


def test_an_existing_folder_that_is_not_a_result_is_never_replaced(tmp_path, capsys):
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("keep")
    assert main(["run", str(BASELINE), "--rounds", "2", "--no-plot", "--out", str(mine)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not an allysim result" in err
    assert [p.name for p in mine.iterdir()] == ["chapter1.tex"]
    with pytest.raises(OutputFolderError):
        write_folder(mine, {"x.txt": lambda p: p.write_text("x")})
    assert [p.name for p in mine.iterdir()] == ["chapter1.tex"]


def test_an_earlier_result_and_an_empty_folder_are_replaced(tmp_path):
    out = tmp_path / "run"
    for _ in range(2):  # the second run replaces the first, which allysim made
        assert main(["run", str(BASELINE), "--rounds", "2", "--no-plot", "--out", str(out)]) == 0
    assert (out / "manifest.json").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", str(BASELINE), "--rounds", "2", "--no-plot", "--out", str(empty)]) == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging or backup left


def test_out_naming_a_file_is_one_line(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep")
    assert main(["run", str(BASELINE), "--rounds", "2", "--no-plot", "--out", str(target)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep"


def test_a_run_never_replaces_a_sweep_or_a_users_files_in_a_result(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), "--rounds", "2", "--no-plot", "--out", str(out)]) == 0
    (out / "my_notes.txt").write_text("keep")
    assert main(["run", str(BASELINE), "--rounds", "2", "--no-plot", "--out", str(out)]) == 2
    assert "my_notes.txt" in capsys.readouterr().err
    assert (out / "my_notes.txt").read_text() == "keep"
    sweep = tmp_path / "sweep"
    (sweep / "runs").mkdir(parents=True)
    (sweep / "runs" / "part-000000000-4.parquet").write_bytes(b"PAR1")
    (sweep / "manifest.json").write_text('{"versions": {"allysim": "0"}}')
    assert main(["run", str(BASELINE), "--rounds", "2", "--no-plot", "--out", str(sweep)]) == 2
    assert (sweep / "runs" / "part-000000000-4.parquet").exists()


def test_a_folder_that_another_process_is_writing_is_refused_as_such_before_its_manifest_exists(tmp_path):
    """A second writer that comes while the first holds the lock and has written nothing else
    yet is told that the folder is being written, not that it is someone else's."""
    import subprocess
    import sys

    from sim.experiment.folder import locked
    from sim.paths import check_output_folder, writer_of

    out = tmp_path / "out"
    hold = "import sys, time; from pathlib import Path; from sim.experiment.folder import locked\n" \
           "with locked(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()"  # fmt: skip
    first = subprocess.Popen([sys.executable, "-c", hold, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)  # fmt: skip
    try:
        assert first.stdout.readline().strip() == "held"
        (out / "half-written.parquet").write_text("")  # what a first writer may have made before its manifest
        assert writer_of(out) == str(first.pid)
        with pytest.raises(OutputFolderError, match=f"being written by another allysim command .process {first.pid}"):
            check_output_folder(out)
    finally:
        first.communicate("", timeout=30)
    assert writer_of(out) is None  # the lock went with its process
    with locked(out):
        assert writer_of(out) is None  # this process's own lock is not another's
    with pytest.raises(OutputFolderError, match="is not an allysim result"):
        check_output_folder(out)
