"""Accounts: users, their display names and the identities their commits carry.

Display names are held and passed on by ``display_names``; erased usernames and the
addresses of commits by ``identities``.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from wiki.errors import N_, NameTaken
from wiki.store import identities
from wiki.store.display_names import (
    SHARED,
    display_name_taken,
    fold_display_name,
    held_name,
    pass_on,
    rename,
)
from wiki.store.sqlbase import Tables, Transaction


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


USER_COLUMNS = "u.id, u.username, u.display_name, u.email, u.role, u.password_hash, u.disabled, u.pending"


def user_row(row: tuple[Any, ...]) -> UserRow:
    """A ``UserRow`` from the ``USER_COLUMNS`` that start ``row``."""
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


class UserTables(Tables):
    """The accounts."""

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
        email_confirmed: bool = True,
        language: str = "",
    ) -> int:
        """Insert an account (mailed a daily digest until its owner says otherwise; accounts
        from before mail existed keep ``never``), its address unconfirmed when
        ``email_confirmed`` is False, ``language`` its chosen language (empty: none yet);
        ``NameTaken`` when the username exists or was erased (both folded) or someone has the
        display name (folded: the unique indexes decide, so two at
        once cannot both).  Its id is new: never an erased account's (its commits' address)."""
        try:
            with self.backend.transaction() as transaction:
                if identities.username_erased(transaction, username):
                    raise _username_taken(username)
                user_id = identities.next_account_id(transaction)
                transaction.execute(
                    "INSERT INTO users (id, username, username_fold, display_name, display_fold, email, role,"
                    " password_hash, pending, created, mail_frequency, email_confirmed, language)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'daily', ?, ?)",
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
                        int(email_confirmed),
                        language,
                    ),
                )
        except self.backend.integrity_error:
            if self.user_by_name(username) is not None:
                raise _username_taken(username) from None
            raise display_name_taken(display_name) from None
        return user_id

    def _user(self, where: str, value: object, join: str = "") -> UserRow | None:
        # ``where`` and ``join`` are constants of this module; values are always parameters.
        row = self._row(f"SELECT {USER_COLUMNS} FROM users u {join} WHERE {where}", (value,))  # noqa: S608
        return None if row is None else user_row(row)

    def user_by_name(self, username: str) -> UserRow | None:
        """The account with this username (folded as sign-up compares them), or None; an
        account from before names were folded that shares its folded name is found by its
        exact name."""
        row = self._row(
            f"SELECT {USER_COLUMNS} FROM users u WHERE u.username = ? OR u.username_fold = ?"  # noqa: S608
            " ORDER BY CASE WHEN u.username = ? THEN 0 ELSE 1 END LIMIT 1",
            (username, identities.fold_username(username), username),
        )
        return None if row is None else user_row(row)

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
        query = f"SELECT {USER_COLUMNS} FROM users u ORDER BY u.pending DESC, lower(u.username)"  # noqa: S608
        return [user_row(row) for row in self._rows(query)]

    def update_user(self, user_id: int, **fields: object) -> None:
        """Change some of ``display_name``, ``disabled``, ``pending`` and the mail settings
        (``mail_frequency``, ``language``, ``email_confirmed``, ``auto_watch``); their sessions
        end when the account is disabled; ``NameTaken`` when someone else has the display name.
        Someone who starts getting mail (from ``never``) is mailed from now on: what they were
        told before stays in the wiki and is not mailed after all."""
        allowed = {"display_name", "disabled", "pending", "mail_frequency", "language", "email_confirmed", "auto_watch"}
        assert set(fields) <= allowed
        display_name = fields.pop("display_name", None)
        try:
            with self.backend.transaction() as transaction:
                if display_name is not None:
                    rename(transaction, user_id, str(display_name))
                if fields.get("mail_frequency", "never") != "never":
                    transaction.execute(
                        "UPDATE notifications SET mailed = 1 WHERE user_id = ? AND mailed = 0"
                        " AND (SELECT mail_frequency FROM users WHERE id = ?) = 'never'",
                        (user_id, user_id),
                    )
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
        """Erase an account with its sessions, tokens, comments, supports and drafts, its
        watches, notifications, mail and mail tokens (foreign keys), its comments' events and
        the mail not yet sent about them; remember only its commit addresses (its edits show
        under a neutral name) and a keyed hash of its username (nobody takes the name again)."""
        with self.backend.transaction() as transaction:
            row = transaction.execute("SELECT username FROM users WHERE id = ?", (user_id,)).fetchone()
            if row is None:
                return
            identities.erase(transaction, user_id, str(row[0]))
            # Its comments' events go with the comments (a foreign key); the mail others were
            # still to get about them names the event only by key, so it goes here.
            transaction.execute(
                "DELETE FROM outbox WHERE sent IS NULL AND key IN (SELECT 'event:' || e.id FROM events e"
                " JOIN comments c ON c.id = e.comment_id WHERE c.user_id = ?)",
                (user_id,),
            )
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
