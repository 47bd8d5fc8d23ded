"""Output locations: allysim writes only folders it made, and never replaces what it did not.

Cheap to import (the command line checks a location before any run starts).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

LOCK = ".lock"  # the file whose lock a folder's writer holds (`sim.experiment.folder.locked`)
HELD: set[Path] = set()  # the folders whose lock this process holds


class OutputFolderError(Exception):
    """An output location that allysim will not write to: it would replace what it did not make."""


def writer_of(folder: Path) -> str | None:
    """The process (its id as its lock file says, or "?") of another allysim command writing
    `folder` now, holding its lock; None when none is (and where there are no such locks)."""
    try:
        import fcntl
    except ImportError:
        return None
    if Path(folder).resolve() in HELD:
        return None
    try:
        fd = os.open(Path(folder) / LOCK, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # at once, and only while nobody writes
    except BlockingIOError:
        return os.pread(fd, 20, 0).decode(errors="replace").strip() or "?"
    except OSError:
        return None
    finally:
        os.close(fd)  # releases the shared lock, if taken
    return None


def being_written(folder: Path, holder: str) -> str:
    """The line that refuses a folder which another command writes."""
    return (f"{folder} is being written by another allysim command (process {holder}); "
            "wait for it or choose another --out")  # fmt: skip


def is_result_folder(folder: Path) -> bool:
    """Whether `folder` is one that allysim wrote: its manifest names allysim's version."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "allysim" in (manifest.get("versions") or {})


def check_output_folder(out: Path, names: set[str] | None = None) -> None:
    """Refuse an output location whose contents a write would replace: a file, a folder that
    holds something and is not an allysim result, or (with `names`, the entries the write makes)
    one that holds anything else, such as a sweep's runs or a user's own notes."""
    out = Path(out)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputFolderError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and (holder := writer_of(out)) is not None:  # its manifest may not be written yet
        raise OutputFolderError(being_written(out, holder))
    if out.is_dir() and any(out.iterdir()) and not is_result_folder(out):
        raise OutputFolderError(
            f"{out} exists and is not an allysim result (no allysim manifest.json); "
            "it is left untouched: choose another --out or move it away"
        )
    if names is not None and out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in names)
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise OutputFolderError(
                f"{out} holds what this command would not write there ({shown}); it is left untouched: "
                "choose another --out or move them away"
            )
