"""The commands that make, copy and write out the wiki's data on disk: ``wiki init``,
``wiki backup``, ``wiki restore`` and ``wiki export build``.  Together because each works on
the repository (and the database) as files, with no server and no account involved."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from typing import BinaryIO

from wiki.commands.settings import settings_of
from wiki.errors import N_, WikiError
from wiki.services import backup
from wiki.services.export_build import build
from wiki.services.gittexts import GitTexts
from wiki.services.site import open_repository
from wiki.store.database import open_database
from wiki.store.exportfiles import ExportFolder
from wiki.store.git.repository import GitRepository
from wiki.web.export import site_templates


def cmd_init(args: argparse.Namespace) -> int:
    """Create and seed a bare repository."""
    settings = settings_of(args)
    if args.path.exists():
        raise WikiError(N_("{path} exists already.", path=args.path))
    open_repository(args.path, settings.content_dir, GitTexts(settings.language)).close()
    open_database(settings.database_url).close()
    print(f"Created {args.path} with the bundled pages, and the database {settings.database_url}.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the repository and the database into a new folder while the wiki serves."""
    made = backup.backup(settings_of(args), args.directory)
    print(f"Backed up {made.refs} ref(s) (HEAD {made.head[:12]}) and the {made.database} database to {made.directory}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Bring a backup back into a new repository and database (stop the wiki first)."""
    restored = backup.restore(settings_of(args), args.directory, force=args.force)
    print(f"Restored {restored.refs} ref(s) (HEAD {restored.head[:12]}) and the {restored.database} database.")
    return 0


def cmd_export_build(args: argparse.Namespace) -> int:
    """Write one download of one commit to a file, whole or not at all; what the server runs in a
    child process of lower priority (it reads the repository, never writes it)."""
    repo = GitRepository(args.repo)
    templates = site_templates(args.source) if args.kind == "site" else None
    reports = []

    def fill(out: BinaryIO) -> None:
        reports.append(build(repo, args.commit, out, templates=templates, niceness=os.nice(0)))

    try:
        ExportFolder(args.out.parent).write(args.out, fill)
    finally:
        repo.close()
    print(json.dumps(dataclasses.asdict(reports[0])))
    return 0
