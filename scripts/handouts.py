"""Student copies of the notebooks (`make handouts`): each solution cell (tagged `solution`)
and the "Solution (click to expand)" label before it left out, and outputs cleared, so that a
student who runs a handout from the top sees the exercises and not their answers.

    python scripts/handouts.py [NOTEBOOKS_FOLDER] [OUT_FOLDER]   (default notebooks/ handouts/)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from sim.experiment.store import write_atomic

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_TAG, SOLUTION_LABEL = "solution", "Solution (click to expand)"


def is_solution(cell: nbformat.NotebookNode) -> bool:
    return SOLUTION_TAG in cell.metadata.get("tags", [])


def handout(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without its solutions and their labels, and without outputs."""
    copy = nbformat.from_dict(notebook)
    cells = copy.cells
    labels = {i - 1 for i, cell in enumerate(cells) if is_solution(cell) and i > 0
              and cells[i - 1].cell_type == "markdown" and SOLUTION_LABEL in cells[i - 1].source}  # fmt: skip
    copy.cells = [cell for i, cell in enumerate(cells) if not is_solution(cell) and i not in labels]
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return copy


def write_handouts(source: Path, out: Path) -> list[Path]:
    """A handout of every notebook in `source`, written into `out` (each file whole)."""
    notebooks = sorted(Path(source).glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"{source}: no notebooks (*.ipynb) here")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        copy = handout(nbformat.read(path, as_version=4))
        write_atomic(out / path.name, lambda tmp, copy=copy: nbformat.write(copy, tmp))
        written.append(out / path.name)
    return written


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else ROOT / "notebooks"
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "handouts"
    try:
        written = write_handouts(source, out)
    except (FileNotFoundError, nbformat.ValidationError) as exc:
        print(f"handouts: error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
