"""Single sign-on in the database: which account an OpenID Connect identity (issuer and
subject) opens, and the sign-ins under way at the provider.

A sign-in under way is kept by the SHA-256 of its ``state`` with its nonce and PKCE verifier
(never sent to the browser), the account it links or deletes, and the session it is bound to;
taking it back deletes it in the same statement, so a ``state`` works once, on one instance
only, and none is older than ``REQUEST_SECONDS``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from wiki.store.sqlbase import Tables
from wiki.store.users import USER_COLUMNS, UserRow, user_row

#: How long someone may take at the provider before their sign-in has to start again.
REQUEST_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class SignInRequest:
    """A sign-in under way: what it is for (``signin``, ``link`` or ``delete``), the values the
    callback must check, where to go after, and for ``link``/``delete`` the account and session."""

    purpose: str
    nonce: str
    verifier: str
    target: str
    user_id: int | None
    session_hash: str


class SingleSignOnTables(Tables):
    """OpenID Connect identities and sign-ins under way."""

    def add_sign_in_request(self, state_hash: str, request: SignInRequest) -> None:
        """Keep a sign-in under way (and forget the ones nobody came back from)."""
        now = time.time()
        with self.backend.transaction() as transaction:
            transaction.execute("DELETE FROM oidc_requests WHERE created < ?", (now - REQUEST_SECONDS,))
            transaction.execute(
                "INSERT INTO oidc_requests (state_hash, purpose, nonce, verifier, target, user_id, session_hash,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    state_hash,
                    request.purpose,
                    request.nonce,
                    request.verifier,
                    request.target,
                    request.user_id,
                    request.session_hash,
                    now,
                ),
            )

    def take_sign_in_request(self, state_hash: str) -> SignInRequest | None:
        """The sign-in under way with this state, deleted as it is read (it works once); None
        when there is none or it is too old."""
        row = self._row(
            "DELETE FROM oidc_requests WHERE state_hash = ?"
            " RETURNING purpose, nonce, verifier, target, user_id, session_hash, created",
            (state_hash,),
        )
        if row is None or float(row[6]) < time.time() - REQUEST_SECONDS:
            return None
        return SignInRequest(
            str(row[0]), str(row[1]), str(row[2]), str(row[3]), None if row[4] is None else int(row[4]), str(row[5])
        )

    def identity_owner(self, issuer: str, subject: str) -> UserRow | None:
        """The account this identity opens, or None."""
        row = self._row(
            f"SELECT {USER_COLUMNS} FROM oidc_identities i JOIN users u ON u.id = i.user_id"  # noqa: S608
            " WHERE i.issuer = ? AND i.subject = ?",
            (issuer, subject),
        )
        return None if row is None else user_row(row)

    def link_identity(self, issuer: str, subject: str, user_id: int) -> bool:
        """Let this identity open the account; False when the identity opens an account already
        or the account has an identity at this issuer (each is linked once)."""
        try:
            self._write(
                "INSERT INTO oidc_identities (issuer, subject, user_id, created) VALUES (?, ?, ?, ?)",
                (issuer, subject, user_id, time.time()),
            )
        except self.backend.integrity_error:
            return False
        return True

    def has_identity(self, user_id: int, issuer: str) -> bool:
        """Whether the account signs in through this issuer."""
        found = self._row("SELECT 1 FROM oidc_identities WHERE user_id = ? AND issuer = ?", (user_id, issuer))
        return found is not None

    def set_profile(self, user_id: int, email: str | None, role: str | None) -> None:
        """What the provider says at a sign-in: a verified address (confirmed at once) and, with a
        role claim, the role (without ending sessions: the person is signing in right now)."""
        with self.backend.transaction() as transaction:
            if email is not None:
                transaction.execute("UPDATE users SET email = ?, email_confirmed = 1 WHERE id = ?", (email, user_id))
            if role is not None:
                transaction.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))
