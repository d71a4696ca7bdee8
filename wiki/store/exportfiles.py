"""The folder of built downloads, next to the data: one file per kind, commit and shape.

A commit's pages never change, so the export of a commit is built once and then read from disk.
Files are written whole or not at all: a writer fills ``.<name>.<pid>.part`` and renames it into
place (a rename within one folder is atomic), so a reader never sees half a zip, and a writer that
is killed leaves only its part file, which the next clean-up removes once its process is gone.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_SUFFIX = ".zip"
_PART = ".part"


class ExportFolder:
    """Where the built downloads of one repository live (``<git dir>/wiki/exports``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def file_of(self, kind: str, commit: str, shape: str) -> Path:
        """The file the export ``kind`` of ``commit`` lives in, for what else shapes it
        (``shape``, a short hash); names hold only ``[a-z0-9-]``."""
        return self.path / f"{kind}-{commit}-{shape}{_SUFFIX}"

    def read(self, file: Path) -> bytes | None:
        """The whole file, or None when it is not (or no longer) there."""
        try:
            return file.read_bytes()
        except FileNotFoundError:
            return None

    def write(self, file: Path, fill: Callable[[BinaryIO], None]) -> None:
        """Write ``file`` whole through ``fill`` or not at all: into this process's part file,
        synced, then renamed into place; an error removes the part file."""
        self.path.mkdir(parents=True, exist_ok=True)
        part = part_of(file, os.getpid())
        try:
            with part.open("wb") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(part, file)
        except BaseException:
            part.unlink(missing_ok=True)
            raise

    def forget_part(self, file: Path, pid: int) -> None:
        """Remove what process ``pid`` left of ``file`` when it ended before it was done."""
        part_of(file, pid).unlink(missing_ok=True)

    def clean(self, kind: str, commits: set[str], shapes: int) -> None:
        """Remove the files of ``kind`` of commits not in ``commits`` (no one can ask for them any
        more), all but the newest ``shapes`` of each commit that remains (a site made for another
        address), and every part file whose writer is gone (killed, or the server with it)."""
        if not self.path.is_dir():
            return
        kept: dict[str, list[Path]] = {}
        for entry in self.path.iterdir():
            if entry.name.endswith(_PART):
                if not _alive(_writer_of(entry)):
                    entry.unlink(missing_ok=True)
                continue
            parts = entry.name.removesuffix(_SUFFIX).split("-")
            if len(parts) != 3 or parts[0] != kind:
                continue
            if parts[1] in commits:
                kept.setdefault(parts[1], []).append(entry)
            else:
                entry.unlink(missing_ok=True)
        for files in kept.values():
            files.sort(key=_modified, reverse=True)
            for old in files[shapes:]:
                old.unlink(missing_ok=True)


def _modified(file: Path) -> float:
    """When ``file`` was written (0 when it went meanwhile)."""
    try:
        return file.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def part_of(file: Path, pid: int) -> Path:
    """The part file process ``pid`` writes before ``file`` is complete."""
    return file.with_name(f".{file.name}.{pid}{_PART}")


def _writer_of(part: Path) -> int:
    """The process id in a part file's name (0 when the name holds none)."""
    digits = part.name.removesuffix(_PART).rsplit(".", 1)[-1]
    return int(digits) if digits.isdigit() else 0


def _alive(pid: int) -> bool:
    """True when process ``pid`` still runs (signal 0 checks without sending anything)."""
    if pid <= 0:
        return False
    with contextlib.suppress(PermissionError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
    return True
