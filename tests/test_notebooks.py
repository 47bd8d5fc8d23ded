"""Every notebook in notebooks/ runs from top to bottom without an error, in a kernel of the
interpreter that runs the tests (so it sees the same installed `sim`), and is stored without
outputs. The seminar notebooks have learning goals and exercises, each with a hidden solution
that runs (and asserts what it claims) when the notebook runs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

pytestmark = pytest.mark.slow  # each notebook from the top: `make test-fast` leaves them out

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SEMINARS = ("02_bargaining_theory", "03_two_level_games", "04_credible_threats", "05_hedging")
SOLUTION_LABEL = "Solution (click to expand)"
CELL_TIMEOUT_S = 120
# jupyter_client itself launches a spec whose command is a bare "python" with sys.executable
MAJOR, MINOR = sys.version_info[:2]
BARE_PYTHON = {"python", f"python{MAJOR}", f"python{MAJOR}.{MINOR}"}


class ThisInterpreter(KernelSpecManager):
    """Kernel specs in which every kernel is an IPython kernel of sys.executable."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())


def launches_this_interpreter(argv: list[str]) -> bool:
    return argv[0] in BARE_PYTHON or Path(argv[0]).parent == Path(sys.executable).parent


def kernel_manager() -> AsyncKernelManager:
    """The installed `python3` kernel if it runs this interpreter; otherwise (a user-level or
    system-wide `python3` spec that names another Python) one that does."""
    manager = AsyncKernelManager(kernel_name="python3")
    if launches_this_interpreter(manager.kernel_spec.argv):
        return manager
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=ThisInterpreter())


def execute(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel started in notebooks/; raise on the first error."""
    client = NotebookClient(
        notebook,
        km=kernel_manager(),
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    return client.execute(cleanup_kc=True)  # a kernel manager passed in is not shut down otherwise


def test_the_kernel_is_this_interpreter() -> None:
    probe = new_notebook(cells=[new_code_cell("import sys\nprint(sys.prefix)")])
    printed = execute(probe).cells[0].outputs[0]["text"].strip()
    assert printed == sys.prefix


def shown_warnings(notebook: nbformat.NotebookNode) -> list[str]:
    """The lines of warnings that a student would see below the cells (stderr, or warnings
    that a library displays as rich output)."""
    lines = []
    for i, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("name") == "stderr" else str(output.get("data", ""))
            lines += [f"cell {i}: {line}" for line in text.splitlines() if "Warning" in line or "warn(" in line]
    return lines


def test_a_warning_below_a_cell_is_seen() -> None:
    probe = new_notebook(cells=[new_code_cell("import warnings\nwarnings.warn('shown to students', FutureWarning)")])
    assert any("FutureWarning: shown to students" in line for line in shown_warnings(execute(probe)))


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda path: path.name)
def test_notebook_runs_and_shows_no_library_warning(path: Path) -> None:
    ran = execute(nbformat.read(path, as_version=4))
    assert shown_warnings(ran) == []


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda path: path.name)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: a cell has outputs"


def heading(cell: nbformat.NotebookNode, title: str) -> bool:
    return cell.cell_type == "markdown" and re.search(rf"^#+\s*{title}", cell.source, re.M) is not None


@pytest.mark.parametrize("name", SEMINARS)
def test_seminar_has_goals_exercises_and_hidden_solutions(name: str) -> None:
    path = NOTEBOOKS / f"{name}.ipynb"
    assert path.is_file(), f"missing seminar notebook {path.name}"
    cells = nbformat.read(path, as_version=4).cells
    assert any(heading(c, "Learning goals") for c in cells), f"{name}: no 'Learning goals' heading"
    exercises = [i for i, c in enumerate(cells) if heading(c, r"Exercise\b")]
    assert exercises, f"{name}: no exercise"
    solutions = [i for i, c in enumerate(cells) if "solution" in c.metadata.get("tags", [])]
    for i in solutions:
        cell, label = cells[i], cells[i - 1]
        assert cell.cell_type == "code", f"{name}: cell {i} tagged 'solution' is not code"
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, f"{name}: solution {i} not hidden"
        assert label.cell_type == "markdown" and SOLUTION_LABEL in label.source, (
            f"{name}: solution {i} is not preceded by a markdown cell '{SOLUTION_LABEL}'"
        )
    # every exercise has its own solution before the next exercise begins
    for start, end in zip(exercises, [*exercises[1:], len(cells)], strict=True):
        assert any(start < i < end for i in solutions), f"{name}: the exercise in cell {start} has no solution"
    assert any("assert" in cells[i].source for i in solutions), f"{name}: no solution asserts what it claims"
