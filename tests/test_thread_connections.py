"""SQLite connections per thread: a thread that is gone leaves no connection open.

The thread pool lets idle workers go and starts new ones for the next burst; a
connection kept for every gone thread made resident memory rise all day.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from pathlib import Path

import pytest

from wiki.store.sqlite_threads import ThreadConnections


def _prepare(connection: sqlite3.Connection) -> None:
    connection.execute("create table if not exists t (n integer)")


def _in_a_thread(connections: ThreadConnections, kept: list[sqlite3.Connection]) -> None:
    def work() -> None:
        connection = connections.get()
        with connections.transaction() as written:
            written.execute("insert into t values (1)")
        kept.append(connection)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def test_a_gone_threads_connection_is_closed(tmp_path: Path) -> None:
    connections = ThreadConnections(tmp_path / "db.sqlite3", _prepare)
    kept: list[sqlite3.Connection] = []
    for _ in range(50):
        _in_a_thread(connections, kept)
    gc.collect()
    assert connections.open_count() == 0
    with pytest.raises(sqlite3.ProgrammingError):
        kept[0].execute("select 1")
    # What the gone threads wrote stays written.
    assert connections.get().execute("select count(*) from t").fetchone() == (50,)
    assert connections.open_count() == 1
    connections.close()


def test_a_live_thread_keeps_its_one_connection(tmp_path: Path) -> None:
    connections = ThreadConnections(tmp_path / "db.sqlite3", _prepare)
    assert connections.get() is connections.get()
    assert connections.open_count() == 1
    connections.close()
    assert connections.open_count() == 0
