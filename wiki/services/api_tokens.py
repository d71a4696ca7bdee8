"""Personal API tokens: made, listed, revoked and checked.  A token is random and shown once;
only its SHA-256 is stored."""

from __future__ import annotations

import secrets
import time

from wiki.errors import N_, BadInput, NotFound, Unauthorized
from wiki.models import User
from wiki.services.account_rows import account_named, digest, to_user
from wiki.store.credentials import TokenRow
from wiki.store.database import Database

TOKEN_PREFIX = "wiki_"  # noqa: S105 (a prefix, not a secret)
# How long a new token may be valid, in days; None: until it is revoked.
TOKEN_LIFETIMES: tuple[int | None, ...] = (None, 30, 90, 365)
# A token's last use is written at most this often (seconds): a script calling many times a
# second costs one write a minute, and "last used" needs no finer grain.
TOKEN_USE_INTERVAL = 60.0
DAY = 86400.0


class ApiTokens:
    """The token half of the account service (``AccountService`` is one of these)."""

    db: Database

    def create_token(self, username: str, label: str = "", days: int | None = None) -> str:
        """A new personal API token for an account, valid for ``days`` (one of
        ``TOKEN_LIFETIMES``; None: until revoked); shown once, stored only as a hash."""
        if days not in TOKEN_LIFETIMES:
            raise BadInput(N_("A token is valid for 30, 90 or 365 days, or until you revoke it."))
        user = account_named(self.db, username)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = None if days is None else time.time() + days * DAY
        self.db.add_token(user.id, digest(token), label.strip()[:100] or "token", expires)
        return token

    def tokens(self, username: str) -> list[TokenRow]:
        """The tokens of an account (labels and dates, never the tokens)."""
        return self.db.tokens(username)

    def account_tokens(self, username: str) -> tuple[User, list[TokenRow]]:
        """An account with its tokens (for a maintainer's overview of them)."""
        account = account_named(self.db, username)
        return account, self.tokens(account.username)

    def revoke_token(self, username: str, token_id: int) -> None:
        """Revoke one token; ``NotFound`` when the account has no such token."""
        if not self.db.delete_token(token_id, username):
            raise NotFound(N_("No such token."))

    def revoke_all_tokens(self, username: str) -> int:
        """Revoke every token of an account (a maintainer's, or ``wiki token revoke --all``); how many."""
        return self.db.delete_tokens(account_named(self.db, username).id)

    def user_for_token(self, token: str) -> User | None:
        """The enabled account owning ``token``, or None; ``Unauthorized`` with the reason
        when the token has expired.  Notes the use (at most once a minute per token)."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        found = self.db.token_owner(digest(token))
        if found is None or found.user.disabled:
            return None
        now = time.time()
        if found.expires is not None and now >= found.expires:
            raise Unauthorized(N_("This token has expired. Make a new one on your account page."))
        if found.last_used is None or now - found.last_used >= TOKEN_USE_INTERVAL:
            self.db.touch_token(found.token_id, now, TOKEN_USE_INTERVAL)
        return to_user(found.user)
