"""SQLite, the embedded default: its schema, its migrations and its connections.

Only what SQLite does differently lives here; the statements themselves are in the
table modules (``users``, ``credentials``, ``discussion``) and run unchanged on both
backends.  The schema is the one
databases made before PostgreSQL existed already have (``CREATE ... IF NOT
EXISTS``), so an existing file opens and keeps working; what was added since is
migrated in :func:`_migrate` (which brings every older file to schema version 1); changes
since versions exist are the steps of ``migrations.py``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wiki.store import migrations
from wiki.store.display_names import duplicates
from wiki.store.sqlite_threads import ThreadConnections

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    pending INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created REAL NOT NULL,
    last_used REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created REAL NOT NULL,
    hidden_reason TEXT,
    hidden_by TEXT
);
CREATE INDEX IF NOT EXISTS comments_target ON comments (target, id);
CREATE TABLE IF NOT EXISTS supports (
    proposal INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created REAL NOT NULL,
    PRIMARY KEY (proposal, user_id)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS former_authors (commit_email TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS signin_failures (key TEXT PRIMARY KEY, count INTEGER NOT NULL, first REAL NOT NULL);
CREATE TABLE IF NOT EXISTS drafts (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    page TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    base TEXT NOT NULL,
    saved REAL NOT NULL,
    PRIMARY KEY (user_id, page)
);
"""


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring a database made by an older version up to the schema above."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(users)")}
    if "pending" not in columns:  # databases made before sign-up existed
        connection.execute("ALTER TABLE users ADD COLUMN pending INTEGER NOT NULL DEFAULT 0")
    # Usernames are looked up as lower(username) on both backends; this index serves those
    # lookups.  COLLATE NOCASE above already kept names unique up to (ASCII) case, which is
    # exactly what SQLite's lower() folds, so the index builds on every existing file.
    connection.execute("CREATE UNIQUE INDEX IF NOT EXISTS users_username_lower ON users (lower(username))")
    if "display_fold" not in columns:  # databases made before display names had to be unique
        connection.execute("ALTER TABLE users ADD COLUMN display_fold TEXT")
        connection.execute("ALTER TABLE users ADD COLUMN display_duplicate INTEGER NOT NULL DEFAULT 0")
    taken = connection.execute(
        "SELECT display_fold FROM users WHERE display_fold IS NOT NULL AND display_duplicate = 0"
    ).fetchall()
    unfolded = connection.execute(
        "SELECT id, display_name FROM users WHERE display_fold IS NULL ORDER BY id"
    ).fetchall()
    connection.executemany(
        "UPDATE users SET display_fold = ?, display_duplicate = ? WHERE id = ?",
        duplicates(unfolded, (row[0] for row in taken)),
    )
    connection.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS users_display_fold ON users (display_fold, display_duplicate)"
    )


def _prepare(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA foreign_keys=ON")


class SqliteBackend:
    """One connection per thread, WAL so reads do not wait for writes."""

    name = "sqlite"
    error: type[Exception] = sqlite3.Error
    integrity_error: type[Exception] = sqlite3.IntegrityError

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connections = ThreadConnections(path, _prepare)
        with self.transaction() as connection:
            connection.executescript(_SCHEMA)
            # IMMEDIATE: two processes starting on one file must not both read the old version
            # and run the same step; the second waits for the first's commit, then finds nothing due.
            connection.execute("BEGIN IMMEDIATE")
            _migrate(connection)
            migrations.upgrade(connection, self.name)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection; what it writes is committed at the end, or rolled back on an error."""
        with self._connections.transaction() as connection:
            yield connection

    def backup(self, target: Path) -> None:
        """Copy the whole database to the new file ``target`` with SQLite's online backup:
        one step under one read lock, so the copy is one moment even while others write."""
        copy = sqlite3.connect(target)
        try:
            self._connections.get().backup(copy)
        finally:
            copy.close()

    def restore(self, source: Path) -> None:
        """Replace every table by those of the backup file ``source`` (made by :meth:`backup`)."""
        original = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            original.backup(self._connections.get())
        finally:
            original.close()

    def close(self) -> None:
        """Close every thread's connection."""
        self._connections.close()
