"""A whole wiki to a folder and back: ``wiki backup DIR`` and ``wiki restore DIR``.

A backup holds the repository as a git bundle of every ref, the database as a copy made by
its own means (SQLite's online backup, or ``pg_dump``), and ``backup.json``, written last,
saying what is there with a SHA-256 of each file: a folder without it is no finished backup.
The wiki goes on serving while it is made.  The database is copied first, the repository
after: the repository is then at least as new as every row that names a proposal (a
comment, a support, the proposal counter), so no restored row points at nothing.  Saves made
between the two are in the repository, which is where saves are kept.

A restore goes into a new instance: it refuses a database that holds accounts, comments or
supports and a repository path that is not empty, unless forced.  The repository is
unbundled and checked (``git fsck``) beside its place before anything is replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wiki.config import Settings
from wiki.errors import N_, BadInput
from wiki.store.database import open_database
from wiki.store.git.repository import GitRepository

MANIFEST = "backup.json"
BUNDLE = "repository.bundle"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FORMAT = 1


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (or a restore brought back), for the operator's one line."""

    directory: Path
    database: str
    refs: int
    head: str


def _digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _is_empty(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def backup(settings: Settings, directory: Path) -> BackupSummary:
    """Write a consistent copy of the repository and the database into ``directory`` (new or
    empty), while the wiki serves."""
    if not _is_empty(directory):
        raise BadInput(N_("{path} is not empty: a backup goes into a new or empty folder.", path=directory))
    if not settings.repo.exists():
        raise BadInput(N_("There is no repository at {path} to back up.", path=settings.repo))
    directory.mkdir(parents=True, exist_ok=True)
    database = open_database(settings.database_url)
    try:
        kind = database.backend.name
        database.backup(directory / DATABASE_FILES[kind])
    finally:
        database.close()
    repo = GitRepository(settings.repo)
    try:
        refs = repo.bundle(directory / BUNDLE)
        branch = repo.branch
    finally:
        repo.close()
    files = [BUNDLE, DATABASE_FILES[kind]]
    manifest = {
        "format": FORMAT,
        "made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "database": kind,
        "branch": branch,
        "refs": refs,
        "sha256": {name: _digest(directory / name) for name in files},
    }
    written = directory / (MANIFEST + ".new")
    written.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(written, directory / MANIFEST)
    return BackupSummary(directory, kind, len(refs), refs.get(branch, ""))


def _manifest(directory: Path) -> dict[str, Any]:
    """The checked manifest of the backup in ``directory``; ``BadInput`` saying what is wrong."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(
            N_("{path} holds no finished backup: {file} is missing.", path=directory, file=MANIFEST)
        ) from None
    except (OSError, ValueError):
        raise BadInput(N_("{file} in {path} cannot be read.", path=directory, file=MANIFEST)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadInput(N_("{path} holds a backup this version of the wiki does not know.", path=directory))
    for name, digest in manifest["sha256"].items():
        if not (directory / name).is_file() or _digest(directory / name) != digest:
            raise BadInput(N_("{file} in the backup is missing or damaged.", file=name))
    return manifest


def restore(settings: Settings, directory: Path, *, force: bool = False) -> BackupSummary:
    """Bring the backup in ``directory`` back into the repository and database ``settings``
    name; refuses to overwrite a repository or a database holding data unless ``force``."""
    manifest = _manifest(directory)
    kind = str(manifest["database"])
    database = open_database(settings.database_url)
    staging = settings.repo.with_name(settings.repo.name + ".restoring")
    try:
        if database.backend.name != kind:
            raise BadInput(
                N_(
                    "The backup holds a {kind} database; restore it into a {kind} database.",
                    kind="SQLite" if kind == "sqlite" else "PostgreSQL",
                )
            )
        if not force and database.holds_data():
            raise BadInput(
                N_("The database already holds accounts or comments. Restore into a new one, or use --force.")
            )
        if not force and not _is_empty(settings.repo):
            raise BadInput(N_("{path} exists already. Restore into a new path, or use --force.", path=settings.repo))
        shutil.rmtree(staging, ignore_errors=True)
        GitRepository.from_bundle(directory / BUNDLE, staging, str(manifest["branch"]))
        database.restore(directory / DATABASE_FILES[kind])
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        database.close()
    if settings.repo.exists():
        shutil.rmtree(settings.repo)
    staging.rename(settings.repo)
    open_database(settings.database_url).close()  # a backup from an older release is migrated forward
    refs: dict[str, str] = manifest["refs"]
    return BackupSummary(directory, kind, len(refs), refs.get(str(manifest["branch"]), ""))
