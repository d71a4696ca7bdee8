"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temporary directory.

The cluster listens on 127.0.0.1 on a free port and on a socket in its own directory, trusts
local connections, and runs with fsync off (its data is thrown away).  ``initdb`` refuses to
run as root, so as root the cluster belongs to the ``postgres`` user that Debian's package
makes.  Readiness is awaited with ``pg_ctl -w``, never with sleeps.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

USER = "wiki"
SERVER_PROGRAMS = ("initdb", "pg_ctl")


class NotInstalled(Exception):
    """PostgreSQL's server programs are not on this machine."""


def server_bin() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: on PATH, or where Debian puts them
    (``/usr/lib/postgresql/VERSION/bin``, the newest version first)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name.split(".")[0]), reverse=True
    )
    for candidate in candidates:
        if all((Path(candidate) / name).is_file() for name in SERVER_PROGRAMS):
            return Path(candidate)
    raise NotInstalled("PostgreSQL's initdb and pg_ctl were not found (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A running cluster; :meth:`new_database` gives each test its own database."""

    def __init__(self) -> None:
        self.bin = server_bin()
        self.directory = Path(tempfile.mkdtemp(prefix="wiki-pg-"))
        self.data = self.directory / "data"
        self.port = _free_port()
        self._owner: pwd.struct_passwd | None = None
        self._numbers = itertools.count(1)
        if os.geteuid() == 0:
            try:
                self._owner = pwd.getpwnam("postgres")
            except KeyError:
                raise NotInstalled("running as root, but there is no postgres user to own the cluster") from None
            os.chown(self.directory, self._owner.pw_uid, self._owner.pw_gid)
        try:
            self._start()
        except BaseException:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise

    def _start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.directory}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-o", options, "-w", "start")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self._owner is not None:
            command = ["runuser", "-u", self._owner.pw_name, "--", *command]
        result = subprocess.run(command, cwd=self.directory, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.directory / "log"
            detail = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{program} failed:\n{result.stdout}{result.stderr}{detail}")

    def url(self, database: str) -> str:
        """The URL of ``database`` in this cluster, as ``WIKI_DATABASE_URL`` takes it."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        name = f"wiki_test_{next(self._numbers)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
