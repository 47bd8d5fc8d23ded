"""A sweep's output folder: one writer at a time, its manifest written before anything else,
and the run ids its Parquet parts hold, read strictly.

A sweep holds a lock on `<folder>/.lock` (`fcntl.flock`) while it writes; the system releases it
when the process ends, however it ends. A second sweep on the same folder is refused with one
line. The manifest is the first file of a new folder, so every folder a sweep began, however
early it was killed, is one that `--resume` completes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.experiment import store
from sim.paths import HELD, LOCK, being_written

LOCK_TRIES = 20  # 10 ms apart


class SweepFolderError(Exception):
    """An output folder that cannot take this sweep, or whose results cannot be read: one line."""


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the folder's lock (making the folder) for the block, or raise SweepFolderError. A
    process already holding it holds it on (a tournament locks its folder before clearing it,
    then plays its sweep there)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    key = out.resolve()
    if key in HELD:
        yield
        return
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        for attempt in range(LOCK_TRIES):  # another command's look (`writer_of`) holds it a moment
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == LOCK_TRIES - 1:
                    holder = os.pread(fd, 20, 0).decode(errors="replace").strip() or "?"
                    raise SweepFolderError(being_written(out, holder)) from None
                time.sleep(0.01)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        HELD.add(key)
        try:
            yield
        finally:
            HELD.discard(key)
    finally:
        os.close(fd)  # releases the lock


def refuse_foreign(out: Path) -> None:
    """Refuse, before anything is written there, a folder that holds files and no sweep's."""
    out = Path(out)
    if out.is_dir() and any(p.name != LOCK for p in out.iterdir()):
        if not ((out / "manifest.json").is_file() or (out / "sweep.yaml").is_file()):
            raise SweepFolderError(f"{out} holds files that are not a sweep's; it is left untouched: "
                                   "choose another --out")  # fmt: skip


def read_manifest(out: Path) -> dict | None:
    """The folder's manifest, or None when it has none; SweepFolderError when it is damaged."""
    path = Path(out) / "manifest.json"
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise SweepFolderError(f"{path} is damaged ({type(exc).__name__}); it is left untouched") from None
    if not isinstance(manifest, dict):
        raise SweepFolderError(f"{path} is damaged (not a JSON object); it is left untouched")
    return manifest


def write_manifest(out: Path, manifest: dict) -> None:
    store.write_atomic(out / "manifest.json", _text(store.dump_json(manifest)))


def _text(text: str) -> store.Writer:
    return lambda tmp: tmp.write_text(text, encoding="utf-8")


def part_ids(part: Path) -> list[int]:
    """The run ids of one part; SweepFolderError naming the part when it is not a whole Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist()
    except (pa.ArrowException, OSError, KeyError) as exc:
        problem = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise SweepFolderError(f"{part} is damaged ({problem})") from None


def parts(out: Path, table: str = "runs") -> list[Path]:
    return sorted((Path(out) / table).glob("part-*.parquet"))


def check_parts(out: Path) -> None:
    """Refuse, naming the file, a damaged part or a run id that two parts hold (two writers)."""
    seen: dict[int, Path] = {}
    for part in parts(out):
        for run_id in dict.fromkeys(part_ids(part)):  # a run may have several rows (a tournament's: one a table)
            if run_id in seen:
                raise SweepFolderError(
                    f"{out}: run id {run_id} is in both {seen[run_id].name} and {part.name}; "
                    "two sweeps wrote this folder at once: move one part away and run --resume"
                )
            seen[run_id] = part


def set_aside_damaged(out: Path) -> list[Path]:
    """Move damaged parts (of runs/ and rounds/) into damaged/, so that --resume plays their
    runs again; returns where they went."""
    moved = []
    for table in ("runs", "rounds"):
        for part in parts(out, table):
            try:
                part_ids(part)
            except SweepFolderError:
                aside = Path(out) / "damaged" / table
                aside.mkdir(parents=True, exist_ok=True)
                os.replace(part, aside / part.name)
                moved.append(aside / part.name)
    return moved


def done_run_ids(out: Path) -> set[int]:
    ids: set[int] = set()
    for part in parts(out):
        ids.update(part_ids(part))
    return ids


def prepare(plan, out: Path, resume: bool) -> tuple[set[int], list[Path]]:
    """Check `out` (locked by the caller) for this sweep. Returns the run ids already done
    (on --resume) and the damaged parts set aside; writes nothing for a new sweep."""
    from sim.experiment.design import to_yaml

    out = Path(out)
    if not any(p.name != LOCK for p in out.iterdir()):
        return set(), []
    if not resume:
        raise SweepFolderError(f"{out} already holds results; pass --resume to complete them or choose another --out")
    previous = read_manifest(out)
    if previous is None:
        sweep_file = out / "sweep.yaml"
        if not (sweep_file.is_file() and sweep_file.read_text(encoding="utf-8") == to_yaml(plan)):
            raise SweepFolderError(f"{out} is not a sweep folder (no manifest.json)")
        # a sweep of an earlier version, killed before its manifest: this one adopts it
    elif previous.get("plan_hash") != plan.digest():
        raise SweepFolderError(
            f"{out} holds a different sweep (plan hash {previous.get('plan_hash')}, this one {plan.digest()})"
        )
    for stale in [*out.glob(".*.tmp"), *out.glob("runs/.*.tmp"), *out.glob("rounds/.*.tmp")]:
        stale.unlink()  # the lock is ours: no other writer's file is in flight
    damaged = set_aside_damaged(out)
    check_parts(out)
    done = done_run_ids(out)
    # per-round parts of runs that never reached runs/ are played again: drop them
    for part in parts(out, "rounds"):
        if not set(part_ids(part)) <= done:
            part.unlink()
    if (out / "failures.jsonl").exists():  # failed runs are retried
        (out / "failures.jsonl").rename(out / f"failures-before-{store.now().replace(':', '')}.jsonl")
    return done, damaged


def lay_out(plan, out: Path) -> None:
    """The sweep's description beside its results (after the manifest: see the module's docstring)."""
    from sim.experiment.design import to_yaml

    (out / "runs").mkdir(exist_ok=True)
    for name, text in (("sweep.yaml", to_yaml(plan)), ("scenario.yaml", plan.base.to_yaml())):
        store.write_atomic(out / name, _text(text))
