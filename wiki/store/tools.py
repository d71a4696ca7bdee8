"""The one module that runs programs other than git: PostgreSQL's ``pg_dump`` and ``pg_restore``.

Git runs only through ``wiki.store.git``; every other program the wiki starts is started here, so
what runs outside Python can be read in one place.  The password of a database URL is
handed over in the environment (``PGPASSWORD``), never on the command line, where any
local user could read it in the process list.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from wiki.errors import N_, StoreUnavailable


def _connection(url: str) -> tuple[str, dict[str, str]]:
    """The connection string without its password, and the environment that carries it."""
    parts = {key: str(value) for key, value in conninfo_to_dict(url).items() if value is not None}
    environment = dict(os.environ)
    password = parts.pop("password", None)
    if password is not None:
        environment["PGPASSWORD"] = password
    return make_conninfo(**parts), environment


def _run(program: str, args: list[str], url: str) -> None:
    found = shutil.which(program)
    if found is None:
        raise StoreUnavailable(N_("{program} was not found: install PostgreSQL's client programs.", program=program))
    conninfo, environment = _connection(url)
    result = subprocess.run([found, *args, f"--dbname={conninfo}"], capture_output=True, check=False, env=environment)
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", errors="replace").strip()
        raise StoreUnavailable(N_("{program} failed: {reason}", program=program, reason=reason))


def pg_dump(url: str, target: Path) -> None:
    """Write the whole database ``url`` names to ``target`` in pg_dump's custom format: one
    consistent snapshot (a single repeatable-read transaction), taken while others write."""
    _run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], url)


def pg_restore(url: str, source: Path) -> None:
    """Replace the wiki's tables in the database ``url`` names by those of the dump
    ``source``, in one transaction: a restore that fails leaves the database as it was."""
    args = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    _run("pg_restore", [*args, str(source)], url)
