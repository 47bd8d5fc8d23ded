"""Writing a run's results to a folder, all at once or not at all.

Files are written into a hidden sibling folder first and moved into place at the end, so an
interrupted or failed write never leaves a half-written results folder.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.outcomes import RunResult, keep, row_kinds
from sim.paths import OutputFolderError, check_output_folder, is_result_folder  # noqa: F401

PACKAGES = ("allysim", "mesa", "numpy", "numba", "pandas", "pyarrow", "pydantic", "matplotlib")


Writer = Callable[[Path], object]  # writes one file at the path it is given; what it returns is ignored


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
        done = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def command_line() -> str:
    return "allysim " + " ".join(sys.argv[1:])


def manifest(scenario_hash: str, started: str, **fields: Any) -> dict[str, Any]:
    """A results folder's manifest, the same for `allysim run`, sweeps and tournaments: the
    command, the command's own `fields`, the scenario's hash, the package versions, the git
    commit and when it started. `finished()` adds when it ended, as the folder is written."""
    return {
        "command": command_line(),
        **fields,
        "scenario_hash": scenario_hash,
        "versions": versions(),
        "git_commit": git_commit(),
        "started": started,
    }


def finished(manifest: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The manifest with the command's closing `fields` and the time it finished."""
    return {**manifest, **fields, "finished": now()}


class NonFiniteError(ValueError):
    """A result that holds NaN or Infinity: a bug, refused rather than written as non-strict JSON."""


def _non_finite(data, path: str = "") -> str | None:
    """The key path of the first NaN or infinite number in nested mappings and lists."""
    if isinstance(data, float) and not math.isfinite(data):
        return path or "the value"
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, (list, tuple)) else ()
    for key, value in items:
        found = _non_finite(value, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def dump_json(data: dict) -> str:
    """Strict JSON (RFC 8259): a NaN or an infinity is refused with NonFiniteError naming its key."""
    try:
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError:
        where = _non_finite(data)
        if where is None:
            raise
        raise NonFiniteError(f"{where} is not a finite number; nothing was written (a bug: please report it)") from None


def temporary_path(path: Path) -> Path:
    """A new, uniquely named hidden file beside `path` (mode from the umask), to move onto it."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(name, 0o666 & ~_umask())
    return Path(name)


def write_atomic(path: Path, write: Writer) -> None:
    """Write through a unique temporary file and rename it onto `path`: whole or not at all,
    even with two writers at once."""
    tmp = temporary_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_folder(out: Path, files: dict[str, Writer]) -> Path:
    """Write each file (name -> writer) into a hidden sibling folder, then move it into place
    as `out`, replacing an earlier allysim result there: all or nothing. A folder that
    allysim did not make is never replaced (OutputFolderError)."""
    out = Path(out)
    check_output_folder(out, set(files))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:  # named by the folder asked for, not by a hidden temporary name
        raise OSError(exc.errno, exc.strerror, str(out)) from None
    staging.chmod(0o777 & ~_umask())
    try:
        for name, writer in files.items():
            writer(staging / name)
        check_output_folder(out, set(files))  # again: the writers may have run for minutes
        if out.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            try:
                os.replace(out, backup / "previous")
                try:
                    os.replace(staging, out)
                except BaseException:
                    os.replace(backup / "previous", out)  # put the earlier result back
                    raise
            finally:
                shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_run(
    result: RunResult,
    out: Path,
    manifest: dict,
    extras: dict[str, Writer] | None = None,
) -> Path:
    """Write rounds.parquet, events.parquet/.csv, summary.json, scenario.yaml, manifest.json
    and each extra file (name -> writer) into `out`, replacing it atomically."""
    files: dict[str, Writer] = {
        "rounds.parquet": lambda p: result.rounds.to_parquet(p, index=False),
        "events.parquet": lambda p: result.events.to_parquet(p, index=False),
        "events.csv": lambda p: result.events.to_csv(p, index=False),
        "summary.json": lambda p: p.write_text(dump_json(result.summary)),
        "scenario.yaml": lambda p: p.write_text(result.scenario.to_yaml()),
        **(extras or {}),
        "manifest.json": lambda p: p.write_text(dump_json(finished(manifest))),
    }
    return write_folder(out, files)


# ------------------------------------------------------------------ sweeps


def runs_schema(plan):
    """The Arrow schema of the runs table: one per sweep, so every part has the same types. The
    parameters' types come from the design's values, the outcomes' from the typed summary."""
    import pyarrow as pa

    arrow = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}
    fields = [("run_id", pa.int64()), ("point", pa.int64()), ("replicate", pa.int64()),
              ("seed", pa.uint64())]  # 64-bit seeds: above 2^63 - 1 for half the runs  # fmt: skip
    for key in plan.keys:
        values = [p[key] for p in plan.points]
        if all(isinstance(v, bool) for v in values):
            kind = pa.bool_()
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            kind = pa.int64()
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            kind = pa.float64()
        else:
            kind = pa.string()
        fields.append((key, kind))
    fields += [(key, pa.float64()) for key in plan.drawn_keys]
    kept = keep(row_kinds(plan.base), plan.sweep.outcomes)
    fields += [(key, arrow[kind]) for key, kind in kept.items()]
    return pa.schema(fields)


def _atomic_parquet(table, path: Path) -> None:
    import pyarrow.parquet as pq

    write_atomic(path, lambda tmp: pq.write_table(table, tmp))


def write_part(out: Path, rows: list[dict], schema) -> Path:
    """One Parquet part of the runs table, named by its first run id, written whole."""
    import pyarrow as pa

    rows = sorted(rows, key=lambda r: r["run_id"])
    table = pa.Table.from_pylist(rows, schema=schema)
    path = out / "runs" / f"part-{rows[0]['run_id']:09d}-{len(rows)}.parquet"
    _atomic_parquet(table, path)
    return path


def write_rounds(folder: Path, frames: list) -> None:
    """Per-round tables of some runs (written by a worker), one part per task."""
    import pandas as pd
    import pyarrow as pa

    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.concat(frames, ignore_index=True)
    first = int(frame["run_id"].min())
    _atomic_parquet(
        pa.Table.from_pandas(frame, preserve_index=False), folder / f"part-{first:09d}-{len(frames)}.parquet"
    )


def append_failures(out: Path, failures: list[dict]) -> None:
    if not failures:
        return
    with open(out / "failures.jsonl", "a") as f:
        for failure in failures:
            f.write(json.dumps(failure, default=str, allow_nan=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def sweep_manifest(plan, options, workers: int, already_done: int) -> dict:
    return manifest(
        plan.base.digest(),
        now(),
        sweep=plan.sweep.name,
        sweep_file=str(plan.path),
        plan_hash=plan.digest(),
        design={
            "sampler": plan.sweep.design.sampler,
            "points": len(plan.points),
            "replicates": plan.sweep.replicates,
            "runs": plan.runs_total,
            "parameters": plan.keys,
        },
        root_seed=plan.sweep.root_seed,
        executor=options.executor,
        workers=workers,
        scheduler=options.scheduler,
        status="running",
        runs_done_before=already_done,
    )
