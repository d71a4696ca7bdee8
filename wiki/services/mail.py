"""What the site knows about its mail without sending any: whether mail is on, the queue for
maintainers, and the one-click unsubscribe links every notification mail carries.

An unsubscribe link must work without signing in (RFC 8058: the mail program POSTs to it),
so it carries its own authority: ``<account id>.<HMAC>``, the HMAC (SHA-256, keyed with a
secret kept in the database) over the purpose and the account.  It never expires (an old mail
still unsubscribes) and does nothing but set the account's mail to "never", which the person
can undo in their settings; a changed or made-up token matches no account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from functools import cached_property

from wiki.config import Settings
from wiki.errors import N_, NotFound
from wiki.store.database import Database
from wiki.store.outbox import QueueState

_PURPOSE = b"unsubscribe:"


@dataclass(frozen=True, slots=True)
class MailStatus:
    """For /admin/mail: whether mail goes out (and if not, what is missing) and the queue."""

    relay: bool
    public_url: bool
    queue: QueueState

    @property
    def on(self) -> bool:
        """Mail goes out only with a relay and an address for its links."""
        return self.relay and self.public_url


class MailService:
    """Mail status and unsubscribe tokens (see the module docstring)."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings

    @cached_property
    def _key(self) -> bytes:
        return self.database.secret("mail-unsubscribe", secrets.token_hex(32)).encode()

    def _signature(self, user_id: int) -> str:
        digest = hmac.new(self._key, _PURPOSE + str(user_id).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")

    def unsubscribe_token(self, user_id: int) -> str:
        """The token of one account's unsubscribe link."""
        return f"{user_id}.{self._signature(user_id)}"

    def unsubscribe_url(self, user_id: int) -> str:
        """The full unsubscribe address of one account, on ``WIKI_PUBLIC_URL``."""
        return f"{self.settings.public_url.rstrip('/')}/unsubscribe/{self.unsubscribe_token(user_id)}"

    def _account(self, token: str) -> int:
        """The account a token names; ``NotFound`` for a token this site did not make."""
        account, _dot, signature = token.partition(".")
        if (
            account.isascii()
            and account.isdigit()
            and len(account) < 19
            and hmac.compare_digest(signature.encode(), self._signature(int(account)).encode())
            and self.database.user_by_id(int(account)) is not None
        ):
            return int(account)
        raise NotFound(N_("This unsubscribe link is not valid. Change your mail settings on your account page."))

    def check_unsubscribe(self, token: str) -> None:
        """``NotFound`` unless ``token`` is a valid unsubscribe token (the confirm page)."""
        self._account(token)

    def unsubscribe(self, token: str) -> None:
        """Send the token's account no more notification mail; ``NotFound`` for a bad token
        (nothing changes then)."""
        self.database.update_user(self._account(token), mail_frequency="never")

    def status(self) -> MailStatus:
        """Whether mail is on, and the outbox's counts and recent failures."""
        return MailStatus(
            bool(self.settings.smtp_url), bool(self.settings.public_url), self.database.queue_state(time.time())
        )
