"""One SQLite connection per thread, all closed together.

A ``sqlite3`` connection must not be used by two threads at once, and opening one
per statement would cost more than the statement; so each thread that asks gets
its own, and ``close()`` closes them all (for the accounts database and the page
index alike).

A thread's connection is closed when the thread ends. The thread pool lets idle
workers go and starts new ones for the next burst, so connections kept for gone
threads piled up with their page caches: hundreds of open connections, and
resident memory rising all day, with two live threads.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
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
        self._connections: set[sqlite3.Connection] = set()
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        """This thread's connection."""
        loopguard.check()
        held: _Held | None = getattr(self._local, "held", None)
        if held is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._setup(connection)
            held = _Held(connection)
            with self._lock:
                self._connections.add(connection)
            # The thread's locals go when it ends, and with them the one reference to
            # ``held``: the finalizer then closes the connection.
            weakref.finalize(held, self._forget, connection)
            self._local.held = held
        return held.connection

    def open_count(self) -> int:
        """How many connections are open: one per live thread that asked."""
        with self._lock:
            return len(self._connections)

    def _forget(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            if connection not in self._connections:
                return
            self._connections.discard(connection)
        connection.close()

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
            connections = list(self._connections)
            self._connections.clear()
        for connection in connections:
            connection.close()


class _Held:
    """One thread's connection, held in its thread-locals (a ``sqlite3.Connection`` cannot
    carry a weak reference itself)."""

    __slots__ = ("__weakref__", "connection")

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
