"""E-mail addresses typed at sign-up, checked by a few string tests instead of a pattern.

The earlier regular expression (``[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+``) backtracked over every
dot of a long domain: anyone could hold the server for seconds with one 40 KB "address" at the
open sign-up form.  The length is bounded first (an address is at most 254 bytes, RFC 5321),
and what is left is checked in one pass: one ``@``, something before it, and a domain with a
dot that is neither its first nor its last character.
"""

from __future__ import annotations

from wiki.errors import N_, BadInput

MAX_EMAIL_BYTES = 254
_NOT_IN_ADDRESS = frozenset("<>")


def check_email(address: str) -> str:
    """``address`` when it reads as an e-mail address; ``BadInput`` with a reason otherwise."""
    if len(address) > MAX_EMAIL_BYTES or len(address.encode("utf-8", "surrogatepass")) > MAX_EMAIL_BYTES:
        raise BadInput(N_("An e-mail address is at most {count} characters.", count=MAX_EMAIL_BYTES))
    local, at, domain = address.partition("@")
    if (
        not at
        or not local
        or "@" in domain
        or "." not in domain[1:-1]
        or any(char.isspace() or char in _NOT_IN_ADDRESS for char in address)
    ):
        raise BadInput(N_("That is not an e-mail address."))
    return address
