"""Writing a run's results to a folder, all at once or not at all.

Files are written into a hidden sibling folder first and moved into place at the end, so an
interrupted or failed write never leaves a half-written results folder.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sim.outcomes import RunResult

PACKAGES = ("allysim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "matplotlib")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str | None:
    """The commit of the source tree the package runs from, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def dump_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_run(
    result: RunResult,
    out: Path,
    manifest: dict,
    extras: dict[str, Callable[[Path], None]] | None = None,
) -> Path:
    """Write rounds.parquet, events.parquet/.csv, summary.json, scenario.yaml, manifest.json
    and each extra file (name -> writer) into `out`, replacing it atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    staging.chmod(0o755)
    try:
        result.rounds.to_parquet(staging / "rounds.parquet", index=False)
        result.events.to_parquet(staging / "events.parquet", index=False)
        result.events.to_csv(staging / "events.csv", index=False)
        (staging / "summary.json").write_text(dump_json(result.summary))
        (staging / "scenario.yaml").write_text(result.scenario.to_yaml())
        for name, writer in (extras or {}).items():
            writer(staging / name)
        (staging / "manifest.json").write_text(dump_json({**manifest, "finished": now()}))
        if out.exists():
            backup = out.with_name(f".{out.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(out, backup)
            os.replace(staging, out)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out
