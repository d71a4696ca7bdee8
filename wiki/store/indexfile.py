"""The SQLite file the index lives in: its tables, one connection per thread, and its notes.

The page, history, search, link and blame indexes (``pageindex``, ``searchindex``,
``linkindex``, ``blameindex``) share this one file and its transactions, so a commit, its
pages' search entries, links and blame are recorded together.  The ``meta`` table holds
what the file reflects (the commit, the schema, generation counters); a file of another
schema is emptied and built again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wiki.errors import DiskFull
from wiki.store import blameindex, textindex
from wiki.store.sqlite_threads import ThreadConnections

_SCHEMA_VERSION = "5"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    path TEXT PRIMARY KEY,
    fold TEXT NOT NULL,
    title TEXT NOT NULL,
    title_fold TEXT NOT NULL,
    number INTEGER,
    blob TEXT NOT NULL,
    revision TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pages_fold ON pages (fold);
CREATE INDEX IF NOT EXISTS pages_title_fold ON pages (title_fold);
CREATE TABLE IF NOT EXISTS commits (
    seq INTEGER PRIMARY KEY,
    revision TEXT NOT NULL UNIQUE,
    author TEXT NOT NULL,
    email TEXT NOT NULL,
    date INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS commits_author ON commits (author, seq);
-- One person's edits by the addresses of their account (``PageIndex.commits_by``).
CREATE INDEX IF NOT EXISTS commits_email ON commits (email, seq);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER NOT NULL,
    path TEXT NOT NULL,
    old_path TEXT,
    status TEXT NOT NULL,
    blob TEXT,
    size INTEGER,
    old_size INTEGER,
    PRIMARY KEY (path, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS changes_seq ON changes (seq);
CREATE INDEX IF NOT EXISTS changes_old_path ON changes (old_path, seq) WHERE old_path IS NOT NULL;
CREATE INDEX IF NOT EXISTS changes_renames ON changes (path, seq) WHERE status = 'R';
CREATE INDEX IF NOT EXISTS changes_deleted ON changes (seq) WHERE status = 'D';
"""


def schema_version() -> str:
    """What the file records: its tables' version and the search's (with the stemmer's name and
    version), so a change to either builds the index again."""
    return f"{_SCHEMA_VERSION}/{textindex.schema_version()}"


def _prepare(connection: sqlite3.Connection) -> None:
    """Readers never wait for the writer (WAL); the schema is applied on every connection, so
    an index added since (``IF NOT EXISTS``) reaches files built by an older version."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(_SCHEMA + textindex.SCHEMA + blameindex.SCHEMA)


class IndexFile:
    """The index's SQLite file; one connection per thread (WAL mode).

    Writes happen only under the repository's writer lock; reads never wait.
    """

    def __init__(self, path: Path) -> None:
        """Open (or create) the file at ``path``; emptied when its schema is not this version's."""
        self.path = path
        self._connections = ThreadConnections(path, _prepare)
        self._local = threading.local()
        connection = self.db()
        if self.meta("schema") != schema_version():
            with connection:
                for table in ("pages", "commits", "changes", "meta", *textindex.TABLES, *blameindex.TABLES):
                    connection.execute(f"DROP TABLE IF EXISTS {table}")
            connection.executescript(_SCHEMA + textindex.SCHEMA + blameindex.SCHEMA)
            with connection:
                self.set_meta("schema", schema_version())

    def db(self) -> sqlite3.Connection:
        """This thread's connection."""
        return self._connections.get()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection inside one transaction (committed, or rolled back on error);
        inside ``held()`` a savepoint of the held transaction instead."""
        if getattr(self._local, "held", False):
            connection = self.db()
            connection.execute("SAVEPOINT step")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK TO step")
                connection.execute("RELEASE step")
                raise
            connection.execute("RELEASE step")
            return
        with self._connections.transaction() as connection:
            yield connection

    @contextmanager
    def held(self) -> Iterator[HeldWrites]:
        """This thread's writes kept in one open transaction until ``HeldWrites.commit``; rolled
        back when the block ends without it.  The group commit records a batch's commits here
        as it chains them (each plan reads the index as the commits before it left it), and
        only once the branch moved do other threads see them: a refused swap leaves the index
        as it was.  Each ``transaction()`` inside is a savepoint, undone alone when it fails."""
        connection = self.db()
        # IMMEDIATE: the file's write lock from the start (waiting for a writer outside the
        # writer slot, such as the proposals' search entries), so the held transaction
        # never meets a newer snapshot when it first writes.
        connection.execute("BEGIN IMMEDIATE")
        self._local.held = True
        writes = HeldWrites(connection)
        try:
            yield writes
        finally:
            self._local.held = False
            if connection.in_transaction:
                connection.rollback()

    def close(self) -> None:
        """Close every thread's connection."""
        self._connections.close()

    def meta(self, key: str) -> str | None:
        """A note the file keeps (``head``, ``schema``, ``pageset``, ``proposals``), or None."""
        row = self.db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a note, in the caller's transaction."""
        self.db().execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


class HeldWrites:
    """The open transaction of ``IndexFile.held``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def commit(self) -> None:
        """Make the held writes visible to every thread; ``DiskFull`` when there is no room
        (then nothing of them is kept)."""
        try:
            self._connection.commit()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode == sqlite3.SQLITE_FULL:
                self._connection.rollback()
                raise DiskFull from error
            raise
