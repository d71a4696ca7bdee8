"""One SQLite connection per thread, all closed together.

A ``sqlite3`` connection must not be used by two threads at once, and opening one
per statement would cost more than the statement; so each thread that asks gets
its own, and ``close()`` closes them all (for the accounts database and the page
index alike).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from wiki.errors import DiskFull
from wiki.store import loopguard


class ThreadConnections:
    """Connections to the SQLite file ``path``, one per thread, each made ready by ``setup``
    (pragmas, schema) when the thread first asks."""

    def __init__(self, path: Path, setup: Callable[[sqlite3.Connection], None]) -> None:
        self.path = path
        self._setup = setup
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        """This thread's connection."""
        loopguard.check()
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._setup(connection)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection in one transaction, committed at the end or rolled back
        whole on an error; a full disk is ``DiskFull``, so nothing is ever half-written."""
        connection = self.get()
        try:
            with connection:
                yield connection
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode == sqlite3.SQLITE_FULL:
                raise DiskFull from error
            raise

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
