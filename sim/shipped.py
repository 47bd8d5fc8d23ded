"""The scenarios that come with allysim, wherever it runs from: `configs/scenarios/` of a source
checkout, which a wheel installs as `sim/configs/scenarios/` (see setup.py). On the command
line a shipped scenario can be named without its folder: `allysim run no_election_ahead`.

Cheap to import (the command line reads scenario arguments with it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

HERE = Path(__file__).resolve().parent


def configs(kind: str) -> Path:
    """A folder of shipped files (scenarios, cases, calibration): the wheel's, inside the
    package, or the checkout's, beside it."""
    installed = HERE / "configs" / kind
    return installed if installed.is_dir() else HERE.parent / "configs" / kind


SCENARIOS = configs("scenarios")
BASELINE = "baseline_2019"


def scenario_file(name: str, source: Path, key: str) -> Path:
    """A scenario a file names under `key`: a path from that file, or a shipped scenario's name."""
    from sim.config import named_file

    shipped = SCENARIOS / f"{name}.yaml"
    plain = isinstance(name, str) and "/" not in name and not name.endswith((".yaml", ".yml"))
    if plain and not (source.parent / name).exists() and shipped.is_file():
        return shipped
    return named_file(name, source.parent, source, key)


def names() -> list[str]:
    """The shipped scenarios, by name."""
    return sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def scenario_path(text: str) -> Path:
    """A scenario as named on the command line: a file by its path, or a shipped scenario by its
    name, with or without `.yaml` (`baseline_2019`: no folder, and no such file here)."""
    path = Path(text)
    if path.exists() or len(path.parts) != 1 or path.suffix not in ("", ".yaml"):
        return path
    shipped = SCENARIOS / f"{path.stem}.yaml"
    if not shipped.is_file():
        raise argparse.ArgumentTypeError(
            f"no file {text[:80]!r} here, nor a shipped scenario of that name ({', '.join(names())})"
        )
    return shipped
