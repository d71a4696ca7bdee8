"""Single-use links sent by mail: a password reset (``reset``), the confirmation of an address
(``confirm``), and the accounts such a link may be sent to.

Only the SHA-256 of a token is stored, so a copy of the database resets no password and
confirms no address.  Using a link is one statement that marks it used only while it is
unused and unexpired, in the transaction of what it does: two clicks at once cannot both pass,
and a link is never spent without its effect.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from wiki.store import identities
from wiki.store.sqlbase import Tables

RESET = "reset"
CONFIRM = "confirm"

_ACCOUNT_COLUMNS = (
    "u.id, u.username, u.display_name, u.email, u.language, u.email_confirmed, u.password_hash <> '',"
    " u.disabled, u.pending"
)


@dataclass(frozen=True, slots=True)
class MailAccount:
    """What deciding on and writing a mail to an account needs (never its password hash)."""

    id: int
    username: str
    display_name: str
    email: str
    language: str
    email_confirmed: bool
    has_password: bool
    active: bool


def _account(row: tuple[Any, ...]) -> MailAccount:
    return MailAccount(
        int(row[0]),
        str(row[1]),
        str(row[2]),
        str(row[3]),
        str(row[4]),
        bool(row[5]),
        bool(row[6]),
        not row[7] and not row[8],
    )


class MailTokenTables(Tables):
    """The ``mail_tokens`` table and what using a token changes."""

    def mail_accounts(self, username_or_email: str) -> list[MailAccount]:
        """The account with this username (folded as sign-up folds them) and every account
        with this address (without case), in one query: asking by name or by address costs
        the same."""
        query = (
            f"SELECT {_ACCOUNT_COLUMNS} FROM users u"  # noqa: S608 (constant columns)
            " WHERE u.username = ? OR u.username_fold = ? OR (u.email <> '' AND lower(u.email) = lower(?))"
            " ORDER BY u.id"
        )
        value = username_or_email
        return [_account(row) for row in self._rows(query, (value, identities.fold_username(value), value))]

    def mail_account(self, user_id: int) -> MailAccount | None:
        """One account as :meth:`mail_accounts` gives them, or None."""
        row = self._row(f"SELECT {_ACCOUNT_COLUMNS} FROM users u WHERE u.id = ?", (user_id,))  # noqa: S608
        return None if row is None else _account(row)

    def add_mail_token(self, token_hash: str, purpose: str, user_id: int, email: str, expires: float) -> None:
        """Store the hash of a new link for ``purpose`` to ``email``, valid until ``expires``."""
        self._write(
            "INSERT INTO mail_tokens (token_hash, purpose, user_id, email, created, expires) VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash, purpose, user_id, email, time.time(), expires),
        )

    def mail_token_state(self, token_hash: str, purpose: str, now: float) -> str:
        """``valid``, ``used``, ``expired`` or ``unknown`` (no such link for this purpose)."""
        row = self._row(
            "SELECT used, expires FROM mail_tokens WHERE token_hash = ? AND purpose = ?", (token_hash, purpose)
        )
        if row is None:
            return "unknown"
        if row[0] is not None:
            return "used"
        return "expired" if float(row[1]) <= now else "valid"

    def reset_with_token(self, token_hash: str, password_hash: str, now: float) -> int | None:
        """Spend a valid reset link: the account's new password, every session of the account
        ends, and its other reset links are spent too.  Its tokens stay.  The account's id, or
        None when the link is not valid (nothing changed)."""
        with self.backend.transaction() as transaction:
            row = transaction.execute(
                "UPDATE mail_tokens SET used = ? WHERE token_hash = ? AND purpose = ? AND used IS NULL"
                " AND expires > ? RETURNING user_id",
                (now, token_hash, RESET, now),
            ).fetchone()
            if row is None:
                return None
            user_id = int(row[0])
            transaction.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))
            transaction.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            transaction.execute(
                "UPDATE mail_tokens SET used = ? WHERE user_id = ? AND purpose = ? AND used IS NULL",
                (now, user_id, RESET),
            )
        return user_id

    def confirm_with_token(self, token_hash: str, now: float) -> int | None:
        """Spend a valid confirmation link whose address is still the account's: the address
        counts as confirmed.  The account's id, or None (nothing changed)."""
        with self.backend.transaction() as transaction:
            row = transaction.execute(
                "UPDATE mail_tokens SET used = ? WHERE token_hash = ? AND purpose = ? AND used IS NULL"
                " AND expires > ? AND email = (SELECT email FROM users WHERE users.id = mail_tokens.user_id)"
                " RETURNING user_id",
                (now, token_hash, CONFIRM, now),
            ).fetchone()
            if row is None:
                return None
            user_id = int(row[0])
            transaction.execute("UPDATE users SET email_confirmed = 1 WHERE id = ?", (user_id,))
        return user_id
