"""The public API: every name `sim` offers is the object of the module that defines it, and
`import sim` alone loads none of the model's heavy libraries."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module

import sim


def test_every_public_name_is_its_modules_object():
    assert sim.__all__ == sorted(sim.API)
    for name, module in sim.API.items():
        assert getattr(sim, name) is getattr(import_module(module), name), name


def test_importing_the_package_loads_no_heavy_library():
    code = "import sys, sim; print(sorted({'mesa', 'pandas', 'matplotlib', 'numpy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_notebooks_import_from_the_package():
    from conftest import ROOT

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        text = path.read_text()
        for module in ("sim.config", "sim.outcomes", "sim.model"):
            assert f"from {module} import" not in text, (path.name, module)
