"""Every notebook in notebooks/ runs from top to bottom without an error, in a kernel of the
interpreter that runs the tests (so it sees the same installed `sim`)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
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


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda path: path.name)
def test_notebook_runs(path: Path) -> None:
    execute(nbformat.read(path, as_version=4))
