"""Everything that is not content: accounts, tokens, sessions, comments, supports, drafts,
sign-in throttling and counters such as proposal numbers.

This lives outside the content repository (it is personal data and must be erasable) in
the database ``WIKI_DATABASE_URL`` names: SQLite, the embedded default, or PostgreSQL,
which replicas share so that any instance serves any person.  The statements here are
portable SQL (``ON CONFLICT`` upserts, ``RETURNING``, ``CASE``) and run unchanged on
both; what really differs (schema, placeholders, connections, error classes) lives in
``sql_sqlite`` and ``sql_postgres``.  Only hashes of tokens and session ids are stored,
so a copy of the database opens no account.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from wiki.errors import N_, BadInput, NameTaken
from wiki.store import identities
from wiki.store.display_names import (
    SHARED,
    SHOWN_NAME,
    display_name_taken,
    fold_display_name,
    held_name,
    pass_on,
    rename,
)
from wiki.store.sql_sqlite import SqliteBackend


class Cursor(Protocol):
    """What a statement gives back, on either backend."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Transaction(Protocol):
    """A connection inside a transaction; statements take ``?`` placeholders."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...


class Backend(Protocol):
    """What ``sql_sqlite`` and ``sql_postgres`` each provide: the schema is made when one opens."""

    name: str
    error: type[Exception]
    integrity_error: type[Exception]

    def transaction(self) -> AbstractContextManager[Transaction]: ...

    def backup(self, target: Path) -> None: ...

    def restore(self, source: Path) -> None: ...

    def close(self) -> None: ...


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
    expires: float | None


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """The account a token opens, with what decides whether it still may."""

    user: UserRow
    token_id: int
    expires: float | None
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


def _username_taken(username: str) -> NameTaken:
    return NameTaken(N_("The username '{username}' is taken.", username=username))


def open_database(url: str) -> Database:
    """Open (creating the schema when missing) the database ``url`` names.

    ``sqlite:///relative``, ``sqlite:////absolute`` or a plain path: SQLite;
    ``postgresql://...`` or ``postgres://...`` (libpq's URL form): PostgreSQL.
    Raises ``BadInput`` for anything else."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return Database(SqliteBackend(Path(url)))
    if scheme in ("postgresql", "postgres"):
        # Imported here so that SQLite-only installations never load libpq.
        from wiki.store.sql_postgres import PostgresBackend  # noqa: PLC0415

        return Database(PostgresBackend(url))
    if scheme == "sqlite" and rest.startswith("/") and rest != "/":
        return Database(SqliteBackend(Path(rest[1:])))
    # Only the scheme is repeated: the rest of a URL may hold a password.
    raise BadInput(
        N_(
            "Unsupported database URL ({scheme}://...): use sqlite:///PATH or postgresql://USER:PASSWORD@HOST/NAME.",
            scheme=scheme,
        )
    )


