"""Everything that is not content: accounts, API tokens, sessions and site secrets.

This lives outside the content repository (it is personal data and must be
erasable) in SQLite, addressed by ``WIKI_DATABASE_URL``.  Only hashes of tokens
and session ids are stored, so a copy of the database opens no account.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wiki.errors import BadInput, NameTaken

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
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
"""


@dataclass(frozen=True, slots=True)
class UserRow:
    """A users row as stored, password hash included (services only)."""

    id: int
    username: str
    display_name: str
    email: str
    role: str
    password_hash: str
    disabled: bool


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A token as listed to its owner: never the token itself."""

    id: int
    username: str
    label: str
    created: float
    last_used: float | None


_USER_COLUMNS = "u.id, u.username, u.display_name, u.email, u.role, u.password_hash, u.disabled"


def _user_row(row: tuple[Any, ...]) -> UserRow:
    return UserRow(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]), bool(row[6]))


def path_from_url(url: str) -> Path:
    """The file of a ``sqlite:///relative`` or ``sqlite:////absolute`` URL, or a plain path."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    if "://" in url:
        raise BadInput(f"Unsupported database URL {url!r}: use sqlite:///PATH.")
    return Path(url)


class Database:
    """The SQLite database; one connection per thread, WAL so reads do not wait for writes."""

    def __init__(self, url: str) -> None:
        self.path = path_from_url(url)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._db().executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()

    def ping(self) -> bool:
        """True when the database answers a query."""
        try:
            self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    # -- secrets --------------------------------------------------------------------------

    def secret(self, name: str, make: str) -> str:
        """The stored secret ``name``; stores ``make`` first when there is none yet."""
        connection = self._db()
        with connection:
            connection.execute("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)", (name, make))
        row = connection.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        return str(row[0])

    # -- users ----------------------------------------------------------------------------

    def add_user(self, username: str, display_name: str, email: str, role: str, password_hash: str) -> int:
        """Insert an account; ``NameTaken`` when the username exists (in any case)."""
        connection = self._db()
        try:
            with connection:
                cursor = connection.execute(
                    "INSERT INTO users (username, display_name, email, role, password_hash, created)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (username, display_name, email, role, password_hash, time.time()),
                )
        except sqlite3.IntegrityError:
            raise NameTaken(f"The username {username!r} is taken.") from None
        return int(cursor.lastrowid or 0)

    def _user(self, where: str, value: object, join: str = "") -> UserRow | None:
        # ``where`` and ``join`` are constants of this module; values are always parameters.
        query = f"SELECT {_USER_COLUMNS} FROM users u {join} WHERE {where}"  # noqa: S608
        row = self._db().execute(query, (value,)).fetchone()
        return None if row is None else _user_row(row)

    def user_by_name(self, username: str) -> UserRow | None:
        """The account with this username (case-insensitive), or None."""
        return self._user("u.username = ?", username)

    def user_by_id(self, user_id: int) -> UserRow | None:
        """The account with this id, or None."""
        return self._user("u.id = ?", user_id)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace an account's password hash (a rehash or a new password)."""
        with self._db() as connection:
            connection.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def set_role(self, user_id: int, role: str) -> None:
        """Change an account's role and end its sessions, so the new role applies at once."""
        with self._db() as connection:
            connection.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))
            connection.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    # -- tokens ---------------------------------------------------------------------------

    def add_token(self, user_id: int, token_hash: str, label: str) -> int:
        """Store the hash of a new API token."""
        with self._db() as connection:
            cursor = connection.execute(
                "INSERT INTO tokens (user_id, token_hash, label, created) VALUES (?, ?, ?, ?)",
                (user_id, token_hash, label, time.time()),
            )
        return int(cursor.lastrowid or 0)

    def user_by_token(self, token_hash: str) -> UserRow | None:
        """The account owning the token with this hash, or None."""
        return self._user("t.token_hash = ?", token_hash, "JOIN tokens t ON t.user_id = u.id")

    def tokens(self, username: str) -> list[TokenRow]:
        """The tokens of an account, newest first."""
        rows = self._db().execute(
            "SELECT t.id, u.username, t.label, t.created, t.last_used FROM tokens t"
            " JOIN users u ON u.id = t.user_id WHERE u.username = ? ORDER BY t.id DESC",
            (username,),
        )
        return [TokenRow(*row) for row in rows]

    def delete_token(self, token_id: int, username: str) -> bool:
        """Revoke one token of an account; False when there was no such token."""
        with self._db() as connection:
            cursor = connection.execute(
                "DELETE FROM tokens WHERE id = ? AND user_id = (SELECT id FROM users WHERE username = ?)",
                (token_id, username),
            )
        return cursor.rowcount > 0

    # -- sessions -------------------------------------------------------------------------

    def add_session(self, id_hash: str, user_id: int) -> None:
        """Start a server-side session."""
        now = time.time()
        with self._db() as connection:
            connection.execute(
                "INSERT INTO sessions (id_hash, user_id, created, last_seen) VALUES (?, ?, ?, ?)",
                (id_hash, user_id, now, now),
            )

    def session(self, id_hash: str) -> tuple[UserRow, float, float] | None:
        """The account, start and last activity of a session, or None."""
        row = (
            self._db()
            .execute(
                f"SELECT {_USER_COLUMNS}, s.created, s.last_seen FROM sessions s"  # noqa: S608
                " JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?",
                (id_hash,),
            )
            .fetchone()
        )
        if row is None:
            return None
        return _user_row(row), float(row[7]), float(row[8])

    def touch_session(self, id_hash: str) -> None:
        """Record activity on a session (for the idle timeout)."""
        with self._db() as connection:
            connection.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (time.time(), id_hash))

    def delete_session(self, id_hash: str) -> None:
        """End a session on the server."""
        with self._db() as connection:
            connection.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))
