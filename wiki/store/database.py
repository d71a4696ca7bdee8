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
    pending: bool


@dataclass(frozen=True, slots=True)
class CommentRow:
    """A comment as stored, with its author's display name."""

    id: int
    target: str
    username: str
    author: str
    body: str
    created: float
    hidden_reason: str | None
    hidden_by: str | None


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A token as listed to its owner: never the token itself."""

    id: int
    username: str
    label: str
    created: float
    last_used: float | None


_USER_COLUMNS = "u.id, u.username, u.display_name, u.email, u.role, u.password_hash, u.disabled, u.pending"


def _user_row(row: tuple[Any, ...]) -> UserRow:
    return UserRow(
        int(row[0]),
        str(row[1]),
        str(row[2]),
        str(row[3]),
        str(row[4]),
        str(row[5]),
        bool(row[6]),
        bool(row[7]),
    )


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
        columns = {row[1] for row in self._db().execute("PRAGMA table_info(users)")}
        if "pending" not in columns:  # databases made before sign-up existed
            self._db().execute("ALTER TABLE users ADD COLUMN pending INTEGER NOT NULL DEFAULT 0")

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

    def add_user(
        self,
        username: str,
        display_name: str,
        email: str,
        role: str,
        password_hash: str,
        *,
        pending: bool = False,
    ) -> int:
        """Insert an account; ``NameTaken`` when the username exists (in any case)."""
        connection = self._db()
        try:
            with connection:
                cursor = connection.execute(
                    "INSERT INTO users (username, display_name, email, role, password_hash, pending, created)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (username, display_name, email, role, password_hash, int(pending), time.time()),
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

    def end_sessions(self, user_id: int) -> None:
        """End every session of an account."""
        with self._db() as connection:
            connection.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    def set_role(self, user_id: int, role: str) -> None:
        """Change an account's role and end its sessions, so the new role applies at once."""
        with self._db() as connection:
            connection.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))
            connection.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    def users(self) -> list[UserRow]:
        """Every account, waiting ones first, then by username."""
        query = f"SELECT {_USER_COLUMNS} FROM users u ORDER BY u.pending DESC, u.username"  # noqa: S608
        return [_user_row(row) for row in self._db().execute(query)]

    def update_user(self, user_id: int, **fields: object) -> None:
        """Change some of ``display_name``, ``disabled``, ``pending``; their sessions end when
        the account is disabled."""
        allowed = {"display_name", "disabled", "pending"}
        assert set(fields) <= allowed
        with self._db() as connection:
            for name, value in fields.items():
                connection.execute(f"UPDATE users SET {name} = ? WHERE id = ?", (value, user_id))  # noqa: S608
            if fields.get("disabled"):
                connection.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    def delete_user(self, user_id: int, commit_email: str) -> None:
        """Erase an account with its sessions, tokens, comments and supports; remember only the
        non-personal commit address, so its edits show under a neutral name."""
        with self._db() as connection:
            connection.execute("INSERT OR IGNORE INTO former_authors (commit_email) VALUES (?)", (commit_email,))
            connection.execute("DELETE FROM users WHERE id = ?", (user_id,))

    def former_authors(self) -> set[str]:
        """Commit addresses of deleted accounts."""
        return {str(row[0]) for row in self._db().execute("SELECT commit_email FROM former_authors")}

    # -- comments and supports ------------------------------------------------------------

    def add_comment(self, target: str, user_id: int, body: str) -> int:
        """Store a comment on a proposal (``proposal:ID``) or a page (``page:NAME``)."""
        with self._db() as connection:
            cursor = connection.execute(
                "INSERT INTO comments (target, user_id, body, created) VALUES (?, ?, ?, ?)",
                (target, user_id, body, time.time()),
            )
        return int(cursor.lastrowid or 0)

    def comments(self, target: str | None = None) -> list[CommentRow]:
        """Comments on one target (or all), oldest first."""
        query = (
            "SELECT c.id, c.target, u.username, u.display_name, c.body, c.created, c.hidden_reason,"
            " c.hidden_by FROM comments c JOIN users u ON u.id = c.user_id"
        )
        rows = (
            self._db().execute(query + " WHERE c.target = ? ORDER BY c.id", (target,))
            if target is not None
            else self._db().execute(query + " ORDER BY c.id")
        )
        return [CommentRow(*row) for row in rows]

    def hide_comment(self, comment_id: int, target: str, reason: str, by: str) -> bool:
        """Hide a comment behind a placeholder with the reason; False when there is no such comment."""
        with self._db() as connection:
            cursor = connection.execute(
                "UPDATE comments SET hidden_reason = ?, hidden_by = ? WHERE id = ? AND target = ?",
                (reason, by, comment_id, target),
            )
        return cursor.rowcount > 0

    def set_support(self, proposal: int, user_id: int, supported: bool) -> None:
        """Add or withdraw one person's support (at most one each)."""
        with self._db() as connection:
            if supported:
                connection.execute(
                    "INSERT OR IGNORE INTO supports (proposal, user_id, created) VALUES (?, ?, ?)",
                    (proposal, user_id, time.time()),
                )
            else:
                connection.execute("DELETE FROM supports WHERE proposal = ? AND user_id = ?", (proposal, user_id))

    def supporters(self, proposal: int) -> list[tuple[str, str]]:
        """Username and display name of each supporter, in the order they supported."""
        rows = self._db().execute(
            "SELECT u.username, u.display_name FROM supports s JOIN users u ON u.id = s.user_id"
            " WHERE s.proposal = ? ORDER BY s.created",
            (proposal,),
        )
        return [(str(a), str(b)) for a, b in rows]

    def all_supports(self) -> list[tuple[int, str, float]]:
        """Every support as (proposal, display name, time), for the open-data export."""
        rows = self._db().execute(
            "SELECT s.proposal, u.display_name, s.created FROM supports s JOIN users u ON u.id = s.user_id"
            " ORDER BY s.proposal, s.created"
        )
        return [(int(a), str(b), float(c)) for a, b, c in rows]

    def next_number(self, name: str, at_least: int) -> int:
        """The next value of a counter (such as proposal numbers), never below ``at_least``."""
        with self._db() as connection:
            row = connection.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
            value = max(int(row[0]) + 1 if row else 1, at_least)
            connection.execute("INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (name, value))
        return value

    # -- sign-in throttling ----------------------------------------------------------------

    def failures(self, key: str, window: float) -> int:
        """How many failed sign-ins ``key`` (an account or an address) had in the last ``window`` seconds."""
        row = self._db().execute("SELECT count, first FROM signin_failures WHERE key = ?", (key,)).fetchone()
        if row is None or time.time() - float(row[1]) > window:
            return 0
        return int(row[0])

    def add_failure(self, key: str, window: float) -> None:
        """Count one failed sign-in for ``key``, starting a new window when the old one passed."""
        now = time.time()
        with self._db() as connection:
            row = connection.execute("SELECT count, first FROM signin_failures WHERE key = ?", (key,)).fetchone()
            if row is None or now - float(row[1]) > window:
                connection.execute(
                    "INSERT OR REPLACE INTO signin_failures (key, count, first) VALUES (?, 1, ?)", (key, now)
                )
            else:
                connection.execute("UPDATE signin_failures SET count = count + 1 WHERE key = ?", (key,))

    def clear_failures(self, key: str) -> None:
        """Forget the failures of ``key`` (after a successful sign-in)."""
        with self._db() as connection:
            connection.execute("DELETE FROM signin_failures WHERE key = ?", (key,))

    # -- drafts -----------------------------------------------------------------------------

    def put_draft(self, user_id: int, page: str, title: str, body: str, base: str) -> None:
        """Keep one person's unsaved text of one page (one draft per person and page)."""
        with self._db() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO drafts (user_id, page, title, body, base, saved) VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, page, title, body, base, time.time()),
            )

    def draft(self, user_id: int, page: str) -> tuple[str, str, str, float] | None:
        """(title, body, base revision, time saved) of a draft, or None."""
        row = (
            self._db()
            .execute("SELECT title, body, base, saved FROM drafts WHERE user_id = ? AND page = ?", (user_id, page))
            .fetchone()
        )
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]), float(row[3]))

    def delete_draft(self, user_id: int, page: str) -> None:
        """Forget a draft (after a save, or when the person discards it)."""
        with self._db() as connection:
            connection.execute("DELETE FROM drafts WHERE user_id = ? AND page = ?", (user_id, page))

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
        return _user_row(row), float(row[8]), float(row[9])

    def touch_session(self, id_hash: str) -> None:
        """Record activity on a session (for the idle timeout)."""
        with self._db() as connection:
            connection.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (time.time(), id_hash))

    def delete_session(self, id_hash: str) -> None:
        """End a session on the server."""
        with self._db() as connection:
            connection.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))
