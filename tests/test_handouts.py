"""`make handouts` (scripts/handouts.py): student copies of the notebooks without the solutions
or their labels and without outputs, every other cell kept as it is; and such a copy runs from
the top (no later cell needs a solution)."""

from __future__ import annotations

import importlib.util

import nbformat
import pytest
from conftest import ROOT
from test_notebooks import NOTEBOOKS, SEMINARS, SOLUTION_LABEL, execute, shown_warnings

spec = importlib.util.spec_from_file_location("handouts", ROOT / "scripts" / "handouts.py")
assert spec is not None and spec.loader is not None
handouts = importlib.util.module_from_spec(spec)
spec.loader.exec_module(handouts)


@pytest.mark.parametrize("name", SEMINARS)
def test_a_handout_keeps_everything_but_the_solutions_and_their_labels(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    solutions = sum(handouts.is_solution(c) for c in notebook.cells)
    assert solutions > 0
    copy = handouts.handout(notebook)
    assert not any(handouts.is_solution(c) for c in copy.cells)
    assert not any(SOLUTION_LABEL in c.source for c in copy.cells)
    assert len(copy.cells) == len(notebook.cells) - 2 * solutions  # each solution and its label
    kept = [c.source for c in notebook.cells if not handouts.is_solution(c) and SOLUTION_LABEL not in c.source]
    assert [c.source for c in copy.cells] == kept
    assert sum("Exercise" in c.source for c in copy.cells) == sum("Exercise" in c.source for c in notebook.cells)
    assert all(handouts.is_solution(c) for c in notebook.cells if "assert" in c.source and c.cell_type == "code"
               and c not in copy.cells)  # fmt: skip


def test_handouts_are_written_for_every_notebook_and_a_missing_folder_is_one_line(tmp_path, capsys):
    assert handouts.main([str(NOTEBOOKS), str(tmp_path / "out")]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    for path in (tmp_path / "out").iterdir():
        cells = nbformat.read(path, as_version=4).cells
        assert all(c.outputs == [] for c in cells if c.cell_type == "code")
    assert handouts.main([str(tmp_path / "nowhere"), str(tmp_path / "other")]) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not (tmp_path / "other").exists()


@pytest.mark.slow
def test_a_seminars_handout_runs_from_the_top_without_warnings(tmp_path):
    """The seminar whose later cells lean most on earlier ones: the threats' (its exercises build
    on its own sweeps). A handout's cells need no solution's names."""
    copy = handouts.handout(nbformat.read(NOTEBOOKS / "04_credible_threats.ipynb", as_version=4))
    assert shown_warnings(execute(copy)) == []
