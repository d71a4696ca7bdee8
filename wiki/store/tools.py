"""The one module that runs programs other than git: PostgreSQL's ``pg_dump`` and ``pg_restore``,
and the wiki's own command in a child process of lower priority (``WikiChild``).

Git runs only through ``wiki.store.git``; every other program the wiki starts is started here, so
what runs outside Python can be read in one place.  The password of a database URL is
handed over in the environment (``PGPASSWORD``), never on the command line, where any
local user could read it in the process list.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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


#: The folder the ``wiki`` package was imported from.
_CODE = Path(__file__).resolve().parents[2]
#: Lowers the child's priority before it imports anything (the imports alone take a good part of a
#: second of CPU), then runs the ``wiki`` command line with the arguments that follow.
_NICED_WIKI = "import os, sys; os.nice(int(sys.argv[1])); from wiki.cli import main; sys.exit(main(sys.argv[2:]))"


@dataclass(frozen=True, slots=True)
class ChildEnd:
    """How a child ended: its exit status (negative: the signal that killed it) and its output."""

    returncode: int
    stdout: str
    stderr: str


#: A Python child of ``python_child``.
PythonChild = subprocess.Popen[bytes]


def _child_environment() -> dict[str, str]:
    """This process's environment with the folder of this very ``wiki`` package first on the path."""
    paths = [str(_CODE), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def python_child(code: str, stdout: IO[bytes]) -> PythonChild:
    """``code`` run by this Python in a fresh interpreter (``-P``: importing this very ``wiki``
    package, never one in the folder the server was started from), fed through a pipe, its
    output into ``stdout`` (a file, so it never waits for a reader), its errors dropped."""
    command = [sys.executable, "-P", "-c", code]
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=stdout, stderr=subprocess.DEVNULL, env=_child_environment()
    )


class WikiChild:
    """The ``wiki`` command running in its own process, ``niceness`` steps kinder than this one.

    Work that would hold the GIL for seconds (building a download renders every page) goes here:
    a thread cannot have a lower priority than the threads serving requests, a process can, so the
    operating system gives the server the CPU first.  Its own process group, so a signal meant
    for the server's terminal does not reach it halfway, but the server's session: with Linux's
    autogroup scheduling (on by default) a new session would be a group of its own, weighed
    against the server's as an equal, whatever its niceness.  ``kill`` ends it."""

    def __init__(self, args: list[str], niceness: int) -> None:
        # ``-P`` and the path in front: the child runs this very ``wiki`` package, never one that
        # happens to lie in the folder the server was started from.
        command = [sys.executable, "-P", "-c", _NICED_WIKI, str(niceness), *args]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=_child_environment(), process_group=0,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def finish(self, timeout: float) -> ChildEnd:
        """Wait for the child to end (blocking this thread, not spinning); killed after ``timeout``
        seconds, which reads as ended by SIGKILL."""
        try:
            stdout, stderr = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            stdout, stderr = self.process.communicate()
        return ChildEnd(self.process.returncode, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))

    def kill(self) -> None:
        """End the child now (it is reaped by ``finish``)."""
        if self.process.returncode is None:
            self.process.kill()
