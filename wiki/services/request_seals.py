"""Form tokens against request forgery, and seals that let the browser carry a value the site
can trust back (a notice cookie).  Both are HMACs under one key kept in the database, so every
instance of a site accepts what another issued."""

from __future__ import annotations

import hashlib
import hmac


class RequestSeals:
    """The sealing half of the account service (``AccountService`` is one of these)."""

    def __init__(self, key: bytes) -> None:
        self._csrf_key = key

    def csrf_token(self, anchor: str) -> str:
        """The form token bound to a session id or an anonymous visitor's cookie."""
        return hmac.new(self._csrf_key, anchor.encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, anchor: str, token: str) -> bool:
        """True when ``token`` was issued for ``anchor``."""
        return bool(anchor) and hmac.compare_digest(self.csrf_token(anchor), token)

    def seal(self, purpose: str, value: str) -> str:
        """An HMAC of ``value`` for one ``purpose`` (such as a notice cookie), so the browser can
        carry it and the site can trust it back; each purpose has its own key, derived from the
        form-token key, so no signature made for one use passes for another."""
        key = hmac.new(self._csrf_key, b"seal:" + purpose.encode(), hashlib.sha256).digest()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def sealed(self, purpose: str, value: str, signature: str) -> bool:
        """True when ``signature`` is ``seal(purpose, value)``."""
        return hmac.compare_digest(self.seal(purpose, value), signature)