class Database:
    """The store; each method is one short transaction, so it is safe from any thread."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.backend.transaction() as transaction:
            return transaction.execute(sql, params).fetchall()

    def _row(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.backend.transaction() as transaction:
            return transaction.execute(sql, params).fetchone()

    def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; how many rows it changed."""
        with self.backend.transaction() as transaction:
            return transaction.execute(sql, params).rowcount

    def close(self) -> None:
        """Close every connection."""
        self.backend.close()

    def holds_data(self) -> bool:
        """True when any account, comment, support, draft or counter is stored: a database a
        restore must not overwrite unless told to."""
        tables = ("users", "comments", "supports", "drafts", "former_authors", "identities", "erased_usernames")
        if any(self._row(f"SELECT 1 FROM {table} LIMIT 1") is not None for table in tables):  # noqa: S608
            return True
        # A new database starts its counters at 0 (the account counter is made by a migration).
        return self._row("SELECT 1 FROM counters WHERE value > 0 LIMIT 1") is not None

    def backup(self, target: Path) -> None:
        """Write a consistent copy of the whole database to the new file ``target`` (SQLite's
        online backup, or pg_dump), while others go on reading and writing."""
        self.backend.backup(target)

    def restore(self, source: Path) -> None:
        """Replace everything stored by the copy ``source`` that :meth:`backup` wrote on the
        same kind of database."""
        self.backend.restore(source)

    def ping(self) -> bool:
        """True when the database answers a query."""
        try:
            self._row("SELECT 1")
        except self.backend.error:
            return False
        return True

    # -- secrets --------------------------------------------------------------------------

    def secret(self, name: str, make: str) -> str:
        """The stored secret ``name``; stores ``make`` first when there is none yet.

        Replicas starting together agree: the first insert wins and every one reads it."""
        with self.backend.transaction() as transaction:
            transaction.execute(
                "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (name, make)
            )
            row = transaction.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
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
        """Insert an account; ``NameTaken`` when the username exists or was erased (both
        folded) or someone has the display name (folded: the unique indexes decide, so two at
        once cannot both).  Its id is new: never an erased account's (its commits' address)."""
        try:
            with self.backend.transaction() as transaction:
                if identities.username_erased(transaction, username):
                    raise _username_taken(username)
                user_id = identities.next_account_id(transaction)
                transaction.execute(
                    "INSERT INTO users (id, username, username_fold, display_name, display_fold, email, role,"
                    " password_hash, pending, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        user_id,
                        username,
                        identities.fold_username(username),
                        display_name,
                        fold_display_name(display_name),
                        email,
                        role,
                        password_hash,
                        int(pending),
                        time.time(),
                    ),
                )
        except self.backend.integrity_error:
            if self.user_by_name(username) is not None:
                raise _username_taken(username) from None
            raise display_name_taken(display_name) from None
        return user_id

    def _user(self, where: str, value: object, join: str = "") -> UserRow | None:
        # ``where`` and ``join`` are constants of this module; values are always parameters.
        row = self._row(f"SELECT {_USER_COLUMNS} FROM users u {join} WHERE {where}", (value,))  # noqa: S608
        return None if row is None else _user_row(row)

    def user_by_name(self, username: str) -> UserRow | None:
        """The account with this username (folded as sign-up compares them), or None; an
        account from before names were folded that shares its folded name is found by its
        exact name."""
        row = self._row(
            f"SELECT {_USER_COLUMNS} FROM users u WHERE u.username = ? OR u.username_fold = ?"  # noqa: S608
            " ORDER BY CASE WHEN u.username = ? THEN 0 ELSE 1 END LIMIT 1",
            (username, identities.fold_username(username), username),
        )
        return None if row is None else _user_row(row)

    def user_by_id(self, user_id: int) -> UserRow | None:
        """The account with this id, or None."""
        return self._user("u.id = ?", user_id)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace an account's password hash (a rehash or a new password)."""
        self._write("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def change_password_hash(self, user_id: int, password_hash: str, keep_session: str) -> None:
        """A person's own new password: every other session of theirs ends with it (one that
        someone else started with the old password among them); ``keep_session`` (the hash of
        the session that changed it) goes on."""
        with self.backend.transaction() as transaction:
            transaction.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))
            transaction.execute("DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?", (user_id, keep_session))

    def reset_password_hash(self, user_id: int, password_hash: str) -> None:
        """A maintainer's reset: the new password, and every session and token of the account
        ends, so whoever held the old password (or a token made with it) is out at once."""
        with self.backend.transaction() as transaction:
            transaction.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))
            transaction.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            transaction.execute("DELETE FROM tokens WHERE user_id = ?", (user_id,))

    def set_role(self, user_id: int, role: str) -> None:
        """Change an account's role and end its sessions, so the new role applies at once."""
        with self.backend.transaction() as transaction:
            transaction.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))
            transaction.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    def users(self) -> list[UserRow]:
        """Every account, waiting ones first, then by username."""
        query = f"SELECT {_USER_COLUMNS} FROM users u ORDER BY u.pending DESC, lower(u.username)"  # noqa: S608
        return [_user_row(row) for row in self._rows(query)]

    def update_user(self, user_id: int, **fields: object) -> None:
        """Change some of ``display_name``, ``disabled``, ``pending``; their sessions end when
        the account is disabled; ``NameTaken`` when someone else has the display name."""
        allowed = {"display_name", "disabled", "pending"}
        assert set(fields) <= allowed
        display_name = fields.pop("display_name", None)
        try:
            with self.backend.transaction() as transaction:
                if display_name is not None:
                    rename(transaction, user_id, str(display_name))
                self._update_flags(transaction, user_id, fields)
        except self.backend.integrity_error:
            raise display_name_taken(str(display_name)) from None

    @staticmethod
    def _update_flags(transaction: Transaction, user_id: int, fields: dict[str, object]) -> None:
        for name, value in fields.items():
            # Flags are stored as 0/1 on both backends (PostgreSQL refuses a bool for an integer).
            stored = int(value) if isinstance(value, bool) else value
            transaction.execute(f"UPDATE users SET {name} = ? WHERE id = ?", (stored, user_id))  # noqa: S608
        if fields.get("disabled"):
            transaction.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    def delete_user(self, user_id: int) -> None:
        """Erase an account with its sessions, tokens, comments, supports and drafts; remember
        only its commit addresses (its edits show under a neutral name) and a keyed hash of
        its username (nobody takes the name again)."""
        with self.backend.transaction() as transaction:
            row = transaction.execute("SELECT username FROM users WHERE id = ?", (user_id,)).fetchone()
            if row is None:
                return
            identities.erase(transaction, user_id, str(row[0]))
            held = held_name(transaction, user_id)
            transaction.execute("DELETE FROM users WHERE id = ?", (user_id,))
            if held is not None:
                pass_on(transaction, held)

    def commit_owners(self, emails: Collection[str]) -> dict[str, int]:
        """The account id each of these commit addresses stands for (``u<id>`` or an older
        username address mapped to its account); addresses of no account are left out."""
        with self.backend.transaction() as transaction:
            found = {email: identities.owner(transaction, email) for email in emails}
        return {email: user_id for email, user_id in found.items() if user_id is not None}

    def former_authors(self) -> set[str]:
        """Commit addresses of deleted accounts."""
        return {str(row[0]) for row in self._rows("SELECT commit_email FROM former_authors")}

    def former_author_count(self) -> int:
        """How many commit addresses erasures marked (one or two per erasure; it only grows)."""
        return int(self._rows("SELECT count(*) FROM former_authors")[0][0])

    def shared_display_names(self, folded: Collection[str]) -> set[str]:
        """Which of these folded display names two or more accounts hold (from before names had
        to be unique), in one query for a whole page of rows."""
        if not folded:
            return set()
        marks = ", ".join("?" * len(folded))
        rows = self._rows(
            f"SELECT display_fold FROM users WHERE display_fold IN ({marks})"  # noqa: S608
            " GROUP BY display_fold HAVING count(*) > 1",
            tuple(folded),
        )
        return {str(row[0]) for row in rows}

    def shared_name_count(self) -> int:
        """How many accounts share their display name with another: it only falls while the
        wiki runs (nobody can take a held name), so it tells when shown names changed."""
        return int(self._rows(f"SELECT count(*) FROM users u WHERE {SHARED}")[0][0])  # noqa: S608

    # -- comments and supports ------------------------------------------------------------

    def add_comment(self, target: str, user_id: int, body: str) -> int:
        """Store a comment on a proposal (``proposal:ID``) or a page (``page:NAME``)."""
        row = self._row(
            "INSERT INTO comments (target, user_id, body, created) VALUES (?, ?, ?, ?) RETURNING id",
            (target, user_id, body, time.time()),
        )
        return int(row[0])

    def comments(self, target: str | None = None) -> list[CommentRow]:
        """Comments on one target (or all), oldest first."""
        query = (
            f"SELECT c.id, c.target, u.username, {SHOWN_NAME}, c.body, c.created, c.hidden_reason,"  # noqa: S608
            " c.hidden_by FROM comments c JOIN users u ON u.id = c.user_id"
        )
        rows = (
            self._rows(query + " WHERE c.target = ? ORDER BY c.id", (target,))
            if target is not None
            else self._rows(query + " ORDER BY c.id")
        )
        return [CommentRow(*row) for row in rows]

    def hide_comment(self, comment_id: int, target: str, reason: str, by: str) -> bool:
        """Hide a comment behind a placeholder with the reason; False when there is no such comment."""
        changed = self._write(
            "UPDATE comments SET hidden_reason = ?, hidden_by = ? WHERE id = ? AND target = ?",
            (reason, by, comment_id, target),
        )
        return changed > 0

    def set_support(self, proposal: int, user_id: int, supported: bool) -> None:
        """Add or withdraw one person's support (at most one each)."""
        if supported:
            self._write(
                "INSERT INTO supports (proposal, user_id, created) VALUES (?, ?, ?)"
                " ON CONFLICT (proposal, user_id) DO NOTHING",
                (proposal, user_id, time.time()),
            )
        else:
            self._write("DELETE FROM supports WHERE proposal = ? AND user_id = ?", (proposal, user_id))

    def supporters(self, proposal: int) -> list[tuple[str, str]]:
        """Username and display name of each supporter, in the order they supported."""
        rows = self._rows(
            f"SELECT u.username, {SHOWN_NAME} FROM supports s JOIN users u ON u.id = s.user_id"  # noqa: S608
            " WHERE s.proposal = ? ORDER BY s.created",
            (proposal,),
        )
        return [(str(a), str(b)) for a, b in rows]

    def support_counts(self, proposals: Collection[int]) -> dict[int, int]:
        """How many people support each of ``proposals`` (0 for none), in one query for a
        whole list rather than one per proposal."""
        counts = dict.fromkeys(proposals, 0)
        if not counts:
            return counts
        marks = ", ".join("?" * len(counts))
        rows = self._rows(
            f"SELECT proposal, count(*) FROM supports WHERE proposal IN ({marks}) GROUP BY proposal",  # noqa: S608
            list(counts),
        )
        counts.update({int(proposal): int(count) for proposal, count in rows})
        return counts

    def all_supports(self) -> list[tuple[int, str, float]]:
        """Every support as (proposal, display name, time), for the open-data export."""
        rows = self._rows(
            "SELECT s.proposal, u.display_name, s.created FROM supports s JOIN users u ON u.id = s.user_id"
            " ORDER BY s.proposal, s.created"
        )
        return [(int(a), str(b), float(c)) for a, b, c in rows]

    def next_number(self, name: str, at_least: int) -> int:
        """The next value of a counter (such as proposal numbers), never below ``at_least``.

        One statement, so two processes sharing the database never get the same number."""
        row = self._row(
            "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value ="
            " CASE WHEN counters.value >= excluded.value THEN counters.value + 1 ELSE excluded.value END"
            " RETURNING value",
            (name, max(at_least, 1)),
        )
        return int(row[0])

    # -- sign-in throttling ----------------------------------------------------------------

    def count_attempt(self, key: str, window: float) -> int:
        """Count one sign-in attempt for ``key`` (an account or an address) and return how many
        it has in the current window, this one included; a window that has passed starts over.

        The count and the answer are one statement: a throttle that read first and counted
        after let 40 guesses sent at once all be tried, since each read the same old count."""
        row = self._row(
            "INSERT INTO signin_failures (key, count, first) VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE SET"
            " count = CASE WHEN excluded.first - signin_failures.first > ? THEN 1"
            " ELSE signin_failures.count + 1 END,"
            " first = CASE WHEN excluded.first - signin_failures.first > ? THEN excluded.first"
            " ELSE signin_failures.first END"
            " RETURNING count",
            (key, time.time(), float(window), float(window)),
        )
        return int(row[0])

    def uncount_attempt(self, key: str) -> None:
        """Take back one counted attempt that turned out not to be a failure (it was refused
        before the password was tried, or the password was right)."""
        self._write("UPDATE signin_failures SET count = count - 1 WHERE key = ? AND count > 0", (key,))

    def clear_failures(self, key: str) -> None:
        """Forget the failures of ``key`` (after a successful sign-in)."""
        self._write("DELETE FROM signin_failures WHERE key = ?", (key,))

    # -- drafts -----------------------------------------------------------------------------

    def put_draft(self, user_id: int, page: str, title: str, body: str, base: str) -> None:
        """Keep one person's unsaved text of one page (one draft per person and page)."""
        self._write(
            "INSERT INTO drafts (user_id, page, title, body, base, saved) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id, page) DO UPDATE SET"
            " title = excluded.title, body = excluded.body, base = excluded.base, saved = excluded.saved",
            (user_id, page, title, body, base, time.time()),
        )

    def draft(self, user_id: int, page: str) -> tuple[str, str, str, float] | None:
        """(title, body, base revision, time saved) of a draft, or None."""
        row = self._row("SELECT title, body, base, saved FROM drafts WHERE user_id = ? AND page = ?", (user_id, page))
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]), float(row[3]))

    def delete_draft(self, user_id: int, page: str) -> None:
        """Forget a draft (after a save, or when the person discards it)."""
        self._write("DELETE FROM drafts WHERE user_id = ? AND page = ?", (user_id, page))

    # -- tokens ---------------------------------------------------------------------------

    def add_token(self, user_id: int, token_hash: str, label: str, expires: float | None = None) -> int:
        """Store the hash of a new API token, valid until ``expires`` (None: until revoked)."""
        row = self._row(
            "INSERT INTO tokens (user_id, token_hash, label, created, expires) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (user_id, token_hash, label, time.time(), expires),
        )
        return int(row[0])

    def token_owner(self, token_hash: str) -> TokenOwner | None:
        """The account owning the token with this hash, with the token's id, expiry and last use."""
        row = self._row(
            f"SELECT {_USER_COLUMNS}, t.id, t.expires, t.last_used FROM tokens t"  # noqa: S608
            " JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
            (token_hash,),
        )
        if row is None:
            return None
        expires, last_used = row[9], row[10]
        return TokenOwner(
            _user_row(row),
            int(row[8]),
            None if expires is None else float(expires),
            None if last_used is None else float(last_used),
        )

    def touch_token(self, token_id: int, now: float, interval: float) -> None:
        """Record that a token was used at ``now``, unless that was recorded less than
        ``interval`` seconds ago (by this or another replica): one write a minute at most."""
        self._write(
            "UPDATE tokens SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used <= ?)",
            (now, token_id, now - interval),
        )

    def tokens(self, username: str) -> list[TokenRow]:
        """The tokens of an account, newest first."""
        rows = self._rows(
            "SELECT t.id, u.username, t.label, t.created, t.last_used, t.expires FROM tokens t"
            " JOIN users u ON u.id = t.user_id WHERE lower(u.username) = lower(?) ORDER BY t.id DESC",
            (username,),
        )
        return [TokenRow(*row) for row in rows]

    def delete_token(self, token_id: int, username: str) -> bool:
        """Revoke one token of an account; False when there was no such token."""
        changed = self._write(
            "DELETE FROM tokens WHERE id = ? AND user_id = (SELECT id FROM users WHERE lower(username) = lower(?))",
            (token_id, username),
        )
        return changed > 0

    def delete_tokens(self, user_id: int) -> int:
        """Revoke every token of an account; how many there were."""
        return self._write("DELETE FROM tokens WHERE user_id = ?", (user_id,))

    # -- sessions -------------------------------------------------------------------------

    def add_session(self, id_hash: str, user_id: int) -> None:
        """Start a server-side session."""
        now = time.time()
        self._write(
            "INSERT INTO sessions (id_hash, user_id, created, last_seen) VALUES (?, ?, ?, ?)",
            (id_hash, user_id, now, now),
        )

    def session(self, id_hash: str) -> tuple[UserRow, float, float] | None:
        """The account, start and last activity of a session, or None."""
        row = self._row(
            f"SELECT {_USER_COLUMNS}, s.created, s.last_seen FROM sessions s"  # noqa: S608
            " JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?",
            (id_hash,),
        )
        if row is None:
            return None
        return _user_row(row), float(row[8]), float(row[9])

    def touch_session(self, id_hash: str) -> None:
        """Record activity on a session (for the idle timeout)."""
        self._write("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (time.time(), id_hash))

    def delete_session(self, id_hash: str) -> None:
        """End a session on the server."""
        self._write("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))
