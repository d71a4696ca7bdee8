"""What opens an account: API tokens, server-side sessions, and the throttling of sign-in
attempts.  Only hashes of tokens and session ids are stored, so a copy of the database
opens no account."""

from __future__ import annotations

import time
from dataclasses import dataclass

from wiki.store.sqlbase import Tables
from wiki.store.users import USER_COLUMNS, UserRow, user_row


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


class CredentialTables(Tables):
    """Tokens, sessions and sign-in attempts."""

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
            f"SELECT {USER_COLUMNS}, t.id, t.expires, t.last_used FROM tokens t"  # noqa: S608
            " JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
            (token_hash,),
        )
        if row is None:
            return None
        expires, last_used = row[9], row[10]
        return TokenOwner(
            user_row(row),
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

    def add_session(self, id_hash: str, user_id: int, expires: float | None = None) -> None:
        """Start a server-side session; one from single sign-on ends at ``expires``."""
        now = time.time()
        self._write(
            "INSERT INTO sessions (id_hash, user_id, created, last_seen, expires) VALUES (?, ?, ?, ?, ?)",
            (id_hash, user_id, now, now, expires),
        )

    def session(self, id_hash: str) -> tuple[UserRow, float, float, float | None] | None:
        """The account, start, last activity and fixed end (None: none) of a session, or None."""
        row = self._row(
            f"SELECT {USER_COLUMNS}, s.created, s.last_seen, s.expires FROM sessions s"  # noqa: S608
            " JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?",
            (id_hash,),
        )
        if row is None:
            return None
        return user_row(row), float(row[8]), float(row[9]), None if row[10] is None else float(row[10])

    def touch_session(self, id_hash: str) -> None:
        """Record activity on a session (for the idle timeout)."""
        self._write("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (time.time(), id_hash))

    def delete_session(self, id_hash: str) -> None:
        """End a session on the server."""
        self._write("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))

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
